# -*- coding: utf-8 -*-
# Copyright: (c) ocp.egressip contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""API objects (JSON-decoded dicts) -> ClusterState, for openshift-sdn and OVN-Kubernetes.

Wrong types and malformed annotations raise InputError naming the object and field; bad
address strings inside egress fields are kept and become findings in validate.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.ocp.egressip.plugins.module_utils.core.addresses import (
    InputError, classify_cidr, cidr_str, parse_ip, prefix_mask,
)
from ansible_collections.ocp.egressip.plugins.module_utils.core.model import (
    CLOUD_ANNOTATION, OVN, OVN_ASSIGNABLE_LABEL, OVN_IFADDR_ANNOTATION, SDN, ClusterState, Namespace, Node,
    _need_count, _need_list, _need_str,
)


def _get(obj, field, *path):
    """obj[path...] for JSON-decoded API objects; None when a level is missing.  A level that
    is not a mapping raises InputError naming ``field`` and the path down to it."""
    for depth, key in enumerate(path):
        if obj is None:
            return None
        if not isinstance(obj, dict):
            raise InputError(" ".join([field] + ([".".join(path[:depth])] if depth else [])), obj,
                             "must be a mapping")
        obj = obj.get(key)
    return obj


def _where(kind, plural, idx, obj):
    """How messages name an object of a LIST: 'EgressIP "name"' (else 'egressips[3]')."""
    name = (obj.get("metadata") or {}).get("name") if isinstance(obj.get("metadata"), dict) else None
    return '%s "%s"' % (kind, name) if isinstance(name, str) and name else "%s[%d]" % (plural, idx)


def _addresses(field, value):
    """An egress address list of an API object: a list (None = empty) whose items are kept as
    given when they are scalars (a bad address becomes a finding in validate.py); a list or a
    mapping inside raises InputError naming the field and the index."""
    items = _need_list(field, value)
    for idx, item in enumerate(items):
        if isinstance(item, (list, dict)):
            raise InputError("%s[%d]" % (field, idx), item, "must be an address string")
    return items


def _objects(field, items):
    items = _need_list(field, items)
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise InputError("%s[%d]" % (field, i), item, "must be a mapping (API object)")
    return items


def _network_of(field, value):
    """An interface address or network ("198.51.100.144/24") -> its network "198.51.100.0/24"."""
    if not isinstance(value, str):
        raise InputError(field, value, "must be a CIDR string")
    addr, _slash, plen = value.partition("/")
    if not plen.isdigit() or int(plen) > 32:
        raise InputError(field, value, "must be an IPv4 CIDR such as 198.51.100.0/24")
    net, reason = classify_cidr(value)
    if reason and reason.startswith("host bits"):
        num = parse_ip(addr, field)
        net = (num & prefix_mask(int(plen)), int(plen))
    elif reason:
        raise InputError(field, value, reason)
    return cidr_str(net)


def _cloud_config(name, annotations):
    """Parse cloud.network.openshift.io/egress-ipconfig: a JSON list with one entry per
    interface (openshift-sdn uses the first, common/egressip.go GetNodeCloudEgressIPConfig).
    capacity.ip (GCP, Azure) wins over capacity.ipv4 (AWS), as in getCapacity."""
    raw = annotations.get(CLOUD_ANNOTATION)
    if raw is None:
        return None, None, None
    field = "Node %s annotation %s" % (name, CLOUD_ANNOTATION)
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise InputError(field, raw, "is not valid JSON")
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        raise InputError(field, raw, "must be a JSON list of interface configurations")
    first = data[0]
    ifaddr = first.get("ifaddr") or {}
    cap = first.get("capacity") or {}
    if not isinstance(ifaddr, dict) or not isinstance(cap, dict):
        raise InputError(field, raw, "ifaddr and capacity must be mappings")
    network = _network_of(field + " ifaddr.ipv4", ifaddr["ipv4"]) if ifaddr.get("ipv4") else None
    capacity = cap.get("ip") or cap.get("ipv4")
    if capacity is not None:
        _need_count(field + " capacity", capacity)
    interface = first.get("interface")
    return network, capacity, interface if isinstance(interface, str) and interface else None


def _node_ready(node_obj, missing=True):
    """Like openshift-sdn master/egressip.go nodeIsReady: only an explicit Ready
    condition of False or Unknown makes a node not ready.  ``missing``: the answer when the
    node has no Ready condition (OVN-Kubernetes: False, egressip_controller.go:516-523 at
    ovn-kubernetes 6c366bb, where only status "True" is ready)."""
    name = (node_obj.get("metadata") or {}).get("name") if isinstance(node_obj.get("metadata"), dict) else None
    field = "Node %s status" % name
    for cond in _need_list(field + ".conditions", _get(node_obj, field, "status", "conditions")):
        if isinstance(cond, dict) and cond.get("type") == "Ready":
            if not missing:
                return cond.get("status") == "True"
            return cond.get("status") not in ("False", "Unknown")
    return missing


