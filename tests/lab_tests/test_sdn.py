"""The openshift-sdn emulation: automatic assignment, failover, spreading, and the real
controller's error messages for bad egress settings written with plain merge patches."""
from .helpers import HS, NN, NODES, egress, hostsubnet_ips

W1, W2 = "198.51.100.144", "198.51.100.145"
IP1, IP2 = "198.51.100.120", "198.51.100.121"


def _messages(lab, level=None):
    return [e["message"] for e in lab.events() if level is None or e["level"] == level]


def test_seed_has_no_egress_and_no_errors(lab):
    assert lab.assignments() == {}
    assert lab.errors() == []
    for node in ("master01", "master02", "master03", "worker01", "worker02"):
        hs = lab.get(HS + node)
        assert "egressIPs" not in hs and "egressCIDRs" not in hs
    assert lab.get(NN + "mywebserver")["netid"] == 5281170
    assert lab.get("/apis/config.openshift.io/v1/networks/cluster")["status"]["networkType"] == "OpenShiftSDN"


def test_manual_assignment_is_active(lab):
    egress(lab, "worker01", ips=[IP1])
    egress(lab, netns="mywebserver", ns_ips=[IP1])
    a = lab.assignments()[IP1]
    assert (a["node"], a["namespace"], a["active"]) == ("worker01", "mywebserver", True)
    assert lab.errors() == []
    assert "Assigning egress IP %s to node %s" % (IP1, W1) in _messages(lab)


def test_auto_assignment_and_failover_via_node_status(lab):
    for node in ("worker01", "worker02"):
        egress(lab, node, cidrs=["198.51.100.0/24"])
    egress(lab, netns="mywebserver", ns_ips=[IP1])
    assert hostsubnet_ips(lab, "worker01") == [IP1]
    assert hostsubnet_ips(lab, "worker02") == []
    assert lab.assignments()[IP1]["node"] == "worker01" and lab.assignments()[IP1]["active"]
    lab.set_ready("worker01", False)          # a client PATCH of nodes/worker01/status
    assert lab.get(NODES + "worker01")["status"]["conditions"][0]["status"] == "False"
    assert hostsubnet_ips(lab, "worker01") == []
    assert hostsubnet_ips(lab, "worker02") == [IP1]
    a = lab.assignments()[IP1]
    assert (a["node"], a["active"]) == ("worker02", True)
    assert "Node worker01 is not Ready, marking it offline..." in _messages(lab)
    lab.set_ready("worker02", False)          # nowhere left to go
    assert hostsubnet_ips(lab, "worker02") == []
    assert lab.assignments()[IP1] == dict(lab.assignments()[IP1], node=None, active=False)
    assert "VNID 5281170 cannot use unassigned egress IP %s" % IP1 in _messages(lab)
    lab.set_ready("worker01", True)
    assert hostsubnet_ips(lab, "worker01") == [IP1]
    assert "Node %s is back online" % W1 in _messages(lab)
    assert lab.errors() == []
    # controller writes are not client writes
    assert lab.stats()["by_kind"].get("HostSubnet", {}).get("update", 0) == 0


def test_auto_assignment_spreads_load(lab):
    for ns in ("app1", "app2", "app3"):
        lab.post("/api/v1/namespaces", {"metadata": {"name": ns}})
    for node in ("worker01", "worker02"):
        egress(lab, node, cidrs=["198.51.100.0/24"])
    ips = {"mywebserver": ["198.51.100.120"], "app1": ["198.51.100.121"], "app2": ["198.51.100.122"],
           "app3": ["198.51.100.123", "198.51.100.124"]}
    for ns, wanted in ips.items():
        egress(lab, netns=ns, ns_ips=wanted)
    w1, w2 = hostsubnet_ips(lab, "worker01"), hostsubnet_ips(lab, "worker02")
    assert sorted(w1 + w2) == sorted(ip for v in ips.values() for ip in v)
    assert abs(len(w1) - len(w2)) <= 1
    # never two IPs of one namespace on one node
    assert {"198.51.100.123", "198.51.100.124"} - set(w1) and {"198.51.100.123", "198.51.100.124"} - set(w2)
    assert all(a["active"] for a in lab.assignments().values())
    assert lab.errors() == []


