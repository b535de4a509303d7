"""The indexer: turns a store's catalog and documents into a published index version."""

from indexer.pipeline import BuildReport, build_index, embed_chunks

__all__ = ["BuildReport", "build_index", "embed_chunks"]
