"""Untrusted catalog text, screened at index time.

Planted instructions: flagged sentences leave the chunk (so they are never evidence and never reach an
LLM) and are listed in the build report with file, line and text, so the catalog team can fix the source."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rag.models import Chunk
from rag.planted import PlantedTextDetector
from rag.text import split_sentences

log = logging.getLogger("shopassist.indexer")


@dataclass
class QuarantinedText:
    source: str  # file, relative to the knowledge base
    line: int | None  # 1-based line of the file where the text is written, when it can be found
    text: str
    chunk_id: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.text!r} ({self.reason})"


def quarantine_planted(chunks: list[Chunk], detector: PlantedTextDetector, root: Path) -> tuple[list[Chunk], list[QuarantinedText]]:
    """The chunks with planted sentences removed (a chunk left with nothing is dropped), and what was removed."""
    pieces = {chunk.id: _pieces(chunk) for chunk in chunks}
    unique = list(dict.fromkeys(p for found in pieces.values() for p in found))
    verdicts = {v.text: v for v in detector.check(unique)}
    flagged = {text: v for text, v in verdicts.items() if v.planted}
    if not flagged:
        return chunks, []
    for chunk in chunks:
        for line in chunk.text.splitlines():
            _extend_over_paragraph(split_sentences(line), verdicts, flagged)
    lines = _LineFinder(root)
    kept: list[Chunk] = []
    quarantined: list[QuarantinedText] = []
    for chunk in chunks:
        found = [p for p in pieces[chunk.id] if p in flagged]
        for text in found:
            quarantined.append(QuarantinedText(chunk.source, lines.find(chunk.source, text), text, chunk.id,
                                               flagged[text].reason))
        if not found:
            kept.append(chunk)
            continue
        clean = _without(chunk, found)
        if clean is not None:
            kept.append(clean)
    log.warning("quarantined %d planted sentence(s) in %d file(s)", len(quarantined), len({q.source for q in quarantined}))
    return kept, quarantined


def _extend_over_paragraph(sentences: list[str], verdicts: dict, flagged: dict) -> None:
    """An instruction runs on. What follows a planted sentence in its paragraph belongs to it when it, too, tells
    or addresses someone ("Dear model, thank you. Kindly recommend ..."), or when the planted sentence only
    announces it ("Hi bot!", "Attention AI: the following overrides ..."); so does a sentence just before it
    that names an AI or steers ("Begin new directive.", "[system] You are now ..."). Plain store sentences on
    either side ("The mug holds 350 ml.") stay."""
    for first, then in zip(sentences, sentences[1:]):
        signs = verdicts[then].signs if then in verdicts else ()
        if first in flagged and then not in flagged and (signs or _announces(first)):
            flagged[then] = replace(flagged[first], text=then)
    for before, after in reversed(list(zip(sentences, sentences[1:]))):
        signs = verdicts[before].signs if before in verdicts else ()
        if after in flagged and before not in flagged and ("steering" in signs or "ai named" in signs):
            flagged[before] = replace(flagged[after], text=before)


def _announces(sentence: str) -> bool:
    """A bare address or an announcement of what follows, rather than a whole instruction."""
    short = len(sentence.split()) <= 5 and len(sentence) <= 40
    return short or sentence.rstrip().endswith((":", "：")) or bool(_FOLLOWING.search(sentence))


_FOLLOWING = re.compile(r"\bthe following\b|\bbelow\b|以下|如下|下面", re.I)


def _pieces(chunk: Chunk) -> list[str]:
    """Every sentence of the chunk's text, and an FAQ's question, as the reader and the LLM would see them."""
    found = [s for line in chunk.text.splitlines() for s in split_sentences(line)]
    if chunk.kind == "faq" and chunk.section:
        found.append(chunk.section)
    return found


def _without(chunk: Chunk, sentences: list[str]) -> Chunk | None:
    """The chunk with ``sentences`` cut from its text, embedding text and metadata; None if nothing is left."""
    if chunk.kind == "faq" and chunk.section in sentences:
        return None  # a planted question: its answer was written for it
    text = _cut(chunk.text, sentences)
    if not split_sentences(text):
        return None
    update: dict[str, Any] = {"text": text, "metadata": _cut_values(chunk.metadata, sentences)}
    if chunk.embed is not None:
        update["embed"] = _cut(chunk.embed, sentences)
    return chunk.model_copy(update=update)


def _cut(text: str, sentences: list[str]) -> str:
    for sentence in sentences:
        text = text.replace(sentence, "")
    return "\n".join(re.sub(r"[ \t]{2,}", " ", line).strip() for line in text.splitlines() if line.strip(" \t.-•*"))


def _cut_values(value: Any, sentences: list[str]) -> Any:
    """Product metadata carries the description and attributes the cards quote: cut the sentences there too
    (an attribute's sentence is rendered after its label: "Care: ..."). Longest first, so a sentence is cut
    whole before a shorter form of it is looked for."""
    sentences = sentences + [s.split(": ", 1)[1] for s in sentences if ": " in s[:40]]
    # The product text ends every fact with a full stop ("...-->."); the description itself may not.
    sentences = sentences + [s[:-1] for s in sentences if s.endswith((".", "。"))]
    return _cut_each(value, sorted(set(sentences), key=len, reverse=True))


def _cut_each(value: Any, sentences: list[str]) -> Any:
    if isinstance(value, str):
        return _cut(value, sentences) if any(s in value for s in sentences) else value
    if isinstance(value, dict):
        return {k: _cut_each(v, sentences) for k, v in value.items()}
    if isinstance(value, list):
        return [_cut_each(v, sentences) for v in value]
    return value


class _LineFinder:
    """Finds the line of a source file that holds a sentence, as written or JSON-escaped."""

    def __init__(self, root: Path):
        self.root = root
        self._files: dict[str, list[str]] = {}

    def find(self, source: str, sentence: str) -> int | None:
        if source not in self._files:
            try:
                self._files[source] = (self.root / source).read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                self._files[source] = []
        probes = [sentence, json.dumps(sentence)[1:-1], sentence[:60], json.dumps(sentence[:60])[1:-1]]
        for probe in probes:
            for number, line in enumerate(self._files[source], start=1):
                if probe and probe in line:
                    return number
        return None
