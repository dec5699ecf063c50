"""The Kubernetes API as clients see it: DynamicClient round trips, conflicts, errors,
selectors, discovery, auth."""
import pytest

from tests.lab.fixtures import LabError

from .helpers import HS, MERGE, NN, NODES, dynamic_client

ApiException = pytest.importorskip("kubernetes.client.exceptions").ApiException

OBJECTS = [
    ("v1", "Node", None, {"metadata": {"name": "worker09", "labels": {"a": "b"}}, "spec": {}}),
    ("v1", "Namespace", None, {"metadata": {"name": "team-a"}}),
    ("network.openshift.io/v1", "HostSubnet", None,
     {"metadata": {"name": "worker09"}, "host": "worker09", "hostIP": "198.51.100.149", "subnet": "10.12.0.0/23"}),
    ("network.openshift.io/v1", "NetNamespace", None,
     {"metadata": {"name": "team-b"}, "netname": "team-b", "netid": 4242}),
    ("config.openshift.io/v1", "Network", None, {"metadata": {"name": "other"}, "spec": {"networkType": "OpenShiftSDN"}}),
    ("k8s.ovn.org/v1", "EgressIP", None, {"metadata": {"name": "eip1"}, "spec": {"egressIPs": ["198.51.100.130"]}}),
    ("coordination.k8s.io/v1", "Lease", "default",
     {"metadata": {"name": "egressip-lock"}, "spec": {"holderIdentity": "me", "leaseDurationSeconds": 60}}),
]


@pytest.mark.parametrize("api_version,kind,namespace,body", OBJECTS, ids=[o[1] for o in OBJECTS])
def test_round_trip_every_kind(lab, api_version, kind, namespace, body):
    client = dynamic_client(lab)
    res = client.resources.get(api_version=api_version, kind=kind)
    name = body["metadata"]["name"]
    created = res.create(body=dict(body, apiVersion=api_version, kind=kind), namespace=namespace)
    assert created.kind == kind and created.apiVersion == api_version
    assert created.metadata.uid and created.metadata.creationTimestamp
    rv1 = created.metadata.resourceVersion
    got = res.get(name=name, namespace=namespace)
    assert got.metadata.resourceVersion == rv1
    listed = res.get(namespace=namespace)
    assert listed.kind == kind + "List" and name in [i.metadata.name for i in listed.items]
    assert all(i.kind == kind and i.apiVersion == api_version for i in listed.items)
    with pytest.raises(ApiException) as err:
        res.create(body=dict(body, apiVersion=api_version, kind=kind), namespace=namespace)
    assert err.value.status == 409 and '"reason":"AlreadyExists"' in err.value.body.replace(" ", "")
    patched = res.patch(name=name, namespace=namespace, body={"metadata": {"labels": {"x": "1"}}},
                        content_type=MERGE)
    rv2 = patched.metadata.resourceVersion
    assert patched.metadata.labels["x"] == "1" and int(rv2) > int(rv1)
    obj = patched.to_dict()
    obj["metadata"]["labels"]["x"] = "2"
    replaced = res.replace(body=obj, namespace=namespace)
    assert replaced.metadata.labels["x"] == "2" and int(replaced.metadata.resourceVersion) > int(rv2)
    deleted = res.delete(name=name, namespace=namespace)
    assert deleted.metadata.name == name
    with pytest.raises(ApiException) as err:
        res.get(name=name, namespace=namespace)
    assert err.value.status == 404


def test_stale_resource_version_is_409_for_put_and_patch(lab):
    client = dynamic_client(lab)
    hs = client.resources.get(api_version="network.openshift.io/v1", kind="HostSubnet")
    old = hs.get(name="worker01").to_dict()
    hs.patch(name="worker01", body={"egressCIDRs": ["198.51.100.0/24"]}, content_type=MERGE)
    with pytest.raises(ApiException) as err:
        hs.replace(body=dict(old, egressIPs=["198.51.100.120"]))
    assert err.value.status == 409
    assert "the object has been modified" in err.value.body
    with pytest.raises(ApiException) as err:
        hs.patch(name="worker01", content_type=MERGE, body={
            "metadata": {"resourceVersion": old["metadata"]["resourceVersion"]}, "egressIPs": ["198.51.100.120"]})
    assert err.value.status == 409
    assert "egressIPs" not in lab.get(HS + "worker01")  # nothing applied
    current = lab.get(HS + "worker01")["metadata"]["resourceVersion"]
    ok = lab.patch(HS + "worker01", {"metadata": {"resourceVersion": current}, "egressIPs": ["198.51.100.120"]})
    assert ok["egressIPs"] == ["198.51.100.120"]


