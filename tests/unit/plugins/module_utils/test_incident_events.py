"""The incident event tracker (resources/incident_events.py) and the event source's documentation."""
from __future__ import annotations

import runpy
from pathlib import Path

import pytest
import yaml

from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError
from ansible_collections.logpoint.siem.plugins.module_utils.options import CONNECTION_OPTIONS
from ansible_collections.logpoint.siem.plugins.module_utils.resources.incident_events import (
    CLOCK_SLACK, SOURCE_ARGSPEC, Tracker, load_state, save_state, source_settings)

ROOT = Path(__file__).resolve().parents[4]
PLUGIN = ROOT / "extensions" / "eda" / "plugins" / "event_source" / "incidents.py"
HOUR = 3600.0


def row(number, detected, status="unresolved", comments=0, assignee="u1"):
    return {"id": "65c%021d" % number, "incident_id": "i%d" % number, "name": "Rule %d" % number,
            "description": None, "status": status, "risk": "low", "type": "alert", "assignee_id": assignee,
            "detection_timestamp": detected, "rows_count": 1,
            "comments": [{"user": "admin", "comment": "c%d" % index, "time": 1} for index in range(comments)]}


def apply_all(tracker, changes):
    for change in changes:
        tracker.apply(change)
    return [change.event for change in changes if change.event is not None]


def test_documentation_matches_the_options():
    plugin = runpy.run_path(str(PLUGIN))
    documented = yaml.safe_load(plugin["DOCUMENTATION"])["options"]
    assert sorted(documented) == sorted(SOURCE_ARGSPEC)
    for name, spec in SOURCE_ARGSPEC.items():
        doc = documented[name]
        assert doc["type"] == spec["type"], name
        assert doc.get("default") == spec.get("default"), name
        assert doc.get("choices") == spec.get("choices"), name
        if name in CONNECTION_OPTIONS:
            assert doc["env"] == [{"name": CONNECTION_OPTIONS[name]["env"]}], name
    assert yaml.safe_load(plugin["DOCUMENTATION"])["version_added"] == "0.2.0"
    for rulebook in yaml.safe_load(plugin["EXAMPLES"]):
        assert "logpoint.siem.incidents" in rulebook["sources"][-1]


def test_baseline_then_created_and_changes():
    tracker = Tracker(since=1000.0, overlap=600, track=86400)
    assert apply_all(tracker, tracker.diff([row(1, 900.0)], 1000.0)) == []  # before since: baseline
    events = apply_all(tracker, tracker.diff([row(1, 900.0, status="resolved"), row(2, 1001.0, comments=1)], 1010.0))
    assert [(event["type"], event["key"]) for event in events] == [
        ("state_changed", "65c000000000000000000001:1"), ("created", "65c000000000000000000002:1"),
        ("commented", "65c000000000000000000002:2")]
    assert events[0]["previous"] == {"status": "unresolved", "assignee_id": "u1"}
    assert apply_all(tracker, tracker.diff([row(1, 900.0, status="resolved"), row(2, 1001.0, comments=1)], 1020.0)) == []


def test_unapplied_changes_come_again_and_applied_ones_do_not():
    tracker = Tracker(since=0, overlap=600, track=86400)
    first = tracker.diff([row(1, 10.0, comments=2)], 20.0)
    assert [change.event["type"] for change in first] == ["created", "commented", "commented"]
    tracker.apply(first[0])  # only the created event was handled
    again = tracker.diff([row(1, 10.0, comments=2)], 30.0)
    assert [change.event["key"] for change in again] == [change.event["key"] for change in first[1:]]
    tracker.apply(again[1])
    tracker.apply(again[0])  # a late confirmation of an earlier change never moves a snapshot back
    assert tracker.incidents[first[0].incident_id].comments == 2


def test_closed_rows_without_detection_time():
    tracker = Tracker(since=0, overlap=600, track=86400)
    apply_all(tracker, tracker.diff([row(1, 10.0)], 20.0))
    closed = dict(row(1, None, status="closed"), name=None, risk=None)
    events = apply_all(tracker, tracker.diff([closed, dict(row(2, None, status="closed"))], 30.0))
    assert [(event["type"], event["incident"]["name"]) for event in events] == [("state_changed", "Rule 1")]
    assert tracker.incidents[row(2, 0)["id"]].time == 30.0  # remembered from when first seen


def test_window_and_memory_stay_bounded_on_a_long_run():
    """Two days of one incident a minute, polled every minute: the tracker holds one window, never more."""
    tracker = Tracker(since=0, overlap=600, track=3600)
    largest = 0
    for minute in range(2 * 24 * 60):
        now = 60.0 * minute + 30
        start, until = tracker.window(now)
        assert until == now + CLOCK_SLACK and start == min(now - 3600, (tracker.bookmark or 0) - 600)
        visible = [row(number, 60.0 * number) for number in range(max(0, minute - 70), minute + 1)
                   if start <= 60.0 * number <= until]
        apply_all(tracker, tracker.diff(visible, now))
        tracker.finish(start, now)
        largest = max(largest, len(tracker.incidents))
    assert largest <= 62


def test_downtime_longer_than_track_reads_from_the_bookmark():
    tracker = Tracker(since=0, overlap=600, track=3600)
    tracker.finish(0, 10 * HOUR)
    assert tracker.window(30 * HOUR)[0] == 10 * HOUR - 600


def test_state_file_round_trip_and_refusals(tmp_path):
    path = str(tmp_path / "state.json")
    tracker = Tracker(since=5.0, overlap=600, track=86400, source={"api": "classic", "url": "https://a"})
    apply_all(tracker, tracker.diff([row(1, 10.0, comments=1)], 20.0))
    tracker.finish(0, 20.0)
    save_state(path, tracker.to_json())
    assert load_state(str(tmp_path / "none.json")) is None
    again = Tracker(since=99.0, overlap=600, track=86400, source={"api": "classic", "url": "https://a"})
    again.restore(load_state(path), path)
    assert (again.since, again.bookmark, again.incidents) == (5.0, 20.0, tracker.incidents)
    assert apply_all(again, again.diff([row(1, 10.0, comments=1)], 30.0)) == []
    other = Tracker(since=0, overlap=0, track=0, source={"api": "classic", "url": "https://b"})
    with pytest.raises(ConfigError, match="belongs to https://a"):
        other.restore(load_state(path), path)
    with pytest.raises(ConfigError, match="not a state file"):
        other.restore({"version": 99}, path)
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read"):
        load_state(str(tmp_path / "bad.json"))


def test_settings(monkeypatch):
    for name in [spec["env"] for spec in CONNECTION_OPTIONS.values()]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LOGPOINT_URL", "https://lp")
    now = 1796000000.0  # times before 2000 are refused (timeparse)
    options = source_settings({"track": 0, "overlap": "5m", "since": "1h", "state_file": ""}, now=now)
    assert (options["track"], options["overlap"], options["since"], options["state_file"]) == (0, 300, now - 3600, None)
    assert options["url"] == "https://lp" and options["api"] == "classic"
    with pytest.raises(ConfigError, match="api: auto found some Director options"):
        source_settings({"director_url": "https://d"}, now=0)
    with pytest.raises(ConfigError, match="secret_key: the value has leading or trailing white space"):
        source_settings({"secret_key": "abc\n"}, now=0)
