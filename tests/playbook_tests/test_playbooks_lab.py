"""The user-facing playbooks against a plain lab (localhost only, no node checks: the lab has no
node data plane): demo.yml (the README's job, as scripts/demo.sh runs it), report.yml, check
mode, and bad variables."""
import json
import os
import subprocess
import sys

import pytest

from tests.lab.fixtures import start_lab

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOKS = os.path.join(ROOT, "playbooks")
CIDR = "198.51.100.0/24"
HOSTSUBNET = "/apis/network.openshift.io/v1/hostsubnets/%s"
NETNAMESPACE = "/apis/network.openshift.io/v1/netnamespaces/%s"


class Run:
    def __init__(self, proc):
        self.rc, self.stdout, self.stderr = proc.returncode, proc.stdout, proc.stderr
        self.doc = json.loads(self.stdout[self.stdout.index("{"):]) if "{" in self.stdout else {}

    def results(self):
        out = []
        for play in self.doc.get("plays", []):
            for task in play.get("tasks", []):
                res = task["hosts"].get("localhost")
                if res is not None:
                    out.append(dict(res, task=task["task"]["name"]))
        return out

    def task(self, name):
        found = [r for r in self.results() if r["task"] == name or r["task"].endswith(" : " + name)]
        return ([r for r in found if not r.get("skipped")] or found)[-1]

    @property
    def changed(self):
        return self.doc.get("stats", {}).get("localhost", {}).get("changed", 0)

    def messages(self):
        return "\n".join(str(r.get("msg", "")) for r in self.results() if r.get("failed"))

    def __repr__(self):
        return "rc=%s\n%s\n%s" % (self.rc, self.stdout[-6000:], self.stderr[-3000:])


