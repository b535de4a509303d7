"""Training the FAQ domain adapter (rag/faq_adapter.py) on paraphrase pairs: ``shopassist train faq-adapter``.

The adapter is a linear map of the multilingual (usem3) space, started at the identity and trained with an
in-batch contrastive loss (InfoNCE): each paraphrase's ``text_2`` should be closer to its own ``text_1`` than to the
other ``text_1`` questions of its batch, and closer than to the ``text_1`` of a pair that says it is a different
question (label 0) -- the hard negative. "Closer" is measured as the matcher will measure it: the adapted cosine
together with the TF-IDF cosine of the questions' words (rag.faq.keywords), so the map learns what the words miss.
On ATEC the rows 1,001-10,000 stand in for a store's log of paraphrased
support questions; rows 1-1,000 are held out for ``shopassist eval faq`` and never read here.

Selection: the map is trained on the first two thirds of the rows after the held-out ones (ATEC: 1,001-7,000) and
measured after every epoch on the last third (7,001-10,000, three FAQ sets of 1,000 as in the evaluation), with the
matcher's weights, hub penalty and threshold tuned there (evals.faq.tune); the best epoch count is then trained
again on all of them (1,001-10,000), which is the shipped file. A store's own log of pairs is split the same way.
torch is needed here only; the adapter runs on onnxruntime.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from evals.faq import BLOCK, HELD_OUT, FaqDatasetError, Pair, Tuning, blocks_of, load_pairs, tune
from rag.embedding import EmbedderSet
from rag.faq import keyword_vectorizer
from rag.faq_adapter import EMBEDDER_KEY, FaqAdapter

FIRST_ROW = HELD_OUT[1]  # the rows before it are held out for `shopassist eval faq`
LEAST_ROWS = FIRST_ROW + 3 * BLOCK  # two FAQ sets' worth to train on and one to validate on, at the least


@dataclass(frozen=True)
class Split:
    """Rows (0-based, end excluded) of the pairs file: ``training`` and ``validation`` choose the epoch count,
    weights and threshold; ``all`` (both) trains the shipped map."""

    training: tuple[int, int]
    validation: tuple[int, int]

    @classmethod
    def of(cls, rows: int) -> "Split":
        middle = FIRST_ROW + (rows - FIRST_ROW) * 2 // 3
        return cls((FIRST_ROW, middle), (middle, rows))

    @property
    def all(self) -> tuple[int, int]:
        return self.training[0], self.validation[1]


def rows_label(rows: tuple[int, int]) -> str:
    return f"rows {rows[0] + 1:,}-{rows[1]:,}"


@dataclass(frozen=True)
class TrainingConfig:
    """How the map is trained (chosen on the validation rows, see rag/data/faq_adapter.md)."""

    temperature: float = 0.1
    # The words' TF-IDF cosine counts this much beside the adapted cosine while training (as the matcher's
    # faq_weight_keywords beside faq_weight_multilingual = 1); 0 trains the map alone.
    keyword_weight: float = 0.5
    learning_rate: float = 1e-3
    batch_size: int = 128
    max_epochs: int = 6
    seed: int = 0


class CachedEmbedder:
    """Another embedder's vectors for a fixed set of texts, computed once (and kept on disk under ``cache_dir``
    keyed by the model and a hash of the texts), so tuning can ask for them again and again."""

    def __init__(self, embedder, texts: list[str], cache_dir: Path):
        self.name, self.dimension = embedder.name, embedder.dimension
        texts = list(dict.fromkeys(texts))
        digest = hashlib.sha256("\x1f".join([embedder.name, *texts]).encode("utf-8")).hexdigest()[:16]
        path = cache_dir / f"faq-adapter-{embedder.name.replace('/', '_')}-{digest}.npy"
        if path.is_file():
            vectors = np.load(path)
        else:
            vectors = embedder.embed(texts)
            cache_dir.mkdir(parents=True, exist_ok=True)
            np.save(path, vectors)
        self.row = {text: i for i, text in enumerate(texts)}
        self.vectors = vectors

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.vectors[[self.row[text] for text in texts]]


@dataclass(frozen=True)
class LinearMap:
    """y = x @ weight.T + bias, before the adapter scales y to unit length."""

    weight: np.ndarray
    bias: np.ndarray

    def onnx_model(self, embedder: str, description: str) -> bytes:
        """The map as an ONNX graph (input ``vectors``, output ``adapted``), its metadata naming the embedder."""
        import onnx
        from onnx import TensorProto, helper, numpy_helper

        width = self.weight.shape[1]
        graph = helper.make_graph(
            [helper.make_node("MatMul", ["vectors", "weight_t"], ["mapped"]),
             helper.make_node("Add", ["mapped", "bias"], ["adapted"])],
            "faq_adapter",
            [helper.make_tensor_value_info("vectors", TensorProto.FLOAT, ["batch", width])],
            [helper.make_tensor_value_info("adapted", TensorProto.FLOAT, ["batch", self.weight.shape[0]])],
            [numpy_helper.from_array(np.ascontiguousarray(self.weight.T, dtype=np.float32), "weight_t"),
             numpy_helper.from_array(self.bias.astype(np.float32), "bias")],
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="shopassist",
                                  doc_string=description)
        model.ir_version = 8  # readable by every onnxruntime release the project allows
        helper.set_model_props(model, {EMBEDDER_KEY: embedder})
        onnx.checker.check_model(model)
        return model.SerializeToString()

    def adapter(self, embedder: str) -> FaqAdapter:
        return FaqAdapter(self.onnx_model(embedder, ""), source="(in memory)")


def training_pairs(pairs: list[Pair], row: dict[str, int]) -> tuple[list[tuple[int, int]], dict[int, list[int]]]:
    """The paraphrases as (text_2, text_1) vector rows, and for each text_2 the text_1 rows it was said to differ
    from (its hard negatives)."""
    positives = [(row[p.text_2], row[p.text_1]) for p in pairs if p.paraphrase]
    negatives: dict[int, list[int]] = {}
    for p in pairs:
        if not p.paraphrase:
            negatives.setdefault(row[p.text_2], []).append(row[p.text_1])
    return positives, negatives


def train_map(vectors: np.ndarray, positives: list[tuple[int, int]], negatives: dict[int, list[int]], epochs: int,
              config: TrainingConfig, after_epoch=None, words=None) -> LinearMap:
    """The linear map after ``epochs`` passes over the positives; ``after_epoch(epoch, map)`` sees each one.
    ``words`` (a sparse matrix of unit TF-IDF rows, one per vector row) adds the keyword cosine to the score, weighted
    by ``config.keyword_weight``."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(config.seed)
    shuffler = random.Random(config.seed)
    torch.set_num_threads(1)
    width = vectors.shape[1]
    layer = torch.nn.Linear(width, width)
    with torch.no_grad():
        layer.weight.copy_(torch.eye(width))
        layer.bias.zero_()
    optimiser = torch.optim.Adam(layer.parameters(), lr=config.learning_rate)
    table = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))
    order = list(positives)

    keyword_scale = float(np.sqrt(config.keyword_weight)) if words is not None else 0.0

    def mapped(rows: list[int]):
        """Unit vectors whose dot product is the weighted mean of the adapted and the keyword cosine."""
        adapted = F.normalize(layer(table[rows]), dim=-1)
        if not keyword_scale:
            return adapted
        counted = torch.from_numpy(words[rows].toarray()) * keyword_scale
        return torch.cat([adapted, counted], -1) / float(np.sqrt(1 + config.keyword_weight))

    for epoch in range(1, epochs + 1):
        shuffler.shuffle(order)
        for start in range(0, len(order), config.batch_size):
            batch = order[start:start + config.batch_size]
            queries, keys = [q for q, _ in batch], [k for _, k in batch]
            size = len(batch)
            hard = [shuffler.choice(negatives[q]) if q in negatives else -1 for q in queries]
            query_vectors, key_vectors = mapped(queries), mapped(keys)
            hard_vectors = mapped([h if h >= 0 else k for h, k in zip(hard, keys)])
            keys_t, hard_t = torch.tensor(keys), torch.tensor(hard)
            # A key that is the same question as the row's own is no negative; neither is a missing hard negative.
            in_batch = (query_vectors @ key_vectors.T).masked_fill(
                (keys_t[None, :] == keys_t[:, None]) & ~torch.eye(size, dtype=torch.bool), float("-inf"))
            own_hard = (query_vectors * hard_vectors).sum(-1, keepdim=True).masked_fill(
                ((hard_t < 0) | (hard_t == keys_t))[:, None], float("-inf"))
            target = torch.arange(size)
            loss = (F.cross_entropy(torch.cat([in_batch, own_hard], 1) / config.temperature, target)
                    + F.cross_entropy(in_batch.T / config.temperature, target)) / 2
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        if after_epoch is not None:
            after_epoch(epoch, LinearMap(layer.weight.detach().numpy().copy(), layer.bias.detach().numpy().copy()))
    return LinearMap(layer.weight.detach().numpy().copy(), layer.bias.detach().numpy().copy())


