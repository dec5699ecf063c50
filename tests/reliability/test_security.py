"""Security: secrets never in the output (also at -vvvv), and the RBAC of rbac/ grants every
request the modules make (and nothing they never use).

TLS verification on by default (no CA: fails; ca_cert: works) is tested once, in
tests/integration/test_client_and_lock.py::test_tls_verified_by_default_and_auth_options."""
import glob
import os

import pytest
import yaml

from ansible_collections.ocp.egressip.plugins.module_utils.k8s.client import KINDS
from tests.lab.fixtures import start_lab
from tests.reliability.common import ROOT, create_namespaces, play

pytestmark = pytest.mark.slow

TOKEN = "s3cr3t-TOKEN-c0ffee-4242"           # the lab's real token in these tests
WRONG = "wr0ng-TOKEN-deadbeef-1717"
PASSWORD = "P4ssw0rd-n0t-in-0utput-9393"
PROXY_AUTH = "pr0xyuser:pr0xyP4ss-5151"
SECRETS = (TOKEN, WRONG, PASSWORD, "pr0xyP4ss-5151")


def leaks(run):
    text = run.stdout + run.stderr
    return [s for s in SECRETS if s in text]


def test_secrets_never_in_output_even_at_vvvv(tmp_path, tally):
    with start_lab(tmp_path, tls=True, token=TOKEN) as lab:
        direct = {"kubeconfig": None, "node_network": None, "host": lab.url, "ca_cert": lab.ca}
        with open(lab.kubeconfig) as fh:
            kubeconfig_dict = yaml.safe_load(fh)
        tasks = [
            {"name": "facts-api-key", "ocp.egressip.egressip_facts": dict(direct, api_key=TOKEN)},
            {"name": "write-api-key", "ocp.egressip.egressip_netnamespace": dict(
                direct, api_key=TOKEN, name="mywebserver", egress_ips=["198.51.100.120"], mode="manual",
                node_network="198.51.100.0/24")},
            {"name": "ovn-refused-api-key", "ocp.egressip.egressip_ovn": dict(
                direct, api_key=TOKEN, name="egressip-web", namespace="mywebserver", egress_ips=["198.51.100.121"]),
             "ignore_errors": True},
            {"name": "wrong-api-key", "ocp.egressip.egressip_facts": dict(direct, api_key=WRONG),
             "ignore_errors": True},
            {"name": "password", "ocp.egressip.egressip_facts": dict(direct, username="admin", password=PASSWORD),
             "ignore_errors": True},
            {"name": "proxy-headers", "ocp.egressip.egressip_facts": dict(
                direct, api_key=TOKEN, proxy_headers={"proxy_basic_auth": PROXY_AUTH})},
            {"name": "kubeconfig-dict", "ocp.egressip.egressip_facts": {"kubeconfig": kubeconfig_dict}},
            {"name": "bad-input-api-key", "ocp.egressip.egressip_netnamespace": dict(
                direct, api_key=TOKEN, name="mywebserver", egress_ips=["198.51.100.300"]), "ignore_errors": True},
        ]
        run = play(tmp_path, lab, tasks, name="explicit", args=["-vvvv"], json_output=False,
                   env={"ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default"})
        assert run.rc == 0, run.describe()
        assert run.stdout.count("ok: [localhost]") + run.stdout.count("changed: [localhost]") >= 4
        assert "401" in run.stdout                   # the wrong token and the password were really tried
        assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in run.stdout   # -vvvv printed the (masked) arguments
        explicit_leaks = leaks(run)
        # the same through K8S_AUTH_* environment variables
        env = {"K8S_AUTH_HOST": lab.url, "K8S_AUTH_API_KEY": TOKEN, "K8S_AUTH_SSL_CA_CERT": lab.ca}
        tasks = [
            {"name": "facts-env", "ocp.egressip.egressip_facts": {"kubeconfig": None}},
            {"name": "write-env", "ocp.egressip.egressip_netnamespace": {
                "kubeconfig": None, "name": "mywebserver", "egress_ips": ["198.51.100.122"], "mode": "manual"}},
            {"name": "bad-input-env", "ocp.egressip.egressip_hostsubnet": {
                "kubeconfig": None, "name": "worker01", "egress_cidrs": ["198.51.100.7/24"]}, "ignore_errors": True},
        ]
        run_env = play(tmp_path, lab, tasks, name="env", args=["-vvvv"], json_output=False,
                       env=dict(env, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default"))
        assert run_env.rc == 0, run_env.describe()
        env_pw = play(tmp_path, lab, [{"name": "password-env", "ocp.egressip.egressip_facts": {"kubeconfig": None},
                                       "ignore_errors": True}],
                      name="env-password", args=["-vvvv"], json_output=False,
                      env={"ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default", "K8S_AUTH_HOST": lab.url,
                           "K8S_AUTH_SSL_CA_CERT": lab.ca, "K8S_AUTH_USERNAME": "admin",
                           "K8S_AUTH_PASSWORD": PASSWORD})
        assert "401" in env_pw.stdout, env_pw.describe()
        tally.add("security", scenarios=3, runs=3)
        assert explicit_leaks == [], "secret(s) in the output of the explicit-options run: %s" % explicit_leaks
        assert leaks(run_env) == [] and leaks(env_pw) == []
        # the writes really happened with those credentials
        assert lab.get("/apis/network.openshift.io/v1/netnamespaces/mywebserver")["egressIPs"] == ["198.51.100.122"]


# -- RBAC ---------------------------------------------------------------------------------

PLURAL = dict((k.kind, (k.group, k.plural)) for k in KINDS.values())
PLURAL["Namespace"] = ("", "namespaces")


def load_rbac():
    cluster_rules, ns_rules = [], {}
    for path in sorted(glob.glob(os.path.join(ROOT, "rbac", "*.yml"))):
        with open(path) as fh:
            for doc in yaml.safe_load_all(fh):
                if not doc:
                    continue
                if doc["kind"] == "ClusterRole":
                    cluster_rules.extend(doc["rules"])
                elif doc["kind"] == "Role":
                    ns_rules.setdefault(doc["metadata"]["namespace"], []).extend(doc["rules"])
    return cluster_rules, ns_rules


def rule_grants(rule, verb, group, resource, name):
    if group not in rule.get("apiGroups", []) and "*" not in rule.get("apiGroups", []):
        return False
    if resource not in rule.get("resources", []):
        return False
    if verb not in rule.get("verbs", []):
        return False
    names = rule.get("resourceNames")
    return not names or (name is not None and name in names)


def granted(req, cluster_rules, ns_rules):
    """The Kubernetes authorizer's view of one logged request (verb, group, resource[/sub], name)."""
    group, plural = PLURAL[req["kind"]]
    resource = plural + ("/" + req["subresource"] if req.get("subresource") else "")
    rules = list(cluster_rules) + list(ns_rules.get(req.get("namespace"), []) if req.get("namespace") else [])
    return [r for r in rules if rule_grants(r, req["verb"], group, resource, req.get("name"))]


def representative_runs(tmp_path):
    """SDN modules (write, allocate, release, take over a crashed run's Lease), facts, the OVN
    module (create, label nodes, update, delete) and OVN facts; returns every request logged."""
    import datetime
    requests = []
    (tmp_path / "sdn").mkdir()
    (tmp_path / "ovn").mkdir()
    with start_lab(tmp_path / "sdn", scenario="seed") as lab:
        create_namespaces(lab, ["team-a", "team-b"])
        # a Lease left by a crashed run (expired): the next writer takes it over (update)
        expired = (datetime.datetime.utcnow() - datetime.timedelta(seconds=600)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        lab.post("/apis/coordination.k8s.io/v1/namespaces/default/leases", {
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": "ocp-egressip-lock", "namespace": "default"},
            "spec": {"holderIdentity": "crashed", "leaseDurationSeconds": 10, "renewTime": expired}})
        lab.reset()
        tasks = [
            {"name": "hs", "ocp.egressip.egressip_hostsubnet": {"hostsubnets": [
                {"name": "worker01", "egress_cidrs": ["198.51.100.0/24"]},
                {"name": "worker02", "egress_cidrs": ["198.51.100.0/24"]}]}},
            {"name": "alloc", "ocp.egressip.egressip_netnamespace": {
                "netnamespaces": [{"name": "team-a"}, {"name": "team-b"}], "count": 1,
                "pool": ["198.51.100.100-198.51.100.110"]}},
            {"name": "release", "ocp.egressip.egressip_netnamespace": {"name": "team-a", "state": "absent"}},
            {"name": "facts", "ocp.egressip.egressip_facts": {"format": "table"}},
            {"name": "check", "ocp.egressip.egressip_netnamespace": {"name": "team-b", "count": 1},
             "check_mode": True},
            # a second release patches the quarantine record the first one created
            {"name": "release-b", "ocp.egressip.egressip_netnamespace": {"name": "team-b", "state": "absent"}},
        ]
        run = play(tmp_path, lab, tasks, name="rbac-sdn")
        assert run.rc == 0, run.describe()
        assert run.result("hs")["lock"]["taken_over_from"] == "crashed"
        requests += lab.requests()
    with start_lab(tmp_path / "ovn", scenario="seed-ovn") as lab:
        lab.reset()
        ovn = "ocp.egressip.egressip_ovn"
        tasks = [
            {"name": "create", ovn: {"name": "egressip-web", "namespace": "mywebserver",
                                     "egress_ips": ["198.51.100.120"], "assignable_nodes": ["worker01", "worker02"]}},
            {"name": "update", ovn: {"name": "egressip-web", "namespace": "mywebserver",
                                     "egress_ips": ["198.51.100.120", "198.51.100.121"],
                                     "assignable_nodes": ["worker01", "worker02"]}},
            {"name": "allocate", ovn: {"name": "egressip-team", "namespace": "kube-system", "count": 1,
                                       "pool": ["198.51.100.200-198.51.100.210"]}},
            {"name": "facts", "ocp.egressip.egressip_facts": {}},
            {"name": "delete", ovn: {"egressips": [{"name": "egressip-team", "state": "absent"},
                                                   {"name": "egressip-web", "state": "absent"}]}},
            {"name": "unlabel", ovn: {"egressips": [], "assignable_nodes": ["worker01"],
                                      "exclusive_assignable": True}},
        ]
        run = play(tmp_path, lab, tasks, name="rbac-ovn")
        assert run.rc == 0, run.describe()
        requests += lab.requests()
    requests += node_probe_run(tmp_path)
    return requests


def node_probe_run(tmp_path):
    """The node checks' API path (module egressip_node_probe): a pod on worker01, whose command the
    lab's kubelet runs in a private, empty network namespace (only lo: the probe reports that it
    found no primary interface, which is a result like any other), so the run creates the pod,
    polls it, reads its log, lists the run's pods and deletes the pod."""
    import subprocess
    from tests.netns.fixtures import require_netns
    require_netns()
    netns = "egrbac%d" % (os.getpid() % 100000)
    (tmp_path / "probe").mkdir()
    subprocess.run(["ip", "netns", "add", netns], check=True)
    try:
        with start_lab(tmp_path / "probe", scenario="seed", extra_args=["--dataplane", "worker01=%s:lo" % netns]) as lab:
            with open(os.path.join(ROOT, "rbac", "namespace-node-probe.yml")) as fh:
                lab.post("/api/v1/namespaces", yaml.safe_load(fh))
            lab.reset()
            run = play(tmp_path, lab, [{"name": "probe", "ocp.egressip.egressip_node_probe": {
                "nodes": [{"name": "worker01", "ips": ["198.51.100.120"]}]}}], name="rbac-probe")
            assert run.rc == 0, run.describe()
            assert run.result("probe")["findings"][0]["kind"] == "no_interface"
            assert lab.pods("egressip-node-probe") == []
            return lab.requests()
    finally:
        subprocess.run(["ip", "netns", "delete", netns], check=False)


def test_rbac_grants_exactly_what_the_modules_use(tmp_path, tally):
    cluster_rules, ns_rules = load_rbac()
    assert cluster_rules and ns_rules.get("default")
    # the binding subjects are the ServiceAccount shipped
    with open(os.path.join(ROOT, "rbac", "serviceaccount.yml")) as fh:
        sa = yaml.safe_load(fh)
    for path in ("clusterrolebinding.yml", "rolebinding-lock.yml", "rolebinding-node-probe.yml"):
        with open(os.path.join(ROOT, "rbac", path)) as fh:
            for doc in yaml.safe_load_all(fh):
                if doc and doc["kind"].endswith("Binding"):
                    assert doc["subjects"] == [{"kind": "ServiceAccount", "name": sa["metadata"]["name"],
                                                "namespace": sa["metadata"]["namespace"]}]
    # the checker itself: resourceNames and namespaces are honoured
    lease = {"verb": "patch", "kind": "Lease", "namespace": "default", "name": "ocp-egressip-lock"}
    assert granted(lease, cluster_rules, ns_rules)
    assert not granted(dict(lease, name="someone-elses-lease"), cluster_rules, ns_rules)
    assert not granted(dict(lease, namespace="kube-system"), cluster_rules, ns_rules)
    assert not granted({"verb": "delete", "kind": "HostSubnet", "name": "worker01"}, cluster_rules, ns_rules)
    assert not granted({"verb": "get", "kind": "Network", "name": "other"}, cluster_rules, ns_rules)
    requests = representative_runs(tmp_path)
    api = [r for r in requests if r.get("kind")]
    discovery = [r for r in requests if r.get("verb") == "discovery"]
    assert len(api) > 50
    assert discovery == []      # no discovery (it would need system:discovery, granted to all authenticated)
    denied = sorted(set((r["verb"], r["group"] or "core", r["kind"], r.get("subresource") or "", r.get("name") or "")
                        for r in api if not granted(r, cluster_rules, ns_rules)))
    used_rules = set()
    for r in api:
        for rule in granted(r, cluster_rules, ns_rules):
            group, plural = PLURAL[r["kind"]]
            used_rules.add((group, plural + ("/" + r["subresource"] if r.get("subresource") else ""), r["verb"]))
    offered = set()
    for rule in cluster_rules + [x for rules in ns_rules.values() for x in rules]:
        for g in rule["apiGroups"]:
            for res in rule["resources"]:
                for v in rule["verbs"]:
                    offered.add((g, res, v))
    # get of single objects is only used to re-read an object when a rollback meets a 409
    # (runner.Runner._undo, ovn/runner.py OvnRunner._undo): granted, not exercised here
    rollback_only = set([("network.openshift.io", "hostsubnets", "get"), ("network.openshift.io", "netnamespaces", "get"),
                         ("", "nodes", "get"), ("k8s.ovn.org", "egressips", "get")])
    # "use" of an SCC is not a request: the SCC admission plugin checks it when the probe pod is
    # created (tests/e2e/test_node_probe.py::test_scc_denies_privileged shows the refusal)
    admission_only = set([("security.openshift.io", "securitycontextconstraints", "use")])
    unused = sorted(offered - used_rules - rollback_only - admission_only)
    # the node probe's pod verbs were exercised in the probe namespace only
    probe = set((r["verb"], r.get("subresource") or "") for r in api if r.get("kind") == "Pod")
    assert probe == set([("create", ""), ("get", ""), ("get", "log"), ("list", ""), ("delete", "")]), probe
    assert set(r.get("namespace") for r in api if r.get("kind") == "Pod") == set(["egressip-node-probe"])
    tally.add("security", scenarios=1, runs=2)
    assert denied == [], "requests the RBAC of rbac/ does not grant: %s" % denied
    # least privilege: every verb granted is used by some module run
    assert unused == [], "granted but never used: %s" % unused
