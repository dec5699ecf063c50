"""Network-namespace test hosts for ocp.egressip (stdlib only).

Topology (P = per-run prefix, e.g. ``eg1234``)::

                           P-lan (bridge br0)
        +-----------+-----------+-----------+-----------+
        |           |           |           |           |
      P-ctl       P-w1        P-w2        P-sq        P-rtr ---- P-db
  198.51.100.10 .144 enp1s0 .145 enp1s0  .150 (opt.)  .1 | 203.0.113.1 -- 203.0.113.10
   (Ansible,     sshd        sshd                     sshd        sshd, TCP 5432/5433
    lab API)

Nothing is created in the root namespace: every veth pair is created inside
``P-lan`` with its peer placed directly in the target namespace, and the
namespaces are not connected to the root namespace at all (the router has no
default route), so no test traffic can leave them.

Optional (``up(ipv6=True)``): the LAN is dual-stack, every LAN host also has
2001:db8::<host number>/64 (worker01 2001:db8::144, router 2001:db8::1) and the
database link 2001:db8:113::/64 (router ::1, database ::10), routes as for IPv4.
Optional (``up(secondary=True)``): a second LAN ``P-lan2`` (bridge br1) on
203.0.113.128/25 for a secondary host network: worker01/worker02 ``enp2s0``
203.0.113.144/.145, router ``lan1`` 203.0.113.129; the database routes that /25
back via the router. Without these options the topology is IPv4 only, as before.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from typing import Dict, Iterable, List, Optional, Sequence

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.join(REPO_ROOT, ".venv", "bin")

LAN_CIDR = "198.51.100.0/24"
DB_CIDR = "203.0.113.0/24"
ALLOWED_NETS = ("198.51.100.", "203.0.113.", "2001:db8:")
LAN6_PREFIX = "2001:db8::"            # + host number, /64 (ipv6=True)
DB6_PREFIX = "2001:db8:113::"         # router ::1, database ::10
GATEWAY6 = "2001:db8::1"
SECONDARY_CIDR = "203.0.113.128/25"   # secondary=True
SECONDARY_IFACE = "enp2s0"
SECONDARY_ROUTER_IP = "203.0.113.129"

DB_PORTS = (5432, 5433)

# name -> (namespace suffix, address on the LAN or db link, prefix length, interface, sshd?)
HOSTS = {
    "controller": {"suffix": "ctl", "ip": "198.51.100.10", "iface": "lan0", "ssh": False},
    "worker01": {"suffix": "w1", "ip": "198.51.100.144", "iface": "enp1s0", "ssh": True},
    "worker02": {"suffix": "w2", "ip": "198.51.100.145", "iface": "enp1s0", "ssh": True},
    "router": {"suffix": "rtr", "ip": "198.51.100.1", "iface": "lan0", "ssh": True},
    "database": {"suffix": "db", "ip": "203.0.113.10", "iface": "eth0", "ssh": True},
    "squatter": {"suffix": "sq", "ip": "198.51.100.150", "iface": "lan0", "ssh": False},
}
ROUTER_DB_IP = "203.0.113.1"
ROUTER_DB_IFACE = "dbnet0"
GATEWAY = "198.51.100.1"


class NetnsError(RuntimeError):
    pass


def _run(argv: Sequence[str], check: bool = True, timeout: float = 30, input: Optional[str] = None):
    proc = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, input=input, check=False)
    if check and proc.returncode != 0:
        raise NetnsError("command failed (rc=%d): %s\nstdout: %s\nstderr: %s"
                         % (proc.returncode, " ".join(argv), proc.stdout, proc.stderr))
    return proc


def netns_available() -> Optional[str]:
    """Return None when namespaces can be used here, otherwise the reason why not."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "iproute2 (ip) is not installed"
    try:
        proc = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10, check=False)
    except Exception as exc:  # pragma: no cover - depends on the machine
        return "ip netns unavailable: %s" % exc
    if proc.returncode != 0:
        return "ip netns unavailable: %s" % proc.stderr.strip()
    return None


