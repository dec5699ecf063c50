# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OVN-Kubernetes on the shared runner: EgressIP objects and the egress-assignable label.

The loop is the shared one (runner.Runner: read once without a lock, plan, validate, check
mode, Lease, 409 re-read/re-plan/retry, rollback on other failures); this file supplies what
differs for OVN: the kinds read (Node, EgressIP), the state (ovn.state_from_ovn), the
validation (ovn.validate_ovn on the assignment OVN-Kubernetes is predicted to make), and
the writes (node label patches, EgressIP create / merge patch / delete)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import re

from ansible_collections.ocp.egressip.plugins.module_utils.changes import allocate_held, keep_order, refuse_held
from ansible_collections.ocp.egressip.plugins.module_utils.client import ApiError
from ansible_collections.ocp.egressip.plugins.module_utils.runner import (
    BLOCKING_WARNING_CODES, Mutation, Outcome, Runner, RunnerError, classify, ref, run_module,
)

try:
    from ansible_collections.ocp.egressip.plugins.module_utils import ovn
    from ansible_collections.ocp.egressip.plugins.module_utils import allocate as core_allocate
    from ansible_collections.ocp.egressip.plugins.module_utils import facts as facts_mod
except ImportError:   # reported by runner.new_module (netaddr missing)
    ovn = core_allocate = facts_mod = None

OVN_TYPE = "OVNKubernetes"
OVN_BLOCKING_WARNING_CODES = set(BLOCKING_WARNING_CODES) | set(["EGRESSIP_NOT_ALL_ASSIGNABLE"])
ITEM_KEYS = ("egress_ips", "count", "pool", "namespace", "namespace_selector", "pod_selector", "state")
INHERITED = ("count", "pool", "pod_selector", "state")


def network_unknown(state, scope=None):
    """Advisory: assignable nodes (or nodes holding IPs) whose primary network is unknown."""
    out = []
    for name in sorted(state.nodes):
        node = state.nodes[name]
        if node.network or not (node.assignable or node.egress_ips):
            continue
        if scope is not None and ref("Node", name) not in scope:
            continue
        out.append(dict(
            code="NODE_NETWORK_UNKNOWN", severity="warning", blocking=False, objects=[ref("Node", name)],
            message='Node "%s": the network of its primary interface is unknown (no %s or %s annotation, not in '
                    "node_networks, no node_network): it cannot host egress IPs and the checks that need it were "
                    "skipped" % (name, ovn.CLOUD_ANNOTATION, ovn.IFADDR_ANNOTATION)))
    return out


def creation_order(eip_objs):
    return [o["metadata"]["name"] for o in sorted(
        eip_objs.values(), key=lambda o: (o["metadata"].get("creationTimestamp") or "", o["metadata"]["name"]))]


def status_assignments(eip_obj):
    out = {}
    for ip, node in ovn.status_items([eip_obj]).get(eip_obj["metadata"]["name"], []):
        out[ip] = node
    return out


class OvnBackend(object):
    network_type = OVN_TYPE
    kinds = ("Node", "EgressIP")

    def build_state(self, raw, options):
        return ovn.ovn_state(
            list(raw["Node"].values()), list(raw["EgressIP"].values()),
            node_networks=options.get("node_networks") or None, default_network=options.get("node_network"),
            reserved=options.get("reserved_ips") or (), gateway=options.get("gateway"),
            node_interfaces=options.get("node_interfaces") or {}, default_interface=options.get("node_interface"))


