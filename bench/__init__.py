"""Benchmarks of shopstream's jobs beside two peers (a Java-only Flink SQL job and a plain-Python consumer).

``python -m bench.run`` (``make bench``) runs them on one private local stack and writes
``bench/results/<date>-<commit>.json`` and ``.md``; see README.md, section Benchmarks.
"""
