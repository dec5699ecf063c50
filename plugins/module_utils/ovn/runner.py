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

from ansible_collections.ocp.egressip.plugins.module_utils.core.plan import keep_order
from ansible_collections.ocp.egressip.plugins.module_utils.core.addresses import (
    IPV6, canonical_ip, canonical_ips, ip_family, ip_object, parse_any_ip, pool_ranges,
)
from ansible_collections.ocp.egressip.plugins.module_utils.core.allocate_family import FamilyAllocationError, pick_free
from ansible_collections.ocp.egressip.plugins.module_utils.ovn import controller
from ansible_collections.ocp.egressip.plugins.module_utils.core.options import (
    DNS1123_LABEL, DNS1123_SUBDOMAIN, OptionError, check_label_selector, is_dns1123_subdomain,
)
from ansible_collections.ocp.egressip.plugins.module_utils.k8s.client import ApiError
from ansible_collections.ocp.egressip.plugins.module_utils.runner import (
    BLOCKING_WARNING_CODES, Backend, Mutation, Outcome, Runner, RunnerError, classify, empty_batch_note, allocate_held,
    index_by_name, option_names, ref, refuse_held, run_module,
)

try:
    from ansible_collections.ocp.egressip.plugins.module_utils.ovn import model as ovn
    from ansible_collections.ocp.egressip.plugins.module_utils.core import allocate as core_allocate
    from ansible_collections.ocp.egressip.plugins.module_utils.core import facts as facts_mod
except ImportError:   # reported by runner.new_module (netaddr missing)
    ovn = core_allocate = facts_mod = None

OVN_TYPE = "OVNKubernetes"
OVN_BLOCKING_WARNING_CODES = set(BLOCKING_WARNING_CODES) | set(["EGRESSIP_NOT_ALL_ASSIGNABLE"])
ITEM_KEYS = ("egress_ips", "count", "count_ipv6", "pool", "namespace", "namespace_selector", "pod_selector", "state")
INHERITED = ("count", "count_ipv6", "pool", "pod_selector", "state")


def network_unknown(state, scope=None, view=None):
    """Advisory: assignable nodes (or nodes holding IPs) whose primary network is unknown (in
    neither family: an IPv6-only node's network is known to ``view``, the controller model)."""
    out = []
    for name in sorted(state.nodes):
        node = state.nodes[name]
        if view is not None and name in view.nodes and view.nodes[name].nets:
            continue
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


def read_platform(client, node_objs, warnings):
    """The platform type (infrastructures.config.openshift.io/cluster status.platformStatus.type),
    which OVN-Kubernetes uses to choose between node networks and the cloud annotation
    (util/ovn.go:12-17).  Unreadable: a cloud when every node carries the cloud annotation."""
    try:
        infra = client.get("Infrastructure", "cluster")
    except ApiError as exc:
        if exc.status not in (403, 404):
            raise
        cloud = bool(node_objs) and all(ovn.CLOUD_ANNOTATION in ((o.get("metadata") or {}).get("annotations") or {})
                                        for o in node_objs.values())
        warnings.append("cannot read infrastructures.config.openshift.io/cluster (%s); assuming %s because %s node "
                        "carries %s" % (exc.status, "a cloud platform" if cloud else "bare metal",
                                        "every" if cloud else "not every", ovn.CLOUD_ANNOTATION))
        return "AWS" if cloud else None
    status = infra.get("status") or {}
    return (status.get("platformStatus") or {}).get("type") or status.get("platform")


def creation_order(eip_objs):
    return [o["metadata"]["name"] for o in sorted(
        eip_objs.values(), key=lambda o: (str(o["metadata"].get("creationTimestamp") or ""), o["metadata"]["name"]))]


def status_assignments(eip_obj):
    out = {}
    for ip, node in ovn.status_items([eip_obj]).get(eip_obj["metadata"]["name"], []):
        out[ip] = node
    return out


