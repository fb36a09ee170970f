"""shopstream: PyFlink jobs computing e-commerce engagement products into Redis and ClickHouse."""
import importlib.util as _util
import site as _site
import sys as _sys

__version__ = "0.1.0"


def _see_mapped_packages() -> None:
    """Make ``shopstream.products`` (and the other packages mapped from the project's folders) importable
    in a Flink worker embedded in the JVM (pemja, thread mode): it gets the venv's site-packages on
    ``sys.path`` (``python.pythonpath``) but never processes their ``.pth`` files, which hold an editable
    install's import hook. Elsewhere the package is already found and this does nothing."""
    if _util.find_spec("shopstream.products") is not None:
        return
    for entry in list(_sys.path):
        if entry.endswith("site-packages"):
            _site.addsitedir(entry)


_see_mapped_packages()
