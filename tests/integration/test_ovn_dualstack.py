"""egressip_ovn and egressip_facts on a dual-stack and a multi-NIC OVN-Kubernetes lab
(scenarios seed-ovn-dualstack, seed-ovn-multinic): one EgressIP with an IPv4 and an IPv6
address, an address of a secondary host network, the first-holder rule, pending/stale truth.
Assertions on the module output AND on the objects the lab's controller emulation wrote."""
import pytest

from tests.lab.fixtures import start_lab
from tests.integration.helpers import delta, run_tasks
from tests.integration.test_ovn import WORKERS, eip, labelled, ok, ovn, refused, status, sub

V4, V6 = "198.51.100.120", "2001:db8::120"
SECONDARY = "203.0.113.150"


@pytest.fixture
def dual_lab(tmp_path):
    with start_lab(sub(tmp_path, "dual"), scenario="seed-ovn-dualstack") as lab:
        yield lab


@pytest.fixture
def multinic_lab(tmp_path):
    with start_lab(sub(tmp_path, "multi"), scenario="seed-ovn-multinic") as lab:
        yield lab


def dual_web(ips, **extra):
    args = dict(name="egressip-mywebserver", namespace="mywebserver", egress_ips=list(ips), assignable_nodes=WORKERS)
    args.update(extra)
    return ovn(**args)


def test_dual_stack_egressip(tmp_path, dual_lab):
    lab = dual_lab
    # written in non-canonical form: the module writes the controller's canonical form
    out = ok(run_tasks(tmp_path, lab, [dual_web([V4, "2001:DB8:0:0:0:0:0:120"])]))
    assert out["changed"] and labelled(lab) == WORKERS
    obj = eip(lab, "egressip-mywebserver")
    assert obj["spec"]["egressIPs"] == [V4, V6]
    placed = status(obj)
    assert set(placed) == {V4, V6} and sorted(placed.values()) == WORKERS    # one per node, both families
    # the module's assignments are the plan's (the controller's predicted pass), and match
    assert out["assignments"] == placed
    # converged: nothing written
    s0 = lab.stats()
    out = ok(run_tasks(tmp_path, lab, [dual_web([V4, V6])]))
    assert not out["changed"] and delta(s0, lab.stats())["writes"] == 0
    # facts: verified status, no pending, load per node
    facts = ok(run_tasks(tmp_path, lab, [{"ocp.egressip.egressip_facts": {"namespaces": ["mywebserver"]}}]))["egressip"]
    ns = [n for n in facts["namespaces"] if n["name"] == "egressip-mywebserver"][0]
    assert ns["assignments"] == placed and ns["pending"] == [] and ns["stale"] == []
    assert facts["load"] == {"worker01": 1, "worker02": 1}


def test_replaced_address_is_never_reported(tmp_path, dual_lab):
    lab = dual_lab
    ok(run_tasks(tmp_path, lab, [dual_web([V4, V6])]))
    out = ok(run_tasks(tmp_path, lab, [dual_web([V4, "2001:db8::121"])]))
    assert V6 not in out["assignments"] and set(out["assignments"]) <= {V4, "2001:db8::121"}
    assert status(eip(lab, "egressip-mywebserver")) == out["assignments"]


def test_ipv6_node_address_and_first_holder(tmp_path, dual_lab):
    lab = dual_lab
    # worker01's own IPv6 address (host-cidrs) is refused before writing
    out = refused(tmp_path, lab, [dual_web([V4, "2001:db8::144"])], "IP_IS_HOST_IP")
    assert "conflicting with a host (worker01) IP address" in out["msg"]
    # an address held by another EgressIP stays with it: the newcomer is refused
    ok(run_tasks(tmp_path, lab, [dual_web([V6])]))
    out = refused(tmp_path, lab, [ovn(name="eip-new", namespace="default", egress_ips=[V6])], "IP_MULTIPLE_NAMESPACES")
    assert "already allocated for EgressIP: egressip-mywebserver" in out["msg"]
    # unparsable: a clear error naming the field and value, nothing written
    s0 = lab.stats()
    res = run_tasks(tmp_path, lab, [ovn(name="eip-bad", namespace="default", egress_ips=["2001:db8::zz"])])
    assert res.rc != 0 and "egress_ips[0]" in res.result(-1)["msg"] and "2001:db8::zz" in res.result(-1)["msg"]
    assert delta(s0, lab.stats())["writes"] == 0


def test_secondary_host_network(tmp_path, multinic_lab):
    lab = multinic_lab
    out = ok(run_tasks(tmp_path, lab, [dual_web([SECONDARY])]))
    obj = eip(lab, "egressip-mywebserver")
    assert status(obj) == out["assignments"] and list(status(obj)) == [SECONDARY]
    assert status(obj)[SECONDARY] in WORKERS
    facts = ok(run_tasks(tmp_path, lab, [{"ocp.egressip.egressip_facts": {"nodes": ["worker01"]}}]))["egressip"]
    assert not [f for f in facts["findings"] if f["code"] == "IP_NO_NODE"]
    w = [n for n in facts["nodes"] if n["name"] == "worker01"][0]
    assert w["secondary_networks"] == ["203.0.113.128/25"]


