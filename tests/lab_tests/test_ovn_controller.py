"""The lab's OVN-Kubernetes emulation against the controller's own tests, translated.

Source: ovn-org/ovn-kubernetes 6c366bb49d6fa57c80d6b39834952ce1d4d9dbb6,
go-controller/pkg/clustermanager/egressip_controller_test.go (``ct:LINE`` = the ginkgo.It /
DescribeTable line) and test/e2e/egressip.go (``e2e:LINE``). Addresses are mapped onto
documentation ranges (object data only): 192.168.126.0/24 -> 198.51.100.0/24, 192.168.128.0/24 ->
203.0.113.0/24, 10.10.10.0/24 -> 203.0.113.0/24 (where both are not in one test),
7.7.0.0/16 -> 198.18.0.0/16 (7.7.7.7 -> 198.18.7.7), 5.5.0.0/16 -> 198.19.0.0/16, and the IPv6
``0:0:N:0:0:...`` addresses -> ``2001:db8:N:0:0:...`` (same low bits, so the same compression
cases). Where the Go test seeds the allocator cache (setupNode), the translation does the same.
"""
import pytest

from tests.lab.goip import canonical
from tests.lab.ovn import MARK_BASE, MarkAllocator

from .ovn_world import EIP, NODE, World, egressip, ovn_node, seeded_node

N1, N2 = "node1", "node2"


def seed(world, *entries):
    for entry in entries:
        world.ovn.cache[entry.name] = entry


# -- On node ADD/UPDATE/DELETE (ct:291-527) ---------------------------------------------------
SECONDARY_CASES = [("198.51.100.101", "198.51.100.0/24"),      # "OVN network"
                   ("203.0.113.100", "203.0.113.0/24"),        # "Secondary host network"
                   ("198.18.7.100", "198.18.0.0/16"),
                   ("198.18.8.100", "198.18.0.0/16")]


def _two_nodes_with_secondaries(label1=True, label2=False):
    n1 = ovn_node(N1, v4="198.51.100.202/24", labelled=label1,
                  host_cidrs=["198.51.100.202/24", "203.0.113.3/24", "198.18.7.7/16"])
    n2 = ovn_node(N2, v4="198.51.100.51/24", labelled=label2,
                  host_cidrs=["198.51.100.51/24", "203.0.113.4/24", "198.18.7.8/16", "198.19.5.5/16"])
    return n1, n2


@pytest.mark.parametrize("ip,network", SECONDARY_CASES)
def test_reassign_on_label_change(ip, network):
    """ct:292 should re-assign EgressIPs and perform proper egressIP allocation changes."""
    world = World(_two_nodes_with_secondaries(), [egressip("egressip", [ip])])
    assert world.ovn.cache[N1].assignable and not world.ovn.cache[N2].assignable
    assert world.status("egressip") == [(ip, N1)]
    world.label(N1, False)
    world.label(N2, True)
    assert world.status("egressip") == [(ip, N2)]


@pytest.mark.parametrize("ip,network", SECONDARY_CASES)
def test_reassign_on_node_deletion(ip, network):
    """ct:410 ... during node deletion."""
    world = World(_two_nodes_with_secondaries(), [egressip("egressip", [ip])])
    assert world.status("egressip") == [(ip, N1)]
    world.label(N2, True)
    assert world.status("egressip") == [(ip, N1)]        # no re-balancing onto the new node
    world.delete(NODE, N1)
    assert world.status("egressip") == [(ip, N2)]
    assert N1 not in world.ovn.cache


