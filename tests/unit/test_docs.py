"""The docs match the code: every setting has a row in the README's configuration table, and every row a setting."""

from __future__ import annotations

import re
from pathlib import Path

from rag.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def documented_settings(readme: str) -> set[str]:
    """The names in the first column of the table under '## Configuration' (a cell may name several)."""
    section = readme.split("\n## Configuration", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            names.update(re.findall(r"`([a-z_][a-z0-9_]*)`", line.split("|")[1]))
    return names


def test_every_setting_is_in_the_readme_table():
    documented = documented_settings(README.read_text(encoding="utf-8"))
    assert set(Settings.model_fields) - documented == set(), "settings missing from README.md's configuration table"
    assert documented - set(Settings.model_fields) == set(), "README.md documents settings that do not exist"


def test_the_check_reads_the_table():
    table = "# X\n\n## Configuration\n\n| setting | default |\n|---|---|\n| `a_b`, `c` | `1` |\n\n## API\n| `d` |"
    assert documented_settings(table) == {"a_b", "c"}
