"""The seed story end to end: the blog's cluster (lab, with a dataplane that puts assigned
egress IPs on the workers' interfaces as the SDN does), worker01/worker02 as network namespaces
reached over ssh, and a database guarded by a firewall the role manages. The collection's
playbooks are run as an AWX job would run them (extra vars as simple strings)."""
import pytest

from tests.netns.fixtures import topology  # noqa: F401  # pylint: disable=unused-import
from tests.e2e.seed_helpers import CIDR, HOST_IPS, WORKERS, Story, seed_lab, write_inventory

pytestmark = [pytest.mark.netns, pytest.mark.slow]

AUTO = dict(namespace_name="mywebserver", auto_nodes="worker01,worker02", egress_cidr=CIDR,
            pool="198.51.100.120-198.51.100.139", gateway="198.51.100.1", targets="database")
STATIC = dict(namespace_name="mywebserver", egress_ips="198.51.100.121, 198.51.100.122", nodes="worker01,worker02",
              targets="database", node_health_check=True)


@pytest.fixture
def story(topology, tmp_path):  # noqa: F811
    inventory = write_inventory(topology)
    with seed_lab(topology, tmp_path) as lab:
        yield Story(topology, lab, inventory)


def _other(node):
    return WORKERS[1] if node == WORKERS[0] else WORKERS[0]


def test_auto_mode_failover_and_release(story):
    # 0. check mode with --diff: shows the plan, writes nothing anywhere
    ruleset = story.ruleset()
    res = story.run("auto.yml", check=True, diff=True, **AUTO)
    assert res.rc == 0, res.describe()
    assert res.changed() > 0
    assert story.lab.stats()["writes"] == 0
    assert story.ruleset() == ruleset
    assert story.ns_ips() == [] and not story.hs("worker01").get("egressCIDRs")
    assert any(r.get("diff") for r in res.task_results("localhost") if r.get("changed")), "no diff"

    # 1. automatic mode: the CIDRs, one allocated IP, the SDN places it, the firewall allows it
    res = story.run("auto.yml", **AUTO)
    assert res.rc == 0, res.describe()
    assert res.changed() > 0
    ips = story.ns_ips()
    assert len(ips) == 1 and ips[0].startswith("198.51.100.1"), ips
    ip = ips[0]
    for w in WORKERS:
        assert story.hs(w)["egressCIDRs"] == [CIDR]
    node = story.active()[ip]
    assert story.hs(node)["egressIPs"] == [ip]
    assert story.holders(ip) == [node]                       # on exactly one node
    assert story.probe(node, ip) == "open"                   # the egress IP reaches the database
    assert story.probe(node, HOST_IPS[node]) == "timeout"    # the node's own IP is dropped
    assert "198.51.100.144" not in story.ruleset()
    # 2. second run: nothing to do
    again = story.run("auto.yml", **AUTO)
    assert again.rc == 0 and again.changed() == 0, again.describe()

    # 3. the node goes NotReady (through the API): the SDN moves the IP, verify passes
    story.lab.set_ready(node, False)
    other = _other(node)
    assert story.active()[ip] == other
    assert story.holders(ip) == [other]
    res = story.run("auto.yml", **AUTO)
    assert res.rc == 0 and res.changed() == 0, res.describe()
    for w in WORKERS:   # the last node check of the run was the verify (IP on `other` only)
        result = res.facts(w)["egressip_node_check_result"]
        assert result["mode"] == "verify" and result["checked"][ip]["holder"] == other, result
    assert story.probe(other, ip) == "open"

    # 4. release: the IP leaves the cluster objects, the node and the firewall (the database, a
    #    host of group egressip_targets, records that it serves mywebserver: no need to name it)
    res = story.run("release.yml", namespace_name="mywebserver", targets="")
    assert res.rc == 0, res.describe()
    assert story.ns_ips() == []
    assert all(ip not in (story.hs(w).get("egressIPs") or []) for w in WORKERS)
    assert story.holders(ip) == []
    assert ip not in story.ruleset()
    # the database served only mywebserver: the role's rules go (nothing left behind), ssh works
    assert "egressip" not in story.ruleset()
    assert story.probe(node, HOST_IPS[node]) == "open"
    again = story.run("release.yml", namespace_name="mywebserver", targets="database")
    assert again.rc == 0 and again.changed() == 0, again.describe()