# -- WatchEgressNodes (ct:632-1178) -----------------------------------------------------------
def test_variants_of_ipv4_ipv6_node_configs():
    """ct:634 should populate egress node data ... with variants of IPv4/IPv6."""
    n1 = ovn_node(N1, v4="203.0.113.202/24", v6="2001:db8:59b3:b9ee:95e9:f04c:4fec:33c4/64")
    n2 = ovn_node(N2, v4="198.51.100.51/24")
    world = World([n1, n2])
    assert str(world.ovn.cache[N1].config.v4[1]) == "203.0.113.0/24"
    assert str(world.ovn.cache[N1].config.v6[1]) == "2001:db8:59b3:b9ee::/64"
    assert world.ovn.cache[N2].config.v6 is None
    assert not world.ovn.cache[N1].assignable
    world.label(N1, True)
    assert world.ovn.cache[N1].assignable


def test_only_one_ip_per_node_rest_pending():
    """ct:776 ensure only one egressIP is assigned to the given node while rest of the IPs go into
    pending state."""
    n1 = ovn_node(N1, v4="198.51.100.12/24", labelled=True)
    n2 = ovn_node(N2, v4="198.51.100.13/24")
    world = World([n1, n2], [egressip("egressip", ["198.51.100.25", "198.51.100.30"]),
                             egressip("egressip-2", ["198.51.100.35"])])
    first = world.status("egressip")
    assert len(first) == 1 and first[0][1] == N1 and first[0][0] in ("198.51.100.25", "198.51.100.30")
    assert world.reassignment_count() == 1
    assert "Not all egress IPs for EgressIP: egressip could be assigned, please tag more nodes" in world.errors()
    assert world.status("egressip-2") == [("198.51.100.35", N1)]
    world.label(N2, True)
    items = world.status("egressip")
    assert len(items) == 2 and items[1][1] == N2 and {ip for ip, _node in items} == {"198.51.100.25", "198.51.100.30"}


def test_node_with_incorrect_ip_is_not_cached():
    """ct:920 should skip populating egress node data for nodes that have incorrect IP address."""
    node = ovn_node(N1, v4="198.51.100.510/24", v6="2001:db8:59b3:b9ee:95e9:f04c:4fec:33c4/64")
    world = World([node])
    assert world.ovn.cache == {}
    world.label(N1, True)
    assert world.ovn.cache == {}


def test_egress_ip_equal_to_node_ip():
    """ct:1180 should result in error and event if specified egress IP is a cluster node IP."""
    n1 = ovn_node(N1, v4="203.0.113.202/24", v6="2001:db8:59b3:b9ee:95e9:f04c:4fec:33c4/64", labelled=True)
    n2 = ovn_node(N2, v4="198.51.100.51/24", labelled=True)
    world = World([n1, n2], [egressip("egressip", ["198.51.100.51"])])
    assert world.status("egressip") == []
    assert ("Egress IP egressip with IP 198.51.100.51 is conflicting with a host (node2) IP address and will "
            "not be assigned") in world.errors()


def test_stale_status_on_unlabelled_node_moves_at_start():
    """ct:1267 should remove stale EgressIP setup when node label is removed while ovnkube-master
    is not running and assign to newly labelled node."""
    n1 = ovn_node(N1, v4="198.51.100.51/24")
    n2 = ovn_node(N2, v4="198.51.100.51/24", labelled=True)
    world = World([n1, n2], [egressip("egressip", ["198.51.100.25"], items=[("198.51.100.25", N1)])])
    assert world.status("egressip") == [("198.51.100.25", N2)]
    assert world.reassignment_count() == 0


def test_assigned_only_where_the_subnet_matches():
    """ct:1363 should only get assigned EgressIPs which matches their subnet when the node is tagged."""
    n1 = ovn_node(N1, v4="203.0.113.202/24", v6="2001:db8:59b3:b9ee:95e9:f04c:4fec:33c4/64")
    n2 = ovn_node(N2, v4="198.51.100.51/24")
    world = World([n1, n2], [egressip("egressip", ["198.51.100.101"])])
    world.label(N1, True)
    assert world.status("egressip") == [] and world.reassignment_count() == 1
    world.label(N2, True)
    assert world.status("egressip") == [("198.51.100.101", N2)] and world.reassignment_count() == 0


