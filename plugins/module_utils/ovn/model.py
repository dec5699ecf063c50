# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OVN-Kubernetes on the core model (pure: no ansible, no kubernetes imports).

Mapping (see docs/ovn.md):

- one core ``Node`` per Kubernetes Node. ``assignable`` is the label
  ``k8s.ovn.org/egress-assignable``; an assignable node with a known primary network gets
  that network as its only ``egress_cidrs`` entry (OVN-Kubernetes hosts any egress IP of the
  node's primary network on any assignable node: the core's automatic mode);
  ``egress_ips`` are the IPs the EgressIP ``status.items`` put on the node.
- one core ``Namespace`` per EgressIP object (``spec.egressIPs``; no netid).
- the assignment OVN-Kubernetes will make is predicted with the rules of its cluster
  manager (go-controller/pkg/clustermanager/egressip_controller.go, ``assignEgressIPs``):
  existing valid assignments stay; a new IP goes to the Ready, assignable node with the
  fewest allocations whose network holds it, below the node's cloud capacity, never two IPs
  of one EgressIP on one node.
- validation is the core's, minus the openshift-sdn only rules (one IP per namespace in
  automatic mode, manual pins, egressCIDR shapes), with OVN wording where the core speaks of
  HostSubnets, plus two OVN findings from the prediction (capacity, one IP per node).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

from ansible_collections.ocp.egressip.plugins.module_utils.core.addresses import (
    InputError, cidr_contains, cidr_str, classify_cidr, classify_ip, ip_object, parse_pool_entry,
)
from ansible_collections.ocp.egressip.plugins.module_utils.core.findings import ERROR, WARNING, Code, Finding
from ansible_collections.ocp.egressip.plugins.module_utils.core.options import is_dns1123_label
from ansible_collections.ocp.egressip.plugins.module_utils.core.text import printable
from ansible_collections.ocp.egressip.plugins.module_utils.core import state as core_state
from ansible_collections.ocp.egressip.plugins.module_utils.core.validate import sort_findings, validate
from ansible_collections.ocp.egressip.plugins.module_utils.ovn import controller

OVN = core_state.OVN
LABEL = core_state.OVN_ASSIGNABLE_LABEL
IFADDR_ANNOTATION = core_state.OVN_IFADDR_ANNOTATION
CLOUD_ANNOTATION = core_state.CLOUD_ANNOTATION
NAME_LABEL = "kubernetes.io/metadata.name"
NODE_KIND, EIP_KIND = "Node", "EgressIP"

_SRC = "ovn-kubernetes go-controller/pkg/clustermanager/egressip_controller.go assignEgressIPs"
_CTL = "ovn-kubernetes 6c366bb go-controller/pkg/clustermanager/egressip_controller.go"
OVN_CODES = {
    "EGRESSIP_INVALID_SPEC": Code(
        ERROR, 'EgressIP "{name}" egressIPs: "{value}": unable to parse provided EgressIP', _CTL + ":1359-1375"),
    "EGRESSIP_BLOCKED": Code(
        ERROR, 'EgressIP "{name}" egressIPs: "{ip}": cannot check host addresses', _CTL + ":1178-1181, 1378-1393"),
    "NODE_HOST_CIDRS_UNPARSABLE": Code(
        ERROR, 'Node "{node}": k8s.ovn.org/host-cidrs cannot be parsed: no egress IP is assigned anywhere',
        _CTL + ":1378-1393"),
    "EGRESSIP_STALE_STATUS": Code(
        WARNING, 'EgressIP "{name}" status.items: "{ip}" on node "{node}" is stale', _CTL + ":1405-1459"),
    "EGRESSIP_NONE_ASSIGNED": Code(
        WARNING, 'EgressIP "{name}": none of its egress IPs is assigned: pods leave with their node\'s address',
        _CTL + ":1327-1336"),
    "EGRESSIP_OVER_CAPACITY": Code(
        ERROR, 'EgressIP "{name}" egressIPs: "{ip}": every egress-assignable node whose network holds it is at its '
               "capacity ({nodes})", _SRC + " (capacity from cloud.network.openshift.io/egress-ipconfig)"),
    "EGRESSIP_NOT_ALL_ASSIGNABLE": Code(
        WARNING, "Not all egress IPs for EgressIP: {name} could be assigned, please tag more nodes ({ips})",
        _SRC + " (one egress IP of an EgressIP per node)"),
}