class OvnBackend(Backend):
    network_type = OVN_TYPE
    kinds = ("Node", "EgressIP")

    def build_state(self, raw, options):
        try:
            return self._build_state(raw, options)
        except ValueError as exc:
            raise RunnerError(option_names(exc))

    def _build_state(self, raw, options):
        return ovn.ovn_state(
            list(raw["Node"].values()), list(raw["EgressIP"].values()),
            node_networks=options.get("node_networks") or None, default_network=options.get("node_network"),
            # the core (IPv4) gets the IPv4 ones; IPv6 ones are blocked by allocate_ipv6
            reserved=[r for r in options.get("reserved_ips") or () if ":" not in str(r)],
            gateway=options.get("gateway") if ":" not in str(options.get("gateway") or "") else None,
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
            self.raw[kind] = index_by_name(kind, self.client.list(kind))
        return self.raw

    def context(self):
        ctx = super(OvnRunner, self).context()
        ctx["raw"] = self.raw
        ctx["platform"] = self.platform()
        return ctx

    def platform(self):
        if not hasattr(self, "_platform"):
            self._platform = read_platform(self.client, self.raw.get("Node") or {}, self.warnings)
        return self._platform

    def predict(self, state, node_objs, eip_objs):
        return ovn.predict_objects(list(node_objs.values()), list(eip_objs.values()), creation_order(eip_objs),
                                   state=state, platform=self.platform())

    def plan(self, mutate):
        before = self.build()
        mutation = mutate(before.copy(), self.context())
        changes = ovn.diff_ovn(self.raw["Node"], self.raw["EgressIP"], mutation.labels, mutation.specs)
        pred_before = self.predict(before, self.raw["Node"], self.raw["EgressIP"])
        nodes_after, eips_after = ovn.objects_after(self.raw["Node"], self.raw["EgressIP"], mutation.labels,
                                                    mutation.specs)
        pred_after = self.predict(mutation.state, nodes_after, eips_after)
        self.prediction = pred_after
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
        outcome.finding_dicts.extend(network_unknown(after, scope, pred_after.view))
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
            pred = self.predict(state, self.raw["Node"], self.raw["EgressIP"])
            self.findings_after = [f.to_dict() for f in ovn.validate_ovn(state, pred)]
        return written, order, attempts

    def converge(self, mutate):
        result = super(OvnRunner, self).converge(mutate)
        mutation = self.outcome.mutation
        eips = result.get("egressips") or {}
        # assignments come from the plan (the controller's predicted pass over the state written),
        # never from status.items as read: right after an update the status still lists the
        # replaced addresses until the controller has run
        pred = self.prediction
        for name, entry in eips.items():
            obj = self.raw["EgressIP"].get(name)
            res = pred.results.get(name)
            entry["assignments"] = dict(res.items) if res is not None and entry.get("state") == "present" else {}
            entry["pending"] = [ip for ip, _r, _d in res.pending] if res is not None else []
            entry["status_assignments"] = status_assignments(obj) if obj is not None else {}
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
            if item.get("egress_ips") is not None and item.get("count") is None and item.get("count_ipv6") is None:
                # explicit addresses: the task's counts do not apply
                d["count"] = d["count_ipv6"] = d["pool"] = None
            items.append(d)
    elif params.get("name"):
        items = [dict((k, params.get(k)) for k in ("name",) + ITEM_KEYS)]
    else:
        items = []
    for d in items:
        d["state"] = d.get("state") or "present"
        where = "EgressIP %s" % d["name"]
        if d.get("egress_ips") is not None:
            # both families, written in the controller's canonical form (IPv6 compressed lower case,
            # IPv4-mapped IPv6 as IPv4, duplicates collapsed): a spec the controller reads as written
            d["egress_ips"] = [parse_any_ip(ip, "%s: egress_ips[%d]" % (where, i))
                               for i, ip in enumerate(d["egress_ips"])]
        counted = d.get("count") is not None or d.get("count_ipv6") is not None
        if d["state"] == "present" and d.get("egress_ips") is None and not counted:
            raise RunnerError("%s: give egress_ips or count / count_ipv6 (or state=absent)" % where)
        if d.get("egress_ips") is not None and counted:
            raise RunnerError("%s: egress_ips and count / count_ipv6 are mutually exclusive" % where)
        if d.get("count_ipv6") is not None and d["count_ipv6"] < 0:
            raise RunnerError("%s: count_ipv6: %d: must be >= 0" % (where, d["count_ipv6"]))
        if d.get("pool"):
            pool_ranges(d["pool"], "%s: pool" % where)     # both families; InputError names the entry
        if d.get("namespace") and d.get("namespace_selector") is not None:
            raise RunnerError("%s: namespace and namespace_selector are mutually exclusive" % where)
        if not isinstance(d["name"], str) or len(d["name"]) > 253 or not DNS1123_SUBDOMAIN.match(d["name"]):
            raise RunnerError("%s: name: %r: not a valid object name (DNS-1123 subdomain: lower case alphanumerics, "
                              "'-' and '.', at most 253 characters)" % (where, d["name"]))
        if d.get("namespace") is not None and not DNS1123_LABEL.match(d["namespace"]):
            raise RunnerError("%s: namespace: %r: not a valid namespace name (lower case alphanumerics and '-', "
                              "at most 63 characters)" % (where, d["namespace"]))
        for key in ("namespace_selector", "pod_selector"):
            try:
                check_label_selector("%s: %s" % (where, key), d.get(key))
            except OptionError as exc:
                raise RunnerError(str(exc))
    names = [d["name"] for d in items]
    if len(set(names)) != len(names):
        raise RunnerError("egressips: each EgressIP may appear once, got %s" % names)
    return items


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
                migration = ovn.migration_plan(migrate, state, prefix, node_objs=list(raw["Node"].values()),
                                               platform=context.get("platform"))
            except ValueError as exc:
                raise RunnerError(str(exc))
            wanted = sorted(set(wanted) | set(migration["assignable_nodes"]))
            for e in migration["egressips"]:
                if not is_dns1123_subdomain(e["name"]):
                    raise RunnerError("migrate_prefix: %r: the EgressIP name %r it makes is not a valid object name "
                                      "(DNS-1123 subdomain)" % (prefix, e["name"]))
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
        requests = [core_allocate.Request(d["name"], count=d["count"], pool=_family_pool(d.get("pool"), 4),
                                          mode="auto")
                    for d in items if d["state"] == "present" and d.get("count") is not None]
        skipped = []
        if requests:
            # a pool on a secondary host network: those networks host it too (and node addresses are taken)
            ovn.host_secondary_networks(state, list(raw["Node"].values()), context.get("platform"),
                                        [e for r in requests for e in (r.pool or [])])
            # count allocates IPv4 addresses (the core); the object's IPv6 addresses stay as they are
            ipv6 = dict((r.namespace, [ip for ip in state.namespaces[r.namespace].egress_ips
                                       if ip_family(ip) == IPV6]) for r in requests)
            try:
                plan = allocate_held(core_allocate.allocate, state, requests, context)
            except core_allocate.AllocationError as exc:
                raise RunnerError("cannot allocate: %s" % exc, findings=[f.to_dict() for f in exc.findings])
            state, skipped = plan.state, plan.skipped
            for name, extra in ipv6.items():
                if extra:
                    state.set_namespace_egress(name, list(state.namespaces[name].egress_ips) + extra)
        v6_items = [d for d in items if d["state"] == "present" and d.get("count_ipv6") is not None]
        if v6_items:
            allocate_ipv6(state, v6_items, raw, labels, context.get("platform"), params)
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
                            [ref("Node", n) for n in labels], plan=plan, result=result,
                            notes=[empty_batch_note("egressips")] if params.get("egressips") == [] else [])
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


