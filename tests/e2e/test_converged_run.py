"""A converged auto.yml on the seed topology does only what its inputs require: one node probe per
node host (the verify), no firewall role run on the target (its inputs did not change), nothing
changed; egressip_firewall_recheck re-applies the firewall (here: repairs a deleted table).
Slow (three playbook runs over ssh): it is the only test of the role's converged-run skips."""
import pytest

from tests.netns.fixtures import topology  # noqa: F401  # pylint: disable=unused-import
from tests.e2e.seed_helpers import HOST_IPS, WORKERS, Story, seed_lab, write_inventory
from tests.e2e.test_seed_story import AUTO

pytestmark = [pytest.mark.netns, pytest.mark.slow]


@pytest.fixture
def story(topology, tmp_path):  # noqa: F811
    inventory = write_inventory(topology, node_access="ssh")   # one probe per node HOST: the SSH path
    with seed_lab(topology, tmp_path) as lab:
        yield Story(topology, lab, inventory)


def _ran(res, host, prefix):
    return [r["task"] for r in res.task_results(host) if not r.get("skipped") and prefix in (r.get("task") or "")]


def test_converged_run_probes_once_and_leaves_the_firewall_alone(story):
    res = story.run("auto.yml", **AUTO)
    assert res.rc == 0 and res.changed() > 0, res.describe()
    assert _ran(res, "database", "egressip_firewall : Apply"), "the first run applies the firewall"
    ip = story.ns_ips()[0]
    node = story.active()[ip]

    again = story.run("auto.yml", **AUTO)
    assert again.rc == 0 and again.changed() == 0, again.describe()
    for w in WORKERS:
        probes = _ran(again, w, "egressip_node_check : Probe")
        assert len(probes) == 1, probes
        result = again.facts(w)["egressip_node_check_result"]
        assert result["mode"] == "verify" and result["checked"][ip]["holder"] == node, result
    assert _ran(again, "database", "egressip_firewall :") == [], _ran(again, "database", "egressip_firewall :")

    # the table deleted by hand: a converged run does not look, egressip_firewall_recheck re-applies it
    story.topo.run_in("database", ["nft", "delete", "table", "inet", "egressip"])
    assert story.probe(node, HOST_IPS[node]) == "open"
    fixed = story.run("auto.yml", egressip_firewall_recheck=True, **AUTO)
    assert fixed.rc == 0 and fixed.changed("database") > 0, fixed.describe()
    assert story.probe(node, HOST_IPS[node]) == "timeout" and story.probe(node, ip) == "open"
