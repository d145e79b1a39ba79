# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Export what a Logpoint holds in the directory format of the ``detection_rules`` role.

The directory (``export_files`` builds its files, ``write_files`` writes the ones that differ):

* ``<slug>.yml`` per alert rule: the rule as the options of ``logpoint.siem.alert_rules``' ``rules``
  (``RULE_KEYS`` order, options the server does not store left out, the collection's provenance
  metadata left out), then its ``notifications``: each the options of ``logpoint.siem.notification``
  without ``alert_rules`` (the rule of the file), secrets replaced by a variable reference
  ``{{ detection_rules_secrets.<slug>_<type>_<part> }}`` - never the secret.
* ``lists/<NAME>.txt`` per static list: its values, one a line, sorted.

The slug is the rule's name in lower case, each run of other characters than letters and digits an
``_``, at most 80 characters; two rules with the same slug get the end of their id appended. Rules
are written in name order, so the same Logpoint gives the same files, byte for byte.
"""

from __future__ import annotations

import fnmatch
import os
import re
import tempfile

try:
    import yaml
except ImportError:  # pragma: no cover - ansible-core depends on PyYAML
    yaml = None

from ansible_collections.logpoint.siem.plugins.module_utils._response import id_of
from ansible_collections.logpoint.siem.plugins.module_utils.api import alert_rules as rules_api
from ansible_collections.logpoint.siem.plugins.module_utils.api import notifications as notifications_api
from ansible_collections.logpoint.siem.plugins.module_utils.api.lists import list_lists
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError, MissingLibraryError
from ansible_collections.logpoint.siem.plugins.module_utils.resources.alert_rules import CREATE_DEFAULTS, options_of, rule_options
from ansible_collections.logpoint.siem.plugins.module_utils.resources.detection import PROVENANCE

RULE_KEYS = ("name", "enabled", "description", "query", "repos", "time_range", "search_interval", "limit",
             "condition", "risk", "aggregate", "flush_on_trigger", "throttling", "delay_interval", "attack_tags",
             "log_sources", "metadata", "assignee", "visible_to_usergroups", "display_template", "original_data")
NOTIFICATION_KEYS = ("type", "enabled", "dispatch", "threshold", "recipients", "subject", "template", "search_link",
                     "logo", "http_url", "method", "query_string", "body", "auth")
SECRETS_VARIABLE = "detection_rules_secrets"
LISTS_DIR = "lists"
_SLUG = re.compile(r"[^a-z0-9]+")


def slug(name):
    return _SLUG.sub("_", (name or "").lower()).strip("_")[:80] or "rule"


def select(rules, name=None, pack=None):
    """The rules whose name is ``name`` or matches it as a glob, of ``pack`` when given; in name order."""
    chosen = [rule for rule in rules
              if (name is None or rule.get("name") == name or fnmatch.fnmatchcase(rule.get("name") or "", name))
              and (pack is None or rules_api.pack_of(rule) == pack)]
    return sorted(chosen, key=lambda rule: (rule.get("name") or "", id_of(rule) or ""))


def file_names(rules):
    """``{id: file name}``: the slug of each rule's name, the end of its id added where two slugs meet."""
    counts = {}
    for rule in rules:
        counts[slug(rule.get("name"))] = counts.get(slug(rule.get("name")), 0) + 1
    names = {}
    for rule in rules:
        base = slug(rule.get("name"))
        names[id_of(rule)] = "%s.yml" % (base if counts[base] == 1 else "%s_%s" % (base, str(id_of(rule))[-6:]))
    return names


def rule_document(rule, client):
    """A server rule as the options of a rule file, in ``RULE_KEYS`` order; options at the value a create
    gives them anyway (``description: ""``, throttling off...) and the provenance metadata left out."""
    options = rule_options(rule, client)
    options["metadata"] = dict((key, value) for key, value in (options.get("metadata") or {}).items()
                               if key not in PROVENANCE)
    defaults = options_of(CREATE_DEFAULTS, client)
    return dict((key, options[key]) for key in RULE_KEYS
                if options.get(key) is not None and (key not in defaults or options[key] != defaults[key]))


