"""The bad input corpus (tests/data/bad_inputs.yml) through the modules (against the lab) and
the roles (on network-namespace hosts).  Every case must fail with a message naming the field
and the value, with zero API writes, no firewall or address change, and no traceback.

Runs: two playbooks for the openshift-sdn module cases and one for the OVN cases, at once
(one task per case, ignore_errors); one playbook per role (one block/rescue per case)."""
import contextlib
import json
import os

import pytest
import yaml

from tests.lab.fixtures import start_lab
from tests.reliability.common import (
    ROOT, crash_text, finish_play, kill_group, no_traceback, set_egress_cidrs, start_play,
)

pytestmark = pytest.mark.slow

CORPUS = os.path.join(ROOT, "tests", "data", "bad_inputs.yml")
with open(CORPUS) as _fh:
    CASES = yaml.safe_load(_fh)["cases"]
MODULE_CASES = [c for c in CASES if not c["target"].startswith("role:")]
ROLE_CASES = [c for c in CASES if c["target"].startswith("role:")]
# the role validation steps: a failure must come from one of these (before anything is rendered or run)
VALIDATION_TASKS = ("Validate the variables", "Validating arguments against arg spec")


def message(result):
    parts = [str(result.get("msg", ""))]
    for err in result.get("argument_errors") or []:
        parts.append(str(err))
    return "\n".join(parts)


def check_message(case, msg):
    fields = case["field"] if isinstance(case["field"], list) else [case["field"]]
    assert any(f in msg for f in fields), "%s: the message does not name %s: %s" % (case["id"], fields, msg)
    assert str(case["value"]) in msg, "%s: the message does not show the value %r: %s" % (case["id"], case["value"], msg)


def test_corpus_is_big_and_well_formed():
    assert len(CASES) >= 50
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))
    for c in CASES:
        assert set(c) >= {"id", "class", "target", "args", "field", "value"}, c
    classes = set(c["class"] for c in CASES)
    assert classes >= {"malformed-ip", "malformed-cidr", "cidr-host-bits", "ipv6", "special-ip", "unknown-object",
                       "count", "duplicate", "wrong-type", "empty", "invalid-name", "metacharacters", "port"}


# -- modules ------------------------------------------------------------------------------

def module_task(case):
    return {"name": case["id"], case["target"]: case["args"], "ignore_errors": True}


@pytest.fixture(scope="module")
def module_runs(tmp_path_factory, tally):
    tmp = tmp_path_factory.mktemp("bad-modules")
    sdn = [c for c in MODULE_CASES if c["target"] != "ocp.egressip.egressip_ovn"]
    ovn = [c for c in MODULE_CASES if c["target"] == "ocp.egressip.egressip_ovn"]
    half = len(sdn) // 2
    shards = [("seed", sdn[:half]), ("seed", sdn[half:]), ("seed-ovn", ovn)]
    tally.add("bad-input", runs=len(shards))
    out = {}
    with contextlib.ExitStack() as stack:
        started = []
        for k, (scenario, cases) in enumerate(shards):
            lab = stack.enter_context(start_lab(tmp, scenario=scenario))
            if scenario == "seed":
                set_egress_cidrs(lab)
            lab.reset()
            before = lab.stats()
            started.append((lab, before, cases, start_play(tmp, lab, [module_task(c) for c in cases],
                                                           name="bad-%d" % k)))
        try:
            for lab, before, cases, s in started:
                run = finish_play(s, timeout=600)
                assert run.doc is not None, run.describe()
                after = lab.stats()
                for c in cases:
                    out[c["id"]] = (run, run.result(c["id"]), before, after)
        finally:
            for _lab, _b, _c, s in started:
                if s[0].poll() is None:
                    kill_group(s[0])
                    s[0].wait()
    return out


