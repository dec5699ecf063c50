# -*- coding: utf-8 -*-
# Copyright: (c) ocp.egressip contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The normalized cluster state the validator and the allocator work on.

One Node per HostSubnet (openshift-sdn) or Node (OVN-Kubernetes); one Namespace
per NetNamespace (openshift-sdn) or EgressIP object (OVN-Kubernetes). Address
strings are kept as given: bad values become findings in validate.py, because
they come from the API and the user must be told which object holds them.
Wrong *types* are programming or input errors and raise InputError at once.

Change a state only through set_node_egress / set_namespace_egress: they
replace the Node/Namespace object (copy on write) and keep the cached parsed
index (index.py) in step, which is what makes one allocation on a 10,000
namespace cluster cost about a millisecond. After editing fields directly,
call invalidate().
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.ocp.egressip.plugins.module_utils.addresses import (
    InputError, classify_cidr, cidr_str, parse_ip, prefix_mask,
)

SDN = "OpenShiftSDN"
OVN = "OVNKubernetes"
NETWORK_TYPES = (SDN, OVN)

CLOUD_ANNOTATION = "cloud.network.openshift.io/egress-ipconfig"
OVN_IFADDR_ANNOTATION = "k8s.ovn.org/node-primary-ifaddr"
OVN_ASSIGNABLE_LABEL = "k8s.ovn.org/egress-assignable"


def _need_str(field, value, allow_none=False, allow_empty=False):
    if value is None and allow_none:
        return None
    if not isinstance(value, str) or (not value and not allow_empty):
        raise InputError(field, value, "must be a non-empty string")
    return value


def _need_list(field, value):
    if value is None:
        return []
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, (list, tuple)):
        raise InputError(field, value, "must be a list")
    return list(value)


def _need_bool(field, value):
    if not isinstance(value, bool):
        raise InputError(field, value, "must be a boolean")
    return value


def _need_count(field, value, allow_none=True):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(field, value, "must be a non-negative integer")
    return value


class Node(object):
    """One node: HostSubnet (openshift-sdn) or Node (OVN) plus what the Node object says."""

    __slots__ = ("name", "host_ip", "subnet", "ready", "interface", "network", "egress_cidrs",
                 "egress_ips", "capacity", "cloud_network", "assignable")

    def __init__(self, name, host_ip, subnet="", ready=True, interface=None, network=None,
                 egress_cidrs=None, egress_ips=None, capacity=None, cloud_network=None,
                 assignable=True):
        self.name = _need_str("node.name", name)
        where = "node %s" % name
        self.host_ip = _need_str(where + " host_ip", host_ip)
        self.subnet = _need_str(where + " subnet", subnet, allow_none=True, allow_empty=True) or ""
        self.ready = _need_bool(where + " ready", ready)
        self.interface = _need_str(where + " interface", interface, allow_none=True)
        self.network = _need_str(where + " network", network, allow_none=True)
        self.egress_cidrs = _need_list(where + " egress_cidrs", egress_cidrs)
        self.egress_ips = _need_list(where + " egress_ips", egress_ips)
        self.capacity = _need_count(where + " capacity", capacity)
        self.cloud_network = _need_str(where + " cloud_network", cloud_network, allow_none=True)
        self.assignable = _need_bool(where + " assignable", assignable)

    def replace(self, **changes):
        values = dict((key, getattr(self, key)) for key in self.__slots__)
        values.update(changes)
        return Node(**values)

    def to_dict(self):
        return dict((key, list(getattr(self, key)) if key in ("egress_cidrs", "egress_ips")
                     else getattr(self, key)) for key in self.__slots__)

    def __eq__(self, other):
        return isinstance(other, Node) and self.to_dict() == other.to_dict()

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __repr__(self):
        return "Node(%r)" % self.to_dict()


class Namespace(object):
    """One namespace: NetNamespace (openshift-sdn) or EgressIP object (OVN)."""

    __slots__ = ("name", "netid", "egress_ips")

    def __init__(self, name, netid=None, egress_ips=None):
        self.name = _need_str("namespace.name", name)
        self.netid = _need_count("namespace %s netid" % name, netid)
        self.egress_ips = _need_list("namespace %s egress_ips" % name, egress_ips)

    def replace(self, **changes):
        values = dict(name=self.name, netid=self.netid, egress_ips=self.egress_ips)
        values.update(changes)
        return Namespace(**values)

    def to_dict(self):
        return dict(name=self.name, netid=self.netid, egress_ips=list(self.egress_ips))

    def __eq__(self, other):
        return isinstance(other, Namespace) and self.to_dict() == other.to_dict()

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __repr__(self):
        return "Namespace(%r)" % self.to_dict()


