"""The README's real-cluster quick start is safe as written: its variables file passes the
role's argument specification and gives an explicit pool, the gateway (outside the pool) and
reserved addresses, and the README's other examples that allocate name a pool and the gateway.
Run against the lab (the blog's 192.168.50.0/24 mapped to 198.51.100.0/24), the plan writes
nothing and the run hands out an address of the pool only."""
import ipaddress
import json
import os
import pathlib
import re
import subprocess
import sys

import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from tests.lab.fixtures import start_lab

ROOT = pathlib.Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def _quickstart_vars():
    blocks = re.findall(r"```yaml\n(.*?)```", README, re.S)
    (block,) = [b for b in blocks if b.startswith("# egressip-vars.yml")]
    return yaml.safe_load(block)


def _pool_addresses(pool):
    out = set()
    for item in pool:
        first, last = (item.split("-", 1) + [""])[:2]
        a, b = ipaddress.ip_address(first), ipaddress.ip_address(last or first)
        out |= {ipaddress.ip_address(i) for i in range(int(a), int(b) + 1)}
    return out


def test_quickstart_vars_pass_the_role_spec_and_are_safe():
    data = _quickstart_vars()
    spec = yaml.safe_load((ROOT / "roles" / "egressip" / "meta" / "argument_specs.yml").read_text())
    options = spec["argument_specs"]["main"]["options"]
    result = ArgumentSpecValidator(options).validate(dict(data))
    assert not result.error_messages, result.error_messages
    assert set(data) <= set(options)
    pool = _pool_addresses(data["egressip_pool"])
    assert 0 < len(pool) <= 64, "an explicit, small pool"
    assert ipaddress.ip_address(data["egressip_gateway"]) not in pool
    assert data["egressip_reserved_ips"]
    assert pool <= set(ipaddress.ip_network(data["egressip_egress_cidr"]))
    assert "--check --diff" in README.split("# egressip-vars.yml")[1].split("###")[0]


def test_readme_allocations_name_a_pool_and_the_gateway():
    for block in re.findall(r"```yaml\n(.*?)```", README, re.S):
        for play in yaml.safe_load(block) if block.lstrip().startswith("- ") else []:
            for task in play.get("tasks", []):
                args = task.get("ocp.egressip.egressip_netnamespace")
                if args and "count" in args:
                    assert args.get("pool") and args.get("gateway"), task["name"]
    for cmd in re.findall(r"ansible-playbook [^\n]*(?:\\\n[^\n]*)*", README):
        if "count" in cmd or "auto_nodes" in cmd:
            assert "pool" in cmd and "gateway" in cmd, cmd


def test_quickstart_runs_on_the_lab(tmp_path):
    text = yaml.safe_dump(_quickstart_vars()).replace("192.168.50.", "198.51.100.")
    # no node checks: this lab has no data plane for probe pods (the API path, the default since
    # issue 12, is run by the netns e2e tests); the SSH path with no node hosts checks nothing
    data = dict(yaml.safe_load(text), egressip_primary_network="198.51.100.0/24", egressip_primary_interface="enp1s0",
                egressip_node_access="ssh", egressip_node_hosts=[], egressip_report=False)
    extra = tmp_path / "egressip-vars.json"
    extra.write_text(json.dumps(data))
    with start_lab(tmp_path, scenario="seed") as lab:
        env = dict(os.environ, K8S_AUTH_KUBECONFIG=lab.kubeconfig, ANSIBLE_NOCOLOR="1",
                   ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), ANSIBLE_DEPRECATION_WARNINGS="False")
        cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local",
               "-e", "ansible_python_interpreter=%s" % sys.executable, "-e", "@%s" % extra,
               str(ROOT / "playbooks" / "auto.yml")]
        plan = subprocess.run(cmd + ["--check", "--diff"], cwd=str(tmp_path), env=env, capture_output=True, text=True,
                              timeout=300, check=False)
        assert plan.returncode == 0, plan.stdout[-3000:]
        assert lab.stats()["writes"] == 0
        run = subprocess.run(cmd, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300, check=False)
        assert run.returncode == 0, run.stdout[-3000:]
        ips = lab.get("/apis/network.openshift.io/v1/netnamespaces/mywebserver")["egressIPs"]
    assert len(ips) == 1 and ipaddress.ip_address(ips[0]) in _pool_addresses(
        [p.replace("192.168.50.", "198.51.100.") for p in _quickstart_vars()["egressip_pool"]])
