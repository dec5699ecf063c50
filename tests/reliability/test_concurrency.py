"""Concurrent allocation: 8 playbook runs at once, each allocating for different namespaces
from one pool, against the lab.  The Lease held by the runner must serialise them (no IP
given twice, none lost); with ``lock: false`` the same race hands out duplicates."""
import time

import pytest

from tests.lab.fixtures import start_lab
from tests.reliability.common import (
    LEASES, core_errors, create_namespaces, duplicates, egress_state, kill_group, lost, namespace_ips,
    no_traceback, play, run_parallel, set_egress_cidrs, start_play,
)

pytestmark = pytest.mark.slow

RUNS = 8
PER_RUN = 2
POOL = ["198.51.100.100-198.51.100.115"]     # exactly RUNS * PER_RUN addresses


def namespaces_of(run):
    return ["rel-%d-%d" % (run, j) for j in range(PER_RUN)]


def allocate_task(names, **options):
    args = dict({"netnamespaces": [{"name": n} for n in names], "count": 1, "pool": POOL}, **options)
    return {"name": "allocate", "ocp.egressip.egressip_netnamespace": args}


def lease_timeline(requests):
    """Check from the lab's request log (arrival order) that Lease holds never overlap and
    that every egress write happens while a Lease is held.  Returns (acquisitions, problems)."""
    held, acquisitions, problems = False, 0, []
    for i, r in enumerate(requests):
        kind, verb, status = r.get("kind"), r.get("verb"), r.get("status") or 0
        if kind == "Lease" and verb in ("create", "update") and 200 <= status < 300:
            if held:
                problems.append("request %d: Lease acquired while held by another run" % i)
            held, acquisitions = True, acquisitions + 1
        elif kind == "Lease" and verb == "patch" and 200 <= status < 300:
            if not held:
                problems.append("request %d: Lease released while not held" % i)
            held = False
        elif kind in ("HostSubnet", "NetNamespace") and verb in ("patch", "update", "create", "delete"):
            if not held:
                problems.append("request %d: %s %s/%s written without the Lease" % (i, verb, kind, r.get("name")))
    return acquisitions, problems


def race(tmp_path, lock, hang, hang_count):
    """One lab, 16 new namespaces, egressCIDRs on both workers, slow NetNamespace patches,
    8 runs at once.  Returns (lab requests, runs, final egress state, core errors)."""
    with start_lab(tmp_path, scenario="seed") as lab:
        all_names = [n for i in range(RUNS) for n in namespaces_of(i)]
        create_namespaces(lab, all_names)
        set_egress_cidrs(lab)
        lab.reset()
        # widen the read -> write window so that the runs really overlap
        lab.fault(verb="patch", kind="NetNamespace", hang=hang, count=hang_count)
        tasks = [[allocate_task(namespaces_of(i), lock=lock, lock_ttl=60, lock_timeout=120)] for i in range(RUNS)]
        runs = run_parallel(tmp_path, lab, tasks, name="lock" if lock else "nolock", timeout=240)
        time.sleep(0.3)
        return lab.requests(), runs, egress_state(lab), core_errors(lab)


def test_parallel_runs_with_the_lease_never_duplicate_or_lose(tmp_path, tally):
    requests, runs, state, errors = race(tmp_path, lock=True, hang=0.5, hang_count=6)
    promised = {}
    failed = 0
    for i, run in enumerate(runs):
        res = run.result("allocate")
        assert no_traceback(run, res), run.describe()
        if run.rc == 0:
            assert res["changed"] is True, run.describe()
            for ns, info in res["namespaces"].items():
                assert len(info["egress_ips"]) == 1
                promised[ns] = info["egress_ips"]
        else:                       # a clean failure: a message, and its namespaces untouched
            failed += 1
            assert res.get("failed") and res.get("msg"), run.describe()
            for ns in namespaces_of(i):
                assert namespace_ips(state)[ns] == [], (ns, run.describe())
    dups = duplicates(state)
    missing = lost(state, promised)
    tally.add("concurrency", scenarios=1, runs=len(runs), faults=1, assignments=len(promised),
              lost=len(missing), duplicates=len(dups), error_findings=len(errors))
    assert not dups, dups
    assert not missing, missing
    assert not errors, errors
    # with enough time every run gets its lock: all succeed, the pool is used exactly once
    assert failed == 0, [r.describe() for r in runs if r.rc]
    used = sorted(ip for ips in namespace_ips(state).values() for ip in ips)
    assert len(used) == RUNS * PER_RUN == len(set(used))
    # the lab's request log: one Lease acquisition per run, never overlapping, every write inside
    acquisitions, problems = lease_timeline(requests)
    assert problems == [], problems
    assert acquisitions == RUNS
    # the runs that waited re-read the cluster before planning (lock.reread)
    rereads = [r.result("allocate")["lock"]["reread"] for r in runs]
    assert sum(rereads) >= 1, rereads


