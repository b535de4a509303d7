"""A domain adapter for FAQ question vectors: a map of the multilingual space, trained so that two wordings of one
support question land closer together than two different questions do (``shopassist train faq-adapter``,
evals/faq_adapter.py, rag/data/faq_adapter.md).

The adapter is an ONNX graph run by onnxruntime (no torch at run time) that takes a batch of vectors of the
embedder it was trained on and returns a batch of the same width; the result is scaled to unit length here. The
graph's metadata names that embedder, and a vector space of another model is left as it is.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from rag.settings import Settings

log = logging.getLogger(__name__)

SHIPPED_ADAPTER = Path(__file__).parent / "data" / "faq_adapter.onnx"
EMBEDDER_KEY = "embedder"  # metadata: the name of the model whose vectors the adapter maps


class FaqAdapterError(ValueError):
    """The adapter file is missing or not a usable adapter; the message names the file."""


class FaqAdapter:
    """Maps question vectors of one embedder (``embedder``, ``dimension`` wide) into the adapted space."""

    def __init__(self, model: Path | bytes, source: str | None = None):
        import onnxruntime as ort

        self.source = source or str(model)
        if isinstance(model, Path) and not model.is_file():
            raise FaqAdapterError(f"{self.source}: no such FAQ adapter file")
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(model if isinstance(model, bytes) else str(model), options,
                                                 providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types for unreadable graphs
            raise FaqAdapterError(f"{self.source}: not an ONNX model onnxruntime can run ({exc})") from None
        inputs, outputs = self._session.get_inputs(), self._session.get_outputs()
        width = inputs[0].shape[-1] if len(inputs) == 1 and len(outputs) == 1 and inputs[0].shape else None
        if not isinstance(width, int) or outputs[0].shape[-1] != width:
            raise FaqAdapterError(f"{self.source}: an FAQ adapter takes one batch of vectors and returns one of the "
                                  "same width")
        self.dimension = width
        self.embedder = self._session.get_modelmeta().custom_metadata_map.get(EMBEDDER_KEY, "")
        if not self.embedder:
            raise FaqAdapterError(f"{self.source}: the metadata does not name the embedder ({EMBEDDER_KEY!r})")
        self._input = inputs[0].name
        self._lock = threading.Lock()

    def fits(self, embedder) -> bool:
        """The adapter was trained on this embedder's vectors."""
        return embedder.name == self.embedder and embedder.dimension == self.dimension

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        """The adapted vectors, unit length, one row per input row."""
        if len(vectors) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            mapped = self._session.run(None, {self._input: np.ascontiguousarray(vectors, dtype=np.float32)})[0]
        return (mapped / np.maximum(np.linalg.norm(mapped, axis=1, keepdims=True), 1e-12)).astype(np.float32)


_loaded: dict[tuple[Path, float], FaqAdapter] = {}
_loaded_lock = threading.Lock()


def load_faq_adapter(settings: "Settings", embedder) -> FaqAdapter | None:
    """The adapter the settings ask for (``faq_adapter``, ``faq_adapter_file``), loaded once per file version, when
    it was trained on ``embedder`` (the multilingual model); None when it is off, when there is no multilingual
    space, or (with a warning) when the adapter belongs to another model."""
    if not settings.faq_adapter or embedder is None:
        return None
    path = Path(settings.faq_adapter_file or SHIPPED_ADAPTER)
    if not path.is_file():
        raise FaqAdapterError(f"{path}: no such FAQ adapter file (faq_adapter_file; faq_adapter = false turns the "
                              "adapter off)")
    key = (path.resolve(), path.stat().st_mtime)
    with _loaded_lock:
        if key not in _loaded:
            _loaded[key] = FaqAdapter(path)
        adapter = _loaded[key]
    if not adapter.fits(embedder):
        log.warning("FAQ adapter %s maps %s vectors (%d wide), not %s ones: FAQ questions are compared without it",
                    path, adapter.embedder, adapter.dimension, embedder.name)
        return None
    return adapter
