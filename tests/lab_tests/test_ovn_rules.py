"""The rules of the OVN-Kubernetes egress IP controller the lab emulates (ovn-kubernetes
6c366bb, go-controller/pkg/clustermanager/egressip_controller.go ``c:LINE``) that the upstream
tests do not pin down one by one: what triggers a reconcile, canonical spec, whole-object
rejection, host-cidrs, secondary host networks, cloud capacity, readiness, the mark."""
import json

import pytest

from tests.lab.ovn import MARK

from .ovn_world import EIP, World, egressip, ovn_node

N1, N2 = "node1", "node2"
CLOUD = "cloud.network.openshift.io/egress-ipconfig"


def two_nodes(**kw):
    return [ovn_node(N1, v4="198.51.100.12/24", labelled=True, **kw),
            ovn_node(N2, v4="198.51.100.51/24", labelled=True, **kw)]


def test_contested_address_not_handed_over_without_trigger():
    """The newcomer is refused (c:1230-1241) and nothing re-runs it when the holder goes away
    (c:867 runs on its own events; c:721-752 only on node events): it stays pending until a
    trigger, here an update of the newcomer itself."""
    world = World(two_nodes())
    world.create(egressip("a-first", ["198.51.100.101"]))
    world.create(egressip("b-second", ["198.51.100.101"]))
    assert world.status("b-second") == []
    world.delete(EIP, "a-first")
    assert world.status("b-second") == []                         # no recompute on deletion
    world.update_eip("b-second", lambda o: o["metadata"].setdefault("labels", {}).update(touch="1"))
    assert world.status("b-second") == [("198.51.100.101", N1)]


def test_no_rebalancing_when_a_node_is_labelled():
    world = World(two_nodes()[:1])
    world.create(egressip("e1", ["198.51.100.101"]))
    world.create(egressip("e2", ["198.51.100.102"]))
    world.add_node(ovn_node(N2, v4="198.51.100.51/24", labelled=True))
    assert world.status("e1") == [("198.51.100.101", N1)] and world.status("e2") == [("198.51.100.102", N1)]


def test_pending_address_assigned_when_a_node_becomes_assignable():
    """c:733-746 addEgressNode re-runs the EgressIPs not fully assigned."""
    world = World(two_nodes()[:1])
    world.create(egressip("e", ["198.51.100.101", "198.51.100.102"]))
    assert len(world.status("e")) == 1
    world.add_node(ovn_node(N2, v4="198.51.100.51/24"))
    assert len(world.status("e")) == 1
    world.label(N2)
    assert {n for _ip, n in world.status("e")} == {N1, N2}


def test_spec_canonicalised_and_duplicates_collapse():
    """c:1371 validatedEgressIPs.Insert(ip.String()): IPv4-mapped IPv6 is IPv4, IPv6 compressed
    lower case, duplicates one entry."""
    world = World([ovn_node(N1, v4="198.51.100.12/24", v6="2001:db8::12/64", labelled=True),
                   ovn_node(N2, v4="198.51.100.51/24", v6="2001:db8::51/64", labelled=True)])
    world.create(egressip("e", ["::ffff:198.51.100.101", "198.51.100.101", "2001:DB8:0:0:0:0:0:A1"]))
    items = world.status("e")
    assert sorted(ip for ip, _node in items) == ["198.51.100.101", "2001:db8::a1"]
    assert len({n for _ip, n in items}) == 2                         # one address per node per object


def test_one_address_per_node_across_families():
    """c:1282: a node already holding an address of the object is skipped, whatever the family."""
    world = World([ovn_node(N1, v4="198.51.100.12/24", v6="2001:db8::12/64", labelled=True)])
    world.create(egressip("e", ["198.51.100.101", "2001:db8::a1"]))
    assert world.status("e") == [("198.51.100.101", N1)]
    assert "Not all egress IPs for EgressIP: e could be assigned, please tag more nodes" in world.errors()


