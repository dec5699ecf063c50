# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the OVN-Kubernetes cluster manager will do with the EgressIP objects (pure: no ansible,
no kubernetes imports), both address families.

Read against ovn-org/ovn-kubernetes commit 6c366bb49d6fa57c80d6b39834952ce1d4d9dbb6 (2024-12-20):
  EIPC = go-controller/pkg/clustermanager/egressip_controller.go
  EH   = go-controller/pkg/clustermanager/egressip_event_handler.go
  NA   = go-controller/pkg/util/node_annotations.go
Each rule below cites the lines that implement it.

The model replays one reconcile pass (EIPC:867 reconcileEgressIP) per EgressIP object, in
creation order, starting from the allocator cache the controller holds (every status item on an
egress-eligible node, EIPC:857 addAllocatorEgressIPAssignments; a node that stops being
assignable, Ready or reachable loses its allocations, EIPC:502-514, 644-669).  Where the
controller's choice is not determined (Go map iteration order of the addresses to assign,
EIPC:1005 ipsToAssign.UnsortedList(); sort.Slice is not stable, EIPC:491) the model takes the
spec order and the node name as tie-breakers and says so.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.ocp.egressip.plugins.module_utils.core.addresses import (
    IPV4, IPV6, canonical_ips, interface_network, ip_object, longest_match, network_holds,
)

LABEL = "k8s.ovn.org/egress-assignable"
IFADDR_ANNOTATION = "k8s.ovn.org/node-primary-ifaddr"
HOST_CIDRS_ANNOTATION = "k8s.ovn.org/host-cidrs"
CLOUD_ANNOTATION = "cloud.network.openshift.io/egress-ipconfig"
# util/ovn.go:12-17 PlatformTypeIsEgressIPCloudProvider
CLOUD_PLATFORMS = frozenset(["AWS", "GCP", "Azure", "OpenStack"])


def is_cloud(platform):
    return platform in CLOUD_PLATFORMS


def go_global_unicast(addr):
    """Go's net/netip IsGlobalUnicast: not unspecified, loopback, multicast, link-local, or the
    IPv4 limited broadcast (private ranges count as global unicast in Go, unlike Python's is_global)."""
    if addr.is_unspecified or addr.is_loopback or addr.is_multicast or addr.is_link_local:
        return False
    return not (addr.version == IPV4 and str(addr) == "255.255.255.255")


class EgressNode(object):
    """One Node as the cluster manager's allocator sees it."""

    def __init__(self, name):
        self.name = name
        self.labelled = False
        self.ready = False
        self.reachable = True
        self.config_error = None   # why the node is not in the allocator cache
        self.nets = {}             # family -> primary (OVN) network, ipaddress object
        self.node_ips = {}         # family -> node IP
        self.capacity = dict(ip=None, ipv4=None, ipv6=None)   # None = unlimited
        self.host_addrs = None     # set of canonical host-cidrs addresses; None = unparsable/absent
        self.host_cidrs_error = None
        self.secondary = []        # secondary host networks (global unicast), ipaddress networks
        self.secondary_error = None

    @property
    def in_cache(self):
        return self.config_error is None

    @property
    def eligible(self):
        # EIPC:484 getSortedEgressData: isEgressAssignable && isReady && isReachable (and in the cache)
        return self.in_cache and self.labelled and self.ready and self.reachable

    def ovn_network(self, addr):
        # NA:1256-1265 IsOVNNetwork: the primary network of the address's family
        net = self.nets.get(addr.version)
        return net if network_holds(net, addr) else None

    def secondary_network(self, addr, cloud):
        # NA:1268-1294 GetSecondaryHostNetworkContainingIP (longest prefix, same family, global
        # unicast networks only); NA:1245-1247 never on cloud platforms
        if cloud or self.secondary_error:
            return None
        return longest_match(self.secondary, addr)

    def egress_network(self, addr, cloud):
        # NA:1236-1254 GetEgressIPNetwork: the OVN network first, then secondary host networks
        return self.ovn_network(addr) or self.secondary_network(addr, cloud)

    def has_room(self, allocations, addr):
        # EIPC:1300-1317: capacity "ip" counts every allocation, "ipv4"/"ipv6" those of the family;
        # absent = UnlimitedNodeCapacity (NA:741, 962-968); 0 = no room
        cap = self.capacity
        if cap["ip"] is not None and cap["ip"] - len(allocations) <= 0:
            return False
        fam = "ipv4" if addr.version == IPV4 else "ipv6"
        if cap[fam] is not None:
            used = sum(1 for ip in allocations if ip_object(ip).version == addr.version)
            if cap[fam] - used <= 0:
                return False
        return True


