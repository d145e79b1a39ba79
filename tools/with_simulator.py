#!/usr/bin/env python
"""Run a command against a freshly started Logpoint simulator, then stop the simulator.

Usage::

    python tools/with_simulator.py [--port N] [--no-tls] [--ca PATH] [--python PY] -- COMMAND [ARG...]

The simulator (``python -m logpoint_simulator``) listens on 127.0.0.1, on a free port unless
``--port`` is given. Once ``/_simulator/health`` answers, COMMAND runs with the connection variables
of every logpoint.siem module and lookup pointing at it::

    LOGPOINT_URL  LOGPOINT_USERNAME  LOGPOINT_SECRET_KEY  LOGPOINT_CA_PATH
    LOGPOINT_DIRECTOR_URL  LOGPOINT_DIRECTOR_TOKEN  LOGPOINT_POOL_UUID  LOGPOINT_IDENTIFIER
    LM_URL  LM_ACCESS_ID  LM_ACCESS_KEY

and ``ANSIBLE_COLLECTIONS_PATH`` set to this checkout's ``.collections`` unless it is already set.
The simulator is stopped when COMMAND ends, fails or is interrupted; the exit code is COMMAND's.
The same ``Simulator`` class starts the simulator for the integration tests and the test runner.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIMULATOR_SOURCE = os.path.join(ROOT, 'tests', 'simulator')

# The simulator's fixed credentials (CONTRIBUTING.md, "Simulator").
ADMIN_USERNAME = 'admin'
ADMIN_SECRET_KEY = 'simulator-admin-secret-0123456789'
ANALYST_USERNAME = 'analyst'
ANALYST_SECRET_KEY = 'simulator-analyst-secret-012345678'
DIRECTOR_TOKEN = 'simulator-director-token'
POOL_UUID = '00000000-0000-4000-8000-000000000001'
LOGPOINT_IDENTIFIER = 'lp-simulator-01'
LM_ACCESS_ID = 'simulator-lm-id'
LM_ACCESS_KEY = 'simulator-lm-key'
LM_BEARER_TOKEN = 'simulator-lm-bearer'

# Every secret above: nothing the collection prints may contain one of these.
SECRETS = (ADMIN_SECRET_KEY, ANALYST_SECRET_KEY, DIRECTOR_TOKEN, LM_ACCESS_KEY, LM_BEARER_TOKEN)

_LISTENING = re.compile(r'listening on (\S+)')


def run_group(command, *, timeout: float, running: set | None = None,
              **popen_kwargs) -> tuple[int, str | bytes | None, str | bytes | None, bool]:
    """Run ``command`` in its own process group; on timeout kill the whole group (forked workers too).

    Returns ``(returncode, stdout, stderr, timed_out)``; ``popen_kwargs`` go to ``subprocess.Popen``.
    While it runs, its process group id is in ``running`` (so a caller can kill what is left on exit).
    """
    running = set() if running is None else running
    with subprocess.Popen(command, start_new_session=True, **popen_kwargs) as process:
        running.add(process.pid)
        try:
            stdout, stderr = process.communicate(timeout=timeout)
            return process.returncode, stdout, stderr, False
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            return -signal.SIGKILL, stdout, stderr, True
        except BaseException:
            os.killpg(process.pid, signal.SIGKILL)
            raise
        finally:
            running.discard(process.pid)


class SimulatorError(RuntimeError):
    """The simulator did not start."""


class Simulator:
    """A ``python -m logpoint_simulator`` subprocess on loopback.

    ``start()`` returns once ``/_simulator/health`` answers 200; ``stop()`` terminates it. Its output
    goes to ``log_path`` (in ``workdir``). Usable as a context manager.
    """

    def __init__(self, *, python: str | None = None, host: str = '127.0.0.1', port: int | None = None,
                 tls: bool = True, ca_path: str | None = None, workdir: str | None = None,
                 log_path: str | None = None, extra_args: tuple[str, ...] = (), env: dict | None = None):
        self.python = python or sys.executable
        self.host = host
        self.requested_port = port
        self.tls = tls
        self.workdir = workdir or tempfile.mkdtemp(prefix='logpoint-simulator-')
        self.ca_path = os.path.abspath(ca_path or os.path.join(self.workdir, 'ca.pem'))
        self.log_path = os.path.abspath(log_path or os.path.join(self.workdir, 'simulator.log'))
        self.extra_args = tuple(extra_args)
        self.extra_env = dict(env or {})
        self.port: int | None = None
        self._log_offset = 0
        self.url: str | None = None
        self.process: subprocess.Popen | None = None

    # ---- lifecycle -------------------------------------------------------------------------------

    def start(self, timeout: float = 60.0) -> 'Simulator':
        """Start the simulator and wait until ``/_simulator/health`` answers.

        Without a requested port the simulator binds port 0 (the kernel picks a free one, no race)
        and announces its URL: ``logpoint simulator listening on https://127.0.0.1:PORT (CA: ...)``.
        """
        os.makedirs(os.path.dirname(self.ca_path), exist_ok=True)
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        command = [self.python, '-m', 'logpoint_simulator', '--host', self.host,
                   '--port', str(self.requested_port or 0), '--ca', self.ca_path]
        if not self.tls:
            command.append('--no-tls')
        command.extend(self.extra_args)
        env = {**os.environ, 'PYTHONUNBUFFERED': '1', **self.extra_env}
        if os.path.isdir(os.path.join(SIMULATOR_SOURCE, 'logpoint_simulator')):
            # this checkout's simulator, whatever is installed (make venv installs the same, editable)
            env['PYTHONPATH'] = os.pathsep.join(filter(None, [SIMULATOR_SOURCE, env.get('PYTHONPATH')]))
        with open(self.log_path, 'ab') as log:
            self._log_offset = log.tell()
            log.write(('$ %s\n' % ' '.join(command)).encode())
            log.flush()
            self.process = subprocess.Popen(  # pylint: disable=consider-using-with
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.process = None
                raise SimulatorError('the simulator exited with code %s before it was ready:\n%s'
                                     % (code, self.log_tail()))
            announced = self._announced_url()
            if announced:
                self.url = announced.rstrip('/')
                self.port = int(self.url.rsplit(':', 1)[1])
                if self._healthy():
                    return self
            time.sleep(0.05)
        self.stop()
        raise SimulatorError('the simulator did not become healthy within %ss:\n%s' % (timeout, self.log_tail()))

    def stop(self) -> None:
        """Terminate the simulator (SIGTERM, then SIGKILL after 10 s). Safe to call twice."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

    def __enter__(self) -> 'Simulator':
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # ---- helpers ---------------------------------------------------------------------------------

    def log_tail(self, lines: int = 40) -> str:
        try:
            with open(self.log_path, encoding='utf-8', errors='replace') as log:
                return ''.join(log.readlines()[-lines:])
        except OSError:
            return '(no simulator log)'

    def _announced_url(self) -> str | None:
        try:
            with open(self.log_path, encoding='utf-8', errors='replace') as log:
                log.seek(self._log_offset)
                match = _LISTENING.search(log.read())
        except OSError:
            return None
        return match.group(1) if match else None

    def ssl_context(self) -> ssl.SSLContext | None:
        if not self.tls:
            return None
        return ssl.create_default_context(cafile=self.ca_path)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + '/_simulator/health', timeout=2,
                                        context=self.ssl_context()) as response:
                return response.status == 200
        except (OSError, ssl.SSLError, urllib.error.URLError):
            return False

    def control(self, method: str, path: str, body: dict | None = None):
        """Call the control API (``/_simulator/<path>``) with the standard library; returns the JSON."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + '/_simulator/' + path.lstrip('/'), data=data, method=method,
                                         headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=30, context=self.ssl_context()) as response:
            payload = response.read()
        return json.loads(payload) if payload.strip() else {}

    def env(self) -> dict[str, str]:
        """The environment variables that point the collection at this simulator."""
        return connection_env(self.url, self.ca_path if self.tls else None)


def connection_env(url: str, ca_path: str | None = None) -> dict[str, str]:
    """The environment variables that point every module and lookup at the simulator at ``url``
    (``LOGPOINT_CA_PATH`` only for HTTPS, with the simulator's CA file)."""
    variables = {
        'LOGPOINT_URL': url,
        'LOGPOINT_USERNAME': ADMIN_USERNAME,
        'LOGPOINT_SECRET_KEY': ADMIN_SECRET_KEY,
        'LOGPOINT_DIRECTOR_URL': url,
        'LOGPOINT_DIRECTOR_TOKEN': DIRECTOR_TOKEN,
        'LOGPOINT_POOL_UUID': POOL_UUID,
        'LOGPOINT_IDENTIFIER': LOGPOINT_IDENTIFIER,
        'LM_URL': url,
        'LM_ACCESS_ID': LM_ACCESS_ID,
        'LM_ACCESS_KEY': LM_ACCESS_KEY,
    }
    if ca_path:
        variables['LOGPOINT_CA_PATH'] = str(ca_path)
    return variables


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description='Start the Logpoint simulator, run COMMAND against it, stop the simulator.',
        usage='%(prog)s [options] -- COMMAND [ARG...]')
    parser.add_argument('--port', type=int, default=None, help='port to listen on (default: a free one)')
    parser.add_argument('--no-tls', action='store_true', help='plain HTTP instead of HTTPS')
    parser.add_argument('--ca', default=None, help='where the simulator writes its CA (default: a temp dir)')
    parser.add_argument('--python', default=None, help='Python that has logpoint_simulator installed')
    parser.add_argument('--log', default=None, help='simulator log file (default: next to the CA)')
    parser.add_argument('--quiet', action='store_true', help='do not announce the simulator')
    parser.add_argument('command', nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ['--'] else args.command
    if not command:
        parser.error('no COMMAND given')

    simulator = Simulator(python=args.python, port=args.port, tls=not args.no_tls, ca_path=args.ca,
                          log_path=args.log)

    def _terminate(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    try:
        simulator.start()
        env = dict(os.environ, **simulator.env())
        env.setdefault('ANSIBLE_COLLECTIONS_PATH', os.path.join(ROOT, '.collections'))
        if not args.quiet:
            print('with_simulator: simulator at %s (log: %s)' % (simulator.url, simulator.log_path), flush=True)
        with subprocess.Popen(command, env=env) as child:
            try:
                return child.wait()
            except KeyboardInterrupt:  # Ctrl-C reached the command too (same process group)
                child.wait()
                return 130
            except SystemExit:  # SIGTERM/SIGHUP to us: pass it on, then stop the simulator
                child.terminate()
                child.wait()
                raise
    except SimulatorError as error:
        print('with_simulator: %s' % error, file=sys.stderr)
        return 1
    finally:
        simulator.stop()


if __name__ == '__main__':
    sys.exit(main())
