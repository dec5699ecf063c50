"""The /_lab control API: counters, request log, fault injection, ready flip."""
import threading
import time

import pytest

from tests.lab.fixtures import LabError

from .helpers import HS, NN, NODES, dynamic_client

ApiException = pytest.importorskip("kubernetes.client.exceptions").ApiException


def test_counters_and_reset(lab):
    assert lab.stats()["writes"] == 0
    lab.get(HS + "worker01")
    lab.get("/apis/network.openshift.io/v1/hostsubnets")
    lab.patch(HS + "worker01", {"egressCIDRs": ["198.51.100.0/24"]})
    lab.patch(NN + "mywebserver", {"egressIPs": ["198.51.100.120"]})   # controller then writes worker01
    lab.post("/api/v1/namespaces", {"metadata": {"name": "n1"}})       # controller then creates a NetNamespace
    lab.delete("/api/v1/namespaces/n1")
    lab.events()
    stats = lab.stats()
    assert stats["writes"] == 4 and stats["total"] == 6
    assert stats["by_verb"] == {"get": 1, "list": 1, "create": 1, "update": 0, "patch": 2, "delete": 1}
    assert stats["by_kind"]["HostSubnet"] == {"get": 1, "list": 1, "patch": 1}
    assert stats["by_kind"]["NetNamespace"] == {"patch": 1}
    assert stats["by_kind"]["Namespace"] == {"create": 1, "delete": 1}
    reqs = lab.requests()
    assert [r["verb"] for r in reqs] == ["get", "list", "patch", "patch", "create", "delete"]
    assert reqs[2]["kind"] == "HostSubnet" and reqs[2]["name"] == "worker01" and reqs[2]["status"] == 200
    assert reqs[2]["content_type"] == "application/merge-patch+json"
    assert reqs[0]["user_agent"].startswith("Python-urllib")
    after = lab.reset()
    assert after["writes"] == 0 and after["total"] == 0 and lab.requests() == []
    assert all(v == 0 for v in after["by_verb"].values()) and after["by_kind"] == {}


def test_status_fault_answers_without_applying(lab):
    client = dynamic_client(lab)
    hs = client.resources.get(api_version="network.openshift.io/v1", kind="HostSubnet")
    before = lab.get(HS + "worker01")
    rule = lab.fault(verb="patch", kind="HostSubnet", name="worker01", status=500, count=2)
    assert rule["count"] == 2
    for attempt in range(2):
        with pytest.raises(ApiException) as err:
            hs.patch(name="worker01", body={"egressIPs": ["198.51.100.120"]},
                     content_type="application/merge-patch+json")
        assert err.value.status == 500 and '"InternalError"' in err.value.body, attempt
    assert lab.get(HS + "worker01") == before           # nothing applied
    hs.patch(name="worker02", body={"egressIPs": ["198.51.100.121"]}, content_type="application/merge-patch+json")
    ok = hs.patch(name="worker01", body={"egressIPs": ["198.51.100.120"]}, content_type="application/merge-patch+json")
    assert ok.egressIPs == ["198.51.100.120"]
    assert [r["status"] for r in lab.requests() if r["verb"] == "patch"] == [500, 500, 200, 200]
    assert lab.stats()["writes"] == 4


def test_conflict_and_unavailable_faults_and_clear(lab):
    lab.fault(verb="update", kind="hostsubnets", status=409)
    lab.fault(verb="list", status=503, count=5)
    body = lab.get(HS + "worker01")
    with pytest.raises(LabError) as err:
        lab.put(HS + "worker01", dict(body, egressIPs=["198.51.100.120"]))
    assert err.value.code == 409 and err.value.body["reason"] == "Conflict"
    with pytest.raises(LabError) as err:
        lab.get("/api/v1/nodes")
    assert err.value.code == 503 and err.value.body["reason"] == "ServiceUnavailable"
    assert lab.get("/_lab/faults")[0]["count"] == 4
    lab.clear_faults()
    assert lab.get("/api/v1/nodes")["kind"] == "NodeList"
    assert lab.put(HS + "worker01", dict(body, egressIPs=["198.51.100.120"]))["egressIPs"] == ["198.51.100.120"]
    with pytest.raises(LabError) as err:
        lab.post("/_lab/faults", {"verb": "patch", "status": 200})
    assert err.value.code == 400


def test_hang_fault_delays_then_serves_and_others_are_not_blocked(lab):
    lab.fault(verb="get", kind="Node", name="worker01", hang=1.5)
    result = {}

    def slow():
        start = time.monotonic()
        result["node"] = lab.get(NODES + "worker01")
        result["took"] = time.monotonic() - start
    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.2)
    start = time.monotonic()
    lab.get(NODES + "worker02")
    assert time.monotonic() - start < 1.0
    thread.join(10)
    assert result["node"]["metadata"]["name"] == "worker01"
    assert result["took"] >= 1.4
    start = time.monotonic()
    lab.get(NODES + "worker01")                          # only once
    assert time.monotonic() - start < 1.0


def test_lab_ready_convenience(lab):
    lab.patch(HS + "worker01", {"egressCIDRs": ["198.51.100.0/24"]})
    lab.patch(HS + "worker02", {"egressCIDRs": ["198.51.100.0/24"]})
    lab.patch(NN + "mywebserver", {"egressIPs": ["198.51.100.120"]})
    lab.reset()
    lab.post("/_lab/nodes/worker01/ready", {"ready": False})
    assert lab.get(NODES + "worker01")["status"]["conditions"][0]["status"] == "False"
    assert lab.assignments()["198.51.100.120"]["node"] == "worker02"
    assert lab.stats()["writes"] == 0
    event = lab.events()[-1]
    assert set(event) == {"time", "level", "source", "message"} and event["level"] in ("E", "I")
