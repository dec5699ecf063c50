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
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.ocp.egressip.plugins.module_utils.client import (
    AUTH_ARG_SPEC,
    HAS_KUBERNETES,
    KUBERNETES_IMPORT_ERROR,
    ApiError,
    ClientError,
    client_from_params,
)
from ansible_collections.ocp.egressip.plugins.module_utils.lease import Lease, LockError

try:
    from ansible_collections.ocp.egressip.plugins.module_utils import state as core_state
    from ansible_collections.ocp.egressip.plugins.module_utils import validate as core_validate
    from ansible_collections.ocp.egressip.plugins.module_utils import plan as core_plan
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
)

WRITE_ARG_SPEC = dict(
    force=dict(type="bool", default=False),
    lock=dict(type="bool", default=True),
    lock_name=dict(type="str", default="ocp-egressip-lock"),
    lock_namespace=dict(type="str", default="default"),
    lock_ttl=dict(type="int", default=60),
    lock_timeout=dict(type="float", default=120),
)

# Warnings that block a write (unless force: true) when the change introduces them on an
# object it touches.  Other warnings (high availability advice, an IP pinned before its
# namespace uses it, a check skipped for lack of data) are reported and never block: they
# are normal intermediate states of multi-task set-ups.
BLOCKING_WARNING_CODES = set(["NAMESPACE_MULTIPLE_AUTO_IPS", "IP_NODE_NOT_READY"])


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


def new_module(argspec, **kwargs):
    """AnsibleModule plus the library checks every module needs."""
    module = AnsibleModule(argument_spec=argspec, supports_check_mode=True, **kwargs)
    if not HAS_KUBERNETES:
        module.fail_json(msg=missing_required_lib("kubernetes"), exception=KUBERNETES_IMPORT_ERROR)
    if not HAS_CORE:
        lib = "netaddr" if "netaddr" in (CORE_IMPORT_ERROR or "") else "ocp.egressip core module_utils"
        module.fail_json(msg=missing_required_lib(lib), exception=CORE_IMPORT_ERROR)
    return module


def ref(kind, name):
    return "%s/%s" % (kind, name)


def finding_key(finding):
    return (finding.code, finding.message)


# --------------------------------------------------------------------------------------
# backends: which kinds a network plugin needs and how its objects map to the core
# --------------------------------------------------------------------------------------

class Backend(object):
    network_type = None
    kinds = ()               # kinds listed on every read
    fields = {}              # kind -> egress fields written by this backend

    def build_state(self, raw, options):
        raise NotImplementedError

    def diff(self, before, after):
        raise NotImplementedError

    def apply_change(self, state, change):
        raise NotImplementedError

    def write_rank(self, change):
        return 1


class SdnBackend(Backend):
    network_type = "OpenShiftSDN"
    kinds = ("HostSubnet", "NetNamespace", "Node")
    fields = {"HostSubnet": ("egressCIDRs", "egressIPs"), "NetNamespace": ("egressIPs",)}

    def build_state(self, raw, options):
        try:
            state = core_state.state_from_sdn(
                list(raw["HostSubnet"].values()), list(raw["NetNamespace"].values()),
                nodes=list(raw["Node"].values()),
                node_networks=options.get("node_networks") or None,
                default_network=options.get("node_network"),
                reserved=options.get("reserved_ips") or (),
                gateway=options.get("gateway"))
        except ValueError as exc:
            text = str(exc)
            if text.startswith("default_network:"):   # the core's name for the node_network option
                text = "node_network:" + text[len("default_network:"):]
            raise RunnerError(text)
        interfaces = options.get("node_interfaces") or {}
        default_iface = options.get("node_interface")
        touched = False
        for name, node in list(state.nodes.items()):
            if node.interface is None and (interfaces.get(name) or default_iface):
                state.nodes[name] = node.replace(interface=interfaces.get(name) or default_iface)
                touched = True
        if touched:
            state.invalidate()
        return state

    def diff(self, before, after):
        return core_plan.diff_sdn(before, after)

    def apply_change(self, state, change):
        if change.kind == "HostSubnet":
            state.set_node_egress(change.name, egress_cidrs=change.after.get("egressCIDRs"),
                                  egress_ips=change.after.get("egressIPs"))
        elif change.kind == "NetNamespace":
            state.set_namespace_egress(change.name, change.after.get("egressIPs") or [])

    def write_rank(self, change):
        gains, losses = _gains_losses(change)
        if change.kind == "HostSubnet":
            return 2 if losses else 0
        return 1


