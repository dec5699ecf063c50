"""Run ansible-playbook / molecule from the controller namespace of a topology."""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from typing import Dict, List, Optional, Sequence

from .topology import REPO_ROOT, VENV_BIN


class PlaybookResult:
    """rc, stdout, stderr, the parsed json-callback document (``json``) and the run time."""

    def __init__(self, argv, rc, stdout, stderr, duration):
        self.argv, self.rc, self.stdout, self.stderr, self.duration = argv, rc, stdout, stderr, duration
        self.json = None
        try:
            self.json = json.loads(stdout[stdout.index("{"):]) if "{" in stdout else None
        except ValueError:
            self.json = None

    # -- helpers over the json callback output ---------------------------------
    @property
    def stats(self) -> Dict[str, dict]:
        return (self.json or {}).get("stats", {})

    def changed(self, host: Optional[str] = None) -> int:
        return sum(s.get("changed", 0) for h, s in self.stats.items() if host in (None, h))

    def failed(self, host: Optional[str] = None) -> int:
        return sum(s.get("failures", 0) + s.get("unreachable", 0)
                   for h, s in self.stats.items() if host in (None, h))

    def task_results(self, host: Optional[str] = None) -> List[dict]:
        """Every task result as ``{"task": name, "host": host, **result}`` in play order."""
        out = []
        for play in (self.json or {}).get("plays", []):
            for task in play.get("tasks", []):
                name = task.get("task", {}).get("name")
                for h, res in task.get("hosts", {}).items():
                    if host in (None, h):
                        out.append(dict(res, task=name, host=h))
        return out

    def messages(self, host: Optional[str] = None) -> str:
        """All ``msg`` texts of failed task results, joined (for assertions)."""
        return "\n".join(str(r.get("msg", "")) for r in self.task_results(host) if r.get("failed"))

    def facts(self, host: str) -> dict:
        facts = {}
        for r in self.task_results(host):
            facts.update(r.get("ansible_facts") or {})
        return facts

    def __repr__(self):
        return "PlaybookResult(rc=%s, %.1fs, argv=%r)" % (self.rc, self.duration, self.argv)

    def describe(self) -> str:
        # the changed and failed tasks first: the tail of the JSON output rarely shows them
        changed = ["%s: %s" % (r["host"], r["task"]) for r in self.task_results() if r.get("changed")]
        failed = ["%s: %s: %s" % (r["host"], r["task"], str(r.get("msg", ""))[:300])
                  for r in self.task_results() if r.get("failed") and not r.get("ignore_errors")]
        return "rc=%s\nargv=%s\nchanged tasks: %s\nfailed tasks: %s\nstdout (tail):\n%s\nstderr (tail):\n%s" % (
            self.rc, " ".join(self.argv), changed or "none", failed or "none", self.stdout[-6000:],
            self.stderr[-3000:])


def ansible_env(topology, extra: Optional[Dict[str, str]] = None, json_output: bool = True) -> Dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = VENV_BIN + os.pathsep + env.get("PATH", "")
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", os.path.join(REPO_ROOT, ".collections"))
    env.setdefault("ANSIBLE_COLLECTIONS_SCAN_SYS_PATH", "false")
    env.setdefault("ANSIBLE_ROLES_PATH", os.path.join(REPO_ROOT, "roles"))
    env["ANSIBLE_HOST_KEY_CHECKING"] = "False"
    env["ANSIBLE_RETRY_FILES_ENABLED"] = "False"
    env["ANSIBLE_NOCOLOR"] = "1"
    env["ANSIBLE_FORCE_COLOR"] = "0"
    env["ANSIBLE_DEPRECATION_WARNINGS"] = "False"
    env["ANSIBLE_LOCAL_TEMP"] = os.path.join(topology["tmpdir"], "ansible-local")
    env["ANSIBLE_SSH_CONTROL_PATH_DIR"] = os.path.join(topology["tmpdir"], "cp")
    env["ANSIBLE_PIPELINING"] = "True"
    if json_output:
        env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.builtin.json"
        env["ANSIBLE_CALLBACK_RESULT_FORMAT"] = "json"
    env["ANSIBLE_INVENTORY"] = topology["inventory"]
    env.update(extra or {})
    return env


def ansible_playbook(topology, playbook: str, extra_vars: Optional[dict] = None, check: bool = False,
                     diff: bool = False, limit: Optional[str] = None, inventory: Optional[str] = None,
                     args: Sequence[str] = (), env: Optional[Dict[str, str]] = None,
                     timeout: float = 300) -> PlaybookResult:
    """``ip netns exec <ctl> ansible-playbook -i <inventory> playbook`` with json output.

    ``extra_vars`` are passed as one JSON file (``-e @file``) so that no value
    is ever interpreted by a shell or by Ansible's key=value parser.
    """
    argv = [os.path.join(VENV_BIN, "ansible-playbook"), "-i", inventory or topology["inventory"]]
    fd = None
    if extra_vars:
        fd, ev_path = tempfile.mkstemp(prefix="extra-vars-", suffix=".json", dir=topology["tmpdir"])
        with os.fdopen(fd, "w") as fh:
            json.dump(extra_vars, fh)
        argv += ["-e", "@" + ev_path]
    if check:
        argv.append("--check")
    if diff:
        argv.append("--diff")
    if limit:
        argv += ["--limit", limit]
    argv += list(args) + [playbook]
    full = ["ip", "netns", "exec", topology["hosts"]["controller"]["ns"]] + argv
    start = time.time()
    proc = subprocess.run(full, capture_output=True, text=True, timeout=timeout,
                          env=ansible_env(topology, env), cwd=REPO_ROOT, check=False)
    result = PlaybookResult(full, proc.returncode, proc.stdout, proc.stderr, time.time() - start)
    _profile(result, playbook)
    if fd is not None:
        try:
            os.unlink(ev_path)
        except OSError:
            pass
    return result


def _profile(result, playbook):
    """With EGRESSIP_PLAYBOOK_PROFILE=<file>: append the run's wall time and each task's (from the
    json callback's task durations), to see where a slow test spends its time."""
    path = os.environ.get("EGRESSIP_PLAYBOOK_PROFILE")
    if not path or not result.json:
        return
    from datetime import datetime

    def seconds(duration):
        start, end = (datetime.strptime(duration[k], "%Y-%m-%dT%H:%M:%S.%fZ") for k in ("start", "end"))
        return (end - start).total_seconds()
    with open(path, "a") as fh:
        fh.write("RUN %.1fs %s\n" % (result.duration, os.path.basename(playbook)))
        for play in result.json.get("plays", []):
            for task in play.get("tasks", []):
                t = task.get("task", {})
                if t.get("duration", {}).get("end"):
                    fh.write("  %.2fs %s [%s]\n" % (seconds(t["duration"]), t.get("name"), ",".join(task.get("hosts", {}))))


def run_in_ctl(topology, argv: Sequence[str], cwd: Optional[str] = None, env: Optional[Dict[str, str]] = None,
               timeout: float = 600, json_output: bool = False) -> subprocess.CompletedProcess:
    """Run any tool (molecule, ansible, ...) in the controller namespace with the Ansible env."""
    full = ["ip", "netns", "exec", topology["hosts"]["controller"]["ns"]] + list(argv)
    return subprocess.run(full, capture_output=True, text=True, timeout=timeout, cwd=cwd or REPO_ROOT,
                          env=ansible_env(topology, env, json_output=json_output), check=False)
