# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The in-memory changes the writing modules ask for (openshift-sdn).

Each builder returns ``mutate(state) -> runner.Mutation``; the runner calls it on every
(re-)read, so it must be deterministic and work from the state it is given.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

try:
    import netaddr
    HAS_NETADDR = True
except ImportError:
    HAS_NETADDR = False

from ansible_collections.ocp.egressip.plugins.module_utils.runner import Mutation, RunnerError, ref

try:
    from ansible_collections.ocp.egressip.plugins.module_utils import allocate as core_allocate
except ImportError:
    core_allocate = None


def keep_order(current, wanted):
    """``wanted`` de-duplicated; the current order when it is the same set (no spurious change)."""
    seen = []
    for item in wanted:
        item = item.strip() if isinstance(item, str) else item
        if item not in seen:
            seen.append(item)
    if set(seen) == set(current or []) and len(current or []) == len(seen):
        return list(current)
    return seen


# -- egressip_hostsubnet -----------------------------------------------------------------

def hostsubnet_items(params):
    if params.get("hostsubnets"):
        items = []
        for item in params["hostsubnets"]:
            items.append(dict(name=item["name"], egress_cidrs=item.get("egress_cidrs"),
                              egress_ips=item.get("egress_ips"), state=item.get("state") or params["state"]))
        return items
    return [dict(name=params["name"], egress_cidrs=params.get("egress_cidrs"), egress_ips=params.get("egress_ips"),
                 state=params["state"])]


def hostsubnet_mutation(params):
    items = hostsubnet_items(params)
    names = [i["name"] for i in items]
    if len(set(names)) != len(names):
        raise RunnerError("hostsubnets: each HostSubnet may appear once, got %s" % names)
    for item in items:
        if item["state"] == "absent" and (item["egress_cidrs"] or item["egress_ips"]):
            raise RunnerError("HostSubnet %s: state=absent clears egress_cidrs and egress_ips; do not list values"
                              % item["name"])

    def mutate(state, context=None):
        for item in items:
            node = state.nodes.get(item["name"])
            if node is None:
                raise RunnerError('HostSubnet "%s" not found' % item["name"])
            if item["state"] == "absent":
                state.set_node_egress(item["name"], egress_cidrs=[], egress_ips=[])
                continue
            cidrs = item["egress_cidrs"]
            ips = item["egress_ips"]
            state.set_node_egress(item["name"],
                                  egress_cidrs=None if cidrs is None else keep_order(node.egress_cidrs, cidrs),
                                  egress_ips=None if ips is None else keep_order(node.egress_ips, ips))
        result = dict(hostsubnets=[dict(name=n, egress_cidrs=list(state.nodes[n].egress_cidrs),
                                        egress_ips=list(state.nodes[n].egress_ips)) for n in names])
        return Mutation(state, named=[ref("HostSubnet", n) for n in names], result=result)
    return mutate


# -- egressip_netnamespace ---------------------------------------------------------------

def netnamespace_items(params):
    keys = ("egress_ips", "count", "pool", "nodes", "mode", "state")
    if params.get("netnamespaces"):
        items = []
        for item in params["netnamespaces"]:
            d = dict(name=item["name"])
            for key in keys:
                d[key] = item.get(key) if item.get(key) is not None else params.get(key)
            items.append(d)
    else:
        items = [dict((k, params.get(k)) for k in ("name",) + keys)]
    for d in items:
        d["mode"] = d.get("mode") or "auto"
        d["state"] = d.get("state") or "present"
        if d["state"] == "present" and d.get("egress_ips") is None and d.get("count") is None:
            raise RunnerError("NetNamespace %s: give egress_ips or count (or state=absent)" % d["name"])
        if d.get("egress_ips") is not None and d.get("count") is not None:
            raise RunnerError("NetNamespace %s: egress_ips and count are mutually exclusive" % d["name"])
        if d.get("count") is not None and d["count"] < 0:
            raise RunnerError("NetNamespace %s: count: %d: must be >= 0" % (d["name"], d["count"]))
    names = [d["name"] for d in items]
    if len(set(names)) != len(names):
        raise RunnerError("netnamespaces: each NetNamespace may appear once, got %s" % names)
    return items


def _in_network(ip, network):
    try:
        return netaddr.IPAddress(ip) in netaddr.IPNetwork(network)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return False


