"""Role egressip_firewall with IPv6 sources (dual-stack clusters, issue 16), with real packets:
IPv6 is switched on inside the topology's namespaces only (2001:db8::/32, never the root
namespace), the database listens on [2001:db8:10::10]:5432, and TCP connections are bound to
egress IPv6 addresses on the nodes. nftables (table inet: ipv6_addr sets) and iptables
(ip6tables) are both checked; firewalld's IPv6 rich rules are checked in test_roles_firewall.py."""
import subprocess
import sys
import textwrap

import pytest

from tests.netns import ansible_playbook, run_in, tcp_probe
from tests.netns.fixtures import clean_topology, topology  # noqa: F401  # pylint: disable=unused-import

pytestmark = [pytest.mark.netns, pytest.mark.slow]

DB6, RTR_DB6, RTR_LAN6 = "2001:db8:10::10", "2001:db8:10::1", "2001:db8:1::1"
HOST6 = {"worker01": "2001:db8:1::144", "worker02": "2001:db8:1::145"}
ALLOWED6 = "2001:db8:1::170"     # an egress IP of the namespace, on worker01
OTHER6 = "2001:db8:1::171"       # another namespace's, on worker02

PLAYBOOK = """
- hosts: database
  gather_facts: false
  roles:
    - role: ocp.egressip.egressip_firewall
      vars:
        egressip_firewall_state_dir: "{{ netns_scratch_dir }}/egressip-firewall"
"""

_SERVER = textwrap.dedent("""
    import socket
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("%s", 5432)); s.listen(16)
    while True:
        c, _ = s.accept(); c.close()
""" % DB6)


def _doc(ip):
    if not ip.startswith("2001:db8:"):
        raise AssertionError("tests use only 2001:db8::/32 for IPv6, not %s" % ip)
    return ip


def _addr(ns, ip, dev, add=True):
    run_in(ns, ["ip", "-6", "addr", "add" if add else "del", _doc(ip) + "/64", "dev", dev] + (["nodad"] if add else []),
           check=add)


def probe(topo, node, src):
    return tcp_probe(topo.ns(node), _doc(src), DB6, 5432, timeout=1.5)


@pytest.fixture
def v6(clean_topology, tmp_path):  # noqa: F811
    """IPv6 on worker01/02, the router and the database (namespaces only), undone afterwards."""
    topo = clean_topology
    hosts = {"worker01": ["enp1s0"], "worker02": ["enp1s0"], "router": ["lan0", "dbnet0"], "database": ["eth0"]}
    added = []
    server = None
    try:
        for host, devs in hosts.items():
            ns = topo.ns(host)
            for key in ["all", "default"] + devs:
                run_in(ns, ["sysctl", "-q", "-w", "net.ipv6.conf.%s.disable_ipv6=0" % key])
                run_in(ns, ["sysctl", "-q", "-w", "net.ipv6.conf.%s.accept_dad=0" % key])
        plan = [("worker01", HOST6["worker01"], "enp1s0"), ("worker01", ALLOWED6, "enp1s0"),
                ("worker02", HOST6["worker02"], "enp1s0"), ("worker02", OTHER6, "enp1s0"),
                ("router", RTR_LAN6, "lan0"), ("router", RTR_DB6, "dbnet0"), ("database", DB6, "eth0")]
        for host, ip, dev in plan:
            _addr(topo.ns(host), ip, dev)
            added.append((host, ip, dev))
        for w in ("worker01", "worker02"):
            run_in(topo.ns(w), ["ip", "-6", "route", "add", "default", "via", RTR_LAN6])
        run_in(topo.ns("database"), ["ip", "-6", "route", "add", "default", "via", RTR_DB6])
        run_in(topo.ns("router"), ["sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1"])
        server = subprocess.Popen(["ip", "netns", "exec", topo.ns("database"), sys.executable, "-c", _SERVER],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        pb = tmp_path / "fw.yml"
        pb.write_text(PLAYBOOK)

        def run(**extra):
            extra.setdefault("egressip_firewall_export_dir", str(tmp_path / "exports"))
            return ansible_playbook(topo, str(pb), extra_vars=extra)
        run.topo = topo
        for _attempt in range(50):   # the listener is up
            if probe(topo, "worker01", ALLOWED6) == "open":
                break
        yield run
    finally:
        if server is not None:
            server.kill()
            server.wait()
        for host, ip, dev in added:
            _addr(topo.ns(host), ip, dev, add=False)
        for host in hosts:
            run_in(topo.ns(host), ["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"], check=False)


def test_ipv6_owned_static_and_default_deny_on_nftables_and_ip6tables(v6):
    topo = v6.topo
    assert probe(topo, "worker02", OTHER6) == "open"     # before: everything open
    args = dict(egressip_firewall_cluster="dual", egressip_firewall_namespaces={"web": [ALLOWED6, "198.51.100.170"]},
                egressip_firewall_default_deny=True, egressip_firewall_static_sources=[HOST6["worker02"]])
    for backend in ("nftables", "iptables"):
        res = v6(egressip_firewall_backend=backend, **args)
        assert res.rc == 0, res.describe()
        assert probe(topo, "worker01", ALLOWED6) == "open", backend            # owned
        assert probe(topo, "worker02", HOST6["worker02"]) == "open", backend   # static
        assert probe(topo, "worker02", OTHER6) == "timeout", backend          # default-deny
        assert probe(topo, "worker01", HOST6["worker01"]) == "timeout", backend
        assert v6(egressip_firewall_backend=backend, **args).changed() == 0
    rules = run_in(topo.ns("database"), ["ip6tables", "-S", "EGRESSIP"]).stdout
    assert "-A EGRESSIP -s %s/128 -p tcp -m tcp --dport 5432 -j ACCEPT" % ALLOWED6 in rules
    assert "table inet egressip" not in run_in(topo.ns("database"), ["nft", "list", "ruleset"]).stdout
    # the namespace's IPv6 address is released: it is closed again
    res = v6(egressip_firewall_backend="iptables", **dict(args, egressip_firewall_namespaces={"web": ["198.51.100.170"]}))
    assert res.rc == 0, res.describe()
    assert probe(topo, "worker01", ALLOWED6) == "timeout"
    assert probe(topo, "worker02", HOST6["worker02"]) == "open"
