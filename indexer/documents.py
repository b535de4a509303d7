"""Store documents other than Markdown: HTML pages, plain text and PDF, turned into Markdown-like text."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup

from indexer.loaders import (
    Loaded,
    LoadOptions,
    Rejection,
    add_document,
    read_source_text,
    title_from,
)

# Page furniture that is never policy text.
_DROP = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg", "button", "template")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Elements that start a new line; text anywhere else (a <div>, a <span>, bare body text) joins its line.
_LINE_BREAKING = ("p", "div", "section", "article", "main", "li", "tr", "dt", "dd", "blockquote", "pre", "br",
                  "table", "ul", "ol", "dl", "figure", "figcaption", "address", "details", "summary", *_HEADINGS)


def load_html(path: Path, source: str, options: LoadOptions) -> Loaded:
    """Keep all body text, with headings as Markdown headings and list items as bullets; drop navigation,
    header, footer, scripts, styles and other page furniture."""
    loaded = Loaded("document", source, read=1)
    soup = BeautifulSoup(read_source_text(path, loaded), "html.parser")
    heading = soup.find("h1")
    title = (heading.get_text(" ", strip=True) if heading else None) or (
        soup.title.get_text(strip=True) if soup.title else None
    )
    for tag in soup(_DROP):
        tag.decompose()
    body = soup.find("main") or soup.find("article") or soup.body or soup
    for tag in body.find_all(_HEADINGS):
        tag.replace_with(f"\n\n{'#' * int(tag.name[1])} {' '.join(tag.get_text(' ').split())}\n\n")
    for table in body.find_all("table"):  # as a Markdown table, whose rows the chunker turns into sentences
        rows = [[" ".join(cell.get_text(" ").split()).replace("|", "/") for cell in row.find_all(("th", "td"))]
                for row in table.find_all("tr")]
        rows = [row for row in rows if any(row)]
        lines = [f"| {' | '.join(row)} |" for row in rows]
        if lines:
            lines.insert(1, f"|{'---|' * len(rows[0])}")
        table.replace_with("\n\n" + "\n".join(lines) + "\n\n")
    for tag in body.find_all("li"):
        tag.insert(0, "\n- ")
    for tag in body.find_all(_LINE_BREAKING):
        tag.insert_before("\n")
        tag.insert_after("\n")
    lines = (" ".join(line.split()) for line in body.get_text("").splitlines())
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return add_document(loaded, title or title_from(path), text)


def load_text(path: Path, source: str, options: LoadOptions) -> Loaded:
    loaded = Loaded("document", source, read=1)
    return add_document(loaded, title_from(path), read_source_text(path, loaded))


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
