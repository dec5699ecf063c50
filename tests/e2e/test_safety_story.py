"""Issue 10 on the network-namespace hosts: the playbooks as documented never hand out the
router (learnt from the nodes' default routes) or an address another host answers ARP for (the
squatter at .150: reserved for the run, the next one is allocated); an explicit address that
answers still fails, naming the MAC; a deleted namespace is released from the firewall too."""
import json
import os

import pytest

from tests.netns.fixtures import topology  # noqa: F401  # pylint: disable=unused-import
from tests.e2e.seed_helpers import CIDR, Story, seed_lab, write_inventory

pytestmark = [pytest.mark.netns, pytest.mark.slow]

ROUTER = "198.51.100.1"
SQUATTER = "198.51.100.150"
README = dict(egressip_namespace_name="mywebserver", egressip_auto_nodes="worker01,worker02",
              egressip_egress_cidr=CIDR, egressip_targets="database")


@pytest.fixture
def story(topology, tmp_path):  # noqa: F811
    inventory = write_inventory(topology)
    with seed_lab(topology, tmp_path) as lab:
        yield Story(topology, lab, inventory)


def _summary(res):
    return res.facts("localhost")["egressip_result"]


def _module_args(res, task):
    for r in res.task_results("localhost"):
        if r["task"].endswith(task) and "invocation" in r:
            return r["invocation"]["module_args"]
    raise AssertionError("no task %s" % task)


def test_readme_command_allocates_neither_the_router_nor_an_address_in_use(story):
    # the README's command, as written (count 1, no pool, no gateway)
    res = story.run("auto.yml", **README)
    assert res.rc == 0, res.describe()
    ip = story.ns_ips()[0]
    assert ip != ROUTER and ip == "198.51.100.2", ip
    # the role passed the gateway its node checks learnt to the modules
    assert ROUTER in _module_args(res, "Plan the NetNamespaces, allocate free IPs (check mode)")["gateways"]
    assert [s["ip"] for s in _summary(res)["skipped_addresses"]] == [ROUTER]
    assert story.probe(story.active()[ip], ip) == "open"


def test_an_allocated_address_that_answers_arp_is_reserved_and_the_next_one_taken(story):
    res = story.run("auto.yml", egressip_pool="198.51.100.150-198.51.100.152", **README)
    assert res.rc == 0, res.describe()
    assert story.ns_ips() == ["198.51.100.151"]
    reserved = _summary(res)["arp_reserved"]
    assert [r["ip"] for r in reserved] == [SQUATTER] and reserved[0]["mac"], reserved
    # asked for explicitly, the same address fails the run with the MAC that answered
    explicit = dict(README, egressip_egress_ips=SQUATTER, egressip_namespace_name="mywebserver")
    res = story.run("auto.yml", **explicit)
    assert res.rc != 0 and "answers ARP from %s" % reserved[0]["mac"] in res.messages(), res.describe()


def test_release_of_a_deleted_namespace_clears_its_firewall_record(story):
    res = story.run("auto.yml", egressip_pool="198.51.100.120-198.51.100.129", **README)
    assert res.rc == 0, res.describe()
    ip = story.ns_ips()[0]
    record = os.path.join(story.topo["hosts"]["database"]["scratch_dir"], "egressip-firewall", "owners.json")
    cluster = story.lab.get("/apis/config.openshift.io/v1/clusterversions/version")["spec"]["clusterID"]

    def owners():   # the record's entries are "<cluster>/<namespace>" (format 2, issue 11)
        with open(record) as fh:
            return json.load(fh)["entries"]
    assert list(owners()) == ["%s/mywebserver" % cluster], owners()
    assert list(owners()["%s/mywebserver" % cluster]["addresses"]) == [ip], owners()
    # a run for another namespace: the facts are read for the requested namespaces only, yet the
    # record of mywebserver (which exists) is no orphan
    labels = {"kubernetes.io/metadata.name": "payments"}
    story.lab.post("/api/v1/namespaces", {"metadata": {"name": "payments", "labels": labels}})   # + its NetNamespace
    other = story.run("auto.yml", egressip_pool="198.51.100.120-198.51.100.129",
                      **dict(README, egressip_namespace_name="payments"))
    assert other.rc == 0, other.describe()
    assert not [n for n in _summary(other)["notes"] if n.startswith("orphan:")], _summary(other)["notes"]
    assert sorted(owners()) == ["%s/mywebserver" % cluster, "%s/payments" % cluster]
    # the project is deleted (its NetNamespace with it); the pin-less automatic-mode address is
    # gone from the cluster but the database still allows it
    story.lab.delete("/apis/network.openshift.io/v1/netnamespaces/mywebserver")
    gone = story.run("release.yml", egressip_namespace_name="mywebserver")
    assert gone.rc == 0, gone.describe()
    assert sorted(owners()) == ["%s/payments" % cluster]
    assert ip not in story.ruleset()
