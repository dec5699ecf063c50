"""The seed story end to end on OVN-Kubernetes: the blog's nodes in the lab's ``seed-ovn``
scenario (with a dataplane that puts the EgressIP status assignments on the workers' enp1s0 as
ovnkube-node does), worker01/worker02 as network namespaces reached over ssh, and a database
guarded by a firewall the role manages. The playbooks run as an AWX job would run them; on OVN
they manage one EgressIP object `egressip-<namespace>` and label `auto_nodes`
k8s.ovn.org/egress-assignable."""
import pytest

from tests.lab.fixtures import LabError
from tests.netns import tcp_probe
from tests.netns.fixtures import topology  # noqa: F401  # pylint: disable=unused-import
from tests.e2e.seed_helpers import EGRESSIP, HOST_IPS, WORKERS, Story, seed_lab, write_inventory

pytestmark = [pytest.mark.netns, pytest.mark.slow]

NAME = "egressip-mywebserver"
LABEL = "k8s.ovn.org/egress-assignable"
HEALTH_PORT = 9107   # ovnkube-node's egress IP health check (OVN-Kubernetes)
AUTO = dict(namespace_name="mywebserver", auto_nodes="worker01,worker02",
            pool="198.51.100.120-198.51.100.139", gateway="198.51.100.1", targets="database",
            node_health_check=True)


@pytest.fixture(scope="module")
def story(topology, tmp_path_factory):  # noqa: F811
    inventory = write_inventory(topology, node_access="ssh")   # the API path: test_seed_story.py
    with seed_lab(topology, tmp_path_factory.mktemp("ovn-lab"), scenario="seed-ovn") as lab:
        yield Story(topology, lab, inventory)


def _eip(story):
    try:
        return story.lab.get(EGRESSIP % NAME)
    except LabError as exc:
        if exc.code == 404:
            return None
        raise


def _items(story):
    return {i["egressIP"]: i["node"] for i in ((_eip(story) or {}).get("status") or {}).get("items") or []}


def _other(node):
    return WORKERS[1] if node == WORKERS[0] else WORKERS[0]


def test_ovn_story_assignment_health_check_failover_release(story):
    lab = story.lab
    assert lab.get("/apis/config.openshift.io/v1/networks/cluster")["status"]["networkType"] == "OVNKubernetes"
    lab.reset()

    # 1. auto.yml on OVN: nodes labelled first, then the EgressIP; OVN assigns it, the firewall
    #    allows exactly that source
    res = story.run("auto.yml", **AUTO)
    assert res.rc == 0, res.describe()
    assert res.changed() > 0
    for w in WORKERS:
        assert LABEL in (lab.get("/api/v1/nodes/%s" % w)["metadata"].get("labels") or {}), w
    writes = [(r["verb"], r["kind"]) for r in lab.requests()
              if r["verb"] in ("create", "update", "patch", "delete") and not r.get("dry_run")]
    assert ("create", "EgressIP") in writes, writes
    first_create = writes.index(("create", "EgressIP"))
    assert writes[:first_create].count(("patch", "Node")) == 2, writes      # labels before the object
    eip = _eip(story)
    assert eip["spec"]["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "mywebserver"}}
    ips = eip["spec"]["egressIPs"]
    assert len(ips) == 1 and ips[0].startswith("198.51.100.1"), ips
    ip = ips[0]
    items = _items(story)
    assert list(items) == [ip], items
    node = items[ip]
    assert node in WORKERS
    assert story.holders(ip) == [node]                       # on exactly one node's enp1s0
    assert story.probe(node, ip) == "open"                   # the egress IP reaches the database
    assert story.probe(node, HOST_IPS[node]) == "timeout"    # the node's own IP is dropped
    assert story.probe(_other(node), HOST_IPS[_other(node)]) == "timeout"
    assert ip in story.ruleset() and HOST_IPS[node] not in story.ruleset()
    result = res.facts("localhost")["egressip_result"]
    assert result["network_type"] == "OVNKubernetes"

    # 2. node health check on OVN: TCP 9107 accepted on both node hosts (no guard, no drop); the
    #    controller's connection is answered (nothing listens in the test: a RST, not a silence)
    for w in WORKERS:
        rules = story.ruleset(w)
        assert "tcp dport %d accept" % HEALTH_PORT in rules, rules
        assert "drop" not in rules, rules
        assert tcp_probe(story.topo.ctl, None, HOST_IPS[w], HEALTH_PORT, 1.5) == "refused"

    # 3. second run: nothing to do
    again = story.run("auto.yml", **AUTO)
    assert again.rc == 0 and again.changed() == 0, again.describe()
    # the firewall entry point finds the namespace's address in its EgressIP (egressip-mywebserver)
    fw = story.run("firewall.yml", egressip_namespace_name="mywebserver", egressip_targets="database")
    assert fw.rc == 0, fw.describe()
    assert ip in story.ruleset()

    # 4. failover: the holding node goes NotReady (through the API); OVN moves the IP, the
    #    playbook's verify passes on the new holder, traffic still reaches the database
    lab.set_ready(node, False)
    other = _other(node)
    assert _items(story) == {ip: other}
    assert story.holders(ip) == [other]
    res = story.run("auto.yml", **AUTO)
    assert res.rc == 0 and res.changed() == 0, res.describe()
    for w in WORKERS:   # the last node check of the run was the verify (IP on `other` only)
        check = res.facts(w)["egressip_node_check_result"]
        assert check["mode"] == "verify" and check["checked"][ip]["holder"] == other, check
    assert story.probe(other, ip) == "open"
    assert story.probe(other, HOST_IPS[other]) == "timeout"

    # 5. release: the EgressIP is deleted, the IP leaves the node and the firewall (the database
    #    records that it serves mywebserver); its last entry gone, the role's rules go
    res = story.run("release.yml", namespace_name="mywebserver", targets="")
    assert res.rc == 0, res.describe()
    assert _eip(story) is None
    assert lab.assignments() == {}
    assert story.holders(ip) == []
    assert ip not in story.ruleset()
    assert "egressip" not in story.ruleset()
    assert story.probe(other, HOST_IPS[other]) == "open"
    again = story.run("release.yml", namespace_name="mywebserver", targets="database")
    assert again.rc == 0 and again.changed() == 0, again.describe()
