# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared read -> change -> validate -> write loop of the writing modules.

One run:

1. Read the cluster once: the Network ``cluster`` object (network type) and one LIST per
   kind the backend needs (openshift-sdn: HostSubnet, NetNamespace, Node).  No per-object
   GETs.  Before that, writing runs (not check mode, ``lock: true``) GET the Lease once
   (``peek``).  No lock is taken for this read, so a converged run writes nothing at all.
2. Build the core ``ClusterState``, apply the module's change in memory (``mutate``),
   diff, and validate the whole resulting state with the core.
3. Blocking rule: an error finding blocks when it involves an object the task names or
   changes, or when it is new (not present before the change).  Pre-existing errors on
   objects the task does not touch are reported with ``blocking: false`` and do not prevent
   fixing things.  Warnings block under the same rule, only when new, and only those in
   ``BLOCKING_WARNING_CODES``, unless ``force: true``; ``force`` never overrides errors.
4. Nothing to change or check mode: return (diff included).  Otherwise take the Lease.  If
   it was taken at the very version seen by ``peek`` (nobody held the lock in between, and
   the Lease is kept across runs, its holder cleared on release), the state read is current;
   otherwise re-read, re-plan and re-validate under the lock.  Then write only the changed
   objects as JSON merge patches carrying the resourceVersion read.
   Write order (computed while planning, shown in ``plan.order``): the core's order
   (HostSubnets gaining addresses, NetNamespaces, HostSubnets losing addresses); when an
   address moves between objects, greedily the order whose intermediate states add the
   fewest errors, double claims weighing most.
5. A 409 re-reads, re-plans, re-validates and retries (5 attempts in all).  Any other
   failure stops the writes and rolls back what this attempt wrote (merge patches back to
   the values read, with the resourceVersion of our write); the error says what was
   written, rolled back and not written.
6. After writing, the state as written (each written object as the server returned it) is
   validated again (``findings_after``); errors there on touched objects become warnings.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import json
import re
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.ocp.egressip.plugins.module_utils.k8s.client import (
    AUTH_ARG_SPEC,
    HAS_KUBERNETES,
    KUBERNETES_IMPORT_ERROR,
    ApiError,
    ClientError,
    client_from_params,
)
from ansible_collections.ocp.egressip.plugins.module_utils.k8s.lease import Lease, LockError
from ansible_collections.ocp.egressip.plugins.module_utils.core.options import (
    OptionError, check_lock_options, check_node_interfaces,
)
from ansible_collections.ocp.egressip.plugins.module_utils.core.text import printable
from ansible_collections.ocp.egressip.plugins.module_utils.k8s.quarantine import Quarantine, released_ips

try:
    from ansible_collections.ocp.egressip.plugins.module_utils.core import validate as core_validate
    from ansible_collections.ocp.egressip.plugins.module_utils.core.findings import shorten
    HAS_CORE = True
    CORE_IMPORT_ERROR = None
except ImportError:
    HAS_CORE = False
    CORE_IMPORT_ERROR = traceback.format_exc()

MAX_ATTEMPTS = 5

NETWORK_ARG_SPEC = dict(
    node_networks=dict(type="dict", default={}),
    node_network=dict(type="str"),
    node_interfaces=dict(type="dict", default={}),
    node_interface=dict(type="str"),
    reserved_ips=dict(type="list", elements="str", default=[]),
    gateway=dict(type="str"),
    gateways=dict(type="list", elements="str", default=[]),
)

WRITE_ARG_SPEC = dict(
    force=dict(type="bool", default=False),
    lock=dict(type="bool", default=True),
    lock_name=dict(type="str", default="ocp-egressip-lock"),
    lock_namespace=dict(type="str", default="default"),
    lock_ttl=dict(type="int", default=60),
    lock_timeout=dict(type="float", default=120),
    quarantine_period=dict(type="int", default=3600),
    quarantine_record=dict(type="str", default="ocp-egressip-released"),
    held_ips=dict(type="dict", default={}),
)

# Warnings that block a write (unless force: true) when the change introduces them on an
# object it touches.  Other warnings (high availability advice, an IP pinned before its
# namespace uses it, a check skipped for lack of data) are reported and never block: they
# are normal intermediate states of multi-task set-ups.
BLOCKING_WARNING_CODES = set(["NAMESPACE_MULTIPLE_AUTO_IPS", "IP_NODE_NOT_READY"])