def default_prefix() -> str:
    return "eg%d" % (os.getpid() % 10000)


def ns_name(prefix: str, suffix: str) -> str:
    return "%s-%s" % (prefix, suffix)


def run_in(ns: str, cmd, check: bool = True, timeout: float = 30, input: Optional[str] = None):
    """Run ``cmd`` (argv list, or a string run with ``sh -c``) inside namespace ``ns``."""
    if isinstance(cmd, str):
        argv = ["sh", "-c", cmd]
    else:
        argv = list(cmd)
    return _run(["ip", "netns", "exec", ns] + argv, check=check, timeout=timeout, input=input)


def _check_test_ip(ip: str) -> None:
    if not ip.lower().startswith(ALLOWED_NETS):
        raise NetnsError("refusing address %s: tests use only %s, %s and 2001:db8::/32" % (ip, LAN_CIDR, DB_CIDR))


def ip6_of(ip4: str, prefix: str = LAN6_PREFIX) -> str:
    """The IPv6 address of a LAN host: 198.51.100.144 -> 2001:db8::144."""
    return prefix + ip4.rsplit(".", 1)[1]


def add_addr(ns: str, ip: str, prefix: int = 24, dev: str = "enp1s0") -> None:
    """Add ``ip/prefix`` to ``dev`` in ``ns`` (no-op when already present)."""
    _check_test_ip(ip)
    proc = run_in(ns, ["ip", "addr", "add", "%s/%d" % (ip, prefix), "dev", dev], check=False)
    if proc.returncode != 0 and "File exists" not in proc.stderr:
        raise NetnsError("ip addr add %s in %s failed: %s" % (ip, ns, proc.stderr))


def del_addr(ns: str, ip: str, prefix: int = 24, dev: str = "enp1s0") -> None:
    """Remove ``ip/prefix`` from ``dev`` in ``ns`` (no-op when absent)."""
    _check_test_ip(ip)
    proc = run_in(ns, ["ip", "addr", "del", "%s/%d" % (ip, prefix), "dev", dev], check=False)
    if proc.returncode != 0 and "Cannot assign" not in proc.stderr:
        raise NetnsError("ip addr del %s in %s failed: %s" % (ip, ns, proc.stderr))


def addresses(ns: Optional[str] = None) -> List[str]:
    """All IPv4 addresses (``ip/len``) in ``ns`` (root namespace when None)."""
    argv = ["ip", "-j", "-4", "addr", "show"]
    proc = run_in(ns, argv) if ns else _run(argv)
    out = []
    for link in json.loads(proc.stdout or "[]"):
        for a in link.get("addr_info", []):
            out.append("%s/%s" % (a["local"], a["prefixlen"]))
    return out


_PROBE = textwrap.dedent("""
    import socket, sys
    src, dst, port, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if src:
        s.bind((src, 0))
    try:
        s.connect((dst, port))
    except ConnectionRefusedError:
        print("refused"); sys.exit(0)
    except (socket.timeout, TimeoutError):
        print("timeout"); sys.exit(0)
    except OSError as exc:
        print("error:%s" % exc.errno); sys.exit(0)
    print("open")
""")


def tcp_probe(from_ns: str, src_ip: Optional[str], dst_ip: str, port: int, timeout: float = 2.0) -> str:
    """Connect from ``from_ns`` (bound to ``src_ip``) to ``dst_ip:port``.

    Returns ``open``, ``refused`` (a RST came back), ``timeout`` (silently
    dropped) or ``error:<errno>`` (e.g. host unreachable).
    """
    _check_test_ip(dst_ip)
    if src_ip:
        _check_test_ip(src_ip)
    proc = run_in(from_ns, [sys.executable, "-c", _PROBE, src_ip or "", dst_ip, str(int(port)), str(timeout)],
                  timeout=timeout + 15)
    return proc.stdout.strip()


