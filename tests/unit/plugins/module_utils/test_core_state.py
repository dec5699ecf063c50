# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Building the normalized state; addresses; plans."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.ocp.egressip.plugins.module_utils.core import addresses as A
from ansible_collections.ocp.egressip.plugins.module_utils.core.addresses import InputError
from ansible_collections.ocp.egressip.plugins.module_utils.core.plan import Change, diff_sdn
from ansible_collections.ocp.egressip.plugins.module_utils.core.state import (
    CLOUD_ANNOTATION, OVN_IFADDR_ANNOTATION, ClusterState, Namespace, Node, state_from_sdn,
)
from ansible_collections.ocp.egressip.plugins.module_utils.core.validate import validate
from ansible_collections.ocp.egressip.tests.unit.plugins.module_utils.core_builders import (
    NETID, blog_hostsubnets, codes, ip, manual_base, netnamespace,
)


def node_obj(name, annotations=None, ready="True"):
    obj = {"metadata": {"name": name, "annotations": annotations or {}}}
    if ready is not None:
        obj["status"] = {"conditions": [{"type": "MemoryPressure", "status": "False"},
                                        {"type": "Ready", "status": ready}]}
    return obj


def test_state_from_sdn_basic_fields():
    hs = blog_hostsubnets({"worker02": [ip(100)]})
    hs[0]["egressCIDRs"] = [ip(64) + "/27"]
    state = state_from_sdn(hs, [netnamespace("mywebserver", NETID, [ip(100)])], default_network="198.51.100.0/24")
    w1, w2 = state.nodes["worker01"], state.nodes["worker02"]
    assert (w1.host_ip, w1.egress_cidrs, w1.egress_ips, w1.network, w1.ready) == (
        ip(141), [ip(64) + "/27"], [], "198.51.100.0/24", True)
    assert w2.egress_ips == [ip(100)]
    assert state.namespaces["mywebserver"].netid == NETID
    assert state.namespaces["mywebserver"].egress_ips == [ip(100)]
    assert state.kinds() == ("HostSubnet", "NetNamespace")


def test_network_sources_in_order():
    cloud = json.dumps([{"interface": "eni-1", "ifaddr": {"ipv4": "198.51.100.0/25"},
                         "capacity": {"ipv4": 14, "ipv6": 15}}])
    gcp = json.dumps([{"interface": "nic0", "ifaddr": {"ipv4": "198.51.100.128/25"}, "capacity": {"ip": 10}}])
    ovn = json.dumps({"ipv4": "198.51.100.144/24"})
    nodes = [node_obj("worker01", {CLOUD_ANNOTATION: cloud}), node_obj("worker02", {CLOUD_ANNOTATION: gcp}),
             node_obj("worker03", {OVN_IFADDR_ANNOTATION: ovn}), node_obj("worker04", ready="Unknown"),
             node_obj("worker05", ready=None)]
    state = state_from_sdn(blog_hostsubnets(), [], nodes=nodes,
                           node_networks={"worker03": "203.0.113.0/24",
                                          "worker04": {"network": "198.51.100.141/24", "interface": "enp1s0"}},
                           default_network="203.0.113.0/24")
    n = state.nodes
    assert (n["worker01"].network, n["worker01"].cloud_network, n["worker01"].capacity) == (
        "198.51.100.0/25", "198.51.100.0/25", 14)
    assert (n["worker02"].cloud_network, n["worker02"].capacity) == ("198.51.100.128/25", 10)
    assert n["worker03"].network == "198.51.100.0/24" and n["worker03"].cloud_network is None
    assert (n["worker04"].network, n["worker04"].interface, n["worker04"].ready) == (
        "198.51.100.0/24", "enp1s0", False)
    assert n["worker05"].network == "203.0.113.0/24" and n["worker05"].ready
    assert n["worker05"].capacity is None


