# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""plugins/module_utils/ovn/controller.py and its use by ovn/model.py: the OVN-Kubernetes cluster
manager's rules (ovn-kubernetes 6c366bb), both address families.  One test per point of issue 16's
list "What the code believes today that the controller does not"."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.ocp.egressip.plugins.module_utils.core import addresses as A
from ansible_collections.ocp.egressip.plugins.module_utils.ovn import controller as C
from ansible_collections.ocp.egressip.plugins.module_utils.ovn import model as ovn

V4NET, V6NET = "198.51.100.0/24", "2001:db8:1::/64"
SECOND4, SECOND6 = "203.0.113.0/24", "2001:db8:2::/64"


def node(name, v4=None, v6=None, labelled=True, ready="True", host_cidrs=None, extra_cidrs=(), cloud=None,
         internal=None):
    """A Node as ovnkube-node annotates it: node-primary-ifaddr (v4 and/or v6 interface addresses),
    host-cidrs (every address of the host, the primary ones included)."""
    ann = {}
    ifaddr = {}
    if v4:
        ifaddr["ipv4"] = v4 + "/24"
    if v6:
        ifaddr["ipv6"] = v6 + "/64"
    if ifaddr:
        ann[C.IFADDR_ANNOTATION] = json.dumps(ifaddr)
    if host_cidrs is None:
        host_cidrs = list(ifaddr.values()) + list(extra_cidrs)
    if host_cidrs is not False:
        ann[C.HOST_CIDRS_ANNOTATION] = host_cidrs if isinstance(host_cidrs, str) else json.dumps(host_cidrs)
    if cloud is not None:
        ann[C.CLOUD_ANNOTATION] = json.dumps([cloud])
    conditions = [] if ready is None else [{"type": "Ready", "status": ready}]
    addresses = [{"type": "InternalIP", "address": a} for a in (internal or [x for x in (v4, v6) if x])]
    return {"metadata": {"name": name, "labels": {C.LABEL: ""} if labelled else {}, "annotations": ann},
            "status": {"addresses": addresses, "conditions": conditions}}


def eip(name, ips, items=(), created=None):
    return {"metadata": {"name": name, "creationTimestamp": created or "2026-01-01T00:00:0%dZ" % len(name)},
            "spec": {"egressIPs": list(ips), "namespaceSelector": ovn.namespace_selector(name)},
            "status": {"items": [{"egressIP": ip, "node": n} for ip, n in items]}}


def dual(n=2):
    return [node("worker%02d" % i, v4="198.51.100.%d" % (10 + i), v6="2001:db8:1::%x" % (10 + i)) for i in range(1, n + 1)]


def run(nodes, eips, platform=None, unreachable=()):
    state = ovn.ovn_state(nodes, eips)
    order = [e["metadata"]["name"] for e in eips]
    pred = ovn.predict_objects(nodes, eips, order, state=state, platform=platform)
    if unreachable:
        pred = ovn.Prediction(C.simulate(nodes, eips, order, platform=platform, unreachable=unreachable))
    return pred, ovn.validate_ovn(ovn.with_assignments(state, pred.items), pred)


def codes(findings):
    return sorted(set(f.code for f in findings))


# -- address families -------------------------------------------------------------------

@pytest.mark.parametrize("text,canon", [
    ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"), ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
    ("::ffff:198.51.100.7", "198.51.100.7"), ("::ffff:c633:6407", "198.51.100.7"), ("198.51.100.7", "198.51.100.7"),
])
def test_canonical_form_is_the_controllers(text, canon):
    assert A.canonical_ip(text) == canon
    assert A.canonical_ip(canon) == canon


@pytest.mark.parametrize("bad", ["198.51.100.007", "2001:db8::1%eth0", "2001:db8::/64", "", "1.2.3", None, 7])
def test_unparsable_addresses(bad):
    assert A.canonical_ip(bad) is None
    with pytest.raises(A.InputError) as err:
        A.parse_any_ip(bad, "egress_ips[0]")
    assert "egress_ips[0]" in str(err.value)


def test_duplicates_collapse_in_spec_order():
    assert A.canonical_ips(["2001:DB8::1", "198.51.100.7", "2001:db8::1", "::ffff:198.51.100.7", "x"]) == (
        ["2001:db8::1", "198.51.100.7"], ["x"])


