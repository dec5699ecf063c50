"""Issue 10 through the module entry points against the lab (in-process, see inprocess.py):
addresses that may belong to someone else are never handed out, check mode tells the truth,
releases are quarantined, state=absent with egress_ips removes exactly those, failover loss
is a warning of the run."""
import pytest

from ansible_collections.ocp.egressip.plugins.modules import egressip_hostsubnet, egressip_netnamespace

from tests.integration.inprocess import run_module
from tests.lab.fixtures import LabError, start_lab

HS = "/apis/network.openshift.io/v1/hostsubnets/%s"
NN = "/apis/network.openshift.io/v1/netnamespaces/%s"
CM = "/api/v1/namespaces/default/configmaps/ocp-egressip-released"
NET = "198.51.100.0/24"
NODES = ("master01", "master02", "master03", "worker01", "worker02")
TENANTS = ("mywebserver", "payments")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with start_lab(tmp_path_factory.mktemp("safety"), scenario="seed") as lab:
        lab.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "payments"}})
        yield lab


def reset(lab, cidrs=None, pins=None, ns_ips=None):
    """Put the lab's egress fields in a known state (and forget the quarantine record)."""
    cidrs, pins, ns_ips = cidrs or {}, pins or {}, ns_ips or {}
    for ns in TENANTS:
        lab.patch(NN % ns, {"egressIPs": None})
    for n in NODES:
        lab.patch(HS % n, {"egressCIDRs": cidrs.get(n), "egressIPs": pins.get(n)})
    for ns, ips in ns_ips.items():
        lab.patch(NN % ns, {"egressIPs": ips})
    try:
        lab.delete(CM)
    except LabError as exc:
        assert exc.code == 404
    lab.reset()


def snapshot(lab):
    out = {}
    for n in NODES:
        obj = lab.get(HS % n)
        out["HostSubnet/" + n] = (obj.get("egressCIDRs") or [], obj.get("egressIPs") or [])
    for ns in TENANTS:
        out["NetNamespace/" + ns] = lab.get(NN % ns).get("egressIPs") or []
    return out


def netns(lab, check=False, **args):
    return run_module(egressip_netnamespace.main, args, lab, check=check)


def hostsubnets(lab, check=False, **args):
    return run_module(egressip_hostsubnet.main, args, lab, check=check)


def auto_cidrs():
    return {"worker01": [NET], "worker02": [NET]}


# --- 1. never hand out an address that belongs to someone else ---------------------------

def test_readme_example_allocates_no_gateway_or_edge(lab):
    """The README's "Use against a real cluster" tasks, as written: count 1 without pool or
    gateway must not take .1 (the router on most networks) nor .254."""
    reset(lab)
    hs = hostsubnets(lab, hostsubnets=[{"name": "worker01", "egress_cidrs": [NET]},
                                       {"name": "worker02", "egress_cidrs": [NET]}], node_network=NET)
    assert not hs.failed, hs
    out = netns(lab, name="mywebserver", count=1, node_network=NET)
    assert not out.failed, out
    assert out.result["egress_ips"] == ["198.51.100.2"]
    assert out.result["skipped_addresses"][0]["ip"] == "198.51.100.1" and "lowest usable" in out.result["skipped_addresses"][0]["reason"]
    # static with failover, as in the README: two more addresses, never .1/.254, never in use
    reset(lab)
    out = netns(lab, name="mywebserver", count=2, mode="manual", nodes=["worker01", "worker02"], node_network=NET)
    assert not out.failed, out
    assert out.result["egress_ips"] == ["198.51.100.2", "198.51.100.3"]


def test_learnt_gateways_are_passed_over_and_reported(lab):
    reset(lab, cidrs=auto_cidrs())
    out = netns(lab, name="mywebserver", count=1, node_network=NET, gateways=["198.51.100.2"])
    assert not out.failed, out
    assert out.result["egress_ips"] == ["198.51.100.3"]
    assert [(s["ip"], s["reason"]) for s in out.result["skipped_addresses"]][1] == ("198.51.100.2", "gateway of a node network")


