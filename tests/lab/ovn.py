"""Emulation of the OVN-Kubernetes egress IP cluster controller, active when the ``cluster``
Network says OVNKubernetes.

Reference: ovn-org/ovn-kubernetes 6c366bb49d6fa57c80d6b39834952ce1d4d9dbb6 (2024-12-20),
go-controller/pkg/clustermanager/egressip_controller.go (cited ``c:LINE``) and
egressip_event_handler.go (``h:LINE``); the node annotations are parsed in ovn_annotations.py.

How it runs: ``reconcile()`` plays the watch events (Node and EgressIP ADDED/MODIFIED/DELETED,
from the store's change log, in resourceVersion order) that happened since its last call through
the controller's handlers, including the events of its own status writes, until nothing is left.
It is a plain method: the write path calls it today, a scheduler may call it later. Nothing is
recomputed without a trigger the controller reacts to: an address pending because its holder
exists stays pending after the holder is deleted until a Node event (label, Ready, host-cidrs)
or an update of the pending EgressIP itself; there is no re-balancing.

State kept between calls, as the controller keeps it in memory: the allocator cache per node
(c:99-109: config, mgmt IPs, allocations IP -> EgressIP name, ready/reachable/assignable), the
mark allocator (c:1822-1888) and the last object seen per name (the informer's old object).

Lab choices where the controller is not deterministic: Go iterates maps and sets in random
order; the lab takes the spec order for the IPs to assign (c:996 ipsToAssign.UnsortedList()) and
node name order between nodes with equally many allocations (c:491 sort.Slice is not stable).
Reachability (c:568-633) is a lab switch per node (``set_health``; POST
/_lab/nodes/NAME/reachable), true when the node has
management IPs (k8s.ovn.org/node-subnets); the periodic check is ``check_reachability()``.
On a cloud platform (Infrastructure ``cluster`` status.platformStatus.type AWS/GCP/Azure/
OpenStack, ovn.go PlatformTypeIsEgressIPCloudProvider) the capacity and network of
cloud.network.openshift.io/egress-ipconfig apply; the CloudPrivateIPConfig round trip
(c:1010-1075, 1461-1626) is not emulated: an assignment lands in status at once, as if the
cloud-network-config-controller had confirmed it.

Messages: the controller's Kubernetes Events (recorder.Eventf) and its klog errors are logged
to the lab's controller log with their exact text, level E for Warning events and errors.
Status writes bump resourceVersion and are not counted as client writes."""
import copy

from .goip import canonical, parse_ip
from .kinds import BY_KIND
from .ovn_annotations import (AnnotationError, HOST_CIDRS, UNLIMITED, egress_config, egress_network,
                              host_addresses, is_ovn_network, mgmt_ips, secondary_network)

EIP, NODE = BY_KIND["EgressIP"], BY_KIND["Node"]
INFRA = BY_KIND.get("Infrastructure")
LABEL = "k8s.ovn.org/egress-assignable"          # util.GetNodeEgressLabel
MARK = "k8s.ovn.org/egressip-mark"               # util/egressip_annotation.go:9
MARK_BASE, MARK_MAX = 50000, 55000               # util/egressip_annotation.go:10-11
CLOUD_PLATFORMS = ("AWS", "GCP", "Azure", "OpenStack")   # util/ovn.go:12-17
SRC = "egressip_controller.go"


class EgressNode:
    """c:99-109 egressNode."""

    def __init__(self, name, config, mgmt):
        self.name, self.config, self.mgmt = name, config, mgmt
        self.allocations = {}        # raw IP string -> EgressIP name
        self.ready = self.reachable = self.assignable = False

    def count_for(self, eip):
        """c:111-118 getAllocationCountForEgressIP."""
        return sum(1 for n in self.allocations.values() if n == eip)