def _annotations(obj):
    value = (obj.get("metadata") or {}).get("annotations")
    return value if isinstance(value, dict) else {}


def _json(raw):
    try:
        return json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def _ifaddr(annotations):
    """NA:772-785 GetNodeIfAddrAnnotation + NA:1025-1047 parseNodeEgressIPConfig:
    {"ipv4": "A/N", "ipv6": "B/M"}, at least one, each an interface address."""
    data = _json(annotations.get(IFADDR_ANNOTATION))
    if IFADDR_ANNOTATION not in annotations:
        return None, "annotation %s not found" % IFADDR_ANNOTATION
    if not isinstance(data, dict) or not (data.get("ipv4") or data.get("ipv6")):
        return None, "annotation %s has no IP information" % IFADDR_ANNOTATION
    out = {}
    for key, fam in (("ipv4", IPV4), ("ipv6", IPV6)):
        if data.get(key):
            parsed = interface_network(data[key])
            if parsed is None or parsed[0].version != fam:
                return None, "annotation %s %s: %r is not an %s interface address" % (
                    IFADDR_ANNOTATION, key, data[key], "IPv4" if fam == IPV4 else "IPv6")
            out[fam] = parsed
    return out, None


def _cloud_config(annotations):
    """NA:967-1021 ParseCloudEgressIPConfig: the first entry of the JSON list; capacity keys
    absent stay UnlimitedNodeCapacity, present ones (0 included) count."""
    if CLOUD_ANNOTATION not in annotations:
        return None, "annotation %s not found" % CLOUD_ANNOTATION
    data = _json(annotations[CLOUD_ANNOTATION])
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        return None, "annotation %s is not a JSON list of interface configurations" % CLOUD_ANNOTATION
    first = data[0]
    ifaddr, cap = first.get("ifaddr") or {}, first.get("capacity") or {}
    if not isinstance(ifaddr, dict) or not isinstance(cap, dict):
        return None, "annotation %s: ifaddr and capacity must be objects" % CLOUD_ANNOTATION
    nets = {}
    for key, fam in (("ipv4", IPV4), ("ipv6", IPV6)):
        if ifaddr.get(key):
            parsed = interface_network(ifaddr[key])
            if parsed is None or parsed[0].version != fam:
                return None, "annotation %s ifaddr.%s: %r is not a network" % (CLOUD_ANNOTATION, key, ifaddr[key])
            nets[fam] = parsed[1]
    capacity = {}
    for key in ("ip", "ipv4", "ipv6"):
        if key in cap:
            if not isinstance(cap[key], int) or isinstance(cap[key], bool):
                return None, "annotation %s capacity.%s: %r is not an integer" % (CLOUD_ANNOTATION, key, cap[key])
            capacity[key] = cap[key]
    return (nets, capacity), None


def _host_cidrs(annotations, ifaddr_raw):
    """NA:1108-1131 ParseNodeHostCIDRsDropNetMask (every address, mask dropped) and
    NA:1140-1156 ParseNodeHostCIDRsExcludeOVNNetworks (the list minus the node-primary-ifaddr
    strings) -> (addresses, secondary networks, error)."""
    if HOST_CIDRS_ANNOTATION not in annotations:
        return None, [], "annotation %s not found" % HOST_CIDRS_ANNOTATION
    data = _json(annotations[HOST_CIDRS_ANNOTATION])
    if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
        return None, [], "annotation %s is not a JSON list of CIDR strings" % HOST_CIDRS_ANNOTATION
    addrs, nets = set(), []
    primary = set(v for v in (ifaddr_raw or {}).values() if isinstance(v, str))
    for text in data:
        parsed = interface_network(text)
        if parsed is None:
            return None, [], "annotation %s: %r is not a CIDR" % (HOST_CIDRS_ANNOTATION, text)
        addrs.add(str(parsed[0]))
        # NA:1284-1288: only networks whose (unmasked) address is global unicast
        if text not in primary and go_global_unicast(parsed[0]):
            nets.append(parsed[1])
    return addrs, nets, None