# core codes that describe openshift-sdn objects only (egressCIDRs as written by users,
# manual pins, one IP per namespace in automatic mode, pins no namespace uses)
SDN_ONLY_CODES = frozenset(["NAMESPACE_MULTIPLE_AUTO_IPS", "NODE_MIXED_MODE", "MANUAL_IP_IN_EGRESS_CIDR",
                            "CIDR_NOT_IN_NODE_NETWORK", "CIDR_OVERLAP", "CIDR_NOT_IN_CLOUD_NETWORK", "IP_UNUSED"])


class OvnFinding(Finding):
    """A finding with an OVN-only code (same interface as findings.Finding)."""

    def __init__(self, code, message, objects, subject=None):    # pylint: disable=super-init-not-called
        self.code = code
        self.severity = (OVN_CODES.get(code) or core_codes()[code]).severity
        self.message = printable(message)
        self.objects = sorted(set(objects))
        self.subject = subject


def core_codes():
    from ansible_collections.ocp.egressip.plugins.module_utils.core.findings import CODES
    return CODES


def ref(kind, name):
    return "%s/%s" % (kind, name)


# ---------------------------------------------------------------------------------------
# API objects -> state

def _meta(obj, key):
    value = (obj.get("metadata") or {}).get(key)
    return value if isinstance(value, dict) else {}


def _meta_for_write(obj, key):
    """metadata.<key> (labels, annotations) of a copy being edited, made a mapping first: the API
    server accepts ``labels: null``, which reads as no labels."""
    if not isinstance(obj.get("metadata"), dict):
        obj["metadata"] = {}
    if not isinstance(obj["metadata"].get(key), dict):
        obj["metadata"][key] = {}
    return obj["metadata"][key]


def _status(node_obj):
    """status of a Node object, {} when it is not a mapping (a corrupt Node is reported by the
    state builder as NODE_DATA_INVALID; facts still lists it)."""
    status = node_obj.get("status")
    return status if isinstance(status, dict) else {}


def _entries(value):
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def node_host_ip(node_obj):
    """The node's first InternalIP (either family), else the address of node-primary-ifaddr."""
    for addr in _entries(_status(node_obj).get("addresses")):
        if isinstance(addr, dict) and addr.get("type") == "InternalIP" and addr.get("address"):
            return addr["address"]
    raw = _meta(node_obj, "annotations").get(IFADDR_ANNOTATION)
    try:
        data = json.loads(raw)
        return (data.get("ipv4") or data.get("ipv6")).split("/")[0]
    except (TypeError, ValueError, KeyError, AttributeError):
        return None


def node_ready(node_obj):
    """The cluster manager's rule (controller._ready): Ready must be "True"; no condition = not ready."""
    return controller._ready(node_obj)


def is_assignable(node_obj):
    return LABEL in _meta(node_obj, "labels")


def status_items(egressips):
    """EgressIP name -> [(ip, node)] from status.items, in the order reported."""
    out = {}
    for obj in egressips:
        name = (obj.get("metadata") or {}).get("name")
        items = []
        status = obj.get("status")
        for item in (status.get("items") if isinstance(status, dict) else None) or []:
            # written by OVN-Kubernetes; an item it could not have written (not two strings) is ignored
            if isinstance(item, dict) and isinstance(item.get("egressIP"), str) and item["egressIP"] and \
                    isinstance(item.get("node"), str) and item["node"]:
                items.append((item["egressIP"], item["node"]))
        out[name] = items
    return out


