"""Concurrent shoppers against a real uvicorn server on 127.0.0.1, extractive generator.

    python -m bench.load --shoppers 50 --seconds 60

Starts `shopassist serve` on a free port (rate limit off: every shopper comes from
127.0.0.1), then runs the shoppers for the given time, each asking golden-set
questions in a loop, and records throughput, latency percentiles and errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

from bench.report import write_section

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [json.loads(line)["question"] for line in (ROOT / "tests" / "golden" / "store.jsonl").read_text().splitlines()]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def shopper(client: httpx.AsyncClient, number: int, deadline: float, latencies: list, errors: list) -> None:
    turn = number
    while time.monotonic() < deadline:
        question = QUESTIONS[turn % len(QUESTIONS)]
        turn += 7
        started = time.perf_counter()
        try:
            response = await client.post("/v1/chat", json={"message": question})
            if response.status_code != 200:
                errors.append(response.status_code)
                continue
        except httpx.HTTPError as exc:
            errors.append(type(exc).__name__)
            continue
        latencies.append((time.perf_counter() - started) * 1000)


async def run(url: str, shoppers: int, seconds: float) -> tuple[list[float], list, float]:
    latencies: list[float] = []
    errors: list = []
    limits = httpx.Limits(max_connections=shoppers, max_keepalive_connections=shoppers)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(*(shopper(client, n, deadline, latencies, errors) for n in range(shoppers)))
        elapsed = time.monotonic() - started
    return latencies, errors, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shoppers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    port = free_port()
    env = {**os.environ, "SHOPASSIST_INDEX_DIR": str(work / "index"), "SHOPASSIST_DATA_DIR": str(work / "data"),
           "SHOPASSIST_KNOWLEDGE_BASE": str(ROOT / "knowledge_base"), "SHOPASSIST_RATE_LIMIT_PER_MINUTE": "0"}
    server = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=open(work / "serve.log", "w"))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start: {(work / 'serve.log').read_text()[-2000:]}")
            time.sleep(0.5)
        latencies, errors, elapsed = asyncio.run(run(url, args.shoppers, args.seconds))
    finally:
        server.terminate()
        server.wait(timeout=30)
    p50, p99 = (float(np.percentile(latencies, q)) for q in (50, 99))
    body = "\n".join([
        "## Chat API under load", "",
        f"{args.shoppers} concurrent simulated shoppers for {args.seconds:.0f} s, each asking golden-set questions in a "
        "loop against `POST /v1/chat` on a uvicorn server on 127.0.0.1 (one worker, extractive generator). "
        "The 59 golden questions repeat, so after the first round their vectors, and the vectors of the passage "
        "sentences the answers quote and verify, come from the server's vector cache: this is a warm server.", "",
        "| answers | answers/s | p50 ms | p99 ms | errors |", "|---:|---:|---:|---:|---:|",
        f"| {len(latencies)} | {len(latencies) / elapsed:.1f} | {p50:.0f} | {p99:.0f} | {len(errors)} |",
    ])
    write_section("load", f"python -m bench.load --shoppers {args.shoppers} --seconds {args.seconds:.0f}", body)
    print(body)


if __name__ == "__main__":
    main()
