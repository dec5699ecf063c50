# -*- coding: utf-8 -*-
# Copyright: (c) ocp.egressip contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""State -> findings.

Every finding belongs to one *subject*: a node, a namespace, an egress IP or
an egressCIDR. A subject's findings depend only on that subject and on the
index lookups it names, so a change that touches a few objects is checked by
redoing just the subjects it reaches (validate_change), and a full run is the
same code over all subjects (validate). tests/unit prove the two agree.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.ocp.egressip.plugins.module_utils.core.addresses import (
    HOST_BITS, NOT_IPV4, NOT_IPV4_NET, cidr_contains, cidr_str, cidr_within, int_to_ip,
)
from ansible_collections.ocp.egressip.plugins.module_utils.core.findings import ERROR, Finding
from ansible_collections.ocp.egressip.plugins.module_utils.core.index import RootIndex, gc_paused

_CIDR_FIELDS = ("egressCIDRs", "network", "cloud network")
_SEVERITY_RANK = {ERROR: 0}


def validate(state):
    """Whole-state validation, deterministic order (errors first, then by objects)."""
    with gc_paused():
        index = RootIndex(state)
        state.set_index(index)
        return sort_findings(check_subjects(index, all_subjects(index)) + node_problems(state))


def node_problems(state):
    """NODE_DATA_INVALID: what the state builders could not use of a Node object."""
    return [Finding("NODE_DATA_INVALID", message, ["Node/%s" % name])
            for name, messages in sorted((getattr(state, "problems", None) or {}).items()) for message in messages]


def validate_change(index, touched_nodes, touched_namespaces, changed_ips):
    """Findings of every subject a change of egressIPs can affect.

    index is the index *after* the change (a View or RootIndex); changed_ips are the
    egress IPs (ints) added to or removed from the touched objects. Returns
    (subjects, findings): the full findings of the changed state equal the old
    findings minus those of these subjects plus these findings."""
    subjects = affected_subjects(index, touched_nodes, touched_namespaces, changed_ips)
    return subjects, sort_findings(check_subjects(index, subjects))


def sort_findings(findings):
    return sorted(findings, key=lambda f: (_SEVERITY_RANK.get(f.severity, 1), f.objects, f.code, f.message))


def all_subjects(index):
    return {
        "node": set(index.node_names()),
        "namespace": set(index.namespace_names()),
        "ip": index.all_ips(),
        "cidr": set(index.cidr_map),
    }


def affected_subjects(index, touched_nodes, touched_namespaces, changed_ips):
    """What to check again after egressIPs changed: the touched objects themselves, every
    IP that was added or removed somewhere, and every object holding such an IP. An IP
    a touched object kept is not needed: its holders and claimers are the same as before."""
    ips = set(changed_ips)
    nodes = set(touched_nodes)
    namespaces = set(touched_namespaces)
    for ip in ips:
        nodes.update(index.nodes_for_ip(ip))
        namespaces.update(index.namespaces_for_ip(ip))
    # egressCIDR subjects depend on CIDRs and readiness only, which a View never changes.
    return {"node": nodes, "namespace": namespaces, "ip": ips, "cidr": set()}


def subject_keys(subjects):
    keys = set()
    for kind, values in subjects.items():
        keys.update((kind, value) for value in values)
    return keys


def check_subjects(index, subjects):
    ctx = _Context(index)
    out = []
    for name in sorted(subjects["node"]):
        out.extend(_check_node(ctx, index.node(name)))
    for name in sorted(subjects["namespace"]):
        out.extend(_check_namespace(ctx, index.namespace(name)))
    for ip in sorted(subjects["ip"]):
        out.extend(_check_ip(ctx, ip))
    for net in sorted(subjects["cidr"]):
        out.extend(_check_cidr(ctx, net))
    return out


class _Context(object):
    def __init__(self, index):
        self.index = index
        self.node_kind, self.ns_kind = index.kinds

    def node_obj(self, name):
        return "%s/%s" % (self.node_kind, name)

    def ns_obj(self, name):
        return "%s/%s" % (self.ns_kind, name)

    def vnid(self, name):
        """openshift-sdn names namespaces by VNID (NETID); OVN objects have none."""
        netid = self.index.namespace(name).netid
        return str(netid) if netid is not None else name

    def node_ip(self, name):
        return self.index.node(name).obj.host_ip


def _bad_entries(ctx, kind, name, subject, bad, obj):
    out = []
    for field, value, reason in bad:
        shown = value if isinstance(value, str) else repr(value)
        head = '%s "%s" %s: Invalid value: "%s": ' % (kind, name, field, shown)
        is_cidr = field.startswith(_CIDR_FIELDS)
        if reason in (NOT_IPV4, NOT_IPV4_NET):
            code = "IPV6_NOT_SUPPORTED"
        elif reason.startswith(HOST_BITS):
            code = "CIDR_HOST_BITS"
            reason = 'CIDR network specification "%s" is not in canonical form (should be %s)' % (
                shown, reason.rpartition("should be ")[2].rstrip(")"))
        else:
            code = "INVALID_CIDR" if is_cidr else "INVALID_IP"
        out.append(Finding(code, head + reason, [obj], subject))
    return out