def tcp_connect(from_ns: str, src_ip: Optional[str], dst_ip: str, port: int, timeout: float = 2.0) -> bool:
    """True when a TCP connection from ``src_ip`` (in ``from_ns``) to ``dst_ip:port`` succeeds."""
    return tcp_probe(from_ns, src_ip, dst_ip, port, timeout) == "open"


_DB_SERVER = textwrap.dedent("""
    import socket, sys, threading
    host = sys.argv[1]
    def serve(port):
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        try:
            s.bind((host, port))
        except OSError:          # IPv6 disabled in the namespace: IPv4 only
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("0.0.0.0", port))
        s.listen(64)
        while True:
            c, _ = s.accept()
            try:
                c.sendall(b"egressip-db\\n")
            except OSError:
                pass
            c.close()
    ports = [int(p) for p in sys.argv[2:]]
    for p in ports[1:]:
        threading.Thread(target=serve, args=(p,), daemon=True).start()
    serve(ports[0])
""")


def _sshd_config(host_dir: str, listen: str, authorized_keys: str) -> str:
    return textwrap.dedent("""\
        Port 22
        ListenAddress {listen}
        HostKey {d}/ssh_host_ed25519_key
        PidFile {d}/sshd.pid
        AuthorizedKeysFile {ak}
        PermitRootLogin prohibit-password
        PubkeyAuthentication yes
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        UsePAM no
        StrictModes no
        UseDNS no
        PrintMotd no
        MaxStartups 100:30:200
        MaxSessions 50
        Subsystem sftp /usr/lib/openssh/sftp-server
        """).format(listen=listen, d=host_dir, ak=authorized_keys)


def _wait_port(ns: str, ip: str, port: int, deadline: float) -> None:
    while time.time() < deadline:
        if tcp_probe(ns, None, ip, port, timeout=1.0) == "open":
            return
        time.sleep(0.1)
    raise NetnsError("%s:%d did not come up (probed from %s)" % (ip, port, ns))


