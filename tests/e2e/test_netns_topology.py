"""The network-namespace test hosts: build, reach, contain, remove."""
import json
import os
import subprocess
import sys

import pytest

from tests.netns import NetnsError, add_addr, addresses, ansible_playbook, del_addr, down, run_in, tcp_connect, tcp_probe
from tests.netns.fixtures import fresh_topology, topology  # noqa: F401  # pylint: disable=unused-import
from tests.netns.fixtures import require_netns

pytestmark = [pytest.mark.netns]

TEST_NETS = ("198.51.100.", "203.0.113.", "2001:db8:")


def _root_test_addresses():
    out = subprocess.run(["ip", "-o", "addr"], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if any(n in line for n in TEST_NETS)]


def test_topology_hosts_and_addresses(topology):
    hosts = topology["hosts"]
    assert hosts["controller"]["ip"] == "198.51.100.10"
    assert hosts["worker01"]["ip"] == "198.51.100.144" and hosts["worker01"]["iface"] == "enp1s0"
    assert hosts["worker02"]["ip"] == "198.51.100.145" and hosts["worker02"]["iface"] == "enp1s0"
    assert hosts["router"]["ip"] == "198.51.100.1" and hosts["router"]["db_ip"] == "203.0.113.1"
    assert hosts["database"]["ip"] == "203.0.113.10"
    for name in ("worker01", "worker02"):
        ns = topology.ns(name)
        assert "%s/24" % hosts[name]["ip"] in addresses(ns)
        route = json.loads(run_in(ns, ["ip", "-j", "route", "show", "default"]).stdout)
        assert route[0]["gateway"] == "198.51.100.1" and route[0]["dev"] == "enp1s0"
        lo = json.loads(run_in(ns, ["ip", "-j", "link", "show", "lo"]).stdout)
        assert "UP" in lo[0]["flags"]
    assert run_in(topology.ns("router"), ["sysctl", "-n", "net.ipv4.ip_forward"]).stdout.strip() == "1"


def test_ssh_from_controller_to_every_host(topology):
    for name in ("worker01", "worker02", "router", "database"):
        out = topology.ssh(name, "ip", "-4", "-o", "addr", "show").stdout
        assert topology.ip(name) + "/" in out, (name, out)


def test_routing_controller_to_db_through_router(topology):
    assert tcp_connect(topology.ctl, "198.51.100.10", "203.0.113.10", 5432)
    assert tcp_connect(topology.ns("worker01"), "198.51.100.144", "203.0.113.10", 5433)
    # the path really goes via the router: without forwarding the db is unreachable
    rtr = topology.ns("router")
    run_in(rtr, ["sysctl", "-q", "-w", "net.ipv4.ip_forward=0"])
    try:
        assert not tcp_connect(topology.ctl, "198.51.100.10", "203.0.113.10", 5432, timeout=1)
    finally:
        run_in(rtr, ["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])
    assert tcp_connect(topology.ctl, None, "203.0.113.10", 5432)
    # a closed port answers with a RST
    assert tcp_probe(topology.ctl, None, "198.51.100.144", 9, timeout=1) == "refused"


def test_extra_address_is_source_routable(topology):
    ns = topology.ns("worker02")
    add_addr(ns, "198.51.100.201", 24, "enp1s0")
    try:
        assert tcp_connect(ns, "198.51.100.201", "203.0.113.10", 5432)
    finally:
        del_addr(ns, "198.51.100.201", 24, "enp1s0")
    assert "198.51.100.201/24" not in addresses(ns)


def test_squatter_answers_arp(topology):
    ns = topology.ns("worker01")
    taken = run_in(ns, ["arping", "-D", "-I", "enp1s0", "-c", "2", "-w", "3", "198.51.100.150"], check=False)
    assert taken.returncode == 1, taken.stdout
    free = run_in(ns, ["arping", "-D", "-I", "enp1s0", "-c", "1", "-w", "1", "198.51.100.152"], check=False)
    assert free.returncode == 0, free.stdout


def test_refuses_addresses_outside_test_ranges(topology):
    # the guard refuses before any command runs (this machine's own network, a private range)
    with pytest.raises(NetnsError, match="refusing address 192.0.2.50"):
        add_addr(topology.ns("worker01"), "192.0.2.50", 24, "enp1s0")
    with pytest.raises(NetnsError, match="refusing address 10.1.2.3"):
        tcp_connect(topology.ctl, None, "10.1.2.3", 80)
    assert "192.0.2.50" not in run_in(topology.ns("worker01"), ["ip", "-o", "addr"]).stdout


def test_nothing_in_root_namespace(topology):
    assert _root_test_addresses() == []
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout
    assert topology.prefix not in links


def test_ansible_playbook_helper(topology, tmp_path):
    pb = tmp_path / "pb.yml"
    pb.write_text(
        "- hosts: all\n"
        "  gather_facts: false\n"
        "  tasks:\n"
        "    - ansible.builtin.command: {argv: [ip, -4, -o, addr, show, dev, '{{ netns_interface }}']}\n"
        "      register: r\n"
        "      changed_when: false\n"
        "    - ansible.builtin.assert: {that: [\"(ansible_host ~ '/') in r.stdout\", \"marker == 'x y'\"]}\n"
    )
    res = ansible_playbook(topology, str(pb), extra_vars={"marker": "x y"})
    assert res.rc == 0, res.describe()
    assert set(res.stats) == {"worker01", "worker02", "router", "database"}
    assert res.failed() == 0 and res.changed() == 0


def test_cli_up_and_down_removes_everything(tmp_path):
    require_netns()
    state = tmp_path / "state.json"
    prefix = "ec%04d" % (os.getpid() % 10000)
    cli = [sys.executable, "-m", "tests.netns"]
    up = subprocess.run(cli + ["up", "--prefix", prefix, "--state", str(state)], capture_output=True, text=True,
                        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))), timeout=120, check=False)
    try:
        assert up.returncode == 0, up.stderr
        topo = json.loads(up.stdout)
        assert json.loads(state.read_text())["prefix"] == prefix
        names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
        for suffix in ("lan", "ctl", "w1", "w2", "rtr", "db", "sq"):
            assert "%s-%s" % (prefix, suffix) in names
        pids = list(topo["pids"].values())
        assert all(os.path.exists("/proc/%d" % p) for p in pids)
        tmpdir = topo["tmpdir"]
        assert os.path.isdir(tmpdir)
    finally:
        down_ = subprocess.run(cli + ["down", "--state", str(state)], capture_output=True, text=True,
                               cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))), timeout=120, check=False)
    assert down_.returncode == 0, down_.stderr
    names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
    assert prefix + "-" not in names
    assert not os.path.exists(tmpdir)
    for p in pids:
        assert not os.path.exists("/proc/%d" % p) or open("/proc/%d/stat" % p).read().split(") ")[1][0] == "Z"
    assert _root_test_addresses() == []
    # idempotent
    again = subprocess.run(cli + ["down", "--state", str(state)], capture_output=True, text=True,
                           cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))), timeout=60, check=False)
    assert again.returncode == 0