def test_openshift_sdn_stays_ipv4_only_and_says_so():
    with pytest.raises(A.InputError) as err:
        A.parse_ip("2001:db8::1", "egressIPs[0]")
    assert str(err.value) == "egressIPs[0]: '2001:db8::1': must be an IPv4 address"


def test_ipv6_pools():
    assert A.pool_ranges(["2001:db8::/126", "198.51.100.8/30", "2001:db8::10-2001:db8::11"], "pool") == [
        (4, int(A.ip_object("198.51.100.9")), int(A.ip_object("198.51.100.10"))),
        (6, int(A.ip_object("2001:db8::1")), int(A.ip_object("2001:db8::3"))),
        (6, int(A.ip_object("2001:db8::10")), int(A.ip_object("2001:db8::11")))]
    with pytest.raises(A.InputError, match=r"pool\[0\].*one address family"):
        A.pool_ranges(["198.51.100.1-2001:db8::1"], "pool")


# -- 1. IPv6 / dual-stack nodes and spec entries ------------------------------------------

def test_ipv6_and_dual_stack_nodes_do_not_break_state_building():
    nodes = dual() + [node("v6only", v6="2001:db8:1::99", internal=["2001:db8:1::99"])]
    state = ovn.ovn_state(nodes, [eip("a", ["2001:db8:1::100", "198.51.100.100"])])
    assert state.nodes["worker01"].network == V4NET and state.nodes["v6only"].network is None


def test_dual_stack_object_one_address_per_node_across_families():
    pred, found = run(dual(2), [eip("a", ["198.51.100.100", "2001:db8:1::100"])])
    nodes = sorted(pred.assignments.values())
    assert sorted(pred.assignments) == ["198.51.100.100", "2001:db8:1::100"] and nodes == ["worker01", "worker02"]
    assert [f for f in found if f.severity == "error"] == []
    # one node: the second family's address stays pending (one per node across both families)
    pred, found = run(dual(1), [eip("a", ["198.51.100.100", "2001:db8:1::100"])])
    assert pred.assignments == {"198.51.100.100": "worker01"}
    assert "EGRESSIP_NOT_ALL_ASSIGNABLE" in codes(found)


def test_ipv4_mapped_spec_entry_is_ipv4_and_non_canonical_status_is_matched():
    pred, found = run(dual(1), [eip("a", ["::ffff:198.51.100.100"])])
    assert pred.assignments == {"198.51.100.100": "worker01"}
    # spec written non-canonically, status as the controller writes it (canonical): kept
    pred, found = run(dual(1), [eip("a", ["2001:DB8:1::100"], [("2001:db8:1::100", "worker01")])])
    assert pred.results["a"].kept == [("2001:db8:1::100", "worker01")] and not pred.results["a"].stale


# -- 2. host-cidrs: secondary host networks, node addresses --------------------------------

def test_secondary_host_network_hosts_and_wins_over_primary():
    nodes = [node("worker01", v4="198.51.100.11", extra_cidrs=["203.0.113.11/24"]),
             node("worker02", v4="198.51.100.12")]
    pred, found = run(nodes, [eip("a", ["203.0.113.50"])])
    assert pred.assignments == {"203.0.113.50": "worker01"} and "IP_NO_NODE" not in codes(found)
    # an existing status item on the secondary network is valid
    pred, _found = run(nodes, [eip("a", ["203.0.113.50"], [("203.0.113.50", "worker01")])])
    assert pred.results["a"].kept == [("203.0.113.50", "worker01")]
    # where some node has the address in a secondary network, only such nodes are candidates,
    # even when another node holds it in its primary network (egressip_controller.go:1245-1276)
    nodes = [node("a1", v4="198.51.100.11"), node("b1", v4="203.0.113.12", extra_cidrs=["198.51.100.200/24"])]
    pred, _found = run(nodes, [eip("a", ["198.51.100.50"])])
    assert pred.assignments == {"198.51.100.50": "b1"}


def test_longest_prefix_and_link_local_networks():
    extra = ["203.0.113.11/24", "203.0.113.129/25", "169.254.0.2/16", "fe80::1/64"]
    n = C.egress_node(node("w", v4="198.51.100.11", extra_cidrs=extra), False)
    assert str(n.secondary_network(A.ip_object("203.0.113.200"), False)) == "203.0.113.128/25"
    assert n.secondary_network(A.ip_object("169.254.3.3"), False) is None
    assert n.secondary_network(A.ip_object("203.0.113.200"), True) is None      # never on cloud


