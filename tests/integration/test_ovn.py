"""egressip_ovn, egressip_facts on OVN-Kubernetes and playbooks/migrate_sdn_to_ovn.yml against
the lab (scenario seed-ovn; the migration also uses a seed lab as the openshift-sdn source), run by
ansible-playbook; assertions on the JSON output AND on the lab's stats, request log and objects."""
import json
import os
import subprocess

import pytest

from tests.lab.fixtures import start_lab
from tests.integration.helpers import PYTHON, ROOT, PlayResult, delta, patch_netnamespace, run_tasks

IP1, IP2, IP3 = "198.51.100.120", "198.51.100.121", "198.51.100.122"
EIPS = "/apis/k8s.ovn.org/v1/egressips"
LABEL = "k8s.ovn.org/egress-assignable"
CLOUD = "cloud.network.openshift.io/egress-ipconfig"
WORKERS = ["worker01", "worker02"]


def ovn(**args):
    return {"ocp.egressip.egressip_ovn": args}


def web(ips=(IP1,), **extra):
    args = dict(name="egressip-mywebserver", namespace="mywebserver", egress_ips=list(ips), assignable_nodes=WORKERS)
    args.update(extra)
    return ovn(**args)


FACTS = {"ocp.egressip.egressip_facts": {"format": "table", "details": True}}


def sub(tmp_path, name):
    path = tmp_path / name
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def ovn_lab(tmp_path):
    with start_lab(sub(tmp_path, "ovn"), scenario="seed-ovn") as lab:
        yield lab


def eip(lab, name):
    return lab.get("%s/%s" % (EIPS, name))


def labelled(lab):
    nodes = lab.get("/api/v1/nodes")["items"]
    return sorted(n["metadata"]["name"] for n in nodes if LABEL in (n["metadata"].get("labels") or {}))


def status(obj):
    return dict((i["egressIP"], i["node"]) for i in (obj.get("status") or {}).get("items") or [])


def ok(res, idx=-1):
    assert res.rc == 0, res
    return res.result(idx)


def refused(tmp_path, lab, tasks, code, **kw):
    """The task fails with a blocking finding `code` and writes nothing."""
    s0 = lab.stats()
    res = run_tasks(tmp_path, lab, tasks, **kw)
    assert res.rc != 0, res
    out = res.result(-1)
    assert out.get("failed"), out
    assert "refusing to write" in out["msg"], out["msg"]
    blocking = [f for f in out["findings"] if f["blocking"]]
    assert code in [f["code"] for f in blocking], out["findings"]
    assert delta(s0, lab.stats())["writes"] == 0
    return out


