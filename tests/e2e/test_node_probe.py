"""Module ocp.egressip.egressip_node_probe: node checks through the API (a pod per node, as
`oc debug node` does) against the lab, whose kubelet runs each pod's command inside the node's
network namespace (tests/netns). Every case ends with no probe pod left and no write to the
egress objects."""
import os
import time

import pytest
import yaml

from tests.lab.fixtures import start_lab
from tests.netns import add_addr, del_addr, run_in
from tests.netns.fixtures import clean_topology, topology  # noqa: F401  # pylint: disable=unused-import
from tests.reliability.common import ROOT, play, start_play, finish_play

pytestmark = [pytest.mark.netns, pytest.mark.slow]

PROBE = "ocp.egressip.egressip_node_probe"
NS = "egressip-node-probe"
WORKERS = ("worker01", "worker02")


def apply_probe_namespace(lab):
    """What a cluster admin applies from rbac/: the probe namespace."""
    with open(os.path.join(ROOT, "rbac", "namespace-node-probe.yml")) as fh:
        lab.post("/api/v1/namespaces", yaml.safe_load(fh))


@pytest.fixture
def probe_lab(clean_topology, tmp_path):  # noqa: F811
    topo = clean_topology
    dataplane = ",".join("%s=%s:enp1s0" % (w, topo.ns(w)) for w in WORKERS)
    with start_lab(tmp_path, extra_args=["--dataplane", dataplane]) as lab:
        apply_probe_namespace(lab)
        lab.reset()
        lab.topo = topo
        yield lab
        # the pod is gone after every test, and nothing but the probe pods was written
        assert lab.pods(NS) == []
        assert lab.collection_writes() == []


def probe(tmp_path, lab, name="probe", **options):
    options.setdefault("arping_count", 1)
    options.setdefault("arping_timeout", 1)
    return play(tmp_path, lab, [{"name": name, PROBE: options, "ignore_errors": True}], name=name)


def nodes(*names, ips=()):
    return [{"name": n, "ips": list(ips)} for n in names]


def test_preflight_reads_the_nodes_and_catches_an_address_answering_arp(probe_lab, tmp_path):
    # the squatter namespace holds 198.51.100.150 on the node LAN
    run = probe(tmp_path, probe_lab, nodes=nodes(*WORKERS, ips=["198.51.100.150", "198.51.100.171"]))
    res = run.result("probe")
    assert res.get("failed") is not True, run.describe()
    assert res["access"] == "api" and res["errors"] == {} and res["pods_left"] == []
    for w in WORKERS:
        r = res["node_results"][w]
        assert (r["interface"], r["network"], r["node_ip"]) == ("enp1s0", "198.51.100.0/24", probe_lab.topo.ip(w))
        assert r["checked"]["198.51.100.171"]["arping"]["rc"] == 0      # free: arping really ran, no answer
    in_use = [f for f in res["findings"] if f["kind"] == "in_use"]
    assert sorted(f["node"] for f in in_use) == list(WORKERS)
    assert all(f["ip"] == "198.51.100.150" and f["mac"] for f in in_use)
    assert ('egress IP "198.51.100.150" is already in use on local network 198.51.100.0/24: it answers ARP from'
            in in_use[0]["msg"])
    stats = probe_lab.stats()["by_kind"]["Pod"]
    assert stats["create"] == 2 and stats["delete"] >= 2


def test_verify_finds_the_ip_on_the_node_the_cluster_names_only(probe_lab, tmp_path):
    topo = probe_lab.topo
    add_addr(topo.ns("worker02"), "198.51.100.176", 24, "enp1s0")
    try:
        good = probe(tmp_path, probe_lab, name="good", mode="verify", nodes=nodes(*WORKERS),
                     holders={"198.51.100.176": "worker02"}).result("good")
        assert good["findings"] == [] and good["node_results"]["worker01"]["checked"]["198.51.100.176"]["present"] is False
        bad = probe(tmp_path, probe_lab, name="bad", mode="verify", nodes=nodes(*WORKERS),
                    holders={"198.51.100.176": "worker01"}).result("bad")
        assert sorted(f["kind"] for f in bad["findings"]) == ["missing", "unexpected"], bad
    finally:
        del_addr(topo.ns("worker02"), "198.51.100.176", 24, "enp1s0")


