# -*- coding: utf-8 -*-
# Copyright: (c) ocp.egressip contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsed indexes over a ClusterState (private to the core).

RootIndex parses every address once into integers and builds the lookups the
validator and the allocator need (IP -> nodes, IP -> namespaces, CIDR -> nodes,
host IPs, never-use addresses). View is a small overlay for changed
Node/Namespace objects on top of a RootIndex: a plan that touches three
objects costs three objects, not a rebuild of 10,000 namespaces. Both answer
the same questions with the same methods, which is what lets validate.py check
a plan incrementally and prove it equals a full validation.

Only egressIPs may differ between a View and its root. Anything else (CIDRs,
readiness, networks, reserved addresses) drops the cached index instead
(ClusterState.set_node_egress does that), because those fields feed the
static lookups.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import bisect
import contextlib
import gc

from ansible_collections.ocp.egressip.plugins.module_utils.core.addresses import (
    InputError, Runs, cidr_bounds, classify_cidr, classify_ip, int_to_ip, prefix_mask,
)

# A View that grew this big is cheaper to rebuild than to keep overlaying.
MAX_VIEW_OBJECTS = 4096


class NodeInfo(object):
    """A Node with its addresses parsed; bad values collected for findings."""

    __slots__ = ("name", "obj", "host_ip", "network", "cloud", "cidrs", "ips", "ipset", "ready",
                 "assignable", "capacity", "bad", "host_nets")

    def __init__(self, node, cache):
        self.name = node.name
        self.obj = node
        self.bad = []                      # (field, value, reason)
        self.host_ip = _ip(node.host_ip, "hostIP", self.bad, cache)
        self.network = _cidr(node.network, "network", self.bad) if node.network else None
        self.cloud = _cidr(node.cloud_network, "cloud network", self.bad) if node.cloud_network else None
        cidrs = []
        for i, value in enumerate(node.egress_cidrs):
            net = _cidr(value, "egressCIDRs[%d]" % i, self.bad)
            if net is not None and net not in cidrs:
                cidrs.append(net)
        self.cidrs = cidrs
        self.host_nets = [net for net in (_cidr(v, "host_networks", self.bad) for v in node.host_networks)
                          if net is not None]
        self.ips, self.ipset = _ip_list(node.egress_ips, self.bad, cache)
        self.ready = node.ready
        self.assignable = node.assignable
        self.capacity = node.capacity

    @classmethod
    def with_ips(cls, old, node):
        """old's parse with node's egressIPs: a View only ever changes egressIPs, so the
        rest (host IP, networks, CIDRs) is taken over instead of parsed again."""
        info = cls.__new__(cls)
        for slot in cls.__slots__:
            setattr(info, slot, getattr(old, slot))
        info.obj = node
        info.bad = [entry for entry in old.bad if not entry[0].startswith("egressIPs[")]
        info.ips, info.ipset = _ip_list(node.egress_ips, info.bad, _known(old))
        return info

    @property
    def eligible(self):
        """Can take egress IPs now: Ready (openshift-sdn marks others offline) and, for
        OVN, labelled egress-assignable."""
        return self.ready and self.assignable


class NamespaceInfo(object):
    __slots__ = ("name", "obj", "netid", "ips", "ipset", "bad")

    def __init__(self, ns, cache):
        self.name = ns.name
        self.obj = ns
        self.netid = ns.netid
        self.bad = []
        self.ips, self.ipset = _ip_list(ns.egress_ips, self.bad, cache)


def _ip(value, field, bad, cache):
    num = cache.get(value) if isinstance(value, str) else None
    if num is not None:
        return num
    num, reason = classify_ip(value)
    if reason:
        bad.append((field, value, reason))
        return None
    cache[value] = num
    return num


_CIDR_CACHE = {}


