"""--dataplane: the lab runs ``ip addr add/del`` in the node namespaces when the active
assignment changes (needs root and ip netns; the namespaces are made here and removed)."""
import os
import shutil
import subprocess
import time

import pytest

from tests.lab.fixtures import LabError, start_lab

from .helpers import egress

pytestmark = pytest.mark.netns


def _ip(*args, check=True):
    return subprocess.run(["ip"] + list(args), capture_output=True, text=True, check=check, timeout=20)


@pytest.fixture
def node_namespaces():
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("needs root and iproute2")
    prefix = "labdp%d" % os.getpid()
    made = []
    try:
        for node, addr in (("w1", "198.51.100.144/24"), ("w2", "198.51.100.145/24")):
            name = "%s-%s" % (prefix, node)
            _ip("netns", "add", name)
            made.append(name)
            _ip("-n", name, "link", "add", "enp1s0", "type", "veth", "peer", "name", "enp1s0p")  # no dummy module here
            _ip("-n", name, "addr", "add", addr, "dev", "enp1s0")
            _ip("-n", name, "link", "set", "enp1s0", "up")
        yield made
    finally:
        for name in made:
            _ip("netns", "del", name, check=False)


def _addrs(netns):
    return _ip("-n", netns, "-o", "-4", "addr", "show", "dev", "enp1s0").stdout


def test_egress_ip_follows_the_active_assignment(tmp_path, node_namespaces):
    ns1, ns2 = node_namespaces
    args = ["--dataplane", "worker01=%s:enp1s0,worker02=%s:enp1s0" % (ns1, ns2)]
    with start_lab(tmp_path, extra_args=args) as lab:
        for node in ("worker01", "worker02"):
            egress(lab, node, cidrs=["198.51.100.0/24"])
        egress(lab, netns="mywebserver", ns_ips=["198.51.100.120"])
        lab.settle()    # the controller reacts asynchronously
        assert "198.51.100.120/24" in _addrs(ns1)
        assert "198.51.100.120" not in _addrs(ns2)
        lab.set_ready("worker01", False)
        lab.settle()
        assert "198.51.100.120" not in _addrs(ns1)
        assert "198.51.100.120/24" in _addrs(ns2)
        assert any(e["source"] == "dataplane" and "ip addr add 198.51.100.120/24 dev enp1s0" in e["message"]
                   for e in lab.events())
        # an IP that is not active (not in the node network) is never configured
        egress(lab, netns="mywebserver", ns_ips=["198.51.100.120", "203.0.113.81"])
        lab.patch("/apis/network.openshift.io/v1/hostsubnets/worker01",
                  {"egressCIDRs": None, "egressIPs": ["203.0.113.81"]})
        lab.settle()
        assert "203.0.113.81" not in _addrs(ns1)
    assert "198.51.100.120" not in _addrs(ns2)    # removed when the lab stops


def test_dataplane_errors_are_logged(tmp_path):
    args = ["--dataplane", "worker01=labdp-missing-%d:enp1s0" % os.getpid()]
    with start_lab(tmp_path, extra_args=args) as lab:
        egress(lab, "worker01", ips=["198.51.100.120"])
        egress(lab, netns="mywebserver", ns_ips=["198.51.100.120"])
        assert lab.assignments()["198.51.100.120"]["active"] is True
        assert any(e["level"] == "E" and e["source"] == "dataplane" for e in lab.events())


def test_lab_runs_inside_a_namespace(tmp_path):
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("needs root and iproute2")
    name = "labdp%d-ctl" % os.getpid()
    _ip("netns", "add", name)
    try:
        _ip("-n", name, "link", "set", "lo", "up")
        with start_lab(tmp_path, netns=name) as lab:
            assert lab.url.startswith("http://127.0.0.1:")
            assert _ip("netns", "identify", str(lab.process.pid)).stdout.strip() == name
            assert len(lab.get("/api/v1/nodes")["items"]) == 5   # helpers go through the netns
            lab.set_ready("worker01", False)
            assert lab.stats()["by_kind"]["Node"] == {"get": 1, "list": 1, "patch": 1}
        with start_lab(tmp_path, netns=name, tls=True) as lab:
            assert lab.get("/api/v1/nodes/worker02")["metadata"]["name"] == "worker02"
            with pytest.raises(LabError) as err:
                lab.request("GET", "/api/v1/nodes", token="wrong")
            assert err.value.code == 401
    finally:
        _ip("netns", "del", name, check=False)


