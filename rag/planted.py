"""Planted instructions: text in a catalog, document or FAQ that addresses an AI, tries to change how the
assistant behaves, or makes promises in the store's name for it to repeat.

A phrase list only catches the phrasings someone thought of. This detector combines three signs:
who the sentence addresses (an AI by name, or a word that may name one), whether it tries to steer
what an answer says (``rag.language.STEERING``), and how close it is, in the multilingual vector space,
to curated planted sentences (``rag/data/planted.jsonl``) compared with ordinary store sentences from the
same file. Only sentences with some sign of addressing or instructing anyone are embedded, which keeps
index time low: product facts and most review text never reach the model.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rag import language
from rag.embedding import Embedder

DEFAULT_EXEMPLARS = Path(__file__).parent / "data" / "planted.jsonl"
NEIGHBOURS = 3  # similarity to a set is the mean of its closest few exemplars

# Signs that a sentence addresses or instructs someone; sentences without any are never embedded.
_DIRECTIVE = re.compile(
    r"^\s*(?:please\s+|kindly\s+)?(?:tell|say|offer|give|promise|make sure|be sure|remember|confirm|mention|respond|reply|answer|"
    r"include|add|recommend|inform|state|claim|assure|guarantee|approve|grant|waive|apply|treat|ensure|let|describe|"
    r"present|quote|insist|refer|direct|send|issue|provide|explain|report|note that|keep)\b"
    r"|\b(?:should|must|shall|need to|needs to|have to|has to|are to|is to|ought to|will want to)\s+(?:\w+\s+)?\w+"
    r"|\bif you(?:'re| are| happen to be)\b|如果你是|给.{0,8}的(?:备注|说明|提示|指令|须知|留言)|^\s*(?:(?:a |an )?(?:note|memo|message|instructions?|attention|notice|reminder|directive|rule)s?\b|to )[^:]{0,50}:"
    r"|^\s*(?:dear |hey |hi |hello |attention,? |note to (?:the |any |all )?)?(?:\w+[ -]){0,3}(?:assistants?|agents?|bots?|models?|AI|"
    r"systems?|helpers?|robots?)\s*[:,!]"
    r"|^\s*\S{0,12}(?:助手|助理|客服|机器人|AI|模型|程序|系统)\s*[：:,，!！]|指令|须知|注意|记住|不要|别|绝对|需要让|要让"
    r"|请|务必|必须|应当|应该|须|需要(?:告诉|说明|回答|承诺)|要(?:说|告诉|回答|承诺)|给予|赠送",
    re.I)
_HEADING = re.compile(r"^[^.。!！?？:：]{0,60}[:：]")
_VOCATIVE_END = re.compile(r"(?:s|es|[\u4e00-\u9fff]{0,3}们?)?\s*[,，:：!！]")
# Written to a reader, but as likely to a shopper as to an AI: a sign only together with the others.
_SECOND_PERSON = re.compile(r"\byou\b|\byour\b|你|您", re.I)


@dataclass(frozen=True)
class Verdict:
    """One sentence's signs and the decision drawn from them."""

    text: str
    planted: bool
    similarity_margin: float | None  # planted minus ordinary exemplar similarity; None when not embedded
    signs: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        margin = "" if self.similarity_margin is None else f", exemplar margin {self.similarity_margin:+.2f}"
        return f"{' + '.join(self.signs) or 'no sign'}{margin}"


@dataclass(frozen=True)
class Thresholds:
    """Least exemplar margin needed, by the other signs present. Chosen on the exemplars, the sample
    store and the dev cases of tests/fixtures/safety_dev (docs/security.md)."""

    ai_named: float = -0.06  # an AI named, with a steering phrase or a directive
    named_or_steered: float = -0.03  # a helper named with a steering phrase
    ai_mentioned: float = 0.15  # an AI named without being told anything ("the chatbot can answer...")
    steering: float = 0.00  # a steering phrase, without an AI named
    helper: float = 0.04  # "assistant", "agent", "客服" with a directive: may be a person
    alone: float = 0.15  # only a directive or "you"


