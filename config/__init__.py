"""Data files of shopstream (installed with the package: see setup.py)."""
