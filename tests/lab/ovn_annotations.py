"""The node annotations the OVN-Kubernetes egress IP controller reads, parsed as it parses them.

Reference: ovn-org/ovn-kubernetes 6c366bb49d6fa57c80d6b39834952ce1d4d9dbb6,
go-controller/pkg/util/node_annotations.go (cited below as ``na:LINE``) and
go-controller/pkg/util/subnet_annotations.go (``sa:LINE``). A parse failure raises
AnnotationError with the Go error text."""
import json
from dataclasses import dataclass, field

from .goip import V4, V6, is_global_unicast, parse_cidr, parse_prefix

IFADDR = "k8s.ovn.org/node-primary-ifaddr"               # na:77
HOST_CIDRS = "k8s.ovn.org/host-cidrs"                    # na:101
CLOUD_CONFIG = "cloud.network.openshift.io/egress-ipconfig"   # na:113
NODE_SUBNETS = "k8s.ovn.org/node-subnets"
UNLIMITED = 2 ** 31 - 1                                  # na:741 UnlimitedNodeCapacity = math.MaxInt32


class AnnotationError(ValueError):
    pass


@dataclass
class EgressConfig:
    """ParsedNodeEgressIPConfiguration (na:765): per family (ip, network) or None, capacity."""
    v4: tuple = None
    v6: tuple = None
    capacity: dict = field(default_factory=lambda: {"ip": UNLIMITED, "ipv4": UNLIMITED, "ipv6": UNLIMITED})


def _annotations(node):
    return (node.get("metadata") or {}).get("annotations") or {}


def _name(node):
    return (node.get("metadata") or {}).get("name")


def _field(obj, key):
    """encoding/json matches struct fields exactly first, then case-insensitively."""
    if key in obj:
        return obj[key]
    for k, v in obj.items():
        if k.lower() == key:
            return v
    return None


