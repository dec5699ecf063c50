# -*- coding: utf-8 -*-
# Copyright: (c) ocp.egressip contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where each node may take egress IPs, as address segments (private to the core).

A segment is an address range in which every address can be hosted by the same
set of nodes. Nodes' regions are CIDRs (networks, cloud networks, egressCIDRs),
so there are few distinct ones; cutting the pool at their boundaries lets the
allocator skip a whole segment at once when none of its nodes has room, instead
of testing addresses one by one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import bisect

from ansible_collections.ocp.egressip.plugins.module_utils.core.addresses import (
    cidr_bounds, cidr_within, intersect_intervals, interval_size, merge_intervals, parse_pool_entry,
    subtract_intervals, usable_bounds,
)

UNLIMITED = float("inf")


def region(info, net):
    """Addresses of CIDR net that the node can really use: inside its primary network
    and cloud network where known (node/egressip.go assignEgressIP checks both); an OVN
    secondary host network of the node (Node.host_networks) as a whole."""
    if net in info.host_nets and info.cloud is None:
        return usable_bounds(net)
    for outer in (info.network, info.cloud):
        if outer is None:
            continue
        if cidr_within(net, outer):
            continue
        if cidr_within(outer, net):
            net = outer
        else:
            return None
    return usable_bounds(net)


def build(regions, pool):
    """regions: {(first, last): [node names]}; pool: merged intervals.
    Returns [(first, last, hosts)] sorted, hosts a sorted tuple, only where hosts exist."""
    events = {}
    for bounds in regions:
        events.setdefault(bounds[0], []).append((1, bounds))
        events.setdefault(bounds[1] + 1, []).append((-1, bounds))
    active = set()
    raw = []
    points = sorted(events)
    for i, point in enumerate(points):
        for sign, bounds in events[point]:
            if sign > 0:
                active.add(bounds)
            else:
                active.discard(bounds)
        if active and i + 1 < len(points):
            hosts = set()
            for bounds in active:
                hosts.update(regions[bounds])
            raw.append((point, points[i + 1] - 1, tuple(sorted(hosts))))
    out = []
    for first, last, hosts in raw:
        for lo, hi in intersect_intervals([(first, last)], pool):
            out.append((lo, hi, hosts))
    return out


def cidr_union(nets):
    return merge_intervals(cidr_bounds(net) for net in nets)


