# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action of drkit.mysql.grants: in-process for local hosts (plugin_utils/in_process.py)."""

from ansible_collections.drkit.mysql.plugins.plugin_utils.in_process import InProcessAction


class ActionModule(InProcessAction):
    MODULE = "grants"
