"""Each AWX survey (playbooks/awx/vars/controller.yml) asks only for variables its playbook
accepts, with the type, default and required-ness the playbook's argument validation gives
them. What a playbook accepts is read from the playbook and the role it runs, never listed
here: the role's meta/argument_specs.yml (the entry point the play runs), the play's own vars
(extra vars override them) and the extra vars it reads with `| default(...)`; what it requires,
from its asserts (`fail_msg: "... set NAME ..."`)."""
import ast
import copy
import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = yaml.safe_load((ROOT / "playbooks" / "awx" / "vars" / "controller.yml").read_text())
PREFIX = "egressip_"
# Issue 10 renames the playbooks' extra vars X to egressip_X (X still accepted for one release).
# Until both branches are merged the playbooks read X: a survey's egressip_X then stands for X.
# Set to False once the playbooks read the egressip_ names themselves.
RENAME_PENDING = False
READ = re.compile(r"(?<![.\w])([a-z_][a-z0-9_]*) \| default\(((?:[^()]|\([^()]*\))*)\)(?: \| (int|bool)\b)?")
SET_NAME = re.compile(r"\bset ([a-z_][a-z0-9_]*)")
ROLE = "ocp.egressip.egressip"


def _role_spec(entry):
    specs = yaml.safe_load((ROOT / "roles" / "egressip" / "meta" / "argument_specs.yml").read_text())
    return specs["argument_specs"][entry]["options"]


def _entry_points(play):
    """The role entry points a play runs: roles: [ocp.egressip.egressip] -> main, include_role
    with tasks_from: X -> X."""
    out = []
    for role in play.get("roles", []):
        if (role.get("role") if isinstance(role, dict) else role) == ROLE:
            out.append("main")
    for section in ("pre_tasks", "tasks", "post_tasks"):
        for task in play.get(section) or []:
            for action in ("ansible.builtin.include_role", "ansible.builtin.import_role"):
                if isinstance(task.get(action), dict) and task[action].get("name") == ROLE:
                    out.append(task[action].get("tasks_from", "main"))
    return out


OLD_NAME_DEFAULT = re.compile(r"^[a-z_][a-z0-9_]* \| default\((.*)\)$")


def _literal(text):
    # `egressip_X | default(X | default(D))`: the old name (deprecated) else D
    old = OLD_NAME_DEFAULT.match(text.strip())
    if old:
        return _literal(old.group(1))
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        return None     # an expression: no fixed default to compare


def playbook_inputs(name):
    """{variable: {"type": ..., "default": ...}} the playbook accepts, and the list of its
    required-variable groups (one per assert: any one of the names satisfies it)."""
    text = (ROOT / name).read_text()
    inputs, required = {}, []
    for play in yaml.safe_load(text):
        for entry in _entry_points(play):
            for var, spec in _role_spec(entry).items():
                inputs[var] = {"type": spec.get("type", "str"), "choices": spec.get("choices"),
                               "default": spec.get("default")}
        for var in play.get("vars") or {}:
            inputs.setdefault(var, {"type": "raw", "choices": None, "default": None})
        for section in ("pre_tasks", "tasks"):
            for task in play.get(section) or []:
                check = task.get("ansible.builtin.assert")
                if check:
                    names = SET_NAME.findall(check.get("fail_msg", ""))
                    required.append({PREFIX + n if RENAME_PENDING and not n.startswith(PREFIX) else n for n in names})
    for var, default, conv in READ.findall(text):
        kind = {"int": "int", "bool": "bool"}.get(conv, "str")
        names = [var] + ([PREFIX + var] if RENAME_PENDING and not var.startswith(PREFIX) else [])
        for n in names:
            inputs.setdefault(n, {"type": kind, "choices": None, "default": _literal(default)})
    return inputs, required


SURVEY_TYPES = {
    "str": {"text", "textarea", "password"}, "list": {"text", "textarea", "multiselect"}, "path": {"text"},
    "int": {"integer"}, "float": {"float", "integer"}, "bool": {"multiplechoice"},
    "raw": {"text", "textarea", "integer", "multiplechoice"},
}


