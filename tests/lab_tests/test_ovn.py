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


def test_seed_ovn_dualstack(tmp_path):
    """Both families on every node; one dual-stack EgressIP gets an IPv4 and an IPv6 address on
    two different nodes (one address of an object per node, egressip_controller.go:1282)."""
    with start_lab(tmp_path, scenario="seed-ovn-dualstack") as lab:
        node = lab.get(NODES + "worker01")
        ann = node["metadata"]["annotations"]
        assert json.loads(ann["k8s.ovn.org/node-primary-ifaddr"]) == {"ipv4": "198.51.100.144/24",
                                                                      "ipv6": "2001:db8::144/64"}
        assert json.loads(ann["k8s.ovn.org/host-cidrs"]) == ["198.51.100.144/24", "2001:db8::144/64"]
        assert {"type": "InternalIP", "address": "2001:db8::144"} in node["status"]["addresses"]
        net = lab.get("/apis/config.openshift.io/v1/networks/cluster")
        assert [c["cidr"] for c in net["status"]["clusterNetwork"]] == ["10.8.0.0/14", "2001:db8:8000::/48"]
        for w in ("worker01", "worker02"):
            lab.patch(NODES + w, LABEL)
        _create(lab, "dual", ["198.51.100.130", "2001:DB8:0:0:0:0:0:130"])
        items = _items(lab, "dual")
        assert set(items) == {"198.51.100.130", "2001:db8::130"}            # canonical text
        assert set(items.values()) == {"worker01", "worker02"}
        _create(lab, "host", ["2001:db8::145"])
        assert _items(lab, "host") == {}
        assert any("2001:db8::145 is conflicting with a host (worker02)" in e for e in lab.errors())


def test_seed_ovn_multinic(tmp_path):
    """The workers' secondary host network (host-cidrs only) hosts egress IPs; the masters,
    without it, never get them (egressip_controller.go:1245-1276)."""
    with start_lab(tmp_path, scenario="seed-ovn-multinic") as lab:
        cidrs = json.loads(lab.get(NODES + "worker02")["metadata"]["annotations"]["k8s.ovn.org/host-cidrs"])
        assert cidrs == ["198.51.100.145/24", "203.0.113.145/25"]
        master = json.loads(lab.get(NODES + "master01")["metadata"]["annotations"]["k8s.ovn.org/host-cidrs"])
        assert master == ["198.51.100.141/24"]
        for n in ("master01", "worker01", "worker02"):
            lab.patch(NODES + n, LABEL)
        _create(lab, "sec", ["203.0.113.150", "203.0.113.151"])
        assert set(_items(lab, "sec").values()) == {"worker01", "worker02"}
        _create(lab, "third", ["203.0.113.152"])
        assert _items(lab, "third")["203.0.113.152"] in ("worker01", "worker02")
        _create(lab, "outside", ["203.0.113.20"])     # the database's /25: no node has it
        assert _items(lab, "outside") == {}
