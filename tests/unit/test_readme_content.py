"""The README's content table names every module, lookup, filter and role the collection ships."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def shipped():
    names = set()
    for kind in ("modules", "lookup", "filter"):
        names |= {path.stem for path in (ROOT / "plugins" / kind).glob("*.py") if not path.stem.startswith("_")}
    names |= {path.name for path in (ROOT / "roles").iterdir() if path.is_dir()}
    return names


def test_every_plugin_and_role_is_in_the_readme_content_table():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index("## Content"):].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `logpoint\.siem\.(\w+)` \|", table, re.MULTILINE))
    assert shipped() - listed == set(), "missing from the README's content table"