def test_address_of_any_host_cidrs_is_never_assigned():
    nodes = dual(2) + [node("infra", v4="198.51.100.30", labelled=False, extra_cidrs=["198.51.100.77/24"])]
    pred, found = run(nodes, [eip("a", ["198.51.100.77"])])
    assert pred.assignments == {}
    f = [x for x in found if x.code == "IP_IS_HOST_IP"]
    assert f and "conflicting with a host (infra) IP address" in f[0].message


# -- 3. conflicts abort the pass; one bad entry rejects the object --------------------------

def test_unparsable_entry_rejects_the_whole_object():
    pred, found = run(dual(2), [eip("a", ["198.51.100.100", "not-an-ip"], [("198.51.100.100", "worker01")])])
    res = pred.results["a"]
    assert res.invalid == ["not-an-ip"] and res.added == [] and res.kept == [("198.51.100.100", "worker01")]
    f = [x for x in found if x.code == "EGRESSIP_INVALID_SPEC"]
    assert f and "unable to parse provided EgressIP: not-an-ip" in f[0].message


def test_first_holder_keeps_the_newcomer_is_refused_and_its_pass_stops():
    eips = [eip("old", ["198.51.100.100"], [("198.51.100.100", "worker01")]),
            eip("new", ["198.51.100.100", "198.51.100.101"])]
    pred, found = run(dual(2), eips)
    assert pred.items["old"] == [("198.51.100.100", "worker01")] and pred.items["new"] == []
    assert [p[1] for p in pred.results["new"].pending] == ["aborted", "aborted"]
    f = [x for x in found if x.code == "IP_MULTIPLE_NAMESPACES"]
    assert f[0].objects == ["EgressIP/new"]


def test_node_without_parsable_host_cidrs_stops_all_assignment():
    for broken in (False, "not json", json.dumps(["198.51.100.40"])):
        nodes = dual(2) + [node("new", v4="198.51.100.40", labelled=False, host_cidrs=broken)]
        pred, found = run(nodes, [eip("a", ["198.51.100.100"])])
        assert pred.assignments == {}
        f = [x for x in found if x.code == "NODE_HOST_CIDRS_UNPARSABLE"]
        assert f and f[0].objects == ["Node/new"] and "Node \"new\"" in f[0].message


# -- 4. readiness and reachability ---------------------------------------------------------

def test_node_without_ready_condition_is_not_ready():
    nodes = [node("worker01", v4="198.51.100.11", ready=None)]
    pred, found = run(nodes, [eip("a", ["198.51.100.100"])])
    assert pred.assignments == {} and ovn.node_ready(nodes[0]) is False
    assert "IP_NODE_NOT_READY" in codes(found)


def test_unreachable_node_is_not_used_and_loses_its_items():
    nodes = dual(2)
    pred, found = run(nodes, [eip("a", ["198.51.100.100"], [("198.51.100.100", "worker01")])],
                      unreachable=["worker01"])
    assert pred.assignments == {"198.51.100.100": "worker02"}
    assert pred.results["a"].stale[0][:2] == ("198.51.100.100", "worker01")


# -- 5. existing status items: what is (not) re-checked ------------------------------------

def test_status_items_are_not_rechecked_for_capacity_or_host_addresses():
    cloud = {"interface": "eni", "ifaddr": {"ipv4": V4NET}, "capacity": {"ipv4": 1}}
    nodes = [node("worker01", v4="198.51.100.11", cloud=cloud)]
    items = [("198.51.100.100", "worker01"), ]
    eips = [eip("a", ["198.51.100.100"], items), eip("b", ["198.51.100.101"], [("198.51.100.101", "worker01")])]
    pred, _found = run(nodes, eips, platform="AWS")
    # worker01 holds 2 > capacity 1, both kept (validateEgressIPStatus checks no capacity)
    assert pred.items == {"a": items, "b": [("198.51.100.101", "worker01")]}


def test_two_items_of_one_object_on_one_node_are_both_dropped():
    eips = [eip("a", ["198.51.100.100", "198.51.100.101"],
                [("198.51.100.100", "worker01"), ("198.51.100.101", "worker01")])]
    pred, found = run(dual(2), eips)
    res = pred.results["a"]
    assert len(res.stale) == 2 and res.kept == []
    assert sorted(n for _ip, n in res.added) == ["worker01", "worker02"]
    assert "EGRESSIP_STALE_STATUS" in codes(found)


# -- 6. capacity per family, keyed on the platform -----------------------------------------

