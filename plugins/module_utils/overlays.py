# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-tenant overlays on a base rule pack: pure merge logic, no Ansible and no network.

An overlay is a mapping with up to four keys::

    name: emea                  # how reports and messages name the overlay (default: overlay <n>)
    drop: [Rule A, Rule B]      # rule names taken out of the set
    override:                   # rule name -> fields replaced in that rule
      Rule C: {risk: high, repos: [10.0.0.1:5504/win], condition: {value: 10}}
    add:                        # whole rules added to the set
      - {name: Rule D, query: ..., repos: [...], ...}

Merge rules (``apply_overlays``):

1. Overlays apply in list order, each to the result of the ones before it (region, then tenant...).
2. Inside one overlay: ``drop``, then ``override``, then ``add``. A rule named in both ``drop`` and
   ``override`` of one overlay is an error.
3. ``drop`` and ``override`` must name a rule of the set as it stands (base pack plus earlier
   overlays); ``add`` must name a rule that is not in it (change an existing rule with ``override``).
   Names are matched exactly. Every problem is a ``ConfigError`` naming the tenant, the overlay, the
   key and the rule, raised before any rule is returned (so before any write).
4. ``override`` fields: a field must be one of ``fields`` (the rule options) other than ``name`` and
   ``id``. Scalars and lists replace the base value (``repos: [...]`` is the whole new list); a dict
   field (``condition``, ``throttling``, ``metadata``) is merged one level deep (the keys given replace,
   the others stay); ``null`` removes the field (or the dict key), so the module's default applies.