def test_static_mode_two_ips_failover_and_firewall_playbook(story):
    # 1. static mode: two IPs, each pinned to another node, both allowed by the firewall
    res = story.run("static.yml", **STATIC)
    assert res.rc == 0, res.describe()
    assert story.ns_ips() == ["198.51.100.121", "198.51.100.122"]
    pins = {w: story.hs(w).get("egressIPs") or [] for w in WORKERS}
    assert sorted(pins.values()) == [["198.51.100.121"], ["198.51.100.122"]], pins
    holder = {ip[0]: w for w, ip in pins.items()}
    for ip, node in holder.items():
        assert story.holders(ip) == [node]
        assert story.probe(node, ip) == "open"
    for node in WORKERS:
        assert story.probe(node, HOST_IPS[node]) == "timeout"
        # the SDN's egress health check (TCP 9 on openshift-sdn) keeps answering on the nodes
        assert "tcp dport 9 reject with tcp reset" in story.ruleset(node)
    again = story.run("static.yml", **STATIC)
    assert again.rc == 0 and again.changed() == 0, again.describe()

    # 2. a node goes NotReady: the namespace keeps egress through its other IP
    down_node = "worker01"
    up_ip = pins["worker02"][0]
    story.lab.set_ready(down_node, False)
    assert story.active() == {up_ip: "worker02"}
    assert story.probe("worker02", up_ip) == "open"

    # 3. firewall.yml repairs drift from the cluster's state (no API write), then is idempotent
    story.topo.run_in("database", ["nft", "delete", "table", "inet", "egressip"])
    assert story.probe("worker02", HOST_IPS["worker02"]) == "open"
    story.lab.reset()
    res = story.run("firewall.yml", namespace_name="mywebserver", targets="database")
    assert res.rc == 0 and res.changed("database") > 0, res.describe()
    assert story.lab.stats()["writes"] == 0
    assert story.probe("worker02", HOST_IPS["worker02"]) == "timeout"
    assert story.probe("worker02", up_ip) == "open"
    assert "198.51.100.121" in story.ruleset() and "198.51.100.122" in story.ruleset()
    again = story.run("firewall.yml", namespace_name="mywebserver", targets="database")
    assert again.rc == 0 and again.changed() == 0, again.describe()


@pytest.mark.parametrize("playbook, extra, expected", [
    ("auto.yml", dict(AUTO, egress_ips="203.0.113.81"),
     ['egress IP "203.0.113.81" is not in local network 198.51.100.0/24 of interface enp1s0 on node worker01',
      'egress IP "203.0.113.81" is not in local network 198.51.100.0/24 of interface enp1s0 on node worker02']),
    ("static.yml", dict(STATIC, egress_ips="198.51.100.150", nodes="worker01"),
     ['egress IP "198.51.100.150" is already in use on local network 198.51.100.0/24',
      "interface enp1s0 of node worker01"]),
], ids=["outside-node-network", "answers-arp"])
def test_seed_errors_fail_before_any_write(story, playbook, extra, expected):
    ruleset = story.ruleset()
    story.lab.reset()
    res = story.run(playbook, **extra)
    assert res.rc != 0
    messages = res.messages()
    for text in expected:
        assert text in messages, res.describe()
    stats = story.lab.stats()
    assert stats["writes"] == 0, stats
    assert story.ruleset() == ruleset
    assert story.ns_ips() == []
    assert all(not story.hs(w).get("egressCIDRs") and not story.hs(w).get("egressIPs") for w in WORKERS)