class OvnRunner(Runner):
    def __init__(self, module, client=None):
        super(OvnRunner, self).__init__(module, client=client, backend=OvnBackend())

    def read(self, kinds=None):
        if self.network_type is None:
            self.network_type = self.read_network_type()
            if self.network_type != OVN_TYPE:
                raise RunnerError(
                    "the cluster's network type is %s; egressip_ovn manages OVN-Kubernetes EgressIP objects and needs "
                    "OVNKubernetes (on openshift-sdn use ocp.egressip.egressip_hostsubnet and "
                    "ocp.egressip.egressip_netnamespace)" % self.network_type, network_type=self.network_type)
        for kind in kinds or self.backend.kinds:
            self.raw[kind] = dict((o["metadata"]["name"], o) for o in self.client.list(kind))
        return self.raw

    def context(self):
        ctx = super(OvnRunner, self).context()
        ctx["raw"] = self.raw
        return ctx

    def plan(self, mutate):
        before = self.build()
        status = ovn.status_items(list(self.raw["EgressIP"].values()))
        order = creation_order(self.raw["EgressIP"])
        mutation = mutate(before.copy(), self.context())
        changes = ovn.diff_ovn(self.raw["Node"], self.raw["EgressIP"], mutation.labels, mutation.specs)
        pred_before = ovn.predict(before, status, order)
        pred_after = ovn.predict(mutation.state, status, order)
        after = ovn.with_assignments(mutation.state, pred_after.items)
        findings_before = ovn.validate_ovn(before, pred_before)
        findings_after = ovn.validate_ovn(after, pred_after)
        scope = set(mutation.named) | set(ref(c.kind, c.name) for c in changes)
        outcome = Outcome(before, mutation, changes, findings_before, findings_after, scope)
        outcome.after = after
        outcome.order = list(changes)
        outcome.finding_dicts, outcome.blocking = classify(findings_before, findings_after, scope,
                                                           force=self.params.get("force"),
                                                           blocking_warnings=OVN_BLOCKING_WARNING_CODES)
        outcome.finding_dicts.extend(network_unknown(after, scope))
        mutation.plan["predicted_assignments"] = dict(sorted(pred_after.assignments.items()))
        return outcome

    # -- writing --------------------------------------------------------------
    def _rv(self, change):
        obj = self.raw[change.kind].get(change.name)
        return (obj or {}).get("metadata", {}).get("resourceVersion")

    def _apply(self, change, undo=False):
        kind, name, action = change.kind, change.name, change.action
        if undo:
            action = {"label": "unlabel", "unlabel": "label", "create": "delete", "delete": "create",
                      "update": "update"}[action]
        if action in ("label", "unlabel"):
            value = None
            if action == "label":
                value = "" if not undo else (change.before.get("labels") or {}).get(ovn.LABEL) or ""
            # no resourceVersion: adding or removing one label commutes with anything else written
            # to a Node, and busy Node objects (status heartbeats) would make every run conflict
            body = {"metadata": {"labels": {ovn.LABEL: value}}}
            return self.client.merge_patch(kind, name, body)
        if action == "create":
            spec = change.before.get("spec") if undo else change.after.get("spec")
            return self.client.create(kind, {"metadata": {"name": name}, "spec": spec})
        if action == "delete":
            try:
                self.client.delete(kind, name, resource_version=self._rv(change))
            except ApiError as exc:
                if not exc.not_found:
                    raise
            return None
        patch = change.patch
        if undo:
            patch = {"spec": ovn.merge_patch(change.after.get("spec") or {}, change.before.get("spec") or {})}
        body = dict(copy.deepcopy(patch), metadata={"resourceVersion": self._rv(change)})
        return self.client.merge_patch(kind, name, body)

    def _record(self, change, resp):
        if resp is None:
            self.raw[change.kind].pop(change.name, None)
        else:
            self.raw[change.kind][change.name] = resp

    def _undo(self, pairs):
        rolled, rollback_failed = [], []
        for change, _resp in reversed(list(pairs)):
            try:
                if change.action != "create" and change.action != "delete":
                    obj = self.client.get(change.kind, change.name)
                    self.raw[change.kind][change.name] = obj
                self._record(change, self._apply(change, undo=True))
                rolled.append(ref(change.kind, change.name))
            except ApiError as rexc:
                rollback_failed.append("%s (%s)" % (ref(change.kind, change.name), rexc))
        return rolled, rollback_failed

    def write_locked(self, mutate, lease):
        written, order, attempts = super(OvnRunner, self).write_locked(mutate, lease)
        if written:
            # the EgressIP status (assignments) is written by OVN-Kubernetes after our writes: read it once
            self.read(kinds=("EgressIP",))
            state = self.build()
            status = ovn.status_items(list(self.raw["EgressIP"].values()))
            pred = ovn.predict(state, status, creation_order(self.raw["EgressIP"]))
            self.findings_after = [f.to_dict() for f in ovn.validate_ovn(state, pred)]
        return written, order, attempts

    def converge(self, mutate):
        result = super(OvnRunner, self).converge(mutate)
        mutation = self.outcome.mutation
        eips = result.get("egressips") or {}
        for name, entry in eips.items():
            obj = self.raw["EgressIP"].get(name)
            entry["assignments"] = status_assignments(obj) if obj is not None else {}
            entry["exists"] = obj is not None
        if mutation.single and mutation.single in eips:
            result["assignments"] = eips[mutation.single]["assignments"]
        return result


