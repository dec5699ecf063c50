# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The read-only node probe: runs ON the node, never on the controller.

It is shipped to the node as source text, not imported there:
  - ssh path (role egressip_node_check): ``python3 -c <this file> <json arguments>``;
  - API path (module egressip_node_probe): the same argv as the command of a pod pinned to the
    node with host networking (module_utils/node/pod.py).
Arguments arrive as one JSON argv element (never through a shell); every IP is parsed again with
``ipaddress``. Stdlib only, so that any Python 3 on the node or in the probe image runs it.

It reads ``ip -j addr`` / ``ip -j route``, finds the primary interface and its networks (IPv4
and IPv6), and checks the egress IPs. Duplicate-address detection:
  - IPv4: ``arping -D -I IFACE -c N -w T IP`` (iputils: exit 1 when the address answers);
  - IPv6: one ``ping -6 -c 1 -w T -I IFACE IP`` so that the kernel sends a Neighbour
    Solicitation, then ``ip -j -6 neigh show IP dev IFACE``: an entry with a link-layer address
    (REACHABLE/STALE/DELAY/PROBE) means another host answered the solicitation (the ICMP echo
    itself may be filtered: the answer to the solicitation is what counts); FAILED/INCOMPLETE or
    no entry means free.
With ``"secondary": true`` (OVN-Kubernetes on bare metal) an egress IP may also belong to a
secondary host network: the network of any other interface of the node (OVN-Kubernetes reads
them from ``k8s.ovn.org/host-cidrs`` and assigns such an address to that interface,
ovn-kubernetes 6c366bb go-controller/pkg/util/net.go GetSecondaryHostNetworkContainingIP and
clustermanager/egressip_controller.go 1245-1276: the longest prefix wins). The check then
names that interface and runs the duplicate-address detection there.
Prints one JSON document: the interface facts and a list of findings.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ipaddress
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

MAC = re.compile(r"([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})")
ANSWERED = ("REACHABLE", "STALE", "DELAY", "PROBE", "PERMANENT", "NOARP")
# Duplicate-address checks run in parallel (arping -D waits up to its -w deadline for an answer,
# so one at a time cost N x T): at most MAX_PARALLEL_DAD at once, each killed KILL_GRACE s after
# its own deadline, so N addresses take about ceil(N / MAX_PARALLEL_DAD) x T overall.
MAX_PARALLEL_DAD = 64
KILL_GRACE = 2


def _other_networks(by_dev, primary_iface, egress=()):
    """[(network, interface, own address)] of every interface but the primary one and loopback:
    the node's secondary host networks. The own address is the interface's first address of that
    network that the kernel does not flag secondary (an egress IP added there later is)."""
    out = []
    for dev, addrs in sorted(by_dev.items()):
        if dev == primary_iface:
            continue
        for a in addrs:
            if a.get("scope") == "host" or a.get("deprecated"):
                continue
            net = ipaddress.ip_interface("%s/%s" % (a["local"], a["prefixlen"])).network
            if any(n == net and d == dev for n, d, _own in out):
                continue
            own = [b for b in addrs if not b.get("secondary") and b.get("family") == a.get("family")
                   and ipaddress.ip_address(b["local"]) in net
                   and str(ipaddress.ip_address(b["local"])) not in egress] or [a]
            out.append((net, dev, str(ipaddress.ip_address(own[0]["local"]))))
    return out


def ip_json(*argv):
    out = subprocess.check_output(("ip", "-j") + argv).decode()
    return json.loads(out or "[]")