def option_names(exc):
    """A core error as the user knows the options: the core's default_network is node_network."""
    text = str(exc)
    if text.startswith("default_network:"):
        text = "node_network:" + text[len("default_network:"):]
    return text


class RunnerError(Exception):
    """A failure to report with fail_json; ``extra`` goes into the result."""

    def __init__(self, msg, **extra):
        super(RunnerError, self).__init__(msg)
        self.msg = msg
        self.extra = extra


def argument_spec(write=True, network=True, **module_spec):
    spec = copy.deepcopy(AUTH_ARG_SPEC)
    if network:
        spec.update(copy.deepcopy(NETWORK_ARG_SPEC))
    if write:
        spec.update(copy.deepcopy(WRITE_ARG_SPEC))
    spec.update(module_spec)
    return spec


def _infinite(value):
    if isinstance(value, float):
        return value in (float("inf"), float("-inf"))
    if isinstance(value, str):
        try:
            return float(value) in (float("inf"), float("-inf"))
        except ValueError:
            return False
    return False


def _mark_infinite_ints(spec, params):
    """ansible-core's check_type_int lets OverflowError escape for an infinite value (int(Decimal
    ("Infinity"))) and for a list holding a huge number (Decimal's tuple form): the module would
    crash instead of failing.  Such a value of an int option is made a string the check refuses
    with its usual message naming the option."""
    if not isinstance(params, dict):
        return
    for name, option in spec.items():
        value = params.get(name)
        if option.get("type") == "int" and (_infinite(value) or isinstance(value, (list, tuple))):
            params[name] = "%r (not a finite integer)" % (value,)
        elif option.get("options") and isinstance(value, list):
            for item in value:
                _mark_infinite_ints(option["options"], item)
        elif option.get("options"):
            _mark_infinite_ints(option["options"], value)


class EgressModule(AnsibleModule):
    """AnsibleModule whose failure messages and warnings escape non-printable characters
    (text.printable), ansible-core's own argument errors included ("got: my\u200bwebserver")."""

    def _load_params(self):
        super(EgressModule, self)._load_params()
        _mark_infinite_ints(self.argument_spec, self.params)

    def fail_json(self, msg, **kwargs):
        super(EgressModule, self).fail_json(msg=printable(msg), **kwargs)

    def warn(self, warning):
        super(EgressModule, self).warn(printable(warning))


def new_module(argspec, **kwargs):
    """AnsibleModule plus the library checks every module needs."""
    module = EgressModule(argument_spec=argspec, supports_check_mode=True, **kwargs)
    if module.params.get("assume_egress_cidrs") and not module.check_mode:
        module.fail_json(msg="assume_egress_cidrs: %r: only in check mode (it describes a plan made before the "
                             "HostSubnets carry their egressCIDRs); nothing was read or written"
                             % (module.params["assume_egress_cidrs"],))
    if not HAS_KUBERNETES:
        module.fail_json(msg=missing_required_lib("kubernetes"), exception=KUBERNETES_IMPORT_ERROR)
    if not HAS_CORE:
        lib = "netaddr" if "netaddr" in (CORE_IMPORT_ERROR or "") else "ocp.egressip core module_utils"
        module.fail_json(msg=missing_required_lib(lib), exception=CORE_IMPORT_ERROR)
    return module


PIN_OWNERS_ANNOTATION = "ocp.egressip/pin-owners"


def pin_owners_of(ips, outcome):
    """{ip: namespace} for pinned addresses, from the planned state (else the state read)."""
    owners = {}
    for state in (outcome.mutation.state, outcome.before):
        for name in sorted(state.namespaces):
            for ip in state.namespaces[name].egress_ips:
                if ip in ips:
                    owners.setdefault(ip, name)
    return owners


def pin_owners_read(raw_hostsubnets):
    """{ip: namespace} from the annotations of the HostSubnets read, for the pins they hold."""
    owners = {}
    for obj in raw_hostsubnets.values():
        text = ((obj.get("metadata") or {}).get("annotations") or {}).get(PIN_OWNERS_ANNOTATION)
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        for ip in obj.get("egressIPs") or []:
            if isinstance(data.get(ip), str):
                owners[ip] = data[ip]
    return owners


def keep_cidrs(current, wanted):
    """The node's CIDRs plus the wanted ones, in order, without repeats."""
    out = list(current)
    for cidr in wanted:
        if cidr not in out:
            out.append(cidr)
    return out


def ref(kind, name):
    return "%s/%s" % (kind, name)