def test_moved_when_node_removed():
    """ct:1477 should re-balance EgressIPs when their node is removed."""
    n1 = ovn_node(N1, v4="198.51.100.12/24", v6="2001:db8:59b3:b9ee:95e9:f04c:4fec:33c4/64", labelled=True)
    world = World([n1], [egressip("egressip", ["198.51.100.101"])])
    assert world.status("egressip") == [("198.51.100.101", N1)]
    world.add_node(ovn_node(N2, v4="198.51.100.51/24", labelled=True))
    assert world.status("egressip") == [("198.51.100.101", N1)]
    assert set(world.ovn.cache) == {N1, N2}
    world.delete(NODE, N1)
    assert set(world.ovn.cache) == {N2}
    assert world.status("egressip") == [("198.51.100.101", N2)]


def test_node_update_does_not_mark_reachable():
    """ct:1593 egress node update should not mark the node as reachable if there was no
    label/readiness change (the periodic check does)."""
    node = ovn_node(N1, v4="198.51.100.51/24", labelled=True)
    world = World([node], [egressip("egressip", ["198.51.100.101"])])
    assert world.status("egressip") == [("198.51.100.101", N1)]
    world.reachable(N1, False)
    assert world.status("egressip") == []
    world.ovn.unreachable.discard(N1)                    # the probe works again, no check yet
    world.update_node(N1, lambda n: n["metadata"]["annotations"].update(test="dummy"))
    assert not world.ovn.cache[N1].reachable and world.status("egressip") == []
    world.reachable(N1, True)                            # the next periodic check
    assert world.status("egressip") == [("198.51.100.101", N1)]


# -- IPv6 / dual-stack / IPv4 assignment (ct:1679-2835): assignEgressIPs on a seeded cache ------
V6N1, V6N2 = "2001:db8:0:0:0:feff:c0a8:8e0c/64", "2001:db8:0:0:0:fedf:c0a8:8e0c/64"
BOGUS1 = {canonical("2001:db8::feff:c0a8:8e32"): "bogus1", canonical("2001:db8::feff:c0a8:8e1e"): "bogus2"}
BOGUS2 = {canonical("2001:db8::feff:c0a8:8e23"): "bogus3"}


def v6_world(n1_cidrs=(V6N1,), n2_cidrs=(V6N2,), n1_ifaddr=V6N1, n2_ifaddr=V6N2):
    world = World([ovn_node(N1, v6=n1_ifaddr, host_cidrs=list(n1_cidrs), labelled=True),
                   ovn_node(N2, v6=n2_ifaddr, host_cidrs=list(n2_cidrs), labelled=True)])
    seed(world, seeded_node(N1, [n1_ifaddr], BOGUS1), seeded_node(N2, [n2_ifaddr], BOGUS2))
    return world


def test_ipv6_lowest_allocation_count_wins():
    """ct:1681 should be able to allocate non-conflicting IP on node with lowest amount of allocations."""
    world = v6_world()
    assert world.ovn.assign("egressip", [canonical("2001:db8:0:0:0:feff:c0a8:8e0f")]) == \
        [("2001:db8::feff:c0a8:8e0f", N2)]


@pytest.mark.parametrize("ip1,ip2", [
    ("2001:db8:0:0:0:feff:c0a8:8e0d", "2001:db8:0:0:0:feff:c0a8:8e0f"),    # OVN egress IPs
    ("2001:db8:1:0:0:fecf:c0a8:8e0d", "2001:db8:1:0:0:febf:c0a8:8e0f"),    # secondary host egress IPs
    ("2001:db8:1:0:0:fecf:c0a8:8e0d", "2001:db8:0:0:0:feff:c0a8:8e0f")])   # OVN and secondary