def test_released_address_is_quarantined_for_other_namespaces(lab):
    """payments must not inherit mywebserver's released address (and its database access)."""
    reset(lab, cidrs=auto_cidrs())
    pool = ["198.51.100.120-198.51.100.121"]
    assert netns(lab, name="mywebserver", count=1, pool=pool, node_network=NET).result["egress_ips"] == ["198.51.100.120"]
    check = netns(lab, check=True, name="mywebserver", state="absent", node_network=NET)
    assert check.result["quarantine"] == {"released": {"198.51.100.120": "mywebserver"}, "period": 3600,
                                          "recorded": False}
    with pytest.raises(LabError):
        lab.get(CM)                                   # check mode wrote nothing
    gone = netns(lab, name="mywebserver", state="absent", node_network=NET)
    assert not gone.failed and gone.result["quarantine"]["recorded"] is True, gone
    assert "198.51.100.120" in lab.get(CM)["data"]["released.json"]
    out = netns(lab, name="payments", count=1, pool=pool, node_network=NET)
    assert out.result["egress_ips"] == ["198.51.100.121"], out
    assert any(s["ip"] == "198.51.100.120" and "quarantine" in s["reason"] for s in out.result["skipped_addresses"])
    # asked for explicitly: refused, naming the holder
    reset(lab, cidrs=auto_cidrs(), ns_ips={})
    netns(lab, name="mywebserver", egress_ips=["198.51.100.130"], node_network=NET)
    netns(lab, name="mywebserver", state="absent", node_network=NET)
    refused = netns(lab, name="payments", egress_ips=["198.51.100.130"], node_network=NET)
    assert refused.failed and "released by mywebserver" in refused.msg, refused
    # the owner may take it back; quarantine_period: 0 turns the quarantine off
    assert not netns(lab, check=True, name="mywebserver", egress_ips=["198.51.100.130"], node_network=NET).failed
    assert not netns(lab, check=True, name="payments", egress_ips=["198.51.100.130"], node_network=NET,
                     quarantine_period=0).failed


def test_firewall_records_hold_addresses(lab):
    reset(lab, cidrs=auto_cidrs())
    out = netns(lab, check=True, name="payments", count=1, pool=["198.51.100.140-198.51.100.150"], node_network=NET,
                held_ips={"198.51.100.140": "mywebserver"})
    assert out.result["egress_ips"] == ["198.51.100.146"] or out.result["egress_ips"][0] != "198.51.100.140", out
    assert any(s["ip"] == "198.51.100.140" and "firewall record" in s["reason"] for s in out.result["skipped_addresses"])


# --- 2. check mode tells the truth ------------------------------------------------------------

def test_auto_mode_two_ips_refused_by_the_plan(lab):
    """The role's plan before the HostSubnets carry egressCIDRs (assume_egress_cidrs) refuses what
    the real run would refuse: two IPs for one namespace in automatic mode."""
    reset(lab)
    plan = netns(lab, check=True, name="mywebserver", count=2, node_network=NET, assume_egress_cidrs=auto_cidrs())
    assert plan.failed and "more than one egress IP per namespace is not supported in automatic mode" in plan.msg
    assert netns(lab, check=True, name="mywebserver", count=1, node_network=NET,
                 assume_egress_cidrs=auto_cidrs()).result["egress_ips"] == ["198.51.100.2"]
    real = netns(lab, name="mywebserver", count=1, node_network=NET, assume_egress_cidrs=auto_cidrs())
    assert real.failed and "only in check mode" in real.msg
    assert lab.stats()["writes"] == 0


# --- 4. state: absent with egress_ips ---------------------------------------------------------

def test_absent_with_egress_ips_removes_exactly_those(lab):
    pins = {"worker01": ["198.51.100.120"], "worker02": ["198.51.100.121"]}
    reset(lab, pins=pins, ns_ips={"mywebserver": ["198.51.100.120", "198.51.100.121"]})
    out = netns(lab, name="mywebserver", state="absent", egress_ips=["198.51.100.121"], mode="manual", node_network=NET)
    assert not out.failed, out
    snap = snapshot(lab)
    assert snap["NetNamespace/mywebserver"] == ["198.51.100.120"]
    assert snap["HostSubnet/worker01"][1] == ["198.51.100.120"] and snap["HostSubnet/worker02"][1] == []
    # an address the namespace does not have: refused, nothing written
    lab.reset()
    out = netns(lab, name="mywebserver", state="absent", egress_ips=["198.51.100.199"], node_network=NET)
    assert out.failed and "198.51.100.199" in out.msg and lab.stats()["writes"] == 0, out