@pytest.mark.parametrize("case", MODULE_CASES, ids=[c["id"] for c in MODULE_CASES])
def test_module_rejects(module_runs, tally, case):
    run, res, before, after = module_runs[case["id"]]
    tally.add("bad-input", bad_inputs=1, scenarios=1)
    assert res.get("failed") is True, "%s was accepted: %s" % (case["id"], json.dumps(res)[:2000])
    assert no_traceback(run, res), res
    check_message(case, message(res))
    # zero writes for every case of the playbook (the whole run wrote nothing)
    assert after["writes"] == before["writes"], (after, before)
    assert after.get("dry_run_writes", 0) == before.get("dry_run_writes", 0)


# -- roles ----------------------------------------------------------------------------------

ROLE_HOSTS = {"egressip_firewall": "database", "egressip_node_check": "worker01"}


BROKEN_NFT = ("table inet {{ _egressip_firewall.table }} {\n chain guard { type filter hook input priority 0; "
              "tcp dport 5432 frobnicate }\n}\n")


def role_play(role, cases, broken_template=None):
    host = ROLE_HOSTS[role]
    base = {}
    if role == "egressip_firewall":
        base = {"egressip_firewall_state_dir": "{{ netns_scratch_dir }}/egressip-firewall",
                "egressip_firewall_export_dir": "{{ netns_scratch_dir }}/egressip-exports"}
    if role == "egressip_node_check":
        base = {"egressip_node_check_access": "ssh"}   # the module's own checks: egressip_node_probe cases
    probe = ["nft", "list", "ruleset"] if role == "egressip_firewall" else ["ip", "-4", "-o", "addr", "show"]
    tasks = []
    if role == "egressip_firewall":
        # a real rule set first, so that a bad case would have something to break
        tasks.append({"name": "baseline", "ansible.builtin.include_role": {"name": "ocp.egressip." + role},
                      "vars": dict(base, egressip_firewall_allowed_sources=["198.51.100.170"])})
    tasks.append({"name": "probe-before", "ansible.builtin.command": {"argv": probe}, "register": "probe_before",
                  "changed_when": False})
    if role == "egressip_firewall":
        tasks.append({"name": "files-before", "ansible.builtin.find": {
            "paths": "{{ netns_scratch_dir }}/egressip-firewall", "get_checksum": True}})
    for c in cases:
        tasks.append({"name": c["id"], "block": [
            {"name": c["id"] + "-role", "ansible.builtin.include_role": {"name": "ocp.egressip." + role},
             "vars": dict(base, **c["args"])},
            {"name": c["id"] + "-accepted", "ansible.builtin.set_fact": {"accepted": True}},
        ], "rescue": [
            {"name": c["id"] + "-rescued", "ansible.builtin.set_fact": {"outcome": {
                "msg": "{{ ansible_failed_result.msg | default('') }}",
                "argument_errors": "{{ ansible_failed_result.argument_errors | default([]) }}",
                "exception": "{{ ansible_failed_result.exception | default('') }}",
                "task": "{{ ansible_failed_task.name }}"}}},
        ]})
    if broken_template:
        # a fault rather than a bad input: a rule set (custom template) that fails `nft -c -f`
        tasks.append({"name": "nft-check-fails", "block": [
            {"name": "nft-check-fails-role", "ansible.builtin.include_role": {"name": "ocp.egressip." + role},
             "vars": dict(base, egressip_firewall_allowed_sources=["198.51.100.170", "198.51.100.171"],
                          egressip_firewall_nft_template=broken_template)},
            {"name": "nft-check-fails-accepted", "ansible.builtin.set_fact": {"accepted": True}},
        ], "rescue": [
            {"name": "nft-check-fails-rescued", "ansible.builtin.set_fact": {"outcome": {
                "msg": "{{ ansible_failed_result.msg | default('') }}", "task": "{{ ansible_failed_task.name }}"}}},
        ]})
    tasks.append({"name": "probe-after", "ansible.builtin.command": {"argv": probe}, "changed_when": False})
    if role == "egressip_firewall":
        tasks.append({"name": "files-after", "ansible.builtin.find": {
            "paths": "{{ netns_scratch_dir }}/egressip-firewall", "get_checksum": True}})
    return [{"hosts": host, "gather_facts": False, "tasks": tasks}]