def _spawn(ns: str, argv: Sequence[str], log: str) -> int:
    with open(log, "ab") as fh:
        proc = subprocess.Popen(["ip", "netns", "exec", ns] + list(argv), stdin=subprocess.DEVNULL,
                                stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    return proc.pid


class Topology(dict):
    """The JSON description of a running topology (a dict) with helpers."""

    @property
    def prefix(self) -> str:
        return self["prefix"]

    def ns(self, host: str) -> str:
        return self["hosts"][host]["ns"]

    def ip(self, host: str) -> str:
        return self["hosts"][host]["ip"]

    @property
    def ctl(self) -> str:
        return self["hosts"]["controller"]["ns"]

    @property
    def inventory(self) -> str:
        return self["inventory"]

    @property
    def tmpdir(self) -> str:
        return self["tmpdir"]

    def run_in(self, host: str, cmd, check: bool = True, timeout: float = 30):
        return run_in(self.ns(host), cmd, check=check, timeout=timeout)

    def ssh_argv(self, host: str, *cmd: str) -> List[str]:
        """argv (to run inside the controller namespace) that ssh-es to ``host`` and runs ``cmd``."""
        return ["ssh", "-i", self["ssh_key"], "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
                "-o", "LogLevel=ERROR", "root@%s" % self.ip(host)] + list(cmd)

    def ssh(self, host: str, *cmd: str, check: bool = True, timeout: float = 30):
        return run_in(self.ctl, self.ssh_argv(host, *cmd), check=check, timeout=timeout)


def _state_write(path: Optional[str], topo: dict) -> None:
    if not path:
        return
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(topo, fh, indent=2, sort_keys=True)
    os.replace(tmp, path)


def up(prefix: Optional[str] = None, state: Optional[str] = None, squatter: bool = True,
       db_ports: Iterable[int] = DB_PORTS, tmp_root: Optional[str] = None, ipv6: bool = False,
       secondary: bool = False) -> Topology:
    """Build the topology; on any failure everything created so far is removed.

    The description is returned and, when ``state`` is given, written there as
    JSON *as soon as the first namespace exists* so that ``down(state)`` can
    always clean up, even after a crash.
    """
    reason = netns_available()
    if reason:
        raise NetnsError(reason)
    prefix = prefix or default_prefix()
    if len(prefix) > 10 or not prefix.replace("-", "").isalnum():
        raise NetnsError("prefix %r: use up to 10 letters/digits" % prefix)
    existing = _run(["ip", "netns", "list"]).stdout
    for line in existing.splitlines():
        if line.split(" ")[0].startswith(prefix + "-"):
            raise NetnsError("namespace %s already exists: run down first or use another prefix"
                             % line.split(" ")[0])
    tmpdir = tempfile.mkdtemp(prefix="egressip-netns-%s-" % prefix, dir=tmp_root)
    os.chmod(tmpdir, 0o755)
    topo = Topology(prefix=prefix, tmpdir=tmpdir, namespaces=[], pids={}, hosts={},
                    lan_cidr=LAN_CIDR, db_cidr=DB_CIDR, gateway=GATEWAY, db_ports=list(db_ports),
                    ssh_key=os.path.join(tmpdir, "id_ed25519"),
                    inventory=os.path.join(tmpdir, "inventory.yml"),
                    state_file=os.path.abspath(state) if state else None, owner_pid=os.getpid(),
                    venv_bin=VENV_BIN, repo_root=REPO_ROOT, ipv6=ipv6,
                    secondary_cidr=SECONDARY_CIDR if secondary else None)
    try:
        _build(topo, squatter)
    except BaseException:
        try:
            down(topo)
        finally:
            if state and os.path.exists(state):
                os.unlink(state)
        raise
    _state_write(state, topo)
    return topo


def _build(topo: Topology, squatter: bool) -> None:
    prefix, tmpdir, state = topo["prefix"], topo["tmpdir"], topo["state_file"]
    lan = ns_name(prefix, "lan")

    def new_ns(name: str) -> None:
        _run(["ip", "netns", "add", name])
        topo["namespaces"].append(name)
        _state_write(state, topo)
        _run(["ip", "-n", name, "link", "set", "lo", "up"])

    new_ns(lan)
    _run(["ip", "-n", lan, "link", "add", "br0", "type", "bridge"])
    _run(["ip", "-n", lan, "link", "set", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0"])
    _run(["ip", "-n", lan, "link", "set", "br0", "up"])

    for name, spec in HOSTS.items():
        if name == "squatter" and not squatter:
            continue
        ns = ns_name(prefix, spec["suffix"])
        new_ns(ns)
        host = {"ns": ns, "ip": spec["ip"], "iface": spec["iface"], "ssh": spec["ssh"]}
        topo["hosts"][name] = host
        if name == "database":
            continue  # linked to the router below
        port = "p-" + spec["suffix"]
        _run(["ip", "-n", lan, "link", "add", port, "type", "veth", "peer", "name", spec["iface"],
              "netns", ns])
        _run(["ip", "-n", lan, "link", "set", port, "master", "br0", "up"])
        _run(["ip", "-n", ns, "addr", "add", spec["ip"] + "/24", "dev", spec["iface"]])
        _run(["ip", "-n", ns, "link", "set", spec["iface"], "up"])
        if name != "router":
            _run(["ip", "-n", ns, "route", "add", "default", "via", GATEWAY])
        host["gateway"] = GATEWAY
        host["cidr"] = LAN_CIDR

    rtr, db = topo["hosts"]["router"]["ns"], topo["hosts"]["database"]["ns"]
    topo["hosts"]["router"]["gateway"] = None
    topo["hosts"]["router"]["db_ip"] = ROUTER_DB_IP
    topo["hosts"]["router"]["db_iface"] = ROUTER_DB_IFACE
    _run(["ip", "-n", rtr, "link", "add", ROUTER_DB_IFACE, "type", "veth", "peer", "name", "eth0", "netns", db])
    _run(["ip", "-n", rtr, "addr", "add", ROUTER_DB_IP + "/24", "dev", ROUTER_DB_IFACE])
    _run(["ip", "-n", rtr, "link", "set", ROUTER_DB_IFACE, "up"])
    _run(["ip", "-n", db, "addr", "add", HOSTS["database"]["ip"] + "/24", "dev", "eth0"])
    _run(["ip", "-n", db, "link", "set", "eth0", "up"])
    _run(["ip", "-n", db, "route", "add", "default", "via", ROUTER_DB_IP])
    topo["hosts"]["database"].update(gateway=ROUTER_DB_IP, cidr=DB_CIDR)
    run_in(rtr, ["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])
    if topo.get("secondary_cidr"):
        _build_secondary(topo, new_ns)
    if topo.get("ipv6"):
        _build_ipv6(topo)
    else:
        # No RA/DAD noise: the tests are IPv4 only.
        for ns in topo["namespaces"]:
            run_in(ns, ["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"], check=False)

    # ssh: one throwaway client key, a host key and an sshd per ssh host.
    _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "egressip-netns", "-f", topo["ssh_key"]])
    ak = os.path.join(tmpdir, "authorized_keys")
    shutil.copyfile(topo["ssh_key"] + ".pub", ak)
    os.makedirs("/run/sshd", exist_ok=True)
    waits = []
    for name, host in topo["hosts"].items():
        scratch = os.path.join(tmpdir, "hosts", name)
        os.makedirs(scratch, exist_ok=True)
        host["scratch_dir"] = scratch
        if not host["ssh"]:
            continue
        hdir = os.path.join(tmpdir, "sshd", name)
        os.makedirs(hdir, exist_ok=True)
        _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(hdir, "ssh_host_ed25519_key")])
        cfg = os.path.join(hdir, "sshd_config")
        with open(cfg, "w") as fh:
            fh.write(_sshd_config(hdir, host["ip"], ak))
        _run(["/usr/sbin/sshd", "-t", "-f", cfg])
        pid = _spawn(host["ns"], ["/usr/sbin/sshd", "-D", "-e", "-f", cfg], os.path.join(hdir, "sshd.log"))
        topo["pids"]["sshd-" + name] = pid
        _state_write(state, topo)
        waits.append((host["ip"], 22))

    dbh = topo["hosts"]["database"]
    pid = _spawn(dbh["ns"], [sys.executable, "-c", _DB_SERVER, "::"] + [str(p) for p in topo["db_ports"]],
                 os.path.join(tmpdir, "db-server.log"))
    topo["pids"]["db-server"] = pid
    _state_write(state, topo)

    deadline = time.time() + 20
    ctl = topo["hosts"]["controller"]["ns"]
    for ip, port in waits:
        _wait_port(ctl, ip, port, deadline)
    for port in topo["db_ports"]:
        _wait_port(ctl, dbh["ip"], port, deadline)
    if dbh.get("ip6"):   # IPv6 through the router: neighbour discovery on two links, slow on a loaded machine
        _wait_port(ctl, dbh["ip6"], topo["db_ports"][0], deadline)
    write_inventory(topo)


def _build_secondary(topo: Topology, new_ns) -> None:
    """A second LAN for a secondary host network on the workers (203.0.113.128/25)."""
    lan2 = ns_name(topo["prefix"], "lan2")
    new_ns(lan2)
    _run(["ip", "-n", lan2, "link", "add", "br1", "type", "bridge"])
    _run(["ip", "-n", lan2, "link", "set", "br1", "type", "bridge", "stp_state", "0", "forward_delay", "0"])
    _run(["ip", "-n", lan2, "link", "set", "br1", "up"])
    plen = SECONDARY_CIDR.split("/")[1]
    members = [(w, SECONDARY_IFACE, "203.0.113." + topo["hosts"][w]["ip"].rsplit(".", 1)[1])
               for w in ("worker01", "worker02")] + [("router", "lan1", SECONDARY_ROUTER_IP)]
    for name, iface, ip in members:
        host = topo["hosts"][name]
        port = "s-" + HOSTS[name]["suffix"]
        _run(["ip", "-n", lan2, "link", "add", port, "type", "veth", "peer", "name", iface, "netns", host["ns"]])
        _run(["ip", "-n", lan2, "link", "set", port, "master", "br1", "up"])
        _run(["ip", "-n", host["ns"], "addr", "add", "%s/%s" % (ip, plen), "dev", iface])
        _run(["ip", "-n", host["ns"], "link", "set", iface, "up"])
        host["secondary_ip"], host["secondary_iface"] = ip, iface
    # the database's /24 covers the /25: send replies for it back through the router
    _run(["ip", "-n", topo["hosts"]["database"]["ns"], "route", "add", SECONDARY_CIDR, "via", ROUTER_DB_IP])


def _build_ipv6(topo: Topology) -> None:
    """Dual-stack LAN and database link on 2001:db8::/32 (no DAD, no router advertisements)."""
    for ns in topo["namespaces"]:
        for key in ("accept_ra=0", "accept_dad=0", "autoconf=0"):
            for scope in ("all", "default"):
                run_in(ns, ["sysctl", "-q", "-w", "net.ipv6.conf.%s.%s" % (scope, key)], check=False)
    for name, host in topo["hosts"].items():
        if name == "database":
            ip6, gw6 = DB6_PREFIX + "10", DB6_PREFIX + "1"
        else:
            ip6, gw6 = ip6_of(host["ip"]), None if name == "router" else GATEWAY6
        _run(["ip", "-n", host["ns"], "-6", "addr", "add", ip6 + "/64", "dev", host["iface"], "nodad"])
        if gw6:
            _run(["ip", "-n", host["ns"], "-6", "route", "add", "default", "via", gw6])
        host["ip6"] = ip6
    rtr = topo["hosts"]["router"]["ns"]
    _run(["ip", "-n", rtr, "-6", "addr", "add", DB6_PREFIX + "1/64", "dev", ROUTER_DB_IFACE, "nodad"])
    run_in(rtr, ["sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1"])
    topo["lan6_cidr"], topo["db6_cidr"] = LAN6_PREFIX + "/64", DB6_PREFIX + "/64"


def write_inventory(topo: dict, path: Optional[str] = None, extra_host_vars: Optional[Dict[str, dict]] = None) -> str:
    """Write an Ansible YAML inventory (JSON is valid YAML) for the ssh hosts.

    Groups: ``nodes`` (worker01, worker02), ``firewalls`` (router, database).
    Every host gets ``netns_scratch_dir``: a per-host directory under the
    topology's temp dir (the namespaces share one file system, so roles that
    keep state files on the host must be pointed at it in tests).
    """
    path = path or topo["inventory"]
    cp_dir = os.path.join(topo["tmpdir"], "cp")
    os.makedirs(cp_dir, exist_ok=True)
    hosts = {}
    for name, h in topo["hosts"].items():
        if not h.get("ssh"):
            continue
        hv = {
            "ansible_host": h["ip"],
            "ansible_user": "root",
            "ansible_ssh_private_key_file": topo["ssh_key"],
            "ansible_python_interpreter": "/usr/bin/python3",
            "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
            # namespaces share the file system and hostnames: keep ssh control
            # sockets per topology so parallel runs never share a master.
            "ansible_control_path_dir": cp_dir,
            "ansible_pipelining": True,
            "netns_name": h["ns"],
            "netns_scratch_dir": h["scratch_dir"],
            "netns_interface": h["iface"],
        }
        hv.update((extra_host_vars or {}).get(name, {}))
        hosts[name] = hv
    inv = {"all": {
        "vars": {"netns_prefix": topo["prefix"], "netns_lan_cidr": topo["lan_cidr"],
                 "netns_db_cidr": topo["db_cidr"]},
        "hosts": hosts,
        "children": {
            "nodes": {"hosts": {n: {} for n in ("worker01", "worker02") if n in hosts}},
            "firewalls": {"hosts": {n: {} for n in ("router", "database") if n in hosts}},
        },
    }}
    with open(path, "w") as fh:
        json.dump(inv, fh, indent=2, sort_keys=True)
    return path


def _proc_cmdline(pid: int) -> str:
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _kill(pids: Iterable[int]) -> None:
    pids = [p for p in pids if p and p != os.getpid()]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = []
        for pid in pids:
            try:
                os.kill(pid, sig)
                alive.append(pid)
            except ProcessLookupError:
                pass
        if not alive:
            return
        deadline = time.time() + 3
        while time.time() < deadline:
            for pid in list(alive):
                try:
                    # reap our own children; harmless for others
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass
                if not os.path.exists("/proc/%d" % pid) or _proc_state(pid) == "Z":
                    alive.remove(pid)
            if not alive:
                return
            time.sleep(0.05)
        pids = alive


def _proc_state(pid: int) -> str:
    try:
        with open("/proc/%d/stat" % pid) as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def down(state) -> None:
    """Remove everything ``up`` created. Idempotent; ``state`` is a dict or a state-file path.

    Processes are stopped by PID: the ones recorded at start-up (only if their
    command line still matches) and any process still running inside one of
    this topology's namespaces (e.g. ssh control masters, a lab API server).
    """
    state_path = None
    if isinstance(state, str):
        state_path = state
        if not os.path.exists(state):
            return
        with open(state) as fh:
            topo = json.load(fh)
    else:
        topo = state
    namespaces = list(topo.get("namespaces", []))
    present = set(l.split(" ")[0] for l in _run(["ip", "netns", "list"], check=False).stdout.splitlines())
    pids = []
    for key, pid in (topo.get("pids") or {}).items():
        cmd = _proc_cmdline(pid)
        if ("sshd" in cmd and key.startswith("sshd")) or ("egressip-db" in cmd or "serve(" in cmd):
            pids.append(pid)
    for ns in namespaces:
        if ns in present:
            out = _run(["ip", "netns", "pids", ns], check=False).stdout.split()
            pids.extend(int(p) for p in out if p.isdigit())
    _kill(sorted(set(pids)))
    for ns in reversed(namespaces):
        if ns in present:
            _run(["ip", "netns", "del", ns], check=False)
    tmpdir = topo.get("tmpdir")
    if tmpdir and os.path.isdir(tmpdir) and os.path.basename(tmpdir).startswith("egressip-netns-"):
        shutil.rmtree(tmpdir, ignore_errors=True)
    for path in (state_path, topo.get("state_file")):
        if path and os.path.exists(path):
            os.unlink(path)


STATE_DIR = "/run/egressip-netns"


def state_path_for(prefix: str) -> str:
    """Default state file of a topology (used by the pytest fixtures and ``gc``)."""
    return os.path.join(STATE_DIR, prefix + ".json")


def gc(state_dir: str = STATE_DIR) -> List[str]:
    """Remove topologies whose owner process is gone (e.g. a pytest run that was killed).

    Only state files in ``state_dir`` are considered; returns the prefixes removed.
    """
    removed = []
    if not os.path.isdir(state_dir):
        return removed
    for name in sorted(os.listdir(state_dir)):
        path = os.path.join(state_dir, name)
        if not name.endswith(".json"):
            continue
        try:
            with open(path) as fh:
                topo = json.load(fh)
        except (OSError, ValueError):
            continue
        owner = topo.get("owner_pid")
        if owner and os.path.exists("/proc/%d" % owner) and _proc_state(owner) != "Z":
            continue
        down(path)
        removed.append(topo.get("prefix", name))
    return removed


def load(state_path: str) -> Topology:
    with open(state_path) as fh:
        return Topology(json.load(fh))
