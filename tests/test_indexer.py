"""The indexer on small knowledge bases written by the tests: validation, chunking, re-runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer import build_index
from rag.index.versions import IndexDirectory
from rag.settings import Settings

GOOD = {
    "sku": "TT-1", "title": "Test Tent", "brand": "Acme", "category": "Tents", "price": 100.0,
    "description": "A tent for tests.", "attributes": {"waterproof": "yes"},
    "variants": [{"sku": "TT-1-G", "color": "Green", "stock": 3}],
}


def write_kb(root: Path, jsonl_lines: list[str], csv_text: str | None = None, policy: str | None = None) -> Path:
    (root / "catalog").mkdir(parents=True)
    (root / "catalog" / "products.jsonl").write_text("\n".join(jsonl_lines) + "\n", encoding="utf-8")
    if csv_text:
        (root / "catalog" / "extra.csv").write_text(csv_text, encoding="utf-8")
    (root / "policies").mkdir()
    (root / "policies" / "returns.md").write_text(
        policy or "# Returns\n\n## Window\n\nReturn within 30 days.\n\n## Refunds\n\nRefunds take 5 business days.\n",
        encoding="utf-8",
    )
    return root


def settings_for(tmp_path: Path, kb: Path) -> Settings:
    return Settings(knowledge_base=kb, index_dir=tmp_path / "index", multilingual_model=None)


def test_malformed_rows_are_reported_and_the_rest_indexed(tmp_path):
    lines = [
        json.dumps(GOOD),
        "{not json",
        json.dumps({**GOOD, "sku": "TT-2", "price": "free"}),
        json.dumps({**GOOD, "sku": "TT-3", "title": None}),
        json.dumps({**GOOD, "sku": "TT-4", "title": "Second Tent"}),
    ]
    csv_text = (
        "sku,title,brand,category,price,currency,description,url,variant_sku,color,size,stock,attr:material\n"
        "CS-1,Camp Stool,Acme,Furniture,$25.00,USD,A stool.,,CS-1-B,Black,,4,steel\n"
        "CS-1,Camp Stool,Acme,Furniture,$25.00,USD,A stool.,,CS-1-R,Red,,lots,steel\n"
        ",Nameless,Acme,Furniture,10,USD,,,,,,,\n"
        "CS-2,Camp Table,Acme,Furniture,abc,USD,,,CS-2-B,Black,,1,\n"
    )
    kb = write_kb(tmp_path / "kb", lines, csv_text)
    report = build_index(settings_for(tmp_path, kb))

    messages = [str(r) for r in report.rejections]
    assert any(m.startswith("catalog/products.jsonl:2:") and "invalid JSON" in m for m in messages)
    assert any(m.startswith("catalog/products.jsonl:3: item TT-2 field 'price'") for m in messages)
    assert any(m.startswith("catalog/products.jsonl:4: item TT-3 field 'title'") for m in messages)
    assert any(m.startswith("catalog/extra.csv:3: item CS-1-R field 'stock'") for m in messages)
    assert any(m.startswith("catalog/extra.csv:4:") and "'sku'" in m for m in messages)
    assert any(m.startswith("catalog/extra.csv:5: item CS-2 field 'price'") for m in messages)

    products = report.by_kind["product"]
    assert products.read == products.indexed + products.skipped + products.rejected
    assert (products.indexed, products.rejected) == (3, 5)  # TT-1, TT-4, CS-1 (without its bad variant)
    store = IndexDirectory(tmp_path / "index").open_current()
    ids = {c.id for c in store.iter_chunks()}
    assert {"product:TT-1", "product:TT-4", "product:CS-1"} <= ids
    stool = next(c for c in store.iter_chunks() if c.id == "product:CS-1")
    assert stool.metadata["price"] == 25.0 and stool.metadata["attributes"] == {"material": "steel"}
    assert stool.metadata["variant_skus"] == ["CS-1-B"]


def test_product_chunk_is_readable_text_with_fields_as_metadata(tmp_path):
    kb = write_kb(tmp_path / "kb", [json.dumps(GOOD)])
    build_index(settings_for(tmp_path, kb))
    chunk = next(IndexDirectory(tmp_path / "index").open_current().iter_chunks())
    assert chunk.id == "product:TT-1"
    assert "Test Tent (SKU TT-1) by Acme." in chunk.text
    assert "Price: $100.00." in chunk.text and "Waterproof: yes." in chunk.text
    assert "Availability: in stock in Green." in chunk.text
    assert chunk.metadata["sku"] == "TT-1" and chunk.metadata["in_stock"] is True


def test_documents_keep_title_and_section_path(tmp_path):
    policy = "# Returns\n\n## Window\n\nReturn within 30 days.\n\n### Holidays\n\nUntil January 31.\n"
    kb = write_kb(tmp_path / "kb", [json.dumps(GOOD)], policy=policy)
    build_index(settings_for(tmp_path, kb))
    docs = [c for c in IndexDirectory(tmp_path / "index").open_current().iter_chunks() if c.kind == "document"]
    sections = {c.section: c for c in docs}
    assert set(sections) == {"Window", "Window > Holidays"}
    assert all(c.title == "Returns" and c.source == "policies/returns.md" for c in docs)
    assert sections["Window > Holidays"].id == "doc:policies/returns.md#window-holidays"


def test_unchanged_rerun_publishes_nothing_and_embeds_nothing(tmp_path):
    kb = write_kb(tmp_path / "kb", [json.dumps(GOOD)])
    settings = settings_for(tmp_path, kb)
    first = build_index(settings)
    second = build_index(settings)
    assert first.published and not second.published
    assert second.version == first.version
    assert (second.embedded, second.unchanged, second.added) == (0, first.chunks, 0)


def test_missing_knowledge_base_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="knowledge base folder not found"):
        build_index(settings_for(tmp_path, tmp_path / "nowhere"))
