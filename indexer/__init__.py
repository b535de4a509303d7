"""The indexer: turns a store's catalog and documents into a published index version."""

from indexer.datasets import (
    RetrievalSet,
    build_eval_index,
    context_rows,
    load_epqa,
    load_semipqa,
)
from indexer.pipeline import BuildFailed, BuildReport, build_index

__all__ = [
    "BuildFailed", "BuildReport", "RetrievalSet", "build_eval_index", "build_index", "context_rows", "load_epqa", "load_semipqa",
]
