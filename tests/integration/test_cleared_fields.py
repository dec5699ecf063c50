"""Clearing an egress field removes the key, as openshift-sdn writes it (the API types declare
egressIPs/egressCIDRs omitempty, the SDN master drops the key), and the tables agree: a blank
cell, like `oc get`, for a field the collection cleared and for one the master cleared."""
from tests.fuzz.harness import InProcessLab, run_module
from tests.lab.kinds import BY_KIND

NET = "198.51.100.0/24"


def test_clearing_removes_the_key_and_tables_show_a_blank_cell():
    with InProcessLab("seed") as lab:
        auth = dict(lab.auth, node_network=NET)
        out = run_module("egressip_hostsubnet", dict(auth, hostsubnets=[
            {"name": "worker01", "egress_ips": ["198.51.100.120"]}]))
        assert not out.failed, out
        out = run_module("egressip_netnamespace", dict(auth, name="mywebserver", egress_ips=["198.51.100.120"]))
        assert not out.failed, out
        out = run_module("egressip_netnamespace", dict(auth, name="mywebserver", state="absent"))
        assert not out.failed and out.result["changed"], out
        nn = lab.cluster.store.get(BY_KIND["NetNamespace"], None, "mywebserver")
        hs = lab.cluster.store.get(BY_KIND["HostSubnet"], None, "worker01")
        assert "egressIPs" not in nn, nn          # not "egressIPs": []
        assert "egressIPs" not in hs, hs          # the pin was released too
        facts = run_module("egressip_facts", dict(auth, format="table", namespaces=["mywebserver"])).result
        lines = facts["table_lines"]
        row = [line for line in lines if line.startswith("mywebserver")][0]
        assert row.split() == ["mywebserver", "5281170"], row     # blank EGRESS IPS, no "[]"
        assert "[]" not in "\n".join(lines)
        assert [n for n in facts["egressip"]["namespaces"] if n["name"] == "mywebserver"][0]["egress_ips"] == []
