# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""openshift-sdn on the shared runner: HostSubnet / NetNamespace / Node objects mapped to the
core state, the core's diff, and the write order (HostSubnets gaining addresses first, those
losing addresses last)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.ocp.egressip.plugins.module_utils.runner import Backend, Runner, RunnerError, as_list, option_names, ref

try:
    from ansible_collections.ocp.egressip.plugins.module_utils.core import state as core_state
    from ansible_collections.ocp.egressip.plugins.module_utils.core import plan as core_plan
except ImportError:   # reported by runner.new_module (netaddr missing)
    core_state = core_plan = None

SDN_TYPE = "OpenShiftSDN"


class SdnBackend(Backend):
    network_type = SDN_TYPE
    kinds = ("HostSubnet", "NetNamespace", "Node")
    fields = {"HostSubnet": ("egressCIDRs", "egressIPs"), "NetNamespace": ("egressIPs",)}
    other_modules = " (on OVN-Kubernetes use ocp.egressip.egressip_ovn)"

    def build_state(self, raw, options):
        try:
            state = core_state.state_from_sdn(
                list(raw["HostSubnet"].values()), list(raw["NetNamespace"].values()),
                nodes=list(raw["Node"].values()),
                node_networks=options.get("node_networks") or None,
                default_network=options.get("node_network"),
                reserved=options.get("reserved_ips") or (),
                gateway=options.get("gateway"))
        except ValueError as exc:
            raise RunnerError(option_names(exc))
        interfaces = options.get("node_interfaces") or {}
        default_iface = options.get("node_interface")
        touched = False
        for name, node in list(state.nodes.items()):
            if node.interface is None and (interfaces.get(name) or default_iface):
                state.nodes[name] = node.replace(interface=interfaces.get(name) or default_iface)
                touched = True
        if touched:
            state.invalidate()
        return state

    def diff(self, before, after):
        return core_plan.diff_sdn(before, after)

    def apply_change(self, state, change):
        if change.kind == "HostSubnet":
            state.set_node_egress(change.name, egress_cidrs=change.after.get("egressCIDRs"),
                                  egress_ips=change.after.get("egressIPs"))
        elif change.kind == "NetNamespace":
            state.set_namespace_egress(change.name, change.after.get("egressIPs") or [])

    def advisories(self, state, scope):
        return network_unknown(state, scope)

    def write_rank(self, change):
        gains, losses = _gains_losses(change)
        if change.kind == "HostSubnet":
            return 2 if losses else 0
        return 1


def _gains_losses(change):
    gains = losses = False
    for key in set(change.before) | set(change.after):
        old, new = set(as_list(change.before.get(key))), set(as_list(change.after.get(key)))
        gains = gains or bool(new - old)
        losses = losses or bool(old - new)
    return gains, losses


class SdnRunner(Runner):
    """The shared runner on an openshift-sdn cluster."""

    def __init__(self, module, client=None):
        super(SdnRunner, self).__init__(module, client=client, backend=SdnBackend())


def network_unknown(state, scope):
    """Advisory findings: nodes holding egress addresses whose primary network is unknown,
    so the check that the addresses lie in it was skipped.  ``scope`` None = all nodes."""
    in_scope_ns = set()
    if scope is not None:
        for name, ns in state.namespaces.items():
            if ref("NetNamespace", name) in scope:
                in_scope_ns.update(ns.egress_ips)
    out = []
    for name in sorted(state.nodes):
        node = state.nodes[name]
        if node.network or not (node.egress_ips or node.egress_cidrs):
            continue
        if scope is not None and ref("HostSubnet", name) not in scope and not (set(node.egress_ips) & in_scope_ns):
            continue
        out.append(dict(
            code="NODE_NETWORK_UNKNOWN", severity="warning", blocking=False, objects=[ref("HostSubnet", name)],
            message='HostSubnet "%s": the network of its primary interface is unknown (no %s or %s annotation on '
                    'the Node, not in node_networks, no node_network): the check that its egress IPs lie in '
                    'it was skipped' % (name, "cloud.network.openshift.io/egress-ipconfig",
                                        "k8s.ovn.org/node-primary-ifaddr")))
    return out