def test_several_ips_avoid_the_same_node(ip1, ip2):
    """ct:1762 should be able to allocate several EgressIPs and avoid the same node."""
    world = v6_world(n1_cidrs=(V6N1, "2001:db8:1:0:0:feff:c0a8:8e0c/64"),
                     n2_cidrs=(V6N2, "2001:db8:1:0:0:fedf:c0a8:8e0c/64"))
    got = world.ovn.assign("egressip", [canonical(ip1), canonical(ip2)])
    assert got == [(canonical(ip1), N2), (canonical(ip2), N1)]


@pytest.mark.parametrize("prefix", ["2001:db8:0", "2001:db8:1"])
def test_third_ip_left_unassigned(prefix):
    """ct:1845 ... avoid the same node and leave one un-assigned without error."""
    world = v6_world(n1_cidrs=(V6N1, "2001:db8:1:0:0:feff:c0a8:8e0c/64"),
                     n2_cidrs=(V6N2, "2001:db8:1:0:0:fedf:c0a8:8e0c/64"))
    ips = [canonical("%s:0:0:feff:c0a8:8e0%s" % (prefix, c)) for c in "def"]
    got = world.ovn.assign("egressip", ips)
    assert got == [(ips[0], N2), (ips[1], N1)]


def test_secondary_and_ovn_several_unassigned():
    """ct:1934 ... for OVN and Secondary host networks ... leave multiple EgressIPs un-assigned."""
    n1v6, n2v6 = "2001:db8:0:0:0:feff:c0a8:8e0c/64", "2001:db8:0:0:0:feff:c0a8:8e0b/64"
    world = v6_world(n1_cidrs=(n1v6, "2001:db8:1:0:0:feff:c0a8:8e0c/64"),
                     n2_cidrs=(n2v6, "2001:db8:1:0:0:feff:c0a8:8e0b/64"), n1_ifaddr=n1v6, n2_ifaddr=n2v6)
    ips = [canonical(t) for t in ("2001:db8:1::feff:c0a8:8e0d", "2001:db8:1::feff:c0a8:8e0e",
                                  "2001:db8:1::feff:c0a8:8e0f", "2001:db8::feff:c0a8:8e1a",
                                  "2001:db8::feff:c0a8:8e1b")]
    assert world.ovn.assign("egressip", ips) == [(ips[0], N2), (ips[1], N1)]


@pytest.mark.parametrize("ip", ["2001:db8:0:0:0:feff:c0a8:8e1a", "2001:db8:1:0:0:feff:c0a8:8e0d"])
def test_same_ip_again_same_node(ip):
    """ct:2030 should return the already allocated IP with the same node if it is allocated again."""
    n1v6, n2v6 = "2001:db8:0:0:0:feff:c0a8:8e0c/64", "2001:db8:0:0:0:feff:c0a8:8e0b/64"
    world = v6_world(n1_cidrs=(n1v6, "2001:db8:1:0:0:feff:c0a8:8e0c/64"),
                     n2_cidrs=(n2v6, "2001:db8:1:0:0:feff:c0a8:8e0b/64"), n1_ifaddr=n1v6, n2_ifaddr=n2v6)
    assert world.ovn.assign("egressip", [canonical(ip)]) == [(canonical(ip), N2)]
    assert world.ovn.assign("egressip", [canonical(ip)]) == [(canonical(ip), N2)]


def test_node_ip_not_allocated():
    """ct:2113 should not be able to allocate node IP."""
    world = v6_world()
    assert world.ovn.assign("egressip", [canonical("2001:db8:0:0:0:feff:c0a8:8e0c")]) == []


def test_host_cidrs_address_not_allocated():
    """ct:2193 should not be able to allocate EgressIP equal to an address in host-cidrs annotation."""
    world = v6_world(n1_cidrs=("2001:db8::fedf:c0a8:8e0b/64", "2001:db8::feff:c0a8:8e0a/64"),
                     n1_ifaddr="2001:db8::fedf:c0a8:8e0b/64")
    assert world.ovn.assign("egressip", [canonical("2001:db8:0:0:0:feff:c0a8:8e0a")]) == []
    assert any("is conflicting with a host (node1) IP address" in e for e in world.errors())


