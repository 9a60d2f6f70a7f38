#!/usr/bin/python
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module drkit.mysql.config_settings: set several key = value lines of a config file in one write."""

DOCUMENTATION = r"""
module: config_settings
short_description: Set several C(key = value) settings of an application's config file in one atomic write
version_added: 0.1.0
description:
  - Sets every key of O(settings) in an option-file or ini style file (C(key = value) lines, optional
    C([section]) headers) in one pass and one atomic write, so an application that re-reads its config never
    sees the new host with the old port.
  - The first line of each key (inside O(section) when given) gets the new value, keeping its spacing; a
    missing key is added at the end of the section (or of the file); a missing section is added.
  - Used by the C(drkit.mysql.app_repoint) role to point applications at a new primary. One task instead of one
    C(lineinfile) per key keeps the application's write outage short.
author: drkit.mysql maintainers (@drkit)
attributes:
  check_mode:
    support: full
    description: Reports the changes and the diff; writes nothing.
  diff_mode:
    support: full
    description:
      - Shows the file before and after, with the values of secret-looking keys (C(password), C(passwd), C(pwd),
        C(secret), C(token), C(*_key), ...) masked; so are they in RV(changes).
options:
  path:
    description: The config file. It must exist (a missing file usually means a wrong path, not a new file).
    type: path
    required: true
  settings:
    description: Keys and the values to set.
    type: dict
    required: true
  section:
    description: Only edit this C([section]); keys outside it are left alone.
    type: str
  backup:
    description: Keep a copy of the old file next to it (C(<path>.<pid>.<date>~)) when it changes.
    type: bool
    default: true
notes:
  - The file keeps its owner, group and mode.
"""

EXAMPLES = r"""
- name: Point the app at the new primary
  drkit.mysql.config_settings:
    path: /etc/shop/db.cnf
    section: client
    settings:
      host: db-dr.example.net
      port: 3306
"""

RETURN = r"""
changes:
  description: Each changed key with its old value (null when added) and new value.
  returned: always
  type: list
  elements: dict
  sample: [{key: port, old: "3310", new: "3312"}]
backup_file:
  description: Where the old file was copied to.
  returned: when changed and O(backup) and not in check mode
  type: str
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.drkit.mysql.plugins.module_utils.config_edit import redact, redact_changes, set_settings
from ansible_collections.drkit.mysql.plugins.module_utils.file_replace import replace_text


MODULE_OPTIONS = dict(supports_check_mode=True)


def argument_spec():
    return dict(
        path=dict(type="path", required=True),
        settings=dict(type="dict", required=True),
        section=dict(type="str"),
        backup=dict(type="bool", default=True),
    )


def main():
    run(AnsibleModule(argument_spec=argument_spec(), **MODULE_OPTIONS))


def run(module):
    path = module.params["path"]
    if not os.path.isfile(path):
        module.fail_json(msg="%s does not exist (or is not a file); check app_db_config for this host." % path)
    with open(path, "rb") as handle:
        before = to_text(handle.read(), errors="surrogate_or_strict")
    after, changes = set_settings(before, module.params["settings"], module.params["section"])
    result = dict(changed=bool(changes), path=path,
                  changes=[dict(key=k, old=old, new=new) for k, old, new in redact_changes(changes)])
    if module._diff:
        # An application's DB config holds its password: the diff masks secret-looking values.
        result["diff"] = dict(before=redact(before), after=redact(after), before_header=path, after_header=path)
    if changes and not module.check_mode:
        if module.params["backup"]:
            result["backup_file"] = module.backup_local(path)
        replace_text(module, path, after)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
