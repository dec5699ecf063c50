# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Memory of released egress IPs (quarantine), kept in a ConfigMap next to the lock Lease.

A released address may still be allowed by a firewall, sit in ARP caches or in the
conntrack tables of a target: handing it to another namespace at once gives the new
project the old one's access (seen: ``payments`` got ``mywebserver``'s database access).
So a run that releases addresses records them (namespace, time) *before* it writes the
release, under the Lease, and allocations read the record and do not hand an address to
another namespace within ``quarantine_period`` seconds. Addresses still named by a firewall
record (the role reads them from the targets) are passed as ``held_ips`` and held the same
way. The namespace that released an address may take it back at any time.

Data: ConfigMap ``<quarantine_record>`` in ``<lock_namespace>``, key ``released.json``:
``{"<ip>": {"namespace": "<name>", "released": "<UTC time, RFC 3339>"}}``.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import json

from ansible_collections.ocp.egressip.plugins.module_utils.k8s.client import ApiError

RECORD_KEY = "released.json"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utcnow():
    return datetime.datetime.utcnow().replace(microsecond=0)


def _parse_time(text):
    try:
        return datetime.datetime.strptime(text, TIME_FORMAT)
    except (TypeError, ValueError):
        return None


def released_ips(before, after):
    """{ip: namespace} of addresses a namespace had in ``before`` and that no namespace has
    in ``after`` (core ClusterStates of both backends)."""
    still = set()
    for ns in after.namespaces.values():
        still.update(ns.egress_ips)
    out = {}
    for name in sorted(before.namespaces):
        gone = set(before.namespaces[name].egress_ips) - set(
            after.namespaces[name].egress_ips if name in after.namespaces else ())
        for ip in sorted(gone - still):
            out.setdefault(ip, name)
    return out


class Quarantine(object):
    def __init__(self, client, name, namespace, period, held_ips=None, warn=None):
        self.client = client
        self.name = name
        self.namespace = namespace
        self.period = int(period or 0)
        self.held_ips = held_ips or {}
        self.warn = warn or (lambda msg: None)
        self.obj = None
        self.entries = None           # {ip: {"namespace", "released"}} once loaded

    def load(self):
        """One GET (cached until reset()); a missing ConfigMap is an empty record."""
        if self.entries is not None:
            return self.entries
        self.entries = {}
        if self.period <= 0:
            return self.entries
        try:
            self.obj = self.client.get("ConfigMap", self.name, namespace=self.namespace)
        except ApiError as exc:
            if exc.status == 404:
                self.obj = None
                return self.entries
            raise
        text = ((self.obj.get("data") or {}).get(RECORD_KEY)) or "{}"
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            self.warn("ConfigMap %s/%s: %s is not a JSON object; the quarantine record is ignored and will be "
                      "rewritten" % (self.namespace, self.name, RECORD_KEY))
            data = {}
        self.entries = dict((ip, e) for ip, e in data.items() if isinstance(e, dict))
        return self.entries

    def reset(self):
        self.entries = None
        self.obj = None

    def held(self, now=None):
        """{ip: (namespaces allowed, reason)} for the allocator (allocate.allocate ``held``)."""
        now = now or utcnow()
        out = {}
        for ip, entry in sorted(self.load().items()):
            when = _parse_time(entry.get("released"))
            if when is None or now - when >= datetime.timedelta(seconds=self.period):
                continue
            until = (when + datetime.timedelta(seconds=self.period)).strftime(TIME_FORMAT)
            ns = entry.get("namespace")
            out[ip] = ([ns] if ns else [], "released by %s at %s: in quarantine until %s (quarantine_period)"
                       % (ns or "a namespace", entry.get("released"), until))
        for ip, owners in sorted(self.held_ips.items()):
            owners = [owners] if isinstance(owners, str) else list(owners or [])
            prev = out.get(ip)
            allowed = sorted(set(owners) & set(prev[0])) if prev else owners
            out[ip] = (allowed, "still named by a firewall record of %s" % (", ".join(owners) or "a namespace"))
        return out

    def record(self, released, now=None):
        """Add {ip: namespace} to the record (dropping expired entries); create it if missing.
        Returns the ConfigMap as written, or None when there is nothing to record."""
        if not released or self.period <= 0:
            return None
        now = now or utcnow()
        entries = dict(self.load())
        for ip in list(entries):
            when = _parse_time(entries[ip].get("released"))
            if when is None or now - when >= datetime.timedelta(seconds=self.period):
                del entries[ip]
        stamp = now.strftime(TIME_FORMAT)
        for ip, ns in released.items():
            entries[ip] = {"namespace": ns, "released": stamp}
        data = {RECORD_KEY: json.dumps(entries, sort_keys=True)}
        if self.obj is None:
            obj = self.client.create("ConfigMap", {
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": self.name, "namespace": self.namespace,
                             "labels": {"app.kubernetes.io/part-of": "ocp.egressip"}},
                "data": data}, namespace=self.namespace)
        else:
            body = {"metadata": {"resourceVersion": self.obj["metadata"].get("resourceVersion")}, "data": data}
            obj = self.client.merge_patch("ConfigMap", self.name, body, namespace=self.namespace)
        self.obj, self.entries = obj, entries
        return obj