def _ready(obj):
    # EIPC:516-523 isEgressNodeReady: the Ready condition must be "True"; none = not ready
    status = obj.get("status") if isinstance(obj.get("status"), dict) else {}
    conditions = status.get("conditions") if isinstance(status.get("conditions"), list) else []
    for cond in conditions:
        if isinstance(cond, dict) and cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def egress_node(obj, cloud, unreachable=()):
    """EgressNode from a Node object (EH:30-64 AddResource, EIPC:799-829 initEgressIPAllocator)."""
    meta = obj.get("metadata") or {}
    node = EgressNode(meta.get("name"))
    labels = meta.get("labels") if isinstance(meta.get("labels"), dict) else {}
    node.labelled = LABEL in labels
    node.ready = _ready(obj)
    node.reachable = node.name not in set(unreachable or ())
    ann = _annotations(obj)
    ifaddr, err = _ifaddr(ann)
    if ifaddr is not None:
        node.node_ips = dict((fam, parsed[0]) for fam, parsed in ifaddr.items())
    if cloud:
        # NA:954-966 GetNodeEIPConfig: the cloud annotation on cloud platforms, and the node IPs
        # from node-primary-ifaddr (NA:994-1015)
        cfg, cloud_err = _cloud_config(ann)
        if cloud_err or err:
            node.config_error = cloud_err or err
        else:
            node.nets, caps = cfg
            node.capacity.update(caps)
    elif err:
        node.config_error = err
    else:
        # NA:787-807 ParseNodePrimaryIfAddr: primary networks, unlimited capacity
        node.nets = dict((fam, parsed[1]) for fam, parsed in ifaddr.items())
    raw = _json(ann.get(IFADDR_ANNOTATION)) if IFADDR_ANNOTATION in ann else None
    node.host_addrs, node.secondary, node.host_cidrs_error = _host_cidrs(ann, raw if isinstance(raw, dict) else None)
    if ifaddr is None:
        node.secondary_error = err      # NA:1144-1147 needs node-primary-ifaddr too
    return node


class Result(object):
    """What the controller does with one EgressIP object."""

    def __init__(self, name):
        self.name = name
        self.spec = []          # canonical spec addresses, spec order
        self.invalid = []       # spec entries that do not parse (the whole object is rejected)
        self.kept = []          # (ip, node) status items the controller keeps
        self.added = []         # (ip, node) the controller will add
        self.stale = []         # (ip, node, reason) status items it will remove
        self.pending = []       # (ip, reason, detail) in the spec, on no node after the pass
        self.conflicts = []     # (ip, kind, detail) kind: "host" | "taken" | "host_cidrs"

    @property
    def items(self):
        return list(self.kept) + list(self.added)

    def to_dict(self):
        return dict(
            name=self.name, spec=list(self.spec), invalid=list(self.invalid),
            assigned=dict(self.items), kept=dict(self.kept), added=dict(self.added),
            stale=[dict(ip=ip, node=node, reason=reason) for ip, node, reason in self.stale],
            pending=[dict(ip=ip, reason=reason, detail=detail) for ip, reason, detail in self.pending],
            conflicts=[dict(ip=ip, kind=kind, detail=detail) for ip, kind, detail in self.conflicts])


class View(object):
    """The controller's view of a cluster: nodes, the results per EgressIP, the load per node."""

    def __init__(self, nodes, results, allocations, cloud):
        self.nodes = nodes
        self.results = results
        self.allocations = allocations
        self.cloud = cloud

    def assignments(self):
        """EgressIP -> [(ip, node)] after the pass."""
        return dict((name, r.items) for name, r in self.results.items())

    def load(self):
        """node -> number of egress addresses it holds after the pass (eligible nodes only)."""
        return dict((n, len(self.allocations.get(n, {}))) for n in sorted(self.nodes) if self.nodes[n].eligible)

    def blocked_by(self):
        """Nodes whose host-cidrs cannot be parsed: while one exists no address is assigned
        anywhere (EIPC:1178-1182 -> EIPC:1378-1393 isEgressIPAddrConflict returns an error)."""
        return sorted(n for n, node in self.nodes.items() if node.host_cidrs_error)


def canonical_status(obj):
    """status.items as (ip, node) pairs, identical items once (the controller keys them in a map,
    EIPC:1409 validateEgressIPStatus)."""
    out = []
    for item in (obj.get("status") or {}).get("items") or []:
        if isinstance(item, dict) and isinstance(item.get("egressIP"), str) and isinstance(item.get("node"), str):
            pair = (item["egressIP"], item["node"])
            if pair not in out:
                out.append(pair)
    return out


