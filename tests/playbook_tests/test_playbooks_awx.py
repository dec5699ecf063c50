"""Every playbook runs unchanged as an AWX job template: no prompts, AWX-style host patterns,
and its extra vars documented (docs/playbooks.md) for a survey."""
import os
import re

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOKS = sorted(f for f in os.listdir(os.path.join(ROOT, "playbooks")) if f.endswith(".yml"))
HOSTS = {"localhost", "localhost:egressip_nodes:egressip_targets", "egressip_targets"}
# simple extra vars the playbooks read with `| default(...)` (their survey questions)
EXTRA_VAR = re.compile(r"(?<![.\w])([a-z_]+) \| default\(")
INTERNAL = {"egressip_node_name", "egressip_firewall_state_dir", "item"}


def _doc():
    with open(os.path.join(ROOT, "docs", "playbooks.md")) as fh:
        return fh.read()


@pytest.mark.parametrize("name", PLAYBOOKS)
def test_playbook_is_an_awx_job_template(name):
    path = os.path.join(ROOT, "playbooks", name)
    with open(path) as fh:
        text = fh.read()
    plays = yaml.safe_load(text)
    for play in plays:
        assert "vars_prompt" not in play
        assert play["hosts"] in HOSTS, play["hosts"]
    doc = _doc()
    assert "## %s" % name in doc, "docs/playbooks.md has no section for %s" % name
    used = set(EXTRA_VAR.findall(text)) - INTERNAL
    used = {v for v in used if not v.startswith("_")}
    undocumented = sorted(v for v in used if "`%s`" % v not in doc)
    assert not undocumented, "%s: extra vars not in docs/playbooks.md: %s" % (name, undocumented)
    # survey questions carry the egressip_ prefix; an unprefixed name is only read as the
    # deprecated alias of a prefixed one, listed in the playbook and in the docs' table
    renamed = {}
    for play in plays:
        renamed.update((play.get("vars") or {}).get("_egressip_renamed") or {})
    unprefixed = sorted(v for v in used if not v.startswith("egressip_"))
    assert not [v for v in unprefixed if v not in renamed], "%s: unprefixed extra vars: %s" % (name, unprefixed)
    for old, new in renamed.items():
        assert new.startswith("egressip_") and "`%s`" % new in doc, (name, old, new)
        assert "| `%s` | `%s` |" % (old, new) in doc, "%s: deprecated name %s -> %s not in the docs' table" % (
            name, old, new)


@pytest.mark.parametrize("name", PLAYBOOKS)
def test_old_extra_var_names_are_warned_about(name):
    """Every playbook that accepts an old name runs egressip_deprecated_vars on it."""
    with open(os.path.join(ROOT, "playbooks", name)) as fh:
        plays = yaml.safe_load(fh)
    for play in plays:
        renamed = (play.get("vars") or {}).get("_egressip_renamed")
        if not renamed:
            continue
        tasks = (play.get("pre_tasks") or []) + (play.get("tasks") or [])
        assert any("ocp.egressip.egressip_deprecated_vars" in t for t in tasks), name
