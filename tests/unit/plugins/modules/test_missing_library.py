"""Without the kubernetes library the modules fail with Ansible's missing_required_lib message."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def test_missing_kubernetes_library(tmp_path):
    blocker = tmp_path / "kubernetes"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('No module named kubernetes (test)')\n")
    args = tmp_path / "args.json"
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"name": "worker01", "egress_cidrs": []}}))
    collections = os.path.join(ROOT, ".collections")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), collections]))
    module = os.path.join(collections, "ansible_collections", "ocp", "egressip", "plugins", "modules",
                          "egressip_hostsubnet.py")
    proc = subprocess.run([sys.executable, module, str(args)], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, check=False)
    out = json.loads(proc.stdout)
    assert out["failed"] is True
    assert "Failed to import the required Python library (kubernetes)" in out["msg"]
