"""In-process harness of the fuzzers: the lab served from a thread of the test process (so a
test can put any object into its store, valid or not) and the modules' main() called with
patched arguments (no ansible-playbook: about a thousand times faster).

    with InProcessLab("seed") as lab:
        lab.put_raw("HostSubnet", obj)             # served as is, no validation
        out = run_module("egressip_facts", dict(lab.auth))
        out.crashed, out.result, lab.writes()
"""
import contextlib
import importlib
import io
import json
import os
import secrets
import tempfile
import threading
import traceback

import yaml

from ansible.module_utils.common import warnings as ansible_warnings
from ansible.module_utils.testing import patch_module_args

from tests.integration.inprocess import module_side
from tests.lab import scenarios
from tests.lab.__main__ import kubeconfig
from tests.lab.cluster import Cluster
from tests.lab.kinds import BY_KIND
from tests.lab.server import LabServer

MODULES = ("egressip_facts", "egressip_hostsubnet", "egressip_netnamespace", "egressip_ovn")


class InProcessLab(object):
    """A lab cluster served on 127.0.0.1 from a daemon thread of this process."""

    def __init__(self, scenario="seed", setup=None):
        self.scenario, self.setup = scenario, setup
        self.token = secrets.token_hex(8)
        self.server = LabServer(self._cluster(), self.token)
        self.tmp = tempfile.mkdtemp(prefix="egressip-fuzz-")
        self.kubeconfig = os.path.join(self.tmp, "kubeconfig")
        with open(self.kubeconfig, "w") as fh:
            yaml.safe_dump(kubeconfig(self.server.url, self.token), fh)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def _cluster(self):
        cluster = Cluster(scenarios.build(self.scenario))
        if self.setup is not None:
            self.setup(cluster)
            cluster.reconcile()
        return cluster

    @property
    def cluster(self):
        return self.server.cluster

    def reset(self):
        """A fresh cluster of the scenario (and setup), zeroed counters: one per example."""
        self.server.cluster = self._cluster()
        self.server.stats.reset()

    @property
    def url(self):
        return self.server.url

    ca = None       # plain HTTP (tests/reliability/common.py write_play reads these three)

    @property
    def auth(self):
        return {"kubeconfig": self.kubeconfig}

    @property
    def store(self):
        return self.cluster.store

    def put_raw(self, kind, obj, name):
        """Store ``obj`` in place of the cluster-scoped object ``name``, as given (no validation,
        even its metadata may be garbage): what a server may still serve from older versions,
        other writers or a corrupt store."""
        store = self.cluster.store
        with self.cluster.lock, store.lock:
            store.rv += 1
            if isinstance(obj, dict) and isinstance(obj.get("metadata"), dict):
                obj["metadata"]["resourceVersion"] = str(store.rv)
            store.objects[(kind, "", name)] = obj

    def objects(self, kind):
        return [json.loads(json.dumps(o)) for o in self.cluster.store.items(BY_KIND[kind])]

    def snapshot(self, skip=("Lease",)):
        """The stored objects (but the lock's Lease) without the fields every write bumps: equal
        snapshots mean nothing was changed, or what was changed was rolled back."""
        out = {}
        with self.cluster.lock:
            for key, obj in self.cluster.store.objects.items():
                if key[0] in skip:
                    continue
                obj = json.loads(json.dumps(obj, default=str))
                if isinstance(obj, dict) and isinstance(obj.get("metadata"), dict):
                    for field in ("resourceVersion", "generation"):
                        obj["metadata"].pop(field, None)
                out[repr(key)] = obj
        return out

    def writes(self):
        return self.server.stats.snapshot()["writes"]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        for name in os.listdir(self.tmp):
            os.unlink(os.path.join(self.tmp, name))
        os.rmdir(self.tmp)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Outcome(object):
    """One in-process module run: ``result`` (the JSON the module printed), ``crash`` (the
    traceback of an exception that escaped main(), the in-process form of ansible-core's
    ``Module failed: ...``)."""

    def __init__(self, result, crash):
        self.result, self.crash = result, crash

    @property
    def failed(self):
        return bool(self.result and self.result.get("failed"))

    @property
    def msg(self):
        return str((self.result or {}).get("msg", ""))

    def __repr__(self):
        return "Outcome(crash=%s, result=%s)" % (self.crash, json.dumps(self.result, default=str)[:3000])


class _Captured(Exception):
    pass


def module_spec(name):
    """(argument spec, other AnsibleModule arguments) a module's main() builds (main() stopped
    at new_module)."""
    module = importlib.import_module("ansible_collections.ocp.egressip.plugins.modules." + name)
    captured = {}

    def capture(argspec, **kwargs):
        captured.update(argspec=argspec, kwargs=kwargs)
        raise _Captured()
    original = module.new_module
    module.new_module = capture
    try:
        module.main()
    except _Captured:
        pass
    finally:
        module.new_module = original
    return captured["argspec"], captured["kwargs"]


def run_module(name, args, check_mode=False):
    """Call plugins/modules/<name>.py main() with ``args``; never raises."""
    module = importlib.import_module("ansible_collections.ocp.egressip.plugins.modules." + name)
    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    out = io.StringIO()
    crash = None
    # module.warn() collects into process-wide lists: one run's warnings are not the next one's
    ansible_warnings._global_warnings.clear()
    ansible_warnings._global_deprecations.clear()
    try:
        with module_side(), patch_module_args(args), contextlib.redirect_stdout(out):
            module.main()
    except SystemExit:
        pass
    except Exception:   # noqa: BLE001 - what we are looking for
        crash = traceback.format_exc()
    text = out.getvalue()
    result = None
    if "{" in text:
        try:
            result = json.loads(text[text.index("{"):])
        except ValueError:
            crash = crash or "unparsable module output: %r" % text[:2000]
    elif crash is None:
        crash = "no module output"
    return Outcome(result, crash)
