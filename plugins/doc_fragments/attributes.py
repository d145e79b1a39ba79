# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:

    DOCUMENTATION = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/logpoint.siem.logpoint) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - logpoint.siem.logpoint
'''
