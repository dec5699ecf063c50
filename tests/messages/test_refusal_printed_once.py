"""A refusal reaches the user once: the role reports a refused plan through one assert, and the
plan task itself is neither `fatal` nor `...ignoring` (the default callback, as a user sees it)."""
import os
import subprocess
import sys

from tests.lab.fixtures import start_lab

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_refused_plan_is_printed_once(tmp_path):
    with start_lab(tmp_path, scenario="seed") as lab:
        env = dict(os.environ, K8S_AUTH_KUBECONFIG=lab.kubeconfig, ANSIBLE_NOCOLOR="1",
                   ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default", ANSIBLE_DEPRECATION_WARNINGS="False",
                   ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"))
        # three addresses wanted from a pool of two: the allocation is refused by the module
        cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local",
               "-e", "ansible_python_interpreter=%s" % sys.executable,
               "-e", "namespace_name=mywebserver", "-e", "count=3", "-e", "egress_ips=",
               "-e", "pool=198.51.100.120-198.51.100.121", "-e", "gateway=198.51.100.1",
               "-e", "node_network=198.51.100.0/24", "-e", "node_interface=enp1s0",
               # no node checks (SSH path, no node host): this lab has no node data plane for probe pods
               "-e", "egressip_node_access=ssh",
               os.path.join(ROOT, "playbooks", "static.yml")]
        proc = subprocess.run(cmd, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300, check=False)
        writes = lab.stats()["writes"]
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "...ignoring" not in out, out[-4000:]
    # ansible-core 2.19 shows a failed task's message twice ([ERROR] and fatal): count tasks
    tasks = out.split("\nTASK [")
    telling = [t.splitlines()[0] for t in tasks if "pool exhausted" in t]
    assert telling == ["ocp.egressip.egressip : Stop when the plan was refused (nothing was written)] ***"], telling
    assert len([line for line in out.splitlines() if line.startswith("fatal:")]) == 1
    assert writes == 0, writes


WAIT_PLAY = """
- hosts: localhost
  gather_facts: false
  vars:
    egressip_api_host: localhost
    egressip_wait_timeout: 2
    egressip_wait_delay: 1
    _egressip_network_type: OpenShiftSDN
    _egressip_planned: {mywebserver: [198.51.100.199]}
    _egressip_ns: [{name: mywebserver}]
    _egressip_cluster_ns: {mywebserver: []}
    _egressip_holders_before: {}
  tasks:
    - name: The role's wait step
      ansible.builtin.include_role:
        name: ocp.egressip.egressip
        tasks_from: wait
"""


def test_wait_timeout_is_printed_once(tmp_path):
    """The role's wait step for an address the cluster never assigns: the polling ends after
    egressip_wait_timeout and one assert says what is missing; the polling task is not also
    reported as fatal and ignored."""
    playbook = tmp_path / "wait.yml"
    playbook.write_text(WAIT_PLAY)
    with start_lab(tmp_path, scenario="seed") as lab:
        env = dict(os.environ, K8S_AUTH_KUBECONFIG=lab.kubeconfig, ANSIBLE_NOCOLOR="1",
                   ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default", ANSIBLE_DEPRECATION_WARNINGS="False",
                   ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"))
        cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local",
               "-e", "ansible_python_interpreter=%s" % sys.executable, str(playbook)]
        proc = subprocess.run(cmd, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-4000:]
    assert "...ignoring" not in out, out[-4000:]
    tasks = out.split("\nTASK [")
    telling = [t.splitlines()[0] for t in tasks if "198.51.100.199 on any node" in t]
    assert len(telling) == 1 and "Stop when the cluster did not assign" in telling[0], out[-2000:]
    assert len([line for line in out.splitlines() if line.startswith("fatal:")]) == 1
