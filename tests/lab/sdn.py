"""Emulation of the openshift-sdn egress IP logic, reconciled synchronously after every write.

Rules follow openshift/sdn (read at commit 18a57d7, branch master):

- pkg/network/common/egressip.go
  * UpdateHostSubnetEgress / UpdateNetNamespaceEgress: a HostSubnet *claims* the IPs in its
    ``egressIPs``; a NetNamespace *requests* the IPs in its ``egressIPs``. Claims are kept in the
    order they appeared (the real tracker appends on each watch event).
  * egressIPActive: an IP is active only with exactly one claiming node and one requesting
    namespace, and when no other IP of that namespace is claimed by the same node. Otherwise
    the errors "Multiple nodes (%s, %s) claiming EgressIP %s" (node IPs), "Multiple namespaces
    (%d, %d) claiming EgressIP %s" (VNIDs), "Multiple EgressIPs (%s, %s) for VNID %d on node %s"
    (node IP). The lab logs the bare error text (older releases logged it through
    utilruntime.HandleError; newer ones prefix "Error processing egress IPs: ").
  * syncEgressNodeState: claim/release an IP on its node when it becomes active/inactive.
  * syncEgressNamespaceState (lines 675-686): a namespace whose IP is requested by several
    namespaces gets no egress at all (traffic dropped); unassigned IPs and IPs on offline nodes
    (whatever the number of IPs of the namespace, line 683) are skipped; with no usable IP,
    the traffic is dropped.
  * capacity (cloud platforms, cloud.network.openshift.io/egress-ipconfig on the Node:
    capacity.ip, else capacity.ipv4, getCapacity): automatic mode never gives a node more IPs
    than its capacity (allocateExistingEgressIPs, getSortedNodes); a HostSubnet pinning more
    egressIPs than the capacity (manual mode) is ignored as a whole (validateEgressIPs:
    "Ignoring invalid HostSubnet ...: the amount of requested EgressIPs (%v) on hostSubnet: %q
    exceeds the node's capacity (%v)"). Without the annotation capacity is unlimited.
  * ReallocateEgressIPs / makeEmptyAllocation / allocateExistingEgressIPs /
    allocateNewEgressIPs / getSortedEgressIPs / findEgressIPAllocation /
    nodeHasEgressIPForNamespace: automatic mode for HostSubnets with ``egressCIDRs``. IPs
    claimed by several nodes or requested by several namespaces are not auto-assigned; an
    assigned IP stays where it is while its node is online and its CIDRs still contain it;
    new IPs go first to the only node that can take them, then to the eligible node with the
    fewest IPs, never to a node that already holds an IP of the same namespace; a node that
    got less than half of what a from-scratch allocation would give it gets IPs moved back.
    Offline nodes and nodes at their capacity are skipped (unlimited on bare metal). Ties: node name order
    (the real code iterates a Go map). The result replaces ``egressIPs`` of every HostSubnet
    with egressCIDRs (pkg/network/master/egressip.go maybeDoUpdateEgressCIDRs).
- pkg/network/master/egressip.go check/nodeIsReady: a node whose Ready condition is False or
  Unknown is offline ("Node %s is not Ready, marking it offline..."), and back online when
  Ready again ("Node %s is back online"). The lab applies this to every egress node: the
  node-side reachability ping of node/egressip.go (manual mode) is approximated by the same
  Ready condition. In /_lab/assignments an IP on an offline node is not "active".
- pkg/network/node/egressip.go ClaimEgressIP/assignEgressIP: on the node taking an IP,
  "Error assigning Egress IP %q: desired egress IP %q is the node IP" and "... egress IP %q is
  not in local network %s of interface %s" (the node's primary network is lab-side knowledge,
  see scenarios.py); such an IP is not configured (inactive).
- pkg/network/master/vnids.go allocateNetID/releaseNetID: a Namespace gets a NetNamespace with
  a new netid (the lab takes the next free one, not a random one); deleting it removes it.
"""
import copy
import ipaddress
import json

from .events import Once
from .kinds import BY_KIND

HS, NN, NODE, NS = (BY_KIND[k] for k in ("HostSubnet", "NetNamespace", "Node", "Namespace"))
CLOUD_ANNOTATION = "cloud.network.openshift.io/egress-ipconfig"
SRC_COMMON = "egressip.go:%d"  # line numbers in pkg/network/common/egressip.go (and node/, master/)


