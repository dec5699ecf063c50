# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lowest free addresses of one family (IPv6 for OVN-Kubernetes; pure).

The IPv4 allocator (allocate.py) works on integer indexes of the whole SDN-shaped state; IPv6
pools are too large for its interval tables to matter and OVN decides the node itself, so this
only has to find addresses that are free and that some node can host.  The caller validates the
result with the OVN controller model (one address per node, capacity) before anything is written.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.ocp.egressip.plugins.module_utils.core.addresses import InputError, int_to_any


class FamilyAllocationError(ValueError):
    pass


def pick_free(ranges, family, count, taken, can_host, field="pool"):
    """``count`` lowest addresses of ``family`` in ``ranges`` ((family, first, last) from
    addresses.pool_ranges) that are not in ``taken`` (canonical strings: every address held or
    wanted by an object, every node address, reserved addresses) and that ``can_host(text)``
    accepts.  Raises FamilyAllocationError naming what was searched when too few are free."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise InputError(field, count, "count must be an integer >= 0")
    out = []
    if count == 0:
        return out
    candidates = [(first, last) for fam, first, last in ranges if fam == family]
    if not candidates:
        raise FamilyAllocationError("no IPv%d range to allocate from in %s" % (family, field))
    taken = set(taken)
    for first, last in candidates:
        num = first
        # at most len(taken) addresses of a range are taken, so a free one is found within
        # len(taken) + 1 steps unless the node test refuses it: bound the scan accordingly
        budget = len(taken) + count + 4096
        while num <= last and budget > 0 and len(out) < count:
            text = int_to_any(family, num)
            if text not in taken and can_host(text):
                out.append(text)
                taken.add(text)
            num += 1
            budget -= 1
        if len(out) == count:
            return out
    raise FamilyAllocationError("only %d free IPv%d address(es) that an egress-assignable node can host in %s, %d wanted"
                                % (len(out), family, field, count))