def ovn_state(nodes, egressips, node_networks=None, default_network=None, reserved=(), gateway=None,
              node_interfaces=None, default_interface=None):
    """ClusterState (OVNKubernetes) from Node and EgressIP objects: the core's
    state.state_from_ovn (networks from the annotations cloud.network.openshift.io/egress-ipconfig
    and k8s.ovn.org/node-primary-ifaddr, then node_networks[name], then default_network), plus
    the interface names given by the user (used in messages)."""
    state = core_state.state_from_ovn(list(egressips), list(nodes), node_networks=node_networks or None,
                                      default_network=default_network, reserved=list(reserved or ()),
                                      gateway=gateway)
    node_interfaces = node_interfaces or {}
    touched = False
    for name, node in list(state.nodes.items()):
        iface = node_interfaces.get(name) or default_interface
        if node.interface is None and iface:
            state.nodes[name] = node.replace(interface=iface)
            touched = True
    if touched:
        state.invalidate()
    return state


def set_assignable(state, name, assignable=True):
    """Label (or unlabel) a node in the state; its network becomes (stops being) a hosting range."""
    node = state.nodes.get(name)
    if node is None:
        raise InputError("assignable_nodes", name, "no such Node")
    cidrs = [node.network] if assignable and node.network else []
    if node.assignable == assignable and list(node.egress_cidrs) == cidrs:
        return False
    state.nodes[name] = node.replace(assignable=assignable, egress_cidrs=cidrs)
    state.invalidate()
    return True


def host_secondary_networks(state, node_objs, platform, pool):
    """IPv4 ``count`` from a pool on secondary host networks: the core allocates in automatic
    mode over the assignable nodes' ``egress_cidrs`` (their primary network, set_assignable), so
    each assignable node also gets those of its IPv4 secondary host networks
    (``k8s.ovn.org/host-cidrs``, never on cloud platforms: controller.EgressNode.secondary_network,
    NA:1268-1294) that overlap the pool, and every host-cidrs address becomes reserved (the
    controller never assigns a node address, EIPC:1378-1393). Only networks the pool names are
    added: a count without a pool stays on the primary networks. -> True when the state changed."""
    cloud = controller.is_cloud(platform)
    if cloud or not pool:
        return False
    spans = [parse_pool_entry(entry, "pool") for entry in pool]
    changed = False
    for obj in node_objs:
        en = controller.egress_node(obj, cloud)
        node = state.nodes.get(en.name)
        if node is not None and en.host_addrs:
            new = set(a for a in en.host_addrs if ":" not in a) - state.reserved
            if new:
                state.reserved |= new
                changed = True
        if node is None or not node.assignable or en.secondary_error:
            continue
        extra = [str(net) for net in en.secondary if net.version == 4 and str(net) not in node.egress_cidrs
                 and any(low <= int(net.broadcast_address) and int(net.network_address) <= high
                         for low, high in spans)]
        if extra:
            state.nodes[en.name] = node.replace(egress_cidrs=list(node.egress_cidrs) + extra,
                                                host_networks=list(node.host_networks) + extra)
            changed = True
    if changed:
        state.invalidate()
    return changed


def add_egressip(state, name):
    if name not in state.namespaces:
        state.namespaces[name] = core_state.Namespace(name=name)
        state.invalidate()


def remove_egressip(state, name):
    if name in state.namespaces:
        del state.namespaces[name]
        state.invalidate()


# ---------------------------------------------------------------------------------------
# predicting OVN-Kubernetes' assignment: ovn/controller.py replays the cluster manager

def _ip(text):
    num, reason = classify_ip(text)
    return None if reason else num


def _net(text):
    if not text:
        return None
    net, reason = classify_cidr(text)
    return None if reason else net


class Prediction(object):
    """The controller's view (controller.View) in the shape the runner and facts use:
    assignments: ip -> node; items: EgressIP -> [(ip, node)]; count: node -> load;
    results: EgressIP -> controller.Result (pending, stale, conflicts, invalid)."""

    def __init__(self, view):
        self.view = view
        self.results = view.results
        self.items = view.assignments()
        self.assignments = {}
        for _name, pairs in self.items.items():
            for ip, node in pairs:
                self.assignments[ip] = node
        self.count = view.load()


