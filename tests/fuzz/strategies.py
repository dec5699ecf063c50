"""Hypothesis strategies of the fuzzers: option values of every type and shape, and garbage
for any field of any API object.

The connection options (kubeconfig, host, proxy, certificates, ...) are never fuzzed: a
random ``host`` or ``proxy`` would send requests to an address that is not the lab's."""
import json

from hypothesis import strategies as st

# options that choose where requests go or which files are read/written: not fuzzed
CONNECTION_OPTIONS = frozenset([
    "kubeconfig", "context", "host", "api_key", "username", "password", "validate_certs", "ca_cert",
    "client_cert", "client_key", "proxy", "no_proxy", "proxy_headers", "persist_config",
])

SPECIAL_FLOATS = [float("inf"), float("-inf"), float("nan"), -0.0, 1e-300, 1e300, -1.5]
SPECIAL_INTS = [0, -1, 1, 2, 3, 2 ** 31, -2 ** 63, 2 ** 64, 10 ** 30]
SPECIAL_TEXT = [
    "", " ", "inf", "nan", "-1", "0", "1e309", "None", "null", "true", "[]", "{}",
    "198.51.100.60", "198.51.100.61", "198.51.100.0/24", "198.51.100.7/24", "198.51.100.300", "203.0.113.5",
    "198.51.100.100-198.51.100.110", "198.51.100.50-198.51.100.20", "2001:db8::10", "2001:db8::/64",
    "0.0.0.0", "255.255.255.255", "198.51.100.144", "198.51.100.0/33",
    "worker01", "worker02", "master01", "mywebserver", "default", "kube-system", "egressip-a",
    "my\u200bwebserver", "198.51.100.\x0060", "worker01\n", "a" * 300, "\u00e9l\u00e8ve", "\U0001f600",
    "Bad_Name", "-lead", "x" * 64, "enp1s0", "manual", "auto", "present", "absent", "In", "Like",
    "team=a", "k8s.ovn.org/egress-assignable", "kubernetes.io/metadata.name",
]
KEYS = ["name", "egress_ips", "egress_cidrs", "count", "pool", "nodes", "mode", "state", "namespace",
        "namespace_selector", "pod_selector", "matchLabels", "matchExpressions", "key", "operator", "values",
        "network", "interface", "netnamespaces", "hostsubnets", "egressips", "worker01", "mywebserver",
        "ipv4", "ip", "capacity", "ifaddr", "items", "egressIP", "node"]

scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-2 ** 70, max_value=2 ** 70), st.sampled_from(SPECIAL_INTS),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(SPECIAL_FLOATS),
    st.text(max_size=12), st.sampled_from(SPECIAL_TEXT),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=8))

garbage = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)),
    max_leaves=10)

plausible_text = st.one_of(st.sampled_from(SPECIAL_TEXT), st.text(max_size=12))


# valid values of the structured options: the fuzzer puts garbage at one place inside them
SELECTOR = {"matchLabels": {"kubernetes.io/metadata.name": "mywebserver"},
            "matchExpressions": [{"key": "team", "operator": "In", "values": ["a", "b"]}]}
STRUCTURED = {
    "migrate_from": {"network_type": "OpenShiftSDN",
                     "nodes": [{"name": "worker01", "egress_cidrs": ["198.51.100.0/24"], "egress_ips": []},
                               {"name": "worker02", "egress_cidrs": [], "egress_ips": ["198.51.100.130"]}],
                     "namespaces": [{"name": "mywebserver", "egress_ips": ["198.51.100.120"]},
                                    {"name": "billing", "egress_ips": ["198.51.100.130"]}]},
    "namespace_selector": SELECTOR,
    "pod_selector": SELECTOR,
    "node_networks": {"worker01": "198.51.100.0/24", "worker02": {"network": "198.51.100.0/24", "interface": "enp1s0"}},
    "node_interfaces": {"worker01": "enp1s0"},
    "netnamespaces": [{"name": "mywebserver", "egress_ips": ["198.51.100.60"]}, {"name": "default", "count": 1}],
    "hostsubnets": [{"name": "worker01", "egress_cidrs": ["198.51.100.0/24"]}, {"name": "worker02", "egress_ips": []}],
    "egressips": [{"name": "egressip-c", "namespace": "mywebserver", "egress_ips": ["198.51.100.62"]},
                  {"name": "egressip-d", "namespace_selector": SELECTOR, "count": 1}],
}


