"""A refusal over many findings: the message names MAX_IN_MESSAGE of them and says how many more;
``findings`` holds them all; nothing is written."""
from tests.integration.helpers import run_tasks
from tests.lab.fixtures import start_lab

N = 40


def test_refusal_message_is_bounded(tmp_path):
    with start_lab(tmp_path, scenario="scale:2:%d" % N) as lab:
        # 198.19.0.x is in no node's egressCIDRs or egressIPs: every namespace gets IP_NO_NODE
        items = [{"name": "ns-%04d" % i, "egress_ips": ["198.19.0.%d" % i]} for i in range(1, N + 1)]
        s0 = lab.stats()
        res = run_tasks(tmp_path, lab, [{"ocp.egressip.egressip_netnamespace": {"netnamespaces": items}}])
        out = res.result(0)
        assert res.rc != 0 and out["failed"]
        msg = out["msg"]
        # two blocking errors per namespace (IP_NO_NODE, NAMESPACE_EGRESS_DROPPED): 5 named, the rest counted
        assert msg.startswith("refusing to write: ") and msg.count('NetNamespace "ns-') == 5, msg
        assert msg.endswith("... and %d more (all of them in findings)" % (2 * N - 5)), msg
        blocking = [f for f in out["findings"] if f["blocking"]]
        assert len(blocking) == 2 * N and len([f for f in blocking if f["code"] == "IP_NO_NODE"]) == N
        assert lab.stats()["writes"] == s0["writes"]