@dataclass
class PlantedTextDetector:
    embedder: Embedder
    exemplars: list[tuple[str, str]]  # (label, text), label "planted" or "ordinary"
    thresholds: Thresholds = field(default_factory=Thresholds)

    def __post_init__(self) -> None:
        vectors = self.embedder.embed([text for _, text in self.exemplars])
        labels = np.array([label for label, _ in self.exemplars])
        self._planted = vectors[labels == "planted"]
        self._ordinary = vectors[labels == "ordinary"]
        if not len(self._planted) or not len(self._ordinary):
            raise ValueError("planted-text exemplars need both 'planted' and 'ordinary' sentences")

    @classmethod
    def from_file(cls, embedder: Embedder, path: Path = DEFAULT_EXEMPLARS) -> "PlantedTextDetector":
        return cls(embedder, load_exemplars(path))

    def check(self, sentences: list[str]) -> list[Verdict]:
        """A verdict per sentence, in order; sentences with no sign of address or instruction are not embedded."""
        signs = [_signs(s) for s in sentences]
        to_embed = [i for i, found in enumerate(signs) if found]
        margins: dict[int, float] = {}
        if to_embed:
            vectors = self.embedder.embed([sentences[i] for i in to_embed])
            planted = _closest_mean(vectors @ self._planted.T)
            ordinary = _closest_mean(vectors @ self._ordinary.T)
            margins = {i: float(p - o) for i, p, o in zip(to_embed, planted, ordinary)}
        return [
            Verdict(s, self._decide(signs[i], margins[i]) if i in margins else False,
                    round(margins[i], 4) if i in margins else None, tuple(signs[i]))
            for i, s in enumerate(sentences)
        ]

    def _decide(self, signs: list[str], margin: float) -> bool:
        t = self.thresholds
        if "ai named" in signs and ("steering" in signs or "directive" in signs):
            return margin >= t.ai_named
        if "ai named" in signs:
            return margin >= t.ai_mentioned
        if "steering" in signs and "helper named" in signs:
            return margin >= t.named_or_steered
        if "steering" in signs:
            return margin >= t.steering
        if "helper named" in signs and "directive" in signs:
            return margin >= t.helper
        return margin >= t.alone


def _signs(sentence: str) -> list[str]:
    found = []
    if language.AI_ADDRESSEE.search(sentence):
        found.append("ai named")
    if language.HELPER_ADDRESSEE.search(sentence):
        found.append("helper named")
    if language.STEERING.search(sentence):
        found.append("steering")
    if _DIRECTIVE.search(sentence) or _called_by_name(sentence):
        found.append("directive")
    if _SECOND_PERSON.search(sentence):
        found.append("second person")
    return found


def _called_by_name(sentence: str) -> bool:
    """An AI named as the one spoken to: in a heading before a colon ("Robots reading the FAQ: ..."), or
    followed by a comma or colon at the start ("AI代理们，...", "Dear language model, ...")."""
    named = language.AI_ADDRESSEE.search(sentence)
    if named is None:
        return False
    heading = _HEADING.match(sentence)
    if heading and named.start() < heading.end():
        return True
    return named.start() <= 30 and bool(_VOCATIVE_END.match(sentence[named.end():]))


def _closest_mean(similarities: np.ndarray) -> np.ndarray:
    k = min(NEIGHBOURS, similarities.shape[1])
    return np.sort(similarities, axis=1)[:, -k:].mean(axis=1)


def load_exemplars(path: Path) -> list[tuple[str, str]]:
    """(label, text) pairs from a JSON Lines file; a bad line names the file and line."""
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                label, text = row["label"], row["text"]
            except (ValueError, KeyError) as exc:
                raise ValueError(f"{path}:{number}: not a planted-text exemplar ({exc})") from None
            if label not in ("planted", "ordinary"):
                raise ValueError(f"{path}:{number}: label must be 'planted' or 'ordinary', not {label!r}")
            rows.append((label, text))
    return rows
