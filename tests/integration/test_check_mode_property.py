"""Issue 10 section 2, as a property: for generated cluster states and requests, run through
the module entry points (in-process) against the lab, check mode predicts the real run: same
ok/changed/failed, same planned changes, same refusal message; check mode writes nothing; a
real run that fails leaves the egress fields as they were. A second property injects a server
error on a write: the failed real run rolls everything back.

Budget: EGRESSIP_PROPERTY_EXAMPLES examples (default 20, a few seconds on the lab)."""
import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.ocp.egressip.plugins.modules import egressip_hostsubnet, egressip_netnamespace

from tests.integration.inprocess import run_module
from tests.integration.test_safety import NET, TENANTS, reset, snapshot
from tests.lab.fixtures import start_lab

EXAMPLES = int(os.environ.get("EGRESSIP_PROPERTY_EXAMPLES", "20"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
WORKERS = ("worker01", "worker02")


def ip(last):
    return "198.51.100.%d" % last


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with start_lab(tmp_path_factory.mktemp("property"), scenario="seed") as lab:
        lab.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "payments"}})
        yield lab


# cluster states: egressCIDRs on the workers (auto mode), or manual pins, and the namespaces' IPs
CIDRS = st.sampled_from([None, [NET], ["198.51.100.64/27"]])
ADDRESSES = [ip(n) for n in (1, 2, 70, 120, 121, 144, 254)] + ["203.0.113.81"]


@st.composite
def cluster_states(draw):
    cidrs = {w: draw(CIDRS) for w in WORKERS}
    pins, ns_ips = {}, {}
    for tenant, candidate in zip(TENANTS, (ip(120), ip(121))):
        if draw(st.booleans()):
            ns_ips[tenant] = [candidate]
            node = draw(st.sampled_from(WORKERS))
            if not cidrs[node] and draw(st.booleans()):
                pins.setdefault(node, []).append(candidate)
    return {"cidrs": {k: v for k, v in cidrs.items() if v}, "pins": pins, "ns_ips": ns_ips}


@st.composite
def netnamespace_requests(draw):
    args = {"name": draw(st.sampled_from(TENANTS + ("nosuch",))), "node_network": NET}
    kind = draw(st.sampled_from(["count", "ips", "absent", "absent_listed"]))
    if kind == "count":
        args["count"] = draw(st.integers(1, 3))
    elif kind == "ips":
        args["egress_ips"] = draw(st.lists(st.sampled_from(ADDRESSES), min_size=1, max_size=2, unique=True))
    else:
        args["state"] = "absent"
        if kind == "absent_listed":
            args["egress_ips"] = draw(st.lists(st.sampled_from(ADDRESSES), min_size=1, max_size=1))
    mode = draw(st.sampled_from(["auto", "manual"]))
    args["mode"] = mode
    if mode == "manual" and draw(st.booleans()):
        args["nodes"] = draw(st.lists(st.sampled_from(WORKERS), min_size=1, max_size=2, unique=True))
    if draw(st.booleans()):
        args["pool"] = [draw(st.sampled_from(["198.51.100.120-198.51.100.122", "198.51.100.0/24", ip(1)]))]
    return (egressip_netnamespace.main, args)


@st.composite
def hostsubnet_requests(draw):
    items = []
    for w in draw(st.lists(st.sampled_from(WORKERS), min_size=1, max_size=2, unique=True)):
        item = {"name": w}
        if draw(st.booleans()):
            item["egress_cidrs"] = draw(CIDRS) or []
        else:
            item["egress_ips"] = draw(st.lists(st.sampled_from(ADDRESSES), max_size=1))
        items.append(item)
    return (egressip_hostsubnet.main, {"hostsubnets": items, "node_network": NET})


REQUESTS = st.one_of(netnamespace_requests(), netnamespace_requests(), hostsubnet_requests())


def _changes(outcome):
    return [(c["kind"], c["name"], c["before"], c["after"]) for c in outcome.result.get("changes") or []]


@PROPERTY
@given(state=cluster_states(), request=REQUESTS)
def test_check_mode_predicts_the_real_run(lab, state, request):
    main, args = request
    reset(lab, **state)
    before = snapshot(lab)
    check = run_module(main, args, lab, check=True)
    assert lab.stats()["writes"] == 0, "check mode wrote: %r" % check
    real = run_module(main, args, lab)
    assert check.failed == real.failed, (args, check, real)
    if real.failed:
        assert check.msg == real.msg, (args, check, real)
        assert snapshot(lab) == before, "a refused run wrote: %r" % real
    else:
        assert check.changed == real.changed and _changes(check) == _changes(real), (args, check, real)
        assert check.warnings == real.warnings or set(check.warnings) <= set(real.warnings), (args, check, real)


@PROPERTY
@given(state=cluster_states(), request=REQUESTS, kind=st.sampled_from(["HostSubnet", "NetNamespace"]))
def test_a_failed_write_leaves_the_cluster_as_it_was(lab, state, request, kind):
    """Writes of one kind fail with 500 (the other kind's writes, e.g. the pins written before a
    NetNamespace, succeed): the failed run rolls back everything it wrote."""
    main, args = request
    reset(lab, **state)
    before = snapshot(lab)
    lab.fault(verb="patch", kind=kind, status=500, count=1)
    try:
        real = run_module(main, args, lab)
    finally:
        lab.clear_faults()
    if real.failed:
        assert snapshot(lab) == before, "a failed run left writes behind: %r" % real