@pytest.mark.parametrize("capacity,expected", [
    ({}, 3),                              # absent = unlimited
    ({"ipv4": 0, "ipv6": 5, "ip": 5}, 1),  # 0 = none: only the IPv6 address
    ({"ip": 2}, 2),                       # ip counts every family
    ({"ipv4": 1, "ipv6": 1}, 2),
])
def test_cloud_capacity_per_family(capacity, expected):
    cloud = {"interface": "eni", "ifaddr": {"ipv4": V4NET, "ipv6": V6NET}, "capacity": capacity}
    nodes = [node("w%d" % i, v4="198.51.100.1%d" % i, v6="2001:db8:1::1%d" % i, cloud=cloud) for i in range(3)]
    eips = [eip("a", ["198.51.100.100"]), eip("b", ["198.51.100.101"]), eip("c", ["2001:db8:1::100"])]
    one = dict(nodes=[nodes[0]])
    pred, _found = run(one["nodes"], eips, platform="AWS")
    assert len(pred.assignments) == expected
    # the annotation is ignored on bare metal (capacity unlimited)
    pred, _found = run(one["nodes"], eips, platform="BareMetal")
    assert len(pred.assignments) == 3


# -- 7. wording: no address assigned ---------------------------------------------------------

def test_no_address_assigned_says_pods_use_the_node_address():
    pred, found = run(dual(1), [eip("a", ["203.0.113.5"])])
    assert "NAMESPACE_EGRESS_DROPPED" not in codes(found)
    f = [x for x in found if x.code == "EGRESSIP_NONE_ASSIGNED"]
    assert f and "node's own address" in f[0].message


def test_network_address_is_our_policy_not_the_platforms():
    pred, found = run(dual(1), [eip("a", ["198.51.100.255"])])
    assert pred.assignments == {"198.51.100.255": "worker01"}      # the controller assigns it
    f = [x for x in found if x.code == "IP_IS_NETWORK_ADDRESS"]
    assert f and "this collection's policy" in f[0].message


def test_load_and_imbalance():
    from ansible_collections.ocp.egressip.plugins.module_utils.ovn.runner import imbalance
    items = [("198.51.100.%d" % (100 + i), "worker01") for i in range(3)]
    eips = [eip("e%d" % i, [ip], [(ip, n)]) for i, (ip, n) in enumerate(items)]
    pred, _found = run(dual(2), eips)
    assert pred.count == {"worker01": 3, "worker02": 0}
    flagged = imbalance(pred.count)
    assert flagged and flagged[0]["code"] == "EGRESSIP_LOAD_IMBALANCE" and flagged[0]["severity"] == "warning"
    assert imbalance({"worker01": 2, "worker02": 1}) == []


# -- migration into a dual-stack cluster ---------------------------------------------------

def sdn_facts():
    return {"network_type": "OpenShiftSDN", "nodes": [
        {"name": "worker01", "egress_cidrs": [V4NET], "egress_ips": ["198.51.100.100"]},
        {"name": "worker02", "egress_cidrs": [V4NET], "egress_ips": ["203.0.113.60"]}],
        "namespaces": [{"name": "a-web", "egress_ips": ["198.51.100.100"]},
                       {"name": "b-shop", "egress_ips": ["198.51.100.100", "198.51.100.101"]},
                       {"name": "c-second", "egress_ips": ["203.0.113.60"]},
                       {"name": "d-node", "egress_ips": ["198.51.100.77"]}]}


