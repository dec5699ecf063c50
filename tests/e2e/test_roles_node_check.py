"""Role ocp.egressip.egressip_node_check on the network-namespace hosts (tests/netns)."""
import pytest

from tests.netns import add_addr, ansible_playbook
from tests.netns.fixtures import clean_topology, topology  # noqa: F401  # pylint: disable=unused-import

pytestmark = [pytest.mark.netns, pytest.mark.slow]

PLAYBOOK = """
- hosts: "{{ target | default('nodes') }}"
  gather_facts: false
  vars:
    egressip_node_check_access: ssh
  roles:
    - role: ocp.egressip.egressip_node_check
"""


@pytest.fixture
def run(clean_topology, tmp_path):
    pb = tmp_path / "node_check.yml"
    pb.write_text(PLAYBOOK)

    def _run(check=False, diff=False, **extra):
        return ansible_playbook(clean_topology, str(pb), extra_vars=extra, check=check, diff=diff)
    _run.topo = clean_topology
    return _run


def _probe_ran(res, host):
    return any((r.get("task") or "").startswith("Probe") and not r.get("skipped")
               for r in res.task_results(host))


def test_outside_network_fails_naming_ip_node_and_interface(run):
    res = run(egressip_node_check_ips=["203.0.113.81"])
    assert res.rc != 0
    for node in ("worker01", "worker02"):
        assert res.failed(node) == 1
        assert ('egress IP "203.0.113.81" is not in local network 198.51.100.0/24 of interface enp1s0 on node %s'
                % node) in res.messages(node), res.describe()


def test_address_answering_arp_fails(run):
    # the squatter namespace holds 198.51.100.150
    res = run(target="worker01", egressip_node_check_ips=["198.51.100.150"])
    assert res.rc != 0
    msg = res.messages("worker01")
    assert 'egress IP "198.51.100.150" is already in use on local network 198.51.100.0/24' in msg, res.describe()
    assert "interface enp1s0 of node worker01" in msg
    findings = res.facts("worker01")["egressip_node_check_findings"]
    assert [f["kind"] for f in findings] == ["in_use"] and findings[0]["mac"]


def test_free_ip_passes_and_reports_network_facts(run):
    res = run(egressip_node_check_ips=["198.51.100.172", "198.51.100.173"])
    assert res.rc == 0, res.describe()
    assert res.changed() == 0
    for node in ("worker01", "worker02"):
        facts = res.facts(node)
        assert facts["egressip_node_network"] == "198.51.100.0/24"
        assert facts["egressip_node_interface"] == "enp1s0"
        assert facts["egressip_node_ip"] == run.topo.ip(node)
        assert facts["egressip_node_check_findings"] == []
        assert facts["egressip_node_networks"] == {"worker01": "198.51.100.0/24", "worker02": "198.51.100.0/24"}
        assert facts["egressip_node_interfaces"] == {"worker01": "enp1s0", "worker02": "enp1s0"}
        checked = facts["egressip_node_check_result"]["checked"]
        assert checked["198.51.100.172"]["arping"]["rc"] == 0


def test_node_ip_is_refused(run):
    res = run(target="worker02", egressip_node_check_ips=["198.51.100.145"])
    assert res.rc != 0
    assert 'egress IP "198.51.100.145" is the node IP of node worker02 (interface enp1s0)' in res.messages("worker02")


def test_ip_held_by_this_node_or_by_the_expected_holder_passes(run):
    add_addr(run.topo.ns("worker01"), "198.51.100.174", 24, "enp1s0")
    # worker01 holds it itself: fine; worker02 sees it answer ARP: a conflict ...
    res = run(egressip_node_check_ips=["198.51.100.174"])
    assert res.failed("worker01") == 0 and res.failed("worker02") == 1, res.describe()
    assert "already in use" in res.messages("worker02")
    # ... unless the cluster says worker01 holds it
    res = run(egressip_node_check_ips=["198.51.100.174"],
              egressip_node_check_expected_holders={"198.51.100.174": "worker01"})
    assert res.rc == 0, res.describe()


def test_verify_mode_checks_the_holder(run):
    add_addr(run.topo.ns("worker01"), "198.51.100.175", 24, "enp1s0")
    ok = run(egressip_node_check_mode="verify",
             egressip_node_check_expected_holders={"198.51.100.175": "worker01", "198.51.100.176": ""})
    assert ok.rc == 0, ok.describe()
    bad = run(egressip_node_check_mode="verify", egressip_node_check_expected_holders={"198.51.100.175": "worker02"})
    assert bad.failed("worker01") == 1 and bad.failed("worker02") == 1
    assert ('egress IP "198.51.100.175" is present on interface enp1s0 of node worker01 but the cluster assigns it '
            "to node worker02") in bad.messages("worker01")
    assert ('egress IP "198.51.100.175" is assigned to node worker02 by the cluster but is not present on interface '
            "enp1s0 of worker02") in bad.messages("worker02")


def test_check_mode_and_diff_are_clean(run):
    res = run(check=True, diff=True, egressip_node_check_ips=["198.51.100.177"])
    assert res.rc == 0, res.describe()
    assert res.changed() == 0
    assert res.facts("worker01")["egressip_node_interface"] == "enp1s0"


@pytest.mark.parametrize("extra, text", [
    ({"egressip_node_check_ips": ["198.51.100.1; touch /tmp/x"]}, "egressip_node_check_ips not IPv4"),
    ({"egressip_node_check_ips": ["300.1.2.3"]}, "egressip_node_check_ips not IPv4"),
    ({"egressip_node_check_expected_holders": {"198.51.100.180": "Bad Node!"}}, "values not node names"),
    ({"egressip_node_check_interface": "-enp1s0"}, "interface=-enp1s0"),
    ({"egressip_node_check_mode": "apply"}, "must be one of: preflight, verify"),
    ({"egressip_node_check_arping_count": "many"}, "egressip_node_check_arping_count"),
])
def test_bad_variables_fail_before_the_probe(run, extra, text):
    res = run(target="worker01", **extra)
    assert res.rc != 0
    assert text in res.messages("worker01"), res.describe()
    assert not _probe_ran(res, "worker01")
