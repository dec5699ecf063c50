# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Allocation and release: examples, including the blog's scenarios (mapped to
198.51.100.0/24, hosts .141-.145, wrong IP 203.0.113.81, NETID 5281170)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.ocp.egressip.plugins.module_utils.core.addresses import InputError
from ansible_collections.ocp.egressip.plugins.module_utils.core.allocate import (
    AllocationError, Plan, Request, allocate, release,
)
from ansible_collections.ocp.egressip.plugins.module_utils.core.findings import errors
from ansible_collections.ocp.egressip.plugins.module_utils.core.state import state_from_sdn
from ansible_collections.ocp.egressip.plugins.module_utils.core.validate import validate
from ansible_collections.ocp.egressip.tests.unit.plugins.module_utils.core_builders import (
    NET, NETID, auto_base, blog_hostsubnets, codes, ip, manual_base, netnamespace,
)


def blog_state(pins=None, ns_ips=None, **kw):
    return state_from_sdn(blog_hostsubnets(pins), [netnamespace("mywebserver", NETID, ns_ips)],
                          default_network=NET, gateway=ip(1), **kw)


# --- the blog's scenarios ---------------------------------------------------------------

def test_blog_wrong_ip_is_caught_before_writing():
    """The blog pinned 10.10.10.81 (here 203.0.113.81) on a node whose interface is on
    192.168.50.0/24 (here 198.51.100.0/24); openshift-sdn logged 'not in local network'."""
    state = blog_state({"worker03": ["203.0.113.81"]}, ["203.0.113.81"])
    found = validate(state)
    assert {"IP_NOT_IN_NODE_NETWORK", "NAMESPACE_EGRESS_DROPPED"} <= codes(errors(found))
    msg = [f.message for f in found if f.code == "IP_NOT_IN_NODE_NETWORK"][0]
    assert 'egress IP "203.0.113.81" is not in local network 198.51.100.0/24' in msg


def test_blog_fix_replaces_wrong_ip_and_spreads_over_nodes():
    state = blog_state({"worker03": ["203.0.113.81"]}, ["203.0.113.81"])
    plan = allocate(state, [Request("mywebserver", count=2, mode="manual")])
    assert plan.ips == {"mywebserver": [ip(2), ip(3)]}
    assert plan.assignments == {ip(2): "worker01", ip(3): "worker02"}
    # write order: pins first, then the namespace, then the unpin of the wrong IP
    assert [(c.kind, c.name) for c in plan.changes] == [
        ("HostSubnet", "worker01"), ("HostSubnet", "worker02"), ("NetNamespace", "mywebserver"),
        ("HostSubnet", "worker03")]
    assert plan.changes[-1].after == {"egressIPs": []}
    assert errors(validate(plan.state)) == []
    assert allocate(plan.state, [Request("mywebserver", count=2, mode="manual")]).changes == []


def test_blog_two_ips_on_one_node_is_the_vnid_error():
    state = blog_state({"worker01": [ip(100), ip(101)]}, [ip(100), ip(101)])
    found = [f for f in validate(state) if f.code == "NAMESPACE_MULTIPLE_IPS_ON_NODE"]
    assert found[0].message.startswith(
        "Multiple EgressIPs (198.51.100.100, 198.51.100.101) for VNID 5281170 on node 198.51.100.141")
    plan = allocate(state, [Request("mywebserver", count=2, mode="manual")])
    # one IP stays, the other moves to another node
    nodes = [plan.assignments[x] for x in plan.ips["mywebserver"]]
    assert plan.ips["mywebserver"] == [ip(100), ip(101)] and len(set(nodes)) == 2
    assert errors(validate(plan.state)) == []


def test_blog_same_ip_on_two_hostsubnets():
    state = blog_state({"worker01": [ip(100)], "worker02": [ip(100)]}, [ip(100)])
    assert [f.message for f in validate(state) if f.code == "IP_MULTIPLE_NODES"][0].startswith(
        "Multiple nodes (198.51.100.141, 198.51.100.142) claiming EgressIP 198.51.100.100")
    plan = allocate(state, [Request("mywebserver", mode="manual")])
    assert sum(ip(100) in n.egress_ips for n in plan.state.nodes.values()) == 1
    assert errors(validate(plan.state)) == []


def test_blog_node_ip_as_egress_ip_is_never_chosen():
    state = blog_state(reserved=[ip(x) for x in range(2, 141)])
    plan = allocate(state, [Request("mywebserver", count=2, mode="manual")])
    assert plan.ips["mywebserver"] == [ip(146), ip(147)]       # .141-.145 are the nodes