@st.composite
def corrupted(draw, example):
    """``example`` with garbage at one place (any depth), or as it is."""
    paths = json_paths(example)
    if not paths or draw(st.integers(0, 5)) == 0:
        return json.loads(json.dumps(example))
    path = draw(st.sampled_from(paths))
    return put_at(example, path, draw(garbage))


def for_option(spec, name=None):
    """Values for one option of an Ansible argument spec: garbage of any type, or values of
    its type built from plausible and hostile strings (deeper into the module's own checks),
    or for structured options a valid value with garbage somewhere inside."""
    if name in STRUCTURED:
        return st.one_of(garbage, corrupted(STRUCTURED[name]), corrupted(STRUCTURED[name]))
    kind = spec.get("type", "str")
    typed = {
        "str": plausible_text,
        "int": st.one_of(st.sampled_from(SPECIAL_INTS), st.integers()),
        "float": st.one_of(st.sampled_from(SPECIAL_FLOATS), st.floats(allow_nan=True, allow_infinity=True),
                           st.sampled_from(["inf", "nan", "-inf", "1e309"])),
        "bool": st.booleans(),
        "list": st.lists(plausible_text, max_size=4),
        "dict": st.dictionaries(keys, garbage, max_size=4),
        "raw": garbage,
        "path": plausible_text,
    }.get(kind, garbage)
    if kind == "list" and spec.get("options"):
        typed = st.lists(st.fixed_dictionaries({}, optional=dict(
            (key, st.one_of(for_option(sub, key), garbage)) for key, sub in spec["options"].items())), max_size=3)
    if "choices" in spec:
        typed = st.one_of(st.sampled_from(spec["choices"]), typed)
    return st.one_of(garbage, typed, typed)


def json_paths(obj, prefix=()):
    """Every path (tuple of keys/indexes) to a value inside a JSON document, the root excluded."""
    out = []
    if isinstance(obj, dict):
        for key, value in obj.items():
            out.append(prefix + (key,))
            out.extend(json_paths(value, prefix + (key,)))
    elif isinstance(obj, list):
        for idx, value in enumerate(obj):
            out.append(prefix + (idx,))
            out.extend(json_paths(value, prefix + (idx,)))
    return out


def put_at(obj, path, value):
    """A copy of ``obj`` with the value at ``path`` replaced (a missing last key is added)."""
    obj = json.loads(json.dumps(obj))
    target = obj
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return obj


# fields the fuzzer may add where the lab's object does not have them yet
EXTRA_FIELDS = {
    "HostSubnet": [("egressCIDRs",), ("egressIPs",)],
    "NetNamespace": [("egressIPs",)],
    "Node": [("metadata", "annotations", "cloud.network.openshift.io/egress-ipconfig"),
             ("metadata", "annotations", "k8s.ovn.org/node-primary-ifaddr"),
             ("metadata", "labels", "k8s.ovn.org/egress-assignable"), ("status", "addresses")],
    "EgressIP": [("status",), ("status", "items")],
    "Network": [("status",), ("status", "networkType"), ("spec", "networkType")],
}

# JSON-encoded annotation payloads: garbage inside a string (the annotations are JSON text)
annotation_text = st.one_of(
    garbage.map(lambda v: json.dumps(v, allow_nan=True)),
    st.sampled_from(['[{"interface": "eth0", "ifaddr": {"ipv4": "198.51.100.0/24"}, "capacity": {"ip": -1}}]',
                     '[{"interface": "eth0", "ifaddr": {"ipv4": "198.51.100.0/33"}, "capacity": {"ipv4": 1}}]',
                     '[{"ifaddr": {"ipv6": "2001:db8::/64"}, "capacity": {"ipv6": 3}}]',
                     '[{"interface": 5, "ifaddr": {"ipv4": 7}, "capacity": "x"}]',
                     '{"ipv4": "198.51.100.144/24"}', '{"ipv6": "2001:db8::5/64"}', '{"ipv4": "bogus"}',
                     "not json", "[]", "{}", "null"]))