def index_by_name(kind, items):
    """{metadata.name: object} of a LIST answer; RunnerError naming the object when one has no
    usable name (a corrupt object must not crash every later step that keys on its name)."""
    out = {}
    for idx, obj in enumerate(items):
        meta = obj.get("metadata") if isinstance(obj, dict) else None
        name = meta.get("name") if isinstance(meta, dict) else None
        if not isinstance(name, str) or not name:
            raise RunnerError("%s list item %d: metadata%s: %r: must be a mapping with a non-empty name" % (
                kind, idx, ".name" if isinstance(meta, dict) else "", name if isinstance(meta, dict) else meta))
        out[name] = obj
    return out


def network_type_of(net):
    """status.networkType, else spec.networkType of the Network object (None when unset);
    RunnerError naming the field when it is not what the API defines."""
    for part in ("status", "spec"):
        section = net.get(part) if isinstance(net, dict) else None
        if section is None:
            continue
        if not isinstance(section, dict):
            raise RunnerError('Network "cluster" %s: %r: must be a mapping' % (part, section))
        value = section.get("networkType")
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise RunnerError('Network "cluster" %s.networkType: %r: must be a string' % (part, value))
        return value
    return None


def empty_batch_note(option):
    """What an empty batch (``netnamespaces: []``) does: nothing, said so."""
    return "%s: []: an empty batch, nothing to do" % option


def allocate_held(allocate, state, requests, context):
    """``allocate`` (core allocate()) respecting held addresses (quarantine, firewall records).
    The record is read only when the plan hands out a new address (a converged run makes no
    extra request): plan without it first, and again with it when something new was picked."""
    plan = allocate(state, requests)
    if not context or not context.get("held"):
        return plan
    new = any(set(plan.ips[r.namespace]) - set(state.namespaces[r.namespace].egress_ips) for r in requests)
    if not new:
        return plan
    return allocate(state, requests, held=context["held"]())


def refuse_held(state, before, context):
    """Explicit addresses new to a namespace that are held for another one (quarantine, a
    firewall record that still names them) are refused, naming the holder and until when."""
    if not context or not context.get("held"):
        return
    new = {}
    for name, ips in before.items():
        for ip in set(state.namespaces[name].egress_ips) - set(ips):
            new[ip] = name
    if not new:
        return
    held = context["held"]()
    bad = ['egress IP "%s" for %s: %s' % (ip, name, held[ip][1])
           for ip, name in sorted(new.items()) if ip in held and name not in held[ip][0]]
    if bad:
        raise RunnerError("refusing to hand out addresses held for another namespace: %s (wait, or set "
                          "quarantine_period: 0 / update the firewall records if you are sure)" % "; ".join(bad))


def finding_key(finding):
    return (finding.code, finding.message)


# --------------------------------------------------------------------------------------
# backends: which kinds a network plugin needs and how its objects map to the core.
# The backends live in sdn/ and ovn/ and import this module, never the reverse.
# --------------------------------------------------------------------------------------

class Backend(object):
    network_type = None
    kinds = ()               # kinds listed on every read
    fields = {}              # kind -> egress fields written by this backend
    # what the write-refusal message suggests when the cluster runs another network type
    other_modules = ""

    def build_state(self, raw, options):
        raise NotImplementedError

    def diff(self, before, after):
        raise NotImplementedError

    def apply_change(self, state, change):
        raise NotImplementedError

    def write_rank(self, change):
        return 1

    def advisories(self, state, scope):
        """Non-blocking findings (dicts) the core cannot make, e.g. checks skipped for lack of data."""
        return []


def as_list(value):
    return list(value or [])


class Mutation(object):
    """What a module's change function returns."""

    def __init__(self, state, named=(), plan=None, result=None, notes=()):
        self.state = state
        self.named = set(named)     # "Kind/name" of the objects the task addresses
        self.plan = plan or {}      # module-specific plan details (returned under "plan")
        self.result = result or {}  # module-specific top-level return values
        self.notes = list(notes)    # said to the user as warnings (an empty batch, ...)


class Outcome(object):
    def __init__(self, before, mutation, changes, findings_before, findings_after, scope):
        self.before = before
        self.mutation = mutation
        self.after = mutation.state
        self.changes = changes
        self.findings_before = findings_before
        self.findings = findings_after
        self.scope = scope
        self.blocking = []
        self.order = list(changes)


