"""The node probe's choice of network and interface (module_utils/node/probe.py), on canned
``ip -j`` output: the primary interface only by default (openshift-sdn), any interface's network
with ``secondary`` (OVN-Kubernetes secondary host networks, longest prefix), and duplicate-address
detection on the interface that holds the network. The commands themselves run in the netns
tests (tests/e2e/test_node_probe.py, tests/e2e/test_ovn_role_dualstack_story.py)."""
import pytest

from ansible_collections.ocp.egressip.plugins.module_utils.node import probe as node_probe

ADDR = [
    {"ifname": "lo", "addr_info": [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8, "scope": "host"}]},
    {"ifname": "enp1s0", "addr_info": [
        {"family": "inet", "local": "198.51.100.144", "prefixlen": 24, "scope": "global"},
        {"family": "inet6", "local": "2001:db8::144", "prefixlen": 64, "scope": "global"},
        {"family": "inet6", "local": "fe80::1", "prefixlen": 64, "scope": "link"}]},
    {"ifname": "enp2s0", "addr_info": [
        {"family": "inet", "local": "203.0.113.144", "prefixlen": 25, "scope": "global"},
        # an egress IP the node already holds there (the kernel flags it secondary)
        {"family": "inet", "local": "203.0.113.151", "prefixlen": 25, "scope": "global", "secondary": True}]},
    {"ifname": "enp3s0", "addr_info": [
        # a more specific network inside the primary one: the longest prefix wins
        {"family": "inet", "local": "198.51.100.201", "prefixlen": 28, "scope": "global"}]},
]
ROUTES = {"-4": [{"dst": "default", "gateway": "198.51.100.1", "dev": "enp1s0"}], "-6": []}


@pytest.fixture
def fake_node(monkeypatch):
    calls = []

    def ip_json(*argv):
        if argv[:2] == ("addr", "show"):
            return ADDR
        if argv[1:] == ("route", "show", "default"):
            return ROUTES[argv[0]]
        if argv[:2] == ("-6", "neigh"):
            return []
        raise AssertionError(argv)

    def run(self, argv):
        calls.append(argv)
        # 203.0.113.170 answers ARP on enp2s0 only: a check on the wrong interface would miss it
        if argv[0] == "arping" and argv[-1] == "203.0.113.170" and argv[argv.index("-I") + 1] == "enp2s0":
            return 1, "Unicast reply from 203.0.113.170 [02:00:00:00:00:aa]"
        return (0 if argv[0] == "arping" else 1), ""

    monkeypatch.setattr(node_probe, "ip_json", ip_json)
    monkeypatch.setattr(node_probe.Probe, "_run", run)
    return calls


def _probe(ips, secondary, mode="preflight", holders=None):
    return node_probe.Probe({"node": "worker01", "mode": mode, "ips": ips, "holders": holders or {},
                             "arping": True, "arping_path": "arping", "arping_count": 1, "arping_timeout": 1,
                             "secondary": secondary}).run()


def _kinds(out):
    return dict((f["ip"], f["kind"]) for f in out["findings"])


def test_primary_only_by_default_names_the_field_and_network(fake_node):
    out = _probe(["203.0.113.150", "198.51.100.120"], secondary=False)
    assert _kinds(out) == {"203.0.113.150": "not_in_network"}
    assert out["findings"][0]["msg"] == ('egress IP "203.0.113.150" is not in local network 198.51.100.0/24 of '
                                         "interface enp1s0 on node worker01")
    assert "secondary_networks" not in out
    assert [c[c.index("-I") + 1] for c in fake_node] == ["enp1s0"]


def test_secondary_network_is_accepted_and_checked_on_its_interface(fake_node):
    out = _probe(["203.0.113.150", "198.51.100.120", "2001:db8::120"], secondary=True)
    assert out["findings"] == []
    assert out["secondary_networks"] == {"enp2s0": ["203.0.113.128/25"], "enp3s0": ["198.51.100.192/28"]}
    checked = out["checked"]
    assert (checked["203.0.113.150"]["interface"], checked["203.0.113.150"]["secondary"]) == ("enp2s0", True)
    assert (checked["198.51.100.120"]["interface"], checked["198.51.100.120"]["secondary"]) == ("enp1s0", False)
    assert checked["2001:db8::120"]["interface"] == "enp1s0"
    ifaces = dict((c[-1], c[c.index("-I") + 1]) for c in fake_node)
    assert ifaces == {"203.0.113.150": "enp2s0", "198.51.100.120": "enp1s0", "2001:db8::120": "enp1s0"}


def test_secondary_longest_prefix_node_ip_in_use_and_outside(fake_node):
    out = _probe(["198.51.100.200", "203.0.113.144", "203.0.113.170", "203.0.113.20", "203.0.113.151"],
                 secondary=True)
    kinds = _kinds(out)
    assert out["checked"]["198.51.100.200"]["interface"] == "enp3s0"      # /28 beats the primary /24
    assert kinds == {"203.0.113.144": "node_ip", "203.0.113.170": "in_use", "203.0.113.20": "not_in_network"}
    in_use = [f for f in out["findings"] if f["kind"] == "in_use"][0]
    assert (in_use["interface"], in_use["network"], in_use["mac"]) == ("enp2s0", "203.0.113.128/25",
                                                                       "02:00:00:00:00:aa")
    outside = [f for f in out["findings"] if f["kind"] == "not_in_network"][0]["msg"]
    assert "nor in a secondary host network: 203.0.113.128/25 (enp2s0), 198.51.100.192/28 (enp3s0)" in outside
    assert out["checked"]["203.0.113.151"]["held_locally"] is True        # already there: no DAD
    assert "203.0.113.151" not in [c[-1] for c in fake_node]


def test_verify_expects_the_interface_of_the_network(fake_node):
    good = _probe([], secondary=True, mode="verify", holders={"203.0.113.151": "worker01"})
    assert good["findings"] == [] and good["checked"]["203.0.113.151"]["interface"] == "enp2s0"
    bad = _probe([], secondary=False, mode="verify", holders={"203.0.113.151": "worker01"})
    assert _kinds(bad) == {"203.0.113.151": "wrong_interface"}
    assert "expected its primary interface enp1s0" in bad["findings"][0]["msg"]


def test_an_ipv6_egress_ip_listed_first_is_not_the_node_address(fake_node, monkeypatch):
    # the kernel lists IPv6 addresses newest first and never flags them secondary: an egress IP
    # the node holds must not be taken for its own address (it would be "the node IP")
    first = dict(ADDR[1], addr_info=[{"family": "inet6", "local": "2001:db8::120", "prefixlen": 64,
                                      "scope": "global"}] + ADDR[1]["addr_info"])
    monkeypatch.setattr(node_probe, "ip_json", lambda *argv: [ADDR[0], first] if argv[:2] == ("addr", "show")
                        else ROUTES[argv[0]] if argv[1:] == ("route", "show", "default") else [])
    out = _probe(["2001:db8::120"], secondary=True, holders={"2001:db8::120": "worker01"})
    assert out["findings"] == [] and out["checked"]["2001:db8::120"]["held_locally"] is True
    assert out["checked"]["2001:db8::120"]["is_node_ip"] is False