def _string(obj, key, what):
    value = _field(obj, key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise AnnotationError('failed to unmarshal annotation: %s for node "%s", err: json: cannot unmarshal %s'
                              % (what[0], what[1], type(value).__name__))
    return value


def ifaddr(node):
    """GetNodeIfAddrAnnotation (na:771-784): the {"ipv4", "ipv6"} strings, at least one set."""
    raw = _annotations(node).get(IFADDR)
    if raw is None:
        raise AnnotationError('%s annotation not found for node "%s"' % (IFADDR, _name(node)))
    try:
        obj = json.loads(raw)
    except ValueError as exc:
        raise AnnotationError('failed to unmarshal annotation: %s for node "%s", err: %s' % (IFADDR, _name(node), exc))
    if not isinstance(obj, dict):
        raise AnnotationError('failed to unmarshal annotation: %s for node "%s", err: not an object'
                              % (IFADDR, _name(node)))
    v4, v6 = (_string(obj, k, (IFADDR, _name(node))) for k in ("ipv4", "ipv6"))
    if not v4 and not v6:
        raise AnnotationError('node: "%s" does not have any IP information set' % _name(node))
    return v4, v6


def _parse_ifaddr(v4, v6, capacity=None):
    """parseNodeEgressIPConfig (na:1019-1044): each non-empty family must be IP/len."""
    cfg = EgressConfig(capacity=capacity or EgressConfig().capacity)
    for family, text in ((V4, v4), (V6, v6)):
        if text:
            parsed = parse_cidr(text)
            if parsed is None:
                raise AnnotationError("invalid CIDR address: %s" % text)
            setattr(cfg, "v4" if family == V4 else "v6", parsed)
    return cfg


def primary_config(node):
    """ParseNodePrimaryIfAddr (na:787-805): bare metal; capacity unlimited."""
    return _parse_ifaddr(*ifaddr(node))


def cloud_config(node):
    """ParseCloudEgressIPConfig (na:969-1017): the first entry of the CNCC annotation; a capacity
    field that is absent stays unlimited (the entry is pre-filled before json.Unmarshal, na:974-983),
    0 means none; the IPs (not the networks) are then taken from node-primary-ifaddr."""
    raw = _annotations(node).get(CLOUD_CONFIG)
    if raw is None:
        raise AnnotationError('%s annotation not found for node "%s"' % (CLOUD_CONFIG, _name(node)))
    try:
        entries = json.loads(raw)
    except ValueError as exc:
        raise AnnotationError('failed to unmarshal annotation: %s for node "%s", err: %s' % (IFADDR, _name(node), exc))
    if not isinstance(entries, list):
        raise AnnotationError('failed to unmarshal annotation: %s for node "%s", err: not a list'
                              % (IFADDR, _name(node)))
    if not entries:
        raise AnnotationError('empty annotation: %s for node: "%s"' % (CLOUD_CONFIG, _name(node)))
    first = entries[0] if isinstance(entries[0], dict) else {}
    addrs = _field(first, "ifaddr") or {}
    capacity = dict(EgressConfig().capacity)
    for key, value in (_field(first, "capacity") or {}).items():
        if key.lower() in capacity and isinstance(value, int):
            capacity[key.lower()] = value
    cfg = _parse_ifaddr(_string(addrs, "ipv4", (CLOUD_CONFIG, _name(node))),
                        _string(addrs, "ipv6", (CLOUD_CONFIG, _name(node))), capacity)
    v4, v6 = ifaddr(node)                                           # na:997-1014
    for attr, text in (("v4", v4), ("v6", v6)):
        if text:
            parsed = parse_cidr(text)
            if parsed is None:
                raise AnnotationError("invalid CIDR address: %s" % text)
            net = getattr(cfg, attr)[1] if getattr(cfg, attr) else None
            setattr(cfg, attr, (parsed[0], net))
    return cfg


def egress_config(node, cloud):
    """GetNodeEIPConfig (na:954-966): the cloud annotation on AWS/GCP/Azure/OpenStack, else the
    primary interface."""
    try:
        return cloud_config(node) if cloud else primary_config(node)
    except AnnotationError as exc:
        raise AnnotationError("unable to generate egress IP config for node %s: %s" % (_name(node), exc))


def mgmt_ips(node):
    """ParseNodeHostSubnetAnnotation(node, "default") (sa:100-150, 170-181): the node's pod
    subnets, from which the management port IPs used by the reachability check come
    (egressip_controller.go:804-811)."""
    raw = _annotations(node).get(NODE_SUBNETS)
    if raw is None:
        raise AnnotationError('could not find "%s" annotation' % NODE_SUBNETS)
    try:
        subnets = json.loads(raw)
    except ValueError as exc:
        raise AnnotationError('could not parse "%s" annotation "%s": %s' % (NODE_SUBNETS, raw, exc))
    if not isinstance(subnets, dict) or not subnets:
        raise AnnotationError("unexpected empty %s annotation" % NODE_SUBNETS)
    default = subnets.get("default")
    if default is None:
        raise AnnotationError('node "%s" has no "%s" annotation for network default' % (_name(node), NODE_SUBNETS))
    out = []
    for subnet in [default] if isinstance(default, str) else default:
        parsed = parse_cidr(subnet)
        if parsed is None:
            raise AnnotationError('error parsing "%s" value: invalid CIDR address: %s' % (NODE_SUBNETS, subnet))
        out.append(parsed[1][2] if parsed[1].num_addresses > 2 else parsed[1][0])   # GetNodeManagementIfAddr: .2
    return out


def host_cidrs(node):
    """ParseNodeHostCIDRsList (na:1158-1170): the raw strings."""
    raw = _annotations(node).get(HOST_CIDRS)
    if raw is None:
        raise AnnotationError('%s annotation not found for node "%s"' % (HOST_CIDRS, _name(node)))
    try:
        cfg = json.loads(raw)
    except ValueError as exc:
        raise AnnotationError('failed to unmarshal host cidrs annotation %s for node "%s": %s'
                              % (raw, _name(node), exc))
    if not isinstance(cfg, list) or not all(isinstance(c, str) for c in cfg):
        raise AnnotationError('failed to unmarshal host cidrs annotation %s for node "%s": not a list of strings'
                              % (raw, _name(node)))
    return cfg


def host_addresses(node):
    """ParseNodeHostCIDRsDropNetMask (na:1108-1128): every host-cidrs address without its mask,
    in ip.String() form; one bad entry fails the whole annotation."""
    out = set()
    for cidr in host_cidrs(node):
        parsed = parse_cidr(cidr)
        if parsed is None:
            raise AnnotationError("failed to parse node host cidr: invalid CIDR address: %s" % cidr)
        out.add(str(parsed[0]))
    return out


def is_ovn_network(cfg, ip):
    """IsOVNNetwork (na:1256-1264): the primary (OVN-managed) network of either family."""
    return ip is not None and any(fam is not None and fam[1] is not None and ip.version == fam[1].version
                                  and ip in fam[1] for fam in (cfg.v4, cfg.v6))


def secondary_network(node, ip):
    """GetSecondaryHostNetworkContainingIP (na:1268-1298): the longest host-cidrs prefix of the
    IP's family that contains it, leaving out the node-primary-ifaddr entries verbatim
    (ParseNodeHostCIDRsExcludeOVNNetworks, na:1140-1156) and non-global-unicast prefixes; "" if none."""
    if ip is None:
        raise AnnotationError("empty IP is not valid")                       # na:1217-1219
    networks = host_cidrs(node)
    for own in ifaddr(node):
        while own and own in networks:                                      # RemoveItemFromSliceUnstable
            networks.remove(own)
    best = None
    for text in networks:
        parsed = parse_prefix(text)
        if parsed is None:
            raise AnnotationError('netip.ParsePrefix("%s"): invalid prefix' % text)
        addr, net = parsed
        if addr.version != ip.version or not is_global_unicast(addr):
            continue
        if ip in net and (best is None or net.prefixlen > best[1].prefixlen):
            best = (text, net)
    return "" if best is None else str(best[1])


def egress_network(node, cfg, ip, cloud):
    """GetEgressIPNetwork (na:1236-1252): the OVN network first, then (bare metal only) a
    secondary host network; "" if the node cannot host the IP."""
    for fam in (cfg.v4, cfg.v6):
        if fam is not None and fam[1] is not None and fam[1].version == ip.version and ip in fam[1]:
            return str(fam[1])
    if cloud:
        return ""
    return secondary_network(node, ip)
