"""egressip_hostsubnet / egressip_netnamespace / egressip_facts against the lab, run by
ansible-playbook; assertions on the JSON output AND on the lab's /_lab/stats and events."""
import time

import pytest

from tests.lab.fixtures import start_lab
from tests.integration.helpers import (
    CIDR_AUTO, delta, egress, error_events, hostsubnet, netnamespace, patch_hostsubnet,
    patch_netnamespace, run_tasks,
)

IP1, IP2 = "198.51.100.120", "198.51.100.121"
AUTO_HS = {"ocp.egressip.egressip_hostsubnet": {"hostsubnets": [
    {"name": "worker01", "egress_cidrs": [CIDR_AUTO]},
    {"name": "worker02", "egress_cidrs": [CIDR_AUTO]}]}}
AUTO_NS = {"ocp.egressip.egressip_netnamespace": {"name": "mywebserver", "egress_ips": [IP1]}}
STATIC_NS = {"ocp.egressip.egressip_netnamespace": {
    "name": "mywebserver", "egress_ips": [IP1, IP2], "mode": "manual", "nodes": ["worker01", "worker02"],
    "node_network": "198.51.100.0/24", "node_interface": "enp1s0"}}
FACTS = {"ocp.egressip.egressip_facts": {"format": "table", "details": True}}


def facts(tmp_path, lab):
    res = run_tasks(tmp_path, lab, [FACTS], name="facts")
    assert res.rc == 0, res
    out = res.result(0)
    assert out["changed"] is False
    return out


def wait_assigned(tmp_path, lab, ip, not_node=None, tries=20):
    for _try in range(tries):
        out = facts(tmp_path, lab)
        node = out["egressip"]["assignments"].get(ip, {}).get("node")
        if node and node != not_node:
            return out, node
        time.sleep(0.3)
    raise AssertionError("%s never assigned (%s)" % (ip, out["egressip"]["assignments"]))


def test_seed_auto_mode_and_failover(tmp_path, seed_lab):
    lab = seed_lab
    s0 = lab.stats()
    res = run_tasks(tmp_path, lab, [AUTO_HS, AUTO_NS])
    assert res.rc == 0, res
    hs, ns = res.result(0), res.result(1)
    assert hs["changed"] and ns["changed"]
    assert hs["written"] == ["HostSubnet/worker01", "HostSubnet/worker02"]
    assert ns["egress_ips"] == [IP1]
    d = delta(s0, lab.stats())
    # one LIST per kind per task, one PATCH per changed object; the lock: one create, then
    # the 2nd task takes over the released Lease (PUT) and each task clears it (PATCH)
    assert d["by_kind"]["HostSubnet"] == {"list": 2, "patch": 2}
    assert d["by_kind"]["NetNamespace"] == {"list": 2, "patch": 1}
    assert d["by_kind"]["Node"] == {"list": 2}
    assert d["writes"] == 3 + 4, d
    assert egress(hostsubnet(lab, "worker01"))["egressCIDRs"] == [CIDR_AUTO]
    assert netnamespace(lab, "mywebserver")["egressIPs"] == [IP1]
    # the lab's controller assigns the IP to one node; facts show it
    out, node = wait_assigned(tmp_path, lab, IP1)
    eip = out["egressip"]
    assert "ansible_facts" not in out          # returned once (as_facts: true moves them there)
    assert eip["network_type"] == "OpenShiftSDN" and eip["mode"] == "auto"
    assert node in ("worker01", "worker02")
    assert eip["assignments"][IP1]["namespace"] == "mywebserver"
    assert {"name": "mywebserver", "netid": 5281170, "egress_ips": [IP1]} in eip["namespaces"]
    row = [n for n in eip["nodes"] if n["name"] == node][0]
    assert row["egress_ips"] == [IP1] and row["ready"] is True and row["host_ip"].startswith("198.51.100.")
    assert eip["capacity"]["cidrs"][CIDR_AUTO]["used"] == 1
    assert eip["capacity"]["cidrs"][CIDR_AUTO]["nodes"] == ["worker01", "worker02"]
    lines = out["table_lines"]
    assert lines[0].split() == ["NAME", "HOST", "HOST", "IP", "SUBNET", "EGRESS", "CIDRS", "EGRESS", "IPS"]
    assert any(line.startswith(node) and line.endswith("[%s]   [%s]" % (CIDR_AUTO, IP1)) for line in lines), lines
    assert "mywebserver   5281170   [%s]" % IP1 in lines
    # the node goes NotReady: the controller moves the IP to the other node
    lab.set_ready(node, False)
    other = "worker02" if node == "worker01" else "worker01"
    out, moved = wait_assigned(tmp_path, lab, IP1, not_node=node)
    assert moved == other
    rows = dict((n["name"], n) for n in out["egressip"]["nodes"])
    assert rows[node]["ready"] is False and rows[other]["egress_ips"] == [IP1]
    assert error_events(lab) == []