def _with_stand_in_networks(node_objs, state):
    """Nodes without node-primary-ifaddr get one from the node_networks / node_network options
    (resolved into ``state``): a stand-in the user vouches for, so that the prediction can run
    on clusters whose annotations cannot be read.  Real nodes always carry it (ovnkube-node)."""
    out = []
    for obj in node_objs:
        name = (obj.get("metadata") or {}).get("name")
        core = state.nodes.get(name) if state is not None else None
        ann = _meta(obj, "annotations")
        if core is not None and core.network and IFADDR_ANNOTATION not in ann and CLOUD_ANNOTATION not in ann:
            obj = copy.deepcopy(obj)
            plen = core.network.split("/")[1]
            host, net = _ip(core.host_ip), _net(core.network)
            iface = "%s/%s" % (core.host_ip, plen) if host is not None and cidr_contains(net, host) else core.network
            ann = _meta_for_write(obj, "annotations")
            ann[IFADDR_ANNOTATION] = json.dumps({"ipv4": iface})
            ann.setdefault(controller.HOST_CIDRS_ANNOTATION, json.dumps([iface]))
        out.append(obj)
    return out


def predict_objects(node_objs, eip_objs, order=None, state=None, platform=None, unreachable=()):
    """Prediction for the API objects (what the cluster manager will report in status.items)."""
    view = controller.simulate(_with_stand_in_networks(list(node_objs), state), list(eip_objs), order=order,
                               platform=platform, unreachable=unreachable)
    return Prediction(view)


def objects_after(node_objs, eip_objs, labels, specs):
    """The Node and EgressIP objects (name -> object) once ``labels`` (name -> bool) and ``specs``
    (name -> spec, None = deleted) are written; new EgressIPs have no status yet."""
    nodes = {}
    for name, obj in node_objs.items():
        if name in labels and labels[name] != is_assignable(obj):
            obj = copy.deepcopy(obj)
            meta_labels = _meta_for_write(obj, "labels")
            if labels[name]:
                meta_labels[LABEL] = ""
            else:
                meta_labels.pop(LABEL, None)
        nodes[name] = obj
    eips = dict(eip_objs)
    for name, spec in specs.items():
        if spec is None:
            eips.pop(name, None)
        elif name in eips:
            obj = copy.deepcopy(eips[name])
            obj["spec"] = copy.deepcopy(spec)
            eips[name] = obj
        else:
            eips[name] = {"metadata": {"name": name}, "spec": copy.deepcopy(spec)}
    return nodes, eips


def with_assignments(state, items):
    """A copy of ``state`` whose nodes hold exactly the IPs of ``items`` (EgressIP -> [(ip, node)])."""
    out = state.copy()
    held = {}
    for _name, pairs in items.items():
        for ip, node in pairs:
            held.setdefault(node, []).append(ip)
    for name in out.nodes:
        if list(out.nodes[name].egress_ips) != held.get(name, []):
            out.set_node_egress(name, egress_ips=held.get(name, []))
    return out


# ---------------------------------------------------------------------------------------
# validation

# core findings kept on OVN: this collection's policy (the controller has no such rule) and
# the high-availability advice; every rule of the controller comes from ovn/controller.py
CORE_POLICY_CODES = frozenset(["IP_IS_GATEWAY", "IP_RESERVED", "IP_IS_NETWORK_ADDRESS", "CIDR_SINGLE_NODE"])


def _translate(state, f):
    """OVN wording for core findings phrased in openshift-sdn terms."""
    if f.code == "CIDR_SINGLE_NODE":
        msg = f.message.replace('egressCIDRs "', 'node network "').replace(
            "Ready node(s) can host it", "Ready node(s) labelled %s can host it" % LABEL)
        return OvnFinding(f.code, msg, f.objects, f.subject)
    if f.code == "IP_IS_NETWORK_ADDRESS":
        return OvnFinding(f.code, f.message + " (this collection's policy: OVN-Kubernetes itself would assign it)",
                          f.objects, f.subject)
    return f