@pytest.mark.parametrize("text,assigned", [
    ("2001:db8::feff:c0a8:8e32", False),        # ct:2276 conflicting compressed IP
    ("2001:DB8::FEFF:C0A8:8D32", True),         # ct:2433 non-conflicting compressed uppercase IP
    ("2001:DB8::FEFF:C0A8:8E32", False)])       # ct:2514 conflicting compressed uppercase IP
def test_compressed_and_uppercase(text, assigned):
    world = v6_world()
    got = world.ovn.assign("egressip", [canonical(text)])
    assert got == ([(text.lower(), N2)] if assigned else [])
    if not assigned:
        assert ('IP: "2001:db8::feff:c0a8:8e32" for EgressIP: egressip is already allocated for EgressIP: bogus1 '
                "on node1") in world.errors()


def test_ipv4_on_ipv6_only_nodes():
    """ct:2354 should not be able to allocate IPv4 IP on nodes which can only host IPv6."""
    world = v6_world()
    assert world.ovn.assign("egressip", ["198.51.100.16"]) == []
    assert any(e.startswith("No matching nodes found, which can host any of the egress IPs") for e in world.errors())


@pytest.mark.parametrize("text", ["2001:db8:0:0:0:feff:c0a8:8e32:5",   # ct:2593 invalid IP
                                  "198.51.100.99/32"])                 # ct:2755 CIDR notation
def test_invalid_spec_rejects(text):
    world = v6_world()
    with pytest.raises(ValueError) as err:
        world.ovn.validate_spec("egressip", [text])
    assert str(err.value) == "unable to parse provided EgressIP: %s, invalid" % text


def test_dual_stack_ipv4_goes_where_it_can_be_hosted():
    """ct:2671 should be able to allocate non-conflicting IPv4 on node which can host it, even if
    it happens to be the node with more assignments."""
    world = World([ovn_node(N1, v6=V6N1, labelled=True), ovn_node(N2, v4="198.51.100.51/24", labelled=True)])
    seed(world, seeded_node(N1, [V6N1], BOGUS2),
         seeded_node(N2, ["198.51.100.51/24"], {"198.51.100.68": "bogus1", "198.51.100.102": "bogus2"}))
    assert world.ovn.assign("egressip", ["198.51.100.99"]) == [("198.51.100.99", N2)]


# -- WatchEgressIP (ct:2836-3205) ------------------------------------------------------------------
def _watch_world(n1, n2, seeded1, seeded2):
    world = World([n1, n2])
    seed(world, seeded1, seeded2)
    return world


def test_status_single_stack_ipv4():
    """ct:2838 should update status correctly for single-stack IPv4."""
    world = _watch_world(ovn_node(N1, v4="198.51.100.12/24"), ovn_node(N2, v4="198.51.100.51/24"),
                         seeded_node(N1, ["198.51.100.12/24"],
                                     {"198.51.100.102": "bogus1", "198.51.100.111": "bogus2"}),
                         seeded_node(N2, ["198.51.100.51/24"], {"198.51.100.68": "bogus3"}))
    world.create(egressip("egressip", ["198.51.100.10"]))
    assert world.status("egressip") == [("198.51.100.10", N2)]


def test_status_single_stack_ipv6_is_canonical():
    """ct:2925 should update status correctly for single-stack IPv6 (status = net.ParseIP().String())."""
    world = _watch_world(ovn_node(N1, v6=V6N1), ovn_node(N2, v6=V6N2),
                         seeded_node(N1, [V6N1], BOGUS1), seeded_node(N2, [V6N2], BOGUS2))
    world.create(egressip("egressip", ["2001:db8:0:0:0:feff:c0a8:8e0d"]))
    assert world.status("egressip") == [("2001:db8::feff:c0a8:8e0d", N2)]