def test_one_unparsable_entry_rejects_the_object():
    """c:911-914, c:1359-1374: nothing assigned, status left as it was, the event and error."""
    world = World(two_nodes())
    world.create(egressip("e", ["198.51.100.101"]))
    before = world.status("e")
    world.update_eip("e", lambda o: o["spec"].update(egressIPs=["198.51.100.101", "198.51.100.102", "nope"]))
    assert world.status("e") == before
    errors = world.errors()
    assert "egress IP: nope for object EgressIP: e is not a valid IP address" in errors
    assert "invalid EgressIP spec, err: unable to parse provided EgressIP: nope, invalid" in errors


def test_status_text_must_be_canonical():
    """c:925 validSpecIPs.Has(status.EgressIP) compares the raw status text with the canonical
    spec: a non-canonical item is removed and the address assigned again (c:985 delete first)."""
    world = World(two_nodes())
    world.cluster.store.put(EIP, egressip("e", ["198.51.100.101"], [("::ffff:198.51.100.101", N1)]))
    world.cluster.reconcile()
    assert world.status("e") == [("198.51.100.101", N1)]


def test_unparsable_host_cidrs_stops_every_assignment():
    """c:1178-1180, c:1390-1393: any node whose host-cidrs cannot be parsed (or is missing)."""
    bad = ovn_node("node3", v4="198.51.100.60/24")
    bad["metadata"]["annotations"]["k8s.ovn.org/host-cidrs"] = json.dumps(["198.51.100.60"])
    world = World(two_nodes() + [bad])
    world.create(egressip("e", ["198.51.100.101"]))
    assert world.status("e") == []
    assert any("failed to check if EgressIP already is assigned" in e and "for node node3" in e
               for e in world.errors())
    world.update_node("node3", lambda n: n["metadata"]["annotations"].pop("k8s.ovn.org/host-cidrs"))
    world.label(N1, False)
    world.label(N1, True)
    assert world.status("e") == []
    world.update_node("node3", lambda n: n["metadata"]["annotations"].update(
        {"k8s.ovn.org/host-cidrs": json.dumps(["198.51.100.60/24"])}))
    world.label(N1, False)
    world.label(N1, True)                                        # a trigger: addEgressNode
    assert len(world.status("e")) == 1


def test_address_of_any_node_host_cidrs_is_never_assigned():
    """c:1378-1399: every node, labelled or not, every host-cidrs entry (secondary NICs too)."""
    other = ovn_node("node3", v4="198.51.100.60/24", host_cidrs=["198.51.100.60/24", "198.51.100.77/24"])
    world = World(two_nodes() + [other])
    world.create(egressip("e", ["198.51.100.77", "198.51.100.101"]))
    assert world.status("e") == []                                # the pass stops at the conflict
    assert ("Egress IP e with IP 198.51.100.77 is conflicting with a host (node3) IP address and will not "
            "be assigned") in world.errors()


def test_no_ready_condition_is_not_ready():
    """c:516-523."""
    world = World([ovn_node(N1, v4="198.51.100.12/24", labelled=True, ready=None)])
    world.create(egressip("e", ["198.51.100.101"]))
    assert world.status("e") == []
    assert world.ovn.cache[N1].ready is False


def test_secondary_network_wins_where_any_assignable_node_has_it():
    """c:1245-1276: node1's primary network and node2's secondary network both contain the
    address; the assignable nodes are narrowed to those with the secondary network."""
    n1 = ovn_node(N1, v4="203.0.113.12/24", labelled=True)
    n2 = ovn_node(N2, v4="198.51.100.51/24", labelled=True,
                  host_cidrs=["198.51.100.51/24", "203.0.113.200/25"])
    world = World([n1, n2])
    world.create(egressip("e", ["203.0.113.150"]))
    assert world.status("e") == [("203.0.113.150", N2)]


def test_longest_prefix_and_global_unicast_only():
    """na:1268-1298: longest prefix; link-local prefixes do not count."""
    n1 = ovn_node(N1, v4="198.51.100.12/24", labelled=True,
                  host_cidrs=["198.51.100.12/24", "169.254.10.1/16", "198.18.7.7/16"])
    world = World([n1])
    world.create(egressip("ll", ["169.254.10.9"]))
    assert world.status("ll") == []
    world.create(egressip("sec", ["198.18.200.1"]))
    assert world.status("sec") == [("198.18.200.1", N1)]


