"""The indexer: turns a store's catalog and documents into a published index version."""

from indexer.pipeline import BuildReport, build_index

__all__ = ["BuildReport", "build_index"]