def test_down_after_partial_failure_and_twice(fresh_topology):
    topo = fresh_topology
    # a process someone started in the controller (e.g. a lab API server) is stopped too
    srv = subprocess.Popen(["ip", "netns", "exec", topo.ctl, sys.executable, "-c",
                            "import socket,time; s=socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); "
                            "time.sleep(300)"], start_new_session=True)
    down(topo)
    srv.wait(timeout=10)
    down(topo)
    names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
    assert topo.prefix + "-" not in names
    assert not os.path.exists(topo.tmpdir)


def test_up_failure_cleans_up(monkeypatch):
    require_netns()
    from tests.netns import topology as mod

    def boom(*a, **k):
        raise mod.NetnsError("injected")
    monkeypatch.setattr(mod, "write_inventory", boom)
    prefix = "eu%04d" % (os.getpid() % 10000)
    with pytest.raises(mod.NetnsError):
        mod.up(prefix=prefix)
    names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
    assert prefix + "-" not in names


def test_gc_removes_topologies_of_dead_owners(tmp_path):
    require_netns()
    from tests.netns import topology as mod
    state_dir = tmp_path / "states"
    state_dir.mkdir()
    prefix = "eg%04d" % (os.getpid() % 10000)
    state = state_dir / (prefix + ".json")
    topo = mod.up(prefix=prefix, state=str(state), squatter=False)
    try:
        assert mod.gc(str(state_dir)) == []          # owner (this process) alive: kept
        data = json.loads(state.read_text())
        dead = subprocess.Popen(["true"])
        dead.wait()
        data["owner_pid"] = dead.pid
        state.write_text(json.dumps(data))
        assert mod.gc(str(state_dir)) == [prefix]
        names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
        assert prefix + "-" not in names and not state.exists()
    finally:
        down(topo)


def test_dual_stack_and_secondary_network_topology():
    """up(ipv6=True, secondary=True): 2001:db8::/64 on the LAN, 2001:db8:113::/64 to the
    database, a second LAN 203.0.113.128/25 on the workers' enp2s0; all routed, all removed."""
    require_netns()
    from tests.netns.fixtures import make_topology
    topo = make_topology("d", squatter=False, ipv6=True, secondary=True)
    try:
        w1, db = topo.ns("worker01"), topo.ns("database")
        assert topo["hosts"]["worker01"]["ip6"] == "2001:db8::144"
        assert topo["hosts"]["worker01"]["secondary_ip"] == "203.0.113.144"
        assert tcp_probe(w1, "2001:db8::144", "2001:db8:113::10", 5432) == "open"
        assert tcp_probe(w1, "203.0.113.144", "203.0.113.10", 5432) == "open"   # replies via the router
        # an extra IPv6 / secondary address works as a source and reset_topology removes it
        run_in(w1, ["ip", "-6", "addr", "add", "2001:db8::120/64", "dev", "enp1s0", "nodad"])
        run_in(w1, ["ip", "addr", "add", "203.0.113.150/25", "dev", "enp2s0"])
        assert tcp_probe(w1, "2001:db8::120", "2001:db8:113::10", 5432) == "open"
        assert tcp_probe(w1, "203.0.113.150", "203.0.113.10", 5432) == "open"
        from tests.netns.fixtures import reset_topology
        reset_topology(topo)
        out = run_in(w1, ["ip", "-o", "addr", "show"]).stdout
        assert "2001:db8::120" not in out and "203.0.113.150" not in out
        assert "2001:db8::144/64" in out and "203.0.113.144/25" in out
        with pytest.raises(NetnsError):
            add_addr(w1, "fd00::5", 64)
    finally:
        down(topo)
    assert not [n for n in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout.split()
                if n.startswith(topo.prefix + "-")]
    assert _root_test_addresses() == []