def classify(findings_before, findings_after, scope, force=False, blocking_warnings=None):
    """Mark each finding of the resulting state as blocking or not (see module doc).
    ``blocking_warnings``: the warning codes that block when new (default BLOCKING_WARNING_CODES)."""
    if blocking_warnings is None:
        blocking_warnings = BLOCKING_WARNING_CODES
    before_keys = set(finding_key(f) for f in findings_before)
    out = []
    blocking = []
    for f in findings_after:
        in_scope = bool(set(f.objects) & scope) or finding_key(f) not in before_keys
        if f.severity == "error":
            block = in_scope
        else:
            block = in_scope and not force and f.code in blocking_warnings \
                and finding_key(f) not in before_keys
        d = f.to_dict()
        d["blocking"] = block
        out.append(d)
        if block:
            blocking.append(f)
    return out, blocking


def _fork(state):
    fork = getattr(state, "fork", None)
    return fork() if fork is not None else state.copy()


# Findings that mean a namespace has (or will have) no failover: shown as warnings of the run
# that causes or sees them, not only in reports.
FAILOVER_CODES = set(["NAMESPACE_SINGLE_NODE", "CIDR_SINGLE_NODE", "IP_NODE_NOT_READY", "NAMESPACE_EGRESS_DROPPED",
                      "EGRESSIP_NOT_ALL_ASSIGNABLE"])


def failover_warnings(finding_dicts, scope, state=None):
    """Warning texts for failover findings about the objects the task names or changes; a CIDR
    that only one Ready node can host counts when it holds an address of a namespace in scope."""
    ips = set()
    for name, ns in ((state.namespaces.items()) if state is not None else ()):
        if set(["NetNamespace/" + name, "EgressIP/" + name]) & scope:
            ips.update(ns.egress_ips)
    out = []
    for f in finding_dicts:
        if f.get("code") not in FAILOVER_CODES:
            continue
        if set(f.get("objects") or []) & scope or (f["code"] == "CIDR_SINGLE_NODE" and _cidr_holds(f["message"], ips)):
            out.append("no failover: %s" % f["message"])
    return out


def _cidr_holds(message, ips):
    match = re.search(r'(?:egressCIDRs|node network) "([^"]+)"', message)
    if not match or not ips:
        return False
    # imported here: the core needs netaddr, which new_module reports when it is missing
    from ansible_collections.ocp.egressip.plugins.module_utils.core.addresses import cidr_contains, classify_cidr, classify_ip
    net, bad = classify_cidr(match.group(1))
    if bad:
        return False
    return any(not classify_ip(ip)[1] and cidr_contains(net, classify_ip(ip)[0]) for ip in ips)


# Intermediate states with two claimants of one address risk ARP conflicts on the node
# network: worse than an address briefly hosted by no node.
CONFLICT_CODES = set(["IP_MULTIPLE_NODES", "IP_MULTIPLE_NAMESPACES", "NAMESPACE_MULTIPLE_IPS_ON_NODE"])
MAX_ORDER_CANDIDATES = 20


def _moves(changes):
    gained, lost = set(), set()
    for change in changes:
        for key in set(change.before) | set(change.after):
            old, new = set(as_list(change.before.get(key))), set(as_list(change.after.get(key)))
            gained |= new - old
            lost |= old - new
    return gained & lost


def order_changes(backend, before, changes, allowed_keys):
    """Order writes so that each intermediate state adds as few errors as possible (none
    outside ``allowed_keys`` where an order allows it; address conflicts weigh most)."""
    # preference: the core's order (diff_sdn: HostSubnets gaining IPs, NetNamespaces,
    # HostSubnets losing IPs), then the backend's rank for changes it does not order
    pending = sorted(changes, key=backend.write_rank)
    if len(pending) <= 1 or not _moves(pending):
        # nothing is taken from one object and given to another: gaining first and losing
        # last never passes through a state worse than the two ends
        return pending
    ordered = []
    current = _fork(before)
    while pending:
        best = None
        for idx, change in enumerate(pending[:MAX_ORDER_CANDIDATES]):
            trial = _fork(current)
            backend.apply_change(trial, change)
            score = 0
            for f in core_validate.validate(trial):
                if f.severity == "error" and finding_key(f) not in allowed_keys:
                    score += 10 if f.code in CONFLICT_CODES else 1
            if best is None or score < best[0]:
                best = (score, idx, trial)
            if score == 0:
                break
        current = best[2]
        ordered.append(pending.pop(best[1]))
    return ordered