@pytest.fixture
def wired_node():
    """A node namespace whose enp1s0 is a veth to an observer namespace (198.51.100.1) that
    already has a neighbour entry for the egress IP with a foreign MAC (a previous holder)."""
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("arping"):
        pytest.skip("needs root, iproute2 and arping")
    node, obs = "labdp%d-gw1" % os.getpid(), "labdp%d-gobs" % os.getpid()
    made = []
    try:
        for name in (node, obs):
            _ip("netns", "add", name)
            made.append(name)
        _ip("-n", node, "link", "add", "enp1s0", "type", "veth", "peer", "name", "lan0", "netns", obs)
        _ip("-n", node, "addr", "add", "198.51.100.144/24", "dev", "enp1s0")
        _ip("-n", obs, "addr", "add", "198.51.100.1/24", "dev", "lan0")
        for name, dev in ((node, "enp1s0"), (obs, "lan0")):
            _ip("-n", name, "link", "set", dev, "up")
        _ip("-n", obs, "neigh", "replace", "198.51.100.120", "lladdr", "02:00:00:00:00:01", "dev", "lan0",
            "nud", "reachable")
        yield node, obs
    finally:
        for name in made:
            _ip("netns", "del", name, check=False)


def test_ovn_status_assignment_is_configured_and_announced(tmp_path, wired_node):
    """seed-ovn: the data plane follows EgressIP status.items, and a gratuitous ARP moves the
    neighbours' entry for the IP to the new holder at once (the SDN / OVN node does the same)."""
    node_ns, obs = wired_node
    args = ["--dataplane", "worker01=%s:enp1s0" % node_ns]
    mac = _ip("-n", node_ns, "-o", "link", "show", "enp1s0").stdout.split("link/ether ")[1].split()[0]
    time.sleep(1.1)   # past the neighbour entry's locktime
    with start_lab(tmp_path, scenario="seed-ovn", extra_args=args) as lab:
        lab.patch("/api/v1/nodes/worker01", {"metadata": {"labels": {"k8s.ovn.org/egress-assignable": ""}}})
        lab.post("/apis/k8s.ovn.org/v1/egressips", {
            "apiVersion": "k8s.ovn.org/v1", "kind": "EgressIP", "metadata": {"name": "egressip-mywebserver"},
            "spec": {"egressIPs": ["198.51.100.120"],
                     "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "mywebserver"}}}})
        assert lab.get("/apis/k8s.ovn.org/v1/egressips/egressip-mywebserver")["status"]["items"] == [
            {"node": "worker01", "egressIP": "198.51.100.120"}]
        assert "198.51.100.120/24" in _addrs(node_ns)
        deadline = time.monotonic() + 5
        while mac not in _ip("-n", obs, "neigh", "show", "198.51.100.120").stdout and time.monotonic() < deadline:
            time.sleep(0.1)
        assert mac in _ip("-n", obs, "neigh", "show", "198.51.100.120").stdout
        assert any(e["source"] == "dataplane" and "arping -q -A -c 1 -I enp1s0 198.51.100.120" in e["message"]
                   for e in lab.events())
        lab.set_ready("worker01", False)      # no other assignable node: the IP leaves worker01
        lab.settle()
        assert "198.51.100.120" not in _addrs(node_ns)
        assert not [e for e in lab.events() if e["source"] == "dataplane" and e["level"] == "E"]


@pytest.fixture
def wired_node6():
    """A node namespace on a dual-stack LAN with an observer (2001:db8::1) that already has a
    neighbour entry for the IPv6 egress address with a foreign MAC (a previous holder), and a
    second interface enp2s0 for a secondary host network."""
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("needs root and iproute2")
    node, obs = "labdp%d-6w1" % os.getpid(), "labdp%d-6obs" % os.getpid()
    made = []
    try:
        for name in (node, obs):
            _ip("netns", "add", name)
            made.append(name)
        _ip("-n", node, "link", "add", "enp1s0", "type", "veth", "peer", "name", "lan0", "netns", obs)
        _ip("-n", node, "link", "add", "enp2s0", "type", "veth", "peer", "name", "enp2s0p")
        _ip("-n", node, "addr", "add", "198.51.100.144/24", "dev", "enp1s0")
        _ip("-n", node, "-6", "addr", "add", "2001:db8::144/64", "dev", "enp1s0", "nodad")
        _ip("-n", node, "addr", "add", "203.0.113.144/25", "dev", "enp2s0")
        _ip("-n", obs, "-6", "addr", "add", "2001:db8::1/64", "dev", "lan0", "nodad")
        for name, dev in ((node, "enp1s0"), (node, "enp2s0"), (node, "enp2s0p"), (obs, "lan0")):
            _ip("-n", name, "link", "set", dev, "up")
        _ip("-n", obs, "-6", "neigh", "replace", "2001:db8::120", "lladdr", "02:00:00:00:00:01", "dev", "lan0",
            "nud", "reachable")
        yield node, obs
    finally:
        for name in made:
            _ip("netns", "del", name, check=False)


def _create_eip(lab, name, ips):
    lab.post("/apis/k8s.ovn.org/v1/egressips", {
        "apiVersion": "k8s.ovn.org/v1", "kind": "EgressIP", "metadata": {"name": name},
        "spec": {"egressIPs": ips,
                 "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "mywebserver"}}}})


def test_ipv6_egress_address_configured_and_announced(tmp_path, wired_node6):
    """seed-ovn-dualstack: an IPv6 status item goes on enp1s0 with the node network's /64
    (``ip -6 addr add ... nodad``) and an unsolicited Neighbour Advertisement moves the
    observer's entry to the node's MAC at once."""
    node_ns, obs = wired_node6
    mac = _ip("-n", node_ns, "-o", "link", "show", "enp1s0").stdout.split("link/ether ")[1].split()[0]
    time.sleep(1.1)   # past the neighbour entry's locktime
    args = ["--dataplane", "worker01=%s:enp1s0" % node_ns]
    with start_lab(tmp_path, scenario="seed-ovn-dualstack", extra_args=args) as lab:
        lab.patch("/api/v1/nodes/worker01", {"metadata": {"labels": {"k8s.ovn.org/egress-assignable": ""}}})
        _create_eip(lab, "dual", ["2001:DB8::120"])
        assert lab.get("/apis/k8s.ovn.org/v1/egressips/dual")["status"]["items"] == [
            {"node": "worker01", "egressIP": "2001:db8::120"}]
        line = [l for l in _ip("-n", node_ns, "-o", "-6", "addr", "show", "dev", "enp1s0").stdout.splitlines()
                if "2001:db8::120/64" in l]
        assert len(line) == 1 and "tentative" not in line[0]
        deadline = time.monotonic() + 5
        while mac not in _ip("-n", obs, "-6", "neigh", "show", "2001:db8::120").stdout and time.monotonic() < deadline:
            time.sleep(0.1)
        assert mac in _ip("-n", obs, "-6", "neigh", "show", "2001:db8::120").stdout
        lab.set_ready("worker01", False)
        lab.settle()    # the controller is asynchronous: the data plane follows its pass
        assert "2001:db8::120" not in _ip("-n", node_ns, "-o", "-6", "addr", "show", "dev", "enp1s0").stdout
        assert not [e for e in lab.events() if e["source"] == "dataplane" and e["level"] == "E"]


def test_secondary_network_address_goes_on_its_interface(tmp_path, wired_node6):
    """seed-ovn-multinic: an egress IP of the secondary host network goes on enp2s0 with /25."""
    node_ns, _obs = wired_node6
    args = ["--dataplane", "worker01=%s:enp1s0,worker01=%s:enp2s0@203.0.113.128/25" % (node_ns, node_ns)]
    with start_lab(tmp_path, scenario="seed-ovn-multinic", extra_args=args) as lab:
        lab.patch("/api/v1/nodes/worker01", {"metadata": {"labels": {"k8s.ovn.org/egress-assignable": ""}}})
        _create_eip(lab, "sec", ["203.0.113.150", "198.51.100.120"])
        items = lab.get("/apis/k8s.ovn.org/v1/egressips/sec")["status"]["items"]
        assert items == [{"node": "worker01", "egressIP": "203.0.113.150"}]    # one per node per object
        assert "203.0.113.150/25" in _ip("-n", node_ns, "-o", "-4", "addr", "show", "dev", "enp2s0").stdout
        assert "203.0.113.150" not in _addrs(node_ns)
    assert "203.0.113.150" not in _ip("-n", node_ns, "-o", "-4", "addr", "show", "dev", "enp2s0").stdout


def test_dataplane_mapping_parse():
    from tests.lab.dataplane import parse
    got = parse("w1=ns1:enp1s0,w1=ns1:enp2s0@203.0.113.128/25")
    assert [(n, i, str(c) if c else None) for n, i, c in got["w1"]] == [
        ("ns1", "enp1s0", None), ("ns1", "enp2s0", "203.0.113.128/25")]
    with pytest.raises(ValueError):
        parse("w1=ns1:enp2s0@nope")