# --- 5. nothing dangerous is silent --------------------------------------------------------------

def test_failover_loss_is_a_warning_of_the_run(lab):
    reset(lab, cidrs={"worker01": [NET]})
    out = netns(lab, name="mywebserver", count=1, node_network=NET)
    assert not out.failed, out
    assert any(w.startswith("no failover: ") and "only 1 Ready node" in w for w in out.warnings), out.warnings


def test_ovn_absent_with_egress_ips_removes_exactly_those(tmp_path):
    from ansible_collections.ocp.egressip.plugins.modules import egressip_ovn
    eip = "/apis/k8s.ovn.org/v1/egressips/egressip-web"
    with start_lab(tmp_path, scenario="seed-ovn") as ovn_lab:
        def ovn(check=False, **args):
            return run_module(egressip_ovn.main, dict(args, node_network=NET), ovn_lab, check=check)
        made = ovn(name="egressip-web", namespace="mywebserver", egress_ips=["198.51.100.120", "198.51.100.121"],
                   assignable_nodes=["worker01", "worker02"])
        assert not made.failed, made
        out = ovn(name="egressip-web", state="absent", egress_ips=["198.51.100.121"])
        assert not out.failed, out
        assert ovn_lab.get(eip)["spec"]["egressIPs"] == ["198.51.100.120"]
        ovn_lab.reset()
        refused = ovn(name="egressip-web", state="absent", egress_ips=["198.51.100.199"])
        assert refused.failed and "198.51.100.199" in refused.msg and ovn_lab.stats()["writes"] == 0, refused
        # the last address listed: the object goes
        assert not ovn(name="egressip-web", state="absent", egress_ips=["198.51.100.120"]).failed
        with pytest.raises(LabError):
            ovn_lab.get(eip)


# --- 3. leaks after faults converge ----------------------------------------------------------

KILLED_RUN = """
import sys
from ansible_collections.ocp.egressip.plugins.modules import egressip_netnamespace
from tests.integration.inprocess import run_module

class Lab:
    kubeconfig = sys.argv[1]

run_module(egressip_netnamespace.main, {"name": "mywebserver", "count": 2, "mode": "manual",
           "nodes": ["worker01", "worker02"], "pool": ["198.51.100.130-198.51.100.131"],
           "node_network": "198.51.100.0/24", "lock_ttl": 3}, Lab())     # short Lease: the re-run takes it over
"""