def test_ipv6_duplicate_address_found_through_neighbour_discovery(probe_lab, tmp_path):
    topo = probe_lab.topo
    added = [("worker01", "2001:db8:100::144"), ("worker02", "2001:db8:100::145"), ("worker02", "2001:db8:100::99")]
    # the topology turns IPv6 off (no stray router solicitations); on for the two workers' enp1s0 here
    for host in WORKERS:
        run_in(topo.ns(host), ["sysctl", "-q", "-w", "net.ipv6.conf.enp1s0.disable_ipv6=0"])
    for host, ip in added:   # nodad: usable at once (no kernel duplicate address detection wait)
        run_in(topo.ns(host), ["ip", "-6", "addr", "add", ip + "/64", "dev", "enp1s0", "nodad"])
    try:
        res = probe(tmp_path, probe_lab, nodes=nodes("worker01", ips=["2001:db8:100::99", "2001:db8:100::98",
                                                                      "2001:db8:200::1"])).result("probe")
        r = res["node_results"]["worker01"]
        assert "2001:db8:100::/64" in r["networks"], r
        kinds = dict((f["ip"], f["kind"]) for f in res["findings"])
        assert kinds == {"2001:db8:100::99": "in_use", "2001:db8:200::1": "not_in_network"}, res["findings"]
        assert r["checked"]["2001:db8:100::98"]["arping"]["rc"] == 0
        assert "answers neighbour discovery" in [f for f in res["findings"] if f["kind"] == "in_use"][0]["msg"]
    finally:
        for host, ip in added:
            run_in(topo.ns(host), ["ip", "-6", "addr", "del", ip + "/64", "dev", "enp1s0"], check=False)
        for host in WORKERS:
            run_in(topo.ns(host), ["sysctl", "-q", "-w", "net.ipv6.conf.enp1s0.disable_ipv6=1"], check=False)


def _failed(run, name="probe"):
    res = run.result(name)
    assert res.get("failed") is True, run.describe()
    assert res["pods_left"] == []
    return res


def test_node_without_data_plane_fails_like_an_image_pull_error(probe_lab, tmp_path):
    res = _failed(probe(tmp_path, probe_lab, nodes=nodes("master01", "worker01")))
    assert res["reasons"] == {"master01": "ImagePullBackOff"} or res["reasons"] == {"master01": "ErrImagePull"}
    assert "node master01: the probe image registry.redhat.io/rhel9/support-tools cannot be pulled" in res["msg"]
    assert "Mirror it" in res["msg"] and "nothing was written to the egress objects" in res["msg"]
    assert "worker01" in res["node_results"]          # the other node was still probed


def test_unpullable_image(probe_lab, tmp_path):
    res = _failed(probe(tmp_path, probe_lab, nodes=nodes("worker01"), image="registry.invalid/tools:1"))
    assert "registry.invalid/tools:1 cannot be pulled" in res["msg"] and "no such host" in res["msg"]


def test_not_ready_node_times_out_naming_the_node(probe_lab, tmp_path):
    probe_lab.post("/_lab/nodes/worker02/ready", {"ready": False})
    res = _failed(probe(tmp_path, probe_lab, nodes=nodes(*WORKERS), timeout=5))
    assert res["reasons"] == {"worker02": "NodeNotReady"}
    assert "node worker02 is NotReady (NodeStatusUnknown): its kubelet did not start the probe pod within 5 s" \
        in res["msg"]


def test_untolerated_noexecute_taint_is_named(probe_lab, tmp_path):
    probe_lab.patch("/api/v1/nodes/worker01", {"spec": {"taints": [
        {"key": "example.com/maintenance", "value": "true", "effect": "NoExecute"}]}})
    res = _failed(probe(tmp_path, probe_lab, nodes=nodes("worker01")))
    assert res["reasons"] == {"worker01": "Taint"}
    assert "untolerated taint {example.com/maintenance: true}" in res["msg"]
    assert "remove the taint" in res["msg"]


def test_scc_denies_privileged(probe_lab, tmp_path):
    probe_lab.post("/_lab/scc", {"privileged": False})
    res = _failed(probe(tmp_path, probe_lab, nodes=nodes("worker01")))
    assert res["reasons"] == {"worker01": "Forbidden"}
    assert "unable to validate against any security context constraint" in res["msg"]
    assert "use of the SCC 'privileged'" in res["msg"]
    assert probe_lab.stats()["by_kind"]["Pod"]["create"] == 1 and "delete" not in probe_lab.stats()["by_kind"]["Pod"]


