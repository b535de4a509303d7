"""The Generator protocol that LLM backends implement.

The extractive default is not a Generator: it composes from the reader's evidence (rag/compose.py).
"""

from __future__ import annotations

from typing import Protocol

from rag.models import Passage


class Generator(Protocol):
    """Writes an answer from numbered passages; ``[n]`` cites ``passages[n - 1]``.

    Whatever it writes goes through the Verifier before anyone reads it.
    """

    def generate(self, question: str, passages: list[Passage]) -> str: ...
