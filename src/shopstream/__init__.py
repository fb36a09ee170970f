"""shopstream: PyFlink jobs computing e-commerce engagement products into Redis and ClickHouse."""

__version__ = "0.1.0"
