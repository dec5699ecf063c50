# -*- coding: utf-8 -*-
# Copyright: (c) ocp.egressip contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""(state, requests) -> plan.

Two decisions, kept apart as openshift-sdn keeps them (NetNamespace.egressIPs
says which IPs a namespace uses; HostSubnet.egressIPs/egressCIDRs say which
node holds them):

1. namespace -> IP: the lowest free addresses of the pool (deterministic), never
   used, reserved, a host IP, a gateway, or a network/broadcast address; nor (unless the
   pool names them as a single address or a range end) the lowest or highest usable
   address of a node network, where routers and VRRP addresses usually sit; nor an
   address held for another namespace (``held``: recently released, or still named by a
   firewall record). The plan says which addresses it passed over and why (``skipped``);
2. IP -> node: manual mode pins each IP to the least-loaded eligible node that
   holds no other IP of the namespace (openshift-sdn allows one IP per VNID per
   node, common/egressip.go egressIPActive) and has room (cloud capacity,
   validateEgressIPs); automatic mode leaves the choice to the SDN master but
   checks that some Ready node with an egressCIDR holding the IP has room.

A candidate IP is only taken together with a node that can host it, so no
namespace is ever written with an IP no node can host. The result is checked
by the validator on just the objects the plan touches; a plan that leaves an
error is refused with the reason.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.ocp.egressip.plugins.module_utils.core.addresses import (
    InputError, cidr_contains, cidr_str, int_to_ip, parse_ip, parse_pool_entry, usable_bounds,
)
from ansible_collections.ocp.egressip.plugins.module_utils.core.findings import ERROR, shorten
from ansible_collections.ocp.egressip.plugins.module_utils.core.index import index_of
from ansible_collections.ocp.egressip.plugins.module_utils.core.plan import diff_sdn
from ansible_collections.ocp.egressip.plugins.module_utils.core import segments as seg
from ansible_collections.ocp.egressip.plugins.module_utils.core.state import ClusterState
from ansible_collections.ocp.egressip.plugins.module_utils.core.validate import check_subjects, validate_change

MODES = ("auto", "manual")
MAX_COUNT = 256          # far above any node count a namespace could fail over across


class AllocationError(Exception):
    """The request cannot be met; the message says why. findings: the errors, if any."""

    def __init__(self, message, findings=None):
        super(AllocationError, self).__init__(message)
        self.findings = list(findings or [])


class Request(object):
    __slots__ = ("namespace", "count", "pool", "nodes", "mode")

    def __init__(self, namespace, count=1, pool=None, nodes=None, mode="auto"):
        if not isinstance(namespace, str) or not namespace:
            raise InputError("namespace", namespace, "must be a non-empty string")
        if isinstance(count, bool) or not isinstance(count, int):
            raise InputError("count", count, "must be an integer")
        if count < 1 or count > MAX_COUNT:
            raise InputError("count", count, "must be between 1 and %d" % MAX_COUNT)
        if mode not in MODES:
            raise InputError("mode", mode, "must be one of %s" % ", ".join(MODES))
        if pool is not None:
            if isinstance(pool, str):
                pool = [pool]
            if not isinstance(pool, (list, tuple)) or not pool:
                raise InputError("pool", pool, "must be a non-empty list of CIDRs or ranges A-B")
            pool = list(pool)
            for i, entry in enumerate(pool):
                parse_pool_entry(entry, "pool[%d]" % i)
        if nodes is not None:
            if not isinstance(nodes, (list, tuple)) or not nodes:
                raise InputError("nodes", nodes, "must be a non-empty list of node names")
            nodes = list(nodes)
            for i, name in enumerate(nodes):
                if not isinstance(name, str) or not name:
                    raise InputError("nodes[%d]" % i, name, "must be a node name")
        self.namespace = namespace
        self.count = count
        self.pool = pool
        self.nodes = nodes
        self.mode = mode

    @classmethod
    def coerce(cls, value, field="requests[]"):
        if isinstance(value, Request):
            return value
        if isinstance(value, dict):
            unknown = set(value) - set(cls.__slots__)
            if unknown:
                raise InputError(field, value, "unknown keys %s" % ", ".join(sorted(map(str, unknown))))
            if "namespace" not in value:
                raise InputError(field, value, "namespace is required")
            return cls(**value)
        raise InputError(field, value, "must be a Request or a mapping")

    def __repr__(self):
        return "Request(%s)" % ", ".join("%s=%r" % (k, getattr(self, k)) for k in self.__slots__)