def test_same_race_without_the_lease_duplicates(tmp_path, tally):
    """Shows the race the Lease prevents: with lock: false, runs that read the same free
    addresses write them to different namespaces, and no 409 tells them (different objects)."""
    requests, runs, state, errors = race(tmp_path, lock=False, hang=1.5, hang_count=2 * RUNS)
    for run in runs:
        assert run.rc == 0, run.describe()      # nobody notices
    dups = duplicates(state)
    tally.add("concurrency-unlocked", scenarios=1, runs=len(runs), faults=1, unlocked_duplicates=len(dups))
    assert dups, "8 unlocked runs with slow writes produced no duplicate: the race test is not meaningful"
    assert any(e["code"] == "IP_MULTIPLE_NAMESPACES" for e in errors), errors
    assert not any(r.get("kind") == "Lease" for r in requests)


def test_crashed_holder_is_taken_over_after_the_ttl_and_the_rerun_converges(tmp_path, tally):
    """A run killed (SIGKILL) in the middle of its writes leaves the Lease held; the next run
    waits for the TTL, takes the Lease over, re-reads and converges; no manual cleanup."""
    with start_lab(tmp_path, scenario="seed") as lab:
        names = namespaces_of(0)
        create_namespaces(lab, names)
        set_egress_cidrs(lab)
        lab.fault(verb="patch", kind="NetNamespace", hang=4, count=1)
        task = allocate_task(names, lock_ttl=4)
        started = start_play(tmp_path, lab, [task], name="crash")
        deadline = time.time() + 60
        holder = None
        try:
            while time.time() < deadline:
                try:
                    holder = lab.get(LEASES + "/ocp-egressip-lock")["spec"].get("holderIdentity")
                except Exception:   # not created yet
                    holder = None
                if holder:
                    break
                time.sleep(0.1)
            assert holder, "the run never took the Lease"
            time.sleep(0.5)          # now inside the hanging first NetNamespace write
        finally:
            kill_group(started[0])
            started[0].wait()
        t0 = time.time()
        res = play(tmp_path, lab, [allocate_task(names)], name="rerun")
        waited = time.time() - t0
        out = res.result("allocate")
        assert res.rc == 0, res.describe()
        assert out["lock"]["taken_over_from"] == holder
        assert waited < 60
        time.sleep(4)                # the killed run's hanging write lands (or not) on the server
        state = egress_state(lab)
        ips = namespace_ips(state)
        promised = dict((ns, info["egress_ips"]) for ns, info in out["namespaces"].items())
        # converged: a re-run changes nothing more
        again = play(tmp_path, lab, [allocate_task(names)], name="again")
        assert again.rc == 0 and again.result("allocate")["changed"] is False, again.describe()
        state = egress_state(lab)
        errors = core_errors(lab)
        dups = duplicates(state)
        missing = lost(state, dict((ns, ips[ns]) for ns in names))
        tally.add("concurrency", scenarios=1, runs=3, faults=2, assignments=len(names), lost=len(missing),
                  duplicates=len(dups), error_findings=len(errors))
        assert all(len(ips[ns]) == 1 for ns in names), ips
        assert not dups and not missing and not errors, (dups, missing, errors)
        assert set(promised) == set(names)
        lease = lab.get(LEASES + "/ocp-egressip-lock")
        assert not lease["spec"].get("holderIdentity")