# --- manual mode ----------------------------------------------------------------------

def test_manual_least_loaded_nodes_first_and_one_per_node():
    state = manual_base()
    plan = allocate(state, [Request("other", count=3, mode="manual")])
    # worker03 holds nothing, worker01/02 one each: worker03 first, then by name
    assert [plan.assignments[x] for x in plan.ips["other"]] == ["worker03", "worker01", "worker02"]
    assert plan.ips["other"] == [ip(2), ip(3), ip(4)]


def test_manual_count_above_node_count_fails_with_reason():
    with pytest.raises(AllocationError) as err:
        allocate(manual_base(), [Request("other", count=4, mode="manual")])
    assert "no eligible node left" in str(err.value) and 'NetNamespace "other"' in str(err.value)


def test_manual_respects_capacity_and_readiness():
    state = manual_base()
    state.nodes["worker03"] = state.nodes["worker03"].replace(capacity=0)
    state.nodes["worker02"] = state.nodes["worker02"].replace(ready=False)
    plan = allocate(state, [Request("other", mode="manual")])
    assert plan.assignments == {ip(2): "worker01"}


def test_manual_only_requested_nodes():
    plan = allocate(manual_base(), [Request("other", mode="manual", nodes=["worker02"])])
    assert plan.assignments == {ip(2): "worker02"}


def test_manual_node_with_egress_cidrs_is_refused():
    with pytest.raises(AllocationError) as err:
        allocate(auto_base(), [Request("other", mode="manual", nodes=["worker01"])])
    assert "egressCIDRs" in str(err.value)


def test_manual_never_takes_ips_inside_egress_cidrs():
    state = auto_base()
    plan = allocate(state, [Request("other", count=1, mode="manual", pool=[ip(64) + "/26"])])
    assert plan.ips["other"] == [ip(96)]      # .64/27 belongs to automatic mode
    assert plan.assignments == {ip(96): "worker03"}


def test_pool_exhausted_names_pool_size_and_free_count():
    state = manual_base(reserved=[ip(5)])
    with pytest.raises(AllocationError) as err:
        allocate(state, [Request("other", count=3, mode="manual", pool=[ip(4) + "-" + ip(6)])])
    text = str(err.value)
    assert "pool exhausted" in text and "has 3 addresses, 2 free" in text and "found 2" in text


def test_shrinking_count_drops_and_unpins_the_last_ip():
    plan = allocate(manual_base(), [Request("mywebserver", count=1, mode="manual")])
    assert plan.ips == {"mywebserver": [ip(50)]}
    assert plan.state.nodes["worker02"].egress_ips == []


def test_release_frees_and_unpins():
    plan = release(manual_base(), ["mywebserver"])
    assert plan.state.namespaces["mywebserver"].egress_ips == []
    assert all(not n.egress_ips for n in plan.state.nodes.values())
    assert [c.kind for c in plan.changes] == ["NetNamespace", "HostSubnet", "HostSubnet"]
    assert release(plan.state, ["mywebserver"]).changes == []


def test_release_keeps_an_ip_another_namespace_still_claims():
    state = manual_base()
    state.namespaces["other"] = state.namespaces["other"].replace(egress_ips=[ip(50)])
    plan = release(state, ["mywebserver"])
    assert plan.state.nodes["worker01"].egress_ips == [ip(50)]
    assert plan.state.nodes["worker02"].egress_ips == []


# --- auto mode --------------------------------------------------------------------------

def test_auto_picks_from_egress_cidrs_and_writes_only_the_namespace():
    plan = allocate(auto_base(), [Request("other")])
    assert plan.ips == {"other": [ip(65)]}              # .64 is the CIDR's network address
    assert [(c.kind, c.name) for c in plan.changes] == [("NetNamespace", "other")]
    assert plan.assignments == {}                      # the SDN master decides


def test_auto_needs_a_ready_node_with_room():
    state = auto_base()
    for name in ("worker01", "worker02"):
        state.nodes[name] = state.nodes[name].replace(capacity=1)
    plan = allocate(state, [Request("other")])           # worker02 still has room
    assert plan.ips == {"other": [ip(65)]}
    # .65 waits for worker02's last slot: a second IP for mywebserver has nowhere to go
    with pytest.raises(AllocationError) as err:
        allocate(plan.state, [Request("mywebserver", count=2)])
    assert "no eligible node left" in str(err.value)


