"""The lab's Pod API (tests/lab/kubelet.py): admission, the kubelet's phases, the log, pod GC."""
import json
import subprocess
import time

import pytest

from tests.lab.fixtures import LabError, start_lab

PODS = "/api/v1/namespaces/probe/pods"


def pod(name, node, command, image="registry.example.com/tools:1", host_network=True, privileged=True):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"nodeName": node, "hostNetwork": host_network, "restartPolicy": "Never",
                     "containers": [{"name": "c", "image": image, "command": command,
                                     "securityContext": {"privileged": privileged}}]}}


def wait_for(lab, name, check, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        obj = lab.get("%s/%s" % (PODS, name))
        if check(obj):
            return obj
        time.sleep(0.05)
    raise AssertionError("pod %s: condition not reached: %s" % (name, json.dumps(obj.get("status"))))


def phases(lab, name, since):
    """The phases the pod went through, from a watch since resourceVersion ``since`` (every status
    write of the kubelet is an event)."""
    import urllib.request
    req = urllib.request.Request("%s%s?watch=true&timeoutSeconds=1&resourceVersion=%s&fieldSelector=metadata.name%%3D%s"
                                 % (lab.url, PODS, since, name), headers={"Authorization": "Bearer " + lab.token})
    with urllib.request.urlopen(req, timeout=10) as resp:
        raw = resp.read().decode()
    seen = []
    for event in (json.loads(line) for line in raw.splitlines() if line.strip()):
        phase = (event["object"].get("status") or {}).get("phase") or "Pending"
        if not seen or seen[-1] != phase:
            seen.append(phase)
    return seen


@pytest.fixture
def node_netns():
    """A private, empty network namespace (only lo) that plays worker01's data plane."""
    from tests.netns.fixtures import require_netns
    require_netns()
    name = "eglabpod%d" % (time.monotonic_ns() % 100000)
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)


@pytest.fixture
def pod_lab(tmp_path, node_netns):
    with start_lab(tmp_path, extra_args=["--dataplane", "worker01=%s:lo" % node_netns]) as lab:
        lab.post("/api/v1/namespaces", {"metadata": {"name": "probe"}})
        yield lab


def test_phases_log_and_delete(pod_lab):
    lab = pod_lab
    since = lab.get(PODS)["metadata"]["resourceVersion"]
    lab.post(PODS, pod("ok", "worker01", ["sh", "-c", "echo hello; ip -o link show lo | cut -d: -f2"]))
    done = wait_for(lab, "ok", lambda p: p["status"].get("phase") in ("Succeeded", "Failed"))
    assert done["status"]["phase"] == "Succeeded"
    term = done["status"]["containerStatuses"][0]["state"]["terminated"]
    assert term["exitCode"] == 0 and term["reason"] == "Completed"
    log = lab.request("GET", "%s/ok/log" % PODS).decode()
    assert log.split() == ["hello", "lo"]        # ran inside the node's namespace (only lo there)
    lab.post(PODS, pod("bad", "worker01", ["sh", "-c", "echo oops >&2; exit 3"]))
    failed = wait_for(lab, "bad", lambda p: p["status"].get("phase") in ("Succeeded", "Failed"))
    assert failed["status"]["phase"] == "Failed"
    assert failed["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 3
    assert lab.request("GET", "%s/bad/log" % PODS).decode().strip() == "oops"
    assert phases(lab, "ok", since) == ["Pending", "Running", "Succeeded"]
    lab.delete("%s/ok" % PODS)
    lab.delete("%s/bad" % PODS)
    assert lab.pods("probe") == []


def test_image_pull_error_without_data_plane_and_log_while_waiting(pod_lab):
    lab = pod_lab
    lab.post(PODS, pod("nodp", "worker02", ["true"]))
    waiting = wait_for(lab, "nodp", lambda p: (p.get("status") or {}).get("containerStatuses"))
    state = waiting["status"]["containerStatuses"][0]["state"]["waiting"]
    assert state["reason"] == "ErrImagePull" and "node worker02 has no data plane" in state["message"]
    assert waiting["status"]["phase"] == "Pending"
    wait_for(lab, "nodp", lambda p: p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
             == "ImagePullBackOff")
    with pytest.raises(LabError) as err:
        lab.request("GET", "%s/nodp/log" % PODS)
    assert err.value.code == 400 and 'container "c" in pod "nodp" is waiting to start: ImagePullBackOff' in str(
        err.value.body)
    lab.post(PODS, pod("badreg", "worker01", ["true"], image="registry.invalid/tools"))
    state = wait_for(lab, "badreg", lambda p: (p.get("status") or {}).get("containerStatuses"))
    assert "lookup registry.invalid: no such host" in state["status"]["containerStatuses"][0]["state"]["waiting"][
        "message"]


def test_not_ready_node_keeps_the_pod_pending_and_pod_gc_follows_node_deletion(pod_lab):
    lab = pod_lab
    lab.post("/_lab/nodes/worker01/ready", {"ready": False})
    lab.post(PODS, pod("stuck", "worker01", ["true"]))
    time.sleep(0.5)
    assert lab.get("%s/stuck" % PODS).get("status", {}).get("phase", "Pending") == "Pending"
    assert not lab.get("%s/stuck" % PODS).get("status", {}).get("containerStatuses")
    lab.delete("/api/v1/nodes/worker01")
    assert lab.pods("probe") == []
    assert any("node worker01 does not exist" in e["message"] for e in lab.events())


def test_scc_admission_and_noexecute_taint(pod_lab):
    lab = pod_lab
    lab.post("/_lab/scc", {"privileged": False})
    with pytest.raises(LabError) as err:
        lab.post(PODS, pod("denied", "worker01", ["true"]))
    assert err.value.code == 403
    msg = err.value.body["message"]
    assert msg.startswith('pods "denied" is forbidden: unable to validate against any security context constraint')
    assert "Privileged containers are not allowed" in msg and "Host network is not allowed to be used" in msg
    assert lab.pods("probe") == []
    lab.post("/_lab/scc", {"privileged": True})
    lab.patch("/api/v1/nodes/worker01", {"spec": {"taints": [{"key": "k", "value": "v", "effect": "NoExecute"}]}})
    lab.post(PODS, pod("tainted", "worker01", ["true"]))
    rejected = wait_for(lab, "tainted", lambda p: (p.get("status") or {}).get("phase") == "Failed")
    assert rejected["status"]["reason"] == "TaintToleration"
    assert "untolerated taint {k: v}" in rejected["status"]["message"]
    tolerant = pod("tolerant", "worker01", ["true"])
    tolerant["spec"]["tolerations"] = [{"operator": "Exists", "effect": "NoExecute"}]
    lab.post(PODS, tolerant)
    assert wait_for(lab, "tolerant", lambda p: (p.get("status") or {}).get("phase") == "Succeeded")
