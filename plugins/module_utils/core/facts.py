# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only summaries of the egress IP set-up: facts and ``oc get`` style tables."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

from ansible_collections.ocp.egressip.plugins.module_utils.core.addresses import InputError
from ansible_collections.ocp.egressip.plugins.module_utils.core.text import printable

try:
    import netaddr
    HAS_NETADDR = True
except ImportError:
    HAS_NETADDR = False


# -- tables exactly as `oc get hostsubnets` / `oc get netnamespaces` print them -------------
# oc prints with Go's tabwriter(minwidth=6, tabwidth=4, padding=3, padchar=' ', flags=0);
# the last column is not padded.

def cell(value):
    """One table cell from whatever the API object holds (a corrupt object must still print:
    a number or a mapping where a string belongs is shown as JSON, not a crash)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return printable(value)
    return printable(json.dumps(value, sort_keys=True, default=str))


def go_list(values):
    # HostSubnet and NetNamespace are CRDs whose printer columns are JSONPaths: an unset field
    # prints as an empty cell, a list (even an empty one) as Go prints it, "[a b]" or "[]".
    if values is None:
        return ""
    if not isinstance(values, list):
        return cell(values)
    return "[%s]" % " ".join(cell(v) for v in values)


def name_of(obj):
    """metadata.name as text, for sorting and printing (a corrupt object has anything there)."""
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    return cell((meta if isinstance(meta, dict) else {}).get("name"))


def tabwrite(rows, minwidth=6, padding=3):
    if not rows:
        return []
    ncols = max(len(r) for r in rows)
    widths = []
    rows = [[text if isinstance(text, str) else cell(text) for text in r] for r in rows]
    for col in range(ncols - 1):
        width = max(len(r[col]) if col < len(r) else 0 for r in rows) + padding
        widths.append(max(width, minwidth))
    lines = []
    for r in rows:
        cells = []
        for col, text in enumerate(r):
            cells.append(text.ljust(widths[col]) if col < ncols - 1 else text)
        lines.append("".join(cells))
    return lines


def hostsubnet_table(hostsubnets):
    rows = [["NAME", "HOST", "HOST IP", "SUBNET", "EGRESS CIDRS", "EGRESS IPS"]]
    for hs in sorted(hostsubnets, key=name_of):
        rows.append([name_of(hs), cell(hs.get("host", "")), cell(hs.get("hostIP", "")), cell(hs.get("subnet", "")),
                     go_list(hs.get("egressCIDRs")), go_list(hs.get("egressIPs"))])
    return tabwrite(rows)


def netnamespace_table(netnamespaces):
    rows = [["NAME", "NETID", "EGRESS IPS"]]
    for nn in sorted(netnamespaces, key=name_of):
        rows.append([name_of(nn), cell(nn.get("netid")), go_list(nn.get("egressIPs"))])
    return tabwrite(rows)


# -- facts -------------------------------------------------------------------------------

def node_ready(node_obj):
    for cond in (node_obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return None


def _usable(net):
    """First and last assignable address (network/broadcast excluded below /31)."""
    if net.version == 4 and net.prefixlen >= 31 or net.version == 6 and net.prefixlen >= 127:
        return net.first, net.last
    return net.first + 1, net.last - 1


def capacity(state, hostsubnets):
    """Free capacity per egress CIDR and per node."""
    in_use = set()
    for ns in state.namespaces.values():
        in_use.update(ns.egress_ips or [])
    excluded = set(state.reserved or [])
    if state.gateway:
        excluded.add(state.gateway)
    excluded.update(getattr(state, "gateways", ()))
    for node in state.nodes.values():
        if node.host_ip:
            excluded.add(node.host_ip)
    cidrs = {}
    for node in sorted(state.nodes.values(), key=lambda n: n.name):
        for cidr in node.egress_cidrs or []:
            entry = cidrs.setdefault(cidr, {"nodes": []})
            entry["nodes"].append(node.name)
    for cidr, entry in cidrs.items():
        try:
            net = netaddr.IPNetwork(cidr)
        except (netaddr.AddrFormatError, ValueError, TypeError):
            entry.update(size=None, used=None, free=None, error="not a CIDR")
            continue
        first, last = _usable(net)
        size = max(0, last - first + 1)
        blocked = set()
        for ip in excluded:
            try:
                value = int(netaddr.IPAddress(ip))
            except (netaddr.AddrFormatError, ValueError, TypeError):
                continue
            if first <= value <= last:
                blocked.add(value)
        used = set()
        for ip in in_use:
            try:
                value = int(netaddr.IPAddress(ip))
            except (netaddr.AddrFormatError, ValueError, TypeError):
                continue
            if first <= value <= last and value not in blocked:
                used.add(value)
        usable = size - len(blocked)
        entry.update(size=usable, used=len(used), free=usable - len(used))
    nodes = {}
    for node in sorted(state.nodes.values(), key=lambda n: n.name):
        assigned = len(node.egress_ips or [])
        cap = getattr(node, "capacity", None)
        nodes[node.name] = dict(
            egress_cidrs=list(node.egress_cidrs or []),
            assigned=assigned,
            capacity=cap,
            free=(cap - assigned) if cap is not None else None,
            free_in_cidrs=sum(cidrs[c]["free"] or 0 for c in node.egress_cidrs or [] if c in cidrs),
        )
    return dict(cidrs=cidrs, nodes=nodes)


def gather(network_type, raw, state, findings):
    hostsubnets = list(raw.get("HostSubnet", {}).values())
    netnamespaces = list(raw.get("NetNamespace", {}).values())
    node_objs = raw.get("Node", {})
    nodes = []
    for hs in sorted(hostsubnets, key=lambda o: o["metadata"]["name"]):
        name = hs["metadata"]["name"]
        core_node = state.nodes.get(name)
        # as openshift-sdn (and the core): only a Ready condition False/Unknown is not ready
        ready = core_node.ready if core_node is not None else node_ready(node_objs.get(name, {}))
        nodes.append(dict(
            name=name, host=hs.get("host", ""), host_ip=hs.get("hostIP", ""), subnet=hs.get("subnet", ""),
            egress_cidrs=list(hs.get("egressCIDRs") or []), egress_ips=list(hs.get("egressIPs") or []),
            ready=ready,
            network=getattr(core_node, "network", None), interface=getattr(core_node, "interface", None),
            capacity=getattr(core_node, "capacity", None)))
    namespaces = []
    for nn in sorted(netnamespaces, key=lambda o: o["metadata"]["name"]):
        namespaces.append(dict(name=nn["metadata"]["name"], netid=nn.get("netid"),
                               egress_ips=list(nn.get("egressIPs") or [])))
    assignments = {}
    for ns in namespaces:
        for ip in ns["egress_ips"]:
            assignments.setdefault(ip, {"namespace": None, "node": None, "nodes": []})
            assignments[ip]["namespace"] = ns["name"]
    for node in nodes:
        for ip in node["egress_ips"]:
            entry = assignments.setdefault(ip, {"namespace": None, "node": None, "nodes": []})
            entry["nodes"].append(node["name"])
            entry["node"] = entry["node"] or node["name"]
    mode = "none"
    if any(n["egress_cidrs"] for n in nodes):
        mode = "auto"
    if any(n["egress_ips"] for n in nodes) and not any(n["egress_cidrs"] for n in nodes):
        mode = "manual"
    if any(n["egress_cidrs"] for n in nodes) and any(n["egress_ips"] and not n["egress_cidrs"] for n in nodes):
        mode = "mixed"
    return dict(
        network_type=network_type,
        mode=mode,
        nodes=nodes,
        namespaces=namespaces,
        assignments=assignments,
        capacity=capacity(state, hostsubnets),
        findings=[f.to_dict() for f in findings],
    )


# -- orphans the cluster cannot see -------------------------------------------------------

def _record_namespaces(record, cluster_id):
    """{namespace: [IPs]} of this cluster in a target's firewall record: the ownership record of
    role egressip_firewall (owners.json: {"format": 2, "entries": {"<cluster>/<namespace>":
    {"cluster", "namespace", "addresses": {IP: since}}}}; entries of other clusters are theirs)
    or the {namespace: [IPs]} of earlier versions (namespaces.json)."""
    if not isinstance(record, dict) or not isinstance(record.get("entries"), dict):
        return record
    out = {}
    for entry in record["entries"].values():
        if not isinstance(entry, dict) or not entry.get("namespace"):
            continue
        if entry.get("cluster") not in (None, "", cluster_id):
            continue
        out[entry["namespace"]] = sorted(entry.get("addresses") or {})
    return out


def check_records(records):
    """Refuse a malformed ``firewall_records`` input, naming the field and the value (a record is
    read from a target by the role, but a user may also pass one by hand)."""
    if not isinstance(records, dict):
        raise InputError("firewall_records", records, "expected {target: record}")
    for host, record in records.items():
        field = "firewall_records.%s" % host
        if not isinstance(record, dict):
            raise InputError(field, record, "expected a record: owners.json or {namespace: [IPs]}")
        if "entries" in record:     # owners.json (format 2)
            if not isinstance(record["entries"], dict):
                raise InputError(field + ".entries", record["entries"], "expected {<cluster>/<namespace>: entry}")
            for key, entry in record["entries"].items():
                where = "%s.entries.%s" % (field, key)
                if not isinstance(entry, dict) or not isinstance(entry.get("namespace"), str) or \
                        not isinstance(entry.get("addresses") or {}, (dict, list)):
                    raise InputError(where, entry, "expected {namespace: name, cluster: id, addresses: {IP: since}}")
                _check_addresses(where + ".addresses", list(entry.get("addresses") or []))
            continue
        for name, ips in record.items():   # namespaces.json (format 1)
            if ips is not None and not isinstance(ips, list):
                raise InputError("%s.%s" % (field, name), ips, "expected a list of IP addresses")
            _check_addresses("%s.%s" % (field, name), ips or [])


def _check_addresses(field, ips):
    for ip in ips:
        if not isinstance(ip, str):
            raise InputError(field, ip, "expected an IP address (a string)")


def record_findings(data, records):
    """Findings for firewall records (role egressip: {namespace: [IPs]} per target host) that
    name a namespace the cluster does not have, or an address the namespace no longer has: the
    firewall still lets that address through. ``data``: the facts (either network type; on
    OVN-Kubernetes an EgressIP ``egressip-<namespace>`` stands for the namespace)."""
    records = dict((host, _record_namespaces(record, data.get("cluster_id")))
                   for host, record in (records or {}).items())
    have = {}
    for ns in data.get("namespaces") or []:
        have[ns["name"]] = set(ns.get("egress_ips") or [])
    out = []
    for host in sorted(records or {}):
        record = records[host] or {}
        if not isinstance(record, dict):
            continue
        for name in sorted(record):
            ips = have.get(name, have.get("egressip-" + name))
            where = "firewall record on %s" % host
            if ips is None:
                out.append(dict(code="FIREWALL_RECORD_NO_NAMESPACE", severity="warning", blocking=False,
                                objects=["Target/%s" % host],
                                message="%s names namespace %s, which the cluster does not have: the firewall still "
                                        "allows %s (release.yml -e egressip_namespace_name=%s)"
                                        % (where, name, ", ".join(record[name] or []) or "nothing", name)))
                continue
            stale = sorted(set(record[name] or []) - ips)
            if stale:
                out.append(dict(code="FIREWALL_RECORD_STALE_IP", severity="warning", blocking=False,
                                objects=["Target/%s" % host],
                                message="%s allows %s for namespace %s, which no longer has it (firewall.yml "
                                        "-e egressip_namespace_name=%s)" % (where, ", ".join(stale), name, name)))
    return out


# -- what a task asked for: a summary by default, objects on request ---------------------

def counts(data):
    """Sizes of the set-up, so that the default result stays small on any cluster."""
    nodes = data.get("nodes") or []
    namespaces = data.get("namespaces") or []
    assignments = data.get("assignments") or {}
    findings = data.get("findings") or []
    return dict(
        nodes=len(nodes),
        nodes_ready=sum(1 for n in nodes if n.get("ready") is not False),
        egress_nodes=sum(1 for n in nodes if n.get("egress_cidrs") or n.get("egress_ips")),
        namespaces=len(namespaces),
        namespaces_with_egress_ips=sum(1 for n in namespaces if n.get("egress_ips")),
        egress_ips=len(assignments),
        egress_ips_on_a_node=sum(1 for a in assignments.values() if a.get("node")),
        errors=sum(1 for f in findings if f.get("severity") == "error"),
        warnings=sum(1 for f in findings if f.get("severity") == "warning"),
    )


def _labels_match(labels, wanted):
    return all(labels.get(k) == (None if v is None else str(v)) for k, v in wanted.items())


def _selected_namespace(entry):
    """OVN-Kubernetes: the namespace an EgressIP object selects by name, if it does."""
    selector = entry.get("namespace_selector") or {}
    return (selector.get("matchLabels") or {}).get("kubernetes.io/metadata.name")


def select(data, details=False, namespaces=None, nodes=None, node_labels=None, node_objects=None):
    """The result egressip_facts returns: counts, capacity and findings always; per kind, the
    objects a filter names (``namespaces``; ``nodes`` and/or ``node_labels`` matched against the
    Node objects' labels), else all of them with ``details``, else none; the assignments of the
    addresses those objects carry (all with ``details`` and no filter).  ``data`` is gather()'s
    (or the OVN equivalent's) full facts; it is not modified."""
    out = dict((k, v) for k, v in data.items() if k not in ("nodes", "namespaces", "assignments"))
    out["counts"] = counts(data)
    node_filter = nodes is not None or bool(node_labels)
    if node_filter:
        wanted = set(nodes) if nodes is not None else None
        node_objects = node_objects or {}
        picked = []
        for n in data.get("nodes") or []:
            if wanted is not None and n["name"] not in wanted:
                continue
            labels = ((node_objects.get(n["name"]) or {}).get("metadata") or {}).get("labels") or {}
            if node_labels and not _labels_match(labels, node_labels):
                continue
            picked.append(n)
        out["nodes"] = picked
    else:
        out["nodes"] = list(data.get("nodes") or []) if details else []
    if namespaces is not None:
        wanted = set(namespaces)
        out["namespaces"] = [n for n in data.get("namespaces") or []
                             if n["name"] in wanted or _selected_namespace(n) in wanted]
    else:
        out["namespaces"] = list(data.get("namespaces") or []) if details else []
    assignments = data.get("assignments") or {}
    if details and not node_filter and namespaces is None:
        out["assignments"] = dict(assignments)
    else:
        ips = set()
        for n in out["nodes"] + out["namespaces"]:
            ips.update(n.get("egress_ips") or [])
        out["assignments"] = dict((ip, a) for ip, a in assignments.items() if ip in ips)
    capacity = data.get("capacity") or {}
    if "nodes" in capacity and not (details and not node_filter):
        # per-node capacity follows the node list (the per-CIDR figures are always there)
        names = set(n["name"] for n in out["nodes"])
        capacity = dict(capacity, nodes=dict((k, v) for k, v in capacity["nodes"].items() if k in names))
    out["capacity"] = capacity
    return out
