"""The execution environment: `ansible-builder create` (scripts/ee.sh) makes a build context that
holds the built collection tarball and every dependency, installable offline. Building the image
itself needs the base image's registry, which these machines cannot reach (docs: README, AWX)."""
import ast
import importlib.metadata
import os
import pathlib
import re
import subprocess
import sys
import tarfile

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONTEXT = ROOT / "build" / "ee" / "context"
BUILD = CONTEXT / "_build"
BIN = pathlib.Path(sys.prefix) / "bin"
# scripts/ee.sh writes fixed paths under build/ee: keep these tests on one xdist worker.
pytestmark = pytest.mark.xdist_group("ee")


def _run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False, **kw)


@pytest.fixture(scope="module")
def context():
    proc = _run(["bash", str(ROOT / "scripts" / "ee.sh")], cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return CONTEXT


@pytest.fixture(scope="module")
def installed(context, tmp_path_factory):
    """The galaxy stage as the Containerfile runs it (in /build = _build), offline, into a
    collections path that sees nothing else."""
    dest = tmp_path_factory.mktemp("ee-collections")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(dest), ANSIBLE_GALAXY_DISABLE_GPG_VERIFY="1")
    proc = _run([str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "-r", "requirements.yml",
                 "-p", str(dest)], cwd=BUILD, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return dest / "ansible_collections"


def _requirements_yml():
    return yaml.safe_load((BUILD / "requirements.yml").read_text())


def test_context_holds_tarballs_not_the_working_tree(context):
    files = sorted(str(p.relative_to(context)) for p in context.rglob("*") if p.is_file())
    tarballs = sorted(f for f in files if f.endswith(".tar.gz"))
    assert tarballs == ["_build/collections/ansible-posix.tar.gz", "_build/collections/awx-awx.tar.gz",
                        "_build/collections/kubernetes-core.tar.gz", "_build/collections/ocp-egressip.tar.gz"]
    for forbidden in (".venv", ".git", ".collections", "tests", "plugins", "roles", "benchmarks"):
        assert not [f for f in files if forbidden in pathlib.PurePath(f).parts], forbidden
    size = sum((context / f).stat().st_size for f in files)
    assert size < 5 * 1024 * 1024, "build context is %d bytes" % size
    with tarfile.open(context / "_build" / "collections" / "ocp-egressip.tar.gz") as tar:
        names = tar.getnames()
    assert "MANIFEST.json" in names and "plugins/modules/egressip_facts.py" in names
    assert not [n for n in names if n.split("/")[0] in ("tests", "scripts", ".git", ".venv", "benchmarks")]
    containerfile = (context / "Containerfile").read_text()
    assert "ansible-galaxy collection install" in containerfile and "-r requirements.yml" in containerfile
    assert "COPY _build /build" in containerfile


def test_galaxy_requirements_install_offline(installed):
    for name in ("ocp/egressip", "kubernetes/core", "ansible/posix", "awx/awx"):
        assert (installed / name / "MANIFEST.json").is_file(), name
    assert (installed / "ocp" / "egressip" / "plugins" / "modules" / "egressip_ovn.py").is_file()
    assert (installed / "ansible" / "posix" / "plugins" / "modules" / "firewalld.py").is_file()
    assert not (installed / "ocp" / "egressip" / "tests").exists()


def test_every_collection_the_content_uses_is_in_the_ee(installed):
    """Modules called by FQCN in roles and playbooks (ansible.posix.firewalld, ...) come from a
    collection the EE installs."""
    content = installed / "ocp" / "egressip"
    fqcn = re.compile(r"^\s*-?\s*([a-z0-9_]+)\.([a-z0-9_]+)\.[a-z0-9_]+:", re.M)
    used = set()
    for path in list(content.glob("roles/*/tasks/*.yml")) + list(content.glob("playbooks/**/*.yml")):
        used |= {"%s.%s" % m for m in fqcn.findall(path.read_text())}
    used -= {"ansible.builtin", "ocp.egressip"}
    assert {"ansible.posix", "awx.awx"} <= used, "firewalld backend and playbooks/awx are expected here"
    in_ee = {"%s.%s" % (p.parent.name, p.name) for p in installed.glob("*/*") if (p / "MANIFEST.json").is_file()}
    assert used <= in_ee, "collections used but not in the EE: %s" % sorted(used - in_ee)


def _plugin_imports(plugins):
    """Top-level names imported by the plugins, outside the standard library and Ansible."""
    names = set()
    for path in plugins.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in ("ansible", "ansible_collections")}


def _closure(requirement_lines):
    """Distribution names the requirements install: the listed ones and, through the installed
    metadata, what they depend on (urllib3 comes with kubernetes)."""
    todo = [canonicalize_name(Requirement(line.split("#")[0].strip()).name) for line in requirement_lines]
    seen = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for line in requires:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return seen


def test_python_requirements_cover_what_the_code_imports(installed, tmp_path):
    """ansible-builder's own introspection (the builder stage) over the installed collections
    plus the EE's requirements gives a list that provides every module the plugins import."""
    pip_out = tmp_path / "requirements.txt"
    proc = _run([sys.executable, str(BUILD / "scripts" / "introspect.py"), "introspect", str(installed.parent),
                 "--user-pip", str(BUILD / "requirements.txt"), "--user-bindep", str(BUILD / "bindep.txt"),
                 "--write-pip", str(pip_out), "--write-bindep", str(tmp_path / "bindep.txt")])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [line for line in pip_out.read_text().splitlines() if line.strip()]
    assert any(line.endswith("from collection ocp.egressip") for line in lines), "collection requirements not found"
    provided = _closure(lines)
    imports = _plugin_imports(installed / "ocp" / "egressip" / "plugins")
    assert {"kubernetes", "netaddr"} <= imports
    dists = importlib.metadata.packages_distributions()
    missing = {}
    for name in sorted(imports):
        owners = {canonicalize_name(d) for d in dists.get(name, [])}
        if not owners & provided:
            missing[name] = sorted(owners) or "not installed here"
    assert not missing, "imported by plugins/ but not in the EE's Python requirements: %s" % missing
    # the EE's system packages parse with bindep and give the controller an ssh client on RPM
    from bindep.depends import Depends
    depends = Depends((tmp_path / "bindep.txt").read_text())
    rpm = {r[0] for r in depends.active_rules(["platform:rpm", "platform:redhat", "platform:centos"])}
    assert "openssh-clients" in rpm and "python3" in rpm, rpm