class _Tracked(dict):
    """A dict that counts its changes, so a cached index notices objects replaced by plain
    assignment (state.nodes[name] = Node(...)) instead of through the setters."""

    __slots__ = ("version",)

    def __init__(self, *args, **kwargs):
        super(_Tracked, self).__init__(*args, **kwargs)
        self.version = 0

    def _bump(self):
        self.version += 1

    def __setitem__(self, key, value):
        self._bump()
        super(_Tracked, self).__setitem__(key, value)

    def __delitem__(self, key):
        self._bump()
        super(_Tracked, self).__delitem__(key)

    def pop(self, *args):
        self._bump()
        return super(_Tracked, self).pop(*args)

    def popitem(self):
        self._bump()
        return super(_Tracked, self).popitem()

    def setdefault(self, key, default=None):
        self._bump()
        return super(_Tracked, self).setdefault(key, default)

    def update(self, *args, **kwargs):
        self._bump()
        super(_Tracked, self).update(*args, **kwargs)

    def clear(self):
        self._bump()
        super(_Tracked, self).clear()


class ClusterState(object):
    """nodes and namespaces by name, plus addresses never to hand out."""

    def __init__(self, network_type=SDN, nodes=None, namespaces=None, reserved=(), gateway=None):
        if network_type not in NETWORK_TYPES:
            raise InputError("network_type", network_type, "must be one of %s" % ", ".join(NETWORK_TYPES))
        self.network_type = network_type
        self.nodes = _Tracked()
        self.namespaces = _Tracked()
        for node in _need_list("nodes", list(nodes.values()) if isinstance(nodes, dict) else nodes):
            if not isinstance(node, Node):
                raise InputError("nodes", node, "must be a Node")
            self.nodes[node.name] = node
        for ns in _need_list("namespaces", list(namespaces.values()) if isinstance(namespaces, dict) else namespaces):
            if not isinstance(ns, Namespace):
                raise InputError("namespaces", ns, "must be a Namespace")
            self.namespaces[ns.name] = ns
        if isinstance(reserved, (set, frozenset)):
            reserved = sorted(reserved)
        self.reserved = set(_need_str("reserved[]", item) for item in _need_list("reserved", reserved))
        self.gateway = _need_str("gateway", gateway, allow_none=True)
        self._index = None      # parsed indexes, built on demand by index.index_of()
        self._index_stamp = None

    def stamp(self):
        """Identity and change counts of what the cached index was built from; None when the
        dicts were replaced by plain ones (then the index is rebuilt every time)."""
        nodes, namespaces = self.nodes, self.namespaces
        if not isinstance(nodes, _Tracked) or not isinstance(namespaces, _Tracked):
            return None
        return (id(nodes), nodes.version, id(namespaces), namespaces.version, id(self.reserved),
                len(self.reserved), self.gateway, self.network_type)

    def set_index(self, index):
        """Cache a parsed index of the current content (index.py)."""
        self._index = index
        self._index_stamp = self.stamp() if index is not None else None

    def cached_index(self):
        if self._index is not None and self._index_stamp is not None and self._index_stamp == self.stamp():
            return self._index
        return None

    def kinds(self):
        """(node kind, namespace kind) object names for messages and plans."""
        return ("HostSubnet", "NetNamespace") if self.network_type == SDN else ("Node", "EgressIP")

    def copy(self):
        """A deep copy: safe to edit in any way."""
        return ClusterState(self.network_type,
                            [Node(**node.to_dict()) for node in self.nodes.values()],
                            [Namespace(**ns.to_dict()) for ns in self.namespaces.values()],
                            set(self.reserved), self.gateway)

    def fork(self):
        """A cheap copy that shares Node/Namespace objects with this state (copy on write
        through the setters) and a view of its parsed index. Do not edit its objects in place."""
        other = ClusterState.__new__(ClusterState)
        other.network_type = self.network_type
        other.nodes = _Tracked(self.nodes)
        other.namespaces = _Tracked(self.namespaces)
        other.reserved = self.reserved
        other.gateway = self.gateway
        index = self.cached_index()
        other.set_index(index.fork() if index is not None else None)
        return other

    def invalidate(self):
        """Drop cached indexes after editing fields directly."""
        self.set_index(None)

    def set_node_egress(self, name, egress_cidrs=None, egress_ips=None):
        """Replace a node's egressCIDRs and/or egressIPs (None = leave as is)."""
        old = self.nodes.get(name)
        if old is None:
            raise InputError("node", name, "no such node")
        changes = {}
        if egress_cidrs is not None:
            changes["egress_cidrs"] = _need_list("node %s egress_cidrs" % name, egress_cidrs)
        if egress_ips is not None:
            changes["egress_ips"] = _need_list("node %s egress_ips" % name, egress_ips)
        new = old.replace(**changes)
        index = self.cached_index()
        self.nodes[name] = new
        if index is not None:
            # Only egressIPs changes are kept incrementally; egressCIDRs move the
            # static indexes (CIDR map, segments), which are rebuilt on demand.
            if new.egress_cidrs != old.egress_cidrs:
                index = None
            else:
                index = index.with_node(new)
        self.set_index(index)

    def set_namespace_egress(self, name, egress_ips):
        old = self.namespaces.get(name)
        if old is None:
            raise InputError("namespace", name, "no such namespace")
        new = old.replace(egress_ips=_need_list("namespace %s egress_ips" % name, egress_ips))
        index = self.cached_index()
        self.namespaces[name] = new
        self.set_index(index.with_namespace(new) if index is not None else None)

    def to_dict(self):
        return dict(network_type=self.network_type,
                    nodes=[self.nodes[k].to_dict() for k in sorted(self.nodes)],
                    namespaces=[self.namespaces[k].to_dict() for k in sorted(self.namespaces)],
                    reserved=sorted(self.reserved), gateway=self.gateway)

    def __eq__(self, other):
        return isinstance(other, ClusterState) and self.to_dict() == other.to_dict()

    def __ne__(self, other):
        return not self == other

    __hash__ = None