class Probe(object):
    def __init__(self, args):
        self.args = args
        self.node = args["node"]
        self.out = {"node": self.node, "mode": args["mode"], "interface": None, "node_ip": None,
                    "network": None, "gateway": None, "gateways": [], "checked": {}, "findings": []}
        self.iface = None
        self.nets = {}          # family (4/6) -> ipaddress network of the primary interface
        self.primary = {}       # family (4/6) -> the node's own address there
        self.other_nets = []    # (network, interface, own address) of the other interfaces ("secondary")
        # the egress IPs this run knows of (checked or held): never taken for a node address
        self.egress = set(str(ipaddress.ip_address(ip)) for ip in list(args.get("ips") or [])
                          + list((args.get("holders") or {}).keys()))

    # -- interface discovery -----------------------------------------------------------
    def discover(self):
        by_dev = {}
        for link in ip_json("addr", "show"):
            for a in link.get("addr_info", []):
                if a.get("family") == "inet" or (a.get("family") == "inet6" and a.get("scope") == "global"):
                    by_dev.setdefault(link["ifname"], []).append(a)
        self.all_local = dict((str(ipaddress.ip_address(a["local"])), dev)
                              for dev, addrs in by_dev.items() for a in addrs)
        iface, how = self.args.get("interface") or "", "variable"
        default_routes = dict((family, [r for r in ip_json(family, "route", "show", "default")
                                        if r.get("dev") in by_dev]) for family in ("-4", "-6"))
        if not iface:
            for family in ("-4", "-6"):
                if default_routes[family]:
                    iface, how = default_routes[family][0]["dev"], "default route"
                    break
        if not iface and self.args.get("host") in self.all_local:
            iface, how = self.all_local[self.args["host"]], "ansible_host"
        if not iface or iface not in by_dev:
            self.out["findings"].append({
                "ip": None, "kind": "no_interface",
                "msg": "node %s: no primary interface found (interface %r, no default route, ansible_host %r is "
                       "not a local address)" % (self.node, iface, self.args.get("host"))})
            return False
        self.iface = iface
        addrs = by_dev[iface]
        self.on_iface = [str(ipaddress.ip_address(a["local"])) for a in addrs]
        for family, name in ((4, "inet"), (6, "inet6")):
            fam = [a for a in addrs if a.get("family") == name]
            if not fam:
                continue
            # an egress IP on the interface is not the node's own address: the kernel flags a second
            # IPv4 address of a network "secondary", but lists IPv6 ones newest first, unflagged
            own = [a for a in fam if str(ipaddress.ip_address(a["local"])) not in self.egress] or fam
            primary = ([a for a in own if a["local"] == self.args.get("host")]
                       or [a for a in own if not a.get("secondary") and not a.get("deprecated")] or own)[0]
            iface_addr = ipaddress.ip_interface("%s/%s" % (primary["local"], primary["prefixlen"]))
            self.nets[family] = iface_addr.network
            self.primary[family] = str(iface_addr.ip)
            if family == 4 or self.out["node_ip"] is None:
                self.out.update(node_ip=str(iface_addr.ip), network=str(iface_addr.network))
        self.out.update(interface=iface, detected_by=how, local_ips=self.on_iface,
                        networks=[str(self.nets[f]) for f in sorted(self.nets)])
        if self.args.get("secondary"):
            self.other_nets = _other_networks(by_dev, iface, self.egress)
            self.out["secondary_networks"] = dict(
                (dev, sorted(set(str(n) for n, d, _own in self.other_nets if d == dev)))
                for dev in sorted(set(d for _n, d, _own in self.other_nets)))
        # the gateways of the primary networks (the default routes' next hops there): the role
        # passes them to the modules, which never hand them out as egress IPs
        for family, version in (("-4", 4), ("-6", 6)):
            for r in default_routes[family]:
                gw = r.get("gateway")
                if r.get("dev") == iface and gw and version in self.nets \
                        and ipaddress.ip_address(gw) in self.nets[version]:
                    self.out["gateways"].append(str(ipaddress.ip_address(gw)))
                    if version == 4 and self.out["gateway"] is None:
                        self.out["gateway"] = str(ipaddress.ip_address(gw))
                    break
        return True

    def finding(self, ip, kind, msg, net=None, iface=None, **extra):
        self.out["findings"].append(dict(extra, ip=ip, kind=kind, node=self.node, interface=iface or self.iface,
                                         network=str(net) if net is not None else self.out["network"], msg=msg))

    def place(self, addr):
        """-> (interface, network, the node's own address there) of the network holding addr: the
        primary network; with "secondary", the longest prefix over every interface (the primary
        interface wins a tie); None when no network holds it."""
        net = self.nets.get(addr.version)
        found = [(net.prefixlen, 1, self.iface, net, self.primary[addr.version])] if net is not None and addr in net \
            else []
        found += [(n.prefixlen, 0, dev, n, own) for n, dev, own in self.other_nets if n.version == addr.version
                  and addr in n]
        if not found:
            return None
        _len, _prim, dev, net, own = max(found, key=lambda f: (f[0], f[1]))
        return dev, net, own

    # -- duplicate-address detection -------------------------------------------------------
    def dad4(self, ip, iface):
        argv = [self.args["arping_path"], "-D", "-I", iface, "-c", str(self.args["arping_count"]),
                "-w", str(self.args["arping_timeout"]), ip]
        rc, text = self._run(argv)
        mac = MAC.search(text) if rc == 1 else None
        return rc, argv, text, mac.group(1) if mac else None

    def dad6(self, ip, iface):
        argv = ["ping", "-6", "-n", "-c", "1", "-w", str(self.args["arping_timeout"]), "-I", iface, ip]
        rc, text = self._run(argv)
        entries = ip_json("-6", "neigh", "show", ip, "dev", iface)
        states = [s for e in entries for s in e.get("state", [])]
        mac = next((e.get("lladdr") for e in entries if e.get("lladdr")), None)
        if mac and any(s in ANSWERED for s in states):
            return 1, argv, text, mac
        # ping's exit 1 = no reply (free); 2 = error (bad interface, ...); None = killed
        return (rc if rc in (2, None) else 0), argv, text, None

    def _run(self, argv):
        """(exit code, output) of argv; exit code None when it had to be killed after its deadline."""
        limit = self.args["arping_timeout"] + KILL_GRACE
        try:
            proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False, timeout=limit)
        except subprocess.TimeoutExpired as exc:
            return None, (exc.output or b"").decode(errors="replace") + " (killed: no exit within %d s)" % limit
        return proc.returncode, proc.stdout.decode(errors="replace")

    # -- the checks ----------------------------------------------------------------------
    def preflight(self):
        holders = self.args.get("holders") or {}
        jobs = []
        for raw in self.args.get("ips") or []:
            addr = ipaddress.ip_address(raw)
            ip = str(addr)
            where = self.place(addr)
            iface, net, own = where or (self.iface, self.nets.get(addr.version), None)
            info = {"in_network": where is not None, "is_node_ip": ip == own, "interface": iface,
                    "secondary": iface != self.iface, "held_locally": ip in self.local_of(iface),
                    "holder": holders.get(ip) or None, "arping": None}
            self.out["checked"][ip] = info
            if where is None:
                finding_net = net if net is not None else "(no IPv%d address)" % addr.version
                self.finding(ip, "not_in_network", 'egress IP "%s" is not in local network %s of interface %s%s on '
                             "node %s" % (ip, finding_net, self.iface, self.secondary_text(addr), self.node),
                             net=finding_net)
                continue
            if addr.version == 4 and net.prefixlen < 31 and addr in (net.network_address, net.broadcast_address):
                self.finding(ip, "reserved", 'egress IP "%s" is the network or broadcast address of local network '
                             "%s of interface %s on node %s" % (ip, net, iface, self.node), net=net, iface=iface)
                continue
            if info["is_node_ip"]:
                self.finding(ip, "node_ip", 'egress IP "%s" is the node IP of node %s (interface %s)'
                             % (ip, self.node, iface), net=net, iface=iface)
                continue
            if ip in self.all_local and not info["held_locally"]:
                self.finding(ip, "other_interface", 'egress IP "%s" is already configured on interface %s of node '
                             "%s, not on interface %s of its network %s"
                             % (ip, self.all_local[ip], self.node, iface, net), net=net, iface=iface)
                continue
            if info["held_locally"]:
                continue  # this node already holds it: it answers ARP/ND itself
            if info["holder"] and info["holder"] != self.node:
                continue  # the cluster says another node holds it: an answer is expected
            if not self.args.get("arping"):
                continue
            jobs.append((ip, addr, net, iface, info))
        # every candidate of this node at once (bounded), findings in the order the addresses came
        with ThreadPoolExecutor(max_workers=max(1, min(MAX_PARALLEL_DAD, len(jobs)))) as pool:
            answers = list(pool.map(lambda job: (self.dad4 if job[1].version == 4 else self.dad6)(job[0], job[3]),
                                    jobs))
        for (ip, addr, net, iface, info), (rc, argv, text, mac) in zip(jobs, answers):
            info["arping"] = {"rc": rc, "argv": argv}
            if rc == 1:
                self.finding(ip, "in_use", 'egress IP "%s" is already in use on local network %s: it answers %s%s '
                             "on interface %s of node %s" % (ip, net, "ARP" if addr.version == 4 else
                                                             "neighbour discovery",
                                                             " from %s" % mac if mac else "", iface, self.node),
                             net=net, mac=mac, iface=iface)
            elif rc != 0:
                self.finding(ip, "arping_error", 'egress IP "%s": %s failed on interface %s of node %s (rc %s): %s'
                             % (ip, argv[0], iface, self.node, rc, text.strip()[-300:]), net=net, iface=iface)

    def local_of(self, iface):
        return [ip for ip, dev in self.all_local.items() if dev == iface]

    def secondary_text(self, addr):
        """The secondary networks a not_in_network finding also looked at (secondary mode)."""
        if not self.args.get("secondary"):
            return ""
        nets = ["%s (%s)" % (n, dev) for n, dev, _own in self.other_nets if n.version == addr.version]
        return " nor in a secondary host network: %s" % (", ".join(nets) or "none of this family")

    def verify(self):
        holders = self.args.get("holders") or {}
        for raw, holder in sorted(holders.items()):
            addr = ipaddress.ip_address(raw)
            ip = str(addr)
            present = ip in self.all_local
            expected = (self.place(addr) or (self.iface,))[0]
            self.out["checked"][ip] = {"holder": holder or None, "present": present, "on": self.all_local.get(ip),
                                       "interface": expected}
            if holder == self.node and not present:
                self.finding(ip, "missing", 'egress IP "%s" is assigned to node %s by the cluster but is not present '
                             "on interface %s of %s" % (ip, self.node, expected, self.node), iface=expected)
            elif holder == self.node and self.all_local[ip] != expected:
                self.finding(ip, "wrong_interface", 'egress IP "%s" is on interface %s of node %s, expected %s %s'
                             % (ip, self.all_local[ip], self.node,
                                "its primary interface" if expected == self.iface else "the interface of its network",
                                expected), iface=expected)
            elif holder != self.node and present:
                self.finding(ip, "unexpected", 'egress IP "%s" is present on interface %s of node %s but the cluster %s'
                             % (ip, self.all_local[ip], self.node,
                                "assigns it to node %s" % holder if holder else "does not assign it to any node"),
                             iface=self.all_local[ip])

    def run(self):
        if self.discover():
            if self.args["mode"] == "preflight":
                self.preflight()
            else:
                self.verify()
        return self.out


def main(argv=None):
    argv = sys.argv if argv is None else argv
    sys.stdout.write(json.dumps(Probe(json.loads(argv[1])).run(), sort_keys=True) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
