"""The emulated cluster: object store + controller log + the controller that matches the
``cluster`` Network type (openshift-sdn or OVN-Kubernetes) + optional data plane.

Controllers are asynchronous, as on a real cluster: a client write is answered at once and
the controller (SdnController.reconcile or OvnController.reconcile, whichever the Network
type selects) runs ``controller_delay`` seconds later in a background thread, several writes
in that window coalesced into one pass (a controller's work queue does the same). So a client
that reads right after writing sees the state before the controller reacted, as it would on a
real cluster. ``controller_delay`` 0 (the default of this class; the CLI's is 0.05 s) keeps
the old synchronous mode: the controller runs inside the write request. ``settle()`` runs a
pending pass at once: the test helpers ask for it (header X-Lab-Settle) so that what a test
looks at is the settled state, like ``oc wait``."""
import ipaddress
import json
import threading
import traceback

from .dataplane import Dataplane
from .events import Events
from .goip import parse_cidr
from .kinds import BY_KIND
from .kubelet import Kubelet
from .ovn import OvnController
from .sdn import SdnController
from .store import Store


class Cluster:
    def __init__(self, scenario, dataplane=None, controller_delay=0.0):
        self.store = Store()
        self.lock = threading.RLock()   # serialises client writes + reconcile
        self.controller_delay = float(controller_delay or 0)
        self._pending = False           # a controller pass is scheduled and has not run yet
        self.events = Events()
        self.networks = dict(scenario.networks)   # lab-side: node -> primary iface/ip/cidr
        self.sdn = SdnController(self)
        self.ovn = OvnController(self)
        self.dataplane = Dataplane(dataplane or {}, self.events, self._prefix)
        self.kubelet = Kubelet(self)
        for kind, obj in scenario.objects:
            self.store.put(BY_KIND[kind], obj)
        self.reconcile()

    def _prefix(self, node, ip):
        """The prefix length of the node network that holds ip: the longest of the node's
        OVN-Kubernetes networks (node-primary-ifaddr, host-cidrs) containing it, else the
        scenario's primary network, else a host route."""
        addr = ipaddress.ip_address(ip)
        obj = self.store.find(BY_KIND["Node"], None, node) or {}
        ann = (obj.get("metadata") or {}).get("annotations") or {}
        cidrs = []
        try:
            cidrs += list(json.loads(ann.get("k8s.ovn.org/node-primary-ifaddr") or "{}").values())
            cidrs += json.loads(ann.get("k8s.ovn.org/host-cidrs") or "[]")
        except (ValueError, AttributeError, TypeError):
            pass
        best = None
        for cidr in cidrs:
            parsed = parse_cidr(cidr) if isinstance(cidr, str) else None
            if parsed and parsed[1].version == addr.version and addr in parsed[1]:
                best = max(best or 0, parsed[1].prefixlen)
        if best is not None:
            return best
        net = self.networks.get(node)
        if net and addr.version == 4:
            return net["prefix"]
        return addr.max_prefixlen

    def network_type(self):
        net = self.store.find(BY_KIND["Network"], None, "cluster") or {}
        return (net.get("status") or {}).get("networkType") or (net.get("spec") or {}).get("networkType")

    def controller(self):
        return self.ovn if self.network_type() == "OVNKubernetes" else self.sdn

    def reconcile(self):
        with self.lock:
            self._pending = False
            try:
                desired = self.controller().reconcile()
            except Exception as exc:  # noqa: BLE001 - an object the controller cannot read
                # a real controller logs the error and keeps serving the other objects
                self.events.log("E", "lab", "controller failed: %s" % "".join(
                    traceback.format_exception_only(type(exc), exc)).strip())
                return
            self.dataplane.sync(desired)
            self.kubelet.gc()

    def changed(self):
        """A client write was stored: the controller reacts, at once (synchronous mode) or after
        ``controller_delay`` seconds in the background."""
        if not self.controller_delay:
            self.reconcile()
            return
        with self.lock:
            if self._pending:
                return          # the scheduled pass will see this write too
            self._pending = True
        timer = threading.Timer(self.controller_delay, self._scheduled)
        timer.daemon = True
        timer.start()

    def _scheduled(self):
        with self.lock:
            if self._pending:   # not already run by settle()
                self.reconcile()

    def settle(self):
        """Run a pending controller pass now (the state a test inspects is the settled one)."""
        with self.lock:
            if self._pending:
                self.reconcile()

    def assignments(self):
        with self.lock:
            return dict(self.controller().assignments)
