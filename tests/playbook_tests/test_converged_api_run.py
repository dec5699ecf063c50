"""A converged auto.yml (API only, localhost) reads the cluster once: two module runs (facts, the
NetNamespace plan in check mode; the HostSubnets already carry the CIDRs), no second read for the
wait, no write; a changing run plans and writes both kinds and reads again."""
from tests.lab.fixtures import start_lab
from tests.playbook_tests.test_playbooks_lab import CIDR, play

AUTO = {"namespace_name": "mywebserver", "auto_nodes": "worker01,worker02", "egress_cidr": CIDR,
        "pool": "198.51.100.120-198.51.100.129", "node_network": CIDR, "node_interface": "enp1s0", "targets": ""}


def _module_runs(lab):
    # every module run starts with one GET of the Network "cluster" (the network type)
    return lab.stats()["by_kind"].get("Network", {}).get("get", 0)


def test_converged_run_reads_the_cluster_once(tmp_path):
    with start_lab(tmp_path, scenario="seed") as lab:
        first = play(lab, tmp_path, "auto.yml", extra=AUTO)
        assert first.rc == 0 and first.changed > 0, first
        assert _module_runs(lab) == 6      # facts, 2 plans, 2 applies, the wait's read
        assert first.task("Wait until the cluster reports every egress IP on a node").get("skipped") is not True
        lab.reset()
        again = play(lab, tmp_path, "auto.yml", extra=AUTO)
        assert again.rc == 0 and again.changed == 0, again
        assert _module_runs(lab) == 2, lab.stats()
        assert lab.stats()["writes"] == 0
        assert again.task("Wait until the cluster reports every egress IP on a node")["skipped"] is True
        assert again.task("Plan the HostSubnets' egressCIDRs (check mode)")["skipped"] is True
        # the report still has the tables and the namespace's node
        result = again.task("Summarise")["ansible_facts"]["egressip_result"]
        assert result["table_lines"][0].startswith("NAME") and result["namespaces"]["mywebserver"]["nodes"]
