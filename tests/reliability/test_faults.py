"""Fault injection with the lab (/_lab/faults): a 500 or 503 on each request of a batch,
hanging requests (request_timeout), a 409 storm, a failing Lease release.  After every
fault the cluster is untouched or converged (compared with the states before and after,
and validated with the core), and a re-run converges without manual cleanup.

All cases run in ONE ansible-playbook (per case: inject -> faulted task -> snapshot ->
re-run -> snapshot) to keep the runtime low; the snapshots and the fault injection use the
test-only lookup plugin tests/reliability/lookup_plugins/lab.py (no module process)."""
import contextlib

import pytest

from ansible_collections.ocp.egressip.plugins.module_utils.core import state as core_state
from ansible_collections.ocp.egressip.plugins.module_utils.core import validate as core_validate
from tests.reliability.common import (
    HS, LEASES, NN, NODE_NETWORK, NODES, Run, create_namespaces, finish_play, kill_group, no_traceback,
    start_play,
)

pytestmark = pytest.mark.slow

TASK = "ocp.egressip.egressip_netnamespace"


def case_names(i):
    return "flt-%02d-a" % i, "flt-%02d-b" % i


def case_ips(i):
    base = 20 + 4 * i
    return ["198.51.100.%d" % (base + k) for k in range(4)]


# id, fault rule, extra task options, expectation after the fault:
#   "untouched": failed, egress state exactly as before
#   "converged": succeeded (with a warning), state as after the re-run
#   "late-write": failed on a client timeout while the server applied the write later:
#                 no error finding, the re-run converges
def cases():
    out = [
        ("lease-create-503", {"verb": "create", "kind": "Lease", "status": 503}, {}, "untouched"),
        ("network-get-500", {"verb": "get", "kind": "Network", "status": 500}, {}, "untouched"),
        ("lease-peek-503", {"verb": "get", "kind": "Lease", "status": 503}, {}, "untouched"),
        ("list-hostsubnets-500", {"verb": "list", "kind": "HostSubnet", "status": 500}, {}, "untouched"),
        ("list-netnamespaces-503", {"verb": "list", "kind": "NetNamespace", "status": 503}, {}, "untouched"),
        ("list-nodes-500", {"verb": "list", "kind": "Node", "status": 500}, {}, "untouched"),
        ("lease-update-503", {"verb": "update", "kind": "Lease", "status": 503}, {}, "untouched"),
    ]
    for status in (500, 503):
        out += [
            ("patch-hostsubnet-1st-%d" % status, {"verb": "patch", "kind": "HostSubnet", "name": "worker01",
                                                  "status": status}, {}, "untouched"),
            ("patch-hostsubnet-2nd-%d" % status, {"verb": "patch", "kind": "HostSubnet", "name": "worker02",
                                                  "status": status}, {}, "untouched"),
            ("patch-netnamespace-a-%d" % status, {"verb": "patch", "kind": "NetNamespace", "name": "@a",
                                                  "status": status}, {}, "untouched"),
            ("patch-netnamespace-b-%d" % status, {"verb": "patch", "kind": "NetNamespace", "name": "@b",
                                                  "status": status}, {}, "untouched"),
        ]
    out += [
        ("lease-release-500", {"verb": "patch", "kind": "Lease", "status": 500}, {"lock_ttl": 2}, "converged"),
        ("conflict-storm-409", {"verb": "patch", "kind": "NetNamespace", "name": "@a", "status": 409, "count": 20},
         {}, "untouched"),
        # a 409 (retried: re-read, re-plan) and then a 500 in the second attempt: the writes of
        # the first attempt are rolled back too
        ("conflict-then-500", [{"verb": "patch", "kind": "NetNamespace", "name": "@a", "status": 409},
                               {"verb": "patch", "kind": "NetNamespace", "name": "@a", "status": 500}],
         {}, "untouched"),
        ("hang-list-request-timeout", {"verb": "list", "kind": "NetNamespace", "hang": 4},
         {"request_timeout": 1}, "untouched"),
        ("hang-patch-request-timeout", {"verb": "patch", "kind": "HostSubnet", "name": "worker02", "hang": 2.5},
         {"request_timeout": 1}, "late-write"),
    ]
    return out


CASES = cases()