@pytest.fixture(scope="module")
def role_runs(tmp_path_factory, topology, tally):
    from tests.netns.playbook import PlaybookResult, ansible_env
    import subprocess
    import time
    tmp = tmp_path_factory.mktemp("bad-roles")
    tally.add("bad-input", runs=len(ROLE_HOSTS))
    procs = {}
    for role in ROLE_HOSTS:
        cases = [c for c in ROLE_CASES if c["target"] == "role:" + role]
        path = os.path.join(str(tmp), role + ".yml")
        broken = None
        if role == "egressip_firewall":
            broken = os.path.join(str(tmp), "broken.nft.j2")
            with open(broken, "w") as fh:
                fh.write(BROKEN_NFT)
        with open(path, "w") as fh:
            json.dump(role_play(role, cases, broken), fh, indent=1)
        argv = ["ip", "netns", "exec", topology["hosts"]["controller"]["ns"],
                os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), "-i", topology["inventory"], path]
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=ansible_env(topology), cwd=ROOT)
        procs[role] = (argv, time.time(), proc)
    out = {}
    try:
        for role, (argv, t0, p) in procs.items():
            stdout, stderr = p.communicate(timeout=600)
            out[role] = PlaybookResult(argv, p.returncode, stdout, stderr, time.time() - t0)
    finally:
        for _argv, _t0, p in procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()
    return out


def by_name(run, host, name):
    for r in run.task_results(host):
        if r["task"] == name:
            return r
    return None


@pytest.fixture(scope="module")
def topology():
    from tests.netns.fixtures import make_topology
    from tests.netns.topology import down
    topo = make_topology("r")
    try:
        yield topo
    finally:
        down(topo)


@pytest.mark.netns
@pytest.mark.parametrize("role", sorted(ROLE_HOSTS))
def test_role_host_unchanged(role_runs, role):
    run = role_runs[role]
    host = ROLE_HOSTS[role]
    assert run.json is not None, run.describe()
    assert crash_text(run.stdout + run.stderr) is None, run.describe()
    before = by_name(run, host, "probe-before")["stdout"]
    after = by_name(run, host, "probe-after")["stdout"]
    assert before == after
    if role == "egressip_firewall":
        assert "198.51.100.170" in before           # the baseline rule set is live ...

        def files(name):
            return sorted((f["path"], f["checksum"]) for f in by_name(run, host, name)["files"])
        assert files("files-before") == files("files-after")    # ... and nothing touched it or its files
        assert len(files("files-before")) >= 2


@pytest.mark.netns
def test_rule_set_failing_nft_check_changes_nothing(role_runs, tally):
    """Fault, not bad input: a custom template renders a rule set `nft -c` rejects. The role
    fails at the render step (template with validate) and the host is unchanged (the probe
    and file comparison of test_role_host_unchanged cover it: this case runs between them)."""
    run = role_runs["egressip_firewall"]
    tally.add("faults", scenarios=1, faults=1)
    assert by_name(run, "database", "nft-check-fails-accepted") is None
    outcome = by_name(run, "database", "nft-check-fails-rescued")["ansible_facts"]["outcome"]
    assert outcome["task"].startswith("Render the rule file"), outcome
    assert "failed to validate" in outcome["msg"].lower(), outcome


@pytest.mark.netns
@pytest.mark.parametrize("case", ROLE_CASES, ids=[c["id"] for c in ROLE_CASES])
def test_role_rejects(role_runs, tally, case):
    role = case["target"].split(":", 1)[1]
    run = role_runs[role]
    host = ROLE_HOSTS[role]
    tally.add("bad-input", bad_inputs=1, scenarios=1)
    assert by_name(run, host, case["id"] + "-accepted") is None, "%s was accepted" % case["id"]
    rescued = by_name(run, host, case["id"] + "-rescued")
    assert rescued is not None, run.describe()
    outcome = rescued["ansible_facts"]["outcome"]
    assert "Traceback" not in outcome["exception"], outcome
    assert crash_text(outcome["msg"]) is None, outcome
    # rejected by the validation step, before anything is rendered or run on the host
    assert outcome["task"].startswith(VALIDATION_TASKS), outcome
    check_message(case, message(outcome))