def _names(nodes):
    return ", ".join(nodes) or "none"


def prediction_findings(pred):
    """Findings from the controller's pass (both families): what it refuses, leaves pending,
    removes from status, or cannot do at all."""
    out = []
    view = pred.view
    for node in view.blocked_by():
        out.append(OvnFinding(
            "NODE_HOST_CIDRS_UNPARSABLE",
            'Node "%s": %s: OVN-Kubernetes assigns no egress IP anywhere in the cluster until it is fixed '
            "(isEgressIPAddrConflict fails on it)" % (node, view.nodes[node].host_cidrs_error),
            [ref(NODE_KIND, node)], ("node", node)))
    for name in sorted(view.results):
        res = view.results[name]
        me = ref(EIP_KIND, name)
        if res.invalid:
            out.append(OvnFinding(
                "EGRESSIP_INVALID_SPEC",
                'EgressIP "%s" egressIPs: %s: unable to parse provided EgressIP: %s, invalid (OVN-Kubernetes rejects '
                "the whole object: none of its addresses is assigned or moved)"
                % (name, ", ".join('"%s"' % x for x in res.invalid), res.invalid[0]), [me], ("namespace", name)))
            continue
        for ip, kind, detail in res.conflicts:
            code = {"host": "IP_IS_HOST_IP", "taken": "IP_MULTIPLE_NAMESPACES"}.get(kind, "EGRESSIP_BLOCKED")
            objects = [me] + ([ref(NODE_KIND, view.blocked_by()[0])] if kind == "host_cidrs" else [])
            out.append(OvnFinding(code, 'EgressIP "%s" egressIPs: "%s": %s' % (name, ip, detail), objects, ("ip", ip)))
        one_per_node = []
        for ip, reason, detail in res.pending:
            if reason in ("no_network", "no_assignable_nodes"):
                waiting = [n for n in sorted(view.nodes) if view.nodes[n].labelled and view.nodes[n].in_cache
                           and not view.nodes[n].eligible and view.nodes[n].egress_network(ip_object(ip), view.cloud)]
                if waiting:
                    out.append(OvnFinding(
                        "IP_NODE_NOT_READY",
                        'EgressIP "%s" egressIPs: "%s": every node that can host it is not Ready or not reachable '
                        "(%s)" % (name, ip, _names(waiting)), [me], ("ip", ip)))
                else:
                    out.append(OvnFinding(
                        "IP_NO_NODE",
                        'EgressIP "%s" egressIPs: "%s" is in no network (primary, or secondary host network) of a '
                        "node labelled %s: no node can host it (OVN-Kubernetes: No matching host found for "
                        "EgressIP: %s)" % (name, ip, LABEL, name), [me], ("ip", ip)))
            elif reason == "capacity":
                out.append(OvnFinding(
                    "EGRESSIP_OVER_CAPACITY",
                    'EgressIP "%s" egressIPs: "%s": %s (cloud.network.openshift.io/egress-ipconfig)' % (name, ip, detail),
                    [me], ("ip", ip)))
            elif reason == "one_per_node":
                one_per_node.append(ip)
        if one_per_node:
            out.append(OvnFinding(
                "EGRESSIP_NOT_ALL_ASSIGNABLE",
                "Not all egress IPs for EgressIP: %s could be assigned, please tag more nodes (%s: OVN-Kubernetes puts "
                "at most one egress IP of an EgressIP on a node, across both address families)"
                % (name, ", ".join('"%s"' % ip for ip in one_per_node)), [me], ("namespace", name)))
        for ip, node, reason in res.stale:
            out.append(OvnFinding(
                "EGRESSIP_STALE_STATUS",
                'EgressIP "%s" status.items: "%s" on node "%s" is stale: %s; OVN-Kubernetes removes it'
                % (name, ip, node, reason), [me], ("ip", ip)))
        if res.spec and not res.items:
            out.append(OvnFinding(
                "EGRESSIP_NONE_ASSIGNED",
                'EgressIP "%s": none of its egress IPs is assigned: its pods leave with their node\'s own address, '
                "which firewalls that admit only the egress IPs refuse" % name, [me], ("namespace", name)))
    return out


