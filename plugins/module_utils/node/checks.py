# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The node checks of module egressip_node_probe: validate the options, give each node's pod the
probe (module_utils/node/probe.py, as ``python3 -c SOURCE JSON``, the argv the ssh path uses),
read each result back from the pod log. The pods themselves: module_utils/node/pod.py."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import inspect
import ipaddress
import json
import re
import signal

from ansible_collections.ocp.egressip.plugins.module_utils.node import probe as node_probe
from ansible_collections.ocp.egressip.plugins.module_utils.node.pod import (
    DEFAULT_IMAGE, DEFAULT_NAMESPACE, Interrupted, NodePodRunner)

NODE_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
IFACE_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,14}$")
PATH_RE = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_./-]*$")
IMAGE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@-]*$")

OPTIONS = dict(
    nodes=dict(type="list", elements="dict", required=True, options=dict(
        name=dict(type="str", required=True),
        ips=dict(type="list", elements="str", default=[]),
        interface=dict(type="str", default=""),
    )),
    mode=dict(type="str", choices=["preflight", "verify"], default="preflight"),
    holders=dict(type="dict", default={}),
    arping=dict(type="bool", default=True),
    secondary_networks=dict(type="bool", default=False),
    arping_path=dict(type="str", default="arping"),
    arping_count=dict(type="int", default=2),
    arping_timeout=dict(type="int", default=3),
    python=dict(type="str", default="python3"),
    image=dict(type="str", default=DEFAULT_IMAGE),
    namespace=dict(type="str", default=DEFAULT_NAMESPACE),
    timeout=dict(type="int", default=120),
    parallel=dict(type="int", default=5),
)


def _ip(value):
    try:
        return str(ipaddress.ip_address(str(value)))
    except ValueError:
        return None


def check_options(params):
    """-> list of 'field: problem (value)' strings; empty when the options are usable."""
    bad = []
    names = [n["name"] for n in params["nodes"]]
    for n in params["nodes"]:
        if not NODE_RE.match(n["name"] or "") or len(n["name"]) > 253:
            bad.append("nodes[].name is not a node name: %r" % n["name"])
        for ip in n["ips"]:
            if _ip(ip) is None:
                bad.append("nodes[%s].ips: not an IP address: %r" % (n["name"], ip))
        if n["interface"] and not IFACE_RE.match(n["interface"]):
            bad.append("nodes[%s].interface is not an interface name: %r" % (n["name"], n["interface"]))
    if len(set(names)) != len(names):
        bad.append("nodes: a node is listed more than once: %s" % ", ".join(names))
    for ip, holder in params["holders"].items():
        if _ip(ip) is None:
            bad.append("holders: key not an IP address: %r" % ip)
        if holder and not NODE_RE.match(str(holder)):
            bad.append("holders[%s]: not a node name: %r" % (ip, holder))
    if params["mode"] == "verify" and not params["holders"]:
        bad.append("holders: mode verify needs {ip: node} (empty)")
    for key, pattern in (("arping_path", PATH_RE), ("python", PATH_RE), ("image", IMAGE_RE)):
        if not pattern.match(params[key] or "") or params[key].startswith("-"):
            bad.append("%s: %r is not a valid value" % (key, params[key]))
    if not LABEL_RE.match(params["namespace"] or ""):
        bad.append("namespace: %r is not a namespace name" % params["namespace"])
    for key, low, high in (("arping_count", 1, 10), ("arping_timeout", 1, 30), ("timeout", 5, 3600),
                           ("parallel", 1, 50)):
        if not low <= params[key] <= high:
            bad.append("%s: %r is not in %d-%d" % (key, params[key], low, high))
    return bad


def probe_source():
    """The probe's own source text, shipped to the node as `python3 -c` (AnsiballZ keeps it)."""
    return inspect.getsource(node_probe)


def probe_argv(params, node, source):
    args = {"mode": params["mode"], "node": node["name"], "host": "", "interface": node["interface"],
            "ips": [_ip(ip) for ip in node["ips"]],
            "holders": dict((_ip(ip), str(h or "")) for ip, h in params["holders"].items()),
            "arping": params["arping"], "arping_path": params["arping_path"],
            "secondary": params["secondary_networks"],
            "arping_count": params["arping_count"], "arping_timeout": params["arping_timeout"]}
    return [params["python"], "-c", source, json.dumps(args, sort_keys=True)]


def parse_log(node, text):
    """The probe prints one JSON document as its last line; anything else is an error."""
    for line in reversed((text or "").strip().splitlines()):
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if isinstance(doc, dict) and doc.get("node") == node:
            return doc
    return None


def _raise_interrupt(signum, frame):
    raise Interrupted("signal %d" % signum)


def run_node_checks(client, params):
    """-> dict(node_results={node: probe result}, errors={node: message}, findings=[...], pods_left=[...])."""
    source = probe_source()
    commands = dict((n["name"], probe_argv(params, n, source)) for n in params["nodes"])
    runner = NodePodRunner(client, params["namespace"], params["image"], params["timeout"], params["parallel"])
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        logs, errors = runner.run_all(commands)
    finally:
        signal.signal(signal.SIGTERM, previous)
    results, messages = {}, dict((node, str(exc)) for node, exc in errors.items())
    reasons = dict((node, exc.reason) for node, exc in errors.items())
    for node, text in logs.items():
        doc = parse_log(node, text)
        if doc is None:
            messages[node] = ("node %s: the probe's log holds no result (image without python3, ip or arping?): %s"
                              % (node, (text or "").strip()[-300:]))
            reasons[node] = "NoResult"
            continue
        doc["access"] = "api"
        results[node] = doc
    findings = [f for node in sorted(results) for f in results[node]["findings"]]
    return dict(node_results=results, errors=messages, reasons=reasons, findings=findings,
                pods_left=runner.cleanup(), run_id=runner.run_id)