def _pins(state):
    pins = {}
    for node in state.nodes.values():
        for ip in node.egress_ips:
            pins.setdefault(ip, []).append(node.name)
    return pins


def pin_manual(state, namespace, old_ips, new_ips, candidates=None, control_plane=()):
    """Pin ``new_ips`` of a namespace to HostSubnets, one per node where possible, and unpin
    the IPs it no longer has (unless another namespace uses them).  IPs already pinned stay.
    A new pin goes to a candidate whose known network holds the IP (else one whose network is
    unknown, else any, so that validation reports the mismatch), preferring nodes that do not
    host an IP of this namespace yet, without egressCIDRs, Ready, not control plane, least loaded."""
    used_elsewhere = set()
    for ns in state.namespaces.values():
        if ns.name != namespace:
            used_elsewhere.update(ns.egress_ips)
    for ip in set(old_ips) - set(new_ips):
        if ip in used_elsewhere:
            continue
        for node in list(state.nodes.values()):
            if ip in node.egress_ips:
                state.set_node_egress(node.name, egress_ips=[x for x in node.egress_ips if x != ip])
    names = sorted(candidates) if candidates else sorted(state.nodes)
    for name in names:
        if name not in state.nodes:
            raise RunnerError('nodes: HostSubnet "%s" not found' % name)
    pins = _pins(state)
    hosting = set()
    for ip in new_ips:
        for node_name in pins.get(ip, []):
            hosting.add(node_name)
    for ip in new_ips:
        if pins.get(ip):
            continue
        nodes = [state.nodes[n] for n in names]
        fitting = [n for n in nodes if n.network and _in_network(ip, n.network)]
        pool = fitting or [n for n in nodes if not n.network] or nodes

        def rank(node):
            return (node.name in hosting, bool(node.egress_cidrs), not node.ready, node.name in control_plane,
                    len(node.egress_ips), node.name)
        chosen = sorted(pool, key=rank)[0]
        state.set_node_egress(chosen.name, egress_ips=list(chosen.egress_ips) + [ip])
        hosting.add(chosen.name)
        pins[ip] = [chosen.name]


def netnamespace_mutation(params):
    items = netnamespace_items(params)
    names = [d["name"] for d in items]

    def mutate(state, context=None):
        control_plane = (context or {}).get("control_plane") or set()
        for d in items:
            if d["name"] not in state.namespaces:
                raise RunnerError('NetNamespace "%s" not found' % d["name"])
        before = dict((n, list(state.namespaces[n].egress_ips)) for n in names)
        # 1. releases
        absent = [d["name"] for d in items if d["state"] == "absent"]
        if absent:
            plan = core_allocate.release(state, absent)
            state = plan.state
        # 2. explicit addresses
        for d in items:
            if d["state"] != "present" or d["egress_ips"] is None:
                continue
            current = state.namespaces[d["name"]].egress_ips
            ips = keep_order(current, d["egress_ips"])
            state.set_namespace_egress(d["name"], ips)
            if d["mode"] == "manual":
                pin_manual(state, d["name"], before[d["name"]], ips, d.get("nodes"), control_plane)
        # 3. allocations
        requests = []
        for d in items:
            if d["state"] == "present" and d["count"] is not None:
                requests.append(core_allocate.Request(d["name"], count=d["count"], pool=d.get("pool") or None,
                                                      nodes=d.get("nodes") or None, mode=d["mode"]))
        if requests:
            try:
                plan = core_allocate.allocate(state, requests)
            except core_allocate.AllocationError as exc:
                raise RunnerError("cannot allocate: %s" % exc, findings=[f.to_dict() for f in exc.findings])
            state = plan.state
        pins = _pins(state)
        namespaces = {}
        for n in names:
            ips = list(state.namespaces[n].egress_ips)
            namespaces[n] = dict(egress_ips=ips, nodes=dict((ip, (pins.get(ip) or [None])[0]) for ip in ips))
        result = dict(namespaces=namespaces)
        if len(names) == 1 and not params.get("netnamespaces"):
            result["egress_ips"] = namespaces[names[0]]["egress_ips"]
            result["assignments"] = namespaces[names[0]]["nodes"]
        return Mutation(state, named=[ref("NetNamespace", n) for n in names], result=result,
                        plan=dict(namespaces=namespaces))
    return mutate
