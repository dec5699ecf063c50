"""Shared helpers of the reliability tests: run ansible-playbook against the lab (also many
at once), snapshot the cluster's egress state, validate it with the core, count lost and
duplicated assignments."""
import json
import os
import signal
import subprocess
import sys
import time

from ansible_collections.ocp.egressip.plugins.module_utils.core import state as core_state
from ansible_collections.ocp.egressip.plugins.module_utils.core import validate as core_validate

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = sys.executable
PLAYBOOK_BIN = os.path.join(os.path.dirname(PYTHON), "ansible-playbook")
NODE_NETWORK = "198.51.100.0/24"
GROUP = "group/ocp.egressip.egressip"

HS = "/apis/network.openshift.io/v1/hostsubnets"
NN = "/apis/network.openshift.io/v1/netnamespaces"
NODES = "/api/v1/nodes"
NAMESPACES = "/api/v1/namespaces"
LEASES = "/apis/coordination.k8s.io/v1/namespaces/default/leases"


class Run(object):
    """One ansible-playbook run: rc, stdout, stderr, duration, the json callback's tasks."""

    def __init__(self, argv, rc, stdout, stderr, duration):
        self.argv, self.rc, self.stdout, self.stderr, self.duration = argv, rc, stdout, stderr, duration
        self.doc = None
        if "{" in stdout:
            try:
                self.doc = json.loads(stdout[stdout.index("{"):])
            except ValueError:
                self.doc = None
        self.tasks = []     # [(task name, result of localhost, duration seconds)]
        for play in (self.doc or {}).get("plays", []):
            for task in play.get("tasks", []):
                res = task["hosts"].get("localhost", {})
                self.tasks.append((task["task"]["name"], res, _duration(task["task"].get("duration"))))

    def result(self, name_or_idx):
        if isinstance(name_or_idx, int):
            return self.tasks[name_or_idx][1]
        for name, res, _d in self.tasks:
            if name == name_or_idx:
                return res
        raise KeyError("no task %r in %s" % (name_or_idx, [t[0] for t in self.tasks]))

    def duration_of(self, name):
        for tname, _res, dur in self.tasks:
            if tname == name:
                return dur
        raise KeyError(name)

    def describe(self):
        return "rc=%s %.1fs\n%s\nSTDOUT(tail):\n%s\nSTDERR(tail):\n%s" % (
            self.rc, self.duration, " ".join(self.argv), self.stdout[-5000:], self.stderr[-3000:])

    def __repr__(self):
        return self.describe()


def _duration(d):
    if not d or not d.get("end"):
        return None
    from datetime import datetime
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
    try:
        return (datetime.strptime(d["end"], fmt) - datetime.strptime(d["start"], fmt)).total_seconds()
    except ValueError:
        return None


def write_play(path, lab, tasks, defaults=None, extra_vars=None):
    group = {"kubeconfig": lab.kubeconfig, "node_network": NODE_NETWORK}
    group.update(defaults or {})
    play_vars = {"lab_url": lab.url, "lab_token": lab.token}
    if lab.ca:
        play_vars["lab_ca"] = lab.ca
    play_vars.update(extra_vars or {})
    play = [{"name": "reliability", "hosts": "localhost", "gather_facts": False, "vars": play_vars,
             "module_defaults": {GROUP: group}, "tasks": tasks}]
    with open(path, "w") as f:
        json.dump(play, f, indent=1)
    return path


def play_env(tmp_path, json_output=True, env=None):
    out = dict(os.environ)
    out.update(ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_DEPRECATION_WARNINGS="False",
               ANSIBLE_LOCAL_TEMP=os.path.join(str(tmp_path), "ansible-tmp"), ANSIBLE_PIPELINING="True",
               ANSIBLE_LOOKUP_PLUGINS=os.path.join(HERE, "lookup_plugins"),
               ANSIBLE_RETRY_FILES_ENABLED="False")
    if json_output:
        out["ANSIBLE_STDOUT_CALLBACK"] = "ansible.builtin.json"
    for key in [k for k in out if k.startswith("K8S_AUTH_")]:
        del out[key]
    out.update(env or {})
    return out