def q(method, path, body=None):
    if body is None:
        return "{{ query('lab', '%s', '%s')[0] }}" % (method, path)
    return "{{ query('lab', '%s', '%s', %s)[0] }}" % (method, path, _jinja(body))


def _jinja(obj):
    import json
    return json.dumps(obj).replace("null", "none").replace("true", "true").replace("false", "false")


def snapshot(cid, tag):
    return {"name": "%s-snap-%s" % (cid, tag), "ansible.builtin.set_fact": {
        "snap": {"hs": q("GET", HS), "nn": q("GET", NN), "nodes": q("GET", NODES),
                 "faults": q("GET", "/_lab/faults"), "stats": q("GET", "/_lab/stats"),
                 "lease": q("GET", LEASES + "/ocp-egressip-lock")}}}


def build_tasks():
    """One list of tasks per case."""
    out = []
    for i, (cid, rule, options, _expect) in enumerate(CASES):
        a, b = case_names(i)
        ips = case_ips(i)
        rules = []
        for r in (rule if isinstance(rule, list) else [rule]):
            r = dict(r, count=r.get("count", 1))
            r["name"] = {"@a": a, "@b": b}.get(r.get("name"), r.get("name"))
            rules.append(r)
        args = {"netnamespaces": [{"name": a, "egress_ips": ips[:2]}, {"name": b, "egress_ips": ips[2:]}],
                "mode": "manual", "nodes": ["worker01", "worker02"]}
        tasks = [
            snapshot(cid, "before"),
            {"name": "%s-inject" % cid, "ansible.builtin.set_fact": {
                "injected": [q("POST", "/_lab/faults", r) for r in rules]}},
            dict({"name": "%s-fault" % cid, TASK: dict(args, **options), "ignore_errors": True}),
            snapshot(cid, "fault"),
        ]
        rule = rules[0]
        if rule.get("hang") and rule.get("verb") == "patch":
            tasks.append({"name": "%s-wait-late-write" % cid, "ansible.builtin.pause": {"seconds": rule["hang"] + 1}})
            tasks.append(snapshot(cid, "late"))
        tasks += [
            {"name": "%s-clear" % cid, "ansible.builtin.set_fact": {"cleared": q("DELETE", "/_lab/faults")}},
            {"name": "%s-rerun" % cid, TASK: args},
            snapshot(cid, "final"),
        ]
        out.append(tasks)
    return out


def egress(snap):
    out = {}
    for hs in snap["hs"]["items"]:
        out["HostSubnet/" + hs["metadata"]["name"]] = sorted(hs.get("egressIPs") or [])
    for nn in snap["nn"]["items"]:
        out["NetNamespace/" + nn["metadata"]["name"]] = list(nn.get("egressIPs") or [])
    return out


def errors(snap):
    st = core_state.state_from_sdn(snap["hs"]["items"], snap["nn"]["items"], nodes=snap["nodes"]["items"],
                                   default_network=NODE_NETWORK)
    return [f.message for f in core_validate.validate(st) if f.severity == "error"]


class Merged(object):
    """The task results of the shards, by task name (names are unique per case)."""

    def __init__(self, runs):
        self.runs = runs
        self.tasks = [t for r in runs for t in r.tasks]

    result = Run.result
    duration_of = Run.duration_of
    stdout = property(lambda self: "".join(r.stdout for r in self.runs))
    stderr = property(lambda self: "".join(r.stderr for r in self.runs))


SHARDS = 2      # two labs, two playbooks at once (the cases are independent)


