"""What a version says about itself: its format, vector spaces, counts and how it was built."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rag.index.errors import CorruptIndexError, IncompatibleIndexError

FORMAT_VERSION = 3  # 2: float16 vectors, term document counts; 3: retired rows
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Manifest:
    format_version: int
    spaces: dict[str, dict[str, Any]]  # space -> {"model": name, "dimension": d}
    chunk_count: int
    counts_by_kind: dict[str, int]
    built_at: str
    index_type: str
    build_settings: dict[str, Any]
    # Approximate search only: per space, the efSearch chosen and the recall@10 it measured.
    ann: dict[str, dict[str, float]] = field(default_factory=dict)
    # FAISS rows no chunk uses any more; each index holds chunk_count + retired vectors.
    retired: int = 0

    @classmethod
    def create(cls, spaces: dict, counts: dict[str, int], index_type: str, build_settings: dict[str, Any],
               ann: dict | None = None, retired: int = 0) -> "Manifest":
        return cls(
            format_version=FORMAT_VERSION, spaces=spaces, chunk_count=sum(counts.values()), counts_by_kind=counts,
            built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), index_type=index_type,
            build_settings=build_settings, ann=ann or {}, retired=retired,
        )

    @classmethod
    def from_json(cls, text: str, where: str) -> "Manifest":
        try:
            return cls(**json.loads(text))
        except (ValueError, TypeError) as exc:
            raise CorruptIndexError(f"cannot read index manifest {where}: {exc}") from exc

    @classmethod
    def read(cls, path: Path) -> "Manifest":
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CorruptIndexError(f"cannot read index manifest {path}: {exc}") from exc
        return cls.from_json(text, str(path))

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True)

    def write(self, path: Path) -> None:
        path.write_text(self.to_json(), encoding="utf-8")

    def check_format(self, where: str) -> None:
        if self.format_version != FORMAT_VERSION:
            raise IncompatibleIndexError(
                f"index {where} has format version {self.format_version}, this "
                f"ShopAssist reads version {FORMAT_VERSION}: rebuild it with `shopassist index --full`"
            )

    def check_models(self, wanted: dict[str, str], where: str) -> None:
        """Refuse to serve vectors from other models than the ones queries will use."""
        built = {space: info["model"] for space, info in self.spaces.items()}
        if built != wanted:
            raise IncompatibleIndexError(
                f"index {where} was built with embedding models {built}, but settings ask for "
                f"{wanted}: rebuild it with `shopassist index --full`, or change the settings back"
            )
