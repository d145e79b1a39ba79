# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one table of connection options.

Modules get their argument spec from it (with ``LOGPOINT_*`` environment fallbacks), lookups read
the same names through ``get_option``, and ``tools/gen_doc_fragments.py`` writes the doc fragments
from it, so the option name, type, default, environment variable and text live in one place.
"""

from __future__ import annotations

import os

from ansible.module_utils.common.parameters import AnsibleFallbackNotFound

from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError

# name -> spec. ``env`` is the environment variable; ``section`` says which plugins have the option:
# "logpoint" every module and lookup (doc fragments connection / connection_lookup), "director" only the
# incident modules (doc fragment director), "logicmonitor" only the audit_logs lookup (logicmonitor_lookup).
CONNECTION_OPTIONS = {
    "url": {
        "type": "str", "env": "LOGPOINT_URL", "section": "logpoint",
        "description": "Base URL of the Logpoint, for example C(https://logpoint.example.com).",
    },
    "username": {
        "type": "str", "env": "LOGPOINT_USERNAME", "section": "logpoint",
        "description": "Logpoint user name: the C(sub) of minted tokens and the classic API body credential.",
    },
    "secret_key": {
        "type": "str", "env": "LOGPOINT_SECRET_KEY", "section": "logpoint", "no_log": True,
        "description": ("The user's API access key (My Preferences in the Logpoint UI). It signs the short-lived "
                        "JWTs the collection mints per scope and is the classic Search and Incident API credential. "
                        "Regenerating it invalidates every token signed with the old key."),
    },
    "token": {
        "type": "str", "env": "LOGPOINT_TOKEN", "section": "logpoint", "no_log": True,
        "description": ("A JWT minted earlier, for example by M(logpoint.siem.token). Used instead of minting "
                        "tokens from O(secret_key) for the JWT APIs; it must carry the scopes the task needs. "
                        "The classic APIs still need O(username) and O(secret_key)."),
    },
    "validate_certs": {
        "type": "bool", "env": "LOGPOINT_VALIDATE_CERTS", "section": "logpoint", "default": True,
        "description": ("Verify the server's TLS certificate. Appliances with a certificate from their own CA "
                        "should keep this on and set O(ca_path) instead."),
    },
    "ca_path": {
        "type": "path", "env": "LOGPOINT_CA_PATH", "section": "logpoint",
        "description": "A PEM file with the CA certificate(s) that signed the Logpoint's (and Director's) certificate.",
    },
    "timeout": {
        "type": "int", "env": "LOGPOINT_TIMEOUT", "section": "logpoint", "default": 30,
        "description": "Seconds to wait for each HTTP request.",
    },
    "director_url": {
        "type": "str", "env": "LOGPOINT_DIRECTOR_URL", "section": "director",
        "description": "Base URL of the Director (Fabric) API server, for the incident modules with C(api=director).",
    },
    "director_token": {
        "type": "str", "env": "LOGPOINT_DIRECTOR_TOKEN", "section": "director", "no_log": True,
        "description": "Bearer token generated in the Director Console (valid for 8 hours).",
    },
    "pool_uuid": {
        "type": "str", "env": "LOGPOINT_POOL_UUID", "section": "director",
        "description": "The Logpoint pool UUID (Director Console, Settings, Configurations, LogPoint Pool).",
    },
    "logpoint_identifier": {
        "type": "str", "env": "LOGPOINT_IDENTIFIER", "section": "director",
        "description": "The Logpoint identifier inside the pool, as the Director Console shows it.",
    },
    "lm_url": {
        "type": "str", "env": "LM_URL", "section": "logicmonitor",
        "description": "LogicMonitor portal URL such as C(https://acme.logicmonitor.com); C(/santaba/rest) is added.",
    },
    "lm_company": {
        "type": "str", "env": "LM_COMPANY", "section": "logicmonitor",
        "description": "LogicMonitor company name; builds O(lm_url) as C(https://<company>.logicmonitor.com).",
    },
    "lm_access_id": {
        "type": "str", "env": "LM_ACCESS_ID", "section": "logicmonitor",
        "description": "LogicMonitor API access id (LMv1 signature).",
    },
    "lm_access_key": {
        "type": "str", "env": "LM_ACCESS_KEY", "section": "logicmonitor", "no_log": True,
        "description": "LogicMonitor API access key (LMv1 signature).",
    },
    "lm_bearer_token": {
        "type": "str", "env": "LM_BEARER_TOKEN", "section": "logicmonitor", "no_log": True,
        "description": "LogicMonitor bearer token, instead of O(lm_access_id) and O(lm_access_key).",
    },
}

# The connection sets a module can take (``run_module(..., connection=...)``).
LOGPOINT = ("logpoint",)
WITH_DIRECTOR = ("logpoint", "director")


def option_names(sections=LOGPOINT):
    return [name for name, spec in CONNECTION_OPTIONS.items() if spec["section"] in sections]


def env_if_set(*names):
    """Argument spec fallback: the first of these environment variables that is set and not empty.

    An empty variable means "not set": AWX injects ``LOGPOINT_CA_PATH=""`` when the credential's CA
    field is left empty, and that must not become a path.
    """
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    raise AnsibleFallbackNotFound


def connection_argspec(sections=LOGPOINT):
    """Argument spec entries for the connection options, with environment fallbacks."""
    argspec = {}
    for name in option_names(sections):
        spec = CONNECTION_OPTIONS[name]
        entry = {"type": spec["type"], "fallback": (env_if_set, [spec["env"]])}
        if spec.get("no_log"):
            entry["no_log"] = True
        if "default" in spec:
            entry["default"] = spec["default"]
        argspec[name] = entry
    return argspec


def secret_option_names():
    return [name for name, spec in CONNECTION_OPTIONS.items() if spec.get("no_log")]


# Options whose values go into an Authorization header: the secrets, and the LogicMonitor access id
# (the first part of every LMv1 header, which a library error would quote together with the signature).
HEADER_OPTIONS = tuple(secret_option_names()) + ("lm_access_id",)


def secret_values(options):
    """The values of the options above, for masking and scrubbing."""
    return set(str(options[name]) for name in HEADER_OPTIONS if options.get(name))


def check_credentials(options):
    """Refuse credentials with surrounding white space or control characters before anything is sent.

    A pasted AWX credential or ``ansible-vault encrypt_string`` of an echoed value often ends with a
    line break; sent as it is, the HTTP library refuses the header and quotes it in its error. The
    message names the option and never shows the value.
    """
    for name in HEADER_OPTIONS:
        value = options.get(name)
        if value is None or value == "":
            continue
        value = str(value)
        if value != value.strip() or any(ord(char) < 32 or ord(char) == 127 for char in value):
            raise ConfigError("%s: the value has leading or trailing white space or a control character such as a "
                              "line break (the value is not shown); remove it, for example with "
                              "\"{{ secret | trim }}\" or by re-creating the vault string or credential without the "
                              "final newline" % name)


def missing_options(options, names):
    """A ConfigError naming exactly which of ``names`` are not set, with where each can come from."""
    missing = [name for name in names if not options.get(name)]
    sources = ", ".join("%s (or %s)" % (name, CONNECTION_OPTIONS[name]["env"]) for name in missing)
    return ConfigError("%s not set: give %s" % (" and ".join(missing), sources))