def test_status_objects_shape(lab):
    with pytest.raises(LabError) as err:
        lab.get(HS + "nope")
    body = err.value.body
    assert err.value.code == 404
    assert body["kind"] == "Status" and body["apiVersion"] == "v1" and body["status"] == "Failure"
    assert body["reason"] == "NotFound" and body["code"] == 404
    assert body["details"] == {"name": "nope", "group": "network.openshift.io", "kind": "hostsubnets"}
    assert body["message"] == 'hostsubnets.network.openshift.io "nope" not found'


def test_invalid_objects_are_422_but_bad_egress_semantics_are_accepted(lab):
    with pytest.raises(LabError) as err:
        lab.post("/apis/network.openshift.io/v1/hostsubnets", {"metadata": {}, "host": "x"})
    assert err.value.code == 422 and err.value.body["reason"] == "Invalid"
    with pytest.raises(LabError) as err:
        lab.patch(NN + "mywebserver", {"egressIPs": "198.51.100.120"})
    assert err.value.code == 422 and "must be of type array" in err.value.body["message"]
    with pytest.raises(LabError) as err:
        lab.patch(NN + "mywebserver", {"egressIPs": [5]})
    assert err.value.code == 422
    with pytest.raises(LabError) as err:
        lab.patch(NN + "mywebserver", {"netid": "five"})
    assert err.value.code == 422
    # semantically wrong but well-formed: accepted as a real API server would
    lab.patch(HS + "worker01", {"egressIPs": ["203.0.113.81", "198.51.100.144"]})
    lab.patch(HS + "worker02", {"egressIPs": ["203.0.113.81"]})
    assert lab.get(HS + "worker02")["egressIPs"] == ["203.0.113.81"]


def test_patch_types(lab):
    with pytest.raises(LabError) as err:
        lab.patch(HS + "worker01", {"egressIPs": ["198.51.100.120"]}, "application/strategic-merge-patch+json")
    assert err.value.code == 415 and err.value.body["reason"] == "UnsupportedMediaType"
    with pytest.raises(LabError) as err:
        lab.patch(HS + "worker01", b"egressIPs: []", "application/apply-patch+yaml")
    assert err.value.code == 415
    out = lab.patch(HS + "worker01", [{"op": "add", "path": "/egressIPs", "value": ["198.51.100.120"]}],
                    "application/json-patch+json")
    assert out["egressIPs"] == ["198.51.100.120"]
    with pytest.raises(LabError) as err:
        lab.patch(HS + "worker01", [{"op": "test", "path": "/egressIPs/0", "value": "198.51.100.99"},
                                    {"op": "remove", "path": "/egressIPs"}], "application/json-patch+json")
    assert err.value.code == 422
    assert lab.get(HS + "worker01")["egressIPs"] == ["198.51.100.120"]
    # strategic merge on a core kind merges conditions by type
    node = lab.patch(NODES + "worker01/status", {"status": {"conditions": [
        {"type": "MemoryPressure", "status": "False"}]}}, "application/strategic-merge-patch+json")
    assert {c["type"] for c in node["status"]["conditions"]} == {"Ready", "MemoryPressure"}


def test_status_subresource_rules(lab):
    before = lab.get(NODES + "worker02")
    # the main resource ignores status changes, the subresource ignores everything else
    lab.patch(NODES + "worker02", {"status": {"conditions": []}, "metadata": {"labels": {"z": "1"}}})
    after = lab.get(NODES + "worker02")
    assert after["status"] == before["status"] and after["metadata"]["labels"]["z"] == "1"
    lab.patch(NODES + "worker02/status", {"metadata": {"labels": {"z": "2"}}, "spec": {"unschedulable": True}})
    assert lab.get(NODES + "worker02")["metadata"]["labels"]["z"] == "1"
    body = lab.get(NODES + "worker02/status")
    body["status"]["conditions"][0]["status"] = "False"
    lab.put(NODES + "worker02/status", body)
    assert lab.get(NODES + "worker02")["status"]["conditions"][0]["status"] == "False"
    # CRD kinds with a status subresource drop status on create; EgressIP has none (its CRD says
    # ``subresources: {}``): status is kept and there is no /status endpoint
    net = lab.post("/apis/config.openshift.io/v1/networks", {"metadata": {"name": "other"}, "spec": {},
                                                             "status": {"networkType": "X"}})
    assert "status" not in net or not net["status"].get("networkType")
    eip = lab.post("/apis/k8s.ovn.org/v1/egressips", {"metadata": {"name": "e"}, "spec": {"egressIPs": []},
                                                      "status": {"items": [{"node": "x", "egressIP": "1.2.3.4"}]}})
    assert eip["status"]["items"] == [{"node": "x", "egressIP": "1.2.3.4"}]
    with pytest.raises(LabError) as err:
        lab.get("/apis/k8s.ovn.org/v1/egressips/e/status")
    assert err.value.code == 404