def test_log_unreadable(probe_lab, tmp_path):
    probe_lab.fault(verb="get", kind="Pod", subresource="log", status=500)
    res = _failed(probe(tmp_path, probe_lab, nodes=nodes("worker01")))
    assert res["reasons"] == {"worker01": "LogUnreadable"}
    assert "node worker01: the probe finished but its log cannot be read" in res["msg"] and "10250" in res["msg"]


def test_missing_namespace_says_how_to_create_it(probe_lab, tmp_path):
    res = _failed(probe(tmp_path, probe_lab, nodes=nodes("worker01"), namespace="nowhere"))
    assert res["reasons"] == {"worker01": "NamespaceNotFound"}
    assert 'namespaces "nowhere" not found' in res["msg"] and "rbac/namespace-node-probe.yml" in res["msg"]


def test_node_deleted_mid_probe(probe_lab, tmp_path):
    probe_lab.post("/_lab/nodes/worker02/ready", {"ready": False})   # its pod waits in Pending
    started = start_play(tmp_path, probe_lab, [{"name": "probe", PROBE: {"nodes": nodes(*WORKERS), "timeout": 60},
                                                "ignore_errors": True}], name="probe")
    deadline = time.time() + 30
    while not [p for p in probe_lab.pods(NS) if "worker02" in p] and time.time() < deadline:
        time.sleep(0.2)
    probe_lab.delete("/api/v1/nodes/worker02")
    res = _failed(finish_play(started))
    assert res["reasons"] == {"worker02": "NodeDeleted"}
    assert "node worker02 was deleted during the probe" in res["msg"]
    assert "worker01" in res["node_results"]


def test_sigterm_deletes_the_pods(probe_lab, tmp_path):
    probe_lab.post("/_lab/nodes/worker01/ready", {"ready": False})
    started = start_play(tmp_path, probe_lab, [{"name": "probe", PROBE: {"nodes": nodes("worker01"), "timeout": 60}}],
                         name="probe")
    deadline = time.time() + 30
    while not probe_lab.pods(NS) and time.time() < deadline:
        time.sleep(0.2)
    assert probe_lab.pods(NS)
    # the module process (python running AnsiballZ) gets SIGTERM, as on a task timeout or an AWX cancel
    from tests.reliability.common import descendants
    import signal
    module_pids = [p for p in descendants(started[0].pid)
                   if os.path.basename(_cmdline(p).split(" ")[0]).startswith("python")
                   and "ansible-playbook" not in _cmdline(p)]
    assert module_pids
    for pid in module_pids:
        os.kill(pid, signal.SIGTERM)
    run = finish_play(started)
    assert run.rc != 0
    assert "interrupted" in run.stdout
    assert probe_lab.pods(NS) == []


def _cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def test_check_mode_creates_nothing_and_bad_options_name_the_field(probe_lab, tmp_path):
    run = play(tmp_path, probe_lab, [{"name": "probe", PROBE: {"nodes": nodes("worker01")}}], name="check",
               args=["--check"])
    res = run.result("probe")
    assert res.get("skipped") is True and "check mode" in res["msg"]
    bad = probe(tmp_path, probe_lab, name="bad", nodes=[{"name": "Worker_01", "ips": ["198.51.100.300"]}],
                timeout=2).result("bad")
    assert bad["failed"] is True
    assert "nodes[].name is not a node name: 'Worker_01'" in bad["msg"]
    assert "nodes[Worker_01].ips: not an IP address: '198.51.100.300'" in bad["msg"]
    assert "timeout: 2 is not in 5-3600" in bad["msg"]
    assert "Pod" not in probe_lab.stats()["by_kind"]


def test_parallel_is_bounded(probe_lab, tmp_path):
    """Two nodes, parallel 1: the second pod is created only after the first is deleted."""
    run = probe(tmp_path, probe_lab, nodes=nodes(*WORKERS), parallel=1)
    assert run.result("probe").get("failed") is not True, run.describe()
    verbs = [r["verb"] for r in probe_lab.requests() if r.get("kind") == "Pod" and r["verb"] in ("create", "delete")]
    assert verbs == ["create", "delete", "create", "delete"], verbs
