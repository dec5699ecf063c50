"""Structural validation, like the real API server's OpenAPI/CRD schema checks.

Only the *shape* is checked (types, required name, IPv4/CIDR syntax of egress fields, as the
HostSubnet/NetNamespace CRD patterns do). Semantically bad egress settings (one IP on two
nodes, an IP outside the node network, ...) are accepted, as on a real cluster: catching them
is the collection's job."""
import re

NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
IPV4 = re.compile(r"^(([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\.){3}"
                  r"([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])$")
CIDR4 = re.compile(IPV4.pattern[:-1] + r"/([0-9]|[12][0-9]|3[0-2])$")

TYPES = {"string": str, "array": list, "object": dict, "integer": int, "boolean": bool}


def _type(errors, obj, path, want, optional=True):
    value = obj.get(path[-1]) if isinstance(obj, dict) else None
    if value is None:
        if not optional:
            errors.append((".".join(path), "Required value"))
        return None
    if not isinstance(value, TYPES[want]) or (want == "integer" and isinstance(value, bool)):
        name = ".".join(path)
        errors.append((name, 'Invalid value: "%s": %s in body must be of type %s: "%s"'
                       % (_jtype(value), name, want, _jtype(value))))
        return None
    return value


def _jtype(v):
    for name, t in (("boolean", bool), ("integer", int), ("number", float), ("string", str),
                    ("array", list), ("object", dict)):
        if isinstance(v, t):
            return name
    return "null"


def _strings(errors, obj, path, pattern=None):
    items = _type(errors, obj, path, "array")
    for i, item in enumerate(items or []):
        name = "%s[%d]" % (".".join(path), i)
        if not isinstance(item, str):
            errors.append((name, 'Invalid value: "%s": %s in body must be of type string: "%s"'
                           % (_jtype(item), name, _jtype(item))))
        elif pattern is not None and not pattern.match(item):
            errors.append((name, "Invalid value: \"%s\": %s in body should match '%s'"
                           % (item, name, pattern.pattern)))


def validate(kind, obj):
    """Return a list of (field, message); empty when the object is acceptable."""
    errors = []
    if not isinstance(obj, dict):
        return [("", "Invalid value: the body must be a JSON object")]
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return [("metadata", "Required value: name or generateName is required")]
    name = meta.get("name")
    if not name:
        errors.append(("metadata.name", "Required value: name or generateName is required"))
    elif not isinstance(name, str) or len(name) > 253 or not NAME.match(name):
        errors.append(("metadata.name", 'Invalid value: "%s": a lowercase RFC 1123 subdomain must '
                       "consist of lower case alphanumeric characters, '-' or '.'" % (name,)))
    for field in ("labels", "annotations"):
        value = _type(errors, meta, ["metadata", field], "object")
        for k, v in (value or {}).items():
            if not isinstance(v, str):
                errors.append(("metadata.%s.%s" % (field, k), "Invalid value: must be a string"))
    check = CHECKS.get(kind.kind)
    if check:
        check(errors, obj)
    return errors


def _hostsubnet(errors, obj):
    for f in ("host", "hostIP", "subnet"):
        _type(errors, obj, [f], "string")
    _strings(errors, obj, ["egressIPs"], IPV4)
    _strings(errors, obj, ["egressCIDRs"], CIDR4)


def _netnamespace(errors, obj):
    _type(errors, obj, ["netname"], "string")
    netid = _type(errors, obj, ["netid"], "integer")
    if netid is not None and not 0 <= netid <= 16777215:
        errors.append(("netid", "Invalid value: %d: netid should be less than or equal to 16777215" % netid))
    _strings(errors, obj, ["egressIPs"], IPV4)


def _egressip(errors, obj):
    spec = _type(errors, obj, ["spec"], "object", optional=False)
    if spec is not None:
        _strings(errors, spec, ["spec", "egressIPs"])
        _type(errors, spec, ["spec", "namespaceSelector"], "object")
        _type(errors, spec, ["spec", "podSelector"], "object")
    status = _type(errors, obj, ["status"], "object")
    items = _type(errors, status or {}, ["status", "items"], "array") if status else None
    for i, item in enumerate(items or []):
        if not isinstance(item, dict):
            errors.append(("status.items[%d]" % i, "Invalid value: must be an object"))


def _node(errors, obj):
    _type(errors, obj, ["spec"], "object")
    status = _type(errors, obj, ["status"], "object")
    if status:
        for field in ("conditions", "addresses"):
            for i, item in enumerate(_type(errors, status, ["status", field], "array") or []):
                if not isinstance(item, dict) or not isinstance(item.get("type"), str):
                    errors.append(("status.%s[%d].type" % (field, i), "Required value"))


def _lease(errors, obj):
    """k8s.io/kubernetes pkg/apis/coordination/validation/validation.go ValidateLeaseSpec:
    leaseDurationSeconds "must be greater than 0" (also leaseTransitions >= 0)."""
    spec = _type(errors, obj, ["spec"], "object")
    if spec is None:
        return
    for field in ("holderIdentity", "acquireTime", "renewTime"):
        _type(errors, spec, ["spec", field], "string")
    duration = _type(errors, spec, ["spec", "leaseDurationSeconds"], "integer")
    if duration is not None and duration <= 0:
        errors.append(("spec.leaseDurationSeconds", "Invalid value: %d: must be greater than 0" % duration))
    transitions = _type(errors, spec, ["spec", "leaseTransitions"], "integer")
    if transitions is not None and transitions < 0:
        errors.append(("spec.leaseTransitions", "Invalid value: %d: must be greater than or equal to 0"
                       % transitions))


def _objects(*fields):
    def check(errors, obj):
        for f in fields:
            _type(errors, obj, [f], "object")
    return check


CHECKS = {"HostSubnet": _hostsubnet, "NetNamespace": _netnamespace, "EgressIP": _egressip,
          "Node": _node, "Namespace": _objects("spec", "status"),
          "Network": _objects("spec", "status"), "Infrastructure": _objects("spec", "status"), "Lease": _lease,
          "Pod": _objects("spec", "status"), "ClusterVersion": _objects("spec", "status")}
