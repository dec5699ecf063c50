"""Emulation of OVN-Kubernetes egress IP assignment (cluster manager), active when the
``cluster`` Network says OVNKubernetes.

Rules follow ovn-org/ovn-kubernetes go-controller/pkg/ovn/egressip.go (assignEgressIPs,
getSortedEgressData, setNodeEgressReady/Assignable):
- assignable nodes: Ready, labelled ``k8s.ovn.org/egress-assignable``, with a parsable
  ``k8s.ovn.org/node-primary-ifaddr`` annotation (ParseNodePrimaryIfAddr); an IP goes to the
  assignable node with the fewest allocations whose primary network contains it, never two IPs
  of one EgressIP object on the same node;
- an IP already allocated to another EgressIP object: "IP: %q for EgressIP: %s is already
  allocated for EgressIP: %s on %s"; a node's own IP: "Egress IP: %s is the IP address of node:
  %s"; nothing assignable: "No matching host found for EgressIP: %s"; some left out: event
  "Not all egress IPs for EgressIP: %s could be assigned, please tag more nodes";
- existing assignments stay while still valid; a node turning NotReady or losing the label loses
  its allocations, which are re-assigned elsewhere (failover).
Status writes bump resourceVersion and are not counted as client writes."""
import copy
import ipaddress
import json

from .events import Once
from .kinds import BY_KIND
from .sdn import node_ready

EIP, NODE = BY_KIND["EgressIP"], BY_KIND["Node"]
LABEL = "k8s.ovn.org/egress-assignable"
ANNOTATION = "k8s.ovn.org/node-primary-ifaddr"
SRC = "egressip.go:assignEgressIPs"  # ovn-kubernetes go-controller/pkg/ovn/egressip.go


def primary_network(node):
    raw = ((node.get("metadata") or {}).get("annotations") or {}).get(ANNOTATION)
    try:
        iface = ipaddress.ip_interface(json.loads(raw)["ipv4"])
    except (TypeError, ValueError, KeyError):
        return None
    return iface


class OvnController:
    def __init__(self, cluster):
        self.cluster = cluster
        self.once = Once(cluster.events)
        self.assignments = {}

    def reconcile(self):
        store = self.cluster.store
        nodes, node_ips = {}, {}
        for node in store.items(NODE):
            name = node["metadata"]["name"]
            iface = primary_network(node)
            for addr in (node.get("status") or {}).get("addresses") or []:
                if addr.get("type") in ("InternalIP", "ExternalIP"):
                    node_ips[addr.get("address")] = name
            if iface is not None:
                node_ips[str(iface.ip)] = name
            if (iface is not None and node_ready(node)
                    and LABEL in ((node["metadata"].get("labels")) or {})):
                nodes[name] = iface.network
        eips = sorted(store.items(EIP),
                      key=lambda o: (o["metadata"].get("creationTimestamp", ""), o["metadata"]["name"]))
        count = {n: 0 for n in nodes}
        taken = {}      # ip -> (egressip name, node)
        result = {}     # egressip name -> [items]
        messages = []
        # keep valid existing assignments first (stable across reconciles)
        for obj in eips:
            name, wanted = obj["metadata"]["name"], list((obj.get("spec") or {}).get("egressIPs") or [])
            kept, used = [], set()
            for item in ((obj.get("status") or {}).get("items") or []):
                ip, node = item.get("egressIP"), item.get("node")
                try:
                    parsed = ipaddress.ip_address(ip)
                except (TypeError, ValueError):
                    continue
                if (ip in wanted and node in nodes and parsed in nodes[node] and ip not in taken
                        and node not in used and ip not in node_ips):
                    kept.append({"node": node, "egressIP": ip})
                    used.add(node)
                    taken[ip] = (name, node)
                    count[node] += 1
            result[name] = kept
        for obj in eips:
            name, wanted = obj["metadata"]["name"], list((obj.get("spec") or {}).get("egressIPs") or [])
            items = result[name]
            used = {i["node"] for i in items}
            for ip in dict.fromkeys(wanted):
                if any(i["egressIP"] == ip for i in items):
                    continue
                try:
                    parsed = ipaddress.ip_address(ip)
                except ValueError:
                    messages.append(("E", SRC, "Unable to parse egress IP: %s for EgressIP: %s" % (ip, name)))
                    continue
                if ip in taken:
                    other, node = taken[ip]
                    messages.append(("E", SRC, 'IP: "%s" for EgressIP: %s is already allocated for '
                                     "EgressIP: %s on %s" % (ip, name, other, node)))
                    continue
                if ip in node_ips:
                    messages.append(("E", SRC, "Egress IP: %s is the IP address of node: %s" % (ip, node_ips[ip])))
                    continue
                for node in sorted(nodes, key=lambda n: (count[n], n)):
                    if node not in used and parsed in nodes[node]:
                        items.append({"node": node, "egressIP": ip})
                        used.add(node)
                        taken[ip] = (name, node)
                        count[node] += 1
                        break
            if wanted and not items:
                messages.append(("E", SRC, "No matching host found for EgressIP: %s" % name))
            elif len(items) < len(set(wanted)):
                messages.append(("E", SRC, "Not all egress IPs for EgressIP: %s could be assigned, "
                                 "please tag more nodes" % name))
            status = obj.get("status") or {}
            if (status.get("items") or []) != items:
                obj = copy.deepcopy(obj)
                obj["status"] = dict(status, items=items)
                store.put(EIP, obj)
        self.once.update(messages)
        self.assignments = {ip: {"node": node, "namespace": None, "egressip": name, "active": True}
                            for ip, (name, node) in sorted(taken.items())}
        return {ip: holder[1] for ip, holder in taken.items()}