# --- node subject ---------------------------------------------------------------------

def _check_node(ctx, info):
    if not info.ips and not info.cidrs and not info.bad:
        return []                       # nothing to check on a node without egress settings
    kind, name, node = ctx.node_kind, info.name, info.obj
    subject = ("node", name)
    me = ctx.node_obj(name)
    out = _bad_entries(ctx, kind, name, subject, info.bad, me)
    interface = node.interface or "(unknown)"
    if info.capacity is not None and len(info.ips) > info.capacity:
        # common/egressip.go validateEgressIPs
        out.append(Finding("NODE_OVER_CAPACITY", 'the amount of requested EgressIPs (%d) on hostSubnet: "%s" exceeds '
                           "the node's capacity (%d)" % (len(info.ips), name, info.capacity), [me], subject))
    for ip in info.ips:
        text = int_to_ip(ip)
        if info.network is not None and not cidr_contains(info.network, ip):
            # node/egressip.go assignEgressIP, logged by ClaimEgressIP
            out.append(Finding("IP_NOT_IN_NODE_NETWORK", 'Error assigning Egress IP "%s": egress IP "%s" is not in '
                               "local network %s of interface %s (%s \"%s\" egressIPs)"
                               % (text, text, cidr_str(info.network), interface, kind, name), [me], subject))
        if info.cloud is not None and not cidr_contains(info.cloud, ip):
            out.append(Finding("IP_NOT_IN_CLOUD_NETWORK", "the defined egress IP %s is not on the cloud network: %s "
                               '(%s "%s" egressIPs)' % (text, cidr_str(info.cloud), kind, name), [me], subject))
        if info.cidrs and not any(cidr_contains(net, ip) for net in info.cidrs):
            out.append(Finding("NODE_MIXED_MODE", '%s "%s" egressIPs: "%s" is outside its egressCIDRs [%s]: manual '
                               "and automatic assignment on the same node are not supported"
                               % (kind, name, text, ", ".join(cidr_str(n) for n in info.cidrs)), [me], subject))
    for i, net in enumerate(info.cidrs):
        if info.cloud is not None and not cidr_within(net, info.cloud):
            out.append(Finding("CIDR_NOT_IN_CLOUD_NETWORK", "EgressCIDR: %s is not a subnet of the cloud network: %s "
                               '(%s "%s" egressCIDRs)' % (cidr_str(net), cidr_str(info.cloud), kind, name),
                               [me], subject))
        if info.network is not None and not cidr_within(net, info.network):
            out.append(Finding("CIDR_NOT_IN_NODE_NETWORK", '%s "%s" egressCIDRs: "%s" is not in local network %s of '
                               "interface %s" % (kind, name, cidr_str(net), cidr_str(info.network), interface),
                               [me], subject))
        for other in info.cidrs[i + 1:]:
            if cidr_within(net, other) or cidr_within(other, net):
                out.append(Finding("CIDR_OVERLAP", '%s "%s" egressCIDRs: "%s" overlaps "%s" on the same node'
                                   % (kind, name, cidr_str(net), cidr_str(other)), [me], subject))
    out.extend(_multiple_ips_on_node(ctx, info, subject, me))
    return out


def _multiple_ips_on_node(ctx, info, subject, me):
    """common/egressip.go egressIPActive: a VNID may have one egress IP per node."""
    by_namespace = {}
    for ip in info.ips:
        for ns in ctx.index.namespaces_for_ip(ip):
            by_namespace.setdefault(ns, []).append(ip)
    out = []
    for ns in sorted(by_namespace):
        ips = by_namespace[ns]
        if len(ips) > 1:
            out.append(Finding("NAMESPACE_MULTIPLE_IPS_ON_NODE", 'Multiple EgressIPs (%s, %s) for VNID %s on node %s '
                               '(%s "%s" egressIPs, %s "%s")' % (
                                   int_to_ip(ips[0]), int_to_ip(ips[1]), ctx.vnid(ns), info.obj.host_ip,
                                   ctx.node_kind, info.name, ctx.ns_kind, ns),
                               [me, ctx.ns_obj(ns)], subject))
    return out


# --- namespace subject ------------------------------------------------------------------

