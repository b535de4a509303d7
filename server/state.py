"""What the server holds in memory: one loaded index version and the assistant built on it."""

from __future__ import annotations

from dataclasses import dataclass

from rag.assistant import Assistant, build_assistant
from rag.embedding import EmbedderSet, load_embedders, space_models
from rag.index import SearchIndex, open_versions
from rag.settings import Settings
from rag.text import content_words


@dataclass(frozen=True)
class ServingState:
    store: SearchIndex
    embedders: EmbedderSet
    assistant: Assistant

    @classmethod
    def load(cls, settings: Settings, version: str | None = None) -> "ServingState":
        """Open the published index (or ``version``) and the models it was built with; raise IndexStoreError
        if it is unusable or cannot answer a probe query."""
        versions = open_versions(settings)
        store = versions.open(version) if version else versions.open_current()
        try:
            store.check_models(space_models(settings))
            store.probe()
        except Exception:
            store.close()
            raise
        embedders = load_embedders(settings).cached()
        content_words("预热")  # loads jieba's dictionary now, not on the first question in Chinese
        return cls(store, embedders, build_assistant(settings, store, embedders))