def test_auto_keeps_controller_assignment_and_is_idempotent():
    state = auto_base()
    plan = allocate(state, [Request("mywebserver")])
    assert plan.changes == [] and plan.assignments == {ip(70): "worker01"}


def test_auto_mode_switch_unpins_manual_pins():
    state = auto_base()
    state.nodes["worker03"] = state.nodes["worker03"].replace(egress_ips=[ip(75)])
    state.namespaces["other"] = state.namespaces["other"].replace(egress_ips=[ip(75)])
    assert "MANUAL_IP_IN_EGRESS_CIDR" in codes(validate(state))
    plan = allocate(state, [Request("other")])
    assert plan.ips == {"other": [ip(75)]} and plan.state.nodes["worker03"].egress_ips == []
    assert errors(validate(plan.state)) == []


def test_plan_to_dict_and_multiple_requests():
    state = manual_base()
    state.namespaces["third"] = state.namespaces["other"].replace(name="third", netid=3)
    plan = allocate(state, [{"namespace": "other", "mode": "manual"}, Request("third", mode="manual")])
    assert isinstance(plan, Plan)
    assert plan.ips == {"other": [ip(2)], "third": [ip(3)]}
    assert plan.assignments[ip(2)] != plan.assignments[ip(3)]      # least loaded moves on
    data = plan.to_dict()
    assert set(data) == {"changes", "ips", "assignments", "findings", "skipped"}
    first = [c for c in data["changes"] if c["name"] == plan.assignments[ip(2)]][0]
    assert first["kind"] == "HostSubnet" and first["after"]["egressIPs"][-1] == ip(2)


def test_allocation_does_not_touch_the_input_state():
    state = manual_base()
    snapshot = state.copy()
    allocate(state, [Request("other", count=2, mode="manual")])
    release(state, ["mywebserver"])
    assert state == snapshot and validate(state) == validate(snapshot)


def test_existing_errors_elsewhere_do_not_block():
    state = manual_base()
    state.nodes["worker03"] = state.nodes["worker03"].replace(egress_ips=["203.0.113.81"])
    state.namespaces["third"] = state.namespaces["other"].replace(name="third", netid=3,
                                                                  egress_ips=["203.0.113.81"])
    plan = allocate(state, [Request("other", mode="manual", nodes=["worker01", "worker02"])])
    assert plan.ips == {"other": [ip(2)]}


def test_error_about_the_namespace_blocks():
    state = manual_base()
    # worker01 reports the wrong network for .50: the kept pin cannot be fixed by re-pinning
    state.nodes["worker01"] = state.nodes["worker01"].replace(network="203.0.113.0/24")
    state.nodes["worker02"] = state.nodes["worker02"].replace(network="203.0.113.0/24")
    state.nodes["worker03"] = state.nodes["worker03"].replace(network="203.0.113.0/24")
    plan = allocate(state, [Request("mywebserver", count=2, mode="manual")])
    assert all(x.startswith("203.0.113.") for x in plan.ips["mywebserver"])
    assert errors(validate(plan.state)) == []


# --- bad input ----------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,field", [
    ({"namespace": ""}, "namespace"),
    ({"namespace": 5}, "namespace"),
    ({"namespace": "x", "count": 0}, "count"),
    ({"namespace": "x", "count": -1}, "count"),
    ({"namespace": "x", "count": 10 ** 9}, "count"),
    ({"namespace": "x", "count": True}, "count"),
    ({"namespace": "x", "count": "2"}, "count"),
    ({"namespace": "x", "mode": "static"}, "mode"),
    ({"namespace": "x", "pool": []}, "pool"),
    ({"namespace": "x", "pool": ["198.51.100.0/33"]}, "pool[0]"),
    ({"namespace": "x", "pool": ["198.51.100.9-198.51.100.2"]}, "pool[0]"),
    ({"namespace": "x", "pool": [{"a": 1}]}, "pool[0]"),
    ({"namespace": "x", "nodes": "worker01"}, "nodes"),
    ({"namespace": "x", "nodes": [None]}, "nodes[0]"),
])
def test_bad_request_fields(kwargs, field):
    with pytest.raises(InputError) as err:
        Request(**kwargs)
    assert err.value.field == field and str(err.value).startswith(field + ":")
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize("requests,field", [
    ("other", "requests"),
    ([{"namespace": "nope"}], "namespace"),
    ([{"namespace": "other", "nodes": ["worker09"]}], "nodes[0]"),
    ([{"namespace": "other", "bogus": 1}], "requests[0]"),
    ([{"count": 1}], "requests[0]"),
    ([Request("other"), Request("other")], "namespace"),
    ([42], "requests[0]"),
])
def test_bad_allocate_input(requests, field):
    with pytest.raises(InputError) as err:
        allocate(manual_base(), requests)
    assert err.value.field == field


