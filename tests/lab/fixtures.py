"""Pytest helpers for the lab (stdlib only: works without the kubernetes client).

    from tests.lab.fixtures import start_lab, lab, lab_tls   # noqa: F401  (fixtures)

    with start_lab(tmp_path, scenario="seed", tls=True) as lab:
        lab.get("/apis/network.openshift.io/v1/hostsubnets")
        lab.fault(verb="patch", kind="HostSubnet", status=500, count=1)
        lab.set_ready("worker01", False)
"""
import contextlib
import json
import os
import select
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODE_STATUS = "/api/v1/nodes/%s/status"


class LabError(Exception):
    def __init__(self, code, body):
        super().__init__("HTTP %s: %s" % (code, body))
        self.code, self.body = code, body


# Runs one request inside a network namespace (Lab.netns): JSON in on stdin, JSON out.
_NETNS_CLIENT = """
import json, ssl, sys, urllib.request, urllib.error
a = json.load(sys.stdin)
ctx = ssl.create_default_context(cafile=a["ca"]) if a["ca"] else None
data = a["data"].encode("latin-1") if a["data"] is not None else None
req = urllib.request.Request(a["url"], data=data, method=a["method"], headers=a["headers"])
try:
    with urllib.request.urlopen(req, context=ctx, timeout=a["timeout"]) as r:
        out = {"code": r.status, "ctype": r.headers.get_content_type(), "body": r.read().decode("latin-1")}
except urllib.error.HTTPError as e:
    out = {"code": e.code, "ctype": e.headers.get_content_type(), "body": e.read().decode("latin-1")}
json.dump(out, sys.stdout)
"""


class Lab:
    def __init__(self, url, kubeconfig, token, ca, process, netns=None):
        self.url, self.kubeconfig, self.token, self.ca, self.process = url, kubeconfig, token, ca, process
        self.netns = netns
        self._ctx = ssl.create_default_context(cafile=ca) if ca else None

    def _via_netns(self, method, path, data, headers, timeout):
        args = {"url": self.url + path, "method": method, "headers": headers, "ca": self.ca,
                "timeout": timeout, "data": data.decode("latin-1") if data is not None else None}
        res = subprocess.run(["ip", "netns", "exec", self.netns, sys.executable, "-c", _NETNS_CLIENT],
                             input=json.dumps(args), capture_output=True, text=True, timeout=timeout + 10,
                             check=False)
        if res.returncode != 0:
            raise RuntimeError("request in netns %s failed: %s" % (self.netns, res.stderr[-2000:]))
        out = json.loads(res.stdout)
        raw = out["body"].encode("latin-1")
        doc = raw
        if raw and out["ctype"] == "application/json":
            doc = json.loads(raw)
        if out["code"] >= 400:
            raise LabError(out["code"], doc)
        return doc

    # -- raw HTTP ----------------------------------------------------------------------
    def request(self, method, path, body=None, content_type="application/json", token=True, timeout=30,
                settle=True):
        """One HTTP request; the JSON answer (or raw bytes); LabError for HTTP errors.
        With ``netns`` the request is made from inside that namespace. ``settle=False``: as a
        client sees the cluster (the asynchronous controllers may not have reacted yet)."""
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        # the test's view is the settled one: the lab runs a pending controller pass first
        headers = {"Accept": "application/json"}
        if settle:
            headers["X-Lab-Settle"] = "1"
        if data is not None:
            headers["Content-Type"] = content_type
        if token:
            headers["Authorization"] = "Bearer " + (self.token if token is True else token)
        if self.netns:
            return self._via_netns(method, path, data, headers, timeout)
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, context=self._ctx, timeout=timeout) as resp:
                raw = resp.read()
                return json.loads(raw) if raw and resp.headers.get_content_type() == "application/json" else raw
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                raw = json.loads(raw)
            except ValueError:
                pass
            raise LabError(exc.code, raw) from None

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, body=None):
        return self.request("POST", path, body if body is not None else {})

    def put(self, path, body):
        return self.request("PUT", path, body)

    def delete(self, path):
        return self.request("DELETE", path)

    def patch(self, path, body, content_type="application/merge-patch+json"):
        return self.request("PATCH", path, body, content_type)

    # -- /_lab -------------------------------------------------------------------------
    def stats(self):
        return self.get("/_lab/stats")

    def reset(self):
        return self.post("/_lab/reset")

    def fault(self, verb=None, kind=None, name=None, status=None, count=1, hang=None, subresource=None, after=0):
        rule = {"verb": verb, "kind": kind, "name": name, "count": count, "subresource": subresource, "after": after}
        rule.update({"status": status} if hang is None else {"hang": hang})
        return self.post("/_lab/faults", rule)

    def collection_writes(self):
        """(verb, kind, name) of the writes the collection made (User-Agent ocp.egressip), except
        the node probe's short-lived pods; the test's own writes are not counted."""
        return [(r["verb"], r["kind"], r.get("name")) for r in self.requests()
                if r.get("verb") in ("create", "update", "patch", "delete", "deletecollection")
                and not r.get("dry_run") and r.get("kind") != "Pod"
                and (r.get("user_agent") or "").startswith("ocp.egressip")]

    def pods(self, namespace=None):
        """Names of the pods in the namespace (all namespaces when None)."""
        path = "/api/v1/namespaces/%s/pods" % namespace if namespace else "/api/v1/pods"
        return [p["metadata"]["name"] for p in self.get(path)["items"]]

    def clear_faults(self):
        return self.delete("/_lab/faults")

    def events(self):
        return self.get("/_lab/events")

    def errors(self):
        return [e["message"] for e in self.events() if e["level"] == "E"]

    def requests(self):
        return self.get("/_lab/requests")

    def assignments(self):
        return self.get("/_lab/assignments")

    def set_reachable(self, node, reachable):
        """OVN-Kubernetes: the node's egress IP health check fails (False) or succeeds (True)."""
        return self.post("/_lab/nodes/%s/reachable" % node, {"reachable": reachable})

    def settle(self):
        """Wait for the asynchronous controllers: a pending pass runs now (any helper request
        does this first; this one only does that)."""
        return self.post("/_lab/settle")

    def set_ready(self, node, ready):
        """Flip the Node's Ready condition through the normal Node status API (a client write)."""
        current = self.get(NODE_STATUS % node)
        conds = current.get("status", {}).get("conditions", [])
        cond = next((c for c in conds if c.get("type") == "Ready"), {"type": "Ready"})
        cond = dict(cond, status="True" if ready else "False",
                    reason="KubeletReady" if ready else "NodeStatusUnknown")
        return self.patch(NODE_STATUS % node, {"status": {"conditions": [cond]}},
                          "application/strategic-merge-patch+json")