def _family_pool(pool, family):
    """The entries of ``pool`` of one family (None when there are none)."""
    out = [e for e in (pool or []) if (":" in e) == (family == IPV6)]
    return out or None


def allocate_ipv6(state, items, raw, labels, platform, params):
    """``count_ipv6`` IPv6 addresses per item: the object's IPv6 addresses are kept while a node
    can host them and no other object holds them; missing ones are the lowest free addresses of
    the item's IPv6 pool entries (default: the IPv6 primary and secondary host networks of the
    nodes that will be egress-eligible).  Free = in no EgressIP's spec or status, no node address
    (node-primary-ifaddr, host-cidrs), not reserved.  The controller model then validates the
    whole plan (one address per node, capacity) before anything is written."""
    cloud = controller.is_cloud(platform)
    enodes = []
    for name, obj in raw["Node"].items():
        en = controller.egress_node(obj, cloud)
        if name in labels:
            en.labelled = labels[name]
        enodes.append(en)
    eligible = [en for en in enodes if en.eligible]
    blocked = set()
    for en in enodes:
        blocked |= en.host_addrs or set()
        blocked |= set(str(a) for a in en.node_ips.values())
    for value in list(params.get("reserved_ips") or []) + list(params.get("gateways") or []) + [params.get("gateway")]:
        text = canonical_ip(value) if value else None
        if text:
            blocked.add(text)
    holders = {}
    for name, obj in raw["EgressIP"].items():
        spec = (obj.get("spec") or {}).get("egressIPs") or []
        for text in canonical_ips(spec)[0] + [canonical_ip(ip) for ip, _n in controller.canonical_status(obj)]:
            if text:
                holders.setdefault(text, set()).add(name)
    for name, ns in state.namespaces.items():
        for ip in ns.egress_ips:
            text = canonical_ip(ip)
            if text:
                holders.setdefault(text, set()).add(name)

    def can_host(text):
        addr = ip_object(text)
        return any(en.egress_network(addr, cloud) is not None for en in eligible)

    default_pool = sorted(set(str(net) for en in eligible for net in [en.nets.get(IPV6)] + list(en.secondary)
                              if net is not None and net.version == IPV6))
    for d in items:
        name = d["name"]
        where = "EgressIP %s: pool" % name
        current = list(state.namespaces[name].egress_ips)
        others = set(ip for ip, owners in holders.items() if owners - set([name]))
        keep = [ip for ip in current if ip_family(ip) == IPV6 and canonical_ip(ip) not in others
                and canonical_ip(ip) not in blocked and can_host(ip)][:d["count_ipv6"]]
        # a pool given is used as given: no IPv6 entry in it means nothing to allocate from
        entries = (_family_pool(d["pool"], 6) or []) if d.get("pool") else default_pool
        try:
            new = pick_free(pool_ranges(entries, where), IPV6, d["count_ipv6"] - len(keep),
                            blocked | others | set(keep), can_host, where)
        except FamilyAllocationError as exc:
            raise RunnerError("cannot allocate: EgressIP %s: %s" % (name, exc))
        for text in new:
            holders.setdefault(text, set()).add(name)
        ipv4 = [ip for ip in current if ip_family(ip) != IPV6]
        state.set_namespace_egress(name, ipv4 + keep + new)


