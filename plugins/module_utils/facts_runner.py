# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""main() of egressip_facts: the one module that serves both network types, so the one place
that imports both backends (runner.py imports neither)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import traceback

from ansible.module_utils.basic import missing_required_lib

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


FACTS_ARG_SPEC = dict(
    format=dict(type="str", choices=["data", "table"], default="data"),
    details=dict(type="bool", default=False),
    namespaces=dict(type="list", elements="str"),
    nodes=dict(type="list", elements="str"),
    node_labels=dict(type="dict", default={}),
    query=dict(type="str"),
    as_facts=dict(type="bool", default=False),
    firewall_records=dict(type="dict", default={}),
)


def _query(module):
    """The compiled JMESPath search of the ``query`` option, or None."""
    expression = module.params.get("query")
    if not expression:
        return None
    try:
        import jmespath
    except ImportError:
        module.fail_json(msg=missing_required_lib("jmespath"), exception=traceback.format_exc())
    try:
        return jmespath.compile(expression).search
    except jmespath.exceptions.JMESPathError as exc:
        module.fail_json(msg="query: %r: not a valid JMESPath expression: %s" % (expression, exc))


def _named(objs, names):
    """The raw objects of ``objs`` (name -> object), only those in ``names`` unless it is None."""
    if names is None:
        return list(objs.values())
    wanted = set(names)
    return [o for name, o in objs.items() if name in wanted]


def run_facts(module):
    """main() of egressip_facts: read once, validate, summarize; never writes."""
    runner = Runner(module)
    params = module.params
    search = _query(module)
    try:
        facts_mod.check_records(params.get("firewall_records") or {})
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
            lines = []
            if params.get("format") == "table":
                lines = facts_mod.hostsubnet_table(_named(runner.raw["HostSubnet"], params.get("nodes"))) + [""] + \
                    facts_mod.netnamespace_table(_named(runner.raw["NetNamespace"], params.get("namespaces")))
    except RunnerError as exc:
        module.fail_json(msg=printable(exc.msg), api_requests=runner.client.requests, **exc.extra)
    except ApiError as exc:
        module.fail_json(msg=printable("API request failed: %s" % exc), status=exc.status,
                         api_requests=runner.client.requests)
    except ValueError as exc:
        module.fail_json(msg=printable(exc), api_requests=runner.client.requests)
    try:
        # the key of this cluster's entries on shared target firewalls (role egressip_firewall)
        data["cluster_id"] = runner.read_cluster_id()
    except ApiError as exc:
        module.fail_json(msg=printable("API request failed: %s" % exc), status=exc.status,
                         api_requests=runner.client.requests)
    for w in runner.warnings:
        module.warn(printable(w))
    data["findings"].extend(facts_mod.record_findings(data, params.get("firewall_records") or {}))
    # Large results are opt-in (Ansible scrubs every string of a result for no_log values, which
    # costs more than the read itself at 10,000 namespaces): counts, capacity and findings, plus
    # the objects asked for.  Returned once, under one key.
    result = dict(changed=False, network_type=data["network_type"], api_requests=runner.client.requests)
    if search is not None:
        data = dict(data, counts=facts_mod.counts(data))
        result["query_result"] = search(data)
    else:
        picked = facts_mod.select(data, details=params.get("details"), namespaces=params.get("namespaces"),
                                  nodes=params.get("nodes"), node_labels=params.get("node_labels"),
                                  node_objects=runner.raw.get("Node"))
        if params.get("as_facts"):
            result["ansible_facts"] = dict(egressip=picked)
        else:
            result["egressip"] = picked
    if params.get("format") == "table":
        result["table_lines"] = lines
    module.exit_json(**result)