def survey_problems(survey, playbook):
    inputs, required = playbook_inputs(playbook)
    problems = []
    for q in survey["spec"]:
        var = q["variable"]
        if not var.startswith(PREFIX):
            problems.append("%s: not an %s variable" % (var, PREFIX))
        if var not in inputs:
            problems.append("%s: %s does not accept it" % (var, playbook))
            continue
        want = inputs[var]
        allowed = {"multiplechoice"} if want["choices"] else SURVEY_TYPES.get(want["type"], set())
        if q["type"] not in allowed:
            problems.append("%s: survey type %s for a %s" % (var, q["type"], want["type"]))
        if q["type"] == "multiplechoice":
            choices = set(q.get("choices") or [])
            valid = {str(c) for c in want["choices"]} if want["choices"] else {"true", "false"}
            if want["type"] in ("bool", "raw") or want["choices"]:
                if not choices <= valid:
                    problems.append("%s: choices %s outside %s" % (var, sorted(choices), sorted(valid)))
        default = want["default"]
        if "default" in q and default not in (None, "", []) and not isinstance(default, (list, dict)):
            if str(q["default"]).lower() != str(default).lower():
                problems.append("%s: survey default %r, playbook default %r" % (var, q["default"], default))
        if q["type"] == "integer" and "default" in q:
            if not q.get("min", q["default"]) <= q["default"] <= q.get("max", q["default"]):
                problems.append("%s: default outside min/max" % var)
    asked = {q["variable"] for q in survey["spec"] if q["required"]}
    for group in required:
        if group and not group & asked:
            problems.append("%s requires one of %s: no required question asks it" % (playbook, sorted(group)))
    return problems


def _job_template_surveys():
    return [(jt["name"], jt["playbook"], jt["survey"]) for jt in DATA["egressip_awx_job_templates"] if "survey" in jt]


@pytest.mark.parametrize("name, playbook, survey", _job_template_surveys())
def test_survey_matches_the_playbooks_argument_validation(name, playbook, survey):
    assert (ROOT / playbook).is_file(), playbook
    assert survey_problems(DATA["egressip_awx_surveys"][survey], playbook) == []


def test_workflow_survey_fits_every_node_it_feeds():
    templates = {jt["name"]: jt for jt in DATA["egressip_awx_job_templates"]}
    for wf in DATA["egressip_awx_workflows"]:
        survey = DATA["egressip_awx_surveys"][wf["survey"]]
        playbooks = {templates[n["unified_job_template"]["name"]]["playbook"]
                     for n in wf["workflow_nodes"] if n["unified_job_template"]["type"] == "job_template"}
        # the survey answers the node that writes; the others accept or ignore what they get
        writers = {templates[n["unified_job_template"]["name"]]["playbook"] for n in wf["workflow_nodes"]
                   if n["identifier"] == "apply"}
        assert writers and all(survey_problems(survey, p) == [] for p in writers)
        accepted = set().union(*(playbook_inputs(p)[0] for p in playbooks))
        assert {q["variable"] for q in survey["spec"]} <= accepted


def test_checker_catches_a_survey_that_does_not_fit():
    """The comparison can fail: a variable the playbook does not read, a wrong type, a
    changed default, a required variable made optional."""
    good = DATA["egressip_awx_surveys"]["auto"]

    def broken(change):
        survey = copy.deepcopy(good)
        change(survey["spec"])
        return survey_problems(survey, "playbooks/auto.yml")

    by_var = {q["variable"]: i for i, q in enumerate(good["spec"])}
    assert broken(lambda s: s.append(dict(s[0], variable="egressip_no_such_var")))
    assert broken(lambda s: s[by_var["egressip_wait_timeout"]].update(type="text"))
    assert broken(lambda s: s[by_var["egressip_count"]].update(default=3))
    assert broken(lambda s: s[by_var["egressip_namespace_name"]].update(required=False))
    assert broken(lambda s: s[by_var["egressip_node_health_check"]].update(choices=["yes", "no"], default="no"))
    assert broken(lambda s: s.append(dict(s[0], variable="namespace_name")))