class MarkAllocator:
    """c:1827-1829 + allocator/id + allocator/bitmap round robin (bitmap.go:256-268)."""

    def __init__(self, size=MARK_MAX - MARK_BASE):
        self.size, self.next, self.by_name = size, 0, {}

    def get_or_alloc(self, name):
        """c:1852-1868 getOrAllocMark."""
        if name in self.by_name:
            return self.by_name[name] + MARK_BASE
        used = set(self.by_name.values())
        for i in range(self.size):
            at = (self.next + i) % self.size
            if at not in used:
                self.next = (at + 1) % self.size
                self.by_name[name] = at
                return at + MARK_BASE
        raise ValueError("failed to allocate mark for EgressIP %r" % name)

    def reserve(self, name, mark):
        """c:1876-1888 reserveMark (id.ReserveID)."""
        offset = mark - MARK_BASE
        if offset < 0:
            raise ValueError("unable to reserve mark because calculated offset is less than zero")
        if name in self.by_name:
            if self.by_name[name] != offset:
                raise ValueError("failed to reserve mark: already allocated with a different id")
            return
        if offset in self.by_name.values():
            raise ValueError("failed to reserve mark: id %d is already reserved by another resource" % offset)
        self.by_name[name] = offset

    def release(self, name):
        self.by_name.pop(name, None)


