"""The seed story end to end: the blog's cluster (lab, with a dataplane that puts assigned
egress IPs on the workers' interfaces as the SDN does), worker01/worker02 as network namespaces,
and a database guarded by a firewall the role manages. The collection's playbooks are run as an
AWX job would run them (extra vars as simple strings).

The node checks take the default API path: worker01/worker02 are not in the inventory at all
(no SSH to any node); each check is a pod the lab's kubelet runs inside the node's namespace.
The static story also runs once over SSH (egressip_node_access=ssh, with the nodes' health-check
firewall, which needs SSH)."""
import pytest

from tests.netns.fixtures import topology  # noqa: F401  # pylint: disable=unused-import
from tests.e2e.seed_helpers import CIDR, HOST_IPS, WORKERS, Story, seed_lab, write_inventory

pytestmark = [pytest.mark.netns, pytest.mark.slow]

AUTO = dict(namespace_name="mywebserver", auto_nodes="worker01,worker02", egress_cidr=CIDR,
            pool="198.51.100.120-198.51.100.139", gateway="198.51.100.1", targets="database")
STATIC = dict(namespace_name="mywebserver", egress_ips="198.51.100.121, 198.51.100.122", nodes="worker01,worker02",
              targets="database")


@pytest.fixture(params=["api"])
def story(request, topology, tmp_path):  # noqa: F811
    inventory = write_inventory(topology, node_access=request.param)
    with seed_lab(topology, tmp_path) as lab:
        story = Story(topology, lab, inventory)
        story.access = request.param
        yield story
        assert story.probe_pods() == []          # every probe pod was deleted


def _node_checks(res):
    return res.facts("localhost")["egressip_result"]["node_checks"]


def _other(node):
    return WORKERS[1] if node == WORKERS[0] else WORKERS[0]


def test_auto_mode_failover_and_release(story):
    # 0. check mode with --diff: shows the plan, writes nothing anywhere (the read-only node
    #    checks still run, in short-lived pods, so that check mode predicts the real run)
    ruleset = story.ruleset()
    res = story.run("auto.yml", check=True, diff=True, **AUTO)
    assert res.rc == 0, res.describe()
    assert res.changed() > 0
    assert story.lab.collection_writes() == []
    # per node: one pod learns the network (plan input), one checks the allocated IP
    assert story.lab.stats()["by_kind"]["Pod"]["create"] == 4
    assert story.ruleset() == ruleset
    assert story.ns_ips() == [] and not story.hs("worker01").get("egressCIDRs")
    assert any(r.get("diff") for r in res.task_results("localhost") if r.get("changed")), "no diff"

    # 1. automatic mode: the CIDRs, one allocated IP, the SDN places it, the firewall allows it
    res = story.run("auto.yml", **AUTO)
    assert res.rc == 0, res.describe()
    assert res.changed() > 0
    checks = _node_checks(res)       # no SSH host: the nodes were checked through the API, by pods
    assert checks["access"] == "api" and sorted(checks["nodes"]) == list(WORKERS), checks
    assert all(r["access"] == "api" and r["network"] == CIDR for r in checks["nodes"].values())
    pods = story.lab.stats()["by_kind"]["Pod"]
    assert pods["create"] >= 4 and pods["create"] == pods["delete"], pods   # preflight + verify, 2 nodes
    assert "node checks: api (a pod per node through the API), nodes checked: worker01, worker02" in res.stdout
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
    # 2. second run: nothing to do, and one probe per node (its verify of the holders the
    #    cluster reports is the run's verify: issue 13)
    pods_before = story.lab.stats()["by_kind"]["Pod"]["create"]
    again = story.run("auto.yml", **AUTO)
    assert again.rc == 0 and again.changed() == 0, again.describe()
    assert story.lab.stats()["by_kind"]["Pod"]["create"] - pods_before == len(WORKERS)
    assert all(r["mode"] == "verify" for r in _node_checks(again)["nodes"].values()), _node_checks(again)

    # 3. the node goes NotReady (through the API): the SDN moves the IP, verify passes
    story.lab.set_ready(node, False)
    other = _other(node)
    assert story.active()[ip] == other
    assert story.holders(ip) == [other]
    res = story.run("auto.yml", **AUTO)
    assert res.rc == 0 and res.changed() == 0, res.describe()
    checks = _node_checks(res)   # the NotReady node cannot start a pod: not probed, and said so
    assert checks["not_probed"] == [node] and sorted(checks["nodes"]) == [other], checks
    result = checks["nodes"][other]   # the last node check of the run was the verify (IP on `other`)
    assert result["mode"] == "verify", result
    assert result["checked"][ip] == {"holder": other, "present": True, "on": "enp1s0", "interface": "enp1s0"}, result
    assert "not probed (NotReady): %s" % node in res.stdout
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


@pytest.mark.parametrize("story", ["api", "ssh"], indirect=True)
def test_static_mode_two_ips_failover_and_firewall_playbook(story):
    # 1. static mode: two IPs, each pinned to another node, both allowed by the firewall; over
    #    SSH also the nodes' health-check port (it needs a firewall on the node, so SSH)
    extra = dict(STATIC, node_health_check=story.access == "ssh")
    res = story.run("static.yml", **extra)
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
        if story.access == "ssh":
            # the SDN's egress health check (TCP 9 on openshift-sdn) keeps answering on the nodes
            assert "tcp dport 9 reject with tcp reset" in story.ruleset(node)
    checks = _node_checks(res)
    assert checks["access"] == story.access and sorted(checks["nodes"]) == list(WORKERS), checks
    assert all(r.get("access") == story.access for r in checks["nodes"].values())
    again = story.run("static.yml", **extra)
    assert again.rc == 0 and again.changed() == 0, again.describe()
    if story.access == "ssh":
        return   # what follows does not depend on the node access path: the api run covers it

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
    assert story.lab.stats()["by_kind"]["Pod"]["create"] >= 1      # found through the API path
    assert story.lab.collection_writes() == []                      # nothing but the probe pods
    assert story.ruleset() == ruleset
    assert story.ns_ips() == []
    assert all(not story.hs(w).get("egressCIDRs") and not story.hs(w).get("egressIPs") for w in WORKERS)


def test_probe_pod_refused_stops_the_run_before_any_write(story):
    """The API path's failures stop the whole job before anything is written (here the SCC
    admission refuses the privileged pod; every other failure: tests/e2e/test_node_probe.py)."""
    story.lab.post("/_lab/scc", {"privileged": False})
    ruleset = story.ruleset()
    res = story.run("auto.yml", **AUTO)
    assert res.rc != 0
    messages = res.messages()
    assert "unable to validate against any security context constraint" in messages, res.describe()
    assert "node worker01: the API refused the probe pod" in messages
    assert "use of the SCC 'privileged'" in messages and "nothing was written to the egress objects" in messages
    assert story.lab.collection_writes() == []
    assert story.ruleset() == ruleset
    assert story.ns_ips() == [] and not story.hs("worker01").get("egressCIDRs")
