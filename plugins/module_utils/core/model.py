# -*- coding: utf-8 -*-
# Copyright: (c) ocp.egressip contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The normalized cluster state the validator and the allocator work on (import it from
state.py, which also exports the builders of api_objects.py).

One Node per HostSubnet (openshift-sdn) or Node (OVN-Kubernetes); one Namespace
per NetNamespace (openshift-sdn) or EgressIP object (OVN-Kubernetes). Address
strings are kept as given: bad values become findings in validate.py, because
they come from the API and the user must be told which object holds them.
Wrong *types* are programming or input errors and raise InputError at once.

Change a state through set_node_egress / set_namespace_egress: they replace the
Node/Namespace object (copy on write) and keep the cached parsed index (index.py)
in step, which is what makes one allocation on a 10,000 namespace cluster cost well
under a millisecond. Replacing objects by assignment is noticed (the cache is
dropped); after editing lists in place, call invalidate().
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.ocp.egressip.plugins.module_utils.core.addresses import InputError

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
                 "egress_ips", "capacity", "cloud_network", "assignable", "host_networks")

    def __init__(self, name, host_ip, subnet="", ready=True, interface=None, network=None,
                 egress_cidrs=None, egress_ips=None, capacity=None, cloud_network=None,
                 assignable=True, host_networks=None):
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
        # OVN-Kubernetes secondary host networks (k8s.ovn.org/host-cidrs): an egress CIDR equal to
        # one of them is hosted on that network as a whole, not clipped to the primary network
        # (openshift-sdn has none: its egressCIDRs only count inside the node network)
        self.host_networks = _need_list(where + " host_networks", host_networks)

    def replace(self, **changes):
        if set(changes) <= {"egress_ips", "egress_cidrs"}:
            # the allocator's hot path: copy, check only what changes
            new = Node.__new__(Node)
            for key in self.__slots__:
                setattr(new, key, getattr(self, key))
            new.egress_cidrs = list(self.egress_cidrs)      # never share lists between objects
            new.egress_ips = list(self.egress_ips)
            for key, value in changes.items():
                setattr(new, key, _need_list("node %s %s" % (self.name, key), value))
            return new
        values = dict((key, getattr(self, key)) for key in self.__slots__)
        values.update(changes)
        return Node(**values)

    def to_dict(self):
        return dict((key, list(getattr(self, key)) if key in ("egress_cidrs", "egress_ips", "host_networks")
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

    def __init__(self, network_type=SDN, nodes=None, namespaces=None, reserved=(), gateway=None, gateways=()):
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
        # gateways of the node networks (learnt from the nodes' default routes): never handed
        # out, like `gateway`
        if isinstance(gateways, (set, frozenset)):
            gateways = sorted(gateways)
        self.gateways = frozenset(_need_str("gateways[]", item) for item in _need_list("gateways", gateways))
        self._index = None      # parsed indexes, built on demand by index.index_of()
        self._index_stamp = None
        # node name -> [message]: parts of its Node object that could not be used (api_objects)
        self.problems = {}

    def stamp(self):
        """Identity and change counts of what the cached index was built from; None when the
        dicts were replaced by plain ones (then the index is rebuilt every time)."""
        nodes, namespaces = self.nodes, self.namespaces
        if not isinstance(nodes, _Tracked) or not isinstance(namespaces, _Tracked):
            return None
        return (id(nodes), nodes.version, id(namespaces), namespaces.version, id(self.reserved),
                len(self.reserved), self.gateway, self.gateways, self.network_type)

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
        other = ClusterState(self.network_type,
                             [Node(**node.to_dict()) for node in self.nodes.values()],
                             [Namespace(**ns.to_dict()) for ns in self.namespaces.values()],
                             set(self.reserved), self.gateway, self.gateways)
        other.problems = dict((k, list(v)) for k, v in self.problems.items())
        return other

    def fork(self):
        """A cheap copy that shares Node/Namespace objects with this state (copy on write
        through the setters) and a view of its parsed index. Do not edit its objects in place."""
        other = ClusterState.__new__(ClusterState)
        other.network_type = self.network_type
        other.nodes = _Tracked(self.nodes)
        other.namespaces = _Tracked(self.namespaces)
        other.reserved = self.reserved
        other.gateway = self.gateway
        other.gateways = self.gateways
        other.problems = self.problems
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
                    reserved=sorted(self.reserved), gateway=self.gateway, gateways=sorted(self.gateways))

    def __eq__(self, other):
        return isinstance(other, ClusterState) and self.to_dict() == other.to_dict()

    def __ne__(self, other):
        return not self == other

    __hash__ = None