@pytest.mark.parametrize("call,field", [
    (lambda: state_from_sdn("x", []), "hostsubnets"),
    (lambda: state_from_sdn([1], []), "hostsubnets[0]"),
    (lambda: state_from_sdn([{"metadata": {"name": "w"}}], []), 'HostSubnet "w" hostIP'),
    (lambda: state_from_sdn([{"metadata": {"name": "w"}, "hostIP": ip(1), "egressIPs": ip(2)}], []),
     'HostSubnet "w" egressIPs'),
    (lambda: state_from_sdn([], [{"metadata": {"name": "n"}, "netid": -1}]), 'NetNamespace "n" netid'),
    (lambda: state_from_sdn([], [], node_networks=["x"]), "node_networks"),
    (lambda: state_from_sdn(blog_hostsubnets(), [], node_networks={"worker01": "198.51.100.0"}),
     "node_networks[worker01]"),
    (lambda: state_from_sdn([], [], default_network="198.51.100.0/40"), "default_network"),
    (lambda: ClusterState("Calico"), "network_type"),
    (lambda: Node("w", ip(1), ready="yes"), "node w ready"),
    (lambda: Node("w", ip(1), capacity=-2), "node w capacity"),
    (lambda: Namespace("n", egress_ips="198.51.100.1"), "namespace n egress_ips"),
    (lambda: validate(ClusterState(reserved=["198.51.100.300"])), "reserved"),
])
def test_garbage_raises_input_error_naming_the_field(call, field):
    with pytest.raises(InputError) as err:
        call()
    assert err.value.field == field, str(err.value)
    assert str(err.value).startswith(field)


def test_bad_strings_in_api_objects_are_findings_not_exceptions():
    hs = blog_hostsubnets({"worker01": ["198.51.100.x"]})
    hs[1]["egressCIDRs"] = ["198.51.100.65/27"]
    found = validate(state_from_sdn(hs, [netnamespace("a", 1, ["::ffff:198.51.100.9"])]))
    assert {"INVALID_IP", "CIDR_HOST_BITS", "IPV6_NOT_SUPPORTED"} <= codes(found)


def test_setters_copy_on_write_and_keep_the_index_in_step():
    state = manual_base()
    validate(state)                       # caches an index
    fork = state.fork()
    fork.set_namespace_egress("other", [ip(52)])
    fork.set_node_egress("worker03", egress_ips=[ip(52)])
    assert state.namespaces["other"].egress_ips == [] and state.nodes["worker03"].egress_ips == []
    assert codes(validate(fork)) == {"NAMESPACE_SINGLE_NODE"}
    fork.set_node_egress("worker03", egress_cidrs=[ip(64) + "/27"])     # drops the cached index
    assert "NODE_MIXED_MODE" in codes(validate(fork))
    with pytest.raises(InputError):
        fork.set_node_egress("nope", egress_ips=[])
    with pytest.raises(InputError):
        fork.set_namespace_egress("other", "198.51.100.1")


def test_direct_assignment_after_caching_is_noticed():
    from ansible_collections.ocp.egressip.plugins.module_utils.core.allocate import Request, allocate
    state = manual_base()
    validate(state)                                       # caches an index
    state.nodes["worker03"] = state.nodes["worker03"].replace(ready=False)
    plan = allocate(state, [Request("other", mode="manual")])
    assert plan.assignments == {ip(2): "worker01"}        # not worker03: the cache was dropped
    state.nodes = dict(state.nodes)                       # plain dict: never trusted
    state.nodes["worker02"] = state.nodes["worker02"].replace(ready=False)
    assert allocate(state, [Request("other", mode="manual")]).assignments == {ip(2): "worker01"}
    state.namespaces["other"].egress_ips.append(ip(52))   # in-place edit: needs invalidate()
    state.invalidate()
    assert "IP_NO_NODE" in codes(validate(state))


