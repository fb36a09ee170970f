"""Flink cluster configuration template (installed with the package: see setup.py)."""
