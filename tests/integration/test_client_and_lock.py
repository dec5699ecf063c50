"""Client layer (auth options, TLS, timeouts) and the Lease lock, through ansible-playbook."""
import datetime
import os

from tests.lab.fixtures import start_lab
from tests.integration.helpers import PlayResult, delta, hostsubnet, netnamespace, run_tasks, start_tasks

IP1 = "198.51.100.120"
FACTS = {"ocp.egressip.egressip_facts": {"details": True}}
NS = {"ocp.egressip.egressip_netnamespace": {"name": "mywebserver", "egress_ips": [IP1], "mode": "manual",
                                             "node_network": "198.51.100.0/24"}}


def ns_with(**options):
    return {"ocp.egressip.egressip_netnamespace": dict(NS["ocp.egressip.egressip_netnamespace"], **options)}


LEASES = "/apis/coordination.k8s.io/v1/namespaces/default/leases"


def test_tls_verified_by_default_and_auth_options(tmp_path):
    with start_lab(tmp_path, tls=True) as lab:
        assert lab.url.startswith("https://")
        # kubeconfig (with the CA in it): works
        res = run_tasks(tmp_path, lab, [FACTS])
        assert res.rc == 0, res
        assert res.result(0)["egressip"]["network_type"] == "OpenShiftSDN"
        # host + api_key without a CA: the certificate is verified, so it fails
        direct = {"kubeconfig": None, "host": lab.url, "api_key": lab.token}
        res = run_tasks(tmp_path, lab, [{"ocp.egressip.egressip_facts": direct}], name="noca")
        assert res.rc != 0
        assert "CERTIFICATE_VERIFY_FAILED" in res.result(0)["msg"] or "certificate" in res.result(0)["msg"].lower()
        # ... with ca_cert (alias ssl_ca_cert): works; the token does not appear in the output
        res = run_tasks(tmp_path, lab, [{"ocp.egressip.egressip_facts": dict(direct, ssl_ca_cert=lab.ca)}], name="ca")
        assert res.rc == 0, res
        assert lab.token not in res.stdout
        # ... or validate_certs: false (alias verify_ssl)
        res = run_tasks(tmp_path, lab, [{"ocp.egressip.egressip_facts": dict(direct, verify_ssl=False)}],
                        name="insecure")
        assert res.rc == 0, res
        # a wrong token: a clear 401
        bad = dict(direct, ca_cert=lab.ca, api_key="wrong")
        res = run_tasks(tmp_path, lab, [{"ocp.egressip.egressip_facts": bad}], name="badtoken")
        assert res.rc != 0 and "401" in res.result(0)["msg"]


def test_k8s_auth_environment_variables(tmp_path, monkeypatch):
    with start_lab(tmp_path, tls=True) as lab:
        monkeypatch.setenv("K8S_AUTH_HOST", lab.url)
        monkeypatch.setenv("K8S_AUTH_API_KEY", lab.token)
        monkeypatch.setenv("K8S_AUTH_SSL_CA_CERT", lab.ca)
        res = run_tasks(tmp_path, lab, [{"ocp.egressip.egressip_facts": {"kubeconfig": None}}])
        assert res.rc == 0, res
        monkeypatch.setenv("K8S_AUTH_SSL_CA_CERT", os.path.join(str(tmp_path), "missing.pem"))
        res = run_tasks(tmp_path, lab, [{"ocp.egressip.egressip_facts": {"kubeconfig": None}}], name="missing")
        assert res.rc != 0 and "does not exist" in res.result(0)["msg"]


def test_request_timeout_applies_to_every_request(tmp_path, seed_lab):
    lab = seed_lab
    lab.fault(verb="list", kind="NetNamespace", hang=5, count=1)
    res = run_tasks(tmp_path, lab, [{"ocp.egressip.egressip_facts": {"request_timeout": 1}}])
    assert res.rc != 0
    msg = res.result(0)["msg"]
    assert "netnamespaces" in msg and "timed out" in msg.lower(), msg


