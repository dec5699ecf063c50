"""Run ansible-playbook against the lab and read its JSON output.

    with start_lab(tmp_path) as lab:
        res = run_tasks(tmp_path, lab, [{"ocp.egressip.egressip_facts": {"details": True}}])
        res.result(0)["egressip"]
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON = sys.executable
SEED_NET = "198.51.100.0/24"
CIDR_AUTO = "198.51.100.0/24"


class PlayResult(object):
    def __init__(self, rc, stdout, stderr):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        try:
            start = stdout.index("{")
            self.doc = json.loads(stdout[start:])
        except ValueError:
            raise AssertionError("no JSON output (rc=%s):\n%s\n%s" % (rc, stdout[-3000:], stderr[-3000:]))
        self.tasks = []
        for play in self.doc.get("plays", []):
            for task in play.get("tasks", []):
                self.tasks.append(task["hosts"].get("localhost", {}))

    def result(self, idx=-1):
        return self.tasks[idx]

    @property
    def failed(self):
        return self.rc != 0

    def __repr__(self):
        return "PlayResult(rc=%s, tasks=%s)" % (self.rc, json.dumps(self.tasks, indent=1)[:4000])


def write_playbook(path, lab, tasks, defaults=None):
    group_defaults = {"kubeconfig": lab.kubeconfig}
    group_defaults.update(defaults or {})
    play = [{
        "hosts": "localhost",
        "gather_facts": False,
        "module_defaults": {"group/ocp.egressip.egressip": group_defaults},
        "tasks": tasks,
    }]
    with open(path, "w") as f:
        json.dump(play, f, indent=1)   # JSON is YAML


def run_tasks(tmp_path, lab, tasks, check=False, diff=False, defaults=None, name="play", timeout=600):
    """Write a playbook + inventory under tmp_path and run ansible-playbook on it."""
    proc = start_tasks(tmp_path, lab, tasks, check, diff, defaults, name)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return PlayResult(proc.returncode, stdout, stderr)


def start_tasks(tmp_path, lab, tasks, check=False, diff=False, defaults=None, name="play"):
    """Like run_tasks, but returns the running process (communicate() -> PlayResult by hand)."""
    tmp_path = str(tmp_path)
    playbook = os.path.join(tmp_path, "%s.yml" % name)
    inventory = os.path.join(tmp_path, "inventory-%s" % name)
    write_playbook(playbook, lab, tasks, defaults)
    with open(inventory, "w") as f:
        f.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % PYTHON)
    env = dict(os.environ)
    env.update(ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json", ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=os.path.join(tmp_path, "ansible-tmp-%s" % name),
               ANSIBLE_DEPRECATION_WARNINGS="False")
    cmd = [os.path.join(os.path.dirname(PYTHON), "ansible-playbook"), "-i", inventory, playbook]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True)


def hostsubnet(lab, name):
    return lab.get("/apis/network.openshift.io/v1/hostsubnets/%s" % name)


def netnamespace(lab, name):
    return lab.get("/apis/network.openshift.io/v1/netnamespaces/%s" % name)


def patch_hostsubnet(lab, name, body):
    return lab.patch("/apis/network.openshift.io/v1/hostsubnets/%s" % name, body)


def patch_netnamespace(lab, name, body):
    return lab.patch("/apis/network.openshift.io/v1/netnamespaces/%s" % name, body)


def egress(obj):
    return {"egressCIDRs": obj.get("egressCIDRs") or [], "egressIPs": obj.get("egressIPs") or []}


def delta(before, after):
    """Differences of /_lab/stats snapshots: writes, total, per kind and verb."""
    out = {"writes": after["writes"] - before["writes"], "total": after["total"] - before["total"],
           "discovery": after.get("discovery", 0) - before.get("discovery", 0), "by_kind": {}}
    for kind, verbs in after["by_kind"].items():
        for verb, n in verbs.items():
            d = n - before["by_kind"].get(kind, {}).get(verb, 0)
            if d:
                out["by_kind"].setdefault(kind, {})[verb] = d
    return out


def error_events(lab):
    return [e for e in lab.events() if e.get("level") == "E"]