def test_count_allocates_from_a_secondary_host_network_pool(tmp_path, multinic_lab):
    """count with a pool on the workers' secondary host network (203.0.113.128/25, from
    k8s.ovn.org/host-cidrs): allocated there, not refused as outside every node network; the
    node's own secondary address is never handed out; without a pool the primary network is used."""
    lab = multinic_lab
    task = ovn(name="eip-secondary", namespace="default", count=2, assignable_nodes=WORKERS,
               pool=["203.0.113.144-203.0.113.160"])
    out = ok(run_tasks(tmp_path, lab, [task]))
    obj = eip(lab, "eip-secondary")
    ips = obj["spec"]["egressIPs"]
    assert len(ips) == 2 and all(ip.startswith("203.0.113.1") for ip in ips), ips
    hosts = set(a for n in lab.get("/api/v1/nodes")["items"]
                for a in n["metadata"]["annotations"].get("k8s.ovn.org/host-cidrs", "").replace('"', "").strip("[]")
                .split(","))
    assert not set(ips) & set(h.split("/")[0] for h in hosts if h)            # no node address
    assert status(obj) == out["assignments"] and sorted(status(obj).values()) == WORKERS
    s0 = lab.stats()
    assert not ok(run_tasks(tmp_path, lab, [task]))["changed"] and delta(s0, lab.stats())["writes"] == 0
    # no pool: the primary network, as before
    out = ok(run_tasks(tmp_path, lab, [ovn(name="eip-primary", namespace="mywebserver", count=1,
                                           assignable_nodes=WORKERS)]))
    assert eip(lab, "eip-primary")["spec"]["egressIPs"][0].startswith("198.51.100."), out


def test_count_ipv6_allocates_a_dual_stack_object(tmp_path, dual_lab):
    lab = dual_lab
    task = ovn(name="eip-counted", namespace="default", count=1, count_ipv6=1, assignable_nodes=WORKERS,
               pool=["198.51.100.200-198.51.100.210", "2001:db8::200-2001:db8::210"])
    out = ok(run_tasks(tmp_path, lab, [task]))
    obj = eip(lab, "eip-counted")
    assert obj["spec"]["egressIPs"] == ["198.51.100.200", "2001:db8::200"]
    assert status(obj) == out["assignments"] and sorted(status(obj).values()) == WORKERS
    # converged: the same task writes nothing
    s0 = lab.stats()
    out = ok(run_tasks(tmp_path, lab, [task]))
    assert not out["changed"] and delta(s0, lab.stats())["writes"] == 0


def test_facts_predict_what_the_lab_controller_assigns(tmp_path, multinic_lab):
    """Several objects at once (primary and secondary networks, more addresses than nodes): what
    egressip_facts predicts equals what the lab's controller emulation writes into status."""
    lab = multinic_lab
    tasks = [ovn(egressips=[
        dict(name="eip-a", namespace="default", egress_ips=["198.51.100.120", "203.0.113.150"]),
        dict(name="eip-b", namespace="mywebserver", egress_ips=["203.0.113.151"]),
        dict(name="eip-c", namespace="kube-system",
             egress_ips=["198.51.100.122", "198.51.100.123", "198.51.100.124"])],
        assignable_nodes=WORKERS, force=True)]
    out = ok(run_tasks(tmp_path, lab, tasks))
    # details: every namespace (the default summary lists only what a filter names, issue 13)
    facts = ok(run_tasks(tmp_path, lab, [{"ocp.egressip.egressip_facts": {"details": True}}]))["egressip"]
    for ns in facts["namespaces"]:
        actual = status(eip(lab, ns["name"]))
        planned = out["egressips"][ns["name"]]["assignments"]
        # which addresses are assigned and how many land on each node is determined; which of two
        # equally loaded nodes gets which address is not: the controller walks the addresses to
        # assign in Go set order (egressip_controller.go ipsToAssign.UnsortedList())
        for predicted in (ns["predicted"], planned):
            assert set(predicted) == set(actual), ns["name"]
            assert sorted(predicted.values()) == sorted(actual.values()), ns["name"]
        assert ns["assignments"] == actual and ns["stale"] == []
    c = [n for n in facts["namespaces"] if n["name"] == "eip-c"][0]
    assert [p["reason"] for p in c["pending"]] == ["one_per_node"]       # 3 addresses, 2 workers
    assert sum(facts["load"].values()) == 6 - 1


def test_dual_stack_notready_failover(tmp_path, dual_lab):
    """A NotReady node loses its address; the object's other family holds the remaining worker,
    so (one address per node across both families) it waits for a third node."""
    lab = dual_lab
    out = ok(run_tasks(tmp_path, lab, [dual_web([V4, V6])]))
    lost = [ip for ip, node in out["assignments"].items() if node == "worker01"][0]
    lab.set_ready("worker01", False)
    facts = ok(run_tasks(tmp_path, lab, [{"ocp.egressip.egressip_facts": {"namespaces": ["egressip-mywebserver"]}}]))
    facts = facts["egressip"]
    ns = [n for n in facts["namespaces"] if n["name"] == "egressip-mywebserver"][0]
    assert lost not in ns["assignments"] and ns["assignments"] == status(eip(lab, "egressip-mywebserver"))
    assert [p["ip"] for p in ns["pending"]] == [lost] and ns["pending"][0]["reason"] == "one_per_node"
    assert "EGRESSIP_NOT_ALL_ASSIGNABLE" in [f["code"] for f in facts["findings"]]
    # a third labelled node takes it
    out = ok(run_tasks(tmp_path, lab, [dual_web([V4, V6], assignable_nodes=WORKERS + ["master01"])]))
    assert out["assignments"][lost] == "master01"
    assert status(eip(lab, "egressip-mywebserver")) == out["assignments"]