def simulate(node_objs, eip_objs, order=None, platform=None, unreachable=()):
    """The controller's pass over every EgressIP object (API dicts) -> View."""
    cloud = is_cloud(platform)
    nodes = {}
    for obj in node_objs:
        node = egress_node(obj, cloud, unreachable)
        if node.name:
            nodes[node.name] = node
    eips = dict(((o.get("metadata") or {}).get("name"), o) for o in eip_objs)
    names = [n for n in (order or []) if n in eips] + sorted(n for n in eips if n not in (order or []))
    # the allocator cache: status items on eligible nodes (EIPC:857-865; emptied for nodes that are
    # not assignable/Ready/reachable, EIPC:502-514, 644-669)
    alloc = dict((n, {}) for n, node in nodes.items() if node.eligible)
    for name in names:
        for ip, node in canonical_status(eips[name]):
            if node in alloc:
                alloc[node][ip] = name
    results = {}
    for name in names:
        results[name] = _reconcile(name, eips[name], nodes, alloc, cloud)
    return View(nodes, results, alloc, cloud)


def _reconcile(name, obj, nodes, alloc, cloud):
    """EIPC:867-1085 reconcileEgressIP for one object (bare metal and cloud alike: the status the
    cloud path reaches once CloudPrivateIPConfig confirms)."""
    res = Result(name)
    spec = (obj.get("spec") or {}).get("egressIPs") or []
    res.spec, res.invalid = canonical_ips(spec if isinstance(spec, list) else [spec])
    status = canonical_status(obj)
    if res.invalid:
        # EIPC:911-914 + 1359-1375 validateEgressIPSpec: one unparsable entry fails the whole
        # reconcile; the status is left as it is and nothing is assigned
        res.kept = list(status)
        return res
    wanted = set(res.spec)
    keep, remove = [], []
    per_node = {}
    for _ip, node_name in status:
        per_node[node_name] = per_node.get(node_name, 0) + 1
    for ip, node_name in status:
        reason = _status_invalid(name, ip, node_name, nodes, alloc, cloud, per_node.get(node_name, 0))
        if reason is None and ip not in wanted:
            reason = "not in the spec (EIPC:922-929)"      # raw text compared with the canonical spec
        if reason:
            remove.append((ip, node_name, reason))
        else:
            keep.append((ip, node_name))
    res.kept = keep
    res.stale = remove
    for ip, node_name, _r in remove:       # EIPC:989-994 deleteAllocatorEgressIPAssignments
        if alloc.get(node_name, {}).get(ip) == name:
            del alloc[node_name][ip]
    held = set(ip for ip, _n in keep)
    to_assign = [ip for ip in res.spec if ip not in held]
    # EIPC:960-986: with removals, only addresses being moved are re-assigned in this pass; the
    # status patch triggers the next pass, which assigns the rest.  The model reports the state
    # after those passes.
    if to_assign:
        res.added, res.pending, res.conflicts = _assign(name, to_assign, nodes, alloc, cloud, kept=keep)
    for ip, node_name in res.items:        # EIPC:1002 addAllocatorEgressIPAssignments
        alloc.setdefault(node_name, {})[ip] = name
    return res


def _status_invalid(name, ip, node_name, nodes, alloc, cloud, on_node=0):
    """EIPC:1405-1459 validateEgressIPStatus.  Not re-checked there: capacity, host-cidrs
    conflicts, other objects holding the same address.  ``on_node``: how many items of this
    object's status name the node (the allocator cache may credit a shared address to another
    object, so it cannot count them)."""
    node = nodes.get(node_name)
    if node is None or not node.in_cache:
        return "node %s is not an egress node (EIPC:1412-1414)" % node_name
    if on_node > 1 or sum(1 for holder in alloc.get(node_name, {}).values() if holder == name) > 1:
        return "two addresses of this EgressIP on node %s: both are removed (EIPC:1416-1418)" % node_name
    if not node.labelled:
        return "node %s is not labelled %s (EIPC:1420-1422)" % (node_name, LABEL)
    if not node.reachable:
        return "node %s is not reachable (EIPC:1424-1426)" % node_name
    if not node.ready:
        return "node %s is not Ready (EIPC:1428-1430)" % node_name
    addr = ip_object(ip)
    if addr is None or node.egress_network(addr, cloud) is None:
        return "no network of node %s holds it (EIPC:1439-1449)" % node_name
    return None


