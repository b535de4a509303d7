"""Patch decisions: which chunks a re-run re-embeds, and when it writes a whole version instead of a patch.

Real SQLite and FAISS, with the fake embedder registered in rag.embedding.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

from indexer import build_index
from rag.index import Changes
from rag.index.faiss_sqlite.writer import patch_refusal
from rag.index.versions import IndexDirectory

TENT = {"sku": "TN-1", "title": "Ridge 2 Tent", "brand": "Trailhead", "category": "Tents", "price": 199.0,
        "description": "A freestanding two-person tent.", "variants": [{"sku": "TN-1-G", "color": "Green", "stock": 4}]}
BOOT = {"sku": "FT-1", "title": "Scree Boot", "brand": "Trailhead", "category": "Footwear", "price": 149.0,
        "description": "A waterproof leather hiking boot.", "variants": [{"sku": "FT-1-9", "size": "9", "stock": 2}]}


def write_store(settings, products, policy="Returns are accepted within 30 days."):
    (settings.knowledge_base / "catalog").mkdir(parents=True, exist_ok=True)
    (settings.knowledge_base / "policies").mkdir(exist_ok=True)
    (settings.knowledge_base / "catalog" / "products.jsonl").write_text(
        "".join(json.dumps(p) + "\n" for p in products), encoding="utf-8")
    (settings.knowledge_base / "policies" / "returns.md").write_text(f"# Returns\n\n{policy}\n", encoding="utf-8")


def counts(report):
    return {k: getattr(report, k) for k in ("added", "updated", "deleted", "unchanged", "embedded", "patched")}


def test_a_price_or_stock_change_keeps_the_vector(fake_settings):
    write_store(fake_settings, [TENT, BOOT])
    first = build_index(fake_settings)
    assert counts(first) == {"added": 3, "updated": 0, "deleted": 0, "unchanged": 0, "embedded": 3, "patched": False}
    cheaper = {**TENT, "price": 179.0, "variants": [{**TENT["variants"][0], "stock": 0}]}
    write_store(fake_settings, [cheaper, BOOT])
    report = build_index(fake_settings)
    assert counts(report) == {"added": 0, "updated": 1, "deleted": 0, "unchanged": 2, "embedded": 0, "patched": True}
    store = IndexDirectory(fake_settings.index_dir).open_current()
    tent = next(c for c in store.iter_chunks() if c.id == "product:TN-1")
    assert "179" in tent.text
    store.close()


def test_a_changed_text_is_re_embedded_and_a_removed_chunk_retired(fake_settings):
    write_store(fake_settings, [TENT, BOOT])
    build_index(fake_settings)
    write_store(fake_settings, [{**TENT, "description": "A freestanding tent for two, with two doors."}])
    report = build_index(fake_settings, allow_deletions=True)  # half the catalog goes: refused without it
    assert counts(report) == {"added": 0, "updated": 1, "deleted": 1, "unchanged": 1, "embedded": 1, "patched": False}
    # Two retired rows of four would pass 10%: a whole version was written instead of a patch.
    store = IndexDirectory(fake_settings.index_dir).open_current()
    assert store.manifest.retired == 0 and store.manifest.chunk_count == 2
    store.close()


def test_nothing_changed_publishes_nothing(fake_settings):
    write_store(fake_settings, [TENT])
    first = build_index(fake_settings)
    again = build_index(fake_settings)
    assert not again.published and again.version == first.version and again.embedded == 0


def previous(chunks: int, retired: int = 0, ann: bool = False):
    return SimpleNamespace(manifest=SimpleNamespace(chunk_count=chunks, retired=retired,
                                                    ann={"primary": {"efSearch": 64}} if ann else {}))


def changes(retire: int = 0, append: int = 0) -> Changes:
    return Changes(retire=[f"c{n}" for n in range(retire)], rewrite=[], append=[None] * append, vectors={})


def test_patch_refusal_by_retired_share_and_search_kind():
    assert patch_refusal(previous(100), changes(retire=5, append=5), ann_threshold=1000) is None
    assert patch_refusal(previous(100, retired=6), changes(retire=5, append=5), 1000) is None  # 11 of 111
    assert patch_refusal(previous(100, retired=7), changes(retire=5, append=5), 1000) == (
        "12 of 112 vector rows would be retired (more than 10%)")
    assert patch_refusal(previous(100), changes(append=5), ann_threshold=100) == "105 chunks call for approximate search"
    assert patch_refusal(previous(105, ann=True), changes(retire=6), ann_threshold=100) == (
        "99 chunks call for exact search")


def test_a_re_embedded_chunk_in_a_larger_store_is_patched_and_its_old_row_retired(fake_settings):
    catalog = [{**TENT, "sku": f"TN-{n}", "title": f"Ridge {n} Tent", "variants": []} for n in range(12)]
    write_store(fake_settings, catalog)
    build_index(fake_settings)
    catalog[3] = {**catalog[3], "description": "A tunnel tent that needs stakes to stand."}
    write_store(fake_settings, catalog)
    report = build_index(fake_settings)
    assert report.patched and report.embedded == 1 and report.updated == 1
    store = IndexDirectory(fake_settings.index_dir).open_current()
    assert (store.manifest.chunk_count, store.manifest.retired) == (13, 1)
    assert [cid for cid, _ in store.keyword_search("tunnel stakes", 5)] == ["product:TN-3"]
    store.close()
