# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ownership record of role egressip_firewall: entries per (cluster, namespace) add up,
stable order, IPv4 and IPv6, the previous version's record, the export rows."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.ocp.egressip.plugins.filter.egressip_firewall import (
    allowlist, csv_lines, family, group_allowlist, invalid_names, invalid_sources, invalid_static, merge, normalize,
    owned_sources,
)

T0, T1 = "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"


def test_two_clusters_and_two_namespaces_never_remove_each_other():
    rec = merge({}, "a", {"web": ["198.51.100.121"]}, T0)
    rec = merge(rec, "b", {"web": ["198.51.100.131"]}, T0)          # same namespace name, other cluster
    rec = merge(rec, "a", {"api": ["2001:db8::1"]}, T0)              # other namespace, same cluster
    assert owned_sources(rec) == ["198.51.100.121", "198.51.100.131", "2001:db8::1"]
    rec = merge(rec, "a", {"web": ["198.51.100.122"]}, T1)           # a's web moves: only its old IP goes
    assert owned_sources(rec) == ["198.51.100.122", "198.51.100.131", "2001:db8::1"]
    rec = merge(rec, "a", {"web": [], "api": []}, T1)                # a releases everything
    assert sorted(rec["entries"]) == ["b/web"]
    assert owned_sources(rec) == ["198.51.100.131"]


def test_since_is_kept_for_addresses_already_allowed():
    rec = merge({}, "a", {"web": ["198.51.100.121"]}, T0)
    rec = merge(rec, "a", {"web": ["198.51.100.121", "198.51.100.122"]}, T1, applied={"default_deny": True})
    assert rec["entries"]["a/web"]["addresses"] == {"198.51.100.121": T0, "198.51.100.122": T1}
    assert rec["applied"] == {"default_deny": True}


def test_previous_version_record_is_kept_until_its_namespace_runs_again():
    legacy = {"web": ["198.51.100.121"], "api": ["198.51.100.125"]}
    rec = merge(legacy, "a", {"web": ["198.51.100.121"]}, T1)
    assert sorted(rec["entries"]) == ["/api", "a/web"]                   # api: unknown cluster, kept
    assert owned_sources(rec) == ["198.51.100.121", "198.51.100.125"]
    rec = merge(rec, "b", {"api": []}, T1)                               # a cluster releasing api adopts it
    assert sorted(rec["entries"]) == ["a/web"]


def test_stable_numeric_order_and_one_spelling_per_source():
    assert normalize(["2001:db8::10", "198.51.100.9", "198.51.100.10", "2001:DB8::2/128", "198.51.100.161/29",
                      "198.51.100.9/32"]) == ["198.51.100.9", "198.51.100.10", "198.51.100.160/29", "2001:db8::2",
                                              "2001:db8::10"]
    assert family(["198.51.100.9", "2001:db8::2"], "ipv6") == ["2001:db8::2"]


@pytest.mark.parametrize("bad", ["198.51.100.999", "198.51.100.1 } ; flush ruleset", "2001:db8::1::2", "2001:db8::/129",
                                 "", " 198.51.100.1", "198.51.100.0/33", 5])
def test_invalid_sources(bad):
    assert len(invalid_sources([bad, "198.51.100.1", "2001:db8::1"])) == 1


@pytest.mark.parametrize("bad", ["", "a b", "x;y", "-j", "p -j ACCEPT", "a" * 64, "Ünïcode"])
def test_invalid_names(bad):
    assert invalid_names([bad, "6f2d0c4e-7e0a-4b8e-9d55-2b1f3a1c9e77", "mywebserver"]) == [bad]
    with pytest.raises(AnsibleFilterError):
        merge({}, bad, {"web": []}, T0)


def test_static_sources_validation():
    assert invalid_static(["198.51.100.145", {"source": "2001:db8::5/64", "ports": [5432], "comment": "batch host"}]) == []
    bad = invalid_static([{"source": "198.51.100.145", "ports": [65536]}, {"source": "x"},
                          {"source": "198.51.100.1", "comment": 'a" accept'}, {"source": "198.51.100.1", "verdict": "accept"}])
    assert len(bad) == 4 and "65536" in bad[0] and "'x'" in bad[1] and "comment" in bad[2] and "verdict" in bad[3]


def test_allowlist_rows_and_csv():
    rec = merge(merge({}, "b", {"web": ["198.51.100.131"]}, T0), "a", {"web": ["2001:db8::1", "198.51.100.121"]}, T1)
    rows = allowlist(rec, ["198.51.100.145", {"source": "2001:db8::5", "ports": [5433], "comment": "batch"}], [5432])
    assert [(r["cluster"], r["address"], r["ports"], r["source"]) for r in rows] == [
        ("a", "198.51.100.121", [5432], "cluster"), ("a", "2001:db8::1", [5432], "cluster"),
        ("b", "198.51.100.131", [5432], "cluster"), ("", "198.51.100.145", [5432], "static"),
        ("", "2001:db8::5", [5433], "static")]
    assert csv_lines(rows)[1] == "a,web,198.51.100.121,5432,tcp,%s,cluster," % T1
    assert csv_lines(rows)[-1] == ",,2001:db8::5,5433,tcp,,static,batch"


def test_group_export_is_the_union_of_its_targets_with_the_target_on_each_row():
    def export(target, record, static, ports):
        rows = allowlist(record, static, ports)
        return dict(target=target, ports=ports, rows=rows,
                    cluster_addresses=[r["address"] for r in rows if r["source"] == "cluster"],
                    addresses=[r["address"] for r in rows])
    db2 = export("db2", merge({}, "b", {"pay": ["198.51.100.131", "2001:db8::7"]}, T0), [], [5433])
    db1 = export("db1", merge({}, "a", {"web": ["198.51.100.121"]}, T1), ["198.51.100.145"], [5432])
    group = group_allowlist([db2, db1, "not an export"], "databases")
    assert group["targets"] == ["db1", "db2"] and group["ports"] == [5432, 5433]
    assert group["cluster_addresses"] == ["198.51.100.121", "198.51.100.131", "2001:db8::7"]
    assert group["addresses"] == ["198.51.100.121", "198.51.100.131", "198.51.100.145", "2001:db8::7"]
    assert [(r["target"], r["address"], r["source"]) for r in group["rows"]] == [
        ("db1", "198.51.100.121", "cluster"), ("db1", "198.51.100.145", "static"),
        ("db2", "198.51.100.131", "cluster"), ("db2", "2001:db8::7", "cluster")]
    lines = csv_lines(group["rows"])
    assert lines[0] == "target,cluster,namespace,address,ports,protocol,since,source,comment"
    assert lines[1] == "db1,a,web,198.51.100.121,5432,tcp,%s,cluster," % T1
    assert group_allowlist([db1, db2], "databases") == group     # stable whatever the order


def test_input_digests_are_kept_per_cluster():
    rec = merge({}, "a", {"web": ["198.51.100.121"]}, T0, inputs="digest-a")
    rec = merge(rec, "b", {"web": ["198.51.100.131"]}, T0, inputs="digest-b")
    assert rec["inputs"] == {"a": "digest-a", "b": "digest-b"}
    rec = merge(rec, "a", {"web": []}, T1)            # a run without a digest keeps them all
    assert rec["inputs"] == {"a": "digest-a", "b": "digest-b"}
    assert "inputs" not in merge({}, "a", {"web": ["198.51.100.121"]}, T0)
