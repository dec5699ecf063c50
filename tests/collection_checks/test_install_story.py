"""What users install: the built tarball holds content only, and every place that states the
ansible-core versions states the same range."""
import os
import pathlib
import re
import subprocess
import sys
import tarfile

import pytest
import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Content: what a collection user runs or reads. Everything else (scripts/, tests/, conftest.py,
# pytest.ini, requirements-test.txt, benchmarks/, reports, .ci/, molecule scenarios, the EE
# definition for this repository) stays out of the tarball.
CONTENT_DIRS = ("changelogs", "docs", "meta", "playbooks", "plugins", "rbac")
CONTENT_FILES = ("README.md", "bindep.txt", "requirements.txt")
NEVER_AT_TOP = ("scripts/", "tests/", "conftest.py", "pytest.ini", "requirements-test.txt", "benchmarks/", ".ci/",
                "reports/", "build/", ".ansible-lint", ".yamllint", "execution-environment.yml", ".gitignore")
NEVER_ANYWHERE = ("/molecule/", "__pycache__", ".pyc")


def _is_content(path):
    parts = path.split("/")
    if path in CONTENT_FILES or parts[0] in CONTENT_DIRS:
        return True
    return parts[0] == "roles" and len(parts) > 2 and parts[2] != "molecule"


def _tracked_files():
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    return {f for f in out.splitlines() if (ROOT / f).is_file()}


@pytest.fixture(scope="module")
def tarball_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    proc = subprocess.run([os.path.join(sys.prefix, "bin", "ansible-galaxy"), "collection", "build", "--force",
                           "--output-path", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (tarball,) = out.glob("ocp-egressip-*.tar.gz")
    with tarfile.open(tarball) as tar:
        return {m.name for m in tar.getmembers() if m.isfile()}


def test_tarball_holds_exactly_the_content(tarball_files):
    expected = {f for f in _tracked_files() if _is_content(f)} | {"MANIFEST.json", "FILES.json"}
    assert sorted(tarball_files - expected) == [], "not content, but in the tarball"
    assert sorted(expected - tarball_files) == [], "content missing from the tarball"
    leaked = sorted(f for f in tarball_files
                    if f.startswith(NEVER_AT_TOP) or any(n in "/" + f for n in NEVER_ANYWHERE))
    assert not leaked, leaked
    for needed in ("plugins/modules/egressip_facts.py", "roles/egressip/tasks/main.yml", "meta/runtime.yml",
                   "meta/execution-environment.yml", "requirements.txt", "bindep.txt", "playbooks/auto.yml"):
        assert needed in tarball_files, needed


def _same_range(a, b):
    probes = [Version("2.%d.%d" % (minor, patch)) for minor in range(14, 23) for patch in (0, 1, 5)]
    return [v in a for v in probes] == [v in b for v in probes]


def _stated_ranges():
    """Every place that states the ansible-core versions, as SpecifierSets."""
    stated = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if re.match(r"^ansible-core\b", line):
            stated["requirements.txt"] = SpecifierSet(line.split("#")[0][len("ansible-core"):].strip())
    stated["meta/runtime.yml"] = SpecifierSet(yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())["requires_ansible"])
    ee = yaml.safe_load((ROOT / "execution-environment.yml").read_text())
    stated["execution-environment.yml"] = SpecifierSet(ee["dependencies"]["ansible_core"]["package_pip"][len("ansible-core"):])
    assert re.search(r"ansible-core `([^`]+)`", (ROOT / "README.md").read_text()), \
        "README.md states no ansible-core range (ansible-core `>=X,<Y`)"
    for doc in [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md")):
        for n, found in enumerate(re.findall(r"ansible-core `([^`]+)`", doc.read_text())):
            stated["%s #%d" % (doc.relative_to(ROOT), n + 1)] = SpecifierSet(found)
    for meta in sorted(ROOT.glob("roles/*/meta/main.yml")):
        minimum = yaml.safe_load(meta.read_text())["galaxy_info"]["min_ansible_version"]
        stated[str(meta.relative_to(ROOT)) + " (minimum)"] = SpecifierSet(">=%s" % minimum)
    return stated


def test_ansible_core_versions_agree():
    stated = _stated_ranges()
    reference = stated["requirements.txt"]
    for where, spec in stated.items():
        if where.endswith("(minimum)"):
            low = min(s.version for s in reference if s.operator == ">=")
            assert Version(low) == Version(next(iter(spec)).version), (where, str(spec), str(reference))
        else:
            assert _same_range(spec, reference), "%s says %s, requirements.txt says %s" % (where, spec, reference)
    # the range is one ansible-core series set that this machine actually runs
    from ansible.release import __version__
    assert Version(__version__) in reference
