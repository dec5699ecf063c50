# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property-based tests of the validator and the allocator."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from hypothesis import HealthCheck, event, given, settings, strategies as st

from ansible_collections.ocp.egressip.plugins.module_utils.core.addresses import (
    InputError, classify_ip, cidr_bounds, classify_cidr, parse_pool_entry,
)
from ansible_collections.ocp.egressip.plugins.module_utils.core.allocate import AllocationError, Request, allocate, release
from ansible_collections.ocp.egressip.plugins.module_utils.core.findings import errors
from ansible_collections.ocp.egressip.plugins.module_utils.core.index import RootIndex, index_of
from ansible_collections.ocp.egressip.plugins.module_utils.core.validate import subject_keys, validate, validate_change
from ansible_collections.ocp.egressip.tests.unit.plugins.module_utils.core_strategies import (
    ADDRS, GARBAGE, clean_clusters, requests, states,
)

# CORE_EXAMPLES=5000 for a thorough run; the default keeps the folder well under 30 s.
EXAMPLES = int(os.environ.get("CORE_EXAMPLES", "120"))
FAST = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _key(findings):
    return sorted((f.code, f.message, tuple(f.objects)) for f in findings)


edits = st.lists(st.tuples(st.sampled_from(["node", "namespace"]), st.integers(0, 5),
                           st.lists(st.sampled_from(ADDRS + GARBAGE[:2]), max_size=3)), min_size=1, max_size=4)


@FAST
@given(states(), edits)
def test_incremental_validation_equals_full(state, changes):
    before = validate(state)          # also caches a RootIndex on state
    work = state.fork()
    touched_nodes, touched_ns = set(), set()
    base = index_of(state)
    for kind, i, ips in changes:
        if kind == "node":
            name = sorted(work.nodes)[i % len(work.nodes)]
            touched_nodes.add(name)
            work.set_node_egress(name, egress_ips=ips)
        else:
            name = sorted(work.namespaces)[i % len(work.namespaces)]
            touched_ns.add(name)
            work.set_namespace_egress(name, ips)
    view = index_of(work)
    assert view is not base and view.root is base     # really incremental
    changed = set()
    for name in touched_nodes:
        changed.update(base.node(name).ipset ^ view.node(name).ipset)
    for name in touched_ns:
        changed.update(base.namespace(name).ipset ^ view.namespace(name).ipset)
    subjects, incremental = validate_change(view, touched_nodes, touched_ns, changed)
    keys = subject_keys(subjects)
    combined = [f for f in before if f.subject not in keys] + incremental
    full = validate(work.copy())
    assert _key(combined) == _key(full)
    # the overlay answers "next free address" exactly like a rebuilt index
    fresh = RootIndex(work.copy())
    for low in range(0, 256, 7):
        first = (198 << 24) | (51 << 16) | (100 << 8)
        assert view.next_free(first + low, first + 255) == fresh.next_free(first + low, first + 255)
    # the original state is untouched by the fork's edits
    assert _key(validate(state)) == _key(before)


def _blocked(state):
    """Addresses an allocation must never hand out, from a fresh index."""
    root = RootIndex(state)
    return root.static_blocked(), root


def _in_pool(ip, req, plan_state):
    if "pool" not in req:
        return True
    for entry in req["pool"]:
        first, last = parse_pool_entry(entry, "pool")
        if first <= ip <= last:
            return True
    return False


@FAST
@given(states(), requests())
def test_allocation_on_random_states(state, req):
    before_errors = set((f.code, f.message) for f in errors(validate(state)))
    static, root = _blocked(state)
    used_before = set(root.ip_nodes) | set(root.ip_namespaces)
    own_before = set(root.namespace(req["namespace"]).ips)
    try:
        plan = allocate(state, [req])
    except AllocationError as err:
        assert str(err)
        event("allocation refused")
        return
    event("allocated, %s" % ("changed" if plan.changes else "already satisfied"))
    after = validate(plan.state.copy())
    name = req["namespace"]
    # no new error, and no error at all about the requested namespace
    for f in errors(after):
        assert (f.code, f.message) in before_errors, f
        assert "NetNamespace/%s" % name not in f.objects, f
    final = [classify_ip(v)[0] for v in plan.state.namespaces[name].egress_ips]
    assert len(final) == req["count"] and len(set(final)) == req["count"]
    for ip in set(final) - own_before:
        assert ip not in used_before and ip not in static
        assert _in_pool(ip, req, plan.state)
    if req["mode"] == "manual":
        _assert_one_per_node(plan.state, name)
    # deterministic and idempotent
    again = allocate(state.copy(), [req])
    assert [c.to_dict() for c in again.changes] == [c.to_dict() for c in plan.changes]
    assert allocate(plan.state, [req]).changes == []