# ---------------------------------------------------------------------------------------
# the change egressip_ovn asks for

def ovn_items(params):
    if params.get("egressips"):
        items = []
        for item in params["egressips"]:
            d = dict(name=item["name"])
            for key in ITEM_KEYS:
                value = item.get(key)
                d[key] = value if value is not None or key not in INHERITED else params.get(key)
            if item.get("egress_ips") is not None and item.get("count") is None:
                d["count"] = d["pool"] = None      # explicit addresses: the task's count does not apply
            items.append(d)
    elif params.get("name"):
        items = [dict((k, params.get(k)) for k in ("name",) + ITEM_KEYS)]
    else:
        items = []
    for d in items:
        d["state"] = d.get("state") or "present"
        where = "EgressIP %s" % d["name"]
        if d["state"] == "present" and d.get("egress_ips") is None and d.get("count") is None:
            raise RunnerError("%s: give egress_ips or count (or state=absent)" % where)
        if d.get("egress_ips") is not None and d.get("count") is not None:
            raise RunnerError("%s: egress_ips and count are mutually exclusive" % where)
        if d.get("namespace") and d.get("namespace_selector") is not None:
            raise RunnerError("%s: namespace and namespace_selector are mutually exclusive" % where)
        if not isinstance(d["name"], str) or len(d["name"]) > 253 or not _DNS1123_SUBDOMAIN.match(d["name"]):
            raise RunnerError("%s: name: %r: not a valid object name (DNS-1123 subdomain: lower case alphanumerics, "
                              "'-' and '.', at most 253 characters)" % (where, d["name"]))
        if d.get("namespace") is not None and not _DNS1123_LABEL.match(d["namespace"]):
            raise RunnerError("%s: namespace: %r: not a valid namespace name (lower case alphanumerics and '-', "
                              "at most 63 characters)" % (where, d["namespace"]))
        for key in ("namespace_selector", "pod_selector"):
            for label, value in ((d.get(key) or {}).get("matchLabels") or {}).items():
                if not _label_key_ok(label) or not isinstance(value, str) or not _LABEL_VALUE.match(value):
                    raise RunnerError("%s: %s.matchLabels: %r: %r: not a valid label key and value" % (
                        where, key, label, value))
    names = [d["name"] for d in items]
    if len(set(names)) != len(names):
        raise RunnerError("egressips: each EgressIP may appear once, got %s" % names)
    return items


_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _label_key_ok(key):
    """Kubernetes label key: [prefix/]name (prefix a DNS-1123 subdomain of at most 253 characters)."""
    if not isinstance(key, str):
        return False
    prefix, _sep, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _DNS1123_SUBDOMAIN.match(prefix)):
        return False
    return bool(_LABEL_NAME.match(name))


def _desired_spec(d, obj):
    spec = copy.deepcopy((obj or {}).get("spec") or {})
    if d.get("namespace"):
        spec["namespaceSelector"] = ovn.namespace_selector(d["namespace"])
    elif d.get("namespace_selector") is not None:
        spec["namespaceSelector"] = copy.deepcopy(d["namespace_selector"])
    if not spec.get("namespaceSelector"):
        raise RunnerError("EgressIP %s: give namespace or namespace_selector (spec.namespaceSelector is required)"
                          % d["name"])
    if d.get("pod_selector") is not None:
        if d["pod_selector"]:
            spec["podSelector"] = copy.deepcopy(d["pod_selector"])
        else:
            spec.pop("podSelector", None)
    return spec