def keyword_rows(pairs: list[Pair], row: dict[str, int]):
    """Unit TF-IDF rows of rag.faq.keywords, fitted on these pairs' questions, for every vector row (a question
    outside these pairs gets an empty row)."""
    import scipy.sparse as sparse

    questions = list(dict.fromkeys(text for p in pairs for text in (p.text_1, p.text_2)))
    vectorizer = keyword_vectorizer(questions)
    ordered = sorted(row, key=row.get)
    matrix = vectorizer.transform(ordered) if vectorizer is not None else sparse.csr_matrix((len(ordered), 1))
    return sparse.csr_matrix(matrix, dtype=np.float32)


@dataclass(frozen=True)
class AdapterTraining:
    """What the training chose and measured on the validation rows; the map is the one trained on all rows."""

    embedder: str
    source: str  # the pairs file's name
    split: Split
    epochs: int
    config: TrainingConfig
    without_adapter: Tuning  # the matcher without the adapter, tuned on the validation rows
    with_adapter: Tuning  # with the adapter trained on rows 1,001-7,000 for ``epochs``
    per_epoch: list[float] = field(default_factory=list)  # validation top-1 after each epoch
    linear_map: LinearMap | None = None
    training_pairs: int = 0  # paraphrase pairs the shipped map was trained on


