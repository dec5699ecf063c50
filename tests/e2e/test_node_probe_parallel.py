"""plugins/module_utils/node/probe.py checks every candidate address of a node in one
call with its duplicate-address probes in parallel: N addresses take about one arping deadline,
not N of them; a probe that never exits is killed, so the time is bounded; the output keeps
its format (in_use with the MAC, arping_error, checked[ip].arping = {rc, argv})."""
import json
import os
import subprocess
import time

import pytest

from tests.netns.topology import default_prefix, netns_available, ns_name, run_in

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROBE = os.path.join(ROOT, "plugins", "module_utils", "node", "probe.py")

pytestmark = [pytest.mark.netns, pytest.mark.skipif(bool(netns_available()), reason=str(netns_available()))]

# Stands in for iputils arping -D: each probe takes 1 s; .13 answers (exit 1, iputils' reply
# line), .14 never exits.
FAKE_ARPING = """#!/bin/sh
for last; do :; done
case "$last" in
  198.51.100.13) sleep 1; echo "Unicast reply from 198.51.100.13 [02:00:00:00:00:13]  0.6ms"; exit 1 ;;
  198.51.100.14) exec sleep 60 ;;
  *) sleep 1; exit 0 ;;
esac
"""


@pytest.fixture
def node_ns():
    ns = ns_name(default_prefix(), "probe")
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        run_in(ns, ["ip", "link", "add", "enp1s0", "type", "veth", "peer", "name", "peer0"])
        run_in(ns, ["ip", "link", "set", "peer0", "up"])
        run_in(ns, ["ip", "addr", "add", "198.51.100.10/24", "dev", "enp1s0"])
        run_in(ns, ["ip", "link", "set", "enp1s0", "up"])
        yield ns
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)


def _probe(ns, arping, ips, timeout):
    args = {"mode": "preflight", "node": "worker01", "host": "198.51.100.10", "interface": "", "ips": ips,
            "holders": {}, "arping": True, "arping_path": arping, "arping_count": 2, "arping_timeout": timeout}
    with open(PROBE) as f:
        code = f.read()
    start = time.monotonic()
    proc = run_in(ns, ["python3", "-c", code, json.dumps(args)], timeout=60)
    return time.monotonic() - start, json.loads(proc.stdout)


def test_candidates_are_probed_in_parallel_with_a_bounded_time(node_ns, tmp_path):
    arping = tmp_path / "arping"
    arping.write_text(FAKE_ARPING)
    arping.chmod(0o755)
    free = ["198.51.100.%d" % i for i in range(20, 32)]
    wall, out = _probe(node_ns, str(arping), free + ["198.51.100.13"], timeout=3)
    assert wall < 4, wall                      # one at a time: 13 x 1 s
    assert [f["kind"] for f in out["findings"]] == ["in_use"], out["findings"]
    assert out["findings"][0]["ip"] == "198.51.100.13" and out["findings"][0]["mac"] == "02:00:00:00:00:13"
    assert sorted(out["checked"]) == sorted(free + ["198.51.100.13"])
    for ip in free:
        assert out["checked"][ip]["arping"]["rc"] == 0
        assert out["checked"][ip]["arping"]["argv"] == [str(arping), "-D", "-I", "enp1s0", "-c", "2", "-w", "3", ip]
    # a probe that never exits is killed after its deadline (+2 s) and reported
    wall, out = _probe(node_ns, str(arping), ["198.51.100.14", "198.51.100.21"], timeout=1)
    assert wall < 6, wall
    assert [(f["ip"], f["kind"]) for f in out["findings"]] == [("198.51.100.14", "arping_error")]
    assert "killed" in out["findings"][0]["msg"] and out["checked"]["198.51.100.14"]["arping"]["rc"] is None