# --------------------------------------------------------------------------------------
# the runner
# --------------------------------------------------------------------------------------

class Runner(object):
    def __init__(self, module, client=None, backend=None):
        self.module = module
        self.params = module.params
        try:
            check_lock_options(self.params)
            check_node_interfaces(self.params)
            self.client = client or client_from_params(self.params)
        except (ClientError, OptionError) as exc:
            module.fail_json(msg=printable(exc))
        self.network_type = None
        self.backend = backend
        self.raw = {}
        self.warnings = list(getattr(self.client, "warnings", []))   # validate_certs: false
        self.quarantine = None
        if self.params.get("quarantine_period") is not None:
            if self.params["quarantine_period"] < 0:
                module.fail_json(msg="quarantine_period: %r: must be >= 0 (seconds; 0 turns the quarantine off)"
                                 % self.params["quarantine_period"])
            self.quarantine = Quarantine(self.client, self.params["quarantine_record"], self.params["lock_namespace"],
                                         self.params["quarantine_period"], self.params.get("held_ips") or {},
                                         warn=self.warnings.append)

    # -- reading --------------------------------------------------------------
    def read_network_type(self):
        try:
            net = self.client.get("Network", "cluster")
        except ApiError as exc:
            if exc.status in (403, 404):
                self.warnings.append("cannot read networks.config.openshift.io/cluster (%s); "
                                     "assuming OpenShiftSDN" % exc.status)
                return "OpenShiftSDN"
            raise
        return network_type_of(net) or "OpenShiftSDN"

    def read_cluster_id(self):
        """The cluster's identity, keying its records on shared firewalls: ClusterVersion
        "version" spec.clusterID (the installer's UUID), else the uid of the Network "cluster";
        "" when neither can be read."""
        for kind, name, field in (("ClusterVersion", "version", ("spec", "clusterID")),
                                  ("Network", "cluster", ("metadata", "uid"))):
            try:
                value = (self.client.get(kind, name).get(field[0]) or {}).get(field[1])
            except ApiError as exc:
                if exc.status in (403, 404):
                    continue
                raise
            if value:
                return str(value)
        return ""

    def read(self, kinds=None):
        if self.network_type is None:
            self.network_type = self.read_network_type()
            if self.network_type != self.backend.network_type:
                raise RunnerError("the cluster's network type is %s; this module manages %s%s" % (
                    self.network_type, self.backend.network_type, self.backend.other_modules),
                    network_type=self.network_type)
        for kind in kinds or self.backend.kinds:
            self.raw[kind] = index_by_name(kind, self.client.list(kind))
        if self.quarantine is not None:
            self.quarantine.reset()      # read again, lazily, when an allocation needs it
        return self.raw

    def build(self):
        state = self.backend.build_state(self.raw, self.params)
        assume = self.params.get("assume_egress_cidrs") or {}
        for name in sorted(assume):
            # a plan made before the HostSubnets carry their egressCIDRs (role egressip: the
            # CIDRs are written first by the apply); check mode only (see new_module)
            if name not in state.nodes:
                raise RunnerError('assume_egress_cidrs: HostSubnet "%s" not found' % name)
            cidrs = assume[name]
            if isinstance(cidrs, str):
                cidrs = [c for c in cidrs.replace(",", " ").split() if c]
            if not isinstance(cidrs, list) or not all(isinstance(c, str) for c in cidrs):
                raise RunnerError("assume_egress_cidrs: %s: %r: must be a list of CIDRs" % (name, cidrs))
            state.set_node_egress(name, egress_cidrs=keep_cidrs(state.nodes[name].egress_cidrs, cidrs))
        # IPv4 ones: the core's address math is IPv4; the IPv6 gateways of dual-stack nodes are
        # blocked by the OVN backend's IPv6 allocation (ovn/runner.py allocate_ipv6)
        gateways = [g for g in self.params.get("gateways") or [] if ":" not in str(g)]
        if gateways:
            # learnt from the nodes' default routes (role egressip): never handed out
            state.gateways = frozenset(set(state.gateways) | set(gateways))
            state.invalidate()
        return state

    def context(self):
        """What the change functions may need beyond the core state."""
        control_plane = set()
        for name, node in (self.raw.get("Node") or {}).items():
            labels = node["metadata"].get("labels")
            if not isinstance(labels, dict):    # a corrupt Node is reported by the state builder
                continue
            if "node-role.kubernetes.io/master" in labels or "node-role.kubernetes.io/control-plane" in labels:
                control_plane.add(name)
        return dict(control_plane=control_plane, held=self.held,
                    pin_owners=pin_owners_read(self.raw.get("HostSubnet") or {}))

    def held(self):
        """{ip: (namespaces, reason)} not to hand to other namespaces (quarantine.py); reads the
        record on first use, so runs that allocate nothing make no extra request."""
        if self.quarantine is None:
            return {}
        return self.quarantine.held()

    # -- planning -------------------------------------------------------------
    def plan(self, mutate):
        before = self.build()
        mutation = mutate(before.copy(), self.context())
        changes = self.backend.diff(before, mutation.state)
        findings_before = core_validate.validate(before)
        findings_after = core_validate.validate(mutation.state)
        scope = set(mutation.named) | set(ref(c.kind, c.name) for c in changes)
        outcome = Outcome(before, mutation, changes, findings_before, findings_after, scope)
        outcome.finding_dicts, outcome.blocking = classify(findings_before, findings_after, scope,
                                                           force=self.params.get("force"))
        outcome.finding_dicts.extend(self.backend.advisories(mutation.state, scope))
        allowed = set(finding_key(f) for f in findings_before) | set(finding_key(f) for f in findings_after)
        outcome.order = order_changes(self.backend, before, changes, allowed)
        return outcome

    def check_blocking(self, outcome):
        if not outcome.blocking:
            return
        raise RunnerError("refusing to write: %s" % shorten(f.message for f in outcome.blocking),
                          findings=outcome.finding_dicts, changes=[c.to_dict() for c in outcome.changes],
                          plan=self.plan_dict(outcome))

    def plan_dict(self, outcome, order=None):
        d = dict(outcome.mutation.plan)
        d["order"] = [ref(c.kind, c.name) for c in (order if order is not None else outcome.order)]
        return d

    # -- writing --------------------------------------------------------------
    def _patch_body(self, change, resource_version, values):
        body = {"metadata": {"resourceVersion": resource_version}}
        for key, value in values.items():
            # an emptied list is removed (null in a merge patch), as the platform writes it: the
            # API types declare egressIPs/egressCIDRs `omitempty` and the SDN master drops the key
            # (master/egressip.go), so `oc get` shows a blank cell rather than [] either way
            body[key] = value if value else None
        if change.kind == "HostSubnet" and "egressIPs" in values:
            # which namespace each pin is for, written with the pin: after a run killed (or whose
            # token was revoked) between the pins and the NetNamespace, a re-run of the same
            # request recognises its own orphaned pins instead of counting them as taken
            owners = pin_owners_of(values.get("egressIPs") or [], self.outcome)
            body["metadata"]["annotations"] = {PIN_OWNERS_ANNOTATION: json.dumps(owners, sort_keys=True)
                                               if owners else None}
        return body

    def _apply(self, change):
        """Write one change: a merge patch carrying the resourceVersion read (subclasses for other
        kinds of writes override this, _record and _undo)."""
        obj = self.raw[change.kind].get(change.name)
        if obj is None:
            raise RunnerError("%s %s does not exist" % (change.kind, change.name))
        rv = obj["metadata"].get("resourceVersion")
        return self.client.merge_patch(change.kind, change.name, self._patch_body(change, rv, change.after))

    def _record(self, change, resp):
        self.raw[change.kind][change.name] = resp

    def write(self, outcome, lease=None, previously_written=()):
        order = outcome.order
        written = []   # (change, response)
        for idx, change in enumerate(order):
            if lease is not None:
                try:
                    lease.renew_if_needed()
                except LockError as exc:
                    raise RunnerError("%s; written before: %s; not written: %s" % (
                        exc, [ref(c.kind, c.name) for c, _r in written] or "none",
                        [ref(c.kind, c.name) for c in order[idx:]]))
            try:
                resp = self._apply(change)
            except ApiError as exc:
                if exc.conflict:
                    # objects already written are consistent on their own (ordering) and the
                    # retry re-plans from the state re-read; nothing to roll back
                    raise _Conflict(exc, written)
                self.rollback_and_fail(exc, change, order, written, previously_written)
            written.append((change, resp))
            self._record(change, resp)
        return order, written

    def _undo(self, pairs):
        """Write back the values read before each (change, response) in ``pairs``, last first.
        Returns (rolled back, rollback failures) as "Kind/name" lists."""
        rolled, rollback_failed = [], []
        for change, resp in reversed(list(pairs)):
            values = dict((k, change.before.get(k)) for k in change.after
                          if change.before.get(k) != change.after.get(k))
            rv = resp.get("metadata", {}).get("resourceVersion")
            for _attempt in range(3):
                try:
                    self.client.merge_patch(change.kind, change.name, self._patch_body(change, rv, values))
                    rolled.append(ref(change.kind, change.name))
                    break
                except ApiError as rexc:
                    if rexc.conflict:
                        try:
                            rv = self.client.get(change.kind, change.name)["metadata"]["resourceVersion"]
                            continue
                        except ApiError:
                            pass
                    rollback_failed.append("%s (%s)" % (ref(change.kind, change.name), rexc))
                    break
            else:
                rollback_failed.append(ref(change.kind, change.name))
        return rolled, rollback_failed

    def rollback_and_fail(self, exc, failed, order, written, previously_written=()):
        # this attempt's writes, then those of earlier attempts (a 409 retried): all of them,
        # so that a failed run leaves the cluster as it found it
        rolled, rollback_failed = self._undo(list(getattr(self, "_earlier_pairs", [])) + list(written))
        done = [ref(c.kind, c.name) for c, _r in written]
        idx = order.index(failed)
        not_written = [ref(c.kind, c.name) for c in order[idx:]]
        msg = "writing %s failed: %s. Written before the failure: %s; rolled back: %s; not written: %s" % (
            ref(failed.kind, failed.name), exc, done or "none", rolled or "none", not_written)
        earlier = [ref(c.kind, c.name) for c in previously_written]
        if earlier:
            msg += "; written in an earlier attempt (rolled back too): %s" % earlier
            done = earlier + done
        if rollback_failed:
            msg += "; ROLLBACK FAILED for %s (these objects keep the new values, which were validated " \
                   "together with the rest of the plan)" % rollback_failed
        raise RunnerError(msg, written=done, rolled_back=rolled, rollback_failed=rollback_failed,
                          not_written=not_written, status=exc.status)

    # -- the loop -------------------------------------------------------------
    def converge(self, mutate):
        """Run the whole loop; returns the result dict (or raises RunnerError)."""
        lease = None
        if not self.module.check_mode and self.params.get("lock", True):
            lease = Lease(self.client, self.params["lock_name"], self.params["lock_namespace"],
                          ttl=self.params["lock_ttl"], timeout=self.params["lock_timeout"])
            try:
                lease.peek()     # one GET: lets acquire() tell whether this read is still current
            except LockError as exc:
                raise RunnerError(str(exc))
        self.read()
        self.outcome = outcome = self.plan(mutate)
        self.warnings.extend(outcome.mutation.notes)
        self.check_blocking(outcome)
        self.warnings.extend(failover_warnings(outcome.finding_dicts, outcome.scope, outcome.after))
        result = dict(changed=bool(outcome.changes), network_type=self.network_type)
        shown = list(outcome.order)        # the changes reported (planned, or written)
        order = None
        if outcome.changes and not self.module.check_mode:
            written, order, attempts = self.write_locked(mutate, lease)
            outcome = self.outcome
            shown = written
            result["changed"] = bool(written)
            result["written"] = [ref(c.kind, c.name) for c in written]
            result["attempts"] = attempts
            if lease is not None:
                result["lock"] = dict(name=lease.name, namespace=lease.namespace, waited=lease.waited,
                                      reread=not lease.fresh, taken_over_from=lease.taken_over)
            result["findings_after"] = self.findings_after
            bad = [f["message"] for f in self.findings_after
                   if f["severity"] == "error" and set(f.get("objects") or []) & outcome.scope]
            if bad:
                self.warnings.append("after writing, the cluster reports: %s" % shorten(bad, rest="findings_after"))
        result["changes"] = [c.to_dict() for c in shown]
        result["plan"] = self.plan_dict(outcome, order)
        result["findings"] = outcome.finding_dicts
        if self.module._diff:
            result["diff"] = self.diff(shown)
        released = self.released(outcome)
        if released and self.quarantine is not None:
            result["quarantine"] = dict(released=released, period=self.quarantine.period,
                                        recorded=bool(getattr(self, "recorded", None)))
        result["api_requests"] = self.client.requests
        result.update(outcome.mutation.result)
        return result

    def write_locked(self, mutate, lease):
        """Take the lock, re-read if anyone else may have written since our read, write;
        409 -> re-read, re-plan, re-validate, retry."""
        if lease is not None:
            try:
                lease.acquire()
            except LockError as exc:
                raise RunnerError(str(exc))
        written = []
        pairs = []      # (change, response) of every attempt, for the rollback
        order = []
        attempts = 0
        try:
            while True:
                attempts += 1
                if attempts > 1 or (lease is not None and not lease.fresh):
                    self.read()
                    self.outcome = self.plan(mutate)
                    self.check_blocking(self.outcome)
                outcome = self.outcome
                if not outcome.changes:
                    break
                self._earlier_pairs = list(pairs)
                self.record_releases(outcome)
                try:
                    order, done = self.write(outcome, lease, written)
                    written.extend(c for c, _r in done)
                    break
                except _Conflict as conflict:
                    written.extend(c for c, _r in conflict.written)
                    pairs.extend(conflict.written)
                    if attempts >= MAX_ATTEMPTS:
                        # leave the cluster as found: undo what the earlier attempts wrote
                        rolled, rollback_failed = self._undo(pairs)
                        msg = "gave up after %d attempts: objects kept changing under us (409 Conflict): %s. " \
                              "Written: %s; rolled back: %s" % (
                                  attempts, conflict.error, [ref(c.kind, c.name) for c in written] or "none",
                                  rolled or "none")
                        if rollback_failed:
                            msg += "; ROLLBACK FAILED for %s" % rollback_failed
                        raise RunnerError(msg, written=[ref(c.kind, c.name) for c in written], rolled_back=rolled,
                                          rollback_failed=rollback_failed, status=409)
            # re-validate the state now in the cluster: what was read, with each written
            # object as the server returned it (no extra request)
            self.findings_after = [f.to_dict() for f in core_validate.validate(self.build())] if written else []
        finally:
            if lease is not None:
                try:
                    lease.release()
                except LockError as exc:
                    self.warnings.append(str(exc))
        return written, order, attempts

    @staticmethod
    def released(outcome):
        """{ip: namespace} the plan takes from namespaces, and orphaned pins of the task's
        namespaces it removes (a deleted namespace's addresses): all quarantined."""
        out = dict(outcome.mutation.result.get("orphans_released") or {})
        still = set()
        for ns in outcome.mutation.state.namespaces.values():
            still.update(ns.egress_ips)
        out = dict((ip, ns) for ip, ns in out.items() if ip not in still)
        out.update(released_ips(outcome.before, outcome.mutation.state))
        return out

    def record_releases(self, outcome):
        """Write the quarantine record of the addresses this plan releases, before the release
        itself: if this write fails nothing else is written; if a later write fails and is
        rolled back, the record only holds back an address its namespace still uses."""
        released = self.released(outcome)
        if not released or self.quarantine is None or self.quarantine.period <= 0:
            return
        try:
            self.quarantine.record(released)
        except ApiError as exc:
            raise RunnerError("recording the released addresses %s in ConfigMap %s/%s failed (nothing was written): "
                              "%s" % (", ".join(sorted(released)), self.quarantine.namespace, self.quarantine.name,
                                      exc), status=exc.status)
        self.recorded = released

    @staticmethod
    def diff(changes):
        before, after = {}, {}
        for c in changes:
            before[ref(c.kind, c.name)] = c.before
            after[ref(c.kind, c.name)] = c.after
        return dict(before=before, after=after)


class _Conflict(Exception):
    def __init__(self, error, written):
        super(_Conflict, self).__init__(str(error))
        self.error = error
        self.written = written


def run_module(module, build_mutation, runner_class):
    """Standard main(): build the change from the parameters, run the loop, exit/fail.
    ``runner_class``: the backend's Runner subclass (sdn.backend.SdnRunner, ovn.runner.OvnRunner)."""
    runner = runner_class(module)
    try:
        result = runner.converge(build_mutation(module.params))
    except RunnerError as exc:
        extra = dict(exc.extra)
        extra.setdefault("api_requests", runner.client.requests)
        for w in runner.warnings:
            module.warn(printable(w))
        module.fail_json(msg=printable(exc.msg), **extra)
    except ApiError as exc:
        module.fail_json(msg=printable("API request failed: %s" % exc), status=exc.status,
                         api_requests=runner.client.requests)
    except ValueError as exc:   # the core's InputError (bad addresses, options or API data)
        module.fail_json(msg=printable(exc), api_requests=runner.client.requests)
    for w in runner.warnings:
        module.warn(printable(w))
    module.exit_json(**result)
