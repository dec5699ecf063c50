"""The other scenarios, pagination and delete preconditions."""
import pytest

from tests.lab.fixtures import LabError, start_lab


def test_empty_scenario(tmp_path):
    with start_lab(tmp_path, scenario="empty") as lab:
        assert lab.get("/api/v1/nodes")["items"] == []
        nets = lab.get("/apis/config.openshift.io/v1/networks")["items"]
        assert [n["metadata"]["name"] for n in nets] == ["cluster"]


def test_scale_scenario_and_pagination(tmp_path):
    with start_lab(tmp_path, scenario="scale:300:200") as lab:
        seen, token, pages = [], None, 0
        while True:
            path = "/apis/network.openshift.io/v1/hostsubnets?limit=100"
            page = lab.get(path + ("&continue=" + token if token else ""))
            seen += [i["metadata"]["name"] for i in page["items"]]
            pages += 1
            token = page["metadata"].get("continue")
            if not token:
                break
        assert pages == 3 and len(seen) == 300 == len(set(seen))
        assert seen[0] == "node-0001" and lab.get("/apis/network.openshift.io/v1/hostsubnets/node-0300")["hostIP"] == "198.18.1.54"
        netids = [n["netid"] for n in lab.get("/apis/network.openshift.io/v1/netnamespaces")["items"]
                  if n["metadata"]["name"].startswith("ns-")]
        assert netids == list(range(1000001, 1000201))
        assert lab.get("/api/v1/nodes?limit=10")["metadata"]["remainingItemCount"] == 290


def test_delete_preconditions(lab):
    path = "/apis/coordination.k8s.io/v1/namespaces/default/leases/"
    lease = lab.post(path.rsplit("/", 2)[0] + "/leases", {"metadata": {"name": "lock"}, "spec": {"holderIdentity": "a"}})
    stale = lease["metadata"]["resourceVersion"]
    lab.patch(path + "lock", {"spec": {"holderIdentity": "b"}})
    with pytest.raises(LabError) as err:
        options = {"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"resourceVersion": stale}}
        lab.request("DELETE", path + "lock", options)
    assert err.value.code == 409 and "Precondition failed" in err.value.body["message"]
    current = lab.get(path + "lock")["metadata"]["resourceVersion"]
    lab.request("DELETE", path + "lock", {"preconditions": {"resourceVersion": current}})
    with pytest.raises(LabError) as err:
        lab.get(path + "lock")
    assert err.value.code == 404


def test_cluster_version_identity_differs_per_lab_and_is_settable(tmp_path):
    path = "/apis/config.openshift.io/v1/clusterversions/version"
    with start_lab(tmp_path, scenario="seed") as a, start_lab(tmp_path, scenario="seed") as b, \
            start_lab(tmp_path, scenario="seed-ovn", extra_args=["--cluster-id", "lab-b"]) as c:
        ida, idb = a.get(path)["spec"]["clusterID"], b.get(path)["spec"]["clusterID"]
        assert ida and idb and ida != idb
        assert c.get(path)["spec"]["clusterID"] == "lab-b"
