"""Checks on the collection as a whole: ansible-test sanity and units, ansible-doc,
the action group, and a galaxy build that installs offline."""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODULES = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("egressip_*.py"))


def _run(cmd, timeout=900, **kw):
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False, **kw)


def _tail(proc, n=60):
    lines = (proc.stdout + proc.stderr).splitlines()
    return "\n".join(line for line in lines if "WARNING: Location" not in line)[-8000:]


def claimed_pythons():
    """The Python versions tests/config.yml claims for the modules (ansible-test's reading of it)."""
    from packaging.specifiers import SpecifierSet
    spec = SpecifierSet(yaml.safe_load((ROOT / "tests" / "config.yml").read_text())["modules"]["python_requires"])
    return [v for v in ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14") if v in spec]


@pytest.mark.slow
@pytest.mark.parametrize("python", claimed_pythons())
def test_ansible_test_sanity(python):
    """Sanity on every Python the collection claims: a claimed version without an interpreter
    here is a failure (the claim would be untested), not a skip."""
    assert shutil.which("python" + python), "tests/config.yml claims Python %s but there is no python%s" % (python, python)
    proc = _run(["bash", "scripts/ansible-test.sh", "sanity"], env=dict(os.environ, ANSIBLE_TEST_PYTHON=python))
    assert proc.returncode == 0, _tail(proc)


@pytest.mark.slow
def test_ansible_test_units():
    proc = _run(["bash", "scripts/ansible-test.sh", "units"])
    assert proc.returncode == 0, _tail(proc)


def test_every_module_is_in_the_action_group():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    group = runtime["action_groups"]["egressip"]
    assert MODULES, "no modules found"
    assert sorted(group) == MODULES


@pytest.mark.parametrize("module", MODULES)
def test_ansible_doc_renders(module):
    proc = _run([os.path.join(sys.prefix, "bin", "ansible-doc"), "-j", "ocp.egressip." + module], timeout=120)
    assert proc.returncode == 0, _tail(proc)
    doc = json.loads(proc.stdout)["ocp.egressip." + module]
    assert doc["doc"]["short_description"]
    assert doc["examples"].strip()
    assert doc["return"], "RETURN is empty"
    text = _run([os.path.join(sys.prefix, "bin", "ansible-doc"), "ocp.egressip." + module], timeout=120)
    assert text.returncode == 0 and "EXAMPLES" in text.stdout, _tail(text)


def test_galaxy_build_and_offline_install(tmp_path):
    ansible_galaxy = os.path.join(sys.prefix, "bin", "ansible-galaxy")
    build = _run([ansible_galaxy, "collection", "build", "--output-path", str(tmp_path), "--force"], timeout=300)
    assert build.returncode == 0, _tail(build)
    tarballs = list(tmp_path.glob("ocp-egressip-*.tar.gz"))
    assert len(tarballs) == 1
    dest = tmp_path / "installed"
    install = _run([ansible_galaxy, "collection", "install", "--offline", "--force", "-p", str(dest), str(tarballs[0])], timeout=300)
    assert install.returncode == 0, _tail(install)
    installed = dest / "ansible_collections" / "ocp" / "egressip"
    assert (installed / "MANIFEST.json").is_file()
    assert not (installed / ".collections").exists(), "the local collections tree leaked into the build"
    for module in MODULES:
        assert (installed / "plugins" / "modules" / (module + ".py")).is_file()