def _check_namespace(ctx, info):
    index, name = ctx.index, info.name
    subject = ("namespace", name)
    out = _bad_entries(ctx, ctx.ns_kind, name, subject, info.bad, ctx.ns_obj(name)) if info.bad else []
    if not info.ips:
        return out
    active = 0
    now = 0                 # IPs carrying traffic right now (placed on one online node)
    offline = set()         # nodes holding an IP of this namespace that are not Ready
    manual_nodes = set()
    in_cidr = False
    # common/egressip.go syncEgressNamespaceState (openshift/sdn 18a57d7, lines 675-678): a
    # namespace one of whose IPs another namespace also requests gets no egress at all
    shared = [ip for ip in info.ips if len(index.namespaces_for_ip(ip)) > 1]
    for ip in info.ips:
        pinned = index.nodes_for_ip(ip)
        held, cidr_ready = index.cidr_hosting(ip)
        in_cidr = in_cidr or held
        working = cidr_ready
        pinned_ready = False
        for node in pinned:
            node_info = index.node(node)
            if not node_info.cidrs:
                manual_nodes.add(node)
            if node_info.eligible and not _over_capacity(node_info):
                pinned_ready = True
                # a pin the node cannot claim (node/egressip.go assignEgressIP) carries no traffic
                working = working or _can_claim(node_info, ip)
            elif not node_info.ready:
                offline.add(node)
        # lines 680-686: usable now only when placed on one node that is online (the master
        # placed it: in automatic mode it writes the HostSubnet's egressIPs)
        if len(pinned) == 1 and pinned_ready and _can_claim(index.node(pinned[0]), ip):
            now += 1
        if not pinned and not held:
            out.append(Finding("IP_NO_NODE", '%s "%s" egressIPs: "%s" is on no %s egressIPs and in no egressCIDRs: '
                               "no node can host it" % (ctx.ns_kind, name, int_to_ip(ip), ctx.node_kind),
                               [ctx.ns_obj(name)], subject))
            continue
        if not pinned_ready and not cidr_ready:
            hosts = set(pinned)
            for _net, names in index.cidr_nodes(ip):
                hosts.update(names)
            out.append(Finding("IP_NODE_NOT_READY", '%s "%s" egressIPs: "%s": every node that can host it is not '
                               "Ready (%s)" % (ctx.ns_kind, name, int_to_ip(ip), ", ".join(sorted(hosts))),
                               [ctx.ns_obj(name)] + [ctx.node_obj(n) for n in pinned], subject))
            continue
        # common/egressip.go egressIPActive: an IP claimed twice is not used at all
        if working and len(pinned) <= 1 and not shared:
            active += 1
    if active and now and not in_cidr and len(manual_nodes) != 1:
        return out                      # the common healthy case, without building any text
    ips = "[%s]" % ", ".join(int_to_ip(ip) for ip in info.ips)
    me = ctx.ns_obj(name)
    if not active:
        why = ""
        if shared:
            why = " (%s \"%s\" is requested by another namespace too: VNID %s gets no egress due to " \
                  "multiply-assigned egress IP %s)" % (ctx.ns_kind, int_to_ip(shared[0]), ctx.vnid(name),
                                                       int_to_ip(shared[0]))
        out.append(Finding("NAMESPACE_EGRESS_DROPPED", '%s "%s" egressIPs: %s: no egress IP of this namespace can be '
                           "active, its egress traffic is dropped%s" % (ctx.ns_kind, name, ips, why), [me], subject))
    elif not now and ctx.node_kind == "HostSubnet":
        # it can work, but does not right now: the master has not placed its addresses (yet),
        # or they are on nodes that are offline
        if offline:
            reason = "its addresses are on offline node(s) %s" % ", ".join(sorted(offline))
        else:
            reason = "no address is placed on a node yet (the SDN master assigns them from egressCIDRs)"
        out.append(Finding("NAMESPACE_NO_EGRESS_NOW", '%s "%s" egressIPs: %s: no egress right now: %s'
                           % (ctx.ns_kind, name, ips, reason), [me] + [ctx.node_obj(n) for n in sorted(offline)],
                           subject))
    # openshift-sdn documents one IP per namespace in automatic mode; OVN EgressIP objects
    # are made for several
    if not manual_nodes and in_cidr and len(info.ips) > 1 and ctx.node_kind == "HostSubnet":
        out.append(Finding("NAMESPACE_MULTIPLE_AUTO_IPS", '%s "%s" egressIPs: %s: more than one egress IP per '
                           "namespace is not supported in automatic mode" % (ctx.ns_kind, name, ips), [me], subject))
    if len(manual_nodes) == 1:
        node = next(iter(manual_nodes))
        out.append(Finding("NAMESPACE_SINGLE_NODE", '%s "%s" egressIPs: %s: all on node "%s": no failover when it '
                           "goes down" % (ctx.ns_kind, name, ips, node), [me, ctx.node_obj(node)], subject))
    return out


