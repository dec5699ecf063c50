"""One database shared by two clusters (two labs, each with its own ClusterVersion clusterID and a
dataplane on the same worker namespaces), a non-cluster client (worker02's host address, a
static source of the database) and a management host (the controller, over ssh). The
collection's playbooks run for each cluster in turn; after every step each legitimate client
still connects, every stale address is closed and the management connection works."""
import json
import os

import pytest

from tests.lab.fixtures import start_lab
from tests.netns import add_addr, del_addr, tcp_probe
from tests.netns.fixtures import topology  # noqa: F401  # pylint: disable=unused-import
from tests.e2e.seed_helpers import CIDR, WORKERS, Story, seed_lab, write_inventory

pytestmark = [pytest.mark.netns, pytest.mark.slow]

HOST_W1, HOST_W2 = "198.51.100.144", "198.51.100.145"   # worker02's host address is a static client
RUN = dict(namespace_name="mywebserver", auto_nodes="worker01,worker02", egress_cidr=CIDR,
           gateway="198.51.100.1", targets="database")
POOL = {"a": "198.51.100.120-198.51.100.129", "b": "198.51.100.160-198.51.100.169"}
CLUSTER_VERSION = "/apis/config.openshift.io/v1/clusterversions/version"


def shared_inventory(topo):
    """The seed inventory, with the database's own choices as host variables: default-deny on and
    one static client (they are the target's, not the runs')."""
    # node checks over SSH: the second lab (another cluster) has no probe namespace, and this
    # story is about the shared firewall (the API path has its own stories)
    path = write_inventory(topo, node_access="ssh")
    with open(path) as fh:
        inv = json.load(fh)
    inv["all"]["hosts"]["database"].update(
        egressip_firewall_default_deny=True,
        egressip_firewall_static_sources=[{"source": HOST_W2, "comment": "reporting host"}])
    with open(path, "w") as fh:
        json.dump(inv, fh, indent=1)
    return path


@pytest.fixture
def clusters(topology, tmp_path):  # noqa: F811
    inventory = shared_inventory(topology)
    dataplane = ",".join("%s=%s:enp1s0" % (w, topology.ns(w)) for w in WORKERS)
    with seed_lab(topology, tmp_path) as lab_a, \
            start_lab(tmp_path, scenario="seed", netns=topology.ctl,
                      extra_args=["--dataplane", dataplane, "--cluster-id", "lab-b"]) as lab_b:
        yield {"a": Story(topology, lab_a, inventory), "b": Story(topology, lab_b, inventory)}


def auto(story, key, **extra):
    res = story.run("auto.yml", pool=POOL[key], **dict(RUN, **extra))
    assert res.rc == 0, res.describe()
    ips = story.ns_ips()
    assert len(ips) == 1, ips
    return ips[0]


def reach(story, ip):
    """Probe from the node that holds ``ip`` (bound to it)."""
    node = story.holders(ip)[0]
    return story.probe(node, ip)


def stale_is_closed(story, ip):
    """A released address, put back on a node by hand, no longer reaches the database."""
    add_addr(story.topo.ns("worker01"), ip, 24, "enp1s0")
    try:
        return story.probe("worker01", ip) == "timeout"
    finally:
        del_addr(story.topo.ns("worker01"), ip, 24, "enp1s0")


def legit_clients_and_management(story):
    assert story.probe("worker02", HOST_W2) == "open"              # the static, non-cluster client
    assert story.probe("worker01", HOST_W1) == "timeout"           # nobody else (default-deny)
    assert tcp_probe(story.topo.ctl, None, "203.0.113.10", 22) == "open"   # management


def record(story):
    path = os.path.join(story.topo["hosts"]["database"]["scratch_dir"], "egressip-firewall", "owners.json")
    with open(path) as fh:
        return json.load(fh)["entries"]


def test_a_then_b_release_a_switch_backend_release_b(clusters):
    a, b = clusters["a"], clusters["b"]
    id_a = a.lab.get(CLUSTER_VERSION)["spec"]["clusterID"]
    assert id_a != "lab-b"
    ip_a = auto(a, "a")
    assert reach(a, ip_a) == "open"
    legit_clients_and_management(a)

    ip_b = auto(b, "b")                       # same namespace name, the other cluster
    assert reach(b, ip_b) == "open" and reach(a, ip_a) == "open"
    legit_clients_and_management(a)
    assert sorted(record(a)) == sorted(["%s/mywebserver" % id_a, "lab-b/mywebserver"])

    again = a.run("auto.yml", pool=POOL["a"], **RUN)   # A again: nothing to do, B untouched
    assert again.rc == 0 and again.changed() == 0, again.describe()
    assert reach(b, ip_b) == "open"

    res = a.run("release.yml", namespace_name="mywebserver", targets="database")
    assert res.rc == 0, res.describe()
    assert stale_is_closed(a, ip_a)
    assert reach(b, ip_b) == "open"
    legit_clients_and_management(a)
    assert list(record(a)) == ["lab-b/mywebserver"]

    # B switches the database to iptables, then back: each time nothing of the other backend stays
    res = b.run("firewall.yml", namespace_name="mywebserver", targets="database", egressip_firewall_backend="iptables")
    assert res.rc == 0, res.describe()
    assert "table inet egressip" not in b.ruleset()
    assert reach(b, ip_b) == "open" and stale_is_closed(a, ip_a)
    legit_clients_and_management(b)
    res = b.run("firewall.yml", namespace_name="mywebserver", targets="database")
    assert res.rc == 0, res.describe()
    assert "EGRESSIP" not in b.topo.run_in("database", ["iptables", "-S"]).stdout
    assert "EGRESSIP" not in b.topo.run_in("database", ["ip6tables", "-S"]).stdout
    assert reach(b, ip_b) == "open"
    legit_clients_and_management(b)
    again = b.run("firewall.yml", namespace_name="mywebserver", targets="database")
    assert again.rc == 0 and again.changed() == 0, again.describe()

    # the last namespace leaves the database: the role's rules go, management stays
    res = b.run("release.yml", namespace_name="mywebserver", targets="database")
    assert res.rc == 0, res.describe()
    assert "egressip" not in b.ruleset()
    assert b.probe("worker01", HOST_W1) == "open"
    assert tcp_probe(b.topo.ctl, None, "203.0.113.10", 22) == "open"


def test_b_then_a_release_b(clusters):
    a, b = clusters["a"], clusters["b"]
    ip_b = auto(b, "b")
    ip_a = auto(a, "a")
    assert reach(a, ip_a) == "open" and reach(b, ip_b) == "open"
    legit_clients_and_management(b)
    res = b.run("release.yml", namespace_name="mywebserver", targets="database")
    assert res.rc == 0, res.describe()
    assert stale_is_closed(b, ip_b)
    assert reach(a, ip_a) == "open"
    legit_clients_and_management(a)
