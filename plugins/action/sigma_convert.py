# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for logpoint.siem.sigma_convert: the conversion runs on the controller, with no connection.

A relative ``src`` is found like ``ansible.builtin.copy`` finds a source (the role's or playbook's
``files/`` directory first, then relative to them). pySigma is needed on the controller only
(``requirements-sigma.txt``); the result is marked unsafe, so text from Sigma files is never templated.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.basic import missing_required_lib
from ansible.plugins.action import ActionBase
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.logpoint.siem.plugins.module_utils._sigma import ARGUMENT_SPEC, convert_tree
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError, MissingLibraryError


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp  # no longer has any effect
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        source = os.path.expanduser(args["src"])
        if not os.path.isabs(source):
            try:
                source = self._find_needle("files", source)
            except AnsibleError:
                raise AnsibleActionFail("src: %s is not a directory on the controller (looked in the task's files/ "
                                        "directories and beside the playbook)" % args["src"])
        try:
            converted = convert_tree(dict(args, src=source))
        except MissingLibraryError as exc:
            raise AnsibleActionFail(missing_required_lib(exc.library), orig_exc=exc)
        except ConfigError as exc:
            raise AnsibleActionFail(str(exc))
        result.update(changed=False, **wrap_var(converted))
        return result