def test_bad_release_and_state_input():
    with pytest.raises(InputError):
        release(manual_base(), ["nope"])
    with pytest.raises(InputError):
        release(manual_base(), "mywebserver")
    with pytest.raises(InputError) as err:
        allocate({"nodes": []}, [])
    assert err.value.field == "state"


def test_release_in_auto_mode_leaves_hostsubnets_to_the_sdn_master():
    plan = release(auto_base(), ["mywebserver"])
    assert [(c.kind, c.name) for c in plan.changes] == [("NetNamespace", "mywebserver")]
    assert [f.code for f in plan.findings] == ["IP_UNUSED"]
    # the IP stays taken until the master drops it
    assert allocate(plan.state, [Request("other")]).ips == {"other": [ip(65)]}
    assert ip(70) not in allocate(plan.state, [Request("other", pool=[ip(70) + "-" + ip(71)])]).ips["other"]


def test_manual_pins_move_only_when_every_pin_is_down():
    state = manual_base()
    state.nodes["worker01"] = state.nodes["worker01"].replace(ready=False)
    # .51 on worker02 still works: .50 stays on worker01 (that is the failover design)
    assert allocate(state, [Request("mywebserver", count=2, mode="manual")]).changes == []
    state.nodes["worker02"] = state.nodes["worker02"].replace(ready=False)
    plan = allocate(state, [Request("mywebserver", count=1, mode="manual")])
    # traffic was dropped: the same IP moves to a node that is up
    assert plan.ips == {"mywebserver": [ip(50)]} and plan.assignments == {ip(50): "worker03"}
    assert "NAMESPACE_EGRESS_DROPPED" not in codes(validate(plan.state))


def test_already_satisfied_but_broken_is_not_silently_accepted():
    state = auto_base()
    for name in ("worker01", "worker02"):
        state.nodes[name] = state.nodes[name].replace(ready=False)
    with pytest.raises(AllocationError) as err:
        allocate(state, [Request("mywebserver")])
    assert "NAMESPACE_EGRESS_DROPPED" in str(err.value)
    assert err.value.findings and err.value.findings[0].severity == "error"


def test_blog_automatic_mode_round_trip():
    """egressCIDRs on two HostSubnets; the namespace gets an IP, the SDN master (simulated)
    writes it into one HostSubnet: that converged state is clean, not a manual pin."""
    hs = blog_hostsubnets()
    for obj in hs[:2]:
        obj["egressCIDRs"] = [ip(96) + "/27"]
    state = state_from_sdn(hs, [netnamespace("mywebserver", NETID, [])], default_network=NET, gateway=ip(1))
    plan = allocate(state, [Request("mywebserver")])
    assert plan.ips == {"mywebserver": [ip(97)]}
    converged = plan.state.copy()
    converged.set_node_egress("worker02", egress_ips=[ip(97)])
    assert validate(converged) == []
    assert allocate(converged, [Request("mywebserver")]).changes == []
    # worker02 goes NotReady before the master moves the IP: a warning about the CIDR, the
    # namespace still has a Ready node that can take it; until the master moves it, the
    # namespace has no egress (openshift/sdn common/egressip.go 683: "cannot use egress IP %s
    # on offline node", whatever the number of IPs)
    converged.nodes["worker02"] = converged.nodes["worker02"].replace(ready=False)
    assert codes(validate(converged)) == {"CIDR_SINGLE_NODE", "NAMESPACE_NO_EGRESS_NOW"}
    now = [f.message for f in validate(converged) if f.code == "NAMESPACE_NO_EGRESS_NOW"]
    assert "offline node(s) worker02" in now[0]


def test_no_candidate_nodes_says_why():
    state = state_from_sdn(blog_hostsubnets(), [netnamespace("mywebserver", NETID, [])])   # networks unknown
    with pytest.raises(AllocationError) as err:
        allocate(state, [Request("mywebserver", mode="manual")])
    assert "known primary network" in str(err.value)
    with pytest.raises(AllocationError) as err:
        allocate(state, [Request("mywebserver")])
    assert "no Ready node has egressCIDRs" in str(err.value)