def validate_ovn(state, pred=None):
    """Findings of an OVN cluster: the controller's rules (prediction_findings) plus this
    collection's IPv4 policy findings from the core. Deterministic order."""
    found = [_translate(state, f) for f in validate(state) if f.code in CORE_POLICY_CODES]
    if pred is not None:
        found.extend(prediction_findings(pred))
    return sort_findings(found)


# ---------------------------------------------------------------------------------------
# desired objects and changes

def namespace_selector(namespace):
    return {"matchLabels": {NAME_LABEL: namespace}}


def merge_patch(old, new):
    """RFC 7386 merge patch turning ``old`` into ``new`` (both dicts); {} when equal."""
    patch = {}
    for key in set(old) | set(new):
        if key not in new:
            patch[key] = None
        elif key not in old:
            patch[key] = new[key]
        elif isinstance(old[key], dict) and isinstance(new[key], dict):
            sub = merge_patch(old[key], new[key])
            if sub:
                patch[key] = sub
        elif old[key] != new[key]:
            patch[key] = new[key]
    return patch


class OvnChange(object):
    """One write. action: "label" / "unlabel" (Node), "create" / "update" / "delete" (EgressIP).
    before/after: the fields concerned (labels or spec); patch: the merge-patch body part."""

    __slots__ = ("kind", "name", "action", "before", "after", "patch")

    RANK = {"label": 0, "create": 1, "update": 1, "delete": 2, "unlabel": 3}

    def __init__(self, kind, name, action, before, after, patch=None):
        self.kind = kind
        self.name = name
        self.action = action
        self.before = before
        self.after = after
        self.patch = patch

    def to_dict(self):
        return {"kind": self.kind, "name": self.name, "action": self.action,
                "before": json.loads(json.dumps(self.before)), "after": json.loads(json.dumps(self.after))}

    def __repr__(self):
        return "OvnChange(%s %s/%s)" % (self.action, self.kind, self.name)


def diff_ovn(node_objs, eip_objs, labels, specs):
    """Changes from the objects read (name -> object) to the wanted node labels
    (name -> True/False) and EgressIP specs (name -> spec dict, or None to delete),
    in write order: labels first (OpenShift requires assignable nodes before EgressIPs),
    then EgressIP creates/updates, deletes, and label removals last."""
    changes = []
    for name in sorted(labels):
        obj = node_objs.get(name)
        if obj is None:
            raise InputError("assignable_nodes", name, "no such Node")
        has = is_assignable(obj)
        if labels[name] and not has:
            changes.append(OvnChange(NODE_KIND, name, "label", {"labels": {LABEL: None}}, {"labels": {LABEL: ""}},
                                     {"metadata": {"labels": {LABEL: ""}}}))
        elif not labels[name] and has:
            value = _meta(obj, "labels").get(LABEL)
            changes.append(OvnChange(NODE_KIND, name, "unlabel", {"labels": {LABEL: value}},
                                     {"labels": {LABEL: None}}, {"metadata": {"labels": {LABEL: None}}}))
    for name in sorted(specs):
        obj, spec = eip_objs.get(name), specs[name]
        if spec is None:
            if obj is not None:
                changes.append(OvnChange(EIP_KIND, name, "delete", {"spec": obj.get("spec") or {}}, {}))
            continue
        if obj is None:
            changes.append(OvnChange(EIP_KIND, name, "create", {}, {"spec": spec}))
            continue
        old = obj.get("spec") or {}
        patch = merge_patch(old, spec)
        if patch:
            changes.append(OvnChange(EIP_KIND, name, "update", {"spec": old}, {"spec": spec}, {"spec": patch}))
    return sorted(changes, key=lambda c: OvnChange.RANK[c.action])


