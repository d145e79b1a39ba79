# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the test_readme_* tests share: README sections and fenced blocks, and the simulator's write count."""
from __future__ import annotations

import re

import harness

# POSTs that only read: the repos' names, the allowed data, search queries and polls
READ_POSTS = ("/Repo/get_all_searchable_logpoint", "/getalloweddata", "/getsearchlogs")


def writes(sim):
    """The write requests the simulator received since the last reset / clear_requests()."""
    return sum(number for method, path, number in sim.counters() if method != "GET" and path not in READ_POSTS)


def readme_section(heading):
    """The README's text from ``heading`` (e.g. ``"## Sigma rules"``) to the next ``## `` heading."""
    text = (harness.ROOT / "README.md").read_text(encoding="utf-8")
    return text[text.index(heading):].split("\n## ", 1)[0]


def block(text, first_line, language="yaml|bash"):
    """The fenced block of ``text`` whose first line starts with ``first_line``."""
    for body in re.findall(r"```(?:%s)\n(.*?)```" % language, text, re.DOTALL):
        if body.startswith(first_line):
            return body
    raise AssertionError("no README block starts with %r" % first_line)
