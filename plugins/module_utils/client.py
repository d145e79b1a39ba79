# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Logpoint client: the authentication modes of each API family over the HTTP transport.

``LogpointClient.call`` adds the auth mode (self-signed JWT per scope, classic body credentials,
Director bearer) to a request, sends it through ``_transport.HttpTransport`` and reads the reply
with ``_response.interpret_response``; ``list_all`` reads a paged JWT listing through
``_paging.read_pages``; ``cached`` keeps per-task reads. Nothing here knows about Ansible modules.
"""

from __future__ import annotations

import json as _json  # the call() keyword json is the request body
import threading

from ansible_collections.logpoint.siem.plugins.module_utils._concurrency import DEFAULT_CONCURRENCY
from ansible_collections.logpoint.siem.plugins.module_utils._paging import read_pages
from ansible_collections.logpoint.siem.plugins.module_utils._response import interpret_response
from ansible_collections.logpoint.siem.plugins.module_utils._transport import (
    HttpTransport, check_endpoint, require_requests)
from ansible_collections.logpoint.siem.plugins.module_utils.auth import TokenProvider, require_jwt
from ansible_collections.logpoint.siem.plugins.module_utils.errors import (
    AuthenticationError,
    ConfigError,
    ResponseFormatError,
    UncertainWriteError,
    as_logpoint_error,
)
from ansible_collections.logpoint.siem.plugins.module_utils.options import missing_options

# The credential each auth mode sends, for the advice of a refusal (a scope refusal keeps its own).
AUTH_ADVICE = {
    "director": ("Check director_token (or LOGPOINT_DIRECTOR_TOKEN): generate a new one in the Director Console "
                 "(tokens last 8 hours); username and secret_key are not used by the Director API."),
    "classic_json": ("Check username and secret_key (the user's API access key under My Preferences); the classic "
                     "APIs take them in the request body, a token does not work there."),
}
AUTH_ADVICE["classic_form"] = AUTH_ADVICE["classic_json"]


class LogpointClient:
    """Calls to a Logpoint (and its Director) with the right authentication for each API family."""

    def __init__(self, *, url=None, username=None, secret_key=None, token=None, validate_certs=True,
                 ca_path=None, timeout=30, director_url=None, director_token=None, pool_uuid=None,
                 logpoint_identifier=None, warn=None, retry=None):
        require_jwt()
        require_requests()
        self.warn = warn or (lambda message: None)
        self.url = check_endpoint(url, "url", validate_certs=validate_certs, warn=self.warn) if url else None
        self.director_url = check_endpoint(director_url, "director_url", validate_certs=validate_certs,
                                           warn=self.warn) if director_url else None
        self.username = username
        self.secret_key = secret_key
        self.director_token = director_token
        self.pool_uuid = pool_uuid
        self.logpoint_identifier = logpoint_identifier
        self._static_secrets = set(s for s in (secret_key, token, director_token) if s)
        self.tokens = TokenProvider(username=username, secret_key=secret_key, token=token, warn=self.warn)
        self.transport = HttpTransport(validate_certs=validate_certs, ca_path=ca_path, timeout=timeout,
                                       retry=retry, secrets=self._static_secrets)
        self._lock = threading.Lock()
        # Apart from the token lock: cached() never holds it while a loader calls the client.
        self._cache_lock = threading.Lock()
        self.cache = {}  # per-task reads shared by the api layer (users, repos)

    @classmethod
    def from_options(cls, options, warn=None, **kwargs):
        names = ("url", "username", "secret_key", "token", "validate_certs", "ca_path", "timeout",
                 "director_url", "director_token", "pool_uuid", "logpoint_identifier")
        values = dict((name, options.get(name)) for name in names if options.get(name) is not None)
        return cls(warn=warn, **dict(values, **kwargs))

    @property
    def secrets(self):
        """Every secret this task holds, minted tokens included, for masking and scrubbing."""
        return self._static_secrets | set(self.tokens.minted)

    def call(self, method, path, *, auth, scope=None, params=None, json=None, form=None, files=None,
             body=None, headers=None, read=None, api="logpoint", loads=None, as_bytes=False):
        """One API call; returns the decoded body or raises a typed, secret-free LogpointError.

        ``json``, ``form`` and ``files`` are encoded by requests; ``body`` is sent as it is (bytes, a
        file object or an iterator, for streamed uploads) with the caller's ``headers``. ``loads`` decodes
        the reply (default ``json.loads``), given as bytes with ``as_bytes``
        (``_json_consumers.ConsumingDecoder`` for bodies too large to hold decoded).
        """
        loads = loads or _json.loads
        read = (method == "GET") if read is None else read
        try:
            url = self._url(api, path)
            auth_headers, json, form = self._authenticate(auth, scope, json, form)
            headers = dict(headers or {}, **auth_headers)
            kwargs = {}
            if body is not None:
                kwargs["data"] = body
            if json is not None:
                kwargs["json"] = json
            if form is not None:
                kwargs["data"] = form
            if files is not None:
                kwargs["files"] = files
            status, text, response_headers = self.transport.send(
                method, url, read=read, path=path, headers=headers, params=params, loads=loads, as_bytes=as_bytes,
                **kwargs)
            try:
                return interpret_response(status, text, response_headers.get("Content-Type", ""), loads)
            except ResponseFormatError as exc:
                if not read and 200 <= status < 300:
                    raise UncertainWriteError("the reply was cut short or unreadable", status=status)
                raise exc
        except Exception as exc:  # pylint: disable=broad-except  # library errors may quote a header value
            error = as_logpoint_error(exc, self.secrets, method=method, path=path)
            if isinstance(error, AuthenticationError) and auth in AUTH_ADVICE:
                error.advice = AUTH_ADVICE[auth]  # name the credential this call used
            raise error

    def list_all(self, path, *, scope, page_size, params=None, max_concurrency=DEFAULT_CONCURRENCY, loads=None,
                 as_bytes=False):
        """Every row of a paged JWT listing (``limit``/``page``, 1-based, ``total``), in order.

        The first page tells the total; the remaining pages are fetched concurrently.
        """
        base = dict(params or {})

        def fetch(offset, size):
            return self.call("GET", path, auth="jwt", scope=scope, params=dict(base, limit=size, page=offset // size + 1),
                             loads=loads, as_bytes=as_bytes)

        return read_pages(fetch, page_size=page_size, max_concurrency=max_concurrency)

    def cached(self, key, loader):
        """A read done once per task (users, repos). The load runs outside the lock, so a loader may
        mint tokens, nest cached reads or fan out to threads that do."""
        with self._cache_lock:
            if key in self.cache:
                return self.cache[key]
        value = loader()
        with self._cache_lock:
            return self.cache.setdefault(key, value)

    def _url(self, api, path):
        base = self.director_url if api == "director" else self.url
        if not base:
            if api == "director":
                raise ConfigError("the Director API needs director_url (or LOGPOINT_DIRECTOR_URL)")
            raise ConfigError("url is required: set the url option or LOGPOINT_URL to the Logpoint's base URL")
        return base.rstrip("/") + "/" + path.lstrip("/")

    def _authenticate(self, auth, scope, json, form):
        headers = {}
        if auth == "jwt":
            with self._lock:
                token = self.tokens.for_scope(scope)
            headers["Authorization"] = "Bearer %s" % token
        elif auth in ("classic_json", "classic_form"):
            if not (self.username and self.secret_key):
                error = missing_options({"username": self.username, "secret_key": self.secret_key},
                                        ("username", "secret_key"))
                error.message += "; the classic APIs take both in the request body (a token does not work there)"
                raise error
            credentials = {"username": self.username, "secret_key": self.secret_key}
            if auth == "classic_json":
                json = dict(json or {}, **credentials)
            else:
                form = dict(form or {}, **credentials)
        elif auth == "director":
            if not self.director_token:
                raise ConfigError("the Director API needs director_token (or LOGPOINT_DIRECTOR_TOKEN)")
            headers["Authorization"] = "Bearer %s" % self.director_token
        elif auth != "none":
            raise ValueError("unknown auth mode %r" % auth)
        return headers, json, form
