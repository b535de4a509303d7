"""The Milvus backend: one collection per version, published by switching an alias.

``milvus_uri`` names the Milvus: a file path (``.db``) runs milvus-lite embedded in this process, an
``http://host:19530`` address reaches a Milvus server or cluster; the code is the same. Collections, for a
prefix P (``shopassist``)::

    P_<version>             one row per chunk: a dense vector field per vector space, the keyword text with a
                            BM25 sparse field filled by a Milvus function (jieba analyzer: Chinese and English),
                            product facts as scalar fields, identifiers as an array field
    P_<version>_terms       how many chunks hold each keyword term (the reader's word weights, keyword selection)
    P_<version>_identifiers the chunks each identifier form names (looked up by primary key: milvus-lite has no
                            index on array fields, and scanning them took a second per question)
    P_manifests             one row per complete version: its manifest
    alias P_current         the published version; switched atomically by ``alter_alias``

A version without a manifest row was left by a killed run and is dropped by the next one. An incremental
run copies the published version's unchanged rows (vectors included, nothing is embedded again) and inserts
the changed ones; chunks that are gone are not copied. The indexer's lock is the same file lock as the FAISS backend's, so one indexer runs
per index folder.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from pymilvus import DataType, Function, FunctionType, MilvusClient, MilvusException

from rag.filters import Filters, Vocabulary, category_words
from rag.index.chunk_fields import (
    colour_names,
    identifiers,
    product_price,
    query_words,
    search_text,
    selective_words,
    term_counts,
    variant_in_stock,
)
from rag.index.errors import (
    CorruptIndexError,
    IndexNotFoundError,
    IndexStoreError,
    IndexWriteError,
)
from rag.index.faiss_sqlite.reader import kinds_of
from rag.index.manifest import Manifest
from rag.index.protocol import Changes, Hit, Within
from rag.index.versions import IndexLock, version_name
from rag.models import Chunk

log = logging.getLogger("shopassist.index")

PREFIX = "shopassist"
TEXT_MAX = 65_535  # bytes, Milvus' longest VARCHAR
ARRAY_MAX = 4_096  # elements, Milvus' longest ARRAY
BATCH = 1_000  # rows per insert or iterator page
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128  # graph search effort; at least 4k is used for a top-k
CHUNK_FIELDS = ["id", "kind", "source", "title", "section", "text", "metadata", "position"]
PLACEHOLDER = [0.0, 0.0]  # Milvus wants a vector field in every collection; terms and manifests have no vector


def _literal(value: str) -> str:
    """A Milvus string literal: JSON's escaping is what Milvus' expression parser reads."""
    return json.dumps(value, ensure_ascii=False)


def _list_literal(values: list[str]) -> str:
    return "[" + ", ".join(_literal(v) for v in values) + "]"


def variant_keys(variants: list[dict]) -> list[str]:
    """Every combination of a variant's size, colour and being in stock, so "size M, orange, in stock" is one
    ``array_contains`` on the product: the same variant must satisfy every part."""
    keys: set[str] = set()
    for variant in variants:
        colours = colour_names(str(variant["color"])) if variant.get("color") is not None else [None]
        for colour in colours:  # "Matte black" is black too
            parts = []
            if variant.get("size") is not None:
                parts.append(f"size:{str(variant['size']).upper()}")
            if colour is not None:
                parts.append(f"color:{colour}")
            if variant_in_stock(variant):
                parts.append("in_stock")
            keys.update("|".join(combo) for n in range(1, len(parts) + 1) for combo in combinations(parts, n))
    return sorted(keys)


def wanted_variant_key(filters: Filters) -> str | None:
    """The variant key a product must hold for ``filters``' size and colour (and stock, with either)."""
    parts = []
    if filters.size is not None:
        parts.append(f"size:{filters.size.upper()}")
    if filters.color is not None:
        parts.append(f"color:{filters.color.lower()}")
    if parts and filters.in_stock:
        parts.append("in_stock")
    return "|".join(parts) or None


