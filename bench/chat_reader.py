"""One shopper on 2 cores with the reader on: /v1/chat p50 and p95, and the reader's share of the time.

    python -m bench.chat_reader

Asks the questions of tests/golden/dev.jsonl (one turn each) over real HTTP to `shopassist serve` on 127.0.0.1,
twice: on a fresh server, then again (the server's vector cache then holds the questions and passage sentences).
The stages come from each answer's `timings_ms` (retrieve, read, generate, verify).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import httpx

from bench.load import indexed_sample_store, start_server, stop
from bench.report import percentile, write_section

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [json.loads(line)["question"] for line in (ROOT / "tests" / "golden" / "dev.jsonl").read_text().splitlines()]


def ask_all(url: str) -> tuple[list[float], list[float]]:
    """Wall time per answer (ms), and the reader's share of each answer's stage time."""
    times, shares = [], []
    with httpx.Client(base_url=url, timeout=120) as client:
        for question in QUESTIONS:
            started = time.perf_counter()
            response = client.post("/v1/chat", json={"message": question})
            response.raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
            stages = response.json().get("timings_ms") or {}
            if sum(stages.values()):
                shares.append(stages.get("read", 0.0) / sum(stages.values()))
    return times, shares


def main() -> None:
    work, port, env = indexed_sample_store("bench-reader-")
    url = f"http://127.0.0.1:{port}"
    server, _ = start_server(env, port, work / "serve.log")
    try:
        fresh, fresh_share = ask_all(url)
        again, again_share = ask_all(url)
    finally:
        stop(server)
        shutil.rmtree(work, ignore_errors=True)
    body = "\n".join([
        "## Chat with the reader", "",
        f"One shopper, `POST /v1/chat` over HTTP on 127.0.0.1, the {len(QUESTIONS)} questions of the dev split one "
        "after another (extractive answers, default settings). The reader's share is its stage time over the sum of "
        "the stages (retrieve, read, generate, verify), median over answers.", "",
        "| run | p50 ms | p95 ms | reader's share (median) |", "|---|---:|---:|---:|",
        f"| fresh server | {percentile(fresh, 50):.0f} | {percentile(fresh, 95):.0f} | {percentile(fresh_share, 50):.0%} |",
        f"| repeated | {percentile(again, 50):.0f} | {percentile(again, 95):.0f} | {percentile(again_share, 50):.0%} |",
    ])
    write_section("chat-reader", "python -m bench.chat_reader", body)
    print(body)


if __name__ == "__main__":
    main()
