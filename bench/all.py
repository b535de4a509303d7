"""Every benchmark, one after another, each writing its table into docs/benchmarks.md.

    python -m bench.all

Each runs as its own process with its defaults (the settings the tables were made with),
so one benchmark's caches and threads never colour the next. The wall time of each is
written into the doc too, so the next run knows what to expect.
"""

from __future__ import annotations

import subprocess
import sys
import time

from bench.report import write_section

BENCHMARKS = [
    ("embedding_backends", "embedding backends: throughput, query latency and ePQA nDCG@10"),
    ("peers", "side by side with LangChain and LlamaIndex"),
    ("retrieval_latency", "retrieval latency, queries/s, ANN recall, size and memory at 10k-1M chunks"),
    ("build", "full and incremental index builds at 10k and 100k products"),
    ("load", "the chat API end to end and under load"),
]


def main() -> None:
    started = time.monotonic()
    minutes = {}
    for module, what in BENCHMARKS:
        print(f"== {what} (bench.{module})", flush=True)
        begun = time.monotonic()
        subprocess.run([sys.executable, "-m", f"bench.{module}"], check=True)
        minutes[module] = (time.monotonic() - begun) / 60
    total = (time.monotonic() - started) / 60
    lines = ["## Reproducing every table", "",
             "One command runs every benchmark above with the settings shown under each table and rewrites them. "
             f"On this machine it took **{total:.0f} minutes**; the first run also installs the peers into "
             "var/bench/peers-venv (a few minutes more).", "",
             "| benchmark | minutes |", "|---|---:|",
             *(f"| `python -m bench.{module}` | {minutes[module]:.1f} |" for module, _ in BENCHMARKS)]
    write_section("all", "python -m bench.all", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
