"""The indexer: turns a store's catalog and documents into a published index version."""

from indexer.pipeline import BuildFailed, BuildReport, build_index, embed_chunks

__all__ = ["BuildFailed", "BuildReport", "build_index", "embed_chunks"]