# ---------------------------------------------------------------------------
# Building a state from API objects

def _get(obj, field, *path):
    """obj[path...] for JSON-decoded API objects; None when a level is missing."""
    for key in path:
        if obj is None:
            return None
        if not isinstance(obj, dict):
            raise InputError(field, obj, "must be a mapping")
        obj = obj.get(key)
    return obj


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


def _node_ready(node_obj):
    """Like openshift-sdn master/egressip.go nodeIsReady: only an explicit Ready
    condition of False or Unknown makes a node not ready."""
    for cond in _get(node_obj, "Node status", "status", "conditions") or []:
        if isinstance(cond, dict) and cond.get("type") == "Ready":
            return cond.get("status") not in ("False", "Unknown")
    return True


def _user_network(name, value):
    """node_networks[name]: a CIDR string or {"network": CIDR, "interface": NAME}."""
    field = "node_networks[%s]" % name
    if isinstance(value, dict):
        network = _network_of(field + ".network", value.get("network"))
        interface = value.get("interface")
        return network, _need_str(field + ".interface", interface, allow_none=True)
    return _network_of(field, value), None


def state_from_sdn(hostsubnets, netnamespaces, nodes=(), node_networks=None, default_network=None,
                   reserved=(), gateway=None):
    """Build a ClusterState from openshift-sdn objects (JSON-decoded dicts).

    A node's primary network comes, in order, from the cloud annotation's ifaddr.ipv4,
    the OVN node-primary-ifaddr annotation, node_networks[name], default_network."""
    if node_networks is None:
        node_networks = {}
    if not isinstance(node_networks, dict):
        raise InputError("node_networks", node_networks, "must be a mapping node name -> CIDR")
    if default_network is not None:
        default_network = _network_of("default_network", default_network)
    node_objs = {}
    for obj in _objects("nodes", nodes):
        name = _need_str("nodes[].metadata.name", _get(obj, "Node", "metadata", "name"))
        node_objs[name] = obj

    result = []
    for i, hs in enumerate(_objects("hostsubnets", hostsubnets)):
        field = "hostsubnets[%d]" % i
        name = _get(hs, field, "metadata", "name") or hs.get("host")
        name = _need_str(field + ".metadata.name", name)
        node_obj = node_objs.get(name, {})
        annotations = _get(node_obj, "Node %s" % name, "metadata", "annotations") or {}
        if not isinstance(annotations, dict):
            raise InputError("Node %s metadata.annotations" % name, annotations, "must be a mapping")
        cloud_network, capacity, interface = _cloud_config(name, annotations)
        network = cloud_network
        if network is None and annotations.get(OVN_IFADDR_ANNOTATION):
            network = _ovn_ifaddr(name, annotations[OVN_IFADDR_ANNOTATION])
        user_interface = None
        if name in node_networks:
            user_network, user_interface = _user_network(name, node_networks[name])
            network = network or user_network
        network = network or default_network
        result.append(Node(
            name=name,
            host_ip=_need_str(field + ".hostIP", hs.get("hostIP")),
            subnet=hs.get("subnet") or "",
            ready=_node_ready(node_obj),
            interface=user_interface or (None if cloud_network else interface),
            network=network,
            egress_cidrs=_need_list(field + ".egressCIDRs", hs.get("egressCIDRs")),
            egress_ips=_need_list(field + ".egressIPs", hs.get("egressIPs")),
            capacity=capacity,
            cloud_network=cloud_network,
        ))
    namespaces = []
    for i, nn in enumerate(_objects("netnamespaces", netnamespaces)):
        field = "netnamespaces[%d]" % i
        name = _get(nn, field, "metadata", "name") or nn.get("netname")
        namespaces.append(Namespace(
            name=_need_str(field + ".metadata.name", name),
            netid=_need_count(field + ".netid", nn.get("netid")),
            egress_ips=_need_list(field + ".egressIPs", nn.get("egressIPs")),
        ))
    return ClusterState(SDN, result, namespaces, reserved=_need_list("reserved", list(reserved) if isinstance(
        reserved, (set, frozenset)) else reserved), gateway=gateway)


