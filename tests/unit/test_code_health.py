"""No function in plugins/ above cyclomatic complexity 15 (radon's count, the same as mccabe's)."""
from __future__ import annotations

from pathlib import Path

from radon.complexity import cc_visit

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 15


def test_no_function_in_plugins_is_above_the_complexity_limit():
    too_complex = []
    for path in sorted((ROOT / "plugins").rglob("*.py")):
        blocks = cc_visit(path.read_text(encoding="utf-8"))
        blocks += [method for block in blocks for method in getattr(block, "methods", [])]
        for block in blocks:
            if getattr(block, "methods", None) is None and block.complexity > LIMIT:
                too_complex.append("%s:%d %s (%d)" % (path.relative_to(ROOT), block.lineno, block.fullname,
                                                      block.complexity))
    assert not too_complex, "above complexity %d: %s" % (LIMIT, ", ".join(too_complex))