def _user_network(name, value):
    """node_networks[name]: a CIDR string or {"network": CIDR, "interface": NAME}."""
    field = "node_networks[%s]" % name
    if isinstance(value, dict):
        network = _network_of(field + ".network", value.get("network"))
        interface = value.get("interface")
        return network, _need_str(field + ".interface", interface, allow_none=True)
    return _network_of(field, value), None


def _network_options(node_networks, default_network):
    """The caller's node networks, checked: a mapping (None = empty) and a parsed default CIDR."""
    if node_networks is None:
        node_networks = {}
    if not isinstance(node_networks, dict):
        raise InputError("node_networks", node_networks, "must be a mapping node name -> CIDR")
    if default_network is not None:
        default_network = _network_of("default_network", default_network)
    return node_networks, default_network


def _primary_network(name, annotations, node_networks, default_network):
    """Where a node's primary network comes from, in order: the cloud annotation's ifaddr.ipv4,
    the OVN node-primary-ifaddr annotation, node_networks[name], default_network.
    Returns (network, cloud_network, capacity, cloud_interface, user_interface)."""
    cloud_network, capacity, cloud_interface = _cloud_config(name, annotations)
    network = cloud_network
    if network is None and annotations.get(OVN_IFADDR_ANNOTATION):
        network = _ovn_ifaddr(name, annotations[OVN_IFADDR_ANNOTATION])
    user_interface = None
    if name in node_networks:
        user_network, user_interface = _user_network(name, node_networks[name])
        network = network or user_network
    return network or default_network, cloud_network, capacity, cloud_interface, user_interface


class _NodeProblems(object):
    """What one Node object holds that cannot be used (no IPv4 InternalIP, a malformed
    annotation, conditions of the wrong type): recorded per node, that part is ignored and the
    rest of the cluster carries on (ClusterState.problems -> NODE_DATA_INVALID findings)."""

    def __init__(self):
        self.problems = {}

    def attempt(self, name, parse, fallback, consequence):
        try:
            return parse()
        except InputError as exc:
            self.problems.setdefault(name, []).append("%s: ignored, %s" % (exc, consequence))
            return fallback() if callable(fallback) else fallback


def _node_meta(problems, name, obj, key):
    value = _get(obj, "Node %s" % name, "metadata", key)
    if value is None or isinstance(value, dict):
        return value or {}
    problems.problems.setdefault(name, []).append(
        "%s: ignored, %s" % (InputError("Node %s metadata.%s" % (name, key), value, "must be a mapping"),
                             "the node is taken as having none"))
    return {}


def state_from_sdn(hostsubnets, netnamespaces, nodes=(), node_networks=None, default_network=None,
                   reserved=(), gateway=None):
    """Build a ClusterState from openshift-sdn objects (JSON-decoded dicts).

    A node's primary network comes, in order, from the cloud annotation's ifaddr.ipv4,
    the OVN node-primary-ifaddr annotation, node_networks[name], default_network."""
    node_networks, default_network = _network_options(node_networks, default_network)
    node_objs = {}
    problems = _NodeProblems()
    for obj in _objects("nodes", nodes):
        name = _need_str("nodes[].metadata.name", _get(obj, "Node", "metadata", "name"))
        node_objs[name] = obj

    result = []
    for i, hs in enumerate(_objects("hostsubnets", hostsubnets)):
        field = _where("HostSubnet", "hostsubnets", i, hs)
        name = _get(hs, field, "metadata", "name") or hs.get("host")
        name = _need_str(field + " metadata.name", name)
        node_obj = node_objs.get(name, {})
        annotations = _node_meta(problems, name, node_obj, "annotations")
        primary = problems.attempt(
            name, lambda: _primary_network(name, annotations, node_networks, default_network),
            lambda: _primary_network(name, {}, node_networks, default_network), "the annotation is not used")
        network, cloud_network, capacity, interface, user_interface = primary
        result.append(Node(
            name=name,
            host_ip=_need_str(field + " hostIP", hs.get("hostIP")),
            subnet=hs.get("subnet") if isinstance(hs.get("subnet"), str) else "",
            ready=problems.attempt(name, lambda: _node_ready(node_obj), True, "taken as Ready"),
            interface=user_interface or (None if cloud_network else interface),
            network=network,
            egress_cidrs=_addresses(field + " egressCIDRs", hs.get("egressCIDRs")),
            egress_ips=_addresses(field + " egressIPs", hs.get("egressIPs")),
            capacity=capacity,
            cloud_network=cloud_network,
        ))
    namespaces = []
    for i, nn in enumerate(_objects("netnamespaces", netnamespaces)):
        field = _where("NetNamespace", "netnamespaces", i, nn)
        name = _get(nn, field, "metadata", "name") or nn.get("netname")
        namespaces.append(Namespace(
            name=_need_str(field + " metadata.name", name),
            netid=_need_count(field + " netid", nn.get("netid")),
            egress_ips=_addresses(field + " egressIPs", nn.get("egressIPs")),
        ))
    state = ClusterState(SDN, result, namespaces, reserved=_need_list("reserved", list(reserved) if isinstance(
        reserved, (set, frozenset)) else reserved), gateway=gateway)
    state.problems = problems.problems
    return state


