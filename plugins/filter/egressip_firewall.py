# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of role ocp.egressip.egressip_firewall: source validation (IPv4 and IPv6), the
ownership record of a target (who allowed which address since when) and its allow-list rows.

Pure Python (stdlib ``ipaddress``), no API access: the role reads and writes the record file on
the target; these filters only compute. The record (``<state_dir>/owners.json``)::

    {"format": 2,
     "entries": {"<cluster>/<namespace>": {"cluster": "...", "namespace": "...",
                                           "addresses": {"198.51.100.121": "2026-12-01T20:00:00Z"}}},
     "applied": {"backend": "nftables", "default_deny": false, "ports": [5432], "protocol": "tcp"},
     "inputs": {"<cluster>": "<sha1 of what role egressip applied for that cluster>"}}

An entry belongs to one (cluster, namespace) pair: a run only ever replaces the entries of its
own cluster's namespaces, so two clusters (or two runs for two namespaces) never remove each
other's addresses.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ipaddress
import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import string_types

RECORD_FORMAT = 2
# cluster identities and namespace names: DNS-label-like, so they can never carry nft/iptables/CSV
# metacharacters (a Kubernetes namespace is a DNS label; a ClusterVersion clusterID a UUID)
NAME_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$")
COMMENT_RE = re.compile(r"^[A-Za-z0-9 ._:/@-]{0,64}$")


def _network(value):
    """ipaddress network of an address or CIDR (host bits allowed, as nft merges them), or None."""
    if not isinstance(value, string_types) or not value or value != value.strip():
        return None
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


def invalid_sources(values):
    """The values that are not an IPv4/IPv6 address or CIDR (as given, for the error message)."""
    return [v if isinstance(v, string_types) else repr(v) for v in (values or []) if _network(v) is None]


def canonical(value):
    """One spelling per source: the compressed address, or network/len (host bits cleared)."""
    net = _network(value)
    if net is None:
        raise AnsibleFilterError("egressip_firewall: not an IPv4/IPv6 address or CIDR: %r" % (value,))
    return str(net.network_address) if net.prefixlen == net.max_prefixlen else str(net)


def _sort_key(value):
    net = ipaddress.ip_network(value, strict=False)
    return (net.version, int(net.network_address), net.prefixlen)


def normalize(values):
    """Canonical, unique, sorted (IPv4 first, then IPv6, numerically): a stable order, so
    rendered rule files and exports only change when the set changes."""
    return sorted(set(canonical(v) for v in (values or [])), key=_sort_key)


def family(values, version):
    """The sources of one family: ``family('ipv4')`` / ``family('ipv6')``."""
    want = {"ipv4": 4, "ipv6": 6, 4: 4, 6: 6}[version]
    return [v for v in normalize(values) if ipaddress.ip_network(v, strict=False).version == want]


def invalid_names(values):
    """Cluster identities / namespace names that could not be a record key."""
    return [v if isinstance(v, string_types) else repr(v) for v in (values or [])
            if not isinstance(v, string_types) or not NAME_RE.match(v)]


def _entries(record):
    if not isinstance(record, dict):
        return {}
    if record.get("format") == RECORD_FORMAT:
        return dict(record.get("entries") or {})
    # the previous version's record (roles/egressip, namespaces.json): {namespace: [IPs]}, keyed by
    # namespace alone; kept under an unknown cluster until a cluster runs for that namespace
    out = {}
    for ns, ips in record.items():
        if isinstance(ips, list):
            out["/" + ns] = dict(cluster="", namespace=ns, addresses=dict((canonical(ip), "") for ip in ips))
    return out


def merge(record, cluster, namespaces, now, applied=None, inputs=None):
    """The record after this run: ``namespaces`` ({namespace: [sources]}) replaces the entries
    (cluster, namespace) it names; an empty list removes that entry. Every other entry is kept.
    ``since`` is kept for addresses already allowed to the same owner, ``now`` for new ones.
    ``inputs``: a digest of what role egressip applied for this cluster (kept per cluster, so that
    a converged run of that role can leave the target alone)."""
    bad = invalid_names([cluster]) + invalid_names(list((namespaces or {}).keys()))
    if bad:
        raise AnsibleFilterError("egressip_firewall: invalid cluster/namespace name(s): %s" % ", ".join(bad))
    entries = _entries(record)
    for ns in sorted(namespaces or {}):
        key = "%s/%s" % (cluster, ns)
        old = (entries.pop(key, None) or {}).get("addresses") or {}
        legacy = (entries.pop("/" + ns, None) or {}).get("addresses") or {}   # adopted by this cluster
        addresses = normalize(namespaces[ns])
        if addresses:
            entries[key] = dict(cluster=cluster, namespace=ns, addresses=dict(
                (a, old.get(a) or legacy.get(a) or now) for a in addresses))
    out = dict(format=RECORD_FORMAT, entries=dict(sorted(entries.items())))
    if applied is not None:
        out["applied"] = applied
    digests = dict(record.get("inputs") or {}) if isinstance(record, dict) and record.get("format") == RECORD_FORMAT \
        and isinstance(record.get("inputs"), dict) else {}
    if inputs:
        digests[cluster] = inputs
    if digests:
        out["inputs"] = dict(sorted(digests.items()))
    return out