def test_status_dual_stack():
    """ct:3007 should update status correctly for dual-stack."""
    world = _watch_world(ovn_node(N1, v6="2001:db8::feff:c0a8:8e0c/64"), ovn_node(N2, v4="198.51.100.51/24"),
                         seeded_node(N1, ["2001:db8::feff:c0a8:8e0c/64"], BOGUS2),
                         seeded_node(N2, ["198.51.100.51/24"], {"198.51.100.68": "b2", "198.51.100.102": "b3"}))
    world.create(egressip("egressip", ["198.51.100.101", "2001:db8::feff:c0a8:8e0d"]))
    assert sorted(world.status("egressip")) == [("198.51.100.101", N2), ("2001:db8::feff:c0a8:8e0d", N1)]


def test_mark_cache_add_update_delete():
    """ct:3088 should manage mark cache for add/update/delete."""
    world = _watch_world(ovn_node(N1, v4="198.51.100.12/24"), ovn_node(N2, v4="198.51.100.51/24"),
                         seeded_node(N1, ["198.51.100.12/24"], {}), seeded_node(N2, ["198.51.100.51/24"], {}))
    world.create(egressip("egressip", ["198.51.100.10"]))
    mark = world.mark("egressip")
    assert mark is not None and MARK_BASE <= int(mark) <= MARK_BASE + 5000
    world.update_eip("egressip", lambda o: o["metadata"].update(annotations={}))
    assert world.mark("egressip") == mark                          # restored (ensureMark)
    assert world.ovn.marks.get_or_alloc("egressip") == int(mark)
    world.delete(EIP, "egressip")
    world.ovn.marks.reserve("egressip", MARK_BASE + 4999)          # the old entry was released


# -- syncEgressIP (ct:3206-3580) --------------------------------------------------------------------
def test_sync_dual_stack_valid_assignments_kept():
    """ct:3208 should not update valid assignments (spec uncompressed, status canonical)."""
    n1 = ovn_node(N1, v6=V6N1, labelled=True)
    n2 = ovn_node(N2, v4="198.51.100.51/16", labelled=True)
    items = [("198.51.100.101", N2), ("2001:db8::feff:c0a8:8e0d", N1)]
    world = World([n1, n2], [egressip("egressip", ["198.51.100.101", "2001:db8:0:0:0:feff:c0a8:8e0d"], items)])
    assert world.status("egressip") == items


def test_sync_duplicated_node():
    """ct:3309 should update invalid assignments on duplicated node: the cache holds both IPs of the
    object on node1 (seeded as in the Go test), so both items are invalid and re-assigned."""
    n1 = ovn_node(N1, v4="198.51.100.12/24", labelled=True)
    n2 = ovn_node(N2, v4="198.51.100.51/24", labelled=True)
    world = World([n1, n2])
    seed(world, seeded_node(N1, ["198.51.100.12/24"], {"198.51.100.101": "egressip", "198.51.100.100": "egressip"}),
         seeded_node(N2, ["198.51.100.51/24"], {"198.51.100.68": "bogus3"}))
    world.cluster.store.put(EIP, egressip("egressip", ["198.51.100.101", "198.51.100.100"],
                                          [("198.51.100.101", N1), ("198.51.100.100", N1)]))
    world.cluster.reconcile()
    items = world.status("egressip")
    assert sorted(n for _ip, n in items) == [N1, N2]
    assert sorted(ip for ip, _node in items) == ["198.51.100.100", "198.51.100.101"]


@pytest.mark.parametrize("bad", ["198.51.100.1000",    # ct:3404 incorrectly parsed IP
                                 "203.0.113.100"])     # ct:3493 unhostable IP on a node
