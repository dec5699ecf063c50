"""Benchmark: converged and changing role runs on the seed topology (tests/netns: worker01 and
worker02 as node hosts over ssh, database as the firewall target, the lab with its dataplane in
the controller namespace, as in tests/e2e).  Side by side in one run, per repetition:

  baseline      a one-task ansible-playbook (ansible.builtin.ping) over the same hosts and connection
  changing      playbooks/auto.yml from a released state (writes the API, the firewall, checks nodes)
  converged     playbooks/auto.yml again (nothing to change)
  release       playbooks/release.yml (information; a changing run)

and the same for an API-only run (--limit localhost, no targets: no node hosts, no firewall)
against a one-task playbook over localhost.  Prints medians, ratios (targets: converged <= 4x,
changing <= 6x the baseline), the tasks executed per host and the output lines of each run
(default callback).

    python benchmarks/role_bench.py [--repeat 3]
"""
import argparse
import json
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import ROOT, load, median, verdict  # noqa: E402

sys.path.insert(0, ROOT)
from tests.netns.fixtures import make_topology  # noqa: E402
from tests.netns.playbook import ansible_playbook  # noqa: E402
from tests.netns.topology import down  # noqa: E402
from tests.e2e.seed_helpers import CIDR, playbook, seed_lab, write_inventory  # noqa: E402

AUTO = dict(namespace_name="mywebserver", auto_nodes="worker01,worker02", egress_cidr=CIDR,
            pool="198.51.100.120-198.51.100.139", gateway="198.51.100.1", targets="database")
API_ONLY = dict(AUTO, targets="", node_network=CIDR, node_interface="enp1s0")
RELEASE = dict(namespace_name="mywebserver", targets="database")
RELEASE_API = dict(namespace_name="mywebserver", targets="")
TARGET_CONVERGED = 4.0
TARGET_CHANGING = 6.0
RESULT_LINE = re.compile(r"^(ok|changed|skipping|failed|fatal): \[([^\]]+)\]")


def baseline_playbook(tmp, hosts):
    path = os.path.join(tmp, "one-task-%s.yml" % hosts.replace(":", "-"))
    with open(path, "w") as f:
        json.dump([{"hosts": hosts, "gather_facts": False, "tasks": [{"ansible.builtin.ping": None}]}], f)
    return path


def api_inventory(tmp, inventory):
    """The seed inventory's variables, localhost only (no node hosts, no targets)."""
    with open(inventory) as f:
        inv = json.load(f)
    api = {"all": {"hosts": {"localhost": {"ansible_connection": "local",
                                           "ansible_python_interpreter": sys.executable}},
                   "vars": inv["all"].get("vars", {})}}
    path = os.path.join(tmp, "inventory-api.json")
    with open(path, "w") as f:
        json.dump(api, f)
    return path


def run(topo, inventory, lab, pb, extra=None):
    env = {"K8S_AUTH_KUBECONFIG": lab.kubeconfig, "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
           "ANSIBLE_CALLBACK_RESULT_FORMAT": "yaml"}
    start = time.monotonic()
    res = ansible_playbook(topo, pb, extra_vars=extra, inventory=inventory, env=env, timeout=600)
    wall = time.monotonic() - start
    if res.rc != 0:
        raise SystemExit("%s failed (rc %d):\n%s\n%s" % (pb, res.rc, res.stdout[-5000:], res.stderr[-2000:]))
    executed, skipped = {}, {}
    for line in res.stdout.splitlines():
        m = RESULT_LINE.match(line)
        if m:
            bucket = skipped if m.group(1) == "skipping" else executed
            bucket[m.group(2)] = bucket.get(m.group(2), 0) + 1
    changed = sum(int(x) for x in re.findall(r"changed=(\d+)", res.stdout))
    return dict(wall=wall, lines=len(res.stdout.splitlines()), executed=executed, skipped=skipped, changed=changed)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    rows = {}
    detail = {}
    with tempfile.TemporaryDirectory(prefix="eip-role-bench-") as tmp:
        topo = make_topology("r")
        try:
            inventory = write_inventory(topo)
            with seed_lab(topo, tmp) as lab:
                load_before = load()
                api_inv = api_inventory(tmp, inventory)
                full = baseline_playbook(tmp, "localhost:egressip_nodes:egressip_targets")
                local = baseline_playbook(tmp, "localhost")
                for _rep in range(args.repeat):
                    steps = [
                        ("baseline", full, None, None),
                        ("changing", playbook("auto.yml"), AUTO, None),
                        ("converged", playbook("auto.yml"), AUTO, None),
                        ("release", playbook("release.yml"), RELEASE, None),
                        ("api baseline", local, None, api_inv),
                        ("api changing", playbook("auto.yml"), API_ONLY, api_inv),
                        ("api converged", playbook("auto.yml"), API_ONLY, api_inv),
                        ("api release", playbook("release.yml"), RELEASE_API, api_inv),
                    ]
                    for name, pb, extra, inv in steps:
                        r = run(topo, inv or inventory, lab, pb, extra)
                        if name.endswith("converged") and r["changed"]:
                            raise SystemExit("%s run changed %d things" % (name, r["changed"]))
                        rows.setdefault(name, []).append(r["wall"])
                        detail[name] = r
                load_after = load()
        finally:
            down(topo)
    med = dict((k, median(v)) for k, v in rows.items())
    print("role ocp.egressip.egressip on the seed topology (median of %d runs; %s / %s)" % (
        args.repeat, load_before, load_after))
    print("%-14s %8s %7s %6s  %-40s %s" % ("run", "wall", "ratio", "lines", "tasks executed per host", "skipped"))
    for name in ("baseline", "changing", "converged", "release", "api baseline", "api changing", "api converged",
                 "api release"):
        base = med["api baseline" if name.startswith("api") else "baseline"]
        d = detail[name]
        print("%-14s %7.2fs %6.2fx %6d  %-40s %s" % (
            name, med[name], med[name] / base, d["lines"],
            ", ".join("%s=%d" % kv for kv in sorted(d["executed"].items())),
            ", ".join("%s=%d" % kv for kv in sorted(d["skipped"].items()))))
    print()
    for prefix, base in (("", "baseline"), ("api ", "api baseline")):
        c, ch = med[prefix + "converged"] / med[base], med[prefix + "changing"] / med[base]
        print("targets %-8s converged <= %.0fx: %.2fx %s; changing <= %.0fx: %.2fx %s" % (
            prefix.strip() or "full", TARGET_CONVERGED, c, verdict(c, TARGET_CONVERGED), TARGET_CHANGING, ch,
            verdict(ch, TARGET_CHANGING)))


if __name__ == "__main__":
    main()
