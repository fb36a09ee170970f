"""The one error of the local Flink cluster."""
from __future__ import annotations


class ClusterError(RuntimeError):
    """The local Flink cluster could not be started, reached or used; the message says where to look."""