def test_sync_invalid_status_item_reassigned(bad):
    n1 = ovn_node(N1, v4="198.51.100.12/24", labelled=True)
    n2 = ovn_node(N2, v4="198.51.100.51/24", labelled=True)
    world = World([n1, n2])
    seed(world, seeded_node(N1, ["198.51.100.12/24"], {"198.51.100.102": "bogus1", "198.51.100.111": "bogus2"}),
         seeded_node(N2, ["198.51.100.51/24"], {"198.51.100.68": "bogus3"}))
    world.cluster.store.put(EIP, egressip("egressip", ["198.51.100.101"], [(bad, N1)]))
    world.cluster.reconcile()
    assert world.status("egressip") == [("198.51.100.101", N2)]


# -- AddEgressIP / UpdateEgressIP / mark cache (ct:4031-4257) ----------------------------------------
def test_two_egressips_same_ip_first_holder_keeps_it():
    """ct:4033 should not create two EgressIPs with same egress IP value."""
    n1 = ovn_node(N1, v4="198.51.100.12/24", labelled=True)
    n2 = ovn_node(N2, v4="198.51.100.51/24", labelled=True)
    world = World([n1, n2])
    seed(world, seeded_node(N1, ["198.51.100.12/24"], {"198.51.100.102": "bogus1", "198.51.100.111": "bogus2"}),
         seeded_node(N2, ["198.51.100.51/24"], {"198.51.100.68": "bogus3"}))
    world.create(egressip("egressip", ["198.51.100.101"]))
    assert world.status("egressip") == [("198.51.100.101", N2)]
    world.create(egressip("egressip2", ["198.51.100.101"]))
    assert world.status("egressip2") == []
    assert world.status("egressip") == [("198.51.100.101", N2)]
    assert ('IP: "198.51.100.101" for EgressIP: egressip2 is already allocated for EgressIP: egressip on node2'
            in world.errors())


def test_spec_update_reassigns_and_keeps_mark():
    """ct:4129 should perform re-assingment of EgressIPs."""
    n1 = ovn_node(N1, v4="198.51.100.12/24", labelled=True)
    n2 = ovn_node(N2, v4="198.51.100.51/24", labelled=True)
    world = World([n1, n2])
    seed(world, seeded_node(N1, ["198.51.100.41/24"], {"198.51.100.102": "bogus1", "198.51.100.111": "bogus2"}),
         seeded_node(N2, ["198.51.100.51/24"], {"198.51.100.68": "bogus3"}))
    world.create(egressip("egressip", ["198.51.100.101"]))
    assert world.status("egressip") == [("198.51.100.101", N2)]
    mark = world.mark("egressip")
    world.update_eip("egressip", lambda o: o["spec"].update(egressIPs=["198.51.100.10"]))
    assert world.status("egressip") == [("198.51.100.10", N2)]
    assert world.mark("egressip") == mark == str(world.ovn.marks.get_or_alloc("egressip"))


def test_mark_round_robin_when_exhausted():
    """ct:4239 should round robin when mark range is exhausted."""
    marks = MarkAllocator(size=50)
    seen = set()
    for _round in range(50):
        mark = marks.get_or_alloc("egressip")
        assert MARK_BASE <= mark <= MARK_BASE + 50
        seen.add(mark)
        marks.release("egressip")
    assert len(seen) == 50                              # round robin, not the lowest free id


