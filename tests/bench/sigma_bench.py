#!/usr/bin/env python
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sigma conversion bench (make bench-sigma): N Sigma rules (default 1,000) converted as sigma_convert does.

The rules are the project's own test rules (tests/fixtures/sigma) copied over and over with new ids and
titles, one rule per file, so every pipeline, the correlations and every skip reason are in the mix. Prints
the seconds, rules per second, converted and skipped counts (by reason; the rules of skipped/ are in one
copy of ten), then the same for the test set
itself. The target (issue 13): 1,000 rules in at most 30 s; exit status 1 when it is missed.

    .venv/bin/python tests/bench/sigma_bench.py [--rules 1000] [--target 30]
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "sigma"
REPOS = {"product": {"windows": ["windows"], "linux": ["linux"], "azure": ["cloud"], "m365": ["cloud"],
                     "aws": ["cloud"]}}


def _importable():
    link = ROOT / ".collections" / "ansible_collections" / "logpoint" / "siem"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(Path("..", "..", ".."), target_is_directory=True)
    sys.path.insert(0, str(ROOT / ".collections"))


def write_rules(target, count):
    """``count`` Sigma rules (documents) in files under ``target``: the fixtures, with fresh ids, titles, names."""
    every = sorted(path for path in FIXTURES.rglob("*.yml"))
    convertible = [path for path in every if path.parent.name != "skipped"]
    documents = 0
    copy = 0
    while documents < count:
        for source in every if copy % 10 == 0 else convertible:  # the skipped ones in one copy of ten
            text = source.read_text(encoding="utf-8")
            for old in set(re.findall(r"[0-9a-f]{8}-[0-9a-f-]{27}", text)):  # the same new id in every file
                text = text.replace(old, str(uuid.uuid5(uuid.NAMESPACE_URL, "%s/%d" % (old, copy))))
            text = re.sub(r"^title: (.*)$", r"title: \1 %d" % copy, text, flags=re.MULTILINE)
            text = re.sub(r"^(\s*)(name: |- )(failed_windows_logon|linux_sudo_root)$", r"\1\2\3_%d" % copy, text,
                          flags=re.MULTILINE)
            in_file = max(1, text.count("\n---\n") + 1)
            if documents + in_file > count:
                continue
            (target / ("%04d_%s" % (copy, source.name))).write_text(text, encoding="utf-8")
            documents += in_file
        copy += 1
    return documents


def run(src):
    from ansible_collections.logpoint.siem.plugins.module_utils._sigma import convert_tree

    started = time.perf_counter()
    result = convert_tree({"src": str(src), "pack": "bench", "repos": REPOS})
    return time.perf_counter() - started, result["summary"]


def show(label, seconds, summary):
    rules = summary["converted"] + summary["skipped"]
    print("%s: %d Sigma rules (and files that are not Sigma) in %d files, %.2f s, %.0f rules/s; converted %d, skipped %d %s"
          % (label, rules, summary["files"], seconds, rules / seconds, summary["converted"], summary["skipped"],
             summary["skipped_by_reason"]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--target", type=float, default=30.0, help="seconds the conversion may take at most")
    args = parser.parse_args(argv)
    _importable()
    with tempfile.TemporaryDirectory() as directory:
        written = write_rules(Path(directory), args.rules)
        seconds, summary = run(directory)
    show("bench", seconds, summary)
    show("test set", *run(FIXTURES))
    verdict = "met" if seconds <= args.target else "MISSED"
    print("target: %d rules in at most %.0f s: %s (%.2f s)" % (written, args.target, verdict, seconds))
    return 0 if seconds <= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
