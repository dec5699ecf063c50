# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests of the OVN controller model (ovn/controller.py) for both address families:
whatever the cluster, an address the model hands out is never a node (host-cidrs) address, never
a second address of one EgressIP on one node, always within the node's per-family capacity, on an
eligible node that has a network for it; canonical form is idempotent."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json

from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.ocp.egressip.plugins.module_utils.core import addresses as A
from ansible_collections.ocp.egressip.plugins.module_utils.ovn import controller as C

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# a small address space so that collisions (node addresses, shared addresses) are frequent
V4 = ["198.51.100.%d" % i for i in range(1, 9)] + ["203.0.113.%d" % i for i in range(1, 9)]
V6 = ["2001:db8:1::%x" % i for i in range(1, 9)] + ["2001:db8:2::%x" % i for i in range(1, 9)]
SPELLINGS = {}
for _ip in V6:
    SPELLINGS[_ip] = [_ip, _ip.upper(), ipaddress.ip_address(_ip).exploded]
for _ip in V4:
    SPELLINGS[_ip] = [_ip, "::ffff:" + _ip]


@st.composite
def clusters(draw):
    platform = draw(st.sampled_from([None, "AWS"]))
    nodes = []
    for i in range(draw(st.integers(1, 4))):
        fams = draw(st.sampled_from(["4", "6", "46"]))
        v4 = "198.51.100.%d" % (1 + i) if "4" in fams else None
        v6 = "2001:db8:1::%x" % (1 + i) if "6" in fams else None
        ann = {}
        ifaddr = {}
        if v4:
            ifaddr["ipv4"] = v4 + "/24"
        if v6:
            ifaddr["ipv6"] = v6 + "/64"
        ann[C.IFADDR_ANNOTATION] = json.dumps(ifaddr)
        cidrs = list(ifaddr.values())
        if draw(st.booleans()):
            cidrs.append(draw(st.sampled_from(["203.0.113.%d/24" % (1 + i), "2001:db8:2::%x/64" % (1 + i)])))
        ann[C.HOST_CIDRS_ANNOTATION] = json.dumps(cidrs)
        if platform:
            keys = draw(st.sets(st.sampled_from(["ip", "ipv4", "ipv6"]), min_size=1))
            cap = dict((k, draw(st.integers(0, 2))) for k in sorted(keys))
            cfg = {"interface": "eni", "ifaddr": dict((k, v.replace(v.split("/")[0], v.split("/")[0]))
                                                      for k, v in ifaddr.items()), "capacity": cap}
            ann[C.CLOUD_ANNOTATION] = json.dumps([cfg])
        labelled = draw(st.sampled_from([True, True, True, False]))
        ready = draw(st.sampled_from(["True", "True", "True", "False", None]))
        nodes.append({"metadata": {"name": "n%d" % i, "labels": {C.LABEL: ""} if labelled else {}, "annotations": ann},
                      "status": {"conditions": [] if ready is None else [{"type": "Ready", "status": ready}]}})
    names = ["n%d" % i for i in range(len(nodes))]
    eips = []
    for j in range(draw(st.integers(1, 4))):
        ips = draw(st.lists(st.sampled_from(V4 + V6), max_size=4))
        spec = [draw(st.sampled_from(SPELLINGS[ip])) for ip in ips]
        if draw(st.integers(0, 9)) == 0:
            spec.append("not-an-ip")
        items = draw(st.lists(st.tuples(st.sampled_from(ips or V4 + V6), st.sampled_from(names)), max_size=2))
        eips.append({"metadata": {"name": "e%d" % j},
                     "spec": {"egressIPs": spec},
                     "status": {"items": [{"egressIP": ip, "node": n} for ip, n in items]}})
    unreachable = draw(st.sets(st.sampled_from(names), max_size=1))
    return nodes, eips, platform, unreachable


@SETTINGS
@given(clusters())
def test_what_the_model_hands_out_is_always_allowed(cluster):
    nodes, eips, platform, unreachable = cluster
    view = C.simulate(nodes, eips, platform=platform, unreachable=unreachable)
    host_addrs = set()
    for n in view.nodes.values():
        host_addrs |= n.host_addrs or set()
    holders = {}
    for name, res in view.results.items():
        items = res.items
        if res.invalid:
            assert res.added == [] and res.stale == []       # a bad entry rejects the whole object
            continue
        # never two addresses of one EgressIP on one node (across families)
        assert len(set(n for _ip, n in items)) == len(items), (name, items)
        for ip, node in res.added:
            assert ip not in host_addrs                      # never a node (host-cidrs) address
            assert ip in res.spec and A.canonical_ip(ip) == ip
            enode = view.nodes[node]
            assert enode.eligible and enode.egress_network(A.ip_object(ip), view.cloud) is not None
        for ip, _node in items:
            holders.setdefault(ip, set()).add(name)
    # an address is added only when no other object holds it
    for name, res in view.results.items():
        for ip, _node in res.added:
            assert holders[ip] == {name}
    # per-family capacity: every node that received an address is within its capacities
    for node_name, enode in view.nodes.items():
        final = list(view.allocations.get(node_name, {}).items())
        added_here = [ip for r in view.results.values() for ip, n in r.added if n == node_name]
        if not added_here:
            continue
        caps = enode.capacity
        fam = dict((ip, A.ip_family(ip)) for ip, _o in final)
        if caps["ip"] is not None:
            assert len(final) <= caps["ip"]
        for key, f in (("ipv4", 4), ("ipv6", 6)):
            if caps[key] is not None and any(A.ip_family(ip) == f for ip in added_here):
                assert sum(1 for v in fam.values() if v == f) <= caps[key]


@SETTINGS
@given(st.ip_addresses())
def test_canonical_form_is_idempotent(addr):
    once = A.canonical_ip(str(addr))
    assert once is not None and A.canonical_ip(once) == once
    assert A.canonical_ip(once.upper()) == once
    if addr.version == 4:
        assert A.canonical_ip("::ffff:" + once) == once


@SETTINGS
@given(st.lists(st.ip_addresses(), max_size=6))
def test_duplicates_collapse(addrs):
    texts = [str(a) for a in addrs] + [str(a).upper() for a in addrs]
    canon, bad = A.canonical_ips(texts)
    assert bad == [] and len(canon) == len(set(canon)) == len(set(A.canonical_ip(t) for t in texts))