def test_rerun_after_kill_9_reuses_its_orphaned_pins(lab):
    """A run killed after pinning both addresses and before writing the NetNamespace leaves two
    pins no namespace uses; with an exactly-sized pool a re-run of the same request must reuse
    them and converge (before: "pool exhausted"), and the facts report the orphans meanwhile."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from ansible_collections.ocp.egressip.plugins.modules import egressip_facts
    reset(lab)
    lab.fault(verb="patch", kind="NetNamespace", hang=4, count=1)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.Popen([sys.executable, "-c", KILLED_RUN, lab.kubeconfig], cwd=root, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            pinned = [lab.get(HS % n).get("egressIPs") for n in ("worker01", "worker02")]
            if all(pinned):
                break
            time.sleep(0.1)
        time.sleep(0.5)                  # the NetNamespace patch is now hanging in the lab
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    lab.clear_faults()
    snap = snapshot(lab)
    assert snap["NetNamespace/mywebserver"] == [], "the killed run reached the NetNamespace: %r" % snap
    both = ["198.51.100.130", "198.51.100.131"]
    assert sorted(snap["HostSubnet/worker01"][1] + snap["HostSubnet/worker02"][1]) == both
    facts = run_module(egressip_facts.main, {"node_network": NET}, lab)
    assert [f["code"] for f in facts.result["egressip"]["findings"]].count("IP_UNUSED") == 2, facts
    rerun = netns(lab, name="mywebserver", count=2, mode="manual", nodes=["worker01", "worker02"],
                  pool=["198.51.100.130-198.51.100.131"], node_network=NET)
    assert not rerun.failed, rerun
    assert sorted(rerun.result["egress_ips"]) == ["198.51.100.130", "198.51.100.131"]
    time.sleep(4)                        # the hanging patch lands late with a stale resourceVersion: 409
    final = snapshot(lab)
    assert sorted(final["NetNamespace/mywebserver"]) == ["198.51.100.130", "198.51.100.131"]
    assert sorted(final["HostSubnet/worker01"][1] + final["HostSubnet/worker02"][1]) == both


def test_release_of_a_deleted_namespace_removes_its_orphaned_pins(lab):
    """release.yml's module call for a namespace that no longer exists: its pins (annotated with
    its name when they were written) are released and quarantined; other orphans stay."""
    import json
    reset(lab)
    for node, ip_ in (("worker01", "198.51.100.140"), ("worker02", "198.51.100.141")):
        lab.patch(HS % node, {"egressIPs": [ip_], "metadata": {"annotations": {
            "ocp.egressip/pin-owners": json.dumps({ip_: "gone-project" if node == "worker01" else "someone-else"})}}})
    out = netns(lab, name="gone-project", state="absent", node_network=NET)
    assert not out.failed, out
    assert out.result["namespaces"]["gone-project"]["deleted"] is True
    assert out.result["quarantine"]["released"] == {"198.51.100.140": "gone-project"}
    snap = snapshot(lab)
    assert snap["HostSubnet/worker01"][1] == [] and snap["HostSubnet/worker02"][1] == ["198.51.100.141"]
    # a name that never existed and has nothing left: nothing to do, no error
    assert not netns(lab, name="never-was", state="absent", node_network=NET).changed


# --- 4. auto <-> static conversion --------------------------------------------------------------

def test_convert_auto_to_static_and_back(lab):
    """The blog's second half: mywebserver has .120 in automatic mode; static mode with .120 on
    worker01 and .121 on worker02 needs the HostSubnets' egressCIDRs cleared (before: refused,
    and no way to do it)."""
    reset(lab, cidrs=auto_cidrs(), ns_ips={"mywebserver": ["198.51.100.120"]})
    mapping = {"198.51.100.120": "worker01", "198.51.100.121": "worker02"}
    lab.reset()
    plain = netns(lab, name="mywebserver", mode="manual", egress_ips=mapping, node_network=NET)
    assert plain.failed and lab.stats()["writes"] == 0, plain
    plan = netns(lab, check=True, name="mywebserver", mode="manual", convert=True, egress_ips=mapping, node_network=NET)
    assert not plan.failed and plan.changed, plan
    assert lab.stats()["writes"] == 0
    real = netns(lab, name="mywebserver", mode="manual", convert=True, egress_ips=mapping, node_network=NET)
    assert not real.failed, real
    # (the lab's SDN master moves .120 while the HostSubnets are written: the run re-reads and
    # re-plans on 409, so its written changes may differ from the plan; the end state may not)
    snap = snapshot(lab)
    assert snap["HostSubnet/worker01"] == ([], ["198.51.100.120"])
    assert snap["HostSubnet/worker02"] == ([], ["198.51.100.121"])
    assert snap["NetNamespace/mywebserver"] == ["198.51.100.120", "198.51.100.121"]
    assert real.result["converted"] == {"mywebserver": ["worker01", "worker02"]}
    assert all(a["active"] for a in lab.assignments().values())
    again = netns(lab, name="mywebserver", mode="manual", convert=True, egress_ips=mapping, node_network=NET)
    assert not again.failed and not again.changed, again
    # and back to automatic mode, one address
    back = netns(lab, name="mywebserver", mode="auto", convert=True, egress_ips=["198.51.100.120"],
                 egress_cidrs=[NET], nodes=["worker01", "worker02"], node_network=NET)
    assert not back.failed, back
    snap = snapshot(lab)
    assert snap["HostSubnet/worker01"][0] == [NET] and snap["HostSubnet/worker02"][0] == [NET]
    assert snap["NetNamespace/mywebserver"] == ["198.51.100.120"]
    assert lab.assignments()["198.51.100.120"]["active"]
    # bad combinations name the field
    bad = netns(lab, check=True, name="mywebserver", mode="auto", egress_ips=mapping, node_network=NET)
    assert bad.failed and "mapping address -> node is for mode=manual" in bad.msg
    bad = netns(lab, check=True, name="mywebserver", mode="auto", convert=True, egress_ips=["198.51.100.120"],
                node_network=NET)
    assert bad.failed and "needs egress_cidrs and nodes" in bad.msg


# --- 5. orphans are findings --------------------------------------------------------------------

def test_facts_report_orphans(lab):
    from ansible_collections.ocp.egressip.plugins.modules import egressip_facts
    reset(lab, cidrs=auto_cidrs(), pins={}, ns_ips={"mywebserver": ["198.51.100.120"]})
    lab.patch(HS % "master01", {"egressIPs": ["198.51.100.99"]})          # a pin no namespace uses
    records = {"database": {"mywebserver": ["198.51.100.120", "198.51.100.77"], "gone-project": ["198.51.100.66"]}}
    out = run_module(egressip_facts.main, {"node_network": NET, "firewall_records": records}, lab)
    assert not out.failed, out
    found = dict((f["code"], f["message"]) for f in out.result["egressip"]["findings"])
    assert "198.51.100.99" in found["IP_UNUSED"]
    assert "gone-project" in found["FIREWALL_RECORD_NO_NAMESPACE"] and "198.51.100.66" in found[
        "FIREWALL_RECORD_NO_NAMESPACE"]
    assert "198.51.100.77" in found["FIREWALL_RECORD_STALE_IP"] and "198.51.100.120" not in found[
        "FIREWALL_RECORD_STALE_IP"]
    reset(lab)


def test_rerun_after_401_with_failed_rollback_reuses_its_orphaned_pins(lab):
    """The token is revoked after the pins were written: the NetNamespace write and the
    rollback of the pins both get 401 (rollback impossible). The re-run (new token) converges
    from an exactly-sized pool."""
    reset(lab)
    args = dict(name="mywebserver", count=2, mode="manual", nodes=["worker01", "worker02"],
                pool=["198.51.100.130-198.51.100.131"], node_network=NET)
    lab.fault(verb="patch", kind="NetNamespace", status=401, count=1)
    lab.fault(verb="patch", kind="HostSubnet", status=401, count=10, after=2)    # the two pins go through
    try:
        first = netns(lab, **args)
    finally:
        lab.clear_faults()
    assert first.failed and "ROLLBACK FAILED" in first.msg, first
    snap = snapshot(lab)
    assert snap["NetNamespace/mywebserver"] == [] and snap["HostSubnet/worker01"][1] + snap["HostSubnet/worker02"][1]
    rerun = netns(lab, **args)
    assert not rerun.failed, rerun
    assert sorted(snapshot(lab)["NetNamespace/mywebserver"]) == ["198.51.100.130", "198.51.100.131"]


def test_release_orphans_unpins_pins_no_namespace_uses(lab):
    """Orphans from other causes (no owner annotation): reported as IP_UNUSED, released on request."""
    reset(lab, pins={"worker01": ["198.51.100.150"], "worker02": ["198.51.100.121"]},
          ns_ips={"payments": ["198.51.100.121"]})
    kept = netns(lab, check=True, name="mywebserver", state="absent", node_network=NET)
    assert not kept.changed, kept                         # not ours: left alone by default
    out = netns(lab, name="mywebserver", state="absent", release_orphans=True, node_network=NET)
    assert not out.failed and out.result["orphans_released"] == {"198.51.100.150": ""}, out
    snap = snapshot(lab)
    assert snap["HostSubnet/worker01"][1] == [] and snap["HostSubnet/worker02"][1] == ["198.51.100.121"]
    assert "198.51.100.150" in lab.get(CM)["data"]["released.json"]
