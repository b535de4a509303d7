"""Which loader reads which file: by folder (catalog/, faq/, anything else) and format."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Callable

from indexer import documents, feeds
from indexer.loaders import (
    Loaded,
    LoadOptions,
    UnreadableFile,
    load_catalog_csv,
    load_catalog_json,
    load_catalog_jsonl,
    load_faq_csv,
    load_faq_json,
    load_markdown,
)

Loader = Callable[[Path, str, LoadOptions], Loaded]

_CATALOG = {".jsonl": load_catalog_jsonl, ".json": load_catalog_json, ".xml": feeds.load_merchant_xml,
            ".tsv": feeds.load_merchant_tsv}
_FAQ = {".csv": load_faq_csv, ".json": load_faq_json}
_DOCUMENTS = {".md": load_markdown, ".markdown": load_markdown, ".html": documents.load_html,
              ".htm": documents.load_html, ".txt": documents.load_text, ".pdf": documents.load_pdf}


def kind_of(path: Path, root: Path) -> tuple[str, dict[str, Loader]]:
    """The kind of item a file holds, by its folder, and the loaders by suffix for that folder."""
    relative = path.relative_to(root)
    folder = relative.parts[0] if len(relative.parts) > 1 else ""
    if folder == "catalog":
        return "product", {**_CATALOG, ".csv": _catalog_csv}
    if folder == "faq":
        return "faq", _FAQ
    return "document", _DOCUMENTS


def _catalog_csv(path: Path, source: str, options: LoadOptions) -> Loaded:
    loader = feeds.load_shopify_csv if feeds.is_shopify_csv(path) else load_catalog_csv
    return loader(path, source, options)


def reads(path: Path, root: Path) -> bool:
    """Is this a file we read (by folder and suffix), whatever state it is in?"""
    return path.suffix.lower() in kind_of(path, root)[1]


def load_path(path: Path, root: Path, options: LoadOptions) -> Loaded:
    """Load one file we read; UnreadableFile or OSError when the file itself cannot be read."""
    kind, loaders = kind_of(path, root)
    check_readable(path)
    return loaders[path.suffix.lower()](path, path.relative_to(root).as_posix(), options)


def check_readable(path: Path) -> None:
    """A regular file, or a link to one: a broken link, a folder or a FIFO named like a catalog file is an error."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if path.is_symlink():
            raise UnreadableFile(f"broken symbolic link to {os.readlink(path)}") from None
        raise
    if stat.S_ISDIR(mode):
        raise UnreadableFile("is a folder, not a file")
    if not stat.S_ISREG(mode):
        raise UnreadableFile("not a regular file (a FIFO, socket or device)")
