# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# The option every writing module shares (CONVERGE_ARGSPEC in plugins/module_utils/_converge.py).

from __future__ import annotations


class ModuleDocFragment:

    DOCUMENTATION = r'''
options:
  max_concurrency:
    description:
      - How many writes the task sends at the same time, from V(1) to V(32). V(1) sends them one at a time,
        in the order of the task.
      - Writes that depend on each other (an activation after the create that returns the rule's id) still
        run in order; only independent writes overlap.
      - If a write fails, the writes already started are finished and no later step begins; the error
        lists what was written, and the task reports a change.
    type: int
    default: 4
    version_added: 0.2.0
'''