@pytest.fixture(scope="module")
def fault_run(tmp_path_factory, tally):
    from tests.lab.fixtures import start_lab
    tmp = tmp_path_factory.mktemp("faults")
    per_case = build_tasks()
    bounds = [len(CASES) * k // SHARDS for k in range(SHARDS + 1)]     # contiguous: lease-release + next
    started, runs = [], []
    with contextlib.ExitStack() as stack:
        for k in range(SHARDS):
            lab = stack.enter_context(start_lab(tmp, scenario="seed"))
            create_namespaces(lab, [n for i in range(bounds[k], bounds[k + 1]) for n in case_names(i)])
            tasks = [t for case in per_case[bounds[k]:bounds[k + 1]] for t in case]
            started.append(start_play(tmp, lab, tasks, name="faults-%d" % k))
        try:
            for s in started:
                runs.append(finish_play(s, timeout=600))
        finally:
            for s in started:
                if s[0].poll() is None:
                    kill_group(s[0])
                    s[0].wait()
        for r in runs:
            assert r.doc is not None, r.describe()
        tally.add("faults", runs=len(runs))
        yield Merged(runs)


@pytest.mark.parametrize("idx", range(len(CASES)), ids=[c[0] for c in CASES])
def test_fault(fault_run, tally, idx):
    cid, rules, options, expect = CASES[idx]
    rule = rules[-1] if isinstance(rules, list) else rules
    run = fault_run
    a, b = case_names(idx)
    ips = case_ips(idx)
    before = run.result("%s-snap-before" % cid)["ansible_facts"]["snap"]
    after_fault = run.result("%s-snap-fault" % cid)["ansible_facts"]["snap"]
    final = run.result("%s-snap-final" % cid)["ansible_facts"]["snap"]
    res = run.result("%s-fault" % cid)
    rerun = run.result("%s-rerun" % cid)
    injected = run.result("%s-inject" % cid)["ansible_facts"]["injected"]
    assert all("error" not in r for r in injected), injected
    assert no_traceback(run, res) and no_traceback(run, rerun)
    # the fault hit this run: the rule was used up (a 409 storm: the retries are bounded)
    if not isinstance(rules, list) and rule.get("count", 1) == 1:
        assert after_fault["faults"] == [], after_fault["faults"]
    # the re-run converges with no manual cleanup: exactly the requested IPs, each pinned once
    assert not rerun.get("failed"), rerun
    fin = egress(final)
    assert fin["NetNamespace/" + a] == ips[:2] and fin["NetNamespace/" + b] == ips[2:], fin
    pins = fin["HostSubnet/worker01"] + fin["HostSubnet/worker02"]
    assert all(pins.count(ip) == 1 for ip in ips), pins
    assert errors(final) == []
    lost = sum(1 for ip in ips[:2] if ip not in fin["NetNamespace/" + a]) + \
        sum(1 for ip in ips[2:] if ip not in fin["NetNamespace/" + b])
    dups = sum(1 for ip in ips if pins.count(ip) > 1)
    tally.add("faults", scenarios=1, faults=len(rules) if isinstance(rules, list) else 1, assignments=len(ips), lost=lost, duplicates=dups,
              error_findings=len(errors(after_fault)) + len(errors(final)))
    # the state right after the fault
    assert errors(after_fault) == [], errors(after_fault)
    if expect == "untouched":
        assert res.get("failed") is True, res
        assert egress(after_fault) == egress(before), (res.get("msg"), egress(after_fault))
    elif expect == "converged":
        assert not res.get("failed"), res
        assert egress(after_fault) == fin
        assert rerun["changed"] is False
        # the Lease stays held (release failed) for its TTL only: the next case's run takes it over
        assert after_fault["lease"]["spec"].get("holderIdentity")
        assert after_fault["lease"]["spec"]["leaseDurationSeconds"] == options["lock_ttl"]
        next_final = run.result("%s-snap-final" % CASES[idx + 1][0])["ansible_facts"]["snap"]
        assert not next_final["lease"]["spec"].get("holderIdentity")
    else:   # late-write
        late = run.result("%s-snap-late" % cid)["ansible_facts"]["snap"]
        assert res.get("failed") is True, res
        assert errors(late) == [], errors(late)
    msg = res.get("msg", "")
    # clear messages
    if rule.get("status") in (500, 503):
        if expect != "converged":
            assert str(rule["status"]) in msg, msg
        else:
            assert any("Lease" in w and "500" in w for w in res.get("warnings", [])), res
    if rule.get("status") == 409:
        assert "gave up after 5 attempts" in msg and "409" in msg, msg
        used = (after_fault["stats"]["by_kind"]["NetNamespace"].get("patch", 0)
                - before["stats"]["by_kind"].get("NetNamespace", {}).get("patch", 0))
        assert used <= 5 * 2, used     # bounded: at most one patch per namespace per attempt
    if rule.get("hang"):
        assert "timed out" in msg.lower(), msg
        duration = run.duration_of("%s-fault" % cid)
        # the module's start-up (a second or two on a busy 2-core machine) + request_timeout
        # (+ the rollback of the write done before it, for the patch case)
        assert duration < options["request_timeout"] + 6, duration