# -- test/e2e/egressip.go:1581 Should re-assign egress IPs when node readiness / reachability goes down/up
def test_e2e_readiness_reachability_down_up():
    n1 = ovn_node(N1, v4="198.51.100.12/24", labelled=True)
    n2 = ovn_node(N2, v4="198.51.100.51/24", labelled=True)
    world = World([n1, n2], [egressip("egressip", ["198.51.100.101"])])
    (_ip, first), = world.status("egressip")                          # 2.
    other = N2 if first == N1 else N1
    world.reachable(first, False)                                    # 4.
    assert world.status("egressip") == [("198.51.100.101", other)]   # 5.
    world.reachable(other, False)                                    # 8.
    assert world.status("egressip") == []                            # 9.
    world.reachable(first, True)                                     # 11.
    assert world.status("egressip") == [("198.51.100.101", first)]   # 12.
    world.reachable(other, True)                                     # 14.
    assert world.status("egressip") == [("198.51.100.101", first)]   # 15. no move back
    world.ready(first, False)                                        # 17.
    assert world.status("egressip") == [("198.51.100.101", other)]   # 18.
    world.reachable(first, False)                                    # 20.
    world.label(other, False)                                        # 21.
    assert world.status("egressip") == []                            # 22.
    world.ready(first, True)                                         # 23.
    # The update handler trusts the node's last reachability (egressip_event_handler.go:120 ->
    # egressip_controller.go:639, isReachable is not re-probed while NotReady, c:586): node1 may
    # get the IP back until the next periodic check (5 s), which removes it; e2e step 24 polls
    # until the status is empty, so it passes after that check.
    world.tick()
    assert world.status("egressip") == []                            # 24. still unreachable
    world.reachable(first, True)                                     # 25.
    assert world.status("egressip") == [("198.51.100.101", first)]   # 26.


# -- test/e2e/egressip.go:2319 [secondary-host-eip] Using different methods to disable a node or pod
#    availability for egress (handlers: label, health check; e2e:917-919)
@pytest.mark.parametrize("handler", ["label", "health-check"])
def test_e2e_ovn_and_secondary_eip_node_availability(handler):
    def disable(world, node):
        if handler == "label":
            world.label(node, False)
        else:
            world.reachable(node, False)

    def enable(world, node):
        if handler == "label":
            world.label(node, True)
        else:
            world.reachable(node, True)

    cidrs = {N1: ["198.51.100.12/24", "203.0.113.3/24"], N2: ["198.51.100.51/24", "203.0.113.4/24"]}
    world = World([ovn_node(N1, v4="198.51.100.12/24", labelled=True, host_cidrs=cidrs[N1]),
                   ovn_node(N2, v4="198.51.100.51/24", labelled=True, host_cidrs=cidrs[N2])])
    ovn_ip, sec_ip = "198.51.100.101", "203.0.113.100"
    world.create(egressip("egressip", [ovn_ip, sec_ip]))               # 1.
    items = dict(world.status("egressip"))
    assert set(items) == {ovn_ip, sec_ip} and len(set(items.values())) == 2   # 2.-3.
    disable(world, items[ovn_ip])                                      # 14.
    assert world.status("egressip") == [(sec_ip, items[sec_ip])]       # 15.-16. the OVN one cannot move
    disable(world, items[sec_ip])                                      # 18.
    assert world.status("egressip") == []                              # 19.
    enable(world, items[sec_ip])                                       # 21.
    assert len(world.status("egressip")) == 1                          # 22.-23. either address
    enable(world, items[ovn_ip])                                       # 24.
    assert {ip for ip, _node in world.status("egressip")} == {ovn_ip, sec_ip}     # 25.-26.


def test_e2e_two_egressips_on_one_secondary_interface():
    """e2e:2573 [secondary-host-eip] Multiple EgressIP objects and their Egress IP hosted on the
    same interface: one node, two objects, both on its secondary network; deleting one keeps the
    other."""
    world = World([ovn_node(N1, v4="198.51.100.12/24", labelled=True,
                            host_cidrs=["198.51.100.12/24", "203.0.113.3/24"]),
                   ovn_node(N2, v4="198.51.100.51/24")])
    world.create(egressip("egressip", ["203.0.113.100"]))
    world.create(egressip("egressip-2", ["203.0.113.101"]))
    assert world.status("egressip") == [("203.0.113.100", N1)]
    assert world.status("egressip-2") == [("203.0.113.101", N1)]
    world.delete(EIP, "egressip")
    assert world.status("egressip-2") == [("203.0.113.101", N1)]
    assert world.cluster.assignments() == {
        "203.0.113.101": {"node": N1, "namespace": None, "egressip": "egressip-2", "active": True}}
