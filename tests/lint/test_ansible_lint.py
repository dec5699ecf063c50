"""ansible-lint with the production profile passes on the whole repository, with the committed
configuration (.ansible-lint): no rule skipped or downgraded, only generated or vendored paths
excluded, and every per-line `noqa` says why."""
import os
import pathlib
import re
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((ROOT / ".ansible-lint").read_text())
# Generated or vendored: the venv, the collections taken from the `ansible` wheel, tool outputs.
GENERATED = {".venv/", ".collections/", ".ansible/", ".cache/", "build/", "context/", "tests/output/"}
NOQA = re.compile(r"#\s*noqa:?\s*([\w\[\]\-, ]+?)(?:\s+(\S.*))?$")


def test_config_skips_no_rule():
    assert CONFIG["profile"] == "production"
    for key in ("skip_list", "warn_list", "enable_list_skip", "mock_roles", "mock_modules"):
        assert not CONFIG.get(key), key
    assert set(CONFIG["exclude_paths"]) <= GENERATED, set(CONFIG["exclude_paths"]) - GENERATED


def test_every_noqa_is_explained():
    tracked = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.split()
    found = 0
    for name in tracked:
        if not name.endswith((".yml", ".yaml", ".j2")) or not (ROOT / name).is_file():
            continue
        lines = (ROOT / name).read_text().splitlines()
        for number, line in enumerate(lines, 1):
            match = NOQA.search(line)
            if match:
                found += 1
                reason = (match.group(2) or "").strip() or (lines[number - 2].strip() if number > 1 else "")
                assert len(reason) > 15, "%s:%d: noqa without a reason" % (name, number)
    assert found > 0   # the check reads the files it is meant to


@pytest.mark.slow
def test_ansible_lint_production_profile_passes():
    """The same single command as in the docs: `. scripts/env.sh && ansible-lint` (about 20 s idle)."""
    env = dict(os.environ, NO_COLOR="1", ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".collections"))
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-lint"), "--nocolor", "-f", "pep8"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    report = "\n".join(line for line in (proc.stdout + proc.stderr).splitlines() if not line.startswith("WARNING"))
    assert proc.returncode == 0, report[-6000:]
    assert "Passed" in proc.stderr + proc.stdout and "production" in proc.stderr + proc.stdout, report[-2000:]
