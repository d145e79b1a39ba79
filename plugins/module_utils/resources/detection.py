# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Detection as code on top of the alert rules resource: validation before any write, provenance, drift.

``alert_rules`` calls ``converge`` instead of ``alert_rules.converge_rules`` directly; it adds:

* validation (``validate``): ``offline`` (the default) checks every desired rule before anything is
  read for planning or written - each option (``alert_rules``' normalisers one by one, so a rule with
  three bad options reports three problems), the structure of its query (``query_check``), and that the
  repos, users, user groups and lists it names exist - and reports every problem of every rule at once.
  ``search`` also runs each new or changed query, and each query with an ``expect``, through the Search
  API over a short window on the rule's repos (``expect.window``, default 15 minutes) before anything is
  written; a refused query, or a row count outside ``expect.min_rows`` / ``expect.max_rows``, is a
  problem of that rule. Any problem: nothing is written.
* provenance (``provenance=True``): every rule the collection writes carries in its metadata
  ``managed_source`` (the rule's file, the per-rule ``source``), ``managed_hash`` (``sha256:`` of the
  rule as it is after the write, in canonical form, see ``content_hash``), ``managed_commit`` (the
  ``commit`` given), next to the ``managed_by`` marker (the pack) and the ``sigma_id`` a converted rule
  carries in its own metadata. Provenance is written with a rule's writes, never alone: a rule that is
  otherwise unchanged keeps what it stores (so a second run, a new commit that leaves the rule alone, or
  an export converged back writes nothing). Rules made by hand get none (they are never adopted).
* drift (``drift_report``): per rule created / updated / deleted / unchanged, and whether it was
  edited on the server since the collection wrote it (its stored ``managed_hash`` no longer matches the
  stored rule), with the options that differ.