def test_host_cidrs_change_moves_secondary_address():
    """h:121, h:151-156, c:671-719: the secondary network leaves node2's host-cidrs."""
    n1 = ovn_node(N1, v4="198.51.100.12/24", labelled=True, host_cidrs=["198.51.100.12/24", "203.0.113.3/24"])
    n2 = ovn_node(N2, v4="198.51.100.51/24", labelled=True, host_cidrs=["198.51.100.51/24", "203.0.113.4/24"])
    world = World([n1, n2])
    world.create(egressip("e", ["203.0.113.100"]))
    (ip, holder), = world.status("e")
    other = N2 if holder == N1 else N1
    world.update_node(holder, lambda n: n["metadata"]["annotations"].update(
        {"k8s.ovn.org/host-cidrs": json.dumps([json.loads(n["metadata"]["annotations"]
                                                          ["k8s.ovn.org/node-primary-ifaddr"])["ipv4"]])}))
    assert world.status("e") == [(ip, other)]


@pytest.mark.parametrize("capacity,expect", [
    ({}, 2),                              # absent: unlimited
    ({"ip": 1}, 1),
    ({"ipv4": 1}, 1),
    ({"ipv4": 0}, 0),                     # 0: none
    ({"ipv6": 0}, 2)])                    # the other family's limit does not count
def test_cloud_capacity_per_family(capacity, expect):
    """na:969-1017 + c:1300-1317 on a cloud platform (Infrastructure AWS)."""
    ann = {CLOUD: json.dumps([{"interface": "eni-1", "ifaddr": {"ipv4": "198.51.100.0/24"}, "capacity": capacity}])}
    world = World([ovn_node(N1, v4="198.51.100.12/24", labelled=True, annotations=ann)], platform="AWS")
    world.create(egressip("a", ["198.51.100.101"]))
    world.create(egressip("b", ["198.51.100.102"]))
    assert len(world.status("a")) + len(world.status("b")) == expect


def test_cloud_ignores_secondary_networks_and_bare_metal_ignores_cloud_annotation():
    ann = {CLOUD: json.dumps([{"interface": "eni-1", "ifaddr": {"ipv4": "198.51.100.0/24"}, "capacity": {"ip": 0}}])}
    nodes = [ovn_node(N1, v4="198.51.100.12/24", labelled=True, annotations=ann,
                      host_cidrs=["198.51.100.12/24", "203.0.113.3/24"])]
    metal = World(nodes)
    metal.create(egressip("a", ["198.51.100.101"]))
    metal.create(egressip("s", ["203.0.113.100"]))
    assert metal.status("a") == [("198.51.100.101", N1)] and metal.status("s") == [("203.0.113.100", N1)]
    cloud = World(nodes, platform="AWS")
    cloud.create(egressip("a", ["198.51.100.101"]))
    cloud.create(egressip("s", ["203.0.113.100"]))
    assert cloud.status("a") == [] and cloud.status("s") == []


def test_mark_annotation_replaces_annotations_on_first_status_write():
    """c:1741-1764: ``add /metadata/annotations`` with only the mark replaces the map."""
    world = World(two_nodes())
    world.create(egressip("e", ["198.51.100.101"], annotations={"team": "web"}))
    ann = world.eip("e")["metadata"]["annotations"]
    assert list(ann) == [MARK] and 50000 <= int(ann[MARK]) <= 55000
    world.create(egressip("f", ["198.51.100.102"]))
    assert world.mark("f") == str(int(ann[MARK]) + 1)               # round robin


def test_nothing_happens_without_a_trigger():
    """reconcile() with no watch event is a no-op (no status write, no message)."""
    world = World(two_nodes(), [egressip("e", ["198.51.100.101", "198.51.100.102", "198.51.100.103"])])
    rv, events = world.cluster.store.rv, len(world.cluster.events.all())
    for _round in range(3):
        world.cluster.reconcile()
    assert world.cluster.store.rv == rv and len(world.cluster.events.all()) == events
