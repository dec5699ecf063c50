"""Issue 10 (and the extra-var part of issue 14) through the playbooks against the lab
(localhost only): check mode refuses what the real run refuses, the playbooks as documented
allocate no gateway or edge address, firewall targets are explicit, extra vars carry an
egressip_ prefix (old names deprecated) and messages name the variable the user set."""
import pytest

from tests.lab.fixtures import start_lab
from tests.playbook_tests.test_playbooks_lab import CIDR, NETNAMESPACE, play

REFUSAL = "more than one egress IP per namespace is not supported in automatic mode"


@pytest.fixture
def lab(tmp_path):
    with start_lab(tmp_path, scenario="seed") as lab:
        yield lab


def test_auto_count_2_is_refused_by_the_plan_in_check_mode_and_real_run(lab, tmp_path):
    """Before: --check passed (rc 0, changed), then the real run wrote the Lease and both
    HostSubnets and only then failed."""
    extra = {"egressip_namespace_name": "mywebserver", "egressip_auto_nodes": "worker01,worker02",
             "egressip_egress_cidr": CIDR, "egressip_count": 2, "egressip_node_network": CIDR}
    check = play(lab, tmp_path, "auto.yml", extra=extra, check=True)
    assert check.rc != 0 and REFUSAL in check.messages(), check
    assert lab.stats()["writes"] == 0
    real = play(lab, tmp_path, "auto.yml", extra=extra)
    assert real.rc != 0 and REFUSAL in real.messages(), real
    assert lab.stats()["writes"] == 0


def test_playbooks_as_documented_allocate_no_gateway_or_edge(lab, tmp_path):
    """auto.yml and static.yml with a count and without pool/gateway (docs/playbooks.md): never
    the node network's .1 (the router on most networks); the summary says what was skipped
    and that no firewall was changed (no targets named)."""
    auto = play(lab, tmp_path, "auto.yml", extra={
        "egressip_namespace_name": "mywebserver", "egressip_auto_nodes": "worker01,worker02",
        "egressip_egress_cidr": CIDR, "egressip_node_network": CIDR})
    assert auto.rc == 0, auto
    assert lab.get(NETNAMESPACE % "mywebserver")["egressIPs"] == ["198.51.100.2"]
    result = auto.task("Summarise")["ansible_facts"]["egressip_result"]
    assert [s["ip"] for s in result["skipped_addresses"]] == ["198.51.100.1"]
    assert "mywebserver: no firewall targets named: no firewall was changed" in result["notes"]
    assert play(lab, tmp_path, "release.yml", extra={"egressip_namespace_name": "mywebserver"}).rc == 0
    for node in ("worker01", "worker02"):
        lab.patch("/apis/network.openshift.io/v1/hostsubnets/%s" % node, {"egressCIDRs": None})
    static = play(lab, tmp_path, "static.yml", extra={
        "egressip_namespace_name": "mywebserver", "egressip_static_nodes": "worker01,worker02",
        "egressip_node_network": CIDR, "egressip_quarantine_period": 0})
    assert static.rc == 0, static
    ips = lab.get(NETNAMESPACE % "mywebserver")["egressIPs"]
    assert "198.51.100.1" not in ips and "198.51.100.254" not in ips and len(ips) == 2, ips
    # the address mywebserver released is quarantined: taken back by mywebserver only
    assert "198.51.100.2" in ips


@pytest.mark.parametrize("extra, text", [
    ({"namespace_name": "mywebserver", "auto_nodes": "worker01", "targets": ""},
     "auto_nodes given without egressip_egress_cidr"),
    ({"egressip_namespace_name": "mywebserver", "egressip_auto_nodes": "worker01"},
     "egressip_auto_nodes given without egressip_egress_cidr"),
    ({"egressip_namespace_name": "mywebserver", "egressip_node_network": "198.51.100.0/33"},
     "egressip_node_network not an IPv4 CIDR: 198.51.100.0/33"),
    ({"egressip_namespace_name": "mywebserver", "egressip_count": 0}, "egressip_count must be 1-256"),
    ({"namespace_name": "mywebserver", "count": 0}, "count must be 1-256"),
])
def test_messages_name_the_variable_the_user_set(lab, tmp_path, extra, text):
    res = play(lab, tmp_path, "auto.yml", extra=extra)
    assert res.rc != 0 and text in res.messages(), res
    assert lab.stats()["writes"] == 0


def test_old_extra_var_names_work_with_a_deprecation_warning(lab, tmp_path):
    res = play(lab, tmp_path, "auto.yml", extra={
        "namespace_name": "mywebserver", "auto_nodes": "worker01,worker02", "egress_cidr": CIDR,
        "pool": "198.51.100.120-198.51.100.129", "node_network": CIDR})
    assert res.rc == 0, res
    assert lab.get(NETNAMESPACE % "mywebserver")["egressIPs"] == ["198.51.100.120"]
    warned = res.task("Old extra var names (accepted for one release)")
    assert warned["renamed"] == {"namespace_name": "egressip_namespace_name", "auto_nodes": "egressip_auto_nodes",
                                 "egress_cidr": "egressip_egress_cidr", "pool": "egressip_pool",
                                 "node_network": "egressip_node_network"}
    # with the new names there is nothing to warn about
    again = play(lab, tmp_path, "auto.yml", extra={
        "egressip_namespace_name": "mywebserver", "egressip_auto_nodes": "worker01,worker02",
        "egressip_egress_cidr": CIDR, "egressip_pool": "198.51.100.120-198.51.100.129", "egressip_node_network": CIDR})
    assert again.rc == 0 and again.changed == 0, again
    assert again.task("Old extra var names (accepted for one release)").get("skipped")


