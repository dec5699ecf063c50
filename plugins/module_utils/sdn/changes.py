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

from ansible_collections.ocp.egressip.plugins.module_utils.runner import (
    Mutation, RunnerError, allocate_held, empty_batch_note, ref, refuse_held,
)
from ansible_collections.ocp.egressip.plugins.module_utils.core.plan import keep_order

try:
    from ansible_collections.ocp.egressip.plugins.module_utils.core import allocate as core_allocate
except ImportError:
    core_allocate = None


# -- egressip_hostsubnet -----------------------------------------------------------------

def hostsubnet_items(params):
    if params.get("hostsubnets") is not None:
        items = []
        for item in params["hostsubnets"]:
            items.append(dict(name=item["name"], egress_cidrs=item.get("egress_cidrs"),
                              egress_ips=item.get("egress_ips"), state=item.get("state") or params["state"]))
        return items
    return [dict(name=params["name"], egress_cidrs=params.get("egress_cidrs"), egress_ips=params.get("egress_ips"),
                 state=params["state"])]


def hostsubnet_mutation(params):
    items = hostsubnet_items(params)
    notes = [empty_batch_note("hostsubnets")] if params.get("hostsubnets") == [] else []
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
        return Mutation(state, named=[ref("HostSubnet", n) for n in names], result=result, notes=notes)
    return mutate


# -- egressip_netnamespace ---------------------------------------------------------------

def netnamespace_items(params):
    keys = ("egress_ips", "count", "pool", "nodes", "mode", "state", "convert", "egress_cidrs")
    if params.get("netnamespaces") is not None:
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
        if d["state"] == "absent" and d.get("count") is not None:
            raise RunnerError("NetNamespace %s: state=absent takes egress_ips (the addresses to remove) or nothing (all), "
                              "not count=%r" % (d["name"], d["count"]))
        if d["state"] == "present" and d.get("egress_ips") is None and d.get("count") is None:
            raise RunnerError("NetNamespace %s: give egress_ips or count (or state=absent)" % d["name"])
        if d.get("egress_ips") is not None and d.get("count") is not None:
            raise RunnerError("NetNamespace %s: egress_ips and count are mutually exclusive" % d["name"])
        if d.get("count") is not None and d["count"] < 0:
            raise RunnerError("NetNamespace %s: count: %d: must be >= 0" % (d["name"], d["count"]))
        d["pin_to"] = _pin_map(d)
        if d.get("convert") and d["state"] != "present":
            raise RunnerError("NetNamespace %s: convert: true needs state=present" % d["name"])
        if d.get("egress_cidrs") is not None and not (d.get("convert") and d["mode"] == "auto"):
            raise RunnerError("NetNamespace %s: egress_cidrs: %r: only with mode=auto and convert=true (the CIDRs the "
                              "nodes get when the namespace goes back to automatic mode)" % (d["name"], d["egress_cidrs"]))
        if d.get("convert") and d["mode"] == "auto" and (not d.get("egress_cidrs") or not d.get("nodes")):
            raise RunnerError("NetNamespace %s: convert to automatic mode needs egress_cidrs and nodes (the HostSubnets "
                              "that get them)" % d["name"])
    names = [d["name"] for d in items]
    if len(set(names)) != len(names):
        raise RunnerError("netnamespaces: each NetNamespace may appear once, got %s" % names)
    return items


def _pin_map(d):
    """egress_ips as a mapping address -> node (manual mode): which node pins which address.
    Turns d["egress_ips"] into the list of addresses; returns the mapping (or {})."""
    ips = d.get("egress_ips")
    if not isinstance(ips, dict):
        if ips is not None and (not isinstance(ips, list) or not all(isinstance(ip, str) for ip in ips)):
            raise RunnerError("NetNamespace %s: egress_ips: %r: must be a list of addresses, or a mapping address -> "
                              "node in manual mode" % (d["name"], ips))
        return {}
    if d["mode"] != "manual":
        raise RunnerError("NetNamespace %s: egress_ips: %r: a mapping address -> node is for mode=manual (in automatic "
                          "mode the SDN chooses the node)" % (d["name"], ips))
    bad = [(ip, node) for ip, node in ips.items() if not isinstance(node, str) or not node]
    if bad:
        raise RunnerError("NetNamespace %s: egress_ips: %r: each address needs a node name" % (d["name"], bad))
    d["egress_ips"] = list(ips)
    return dict(ips)