def test_copy_is_deep_and_equal():
    state = manual_base()
    other = state.copy()
    assert other == state
    other.nodes["worker01"].egress_ips.append(ip(9))
    assert state.nodes["worker01"].egress_ips == [ip(50)] and other != state


# --- addresses ------------------------------------------------------------------------------

def test_address_parsing():
    assert A.parse_ip(ip(7), "f") == (198 << 24) + (51 << 16) + (100 << 8) + 7
    for bad in ("198.51.100.07", "198.51.100", " 198.51.100.7", "198.51.100.7/32", None, 7):
        with pytest.raises(InputError):
            A.parse_ip(bad, "f")
    assert A.classify_ip("::ffff:198.51.100.7") == (None, A.NOT_IPV4)
    assert A.classify_cidr("198.51.100.64/26")[0] == (A.parse_ip(ip(64), "f"), 26)
    assert A.classify_cidr("198.51.100.65/26")[1].startswith(A.HOST_BITS)
    assert A.parse_pool_entry("198.51.100.64/30", "p") == (A.parse_ip(ip(65), "f"), A.parse_ip(ip(66), "f"))
    assert A.parse_pool_entry("198.51.100.64/31", "p")[1] - A.parse_pool_entry("198.51.100.64/31", "p")[0] == 1
    assert A.parse_pool_entry(ip(9) + " - " + ip(12), "p")[1] == A.parse_ip(ip(12), "f")


def test_interval_helpers():
    assert A.merge_intervals([(5, 9), (1, 3), (4, 4), (20, 30)]) == [(1, 9), (20, 30)]
    assert A.subtract_intervals([(1, 30)], [(5, 9), (20, 40)]) == [(1, 4), (10, 19)]
    assert A.intersect_intervals([(1, 10), (20, 30)], [(5, 25)]) == [(5, 10), (20, 25)]
    runs = A.Runs([3, 4, 5, 9])
    assert [runs.next_absent(x) for x in (1, 3, 5, 9, 10)] == [1, 6, 6, 10, 10]


# --- plans --------------------------------------------------------------------------------

def test_diff_only_changed_fields_in_write_order():
    before = manual_base()
    after = before.copy()
    after.set_node_egress("worker03", egress_ips=[ip(52)])
    after.set_namespace_egress("other", [ip(52)])
    after.set_node_egress("worker02", egress_ips=[])
    after.set_node_egress("worker01", egress_cidrs=[])        # same as before: no change
    changes = diff_sdn(before, after)
    assert [c.to_dict() for c in changes] == [
        {"kind": "HostSubnet", "name": "worker03", "before": {"egressIPs": []}, "after": {"egressIPs": [ip(52)]}},
        {"kind": "NetNamespace", "name": "other", "before": {"egressIPs": []}, "after": {"egressIPs": [ip(52)]}},
        {"kind": "HostSubnet", "name": "worker02", "before": {"egressIPs": [ip(51)]}, "after": {"egressIPs": []}},
    ]
    assert diff_sdn(before, before.copy()) == []
    assert changes[0] == Change("HostSubnet", "worker03", {"egressIPs": []}, {"egressIPs": [ip(52)]})


# --- OVN-Kubernetes objects map onto the same model ---------------------------------------

def ovn_node(name, last, assignable=True, ready="True"):
    obj = node_obj(name, {OVN_IFADDR_ANNOTATION: json.dumps({"ipv4": "198.51.100.%d/24" % last})}, ready)
    obj["status"]["addresses"] = [{"type": "InternalIP", "address": ip(last)}]
    if assignable:
        obj["metadata"]["labels"] = {"k8s.ovn.org/egress-assignable": ""}
    return obj


def egressip_obj(name, ips, placed=()):
    return {"metadata": {"name": name}, "spec": {"egressIPs": list(ips), "namespaceSelector": {}},
            "status": {"items": [{"node": node, "egressIP": addr} for node, addr in placed]}}


