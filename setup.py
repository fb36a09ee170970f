"""Package layout (the rest of the metadata is in pyproject.toml).

The runtime lives in ``src/shopstream``; the project's top-level folders install under it (``jobs/`` as
``shopstream.jobs``, ``products/`` as ``shopstream.products``, the data folders ``sql/``, ``schemas/``,
``config/``, ``flink-conf/`` likewise: see ``shopstream.resources``), so there are no generic top-level
names in site-packages. The package list is derived
from the folders, so a new product needs no edit here.
"""
from pathlib import Path

from setuptools import find_packages, setup

MAPPED = {"jobs": "shopstream.jobs", "udfs": "shopstream.udfs", "models": "shopstream.models",
          "products": "shopstream.products", "sql": "shopstream.sql", "schemas": "shopstream.schemas",
          "config": "shopstream.config", "flink-conf": "shopstream.flink_conf"}
HERE = Path(__file__).parent

packages = find_packages("src")
package_dir = {"": "src"}
for folder, name in MAPPED.items():
    package_dir[name] = folder
    packages += [name] + [f"{name}.{sub}" for sub in find_packages(folder)]

setup(packages=packages, package_dir=package_dir,
      package_data={"shopstream": ["py.typed"],
                    "shopstream.products": ["*/*.yaml", "*/sql/*.sql", "*/queries/*.sql", "*/migrations/*.sql"],
                    "shopstream.sql": ["**/*.sql", "**/*.yaml"],
                    "shopstream.schemas": ["*.yaml", "*.md", "reference/*"],
                    "shopstream.config": ["*.toml"], "shopstream.flink_conf": ["*.yaml"]})
