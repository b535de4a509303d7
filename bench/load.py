"""The chat API end to end: server start, one shopper, then many concurrent shoppers (extractive generator).

    python -m bench.load --shoppers 50 --seconds 60 --starts 3

Builds the sample store's index, times `shopassist serve` from start to ready, then asks
over real HTTP on 127.0.0.1 (rate limit off: every shopper comes from 127.0.0.1) and
records latency percentiles, throughput and errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.report import median, percentile, write_section

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


def start_server(env: dict, port: int, log: Path) -> tuple[subprocess.Popen, float]:
    """Start `shopassist serve` on an existing index; return it and the seconds until /readyz answers 200."""
    started = time.monotonic()
    server = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=open(log, "w"))
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return server, time.monotonic() - started
        except httpx.TransportError:
            pass
        if server.poll() is not None or time.monotonic() - started > 600:
            server.kill()
            raise SystemExit(f"server did not start: {log.read_text()[-2000:]}")
        time.sleep(0.05)


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=30)


def indexed_sample_store(prefix: str) -> tuple[Path, int, dict]:
    """A scratch folder with the sample store indexed, a free port, and the environment to serve it (no rate limit)."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    env = {**os.environ, "SHOPASSIST_INDEX_DIR": str(work / "index"), "SHOPASSIST_DATA_DIR": str(work / "data"),
           "SHOPASSIST_KNOWLEDGE_BASE": str(ROOT / "knowledge_base"), "SHOPASSIST_RATE_LIMIT_PER_MINUTE": "0"}
    subprocess.run([sys.executable, "-m", "server.cli", "index"], env=env, check=True, stdout=subprocess.DEVNULL)
    return work, free_port(), env


def one_shopper(url: str) -> list[float]:
    """Each golden question once, one after another."""
    times = []
    with httpx.Client(base_url=url, timeout=120) as client:
        for question in QUESTIONS:
            started = time.perf_counter()
            client.post("/v1/chat", json={"message": question}).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shoppers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--starts", type=int, default=3, help="server starts to time")
    args = parser.parse_args()
    work, port, env = indexed_sample_store("bench-load-")
    url = f"http://127.0.0.1:{port}"
    ready = []
    for _ in range(args.starts):
        server, seconds = start_server(env, port, work / "serve.log")
        ready.append(seconds)
        stop(server)
    server, _ = start_server(env, port, work / "serve.log")
    try:
        first = one_shopper(url)
        again = one_shopper(url)
        latencies, errors, elapsed = asyncio.run(run(url, args.shoppers, args.seconds))
    finally:
        stop(server)
        shutil.rmtree(work, ignore_errors=True)
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    body = "\n".join([
        "## Chat API end to end", "",
        "`POST /v1/chat` over HTTP to `shopassist serve` (uvicorn, one worker, extractive generator, default "
        "settings) on 127.0.0.1. Ready is the time from starting the process on a built index until `/readyz` "
        f"answers 200 (median of {args.starts} starts). One shopper asks the {len(QUESTIONS)} golden questions in "
        "turn: first on a fresh server, then again, when the server's vector cache already holds the questions "
        "and the passage sentences their answers quote.", "",
        "| server ready s | one shopper, fresh: p50 ms | p99 ms | one shopper, repeated: p50 ms | p99 ms |",
        "|---:|---:|---:|---:|---:|",
        f"| {median(ready):.1f} | {percentile(first, 50):.0f} | {percentile(first, 99):.0f} | "
        f"{percentile(again, 50):.0f} | {percentile(again, 99):.0f} |", "",
        f"Then {args.shoppers} concurrent shoppers for {args.seconds:.0f} s, each asking golden questions in a loop:", "",
        "| answers | answers/s | p50 ms | p99 ms | errors |", "|---:|---:|---:|---:|---:|",
        f"| {len(latencies)} | {len(latencies) / elapsed:.1f} | {p50:.0f} | {p99:.0f} | {len(errors)} |",
    ])
    write_section("load", f"python -m bench.load --shoppers {args.shoppers} --seconds {args.seconds:.0f} "
                          f"--starts {args.starts}", body)
    print(body)


if __name__ == "__main__":
    main()
