"""Start states of the lab (``--scenario``).

Every address here is *object data* of the emulated cluster, never configured on a host by the
lab itself (except by ``--dataplane``, inside namespaces the tests create).

- ``seed``: the blog's cluster on documentation addresses (198.51.100.0/24), openshift-sdn.
- ``seed-ovn``: the same nodes with OVN-Kubernetes (EgressIP objects; node annotations
  node-primary-ifaddr, host-cidrs and node-subnets as ovnkube-node writes them; Infrastructure
  platform None, i.e. not a cloud: egress IPs come from the node networks).
- ``seed-ovn-dualstack``: seed-ovn, dual-stack: every node also has 2001:db8::<n>/64 (the IPv4
  host number written in hex digits, e.g. worker01 198.51.100.144 and 2001:db8::144) in
  node-primary-ifaddr, host-cidrs and its InternalIPs; IPv6 pod/service networks on 2001:db8:8000::/48
  and 2001:db8:fffe::/112 (object data).
- ``seed-ovn-multinic``: seed-ovn, the workers also on a secondary host network (enp2s0,
  203.0.113.128/25: worker01 203.0.113.144, worker02 203.0.113.145) listed only in host-cidrs, as
  on bare metal; an EgressIP of that network is hosted there (OVN-Kubernetes' secondary host
  network egress IPs).
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
SEED_NET6 = "2001:db8::"           # + the IPv4 host number, /64 (seed-ovn-dualstack)
SECONDARY_NET = "203.0.113.128/25"  # the workers' secondary host network (seed-ovn-multinic)
SECONDARY_IFACE = "enp2s0"
SEED_NODES = (  # name, role, host IP, HostSubnet subnet (object data only)
    ("master01", "master", "198.51.100.141", "10.10.0.0/23"),
    ("master02", "master", "198.51.100.142", "10.9.0.0/23"),
    ("master03", "master", "198.51.100.143", "10.8.0.0/23"),
    ("worker01", "worker", "198.51.100.144", "10.11.0.0/23"),
    ("worker02", "worker", "198.51.100.145", "10.8.2.0/23"),
)
SEED_NAMESPACES = (("default", 0), ("kube-system", 1), ("mywebserver", 5281170))
TIME = "2026-01-01T00:00:00Z"


def node(name, role, ip, prefix, ovn=None):
    """ovn: None (openshift-sdn) or {"ipv6": "IP/LEN" or None, "pods": [subnets], "extra": [CIDRs]}."""
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
              "node-role.kubernetes.io/" + role: ""}
    meta = {"name": name, "labels": labels, "annotations": {}}
    addresses = [{"type": "InternalIP", "address": ip}]
    if ovn is not None:
        primary = {"ipv4": "%s/%d" % (ip, prefix)}
        if ovn.get("ipv6"):
            primary["ipv6"] = ovn["ipv6"]
            addresses.append({"type": "InternalIP", "address": ovn["ipv6"].split("/")[0]})
        ann = meta["annotations"]
        ann["k8s.ovn.org/node-primary-ifaddr"] = json.dumps(primary)
        ann["k8s.ovn.org/host-cidrs"] = json.dumps(sorted(list(primary.values()) + list(ovn.get("extra") or [])))
        pods = ovn.get("pods") or []
        ann["k8s.ovn.org/node-subnets"] = json.dumps({"default": pods if len(pods) > 1 else pods[0]})
    return {"metadata": meta, "spec": {},
            "status": {"addresses": addresses + [{"type": "Hostname", "address": name}],
                       "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                       "message": "kubelet is posting ready status",
                                       "lastHeartbeatTime": TIME, "lastTransitionTime": TIME}]}}


def hostsubnet(name, ip, subnet):
    return {"metadata": {"name": name, "annotations": {}}, "host": name, "hostIP": ip, "subnet": subnet}


def namespace(name):
    return {"metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}}}


def netnamespace(name, netid):
    return {"metadata": {"name": name}, "netname": name, "netid": netid}


def network(network_type, dual=False):
    cluster = [{"cidr": "10.8.0.0/14", "hostPrefix": 23}]
    service = ["172.30.0.0/16"]
    if dual:
        cluster.append({"cidr": "2001:db8:8000::/48", "hostPrefix": 64})
        service.append("2001:db8:fffe::/112")
    return {"metadata": {"name": "cluster"},
            "spec": {"clusterNetwork": cluster, "networkType": network_type, "serviceNetwork": service},
            "status": {"clusterNetwork": cluster, "clusterNetworkMTU": 1400 if dual else 1450,
                       "networkType": network_type, "serviceNetwork": service}}


def infrastructure(platform):
    """config.openshift.io/v1 Infrastructure ``cluster``: OVN-Kubernetes takes its platform type
    from here (cloud platforms use the cloud.network.openshift.io/egress-ipconfig annotation)."""
    return {"metadata": {"name": "cluster"}, "spec": {"platformSpec": {"type": platform}},
            "status": {"platform": platform, "platformStatus": {"type": platform},
                       "infrastructureName": "lab", "controlPlaneTopology": "HighlyAvailable"}}


def cluster_version(cluster_id):
    # config.openshift.io/v1 ClusterVersion: a singleton named "version"; spec.clusterID is the
    # installer-generated UUID that identifies the cluster (openshift/api config/v1/types_cluster_version.go)
    return {"metadata": {"name": "version"},
            "spec": {"clusterID": cluster_id, "channel": "stable-4.14"},
            "status": {"desired": {"version": "4.14.0"}, "history": [], "observedGeneration": 1,
                       "versionHash": "lab", "availableUpdates": None}}


class Scenario:
    """objects: list of (Kind name, object); networks: node -> lab-side primary interface."""

    def __init__(self, network_type, dual=False, platform=None, cluster_id=None):
        self.network_type = network_type
        self.cluster_id = cluster_id or str(uuid.uuid4())
        self.objects = [("Network", network(network_type, dual)), ("ClusterVersion", cluster_version(self.cluster_id))]
        if platform:
            self.objects.append(("Infrastructure", infrastructure(platform)))
        self.networks = {}

    def add_node(self, name, role, ip, cidr, subnet=None, ovn=None):
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
    if spec in ("seed-ovn", "seed-ovn-dualstack", "seed-ovn-multinic"):
        dual = spec == "seed-ovn-dualstack"
        sc = Scenario("OVNKubernetes", dual=dual, platform="None")
        for i, (name, role, ip, subnet) in enumerate(SEED_NODES):
            host = ip.rsplit(".", 1)[1]
            ovn = {"pods": [subnet], "extra": []}
            if dual:
                ovn["ipv6"] = "%s%s/64" % (SEED_NET6, host)
                ovn["pods"].append("2001:db8:8000:%x::/64" % (i + 1))
            if spec == "seed-ovn-multinic" and role == "worker":
                ovn["extra"].append("%s.%s/%d" % (SECONDARY_NET.rsplit(".", 1)[0], host, 25))
            sc.add_node(name, role, ip, SEED_NET, ovn=ovn)
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
    raise ValueError("unknown scenario %r (seed, seed-ovn, seed-ovn-dualstack, seed-ovn-multinic, empty, "
                     "scale:NODES:NAMESPACES)" % spec)