BACKENDS = {"OpenShiftSDN": SdnBackend()}


def _as_list(value):
    return list(value or [])


def _gains_losses(change):
    gains = losses = False
    for key in set(change.before) | set(change.after):
        old, new = set(_as_list(change.before.get(key))), set(_as_list(change.after.get(key)))
        gains = gains or bool(new - old)
        losses = losses or bool(old - new)
    return gains, losses


class Mutation(object):
    """What a module's change function returns."""

    def __init__(self, state, named=(), plan=None, result=None):
        self.state = state
        self.named = set(named)     # "Kind/name" of the objects the task addresses
        self.plan = plan or {}      # module-specific plan details (returned under "plan")
        self.result = result or {}  # module-specific top-level return values


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


# Intermediate states with two claimants of one address risk ARP conflicts on the node
# network: worse than an address briefly hosted by no node.
CONFLICT_CODES = set(["IP_MULTIPLE_NODES", "IP_MULTIPLE_NAMESPACES", "NAMESPACE_MULTIPLE_IPS_ON_NODE"])
MAX_ORDER_CANDIDATES = 20


def _moves(changes):
    gained, lost = set(), set()
    for change in changes:
        for key in set(change.before) | set(change.after):
            old, new = set(_as_list(change.before.get(key))), set(_as_list(change.after.get(key)))
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
            self.client = client or client_from_params(self.params)
        except ClientError as exc:
            module.fail_json(msg=str(exc))
        self.network_type = None
        self.backend = backend
        self.raw = {}
        self.warnings = []

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
        return (net.get("status") or {}).get("networkType") or (net.get("spec") or {}).get("networkType") \
            or "OpenShiftSDN"

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
            if self.backend is None:
                self.backend = BACKENDS.get(self.network_type)
                if self.backend is None:
                    raise RunnerError("the cluster's network type is %s; this module manages %s" % (
                        self.network_type, ", ".join(sorted(BACKENDS))), network_type=self.network_type)
        for kind in kinds or self.backend.kinds:
            self.raw[kind] = dict((o["metadata"]["name"], o) for o in self.client.list(kind))
        return self.raw

    def build(self):
        return self.backend.build_state(self.raw, self.params)

    def context(self):
        """What the change functions may need beyond the core state."""
        control_plane = set()
        for name, node in (self.raw.get("Node") or {}).items():
            labels = (node.get("metadata") or {}).get("labels") or {}
            if "node-role.kubernetes.io/master" in labels or "node-role.kubernetes.io/control-plane" in labels:
                control_plane.add(name)
        return dict(control_plane=control_plane)

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
        outcome.finding_dicts.extend(network_unknown(mutation.state, scope))
        allowed = set(finding_key(f) for f in findings_before) | set(finding_key(f) for f in findings_after)
        outcome.order = order_changes(self.backend, before, changes, allowed)
        return outcome

    def check_blocking(self, outcome):
        if not outcome.blocking:
            return
        msgs = [f.message for f in outcome.blocking]
        raise RunnerError("refusing to write: %s" % "; ".join(msgs),
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
            body[key] = value if value is not None else None
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
        self.check_blocking(outcome)
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
                self.warnings.append("after writing, the cluster reports: %s" % "; ".join(bad))
        result["changes"] = [c.to_dict() for c in shown]
        result["plan"] = self.plan_dict(outcome, order)
        result["findings"] = outcome.finding_dicts
        if self.module._diff:
            result["diff"] = self.diff(shown)
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


def run_facts(module):
    """main() of egressip_facts: read once, validate, summarize; never writes."""
    from ansible_collections.ocp.egressip.plugins.module_utils import facts as facts_mod
    runner = Runner(module)
    try:
        runner.network_type = runner.read_network_type()
        runner.backend = BACKENDS.get(runner.network_type)
        if runner.network_type == "OVNKubernetes":
            # OVN-Kubernetes: Nodes and EgressIP objects, same output shape (ovn_runner.ovn_facts)
            from ansible_collections.ocp.egressip.plugins.module_utils.ovn_runner import ovn_facts
            data, lines = ovn_facts(runner)
        elif runner.backend is None:
            runner.warnings.append("network type %s: only %s details are reported by this version" % (
                runner.network_type, ", ".join(sorted(BACKENDS))))
            data = dict(network_type=runner.network_type, mode="none", nodes=[], namespaces=[], assignments={},
                        capacity=dict(cidrs={}, nodes={}), findings=[])
            lines = []
        else:
            runner.read()
            state = runner.build()
            findings = core_validate.validate(state)
            data = facts_mod.gather(runner.network_type, runner.raw, state, findings)
            data["findings"].extend(network_unknown(state, None))
            lines = facts_mod.hostsubnet_table(list(runner.raw["HostSubnet"].values())) + [""] + \
                facts_mod.netnamespace_table(list(runner.raw["NetNamespace"].values()))
    except RunnerError as exc:
        module.fail_json(msg=exc.msg, api_requests=runner.client.requests, **exc.extra)
    except ApiError as exc:
        module.fail_json(msg="API request failed: %s" % exc, status=exc.status, api_requests=runner.client.requests)
    except ValueError as exc:
        module.fail_json(msg=str(exc), api_requests=runner.client.requests)
    try:
        data["cluster_id"] = runner.read_cluster_id()
    except ApiError as exc:
        module.fail_json(msg="API request failed: %s" % exc, status=exc.status, api_requests=runner.client.requests)
    for w in runner.warnings:
        module.warn(w)
    result = dict(changed=False, egressip=data, ansible_facts=dict(egressip=data), api_requests=runner.client.requests)
    if module.params.get("format") == "table":
        result["table_lines"] = lines
    module.exit_json(**result)


def network_unknown(state, scope):
    """Advisory findings: nodes holding egress addresses whose primary network is unknown,
    so the check that the addresses lie in it was skipped.  ``scope`` None = all nodes."""
    in_scope_ns = set()
    if scope is not None:
        for name, ns in state.namespaces.items():
            if ref("NetNamespace", name) in scope:
                in_scope_ns.update(ns.egress_ips)
    out = []
    for name in sorted(state.nodes):
        node = state.nodes[name]
        if node.network or not (node.egress_ips or node.egress_cidrs):
            continue
        if scope is not None and ref("HostSubnet", name) not in scope and not (set(node.egress_ips) & in_scope_ns):
            continue
        out.append(dict(
            code="NODE_NETWORK_UNKNOWN", severity="warning", blocking=False, objects=[ref("HostSubnet", name)],
            message='HostSubnet "%s": the network of its primary interface is unknown (no %s or %s annotation on '
                    'the Node, not in node_networks, no node_network): the check that its egress IPs lie in '
                    'it was skipped' % (name, "cloud.network.openshift.io/egress-ipconfig",
                                        "k8s.ovn.org/node-primary-ifaddr")))
    return out


def run_module(module, build_mutation, runner_class=None):
    """Standard main(): build the change from the parameters, run the loop, exit/fail.
    ``runner_class``: a Runner subclass (the OVN module's); default Runner."""
    runner = (runner_class or Runner)(module)
    try:
        result = runner.converge(build_mutation(module.params))
    except RunnerError as exc:
        extra = dict(exc.extra)
        extra.setdefault("api_requests", runner.client.requests)
        for w in runner.warnings:
            module.warn(w)
        module.fail_json(msg=exc.msg, **extra)
    except ApiError as exc:
        module.fail_json(msg="API request failed: %s" % exc, status=exc.status, api_requests=runner.client.requests)
    except ValueError as exc:   # the core's InputError (bad addresses, options or API data)
        module.fail_json(msg=str(exc), api_requests=runner.client.requests)
    for w in runner.warnings:
        module.warn(w)
    module.exit_json(**result)