def _cidr(value, field, bad):
    # Node networks and egressCIDRs repeat across hundreds of nodes: parse each text once.
    # (Only strings are cached; results are immutable tuples.)
    if value.__class__ is str:
        hit = _CIDR_CACHE.get(value)
        if hit is None:
            hit = _CIDR_CACHE[value] = classify_cidr(value)
            if len(_CIDR_CACHE) > 65536:
                _CIDR_CACHE.clear()
        net, reason = hit
    else:
        net, reason = classify_cidr(value)
    if reason:
        bad.append((field, value, reason))
    return net


def _ip_list(values, bad, cache):
    ips = []
    for i, value in enumerate(values):
        num = cache.get(value) if value.__class__ is str else None
        if num is None:
            num = _ip(value, "egressIPs[%d]" % i, bad, cache)
            if num is None:
                continue
        ips.append(num)
    seen = frozenset(ips)
    if len(seen) != len(ips):          # the SDN keeps sets of IPs: drop repeats, keep order
        unique = []
        for num in ips:
            if num not in unique:
                unique.append(num)
        ips = unique
    return ips, seen


class RootIndex(object):
    """Full index of one state."""

    def __init__(self, state):
        cache = {}
        self.kinds = state.kinds()
        self.root = self
        self.nodes = dict((name, NodeInfo(state.nodes[name], cache)) for name in sorted(state.nodes))
        self.namespaces = dict((name, NamespaceInfo(state.namespaces[name], cache))
                               for name in sorted(state.namespaces))
        self.ip_nodes = _reverse(self.nodes)
        self.ip_namespaces = _reverse(self.namespaces)
        self.host_ips = {}
        self.cidr_map = {}
        self.netaddrs = {}
        for info in self.nodes.values():
            if info.host_ip is not None:
                self.host_ips.setdefault(info.host_ip, []).append(info.name)
            for net in info.cidrs:
                self.cidr_map.setdefault(net, []).append(info.name)
            for net in (info.network, info.cloud):
                # network and broadcast addresses of a host network are never egress IPs
                if net is not None and net[1] <= 30:
                    first, last = cidr_bounds(net)
                    self.netaddrs.setdefault(first, ("network", net))
                    self.netaddrs.setdefault(last, ("broadcast", net))
        self.cidr_plens = sorted(set(net[1] for net in self.cidr_map))
        # egressCIDR -> how many nodes holding it can take IPs now (static for every View)
        self.cidr_ready = dict((net, sum(1 for n in names if self.nodes[n].eligible))
                               for net, names in self.cidr_map.items())
        self.reserved = set(_strict_ip(value, "reserved", cache) for value in state.reserved)
        self.gateway = _strict_ip(state.gateway, "gateway", cache) if state.gateway else None
        self.gateways = set(_strict_ip(value, "gateways", cache) for value in state.gateways)
        if self.gateway is not None:
            self.gateways.add(self.gateway)
        self._static = None
        self._runs = None
        self._unassigned = None
        self.cache = {}        # allocation segments etc., valid as long as this index

    # -- questions shared with View --------------------------------------------
    def node(self, name):
        return self.nodes[name]

    def namespace(self, name):
        return self.namespaces[name]

    def node_names(self):
        return self.nodes.keys()

    def namespace_names(self):
        return self.namespaces.keys()

    def nodes_for_ip(self, ip):
        return self.ip_nodes.get(ip, ())

    def namespaces_for_ip(self, ip):
        return self.ip_namespaces.get(ip, ())

    def all_ips(self):
        return set(self.ip_nodes) | set(self.ip_namespaces)

    def is_used(self, ip):
        return ip in self.ip_nodes or ip in self.ip_namespaces

    def next_free(self, low, high):
        """Smallest address in [low, high] that is neither used nor never-to-use, or None."""
        if self._runs is None:
            self._runs = Runs(self.static_blocked() | set(self.ip_nodes) | set(self.ip_namespaces))
        found = self._runs.next_absent(low)
        return found if found <= high else None

    def overlay_nodes(self):
        """Nodes whose egressIPs differ from the root (none for a root)."""
        return ()

    def unassigned_count(self, first, last):
        """Namespace egress IPs in [first, last] that no node holds yet: in automatic mode the
        SDN master still has to place them."""
        if self._unassigned is None:
            self._unassigned = sorted(ip for ip in self.ip_namespaces if ip not in self.ip_nodes)
        return bisect.bisect_right(self._unassigned, last) - bisect.bisect_left(self._unassigned, first)

    def is_unassigned(self, ip):
        return ip in self.ip_namespaces and ip not in self.ip_nodes

    # -- static lookups (same for every View on this root) ------------------------
    def cidr_nodes(self, ip, max_plen=32):
        """[(cidr, [node names])] for every egressCIDR holding ip (prefix <= max_plen)."""
        out = []
        for plen in self.cidr_plens:
            if plen > max_plen:
                break
            names = self.cidr_map.get((ip & prefix_mask(plen), plen))
            if names:
                out.append(((ip & prefix_mask(plen), plen), names))
        return out

    def cidr_hosting(self, ip):
        """(some egressCIDR holds ip, some Ready node with such a CIDR exists)."""
        held = ready = False
        for plen in self.cidr_plens:
            net = (ip & prefix_mask(plen), plen)
            count = self.cidr_ready.get(net)
            if count is not None:
                held = True
                if count:
                    return True, True
        return held, ready

    def static_blocked(self):
        """Addresses never handed out: reserved, gateway, node host IPs, network and
        broadcast addresses of node networks."""
        if self._static is None:
            blocked = set(self.reserved) | set(self.host_ips) | set(self.netaddrs) | self.gateways
            self._static = blocked
        return self._static

    # -- overlays -----------------------------------------------------------------
    def fork(self):
        return View(self)        # each state gets its own overlay object

    def with_node(self, node):
        return View(self).with_node(node)

    def with_namespace(self, ns):
        return View(self).with_namespace(ns)


