"""Python UDF wrappers: thin Flink bindings over pure functions in shopstream and models."""
