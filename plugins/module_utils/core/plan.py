# -*- coding: utf-8 -*-
# Copyright: (c) ocp.egressip contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plans as object changes: the difference between two states, in write order."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class Change(object):
    """One object to patch. before/after hold only the egress fields that change;
    `after` is the merge-patch body. Unchanged fields are left out on purpose: in
    automatic mode the SDN master writes HostSubnet.egressIPs itself, and a patch
    of egressCIDRs alone must not overwrite what it wrote."""

    __slots__ = ("kind", "name", "before", "after")

    def __init__(self, kind, name, before, after):
        self.kind = kind
        self.name = name
        self.before = before
        self.after = after

    def to_dict(self):
        return {"kind": self.kind, "name": self.name, "before": _copy(self.before), "after": _copy(self.after)}

    def __eq__(self, other):
        return isinstance(other, Change) and self.to_dict() == other.to_dict()

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __repr__(self):
        return "Change(%s/%s %r -> %r)" % (self.kind, self.name, self.before, self.after)


def _copy(fields):
    return dict((key, list(value)) for key, value in fields.items())


def _keys(values):
    """A set of list entries; non-strings (garbage from the API) by their repr."""
    return set(v if isinstance(v, str) else repr(v) for v in values)


def _node_fields(node):
    return {"egressCIDRs": list(node.egress_cidrs), "egressIPs": list(node.egress_ips)}


def diff_sdn(before, after, only=None):
    """Changes that turn `before` into `after` (nodes and namespaces present in both).

    Write order keeps traffic flowing: first HostSubnets that only gain IPs (an IP is
    pinned before any namespace uses it), then namespaces, then HostSubnets that lose
    IPs (a namespace stops using an IP before it is unpinned). openshift-sdn drops a
    namespace's traffic while none of its IPs is assigned (common/egressip.go
    syncEgressNamespaceState)."""
    node_kind, ns_kind = after.kinds()
    # only=(node names, namespace names) limits the comparison to those objects: the
    # allocator knows what it touched, and comparing 10,000 namespaces would cost more
    # than the allocation itself.
    node_names, ns_names = (after.nodes, after.namespaces) if only is None else only
    gaining, losing, namespaces = [], [], []
    for name in sorted(node_names):
        new, old = after.nodes[name], before.nodes.get(name)
        if old is None or new is old:
            continue
        old_fields, new_fields = _node_fields(old), _node_fields(new)
        changed = [key for key in ("egressCIDRs", "egressIPs") if old_fields[key] != new_fields[key]]
        if not changed:
            continue
        change = Change(node_kind, name, dict((k, old_fields[k]) for k in changed),
                        dict((k, new_fields[k]) for k in changed))
        if _keys(old.egress_ips) <= _keys(new.egress_ips):
            gaining.append(change)
        else:
            losing.append(change)
    for name in sorted(ns_names):
        new, old = after.namespaces[name], before.namespaces.get(name)
        if old is None or new is old or list(new.egress_ips) == list(old.egress_ips):
            continue
        namespaces.append(Change(ns_kind, name, {"egressIPs": list(old.egress_ips)},
                                 {"egressIPs": list(new.egress_ips)}))
    return gaining + namespaces + losing


def keep_order(current, wanted):
    """A spec list the user asked for: ``wanted`` de-duplicated; the current order when it is the same set (no spurious change)."""
    seen = []
    for item in wanted:
        item = item.strip() if isinstance(item, str) else item
        if item not in seen:
            seen.append(item)
    if set(seen) == set(current or []) and len(current or []) == len(seen):
        return list(current)
    return seen