5. The result keeps the base order; added rules come last, in overlay order. The rules given are never
   changed in place (the result's rules are new mappings; values they share with the input are not copied).
"""

from __future__ import annotations

from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError

OVERLAY_KEYS = ("name", "drop", "override", "add")
FIXED_FIELDS = ("name", "id")


class _Overlaid:
    """The rule set while overlays apply to it, and the report of what each did."""

    def __init__(self, rules, fields, tenant):
        # shallow copies: nested values are replaced, never changed in place (and Ansible's lazy
        # containers copy their whole templating context on deepcopy: minutes for a 300-rule pack)
        self.rules = [dict(rule) if isinstance(rule, dict) else rule for rule in rules]
        self.fields = fields
        self.tenant = tenant
        self.report = {"tenant": tenant, "overlays": [], "added": [], "dropped": [], "overridden": {},
                       "base_rules": len(rules)}
        self.where = ""

    def fail(self, text):
        prefix = "tenant %s: " % self.tenant if self.tenant else ""
        raise ConfigError("%s%s: %s" % (prefix, self.where, text))

    def index(self):
        positions = {}
        for position, rule in enumerate(self.rules):
            if not isinstance(rule, dict):
                self.where = "rules[%d]" % position
                self.fail("is not a mapping: %r" % (rule,))
            name = rule.get("name")
            if name is None:
                continue
            if name in positions:
                self.where = "rules[%d]" % position
                self.fail("rule %r appears twice in the set; overlays need unique rule names" % name)
            positions[name] = position
        return positions

    def missing(self, key, name, positions):
        known = ", ".join(repr(n) for n in sorted(positions)) or "none"
        self.fail("%s: no rule %r in the base pack or an earlier overlay (rules that exist: %s)" % (key, name, known))

    def apply(self, overlay, number):
        named = isinstance(overlay, dict) and overlay.get("name")
        label = str(overlay["name"]) if named else "overlay %d" % number
        self.where = "overlay %r" % label if named else label
        overlay = self.checked(overlay)
        drop, override = overlay.get("drop") or [], overlay.get("override") or {}
        both = sorted(set(drop) & set(override))
        if both:
            self.fail("drop and override both name %s" % ", ".join(repr(n) for n in both))
        positions = self.index()
        for name in list(drop) + list(override):
            if name not in positions:
                self.missing("drop" if name in drop else "override", name, positions)
        for name, changes in override.items():
            self.rules[positions[name]] = self.overridden(self.rules[positions[name]], name, changes)
        self.rules = [rule for rule in self.rules if rule.get("name") not in drop]
        self.report["dropped"].extend(drop)
        self.add(overlay.get("add") or [], set(positions) - set(drop))
        self.report["overlays"].append(label)

    def add(self, rules, existing):
        for position, rule in enumerate(rules):
            if not isinstance(rule, dict) or not rule.get("name"):
                self.fail("add[%d]: each added rule is a mapping with a name, got %r" % (position, rule))
            if rule["name"] in existing:
                self.fail("add[%d]: rule %r is already in the set; change it with override instead" % (position, rule["name"]))
            existing.add(rule["name"])
            self.rules.append(dict(rule))
            self.report["added"].append(rule["name"])

    def checked(self, overlay):
        if not isinstance(overlay, dict):
            self.fail("an overlay is a mapping with keys %s, got %r" % (", ".join(OVERLAY_KEYS), overlay))
        unknown = sorted(set(overlay) - set(OVERLAY_KEYS))
        if unknown:
            self.fail("unknown key %s; an overlay has %s" % (", ".join(unknown), ", ".join(OVERLAY_KEYS)))
        kinds = {"drop": list, "override": dict, "add": list}
        for key, kind in kinds.items():
            if overlay.get(key) is not None and not isinstance(overlay[key], kind):
                self.fail("%s must be a %s, got %s" % (key, "list" if kind is list else "mapping of rule name to fields",
                                                       type(overlay[key]).__name__))
        for name in overlay.get("drop") or []:
            if not isinstance(name, str):
                self.fail("drop: rule names are strings, got %r" % (name,))
        return overlay

    def overridden(self, rule, name, changes):
        if not isinstance(changes, dict) or not changes:
            self.fail("override %r: give a mapping of the fields to change, got %r" % (name, changes))
        rule = dict(rule)
        for field, value in changes.items():
            if field in FIXED_FIELDS or field not in self.fields:
                allowed = ", ".join(sorted(f for f in self.fields if f not in FIXED_FIELDS))
                self.fail("override %r: %r cannot be overridden (fields: %s)" % (name, field, allowed))
            rule = _merged_field(rule, field, value, self.fields[field] == "dict")
        done = self.report["overridden"].setdefault(name, [])
        done.extend(field for field in changes if field not in done)
        return rule


def _merged_field(rule, field, value, is_dict):
    if value is None:
        rule.pop(field, None)
    elif is_dict and isinstance(value, dict) and isinstance(rule.get(field), dict):
        merged = dict(rule[field])
        for key, item in value.items():
            if item is None:
                merged.pop(key, None)
            else:
                merged[key] = item
        rule[field] = merged
    else:
        rule[field] = value
    return rule


def apply_overlays(rules, overlays, fields, tenant=None):
    """``(rules, report)``: the base ``rules`` with every overlay applied (see the module docstring).

    ``fields`` maps each rule option to its type (``"dict"`` fields merge one level deep); ``tenant``
    names the host in messages and the report. The report has ``tenant``, ``overlays`` (their names in
    order), ``added``, ``dropped``, ``overridden`` (rule -> fields) and ``base_rules`` / ``rules``
    (counts before and after).
    """
    if not isinstance(rules, list):
        raise ConfigError("apply_overlays: the base rules must be a list, got %s" % type(rules).__name__)
    if overlays is None:
        overlays = []
    if isinstance(overlays, dict):
        overlays = [overlays]
    if not isinstance(overlays, list):
        raise ConfigError("apply_overlays: overlays must be a list of overlays, got %s" % type(overlays).__name__)
    state = _Overlaid(rules, fields, tenant)
    state.index()
    for number, overlay in enumerate(overlays, 1):
        state.apply(overlay, number)
    state.report["rules"] = len(state.rules)
    return state.rules, state.report
