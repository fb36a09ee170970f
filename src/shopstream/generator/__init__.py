"""Synthetic shopstream events: deterministic from a seed, pure; writers to files and Kafka at the edge.

``generate(GenerationParams(...))`` yields ``GeneratedRecord``s in emission order;
``write_to_files`` / ``read_files`` and ``produce_to_kafka`` move them. ``reference`` builds the
catalogue (products, campaigns and ads, affiliates) shared with the contract's reference files.
"""
from shopstream.generator.core import generate
from shopstream.generator.io import produce_to_kafka, read_files, write_to_files
from shopstream.generator.model import GeneratedRecord, GenerationParams, RecordKind
from shopstream.generator.reference import ReferenceData, build_reference, write_reference_yaml

__all__ = ["GeneratedRecord", "GenerationParams", "RecordKind", "ReferenceData", "build_reference", "generate",
           "produce_to_kafka", "read_files", "write_reference_yaml", "write_to_files"]