def _ovn_ifaddr(name, raw):
    field = "Node %s annotation %s" % (name, OVN_IFADDR_ANNOTATION)
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise InputError(field, raw, "is not valid JSON")
    if not isinstance(data, dict) or not data.get("ipv4"):
        raise InputError(field, raw, 'must be a JSON object with "ipv4"')
    return _network_of(field + " ipv4", data["ipv4"])


def _internal_ip(node_obj, name):
    for addr in _get(node_obj, "Node %s status" % name, "status", "addresses") or []:
        if isinstance(addr, dict) and addr.get("type") == "InternalIP" and "." in str(addr.get("address")):
            return addr["address"]
    raise InputError("Node %s status.addresses" % name, _get(node_obj, "Node", "status", "addresses"),
                     "has no IPv4 InternalIP")


def state_from_ovn(egressips, nodes, node_networks=None, default_network=None, reserved=(), gateway=None):
    """Build a ClusterState from OVN-Kubernetes objects: one Namespace per EgressIP object
    (spec.egressIPs; status.items say where OVN put each IP), one Node per Node object.

    OVN places an IP on any egress-assignable node whose primary network holds it, which is
    automatic mode with the node network as the egressCIDR; so an assignable node gets
    egress_cidrs [network], and egress_ips are the IPs status.items puts on it."""
    if node_networks is None:
        node_networks = {}
    if not isinstance(node_networks, dict):
        raise InputError("node_networks", node_networks, "must be a mapping node name -> CIDR")
    if default_network is not None:
        default_network = _network_of("default_network", default_network)
    placed = {}
    namespaces = []
    for i, obj in enumerate(_objects("egressips", egressips)):
        field = "egressips[%d]" % i
        name = _need_str(field + ".metadata.name", _get(obj, field, "metadata", "name"))
        namespaces.append(Namespace(name=name, egress_ips=_need_list(field + ".spec.egressIPs",
                                                                     _get(obj, field, "spec", "egressIPs"))))
        for item in _need_list(field + ".status.items", _get(obj, field, "status", "items")):
            if isinstance(item, dict) and isinstance(item.get("node"), str):
                placed.setdefault(item["node"], []).append(item.get("egressIP"))
    result = []
    for obj in _objects("nodes", nodes):
        name = _need_str("nodes[].metadata.name", _get(obj, "Node", "metadata", "name"))
        meta = obj.get("metadata") or {}
        annotations = meta.get("annotations") or {}
        labels = meta.get("labels") or {}
        if not isinstance(annotations, dict) or not isinstance(labels, dict):
            raise InputError("Node %s metadata" % name, meta, "annotations and labels must be mappings")
        cloud_network, capacity, _interface = _cloud_config(name, annotations)
        network = cloud_network
        if network is None and annotations.get(OVN_IFADDR_ANNOTATION):
            network = _ovn_ifaddr(name, annotations[OVN_IFADDR_ANNOTATION])
        user_interface = None
        if name in node_networks:
            user_network, user_interface = _user_network(name, node_networks[name])
            network = network or user_network
        network = network or default_network
        assignable = OVN_ASSIGNABLE_LABEL in labels
        result.append(Node(name=name, host_ip=_internal_ip(obj, name), ready=_node_ready(obj),
                           interface=user_interface, network=network,
                           egress_cidrs=[network] if assignable and network else [],
                           egress_ips=placed.get(name, []), capacity=capacity, cloud_network=cloud_network,
                           assignable=assignable))
    return ClusterState(OVN, result, namespaces, reserved=_need_list("reserved", list(reserved) if isinstance(
        reserved, (set, frozenset)) else reserved), gateway=gateway)
