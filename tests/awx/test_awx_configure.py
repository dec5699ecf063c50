"""playbooks/awx/configure.yml runs the real awx.awx modules (not in check mode) against a fake
controller API on 127.0.0.1 (tests/awx/fake_controller.py): every call is well-formed for the
module, every referenced object is found, and what lands in the API is the data of
playbooks/awx/vars/controller.yml: job templates, surveys AWX accepts, and the workflow
facts -> plan (check) -> approval -> apply -> report. A real AWX is not reachable from here."""
import json
import os
import pathlib
import subprocess
import sys

import pytest
import yaml

from tests.awx.fake_controller import FakeController

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = yaml.safe_load((ROOT / "playbooks" / "awx" / "vars" / "controller.yml").read_text())
pytestmark = pytest.mark.skipif(
    not (ROOT / ".collections" / "ansible_collections" / "awx" / "awx" / "MANIFEST.json").is_file(),
    reason="awx.awx not extracted: run bash scripts/setup.sh")


def _seed(store):
    org = store.add("organizations", name="Default")
    store.add("inventories", name="egressip", organization=org["id"])
    store.add("projects", name="ocp.egressip", organization=org["id"], scm_type="git")
    store.add("credentials", name="openshift-prod", organization=org["id"], kind="kubernetes_bearer_token")
    store.add("credentials", name="egressip-ssh", organization=org["id"], kind="ssh")
    return org


def _configure(ctl, tmp_path):
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps({"egressip_awx_credentials": ["openshift-prod", "egressip-ssh"],
                                 "egressip_awx_execution_environment_image": "registry.example.com/ocp-egressip-ee:1"}))
    env = dict(os.environ, CONTROLLER_HOST=ctl.url, CONTROLLER_OAUTH_TOKEN="fake-token", CONTROLLER_VERIFY_SSL="false",
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json", ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), HOME=str(tmp_path))
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
                           "-c", "local", "-e", "ansible_python_interpreter=%s" % sys.executable, "-e", "@%s" % extra,
                           str(ROOT / "playbooks" / "awx" / "configure.yml")],
                          cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300, check=False)
    doc = json.loads(proc.stdout[proc.stdout.index("{"):]) if "{" in proc.stdout else {}
    return proc, doc


def test_configure_creates_the_templates_surveys_and_workflow(tmp_path):
    with FakeController() as ctl:
        _seed(ctl.store)
        proc, doc = _configure(ctl, tmp_path)
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
        store = ctl.store
        stats = doc["stats"]["localhost"]
        assert stats["failures"] == 0 and stats["changed"] == 3, stats

        ee = store.find("execution_environments", name="ocp-egressip-ee")
        assert len(ee) == 1 and ee[0]["image"] == "registry.example.com/ocp-egressip-ee:1"
        creds = sorted(c["id"] for c in store.objects["credentials"].values())
        for jt_data in DATA["egressip_awx_job_templates"]:
            (jt,) = store.find("job_templates", name=jt_data["name"])
            assert jt["playbook"] == jt_data["playbook"] and jt["project"] == 3 and jt["inventory"] == 2
            assert jt["job_type"] == jt_data.get("job_type", "run")
            assert jt["execution_environment"] == ee[0]["id"] and jt["ask_variables_on_launch"] is True
            assert sorted(c["id"] for c in store.members_of("job_templates", jt["id"], "credentials")) == creds
            assert jt["survey_enabled"] is True
            assert store.surveys[("job_templates", jt["id"])] == DATA["egressip_awx_surveys"][jt_data["survey"]]

        (wf_data,) = DATA["egressip_awx_workflows"]
        (wf,) = store.find("workflow_job_templates", name=wf_data["name"])
        assert store.surveys[("workflow_job_templates", wf["id"])] == DATA["egressip_awx_surveys"]["auto"]
        nodes = {n["identifier"]: n for n in store.find("workflow_job_template_nodes", workflow_job_template=wf["id"])}
        assert sorted(nodes) == ["apply", "approve", "facts", "plan", "report"]

        def ujt(ident):
            node = nodes[ident]
            for collection in ("job_templates", "workflow_approval_templates"):
                if node.get("unified_job_template") in store.objects[collection]:
                    return store.objects[collection][node["unified_job_template"]]
            raise AssertionError("node %s has no template" % ident)

        assert ujt("facts")["name"] == ujt("report")["name"] == "ocp.egressip: report"
        assert ujt("plan")["job_type"] == "check" and ujt("plan")["playbook"] == "playbooks/auto.yml"
        assert ujt("apply")["job_type"] == "run" and ujt("apply")["playbook"] == "playbooks/auto.yml"
        approval = ujt("approve")
        assert approval["type"] == "workflow_approval_template" and approval["timeout"] == 86400

        def edges(ident, kind):
            return [m["identifier"] for m in store.members_of("workflow_job_template_nodes", nodes[ident]["id"], kind)]

        assert edges("facts", "success_nodes") == ["plan"]
        assert edges("plan", "success_nodes") == ["approve"]
        assert edges("approve", "success_nodes") == ["apply"]
        assert edges("apply", "always_nodes") == ["report"] and edges("apply", "success_nodes") == []
        assert not [e for ident in nodes for kind in ("failure_nodes",) for e in edges(ident, kind)]


def test_fake_controller_refuses_surveys_awx_refuses():
    """The fake's survey check is what the data is checked against: it must refuse bad specs."""
    from tests.awx.fake_controller import survey_errors
    good = DATA["egressip_awx_surveys"]["auto"]
    assert survey_errors(good) is None
    q = dict(good["spec"][0])
    assert survey_errors(dict(good, spec=[q, q]))                                          # duplicate variable
    assert survey_errors(dict(good, spec=[dict(q, type="number")]))                      # unknown type
    assert survey_errors(dict(good, spec=[dict(q, type="integer", default="1")]))        # default not an int
    assert survey_errors(dict(good, spec=[dict(q, type="multiplechoice", default="x")]))  # no choices
    assert survey_errors(dict(good, spec=[dict(q, type="multiplechoice", choices=["a"], default="b")]))
    assert survey_errors({k: v for k, v in good.items() if k != "description"})
