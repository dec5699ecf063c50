"""Helpers for the seed-story e2e tests: the netns topology + a lab with a dataplane, and the
collection's playbooks run from the controller namespace against both."""
import contextlib
import json
import os

import yaml

from tests.lab.fixtures import start_lab
from tests.netns import addresses, ansible_playbook, run_in, tcp_probe
from tests.netns.fixtures import reset_topology
from tests.netns.topology import REPO_ROOT

DB = "203.0.113.10"
DB_PORT = 5432
CIDR = "198.51.100.0/24"
WORKERS = ("worker01", "worker02")
HOST_IPS = {"worker01": "198.51.100.144", "worker02": "198.51.100.145"}
NETNAMESPACE = "/apis/network.openshift.io/v1/netnamespaces/%s"
HOSTSUBNET = "/apis/network.openshift.io/v1/hostsubnets/%s"
EGRESSIP = "/apis/k8s.ovn.org/v1/egressips/%s"


def playbook(name):
    return os.path.join(REPO_ROOT, "playbooks", name)


def write_inventory(topo, node_access="api"):
    """The topology's inventory plus the AWX-style groups the playbooks use, per-host firewall
    state dirs (the namespaces share one file system), the exports in the topology's temp dir,
    default-deny on the database and a quicker arping.

    node_access "api": the workers are not in the inventory at all (no SSH to any node: the node
    checks run in pods through the lab's API); "ssh": they are the group egressip_nodes."""
    with open(topo["inventory"]) as fh:
        inv = json.load(fh)
    if node_access == "api":
        for w in WORKERS:
            inv["all"]["hosts"].pop(w, None)
            for group in inv["all"]["children"].values():
                group["hosts"].pop(w, None)
    for name, hv in inv["all"]["hosts"].items():
        hv["egressip_firewall_state_dir"] = os.path.join(topo["hosts"][name]["scratch_dir"], "egressip-firewall")
        hv["egressip_firewall_export_dir"] = os.path.join(topo["tmpdir"], "exports")
    inv["all"]["vars"].update(egressip_node_check_arping_count=1, egressip_node_check_arping_timeout=1,
                              egressip_node_access=node_access)
    # the database's own choice (role egressip_firewall): drop every source it does not allow
    inv["all"]["hosts"]["database"]["egressip_firewall_default_deny"] = True
    if node_access == "ssh":
        inv["all"]["children"]["egressip_nodes"] = {"hosts": {"worker01": {}, "worker02": {}}}
    inv["all"]["children"]["egressip_targets"] = {"hosts": {"database": {}}}
    path = os.path.join(topo["tmpdir"], "inventory-egressip-%s.json" % node_access)
    with open(path, "w") as fh:
        json.dump(inv, fh, indent=1)
    return path


def apply_probe_namespace(lab):
    """What a cluster admin applies from rbac/ for the API path: the probe pods' namespace."""
    with open(os.path.join(REPO_ROOT, "rbac", "namespace-node-probe.yml")) as fh:
        lab.post("/api/v1/namespaces", yaml.safe_load(fh))


@contextlib.contextmanager
def seed_lab(topo, tmp_path, scenario="seed"):
    """The blog's cluster (``seed``, or ``seed-ovn`` for OVN-Kubernetes), in the controller
    namespace, putting assigned egress IPs on the workers' enp1s0 as the SDN / OVN does; the hosts
    are reset before and after."""
    reset_topology(topo)
    dataplane = ",".join("%s=%s:enp1s0" % (w, topo.ns(w)) for w in WORKERS)
    try:
        with start_lab(tmp_path, scenario=scenario, extra_args=["--dataplane", dataplane], netns=topo.ctl) as lab:
            apply_probe_namespace(lab)
            lab.reset()
            yield lab
    finally:
        reset_topology(topo)


class Story:
    """Runs the playbooks and looks at the lab, the nodes and the firewall."""

    def __init__(self, topo, lab, inventory):
        self.topo, self.lab, self.inventory = topo, lab, inventory

    def run(self, name, check=False, diff=False, **extra):
        return ansible_playbook(self.topo, playbook(name), extra_vars=extra, check=check, diff=diff,
                                inventory=self.inventory, env={"K8S_AUTH_KUBECONFIG": self.lab.kubeconfig},
                                timeout=400)

    # -- cluster -------------------------------------------------------------------------
    def ns_ips(self, ns="mywebserver"):
        return self.lab.get(NETNAMESPACE % ns).get("egressIPs") or []

    def hs(self, node):
        return self.lab.get(HOSTSUBNET % node)

    def active(self):
        """ip -> node, for the IPs the lab's SDN has active."""
        return {ip: a["node"] for ip, a in self.lab.assignments().items() if a.get("active")}

    # -- nodes ---------------------------------------------------------------------------
    def holders(self, ip):
        self.lab.settle()       # the lab's controllers are asynchronous: the data plane follows their pass
        return [w for w in WORKERS if "%s/24" % ip in addresses(self.topo.ns(w))]

    def probe(self, node, src, port=DB_PORT, timeout=1.5):
        self.lab.settle()
        return tcp_probe(self.topo.ns(node), src, DB, port, timeout)

    def probe_pods(self):
        return self.lab.pods("egressip-node-probe")

    def ruleset(self, host="database"):
        return run_in(self.topo.ns(host), ["nft", "list", "ruleset"]).stdout


def describe(res):
    return res.describe()