def owned_sources(record):
    """Every address some owner of the record allows (sorted, unique)."""
    return normalize([a for e in _entries(record).values() for a in (e.get("addresses") or {})])


def allowlist(record, static=None, ports=None, protocol="tcp"):
    """The allow-list as rows (the export): one row per (owner, address), owned rows sorted by
    cluster, namespace and address, then the static sources of the target in their order."""
    ports = sorted(set(int(p) for p in (ports or [])))
    rows = []
    for key in sorted(_entries(record)):
        e = _entries(record)[key]
        for a in normalize(list((e.get("addresses") or {}).keys())):
            rows.append(dict(cluster=e.get("cluster", ""), namespace=e.get("namespace", ""), address=a,
                             family="ipv%d" % ipaddress.ip_network(a).version, ports=ports, protocol=protocol,
                             since=e["addresses"].get(a) or "", source="cluster", comment=""))
    for s in static_sources(static, ports):
        rows.append(dict(cluster="", namespace="", address=s["source"], family=s["family"], ports=s["ports"],
                         protocol=protocol, since="", source="static", comment=s["comment"]))
    return rows


def static_sources(static, ports=None):
    """Static extra sources of a target (host variable): strings or {source, ports, comment};
    ``ports`` missing = every guarded port. Invalid items raise (the role validates first)."""
    out = []
    for item in static or []:
        spec = item if isinstance(item, dict) else dict(source=item)
        src = canonical(spec.get("source"))
        own = spec.get("ports")
        out.append(dict(source=src, family="ipv%d" % ipaddress.ip_network(src).version,
                        ports=sorted(set(int(p) for p in own)) if own else sorted(set(int(p) for p in (ports or []))),
                        comment=str(spec.get("comment") or "")))
    return out


def invalid_static(static):
    """Messages for static extra sources that are not {source: IP/CIDR, ports: [1-65535], comment}."""
    bad = []
    if not isinstance(static, list):
        return ["not a list: %r" % (static,)]
    for item in static:
        spec = item if isinstance(item, dict) else dict(source=item)
        extra = set(spec) - set(["source", "ports", "comment"])
        ports = spec.get("ports") or []
        if extra:
            bad.append("%r: unknown key(s) %s" % (item, ", ".join(sorted(extra))))
        elif _network(spec.get("source")) is None:
            bad.append("source %r is not an IPv4/IPv6 address or CIDR" % (spec.get("source"),))
        elif not isinstance(ports, list) or any(not re.match(r"^[0-9]{1,5}$", str(p)) or not 0 < int(p) < 65536
                                                for p in ports):
            bad.append("ports %r of %s not in 1-65535" % (ports, spec.get("source")))
        elif not isinstance(spec.get("comment", ""), string_types) or not COMMENT_RE.match(spec.get("comment", "")):
            bad.append("comment %r of %s (letters, digits, space . _ : / @ -, at most 64)"
                       % (spec.get("comment"), spec.get("source")))
    return bad


def csv_lines(rows):
    """The allow-list as CSV lines (header first); every field is validated, none needs quoting.
    Rows of a group export (group_allowlist) carry their target: it comes first."""
    with_target = any("target" in r for r in rows)
    lines = [("target," if with_target else "") + "cluster,namespace,address,ports,protocol,since,source,comment"]
    for r in rows:
        fields = [r["target"]] if with_target else []
        lines.append(",".join(fields + [r["cluster"], r["namespace"], r["address"], " ".join(str(p) for p in r["ports"]),
                                        r["protocol"], r["since"], r["source"], r["comment"]]))
    return lines


def group_allowlist(exports, group):
    """The allow-lists of a firewall group's targets as one export (the address group of an
    appliance that guards them all): every row with its target, sorted by target then as in each
    target's export; ``cluster_addresses``/``addresses``: the union. ``exports``: the targets'
    exports (the JSON documents the role writes per target), in any order."""
    docs = sorted((e for e in exports or [] if isinstance(e, dict) and e.get("target")), key=lambda e: e["target"])
    rows = []
    for doc in docs:
        rows.extend(dict(r, target=doc["target"]) for r in doc.get("rows") or [])
    return dict(group=group, generated_by="ocp.egressip.egressip_firewall", targets=[d["target"] for d in docs],
                ports=sorted(set(int(p) for d in docs for p in d.get("ports") or [])),
                cluster_addresses=normalize([a for d in docs for a in d.get("cluster_addresses") or []]),
                addresses=normalize([a for d in docs for a in d.get("addresses") or []]),
                rows=rows)


class FilterModule(object):
    def filters(self):
        return {
            "egressip_fw_invalid_sources": invalid_sources,
            "egressip_fw_invalid_names": invalid_names,
            "egressip_fw_invalid_static": invalid_static,
            "egressip_fw_normalize": normalize,
            "egressip_fw_normalize_one": canonical,
            "egressip_fw_family": family,
            "egressip_fw_merge": merge,
            "egressip_fw_owned_sources": owned_sources,
            "egressip_fw_static_sources": static_sources,
            "egressip_fw_allowlist": allowlist,
            "egressip_fw_csv_lines": csv_lines,
            "egressip_fw_group_allowlist": group_allowlist,
        }