def _read_ready(process, timeout):
    deadline = time.monotonic() + timeout
    line = b""
    while time.monotonic() < deadline:
        if select.select([process.stdout], [], [], 0.1)[0]:
            chunk = os.read(process.stdout.fileno(), 1)
            if not chunk:
                break
            line += chunk
            if chunk == b"\n":
                return line.decode().strip()
        elif process.poll() is not None:
            break
    return None


@contextlib.contextmanager
def start_lab(tmp_path, scenario="seed", tls=False, extra_args=(), netns=None, token=None, timeout=20):
    """Run ``python -m tests.lab`` as a subprocess (inside ``ip netns exec NETNS`` if netns)."""
    tmp_path = str(tmp_path)
    kubeconfig = os.path.join(tmp_path, "lab-kubeconfig-%d.yaml" % time.monotonic_ns())
    token = token or "lab-token-%d" % os.getpid()
    cmd = [sys.executable, "-m", "tests.lab", "--scenario", scenario, "--kubeconfig", kubeconfig,
           "--token", token] + (["--tls"] if tls else []) + list(extra_args)
    if netns:
        cmd = ["ip", "netns", "exec", netns] + cmd
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([ROOT] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    stderr_path = kubeconfig + ".stderr"
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=stderr)
    try:
        line = _read_ready(process, timeout)
        if not line or not line.startswith("ready "):
            with open(stderr_path, errors="replace") as f:
                raise RuntimeError("lab did not start (%r): %s" % (line, f.read()[-3000:]))
        yield Lab(line.split(" ", 1)[1], kubeconfig, token, kubeconfig + ".ca.pem" if tls else None, process,
                  netns)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.stdout.close()


@pytest.fixture
def lab(tmp_path):
    with start_lab(tmp_path) as running:
        yield running


@pytest.fixture
def lab_tls(tmp_path):
    with start_lab(tmp_path, tls=True) as running:
        yield running
