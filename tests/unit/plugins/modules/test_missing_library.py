"""Without the kubernetes library the modules fail with Ansible's missing_required_lib message."""
import json
import os
import subprocess
import sys

from ansible_collections.ocp.egressip.plugins.modules import egressip_hostsubnet


def test_missing_kubernetes_library(tmp_path):
    blocker = tmp_path / "kubernetes"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('No module named kubernetes (test)')\n")
    args = tmp_path / "args.json"
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"name": "worker01", "egress_cidrs": []}}))
    module = os.path.abspath(egressip_hostsubnet.__file__)
    # the folder holding ansible_collections/ (works in the repo and under ansible-test)
    collections = module[:module.rindex(os.sep + "ansible_collections" + os.sep)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), collections] + sys.path))
    proc = subprocess.run([sys.executable, module, str(args)], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, check=False)
    out = json.loads(proc.stdout)
    assert out["failed"] is True
    assert "Failed to import the required Python library (kubernetes)" in out["msg"]
