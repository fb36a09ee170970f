"""The registered products, found from ``shopstream.products.REGISTERED`` and, for plug-ins that live
outside this project, the modules named in ``SHOPSTREAM_PLUGINS`` (comma-separated; each exposes
``PRODUCT``). Everything the runtime does per product goes through ``products()``."""
from __future__ import annotations

import os
from functools import lru_cache
from importlib import import_module

from shopstream.outputs import OutputSpec
from shopstream.product import Product

PLUGINS_ENV = "SHOPSTREAM_PLUGINS"


class RegistryError(ValueError):
    pass


def product_modules() -> tuple[str, ...]:
    from shopstream.products import REGISTERED
    plugins = [m.strip() for m in os.environ.get(PLUGINS_ENV, "").split(",") if m.strip()]
    return tuple(f"shopstream.products.{name}" for name in REGISTERED) + tuple(plugins)


@lru_cache(maxsize=None)
def _load(modules: tuple[str, ...]) -> tuple[Product, ...]:
    found: dict[str, Product] = {}
    for module in modules:
        product = getattr(import_module(module), "PRODUCT", None)
        if not isinstance(product, Product):
            raise RegistryError(f"{module}: a product module exposes PRODUCT = Product(...)")
        if product.name in found:
            raise RegistryError(f"two products are named {product.name!r}")
        found[product.name] = product
    for p in found.values():
        missing = [r for r in p.requires if r not in found]
        if missing:
            raise RegistryError(f"product {p.name} requires {', '.join(missing)}, which is not registered")
    names = [o.name for p in found.values() for o in p.outputs]
    twice = sorted({n for n in names if names.count(n) > 1} & set(names))
    if twice:
        raise RegistryError(f"output name(s) used by two products: {', '.join(twice)}")
    return tuple(found.values())


def products() -> tuple[Product, ...]:
    return _load(product_modules())


def product(name: str) -> Product:
    for p in products():
        if p.name == name:
            return p
    raise RegistryError(f"unknown product {name!r}; products: {', '.join(p.name for p in products())}")


def with_requirements(names) -> list[Product]:
    """The products named and those they require, each once, requirements first."""
    ordered: list[Product] = []

    def visit(name: str) -> None:
        p = product(name)
        for r in p.requires:
            visit(r)
        if p not in ordered:
            ordered.append(p)

    for n in names:
        visit(n)
    return ordered


def output_spec(name: str) -> OutputSpec | None:
    """The specification of a product output (or a runtime one) by name, or None."""
    from shopstream.flink.staging_layer import RUNTIME_OUTPUTS
    for spec in RUNTIME_OUTPUTS:
        if spec.name == name:
            return spec
    for p in products():
        for spec in p.outputs:
            if spec.name == name:
                return spec
    return None


def query_fallbacks(settings) -> dict[str, str]:
    """Settings values that analyst queries may take when the user gives none, from every product."""
    out: dict[str, str] = {}
    for p in products():
        out.update(p.query_params(settings))
    return out


def serving_decoder(key: str):
    """The decoder of the product whose serving keys start like ``key`` (None when no product's do)."""
    for p in products():
        for prefix, decode in p.serving.items():
            if key.startswith(prefix):
                return decode
    return None


def reports() -> dict:
    """Every product's ``shopstream report`` sub-commands by name (a name used twice is an error)."""
    out: dict = {}
    for p in products():
        for name, report in p.reports.items():
            if name in out:
                raise RegistryError(f"two products declare the report {name!r}")
            out[name] = report
    return out