def convert_mode(state, d):
    """convert: true. To manual: the nodes that will pin the namespace's addresses (``nodes``,
    else the nodes of the address -> node mapping, else the nodes whose egressCIDRs hold its
    addresses) lose their egressCIDRs, and the addresses the SDN had placed there for other
    namespaces (the SDN master moves those, or validation says they have nowhere to go). To
    auto: the namespace's pins go and ``nodes`` get ``egress_cidrs``. Validation of the whole
    result decides, as for any other change."""
    name = d["name"]
    ips = list(state.namespaces[name].egress_ips)
    for node in d.get("nodes") or []:
        if node not in state.nodes:
            raise RunnerError('nodes: HostSubnet "%s" not found' % node)
    if d["mode"] == "manual":
        targets = list(d.get("nodes") or []) or sorted(set(d["pin_to"].values()))
        if not targets:
            targets = sorted(n.name for n in state.nodes.values() if n.egress_cidrs
                             and any(_in_network(ip, c) for ip in ips for c in n.egress_cidrs))
        for node in targets:
            if node not in state.nodes:
                raise RunnerError('egress_ips: HostSubnet "%s" not found' % node)
            info = state.nodes[node]
            if info.egress_cidrs:
                state.set_node_egress(node, egress_cidrs=[], egress_ips=[ip for ip in info.egress_ips if ip in ips])
        return targets
    for node in state.nodes.values():
        mine = [ip for ip in node.egress_ips if ip in ips]
        if mine and not node.egress_cidrs:
            state.set_node_egress(node.name, egress_ips=[ip for ip in node.egress_ips if ip not in mine])
    for node in d["nodes"]:
        current = state.nodes[node].egress_cidrs
        state.set_node_egress(node, egress_cidrs=current + [c for c in d["egress_cidrs"] if c not in current])
    return list(d["nodes"])


def pin_to_nodes(state, namespace, pin_to):
    """Pin each address to the node the user chose (and nowhere else by hand)."""
    for ip, node in pin_to.items():
        if node not in state.nodes:
            raise RunnerError('egress_ips: %s: HostSubnet "%s" not found' % (ip, node))
        for other in list(state.nodes.values()):
            if other.name != node and ip in other.egress_ips and not other.egress_cidrs:
                state.set_node_egress(other.name, egress_ips=[x for x in other.egress_ips if x != ip])
        target = state.nodes[node]
        if ip not in target.egress_ips:
            state.set_node_egress(node, egress_ips=list(target.egress_ips) + [ip])


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


def remove_listed(state, name, ips):
    """state=absent with egress_ips: remove exactly these addresses from the namespace (and
    unpin them from nodes without egressCIDRs, unless another namespace uses them); an address
    the namespace does not have is refused, so a typo cannot pass as done."""
    current = list(state.namespaces[name].egress_ips)
    listed = [ip.strip() if isinstance(ip, str) else ip for ip in ips]
    missing = [ip for ip in listed if ip not in current]
    if missing:
        raise RunnerError("NetNamespace %s: state=absent with egress_ips %s: not egress IPs of the namespace (it has %s); "
                          "nothing was written" % (name, missing, current))
    state.set_namespace_egress(name, [ip for ip in current if ip not in listed])
    used = set()
    for ns in state.namespaces.values():
        used.update(ns.egress_ips)
    for node in list(state.nodes.values()):
        drop = [ip for ip in node.egress_ips if ip in listed and ip not in used]
        if drop and not node.egress_cidrs:
            state.set_node_egress(node.name, egress_ips=[ip for ip in node.egress_ips if ip not in drop])


def unpin_own_orphans(state, names, owners):
    """Pins no namespace uses whose owner annotation names one of ``names`` (left by a run killed
    between the pins and the NetNamespace, or whose rollback failed): unpinned in memory, so the
    same request reuses those addresses (pinned again where it needs them) or they go. Returns
    {ip: namespace} of the orphans found. Other orphans stay, reported as IP_UNUSED findings."""
    used = set()
    for ns in state.namespaces.values():
        used.update(ns.egress_ips)
    found = {}
    for node in list(state.nodes.values()):
        mine = [ip for ip in node.egress_ips if ip not in used and owners.get(ip) in names]
        if mine and not node.egress_cidrs:
            for ip in mine:
                found[ip] = owners[ip]
            state.set_node_egress(node.name, egress_ips=[ip for ip in node.egress_ips if ip not in mine])
    return found


