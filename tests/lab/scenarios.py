"""Start states of the lab (``--scenario``).

Every address here is *object data* of the emulated cluster, never configured on a host by the
lab itself (except by ``--dataplane``, inside namespaces the tests create).

- ``seed``: the blog's cluster on documentation addresses (198.51.100.0/24), openshift-sdn.
- ``seed-ovn``: the same nodes with OVN-Kubernetes (EgressIP objects, node-primary-ifaddr).
- ``empty``: only the ``cluster`` Network object (OpenShiftSDN).

Every scenario also has the ClusterVersion ``version`` whose ``spec.clusterID`` is the lab's
cluster identity (``--cluster-id``; default a random UUID, so two lab instances are two
clusters, as two real clusters are: the installer writes a random UUID there).
- ``scale:NODES:NAMESPACES``: generated, for benchmarks. Nodes ``node-0001``.. are on
  198.18.0.0/15 (RFC 2544 benchmarking range, object data only: 198.51.100.0/24 cannot hold
  1000 nodes), host IPs 198.18.0.11, 198.18.0.12, ...; namespaces ``ns-0001``.. with
  NetNamespaces of sequential netids starting at 1000001.
"""
import ipaddress
import json
import uuid

PRIMARY_IFACE = "enp1s0"
SEED_NET = "198.51.100.0/24"
SEED_NODES = (  # name, role, host IP, HostSubnet subnet (object data only)
    ("master01", "master", "198.51.100.141", "10.10.0.0/23"),
    ("master02", "master", "198.51.100.142", "10.9.0.0/23"),
    ("master03", "master", "198.51.100.143", "10.8.0.0/23"),
    ("worker01", "worker", "198.51.100.144", "10.11.0.0/23"),
    ("worker02", "worker", "198.51.100.145", "10.8.2.0/23"),
)
SEED_NAMESPACES = (("default", 0), ("kube-system", 1), ("mywebserver", 5281170))
TIME = "2026-01-01T00:00:00Z"


def node(name, role, ip, prefix, ovn=False):
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
              "node-role.kubernetes.io/" + role: ""}
    meta = {"name": name, "labels": labels, "annotations": {}}
    if ovn:
        meta["annotations"]["k8s.ovn.org/node-primary-ifaddr"] = json.dumps({"ipv4": "%s/%d" % (ip, prefix)})
    return {"metadata": meta, "spec": {},
            "status": {"addresses": [{"type": "InternalIP", "address": ip},
                                     {"type": "Hostname", "address": name}],
                       "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                       "message": "kubelet is posting ready status",
                                       "lastHeartbeatTime": TIME, "lastTransitionTime": TIME}]}}


def hostsubnet(name, ip, subnet):
    return {"metadata": {"name": name, "annotations": {}}, "host": name, "hostIP": ip, "subnet": subnet}


def namespace(name):
    return {"metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}}}


def netnamespace(name, netid):
    return {"metadata": {"name": name}, "netname": name, "netid": netid}


def network(network_type):
    return {"metadata": {"name": "cluster"},
            "spec": {"clusterNetwork": [{"cidr": "10.8.0.0/14", "hostPrefix": 23}],
                     "networkType": network_type, "serviceNetwork": ["172.30.0.0/16"]},
            "status": {"clusterNetwork": [{"cidr": "10.8.0.0/14", "hostPrefix": 23}],
                       "clusterNetworkMTU": 1450, "networkType": network_type,
                       "serviceNetwork": ["172.30.0.0/16"]}}


def cluster_version(cluster_id):
    # config.openshift.io/v1 ClusterVersion: a singleton named "version"; spec.clusterID is the
    # installer-generated UUID that identifies the cluster (openshift/api config/v1/types_cluster_version.go)
    return {"metadata": {"name": "version"},
            "spec": {"clusterID": cluster_id, "channel": "stable-4.14"},
            "status": {"desired": {"version": "4.14.0"}, "history": [], "observedGeneration": 1,
                       "versionHash": "lab", "availableUpdates": None}}


class Scenario:
    """objects: list of (Kind name, object); networks: node -> lab-side primary interface."""

    def __init__(self, network_type, cluster_id=None):
        self.network_type = network_type
        self.cluster_id = cluster_id or str(uuid.uuid4())
        self.objects = [("Network", network(network_type)), ("ClusterVersion", cluster_version(self.cluster_id))]
        self.networks = {}

    def add_node(self, name, role, ip, cidr, subnet=None, ovn=False):
        net = ipaddress.ip_network(cidr)
        self.networks[name] = {"iface": PRIMARY_IFACE, "ip": ip, "cidr": str(net), "prefix": net.prefixlen}
        self.objects.append(("Node", node(name, role, ip, net.prefixlen, ovn)))
        if subnet:
            self.objects.append(("HostSubnet", hostsubnet(name, ip, subnet)))

    def add_namespace(self, name, netid=None):
        self.objects.append(("Namespace", namespace(name)))
        if netid is not None:
            self.objects.append(("NetNamespace", netnamespace(name, netid)))


def build(spec, cluster_id=None):
    sc = _build(spec)
    if cluster_id:
        sc.cluster_id = cluster_id
        sc.objects[1] = ("ClusterVersion", cluster_version(cluster_id))
    return sc


def _build(spec):
    if spec == "seed":
        sc = Scenario("OpenShiftSDN")
        for name, role, ip, subnet in SEED_NODES:
            sc.add_node(name, role, ip, SEED_NET, subnet)
        for name, netid in SEED_NAMESPACES:
            sc.add_namespace(name, netid)
        return sc
    if spec == "seed-ovn":
        sc = Scenario("OVNKubernetes")
        for name, role, ip, _subnet in SEED_NODES:
            sc.add_node(name, role, ip, SEED_NET, ovn=True)
        for name, _netid in SEED_NAMESPACES:
            sc.add_namespace(name)
        return sc
    if spec == "empty":
        return Scenario("OpenShiftSDN")
    if spec.startswith("scale:"):
        try:
            nodes, namespaces = (int(n) for n in spec.split(":")[1:3])
            if spec.count(":") != 2:
                raise ValueError(spec)
        except ValueError:
            raise ValueError("scale scenario is scale:NODES:NAMESPACES, got %r" % spec) from None
        sc = Scenario("OpenShiftSDN")
        base = ipaddress.ip_address("198.18.0.10")
        for i in range(1, nodes + 1):
            ip = str(base + i)
            # HostSubnets: 10.128.0.0/14 split in /23s (object data only)
            subnet = str(ipaddress.ip_address("10.128.0.0") + (i - 1) * 512) + "/23"
            sc.add_node("node-%04d" % i, "worker", ip, "198.18.0.0/15", subnet)
        sc.add_namespace("default", 0)
        for i in range(1, namespaces + 1):
            sc.add_namespace("ns-%04d" % i, 1000000 + i)
        return sc
    raise ValueError("unknown scenario %r (seed, seed-ovn, empty, scale:NODES:NAMESPACES)" % spec)