def notification_documents(kind, data, file_slug):
    """The notification of one rule as options, secrets replaced by variable references; and those references."""
    facts = notifications_api.notification_facts(kind, data)
    if facts is None:
        return None, []
    options, references = dict(facts, type=kind), []
    if isinstance(options.get("recipients"), frozenset):
        options["recipients"] = sorted(options["recipients"])
    auth = options.get("auth")
    if auth:
        auth = dict(auth)
        for part in notifications_api.SECRET_PARTS:
            if part in auth:
                variable = "%s_%s_%s" % (file_slug, kind, part)
                references.append(variable)
                auth[part] = "{{ %s.%s }}" % (SECRETS_VARIABLE, variable)
        options["auth"] = dict((key, auth[key]) for key in ("type", "key", "value", "password") if key in auth)
    return dict((key, options[key]) for key in NOTIFICATION_KEYS if options.get(key) is not None), references


def export_files(client, name=None, pack=None, with_notifications=True, with_lists=True, max_concurrency=4):
    """``(files, summary)``: ``{relative path: text}`` of the export, and what it holds."""
    if yaml is None:
        raise MissingLibraryError("PyYAML", "PyYAML is needed to write the rule files")
    rules = select(rules_api.complete_rules(client, rules_api.list_rules(client), max_concurrency), name, pack)
    names = file_names(rules)
    notes = dict((id_of(rule), []) for rule in rules)
    references = []
    if with_notifications:
        ids = [id_of(rule) for rule in rules]
        for kind in notifications_api.PATHS:
            for rule_id, data in zip(ids, notifications_api.read_notifications(client, ids, kind, max_concurrency)):
                document, needed = notification_documents(kind, data, names[rule_id][:-4])
                if document:
                    notes[rule_id].append(document)
                    references.extend(needed)
    files = {}
    for rule in rules:
        document = rule_document(rule, client)
        if notes[id_of(rule)]:
            document["notifications"] = notes[id_of(rule)]
        files[names[id_of(rule)]] = dump(document)
    lists = 0
    if with_lists:
        for row in list_lists(client, with_values=True):
            if row["list_type"] == "static_list" and row["values"] is not None:
                files["%s/%s.txt" % (LISTS_DIR, row["name"])] = "".join("%s\n" % value for value in sorted(row["values"]))
                lists += 1
    return files, {"rules": len(rules), "lists": lists, "secret_variables": sorted(references)}


class _Dumper(yaml.SafeDumper if yaml else object):
    """Block style; multi-line strings as literal blocks."""


def _text(dumper, value):
    style = "|" if "\n" in value and value.strip() == value.rstrip("\n").strip() and " \n" not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


if yaml is not None:
    _Dumper.add_representer(str, _text)


def dump(document):
    """One rule file: a YAML document, keys in the order given, block style, ``---`` first."""
    return "---\n" + yaml.dump(document, Dumper=_Dumper, sort_keys=False, default_flow_style=False,
                               allow_unicode=True, width=10000)


def write_files(dest, files, check_mode):
    """Write each file whose content differs (atomically); ``[{path, state}]`` with created/updated/unchanged."""
    if os.path.exists(dest) and not os.path.isdir(dest):
        raise ConfigError("dest: %s exists and is not a directory" % dest)
    written = []
    for path in sorted(files):
        target = os.path.join(dest, path)
        old = None
        if os.path.exists(target):
            with open(target, encoding="utf-8") as handle:
                old = handle.read()
        state = "unchanged" if old == files[path] else "created" if old is None else "updated"
        written.append({"path": path, "state": state})
        if state != "unchanged" and not check_mode:
            _write(target, files[path])
    return written


def _write(target, text):
    os.makedirs(os.path.dirname(target), exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".export-")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)
