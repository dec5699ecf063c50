"""Benchmark: large clusters.  On a lab of NODES x NAMESPACES (scenario scale:N:M), side by side
in one run, interleaved, median of --repeat runs each:

  baseline   kubernetes.core.k8s_info listing the NetNamespaces alone (one task, registered)
  facts      ocp.egressip.egressip_facts with its defaults (one task, registered)
  change     ocp.egressip.egressip_netnamespace changing one namespace's egress IP

and prints facts/baseline (target <= 0.75) and change/baseline (target <= 1.0) per size, the
growth from the smallest to the largest size, and the peak RSS of the module process (one
extra run of each module through a wrapper interpreter).

    python benchmarks/facts_bench.py [--sizes 10:100,100:1000,1000:10000] [--repeat 3]
"""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import (ROOT, load, local_inventory, median, playbook, rss_interpreter,  # noqa: E402
                          run_playbook, verdict)

sys.path.insert(0, ROOT)
from tests.lab.fixtures import start_lab  # noqa: E402

EGRESS_CIDR = "198.19.0.0/24"       # inside the scale scenario's node network 198.18.0.0/15
TARGET_FACTS = 0.75
TARGET_CHANGE = 1.0


def plays(kubeconfig, task):
    return [{"hosts": "localhost", "gather_facts": False, "tasks": [dict(task, register="out")]}]


def k8s_info(kubeconfig):
    return {"name": "list", "kubernetes.core.k8s_info": {
        "kubeconfig": kubeconfig, "api_version": "network.openshift.io/v1", "kind": "NetNamespace"}}


def facts(kubeconfig):
    return {"name": "facts", "ocp.egressip.egressip_facts": {"kubeconfig": kubeconfig}}


def change(kubeconfig, ip):
    return {"name": "change", "ocp.egressip.egressip_netnamespace": {
        "kubeconfig": kubeconfig, "netnamespaces": [{"name": "ns-0001", "egress_ips": [ip]}]}}


def measure_size(tmp, nodes, namespaces, repeat):
    inv = local_inventory(tmp)
    rss_python, rss_log = rss_interpreter(tmp)
    os.makedirs(os.path.join(tmp, "rss"))
    rss_inv = local_inventory(os.path.join(tmp, "rss"), python=rss_python)
    times = {"baseline": [], "facts": [], "change": []}
    with start_lab(tmp, scenario="scale:%d:%d" % (nodes, namespaces), timeout=120) as lab:
        for i in range(1, min(nodes, 3) + 1):
            lab.patch("/apis/network.openshift.io/v1/hostsubnets/node-%04d" % i, {"egressCIDRs": [EGRESS_CIDR]})
        kc = lab.kubeconfig
        pbs = {
            "baseline": playbook(tmp, "baseline", plays(kc, k8s_info(kc))),
            "facts": playbook(tmp, "facts", plays(kc, facts(kc))),
        }
        before = load()
        for rep in range(repeat):
            for name in ("baseline", "facts", "change"):
                # each change run moves ns-0001 to another address (10, 11, 10, ...): always a write
                pb = pbs.get(name) or playbook(tmp, "change", plays(kc, change(kc, "198.19.0.%d" % (10 + rep % 2))))
                wall, out, _doc = run_playbook(pb, inv, callback="ansible.builtin.default")
                if name == "change" and "changed=1" not in out:
                    raise SystemExit("the change run changed nothing:\n%s" % out[-3000:])
                times[name].append(wall)
        # peak RSS of the module process, one run each through the wrapper interpreter
        rss = {}
        for name, task in (("facts", facts(kc)), ("change", change(kc, "198.19.0.200"))):
            open(rss_log, "w").close()
            run_playbook(playbook(tmp, "rss-" + name, plays(kc, task)), rss_inv, callback="ansible.builtin.default")
            with open(rss_log) as f:
                rss[name] = max(int(x) for x in f.read().split()) / 1024.0
        after = load()
    med = dict((k, median(v)) for k, v in times.items())
    return dict(nodes=nodes, namespaces=namespaces, median=med, runs=times, rss=rss, load=(before, after))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    p.add_argument("--sizes", default="10:100,100:1000,1000:10000",
                   help="comma-separated NODES:NAMESPACES lab sizes (default %(default)s)")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    sizes = [tuple(int(x) for x in s.split(":")) for s in args.sizes.split(",")]
    rows = []
    for nodes, namespaces in sizes:
        with tempfile.TemporaryDirectory(prefix="eip-facts-bench-") as tmp:
            rows.append(measure_size(tmp, nodes, namespaces, args.repeat))
    print("egressip_facts and a one-namespace egressip_netnamespace change against kubernetes.core.k8s_info "
          "listing the NetNamespaces (median of %d interleaved runs, wall time of ansible-playbook)" % args.repeat)
    print("%-13s %10s %10s %10s %12s %12s %10s %10s  %s" % (
        "nodes x ns", "k8s_info", "facts", "change", "facts/base", "change/base", "RSS facts", "RSS chg",
        "machine load before / after"))
    for r in rows:
        m = r["median"]
        print("%5d x %-5d %9.2fs %9.2fs %9.2fs %11.2fx %11.2fx %8.1fMiB %7.1fMiB  %s / %s" % (
            r["nodes"], r["namespaces"], m["baseline"], m["facts"], m["change"], m["facts"] / m["baseline"],
            m["change"] / m["baseline"], r["rss"]["facts"], r["rss"]["change"], r["load"][0], r["load"][1]))
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        print()
        print("growth %dx%d -> %dx%d (data x%.0f):" % (a["nodes"], a["namespaces"], b["nodes"], b["namespaces"],
                                                       b["namespaces"] / float(a["namespaces"])))
        for k in ("baseline", "facts", "change"):
            print("  %-9s %6.2fs -> %6.2fs (x%.2f)" % (
                k, a["median"][k], b["median"][k], b["median"][k] / a["median"][k]))
    last = rows[-1]["median"]
    rf, rc = last["facts"] / last["baseline"], last["change"] / last["baseline"]
    print()
    print("targets at %dx%d: facts/k8s_info <= %.2f: %.2f %s; change/k8s_info <= %.2f: %.2f %s" % (
        rows[-1]["nodes"], rows[-1]["namespaces"], TARGET_FACTS, rf, verdict(rf, TARGET_FACTS),
        TARGET_CHANGE, rc, verdict(rc, TARGET_CHANGE)))


if __name__ == "__main__":
    main()
