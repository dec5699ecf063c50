"""--dataplane: put active egress IPs on the node's interface inside a network namespace, as
the SDN node does (openshift/sdn pkg/network/node/egressip.go assignEgressIP/releaseEgressIP:
netlink AddrAdd/AddrDel of IP/prefix-of-the-node-network on the node's primary link) and as the
OVN-Kubernetes node does for an egress IP of a secondary host network (the address goes on the
interface of that network, with its prefix); an egress IP of the OVN primary network lives in OVN
itself, and the lab puts it on the primary interface so that the namespace really sends from it.

After an add the new holder announces the address: IPv4 with one gratuitous ARP
(``arping -q -A -c 1 -I IFACE IP``, as the SDN node does and as OVN-Kubernetes does for the node
it moves an EgressIP to), IPv6 with one unsolicited Neighbour Advertisement (ndisc.py; the
address is added with ``nodad`` so it is usable at once, the controller having already made sure
no node holds it). Neighbours such as the router then drop the old holder's MAC at once after a
failover. The announcement runs in the background and is reaped later; the address is already
usable.

Mapping: ``NODE=NETNS:IFACE`` (the node's primary interface) and, for more interfaces of one
node, ``NODE=NETNS:IFACE@CIDR`` (that interface holds the egress IPs inside CIDR, e.g. the
secondary host network). The interface whose CIDR holds the IP (longest prefix) wins, else the
primary one; the prefix length is that CIDR's, else the node network's (``prefix_of``)."""
import ipaddress
import os
import shutil
import subprocess
import sys

NDISC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ndisc.py")


def parse(spec):
    """'worker01=NETNS:IFACE,worker01=NETNS:IFACE2@CIDR' -> {node: [(netns, iface, network|None)]}."""
    out = {}
    for part in filter(None, (spec or "").split(",")):
        node, target = (part.split("=", 1) + [""])[:2]
        target, _sep, cidr = target.partition("@")
        netns, iface = (target.split(":", 1) + [""])[:2]
        if not node or not netns or not iface:
            raise ValueError("--dataplane entries are NODE=NETNS:IFACE[@CIDR], got %r" % part)
        try:
            network = ipaddress.ip_network(cidr.strip(), strict=False) if cidr else None
        except ValueError:
            raise ValueError("--dataplane entry %r: %r is not a CIDR" % (part, cidr)) from None
        out.setdefault(node.strip(), []).append((netns.strip(), iface.strip(), network))
    return out


class Dataplane:
    def __init__(self, mapping, events, prefix_of):
        self.mapping = mapping          # node -> [(netns, iface, network or None)]
        self.events = events
        self.prefix_of = prefix_of      # (node, ip) -> prefix length of the node network holding ip
        self.current = {}               # ip -> (node, netns, iface, prefix) as configured by us
        self.announcing = []            # (Popen, cmd) of announcements still running

    def place(self, node, ip):
        """(netns, iface, prefix) for ip on node, or None when the node is not mapped."""
        entries = self.mapping.get(node) or []
        addr = ipaddress.ip_address(ip)
        fits = [e for e in entries if e[2] is not None and e[2].version == addr.version and addr in e[2]]
        if fits:
            netns, iface, net = max(fits, key=lambda e: e[2].prefixlen)
            return netns, iface, net.prefixlen
        primary = [e for e in entries if e[2] is None]
        if not primary:
            return None
        netns, iface, _addr = primary[0]
        return netns, iface, self.prefix_of(node, ip)

    def _run(self, action, ip, where):
        netns, iface, prefix = where
        v6 = ipaddress.ip_address(ip).version == 6
        cmd = ["ip", "netns", "exec", netns, "ip"] + (["-6"] if v6 else []) + [
            "addr", action, "%s/%d" % (ip, prefix), "dev", iface] + (["nodad"] if v6 and action == "add" else [])
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.events.log("E", "dataplane", "%s: %s" % (" ".join(cmd), exc))
            return
        if res.returncode != 0:
            self.events.log("E", "dataplane", "%s: exit %d: %s"
                            % (" ".join(cmd), res.returncode, res.stderr.strip()))
        else:
            self.events.log("I", "dataplane", " ".join(cmd))
            if action == "add":
                self._announce(netns, iface, ip, v6)

    def _announce(self, netns, iface, ip, v6):
        self._reap()
        if v6:
            cmd = ["ip", "netns", "exec", netns, sys.executable, NDISC, iface, ip]
        else:
            arping = shutil.which("arping")
            if not arping:
                self.events.log("E", "dataplane", "arping not found: no gratuitous ARP for %s" % ip)
                return
            cmd = ["ip", "netns", "exec", netns, arping, "-q", "-A", "-c", "1", "-I", iface, ip]
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
        except OSError as exc:
            self.events.log("E", "dataplane", "%s: %s" % (" ".join(cmd), exc))
            return
        self.announcing.append((proc, cmd))
        self.events.log("I", "dataplane", " ".join(cmd))

    def _reap(self, wait=False):
        running = []
        for proc, cmd in self.announcing:
            if wait:
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if proc.poll() is None:
                running.append((proc, cmd))
                continue
            err = proc.stderr.read().decode(errors="replace").strip() if proc.stderr else ""
            if proc.stderr:
                proc.stderr.close()
            if proc.returncode != 0:
                self.events.log("E", "dataplane", "%s: exit %d: %s" % (" ".join(cmd), proc.returncode, err))
        self.announcing = running

    def sync(self, desired):
        """desired: ip -> node holding it now."""
        if not self.mapping:
            return
        wanted = {}
        for ip, node in desired.items():
            where = self.place(node, ip)
            if where is not None:
                wanted[ip] = (node,) + where
        for ip, held in sorted(self.current.items()):
            if wanted.get(ip) != held:
                self._run("del", ip, held[1:])
        for ip, held in sorted(wanted.items()):
            if self.current.get(ip) != held:
                self._run("add", ip, held[1:])
        self.current = wanted

    def clear(self):
        self.sync({})
        self._reap(wait=True)
