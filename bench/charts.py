"""Charts of docs/benchmarks.md, drawn from the numbers its generated tables record.

    python -m bench.charts

Every benchmark redraws them after it writes its table (bench/report.py), so a chart never shows other numbers
than the table beside it. The tables record percentiles, not every sample, so latency is drawn as the range from
p50 to p99 per backend and per index size.
"""

from __future__ import annotations

import re
from pathlib import Path

from evals import charts

CHARTS = Path("charts")  # beside the doc


def read_table(doc: str, section: str) -> list[dict[str, str]]:
    """The first table of generated section ``section``, one dict per row keyed by the header; [] if none."""
    start = f"<!-- generated:{section} -->"
    if start not in doc:
        return []
    lines = [line for line in doc.split(start, 1)[1].split(f"<!-- /generated:{section} -->", 1)[0].splitlines()]
    table = []
    for line in lines:
        if line.startswith("|"):
            table.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif table:
            break
    if len(table) < 3:
        return []
    return [dict(zip(table[0], row)) for row in table[2:]]


def number(cell: str) -> float:
    return float(re.sub(r"[^\d.+-]", "", cell))


def draw_latency(doc: str, folder: Path) -> Path | None:
    peers = read_table(doc, "peers")
    sizes = read_table(doc, "retrieval-latency")
    panels = {}
    if peers:
        panels["Per backend and peer: the store's golden questions"] = {
            row["system"]: (number(row["query p50 ms"]), number(row["query p99 ms"])) for row in peers}
    if sizes:
        panels["Per index size: one hybrid query (plain / filtered)"] = {
            f"{row['chunks']} {'filtered' if 'category' in row['queries'] else 'plain'}":
                (number(row["p50 ms"]), number(row["p99 ms"]))
            for row in sizes if row["queries"].startswith("single")}
    return charts.percentile_ranges(panels, folder / "latency.svg") if panels else None


def draw_build(doc: str, folder: Path) -> Path | None:
    peers = read_table(doc, "peers")
    if not peers:
        return None
    return charts.bars({row["system"]: number(row["build products/s"]) for row in peers}, folder / "build.svg",
                       "Index build on the same generated catalog (higher is faster)", "products per second",
                       highlight="ShopAssist")


def draw_all(doc_path: Path) -> list[Path]:
    """Redraw every chart whose table the doc holds; [] (and a note) without matplotlib."""
    doc = doc_path.read_text(encoding="utf-8")
    folder = doc_path.parent / CHARTS
    try:
        return [path for path in (draw_latency(doc, folder), draw_build(doc, folder)) if path]
    except charts.ChartsUnavailable as exc:
        print(f"no charts: {exc}")
        return []


if __name__ == "__main__":
    from bench.report import DOC

    for written in draw_all(DOC):
        print(f"wrote {written}")