def _assign(name, ips, nodes, alloc, cloud, kept=()):
    """EIPC:1157-1345 assignEgressIPs -> (added, pending, conflicts).  ``kept``: the object's
    status items that stay; their nodes hold an address of this object already (the allocator
    cache may name another object for that address when two status lists claim it)."""
    added, pending, conflicts = [], [], []
    # EIPC:480-495 getSortedEgressData: eligible nodes by number of allocations, sorted once per call
    eligible = sorted((n for n in nodes.values() if n.eligible), key=lambda n: (len(alloc.get(n.name, {})), n.name))
    if not eligible:
        # EIPC:1162-1169: "no assignable nodes for EgressIP: %s, please tag at least one node with label: %s"
        for ip in ips:
            pending.append((ip, "no_assignable_nodes", "no assignable nodes for EgressIP: %s, please tag at least one "
                            "node with label: %s (nodes must also be Ready and reachable)" % (name, LABEL)))
        return added, pending, conflicts
    existing = {}
    for node_name, held in alloc.items():
        for ip, holder in held.items():
            existing[ip] = (node_name, holder)
    broken = sorted(n.name for n in nodes.values() if n.host_cidrs_error)
    for idx, ip in enumerate(ips):
        addr = ip_object(ip)
        rest = ips[idx + 1:]
        if broken:
            # EIPC:1178-1181 + 1378-1393: a node whose host-cidrs does not parse fails the check
            conflicts.append((ip, "host_cidrs", "cannot check host addresses: node %s: %s" % (
                broken[0], nodes[broken[0]].host_cidrs_error)))
            _abort(pending, [ip] + rest, "the controller cannot parse host-cidrs of node %s" % broken[0])
            return added, pending, conflicts
        host = sorted(n.name for n in nodes.values() if n.host_addrs and ip in n.host_addrs)
        if host:
            # EIPC:1182-1190: "Egress IP %s with IP %v is conflicting with a host (%s) IP address and will not be assigned"
            conflicts.append((ip, "host", "Egress IP %s with IP %s is conflicting with a host (%s) IP address and "
                              "will not be assigned" % (name, ip, host[0])))
            _abort(pending, [ip] + rest, "conflict with a host address of node %s" % host[0])
            return added, pending, conflicts
        if ip in existing:
            node_name, holder = existing[ip]
            if holder == name:
                # EIPC:1203-1229: already assigned to this object: kept where a network still holds it
                if nodes[node_name].egress_network(addr, cloud) is not None:
                    added.append((ip, node_name))
                else:
                    pending.append((ip, "no_network", "allocated to node %s, which has no network for it" % node_name))
                continue
            # EIPC:1230-1242: "IP: %q for EgressIP: %s is already allocated for EgressIP: %s on %s"
            conflicts.append((ip, "taken", "IP: %s for EgressIP: %s is already allocated for EgressIP: %s on %s" % (
                ip, name, holder, node_name)))
            _abort(pending, [ip] + rest, "address held by EgressIP %s" % holder)
            return added, pending, conflicts
        candidates = eligible
        if not cloud:
            # EIPC:1245-1276: nodes where a secondary host network (not the OVN network) holds the
            # address win over the rest
            secondary = [n for n in eligible if n.ovn_network(addr) is None and n.secondary_network(addr, cloud)]
            if secondary:
                candidates = secondary
        chosen = None
        full = []
        for node in candidates:     # EIPC:1279-1326
            held = alloc.setdefault(node.name, {})
            if any(holder == name for holder in held.values()) or any(n == node.name for _i, n in added) \
                    or any(n == node.name for _i, n in kept):
                continue
            if node.egress_network(addr, cloud) is None:
                continue
            if not node.has_room(held, addr):
                full.append("%s: %d/%s" % (node.name, len(held), _cap_text(node.capacity)))
                continue
            chosen = node
            break
        if chosen is None:
            hosts = [n.name for n in candidates if n.egress_network(addr, cloud) is not None]
            if not hosts:
                pending.append((ip, "no_network", "no egress-assignable, Ready node has a network holding it"))
            elif full:
                pending.append((ip, "capacity", "every node that can host it is at its capacity (%s)" % ", ".join(full)))
            else:
                pending.append((ip, "one_per_node", "every node that can host it already holds an address of "
                                "EgressIP %s (%s)" % (name, ", ".join(hosts))))
            continue
        added.append((ip, chosen.name))
        alloc[chosen.name][ip] = name
    return added, pending, conflicts


def _cap_text(capacity):
    return ", ".join("%s %d" % (k, v) for k, v in sorted(capacity.items()) if v is not None) or "unlimited"


def _abort(pending, ips, why):
    for ip in ips:
        pending.append((ip, "aborted", "the controller stops this EgressIP's pass: %s (it handles the addresses "
                        "in no fixed order, so some of the others may be assigned first)" % why))