def filter_expression(filters: Filters, vocabulary: Vocabulary) -> str | None:
    """A Milvus boolean expression for the products that satisfy ``filters``; None when none can.

    The same rules as the FAISS backend's product filter: a category matches every category whose name holds
    it ("jacket" -> "Jackets", "Rain Jackets"), a brand matches by name in any case, an unknown price matches
    no price filter, size and colour must hold for one variant (in stock, if asked), and stock alone is the
    product's.
    """
    clauses = ['kind == "product"']
    if filters.category is not None:
        names = [c for c in vocabulary.categories if filters.category.lower() in c.lower()]
        if not names:
            return None
        clauses.append(f"category in {_list_literal(names)}")
    if filters.brand is not None:
        names = [b for b in vocabulary.brands if b.lower() == filters.brand.lower()]
        if not names:
            return None
        clauses.append(f"brand in {_list_literal(names)}")
    if filters.min_price is not None:
        clauses.append(f"price >= {float(filters.min_price)!r}")
    if filters.max_price is not None:
        clauses.append(f"price <= {float(filters.max_price)!r}")
    if key := wanted_variant_key(filters):
        clauses.append(f"array_contains(variant_keys, {_literal(key)})")
    elif filters.in_stock:
        clauses.append("in_stock == true")
    for name, value in filters.attributes.items():
        clauses.append(f"attributes[{_literal(name)}] == {_literal(value.lower())}")
    return " and ".join(clauses)


def _vector_field(space: str) -> str:
    return f"vector_{space}"


def _row(chunk: Chunk, position: int, vectors: dict[str, np.ndarray]) -> dict[str, Any]:
    """A chunk as a Milvus row; ``vectors`` holds its vector per space."""
    meta = chunk.metadata
    product = chunk.kind == "product"
    variants = meta.get("variants", []) if product else []
    row = {
        "id": chunk.id, "position": position, "kind": chunk.kind, "source": chunk.source, "title": chunk.title,
        "section": chunk.section, "text": chunk.text, "body": search_text(chunk),
        "metadata": json.dumps(meta, ensure_ascii=False, sort_keys=True),
        "content_hash": chunk.content_hash, "embedding_hash": chunk.embedding_hash,
        "identifiers": sorted(v.lower() for v in identifiers(chunk)),
        "category": str(meta.get("category") or "") if product else "",
        "brand": str(meta.get("brand") or "") if product else "",
        "price": product_price(meta) if product else None,
        "in_stock": bool(meta.get("in_stock")) if product else False,
        "variant_keys": variant_keys(variants),
        "colors": sorted({str(v["color"]) for v in variants if v.get("color")}),
        "attributes": {str(k): str(v).lower() for k, v in meta.get("attributes", {}).items()} if product else {},
    }
    row.update({_vector_field(space): vector.tolist() for space, vector in vectors.items()})
    return row


def _chunk(entity: dict) -> Chunk:
    return Chunk(id=entity["id"], kind=entity["kind"], source=entity["source"], title=entity["title"],
                 section=entity["section"], text=entity["text"], metadata=json.loads(entity["metadata"]))


_clients: dict[str, MilvusClient] = {}
_clients_lock = threading.Lock()


def client_for(uri: str) -> MilvusClient:
    """One client per Milvus in a process: milvus-lite allows one per file, and connections are costly."""
    with _clients_lock:
        if uri not in _clients:
            if "://" not in uri:
                Path(uri).parent.mkdir(parents=True, exist_ok=True)
                # milvus-lite's embedded server has no timestamp call: query iterators fall back to the
                # client's clock, and both sides log that as an error on every page.
                for name in ("grpc._server", "pymilvus.client.iterator.query_iterator"):
                    logging.getLogger(name).setLevel(logging.CRITICAL)
            try:
                _clients[uri] = MilvusClient(uri)
            except MilvusException as exc:
                raise IndexStoreError(f"cannot reach Milvus at {uri}: {exc.message}") from exc
        return _clients[uri]


def release_client(uri: str) -> None:
    """Close this process's connection to ``uri``: milvus-lite lets one process at a time open a file."""
    with _clients_lock:
        client = _clients.pop(uri, None)
    if client is not None:
        client.close()
    if "://" not in uri:  # the embedded server holds the file's lock until it stops
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(uri)


