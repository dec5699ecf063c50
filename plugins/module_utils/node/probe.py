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
            primary = ([a for a in fam if a["local"] == self.args.get("host")]
                       or [a for a in fam if not a.get("secondary") and not a.get("deprecated")] or fam)[0]
            iface_addr = ipaddress.ip_interface("%s/%s" % (primary["local"], primary["prefixlen"]))
            self.nets[family] = iface_addr.network
            self.primary[family] = str(iface_addr.ip)
            if family == 4 or self.out["node_ip"] is None:
                self.out.update(node_ip=str(iface_addr.ip), network=str(iface_addr.network))
        self.out.update(interface=iface, detected_by=how, local_ips=self.on_iface,
                        networks=[str(self.nets[f]) for f in sorted(self.nets)])
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

    def finding(self, ip, kind, msg, net=None, **extra):
        self.out["findings"].append(dict(extra, ip=ip, kind=kind, node=self.node, interface=self.iface,
                                         network=str(net) if net is not None else self.out["network"], msg=msg))

    # -- duplicate-address detection -------------------------------------------------------
    def dad4(self, ip):
        argv = [self.args["arping_path"], "-D", "-I", self.iface, "-c", str(self.args["arping_count"]),
                "-w", str(self.args["arping_timeout"]), ip]
        rc, text = self._run(argv)
        mac = MAC.search(text) if rc == 1 else None
        return rc, argv, text, mac.group(1) if mac else None

    def dad6(self, ip):
        argv = ["ping", "-6", "-n", "-c", "1", "-w", str(self.args["arping_timeout"]), "-I", self.iface, ip]
        rc, text = self._run(argv)
        entries = ip_json("-6", "neigh", "show", ip, "dev", self.iface)
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
            net = self.nets.get(addr.version)
            info = {"in_network": net is not None and addr in net, "is_node_ip": ip == self.primary.get(addr.version),
                    "held_locally": ip in self.on_iface, "holder": holders.get(ip) or None, "arping": None}
            self.out["checked"][ip] = info
            if not info["in_network"]:
                finding_net = net if net is not None else "(no IPv%d address)" % addr.version
                self.finding(ip, "not_in_network", 'egress IP "%s" is not in local network %s of interface %s on '
                             "node %s" % (ip, finding_net, self.iface, self.node), net=finding_net)
                continue
            if addr.version == 4 and net.prefixlen < 31 and addr in (net.network_address, net.broadcast_address):
                self.finding(ip, "reserved", 'egress IP "%s" is the network or broadcast address of local network '
                             "%s of interface %s on node %s" % (ip, net, self.iface, self.node), net=net)
                continue
            if info["is_node_ip"]:
                self.finding(ip, "node_ip", 'egress IP "%s" is the node IP of node %s (interface %s)'
                             % (ip, self.node, self.iface), net=net)
                continue
            if ip in self.all_local and not info["held_locally"]:
                self.finding(ip, "other_interface", 'egress IP "%s" is already configured on interface %s of node '
                             "%s, not on its primary interface %s" % (ip, self.all_local[ip], self.node, self.iface),
                             net=net)
                continue
            if info["held_locally"]:
                continue  # this node already holds it: it answers ARP/ND itself
            if info["holder"] and info["holder"] != self.node:
                continue  # the cluster says another node holds it: an answer is expected
            if not self.args.get("arping"):
                continue
            jobs.append((ip, addr, net, info))
        # every candidate of this node at once (bounded), findings in the order the addresses came
        with ThreadPoolExecutor(max_workers=max(1, min(MAX_PARALLEL_DAD, len(jobs)))) as pool:
            answers = list(pool.map(lambda job: (self.dad4 if job[1].version == 4 else self.dad6)(job[0]), jobs))
        for (ip, addr, net, info), (rc, argv, text, mac) in zip(jobs, answers):
            info["arping"] = {"rc": rc, "argv": argv}
            if rc == 1:
                self.finding(ip, "in_use", 'egress IP "%s" is already in use on local network %s: it answers %s%s '
                             "on interface %s of node %s" % (ip, net, "ARP" if addr.version == 4 else
                                                             "neighbour discovery",
                                                             " from %s" % mac if mac else "", self.iface, self.node),
                             net=net, mac=mac)
            elif rc != 0:
                self.finding(ip, "arping_error", 'egress IP "%s": %s failed on interface %s of node %s (rc %s): %s'
                             % (ip, argv[0], self.iface, self.node, rc, text.strip()[-300:]), net=net)

    def verify(self):
        holders = self.args.get("holders") or {}
        for raw, holder in sorted(holders.items()):
            ip = str(ipaddress.ip_address(raw))
            present = ip in self.all_local
            self.out["checked"][ip] = {"holder": holder or None, "present": present, "on": self.all_local.get(ip)}
            if holder == self.node and not present:
                self.finding(ip, "missing", 'egress IP "%s" is assigned to node %s by the cluster but is not present '
                             "on interface %s of %s" % (ip, self.node, self.iface, self.node))
            elif holder == self.node and self.all_local[ip] != self.iface:
                self.finding(ip, "wrong_interface", 'egress IP "%s" is on interface %s of node %s, expected its '
                             "primary interface %s" % (ip, self.all_local[ip], self.node, self.iface))
            elif holder != self.node and present:
                self.finding(ip, "unexpected", 'egress IP "%s" is present on interface %s of node %s but the cluster %s'
                             % (ip, self.all_local[ip], self.node,
                                "assigns it to node %s" % holder if holder else "does not assign it to any node"))

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