"""

from __future__ import annotations

import hashlib
import json
import time

from ansible_collections.logpoint.siem.plugins.module_utils import query_check
from ansible_collections.logpoint.siem.plugins.module_utils._concurrency import fan_out_settled
from ansible_collections.logpoint.siem.plugins.module_utils._response import id_of
from ansible_collections.logpoint.siem.plugins.module_utils.api import alert_rules as rules_api
from ansible_collections.logpoint.siem.plugins.module_utils.api import search as search_api
from ansible_collections.logpoint.siem.plugins.module_utils.api.lists import list_lists
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError, LogpointError
from ansible_collections.logpoint.siem.plugins.module_utils.resources import alert_rules as rules
from ansible_collections.logpoint.siem.plugins.module_utils.state import differing_keys
from ansible_collections.logpoint.siem.plugins.module_utils.timeparse import parse_duration

PROVENANCE = ("managed_source", "managed_hash", "managed_commit")
SIGMA_KEY = "sigma_id"
VALIDATE = ("offline", "search", "none")
EXTRA_KEYS = ("source", "expect")
# The facts a content hash covers: every managed field but the active state (which (de)activation changes
# without a write of the rule) and the provenance itself.
HASHED = ("name", "description", "query", "repos", "time_range", "search_interval", "limit", "delay_interval",
          "flush_on_trigger", "throttling", "condition", "risk", "aggregate", "attack_tags", "log_sources",
          "metadata", "assignee", "visible_to_usergroups", "display_template", "original_data")
DEFAULT_WINDOW = 900
MAX_WINDOW = 86400
SEARCH_DEADLINE = 60
EXPECT_KEYS = ("min_rows", "max_rows", "window")


# ---- the per-rule keys alert_rule does not take ------------------------------------------------

def split_extras(rules_given):
    """``(rules, extras)``: each rule without ``source`` and ``expect``, and those per rule (same order)."""
    plain, extras = [], []
    for index, rule in enumerate(rules_given):
        if not isinstance(rule, dict):
            raise ConfigError("rules[%d]: %r is not a rule (a dictionary of alert_rule options)" % (index, rule))
        plain.append(dict((key, value) for key, value in rule.items() if key not in EXTRA_KEYS))
        extra = dict((key, rule[key]) for key in EXTRA_KEYS if rule.get(key) is not None)
        if "source" in extra and not isinstance(extra["source"], str):
            raise ConfigError("rules[%d]: source: must be a string (the rule's file)" % index)
        extras.append(extra)
    return plain, extras


def _expect_problems(expect):
    if not isinstance(expect, dict):
        return ["expect: must be a dictionary with min_rows, max_rows and window"]
    problems = ["expect: %s is not an option (known: %s)" % (key, ", ".join(EXPECT_KEYS))
                for key in sorted(set(expect) - set(EXPECT_KEYS))]
    for key in ("min_rows", "max_rows"):
        value = expect.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            problems.append("expect.%s: %r is not a whole number of at least 0" % (key, value))
    if expect.get("window") is not None:
        try:
            seconds = parse_duration(str(expect["window"]), option="expect.window")
        except ValueError as exc:
            problems.append(str(exc))
        else:
            if not 60 <= seconds <= MAX_WINDOW:
                problems.append("expect.window: %r is outside 1 minute to 1 day" % expect["window"])
    return problems


# ---- offline validation ------------------------------------------------------------------------

def offline_problems(client, checked, extras):
    """Every problem of every desired rule, as ``"<rule>: <option>: <text>"`` texts (empty: none)."""
    problems = []
    wanted_lists = {}
    for options, extra in zip(checked, extras):
        label = rules.rule_label(options)
        problems.extend("%s: %s" % (label, text) for text in _rule_problems(options, client, label))
        problems.extend("%s: %s" % (label, text) for text in _expect_problems(extra.get("expect", {})))
        if options.get("query") and options.get("state") != "absent":
            problems.extend("%s: query: %s" % (label, text) for text in query_check.query_problems(options["query"]))
            for name in query_check.list_names(options["query"]):
                wanted_lists.setdefault(name, []).append(label)
    if wanted_lists:
        known = set(str(row["name"]).upper() for row in list_lists(client, with_values=False))
        for name in sorted(set(wanted_lists) - known):
            problems.extend("%s: query: reads the list %s, which does not exist on the Logpoint" % (label, name)
                            for label in wanted_lists[name])
    return problems


def _rule_problems(options, client, label):
    """The option problems of one rule: each normaliser of the alert rules resource on its own."""
    if options.get("state") == "absent":
        return []
    check = rules._Check(label, client)  # pylint: disable=protected-access
    found = []
    for option, normalise in rules._NORMALISERS:  # pylint: disable=protected-access
        if options.get(option) is None:
            continue
        try:
            normalise(options[option], check)
        except ConfigError as exc:
            found.append(str(exc)[len(label) + 2:] if str(exc).startswith(label + ": ") else str(exc))
    metadata = options.get("metadata") or {}
    found.extend("metadata: %s is reserved: the collection writes it (provenance)" % key
                 for key in PROVENANCE if key in metadata)
    return found


def refuse(problems):
    """One ConfigError naming every problem (a single one as it is); nothing has been written."""
    if len(problems) == 1:
        raise ConfigError(problems[0])
    raise ConfigError("%d problems in the desired rules, nothing was written: %s" % (len(problems), "; ".join(problems)))


# ---- validation against the server -------------------------------------------------------------

def _searched(rule_plans, extras_by_label):
    """The rule plans whose query runs before the write: new rules, changed queries or repos, and rules with expect."""
    return [plan for plan in rule_plans if plan.outcome in ("created", "updated") and plan.facts and (
        plan.outcome == "created" or set(plan.changes) & {"query", "repos"})
        or plan.facts and plan.outcome != "deleted" and extras_by_label.get(plan.label, {}).get("expect")]


def search_problems(client, rule_plans, extras_by_label, max_concurrency, now=None):
    """Run each query to validate through the Search API; the problems found (empty: none)."""
    targets = _searched(rule_plans, extras_by_label)
    moment = int(now if now is not None else time.time())

    def run(plan):
        expect = extras_by_label.get(plan.label, {}).get("expect") or {}
        window = parse_duration(str(expect["window"]), option="expect.window") if expect.get("window") else DEFAULT_WINDOW
        request = search_api.search_request(plan.facts["query"], [moment - window, moment],
                                            repos=sorted(plan.facts.get("repos") or []), limit=10000)
        result = search_api.run_search(client, request, deadline=SEARCH_DEADLINE)
        return _count_problem(plan.label, expect, result)

    problems = []
    for plan, (problem, error) in zip(targets, fan_out_settled(run, targets, max_concurrency)):
        if error is not None:
            if isinstance(error, ConfigError) or not isinstance(error, LogpointError):
                raise error  # not the query's fault: no classic credentials, a bug
            problems.append("%s: query: the server refused it: %s" % (plan.label, error.server_message or error.message))
        elif problem:
            problems.append(problem)
    return problems


def _count_problem(label, expect, result):
    rows = result["matched"] if result["matched"] is not None else len(result["rows"])
    least, most = expect.get("min_rows"), expect.get("max_rows")
    if least is not None and rows < least:
        return "%s: expect: the query found %d rows in its window, fewer than min_rows %d" % (label, rows, least)
    if most is not None and rows > most:
        return "%s: expect: the query found %d rows in its window, more than max_rows %d" % (label, rows, most)
    return None


# ---- provenance and the content hash -----------------------------------------------------------

def content_hash(facts):
    """``sha256:<hex>`` of the ``HASHED`` facts in canonical form (sets sorted, provenance left out)."""
    canonical = {}
    for key in HASHED:
        value = facts.get(key)
        if key == "metadata":
            value = dict((k, v) for k, v in (value or {}).items() if k not in PROVENANCE)
        canonical[key] = value
    text = json.dumps(canonical, sort_keys=True, default=sorted, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def stored_provenance(rule):
    """The provenance a server rule stores: ``{pack, source, hash, commit, sigma_id}`` (None where absent)."""
    metadata = rules_api.rule_facts(rule)["metadata"]
    return {"pack": rules_api.pack_of(rule), "source": metadata.get("managed_source"),
            "hash": metadata.get("managed_hash"), "commit": metadata.get("managed_commit"),
            "sigma_id": metadata.get(SIGMA_KEY)}


def edited_on_server(rule):
    """Whether a rule the collection wrote was changed since: its stored hash no longer matches it."""
    stored = stored_provenance(rule)["hash"]
    return bool(stored) and stored != content_hash(rules_api.rule_facts(rule))


class Provenance:
    """The ``prepare`` hook of ``converge_rules``: the desired options with their provenance metadata.

    It also remembers, by id, the server's rule of each listed rule (what the drift report reads).
    """

    def __init__(self, client, extras_by_label, commit=None, pack=None, enabled=True):
        self.client = client
        self.extras = extras_by_label
        self.commit = commit or None
        self.pack = pack
        self.enabled = enabled
        self.seen = {}
        self.provenance_only = set()  # ids (labels of new rules) whose metadata differs, if at all, only in provenance

    def __call__(self, options, current):
        label = rules.rule_label(options)
        if current is not None:
            self.seen[id_of(current)] = current
        if not self._applies(options, current):
            return options
        desired = rules.desired_facts(dict(options, metadata=None), self.client)
        current_facts = rules_api.rule_facts(current) if current is not None else None
        stored_meta = (current_facts or {}).get("metadata") or {}
        stored_user = dict((key, value) for key, value in stored_meta.items() if key not in PROVENANCE)
        base = dict(options["metadata"]) if options.get("metadata") is not None else stored_user
        if base == stored_user:
            self.provenance_only.add(id_of(current) if current is not None else label)
        if current_facts is not None and not self._differs(desired, base, current_facts, current):
            kept = dict((key, stored_meta[key]) for key in PROVENANCE if key in stored_meta)
            return dict(options, metadata=dict(base, **kept))
        return dict(options, metadata=dict(base, **self._fresh(label, desired, current_facts, base)))

    def _applies(self, options, current):
        """Provenance is for the rules the collection writes: not for deletions, nor rules made by hand."""
        return self.enabled and options.get("state") != "absent" and (current is None or rules_api.is_managed(current))

    def _fresh(self, label, desired, current_facts, base):
        """The provenance of a rule about to be written: the hash of the rule after the write, source, commit."""
        if current_facts is not None:
            after = dict(current_facts, **desired)
        else:
            after = rules.complete_facts(desired, None, self.client, label)
        after["metadata"] = base
        fresh = {"managed_hash": content_hash(after)}
        source = self.extras.get(label, {}).get("source")
        if source:
            fresh["managed_source"] = source
        if self.commit:
            fresh["managed_commit"] = self.commit
        return fresh

    def _differs(self, desired, base, current_facts, current):
        """Whether the rule changes for a reason other than its provenance (a field, or the pack it joins)."""
        compared = dict(current_facts, metadata=dict((key, value) for key, value in current_facts["metadata"].items()
                                                     if key not in PROVENANCE))
        managed = dict((key, value) for key, value in desired.items() if key != "enabled")
        if differing_keys(dict(managed, metadata=base), compared):
            return True
        return self.pack is not None and rules_api.marker_value(self.pack) != rules_api.rule_marker(current)


# ---- the drift report --------------------------------------------------------------------------

def drift_report(entries, seen, pack=None, provenance_only=()):
    """The drift report of a run: per rule its outcome, whether it was edited on the server since the
    collection wrote it, the options that differ, and its provenance; ``counts`` and ``drifted``.
    ``seen``: the server rule of each listed rule, by id (rules deleted by purge are of ``pack``);
    ``provenance_only``: the ids (labels of new rules) of rules whose ``metadata`` change is only their
    provenance (not listed)."""
    report_rules = [_report_entry(entry, seen, pack, provenance_only) for entry in entries]
    counts = dict((outcome, sum(1 for rule in report_rules if rule["outcome"] == outcome))
                  for outcome in ("created", "updated", "deleted", "unchanged"))
    counts["edited_on_server"] = sum(1 for rule in report_rules if rule["edited_on_server"])
    drifted = any(rule["outcome"] != "unchanged" or rule["edited_on_server"] for rule in report_rules)
    return {"rules": report_rules, "counts": counts, "drifted": drifted, "text": drift_text(report_rules, counts)}


def _report_entry(entry, seen, pack, provenance_only):
    current = seen.get(entry["id"]) if entry["id"] else None
    only = (entry["id"] if current else rules.rule_label(entry)) in provenance_only
    provenance = stored_provenance(current) if current else {"pack": pack if entry["outcome"] == "deleted" else None}
    return {
        "name": entry["name"], "id": entry["id"], "outcome": entry["outcome"],
        "changes": [key for key in entry["changes"] if key != "metadata" or not only],
        "edited_on_server": bool(current) and edited_on_server(current),
        "pack": provenance.get("pack"), "source": provenance.get("source"), "commit": provenance.get("commit"),
        "sigma_id": provenance.get("sigma_id"), "stored_hash": provenance.get("hash"),
    }


def drift_text(report_rules, counts):
    """The readable summary of a drift report: one line of counts, then one line per rule that drifted."""
    lines = ["%(created)d created, %(updated)d updated, %(deleted)d deleted, %(unchanged)d unchanged; "
             "%(edited_on_server)d edited on the server since the collection wrote them" % counts]
    for rule in report_rules:
        if rule["outcome"] == "unchanged" and not rule["edited_on_server"]:
            continue
        what = rule["outcome"] + (", edited on the server" if rule["edited_on_server"] else "")
        fields = (": " + ", ".join(rule["changes"])) if rule["changes"] else ""
        where = " (%s)" % rule["source"] if rule["source"] else ""
        lines.append("%s: %s%s%s" % (what, rule["name"], where, fields))
    return "\n".join(lines) + "\n"


# ---- the whole run -----------------------------------------------------------------------------

def converge(client, rules_given, purge, check_mode, max_concurrency, pack=None, allow_empty=False,
             validate="offline", provenance=False, commit=None):
    """alert_rules with validation, provenance and the drift report -> ``(changed, result, diffs)``."""
    plain, extras = split_extras(rules_given)
    checked = rules.checked_rules(plain)
    extras_by_label = dict((rules.rule_label(options), extra) for options, extra in zip(checked, extras))
    rules._check_purge(checked, purge, rules.check_pack(pack), allow_empty)  # pylint: disable=protected-access
    rules._refuse_duplicates(checked)  # pylint: disable=protected-access
    if validate != "none":
        problems = offline_problems(client, checked, extras)
        if problems:
            refuse(problems)
    hook = Provenance(client, extras_by_label, commit=commit, pack=pack, enabled=provenance)

    def before_write(rule_plans):
        if validate == "search":
            problems = search_problems(client, rule_plans, extras_by_label, max_concurrency)
            if problems:
                refuse(problems)

    changed, result, diffs = rules.converge_rules(client, checked, purge, check_mode, max_concurrency, pack=pack,
                                                  allow_empty=allow_empty, prepare=hook, before_write=before_write)
    result["drift"] = drift_report(result["rules"], hook.seen, pack, hook.provenance_only)
    return changed, result, diffs


def converge_one(client, options, check_mode, max_concurrency, pack=None, provenance=False, commit=None):
    """alert_rule with provenance: the rule's hash (and ``commit``) stored with its writes, as in ``converge``."""
    hook = Provenance(client, {}, commit=commit, pack=pack, enabled=provenance)
    return rules.converge_rule(client, options, check_mode, max_concurrency, pack=pack, prepare=hook)