def node_ready(node):
    """master/egressip.go nodeIsReady: not ready only if Ready is False or Unknown."""
    for cond in (node.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready" and cond.get("status") in ("False", "Unknown"):
            return False
    return True


def node_capacity(node):
    """common/egressip.go getCapacity: capacity.ip, else capacity.ipv4, of the first entry of
    the cloud.network.openshift.io/egress-ipconfig annotation; None (unlimited) without it."""
    raw = ((node.get("metadata") or {}).get("annotations") or {}).get(CLOUD_ANNOTATION)
    try:
        cap = json.loads(raw)[0].get("capacity") or {}
        value = cap.get("ip") or cap.get("ipv4")
    except (TypeError, ValueError, IndexError, KeyError, AttributeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _ip(text):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class State:
    """One snapshot of the tracker's inputs."""

    def __init__(self, nodes, namespaces, node_claims, ns_claims):
        self.nodes, self.namespaces = nodes, namespaces
        self.node_claims, self.ns_claims = node_claims, ns_claims

    def ips(self):
        return sorted(set(self.node_claims) | set(self.ns_claims))

    def node_ip(self, name):
        return self.nodes[name]["ip"]


class SdnController:
    def __init__(self, cluster):
        self.cluster = cluster
        self.assigned = {}       # ip -> node name (the tracker's assignedNodeIP)
        self.node_errors = {}    # ip -> node-side error at claim time
        self.node_order, self.ns_order = {}, {}
        self.offline = set()
        self.once = Once(cluster.events)
        self.assignments = {}
        self.known_namespaces = set()
        self.invalid = {}        # node -> log line of a HostSubnet ignored as invalid

    # -- inputs ------------------------------------------------------------------------
    def _observe(self):
        store = self.cluster.store
        self.invalid = {}
        ready = {n["metadata"]["name"]: node_ready(n) for n in store.items(NODE)}
        capacity = {n["metadata"]["name"]: node_capacity(n) for n in store.items(NODE)}
        nodes = {}
        for hs in store.items(HS):
            requested = list(dict.fromkeys(hs.get("egressIPs") or []))
            raw = hs.get("egressCIDRs") or []
            if not requested and not raw:
                continue  # UpdateHostSubnetEgress: not tracked
            cidrs = []
            for c in raw:
                try:
                    cidrs.append(ipaddress.ip_network(c, strict=False) if isinstance(c, str) else None)
                except ValueError:
                    pass
            cidrs = [c for c in cidrs if c is not None]
            name = hs.get("host") or hs["metadata"]["name"]
            cap = capacity.get(name)
            if cap is not None and requested and not raw and len(requested) > cap:
                # common/egressip.go handleAddOrUpdateHostSubnet + validateEgressIPs
                self.invalid[name] = ("E", SRC_COMMON % 262, "Ignoring invalid HostSubnet %s: the amount of requested "
                                      'EgressIPs (%d) on hostSubnet: "%s" exceeds the node\'s capacity (%d)'
                                      % (name, len(requested), name, cap))
                requested = []
            nodes[name] = {"name": name, "ip": hs.get("hostIP", ""), "requested": requested,
                           "cidrs": cidrs, "offline": not ready.get(name, True), "capacity": cap}
        namespaces = {}
        for nn in store.items(NN):
            if nn.get("egressIPs"):
                vnid = nn.get("netid", 0)
                namespaces[vnid] = {"vnid": vnid, "name": nn["metadata"]["name"],
                                    "requested": list(nn["egressIPs"])}
        node_claims = self._ordered(self.node_order, {n: v["requested"] for n, v in nodes.items()})
        ns_claims = self._ordered(self.ns_order, {v: ns["requested"] for v, ns in namespaces.items()})
        self.node_order, self.ns_order = node_claims, ns_claims
        return State(nodes, namespaces, node_claims, ns_claims)

    @staticmethod
    def _ordered(previous, requests):
        claims = {}
        for owner in sorted(requests):
            for ip in dict.fromkeys(requests[owner]):
                claims.setdefault(ip, []).append(owner)
        for ip, owners in claims.items():
            kept = [o for o in previous.get(ip, []) if o in owners]
            claims[ip] = kept + [o for o in owners if o not in kept]
        return claims

    # -- common/egressip.go egressIPActive ---------------------------------------------
    def _active(self, st, ip):
        nodes, nss = st.node_claims.get(ip, []), st.ns_claims.get(ip, [])
        if not nodes or not nss:
            return False, None
        if len(nodes) > 1:
            return False, ("Multiple nodes (%s, %s) claiming EgressIP %s"
                           % (st.node_ip(nodes[0]), st.node_ip(nodes[1]), ip), 596)
        if len(nss) > 1:
            return False, ("Multiple namespaces (%d, %d) claiming EgressIP %s" % (nss[0], nss[1], ip), 599)
        for ip2 in st.namespaces[nss[0]]["requested"]:
            other = st.node_claims.get(ip2, [])
            if ip2 != ip and len(other) == 1 and other[0] == nodes[0]:
                return False, ("Multiple EgressIPs (%s, %s) for VNID %d on node %s"
                               % (ip, ip2, nss[0], st.node_ip(nodes[0])), 604)
        return True, None

    # -- common/egressip.go syncEgressNodeState + node/egressip.go ClaimEgressIP --------
    def _claim(self, st, ip, node):
        ev = self.cluster.events
        ev.log("I", SRC_COMMON % 645, "Assigning egress IP %s to node %s" % (ip, st.node_ip(node)))
        self.assigned[ip] = node
        err = None
        net = self.cluster.networks.get(node)
        local_ip = net["ip"] if net else st.node_ip(node)
        if ip == local_ip:
            err = 'desired egress IP "%s" is the node IP' % ip
        elif net and _ip(ip) not in ipaddress.ip_network(net["cidr"]):
            err = 'egress IP "%s" is not in local network %s of interface %s' % (ip, net["cidr"], net["iface"])
        if err:
            self.node_errors[ip] = err
            ev.log("E", SRC_COMMON % 232, 'Error assigning Egress IP "%s": %s' % (ip, err))
        else:
            self.node_errors.pop(ip, None)

    def _release(self, st, ip):
        node = self.assigned.pop(ip)
        self.node_errors.pop(ip, None)
        node_ip = st.nodes[node]["ip"] if node in st.nodes else node
        self.cluster.events.log("I", SRC_COMMON % 649, "Removing egress IP %s from node %s" % (ip, node_ip))

    def _sync(self, st):
        messages = []
        for ip in sorted(set(st.ips()) | set(self.assigned)):
            active, err = self._active(st, ip)
            if err:
                messages.append(("E", SRC_COMMON % err[1], err[0]))
            target = st.node_claims[ip][0] if active else None
            if ip in self.assigned and self.assigned[ip] != target:
                self._release(st, ip)
            if active and ip not in self.assigned:
                self._claim(st, ip, target)
        return messages

    def _offline(self, st):
        ev = self.cluster.events
        for name, node in sorted(st.nodes.items()):
            if node["offline"] and name not in self.offline:
                self.offline.add(name)
                ev.log("I", SRC_COMMON % 256, "Node %s is not Ready, marking it offline..." % name)
            elif not node["offline"] and name in self.offline:
                self.offline.discard(name)
                ev.log("I", SRC_COMMON % 265, "Node %s is back online" % node["ip"])
        self.offline &= set(st.nodes)

    # -- common/egressip.go syncEgressNamespaceState -----------------------------------
    def _namespaces(self, st):
        messages, usable = [], {}
        for vnid, ns in sorted(st.namespaces.items()):
            active = []
            for ip in ns["requested"]:
                if len(st.ns_claims.get(ip, [])) > 1:
                    messages.append(("I", SRC_COMMON % 676,
                                     "VNID %d gets no egress due to multiply-assigned egress IP %s" % (vnid, ip)))
                    active = []
                    break
                node = self.assigned.get(ip)
                if node is None:
                    messages.append(("I", SRC_COMMON % 682, "VNID %d cannot use unassigned egress IP %s" % (vnid, ip)))
                elif st.nodes[node]["offline"]:     # line 683: also a namespace's only IP
                    messages.append(("I", SRC_COMMON % 684, "VNID %d cannot use egress IP %s on offline node %s"
                                     % (vnid, ip, st.node_ip(node))))
                else:
                    active.append(ip)
            if not active:
                messages.append(("I", "lab", "Egress traffic of VNID %d (namespace %s) is dropped: "
                                 "no usable egress IP" % (vnid, ns["name"])))
            usable[vnid] = active
        return messages, usable

    # -- common/egressip.go ReallocateEgressIPs ----------------------------------------
    def _reallocate(self, st):
        ips = st.ips()

        def empty():
            done = set()
            for ip in ips:
                nss = st.ns_claims.get(ip, [])
                if not nss or len(nss) > 1 or len(st.node_claims.get(ip, [])) > 1:
                    done.add(ip)
            return {}, done

        def existing(alloc, done):
            removed = False
            for name, node in st.nodes.items():
                if node["cidrs"]:
                    alloc[name] = []
            for ip in ips:
                if ip not in self.assigned or ip in done:
                    continue
                node = st.nodes[self.assigned[ip]]
                room = node["capacity"] is None or node["capacity"] - len(alloc.get(node["name"], [])) > 0
                if any(_ip(ip) in c for c in node["cidrs"]) and not node["offline"] and room:
                    alloc.setdefault(node["name"], []).append(ip)
                else:
                    removed = True
                done.add(ip)
            return removed

        def sorted_ips():
            nss = sorted(st.namespaces.values(), key=lambda n: (len(n["requested"]), n["vnid"]))
            longest = max([len(n["requested"]) for n in nss] or [0])
            return [n["requested"][i] for i in range(longest) for n in nss if len(n["requested"]) > i]

        def find(ip, alloc):
            nss = st.ns_claims.get(ip, [])
            same_ns = set(st.namespaces[nss[0]]["requested"]) if nss else set()
            parsed = _ip(ip)
            cands = [n for n in sorted(st.nodes) if not st.nodes[n]["offline"]
                     and not same_ns & set(alloc.get(n, []))
                     and (st.nodes[n]["capacity"] is None or st.nodes[n]["capacity"] - len(alloc.get(n, [])) > 0)
                     and any(parsed in c for c in st.nodes[n]["cidrs"])]
            if not cands:
                return None, False
            return min(cands, key=lambda n: len(alloc.get(n, []))), len(cands) > 1

        def new(alloc, done):
            order = sorted_ips()
            for single_only in (True, False):
                for ip in order:
                    if ip in done:
                        continue
                    node, others = find(ip, alloc)
                    if node and (not others or not single_only):
                        alloc.setdefault(node, []).append(ip)
                        done.add(ip)

        alloc, done = empty()
        removed = existing(alloc, done)
        new(alloc, done)
        if removed:
            return alloc
        full, done2 = empty()
        new(full, done2)
        starved = [n for n, got in full.items() if len(alloc.get(n, [])) < len(got) // 2]
        if starved:
            alloc, done = empty()
            for n in starved:
                done.update(full[n])
            existing(alloc, done)
            new(alloc, done)
        return alloc

    def _write(self, alloc):
        store, wrote = self.cluster.store, False
        for hs in store.items(HS):
            name = hs.get("host") or hs["metadata"]["name"]
            if name not in alloc or set(hs.get("egressIPs") or []) == set(alloc[name]):
                continue
            hs = copy.deepcopy(hs)
            if alloc[name]:
                hs["egressIPs"] = list(alloc[name])
            else:
                hs.pop("egressIPs", None)
            store.put(HS, hs)
            wrote = True
        return wrote

    # -- master/vnids.go ---------------------------------------------------------------
    def _vnids(self):
        store = self.cluster.store
        namespaces = {n["metadata"]["name"] for n in store.items(NS)}
        netns = {n["metadata"]["name"]: n for n in store.items(NN)}
        used = {n.get("netid", 0) for n in netns.values()}
        for name in sorted(namespaces - set(netns)):
            netid = max(used | {9}) + 1
            used.add(netid)
            store.put(NN, {"metadata": {"name": name}, "netname": name, "netid": netid})
            self.cluster.events.log("I", "vnids.go:108", 'Allocated netid %d for namespace "%s"' % (netid, name))
        # releaseNetID runs on Namespace deletion only: a NetNamespace created by hand stays
        for name in sorted((self.known_namespaces - namespaces) & set(netns)):
            store.delete(NN, None, name)
        self.known_namespaces = namespaces

    # -- entry point -------------------------------------------------------------------
    def reconcile(self):
        self._vnids()
        for _round in range(10):
            st = self._observe()
            self._offline(st)
            self._sync(st)
            if not any(n["cidrs"] for n in st.nodes.values()):
                break
            if not self._write(self._reallocate(st)):
                break
        st = self._observe()
        messages = self._sync(st)
        ns_messages, usable = self._namespaces(st)
        self.once.update(messages + ns_messages + [self.invalid[n] for n in sorted(self.invalid)])
        usable_ips = {ip for ips in usable.values() for ip in ips}
        out = {}
        for ip in st.ips():
            nss = st.ns_claims.get(ip, [])
            node = self.assigned.get(ip)
            out[ip] = {
                "node": node,
                "namespace": st.namespaces[nss[0]]["name"] if nss else None,
                "active": bool(node) and ip in usable_ips and ip not in self.node_errors
                and not st.nodes[node]["offline"],
                "claimed_by": list(st.node_claims.get(ip, [])),
                "requested_by": [st.namespaces[v]["name"] for v in nss],
                "error": self.node_errors.get(ip),
            }
        self.assignments = out
        return {ip: node for ip, node in self.assigned.items() if ip not in self.node_errors}
