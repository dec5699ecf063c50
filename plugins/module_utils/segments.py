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

from ansible_collections.ocp.egressip.plugins.module_utils.addresses import (
    cidr_bounds, cidr_within, intersect_intervals, merge_intervals, usable_bounds,
)


def region(info, net):
    """Addresses of CIDR net that the node can really use: inside its primary network
    and cloud network where known (node/egressip.go assignEgressIP checks both)."""
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


def locate(segments, ip):
    """The segment holding ip, or None."""
    i = bisect.bisect_right([s[0] for s in segments], ip) - 1
    if i >= 0 and segments[i][1] >= ip:
        return segments[i]
    return None