def _over_capacity(info):
    """common/egressip.go validateEgressIPs: on a cloud, a HostSubnet pinning more egress IPs than
    the node's capacity is ignored as a whole ("Ignoring invalid HostSubnet"): none is usable."""
    return info.capacity is not None and not info.cidrs and len(info.ips) > info.capacity


def _can_claim(info, ip):
    return (ip != info.host_ip and (info.network is None or cidr_contains(info.network, ip))
            and (info.cloud is None or cidr_contains(info.cloud, ip)))


# --- egress IP subject -----------------------------------------------------------------

def _check_ip(ctx, ip):
    index = ctx.index
    pinned = index.nodes_for_ip(ip)
    owners = index.namespaces_for_ip(ip)
    if not pinned and not owners:
        return []
    if len(pinned) <= 1 and len(owners) == 1 and ip not in index.host_ips and ip not in index.gateways \
            and ip not in index.reserved and ip not in index.netaddrs \
            and (not pinned or index.node(pinned[0]).cidrs or not index.cidr_hosting(ip)[0]):
        return []                       # the common healthy case, without building any text
    subject = ("ip", ip)
    text = int_to_ip(ip)
    objects = [ctx.node_obj(n) for n in pinned] + [ctx.ns_obj(n) for n in owners]
    where = "egressIPs of %s" % ", ".join(
        ['%s "%s"' % (ctx.node_kind, n) for n in pinned] + ['%s "%s"' % (ctx.ns_kind, n) for n in owners])
    out = []
    if len(pinned) > 1:
        out.append(Finding("IP_MULTIPLE_NODES", "Multiple nodes (%s, %s) claiming EgressIP %s (%s)"
                           % (ctx.node_ip(pinned[0]), ctx.node_ip(pinned[1]), text, where), objects, subject))
    if len(owners) > 1:
        out.append(Finding("IP_MULTIPLE_NAMESPACES", "Multiple namespaces (%s, %s) claiming EgressIP %s (%s)"
                           % (ctx.vnid(owners[0]), ctx.vnid(owners[1]), text, where), objects, subject))
    for host in index.host_ips.get(ip, ()):
        if host in pinned:
            out.append(Finding("IP_IS_NODE_IP", 'desired egress IP "%s" is the node IP (%s)' % (text, where),
                               objects, subject))
        else:
            out.append(Finding("IP_IS_HOST_IP", 'egress IP "%s" is the host IP of node "%s" (%s)' % (text, host, where),
                               objects + [ctx.node_obj(host)], subject))
    if ip in index.gateways:
        out.append(Finding("IP_IS_GATEWAY", 'egress IP "%s" is the gateway (%s)' % (text, where), objects, subject))
    if ip in index.reserved:
        out.append(Finding("IP_RESERVED", 'egress IP "%s" is reserved (in use or listed as reserved) (%s)'
                           % (text, where), objects, subject))
    if ip in index.netaddrs:
        what, net = index.netaddrs[ip]
        out.append(Finding("IP_IS_NETWORK_ADDRESS", 'egress IP "%s" is the %s address of %s (%s)'
                           % (text, what, cidr_str(net), where), objects, subject))
    cidr_hosts = None
    for node in pinned:
        if not index.node(node).cidrs:
            if cidr_hosts is None:
                cidr_hosts = index.cidr_nodes(ip)
            if cidr_hosts:
                net, names = cidr_hosts[0]
                message = '%s "%s" egressIPs: "%s" is pinned by hand but lies in egressCIDRs "%s" of %s "%s"' % (
                    ctx.node_kind, node, text, cidr_str(net), ctx.node_kind, names[0])
                out.append(Finding("MANUAL_IP_IN_EGRESS_CIDR", message,
                                   [ctx.node_obj(node), ctx.node_obj(names[0])] + objects, subject))
        if not owners:
            out.append(Finding("IP_UNUSED", '%s "%s" egressIPs: "%s" is used by no %s'
                               % (ctx.node_kind, node, text, ctx.ns_kind), [ctx.node_obj(node)], subject))
    return out


# --- egressCIDR subject ----------------------------------------------------------------

def _check_cidr(ctx, net):
    """A CIDR whose IPs only one Ready node can take has no failover
    (common/egressip.go findEgressIPAllocation picks among nodes whose CIDRs hold the IP)."""
    index = ctx.index
    holders = set()
    for _outer, names in index.cidr_nodes(net[0], max_plen=net[1]):
        holders.update(names)
    ready = sorted(n for n in holders if index.node(n).eligible)
    if len(ready) > 1:
        return []
    owners = index.cidr_map[net]
    return [Finding("CIDR_SINGLE_NODE", 'egressCIDRs "%s": only %d Ready node(s) can host it (%s): no failover'
                    % (cidr_str(net), len(ready), ", ".join(ready) or "none"),
                    [ctx.node_obj(n) for n in owners], ("cidr", net))]