def train(path: Path, embedders: EmbedderSet, cache_dir: Path, config: TrainingConfig = TrainingConfig(),
          progress=lambda message: None) -> AdapterTraining:
    """Choose the epoch count, weights and threshold on the validation rows, then train on all training rows."""
    pairs = load_pairs(path)
    if len(pairs) < LEAST_ROWS:
        raise FaqDatasetError(f"{path}: {len(pairs):,} pairs; the adapter's training needs {LEAST_ROWS:,} (the first "
                              f"{FIRST_ROW:,} are left for measuring)")
    split = Split.of(len(pairs))
    if embedders.multilingual is None:
        raise ValueError("the FAQ adapter maps the multilingual space: set multilingual_model")
    rows = pairs[split.all[0]:split.all[1]]
    texts = [text for p in rows for text in (p.text_1, p.text_2)]
    progress(f"embedding {len(set(texts)):,} questions (cached in {cache_dir})")
    cached = EmbedderSet(CachedEmbedder(embedders.primary, texts, cache_dir),
                         CachedEmbedder(embedders.multilingual, texts, cache_dir))
    space = cached.multilingual
    validation = blocks_of(pairs, split.validation)
    without = tune(validation, cached)
    progress(f"validation ({rows_label(split.validation)}) without the adapter: top-1 {without.top1:.1%}")
    tried: list[tuple[float, int, Tuning]] = []

    def measure(epoch: int, linear_map: LinearMap) -> None:
        chosen = tune(validation, cached, linear_map.adapter(space.name))
        tried.append((chosen.top1, epoch, chosen))
        progress(f"epoch {epoch}: validation top-1 {chosen.top1:.1%}")

    training = pairs[split.training[0]:split.training[1]]
    progress(f"training on {rows_label(split.training)}, up to {config.max_epochs} epochs")
    positives, negatives = training_pairs(training, space.row)
    train_map(space.vectors, positives, negatives, config.max_epochs, config, after_epoch=measure,
              words=keyword_rows(training, space.row))
    top1, epochs, chosen = max(tried, key=lambda t: (t[0], -t[1]))  # the fewest epochs among equals
    positives, negatives = training_pairs(rows, space.row)
    progress(f"training on {rows_label(split.all)} for {epochs} epoch(s)")
    final = train_map(space.vectors, positives, negatives, epochs, config, words=keyword_rows(rows, space.row))
    return AdapterTraining(space.name, path.name, split, epochs, config, without, chosen, [t[0] for t in tried], final,
                           len(positives))


def description(result: AdapterTraining) -> str:
    return (f"FAQ question adapter for {result.embedder}: linear map trained contrastively on "
            f"{result.training_pairs:,} paraphrase pairs ({result.source} {rows_label(result.split.all)}), "
            f"{result.epochs} epoch(s); see faq_adapter.md")


def write(result: AdapterTraining, out: Path) -> int:
    """Write the shipped map as ONNX; its size in bytes."""
    data = result.linear_map.onnx_model(result.embedder, description(result))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return len(data)
