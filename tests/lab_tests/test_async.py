"""The lab's controllers are asynchronous, as on a real cluster (tests/lab/cluster.py): a
client reading right after its write sees the state before the controller reacted; the test
helpers (and /_lab/settle) see the settled state; --controller-delay 0 is synchronous."""
import time

from tests.lab.fixtures import LabError, start_lab

NN = "/apis/network.openshift.io/v1/netnamespaces"
HS = "/apis/network.openshift.io/v1/hostsubnets"


def namespace(name):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def test_controller_reacts_after_the_write_is_answered(tmp_path):
    with start_lab(tmp_path, extra_args=["--controller-delay", "0.5"]) as lab:
        lab.request("POST", "/api/v1/namespaces", namespace("team-a"), settle=False)
        try:
            lab.request("GET", NN + "/team-a", settle=False)
            raise AssertionError("the NetNamespace exists before the controller's delay")
        except LabError as exc:
            assert exc.code == 404
        time.sleep(0.8)       # the controller's pass ran in the background meanwhile
        assert lab.request("GET", NN + "/team-a", settle=False)["netid"] > 0
        # automatic mode: the HostSubnet's egressIPs follow later, several writes in one pass
        for node in ("worker01", "worker02"):
            lab.request("PATCH", HS + "/" + node, {"egressCIDRs": ["198.51.100.0/24"]},
                        "application/merge-patch+json", settle=False)
        lab.request("PATCH", NN + "/team-a", {"egressIPs": ["198.51.100.120"]}, "application/merge-patch+json",
                    settle=False)
        held = [h.get("egressIPs") for h in lab.request("GET", HS, settle=False)["items"]]
        assert ["198.51.100.120"] not in held
        assert lab.settle()["198.51.100.120"]["active"] is True      # settle runs the pending pass now
        assert ["198.51.100.120"] in [h.get("egressIPs") for h in lab.get(HS)["items"]]


def test_synchronous_mode(tmp_path):
    with start_lab(tmp_path, extra_args=["--controller-delay", "0"]) as lab:
        lab.request("POST", "/api/v1/namespaces", namespace("team-b"), settle=False)
        assert lab.request("GET", NN + "/team-b", settle=False)["netid"] > 0


def test_controller_failure_is_logged_and_the_lab_keeps_serving(tmp_path):
    """A controller that cannot read an object logs the error (a real one does the same) instead
    of failing the client's write."""
    from tests.lab.cluster import Cluster
    from tests.lab import scenarios

    cluster = Cluster(scenarios.build("seed"))

    def broken():
        raise TypeError("bad object")
    cluster.sdn.reconcile = broken
    cluster.changed()
    assert any(e["level"] == "E" and "controller failed" in e["message"] for e in cluster.events.all())
