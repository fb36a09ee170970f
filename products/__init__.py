"""The products of shopstream, one package each (see src/shopstream/product.py for what a package
holds). Registering a product is one line here; plug-ins from other packages are named in
SHOPSTREAM_PLUGINS (src/shopstream/registry.py)."""

REGISTERED = (
    "user_profiles",
    "ad_features",
)
