# Read-only probe run on the node by the egressip_node_check role as
#   python3 -c <this file> <json arguments>
# (argv only, no shell). It reads `ip -j addr` / `ip -j route`, finds the primary
# interface and its network, and checks the egress IPs; duplicate-address detection
# runs `arping -D -I IFACE -c N -w T IP` (iputils: exit 1 when the address answers).
# Prints one JSON document: the interface facts and a list of findings.
import ipaddress
import json
import re
import subprocess
import sys

args = json.loads(sys.argv[1])
node = args["node"]
mode = args["mode"]


def ip_json(*argv):
    return json.loads(subprocess.check_output(("ip", "-j") + argv).decode() or "[]")


def emit(**kw):
    out.update(kw)
    print(json.dumps(out, sort_keys=True))
    sys.exit(0)


out = {"node": node, "mode": mode, "interface": None, "node_ip": None, "network": None, "gateway": None,
       "checked": {}, "findings": []}
by_dev = {}
for link in ip_json("-4", "addr", "show"):
    for a in link.get("addr_info", []):
        if a.get("family") == "inet":
            by_dev.setdefault(link["ifname"], []).append(a)
all_local = {a["local"]: dev for dev, addrs in by_dev.items() for a in addrs}
iface, how = args.get("interface") or "", "variable"
default_routes = ip_json("-4", "route", "show", "default")
if not iface:
    for r in default_routes:
        if r.get("dev") in by_dev:
            iface, how = r["dev"], "default route"
            break
if not iface and args.get("host") in all_local:
    iface, how = all_local[args["host"]], "ansible_host"
if not iface or iface not in by_dev:
    out["findings"].append({"ip": None, "kind": "no_interface",
                            "msg": "node %s: no primary IPv4 interface found (interface %r, no IPv4 default "
                                   "route, ansible_host %r is not a local address)"
                                   % (node, iface, args.get("host"))})
    emit()
addrs = by_dev[iface]
primary = ([a for a in addrs if a["local"] == args.get("host")]
           or [a for a in addrs if not a.get("secondary")] or addrs)[0]
net = ipaddress.ip_interface("%s/%s" % (primary["local"], primary["prefixlen"])).network
on_iface = [a["local"] for a in addrs]
out.update(interface=iface, detected_by=how, node_ip=primary["local"], network=str(net), local_ips=on_iface)
# the gateway of the primary network (the default route's next hop there): the role passes it
# to the modules, which never hand it out as an egress IP
for r in default_routes:
    if r.get("dev") == iface and r.get("gateway"):
        if ipaddress.ip_address(r["gateway"]) in net:
            out["gateway"] = r["gateway"]
        break


def finding(ip, kind, msg, **extra):
    out["findings"].append(dict(extra, ip=ip, kind=kind, node=node, interface=iface, network=str(net), msg=msg))


holders = args.get("holders") or {}
# Duplicate-address checks run in parallel (arping -D waits up to its -w deadline for an answer,
# so one at a time cost N x T): at most MAX_PARALLEL_ARPING at once, each killed KILL_GRACE s
# after its own deadline, so N addresses take about ceil(N / MAX_PARALLEL_ARPING) x T overall.
MAX_PARALLEL_ARPING = 64
KILL_GRACE = 2


def run_arpings(jobs):
    """jobs: [(ip, argv)] -> {ip: (rc, output)}; rc None when arping had to be killed."""
    import time
    results = {}
    for start in range(0, len(jobs), MAX_PARALLEL_ARPING):
        batch = [(ip, argv, subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
                 for ip, argv in jobs[start:start + MAX_PARALLEL_ARPING]]
        deadline = time.monotonic() + args["arping_timeout"] + KILL_GRACE
        for ip, argv, proc in batch:
            try:
                text, _err = proc.communicate(timeout=max(0.1, deadline - time.monotonic()))
                results[ip] = (proc.returncode, text.decode(errors="replace"))
            except subprocess.TimeoutExpired:
                proc.kill()
                text, _err = proc.communicate()
                results[ip] = (None, text.decode(errors="replace") + " (killed: no exit within %d s)"
                               % (args["arping_timeout"] + KILL_GRACE))
    return results


if mode == "preflight":
    arping_jobs = []
    for ip in args.get("ips") or []:
        addr = ipaddress.IPv4Address(ip)
        info = {"in_network": addr in net, "is_node_ip": ip == primary["local"], "held_locally": ip in on_iface,
                "holder": holders.get(ip) or None, "arping": None}
        out["checked"][ip] = info
        if not info["in_network"]:
            finding(ip, "not_in_network", 'egress IP "%s" is not in local network %s of interface %s on node %s'
                    % (ip, net, iface, node))
            continue
        if net.prefixlen < 31 and addr in (net.network_address, net.broadcast_address):
            finding(ip, "reserved", 'egress IP "%s" is the network or broadcast address of local network %s of '
                    "interface %s on node %s" % (ip, net, iface, node))
            continue
        if info["is_node_ip"]:
            finding(ip, "node_ip", 'egress IP "%s" is the node IP of node %s (interface %s)' % (ip, node, iface))
            continue
        if ip in all_local and not info["held_locally"]:
            finding(ip, "other_interface", 'egress IP "%s" is already configured on interface %s of node %s, not '
                    "on its primary interface %s" % (ip, all_local[ip], node, iface))
            continue
        if info["held_locally"]:
            continue  # this node already holds it: it answers ARP itself
        if info["holder"] and info["holder"] != node:
            continue  # the cluster says another node holds it: an answer is expected
        if not args.get("arping"):
            continue
        arping_jobs.append((ip, [args["arping_path"], "-D", "-I", iface, "-c", str(args["arping_count"]),
                                 "-w", str(args["arping_timeout"]), ip]))
    answers = run_arpings(arping_jobs) if arping_jobs else {}
    for ip, argv in arping_jobs:      # findings in the order the addresses were given
        rc, text = answers[ip]
        out["checked"][ip]["arping"] = {"rc": rc, "argv": argv}
        if rc == 1:
            mac = re.search(r"\[([0-9A-Fa-f:]{17})\]", text)
            finding(ip, "in_use", 'egress IP "%s" is already in use on local network %s: it answers ARP%s on '
                    "interface %s of node %s" % (ip, net, " from %s" % mac.group(1) if mac else "", iface, node),
                    mac=mac.group(1) if mac else None)
        elif rc != 0:
            finding(ip, "arping_error", 'egress IP "%s": arping failed on interface %s of node %s (rc %s): %s'
                    % (ip, iface, node, rc, text.strip()[-300:]))
else:  # verify
    for ip, holder in sorted(holders.items()):
        present = ip in all_local
        out["checked"][ip] = {"holder": holder or None, "present": present, "on": all_local.get(ip)}
        if holder == node and not present:
            finding(ip, "missing", 'egress IP "%s" is assigned to node %s by the cluster but is not present on '
                    "interface %s of %s" % (ip, node, iface, node))
        elif holder == node and all_local[ip] != iface:
            finding(ip, "wrong_interface", 'egress IP "%s" is on interface %s of node %s, expected its primary '
                    "interface %s" % (ip, all_local[ip], node, iface))
        elif holder != node and present:
            finding(ip, "unexpected", 'egress IP "%s" is present on interface %s of node %s but the cluster %s'
                    % (ip, all_local[ip], node,
                       "assigns it to node %s" % holder if holder else "does not assign it to any node"))
emit()
