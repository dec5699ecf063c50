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

import json

from ansible_collections.ocp.egressip.plugins.module_utils.addresses import (
    InputError, cidr_contains, cidr_str, classify_cidr, classify_ip,
)
from ansible_collections.ocp.egressip.plugins.module_utils.findings import ERROR, WARNING, Code, Finding
from ansible_collections.ocp.egressip.plugins.module_utils.options import is_dns1123_label
from ansible_collections.ocp.egressip.plugins.module_utils.text import printable
from ansible_collections.ocp.egressip.plugins.module_utils import state as core_state
from ansible_collections.ocp.egressip.plugins.module_utils.validate import sort_findings, validate

OVN = core_state.OVN
LABEL = core_state.OVN_ASSIGNABLE_LABEL
IFADDR_ANNOTATION = core_state.OVN_IFADDR_ANNOTATION
CLOUD_ANNOTATION = core_state.CLOUD_ANNOTATION
NAME_LABEL = "kubernetes.io/metadata.name"
NODE_KIND, EIP_KIND = "Node", "EgressIP"

_SRC = "ovn-kubernetes go-controller/pkg/clustermanager/egressip_controller.go assignEgressIPs"
OVN_CODES = {
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
    from ansible_collections.ocp.egressip.plugins.module_utils.findings import CODES
    return CODES


def ref(kind, name):
    return "%s/%s" % (kind, name)


# ---------------------------------------------------------------------------------------
# API objects -> state

def _meta(obj, key):
    value = (obj.get("metadata") or {}).get(key)
    return value if isinstance(value, dict) else {}


def _status(node_obj):
    """status of a Node object, {} when it is not a mapping (a corrupt Node is reported by the
    state builder as NODE_DATA_INVALID; facts still lists it)."""
    status = node_obj.get("status")
    return status if isinstance(status, dict) else {}


def _entries(value):
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def node_host_ip(node_obj):
    for addr in _entries(_status(node_obj).get("addresses")):
        if isinstance(addr, dict) and addr.get("type") == "InternalIP" and addr.get("address"):
            return addr["address"]
    raw = _meta(node_obj, "annotations").get(IFADDR_ANNOTATION)
    try:
        return json.loads(raw)["ipv4"].split("/")[0]
    except (TypeError, ValueError, KeyError, AttributeError):
        return None


def node_ready(node_obj):
    """Only an explicit Ready condition of False/Unknown makes a node not ready (as the core)."""
    for cond in _entries(_status(node_obj).get("conditions")):
        if cond.get("type") == "Ready":
            return cond.get("status") not in ("False", "Unknown")
    return True


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


def add_egressip(state, name):
    if name not in state.namespaces:
        state.namespaces[name] = core_state.Namespace(name=name)
        state.invalidate()


def remove_egressip(state, name):
    if name in state.namespaces:
        del state.namespaces[name]
        state.invalidate()


# ---------------------------------------------------------------------------------------
# predicting OVN-Kubernetes' assignment

def _ip(text):
    num, reason = classify_ip(text)
    return None if reason else num


def _net(text):
    if not text:
        return None
    net, reason = classify_cidr(text)
    return None if reason else net


class Prediction(object):
    """assignments: ip -> node; items: EgressIP -> [(ip, node)];
    unassigned: [(EgressIP, ip, reason, nodes)] with reason "capacity" or "one_per_node"
    (other reasons - no network, node IP, IP of another EgressIP - are core findings)."""

    def __init__(self):
        self.assignments = {}
        self.items = {}
        self.unassigned = []


def predict(state, current=None, order=None):
    """The status OVN-Kubernetes would report for ``state`` given the ``current`` status
    items (EgressIP -> [(ip, node)]). ``order``: EgressIP names in creation order (others
    follow by name)."""
    current = current or {}
    nodes = {}
    node_ips = set()
    for name in sorted(state.nodes):
        node = state.nodes[name]
        host = _ip(node.host_ip)
        if host is not None:
            node_ips.add(host)
        net = _net(node.network)
        if node.ready and node.assignable and net is not None:
            nodes[name] = (net, _net(node.cloud_network), node.capacity)
    names = [n for n in (order or []) if n in state.namespaces]
    names += sorted(n for n in state.namespaces if n not in names)
    count = dict((n, 0) for n in nodes)
    taken = {}
    pred = Prediction()

    def fits(node, num):
        net, cloud, _cap = nodes[node]
        return cidr_contains(net, num) and (cloud is None or cidr_contains(cloud, num))

    def room(node):
        cap = nodes[node][2]
        return cap is None or count[node] < cap

    for name in names:
        wanted = list(state.namespaces[name].egress_ips)
        kept, used = [], set()
        for ip, node in current.get(name, []):
            num = _ip(ip)
            if (num is None or ip not in wanted or node not in nodes or ip in taken or node in used
                    or num in node_ips or not fits(node, num) or not room(node)):
                continue
            kept.append((ip, node))
            used.add(node)
            taken[ip] = name
            count[node] += 1
        pred.items[name] = kept
    for name in names:
        items = pred.items[name]
        used = set(node for _ip_, node in items)
        done = set(ip for ip, _node in items)
        for ip in dict.fromkeys(state.namespaces[name].egress_ips):
            if ip in done:
                continue
            num = _ip(ip)
            if num is None or ip in taken or num in node_ips:
                continue
            candidates = [n for n in sorted(nodes) if fits(n, num)]
            if not candidates:
                continue
            free = [n for n in candidates if n not in used and room(n)]
            if free:
                node = sorted(free, key=lambda n: (count[n], n))[0]
                items.append((ip, node))
                used.add(node)
                taken[ip] = name
                count[node] += 1
                continue
            if any(n not in used and not room(n) for n in candidates):
                pred.unassigned.append((name, ip, "capacity", candidates))
            else:
                pred.unassigned.append((name, ip, "one_per_node", candidates))
    for name, items in pred.items.items():
        for ip, node in items:
            pred.assignments[ip] = node
    pred.count = count
    return pred


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

def _capacity_text(state, pred, names):
    parts = []
    for n in names:
        cap = state.nodes[n].capacity
        parts.append("%s: %d/%s" % (n, pred.count.get(n, 0), "unlimited" if cap is None else cap))
    return ", ".join(parts)


def _translate(state, f):
    """OVN wording for core findings phrased in openshift-sdn terms."""
    if f.code == "IP_NO_NODE":
        ip = f.message.split('egressIPs: "', 1)[-1].split('"', 1)[0]
        name = f.objects[0].split("/", 1)[-1] if f.objects else "?"
        msg = ('EgressIP "%s" egressIPs: "%s" is in the primary network of no node labelled %s: no node can host '
               "it (OVN-Kubernetes: No matching host found for EgressIP: %s)" % (name, ip, LABEL, name))
        return OvnFinding(f.code, msg, f.objects, f.subject)
    if f.code == "CIDR_SINGLE_NODE":
        msg = f.message.replace('egressCIDRs "', 'node network "').replace(
            "Ready node(s) can host it", "Ready node(s) labelled %s can host it" % LABEL)
        return OvnFinding(f.code, msg, f.objects, f.subject)
    if f.code == "NODE_OVER_CAPACITY":
        return OvnFinding(f.code, f.message.replace("on hostSubnet:", "on node:"), f.objects, f.subject)
    return f


def prediction_findings(state, pred):
    out = []
    missing = {}
    for name, ip, reason, candidates in pred.unassigned:
        if reason == "capacity":
            out.append(OvnFinding(
                "EGRESSIP_OVER_CAPACITY",
                'EgressIP "%s" egressIPs: "%s": every egress-assignable node whose network holds it is at its '
                "capacity (%s; cloud.network.openshift.io/egress-ipconfig)"
                % (name, ip, _capacity_text(state, pred, candidates)),
                [ref(EIP_KIND, name)] + [ref(NODE_KIND, n) for n in candidates], ("ip", ip)))
        else:
            missing.setdefault(name, []).append((ip, candidates))
    for name in sorted(missing):
        ips = missing[name]
        nodes = sorted(set(n for _ip_, cands in ips for n in cands))
        out.append(OvnFinding(
            "EGRESSIP_NOT_ALL_ASSIGNABLE",
            "Not all egress IPs for EgressIP: %s could be assigned, please tag more nodes (%s: OVN-Kubernetes puts "
            "at most one egress IP of an EgressIP on a node, and only %s can host them)"
            % (name, ", ".join('"%s"' % ip for ip, _c in ips), ", ".join(nodes)),
            [ref(EIP_KIND, name)], ("namespace", name)))
    return out


def validate_ovn(state, pred=None):
    """Findings of an OVN state: the core's (minus openshift-sdn only rules, OVN wording)
    plus the prediction's. Deterministic order."""
    found = [_translate(state, f) for f in validate(state) if f.code not in SDN_ONLY_CODES]
    if pred is not None:
        found.extend(prediction_findings(state, pred))
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


def migration_plan(sdn, state, prefix="egressip-"):
    """What of an openshift-sdn egress set-up (egressip_facts output: ``nodes`` with
    ``egress_cidrs``/``egress_ips``, ``namespaces`` with ``egress_ips``) carries over to the
    OVN cluster ``state`` (its node networks decide what nodes can host).

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
    source_hosted = set()
    for node in nodes:
        source_hosted.update(node.get("egress_ips") or [])
    source_cidrs = [c for node in nodes for c in (_net(x) for x in node.get("egress_cidrs") or []) if c]
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
            if not any(cidr_contains(net, num) for _n, net in hosting):
                lost.append(dict(object="NetNamespace/%s" % ns["name"], what="egressIPs", detail=(
                    "egress IP %s of namespace %s: no node that becomes egress-assignable has it in its primary "
                    "network, so no node could host it" % (ip, ns["name"]))))
                continue
            if ip not in source_hosted and not any(cidr_contains(c, num) for c in source_cidrs):
                notes.append("egress IP %s of namespace %s had no node in the openshift-sdn cluster; it is carried "
                             "over and OVN-Kubernetes can host it" % (ip, ns["name"]))
            keep.append(ip)
        if not keep:
            lost.append(dict(object="NetNamespace/%s" % ns["name"], what="namespace", detail=(
                "namespace %s gets no EgressIP: none of its egress IPs %s can be hosted" % (ns["name"], ips))))
            continue
        egressips.append(dict(name=prefix + ns["name"], namespace=ns["name"], egress_ips=keep))
    return dict(egressips=egressips, assignable_nodes=assignable, not_carried_over=lost, notes=notes)