def test_migration_into_dual_stack_cluster():
    nodes = [node("worker01", v4="198.51.100.11", v6="2001:db8:1::11", extra_cidrs=["203.0.113.11/24"]),
             node("worker02", v4="198.51.100.12", v6="2001:db8:1::12", extra_cidrs=["198.51.100.77/24"])]
    state = ovn.ovn_state(nodes, [])
    plan = ovn.migration_plan(sdn_facts(), state, node_objs=nodes)
    by_ns = dict((e["namespace"], e["egress_ips"]) for e in plan["egressips"])
    # shared address: first namespace only (OVN refuses the second holder); secondary network
    # address carried over (worker01 hosts 203.0.113.0/24); a host-cidrs address is refused
    assert by_ns == {"a-web": ["198.51.100.100"], "b-shop": ["198.51.100.101"], "c-second": ["203.0.113.60"]}
    lost = dict(((x["object"], x["what"]), x["detail"]) for x in plan["not_carried_over"])
    assert "also an egress IP of namespace a-web" in lost[("NetNamespace/b-shop", "egressIPs")]
    assert "node IP" in lost[("NetNamespace/d-node", "egressIPs")]
    # the plan is what the controller then accepts: nothing refused, every address placed
    eips = [eip("egressip-" + ns, ips) for ns, ips in sorted(by_ns.items())]
    for e in eips:
        e["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z"
    pred, found = run([dict(n) for n in nodes], eips)
    assert sorted(pred.assignments) == ["198.51.100.100", "198.51.100.101", "203.0.113.60"]
    assert [f for f in found if f.severity == "error"] == []


# -- allocation of both families (egressip_ovn count + count_ipv6) ---------------------------

def mutation_params(**kw):
    params = dict(name="web", egress_ips=None, count=None, count_ipv6=None, pool=None, namespace="web",
                  namespace_selector=None, pod_selector=None, state="present", egressips=None,
                  assignable_nodes=[], exclusive_assignable=False, migrate_from=None, migrate_prefix="egressip-",
                  reserved_ips=[], gateway=None)
    params.update(kw)
    return params


def mutate(nodes, eips, **kw):
    from ansible_collections.ocp.egressip.plugins.module_utils.ovn.runner import ovn_mutation
    state = ovn.ovn_state(nodes, eips)
    raw = dict(Node=dict((n["metadata"]["name"], n) for n in nodes),
               EgressIP=dict((e["metadata"]["name"], e) for e in eips))
    return ovn_mutation(mutation_params(**kw))(state, dict(raw=raw, platform=None, control_plane=set()))


def test_count_ipv6_allocates_free_hostable_addresses_and_keeps_ipv4():
    nodes = dual(2) + [node("infra", v4="198.51.100.30", v6="2001:db8:1::1", labelled=False,
                            extra_cidrs=["2001:db8:1::2/64"])]
    others = [eip("other", ["2001:db8:1::3"], [("2001:db8:1::3", "worker01")])]
    m = mutate(nodes, others + [eip("web", ["198.51.100.100"])], count_ipv6=1)
    # ::1 node address of infra, ::2 in infra's host-cidrs, ::3 held by "other"; ::b, ::c worker addresses
    assert m.specs["web"]["egressIPs"] == ["198.51.100.100", "2001:db8:1::4"]
    # dual-stack in one go, from explicit pools of both families
    m = mutate(dual(2), [], count=1, count_ipv6=1, pool=["198.51.100.200-198.51.100.210", "2001:db8:1::100/120"])
    assert m.specs["web"]["egressIPs"] == ["198.51.100.200", "2001:db8:1::101"]
    # kept while valid: a second run changes nothing
    eips = [eip("web", ["198.51.100.200", "2001:db8:1::101"])]
    m = mutate(dual(2), eips, count=1, count_ipv6=1, pool=["198.51.100.200-198.51.100.210", "2001:db8:1::100/120"])
    assert m.specs["web"]["egressIPs"] == ["198.51.100.200", "2001:db8:1::101"]


def test_count_ipv6_errors_name_the_field():
    from ansible_collections.ocp.egressip.plugins.module_utils.runner import RunnerError
    with pytest.raises(RunnerError, match=r"cannot allocate: EgressIP web: .*IPv6"):
        mutate(dual(2), [], count_ipv6=1, pool=["198.51.100.0/24"])
    with pytest.raises(A.InputError, match=r"EgressIP web: pool\[0\]: '2001:db8::/64x'"):
        mutate(dual(2), [], count_ipv6=1, pool=["2001:db8::/64x"])
    with pytest.raises(A.InputError, match=r"EgressIP web: egress_ips\[1\]: '2001:db8::zz'"):
        mutate(dual(2), [], egress_ips=["198.51.100.100", "2001:db8::zz"])


def test_ipv6_only_node_network_is_known():
    from ansible_collections.ocp.egressip.plugins.module_utils.ovn.runner import network_unknown
    nodes = [node("v6", v6="2001:db8:1::9", internal=["2001:db8:1::9"])]
    state = ovn.ovn_state(nodes, [])
    pred = ovn.predict_objects(nodes, [], [], state=state)
    assert network_unknown(state) and not network_unknown(state, None, pred.view)
    pred, found = run(nodes, [eip("a", ["2001:db8:1::100"])])
    assert pred.assignments == {"2001:db8:1::100": "v6"} and [f for f in found if f.severity == "error"] == []
