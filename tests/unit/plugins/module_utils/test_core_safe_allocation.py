# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 10 section 1: the allocator never hands out an address that may belong to someone
else: the lowest/highest usable address of a node network (unless the pool names it), a
learnt gateway, an address held for another namespace; and it says what it passed over."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.ocp.egressip.plugins.module_utils.core.addresses import InputError
from ansible_collections.ocp.egressip.plugins.module_utils.core.allocate import AllocationError, Request, allocate
from ansible_collections.ocp.egressip.plugins.module_utils.core.state import ClusterState, Namespace
from ansible_collections.ocp.egressip.plugins.module_utils.core.validate import validate
from ansible_collections.ocp.egressip.tests.unit.plugins.module_utils.core_builders import ip, node


def bare(gateways=(), cidrs=None, network="198.51.100.0/24"):
    """Two workers on 198.51.100.0/24 and no gateway option: what the README example gives."""
    kw = dict(egress_cidrs=cidrs) if cidrs else {}
    nodes = [node("worker01", 144, network=network, **kw), node("worker02", 145, network=network, **kw)]
    return ClusterState("OpenShiftSDN", nodes, [Namespace("mywebserver", 5), Namespace("payments", 6)],
                        gateways=list(gateways))


def test_lowest_usable_address_is_never_allocated_by_default():
    plan = allocate(bare(cidrs=["198.51.100.0/24"]), [Request("mywebserver", count=1)])
    assert plan.ips["mywebserver"] == [ip(2)]
    assert plan.skipped == [{"ip": ip(1), "namespace": "mywebserver",
                             "reason": "lowest usable address of node network 198.51.100.0/24 (usually the router): "
                                       "list it in pool to use it"}]


def test_highest_usable_address_is_skipped_too():
    plan = allocate(bare(), [Request("mywebserver", count=2, mode="manual", pool=["198.51.100.248/29"])])
    # .249-.253 are fine; .254 is the node network's highest usable address
    assert plan.ips["mywebserver"] == [ip(249), ip(250)]
    with pytest.raises(AllocationError, match="pool exhausted"):
        allocate(bare(), [Request("mywebserver", count=1, mode="manual", pool=["198.51.100.254/31"])])


def test_explicit_pool_entries_may_name_the_edges():
    for pool in (["198.51.100.1"], ["198.51.100.1-198.51.100.9"]):
        plan = allocate(bare(), [Request("mywebserver", count=1, mode="manual", pool=pool)])
        assert plan.ips["mywebserver"] == [ip(1)] and plan.skipped == []
    plan = allocate(bare(), [Request("mywebserver", count=1, mode="manual", pool=["198.51.100.250-198.51.100.254"])])
    assert plan.ips["mywebserver"] == [ip(250)]
    plan = allocate(bare(), [Request("mywebserver", count=2, mode="manual", pool=["198.51.100.253-198.51.100.254"])])
    assert plan.ips["mywebserver"] == [ip(253), ip(254)]


def test_learnt_gateways_are_never_allocated_and_are_reported():
    plan = allocate(bare(gateways=[ip(2)]), [Request("mywebserver", count=1, mode="manual")])
    assert plan.ips["mywebserver"] == [ip(3)]
    assert [(s["ip"], s["reason"].split(" ")[0]) for s in plan.skipped] == [(ip(1), "lowest"), (ip(2), "gateway")]
    # an existing egress IP that is a learnt gateway is an error finding (ARP conflict)
    state = bare(gateways=[ip(9)])
    state.set_node_egress("worker01", egress_ips=[ip(9)])
    state.set_namespace_egress("mywebserver", [ip(9)])
    assert "IP_IS_GATEWAY" in [f.code for f in validate(state)]


def test_held_addresses_go_only_to_their_namespace():
    held = {ip(2): (["mywebserver"], "released by mywebserver within the quarantine")}
    plan = allocate(bare(), [Request("payments", count=1, mode="manual")], held=held)
    assert plan.ips["payments"] == [ip(3)]
    assert {"ip": ip(2), "namespace": "payments",
            "reason": "released by mywebserver within the quarantine"} in plan.skipped
    # the namespace that held it gets it back
    plan = allocate(bare(), [Request("mywebserver", count=1, mode="manual")], held=held)
    assert plan.ips["mywebserver"] == [ip(2)]


def test_unknown_node_network_uses_the_egress_cidr_edges():
    plan = allocate(bare(cidrs=["198.51.100.64/27"], network=None), [Request("mywebserver", count=1)])
    assert plan.ips["mywebserver"] == [ip(66)]


def test_edges_can_be_turned_off_and_bad_held_input_names_the_field():
    plan = allocate(bare(), [Request("mywebserver", count=1, mode="manual")], edges=False)
    assert plan.ips["mywebserver"] == [ip(1)]
    with pytest.raises(InputError, match="held"):
        allocate(bare(), [Request("mywebserver", count=1, mode="manual")], held={ip(2): "x"})
    with pytest.raises(InputError, match="gateways"):
        ClusterState("OpenShiftSDN", [], [], gateways=[5])
