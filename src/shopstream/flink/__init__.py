"""Flink runtime shared by every job: environments, SQL files, Kafka table options, checkpoints."""
