"""Models that jobs load in open(): plain Python/PyTorch, never importing Flink."""
