"""The emulated cluster: object store + controller log + the controller that matches the
``cluster`` Network type (openshift-sdn or OVN-Kubernetes) + optional data plane."""
import ipaddress
import json
import threading

from .dataplane import Dataplane
from .events import Events
from .goip import parse_cidr
from .kinds import BY_KIND
from .ovn import OvnController
from .sdn import SdnController
from .store import Store


class Cluster:
    def __init__(self, scenario, dataplane=None):
        self.store = Store()
        self.lock = threading.RLock()   # serialises client writes + reconcile
        self.events = Events()
        self.networks = dict(scenario.networks)   # lab-side: node -> primary iface/ip/cidr
        self.sdn = SdnController(self)
        self.ovn = OvnController(self)
        self.dataplane = Dataplane(dataplane or {}, self.events, self._prefix)
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
            desired = self.controller().reconcile()
            self.dataplane.sync(desired)

    def assignments(self):
        with self.lock:
            return dict(self.controller().assignments)
