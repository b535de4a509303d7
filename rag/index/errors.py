"""Index problems; every message is meant for the operator, one line."""

from __future__ import annotations


class IndexStoreError(Exception):
    """Base for index problems."""


class IndexNotFoundError(IndexStoreError):
    pass


class IncompatibleIndexError(IndexStoreError):
    pass


class CorruptIndexError(IndexStoreError):
    pass


class IndexLockedError(IndexStoreError):
    pass


class IndexWriteError(IndexStoreError):
    """A backend could not store a version being written (the published one is unchanged)."""
