"""egressip_facts returns a summary by default and the objects a task asks for (facts.select):
large results are opt-in."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.ocp.egressip.plugins.module_utils.core.facts import counts, select


def _data():
    nodes = [dict(name="worker01", egress_cidrs=["198.51.100.0/24"], egress_ips=["198.51.100.120"], ready=True),
             dict(name="worker02", egress_cidrs=["198.51.100.0/24"], egress_ips=[], ready=False),
             dict(name="master01", egress_cidrs=[], egress_ips=[], ready=True)]
    namespaces = [dict(name="web", netid=1, egress_ips=["198.51.100.120"]),
                  dict(name="db", netid=2, egress_ips=["198.51.100.121"]),
                  dict(name="idle", netid=3, egress_ips=[])]
    assignments = {"198.51.100.120": dict(namespace="web", node="worker01", nodes=["worker01"]),
                   "198.51.100.121": dict(namespace="db", node=None, nodes=[])}
    capacity = dict(cidrs={"198.51.100.0/24": dict(nodes=["worker01", "worker02"], size=251, used=2, free=249)},
                    nodes=dict((n["name"], dict(assigned=len(n["egress_ips"]))) for n in nodes))
    findings = [dict(code="IP_NO_NODE", severity="error", message="m", objects=["NetNamespace/db"]),
                dict(code="CIDR_SINGLE_NODE", severity="warning", message="w", objects=[])]
    return dict(network_type="OpenShiftSDN", mode="auto", nodes=nodes, namespaces=namespaces,
                assignments=assignments, capacity=capacity, findings=findings)


NODE_OBJECTS = {"worker01": {"metadata": {"labels": {"node-role.kubernetes.io/worker": "", "zone": "a"}}},
                "worker02": {"metadata": {"labels": {"node-role.kubernetes.io/worker": "", "zone": "b"}}},
                "master01": {"metadata": {"labels": {"node-role.kubernetes.io/master": ""}}}}


def test_default_is_a_summary_without_objects():
    data = _data()
    out = select(data)
    assert out["nodes"] == [] and out["namespaces"] == [] and out["assignments"] == {}
    assert out["capacity"]["cidrs"] == data["capacity"]["cidrs"] and out["capacity"]["nodes"] == {}
    assert out["findings"] == data["findings"] and out["mode"] == "auto"
    assert out["counts"] == dict(nodes=3, nodes_ready=2, egress_nodes=2, namespaces=3, namespaces_with_egress_ips=2,
                                 egress_ips=2, egress_ips_on_a_node=1, errors=1, warnings=1)
    assert len(data["nodes"]) == 3          # the input is not modified


def test_details_returns_everything():
    data = _data()
    out = select(data, details=True)
    assert out["nodes"] == data["nodes"] and out["namespaces"] == data["namespaces"]
    assert out["assignments"] == data["assignments"] and out["capacity"] == data["capacity"]


def test_namespace_filter_returns_those_and_their_assignments():
    out = select(_data(), namespaces=["web", "missing"])
    assert [n["name"] for n in out["namespaces"]] == ["web"]
    assert list(out["assignments"]) == ["198.51.100.120"] and out["nodes"] == []


def test_namespace_filter_with_details_keeps_every_node():
    out = select(_data(), details=True, namespaces=["db"])
    assert [n["name"] for n in out["namespaces"]] == ["db"]
    assert len(out["nodes"]) == 3 and len(out["capacity"]["nodes"]) == 3
    # the IPs of the nodes returned and of the namespaces returned
    assert sorted(out["assignments"]) == ["198.51.100.120", "198.51.100.121"]


def test_node_filters_by_name_and_labels():
    out = select(_data(), nodes=["worker02", "master01"], node_objects=NODE_OBJECTS)
    assert [n["name"] for n in out["nodes"]] == ["worker02", "master01"]
    assert sorted(out["capacity"]["nodes"]) == ["master01", "worker02"] and out["namespaces"] == []
    out = select(_data(), node_labels={"node-role.kubernetes.io/worker": ""}, node_objects=NODE_OBJECTS)
    assert [n["name"] for n in out["nodes"]] == ["worker01", "worker02"]
    assert list(out["assignments"]) == ["198.51.100.120"]
    out = select(_data(), nodes=["worker01", "worker02"], node_labels={"zone": "b"}, node_objects=NODE_OBJECTS)
    assert [n["name"] for n in out["nodes"]] == ["worker02"]


def test_ovn_namespace_filter_matches_the_selected_namespace():
    data = _data()
    data["namespaces"] = [dict(name="egressip-web", egress_ips=["198.51.100.120"],
                               namespace_selector={"matchLabels": {"kubernetes.io/metadata.name": "web"}}),
                          dict(name="other", egress_ips=[], namespace_selector={})]
    assert [n["name"] for n in select(data, namespaces=["web"])["namespaces"]] == ["egressip-web"]
    assert [n["name"] for n in select(data, namespaces=["other"])["namespaces"]] == ["other"]


def test_counts_of_an_empty_cluster():
    assert set(counts(dict(nodes=[], namespaces=[], assignments={}, findings=[])).values()) == {0}