class MilvusIndex:
    """A loaded version: one collection, searched by its own name (a publish never changes it under a reader)."""

    def __init__(self, client: MilvusClient, prefix: str, version: str, manifest: Manifest, where: str):
        self.client = client
        self.version = version
        self.manifest = manifest
        self.collection = f"{prefix}_{version}"
        self.terms = f"{self.collection}_terms"
        self.identifiers = f"{self.collection}_identifiers"
        self.where = where
        try:
            for name in (self.collection, self.terms, self.identifiers):
                self.client.load_collection(name)
            self._vocabulary = self._read_vocabulary()
        except MilvusException as exc:
            raise CorruptIndexError(f"index version {version} at {where} cannot be loaded: {exc.message}") from exc

    def __len__(self) -> int:
        return self.manifest.chunk_count

    def check_models(self, wanted: dict[str, str]) -> None:
        self.manifest.check_models(wanted, f"{self.where} version {self.version}")

    # Reading.

    def _query(self, expression: str, fields: list[str], limit: int | None = None) -> list[dict]:
        kwargs = {"limit": limit} if limit is not None else {}
        return self.client.query(self.collection, filter=expression, output_fields=fields, **kwargs)

    def _iterate(self, expression: str, fields: list[str], collection: str | None = None) -> Iterator[dict]:
        pages = self.client.query_iterator(collection or self.collection, batch_size=BATCH, filter=expression,
                                           output_fields=fields)
        while page := pages.next():
            yield from page
        pages.close()

    def _by_ids(self, ids: list[str], fields: list[str]) -> dict[str, dict]:
        found: dict[str, dict] = {}
        for start in range(0, len(ids), BATCH):
            part = ids[start : start + BATCH]
            found.update((e["id"], e) for e in self._query(f"id in {_list_literal(part)}", fields, len(part)))
        return found

    def _read_vocabulary(self) -> Vocabulary:
        categories, brands, colors, titles, named = set(), set(), set(), set(), []
        for entity in self._iterate('kind == "product"', ["category", "brand", "colors", "title"]):
            categories.add(entity["category"])
            brands.add(entity["brand"])
            colors.update(entity["colors"])
            titles.add(entity["title"])
            named.append((entity["title"], entity["category"]))
        return Vocabulary(
            categories=tuple(sorted(c for c in categories if c)), brands=tuple(sorted(b for b in brands if b)),
            colors=tuple(sorted(colors)), kinds=kinds_of(t for t in titles if t), category_words=category_words(named),
        )

    def expression(self, within: Within) -> str | None:
        """"" for every chunk, None for none, else the expression ``within`` stands for."""
        if within is None:
            return ""
        if isinstance(within, Filters):
            return filter_expression(within, self._vocabulary)
        return f"id in {_list_literal(list(within))}" if within else None

    # Search.

    def _search_params(self, k: int) -> dict:
        return {"metric_type": "IP", "params": {"ef": max(HNSW_EF_SEARCH, 4 * k)}}

    def search(self, vector: np.ndarray, k: int, space: str, within: Within = None) -> list[Hit]:
        expression = self.expression(within)
        if expression is None or k <= 0:
            return []
        limit = min(k, len(within)) if isinstance(within, list) else k
        found = self.client.search(self.collection, data=[np.asarray(vector, dtype=np.float32).tolist()],
                                   anns_field=_vector_field(space), filter=expression, limit=limit,
                                   output_fields=["id"], search_params=self._search_params(limit))
        return [(hit["id"], float(hit["distance"])) for hit in found[0]]

    def search_many(self, vectors: np.ndarray, k: int, space: str) -> list[list[Hit]]:
        k = min(k, len(self))
        if k <= 0:
            return [[] for _ in vectors]
        results: list[list[Hit]] = []
        for start in range(0, len(vectors), 256):
            part = np.asarray(vectors[start : start + 256], dtype=np.float32).tolist()
            found = self.client.search(self.collection, data=part, anns_field=_vector_field(space), limit=k,
                                       output_fields=["id"], search_params=self._search_params(k))
            results += [[(hit["id"], float(hit["distance"])) for hit in hits] for hits in found]
        return results

    def keyword_search(self, text: str, k: int, within: Within = None) -> list[Hit]:
        words = query_words(text)
        expression = self.expression(within)
        if not words or expression is None:
            return []
        chosen = selective_words(words, self.document_counts(words))
        if not chosen:
            return []
        found = self.client.search(self.collection, data=[" ".join(chosen)], anns_field="sparse",
                                   filter=expression, limit=k, output_fields=["id"],
                                   search_params={"metric_type": "BM25"})
        # milvus-lite reports BM25 as a negative distance, a Milvus server as a positive score.
        hits = [(hit["id"], abs(float(hit["distance"]))) for hit in found[0]]
        return sorted(hits, key=lambda hit: hit[1], reverse=True)

    def document_counts(self, terms: list[str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for start in range(0, len(terms), BATCH):
            part = terms[start : start + BATCH]
            counts.update((e["term"], int(e["chunks"])) for e in self.client.query(
                self.terms, filter=f"term in {_list_literal(part)}", output_fields=["term", "chunks"],
                limit=len(part)))
        return counts

    def lookup_identifiers(self, candidates: list[str], within: Within = None) -> list[str]:
        expression = self.expression(within)
        if not candidates or expression is None:
            return []
        values = sorted({c.lower() for c in candidates})
        named = sorted({cid for e in self.client.query(self.identifiers, filter=f"value in {_list_literal(values)}",
                                                       output_fields=["chunks"], limit=len(values))
                        for cid in e["chunks"]})
        if not named:
            return []
        clause = f"id in {_list_literal(named)}"
        found = self._query(f"{clause} and ({expression})" if expression else clause, ["id", "position"], len(named))
        return [e["id"] for e in sorted(found, key=lambda e: e["position"])]

    def matching(self, filters: Filters) -> list[str]:
        expression = self.expression(filters)
        if expression is None:
            return []
        return [e["id"] for e in sorted(self._iterate(expression, ["id", "position"]), key=lambda e: e["position"])]

    # Chunks.

    def fetch(self, ids: list[str]) -> list[Chunk]:
        found = self._by_ids(ids, CHUNK_FIELDS)
        return [_chunk(found[i]) for i in ids if i in found]

    def vectors(self, ids: list[str], space: str) -> np.ndarray:
        field = _vector_field(space)
        found = self._by_ids(ids, ["id", field])
        dimension = int(self.manifest.spaces[space]["dimension"])
        return np.asarray([found[i][field] for i in ids], dtype=np.float32).reshape(len(ids), dimension)

    def sections_of(self, source: str) -> list[Chunk]:
        found = self._iterate(f'source == {_literal(source)} and kind == "document"', CHUNK_FIELDS)
        return [_chunk(e) for e in sorted(found, key=lambda e: e["position"])]

    def vocabulary(self) -> Vocabulary:
        return self._vocabulary

    def product_sources(self) -> dict[str, str]:
        return {e["id"]: e["source"] for e in self._iterate('kind == "product"', ["id", "source"])}

    def hashes(self) -> dict[str, tuple[str, str]]:
        return {e["id"]: (e["content_hash"], e["embedding_hash"])
                for e in self._iterate("", ["id", "content_hash", "embedding_hash"])}

    def iter_chunks(self) -> Iterator[Chunk]:
        for entity in sorted(self._iterate("", CHUNK_FIELDS), key=lambda e: e["position"]):
            yield _chunk(entity)

    def probe(self) -> None:
        """Read a chunk, search its title by keyword and its vector in every space."""
        try:
            first = self._query("", ["id", "title"], limit=1)
            if not first:
                return
            cid, title = first[0]["id"], first[0]["title"]
            if not self.fetch([cid]):
                raise CorruptIndexError("its first chunk cannot be read")
            self.keyword_search(title, 1)
            for space in self.manifest.spaces:
                if not self.search(self.vectors([cid], space)[0], 1, space):
                    raise CorruptIndexError(f"no {space} vector answers")
        except (MilvusException, ValueError, KeyError) as exc:
            raise CorruptIndexError(f"index version {self.version} at {self.where} cannot answer a probe "
                                    f"query: {exc}") from exc

    def close(self) -> None:
        """The client is shared by every version this process opens; it stays connected."""


class MilvusVersions:
    """Versions as collections in one Milvus; CURRENT is an alias."""

    def __init__(self, client: MilvusClient, where: str, lock_dir: Path, prefix: str = PREFIX):
        self.client = client
        self.where = where
        self.prefix = prefix
        self.alias = f"{prefix}_current"
        self.manifests = f"{prefix}_manifests"
        self.lock_dir = Path(lock_dir)

    @classmethod
    def connect(cls, uri: str, lock_dir: Path, prefix: str = PREFIX) -> "MilvusVersions":
        return cls(client_for(uri), uri, lock_dir, prefix)

    def __str__(self) -> str:
        return self.where

    def collection(self, version: str) -> str:
        return f"{self.prefix}_{version}"

    def _version_of(self, collection: str) -> str | None:
        head = f"{self.prefix}_"
        rest = collection[len(head):] if collection.startswith(head) else ""
        extra = rest.endswith(("_terms", "_identifiers"))
        return rest if rest and not extra and collection != self.manifests else None

    def _ensure_manifests(self) -> None:
        if self.client.has_collection(self.manifests):
            return
        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("version", DataType.VARCHAR, is_primary=True, max_length=64)
        schema.add_field("manifest", DataType.VARCHAR, max_length=TEXT_MAX)
        schema.add_field("placeholder", DataType.FLOAT_VECTOR, dim=len(PLACEHOLDER))
        index = self.client.prepare_index_params()
        index.add_index("placeholder", index_type="FLAT", metric_type="L2")
        self.client.create_collection(self.manifests, schema=schema, index_params=index, consistency_level="Strong")

    def _manifests(self) -> dict[str, str]:
        if not self.client.has_collection(self.manifests):
            return {}
        self.client.load_collection(self.manifests)
        rows = self.client.query(self.manifests, filter='version != ""', output_fields=["version", "manifest"])
        return {row["version"]: row["manifest"] for row in rows}

    def current_version(self) -> str | None:
        try:
            aliases = self.client.list_aliases()["aliases"]
            if self.alias not in aliases:
                return None
            return self._version_of(self.client.describe_alias(self.alias)["collection_name"])
        except MilvusException as exc:
            raise IndexStoreError(f"cannot read the published version from Milvus at {self.where}: "
                                  f"{exc.message}") from exc

    def open(self, version: str) -> MilvusIndex:
        text = self._manifests().get(version)
        if text is None or not self.client.has_collection(self.collection(version)):
            raise CorruptIndexError(f"Milvus at {self.where} has no complete index version {version}")
        manifest = Manifest.from_json(text, f"{self.where} version {version}")
        manifest.check_format(f"{self.where} version {version}")
        return MilvusIndex(self.client, self.prefix, version, manifest, self.where)

    def open_current(self) -> MilvusIndex:
        version = self.current_version()
        if version is None:
            raise IndexNotFoundError(f"no index in Milvus at {self.where}: build one with `shopassist index`")
        return self.open(version)

    def complete_versions(self) -> list[str]:
        collections = set(self.client.list_collections())
        return sorted((v for v in self._manifests() if self.collection(v) in collections), reverse=True)

    def lock(self) -> IndexLock:
        return IndexLock(self.lock_dir / ".lock")

    def remove_incomplete(self) -> list[str]:
        complete = set(self._manifests())
        removed = []
        for name in self.client.list_collections():
            version = self._version_of(name)
            if version is not None and version not in complete:
                self._drop(version)
                removed.append(version)
        return removed

    def _drop(self, version: str) -> None:
        for name in (self.collection(version), f"{self.collection(version)}_terms",
                     f"{self.collection(version)}_identifiers"):
            if self.client.has_collection(name):
                self.client.drop_collection(name)

    def new_version(self, ann_threshold: int) -> "MilvusVersionWriter":
        return MilvusVersionWriter(self, ann_threshold)

    def publish(self, version: str, manifest: Manifest) -> None:
        """Record the version as complete, then switch the alias to it in one step."""
        self._ensure_manifests()
        self.client.insert(self.manifests, [{"version": version, "manifest": manifest.to_json(),
                                             "placeholder": PLACEHOLDER}])
        self.client.flush(self.manifests)
        collection = self.collection(version)
        if self.alias in self.client.list_aliases()["aliases"]:
            self.client.alter_alias(collection, self.alias)
        else:
            self.client.create_alias(collection, self.alias)

    def prune(self, keep: int) -> list[str]:
        current = self.current_version()
        names = sorted(self.complete_versions())
        doomed = [n for n in names[: max(len(names) - keep, 0)] if n != current]
        for name in doomed:
            self._drop(name)
            self.client.delete(self.manifests, filter=f"version == {_literal(name)}")
        return doomed


class MilvusVersionWriter:
    """A version's collections being written; complete and visible once ``publish`` switches the alias."""

    def __init__(self, versions: MilvusVersions, ann_threshold: int):
        self.versions = versions
        self.client = versions.client
        self.ann_threshold = ann_threshold
        self.name = version_name()
        self.collection = versions.collection(self.name)
        self.terms = f"{self.collection}_terms"
        self.identifiers = f"{self.collection}_identifiers"
        self.location = f"{versions.where} collection {self.collection}"
        self._manifest: Manifest | None = None

    def patch_refusal(self, previous: MilvusIndex, changes: Changes) -> str | None:
        """Milvus deletes and compacts by itself: a patch never leaves dead rows to search around."""
        return None

    def write(self, chunks: list[Chunk], vectors: dict[str, np.ndarray], models: dict[str, str],
              build_settings: dict[str, Any]) -> Manifest:
        for space, matrix in vectors.items():
            if len(chunks) != len(matrix):
                raise ValueError(f"{len(chunks)} chunks but {len(matrix)} {space} vectors")
        spaces = {space: {"model": models[space], "dimension": int(matrix.shape[1])} for space, matrix in vectors.items()}
        with self._stored():
            index_type, ann = self._create(spaces, len(chunks))
            for start in range(0, len(chunks), BATCH):
                self.client.insert(self.collection, [
                    _row(chunk, position, {s: m[position] for s, m in vectors.items()})
                    for position, chunk in enumerate(chunks[start : start + BATCH], start=start)])
            self._write_terms(term_counts(search_text(c) for c in chunks))
            self._write_identifiers({c.id: sorted(v.lower() for v in identifiers(c)) for c in chunks})
            self.client.flush(self.collection)
        self._manifest = Manifest.create(spaces, dict(Counter(c.kind for c in chunks)), index_type,
                                         build_settings, ann)
        return self._manifest

    def patch(self, previous: MilvusIndex, changes: Changes, build_settings: dict[str, Any]) -> Manifest:
        """Copy the unchanged rows of ``previous`` (vectors included), then insert the changed ones.

        Rows are left out of the copy rather than deleted from it: Milvus keeps counting deleted rows in its
        BM25 statistics until a compaction, which moved keyword scores and hybrid rankings in tests.
        """
        spaces = previous.manifest.spaces
        changed = {*changes.retire, *(c.id for c in changes.rewrite)}
        fields = [*CHUNK_FIELDS, "body", "content_hash", "embedding_hash", "identifiers", "category", "brand",
                  "price", "in_stock", "variant_keys", "colors", "attributes", *map(_vector_field, spaces)]
        with self._stored():
            live = previous.manifest.chunk_count - len(set(changes.retire)) + len(changes.append)
            index_type, ann = self._create(spaces, live)
            page, last, named = [], -1, {}
            for entity in previous._iterate("", fields):
                last = max(last, entity["position"])
                if entity["id"] not in changed:
                    page.append(entity)
                    named[entity["id"]] = entity["identifiers"]
                if len(page) == BATCH:
                    self.client.insert(self.collection, page)
                    page = []
            positions = {e["id"]: e["position"] for e in previous._by_ids(sorted(changed), ["id", "position"]).values()}
            page += [_row(chunk, positions[chunk.id], vectors)
                     for chunk, vectors in zip(changes.rewrite, self._kept_vectors(previous, changes.rewrite))]
            page += [_row(chunk, last + 1 + offset, {s: m[offset] for s, m in changes.vectors.items()})
                     for offset, chunk in enumerate(changes.append)]
            for start in range(0, len(page), BATCH):
                self.client.insert(self.collection, page[start : start + BATCH])
            self.client.flush(self.collection)
            named.update((row["id"], row["identifiers"]) for row in page)
            self._write_identifiers(named)
            counts = Counter({e["term"]: int(e["chunks"]) for e in previous._iterate(
                'term != ""', ["term", "chunks"], collection=previous.terms)})
            counts.subtract(term_counts(search_text(c) for c in previous.fetch(sorted(changed))))
            counts.update(term_counts(search_text(c) for c in [*changes.rewrite, *changes.append]))
            self._write_terms(Counter({term: n for term, n in counts.items() if n > 0}))
            kinds = Counter(e["kind"] for e in self._iterate_new(["kind"]))
        self._manifest = Manifest.create(spaces, dict(kinds), index_type, build_settings, ann)
        return self._manifest

    @staticmethod
    def _kept_vectors(previous: MilvusIndex, chunks: list[Chunk]) -> list[dict[str, np.ndarray]]:
        """Each chunk's stored vector per space, for a chunk whose text changed but not its embedding."""
        ids = [c.id for c in chunks]
        per_space = {space: previous.vectors(ids, space) for space in previous.manifest.spaces}
        return [{space: matrix[i] for space, matrix in per_space.items()} for i in range(len(ids))]

    def _iterate_new(self, fields: list[str]) -> Iterator[dict]:
        pages = self.client.query_iterator(self.collection, batch_size=BATCH, filter="", output_fields=fields)
        while page := pages.next():
            yield from page
        pages.close()

    def publish(self) -> None:
        if self._manifest is None:
            raise IndexWriteError(f"{self.location} was never written")
        with self._stored():
            self.versions.publish(self.name, self._manifest)

    def discard(self) -> None:
        try:
            if self.versions.current_version() != self.name:
                self.versions._drop(self.name)
        except (MilvusException, IndexStoreError):
            log.warning("could not drop %s; the next run removes it", self.location)

    def _create(self, spaces: dict, chunks: int) -> tuple[str, dict]:
        """Create the version's collections: exact search up to ``ann_threshold`` chunks, HNSW above."""
        approximate = chunks > self.ann_threshold
        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=1024)
        schema.add_field("position", DataType.INT64)
        for name in ("kind", "content_hash", "embedding_hash"):
            schema.add_field(name, DataType.VARCHAR, max_length=128)
        for name in ("source", "title", "section", "category", "brand"):
            schema.add_field(name, DataType.VARCHAR, max_length=4096)
        for name in ("text", "metadata"):
            schema.add_field(name, DataType.VARCHAR, max_length=TEXT_MAX)
        schema.add_field("body", DataType.VARCHAR, max_length=TEXT_MAX, enable_analyzer=True,
                         analyzer_params={"tokenizer": "jieba", "filter": ["lowercase"]})
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("price", DataType.DOUBLE, nullable=True)
        schema.add_field("in_stock", DataType.BOOL)
        for name in ("identifiers", "variant_keys", "colors"):
            schema.add_field(name, DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=ARRAY_MAX,
                             max_length=512)
        schema.add_field("attributes", DataType.JSON)
        schema.add_function(Function(name="body_bm25", function_type=FunctionType.BM25,
                                     input_field_names=["body"], output_field_names=["sparse"]))
        index = self.client.prepare_index_params()
        index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        ann = {}
        for space, info in spaces.items():
            schema.add_field(_vector_field(space), DataType.FLOAT_VECTOR, dim=int(info["dimension"]))
            if approximate:
                index.add_index(_vector_field(space), index_type="HNSW", metric_type="IP",
                                params={"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION})
                ann[space] = {"efSearch": HNSW_EF_SEARCH}
            else:
                index.add_index(_vector_field(space), index_type="FLAT", metric_type="IP")
        self.client.create_collection(self.collection, schema=schema, index_params=index, consistency_level="Strong")
        terms = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        terms.add_field("term", DataType.VARCHAR, is_primary=True, max_length=TEXT_MAX)
        terms.add_field("chunks", DataType.INT64)
        terms.add_field("placeholder", DataType.FLOAT_VECTOR, dim=len(PLACEHOLDER))
        terms_index = self.client.prepare_index_params()
        terms_index.add_index("placeholder", index_type="FLAT", metric_type="L2")
        self.client.create_collection(self.terms, schema=terms, index_params=terms_index, consistency_level="Strong")
        named = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        named.add_field("value", DataType.VARCHAR, is_primary=True, max_length=512)
        named.add_field("chunks", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=ARRAY_MAX,
                        max_length=1024)
        named.add_field("placeholder", DataType.FLOAT_VECTOR, dim=len(PLACEHOLDER))
        named_index = self.client.prepare_index_params()
        named_index.add_index("placeholder", index_type="FLAT", metric_type="L2")
        self.client.create_collection(self.identifiers, schema=named, index_params=named_index,
                                      consistency_level="Strong")
        return ("Milvus HNSW" if approximate else "Milvus FLAT"), ann

    def _write_identifiers(self, named: dict[str, list[str]]) -> None:
        """Identifier form -> the chunks it names, from each chunk's identifier forms."""
        chunks: dict[str, list[str]] = {}
        for cid, values in named.items():
            for value in values:
                chunks.setdefault(value, []).append(cid)
        items = sorted(chunks.items())
        for start in range(0, len(items), 5 * BATCH):
            self.client.insert(self.identifiers, [
                {"value": value, "chunks": ids[:ARRAY_MAX], "placeholder": PLACEHOLDER}
                for value, ids in items[start : start + 5 * BATCH]])
        self.client.flush(self.identifiers)

    def _write_terms(self, counts: Counter) -> None:
        items = list(counts.items())
        for start in range(0, len(items), 5 * BATCH):
            self.client.insert(self.terms, [{"term": term, "chunks": n, "placeholder": PLACEHOLDER}
                                            for term, n in items[start : start + 5 * BATCH]])
        self.client.flush(self.terms)

    def _stored(self) -> "_MilvusFaults":
        return _MilvusFaults(self.location)


class _MilvusFaults:
    """Turns Milvus' refusals while writing into IndexWriteError, which the indexer reports as a failed build."""

    def __init__(self, location: str):
        self.location = location

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, traceback) -> bool:
        if isinstance(exc, MilvusException):
            raise IndexWriteError(f"{self.location}: {exc.message}") from exc
        return False


def milvus_copy(source, path: Path, prefix: str = "eval") -> MilvusIndex:
    """A milvus-lite copy of ``source`` (any SearchIndex) at ``path``, reused while its build settings and models
    are the same: the same chunks and the very same vectors, for comparing backends."""
    versions = MilvusVersions.connect(str(path), lock_dir=path.parent, prefix=prefix)
    models = {space: info["model"] for space, info in source.manifest.spaces.items()}
    if versions.current_version() is not None:
        current = versions.open_current()
        if current.manifest.build_settings == source.manifest.build_settings and (
                {s: i["model"] for s, i in current.manifest.spaces.items()} == models):
            return current
    with versions.lock():
        versions.remove_incomplete()
        chunks = list(source.iter_chunks())
        ids = [c.id for c in chunks]
        writer = versions.new_version(ann_threshold=max(len(chunks), 1))
        writer.write(chunks, {space: source.vectors(ids, space) for space in models}, models,
                     source.manifest.build_settings)
        writer.publish()
        versions.prune(1)
    return versions.open_current()