class Plan(object):
    """state: the resulting state; changes: object changes in write order; ips: namespace ->
    egress IPs after the plan (requested namespaces); assignments: ip -> node where known;
    findings: the validator's findings on everything the plan touched (warnings, and errors
    that were there before and are not about the requested namespaces)."""

    __slots__ = ("state", "changes", "ips", "assignments", "findings", "skipped")

    def __init__(self, state, changes, ips, assignments, findings, skipped=None):
        self.state = state
        self.changes = changes
        self.ips = ips
        self.assignments = assignments
        self.findings = findings
        self.skipped = list(skipped or [])     # [{"ip", "namespace", "reason"}] passed over

    def to_dict(self):
        return {"changes": [c.to_dict() for c in self.changes], "ips": dict((k, list(v)) for k, v in self.ips.items()),
                "assignments": dict(self.assignments), "findings": [f.to_dict() for f in self.findings],
                "skipped": [dict(s) for s in self.skipped]}


def _check_state(state):
    if not isinstance(state, ClusterState):
        raise InputError("state", state, "must be a ClusterState")


def _check_list(field, value):
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, (list, tuple)):
        raise InputError(field, value, "must be a list")
    return list(value)


def allocate(state, requests, held=None, edges=True):
    """Plan egress IPs for the requests (processed in order). Idempotent: a satisfied
    request adds no change. Raises InputError for bad input, AllocationError otherwise.

    held: {ip: (namespaces, reason)}: never handed to a namespace not in ``namespaces``
    (quarantine after a release, firewall records that still name the address).
    edges: skip the lowest and highest usable address of every node network unless the
    request's pool names them explicitly."""
    _check_state(state)
    requests = [Request.coerce(r, "requests[%d]" % i) for i, r in enumerate(_check_list("requests", requests))]
    held = _check_held(held)
    seen = set()
    for req in requests:
        if req.namespace not in state.namespaces:
            raise InputError("namespace", req.namespace, "no such %s" % state.kinds()[1])
        if req.namespace in seen:
            raise InputError("namespace", req.namespace, "requested twice")
        seen.add(req.namespace)
        for i, name in enumerate(req.nodes or ()):
            if name not in state.nodes:
                raise InputError("nodes[%d]" % i, name, "no such node")
    base = index_of(state)
    work = state.fork()
    touched = _Touched()
    skipped = []
    for req in requests:
        allocation = _Allocation(work, req, touched, base, held, edges)
        allocation.run()
        skipped.extend(allocation.skipped())
    plan = _finish(state, base, work, touched, [r.namespace for r in requests])
    plan.skipped = skipped
    return plan


def _check_held(held):
    """{ip text: (namespaces, reason)} -> {ip int: (frozenset of namespaces, reason)}."""
    if held is None:
        return {}
    if not isinstance(held, dict):
        raise InputError("held", held, "must be a mapping of IP -> (namespaces, reason)")
    out = {}
    for ip, value in held.items():
        field = "held[%s]" % ip
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise InputError(field, value, "must be a pair (namespaces, reason)")
        owners, reason = value
        owners = [owners] if isinstance(owners, str) else _check_list(field + " namespaces", owners)
        out[parse_ip(ip, field)] = (frozenset(owners), str(reason))
    return out


def edge_addresses(index):
    """{ip: reason} for the lowest and highest usable address of each node network (the
    egressCIDRs stand in for a node whose network is unknown). Cached on the root index."""
    root = index.root
    edges = root.cache.get(("edges",))
    if edges is None:
        edges = {}
        for info in root.nodes.values():
            for net in ([info.network] if info.network is not None else info.cidrs):
                if net[1] > 30:
                    continue                    # /31 and /32: every address is a host
                first, last = usable_bounds(net)
                edges.setdefault(first, "lowest usable address of node network %s (usually the router): "
                                 "list it in pool to use it" % cidr_str(net))
                edges.setdefault(last, "highest usable address of node network %s (often a router or VIP): "
                                 "list it in pool to use it" % cidr_str(net))
        root.cache[("edges",)] = edges
    return edges


def _explicit(pool):
    """Addresses a pool names one by one: single-address entries and the ends of A-B ranges."""
    out = set()
    for i, entry in enumerate(pool or ()):
        if "/" in entry:
            continue
        first, last = parse_pool_entry(entry, "pool[%d]" % i)
        out.update((first, last))
    return out


