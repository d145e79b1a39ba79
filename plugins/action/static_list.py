# -*- coding: utf-8 -*-
# Copyright: contributors to the logpoint.siem collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for logpoint.siem.static_list: ``src`` is a file on the controller.

A relative ``src`` is found like ``ansible.builtin.copy`` finds it (the role's or playbook's
``files/`` directory first) and checked on the controller; the file is copied, under its own name,
to the target's temporary directory, and the module runs there with that copy.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.logpoint.siem.plugins.module_utils.resources.lists import check_source_file
from ansible_collections.logpoint.siem.plugins.module_utils.errors import ConfigError


class ActionModule(ActionBase):

    TRANSFERS_FILES = True

    def run(self, tmp=None, task_vars=None):
        super().run(tmp, task_vars)
        del tmp  # no longer has any effect
        module_args = dict(self._task.args)
        try:
            if module_args.get("src") is not None:
                try:
                    source = self._find_needle("files", os.path.expanduser(module_args["src"]))
                    check_source_file(source)
                except AnsibleError:
                    # Ansible's own message advises a remote_src option, which static_list does not have.
                    raise AnsibleActionFail(
                        "src: %s was not found on the controller; static_list reads src on the controller (the task's "
                        "files/ directories and the playbook's, like ansible.builtin.copy) - give a path that exists "
                        "there" % module_args["src"])
                except ConfigError as exc:
                    raise AnsibleActionFail(str(exc))
                shell = self._connection._shell
                remote = shell.join_path(shell.tmpdir, os.path.basename(source))
                self._transfer_file(source, remote)
                self._fixup_perms2((shell.tmpdir, remote))
                module_args["src"] = remote
            return self._execute_module(module_args=module_args, task_vars=task_vars)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
