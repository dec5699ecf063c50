"""egressip_facts output: a summary by default, objects on request (details, filters), a JMESPath
query, the facts returned once; one ansible-playbook run against the seed lab."""
from tests.integration.helpers import CIDR_AUTO, patch_hostsubnet, patch_netnamespace, run_tasks

IP1 = "198.51.100.120"
F = "ocp.egressip.egressip_facts"


def test_summary_filters_query_and_facts_once(tmp_path, seed_lab):
    lab = seed_lab
    for node in ("worker01", "worker02"):
        patch_hostsubnet(lab, node, {"egressCIDRs": [CIDR_AUTO]})
    patch_netnamespace(lab, "mywebserver", {"egressIPs": [IP1]})
    tasks = [
        {"name": "summary", F: {}},
        {"name": "one-namespace", F: {"namespaces": ["mywebserver", "no-such"], "format": "table"}},
        {"name": "workers", F: {"node_labels": {"node-role.kubernetes.io/worker": ""}}},
        {"name": "details", F: {"details": True}},
        {"name": "query", F: {"query": "namespaces[?egress_ips] | [].name"}},
        {"name": "as-facts", F: {"nodes": ["worker01"], "as_facts": True}},
        {"name": "host-fact", "ansible.builtin.debug": {"msg": "{{ egressip.nodes | map(attribute='name') }}"}},
        {"name": "bad-query", F: {"query": "namespaces[?"}, "ignore_errors": True},
    ]
    res = run_tasks(tmp_path, lab, tasks)
    out = dict((name, res.result(i)) for i, name in enumerate(t["name"] for t in tasks))

    summary = out["summary"]
    assert "ansible_facts" not in summary and summary["network_type"] == "OpenShiftSDN"
    eip = summary["egressip"]
    assert eip["nodes"] == [] and eip["namespaces"] == [] and eip["assignments"] == {}
    assert eip["counts"]["nodes"] == 5 and eip["counts"]["namespaces"] == 3
    assert eip["counts"]["namespaces_with_egress_ips"] == 1 and eip["counts"]["egress_ips"] == 1
    assert eip["capacity"]["cidrs"][CIDR_AUTO]["used"] == 1 and eip["capacity"]["nodes"] == {}

    one = out["one-namespace"]["egressip"]
    assert [n["name"] for n in one["namespaces"]] == ["mywebserver"] and one["nodes"] == []
    assert list(one["assignments"]) == [IP1]
    assert out["one-namespace"]["table_lines"][-2:] == [
        "NAME          NETID     EGRESS IPS", "mywebserver   5281170   [%s]" % IP1]

    assert [n["name"] for n in out["workers"]["egressip"]["nodes"]] == ["worker01", "worker02"]

    full = out["details"]["egressip"]
    assert len(full["nodes"]) == 5 and len(full["namespaces"]) == 3 and len(full["capacity"]["nodes"]) == 5

    assert out["query"]["query_result"] == ["mywebserver"] and "egressip" not in out["query"]

    assert "egressip" not in out["as-facts"]
    assert [n["name"] for n in out["as-facts"]["ansible_facts"]["egressip"]["nodes"]] == ["worker01"]
    assert out["host-fact"]["msg"] == ["worker01"]

    bad = out["bad-query"]
    assert bad["failed"] and "query: 'namespaces[?': not a valid JMESPath expression" in bad["msg"], bad
