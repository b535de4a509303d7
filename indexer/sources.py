"""Which loader reads which file: by folder (catalog/, faq/, anything else) and format."""

from __future__ import annotations

from pathlib import Path

from indexer import documents, feeds
from indexer.loaders import (
    Loaded,
    LoadOptions,
    load_catalog_csv,
    load_catalog_json,
    load_catalog_jsonl,
    load_faq_csv,
    load_faq_json,
    load_markdown,
)


def load_path(path: Path, root: Path, options: LoadOptions) -> Loaded | None:
    """Pick the loader by folder and format; None for files we do not read."""
    relative = path.relative_to(root)
    source = relative.as_posix()
    folder = relative.parts[0] if len(relative.parts) > 1 else ""
    suffix = path.suffix.lower()
    if folder == "catalog":
        if suffix == ".csv":
            loader = feeds.load_shopify_csv if feeds.is_shopify_csv(path) else load_catalog_csv
        else:
            loader = {".jsonl": load_catalog_jsonl, ".json": load_catalog_json,
                      ".xml": feeds.load_merchant_xml, ".tsv": feeds.load_merchant_tsv}.get(suffix)
    elif folder == "faq":
        loader = {".csv": load_faq_csv, ".json": load_faq_json}.get(suffix)
    else:
        loader = {".md": load_markdown, ".markdown": load_markdown, ".html": documents.load_html,
                  ".htm": documents.load_html, ".txt": documents.load_text, ".pdf": documents.load_pdf}.get(suffix)
    return loader(path, source, options) if loader else None