def _ovn_ifaddr(name, raw):
    field = "Node %s annotation %s" % (name, OVN_IFADDR_ANNOTATION)
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise InputError(field, raw, "is not valid JSON")
    if not isinstance(data, dict) or not data.get("ipv4"):
        raise InputError(field, raw, 'must be a JSON object with "ipv4"')
    return _network_of(field + " ipv4", data["ipv4"])


def _ipv6_only_ifaddr(raw):
    """A node-primary-ifaddr annotation that is valid but has no IPv4 part (an IPv6-only node):
    not a problem of the node, the core (IPv4) just has no network for it."""
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return False
    return isinstance(data, dict) and bool(data.get("ipv6")) and not data.get("ipv4")


def _internal_ip(node_obj, name, required=True):
    """The node's IPv4 InternalIP.  ``required`` False (OVN-Kubernetes, where nodes may be
    IPv6-only): else its first InternalIP of any family (the core, IPv4 only, ignores it; the OVN
    controller model, ovn/controller.py, takes node addresses of both families from the
    node-primary-ifaddr and host-cidrs annotations)."""
    addresses = _get(node_obj, "Node %s status" % name, "status", "addresses") or []
    for addr in addresses:
        if isinstance(addr, dict) and addr.get("type") == "InternalIP" and "." in str(addr.get("address")):
            return addr["address"]
    if not required:
        for addr in addresses:
            if isinstance(addr, dict) and addr.get("type") == "InternalIP" and isinstance(addr.get("address"), str) \
                    and addr["address"]:
                return addr["address"]
    raise InputError("Node %s status.addresses" % name, _get(node_obj, "Node", "status", "addresses"),
                     "has no IPv4 InternalIP" if required else "has no InternalIP")


def state_from_ovn(egressips, nodes, node_networks=None, default_network=None, reserved=(), gateway=None):
    """Build a ClusterState from OVN-Kubernetes objects: one Namespace per EgressIP object
    (spec.egressIPs; status.items say where OVN put each IP), one Node per Node object.

    OVN places an IP on any egress-assignable node whose primary network holds it, which is
    automatic mode with the node network as the egressCIDR; so an assignable node gets
    egress_cidrs [network], and egress_ips are the IPs status.items puts on it."""
    node_networks, default_network = _network_options(node_networks, default_network)
    placed = {}
    namespaces = []
    for i, obj in enumerate(_objects("egressips", egressips)):
        field = _where("EgressIP", "egressips", i, obj)
        name = _need_str(field + " metadata.name", _get(obj, field, "metadata", "name"))
        namespaces.append(Namespace(name=name, egress_ips=_addresses(field + " spec.egressIPs",
                                                                     _get(obj, field, "spec", "egressIPs"))))
        for item in _need_list(field + " status.items", _get(obj, field, "status", "items")):
            if isinstance(item, dict) and isinstance(item.get("node"), str) and isinstance(item.get("egressIP"), str):
                placed.setdefault(item["node"], []).append(item.get("egressIP"))
    result = []
    problems = _NodeProblems()
    for obj in _objects("nodes", nodes):
        name = _need_str("nodes[].metadata.name", _get(obj, "Node", "metadata", "name"))
        annotations = _node_meta(problems, name, obj, "annotations")
        labels = _node_meta(problems, name, obj, "labels")
        try:
            primary = _primary_network(name, annotations, node_networks, default_network)
        except InputError as exc:
            # an IPv6-only or malformed annotation: the core (IPv4) sees no network there; the
            # controller model (ovn/controller.py) reads both families and reports bad annotations
            # for this node only, as OVN-Kubernetes skips that node (egressip_event_handler.go:44-46)
            if not _ipv6_only_ifaddr(annotations.get(OVN_IFADDR_ANNOTATION)):
                problems.problems.setdefault(name, []).append("%s: ignored, the annotation is not used" % exc)
            clean = dict((k, v) for k, v in annotations.items() if k not in (OVN_IFADDR_ANNOTATION, CLOUD_ANNOTATION))
            primary = _primary_network(name, clean, node_networks, default_network)
        network, cloud_network, capacity, _interface, user_interface = primary
        host_ip = problems.attempt(name, lambda: _internal_ip(obj, name, required=False), None,
                                   "the node cannot host egress IPs and is left out")
        if host_ip is None:
            continue
        assignable = OVN_ASSIGNABLE_LABEL in labels
        result.append(Node(name=name, host_ip=host_ip,
                           ready=problems.attempt(name, lambda: _node_ready(obj, missing=False), False,
                                                  "taken as not Ready"),
                           interface=user_interface, network=network,
                           egress_cidrs=[network] if assignable and network else [],
                           egress_ips=placed.get(name, []), capacity=capacity, cloud_network=cloud_network,
                           assignable=assignable))
    state = ClusterState(OVN, result, namespaces, reserved=_need_list("reserved", list(reserved) if isinstance(
        reserved, (set, frozenset)) else reserved), gateway=gateway)
    state.problems = problems.problems
    return state