def test_release_of_a_deleted_namespace(lab, tmp_path):
    """Before: 'NetNamespace not found: gone (create the project first)'."""
    res = play(lab, tmp_path, "release.yml", extra={"egressip_namespace_name": "gone"})
    assert res.rc == 0, res


def test_static_converts_an_automatic_namespace_and_auto_converts_it_back(lab, tmp_path):
    """Before: static.yml answered '...not supported in automatic mode' and no playbook cleared
    egressCIDRs."""
    auto = {"egressip_namespace_name": "mywebserver", "egressip_auto_nodes": "worker01,worker02",
            "egressip_egress_cidr": CIDR, "egressip_pool": "198.51.100.120-198.51.100.129", "egressip_node_network": CIDR}
    assert play(lab, tmp_path, "auto.yml", extra=auto).rc == 0
    static = {"egressip_namespace_name": "mywebserver", "egressip_node_network": CIDR,
              "egressip_egress_ips": "198.51.100.120=worker02, 198.51.100.121=worker01"}
    refused = play(lab, tmp_path, "static.yml", extra=static)
    assert refused.rc != 0, refused
    lab.reset()
    check = play(lab, tmp_path, "static.yml", extra=dict(static, egressip_convert=True), check=True)
    assert check.rc == 0 and check.changed > 0, check
    assert lab.stats()["writes"] == 0
    res = play(lab, tmp_path, "static.yml", extra=dict(static, egressip_convert=True))
    assert res.rc == 0, res
    hs = {n: lab.get("/apis/network.openshift.io/v1/hostsubnets/%s" % n) for n in ("worker01", "worker02")}
    assert [hs[n].get("egressCIDRs") or [] for n in ("worker01", "worker02")] == [[], []]
    assert hs["worker01"]["egressIPs"] == ["198.51.100.121"] and hs["worker02"]["egressIPs"] == ["198.51.100.120"]
    back = play(lab, tmp_path, "auto.yml", extra=dict(auto, egressip_egress_ips="198.51.100.120", egressip_convert=True))
    assert back.rc == 0, back
    assert lab.get(NETNAMESPACE % "mywebserver")["egressIPs"] == ["198.51.100.120"]
    assert lab.get("/apis/network.openshift.io/v1/hostsubnets/worker01")["egressCIDRs"] == [CIDR]


def test_report_lists_orphans(lab, tmp_path):
    lab.patch("/apis/network.openshift.io/v1/hostsubnets/worker01", {"egressIPs": ["198.51.100.99"]})
    base = tmp_path / "report"
    res = play(lab, tmp_path, "report.yml", extra={"egressip_report_path": str(base)})
    assert res.rc == 0, res
    md = (tmp_path / "report.md").read_text()
    orphans = md.split("## Orphans", 1)[1].split("## Findings", 1)[0]
    assert "`IP_UNUSED`" in orphans and "198.51.100.99" in orphans, orphans


def test_firewall_records_hold_addresses_and_failover_loss_is_noted(lab, tmp_path):
    """localhost doubles as a firewall target whose record still names a deleted project's .2:
    the role reads the record before the plan and the allocation passes .2 over; with one
    egress node the summary notes the lost failover; no targets named: the record is untouched."""
    import json
    state_dir = tmp_path / "fw"
    state_dir.mkdir()
    (state_dir / "namespaces.json").write_text(json.dumps({"gone-project": ["198.51.100.2"]}))
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"all": {"children": {"egressip_targets": {"hosts": {"localhost": {
        "egressip_firewall_state_dir": str(state_dir)}}}}}}))
    res = play(lab, tmp_path, "auto.yml", "-i", str(inventory), extra={
        "egressip_namespace_name": "mywebserver", "egressip_auto_nodes": "worker01",
        "egressip_egress_cidr": CIDR, "egressip_node_network": CIDR})
    assert res.rc == 0, res
    assert lab.get(NETNAMESPACE % "mywebserver")["egressIPs"] == ["198.51.100.3"]
    result = res.task("Summarise")["ansible_facts"]["egressip_result"]
    assert any(s["ip"] == "198.51.100.2" and "firewall record" in s["reason"] for s in result["skipped_addresses"]), result
    assert any(n.startswith("failover: ") and "only 1 Ready node" in n for n in result["notes"]), result["notes"]
    assert any("gone-project" in n and n.startswith("orphan: ") for n in result["notes"]), result["notes"]
    assert json.loads((state_dir / "namespaces.json").read_text()) == {"gone-project": ["198.51.100.2"]}