def ovn_mutation(params):
    base_items = ovn_items(params)
    assignable = list(params.get("assignable_nodes") or [])
    exclusive = params.get("exclusive_assignable")
    migrate = params.get("migrate_from")
    prefix = params.get("migrate_prefix") or "egressip-"
    single = params.get("name") if params.get("name") and not params.get("egressips") else None

    def mutate(state, context):
        raw = context["raw"]
        items = list(base_items)
        migration = None
        wanted = list(assignable)
        if migrate is not None:
            try:
                migration = ovn.migration_plan(migrate, state, prefix)
            except ValueError as exc:
                raise RunnerError(str(exc))
            wanted = sorted(set(wanted) | set(migration["assignable_nodes"]))
            for e in migration["egressips"]:
                items.append(dict(name=e["name"], egress_ips=e["egress_ips"], namespace=e["namespace"],
                                  count=None, pool=None, namespace_selector=None, pod_selector=None, state="present"))
        labels = {}
        for name in wanted:
            if name not in state.nodes:
                raise RunnerError('assignable_nodes: Node "%s" not found' % name)
            labels[name] = True
            ovn.set_assignable(state, name, True)
        if exclusive:
            for name in sorted(state.nodes):
                if name not in labels:
                    labels[name] = False
                    ovn.set_assignable(state, name, False)
        items = [_absent_listed(state, d) for d in items]
        specs = {}
        before = dict((d["name"], list(state.namespaces[d["name"]].egress_ips) if d["name"] in state.namespaces
                       else []) for d in items if d["state"] == "present")
        for d in items:
            if d["state"] == "absent":
                specs[d["name"]] = None
                ovn.remove_egressip(state, d["name"])
        for d in items:
            if d["state"] != "present":
                continue
            specs[d["name"]] = _desired_spec(d, raw["EgressIP"].get(d["name"]))
            ovn.add_egressip(state, d["name"])
            if d.get("egress_ips") is not None:
                current = state.namespaces[d["name"]].egress_ips
                state.set_namespace_egress(d["name"], keep_order(current, d["egress_ips"]))
        requests = [core_allocate.Request(d["name"], count=d["count"], pool=d.get("pool") or None, mode="auto")
                    for d in items if d["state"] == "present" and d.get("count") is not None]
        skipped = []
        if requests:
            try:
                plan = allocate_held(state, requests, context)
            except core_allocate.AllocationError as exc:
                raise RunnerError("cannot allocate: %s" % exc)
            state, skipped = plan.state, plan.skipped
        refuse_held(state, before, context)
        egressips = {}
        for d in items:
            name = d["name"]
            if specs[name] is None:
                egressips[name] = dict(state="absent")
                continue
            specs[name]["egressIPs"] = list(state.namespaces[name].egress_ips)
            egressips[name] = dict(state="present", egress_ips=list(specs[name]["egressIPs"]),
                                   namespace_selector=specs[name]["namespaceSelector"],
                                   pod_selector=specs[name].get("podSelector"))
        result = dict(egressips=egressips, assignable_nodes=sorted(n for n, v in labels.items() if v),
                      skipped_addresses=skipped)
        if single:
            result["egress_ips"] = (egressips.get(single) or {}).get("egress_ips") or []
        plan = dict(labels=dict(labels), egressips=copy.deepcopy(specs))
        if migration is not None:
            result["not_carried_over"] = migration["not_carried_over"]
            result["migration_notes"] = migration["notes"]
            plan["migration"] = migration
        mutation = Mutation(state, named=[ref("EgressIP", d["name"]) for d in items] +
                            [ref("Node", n) for n in labels], plan=plan, result=result)
        mutation.labels = labels
        mutation.specs = specs
        mutation.single = single
        return mutation
    return mutate