def start_play(tmp_path, lab, tasks, name="play", defaults=None, extra_vars=None, args=(), env=None,
               json_output=True):
    """Start ansible-playbook (own process group); returns (Popen, argv, start time)."""
    d = os.path.join(str(tmp_path), name)
    os.makedirs(d, exist_ok=True)
    playbook = write_play(os.path.join(d, "play.yml"), lab, tasks, defaults, extra_vars)
    inventory = os.path.join(d, "inventory")
    with open(inventory, "w") as f:
        f.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % PYTHON)
    argv = [PLAYBOOK_BIN, "-i", inventory, playbook] + list(args)
    proc = subprocess.Popen(argv, cwd=ROOT, env=play_env(tmp_path, json_output, env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True, start_new_session=True)
    return proc, argv, time.time()


def finish_play(started, timeout=300):
    proc, argv, t0 = started
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        out, err = proc.communicate()
        raise AssertionError("ansible-playbook did not finish within %ss: %s\n%s" % (timeout, out[-3000:], err[-3000:]))
    return Run(argv, proc.returncode, out, err, time.time() - t0)


def _children():
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        out.setdefault(ppid, []).append(int(entry))
    return out


def descendants(pid):
    """pid and every process below it (Ansible's workers call setsid(), so a process group
    kill does not reach the module processes)."""
    children, todo, seen = _children(), [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo.extend(children.get(p, []))
    return seen


def kill_group(proc):
    """SIGKILL ansible-playbook and everything it started (a crash, as far as the lab sees)."""
    for pid in descendants(proc.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def play(tmp_path, lab, tasks, name="play", timeout=300, **kw):
    return finish_play(start_play(tmp_path, lab, tasks, name=name, **kw), timeout)


def run_parallel(tmp_path, lab, task_lists, name="par", timeout=300, **kw):
    """Start one ansible-playbook per task list at once; wait for all (kill all on failure)."""
    started = []
    try:
        for i, tasks in enumerate(task_lists):
            started.append(start_play(tmp_path, lab, tasks, name="%s-%d" % (name, i), **kw))
        return [finish_play(s, timeout) for s in started]
    finally:
        for s in started:
            if s[0].poll() is None:
                kill_group(s[0])
                s[0].wait()


# -- cluster state ----------------------------------------------------------------------

def items(lab, path):
    return lab.get(path)["items"]


def egress_state(lab):
    """{"HostSubnet/x": {"egressCIDRs": [...], "egressIPs": [...]}, "NetNamespace/y": {"egressIPs": [...]}}"""
    out = {}
    for hs in items(lab, HS):
        out["HostSubnet/" + hs["metadata"]["name"]] = {"egressCIDRs": hs.get("egressCIDRs") or [],
                                                       "egressIPs": hs.get("egressIPs") or []}
    for nn in items(lab, NN):
        out["NetNamespace/" + nn["metadata"]["name"]] = {"egressIPs": nn.get("egressIPs") or []}
    return out


def namespace_ips(state):
    return dict((k.split("/", 1)[1], v["egressIPs"]) for k, v in state.items() if k.startswith("NetNamespace/"))


def core_errors(lab, reserved=()):
    """Error findings of the lab's current state, validated with the core."""
    st = core_state.state_from_sdn(items(lab, HS), items(lab, NN), nodes=items(lab, NODES),
                                   default_network=NODE_NETWORK, reserved=reserved)
    return [f.to_dict() for f in core_validate.validate(st) if f.severity == "error"]


def duplicates(state):
    """Egress IPs used by more than one NetNamespace: {ip: [namespaces]}."""
    seen = {}
    for ns, ips in namespace_ips(state).items():
        for ip in ips:
            seen.setdefault(ip, []).append(ns)
    return dict((ip, sorted(nss)) for ip, nss in seen.items() if len(nss) > 1)


def lost(state, promised):
    """Assignments a successful run reported ({namespace: [ips]}) that the cluster does not hold."""
    have = namespace_ips(state)
    out = []
    for ns, ips in promised.items():
        for ip in ips:
            if ip not in have.get(ns, []):
                out.append((ns, ip))
    return out


def create_namespaces(lab, names):
    for name in names:
        lab.post(NAMESPACES, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    have = set(n["metadata"]["name"] for n in items(lab, NN))
    missing = set(names) - have
    assert not missing, "the lab's SDN controller made no NetNamespace for %s" % sorted(missing)


def set_egress_cidrs(lab, nodes=("worker01", "worker02"), cidr=NODE_NETWORK):
    for n in nodes:
        lab.patch(HS + "/" + n, {"egressCIDRs": [cidr]})


# How a module crash shows: ansible-core 2.19 prints "Module failed: <exception>" and no
# traceback by default; older releases "MODULE FAILURE" or a Python traceback.
CRASH_MARKERS = ("Traceback (most recent call last)", "Module failed:", "MODULE FAILURE")


def crash_text(text):
    """The first crash marker found in ``text`` (None when there is none)."""
    for marker in CRASH_MARKERS:
        if marker in (text or ""):
            return marker
    return None


def no_traceback(run, result=None):
    """True when neither the run's output nor the task result shows a module crash
    (a traceback, ``Module failed:`` or ``MODULE FAILURE``)."""
    if crash_text(run.stdout + run.stderr):
        return False
    if result is not None:
        # ansible-core 2.19 puts "(traceback unavailable)" in every failed result without one
        if "Traceback" in str(result.get("exception") or "") or result.get("module_stderr"):
            return False
        if crash_text(str(result.get("msg") or "")):
            return False
    return True


def writes_delta(s0, s1):
    return s1["writes"] - s0["writes"]
