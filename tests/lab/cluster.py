"""The emulated cluster: object store + controller log + the controller that matches the
``cluster`` Network type (openshift-sdn or OVN-Kubernetes) + optional data plane."""
import threading

from .dataplane import Dataplane
from .events import Events
from .kinds import BY_KIND
from .kubelet import Kubelet
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
        self.kubelet = Kubelet(self)
        for kind, obj in scenario.objects:
            self.store.put(BY_KIND[kind], obj)
        self.reconcile()

    def _prefix(self, node):
        net = self.networks.get(node)
        return net["prefix"] if net else 32

    def network_type(self):
        net = self.store.find(BY_KIND["Network"], None, "cluster") or {}
        return (net.get("status") or {}).get("networkType") or (net.get("spec") or {}).get("networkType")

    def controller(self):
        return self.ovn if self.network_type() == "OVNKubernetes" else self.sdn

    def reconcile(self):
        with self.lock:
            desired = self.controller().reconcile()
            self.dataplane.sync(desired)
            self.kubelet.gc()

    def assignments(self):
        with self.lock:
            return dict(self.controller().assignments)
