"""Shared pytest set-up for tests/unit and tests/integration.

Makes ``ansible_collections.logpoint.siem`` importable from this checkout: ``.collections/`` holds
``ansible_collections/logpoint/siem`` -> ``../../..`` (created here if ``make venv`` has not yet) and
goes first on ``sys.path``; ``ANSIBLE_COLLECTIONS_PATH`` points at it too, so Ansible's own
collection loader, when a test activates it, finds the same copy and never an installed one.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLLECTIONS_PATH = ROOT / '.collections'
_LINK = COLLECTIONS_PATH / 'ansible_collections' / 'logpoint' / 'siem'

if not _LINK.exists():
    _LINK.parent.mkdir(parents=True, exist_ok=True)
    if _LINK.is_symlink():  # dangling
        _LINK.unlink()
    _LINK.symlink_to(Path('..', '..', '..'), target_is_directory=True)

if str(COLLECTIONS_PATH) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS_PATH))
os.environ['ANSIBLE_COLLECTIONS_PATH'] = str(COLLECTIONS_PATH)
