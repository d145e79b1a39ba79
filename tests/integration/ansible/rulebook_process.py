# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-rulebook in the background for the EDA tests: its output collected line by line, a wait, Ctrl-C."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time

import pytest


class RulebookProcess:
    """``command`` (an ansible-rulebook command line) started in ``workdir`` with ``env``."""

    event_line = re.compile(r'logpoint event (\S+) (\w+)')

    def __init__(self, command, env, workdir):
        self.lines = []
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            [str(part) for part in command], cwd=str(workdir), env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip('\n'))

    def events(self):
        """The groups of ``event_line`` in every printed event line, in order."""
        return [match.groups() for match in map(self.event_line.search, list(self.lines)) if match]

    def wait_for(self, condition, timeout=90, what='the condition'):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        pytest.fail('ansible-rulebook: no %s within %ss (exit %s); output:\n%s'
                    % (what, timeout, self.process.returncode, '\n'.join(self.lines[-60:])), pytrace=False)

    def stop(self):
        """Ctrl-C (SIGINT to its process group), then SIGKILL after 20 s; the whole output."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.reader.join(timeout=5)
        return '\n'.join(self.lines)