def release(state, namespaces):
    """Free all egress IPs of the namespaces and unpin them from the nodes that hold them by
    hand (unless another namespace still claims the same IP)."""
    _check_state(state)
    names = _check_list("namespaces", namespaces)
    for i, name in enumerate(names):
        if not isinstance(name, str) or name not in state.namespaces:
            raise InputError("namespaces[%d]" % i, name, "no such %s" % state.kinds()[1])
    base = index_of(state)
    work = state.fork()
    touched = _Touched()
    for name in names:
        ips = index_of(work).namespace(name).ips
        if state.namespaces[name].egress_ips:
            touched.set_namespace(work, name, [])
        for ip in ips:
            _unpin_everywhere(work, touched, ip, keep_if_claimed=True)
    return _finish(state, base, work, touched, names, strict=False)


class _Touched(object):
    """Objects a plan changes, so that validation and diff look at nothing else."""

    def __init__(self):
        self.nodes = set()
        self.namespaces = set()
        self.pending = {}     # auto mode: node -> IPs the SDN master is expected to place there

    def set_node(self, work, name, ips):
        self.nodes.add(name)
        work.set_node_egress(name, egress_ips=ips)

    def set_namespace(self, work, name, ips):
        self.namespaces.add(name)
        work.set_namespace_egress(name, ips)


def _unpin_everywhere(work, touched, ip, keep_if_claimed=False):
    """Remove a freed IP from the nodes that pin it by hand. Nodes with egressCIDRs are left
    alone: the SDN master owns their egressIPs and drops an IP no namespace uses
    (common/egressip.go makeEmptyAllocation); until then the IP stays taken, which also
    keeps it from being handed out again while ARP caches still point at the old node."""
    index = index_of(work)
    if keep_if_claimed and index.namespaces_for_ip(ip):
        return
    for node in list(index.nodes_for_ip(ip)):
        if not index.node(node).cidrs:
            _unpin(work, touched, node, ip)


def _unpin(work, touched, node, ip):
    text = int_to_ip(ip)
    touched.set_node(work, node, [v for v in work.nodes[node].egress_ips if v != text])


def _finish(state, base, work, touched, requested, strict=True):
    index = index_of(work)
    changed = set()
    for name in touched.nodes:
        changed.update(base.node(name).ipset.symmetric_difference(index.node(name).ipset))
    for name in touched.namespaces:
        changed.update(base.namespace(name).ipset.symmetric_difference(index.namespace(name).ipset))
    # the requested namespaces are checked even when nothing changed: "already satisfied"
    # must not hide that a namespace is broken
    subjects, after = validate_change(index, touched.nodes, touched.namespaces | set(requested), changed)
    if strict and any(f.severity == ERROR for f in after):
        # errors that were there before the plan and are not about the requested namespaces
        # do not block it (a cluster with one broken namespace must still be manageable)
        before = set((f.code, f.message) for f in check_subjects(base, subjects) if f.severity == ERROR)
        mine = set("%s/%s" % (state.kinds()[1], name) for name in requested)
        bad = [f for f in after if f.severity == ERROR
               and ((f.code, f.message) not in before or mine.intersection(f.objects))]
        if bad:
            raise AllocationError("the plan would leave errors: %s" % shorten(
                "%s: %s" % (f.code, f.message) for f in bad), bad)
    changes = diff_sdn(state, work, only=(touched.nodes, touched.namespaces))
    ips, assignments = {}, {}
    for name in requested:
        info = index.namespace(name)
        ips[name] = list(work.namespaces[name].egress_ips)
        for ip in info.ips:
            pinned = index.nodes_for_ip(ip)
            if len(pinned) == 1:
                assignments[int_to_ip(ip)] = pinned[0]
    return Plan(work, changes, ips, assignments, after)


# ---------------------------------------------------------------------------------------