def _assert_one_per_node(state, name):
    mine = set(state.namespaces[name].egress_ips)
    for node in state.nodes.values():
        assert len(mine.intersection(node.egress_ips)) <= 1, (node.name, mine)
    # each IP is pinned exactly once
    for ip in mine:
        assert sum(ip in node.egress_ips for node in state.nodes.values()) == 1, ip


@FAST
@given(clean_clusters(), st.lists(st.one_of(requests(), st.sampled_from(["release0", "release1"])), max_size=6))
def test_allocation_sequences_from_clean_clusters_never_make_errors(state, steps):
    assert errors(validate(state)) == []
    for step in steps:
        if isinstance(step, str):
            plan = release(state, ["ns" + step[-1]])
            assert plan.state.namespaces["ns" + step[-1]].egress_ips == []
        else:
            try:
                plan = allocate(state, [step])
            except AllocationError as err:
                assert "pool exhausted" in str(err) or "no eligible node" in str(err) or "but no Ready node" in str(err), err
                event("sequence step refused: %s" % str(err).split(" ", maxsplit=1)[0])
                try:
                    allocate(state.copy(), [step])
                except AllocationError as again:
                    assert str(again) == str(err)
                else:
                    raise AssertionError("a fresh copy of the state was allocated: %s" % err)
                continue
            event("sequence step allocated")
            # same state, same answer, whatever index history the state carries
            fresh = allocate(state.copy(), [step])
            assert [c.to_dict() for c in fresh.changes] == [c.to_dict() for c in plan.changes]
            if step["mode"] == "manual":
                _assert_one_per_node(plan.state, step["namespace"])
            assert allocate(plan.state, [step]).changes == []
        found = errors(validate(plan.state.copy()))
        assert found == [], found
        # the plan's own state (a fork with an index overlay) validates the same as a copy
        assert _key(validate(plan.state)) == _key(validate(plan.state.copy()))
        state = plan.state


garbage = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10 ** 12, 10 ** 12), st.floats(allow_nan=True),
              st.text(max_size=12), st.sampled_from(ADDRS + GARBAGE + ["198.51.100.0/24", "198.51.100.9-198.51.100.2"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(
        ["namespace", "count", "pool", "nodes", "mode", "x"]), inner, max_size=5)),
    max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(garbage, garbage)
def test_garbage_gives_clean_errors(requests_value, names_value):
    from ansible_collections.ocp.egressip.tests.unit.plugins.module_utils.core_builders import manual_base
    state = manual_base()
    for call in (lambda: allocate(state, requests_value), lambda: allocate(state, [requests_value]),
                 lambda: release(state, names_value), lambda: Request.coerce(requests_value),
                 lambda: Request(requests_value)):
        try:
            call()
        except InputError as err:
            assert isinstance(err, ValueError)
            assert err.field in str(err)
        except AllocationError:
            pass


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_address_parsers_never_crash(text):
    num, reason = classify_ip(text)
    assert (num is None) != (reason is None)
    net, reason = classify_cidr(text)
    if net is not None:
        first, last = cidr_bounds(net)
        assert first <= last
    try:
        parse_pool_entry(text, "pool[0]")
    except InputError as err:
        assert "pool[0]" in str(err)


mostly_lists = st.one_of(st.lists(garbage, max_size=3), st.lists(garbage, max_size=3), garbage)
mostly_counts = st.one_of(st.none(), st.integers(0, 3), garbage)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(mostly_lists, mostly_lists, mostly_counts), min_size=1, max_size=3),
       mostly_lists, st.lists(garbage, max_size=2))
def test_garbage_objects_never_crash_validation_or_allocation(node_fields, ns_ips, reserved):
    from ansible_collections.ocp.egressip.plugins.module_utils.core.state import ClusterState, Namespace, Node
    try:
        nodes = [Node("w%d" % i, "198.51.100.%d" % (10 + i), network="198.51.100.0/24",
                      egress_cidrs=cidrs, egress_ips=ips, capacity=cap)
                 for i, (cidrs, ips, cap) in enumerate(node_fields)]
        state = ClusterState("OpenShiftSDN", nodes, [Namespace("a", 1, ns_ips), Namespace("b", 2)],
                             reserved=reserved)
    except InputError as err:
        assert err.field in str(err)
        return
    try:
        found = validate(state)
    except InputError as err:        # only the user-given reserved list may raise here
        assert err.field == "reserved"
        return
    assert all(f.code and f.message for f in found)
    for mode in ("auto", "manual"):
        try:
            allocate(state, [{"namespace": "b", "mode": mode}])
        except AllocationError:
            pass
