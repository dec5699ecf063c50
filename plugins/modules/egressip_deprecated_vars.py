#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
---
module: egressip_deprecated_vars
short_description: Warn about extra vars given under their old, unprefixed names
version_added: 0.1.0
description:
  - The playbooks of this collection read their extra vars with an C(egressip_) prefix
    (C(egressip_gateway), C(egressip_pool), ...). Generic names such as C(gateway), C(nodes) or
    C(pool) could take their value from an inventory's group vars without anyone noticing.
  - The old names are still accepted for one release; this module turns each one in use into a
    deprecation warning of the run that names the new variable.
  - Reads nothing and changes nothing. Accepts (and ignores) the options of the C(egressip)
    action group, so that C(module_defaults) for the group apply without error.
author:
  - ocp.egressip maintainers (@ocp-egressip)
extends_documentation_fragment:
  - ocp.egressip.auth
  - ocp.egressip.network
  - ocp.egressip.write
options:
  renamed:
    description:
      - Map of old variable name to its new name.
    type: dict
    required: true
  used:
    description:
      - The old names that are set in this run.
    type: list
    elements: str
    default: []
notes:
  - Supports check mode (it never changes anything).
"""

EXAMPLES = r"""
- name: Old extra var names (accepted for one release)
  ocp.egressip.egressip_deprecated_vars:
    renamed: {gateway: egressip_gateway, pool: egressip_pool}
    used: "{{ query('ansible.builtin.varnames', '^(gateway|pool)$') }}"
"""

RETURN = r"""
renamed:
  description: The old names in use, each with its new name.
  returned: always
  type: dict
  sample: {"gateway": "egressip_gateway"}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ocp.egressip.plugins.module_utils.runner import argument_spec


def main():
    # every option the action group's module_defaults may carry is accepted (and ignored)
    spec = argument_spec(renamed=dict(type="dict", required=True), used=dict(type="list", elements="str", default=[]))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    renamed = module.params["renamed"]
    found = dict((old, renamed[old]) for old in module.params["used"] if old in renamed)
    for old, new in sorted(found.items()):
        module.deprecate("extra var `%s` is deprecated: use `%s` (the unprefixed name may come from an inventory's "
                         "group vars by accident)" % (old, new), version="1.0.0", collection_name="ocp.egressip")
    module.exit_json(changed=False, renamed=found)


if __name__ == "__main__":
    main()