def _absent_listed(state, d):
    """state=absent with egress_ips: remove exactly these addresses from the EgressIP (as
    egressip_netnamespace does); the object is deleted only when none is left. An address the
    object does not have is refused."""
    if d["state"] != "absent" or d.get("egress_ips") is None:
        return d
    if d["name"] not in state.namespaces:
        raise RunnerError("EgressIP %s: state=absent with egress_ips %s: the object does not exist; nothing was written"
                          % (d["name"], d["egress_ips"]))
    current = list(state.namespaces[d["name"]].egress_ips)
    missing = [ip for ip in d["egress_ips"] if ip not in current]
    if missing:
        raise RunnerError("EgressIP %s: state=absent with egress_ips %s: not egress IPs of the object (it has %s); "
                          "nothing was written" % (d["name"], missing, current))
    remaining = [ip for ip in current if ip not in d["egress_ips"]]
    if not remaining:
        return dict(d, egress_ips=None)
    return dict(d, state="present", egress_ips=remaining, count=None, pool=None)


def run_ovn_module(module):
    run_module(module, ovn_mutation, runner_class=OvnRunner)


# ---------------------------------------------------------------------------------------
# facts

def egressip_table(eip_objs):
    """`oc get egressip`: the CRD's printer columns; like every CRD column with a [*] JSONPath,
    only the first value is printed."""
    rows = [["NAME", "EGRESSIPS", "ASSIGNED NODE", "ASSIGNED EGRESSIPS"]]
    for obj in sorted(eip_objs, key=lambda o: o["metadata"]["name"]):
        ips = (obj.get("spec") or {}).get("egressIPs") or []
        items = [i for i in (obj.get("status") or {}).get("items") or [] if isinstance(i, dict)]
        rows.append([obj["metadata"]["name"], ips[0] if ips else "", items[0].get("node", "") if items else "",
                     items[0].get("egressIP", "") if items else ""])
    return facts_mod.tabwrite(rows)


def ovn_facts(runner):
    """(data, table lines) for egressip_facts on an OVN-Kubernetes cluster (same shape as on
    openshift-sdn: nodes, namespaces - one per EgressIP object -, assignments, capacity, findings)."""
    for kind in ("Node", "EgressIP"):
        runner.raw[kind] = dict((o["metadata"]["name"], o) for o in runner.client.list(kind))
    state = OvnBackend().build_state(runner.raw, runner.params)
    eips = runner.raw["EgressIP"]
    status = ovn.status_items(list(eips.values()))
    pred = ovn.predict(state, status, creation_order(eips))
    findings = [f.to_dict() for f in ovn.validate_ovn(state, pred)] + network_unknown(state)
    nodes = []
    for name in sorted(runner.raw["Node"]):
        obj = runner.raw["Node"][name]
        core = state.nodes.get(name)
        nodes.append(dict(
            name=name, host=name, host_ip=core.host_ip if core else ovn.node_host_ip(obj), subnet="",
            egress_cidrs=list(core.egress_cidrs) if core else [], egress_ips=list(core.egress_ips) if core else [],
            ready=ovn.node_ready(obj), network=core.network if core else None,
            interface=core.interface if core else None, capacity=core.capacity if core else None,
            assignable=ovn.is_assignable(obj)))
    namespaces = []
    assignments = {}
    for name in sorted(eips):
        obj = eips[name]
        spec = obj.get("spec") or {}
        assigned = status_assignments(obj)
        namespaces.append(dict(name=name, netid=None, egress_ips=list(spec.get("egressIPs") or []),
                               namespace_selector=spec.get("namespaceSelector") or {},
                               pod_selector=spec.get("podSelector") or {}, assignments=assigned))
        for ip in spec.get("egressIPs") or []:
            entry = assignments.setdefault(ip, {"namespace": None, "egressip": None, "node": None, "nodes": []})
            entry["namespace"] = entry["egressip"] = name
    for name, items in sorted(status.items()):
        for ip, node in items:
            entry = assignments.setdefault(ip, {"namespace": name, "egressip": name, "node": None, "nodes": []})
            entry["nodes"].append(node)
            entry["node"] = entry["node"] or node
    mode = "auto" if eips or any(n["assignable"] for n in nodes) else "none"
    data = dict(network_type=OVN_TYPE, mode=mode, nodes=nodes, namespaces=namespaces, assignments=assignments,
                capacity=facts_mod.capacity(state, None), findings=findings,
                assignable_nodes=[n["name"] for n in nodes if n["assignable"]])
    return data, egressip_table(list(eips.values()))