# ---------------------------------------------------------------------------------------
# openshift-sdn -> OVN-Kubernetes migration

def _check_migration_source(sdn):
    """The parts of egressip_facts output the migration reads, with the types it needs
    (InputError naming the field otherwise)."""
    for key, fields in (("nodes", ("egress_cidrs", "egress_ips")), ("namespaces", ("egress_ips",))):
        items = sdn.get(key)
        if items is not None and not isinstance(items, list):
            raise InputError("migrate_from.%s" % key, items, "must be a list")
        for idx, item in enumerate(items or []):
            where = "migrate_from.%s[%d]" % (key, idx)
            if not isinstance(item, dict):
                raise InputError(where, item, "must be a mapping")
            name = item.get("name")
            if not isinstance(name, str) or (key == "namespaces" and not is_dns1123_label(name)):
                raise InputError(where + ".name", name, "must be a %s name" % key[:-1])
            for field in fields:
                values = item.get(field)
                if values is not None and (not isinstance(values, list) or
                                           not all(isinstance(v, str) for v in values)):
                    raise InputError("%s.%s" % (where, field), values, "must be a list of strings")


def migration_plan(sdn, state, prefix="egressip-", node_objs=None, platform=None):
    """What of an openshift-sdn egress set-up (egressip_facts output: ``nodes`` with
    ``egress_cidrs``/``egress_ips``, ``namespaces`` with ``egress_ips``) carries over to the
    OVN cluster ``state`` (its node networks decide what nodes can host).

    ``node_objs`` (the target's Node objects): where given, what a node can host and which
    addresses are node addresses follow the OVN-Kubernetes controller (ovn/controller.py: primary
    networks of both families, secondary host networks, every host-cidrs address), so a
    dual-stack target is planned as the controller will see it.  openshift-sdn had IPv4 only, so
    only IPv4 addresses are carried over.  An address two namespaces shared in openshift-sdn (which
    then disabled both) goes to the first namespace by name only: OVN-Kubernetes refuses a second
    EgressIP holding an address (egressip_controller.go:1230-1242 at ovn-kubernetes 6c366bb).

    Returns dict(egressips=[{name, namespace, egress_ips}], assignable_nodes=[...],
    not_carried_over=[{object, what, detail}], notes=[...])."""
    if not isinstance(sdn, dict):
        raise InputError("migrate_from", sdn, "must be the egressip facts of an openshift-sdn cluster")
    if "egressip" in sdn and isinstance(sdn["egressip"], dict):
        sdn = sdn["egressip"]
    if sdn.get("network_type") not in (None, core_state.SDN):
        raise InputError("migrate_from.network_type", sdn.get("network_type"),
                         "the source must be an OpenShiftSDN cluster")
    _check_migration_source(sdn)
    lost, notes = [], []
    nodes = [n for n in sdn.get("nodes") or [] if isinstance(n, dict) and n.get("name")]
    assignable = []
    for node in sorted(nodes, key=lambda n: n["name"]):
        name = node["name"]
        cidrs, ips = list(node.get("egress_cidrs") or []), list(node.get("egress_ips") or [])
        if not cidrs and not ips:
            continue
        target = state.nodes.get(name)
        if target is None:
            lost.append(dict(object="HostSubnet/%s" % name, what="node",
                             detail="node %s is not in the target cluster: it cannot be labelled %s" % (name, LABEL)))
            continue
        assignable.append(name)
        net = _net(target.network)
        for cidr in cidrs:
            c = _net(cidr)
            if net is None:
                lost.append(dict(object="HostSubnet/%s" % name, what="egressCIDRs", detail=(
                    "egressCIDRs %s: the primary network of node %s in the target cluster is unknown; OVN-Kubernetes "
                    "hosts any address of that network" % (cidr, name))))
            elif c is None or c != net:
                lost.append(dict(object="HostSubnet/%s" % name, what="egressCIDRs", detail=(
                    "egressCIDRs %s is narrower than (or differs from) the node network %s: OVN-Kubernetes may host "
                    "any address of %s on node %s; the range restriction is not carried over"
                    % (cidr, cidr_str(net), cidr_str(net), name))))
        if ips and not cidrs:
            for ip in ips:
                lost.append(dict(object="HostSubnet/%s" % name, what="pinning", detail=(
                    "egress IP %s is pinned to node %s (manual mode); OVN-Kubernetes has no per-node pinning and "
                    "chooses among the nodes labelled %s: the pinning is not carried over" % (ip, name, LABEL))))
    hosting = []
    for name in assignable:
        net = _net(state.nodes[name].network)
        if net is not None:
            hosting.append((name, net))
    host_ips = set(n.host_ip for n in state.nodes.values())
    enodes = {}
    if node_objs is not None:
        cloud = controller.is_cloud(platform)
        for obj in node_objs:
            en = controller.egress_node(obj, cloud)
            enodes[en.name] = en
            host_ips |= en.host_addrs or set()
            host_ips |= set(str(a) for a in en.node_ips.values())

    def can_host(ip):
        if enodes:
            addr = ip_object(ip)
            return any(enodes[n].egress_network(addr, controller.is_cloud(platform)) is not None
                       for n in assignable if n in enodes)
        num = _ip(ip)
        return any(cidr_contains(net, num) for _n, net in hosting)

    source_hosted = set()
    for node in nodes:
        source_hosted.update(node.get("egress_ips") or [])
    source_cidrs = [c for node in nodes for c in (_net(x) for x in node.get("egress_cidrs") or []) if c]
    claimed = {}
    egressips = []
    for ns in sorted((n for n in sdn.get("namespaces") or [] if isinstance(n, dict)), key=lambda n: n.get("name")):
        ips = list(ns.get("egress_ips") or [])
        if not ips:
            continue
        keep = []
        for ip in ips:
            num = _ip(ip)
            if num is None:
                lost.append(dict(object="NetNamespace/%s" % ns["name"], what="egressIPs",
                                 detail="egress IP %r of namespace %s is not an IPv4 address" % (ip, ns["name"])))
                continue
            if ip in host_ips:
                lost.append(dict(object="NetNamespace/%s" % ns["name"], what="egressIPs", detail=(
                    "egress IP %s of namespace %s is a node IP in the target cluster" % (ip, ns["name"]))))
                continue
            if ip in claimed:
                lost.append(dict(object="NetNamespace/%s" % ns["name"], what="egressIPs", detail=(
                    "egress IP %s of namespace %s is also an egress IP of namespace %s: OVN-Kubernetes refuses a second "
                    "EgressIP holding an address, so it stays with %s only"
                    % (ip, ns["name"], claimed[ip], claimed[ip]))))
                continue
            if not can_host(ip):
                lost.append(dict(object="NetNamespace/%s" % ns["name"], what="egressIPs", detail=(
                    "egress IP %s of namespace %s: no node that becomes egress-assignable has it in its primary "
                    "network, so no node could host it" % (ip, ns["name"]))))
                continue
            if ip not in source_hosted and not any(cidr_contains(c, num) for c in source_cidrs):
                notes.append("egress IP %s of namespace %s had no node in the openshift-sdn cluster; it is carried "
                             "over and OVN-Kubernetes can host it" % (ip, ns["name"]))
            keep.append(ip)
            claimed[ip] = ns["name"]
        if not keep:
            lost.append(dict(object="NetNamespace/%s" % ns["name"], what="namespace", detail=(
                "namespace %s gets no EgressIP: none of its egress IPs %s can be hosted" % (ns["name"], ips))))
            continue
        egressips.append(dict(name=prefix + ns["name"], namespace=ns["name"], egress_ips=keep))
    return dict(egressips=egressips, assignable_nodes=assignable, not_carried_over=lost, notes=notes)