def test_resource_version_is_global_and_noop_writes_do_not_bump(lab):
    a = lab.patch(HS + "worker01", {"egressCIDRs": ["198.51.100.0/24"]})
    b = lab.patch(NN + "mywebserver", {"metadata": {"labels": {"k": "v"}}})
    assert int(b["metadata"]["resourceVersion"]) > int(a["metadata"]["resourceVersion"])
    again = lab.patch(NN + "mywebserver", {"metadata": {"labels": {"k": "v"}}})
    assert again["metadata"]["resourceVersion"] == b["metadata"]["resourceVersion"]
    listing = lab.get("/apis/network.openshift.io/v1/netnamespaces")
    assert int(listing["metadata"]["resourceVersion"]) >= int(b["metadata"]["resourceVersion"])
    assert listing["kind"] == "NetNamespaceList" and listing["apiVersion"] == "network.openshift.io/v1"


def test_label_and_field_selectors(lab):
    def names(selector, field=False):
        from urllib.parse import quote
        q = ("fieldSelector=" if field else "labelSelector=") + quote(selector)
        return sorted(i["metadata"]["name"] for i in lab.get("/api/v1/nodes?" + q)["items"])
    workers = ["worker01", "worker02"]
    masters = ["master01", "master02", "master03"]
    assert names("node-role.kubernetes.io/worker") == workers
    assert names("!node-role.kubernetes.io/worker") == masters
    assert names("kubernetes.io/hostname=worker01") == ["worker01"]
    assert names("kubernetes.io/hostname==worker01") == ["worker01"]
    assert names("kubernetes.io/hostname!=worker01") == masters + ["worker02"]
    assert names("kubernetes.io/hostname in (worker01, master02)") == ["master02", "worker01"]
    assert names("kubernetes.io/hostname notin (worker01,master02),node-role.kubernetes.io/worker") == ["worker02"]
    assert names("metadata.name=worker02", field=True) == ["worker02"]
    assert names("metadata.name!=worker02", field=True) == masters + ["worker01"]
    leases = lab.get("/apis/coordination.k8s.io/v1/leases?fieldSelector=metadata.namespace%3Ddefault")
    assert leases["items"] == []
    with pytest.raises(LabError) as err:
        lab.get("/api/v1/nodes?fieldSelector=spec.unschedulable%3Dtrue")
    assert err.value.code == 400


def test_token_is_required(lab):
    for path in ("/api/v1/nodes", "/apis", "/_lab/stats"):
        with pytest.raises(LabError) as err:
            lab.request("GET", path, token=False)
        assert err.value.code == 401 and err.value.body["reason"] == "Unauthorized"
        with pytest.raises(LabError) as err:
            lab.request("GET", path, token="wrong")
        assert err.value.code == 401
    assert lab.request("GET", "/version", token=False)["major"] == "1"


def test_discovery_documents(lab):
    groups = {g["name"]: g for g in lab.get("/apis")["groups"]}
    assert set(groups) == {"network.openshift.io", "config.openshift.io", "k8s.ovn.org", "coordination.k8s.io"}
    res = {r["name"]: r for r in lab.get("/apis/network.openshift.io/v1")["resources"]}
    assert res["hostsubnets"]["namespaced"] is False and res["hostsubnets"]["kind"] == "HostSubnet"
    core = {r["name"] for r in lab.get("/api/v1")["resources"]}
    assert {"nodes", "nodes/status", "namespaces"} <= core
    with pytest.raises(LabError) as err:
        lab.get("/openapi/v2")
    assert err.value.code == 404


def test_server_side_dry_run_changes_nothing(lab):
    before = lab.get(HS + "worker01")
    out = lab.patch(HS + "worker01?dryRun=All", {"egressIPs": ["198.51.100.120"]})
    assert out["egressIPs"] == ["198.51.100.120"]
    assert lab.get(HS + "worker01") == before
    assert lab.stats()["writes"] == 0


