"""Run a module's main() in this process (the module entry point, without ansible-playbook):
a few milliseconds per call instead of seconds, for property tests against the lab.

    out = run_module(egressip_netnamespace.main, {"name": "web", "count": 1}, lab, check=True)
    out.failed, out.result["changes"], out.warnings
"""
import contextlib
from unittest import mock

from ansible.module_utils import _internal as module_internal
from ansible.module_utils import basic
from ansible.module_utils.common import warnings as ansible_warnings
from ansible.module_utils.testing import patch_module_args


class Outcome(object):
    def __init__(self, failed, result, warnings):
        self.failed = failed
        self.result = result
        self.warnings = warnings

    @property
    def changed(self):
        return bool(self.result.get("changed"))

    @property
    def msg(self):
        return self.result.get("msg", "")

    def __repr__(self):
        return "Outcome(failed=%s, changed=%s, msg=%r, changes=%r)" % (
            self.failed, self.changed, self.msg[:300], self.result.get("changes"))


@contextlib.contextmanager
def module_side():
    """Run as a module does in its own process. Once a test in this process has imported
    controller code (a filter plugin, ansible-lint...), ansible-core marks the process as the
    controller and module.warn() goes to the display instead of the result: the warnings a test
    looks for would vanish depending on what ran before it on the same xdist worker."""
    with mock.patch.object(module_internal, "is_controller", False):
        yield


class _Exit(Exception):
    def __init__(self, failed, result):
        super(_Exit, self).__init__(result.get("msg", ""))
        self.failed = failed
        self.result = result


def run_module(main, args, lab, check=False):
    args = dict(args)
    args.setdefault("kubeconfig", lab.kubeconfig)
    args["_ansible_check_mode"] = check

    def exit_json(_module, **kwargs):
        raise _Exit(False, kwargs)

    def fail_json(_module, msg, **kwargs):
        kwargs["msg"] = msg
        raise _Exit(True, kwargs)

    ansible_warnings._global_warnings.clear() if hasattr(ansible_warnings, "_global_warnings") else None
    with module_side(), patch_module_args(args), mock.patch.object(basic.AnsibleModule, "exit_json", exit_json), \
            mock.patch.object(basic.AnsibleModule, "fail_json", fail_json):
        try:
            main()
        except _Exit as done:
            return Outcome(done.failed, done.result, list(ansible_warnings.get_warning_messages()))
    raise AssertionError("the module returned without exit_json or fail_json")