def test_create_explicit_labels_first_status_idempotent_check_mode(tmp_path, ovn_lab):
    lab = ovn_lab
    # check mode: the whole plan, diff, zero writes
    s0 = lab.stats()
    res = run_tasks(tmp_path, lab, [web()], check=True, diff=True)
    out = ok(res)
    assert out["changed"] is True
    assert [(c["action"], c["kind"], c["name"]) for c in out["changes"]] == [
        ("label", "Node", "worker01"), ("label", "Node", "worker02"), ("create", "EgressIP", "egressip-mywebserver")]
    assert out["plan"]["order"] == ["Node/worker01", "Node/worker02", "EgressIP/egressip-mywebserver"]
    assert out["diff"]["after"]["EgressIP/egressip-mywebserver"]["spec"]["egressIPs"] == [IP1]
    assert out["diff"]["after"]["Node/worker01"] == {"labels": {LABEL: ""}}
    assert out["plan"]["predicted_assignments"] == {IP1: "worker01"}
    assert delta(s0, lab.stats())["writes"] == 0
    assert labelled(lab) == []
    # real run: labels written before the EgressIP is created
    lab.reset()
    out = ok(run_tasks(tmp_path, lab, [web()]))
    assert out["changed"] and out["network_type"] == "OVNKubernetes"
    assert out["written"] == ["Node/worker01", "Node/worker02", "EgressIP/egressip-mywebserver"]
    log = [(r["verb"], r["kind"], r["name"]) for r in lab.requests() if r["verb"] in ("create", "patch", "update")]
    label_idx = [i for i, r in enumerate(log) if r[:2] == ("patch", "Node")]
    create_idx = [i for i, r in enumerate(log) if r[:2] == ("create", "EgressIP")]
    assert len(label_idx) == 2 and len(create_idx) == 1 and max(label_idx) < create_idx[0], log
    assert labelled(lab) == WORKERS
    obj = eip(lab, "egressip-mywebserver")
    assert obj["spec"] == {"egressIPs": [IP1],
                           "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "mywebserver"}}}
    # the lab's OVN emulation assigned it; the module reports the status it read after writing
    assert status(obj) == {IP1: "worker01"}
    assert out["assignments"] == {IP1: "worker01"}
    assert out["egressips"]["egressip-mywebserver"]["assignments"] == {IP1: "worker01"}
    assert lab.errors() == []
    # converged: changed=false and zero writes (not even the lock)
    s1 = lab.stats()
    out = ok(run_tasks(tmp_path, lab, [web()]))
    assert out["changed"] is False and out["changes"] == []
    d = delta(s1, lab.stats())
    assert d["writes"] == 0, d
    assert d["by_kind"]["EgressIP"] == {"list": 1} and d["by_kind"]["Node"] == {"list": 1}
    # check mode of a change of addresses: diff of the spec, zero writes
    s2 = lab.stats()
    out = ok(run_tasks(tmp_path, lab, [web([IP1, IP2])], check=True, diff=True))
    assert [c["action"] for c in out["changes"]] == ["update"]
    assert out["diff"]["before"]["EgressIP/egressip-mywebserver"]["spec"]["egressIPs"] == [IP1]
    assert out["diff"]["after"]["EgressIP/egressip-mywebserver"]["spec"]["egressIPs"] == [IP1, IP2]
    assert out["plan"]["predicted_assignments"] == {IP1: "worker01", IP2: "worker02"}
    assert delta(s2, lab.stats())["writes"] == 0


def test_facts_on_ovn_and_failover(tmp_path, ovn_lab):
    lab = ovn_lab
    ok(run_tasks(tmp_path, lab, [web([IP1, IP2])]))
    out = ok(run_tasks(tmp_path, lab, [FACTS], name="facts"))
    facts = out["egressip"]
    assert facts["network_type"] == "OVNKubernetes"
    assert facts["assignable_nodes"] == WORKERS
    assert facts["assignments"][IP1]["node"] == "worker01" and facts["assignments"][IP2]["node"] == "worker02"
    assert facts["assignments"][IP1]["egressip"] == "egressip-mywebserver"
    ns = [n for n in facts["namespaces"] if n["name"] == "egressip-mywebserver"][0]
    assert ns["egress_ips"] == [IP1, IP2] and ns["assignments"] == {IP1: "worker01", IP2: "worker02"}
    node = [n for n in facts["nodes"] if n["name"] == "worker01"][0]
    assert node["host_ip"] == "198.51.100.144" and node["network"] == "198.51.100.0/24"
    assert node["egress_ips"] == [IP1] and node["assignable"] is True and node["ready"] is True
    assert facts["capacity"]["cidrs"]["198.51.100.0/24"]["used"] == 2
    assert facts["findings"] == []
    lines = out["table_lines"]
    assert lines[0] == "NAME                   EGRESSIPS        ASSIGNED NODE   ASSIGNED EGRESSIPS", lines
    assert lines[1] == "egressip-mywebserver   %s   worker01        %s" % (IP1, IP1), lines
    # worker01 goes NotReady: OVN moves its IP; worker02 already holds one of this object, so the
    # IP stays unassigned and facts say why
    lab.set_ready("worker01", False)
    facts = ok(run_tasks(tmp_path, lab, [FACTS], name="facts"))["egressip"]
    assert facts["assignments"][IP1]["node"] is None and facts["assignments"][IP2]["node"] == "worker02"
    codes = [f["code"] for f in facts["findings"]]
    assert "EGRESSIP_NOT_ALL_ASSIGNABLE" in codes, facts["findings"]
    # with a third assignable node, the IP fails over there
    ok(run_tasks(tmp_path, lab, [ovn(assignable_nodes=["worker01", "worker02", "master01"])]))
    facts = ok(run_tasks(tmp_path, lab, [FACTS], name="facts"))["egressip"]
    assert facts["assignments"][IP1]["node"] == "master01", facts["assignments"]
    lab.set_ready("worker01", True)
    facts = ok(run_tasks(tmp_path, lab, [FACTS], name="facts"))["egressip"]
    assert facts["assignments"][IP1]["node"] == "master01"     # existing assignments stay


def test_allocation(tmp_path, ovn_lab):
    lab = ovn_lab
    task = ovn(name="egressip-alloc", namespace="mywebserver", count=2, pool=["198.51.100.120-198.51.100.130"],
               reserved_ips=[IP1], assignable_nodes=WORKERS)
    out = ok(run_tasks(tmp_path, lab, [task]))
    assert out["egress_ips"] == [IP2, IP3]
    obj = eip(lab, "egressip-alloc")
    assert obj["spec"]["egressIPs"] == [IP2, IP3]
    assert sorted(status(obj).values()) == WORKERS          # one IP per node
    assert out["assignments"] == status(obj)
    # idempotent: the same request keeps the addresses and writes nothing
    s0 = lab.stats()
    out = ok(run_tasks(tmp_path, lab, [task]))
    assert out["changed"] is False and out["egress_ips"] == [IP2, IP3]
    assert delta(s0, lab.stats())["writes"] == 0
    # a third address needs a third node: refused, the pool has addresses but no node has room
    s0 = lab.stats()
    res = run_tasks(tmp_path, lab, [ovn(name="egressip-alloc", count=3, pool=["198.51.100.120-198.51.100.130"])])
    assert res.rc != 0 and "cannot allocate" in res.result(0)["msg"], res
    assert delta(s0, lab.stats())["writes"] == 0


def test_batch_absent_and_selectors(tmp_path, ovn_lab):
    lab = ovn_lab
    out = ok(run_tasks(tmp_path, lab, [ovn(assignable_nodes=WORKERS, count=1, pool=["198.51.100.200/29"], egressips=[
        {"name": "eip-a", "namespace": "default", "egress_ips": [IP1]},
        {"name": "eip-b", "namespace_selector": {"matchLabels": {"env": "prod"}},
         "pod_selector": {"matchLabels": {"app": "web"}}, "egress_ips": [IP2]},
        {"name": "eip-d", "namespace": "kube-system"}])]))
    assert out["written"] == ["Node/worker01", "Node/worker02", "EgressIP/eip-a", "EgressIP/eip-b", "EgressIP/eip-d"]
    assert out["egressips"]["eip-d"]["egress_ips"] == ["198.51.100.201"]     # task count/pool, allocated
    assert eip(lab, "eip-a")["spec"]["egressIPs"] == [IP1]                    # explicit: task count ignored
    assert eip(lab, "eip-b")["spec"]["podSelector"] == {"matchLabels": {"app": "web"}}
    assert eip(lab, "eip-b")["spec"]["namespaceSelector"] == {"matchLabels": {"env": "prod"}}
    # selector replaced (merge patch removes the old key), pod selector removed with {}
    ok(run_tasks(tmp_path, lab, [ovn(name="eip-b", namespace_selector={"matchLabels": {"team": "b"}},
                                     pod_selector={}, egress_ips=[IP2])]))
    spec = eip(lab, "eip-b")["spec"]
    assert spec == {"egressIPs": [IP2], "namespaceSelector": {"matchLabels": {"team": "b"}}}
    # absent deletes the object and keeps the node labels
    out = ok(run_tasks(tmp_path, lab, [ovn(name="eip-a", state="absent")]))
    assert out["written"] == ["EgressIP/eip-a"]
    with pytest.raises(Exception):
        eip(lab, "eip-a")
    assert labelled(lab) == WORKERS
    s0 = lab.stats()
    out = ok(run_tasks(tmp_path, lab, [ovn(name="eip-a", state="absent")]))
    assert out["changed"] is False and delta(s0, lab.stats())["writes"] == 0
    # a create needs a selector, and a valid name; nothing is written
    s0 = lab.stats()
    res = run_tasks(tmp_path, lab, [ovn(name="eip-c", egress_ips=[IP3])])
    assert res.rc != 0 and "namespaceSelector" in res.result(0)["msg"]
    res = run_tasks(tmp_path, lab, [ovn(name="Bad_Name", namespace="default", egress_ips=[IP3])])
    assert res.rc != 0 and "not a valid object name" in res.result(0)["msg"]
    assert delta(s0, lab.stats())["writes"] == 0


def test_exclusive_assignable(tmp_path, ovn_lab):
    lab = ovn_lab
    ok(run_tasks(tmp_path, lab, [web()]))
    assert status(eip(lab, "egressip-mywebserver")) == {IP1: "worker01"}
    # no node left for the EgressIP: refused
    refused(tmp_path, lab, [ovn(assignable_nodes=[], exclusive_assignable=True)], "IP_NO_NODE")
    # worker02 only: worker01 is unlabelled after the EgressIP writes, and OVN moves the IP
    out = ok(run_tasks(tmp_path, lab, [ovn(assignable_nodes=["worker02"], exclusive_assignable=True)]))
    assert [(c["action"], c["name"]) for c in out["changes"]] == [("unlabel", "worker01")]
    assert labelled(lab) == ["worker02"]
    assert status(eip(lab, "egressip-mywebserver")) == {IP1: "worker02"}


def test_validation_ip_in_two_objects(tmp_path, ovn_lab):
    ok(run_tasks(tmp_path, ovn_lab, [web()]))
    out = refused(tmp_path, ovn_lab, [ovn(name="eip-other", namespace="default", egress_ips=[IP1])],
                  "IP_MULTIPLE_NAMESPACES")
    assert "egressip-mywebserver" in out["msg"] and "eip-other" in out["msg"]


def test_validation_ip_outside_networks(tmp_path, ovn_lab):
    out = refused(tmp_path, ovn_lab, [web(["203.0.113.10"])], "IP_NO_NODE")
    assert "203.0.113.10" in out["msg"] and LABEL in out["msg"]
    # only the labelled nodes count: an IP of the network with no assignable node is refused too
    refused(tmp_path, ovn_lab, [web([IP1], assignable_nodes=[])], "IP_NO_NODE")


def test_validation_node_ip(tmp_path, ovn_lab):
    out = refused(tmp_path, ovn_lab, [web(["198.51.100.144"])], "IP_IS_HOST_IP")
    assert "conflicting with a host (worker01) IP address" in out["msg"]


def test_validation_capacity(tmp_path, ovn_lab):
    lab = ovn_lab
    # the cloud annotation's capacity counts on cloud platforms only (ovn-kubernetes 6c366bb
    # util/node_annotations.go:954-966 GetNodeEIPConfig, egressip_controller.go:1245)
    lab.patch("/apis/config.openshift.io/v1/infrastructures/cluster/status",
              {"status": {"platform": "AWS", "platformStatus": {"type": "AWS"}}})
    for node in WORKERS:
        lab.patch("/api/v1/nodes/%s" % node, {"metadata": {"annotations": {CLOUD: json.dumps(
            [{"interface": "eni-%s" % node, "ifaddr": {"ipv4": "198.51.100.0/24"}, "capacity": {"ipv4": 1}}])}}})
    ok(run_tasks(tmp_path, lab, [web()]))
    out = refused(tmp_path, lab, [ovn(name="eip-more", namespace="default", egress_ips=[IP2, IP3])],
                  "EGRESSIP_OVER_CAPACITY")
    assert "capacity" in out["msg"] and "worker01: 1/ipv4 1" in out["msg"], out["msg"]
    # within capacity it goes through
    out = ok(run_tasks(tmp_path, lab, [ovn(name="eip-more", namespace="default", egress_ips=[IP2])]))
    assert status(eip(lab, "eip-more")) == {IP2: "worker02"}


def test_two_ips_one_eligible_node_warns_and_force(tmp_path, ovn_lab):
    lab = ovn_lab
    task = web([IP1, IP2], assignable_nodes=["worker01"])
    out = refused(tmp_path, lab, [task], "EGRESSIP_NOT_ALL_ASSIGNABLE")
    f = [f for f in out["findings"] if f["code"] == "EGRESSIP_NOT_ALL_ASSIGNABLE"][0]
    assert f["severity"] == "warning" and "please tag more nodes" in f["message"]
    # force writes it; OVN-Kubernetes assigns one IP and leaves the other
    task["ocp.egressip.egressip_ovn"]["force"] = True
    out = ok(run_tasks(tmp_path, lab, [task]))
    assert out["changed"]
    assert status(eip(lab, "egressip-mywebserver")) == {IP1: "worker01"}
    assert any("Not all egress IPs" in e for e in lab.errors())


def test_conflict_is_retried(tmp_path, ovn_lab):
    lab = ovn_lab
    ok(run_tasks(tmp_path, lab, [web()]))
    lab.fault(verb="patch", kind="EgressIP", status=409, count=1)
    s0 = lab.stats()
    out = ok(run_tasks(tmp_path, lab, [web([IP1, IP2])]))
    assert out["attempts"] == 2 and out["written"] == ["EgressIP/egressip-mywebserver"]
    d = delta(s0, lab.stats())
    assert d["by_kind"]["EgressIP"]["patch"] == 2 and d["by_kind"]["EgressIP"]["list"] == 3, d
    assert eip(lab, "egressip-mywebserver")["spec"]["egressIPs"] == [IP1, IP2]


def test_other_failure_rolls_back(tmp_path, ovn_lab):
    lab = ovn_lab
    lab.fault(verb="create", kind="EgressIP", status=500, count=1)
    res = run_tasks(tmp_path, lab, [web()])
    assert res.rc != 0
    out = res.result(0)
    assert out["rolled_back"] == ["Node/worker02", "Node/worker01"], out
    assert labelled(lab) == []


def test_network_type_refusals(tmp_path, ovn_lab):
    # the SDN modules refuse an OVN cluster (test_client_and_lock too) ...
    s0 = ovn_lab.stats()
    hostsubnet = {"name": "worker01", "egress_cidrs": ["198.51.100.0/24"]}
    res = run_tasks(tmp_path, ovn_lab, [{"ocp.egressip.egressip_hostsubnet": hostsubnet}])
    assert res.rc != 0 and "OVNKubernetes" in res.result(0)["msg"]
    assert delta(s0, ovn_lab.stats())["writes"] == 0
    # ... and the OVN module refuses an openshift-sdn cluster
    with start_lab(sub(tmp_path, "sdn"), scenario="seed") as sdn:
        s0 = sdn.stats()
        res = run_tasks(tmp_path, sdn, [web()])
        assert res.rc != 0
        out = res.result(0)
        assert "OpenShiftSDN" in out["msg"] and "egressip_netnamespace" in out["msg"], out["msg"]
        assert out["network_type"] == "OpenShiftSDN"
        assert delta(s0, sdn.stats())["writes"] == 0
        assert sdn.stats()["by_kind"].get("Node", {}).get("list", 0) == 0


# -- migration ---------------------------------------------------------------------------

def run_playbook(tmp_path, extra_vars, check=False, name="migrate"):
    env = dict(os.environ)
    env.update(ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json", ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=os.path.join(str(tmp_path), "ansible-tmp-" + name),
               ANSIBLE_DEPRECATION_WARNINGS="False")
    inventory = os.path.join(str(tmp_path), "inventory-" + name)
    with open(inventory, "w") as f:
        f.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % PYTHON)
    cmd = [os.path.join(os.path.dirname(PYTHON), "ansible-playbook"), "-i", inventory,
           os.path.join(ROOT, "playbooks", "migrate_sdn_to_ovn.yml"), "-e", json.dumps(extra_vars)]
    if check:
        cmd += ["--check", "--diff"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False,
                          timeout=600, universal_newlines=True)
    res = PlayResult(proc.returncode, proc.stdout, proc.stderr)
    names = [t["task"]["name"] for p in res.doc["plays"] for t in p["tasks"]]
    return res, dict(zip(names, res.tasks))


