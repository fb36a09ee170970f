"""shopstream jobs: each module wires sources, SQL transformations and sinks with ``build()``."""