def test_two_ips_of_one_namespace_on_two_nodes(lab):
    """The blog's state: worker01 and worker02 both list both IPs of mywebserver."""
    egress(lab, "worker01", ips=[IP1, IP2])
    egress(lab, netns="mywebserver", ns_ips=[IP1, IP2])
    errors = lab.errors()
    assert "Multiple EgressIPs (%s, %s) for VNID 5281170 on node %s" % (IP1, IP2, W1) in errors
    assert "Multiple EgressIPs (%s, %s) for VNID 5281170 on node %s" % (IP2, IP1, W1) in errors
    egress(lab, "worker02", ips=[IP1, IP2])
    errors = lab.errors()
    for ip in (IP1, IP2):
        assert "Multiple nodes (%s, %s) claiming EgressIP %s" % (W1, W2, ip) in errors
    assigned = lab.assignments()
    assert not assigned[IP1]["active"] and not assigned[IP2]["active"]
    assert assigned[IP1]["claimed_by"] == ["worker01", "worker02"]
    assert any("Egress traffic of VNID 5281170" in m and "dropped" in m for m in _messages(lab, "I"))


def test_same_ip_on_two_nodes(lab):
    egress(lab, "worker01", ips=[IP1])
    egress(lab, "worker02", ips=[IP1])
    egress(lab, netns="mywebserver", ns_ips=[IP1])
    assert lab.errors() == ["Multiple nodes (%s, %s) claiming EgressIP %s" % (W1, W2, IP1)]
    assert lab.assignments()[IP1]["active"] is False
    assert [e["source"] for e in lab.events() if e["level"] == "E"] == ["egressip.go:596"]


def test_same_ip_in_two_namespaces(lab):
    lab.post("/api/v1/namespaces", {"metadata": {"name": "other"}})
    other = lab.get(NN + "other")["netid"]
    egress(lab, "worker01", ips=[IP1])
    egress(lab, netns="mywebserver", ns_ips=[IP1])
    egress(lab, netns="other", ns_ips=[IP1])
    assert lab.errors() == ["Multiple namespaces (5281170, %d) claiming EgressIP %s" % (other, IP1)]
    assert "VNID 5281170 gets no egress due to multiply-assigned egress IP %s" % IP1 in _messages(lab, "I")


def test_ip_outside_the_node_network(lab):
    egress(lab, "worker01", ips=["203.0.113.81"])
    egress(lab, netns="mywebserver", ns_ips=["203.0.113.81"])
    assert lab.errors() == ['Error assigning Egress IP "203.0.113.81": egress IP "203.0.113.81" is not in '
                            "local network 198.51.100.0/24 of interface enp1s0"]
    a = lab.assignments()["203.0.113.81"]
    assert (a["node"], a["active"]) == ("worker01", False)
    lab.patch(NODES + "worker02", {"metadata": {"labels": {"unrelated": "x"}}})
    assert len(lab.errors()) == 1             # logged when claimed, not on every reconcile
    egress(lab, "worker01", ips=["198.51.100.120"])
    egress(lab, netns="mywebserver", ns_ips=["198.51.100.120"])
    assert lab.assignments()["198.51.100.120"]["active"] is True
    assert "203.0.113.81" not in lab.assignments()


def test_node_ip_as_egress_ip(lab):
    egress(lab, "worker01", ips=[W1])
    egress(lab, netns="mywebserver", ns_ips=[W1])
    assert lab.errors() == ['Error assigning Egress IP "%s": desired egress IP "%s" is the node IP' % (W1, W1)]
    assert lab.assignments()[W1]["active"] is False


def test_errors_are_logged_once_per_state_change(lab):
    egress(lab, "worker01", ips=[IP1])
    egress(lab, "worker02", ips=[IP1])
    egress(lab, netns="mywebserver", ns_ips=[IP1])
    assert len(lab.errors()) == 1
    lab.patch(NODES + "master01", {"metadata": {"labels": {"unrelated": "write"}}})
    lab.patch(NN + "mywebserver", {"metadata": {"labels": {"also": "unrelated"}}})
    assert len(lab.errors()) == 1              # no new error without a new state
    egress(lab, "worker02", ips=[])            # fixed: worker01 takes it
    assert lab.assignments()[IP1]["active"] is True
    assert len(lab.errors()) == 1
    egress(lab, "worker02", ips=[IP1])         # broken again: logged again
    assert len(lab.errors()) == 2


def test_auto_mode_does_not_auto_assign_conflicting_ips(lab):
    egress(lab, "worker01", cidrs=["198.51.100.0/24"])
    egress(lab, "worker02", ips=[IP1])                     # manual node
    egress(lab, "master01", ips=[IP1])                     # second manual claim
    egress(lab, netns="mywebserver", ns_ips=[IP1])
    assert hostsubnet_ips(lab, "worker01") == []           # makeEmptyAllocation skips it
    assert "Multiple nodes (%s, 198.51.100.141) claiming EgressIP %s" % (W2, IP1) in lab.errors() or \
        "Multiple nodes (198.51.100.141, %s) claiming EgressIP %s" % (W2, IP1) in lab.errors()


