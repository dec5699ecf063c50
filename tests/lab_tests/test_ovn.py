"""The OVN-Kubernetes emulation (scenario seed-ovn): EgressIP status assignment and failover."""
import json

import pytest

from tests.lab.fixtures import start_lab

from .helpers import EIPS, NODES

LABEL = {"metadata": {"labels": {"k8s.ovn.org/egress-assignable": ""}}}


@pytest.fixture
def ovn(tmp_path):
    with start_lab(tmp_path, scenario="seed-ovn") as lab:
        yield lab


def _create(lab, name, ips):
    return lab.post("/apis/k8s.ovn.org/v1/egressips", {
        "apiVersion": "k8s.ovn.org/v1", "kind": "EgressIP", "metadata": {"name": name},
        "spec": {"egressIPs": ips, "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "mywebserver"}}}})


def _items(lab, name):
    return {i["egressIP"]: i["node"] for i in lab.get(EIPS + name).get("status", {}).get("items", [])}


def test_seed_ovn_shape(ovn):
    net = ovn.get("/apis/config.openshift.io/v1/networks/cluster")
    assert net["status"]["networkType"] == "OVNKubernetes"
    ann = ovn.get(NODES + "worker02")["metadata"]["annotations"]["k8s.ovn.org/node-primary-ifaddr"]
    assert json.loads(ann) == {"ipv4": "198.51.100.145/24"}
    assert ovn.get("/apis/network.openshift.io/v1/hostsubnets")["items"] == []


def test_assignment_balanced_and_one_node_per_object(ovn):
    _create(ovn, "nothing-assignable", ["198.51.100.130"])
    assert _items(ovn, "nothing-assignable") == {}
    assert ("no assignable nodes for EgressIP: nothing-assignable, please tag at least one node with label: "
            "k8s.ovn.org/egress-assignable") in ovn.errors()     # egressip_controller.go:1167
    for node in ("worker01", "worker02"):
        ovn.patch(NODES + node, LABEL)
    assert _items(ovn, "nothing-assignable") == {"198.51.100.130": "worker01"}
    _create(ovn, "two", ["198.51.100.131", "198.51.100.132"])
    two = _items(ovn, "two")
    assert set(two) == {"198.51.100.131", "198.51.100.132"} and len(set(two.values())) == 2
    _create(ovn, "three", ["198.51.100.133", "198.51.100.134", "198.51.100.135"])
    three = _items(ovn, "three")
    assert len(three) == 2                      # only two assignable nodes
    assert "Not all egress IPs for EgressIP: three could be assigned, please tag more nodes" in ovn.errors()
    counts = {}
    for name in ("nothing-assignable", "two", "three"):
        for node in _items(ovn, name).values():
            counts[node] = counts.get(node, 0) + 1
    assert sorted(counts.values()) == [2, 3]
    assigned = ovn.assignments()
    assert assigned["198.51.100.131"]["egressip"] == "two" and assigned["198.51.100.131"]["active"]


def test_failover_on_not_ready_and_status_writes_not_counted(ovn):
    for node in ("worker01", "worker02"):
        ovn.patch(NODES + node, LABEL)
    _create(ovn, "web", ["198.51.100.130"])
    first = _items(ovn, "web")["198.51.100.130"]
    other = "worker02" if first == "worker01" else "worker01"
    rv = ovn.get(EIPS + "web")["metadata"]["resourceVersion"]
    ovn.reset()
    ovn.set_ready(first, False)
    assert _items(ovn, "web") == {"198.51.100.130": other}
    assert int(ovn.get(EIPS + "web")["metadata"]["resourceVersion"]) > int(rv)
    stats = ovn.stats()
    assert stats["writes"] == 1 and "EgressIP" not in {k for k, v in stats["by_kind"].items() if "update" in v}
    ovn.set_ready(other, False)
    assert _items(ovn, "web") == {}
    ovn.set_ready(first, True)
    assert _items(ovn, "web") == {"198.51.100.130": first}


def test_unassignable_ips_are_left_out(ovn):
    for node in ("worker01", "worker02"):
        ovn.patch(NODES + node, LABEL)
    _create(ovn, "outside", ["203.0.113.81", "198.51.100.130"])
    assert _items(ovn, "outside") == {"198.51.100.130": "worker01"}
    _create(ovn, "nodeip", ["198.51.100.144"])
    assert _items(ovn, "nodeip") == {}
    assert ("Egress IP nodeip with IP 198.51.100.144 is conflicting with a host (worker01) IP address and will "
            "not be assigned") in ovn.errors()                  # egressip_controller.go:1186
    _create(ovn, "dup", ["198.51.100.130"])
    assert _items(ovn, "dup") == {}
    assert 'IP: "198.51.100.130" for EgressIP: dup is already allocated for EgressIP: outside on worker01' \
        in ovn.errors()