def test_ovn_objects_validate_and_allocate_unchanged():
    from ansible_collections.ocp.egressip.plugins.module_utils.core.allocate import Request, allocate
    from ansible_collections.ocp.egressip.plugins.module_utils.core.state import state_from_ovn
    nodes = [ovn_node("worker01", 141), ovn_node("worker02", 142), ovn_node("worker03", 143, assignable=False)]
    good = state_from_ovn([egressip_obj("web", [ip(100), ip(101)], [("worker01", ip(100)), ("worker02", ip(101))]),
                           egressip_obj("api", [])], nodes)
    assert good.kinds() == ("Node", "EgressIP") and good.nodes["worker03"].assignable is False
    assert validate(good) == []           # several IPs per EgressIP are normal on OVN
    bad = state_from_ovn([egressip_obj("web", [ip(100), ip(141)], [("worker01", ip(100)), ("worker01", ip(141))])],
                         nodes)
    assert {"NAMESPACE_MULTIPLE_IPS_ON_NODE", "IP_IS_NODE_IP"} <= codes(validate(bad))
    lone = state_from_ovn([egressip_obj("web", [ip(100)])], [nodes[0], nodes[2]])
    assert "CIDR_SINGLE_NODE" in codes(validate(lone))
    assert allocate(good, [Request("web", count=2)]).changes == []
    plan = allocate(good, [Request("api", count=2)], )
    # .1, the lowest usable address of the node network (the router on most networks), is passed over
    assert plan.ips["api"] == [ip(2), ip(3)]
    assert [s["ip"] for s in plan.skipped] == [ip(1)]
    assert [(c.kind, c.name) for c in plan.changes] == [("EgressIP", "api")]
    # a Node without an IPv4 InternalIP is left out and reported; the rest carries on
    partial = state_from_ovn([], [{"metadata": {"name": "w"}, "status": {"addresses": []}}] + nodes)
    assert "w" not in partial.nodes and set(partial.nodes) == {"worker01", "worker02", "worker03"}
    assert [f.objects for f in validate(partial) if f.code == "NODE_DATA_INVALID"] == [["Node/w"]]


@pytest.mark.parametrize("annotations,status,field", [
    ({CLOUD_ANNOTATION: "{"}, None, "Node worker01 annotation " + CLOUD_ANNOTATION),
    ({CLOUD_ANNOTATION: '[{"ifaddr": {"ipv4": "198.51.100.0/33"}}]'}, None, "ifaddr.ipv4"),
    ({OVN_IFADDR_ANNOTATION: "[]"}, None, "Node worker01 annotation " + OVN_IFADDR_ANNOTATION),
    ("not a mapping", None, "Node worker01 metadata.annotations"),
    ({}, {"conditions": "Ready"}, "Node worker01 status"),
])
def test_one_bad_node_is_a_finding_and_the_rest_carries_on(annotations, status, field):
    """issue 15: one malformed cloud annotation (or other unusable Node data) made the whole
    cluster unreadable; now that part of that node is ignored and reported."""
    node = node_obj("worker01", {})
    node["metadata"]["annotations"] = annotations
    if status is not None:
        node["status"] = status
    good = node_obj("worker02", {CLOUD_ANNOTATION: '[{"interface": "eth0", "ifaddr": {"ipv4": "198.51.100.0/24"}, '
                                                   '"capacity": {"ip": 3}}]'})
    state = state_from_sdn(blog_hostsubnets(), [], nodes=[node, good], default_network="203.0.113.0/24")
    assert state.nodes["worker02"].capacity == 3 and state.nodes["worker02"].network == "198.51.100.0/24"
    assert state.nodes["worker01"].network == "203.0.113.0/24"     # from the other sources
    found = [f for f in validate(state) if f.code == "NODE_DATA_INVALID"]
    assert found and found[0].objects == ["Node/worker01"] and field in found[0].message, found
    assert found[0].severity == "warning"