def test_seed_static_mode(tmp_path, seed_lab):
    lab = seed_lab
    s0 = lab.stats()
    res = run_tasks(tmp_path, lab, [STATIC_NS])
    assert res.rc == 0, res
    out = res.result(0)
    assert out["assignments"] == {IP1: "worker01", IP2: "worker02"}
    # pins first, then the namespace (a failure part-way leaves a valid state)
    assert out["plan"]["order"] == ["HostSubnet/worker01", "HostSubnet/worker02", "NetNamespace/mywebserver"]
    d = delta(s0, lab.stats())
    assert netnamespace(lab, "mywebserver")["egressIPs"] == [IP1, IP2]
    assert hostsubnet(lab, "worker01")["egressIPs"] == [IP1]
    assert hostsubnet(lab, "worker02")["egressIPs"] == [IP2]
    assert d["by_kind"]["HostSubnet"] == {"list": 1, "patch": 2}
    assert d["by_kind"]["NetNamespace"] == {"list": 1, "patch": 1}
    assert not [f for f in out["findings"] if f["severity"] == "error"]
    time.sleep(0.5)
    assert error_events(lab) == []
    eip = facts(tmp_path, lab)["egressip"]
    assert eip["mode"] == "manual"
    assert eip["assignments"][IP1]["node"] == "worker01" and eip["assignments"][IP2]["node"] == "worker02"


def _set_up(lab, mode):
    if mode == "auto":
        for name in ("worker01", "worker02"):
            patch_hostsubnet(lab, name, {"egressCIDRs": [CIDR_AUTO]})
    elif mode == "static-ns":
        patch_netnamespace(lab, "mywebserver", {"egressIPs": [IP1, IP2]})


def ns_task(**options):
    return {"ocp.egressip.egressip_netnamespace": dict(name="mywebserver", **options)}


