"""An in-process OVN-Kubernetes lab cluster for the controller translation tests: nodes built as
the upstream tests build them (egressip_controller_test.go), client writes straight into the
store followed by the reconcile the API server's write path runs."""
import copy
import json

from tests.lab.cluster import Cluster
from tests.lab.kinds import BY_KIND
from tests.lab.ovn import EgressNode, LABEL, MARK
from tests.lab.ovn_annotations import EgressConfig
from tests.lab.goip import parse_cidr
from tests.lab.scenarios import Scenario, infrastructure

NODE, EIP = BY_KIND["Node"], BY_KIND["EgressIP"]


def ovn_node(name, v4="", v6="", host_cidrs=None, labelled=False, ready=True, subnets=("10.128.0.0/24",),
             annotations=None):
    """A node as ovnkube-node annotates it; host_cidrs defaults to the primary addresses."""
    cidrs = host_cidrs if host_cidrs is not None else [c for c in (v4, v6) if c]
    ann = {"k8s.ovn.org/node-primary-ifaddr": json.dumps({"ipv4": v4, "ipv6": v6}),
           "k8s.ovn.org/node-subnets": json.dumps({"default": list(subnets)}),
           "k8s.ovn.org/host-cidrs": json.dumps(cidrs)}
    ann.update(annotations or {})
    conds = [] if ready is None else [{"type": "Ready", "status": "True" if ready else "False"}]
    return {"metadata": {"name": name, "labels": {LABEL: ""} if labelled else {}, "annotations": ann},
            "spec": {}, "status": {"conditions": conds}}


def egressip(name, ips, items=(), annotations=None):
    obj = {"metadata": {"name": name, "labels": {"name": name}},
           "spec": {"egressIPs": list(ips), "namespaceSelector": {"matchLabels": {"name": "egressip-namespace"}}},
           "status": {"items": [{"egressIP": ip, "node": node} for ip, node in items]}}
    if annotations:
        obj["metadata"]["annotations"] = dict(annotations)
    return obj


def seeded_node(name, ipnets, allocations):
    """setupNode (egressip_controller_test.go:116-146): an assignable, ready, reachable cache
    entry with mock allocations."""
    cfg = EgressConfig()
    for text in ipnets:
        parsed = parse_cidr(text)
        if parsed is not None:
            setattr(cfg, "v4" if parsed[0].version == 4 else "v6", parsed)
    entry = EgressNode(name, cfg, ["10.128.0.2"])
    entry.allocations = dict(allocations)
    entry.ready = entry.reachable = entry.assignable = True
    return entry


class World:
    """cluster.start(nodes, egressips) as fakeClusterManagerOVN.start + WatchEgressNodes/WatchEgressIP."""

    def __init__(self, nodes=(), eips=(), platform=None):
        sc = Scenario("OVNKubernetes")
        if platform:
            sc.objects.append(("Infrastructure", infrastructure(platform)))
        sc.objects += [("Node", n) for n in nodes] + [("EgressIP", e) for e in eips]
        self.cluster = Cluster(sc)
        self.ovn = self.cluster.ovn

    # -- client writes -------------------------------------------------------------------
    def _write(self, kind, obj):
        self.cluster.store.put(kind, obj)
        self.cluster.reconcile()

    def create(self, obj):
        obj = copy.deepcopy(obj)
        obj.pop("status", None)
        self._write(EIP if "spec" in obj and "egressIPs" in obj["spec"] else NODE, obj)

    def add_node(self, obj):
        self._write(NODE, copy.deepcopy(obj))

    def node(self, name):
        return self.cluster.store.get(NODE, None, name)

    def update_node(self, name, change):
        obj = self.node(name)
        change(obj)
        self._write(NODE, obj)

    def label(self, name, on=True):
        def change(obj):
            labels = obj["metadata"].setdefault("labels", {})
            if on:
                labels[LABEL] = ""
            else:
                labels.pop(LABEL, None)
        self.update_node(name, change)

    def ready(self, name, value):
        def change(obj):
            obj["status"]["conditions"] = [{"type": "Ready", "status": "True" if value else "False"}]
        self.update_node(name, change)

    def delete(self, kind, name):
        self.cluster.store.delete(kind, None, name)
        self.cluster.reconcile()

    def eip(self, name):
        return self.cluster.store.get(EIP, None, name)

    def update_eip(self, name, change):
        obj = self.eip(name)
        change(obj)
        self._write(EIP, obj)

    def reachable(self, name, value):
        self.ovn.set_health(name, value)
        self.cluster.reconcile()

    def tick(self):
        """The periodic reachability check (egressip_controller.go:568-580, every 5 s)."""
        self.ovn.check_reachability()
        self.cluster.reconcile()

    # -- reads ---------------------------------------------------------------------------
    def status(self, name):
        return [(i["egressIP"], i["node"]) for i in (self.eip(name).get("status") or {}).get("items") or []]

    def mark(self, name):
        return ((self.eip(name)["metadata"].get("annotations")) or {}).get(MARK)

    def errors(self):
        return [e["message"] for e in self.cluster.events.all() if e["level"] == "E"]

    def reassignment_count(self):
        """getEgressIPReassignmentCount (egressip_controller_test.go:240-251)."""
        return sum(1 for e in self.cluster.store.items(EIP)
                   if len(e["spec"].get("egressIPs") or []) != len((e.get("status") or {}).get("items") or []))