def play(lab, tmp_path, name, *args, extra=None, check=False, diff=False, cwd=None, env_extra=None):
    """ansible-playbook as scripts/demo.sh runs it: -i localhost, -c local, K8S_AUTH_KUBECONFIG."""
    env = dict(os.environ, PWD=cwd or ROOT, K8S_AUTH_KUBECONFIG=lab.kubeconfig, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
               ANSIBLE_NOCOLOR="1", ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
               ANSIBLE_DEPRECATION_WARNINGS="False", ANSIBLE_SHOW_CUSTOM_STATS="1", **(env_extra or {}))
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local",
           "-e", "ansible_python_interpreter=%s" % sys.executable]
    # a plain lab has no node data plane (the probe pods of the default API path would fail like
    # an image pull): no node checks here; tests/e2e runs them
    extra = dict(extra or {}, egressip_node_preflight=False, egressip_node_verify=False)
    path = tmp_path / ("extra-%d.json" % len(os.listdir(tmp_path)))
    path.write_text(json.dumps(extra))
    cmd += ["-e", "@%s" % path]
    cmd += (["--check"] if check else []) + (["--diff"] if diff else []) + list(args)
    cmd.append(os.path.join(PLAYBOOKS, name))
    proc = subprocess.run(cmd, cwd=cwd or ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    return Run(proc)


@pytest.fixture
def tls_lab(tmp_path):
    with start_lab(tmp_path, scenario="seed", tls=True) as lab:
        yield lab


def test_demo_assigns_an_egress_ip_and_prints_the_tables(tls_lab, tmp_path):
    lab = tls_lab
    res = play(lab, tmp_path, "demo.yml")
    assert res.rc == 0, res
    assert res.changed == 2   # the HostSubnets (one task), the NetNamespace (one task)
    for node in ("worker01", "worker02"):
        assert lab.get(HOSTSUBNET % node)["egressCIDRs"] == [CIDR]
    ips = lab.get(NETNAMESPACE % "mywebserver")["egressIPs"]
    assert len(ips) == 1 and ips[0].startswith("198.51.100.")
    ip = ips[0]
    holder = lab.assignments()[ip]
    assert holder["active"] and holder["namespace"] == "mywebserver" and holder["node"] in ("worker01", "worker02")
    assert lab.get(HOSTSUBNET % holder["node"])["egressIPs"] == [ip]
    hostsubnets = res.task("Print oc get hostsubnets")["msg"]
    assert hostsubnets[0].split() == ["NAME", "HOST", "HOST", "IP", "SUBNET", "EGRESS", "CIDRS", "EGRESS", "IPS"]
    assert any(line.startswith(holder["node"]) and line.endswith("[%s]   [%s]" % (CIDR, ip)) for line in hostsubnets)
    netnamespaces = res.task("Print oc get netnamespaces")["msg"]
    assert netnamespaces[0].split() == ["NAME", "NETID", "EGRESS", "IPS"]
    assert "mywebserver   5281170   [%s]" % ip in netnamespaces
    assert lab.errors() == []
    # the second run changes nothing and writes nothing
    before = lab.stats()["writes"]
    again = play(lab, tmp_path, "demo.yml")
    assert again.rc == 0 and again.changed == 0, again
    assert lab.stats()["writes"] == before


def test_demo_check_mode_and_diff_write_nothing(tls_lab, tmp_path):
    res = play(tls_lab, tmp_path, "demo.yml", check=True, diff=True)
    assert res.rc == 0, res
    assert res.changed > 0
    assert tls_lab.stats()["writes"] == 0
    hs = res.task("Plan the HostSubnets' egressCIDRs (check mode)")
    assert [c["name"] for c in hs["changes"]] == ["worker01", "worker02"]
    assert any(r.get("diff") for r in res.results() if r.get("changed")), "no diff shown"
    assert tls_lab.get(NETNAMESPACE % "mywebserver").get("egressIPs") in (None, [])


def test_report_writes_json_and_markdown(tls_lab, tmp_path):
    assert play(tls_lab, tmp_path, "demo.yml").rc == 0
    ip = tls_lab.get(NETNAMESPACE % "mywebserver")["egressIPs"][0]
    node = tls_lab.assignments()[ip]["node"]
    base = tmp_path / "out" / "egressip-report"
    base.parent.mkdir()
    res = play(tls_lab, tmp_path, "report.yml", extra={"report_path": str(base)})
    assert res.rc == 0, res
    data = json.loads((tmp_path / "out" / "egressip-report.json").read_text())
    assert data["network_type"] == "OpenShiftSDN" and data["mode"] == "auto"
    assert data["assignments"][ip]["node"] == node and data["assignments"][ip]["namespace"] == "mywebserver"
    assert {"name": "mywebserver", "netid": 5281170, "egress_ips": [ip]} in data["namespaces"]
    assert [n["name"] for n in data["nodes"]] == ["master01", "master02", "master03", "worker01", "worker02"]
    assert data["table_lines"][0].startswith("NAME")
    md = (tmp_path / "out" / "egressip-report.md").read_text()
    assert "| NAME | HOST | HOST IP | SUBNET | EGRESS CIDRS | EGRESS IPS | READY |" in md
    assert "| %s | %s | 198.51.100.14" % (node, node) in md and "| %s | %s | yes |" % (CIDR, ip) in md
    assert "| mywebserver | 5281170 | %s |" % ip in md
    assert "| %s | mywebserver | %s |" % (ip, node) in md
    printed = res.task("Print oc get hostsubnets / oc get netnamespaces")["msg"]
    assert "mywebserver   5281170   [%s]" % ip in printed
    again = play(tls_lab, tmp_path, "report.yml", extra={"report_path": str(base)})
    assert again.rc == 0 and again.changed == 0, again
    # AWX workflows get the paths, assignments and findings (set_stats)
    stats = res.doc["global_custom_stats"]
    assert stats["egressip_report_files"] == [str(base) + ".md", str(base) + ".json"]
    assert stats["egressip_assignments"][ip]["node"] == node
    assert stats["egressip_findings"] == data["findings"]
    # default path: ~/.ansible/ocp.egressip/reports, never the working directory (AWX: the project)
    cwd, home = tmp_path / "cwd", tmp_path / "home"
    cwd.mkdir()
    home.mkdir()
    assert play(tls_lab, tmp_path, "report.yml", cwd=str(cwd), env_extra={"HOME": str(home)}).rc == 0
    assert os.listdir(cwd) == []
    reports = home / ".ansible" / "ocp.egressip" / "reports"
    assert sorted(os.listdir(reports)) == ["egressip-report.json", "egressip-report.md"]
    assert oct(reports.stat().st_mode & 0o777) == "0o700"


def test_report_links_the_firewall_exports(tls_lab, tmp_path):
    """report.yml lists the allow-list exports of role egressip_firewall (their directory:
    egressip_firewall_export_dir) with links, and this cluster's addresses in each."""
    cluster = tls_lab.get("/apis/config.openshift.io/v1/clusterversions/version")["spec"]["clusterID"]
    exports = tmp_path / "exports"
    exports.mkdir()
    rows = [{"cluster": cluster, "namespace": "mywebserver", "address": "198.51.100.121", "source": "cluster"},
            {"cluster": "other", "namespace": "mywebserver", "address": "198.51.100.161", "source": "cluster"}]
    (exports / "db01.json").write_text(json.dumps({"target": "db01", "default_deny": True, "rows": rows,
                                                   "addresses": ["198.51.100.121", "198.51.100.161"]}))
    base = tmp_path / "egressip-report"
    extra = {"report_path": str(base), "egressip_firewall_export_dir": str(exports)}
    res = play(tls_lab, tmp_path, "report.yml", extra=extra)
    assert res.rc == 0, res
    md = (tmp_path / "egressip-report.md").read_text()
    assert "| db01 | 2 | 198.51.100.121 | on | [json](%s/db01.json) [csv](%s/db01.csv) [nft](%s/db01.nft) |" % (
        exports, exports, exports) in md, md
    data = json.loads((tmp_path / "egressip-report.json").read_text())
    assert data["cluster_id"] == cluster and data["firewall_exports"][0]["mine"] == ["198.51.100.121"]


@pytest.mark.parametrize("extra, text", [
    ({"namespace_name": "My_Web", "auto_nodes": "worker01", "egress_cidr": CIDR},
     "namespace names not DNS labels: My_Web"),
    ({"namespace_name": "mywebserver", "auto_nodes": "worker01", "egress_cidr": "198.51.100.0/33"},
     "egress CIDRs not IPv4 CIDRs: 198.51.100.0/33"),
    ({"namespace_name": "mywebserver", "egress_ips": "198.51.100.300"},
     "egress_ips not IPv4 or IPv6 addresses: 198.51.100.300"),
    ({"namespace_name": "mywebserver", "egress_ips": "198.51.100.120,2001:db8::zz"},
     "egress_ips not IPv4 or IPv6 addresses: 2001:db8::zz"),
    ({"namespace_name": "mywebserver", "pool": "2001:db8::1-2001:db8::g"},
     "pool entries not CIDR, A-B range or IP (IPv4 or IPv6): 2001:db8::1-2001:db8::g"),
    ({"namespace_name": "mywebserver", "egressip_count_ipv6": 300}, "count_ipv6 must be 0-256: 300"),
    ({"namespace_name": "mywebserver", "count": 0}, "count must be 1-256"),
    ({"egressip_namespaces": [{"name": "mywebserver", "mode": "sideways"}]}, "sideways"),
    ({"egressip_namespaces": [{"count": 1}]}, "name"),
    ({"namespace_name": "mywebserver", "targets": "database"}, "firewall target(s) database are not hosts of this play"),
    ({}, "set egressip_namespace_name"),
])
def test_bad_variables_fail_before_any_api_request(tls_lab, tmp_path, extra, text):
    tls_lab.reset()
    res = play(tls_lab, tmp_path, "auto.yml", extra=extra)
    assert res.rc != 0
    assert text in res.messages(), res
    assert tls_lab.stats()["total"] == 0


@pytest.mark.parametrize("extra, text", [
    ({"namespace_name": "nosuchproject", "auto_nodes": "worker01,worker02", "egress_cidr": CIDR},
     "NetNamespace not found: nosuchproject"),
    ({"namespace_name": "mywebserver", "auto_nodes": "worker01,worker09", "egress_cidr": CIDR}, "HostSubnet not found: worker09"),
    # the old extra var name is the one the message names (issue 10: messages name what the user set)
    ({"namespace_name": "mywebserver", "auto_nodes": "worker01"}, "auto_nodes given without egressip_egress_cidr"),
    # openshift-sdn is IPv4 only: IPv6 / count_ipv6 are refused once the network type is known
    ({"namespace_name": "mywebserver", "egress_ips": "198.51.100.120,2001:DB8::120"},
     "network type is OpenShiftSDN, which is IPv4 only (IPv6 and dual-stack egress IPs need OVN-Kubernetes): IPv6 "
     "values in egress_ips/pool/reserved/gateways: 2001:DB8::120; nothing was written"),
    ({"namespace_name": "mywebserver", "egressip_count_ipv6": 1, "auto_nodes": "worker01", "egress_cidr": CIDR},
     "count_ipv6 given for namespaces mywebserver"),
])
def test_cluster_mismatch_fails_before_any_write(tls_lab, tmp_path, extra, text):
    res = play(tls_lab, tmp_path, "auto.yml", extra=dict(extra, targets=""))
    assert res.rc != 0
    assert text in res.messages(), res
    assert tls_lab.stats()["writes"] == 0


def test_ovn_cluster_takes_the_ovn_path(tmp_path):
    """On an OVNKubernetes cluster the role labels the nodes egress-assignable and manages one
    EgressIP object per namespace (module egressip_ovn); release deletes it."""
    extra = {"namespace_name": "mywebserver", "auto_nodes": "worker01,worker02", "pool": "198.51.100.120-198.51.100.129",
             "node_network": CIDR, "node_interface": "enp1s0", "targets": ""}
    with start_lab(tmp_path, scenario="seed-ovn") as lab:
        res = play(lab, tmp_path, "auto.yml", extra=extra)
        assert res.rc == 0, res
        obj = lab.get("/apis/k8s.ovn.org/v1/egressips/egressip-mywebserver")
        assert obj["spec"]["egressIPs"] == ["198.51.100.120"]
        assert obj["spec"]["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "mywebserver"}}
        for node in ("worker01", "worker02"):
            assert "k8s.ovn.org/egress-assignable" in lab.get("/api/v1/nodes/%s" % node)["metadata"]["labels"]
        assert lab.assignments()["198.51.100.120"]["node"] in ("worker01", "worker02")
        result = res.task("Summarise")["ansible_facts"]["egressip_result"]
        assert result["network_type"] == "OVNKubernetes"
        assert result["namespaces"]["mywebserver"]["nodes"]["198.51.100.120"] in ("worker01", "worker02")
        again = play(lab, tmp_path, "auto.yml", extra=extra)
        assert again.rc == 0 and again.changed == 0, again
        gone = play(lab, tmp_path, "release.yml", extra={"namespace_name": "mywebserver", "targets": ""})
        assert gone.rc == 0, gone
        assert lab.get("/apis/k8s.ovn.org/v1/egressips")["items"] == []
        # manual mode does not exist on OVN-Kubernetes: refused before any write
        lab.reset()
        static = {"namespace_name": "mywebserver", "egress_ips": "198.51.100.121", "targets": ""}
        manual = play(lab, tmp_path, "static.yml", extra=static)
        assert manual.rc != 0 and "mode manual (IPs pinned to nodes) does not exist on OVN-Kubernetes" in manual.messages()
        assert lab.stats()["writes"] == 0


def test_static_count_allocates_two_ips_on_two_nodes(tls_lab, tmp_path):
    extra = {"namespace_name": "mywebserver", "nodes": "worker01, worker02", "pool": "198.51.100.130-198.51.100.139",
             "node_network": CIDR, "node_interface": "enp1s0", "targets": ""}
    # the plan (check mode, as the AWX workflow's plan node runs it) publishes the addresses it
    # would assign (set_stats) and writes nothing
    plan = play(tls_lab, tmp_path, "static.yml", extra=extra, check=True)
    assert plan.rc == 0, plan
    stats = plan.doc["global_custom_stats"]
    assert stats["egressip_check_mode"] is True
    assert stats["egressip_assigned"]["mywebserver"]["egress_ips"] == ["198.51.100.130", "198.51.100.131"]
    assert tls_lab.stats()["writes"] == 0
    res = play(tls_lab, tmp_path, "static.yml", extra=extra)
    assert res.rc == 0, res
    assert tls_lab.get(NETNAMESPACE % "mywebserver")["egressIPs"] == ["198.51.100.130", "198.51.100.131"]
    stats = res.doc["global_custom_stats"]
    assert stats["egressip_check_mode"] is False and isinstance(stats["egressip_findings"], list)
    assert sorted(stats["egressip_assigned"]["mywebserver"]["nodes"].values()) == ["worker01", "worker02"]
    pins = sorted(tls_lab.get(HOSTSUBNET % n).get("egressIPs") or [] for n in ("worker01", "worker02"))
    assert pins == [["198.51.100.130"], ["198.51.100.131"]]
    assert all(a["active"] for a in tls_lab.assignments().values())
    again = play(tls_lab, tmp_path, "static.yml", extra=extra)
    assert again.rc == 0 and again.changed == 0, again
    gone = play(tls_lab, tmp_path, "release.yml", extra={"namespace_name": "mywebserver", "targets": ""})
    assert gone.rc == 0, gone
    assert not tls_lab.get(NETNAMESPACE % "mywebserver").get("egressIPs")
    assert all(not tls_lab.get(HOSTSUBNET % n).get("egressIPs") for n in ("worker01", "worker02"))


def test_ovn_dual_stack_and_count_ipv6_through_the_role(tmp_path):
    """OVN-Kubernetes: the role takes IPv6 and dual-stack egress IPs (one EgressIP with an IPv4 and
    an IPv6 address) and count_ipv6 (auto.yml egressip_count_ipv6), which openshift-sdn refuses."""
    base = {"auto_nodes": "worker01,worker02", "targets": ""}
    with start_lab(tmp_path, scenario="seed-ovn-dualstack") as lab:
        res = play(lab, tmp_path, "auto.yml",
                   extra=dict(base, egressip_namespace_name="mywebserver", egressip_egress_ips="198.51.100.120,2001:DB8::120"))
        assert res.rc == 0, res
        obj = lab.get("/apis/k8s.ovn.org/v1/egressips/egressip-mywebserver")
        assert obj["spec"]["egressIPs"] == ["198.51.100.120", "2001:db8::120"]
        placed = lab.assignments()
        assert sorted(placed) == ["198.51.100.120", "2001:db8::120"]
        assert placed["198.51.100.120"]["node"] != placed["2001:db8::120"]["node"]    # one per node
        # count + count_ipv6: a dual-stack object from the pool's entries of each family
        dual = dict(base, egressip_namespace_name="default", egressip_count=1, egressip_count_ipv6=1,
                    egressip_pool="198.51.100.200-198.51.100.210,2001:db8::200-2001:db8::210")
        res = play(lab, tmp_path, "auto.yml", extra=dual)
        assert res.rc == 0, res
        obj = lab.get("/apis/k8s.ovn.org/v1/egressips/egressip-default")
        assert obj["spec"]["egressIPs"] == ["198.51.100.200", "2001:db8::200"]
        again = play(lab, tmp_path, "auto.yml", extra=dual)
        assert again.rc == 0 and again.changed == 0, again
        # IPv6 only: count 0
        v6_only = dict(base, egressip_namespace_name="kube-system", egressip_count=0, egressip_count_ipv6=1,
                       egressip_pool="2001:db8::220/126")
        res = play(lab, tmp_path, "auto.yml", extra=v6_only)
        assert res.rc == 0, res
        assert lab.get("/apis/k8s.ovn.org/v1/egressips/egressip-kube-system")["spec"]["egressIPs"] == ["2001:db8::221"]
