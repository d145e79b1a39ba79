# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sigma rules -> the rules of logpoint.siem.alert_rules (the logic of sigma_convert, which runs on the controller).

``convert_tree(options)`` reads every ``*.yml``/``*.yaml`` file under ``options["src"]`` (sorted, recursive),
converts each Sigma rule with pySigma and the Logpoint backend (the pipeline of the rule's product) and
returns ``{"rules": [...], "report": [...], "summary": {...}}``: the rules in the option format of
``alert_rules``, and one report entry per Sigma rule, converted or skipped with the reason.

The mapping (README "Sigma rules"):

* title -> name (``name_prefix`` in front); titles that collide with another converted rule, or with a rule
  on the Logpoint that is not this Sigma rule, get `` [<first 8 characters of the id>]`` - whatever the file
  order, the same names;
* the Sigma id is the stable key: metadata ``sigma_id``; a rule of ``existing`` (alert_rule_info's rules)
  with that ``sigma_id`` (and this ``pack``'s ``sigma_pack``) under another name is updated in place (the
  converted rule gets its ``id``);
* level -> risk (informational skipped unless ``include_informational``, then low); status -> enabled
  (stable, test: on; experimental and no status: off unless ``enable_experimental``; deprecated,
  unsupported: skipped);
* ATT&CK tags -> metadata ``attack_techniques``/``attack_tactics`` (the classic API takes attack tags only
  as the Logpoint's own tag hashes, which it cannot list); techniques found in ``attack_tags`` (technique ->
  hash) also go into the rule's ``attack_tags``;
* logsource -> repos through ``repos`` (``{service: {...}, category: {...}, product: {...}}``, the most
  specific entry first); unmapped: skipped;
* correlations of type ``event_count`` -> ``<rules> | chart count() as event_count by <group-by> | search
  event_count <op> <n>`` over the timespan, alerting on any row; other types skipped.
"""

from __future__ import annotations

import os
import traceback

from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError, MissingLibraryError
from ansible_collections.logpoint.siem.plugins.module_utils.timeparse import format_duration, parse_duration

LIBRARY = "pySigma with pysigma-backend-logpoint (pip install -r requirements-sigma.txt, from the collection)"
# Logpoint pipelines of pysigma-backend-logpoint 1.x by Sigma product.
PIPELINES = {"windows": "logpoint_windows", "linux": "logpoint_linux", "azure": "logpoint_azure",
             "m365": "logpoint_o365"}
RISKS = ("low", "medium", "high", "critical")
ENABLED_STATUSES = ("stable", "test")
SKIPPED_STATUSES = ("deprecated", "unsupported")
LOGSOURCE_KINDS = ("service", "category", "product")  # the most specific first
COUNT_FIELD = "event_count"
OPERATORS = {"LT": "<", "LTE": "<=", "GT": ">", "GTE": ">=", "EQ": "=", "NEQ": "!="}
ANY_ROW = {"operator": ">=", "value": 1}
MIN_SPAN, MAX_SPAN = 60, 30 * 86400
NAME_MIN = 5
SHORT_ID = 8

# The options of sigma_convert (module stub and action plugin).
ARGUMENT_SPEC = {
    "src": {"type": "path", "required": True},
    "pack": {"type": "str"},
    "repos": {"type": "dict", "default": {}},
    "include_informational": {"type": "bool", "default": False},
    "enable_experimental": {"type": "bool", "default": False},
    "without_pipeline": {"type": "bool", "default": False},
    "defer_contains": {"type": "bool", "default": False},
    "time_range": {"type": "str", "default": "5m"},
    "search_interval": {"type": "int", "default": 5},
    "name_prefix": {"type": "str", "default": ""},
    "attack_tags": {"type": "dict", "default": {}},
    "existing": {"type": "list", "elements": "dict", "default": []},
}
OPTION_DEFAULTS = dict((name, spec.get("default")) for name, spec in ARGUMENT_SPEC.items())


class Skip(Exception):
    """A Sigma rule that is not converted: ``code`` (for the summary) and the reason."""

    def __init__(self, code, reason):
        super().__init__(reason)
        self.code = code
        self.reason = reason


def sigma_library():
    """The pySigma names the conversion uses, or MissingLibraryError naming requirements-sigma.txt."""
    try:
        from sigma.backends.logpoint import Logpoint
        from sigma.backends.logpoint import logpoint as backend_module
        from sigma.collection import SigmaCollection
        from sigma.correlations import SigmaCorrelationRule
        from sigma.exceptions import SigmaError
        from sigma.pipelines.logpoint import pipelines
        from sigma.processing.pipeline import ProcessingPipeline
        from sigma.exceptions import SigmaRuleLocation
        import yaml
    except ImportError:
        raise MissingLibraryError(LIBRARY, import_traceback=traceback.format_exc())
    return {"Logpoint": Logpoint, "backend_module": backend_module, "SigmaCollection": SigmaCollection,
            "SigmaCorrelationRule": SigmaCorrelationRule, "SigmaError": SigmaError, "pipelines": pipelines,
            "ProcessingPipeline": ProcessingPipeline, "SigmaRuleLocation": SigmaRuleLocation,
            "yaml": yaml, "yaml_loader": getattr(yaml, "CSafeLoader", yaml.SafeLoader)}


# ---- options -----------------------------------------------------------------------------------

def checked_options(options):
    """The options with defaults filled in; ConfigError naming the option for a bad one."""
    checked = dict(OPTION_DEFAULTS)
    checked.update((key, value) for key, value in options.items() if value is not None)
    if not checked["src"] or not os.path.isdir(checked["src"]):
        raise ConfigError("src: %r is not a directory on the controller" % checked["src"])
    checked["repos"] = _checked_repos(checked["repos"])
    try:
        seconds = parse_duration(checked["time_range"], option="time_range")
    except ValueError as exc:
        raise ConfigError(str(exc))
    if seconds % 60 or not MIN_SPAN <= seconds <= MAX_SPAN:
        raise ConfigError("time_range: %r is not a whole number of minutes from 1 minute to 30 days"
                          % checked["time_range"])
    checked["time_range"] = format_duration(seconds)
    interval = checked["search_interval"]
    if not isinstance(interval, int) or interval < 1 or (seconds // 60) % interval:
        raise ConfigError("search_interval: %r minutes must be at least 1 and divide time_range %s"
                          % (interval, checked["time_range"]))
    if not isinstance(checked["attack_tags"], dict):
        raise ConfigError("attack_tags: give a mapping of ATT&CK technique ids (T1059.001) to Logpoint attack tag ids")
    checked["attack_tags"] = dict((str(k).upper(), str(v)) for k, v in checked["attack_tags"].items())
    return checked


def _checked_repos(repos):
    if not isinstance(repos, dict) or set(repos) - set(LOGSOURCE_KINDS):
        raise ConfigError("repos: give a mapping with the keys %s, each of logsource values to repo names, "
                          "for example {product: {windows: [windows]}}" % ", ".join(LOGSOURCE_KINDS))
    checked = {}
    for kind in LOGSOURCE_KINDS:
        entries = repos.get(kind) or {}
        if not isinstance(entries, dict):
            raise ConfigError("repos.%s: give a mapping of %s names to repo names" % (kind, kind))
        checked[kind] = {}
        for value, names in entries.items():
            names = [names] if isinstance(names, str) else names
            if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
                raise ConfigError("repos.%s.%s: give a repo name or a list of repo names" % (kind, value))
            checked[kind][str(value).lower()] = sorted(set(names))
    return checked


# ---- reading the tree --------------------------------------------------------------------------

def rule_files(root):
    """The Sigma files under ``root``: relative paths of ``*.yml``/``*.yaml``, sorted (hidden directories left out)."""
    found = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        found.extend(os.path.relpath(os.path.join(directory, name), root) for name in files
                     if name.endswith((".yml", ".yaml")) and not name.startswith("."))
    return sorted(found)


def load_rules(root, files, library):
    """``(rules, problems)``: every Sigma rule of the files (``rule.source.path`` its file), and report entries of
    the files that are not Sigma YAML."""
    rules, problems = [], []
    for path in files:
        try:
            with open(os.path.join(root, path), encoding="utf-8") as handle:
                # libyaml when there is one: pySigma's own from_yaml parses with the pure-Python loader, slower
                documents = list(library["yaml"].load_all(handle, Loader=library["yaml_loader"]))
            collection = library["SigmaCollection"].from_dicts(
                documents, collect_errors=True, source=library["SigmaRuleLocation"](os.path.join(root, path)),
                resolve_references=False)
        except Exception as exc:  # pylint: disable=broad-except
            problems.append(_entry(path, None, None, Skip("invalid", "not a Sigma file: %s" % _first_line(exc))))
            continue
        for rule in collection.rules:
            rule.logpoint_siem_file = path
            rules.append(rule)
        of_rules = set(id(error) for rule in collection.rules for error in rule.errors)
        problems.extend(_entry(path, None, None, Skip("invalid", "not a Sigma file: %s" % _first_line(error)))
                        for error in collection.errors if id(error) not in of_rules)
    return rules, problems


def _first_line(error):
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


# ---- conversion --------------------------------------------------------------------------------

class Converter:
    """The conversion of one tree: a backend per pipeline, names, the report."""

    def __init__(self, options, library):
        self.options = options
        self.library = library
        self.backends = {}

    def backend(self, product):
        """``(backend, pipeline name)`` for a Sigma product; Skip when the backend has no pipeline for it."""
        name = PIPELINES.get((product or "").lower())
        if name is None and not self.options["without_pipeline"]:
            raise Skip("pipeline", "no Logpoint pipeline for product %r (pysigma-backend-logpoint has %s); set "
                       "without_pipeline to convert it with the Sigma field names" % (product, ", ".join(PIPELINES)))
        if name not in self.backends:
            pipeline = self.library["pipelines"][name]() if name else self.library["ProcessingPipeline"]()
            if self.options["defer_contains"]:
                pipeline = pipeline + self.library["pipelines"]["logpoint_defer_contains"]()
            self.backends[name] = self.library["Logpoint"](pipeline)
        return self.backends[name], name or "none"

    def query_of(self, rule):
        """The one Logpoint query of a plain Sigma rule (converted once; correlations reuse it)."""
        cached = getattr(rule, "logpoint_siem_query", None)
        if cached is not None:
            return cached
        backend, pipeline = self.backend(rule.logsource.product)
        module = self.library["backend_module"]
        # The backend numbers its deferred expressions in class attributes: start each rule from zero, so
        # that a rule converts to the same query whatever was converted before it.
        module.LogpointDeferredRegularExpression.reset()
        module.LogpointDeferredContainsExpression.reset()
        backend.defer_contains = self.options["defer_contains"]  # the backend turns it off after one query
        try:
            backend.convert_rule(rule)
        except Exception as exc:  # pylint: disable=broad-except
            raise Skip("conversion", "the Logpoint backend cannot convert it: %s" % _first_line(exc))
        queries = [tidy(query) for query in rule.get_conversion_result() or []]
        if len(queries) != 1 or not queries[0]:
            raise Skip("conversion", "the Logpoint backend converts it to %d queries, not one" % len(queries))
        rule.logpoint_siem_query = (queries[0], pipeline)
        return rule.logpoint_siem_query

    def repos_of(self, logsource):
        for kind in LOGSOURCE_KINDS:
            value = getattr(logsource, kind, None)
            if value and value.lower() in self.options["repos"][kind]:
                return self.options["repos"][kind][value.lower()]
        described = ", ".join("%s: %s" % (kind, getattr(logsource, kind)) for kind in LOGSOURCE_KINDS
                              if getattr(logsource, kind, None)) or "empty"
        raise Skip("logsource", "no repos for its logsource (%s) in repos" % described)


def tidy(query):
    """The backend's query on one line (its pipes start new lines), without surrounding blanks."""
    return " | ".join(part.strip() for part in str(query).strip().split("\n| ")).strip()


def _sigma_id(rule):
    return str(rule.id) if rule.id else None


def _enum_name(value):
    return str(value).lower() if value is not None else None


def base_fields(rule, options):
    """What a plain rule and a correlation share: risk, enabled, description, metadata, attack tags; Skip
    for the status and level that are not converted."""
    if not rule.id:
        raise Skip("id", "no id: the Sigma id is the rule's stable key")
    status, level = _enum_name(rule.status), _enum_name(rule.level)
    if status in SKIPPED_STATUSES:
        raise Skip("status", "status %s is not converted" % status)
    if level == "informational" and not options["include_informational"]:
        raise Skip("level", "level informational is not converted unless include_informational is set")
    if level not in RISKS + ("informational",):
        raise Skip("level", "no level: give the rule a level (low, medium, high or critical)")
    enabled = status in ENABLED_STATUSES or options["enable_experimental"]
    metadata, attack_tags = tag_metadata(rule.tags, options["attack_tags"])
    metadata.update(sigma_id=str(rule.id), sigma_level=level, sigma_status=status or "none",
                    sigma_file=rule.logpoint_siem_file)
    if options["pack"]:
        metadata["sigma_pack"] = options["pack"]
    return {"description": describe(rule), "risk": "low" if level == "informational" else level,
            "enabled": enabled, "metadata": metadata, "attack_tags": attack_tags}


def tag_metadata(tags, attack_map):
    """``(metadata, attack_tags)`` of Sigma tags: techniques, tactics and other tags in metadata (sorted, comma
    separated); the techniques ``attack_map`` knows as Logpoint attack tag ids."""
    techniques, tactics, other = set(), set(), set()
    for tag in tags or []:
        namespace, name = str(tag.namespace).lower(), str(tag.name)
        if namespace == "attack" and name[:1].lower() == "t" and name[1:2].isdigit():
            techniques.add(name.upper())
        elif namespace == "attack" and name[:1].lower() in "gs" and name[1:2].isdigit():
            other.add("%s.%s" % (namespace, name.upper()))
        elif namespace == "attack":
            tactics.add(name.lower())
        else:
            other.add("%s.%s" % (namespace, name))
    metadata = {}
    for key, values in (("attack_techniques", techniques), ("attack_tactics", tactics), ("sigma_tags", other)):
        if values:
            metadata[key] = ", ".join(sorted(values))
    return metadata, sorted(set(attack_map[t] for t in techniques if t in attack_map))


def describe(rule):
    """The description, then the references, false positives and author."""
    parts = [str(rule.description or "").strip()]
    if rule.references:
        parts.append("References:\n" + "\n".join("- %s" % ref for ref in rule.references))
    if rule.falsepositives:
        parts.append("False positives:\n" + "\n".join("- %s" % fp for fp in rule.falsepositives))
    if rule.author:
        parts.append("Author: %s" % rule.author)
    return "\n\n".join(part for part in parts if part)


def convert_rule(converter, rule):
    """A plain Sigma rule -> ``(rule options without name, pipeline)``; Skip with the reason."""
    fields = base_fields(rule, converter.options)
    repos = converter.repos_of(rule.logsource)
    query, pipeline = converter.query_of(rule)
    return dict(fields, query=query, repos=repos, time_range=converter.options["time_range"],
                search_interval=converter.options["search_interval"], condition=dict(ANY_ROW)), pipeline


def convert_correlation(converter, rule):
    """An ``event_count`` correlation -> ``(rule options without name, pipeline)``; Skip with the reason."""
    kind = _enum_name(rule.type)
    if kind != "event_count":
        raise Skip("correlation", "correlation type %s is not converted (only event_count)" % kind)
    fields = base_fields(rule, converter.options)
    seconds = rule.timespan.seconds
    if seconds % 60 or not MIN_SPAN <= seconds <= MAX_SPAN:
        raise Skip("correlation", "timespan %s is not a whole number of minutes from 1 minute to 30 days"
                   % rule.timespan.spec)
    search, pipelines, repos, product = _correlated_search(converter, rule)
    group_by = _mapped_group_by(converter, rule, product) if rule.group_by else []
    chart = "chart count() as %s" % COUNT_FIELD + (" by " + ", ".join(group_by) if group_by else "")
    query = "%s | %s | search %s %s %d" % (search, chart, COUNT_FIELD, OPERATORS[rule.condition.op.name],
                                           rule.condition.count)
    minutes = seconds // 60
    interval = max(d for d in range(1, min(minutes, converter.options["search_interval"]) + 1) if minutes % d == 0)
    return dict(fields, query=query, repos=repos, time_range=format_duration(seconds),
                search_interval=interval, condition=dict(ANY_ROW)), "+".join(pipelines)


def _correlated_search(converter, rule):
    """``(search, pipelines, repos, product)`` of the rules a correlation counts: their queries (joined with OR
    when there are several), pipelines and repos, and the product of the first; Skip with the reason."""
    referenced = [reference.rule for reference in rule.rules]
    if any(isinstance(base, converter.library["SigmaCorrelationRule"]) for base in referenced):
        raise Skip("correlation", "it refers to a correlation rule; only plain Sigma rules are converted in one")
    queries, pipelines, repos = [], set(), set()
    for base in referenced:
        try:
            repos.update(converter.repos_of(base.logsource))
            query, pipeline = converter.query_of(base)
        except Skip as exc:
            raise Skip(exc.code, "its rule %r: %s" % (base.title, exc.reason))
        queries.append(query)
        pipelines.add(pipeline)
    if len(queries) > 1 and any("|" in query for query in queries):
        raise Skip("correlation", "its rules convert to piped queries, which cannot be joined with OR")
    search = queries[0] if len(queries) == 1 else " OR ".join("(%s)" % query for query in queries)
    return search, sorted(pipelines), sorted(repos), referenced[0].logsource.product


def _mapped_group_by(converter, rule, product):
    """The group-by fields as the pipeline of the rules' product names them."""
    backend, _pipeline = converter.backend(product)
    pipeline = getattr(backend, "last_processing_pipeline", None) or backend.processing_pipeline
    try:
        pipeline.apply(rule)
    except Exception:  # pylint: disable=broad-except
        pass  # the fields stay as Sigma names them
    return [backend.escape_and_quote_field(field) for field in rule.group_by]


# ---- the tree ------------------------------------------------------------------------------------

def _entry(path, rule, name, outcome, pipeline=None):
    entry = {"file": path, "title": getattr(rule, "title", None), "sigma_id": _sigma_id(rule) if rule else None,
             "kind": "correlation" if rule is not None and hasattr(rule, "timespan") else "rule"}
    if isinstance(outcome, Skip):
        entry.update(outcome="skipped", code=outcome.code, reason=outcome.reason)
    else:
        entry.update(outcome="converted", name=name, pipeline=pipeline)
    return entry


def _resolve_references(rules, library):
    """Resolve each correlation's rules in the whole tree; ``{id(correlation): Skip}`` for those that fail.
    Rules a correlation uses without ``generate: true`` are not alert rules of their own (Sigma's meaning)."""
    collection = library["SigmaCollection"](rules, resolve_references=False)
    failed = {}
    for rule in rules:
        if isinstance(rule, library["SigmaCorrelationRule"]):
            try:
                rule.resolve_rule_references(collection)
            except Exception as exc:  # pylint: disable=broad-except
                failed[id(rule)] = Skip("correlation", "its rules are not all in src: %s" % _first_line(exc))
    return failed


def _convert_all(converter, rules, failed):
    """``[(rule, options or Skip, pipeline)]`` in file order; plain rules first (correlations reuse their queries)."""
    correlation = converter.library["SigmaCorrelationRule"]
    done = {}
    for rule in sorted(rules, key=lambda r: isinstance(r, correlation)):
        try:
            if rule.errors:
                raise Skip("invalid", "not valid Sigma: %s" % _first_line(rule.errors[0]))
            if id(rule) in failed:
                raise failed[id(rule)]
            if isinstance(rule, correlation):
                done[id(rule)] = convert_correlation(converter, rule)
            elif not rule._output:
                raise Skip("correlated", "used by a correlation rule without generate: true")
            else:
                done[id(rule)] = convert_rule(converter, rule)
        except Skip as exc:
            done[id(rule)] = (exc, None)
    return [(rule,) + done[id(rule)] for rule in rules]


def _duplicate_ids(converted):
    """Skip every rule after the first (file order) with a Sigma id already used."""
    first = {}
    for index, (rule, options, pipeline) in enumerate(converted):
        if isinstance(options, Skip):
            continue
        sigma_id = options["metadata"]["sigma_id"]
        if sigma_id in first:
            converted[index] = (rule, Skip("id", "id %s is already the id of %s" % (sigma_id, first[sigma_id])), None)
        else:
            first[sigma_id] = rule.logpoint_siem_file
    return converted


def _existing_by_sigma_id(existing, pack):
    """The rules on the Logpoint (alert_rule_info's) by Sigma id: those this pack converted."""
    found = {}
    for rule in existing or []:
        metadata = rule.get("metadata") or {}
        if metadata.get("sigma_id") and (metadata.get("sigma_pack") or None) == (pack or None):
            found.setdefault(metadata["sigma_id"], rule)
    return found


def assign_names(converted, options):
    """Names from titles: a title that two converted rules share, or that a Logpoint rule other than this Sigma
    rule holds, gets the short Sigma id; rules found by Sigma id under an old name get that rule's id."""
    mine = _existing_by_sigma_id(options["existing"], options["pack"])
    taken = dict((rule.get("name"), (rule.get("metadata") or {}).get("sigma_id")) for rule in options["existing"] or [])
    titles = {}
    for rule, rule_options, _pipeline in converted:
        if not isinstance(rule_options, Skip):
            titles.setdefault(options["name_prefix"] + rule.title.strip(), []).append(rule)
    for index, (rule, rule_options, pipeline) in enumerate(converted):
        if isinstance(rule_options, Skip):
            continue
        sigma_id = rule_options["metadata"]["sigma_id"]
        name = options["name_prefix"] + rule.title.strip()
        if len(titles[name]) > 1 or taken.get(name, sigma_id) != sigma_id:
            name = "%s [%s]" % (name, sigma_id[:SHORT_ID])
        if len(name.strip()) < NAME_MIN:
            converted[index] = (rule, Skip("name", "title %r is shorter than the 5 characters Logpoint takes; "
                                                   "set name_prefix" % rule.title), None)
            continue
        current = mine.get(sigma_id)
        named = {"name": name}
        if current and current.get("id") and current.get("name") != name:
            named["id"] = current["id"]
        converted[index] = (rule, dict(named, **rule_options), pipeline)
    return converted


def convert_tree(options, library=None):
    """Convert the Sigma tree of ``options["src"]``: ``{"rules", "report", "summary"}`` (see the module doc)."""
    options = checked_options(options)
    library = library or sigma_library()
    files = rule_files(options["src"])
    rules, problems = load_rules(options["src"], files, library)
    failed = _resolve_references(rules, library)
    converted = assign_names(_duplicate_ids(_convert_all(Converter(options, library), rules, failed)), options)
    report = problems + [_entry(rule.logpoint_siem_file, rule, None if isinstance(opts, Skip) else opts["name"],
                                opts, pipeline) for rule, opts, pipeline in converted]
    report.sort(key=lambda entry: (entry["file"], entry["sigma_id"] or "", entry["title"] or ""))
    desired = sorted((opts for _rule, opts, _pipeline in converted if not isinstance(opts, Skip)),
                     key=lambda opts: opts["name"])
    return {"rules": desired, "report": report, "summary": summarise(report, len(files))}


def summarise(report, files):
    """Counts: files, converted, skipped, and the skips by reason code."""
    skipped = [entry for entry in report if entry["outcome"] == "skipped"]
    reasons = {}
    for entry in skipped:
        reasons[entry["code"]] = reasons.get(entry["code"], 0) + 1
    return {"files": files, "converted": len(report) - len(skipped), "skipped": len(skipped),
            "skipped_by_reason": dict(sorted(reasons.items()))}