class _Allocation(object):
    """One request against the working state."""

    def __init__(self, work, req, touched, base, held=None, edges=True):
        self.base = base          # index of the state before the plan
        self.work = work
        self.req = req
        self.touched = touched
        self.index = index_of(work)
        self.node_kind, self.ns_kind = work.kinds()
        # addresses this request must pass over: {ip: reason}
        self.avoid = {}
        if edges:
            explicit = _explicit(req.pool)
            self.avoid.update((ip, why) for ip, why in edge_addresses(self.index).items() if ip not in explicit)
        for ip, (owners, why) in (held or {}).items():
            if req.namespace not in owners:
                self.avoid[ip] = why
        self.passed = {}          # avoided addresses actually passed over: {ip: reason}
        self.new = []

    def skipped(self):
        """[{ip, namespace, reason}] of the addresses passed over for this request's new IPs,
        gateways included (they are never free, but the user should see they were left out)."""
        if not self.new:
            return []
        top = max(self.new)
        space = _space(self.index, self.req)
        passed = dict(self.passed)
        for ip in self.index.root.gateways:
            if ip < top and space.in_pool(ip):
                passed.setdefault(ip, "gateway of a node network")
        return [{"ip": int_to_ip(ip), "namespace": self.req.namespace, "reason": passed[ip]} for ip in sorted(passed)]

    def run(self):
        req, index = self.req, self.index
        space = _space(index, req)
        current = index.namespace(req.namespace).ips
        static = index.static_blocked()
        keep = [ip for ip in current
                if space.in_keep_pool(ip) and ip not in static and list(index.namespaces_for_ip(ip)) == [req.namespace]]
        keep = keep[:req.count]
        for ip in current:
            if ip not in keep:
                # no longer this namespace's: unpin unless another namespace claims it too
                if len(index.namespaces_for_ip(ip)) <= 1:
                    _unpin_everywhere(self.work, self.touched, ip)
        used_nodes = self._place_kept(space, keep)
        new = self._pick_new(space, req.count - len(keep), used_nodes)
        self.new = new
        final = [int_to_ip(ip) for ip in keep + new]
        if final != list(self.work.namespaces[req.namespace].egress_ips):
            self.touched.set_namespace(self.work, req.namespace, final)

    # -- kept IPs ---------------------------------------------------------------------
    def _place_kept(self, space, keep):
        """Nodes already holding this namespace's kept IPs; fixes pins that break the
        one-IP-per-node rule, sit on the wrong node type, or are missing (manual)."""
        used = set()
        manual = self.req.mode == "manual"
        to_pin = []
        for ip in keep:
            index = index_of(self.work)
            pinned = list(index.nodes_for_ip(ip))
            good = [n for n in pinned if self._pin_ok(index, n, ip, used)] if manual else \
                [n for n in pinned if index.node(n).cidrs]
            if manual and len(good) > 1:
                good = good[:1]
            for node in pinned:
                if node not in good:
                    _unpin(self.work, self.touched, node, ip)
            used.update(good)
            if manual and not good:
                to_pin.append(ip)
        index = index_of(self.work)
        if manual and used and not any(index.node(n).eligible for n in used):
            # Every pin of the namespace is on a node that is down, so its traffic is dropped:
            # move the pins (the IPs stay the same) as an admin would. While one pin still
            # works, pins on a node that is down are the failover design and stay.
            for ip in keep:
                if ip not in to_pin:
                    for node in index_of(self.work).nodes_for_ip(ip):
                        _unpin(self.work, self.touched, node, ip)
                    to_pin.append(ip)
            used = set()
        for ip in to_pin:
            node = self._best_node(space, space.segment(ip), used)
            if node is None:
                raise AllocationError('%s "%s": no eligible node can host its egress IP %s (candidates: %s)'
                                      % (self.ns_kind, self.req.namespace, int_to_ip(ip), space.describe()))
            self._pin(node, ip)
            used.add(node)
        return used

    def _pin_ok(self, index, node, ip, used):
        info = index.node(node)
        return (node not in used and not info.cidrs and info.network is not None
                and cidr_contains(info.network, ip) and (info.cloud is None or cidr_contains(info.cloud, ip)))

    def _pin(self, node, ip):
        self.touched.set_node(self.work, node, list(self.work.nodes[node].egress_ips) + [int_to_ip(ip)])

    # -- new IPs ------------------------------------------------------------------------
    def _pick_new(self, space, need, used_nodes):
        new = []
        if need <= 0:
            return new
        for segment in space.segments:
            cursor = segment[0]
            while len(new) < need and cursor <= segment[1]:
                node = self._best_node(space, segment, used_nodes)
                if node is None:
                    break                 # nobody in this segment has room: skip all of it
                ip = self._next_free(cursor, segment[1])
                if ip is None:
                    break
                if self.req.mode == "manual":
                    self._pin(node, ip)
                else:
                    self.touched.pending[node] = self.touched.pending.get(node, 0) + 1
                used_nodes.add(node)
                new.append(ip)
                cursor = ip + 1
            if len(new) >= need:
                return new
        raise AllocationError(self._exhausted(space, need, len(new), used_nodes))

    def _next_free(self, low, high):
        index = index_of(self.work)
        ip = index.next_free(low, high)
        while ip is not None and ip in self.avoid:
            self.passed[ip] = self.avoid[ip]
            ip = index.next_free(ip + 1, high) if ip < high else None
        return ip

    def _best_node(self, space, segment, used):
        """Manual: least-loaded eligible node (ties by name); auto: the node with most room
        (like common/egressip.go getSortedNodes). None if no node of the segment has room."""
        if segment is None:
            return None
        index = index_of(self.work)
        best = None
        pending = self.touched.pending
        # nodes whose load differs from the root's: changed by this or an earlier plan
        dirty = set(index.overlay_nodes()) | self.touched.nodes | set(pending)
        # Untouched nodes have their root load: the first usable one in root rank order
        # is the best of them. Touched nodes are ranked again with their current load.
        for key, name in space.ranked(segment):
            if name not in used and name not in dirty:
                best = (key, name)
                break
        hosts = space.hosts_of(segment)
        for name in sorted(dirty):
            if name in used or name not in hosts:
                continue
            key = space.rank_key(index.node(name), pending.get(name, 0))
            if key is None:
                continue
            if best is None or (key, name) < best:
                best = (key, name)
        if best is not None and space.mode == "auto" and not self._auto_room(space, segment, index, dirty):
            return None
        return best[1] if best else None

    def _auto_room(self, space, segment, index, dirty):
        """Automatic mode: the SDN master will also place the namespace IPs of this range
        that no node holds yet, so the range's nodes need room beyond those."""
        free = space.root_free(segment)
        if free == seg.UNLIMITED:
            return True
        pending = self.touched.pending
        for name in dirty:
            if name in space.hosts_of(segment):
                free += space.room(index.node(name), pending.get(name, 0)) - space.room(space.root_node(name), 0)
        return free - index.unassigned_count(segment[0], segment[1]) > 0

    def _exhausted(self, space, need, got, used):
        if not space.candidates:
            if self.req.mode == "manual":
                why = ("no Ready node without egressCIDRs has a known primary network (pass node_networks or "
                       "default_network, or run the node checks)")
            else:
                why = "no Ready node has egressCIDRs"
            return '%s "%s": %d egress IP(s) needed in %s mode, but %s' % (
                self.ns_kind, self.req.namespace, need, self.req.mode, why)
        free = space.count_free(self.base, limit=1 << 20)
        if isinstance(free, int):
            free -= sum(1 for ip in self.avoid if space.in_pool(ip) and not self.base.is_used(ip)
                        and ip not in self.base.static_blocked())
        enough = not isinstance(free, int) or free >= need
        what = ("no eligible node left with room for another IP of this namespace (one per node, within "
                "capacity)" if enough else "pool exhausted")
        return ('%s for %s "%s": %d more egress IP(s) needed, found %d; pool %s has %d addresses, %s free '
                "(not used, reserved, host, gateway, network or broadcast, node network edge, held for "
                "another namespace); eligible nodes not yet used: %s"
                % (what, self.ns_kind, self.req.namespace, need, got, space.pool_text, space.pool_size,
                   free, space.describe(used)))


def _space(index, req):
    """Pool segments for the request, cached on the root index (they depend on static node
    data and the request's shape only)."""
    root = index.root
    if req.mode == "manual":
        for name in sorted(set(req.nodes or ())):
            info = root.nodes[name]
            if info.cidrs:
                raise AllocationError('node "%s" has egressCIDRs: manual and automatic assignment on the same '
                                      "node are not supported" % name)
            if info.network is None:
                raise AllocationError('node "%s": primary network unknown (run the node checks or pass '
                                      "node_networks)" % name)
    key = ("space", req.mode, tuple(req.pool) if req.pool else None, tuple(sorted(set(req.nodes))) if req.nodes else None)
    space = root.cache.get(key)
    if space is None:
        if len(root.cache) > 64:          # many different pools on one long-lived state
            root.cache.clear()
        space = root.cache[key] = seg.Space(root, req.mode, req.pool, req.nodes)
    return space