def test_rebalance_after_node_comes_back_and_one_ip_per_namespace_per_node(lab):
    for ns in ("app1", "app2", "app3"):
        lab.post("/api/v1/namespaces", {"metadata": {"name": ns}})
    for node in ("worker01", "worker02"):
        egress(lab, node, cidrs=["198.51.100.0/24"])
    for i, ns in enumerate(("mywebserver", "app1", "app2", "app3")):
        egress(lab, netns=ns, ns_ips=["198.51.100.%d" % (120 + i)])
    lab.set_ready("worker01", False)
    assert len(hostsubnet_ips(lab, "worker02")) == 4 and hostsubnet_ips(lab, "worker01") == []
    lab.set_ready("worker01", True)            # starved node: IPs are moved back for balance
    assert len(hostsubnet_ips(lab, "worker01")) == 2 and len(hostsubnet_ips(lab, "worker02")) == 2
    assert all(a["active"] for a in lab.assignments().values())
    # a namespace with two IPs: one per node; with one node down only one can be placed
    egress(lab, netns="app3", ns_ips=["198.51.100.123", "198.51.100.130"])
    lab.set_ready("worker02", False)
    placed = [ip for ip in ("198.51.100.123", "198.51.100.130") if ip in hostsubnet_ips(lab, "worker01")]
    assert len(placed) == 1
    assert lab.errors() == []


CLOUD = "cloud.network.openshift.io/egress-ipconfig"


def _capacity(lab, node, cap):
    lab.patch(NODES + node, {"metadata": {"annotations": {CLOUD: '[{"interface": "eni-0%s", "ifaddr": {"ipv4": '
                                                                 '"198.51.100.0/24"}, "capacity": {"ipv4": %d}}]'
                                                                 % (node[-1], cap)}}})


def test_auto_assignment_honours_cloud_capacity(lab):
    """openshift/sdn common/egressip.go (18a57d7) getSortedNodes / allocateExistingEgressIPs: a
    node never gets more automatic IPs than its capacity (it got 2 or 3 with capacity 1)."""
    for node in ("worker01", "worker02"):
        _capacity(lab, node, 1)
        egress(lab, node, cidrs=["198.51.100.0/24"])
    lab.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-b"}})
    lab.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-c"}})
    egress(lab, netns="mywebserver", ns_ips=[IP1])
    egress(lab, netns="team-b", ns_ips=[IP2])
    egress(lab, netns="team-c", ns_ips=["198.51.100.122"])
    held = hostsubnet_ips(lab, "worker01") + hostsubnet_ips(lab, "worker02")
    assert len(hostsubnet_ips(lab, "worker01")) == 1 and len(hostsubnet_ips(lab, "worker02")) == 1, held
    assert "198.51.100.122" not in held or IP1 not in held or IP2 not in held
    unplaced = [ip for ip in (IP1, IP2, "198.51.100.122") if ip not in held]
    assert len(unplaced) == 1 and lab.assignments()[unplaced[0]]["node"] is None


def test_manual_pins_over_capacity_ignore_the_hostsubnet(lab):
    _capacity(lab, "worker01", 1)
    egress(lab, "worker01", ips=[IP1, IP2])
    egress(lab, netns="mywebserver", ns_ips=[IP1])
    assert lab.assignments()[IP1]["active"] is False
    assert any("Ignoring invalid HostSubnet worker01" in m and "exceeds the node's capacity (1)" in m
               for m in lab.errors())


def test_single_ip_namespace_on_an_offline_node_has_no_egress(lab):
    """common/egressip.go line 683: an IP on an offline node is not used, even the namespace's
    only one (the lab used it when the namespace had a single IP)."""
    egress(lab, "worker01", ips=[IP1])
    egress(lab, netns="mywebserver", ns_ips=[IP1])
    assert lab.assignments()[IP1]["active"] is True
    lab.set_ready("worker01", False)
    assert lab.assignments()[IP1]["active"] is False
    assert "VNID 5281170 cannot use egress IP %s on offline node %s" % (IP1, W1) in _messages(lab)
    assert any("VNID 5281170 (namespace mywebserver) is dropped" in m for m in _messages(lab))
