"""The in-process tier: modules and lookups of this checkout run inside the test process.

``ModuleCaller.call(module, args, *, check=False, diff=False, env=None)`` runs a module's ``main()``
the way Ansible's module runner would, minus the process: the arguments (with ``_ansible_check_mode``,
``_ansible_diff``, ``_ansible_module_name``...) go in through
``ansible.module_utils.testing.patch_module_args``, the JSON the module prints is parsed, and the
``SystemExit`` of ``exit_json``/``fail_json`` is caught. So the argument spec, its error messages and
the ``no_log`` masking of ``AnsibleModule`` stay in the test, and only ``main()`` is relied upon: the
modules' inner functions may change shape freely. ``ModuleCaller.ok(...)`` is the same run, asserted
not to have failed (for tests that then read ``changed`` or the result, where a failed run would
otherwise pass for an unchanged one).

``LookupCaller.call(name, *terms, variables=None, env=None, **options)`` loads a lookup through
Ansible's plugin loader (so its documented options, environment variables and defaults apply) and
calls its public ``run(terms, variables, **kwargs)``.

Process-global state is set and restored around every call: the environment (the simulator's
``LOGPOINT_*`` variables, the caller's ``env`` on top; outer ``ANSIBLE_*``/``LOGPOINT_*``/``LM_*``
variables removed), the module-side warning and deprecation lists of
``ansible.module_utils.common.warnings``, and ``ansible.module_utils._internal.is_controller`` (a
test process that imported controller code would otherwise send module warnings to the display
instead of the result).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import sys
import traceback

import pytest
from ansible import release as ansible_release
from ansible.module_utils import _internal as module_internal
from ansible.module_utils.common import warnings as module_warnings
from ansible.module_utils.testing import patch_module_args

import harness

COLLECTION_PREFIX = 'logpoint.siem.'
_SCRUBBED_PREFIXES = ('ANSIBLE_', 'LOGPOINT_', 'LM_')


def install_collection_loader() -> None:
    """Ansible's collection finder for this checkout's ``.collections``, once per process.

    It must come before the first ``ansible_collections`` import: a collection package imported
    through plain ``sys.path`` has no metadata (``meta/runtime.yml``), and the plugin loader then
    refuses its plugins. A finder already installed (pytest-ansible's) is kept.
    """
    # pylint: disable=import-outside-toplevel
    from ansible.plugins.loader import init_plugin_loader
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

    if not any(isinstance(finder, _AnsibleCollectionFinder) for finder in sys.meta_path):
        init_plugin_loader([str(harness.COLLECTIONS_PATH)])


def _module_name(module: str) -> tuple[str, str]:
    """(FQCN, import path) of ``alert_rule``, ``logpoint.siem.alert_rule`` or ``ansible.builtin.ping``."""
    fqcn = module if '.' in module else COLLECTION_PREFIX + module
    if fqcn.startswith(COLLECTION_PREFIX):
        return fqcn, 'ansible_collections.logpoint.siem.plugins.modules.' + fqcn[len(COLLECTION_PREFIX):]
    if fqcn.startswith('ansible.builtin.'):
        return fqcn, 'ansible.modules.' + fqcn[len('ansible.builtin.'):]
    raise ValueError('call_module runs logpoint.siem and ansible.builtin modules only, not %r' % module)


def warning_texts(warnings) -> list[str]:
    """The messages of a module result's ``warnings`` (``WarningSummary`` dicts on ansible-core >= 2.19)."""
    texts = []
    for warning in warnings or []:
        if hasattr(warning, 'event'):  # a WarningSummary object (controller side)
            warning = {'event': {'msg': getattr(warning.event, 'msg', None) or str(warning)}}
        if isinstance(warning, dict):
            event = warning.get('event', warning)
            parts = [event.get('msg') or '']
            chain = event.get('chain')
            while isinstance(chain, dict) and isinstance(chain.get('event'), dict):
                parts.append(chain['event'].get('msg') or '')
                chain = chain['event'].get('chain')
            texts.append(': '.join(part for part in parts if part))
        else:
            texts.append(str(warning))
    return texts


@contextlib.contextmanager
def run_environment(base: dict, env: dict | None):
    """os.environ with the outer connection variables removed, ``base`` then ``env`` applied (None unsets)."""
    with pytest.MonkeyPatch.context() as patch:
        for key in [key for key in os.environ if key.startswith(_SCRUBBED_PREFIXES)]:
            patch.delenv(key)
        for key, value in dict(base, **(env or {})).items():
            if value is None:
                patch.delenv(key, raising=False)
            else:
                patch.setenv(key, str(value))
        yield


@contextlib.contextmanager
def module_globals():
    """Fresh module-side warning/deprecation lists and target-side behaviour for one module run."""
    saved = module_internal.is_controller
    module_warnings._global_warnings.clear()  # pylint: disable=protected-access
    module_warnings._global_deprecations.clear()  # pylint: disable=protected-access
    module_internal.is_controller = False
    try:
        yield
    finally:
        module_internal.is_controller = saved
        module_warnings._global_warnings.clear()  # pylint: disable=protected-access
        module_warnings._global_deprecations.clear()  # pylint: disable=protected-access


class ModuleRun(harness.ResultAttributes):
    """One in-process module run; the attributes tests read on ``harness.ModuleResult`` too.

    ``result`` is the module's returned dict without ``invocation`` (as Ansible shows it); ``stdout``
    is that dict as JSON; ``output`` is what the module printed, invocation included, plus the
    traceback of a crash; ``assert_no_secrets()`` searches ``output``.
    """

    def __init__(self, module, args, check, diff, rc, printed, raw, crash=None):
        self.module = module
        self.args = args
        self.check = check
        self.diff_mode = diff
        self.rc = rc
        self.printed = printed
        self.raw = raw
        self.crash = crash
        self.result = {key: value for key, value in raw.items() if key != 'invocation'}
        self.result['warnings'] = warning_texts(raw.get('warnings'))
        if not self.result['warnings']:
            del self.result['warnings']

    @property
    def failed(self) -> bool:
        return self.rc != 0 or bool(self.result.get('failed'))

    @property
    def stdout(self) -> str:
        return json.dumps(self.result, sort_keys=True)

    @property
    def output(self) -> str:
        return self.printed + (self.crash or '')

    def assert_no_secrets(self, *extra: str) -> None:
        """Fail if any simulator secret (or one of ``extra``) appears in what the module printed."""
        leaked = [secret for secret in harness.SECRETS + tuple(extra) if secret and secret in self.output]
        assert not leaked, 'secret(s) leaked into the module output: %s' % ', '.join(
            '%s...' % secret[:6] for secret in leaked)

    def __repr__(self):
        flags = ''.join(flag for flag, on in ((' --check', self.check), (' --diff', self.diff_mode)) if on)
        return '<ModuleRun %s%s rc=%s changed=%s failed=%s msg=%r>\n%s%s' % (
            self.module, flags, self.rc, self.changed, self.failed, self.msg,
            json.dumps(self.result, indent=2, sort_keys=True, default=repr)[-4000:], self.crash or '')


class ModuleCaller:
    """Runs modules in this process against a simulator (``harness.SimClient``)."""

    def __init__(self, sim, tmpdir):
        self.sim = sim
        self.tmpdir = str(tmpdir)

    def base_env(self) -> dict:
        return self.sim.process.env() if self.sim is not None else {}

    def call(self, module: str, args: dict | None = None, *, check: bool = False, diff: bool = False,
             env: dict | None = None, no_log: bool = False) -> ModuleRun:
        fqcn, import_path = _module_name(module)
        code = importlib.import_module(import_path)
        module_args = dict(args or {})
        module_args.update({
            '_ansible_check_mode': check,
            '_ansible_diff': diff,
            '_ansible_no_log': no_log,
            '_ansible_module_name': fqcn,
            '_ansible_tmpdir': self.tmpdir,
            '_ansible_remote_tmp': self.tmpdir,
            '_ansible_keep_remote_files': False,
            '_ansible_version': ansible_release.__version__,
        })
        printed = io.StringIO()
        rc, crash = None, None
        with run_environment(self.base_env(), env), module_globals(), patch_module_args(module_args):
            with contextlib.redirect_stdout(printed):
                try:
                    code.main()
                except SystemExit as exc:
                    rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
                except Exception:  # pylint: disable=broad-exception-caught
                    crash = traceback.format_exc()  # Ansible reports MODULE FAILURE with the traceback
                    rc = 1
        return ModuleRun(fqcn, args, check, diff, 1 if rc is None else rc, printed.getvalue(),
                         self._parse(printed.getvalue(), rc, crash), crash)

    def ok(self, module: str, args: dict | None = None, **kwargs) -> ModuleRun:
        """``call(...)``, failing the test if the module failed."""
        run = self.call(module, args, **kwargs)
        assert not run.failed, run
        return run

    @staticmethod
    def _parse(printed: str, rc, crash) -> dict:
        if crash is not None:
            last = crash.strip().splitlines()[-1]
            return {'failed': True, 'msg': 'MODULE FAILURE: %s' % last, 'exception': crash}
        if rc is None:
            return {'failed': True, 'msg': 'MODULE FAILURE: main() returned without exit_json or fail_json'}
        for line in reversed(printed.strip().splitlines()):
            if line.startswith('{'):
                return json.loads(line)
        return {'failed': True, 'msg': 'MODULE FAILURE: no JSON result in the output:\n%s' % printed[-2000:]}


class LookupRun:
    """One in-process lookup run: ``value`` (the list it returned) or ``error`` (its message)."""

    def __init__(self, name, terms, options, value=None, error=None, warnings=()):
        self.name = name
        self.terms = terms
        self.options = options
        self.value = value
        self.error = error
        self.warnings = list(warnings)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def msg(self):
        return self.error

    @property
    def output(self) -> str:
        """The error message and the warnings: what a person would read of the run."""
        return '\n'.join(filter(None, [self.error] + self.warnings))

    def assert_no_secrets(self, *extra: str) -> None:
        text = self.output + json.dumps(self.value, default=str)
        leaked = [secret for secret in harness.SECRETS + tuple(extra) if secret and secret in text]
        assert not leaked, 'secret(s) leaked into the lookup result or messages: %s' % ', '.join(
            '%s...' % secret[:6] for secret in leaked)

    def __repr__(self):
        shown = self.error if self.failed else json.dumps(self.value, default=str)[:2000]
        return '<LookupRun %s %r ok=%s> %s%s' % (self.name, self.options, self.ok, shown,
                                                 ''.join('\n[WARNING]: %s' % w for w in self.warnings))


class LookupCaller:
    """Runs lookups of this checkout in this process, through Ansible's plugin loader."""

    def __init__(self, sim):
        self.sim = sim

    @staticmethod
    def load(name: str):
        # pylint: disable=import-outside-toplevel
        from ansible.parsing.dataloader import DataLoader
        from ansible.plugins.loader import lookup_loader

        install_collection_loader()
        fqcn = name if '.' in name else COLLECTION_PREFIX + name
        plugin = lookup_loader.get(fqcn, loader=DataLoader(), templar=None)
        if plugin is None:
            raise LookupError('no lookup plugin %s' % fqcn)
        return plugin

    def call(self, name: str, *terms, variables: dict | None = None, env: dict | None = None,
             **options) -> LookupRun:
        # pylint: disable=import-outside-toplevel
        from ansible.errors import AnsibleError
        from ansible.utils.display import Display

        plugin = self.load(name)
        shown = []
        display = Display()
        with run_environment(self.sim.process.env() if self.sim is not None else {}, env), \
                pytest.MonkeyPatch.context() as patch:
            patch.setattr(display, 'warning', lambda msg, *args, **kwargs: shown.append(str(msg)))
            try:
                value = plugin.run(list(terms), variables=dict(variables or {}), **options)
            except AnsibleError as exc:
                return LookupRun(name, terms, options, error=str(exc), warnings=shown)
        return LookupRun(name, terms, options, value=value, warnings=shown)