class Space(object):
    """Pool segments for one (mode, pool, nodes) on one root index, with each segment's
    nodes ranked by their load in the root state (cached: only static data)."""

    def __init__(self, root, mode, pool_entries, nodes):
        self.mode = mode
        candidates = self._candidates(root, mode, nodes)
        cidr_ranges = _all_cidr_ranges(root)
        if pool_entries is not None:
            pool = merge_intervals(parse_pool_entry(e, "pool[%d]" % i) for i, e in enumerate(pool_entries))
            self.pool_text = "[%s]" % ", ".join(pool_entries)
        else:
            pool = None
        regions = {}
        for name in candidates:
            info = root.nodes[name]
            nets = info.cidrs if self.mode == "auto" else [info.network]
            for net in nets:
                bounds = region(info, net)
                if bounds is not None:
                    regions.setdefault(bounds, []).append(name)
        if pool is None:
            pool = merge_intervals(regions)
            self.pool_text = "(default: %s)" % ("egressCIDRs of Ready nodes" if self.mode == "auto"
                                                else "networks of the candidate nodes")
        # IPs the namespace already has are kept only where this mode can host them
        everything = self._everything(root)
        keep_pool = everything if pool_entries is None else intersect_intervals(pool, everything)
        if self.mode == "manual":
            # manual IPs must not lie in any node's egressCIDRs (documented limitation)
            pool = subtract_intervals(pool, cidr_ranges)
            keep_pool = subtract_intervals(keep_pool, cidr_ranges)
        self.pool = pool
        self.keep_pool = keep_pool
        self.pool_size = interval_size(pool)
        self.segments = build(regions, pool)
        self.starts = [s[0] for s in self.segments]
        self.candidates = candidates
        self._ranked = {}
        self._free = {}
        self._hosts = {}
        self._root = root

    @staticmethod
    def _candidates(root, mode, nodes):
        """Nodes that may take the IPs: the requested ones (allocate.py has checked them) or,
        by default, Ready nodes with egressCIDRs (auto) / without, with a known network (manual)."""
        if nodes is not None:
            return [name for name in sorted(set(nodes)) if root.nodes[name].eligible]
        key = ("candidates", mode)
        if key not in root.cache:
            if mode == "manual":
                root.cache[key] = [n for n, i in sorted(root.nodes.items())
                                   if i.eligible and not i.cidrs and i.network is not None]
            else:
                root.cache[key] = [n for n, i in sorted(root.nodes.items()) if i.eligible and i.cidrs]
        return root.cache[key]

    def _everything(self, root):
        # Default pool for IPs a namespace already has: as the default pool but over all
        # nodes, Ready or not, so that a node going down does not make us move IPs.
        bounds = []
        for info in root.nodes.values():
            if self.mode == "auto":
                bounds.extend(region(info, net) for net in info.cidrs)
            elif not info.cidrs and info.network is not None:
                bounds.append(region(info, info.network))
        return merge_intervals(b for b in bounds if b is not None)

    def in_pool(self, ip):
        i = bisect.bisect_right(self.pool, (ip, float("inf"))) - 1
        return i >= 0 and self.pool[i][1] >= ip

    def in_keep_pool(self, ip):
        i = bisect.bisect_right(self.keep_pool, (ip, float("inf"))) - 1
        return i >= 0 and self.keep_pool[i][1] >= ip

    def segment(self, ip):
        i = bisect.bisect_right(self.starts, ip) - 1
        if i >= 0 and self.segments[i][1] >= ip:
            return self.segments[i]
        return None

    def hosts_of(self, segment):
        hosts = self._hosts.get(segment[0])
        if hosts is None:
            hosts = self._hosts[segment[0]] = frozenset(segment[2])
        return hosts

    def rank_key(self, info, pending):
        """Sort key, smaller is better; None when the node has no room."""
        load = len(info.ips) + pending
        cap = UNLIMITED if info.capacity is None else info.capacity
        if load >= cap:
            return None
        if self.mode == "manual":
            return (load,)
        return (-(cap - load),)     # auto: most room first, as the SDN master does

    def ranked(self, segment):
        ranked = self._ranked.get(segment[0])
        if ranked is None:
            ranked = []
            for name in segment[2]:
                key = self.rank_key(self._root.nodes[name], 0)
                if key is not None:
                    ranked.append((key, name))
            ranked.sort()
            self._ranked[segment[0]] = ranked
        return ranked

    def root_node(self, name):
        return self._root.nodes[name]

    def root_free(self, segment):
        """Free capacity of the segment's nodes in the root state (inf if one is unlimited)."""
        free = self._free.get(segment[0])
        if free is None:
            free = 0
            for name in segment[2]:
                room = self.room(self._root.nodes[name], 0)
                if room == UNLIMITED:
                    free = UNLIMITED
                    break
                free += room
            self._free[segment[0]] = free
        return free

    @staticmethod
    def room(info, pending):
        """How many more IPs the node can take (cloud capacity, openshift-sdn getCapacity)."""
        if info.capacity is None:
            return UNLIMITED
        return max(0, info.capacity - len(info.ips) - pending)

    def count_free(self, index, limit):
        free = 0
        for first, last in self.pool:
            cursor = first
            while cursor <= last and free < limit:
                ip = index.next_free(cursor, last)
                if ip is None:
                    break
                free += 1
                cursor = ip + 1
        return free if free < limit else "at least %d" % limit

    def describe(self, used=()):
        names = [n for n in self.candidates if n not in used]
        shown = ", ".join(names[:10]) + (" and %d more" % (len(names) - 10) if len(names) > 10 else "")
        return shown or "none"


def _all_cidr_ranges(root):
    key = ("cidr_ranges",)
    if key not in root.cache:
        root.cache[key] = cidr_union(root.cidr_map)
    return root.cache[key]