def run_ovn_module(module):
    run_module(module, ovn_mutation, runner_class=OvnRunner)


# ---------------------------------------------------------------------------------------
# facts

def egressip_table(eip_objs):
    """`oc get egressip`: the CRD's printer columns; like every CRD column with a [*] JSONPath,
    only the first value is printed."""
    rows = [["NAME", "EGRESSIPS", "ASSIGNED NODE", "ASSIGNED EGRESSIPS"]]
    for obj in sorted(eip_objs, key=facts_mod.name_of):
        ips = (obj.get("spec") or {}).get("egressIPs") or []
        items = [i for i in (obj.get("status") or {}).get("items") or [] if isinstance(i, dict)]
        rows.append([facts_mod.name_of(obj), facts_mod.cell(ips[0] if ips else ""),
                     facts_mod.cell(items[0].get("node", "") if items else ""),
                     facts_mod.cell(items[0].get("egressIP", "") if items else "")])
    return facts_mod.tabwrite(rows)


def ovn_facts(runner):
    """(data, table lines) for egressip_facts on an OVN-Kubernetes cluster (same shape as on
    openshift-sdn: nodes, namespaces - one per EgressIP object -, assignments, capacity, findings),
    plus what the controller will do (ovn/controller.py): per EgressIP the verified status
    (``assignments``: status items that match the canonical spec on a node that is assignable
    and can host them), ``pending``, ``stale``, ``conflicts``, ``invalid``, ``predicted``; the
    load per node and an imbalance finding (OVN-Kubernetes never re-balances)."""
    for kind in ("Node", "EgressIP"):
        runner.raw[kind] = index_by_name(kind, runner.client.list(kind))
    state = OvnBackend().build_state(runner.raw, runner.params)
    eips = runner.raw["EgressIP"]
    platform = read_platform(runner.client, runner.raw["Node"], runner.warnings)
    pred = ovn.predict_objects(list(runner.raw["Node"].values()), list(eips.values()), creation_order(eips),
                               state=state, platform=platform)
    view = pred.view
    findings = [f.to_dict() for f in ovn.validate_ovn(state, pred)] + network_unknown(state, None, view)
    load = view.load()
    findings.extend(imbalance(load))
    nodes = []
    for name in sorted(runner.raw["Node"]):
        obj = runner.raw["Node"][name]
        core = state.nodes.get(name)
        enode = view.nodes.get(name)
        nodes.append(dict(
            name=name, host=name, host_ip=core.host_ip if core else ovn.node_host_ip(obj), subnet="",
            egress_cidrs=list(core.egress_cidrs) if core else [], egress_ips=list(core.egress_ips) if core else [],
            ready=ovn.node_ready(obj), network=core.network if core else None,
            interface=core.interface if core else None, capacity=core.capacity if core else None,
            assignable=ovn.is_assignable(obj),
            eligible=bool(enode and enode.eligible),
            networks=[str(n) for _f, n in sorted(enode.nets.items())] if enode else [],
            secondary_networks=[str(n) for n in enode.secondary] if enode else [],
            capacity_per_family=dict(enode.capacity) if enode else {},
            config_error=enode.config_error if enode else None,
            host_cidrs_error=enode.host_cidrs_error if enode else None,
            load=load.get(name, 0)))
    namespaces = []
    assignments = {}
    for name in sorted(eips):
        obj = eips[name]
        spec = obj.get("spec") or {}
        res = view.results[name]
        verified = dict(res.kept) if not res.invalid else {}
        d = res.to_dict()
        namespaces.append(dict(name=name, netid=None, egress_ips=list(spec.get("egressIPs") or []),
                               canonical_egress_ips=list(res.spec),
                               namespace_selector=spec.get("namespaceSelector") or {},
                               pod_selector=spec.get("podSelector") or {}, assignments=verified,
                               predicted=d["assigned"], pending=d["pending"], stale=d["stale"],
                               conflicts=d["conflicts"], invalid=d["invalid"],
                               status_assignments=status_assignments(obj)))
        for ip in res.spec:
            entry = assignments.setdefault(ip, {"namespace": name, "egressip": name, "node": None, "nodes": [],
                                                "predicted_node": None})
            entry["node"] = entry["node"] or verified.get(ip)
            entry["predicted_node"] = entry["predicted_node"] or d["assigned"].get(ip)
        for ip, node in res.kept + [(i, n) for i, n, _r in res.stale]:
            entry = assignments.setdefault(ip, {"namespace": name, "egressip": name, "node": None, "nodes": [],
                                                "predicted_node": None})
            entry["nodes"].append(node)
    mode = "auto" if eips or any(n["assignable"] for n in nodes) else "none"
    data = dict(network_type=OVN_TYPE, mode=mode, nodes=nodes, namespaces=namespaces, assignments=assignments,
                capacity=facts_mod.capacity(state, None), findings=findings,
                assignable_nodes=[n["name"] for n in nodes if n["assignable"]],
                platform=platform, load=load, blocked_by=view.blocked_by())
    return data, egressip_table(list(eips.values()))


def imbalance(load):
    """OVN-Kubernetes places a new address on the least loaded node and never moves one to
    even out the load (egressip_controller.go:480-495, 1279-1326; no re-balancing pass), so a
    node that was down or unlabelled stays empty.  Flag a spread of two or more."""
    if len(load) < 2:
        return []
    most = max(load.values())
    least = min(load.values())
    if most - least < 2:
        return []
    busy = sorted(n for n, c in load.items() if c == most)
    idle = sorted(n for n, c in load.items() if c == least)
    return [dict(code="EGRESSIP_LOAD_IMBALANCE", severity="warning", blocking=False,
                 objects=[ref("Node", n) for n in busy + idle],
                 message="egress IP load is uneven: %s hold %d, %s hold %d; OVN-Kubernetes never moves an assigned "
                         "address to re-balance (only a node failure, unlabelling or a spec change moves one)"
                         % (", ".join(busy), most, ", ".join(idle), least))]