def unpin_all_orphans(state, owners):
    """release_orphans: every pin (on a node without egressCIDRs) that no namespace uses goes,
    whoever left it; {ip: owner namespace or ""} for the quarantine record."""
    used = set()
    for ns in state.namespaces.values():
        used.update(ns.egress_ips)
    found = {}
    for node in list(state.nodes.values()):
        stale = [ip for ip in node.egress_ips if ip not in used]
        if stale and not node.egress_cidrs:
            for ip in stale:
                found[ip] = owners.get(ip) or ""
            state.set_node_egress(node.name, egress_ips=[ip for ip in node.egress_ips if ip not in stale])
    return found


def netnamespace_mutation(params):
    items = netnamespace_items(params)
    names = [d["name"] for d in items]
    notes = [empty_batch_note("netnamespaces")] if params.get("netnamespaces") == [] else []

    def mutate(state, context=None):
        control_plane = (context or {}).get("control_plane") or set()
        # a deleted namespace may still be released: its leftover pins go (release.yml)
        gone = [d["name"] for d in items if d["name"] not in state.namespaces and d["state"] == "absent"]
        for d in items:
            if d["name"] not in state.namespaces and d["name"] not in gone:
                raise RunnerError('NetNamespace "%s" not found' % d["name"])
        owners = (context or {}).get("pin_owners") or {}
        orphans = unpin_own_orphans(state, names, owners)
        if params.get("release_orphans"):
            orphans.update(unpin_all_orphans(state, owners))
        live = [n for n in names if n not in gone]
        items_live = [d for d in items if d["name"] not in gone]
        before = dict((n, list(state.namespaces[n].egress_ips)) for n in live)
        # 1. releases: the listed addresses only, or all of them
        for d in items_live:
            if d["state"] == "absent" and d.get("egress_ips") is not None:
                remove_listed(state, d["name"], d["egress_ips"])
        absent = [d["name"] for d in items_live if d["state"] == "absent" and d.get("egress_ips") is None]
        if absent:
            plan = core_allocate.release(state, absent)
            state = plan.state
        # 2. mode conversions (auto <-> manual), then explicit addresses
        converted = {}
        for d in items_live:
            if d.get("convert"):
                converted[d["name"]] = convert_mode(state, d)
        for d in items_live:
            if d["state"] != "present" or d["egress_ips"] is None:
                continue
            current = state.namespaces[d["name"]].egress_ips
            ips = keep_order(current, d["egress_ips"])
            state.set_namespace_egress(d["name"], ips)
            if d["mode"] == "manual":
                pin_to_nodes(state, d["name"], d["pin_to"])
                pin_manual(state, d["name"], before[d["name"]], ips, d.get("nodes") or converted.get(d["name"]),
                           control_plane)
        # 3. allocations
        requests = []
        for d in items_live:
            if d["state"] == "present" and d["count"] is not None:
                requests.append(core_allocate.Request(d["name"], count=d["count"], pool=d.get("pool") or None,
                                                      nodes=d.get("nodes") or None, mode=d["mode"]))
        skipped = []
        if requests:
            try:
                plan = allocate_held(core_allocate.allocate, state, requests, context)
            except core_allocate.AllocationError as exc:
                hint = (" (convert: true takes the namespace from automatic to manual mode, clearing the nodes' "
                        "egressCIDRs)" if "has egressCIDRs" in str(exc) else "")
                raise RunnerError("cannot allocate: %s%s" % (exc, hint), findings=[f.to_dict() for f in exc.findings])
            state = plan.state
            skipped = plan.skipped
        refuse_held(state, before, context)
        pins = _pins(state)
        namespaces = {}
        for n in live:
            ips = list(state.namespaces[n].egress_ips)
            namespaces[n] = dict(egress_ips=ips, nodes=dict((ip, (pins.get(ip) or [None])[0]) for ip in ips))
        for n in gone:
            namespaces[n] = dict(egress_ips=[], nodes={}, deleted=True)
        result = dict(namespaces=namespaces, skipped_addresses=skipped, orphans_released=orphans)
        if converted:
            result["converted"] = converted
        if len(names) == 1 and not params.get("netnamespaces"):
            result["egress_ips"] = namespaces[names[0]]["egress_ips"]
            result["assignments"] = namespaces[names[0]]["nodes"]
        return Mutation(state, named=[ref("NetNamespace", n) for n in names], result=result,
                        plan=dict(namespaces=namespaces), notes=notes)
    return mutate
