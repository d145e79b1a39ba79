"""tests/simulator/README.md documents every setting with its evidence, its default and its strict answer,
as the simulator has them (a setting added without a README row, or a default changed in one place only,
fails here)."""

import json
import pathlib
import re

import pytest
from logpoint_simulator.profiles import OPEN_QUESTIONS, PROFILES
from logpoint_simulator.state import DEFAULT_SETTINGS

README = pathlib.Path(__file__).resolve().parents[2] / "simulator" / "README.md"


def table_rows(heading):
    """{key: [cells]} of the first table after the ``### heading`` line."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### %s" % heading):]
    section = section[:section.index("\n### ", 4)]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"\| `([a-z_0-9]+)` \|(.*)\|$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in re.split(r"(?<!\\)\|", match.group(2))]
    return rows


def shown(value):
    """How the README writes a value in its default/strict cells: JSON in backticks."""
    return "`%s`" % json.dumps(value)


def test_every_setting_has_one_readme_row():
    documented = set(table_rows("Settings (the §18 alternatives)")) | set(table_rows("Open questions and profiles"))
    assert documented == set(DEFAULT_SETTINGS)


@pytest.mark.parametrize("key", sorted(set(DEFAULT_SETTINGS) - set(OPEN_QUESTIONS)))
def test_a_section_18_setting_row_names_its_evidence_and_its_default(key):
    evidence, default, alternatives = table_rows("Settings (the §18 alternatives)")[key]
    assert evidence and alternatives
    assert default.startswith(shown(DEFAULT_SETTINGS[key])), (key, default)
    assert key not in PROFILES["strict"], "a §18 setting answers the same under strict"


@pytest.mark.parametrize("key", sorted(OPEN_QUESTIONS))
def test_an_open_question_row_names_its_default_its_strict_answer_and_the_evidence(key):
    _choices, default, strict, evidence = table_rows("Open questions and profiles")[key]
    assert (default, strict) == (shown(OPEN_QUESTIONS[key][0]), shown(PROFILES["strict"][key]))
    assert len(evidence) > 40, "what it decides and the public evidence for it"