def test_namespace_gets_a_netnamespace_and_leases_live_in_namespaces(lab):
    lab.post("/api/v1/namespaces", {"metadata": {"name": "team-c"}})
    netns = lab.get(NN + "team-c")
    assert netns["netname"] == "team-c" and netns["netid"] > 5281170
    with pytest.raises(LabError) as err:
        lab.post("/apis/coordination.k8s.io/v1/namespaces/nowhere/leases", {"metadata": {"name": "l"}})
    assert err.value.code == 404
    lab.post("/apis/coordination.k8s.io/v1/namespaces/team-c/leases", {"metadata": {"name": "l"}})
    lab.delete("/api/v1/namespaces/team-c")
    with pytest.raises(LabError):
        lab.get(NN + "team-c")
    with pytest.raises(LabError):
        lab.get("/apis/coordination.k8s.io/v1/namespaces/team-c/leases/l")


def test_put_without_resource_version(lab):
    node = lab.get(NODES + "worker01")
    del node["metadata"]["resourceVersion"]
    node["metadata"]["labels"]["unconditional"] = "ok"
    assert lab.put(NODES + "worker01", node)["metadata"]["labels"]["unconditional"] == "ok"
    hs = lab.get(HS + "worker01")
    del hs["metadata"]["resourceVersion"]
    with pytest.raises(LabError) as err:
        lab.put(HS + "worker01", hs)
    assert err.value.code == 422 and "must be specified for an update" in err.value.body["message"]
    base = "/apis/coordination.k8s.io/v1/namespaces/default/leases"
    lease = lab.post(base, {"metadata": {"name": "l"}, "spec": {"holderIdentity": "a"}})
    del lease["metadata"]["resourceVersion"]
    with pytest.raises(LabError) as err:
        lab.put(base + "/l", lease)
    assert err.value.code == 422


def test_body_of_another_kind_is_400(lab):
    with pytest.raises(LabError) as err:
        lab.post("/apis/network.openshift.io/v1/hostsubnets",
                 {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "x"}})
    assert err.value.code == 400 and err.value.body["reason"] == "BadRequest"
    with pytest.raises(LabError) as err:
        lab.post("/apis/network.openshift.io/v1/hostsubnets",
                 {"apiVersion": "network.openshift.io/v1", "kind": "NetNamespace", "metadata": {"name": "x"}})
    assert err.value.code == 400
    with pytest.raises(LabError):
        lab.get(HS + "x")


def test_watch_streams_changes(lab):
    import threading
    client = dynamic_client(lab)
    hs = client.resources.get(api_version="network.openshift.io/v1", kind="HostSubnet")
    initial = [(e["type"], e["object"].metadata.name) for e in client.watch(hs, timeout=1)]
    assert initial == [("ADDED", n) for n in ("master01", "master02", "master03", "worker01", "worker02")]
    rv = lab.get("/apis/network.openshift.io/v1/hostsubnets")["metadata"]["resourceVersion"]

    def writes():
        lab.patch(HS + "worker01?dryRun=All", {"egressIPs": ["198.51.100.121"]})
        lab.patch(HS + "worker01", {"egressIPs": ["198.51.100.120"]})
        lab.patch(NN + "mywebserver", {"egressIPs": ["198.51.100.120"]})   # another kind: not seen
        lab.delete(HS + "worker02")
    thread = threading.Thread(target=writes)
    thread.start()
    events = [(e["type"], e["object"].metadata.name, e["object"].get("egressIPs"))
              for e in client.watch(hs, resource_version=rv, timeout=2)]
    thread.join()
    assert events == [("MODIFIED", "worker01", ["198.51.100.120"]), ("DELETED", "worker02", None)]
    assert lab.stats()["by_verb"]["watch"] == 2


def test_lease_duration_must_be_positive(lab):
    """k8s.io/kubernetes pkg/apis/coordination/validation ValidateLeaseSpec: 422 for
    leaseDurationSeconds <= 0, on create and on update."""
    leases = "/apis/coordination.k8s.io/v1/namespaces/default/leases"
    for bad in (0, -5):
        try:
            lab.post(leases, {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l"},
                              "spec": {"holderIdentity": "a", "leaseDurationSeconds": bad}})
            raise AssertionError("accepted leaseDurationSeconds %d" % bad)
        except LabError as exc:
            assert exc.code == 422 and "must be greater than 0" in exc.body["message"], exc.body
    lab.post(leases, {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l"},
                      "spec": {"holderIdentity": "a", "leaseDurationSeconds": 30}})
    try:
        lab.patch(leases + "/l", {"spec": {"leaseDurationSeconds": 0}})
        raise AssertionError("accepted an update to 0")
    except LabError as exc:
        assert exc.code == 422
