"""Static checks behind "nothing the user passes reaches a shell or an nft rule file
unvalidated": no shell/raw tasks in the roles and playbooks, and the firewall templates render
only the role's validated fact ``_egressip_firewall`` (built after the validation step)."""
import glob
import os

import jinja2
import jinja2.meta
import yaml

from tests.reliability.common import ROOT

SHELL_MODULES = ("shell", "ansible.builtin.shell", "raw", "ansible.builtin.raw", "script", "ansible.builtin.script")


def _tasks(doc):
    for item in doc or []:
        if not isinstance(item, dict):
            continue
        yield item
        for key in ("block", "rescue", "always", "tasks", "pre_tasks", "post_tasks", "handlers"):
            yield from _tasks(item.get(key))


def test_no_shell_in_roles_and_playbooks():
    files = glob.glob(os.path.join(ROOT, "roles", "*", "tasks", "*.yml")) + \
        glob.glob(os.path.join(ROOT, "roles", "*", "handlers", "*.yml")) + \
        glob.glob(os.path.join(ROOT, "playbooks", "*.yml"))
    assert len(files) > 10
    offenders = []
    for path in files:
        with open(path) as fh:
            doc = yaml.safe_load(fh)
        for task in _tasks(doc):
            for mod in SHELL_MODULES:
                if mod in task:
                    offenders.append("%s: %s" % (os.path.relpath(path, ROOT), task.get("name")))
            cmd = task.get("ansible.builtin.command") or task.get("command")
            if cmd is not None and not (isinstance(cmd, dict) and "argv" in cmd):
                offenders.append("%s: %s (command without argv)" % (os.path.relpath(path, ROOT), task.get("name")))
    assert offenders == []


def test_firewall_templates_render_only_validated_values():
    """Every variable a template reads from the play is the validated fact (or ansible_managed)."""
    env = jinja2.Environment()
    templates = glob.glob(os.path.join(ROOT, "roles", "egressip_firewall", "templates", "*.j2"))
    assert len(templates) >= 2
    for path in templates:
        with open(path) as fh:
            ast = env.parse(fh.read())
        used = jinja2.meta.find_undeclared_variables(ast)
        assert "_egressip_firewall" in used, path
        # family: ipv4|ipv6, the role's own loop over a fixed list (iptables_family.yml), no user value
        assert used <= {"_egressip_firewall", "ansible_managed", "family"}, (path, used)


def test_export_templates_render_only_the_export():
    """The export files (tasks/export.yml) render the allow-list the role built from the validated
    record, and the names the role gives them; nothing else of the play."""
    class AnyFilter(dict):   # parsing needs the filter names (Ansible's, the collection's) to exist
        def __contains__(self, name):
            return True

        def get(self, name, default=None):
            return dict.get(self, name) or str
    env = jinja2.Environment()
    env.filters = AnyFilter(env.filters)
    templates = glob.glob(os.path.join(ROOT, "roles", "egressip_firewall", "templates", "export", "*.j2"))
    assert sorted(os.path.basename(t) for t in templates) == ["allowlist.csv.j2", "allowlist.json.j2", "allowlist.nft.j2"]
    for path in templates:
        with open(path) as fh:
            used = jinja2.meta.find_undeclared_variables(env.parse(fh.read()))
        assert "_export" in used and used <= {"_export", "_export_of", "_export_file"}, (path, used)


def test_the_validated_fact_is_built_after_the_validation():
    with open(os.path.join(ROOT, "roles", "egressip_firewall", "tasks", "main.yml")) as fh:
        tasks = yaml.safe_load(fh)
    names = [t.get("name") for t in tasks]
    validate = names.index("Validate the variables")
    build = next(i for i, t in enumerate(tasks) if "_egressip_firewall" in (t.get("ansible.builtin.set_fact") or {}))
    include = next(i for i, t in enumerate(tasks) if "ansible.builtin.include_tasks" in t)
    assert validate == 0 and validate < build < include
