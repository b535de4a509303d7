"""Charts are drawn from the tables the commands wrote, and show their numbers."""

from __future__ import annotations

import pytest

from bench.charts import draw_all, read_table
from evals.charts import answer_rate_curve, answer_rates, markdown_image

pytest.importorskip("matplotlib", reason="the charts extra is not installed")

DOC = """# Benchmarks

<!-- generated:peers -->
## Side by side

| system | build products/s | query p50 ms | query p99 ms |
|---|---:|---:|---:|
| ShopAssist (onnx-int8) | 203 | 3.5 | 4.4 |
| langchain | 85 | 7.8 | 9.4 |

Reproduce: `python -m bench.peers`
<!-- /generated:peers -->
"""


def test_tables_are_read_from_their_generated_section():
    assert read_table(DOC, "peers")[1] == {"system": "langchain", "build products/s": "85", "query p50 ms": "7.8",
                                           "query p99 ms": "9.4"}
    assert read_table(DOC, "load") == []


def test_benchmark_charts_show_the_recorded_numbers(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(DOC, encoding="utf-8")
    written = draw_all(doc)
    assert [p.name for p in written] == ["latency.svg", "build.svg"]
    build = (tmp_path / "charts" / "build.svg").read_text(encoding="utf-8")
    assert "langchain" in build and ">203<" in build and ">85<" in build
    latency = (tmp_path / "charts" / "latency.svg").read_text(encoding="utf-8")
    assert "3.5 / 4.4" in latency and "7.8 / 9.4" in latency
    again = draw_all(doc)[1].read_text(encoding="utf-8")
    assert again == build  # the same numbers draw the same file


def test_answer_chart_and_its_link(tmp_path):
    path = answer_rates({"ePQA dev": answer_rate_curve([(True, 0.9), (False, 0.5), (False, None)])},
                        tmp_path / "charts" / "answers.svg")
    assert "ePQA dev" in path.read_text(encoding="utf-8")
    assert markdown_image(path, tmp_path / "evaluation.md") == "![answers](charts/answers.svg)"