def is_ready(node):
    """c:516-523 isEgressNodeReady: the Ready condition's status is True; no condition = not ready."""
    for cond in (node.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def _name(obj):
    return obj["metadata"]["name"]


def _labels(obj):
    return (obj.get("metadata") or {}).get("labels") or {}


def _annotations(obj):
    return (obj.get("metadata") or {}).get("annotations") or {}


def _spec_ips(obj):
    return list(((obj or {}).get("spec") or {}).get("egressIPs") or [])


def _items(obj):
    return [(i.get("egressIP"), i.get("node")) for i in ((obj or {}).get("status") or {}).get("items") or []
            if isinstance(i, dict)]


class OvnController:
    def __init__(self, cluster):
        self.cluster = cluster
        self.cache = {}                 # node name -> EgressNode (c:133-138 nodeAllocator)
        self.marks = MarkAllocator()
        self.seen = {NODE.kind: {}, EIP.kind: {}}   # informer cache: name -> last object seen
        self.rv = None                  # last resourceVersion played
        self.unreachable = set()        # lab switch: nodes whose health check fails
        self.assignments = {}

    # -- plumbing -----------------------------------------------------------------------
    @property
    def store(self):
        return self.cluster.store

    def log(self, message, level="E", source=SRC):
        self.cluster.events.log(level, source, message)

    def event(self, line, reason, message):
        """recorder.Eventf(EgressIP, Warning, reason, ...)."""
        self.log(message, "E", "%s:%d %s" % (SRC, line, reason))

    def cloud(self):
        """util.PlatformTypeIsEgressIPCloudProvider (util/ovn.go:12-17)."""
        if INFRA is None:
            return False
        infra = self.store.find(INFRA, None, "cluster") or {}
        status = infra.get("status") or {}
        return ((status.get("platformStatus") or {}).get("type") or status.get("platform")) in CLOUD_PLATFORMS

    def node(self, name):
        return self.store.find(NODE, None, name)

    def egressips(self):
        """kube.GetEgressIPs: a LIST of the current objects, in name order as the API server
        (etcd key order) returns them."""
        return sorted((copy.deepcopy(o) for o in self.store.items(EIP)), key=_name)

    # -- the watch loop -----------------------------------------------------------------
    def reconcile(self):
        """Play the pending watch events through the handlers; return {ip: node} of status."""
        with self.store.lock:
            if self.rv is None:
                self._initial_sync()
            self._drain()
            return self._desired()

    def _drain(self):
        for _round in range(50):              # the controller's own writes produce more events
            events = self._pending()
            if not events:
                return
            for kind, event, obj in events:
                self._dispatch(kind, event, obj)

    def _initial_sync(self):
        """Start(): nodes first (c:420), then EgressIPs with the mark sync (h:207, c:1778-1820)."""
        self.rv = self.store.rv
        for node in sorted(self.store.items(NODE), key=_name):
            node = copy.deepcopy(node)
            self.seen[NODE.kind][_name(node)] = node
            self.node_add(node)
        eips = self.egressips()
        self.sync_marks(eips)
        for eip in self.egressips():
            self.seen[EIP.kind][_name(eip)] = eip
            self.reconcile_eip(None, eip)

    def _pending(self):
        out = []
        for rv, event, obj in list(self.store.changes):
            if rv <= self.rv or obj.get("kind") not in self.seen:
                continue
            out.append((rv, obj["kind"], event, copy.deepcopy(obj)))
        if out:
            self.rv = max(rv for rv, *_rest in out)
        self.rv = max(self.rv, self.store.rv)
        return [(kind, event, obj) for _rv, kind, event, obj in sorted(out, key=lambda e: e[0])]

    def _dispatch(self, kind, event, obj):
        seen = self.seen[kind]
        name = _name(obj)
        old = seen.get(name)
        if event == "DELETED":
            seen.pop(name, None)
            if kind == NODE.kind:
                self.node_delete(obj)
            else:
                self.reconcile_eip(old or obj, None)
            return
        if old is not None and old["metadata"].get("resourceVersion") == obj["metadata"].get("resourceVersion"):
            return                       # already seen (the initial list)
        seen[name] = obj
        if kind == NODE.kind:
            if old is None:
                self.node_add(obj)
            else:
                self.node_update(old, obj)
        elif old is None:
            self.reconcile_eip(None, obj)
        else:
            self.reconcile_eip(old, obj)

    def _desired(self):
        """What ovnkube-node programs: every status item (node side), {ip: node}."""
        desired = {}
        self.assignments = {}
        for eip in self.egressips():
            for ip, node in _items(eip):
                ip = canonical(ip)
                if ip is not None and node:
                    desired[ip] = node
                    self.assignments[ip] = {"node": node, "namespace": None, "egressip": _name(eip),
                                            "active": True}
        self.assignments = dict(sorted(self.assignments.items()))
        return desired

    # -- node handlers (egressip_event_handler.go) ----------------------------------------
    def node_add(self, node):
        """h:30-63 AddResource for EgressNodeType."""
        name = _name(node)
        self.init_allocator(node)
        labelled = LABEL in _labels(node)
        if labelled:
            self.set_assignable(name, True)
        ready = is_ready(node)
        if ready:
            self.set_ready(name, True)
        reachable = self.node_reachable(name)
        if labelled and reachable and ready:
            self.set_reachable(name, True)
            self.add_egress_node(name)

    def node_update(self, old, new):
        """h:85-157 UpdateResource for EgressNodeType."""
        name = _name(new)
        self.init_allocator(new)
        had, has = LABEL in _labels(old), LABEL in _labels(new)
        if not had and not has:
            return
        self.set_assignable(name, has)
        if had and not has:
            self.log("Node: %s has been un-labeled, deleting it from egress assignment" % name, "I")
            self.delete_egress_node(name)
            return
        old_ready, new_ready = is_ready(old), is_ready(new)
        new_reachable = self.node_reachable(name)
        cidrs_changed = _annotations(old).get(HOST_CIDRS) != _annotations(new).get(HOST_CIDRS)
        self.set_ready(name, new_ready)
        if not had and has:
            if new_ready and new_reachable:
                self.set_reachable(name, new_reachable)
                self.add_egress_node(name)
            else:
                self.log("Node: %s has been labeled, but node is not ready and reachable, cannot use it "
                         "for egress assignment" % name, "W")
            return
        if old_ready == new_ready and not cidrs_changed:
            return
        if not new_ready:
            self.log("Node: %s is not ready, deleting it from egress assignment" % name, "W")
            self.delete_egress_node(name)
        elif new_reachable:
            self.set_reachable(name, new_reachable)
            self.add_egress_node(name)
        if cidrs_changed:
            self.reconcile_secondary(new)

    def node_delete(self, node):
        """h:174-189 DeleteResource for EgressNodeType."""
        name = _name(node)
        self.cache.pop(name, None)                                  # c:756-763 deleteNodeForEgress
        if LABEL in _labels(node):
            self.delete_egress_node(name)

    # -- the node allocator cache -------------------------------------------------------
    def init_allocator(self, node):
        """c:799-827 initEgressIPAllocator: on a parse error the node is not added (or keeps its
        previous config) and the handler goes on (h:44-46 logs a warning)."""
        name = _name(node)
        try:
            config = egress_config(node, self.cloud())
            mgmt = mgmt_ips(node)
        except AnnotationError as exc:
            self.log("Egress node initialization error: failed to get egress IP config for node %s: %s"
                     % (name, exc), "W")
            return
        entry = self.cache.get(name)
        if entry is None:
            self.cache[name] = EgressNode(name, config, mgmt)
        else:
            entry.config, entry.mgmt = config, mgmt

    def set_assignable(self, name, value):
        """c:502-514: losing the label empties the node's allocations."""
        entry = self.cache.get(name)
        if entry is not None:
            entry.assignable = value
            if not value:
                entry.allocations = {}

    def set_ready(self, name, value):
        """c:644-654."""
        entry = self.cache.get(name)
        if entry is not None:
            entry.ready = value
            if not value:
                entry.allocations = {}

    def set_reachable(self, name, value):
        """c:656-666."""
        entry = self.cache.get(name)
        if entry is not None:
            entry.reachable = value
            if not value:
                entry.allocations = {}

    def probe(self, entry):
        """c:623-633 isReachable (gRPC on 9107 in OpenShift): needs management IPs; the lab switch."""
        return bool(entry.mgmt) and entry.name not in self.unreachable

    def node_reachable(self, name):
        """c:635-642 isEgressNodeReachable."""
        entry = self.cache.get(name)
        return entry is not None and (entry.reachable or self.probe(entry))

    def check_reachability(self):
        """c:582-621 checkEgressNodesReachabilityIterate (every 5 s in the controller)."""
        changes = {}
        for entry in self.cache.values():
            if entry.assignable and entry.ready:
                was, now = entry.reachable, self.probe(entry)
                if was and not now:
                    changes[entry.name] = True
                elif now and not was:
                    changes[entry.name] = False
                entry.reachable = now
        for name, gone in sorted(changes.items()):
            if gone:
                self.log("Node: %s is detected as unreachable, deleting it from egress assignment" % name, "W")
                self.delete_egress_node(name)
            else:
                node = self.node(name)
                if node is not None:                              # c:613-617 re-run the node ADD
                    self.node_add(node)

    def set_health(self, name, reachable):
        """Lab control: make a node's health check fail or succeed, then run the periodic check
        once (the caller reconciles to play the events of the resulting writes)."""
        with self.store.lock:
            if self.rv is None:
                self._initial_sync()
            if reachable:
                self.unreachable.discard(name)
            else:
                self.unreachable.add(name)
            self.check_reachability()

    def sorted_egress_data(self):
        """c:480-495 getSortedEgressData: assignable = label + ready + reachable, fewest first."""
        nodes = [e for e in self.cache.values() if e.assignable and e.ready and e.reachable]
        nodes.sort(key=lambda e: (len(e.allocations), e.name))
        taken = {}
        for entry in self.cache.values():
            for ip, eip in entry.allocations.items():
                taken[ip] = (entry.name, eip)
        return nodes, taken

    # -- node events that re-run EgressIPs --------------------------------------------------
    def add_egress_node(self, name):
        """c:721-752 addEgressNode: re-run every EgressIP not fully assigned."""
        for eip in self.egressips():
            if len(_spec_ips(eip)) != len(_items(eip)):
                self.reconcile_eip(None, eip)

    def delete_egress_node(self, name):
        """c:765-797 deleteEgressNode: re-run every EgressIP with an item on the node."""
        for eip in self.egressips():
            if any(node == name for _ip, node in _items(eip)):
                self.reconcile_eip(None, eip)

    def reconcile_secondary(self, node):
        """c:671-719 reconcileSecondaryHostNetworkEIPs: host-cidrs changed; re-run the EgressIPs
        whose item on this node is on a secondary network the node no longer has."""
        name, redo = _name(node), []
        for eip in self.egressips():
            for ip_text, holder in _items(eip):
                if holder != name:
                    continue
                ip = parse_ip(ip_text)
                if ip is None:
                    self.log("unexpected empty egress IP found in status for egressIP %s" % _name(eip))
                    return
                entry = self.cache.get(holder)
                if entry is None:
                    redo.append(eip)
                    continue
                if is_ovn_network(entry.config, ip):
                    continue
                try:
                    network = secondary_network(node, ip)
                except AnnotationError as exc:
                    self.log("failed to determine if egress IP %s IP %s is hosted by secondary host network "
                             "for node %s: %s" % (_name(eip), ip, name, exc))
                    continue
                if network == "":
                    redo.append(eip)
        for eip in redo:
            self.reconcile_eip(None, eip)

    # -- EgressIP reconcile (c:867-1080) ---------------------------------------------------
    def validate_spec(self, name, ips):
        """c:1359-1374 validateEgressIPSpec: one unparsable entry rejects the whole object."""
        valid = []
        for text in ips:
            ip = canonical(text)
            if ip is None:
                self.event(1368, "InvalidEgressIP",
                           "egress IP: %s for object EgressIP: %s is not a valid IP address" % (text, name))
                raise ValueError("unable to parse provided EgressIP: %s, invalid" % text)
            if ip not in valid:
                valid.append(ip)
        return valid

    def validate_status(self, name, items):
        """c:1405-1459 validateEgressIPStatus: (valid, invalid) status items, in order."""
        valid, invalid = [], []
        for item in dict.fromkeys(items):
            ip_text, holder = item
            entry, ok = self.cache.get(holder), True
            if entry is None:
                self.log("Allocator error: EgressIP: %s claims to have an allocation on a node which is "
                         "unassignable for egress IP: %s" % (name, holder))
                ok = False
            else:
                if entry.count_for(name) > 1:
                    self.log("Allocator error: EgressIP: %s claims multiple egress IPs on same node: %s, "
                             "will attempt rebalancing" % (name, holder))
                    ok = False
                for flag, what in ((entry.assignable, "does not have egress label"),
                                   (entry.reachable, "is not reachable"), (entry.ready, "is not ready")):
                    if not flag:
                        self.log("Allocator error: EgressIP: %s assigned to node: %s which %s, will attempt "
                                 "rebalancing" % (name, holder, what))
                        ok = False
                ip = parse_ip(ip_text)
                node = self.node(holder)
                secondary = False
                if ip is not None and node is not None:
                    try:
                        secondary = secondary_network(node, ip) != ""
                    except AnnotationError:
                        secondary = False
                if not is_ovn_network(entry.config, ip) and not secondary:
                    self.log('Allocator error: failed to assign Egress IP %s IP "%s"' % (name, ip_text))
                    ok = False
            (valid if ok else invalid).append(item)
        return valid, invalid

    def reconcile_eip(self, old, new):
        """c:867-1080 reconcileEgressIP (bare-metal branch c:988-1009; the cloud branch is the
        same here, see the module docstring)."""
        name = _name(new if new is not None else old)
        status = _items(new if new is not None else old)
        if new is None:
            self.marks.release(name)                                # c:904-906 deallocMark
        try:
            valid_spec = self.validate_spec(name, _spec_ips(new))   # c:911-914
        except ValueError as exc:
            self.log("invalid EgressIP spec, err: %s" % exc, "E", "%s:913" % SRC)
            return
        valid, invalid = self.validate_status(name, status)         # c:921
        for item in list(valid):                                    # c:922-929 spec no longer has it
            if item[0] not in valid_spec:
                valid.remove(item)
                invalid.append(item)
        to_assign = [ip for ip in valid_spec if ip not in {i[0] for i in valid}]   # c:938-945
        to_remove = [i[0] for i in invalid]
        if not to_assign and not to_remove:                         # c:953-955
            self.ensure_mark(old, new)
        if to_remove:                                               # c:957-986 delete before add
            to_assign = [ip for ip in to_assign if ip in to_remove]
        for ip_text, holder in invalid:                             # c:989-994
            entry = self.cache.get(holder)
            if entry is not None:
                entry.allocations.pop(ip_text, None)
        keep = list(valid)
        added = self.assign(name, to_assign) if to_assign else []   # c:995-998
        keep += added
        for ip_text, holder in keep:                                # c:1002 addAllocatorEgressIPAssignments
            entry = self.cache.get(holder)
            if entry is not None:
                entry.allocations[ip_text] = name
        if added or (invalid and new is not None):                  # c:1005-1009
            self.patch(name, keep)

    def assign(self, name, ips):
        """c:1157-1345 assignEgressIPs."""
        assignments = []
        nodes, taken = self.sorted_egress_data()
        if not nodes:
            self.event(1167, "NoMatchingNodeFound", "no assignable nodes for EgressIP: %s, please tag at least "
                       "one node with label: %s" % (name, LABEL))
            self.log("No assignable nodes found for EgressIP: %s and requested IPs: [%s]" % (name, " ".join(ips)))
            return assignments
        cloud = self.cloud()
        for text in ips:
            ip = parse_ip(text)
            try:
                conflict = self.host_conflict(ip)                   # c:1178-1190
            except AnnotationError as exc:
                self.log("Egress IP: %s failed to check if EgressIP already is assigned on any interface "
                         "throughout the cluster: %s" % (ip, exc))
                return assignments
            if conflict is not None:
                self.event(1186, "EgressIPConflict", "Egress IP %s with IP %s is conflicting with a host (%s) IP "
                           "address and will not be assigned" % (name, ip, conflict))
                return assignments
            if str(ip) in taken:                                    # c:1191-1243
                holder, other = taken[str(ip)]
                if other == name:
                    node, entry = self.node(holder), self.cache.get(holder)
                    if node is None or entry is None:
                        continue
                    try:
                        network = egress_network(node, entry.config, ip, cloud)
                    except AnnotationError:
                        continue
                    if network:
                        assignments.append((str(ip), holder))
                    continue
                message = 'IP: "%s" for EgressIP: %s is already allocated for EgressIP: %s on %s' % (
                    text, name, other, holder)
                self.event(1238, "UnsupportedRequest", message)
                return assignments
            candidates = nodes
            if not cloud:                                           # c:1245-1276 secondary wins
                secondary = []
                for entry in nodes:
                    node = self.node(entry.name)
                    if node is None or is_ovn_network(entry.config, ip):
                        continue
                    try:
                        if secondary_network(node, ip):
                            secondary.append(entry)
                    except AnnotationError:
                        continue
                if secondary:
                    candidates = secondary
            for entry in candidates:                                # c:1278-1326
                if entry.count_for(name) > 0:
                    continue
                node = self.node(entry.name)
                if node is None:
                    continue
                try:
                    network = egress_network(node, entry.config, ip, cloud)
                except AnnotationError:
                    continue
                if not network or not self.has_capacity(entry, ip):
                    continue
                assignments.append((str(ip), entry.name))
                entry.allocations[str(ip)] = name
                self.log("Successful assignment of egress IP: %s to network %s on node: %s"
                         % (text, network, entry.name), "I")
                break
        if not assignments:                                         # c:1328-1336
            self.event(1333, "NoMatchingNodeFound", "No matching nodes found, which can host any of the egress "
                       "IPs: [%s] for object EgressIP: %s" % (" ".join(ips), name))
            self.log("No matching host found for EgressIP: %s" % name)
        elif len(assignments) < len(ips):                           # c:1337-1343
            self.event(1342, "UnassignedRequest",
                       "Not all egress IPs for EgressIP: %s could be assigned, please tag more nodes" % name)
        return assignments

    @staticmethod
    def has_capacity(entry, ip):
        """c:1300-1317 (cloud capacity; unlimited on bare metal), c:1347-1357 per family."""
        cap = entry.config.capacity
        if cap["ip"] < UNLIMITED and cap["ip"] - len(entry.allocations) <= 0:
            return False
        family = "ipv4" if ip.version == 4 else "ipv6"
        if cap[family] < UNLIMITED:
            used = sum(1 for a in entry.allocations if (parse_ip(a) or ip).version == ip.version)
            if cap[family] - used <= 0:
                return False
        return True

    def host_conflict(self, ip):
        """c:1378-1399 isEgressIPAddrConflict: equal to a host-cidrs address of any node; a node
        whose host-cidrs cannot be parsed (or is missing) stops every assignment."""
        for node in sorted(self.store.items(NODE), key=_name):
            try:
                addresses = host_addresses(node)
            except AnnotationError as exc:
                raise AnnotationError("failed to parse node host cidrs for node %s: %s" % (_name(node), exc))
            if str(ip) in addresses:
                return _name(node)
        return None

    # -- writes ---------------------------------------------------------------------------
    def patch(self, name, items):
        """c:1726-1774 patchEgressIP with generateEgressIPPatches: the mark annotation when
        missing (JSON patch ``add /metadata/annotations``, which replaces the whole map) and
        ``replace /status``."""
        obj = self.store.find(EIP, None, name)
        if obj is None:
            return
        if MARK not in _annotations(obj):
            try:
                mark = self.marks.get_or_alloc(name)
            except ValueError as exc:
                self.log("Failed to get mark for EgressIP %s: %s" % (name, exc))
            else:
                obj["metadata"]["annotations"] = {MARK: str(mark)}
        obj["status"] = {"items": [{"node": node, "egressIP": ip} for ip, node in items]}
        self.store.put(EIP, obj)

    def ensure_mark(self, old, new):
        """c:1832-1845 ensureMark: a mark that was set and changed or removed is restored."""
        if old is None or new is None:
            return
        if MARK in _annotations(old) and _annotations(old).get(MARK) != _annotations(new).get(MARK):
            obj = self.store.find(EIP, None, _name(new))
            if obj is None:
                return
            try:
                mark = self.marks.get_or_alloc(_name(new))
            except ValueError as exc:
                self.log("Failed to restore EgressIP %s mark because unable to retrieve mark: %s" % (_name(new), exc))
                return
            obj["metadata"]["annotations"] = {MARK: str(mark)}
            self.store.put(EIP, obj)

    def sync_marks(self, eips):
        """c:1778-1820 syncEgressIPMarkAllocator: reserve the marks found, allocate the rest."""
        for eip in eips:
            text = _annotations(eip).get(MARK)
            if text is None:
                continue
            try:
                self.marks.reserve(_name(eip), int(text))
            except ValueError as exc:
                self.log("failed to reserve mark for EgressIP %s: %s" % (_name(eip), exc))
        for eip in eips:
            if MARK in _annotations(eip):
                continue
            try:
                mark = self.marks.get_or_alloc(_name(eip))
            except ValueError as exc:
                self.log("Failed to sync mark allocator: unable to allocate for EgressIP %s: %s" % (_name(eip), exc))
                continue
            obj = self.store.find(EIP, None, _name(eip))
            obj["metadata"]["annotations"] = {MARK: str(mark)}
            self.store.put(EIP, obj)
