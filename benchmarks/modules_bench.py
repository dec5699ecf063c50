"""Benchmark: converge 200 namespaces (one egress IP each, automatic mode) from scratch, then
re-run converged.  Our batch task (ocp.egressip.egressip_netnamespace, one task) against a loop
of kubernetes.core.k8s tasks doing the same merge patches, each on a fresh lab
(scenario scale:4:200).  API requests are counted by the lab (/_lab/stats: total + discovery),
wall time is the ansible-playbook run.

    python benchmarks/modules_bench.py [--namespaces 200]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, ".collections")]

from tests.lab.fixtures import start_lab  # noqa: E402

CIDR = "198.18.1.0/24"
NODES = ["node-%04d" % i for i in range(1, 5)]


def ip_of(i):
    return "198.18.1.%d" % i if i < 255 else "198.18.2.%d" % (i - 254)


def playbook(path, kubeconfig, tasks):
    with open(path, "w") as f:
        json.dump([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}], f)


def run(tmp, name, kubeconfig, tasks):
    pb = os.path.join(tmp, name + ".yml")
    inv = os.path.join(tmp, "inventory")
    with open(inv, "w") as f:
        f.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    playbook(pb, kubeconfig, tasks)
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".collections"),
               ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false", ANSIBLE_DEPRECATION_WARNINGS="False",
               PYTHONPATH=os.pathsep.join([ROOT, os.path.join(ROOT, ".collections")]))
    start = time.monotonic()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inv, pb], check=False,
                          env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit("%s failed:\n%s\n%s" % (name, proc.stdout[-4000:], proc.stderr[-2000:]))
    doc = json.loads(proc.stdout[proc.stdout.index("{"):])
    return wall, doc


def measure(lab, tmp, name, tasks):
    s0 = lab.stats()
    wall, doc = run(tmp, name, lab.kubeconfig, tasks)
    s1 = lab.stats()
    requests = (s1["total"] - s0["total"]) + (s1.get("discovery", 0) - s0.get("discovery", 0))
    changed = sum(1 for play in doc["plays"] for task in play["tasks"]
                  for res in task["hosts"].values()
                  for item in (res.get("results") or [res]) if item.get("changed"))
    return dict(requests=requests, writes=s1["writes"] - s0["writes"], wall=wall, changed=changed)


def setup_cidrs(lab):
    for node in NODES:
        lab.patch("/apis/network.openshift.io/v1/hostsubnets/%s" % node, {"egressCIDRs": [CIDR]})


def ours(tmp, n):
    items = [{"name": "ns-%04d" % i, "egress_ips": [ip_of(i)]} for i in range(1, n + 1)]
    with start_lab(tmp, scenario="scale:%d:%d" % (len(NODES), n)) as lab:
        setup_cidrs(lab)
        task = [{"ocp.egressip.egressip_netnamespace": {"kubeconfig": lab.kubeconfig, "netnamespaces": items}}]
        first = measure(lab, tmp, "ours-converge", task)
        second = measure(lab, tmp, "ours-rerun", task)
        ns = lab.get("/apis/network.openshift.io/v1/netnamespaces/ns-%04d" % n)
        assert ns.get("egressIPs") == [ip_of(n)], ns
    return first, second


def k8s_loop(tmp, n):
    items = [{"name": "ns-%04d" % i, "ip": ip_of(i)} for i in range(1, n + 1)]
    with start_lab(tmp, scenario="scale:%d:%d" % (len(NODES), n)) as lab:
        setup_cidrs(lab)
        task = [{
            "kubernetes.core.k8s": {
                "kubeconfig": lab.kubeconfig,
                "state": "present",
                "merge_type": "merge",
                "definition": {"apiVersion": "network.openshift.io/v1", "kind": "NetNamespace",
                               "metadata": {"name": "{{ item.name }}"}, "egressIPs": ["{{ item.ip }}"]},
            },
            "loop": items,
        }]
        first = measure(lab, tmp, "k8s-converge", task)
        second = measure(lab, tmp, "k8s-rerun", task)
        ns = lab.get("/apis/network.openshift.io/v1/netnamespaces/ns-%04d" % n)
        assert ns.get("egressIPs") == [ip_of(n)], ns
    return first, second


def ratio(a, b):
    return float("inf") if b == 0 else a / float(b)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--namespaces", type=int, default=200)
    args = p.parse_args()
    n = args.namespaces
    with tempfile.TemporaryDirectory(prefix="eip-bench-") as tmp:
        o1, o2 = ours(tmp, n)
        k1, k2 = k8s_loop(tmp, n)
    rows = [("egressip_netnamespace batch", "converge", o1), ("egressip_netnamespace batch", "re-run", o2),
            ("kubernetes.core.k8s loop", "converge", k1), ("kubernetes.core.k8s loop", "re-run", k2)]
    print("%d namespaces, one egress IP each (automatic mode), fresh lab scale:%d:%d per approach" % (
        n, len(NODES), n))
    print("%-28s %-9s %9s %7s %8s %9s" % ("approach", "phase", "requests", "writes", "changed", "wall [s]"))
    for name, phase, r in rows:
        print("%-28s %-9s %9d %7d %8d %9.2f" % (name, phase, r["requests"], r["writes"], r["changed"], r["wall"]))
    tot_o = dict(requests=o1["requests"] + o2["requests"], wall=o1["wall"] + o2["wall"])
    tot_k = dict(requests=k1["requests"] + k2["requests"], wall=k1["wall"] + k2["wall"])
    print()
    print("%-22s %16s %16s" % ("ratio k8s loop / ours", "API requests", "wall time"))
    for label, a, b in (("converge", k1, o1), ("re-run", k2, o2), ("both runs", tot_k, tot_o)):
        print("%-22s %15.1fx %15.1fx" % (label, ratio(a["requests"], b["requests"]), ratio(a["wall"], b["wall"])))
    print()
    print("targets: >= 20x fewer requests, >= 5x less wall time, 0 writes on the converged re-run")
    print("  converged re-run writes (ours): %d %s" % (o2["writes"], "OK" if o2["writes"] == 0 else "FAIL"))
    for label, a, b in (("converge", k1, o1), ("re-run", k2, o2), ("both runs", tot_k, tot_o)):
        rq, wt = ratio(a["requests"], b["requests"]), ratio(a["wall"], b["wall"])
        print("  %-10s requests %5.1fx %-4s wall %5.1fx %s" % (
            label, rq, "OK" if rq >= 20 else "MISS", wt, "OK" if wt >= 5 else "MISS"))
    print("  (converging from scratch needs one PATCH per namespace whatever the tool, so %d requests "
          "is the floor for that phase)" % n)


if __name__ == "__main__":
    main()