def _reverse(infos):
    out = {}
    for name, info in infos.items():       # names in sorted order: lists come out sorted
        for ip in info.ips:
            out.setdefault(ip, []).append(name)
    return out


def _strict_ip(value, field, cache):
    num, reason = classify_ip(value)
    if reason:
        raise InputError(field, value, reason)
    return num


class View(object):
    """A RootIndex plus replaced nodes/namespaces (egressIPs changes only)."""

    def __init__(self, root):
        self.root = root
        self.kinds = root.kinds
        self._nodes = {}
        self._namespaces = {}
        self._ip_nodes = {}       # ip -> set of overlaid node names holding it
        self._ip_namespaces = {}
        self._maybe_freed = []    # sorted root IPs of overlaid objects (may be free now)
        self._maybe_freed_set = set()
        self.cache = root.cache
        self.cidr_map = root.cidr_map
        self.host_ips = root.host_ips
        self.netaddrs = root.netaddrs
        self.reserved = root.reserved
        self.gateway = root.gateway
        self.gateways = root.gateways

    def fork(self):
        other = View(self.root)
        other._nodes = dict(self._nodes)
        other._namespaces = dict(self._namespaces)
        other._ip_nodes = dict((ip, set(names)) for ip, names in self._ip_nodes.items())
        other._ip_namespaces = dict((ip, set(names)) for ip, names in self._ip_namespaces.items())
        other._maybe_freed = list(self._maybe_freed)
        other._maybe_freed_set = set(self._maybe_freed_set)
        return other

    def _replace(self, infos, root_infos, rev, info):
        old = infos.get(info.name)
        if old is None:
            old = root_infos[info.name]
            for ip in old.ips:
                if ip not in self._maybe_freed_set:
                    self._maybe_freed_set.add(ip)
                    bisect.insort(self._maybe_freed, ip)
        else:
            for ip in old.ips:
                rev[ip].discard(info.name)
        infos[info.name] = info
        for ip in info.ips:
            rev.setdefault(ip, set()).add(info.name)
        if len(self._nodes) + len(self._namespaces) > MAX_VIEW_OBJECTS:
            return None            # the state rebuilds a RootIndex when next asked
        return self

    def with_node(self, node):
        return self._replace(self._nodes, self.root.nodes, self._ip_nodes,
                             NodeInfo.with_ips(self.node(node.name), node))

    def with_namespace(self, ns):
        return self._replace(self._namespaces, self.root.namespaces, self._ip_namespaces,
                             NamespaceInfo(ns, _known(self.namespace(ns.name))))

    def touched(self):
        return set(self._nodes), set(self._namespaces)

    def overlay_nodes(self):
        return self._nodes.keys()

    def is_unassigned(self, ip):
        return bool(self.namespaces_for_ip(ip)) and not self.nodes_for_ip(ip)

    def unassigned_count(self, first, last):
        count = self.root.unassigned_count(first, last)
        overlay = set(self._maybe_freed_set)
        overlay.update(self._ip_nodes)
        overlay.update(self._ip_namespaces)
        for ip in overlay:
            if first <= ip <= last:
                count += int(self.is_unassigned(ip)) - int(self.root.is_unassigned(ip))
        return count

    def node(self, name):
        info = self._nodes.get(name)
        return info if info is not None else self.root.nodes[name]

    def namespace(self, name):
        info = self._namespaces.get(name)
        return info if info is not None else self.root.namespaces[name]

    def node_names(self):
        return self.root.nodes.keys()

    def namespace_names(self):
        return self.root.namespaces.keys()

    @staticmethod
    def _merge(root_names, overlay, added):
        names = [n for n in root_names if n not in overlay]
        if added:
            names.extend(added)
            names.sort()
        return names

    def nodes_for_ip(self, ip):
        return self._merge(self.root.ip_nodes.get(ip, ()), self._nodes, self._ip_nodes.get(ip))

    def namespaces_for_ip(self, ip):
        return self._merge(self.root.ip_namespaces.get(ip, ()), self._namespaces, self._ip_namespaces.get(ip))

    def all_ips(self):
        ips = set(ip for ip in self.root.all_ips() if self.is_used(ip))
        ips.update(ip for ip, names in self._ip_nodes.items() if names)
        ips.update(ip for ip, names in self._ip_namespaces.items() if names)
        return ips

    def is_used(self, ip):
        return bool(self.nodes_for_ip(ip)) or bool(self.namespaces_for_ip(ip))

    def next_free(self, low, high):
        """Same answer as a RootIndex of the changed state: the root's answer, minus
        addresses the overlay now uses, plus root-used addresses the overlay freed."""
        static = self.root.static_blocked()
        cursor = low
        while cursor <= high:
            candidate = self.root.next_free(cursor, high)
            i = bisect.bisect_left(self._maybe_freed, cursor)
            while i < len(self._maybe_freed) and (candidate is None or self._maybe_freed[i] < candidate):
                freed = self._maybe_freed[i]
                if freed > high:
                    break
                if freed not in static and not self.is_used(freed):
                    candidate = freed
                    break
                i += 1
            if candidate is None:
                return None
            if not self.is_used(candidate):
                return candidate
            cursor = candidate + 1
        return None

    def cidr_nodes(self, ip, max_plen=32):
        return self.root.cidr_nodes(ip, max_plen)

    def cidr_hosting(self, ip):
        return self.root.cidr_hosting(ip)

    def static_blocked(self):
        return self.root.static_blocked()


@contextlib.contextmanager
def gc_paused():
    """Building an index makes tens of thousands of small objects that live as long as the
    index and hold no cycles; the cyclic garbage collector would walk them again and again
    while they are made (about 40% of a full validation on 10,000 namespaces)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _known(info):
    """Parse cache seeded from an object's previous addresses: a node that gains one IP is
    not parsed again in full. Strict parsing means an address has one spelling only."""
    return dict((int_to_ip(ip), ip) for ip in info.ips)


def index_of(state):
    """The state's cached index, built when missing or stale."""
    index = state.cached_index()
    if index is None:
        with gc_paused():
            index = RootIndex(state)
        state.set_index(index)
    return index
