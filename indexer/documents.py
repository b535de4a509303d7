"""Store documents other than Markdown: HTML pages, plain text and PDF, turned into Markdown-like text."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from indexer.loaders import (
    Loaded,
    LoadOptions,
    Rejection,
    add_document,
    read_text,
    title_from,
)

# Page furniture that is never policy text.
_DROP = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg", "button")
_BLOCKS = ("h1", "h2", "h3", "h4", "p", "li", "td", "th", "dt", "dd", "blockquote", "pre")


def load_html(path: Path, source: str, options: LoadOptions) -> Loaded:
    """Keep headings and text blocks; drop navigation, scripts and other page furniture."""
    loaded = Loaded("document", source, read=1)
    soup = BeautifulSoup(path.read_bytes(), "html.parser")
    for tag in soup(_DROP):
        tag.decompose()
    body = soup.find("main") or soup.find("article") or soup.body or soup
    lines = []
    for block in body.find_all(_BLOCKS):
        if block.find(_BLOCKS):
            continue  # the inner block carries the text
        text = " ".join(block.get_text(" ").split())
        if not text:
            continue
        if block.name in ("h1", "h2", "h3", "h4"):
            lines.append(f"\n{'#' * int(block.name[1])} {text}\n")
        else:
            lines.append(f"- {text}" if block.name == "li" else text)
    heading = soup.find("h1")
    title = (heading.get_text(" ", strip=True) if heading else None) or (
        soup.title.get_text(strip=True) if soup.title else None
    )
    return add_document(loaded, title or title_from(path), "\n".join(lines))


def load_text(path: Path, source: str, options: LoadOptions) -> Loaded:
    loaded = Loaded("document", source, read=1)
    text = read_text(path, loaded)
    return loaded if text is None else add_document(loaded, title_from(path), text)


def load_pdf(path: Path, source: str, options: LoadOptions) -> Loaded:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    loaded = Loaded("document", source, read=1)
    try:
        reader = PdfReader(path)
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or None
    except (PdfReadError, ValueError, OSError) as exc:
        loaded.rejections.append(Rejection(source, None, None, None, f"unreadable PDF: {exc}"))
        return loaded
    return add_document(loaded, title or title_from(path), "\n\n".join(pages))