def test_facts_in_check_mode_write_nothing(tmp_path, seed_lab):
    lab = seed_lab
    s0 = lab.stats()
    res = run_tasks(tmp_path, lab, [FACTS], check=True)
    assert res.rc == 0
    out = res.result(0)
    assert out["changed"] is False and len(out["egressip"]["nodes"]) == 5
    d = delta(s0, lab.stats())
    assert d["writes"] == 0 and d["total"] == 5     # Network GET + one LIST per kind + ClusterVersion GET
    assert out["egressip"]["cluster_id"] == lab.get("/apis/config.openshift.io/v1/clusterversions/version")["spec"]["clusterID"]


def _lease(holder, renew, duration=60):
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": "ocp-egressip-lock", "namespace": "default"},
            "spec": {"holderIdentity": holder, "leaseDurationSeconds": duration,
                     "renewTime": renew.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}}


def test_lock_held_by_another_run_blocks_then_times_out(tmp_path, seed_lab):
    lab = seed_lab
    lab.post(LEASES, _lease("other-run", datetime.datetime.utcnow()))
    s0 = lab.stats()
    res = run_tasks(tmp_path, lab, [ns_with(lock_timeout=2)])
    assert res.rc != 0
    assert "could not acquire Lease default/ocp-egressip-lock" in res.result(0)["msg"]
    assert "other-run" in res.result(0)["msg"]
    d = delta(s0, lab.stats())
    assert "patch" not in d["by_kind"].get("NetNamespace", {})
    assert netnamespace(lab, "mywebserver").get("egressIPs") in (None, [])
    assert not hostsubnet(lab, "worker01").get("egressIPs")
    # lock: false ignores it
    res = run_tasks(tmp_path, lab, [ns_with(lock=False)], name="nolock")
    assert res.rc == 0 and netnamespace(lab, "mywebserver")["egressIPs"] == [IP1]


def test_expired_lock_of_a_crashed_run_is_taken_over(tmp_path, seed_lab):
    lab = seed_lab
    lab.post(LEASES, _lease("crashed-run", datetime.datetime.utcnow() - datetime.timedelta(seconds=120)))
    res = run_tasks(tmp_path, lab, [NS])
    assert res.rc == 0, res
    out = res.result(0)
    assert out["lock"]["taken_over_from"] == "crashed-run"
    assert netnamespace(lab, "mywebserver")["egressIPs"] == [IP1]
    lease = lab.get(LEASES + "/ocp-egressip-lock")
    assert not lease["spec"].get("holderIdentity")      # released


def test_ovn_cluster_is_refused_by_sdn_modules(tmp_path):
    with start_lab(tmp_path, scenario="seed-ovn") as lab:
        s0 = lab.stats()
        res = run_tasks(tmp_path, lab, [NS])
        assert res.rc != 0
        assert "OVNKubernetes" in res.result(0)["msg"]
        assert delta(s0, lab.stats())["writes"] == 0
        res = run_tasks(tmp_path, lab, [FACTS], name="facts")
        assert res.rc == 0 and res.result(0)["egressip"]["network_type"] == "OVNKubernetes"


def test_concurrent_runs_never_hand_out_the_same_address(tmp_path, seed_lab):
    lab = seed_lab
    for name in ("worker01", "worker02"):
        lab.patch("/apis/network.openshift.io/v1/hostsubnets/%s" % name, {"egressCIDRs": ["198.51.100.0/24"]})
    pool = ["198.51.100.120-198.51.100.121"]
    procs = []
    for ns in ("mywebserver", "kube-system"):
        task = {"ocp.egressip.egressip_netnamespace": {"name": ns, "count": 1, "pool": pool}}
        procs.append((ns, start_tasks(tmp_path, lab, [task], name="run-" + ns)))
    results = {}
    for ns, proc in procs:
        stdout, stderr = proc.communicate(timeout=300)
        res = PlayResult(proc.returncode, stdout, stderr)
        assert res.rc == 0, res
        results[ns] = res.result(0)["egress_ips"]
    assert sorted(results["mywebserver"] + results["kube-system"]) == ["198.51.100.120", "198.51.100.121"]
    assert netnamespace(lab, "mywebserver")["egressIPs"] == results["mywebserver"]
    assert netnamespace(lab, "kube-system")["egressIPs"] == results["kube-system"]