ERROR_CASES = {
    # the blog's errors done by hand, attempted through the modules
    "same-ips-on-both-nodes": (
        "static-ns",
        {"ocp.egressip.egressip_hostsubnet": {"hostsubnets": [
            {"name": "worker01", "egress_ips": [IP1, IP2]}, {"name": "worker02", "egress_ips": [IP1, IP2]}]}},
        ["Multiple nodes (", "claiming EgressIP"]),
    "two-ips-one-node": (
        "static-ns",
        {"ocp.egressip.egressip_hostsubnet": {"name": "worker01", "egress_ips": [IP1, IP2]}},
        ["Multiple EgressIPs (%s, %s) for VNID 5281170 on node" % (IP1, IP2)]),
    "outside-network-auto": (
        "auto",
        {"ocp.egressip.egressip_netnamespace": {"name": "mywebserver", "egress_ips": ["203.0.113.81"]}},
        ['"203.0.113.81"', "no node can host it"]),
    "outside-network-manual": (
        None,
        ns_task(egress_ips=["203.0.113.81"], mode="manual", node_network="198.51.100.0/24", node_interface="enp1s0"),
        ['egress IP "203.0.113.81" is not in local network 198.51.100.0/24 of interface enp1s0 (HostSubnet "worker01"']),
    "node-ip-manual": (
        None,
        ns_task(egress_ips=["198.51.100.144"], mode="manual", nodes=["worker01"], node_network="198.51.100.0/24"),
        ['desired egress IP "198.51.100.144" is the node IP (egressIPs of HostSubnet "worker01"']),
    "node-ip-auto": (
        "auto",
        {"ocp.egressip.egressip_netnamespace": {"name": "mywebserver", "egress_ips": ["198.51.100.145"]}},
        ['egress IP "198.51.100.145" is the host IP of node "worker02"']),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_errors_fail_without_writing(tmp_path, seed_lab, case):
    lab = seed_lab
    setup, task, expected = ERROR_CASES[case]
    _set_up(lab, setup)
    time.sleep(0.3)
    events0 = error_events(lab)
    before = dict((n, egress(hostsubnet(lab, n))) for n in ("worker01", "worker02"))
    s0 = lab.stats()
    res = run_tasks(tmp_path, lab, [task])
    assert res.rc != 0
    out = res.result(0)
    assert out.get("failed") is True
    for text in expected:
        assert text in out["msg"], out["msg"]
    assert out["msg"].startswith("refusing to write")
    assert any(f["blocking"] and f["severity"] == "error" for f in out["findings"])
    time.sleep(0.3)
    d = delta(s0, lab.stats())
    assert d["writes"] == 0, d
    assert error_events(lab) == events0
    assert dict((n, egress(hostsubnet(lab, n))) for n in ("worker01", "worker02")) == before


def test_idempotence_check_mode_and_diff(tmp_path, seed_lab):
    lab = seed_lab
    # check mode first: nothing written, the diff says what would change
    s0 = lab.stats()
    res = run_tasks(tmp_path, lab, [AUTO_HS, STATIC_NS], check=True, diff=True)
    assert res.rc == 0, res
    hs = res.result(0)
    assert hs["changed"] is True
    assert hs["diff"]["before"]["HostSubnet/worker01"] == {"egressCIDRs": []}
    assert hs["diff"]["after"]["HostSubnet/worker01"] == {"egressCIDRs": [CIDR_AUTO]}
    assert delta(s0, lab.stats())["writes"] == 0
    assert egress(hostsubnet(lab, "worker01")) == {"egressCIDRs": [], "egressIPs": []}
    # static mode check: pins and namespace in the diff
    res = run_tasks(tmp_path, lab, [STATIC_NS], check=True, diff=True)
    ns = res.result(0)
    assert ns["diff"]["after"] == {"HostSubnet/worker01": {"egressIPs": [IP1]},
                                   "HostSubnet/worker02": {"egressIPs": [IP2]},
                                   "NetNamespace/mywebserver": {"egressIPs": [IP1, IP2]}}
    assert ns["diff"]["before"]["NetNamespace/mywebserver"] == {"egressIPs": []}
    assert delta(s0, lab.stats())["writes"] == 0
    # apply, then apply again: changed=false and zero writes
    res = run_tasks(tmp_path, lab, [STATIC_NS])
    assert res.rc == 0 and res.result(0)["changed"] is True
    s1 = lab.stats()
    res = run_tasks(tmp_path, lab, [STATIC_NS, STATIC_NS])
    assert res.rc == 0, res
    assert [t["changed"] for t in res.tasks] == [False, False]
    d = delta(s1, lab.stats())
    assert d["writes"] == 0, d
    # a converged run: Network GET, Lease GET, one LIST per kind
    assert d["total"] == 2 * 5, d


def test_conflict_on_first_patch_is_retried(tmp_path, seed_lab):
    lab = seed_lab
    lab.fault(verb="patch", kind="HostSubnet", status=409, count=1)
    s0 = lab.stats()
    res = run_tasks(tmp_path, lab, [STATIC_NS])
    assert res.rc == 0, res
    out = res.result(0)
    assert out["attempts"] == 2
    d = delta(s0, lab.stats())
    assert netnamespace(lab, "mywebserver")["egressIPs"] == [IP1, IP2]
    assert hostsubnet(lab, "worker01")["egressIPs"] == [IP1]
    assert hostsubnet(lab, "worker02")["egressIPs"] == [IP2]
    # 1 failed + 3 successful patches; re-read once (one more LIST per kind)
    assert d["by_kind"]["HostSubnet"] == {"list": 2, "patch": 3}
    assert d["by_kind"]["NetNamespace"] == {"list": 2, "patch": 1}


def test_server_error_part_way_rolls_back(tmp_path, seed_lab):
    lab = seed_lab
    before = dict((n, egress(hostsubnet(lab, n))) for n in ("worker01", "worker02"))
    # HostSubnets are written first, then the NetNamespace: fail that one
    lab.fault(verb="patch", kind="NetNamespace", status=500, count=1)
    res = run_tasks(tmp_path, lab, [STATIC_NS])
    assert res.rc != 0
    out = res.result(0)
    assert "writing NetNamespace/mywebserver failed" in out["msg"] and "500" in out["msg"]
    assert out["written"] == ["HostSubnet/worker01", "HostSubnet/worker02"]
    assert out["rolled_back"] == ["HostSubnet/worker02", "HostSubnet/worker01"]
    assert out["not_written"] == ["NetNamespace/mywebserver"]
    # untouched
    assert dict((n, egress(hostsubnet(lab, n))) for n in ("worker01", "worker02")) == before
    assert netnamespace(lab, "mywebserver").get("egressIPs") in (None, [])
    # and the lock was released: the next run converges
    res = run_tasks(tmp_path, lab, [STATIC_NS])
    assert res.rc == 0, res
    assert res.result(0)["lock"]["waited"] < 5


def test_server_error_on_first_patch_leaves_cluster_untouched(tmp_path, seed_lab):
    lab = seed_lab
    lab.fault(verb="patch", kind="HostSubnet", status=500, count=1)
    s0 = lab.stats()
    res = run_tasks(tmp_path, lab, [AUTO_HS])
    assert res.rc != 0
    out = res.result(0)
    assert out["written"] == [] and out["not_written"] == ["HostSubnet/worker01", "HostSubnet/worker02"]
    d = delta(s0, lab.stats())
    assert d["by_kind"]["HostSubnet"]["patch"] == 1
    assert egress(hostsubnet(lab, "worker01")) == {"egressCIDRs": [], "egressIPs": []}


def test_batch_200_namespaces(tmp_path):
    with start_lab(tmp_path, scenario="scale:4:200") as lab:
        nodes = ["node-%04d" % i for i in range(1, 5)]
        names = ["ns-%04d" % i for i in range(1, 201)]
        res = run_tasks(tmp_path, lab, [{"ocp.egressip.egressip_hostsubnet": {
            "hostsubnets": [{"name": n, "egress_cidrs": ["198.18.1.0/24"]} for n in nodes]}}], name="hs")
        assert res.rc == 0, res
        s0 = lab.stats()
        task = {"ocp.egressip.egressip_netnamespace": {"netnamespaces": [{"name": n} for n in names], "count": 1}}
        res = run_tasks(tmp_path, lab, [task], name="ns")
        assert res.rc == 0, res
        out = res.result(0)
        assert len(out["written"]) == 200
        ips = [out["namespaces"][n]["egress_ips"][0] for n in names]
        assert len(set(ips)) == 200 and all(ip.startswith("198.18.1.") for ip in ips)
        d = delta(s0, lab.stats())
        assert d["by_kind"]["NetNamespace"] == {"list": 1, "patch": 200}, d
        assert d["by_kind"]["HostSubnet"] == {"list": 1}, d
        assert d["by_kind"]["Node"] == {"list": 1}, d
        assert d["writes"] == 200 + 2, d      # + Lease take-over and release
        # converged re-run: zero writes
        s1 = lab.stats()
        res = run_tasks(tmp_path, lab, [task], name="ns2")
        assert res.rc == 0 and res.result(0)["changed"] is False
        d = delta(s1, lab.stats())
        assert d["writes"] == 0 and d["total"] == 5, d


def test_release_unpins_after_the_namespace(tmp_path, seed_lab):
    lab = seed_lab
    res = run_tasks(tmp_path, lab, [STATIC_NS])
    assert res.rc == 0, res
    s0 = lab.stats()
    release = {"ocp.egressip.egressip_netnamespace": {"name": "mywebserver", "state": "absent"}}
    res = run_tasks(tmp_path, lab, [release, release], name="release")
    assert res.rc == 0, res
    out = res.result(0)
    # the namespace stops using the IPs before they are unpinned
    assert out["plan"]["order"] == ["NetNamespace/mywebserver", "HostSubnet/worker01", "HostSubnet/worker02"]
    assert out["egress_ips"] == [] and res.result(1)["changed"] is False
    d = delta(s0, lab.stats())
    assert d["by_kind"]["NetNamespace"]["patch"] == 1 and d["by_kind"]["HostSubnet"]["patch"] == 2
    assert not netnamespace(lab, "mywebserver").get("egressIPs")
    assert not hostsubnet(lab, "worker01").get("egressIPs") and not hostsubnet(lab, "worker02").get("egressIPs")


def test_preexisting_unrelated_error_does_not_block_fixing_things(tmp_path, seed_lab):
    lab = seed_lab
    # a hand-made error on master01/master02 (both claim an IP of kube-system)
    patch_netnamespace(lab, "kube-system", {"egressIPs": ["198.51.100.130"]})
    for name in ("master01", "master02"):
        patch_hostsubnet(lab, name, {"egressIPs": ["198.51.100.130"]})
    res = run_tasks(tmp_path, lab, [STATIC_NS])
    assert res.rc == 0, res
    out = res.result(0)
    pre = [f for f in out["findings"] if f["code"] == "IP_MULTIPLE_NODES"]
    assert pre and pre[0]["blocking"] is False
    assert netnamespace(lab, "mywebserver")["egressIPs"] == [IP1, IP2]
    # ... but a task touching those objects is blocked
    s0 = lab.stats()
    res = run_tasks(tmp_path, lab, [{"ocp.egressip.egressip_hostsubnet": {"name": "master01", "egress_cidrs": []}}],
                    name="touch")
    assert res.rc != 0 and "Multiple nodes" in res.result(0)["msg"]
    assert delta(s0, lab.stats())["writes"] == 0


def test_allocate_count_manual_mode_pins_one_per_node(tmp_path, seed_lab):
    lab = seed_lab
    task = {"ocp.egressip.egressip_netnamespace": {
        "name": "mywebserver", "count": 2, "mode": "manual", "nodes": ["worker01", "worker02"],
        "pool": ["198.51.100.120-198.51.100.129"], "node_network": "198.51.100.0/24", "reserved_ips": ["198.51.100.120"]}}
    res = run_tasks(tmp_path, lab, [task, task])
    assert res.rc == 0, res
    out = res.result(0)
    ips = out["egress_ips"]
    assert len(ips) == 2 and "198.51.100.120" not in ips
    assert sorted(out["assignments"].values()) == ["worker01", "worker02"]
    assert res.result(1)["changed"] is False and res.result(1)["egress_ips"] == ips
    assert netnamespace(lab, "mywebserver")["egressIPs"] == ips
    pinned = hostsubnet(lab, "worker01").get("egressIPs", []) + hostsubnet(lab, "worker02").get("egressIPs", [])
    assert sorted(pinned) == sorted(ips)
