# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""plugins/module_utils/ovn.py: OVN-Kubernetes on the core model (pure)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.ocp.egressip.plugins.module_utils.ovn import model as ovn

NET = "198.51.100.0/24"
IP1, IP2, IP3 = "198.51.100.120", "198.51.100.121", "198.51.100.122"
HOSTS = (("master01", "198.51.100.141"), ("worker01", "198.51.100.144"), ("worker02", "198.51.100.145"))


def node(name, ip, assignable=False, ready=True, capacity=None, ifaddr=True):
    annotations = {}
    if ifaddr:
        annotations[ovn.IFADDR_ANNOTATION] = json.dumps({"ipv4": ip + "/24"})
        annotations["k8s.ovn.org/host-cidrs"] = json.dumps([ip + "/24"])
    if capacity is not None:
        annotations[ovn.CLOUD_ANNOTATION] = json.dumps([{"interface": "eni", "ifaddr": {"ipv4": NET},
                                                         "capacity": {"ipv4": capacity}}])
    labels = {ovn.LABEL: ""} if assignable else {}
    return {"metadata": {"name": name, "labels": labels, "annotations": annotations},
            "status": {"addresses": [{"type": "InternalIP", "address": ip}],
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


def eip(name, ips, items=(), created="2026-01-01T00:00:00Z"):
    return {"metadata": {"name": name, "creationTimestamp": created},
            "spec": {"egressIPs": list(ips), "namespaceSelector": ovn.namespace_selector(name)},
            "status": {"items": [{"egressIP": ip, "node": n} for ip, n in items]}}


def nodes(assignable=("worker01", "worker02"), **per_node):
    return [node(n, ip, assignable=n in assignable, **per_node.get(n, {})) for n, ip in HOSTS]


def build(node_objs, eips):
    return ovn.ovn_state(node_objs, eips)


def predict(state, node_objs, eips, platform=None):
    return ovn.predict_objects(node_objs, eips, [e["metadata"]["name"] for e in eips], state=state, platform=platform)


def run(node_objs, eips, platform=None):
    state = build(node_objs, eips)
    pred = predict(state, node_objs, eips, platform)
    after = ovn.with_assignments(state, pred.items)
    return pred, ovn.validate_ovn(after, pred)


def codes(findings):
    return sorted(set(f.code for f in findings))


def test_state_mapping():
    state = build(nodes(), [eip("a", [IP1], [(IP1, "worker01")])])
    assert state.network_type == "OVNKubernetes"
    w1, m1 = state.nodes["worker01"], state.nodes["master01"]
    assert w1.assignable and w1.egress_cidrs == [NET] and w1.egress_ips == [IP1] and w1.network == NET
    assert not m1.assignable and m1.egress_cidrs == [] and m1.network == NET
    assert state.namespaces["a"].egress_ips == [IP1] and state.namespaces["a"].netid is None


def test_node_networks_option_when_no_annotation():
    objs = [node(n, ip, assignable=True, ifaddr=False) for n, ip in HOSTS]
    state = ovn.ovn_state(objs, [eip("a", [IP1])], node_networks={"worker01": NET}, default_network="203.0.113.0/24",
                          default_interface="enp1s0")
    assert state.nodes["worker01"].network == NET and state.nodes["worker01"].interface == "enp1s0"
    assert state.nodes["worker02"].network == "203.0.113.0/24"
    pred = predict(state, objs, [eip("a", [IP1])])
    assert pred.assignments == {IP1: "worker01"}       # the only node whose network holds it
    # without the option, nodes lacking node-primary-ifaddr are not egress nodes for the controller
    assert "IP_NO_NODE" in codes(run([node(n, ip, assignable=True, ifaddr=False) for n, ip in HOSTS],
                                     [eip("a", [IP1])])[1])


def test_predict_spreads_one_per_node_least_loaded():
    pred, found = run(nodes(), [eip("a", [IP1, IP2])])
    assert pred.assignments == {IP1: "worker01", IP2: "worker02"}
    assert found == []        # several IPs per EgressIP are normal on OVN (no NAMESPACE_MULTIPLE_AUTO_IPS)


def test_predict_keeps_existing_assignments():
    pred, _found = run(nodes(), [eip("a", [IP1], [(IP1, "worker02")]), eip("b", [IP2])])
    assert pred.assignments == {IP1: "worker02", IP2: "worker01"}


def test_not_ready_node_loses_its_ip():
    objs = nodes(worker01={"ready": False})
    pred, found = run(objs, [eip("a", [IP1], [(IP1, "worker01")])])
    assert pred.assignments == {IP1: "worker02"}
    # one Ready assignable node left: no failover, said in OVN words; no error
    single = [f for f in found if f.code == "CIDR_SINGLE_NODE"]
    assert single and ovn.LABEL in single[0].message and "worker02" in single[0].message
    assert [f for f in found if f.severity == "error"] == []


def test_one_per_node_is_a_warning():
    pred, found = run(nodes(assignable=("worker01",)), [eip("a", [IP1, IP2])])
    assert pred.assignments == {IP1: "worker01"}
    f = [x for x in found if x.code == "EGRESSIP_NOT_ALL_ASSIGNABLE"]
    assert len(f) == 1 and f[0].severity == "warning" and '"%s"' % IP2 in f[0].message
    assert "please tag more nodes" in f[0].message and f[0].objects == ["EgressIP/a"]


def test_capacity_is_an_error():
    objs = nodes(worker01={"capacity": 1}, worker02={"capacity": 1})
    pred, found = run(objs, [eip("a", [IP1], [(IP1, "worker01")]), eip("b", [IP2, IP3])], platform="AWS")
    assert pred.assignments == {IP1: "worker01", IP2: "worker02"}
    f = [x for x in found if x.code == "EGRESSIP_OVER_CAPACITY"]
    assert len(f) == 1 and f[0].severity == "error"
    # worker02 already holds an address of b (one per node), worker01 is full
    assert IP3 in f[0].message and "worker01: 1/ipv4 1" in f[0].message
    # the cloud annotation's capacity counts on cloud platforms only (egressip_controller.go:1245)
    pred, found = run(objs, [eip("a", [IP1], [(IP1, "worker01")]), eip("b", [IP2, IP3])])
    assert "EGRESSIP_OVER_CAPACITY" not in codes(found) and len(pred.assignments) == 3
    # within capacity: nothing
    _pred, found = run(objs, [eip("a", [IP1]), eip("b", [IP2])], platform="AWS")
    assert "EGRESSIP_OVER_CAPACITY" not in codes(found)


@pytest.mark.parametrize("ips,code", [
    (["203.0.113.10"], "IP_NO_NODE"),
    (["198.51.100.144"], "IP_IS_HOST_IP"),
    (["198.51.100.255"], "IP_IS_NETWORK_ADDRESS"),
])
def test_core_errors_with_ovn_wording(ips, code):
    _pred, found = run(nodes(), [eip("a", ips)])
    assert code in codes(found)
    assert all(f.severity == "error" for f in found if f.code == code)
    if code == "IP_NO_NODE":
        msg = [f for f in found if f.code == code][0].message
        assert ovn.LABEL in msg and "HostSubnet" not in msg


def test_ip_in_two_objects():
    _pred, found = run(nodes(), [eip("a", [IP1]), eip("b", [IP1])])
    f = [x for x in found if x.code == "IP_MULTIPLE_NAMESPACES"]
    # the first holder keeps it, the newcomer is refused (egressip_controller.go:1230-1242)
    assert f and f[0].objects == ["EgressIP/b"] and "already allocated for EgressIP: a" in f[0].message


def test_unlabelled_network_is_not_hosting():
    _pred, found = run(nodes(assignable=()), [eip("a", [IP1])])
    assert "IP_NO_NODE" in codes(found)


def test_sdn_only_codes_filtered():
    state = build(nodes(), [eip("a", [IP1, IP2], [(IP1, "worker01"), (IP3, "worker02")])])
    found = ovn.validate_ovn(state)
    assert not set(codes(found)) & ovn.SDN_ONLY_CODES


def test_set_assignable_and_objects():
    state = build(nodes(assignable=()), [])
    assert ovn.set_assignable(state, "worker01") is True
    assert state.nodes["worker01"].egress_cidrs == [NET] and state.nodes["worker01"].assignable
    assert ovn.set_assignable(state, "worker01") is False
    ovn.add_egressip(state, "x")
    assert "x" in state.namespaces
    ovn.remove_egressip(state, "x")
    assert "x" not in state.namespaces
    with pytest.raises(ValueError):
        ovn.set_assignable(state, "nope")


def test_merge_patch():
    old = {"egressIPs": [IP1], "namespaceSelector": {"matchLabels": {"a": "1"}}, "podSelector": {"x": 1}}
    new = {"egressIPs": [IP1, IP2], "namespaceSelector": {"matchLabels": {"b": "2"}}}
    assert ovn.merge_patch(old, new) == {"egressIPs": [IP1, IP2], "podSelector": None,
                                         "namespaceSelector": {"matchLabels": {"a": None, "b": "2"}}}
    assert ovn.merge_patch(new, new) == {}


def test_diff_order_labels_first_unlabels_last():
    node_objs = dict((n["metadata"]["name"], n) for n in nodes(assignable=("master01",)))
    eips = {"old": eip("old", [IP3]), "keep": eip("keep", [IP2])}
    spec = {"egressIPs": [IP1], "namespaceSelector": ovn.namespace_selector("new")}
    changes = ovn.diff_ovn(node_objs, eips, {"worker01": True, "master01": False},
                           {"new": spec, "old": None, "keep": eips["keep"]["spec"]})
    assert [(c.action, c.name) for c in changes] == [("label", "worker01"), ("create", "new"), ("delete", "old"),
                                                     ("unlabel", "master01")]
    assert changes[0].patch == {"metadata": {"labels": {ovn.LABEL: ""}}}
    assert changes[1].to_dict()["after"] == {"spec": spec}


def sdn_facts():
    return {"network_type": "OpenShiftSDN", "nodes": [
        {"name": "worker01", "egress_cidrs": ["198.51.100.96/28"], "egress_ips": ["198.51.100.100"]},
        {"name": "worker02", "egress_cidrs": [], "egress_ips": ["198.51.100.130"]},
        {"name": "worker09", "egress_cidrs": [NET], "egress_ips": []},
        {"name": "master01", "egress_cidrs": [], "egress_ips": []}],
        "namespaces": [{"name": "web", "egress_ips": ["198.51.100.100"]},
                       {"name": "billing", "egress_ips": ["198.51.100.130", "203.0.113.5"]},
                       {"name": "legacy", "egress_ips": ["203.0.113.50"]},
                       {"name": "default", "egress_ips": []}]}


def test_migration_plan():
    state = build(nodes(assignable=()), [])
    plan = ovn.migration_plan({"egressip": sdn_facts()}, state)
    assert plan["assignable_nodes"] == ["worker01", "worker02"]
    assert plan["egressips"] == [
        {"name": "egressip-billing", "namespace": "billing", "egress_ips": ["198.51.100.130"]},
        {"name": "egressip-web", "namespace": "web", "egress_ips": ["198.51.100.100"]}]
    lost = [(x["object"], x["what"]) for x in plan["not_carried_over"]]
    assert ("HostSubnet/worker09", "node") in lost
    assert ("HostSubnet/worker01", "egressCIDRs") in lost
    assert ("HostSubnet/worker02", "pinning") in lost
    assert ("NetNamespace/billing", "egressIPs") in lost          # 203.0.113.5: no node could host it
    assert ("NetNamespace/legacy", "namespace") in lost
    assert not any(o == "NetNamespace/web" for o, _w in lost)


def test_migration_refuses_ovn_source():
    with pytest.raises(ValueError):
        ovn.migration_plan({"network_type": "OVNKubernetes"}, build(nodes(), []))
