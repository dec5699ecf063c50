# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""main() of egressip_facts: the one module that serves both network types, so the one place
that imports both backends (runner.py imports neither)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.ocp.egressip.plugins.module_utils.core.text import printable
from ansible_collections.ocp.egressip.plugins.module_utils.k8s.client import ApiError
from ansible_collections.ocp.egressip.plugins.module_utils.runner import Runner, RunnerError
from ansible_collections.ocp.egressip.plugins.module_utils.sdn.backend import SDN_TYPE, SdnBackend, network_unknown
from ansible_collections.ocp.egressip.plugins.module_utils.ovn.runner import OVN_TYPE, ovn_facts

try:
    from ansible_collections.ocp.egressip.plugins.module_utils.core import facts as facts_mod
    from ansible_collections.ocp.egressip.plugins.module_utils.core import validate as core_validate
except ImportError:   # reported by runner.new_module (netaddr missing)
    facts_mod = core_validate = None


def run_facts(module):
    """main() of egressip_facts: read once, validate, summarize; never writes."""
    runner = Runner(module)
    try:
        runner.network_type = runner.read_network_type()
        if runner.network_type == OVN_TYPE:
            # OVN-Kubernetes: Nodes and EgressIP objects, same output shape (ovn/runner.py ovn_facts)
            data, lines = ovn_facts(runner)
        elif runner.network_type != SDN_TYPE:
            runner.warnings.append("network type %s: only %s and %s details are reported by this version" % (
                runner.network_type, SDN_TYPE, OVN_TYPE))
            data = dict(network_type=runner.network_type, mode="none", nodes=[], namespaces=[], assignments={},
                        capacity=dict(cidrs={}, nodes={}), findings=[])
            lines = []
        else:
            runner.backend = SdnBackend()
            runner.read()
            state = runner.build()
            findings = core_validate.validate(state)
            data = facts_mod.gather(runner.network_type, runner.raw, state, findings)
            data["findings"].extend(network_unknown(state, None))
            lines = facts_mod.hostsubnet_table(list(runner.raw["HostSubnet"].values())) + [""] + \
                facts_mod.netnamespace_table(list(runner.raw["NetNamespace"].values()))
    except RunnerError as exc:
        module.fail_json(msg=printable(exc.msg), api_requests=runner.client.requests, **exc.extra)
    except ApiError as exc:
        module.fail_json(msg=printable("API request failed: %s" % exc), status=exc.status,
                         api_requests=runner.client.requests)
    except ValueError as exc:
        module.fail_json(msg=printable(exc), api_requests=runner.client.requests)
    for w in runner.warnings:
        module.warn(printable(w))
    data["findings"].extend(facts_mod.record_findings(data, module.params.get("firewall_records") or {}))
    result = dict(changed=False, egressip=data, ansible_facts=dict(egressip=data), api_requests=runner.client.requests)
    if module.params.get("format") == "table":
        result["table_lines"] = lines
    module.exit_json(**result)
