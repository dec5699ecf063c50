"""Shared helpers of the benchmark scripts: run a playbook with the collection on the path,
time it, read the json callback's result, and report the machine load with every figure
(baseline and candidate always run in the same script, interleaved, so ratios stay meaningful
on a busy machine)."""
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, ".collections")
sys.path[:0] = [ROOT, COLLECTIONS]

# The module process's peak RSS: ansible runs the module with this "interpreter", which runs
# the real one as a child and appends the child's ru_maxrss (KiB on Linux) to RSS_LOG.
RSS_WRAPPER = """#!%(python)s
import os, resource, subprocess, sys
rc = subprocess.call([%(python)r] + sys.argv[1:])
with open(%(log)r, "a") as f:
    f.write("%%d\\n" %% resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)
"""


def load():
    with open("/proc/loadavg") as f:
        return "load %s (%d cores)" % (" ".join(f.read().split()[:3]), os.cpu_count() or 0)


def ansible_env(**extra):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
               ANSIBLE_DEPRECATION_WARNINGS="False", ANSIBLE_HOST_KEY_CHECKING="False",
               ANSIBLE_RETRY_FILES_ENABLED="False", ANSIBLE_ROLES_PATH=os.path.join(ROOT, "roles"),
               PYTHONPATH=os.pathsep.join([ROOT, COLLECTIONS]))
    env.update(extra)
    return env


def local_inventory(tmp, python=None):
    inv = os.path.join(tmp, "inventory-local")
    with open(inv, "w") as f:
        f.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % (python or sys.executable))
    return inv


def rss_interpreter(tmp):
    """(interpreter path, log path) for measuring the module process's peak RSS."""
    log = os.path.join(tmp, "rss.log")
    path = os.path.join(tmp, "python-rss")
    with open(path, "w") as f:
        f.write(RSS_WRAPPER % dict(python=sys.executable, log=log))
    os.chmod(path, 0o755)
    return path, log


def playbook(tmp, name, plays):
    path = os.path.join(tmp, name + ".yml")
    with open(path, "w") as f:
        json.dump(plays, f)
    return path


def run_playbook(pb, inventory, env=None, callback="ansible.builtin.json", extra_args=(), check=True):
    """Run ansible-playbook; (wall seconds, stdout, parsed json result or None)."""
    env = dict(env or ansible_env())
    if callback:
        env["ANSIBLE_STDOUT_CALLBACK"] = callback
    argv = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, pb] + list(extra_args)
    start = time.monotonic()
    proc = subprocess.run(argv, check=False, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)
    wall = time.monotonic() - start
    if check and proc.returncode != 0:
        raise SystemExit("%s failed (rc %d):\n%s\n%s" % (pb, proc.returncode, proc.stdout[-4000:], proc.stderr[-2000:]))
    doc = None
    if callback == "ansible.builtin.json" and "{" in proc.stdout:
        doc = json.loads(proc.stdout[proc.stdout.index("{"):])
    return wall, proc.stdout, doc


def task_results(doc, host="localhost"):
    out = []
    for play in doc["plays"]:
        for task in play["tasks"]:
            if host in task["hosts"]:
                out.append((task["task"]["name"], task["hosts"][host]))
    return out


def median(values):
    return statistics.median(values)


def verdict(value, limit):
    return "OK" if value <= limit else "MISS"