WRITE_TASK = "Write the EgressIP objects and node labels on the OVN-Kubernetes cluster"


def configure_sdn_source(tmp_path, sdn):
    """Auto mode on worker01 with a /28 egressCIDR (mywebserver), manual pins on worker02
    (namespace billing) and a namespace whose IP no node could host (legacy, written directly)."""
    for ns in ("billing", "legacy"):
        sdn.post("/api/v1/namespaces", {"metadata": {"name": ns}})
    res = run_tasks(tmp_path, sdn, [
        {"ocp.egressip.egressip_hostsubnet": {"name": "worker01", "egress_cidrs": ["198.51.100.96/28"]}},
        {"ocp.egressip.egressip_netnamespace": {"name": "mywebserver", "egress_ips": ["198.51.100.100"]}},
        {"ocp.egressip.egressip_netnamespace": {"name": "billing", "egress_ips": ["198.51.100.130"],
                                                "mode": "manual", "nodes": ["worker02"],
                                                "node_network": "198.51.100.0/24"}},
    ], name="sdn-setup")
    assert res.rc == 0, res
    patch_netnamespace(sdn, "legacy", {"egressIPs": ["203.0.113.50"]})


def test_migrate_sdn_to_ovn(tmp_path):
    with start_lab(sub(tmp_path, "sdn"), scenario="seed") as sdn, \
            start_lab(sub(tmp_path, "ovn"), scenario="seed-ovn") as target:
        configure_sdn_source(tmp_path, sdn)
        facts_out = os.path.join(str(tmp_path), "sdn-facts.json")
        extra = {"migrate_source": sdn.kubeconfig, "target_kubeconfig": target.kubeconfig,
                 "migrate_facts_out": facts_out}
        # check mode: the whole plan, nothing written on the target
        s0 = target.stats()
        res, tasks = run_playbook(tmp_path, extra, check=True, name="check")
        assert res.rc == 0, res
        out = tasks[WRITE_TASK]
        assert out["changed"] is True
        assert [(c["action"], c["name"]) for c in out["changes"]] == [
            ("label", "worker01"), ("label", "worker02"),
            ("create", "egressip-billing"), ("create", "egressip-mywebserver")]
        assert out["plan"]["egressips"]["egressip-mywebserver"] == {
            "egressIPs": ["198.51.100.100"],
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "mywebserver"}}}
        assert delta(s0, target.stats())["writes"] == 0
        assert target.get(EIPS)["items"] == []
        # the real run
        res, tasks = run_playbook(tmp_path, extra, name="run")
        assert res.rc == 0, res
        out = tasks[WRITE_TASK]
        assert out["written"] == ["Node/worker01", "Node/worker02", "EgressIP/egressip-billing",
                                  "EgressIP/egressip-mywebserver"]
        assert labelled(target) == WORKERS
        assert eip(target, "egressip-billing")["spec"]["egressIPs"] == ["198.51.100.130"]
        assert sorted(status(eip(target, "egressip-mywebserver"))) == ["198.51.100.100"]
        lost = dict((x["what"], x) for x in out["not_carried_over"])
        assert set(lost) == {"pinning", "egressCIDRs", "egressIPs", "namespace"}, out["not_carried_over"]
        assert "198.51.100.130" in lost["pinning"]["detail"] and "worker02" in lost["pinning"]["detail"]
        assert "198.51.100.96/28" in lost["egressCIDRs"]["detail"]
        assert "203.0.113.50" in lost["egressIPs"]["detail"] and lost["namespace"]["object"] == "NetNamespace/legacy"
        assert "Report what could not be carried over" in tasks
        # a second run changes nothing, this time from the saved facts file
        s1 = target.stats()
        res, tasks = run_playbook(tmp_path, dict(extra, migrate_source=facts_out, migrate_facts_out=""),
                                  name="again")
        assert res.rc == 0, res
        assert tasks[WRITE_TASK]["changed"] is False
        assert delta(s1, target.stats())["writes"] == 0
        assert res.doc["stats"]["localhost"]["changed"] == 0


def test_assignments_after_replacing_an_address_come_from_the_plan(tmp_path, ovn_lab):
    """The lab's OVN controller reacts asynchronously (as OVN-Kubernetes does): right after a
    spec change the status still names the replaced address. The module's assignments must
    not report it (issue 15: they were read from status.items)."""
    lab = ovn_lab
    ok(run_tasks(tmp_path, lab, [web([IP1])]))
    assert status(eip(lab, "egressip-mywebserver")) == {IP1: "worker01"}
    out = ok(run_tasks(tmp_path, lab, [web([IP2])]))
    assert out["changed"] is True
    assert out["assignments"] == {IP2: "worker01"}, out["assignments"]
    assert out["egressips"]["egressip-mywebserver"]["assignments"] == {IP2: "worker01"}
    assert out["plan"]["predicted_assignments"] == {IP2: "worker01"}
    assert status(eip(lab, "egressip-mywebserver")) == {IP2: "worker01"}   # once the controller caught up
