#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of the allocation and validation core against a straightforward baseline.

Run from the repository root:  . scripts/env.sh && python benchmarks/core_bench.py [--quick]

Synthetic object data only; nothing here touches a network. Addresses come from
100.64.0.0/10 (RFC 6598 shared address space), used purely as numbers: 1,000 nodes in
four /16 host networks (100.64-67.0.0/16); nodes of the first two networks are manual
(the pools are the /16 networks), nodes of the last two carry egressCIDRs (/19 and /20
blocks, each shared by a group of 25 nodes, cloud capacity 64). N namespaces get 2 egress IPs each: half
pinned by hand on two nodes, half placed by the (simulated) SDN master on two nodes
whose egressCIDR holds them.

The baseline is the plain way to write the same checks: a loop per egress IP with netaddr
IPNetwork membership tests and scans over the lists of nodes and namespaces. It runs in the
same process on the same data; ratios are baseline time / core time.
"""

from __future__ import absolute_import, division, print_function

import argparse
import gc
import os
import statistics
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".collections"))

import netaddr  # noqa: E402

from ansible_collections.ocp.egressip.plugins.module_utils.core.addresses import int_to_ip  # noqa: E402
from ansible_collections.ocp.egressip.plugins.module_utils.core.allocate import Request, allocate  # noqa: E402
from ansible_collections.ocp.egressip.plugins.module_utils.core.findings import errors  # noqa: E402
from ansible_collections.ocp.egressip.plugins.module_utils.core.index import index_of  # noqa: E402
from ansible_collections.ocp.egressip.plugins.module_utils.core.state import ClusterState, Namespace, Node  # noqa: E402
from ansible_collections.ocp.egressip.plugins.module_utils.core.validate import validate  # noqa: E402

NODES = 1000
BASE = (100 << 24) | (64 << 16)          # 100.64.0.0
NETS = [BASE + (i << 16) for i in range(4)]
GROUP = 25                                # auto nodes sharing one egressCIDR
SPARE = 200                               # namespaces without IPs, for allocations


def _auto_block(net, group):
    """egressCIDR of auto group 0..9 inside a /16: groups 0-3 get /19 blocks from +8192,
    groups 4-9 /20 blocks from +40960 (disjoint, aligned; host IPs sit below +8192)."""
    if group < 4:
        return net + 8192 * (1 + group), 19
    return net + 40960 + 4096 * (group - 4), 20


def build(namespaces):
    """Host IPs from +2 of each /16, then (manual networks) the egress IPs right after them, so
    the free addresses start behind one long used block: the hard case for a free-address search."""
    nodes = []
    per_net = NODES // len(NETS)
    auto_cidrs = {}
    for i in range(NODES):
        net_i, k = divmod(i, per_net)
        net = NETS[net_i]
        cidrs = []
        if net_i >= 2:
            auto_cidrs[i] = _auto_block(net, k // GROUP)
            cidrs = ["%s/%d" % (int_to_ip(auto_cidrs[i][0]), auto_cidrs[i][1])]
        nodes.append(dict(name="node%04d" % i, host_ip=int_to_ip(net + 2 + k), network="%s/16" % int_to_ip(net),
                          interface="ens3", egress_cidrs=cidrs, egress_ips=[],
                          capacity=64 if net_i >= 2 else None))
    ns_objs = []
    manual_next = {0: NETS[0] + 2 + per_net + 50, 1: NETS[1] + 2 + per_net}
    auto_next = {}
    for n in range(namespaces):
        ips = []
        if n % 2 == 0:                                   # manual: two nodes of one network
            net_i = (n // 2) % 2
            base_node = net_i * per_net
            a = base_node + (n // 4) % per_net
            b = base_node + (n // 4 + per_net // 2) % per_net
            for node_i in (a, b):
                ip = manual_next[net_i]
                manual_next[net_i] += 1
                ips.append(int_to_ip(ip))
                nodes[node_i]["egress_ips"].append(int_to_ip(ip))
        else:                                            # auto: the SDN master put them on two group nodes
            node_i = 2 * per_net + (n // 2) % (2 * per_net)
            group_first = node_i - (node_i % per_net) % GROUP
            key = auto_cidrs[node_i]
            cursor = auto_next.get(key, key[0] + 1)
            for node_j in (group_first + (n // 2) % GROUP, group_first + ((n // 2) + 1) % GROUP):
                ips.append(int_to_ip(cursor))
                nodes[node_j]["egress_ips"].append(int_to_ip(cursor))
                cursor += 1
            auto_next[key] = cursor
        ns_objs.append(Namespace("ns%05d" % n, 1000 + n, ips))
    for n in range(SPARE):
        ns_objs.append(Namespace("spare%03d" % n, 900000 + n))
    # addresses found in use (say, by a load balancer), right behind the host IPs
    reserved = [int_to_ip(NETS[0] + 2 + per_net + i) for i in range(50)]
    return ClusterState("OpenShiftSDN", [Node(**d) for d in nodes], ns_objs, reserved=reserved,
                        gateway=int_to_ip(NETS[0] + 1))


# --- the straightforward baseline --------------------------------------------------------

def baseline_validate(state, sample=None):
    """Per-IP loops with netaddr objects and list scans; the same main checks. With sample=K
    only every (N/K)-th namespace is checked (against the whole state)."""
    problems = []
    nodes = list(state.nodes.values())
    namespaces = list(state.namespaces.values())
    step = max(1, len(namespaces) // sample) if sample else 1
    for ns in namespaces[::step]:
        for text in ns.egress_ips:
            ip = netaddr.IPAddress(text)
            pinned = [n for n in nodes if text in n.egress_ips]
            claimers = [o for o in namespaces if text in o.egress_ips]
            if len(pinned) > 1:
                problems.append(("IP_MULTIPLE_NODES", text))
            if len(claimers) > 1:
                problems.append(("IP_MULTIPLE_NAMESPACES", text))
            if any(n.host_ip == text for n in nodes):
                problems.append(("IP_IS_HOST_IP", text))
            if text == state.gateway or text in list(state.reserved):
                problems.append(("IP_RESERVED", text))
            hosts = [n for n in nodes if any(ip in netaddr.IPNetwork(c) for c in n.egress_cidrs)]
            for n in pinned:
                if n.network and ip not in netaddr.IPNetwork(n.network):
                    problems.append(("IP_NOT_IN_NODE_NETWORK", text))
            if not pinned and not hosts:
                problems.append(("IP_NO_NODE", text))
    for n in nodes:
        if n.capacity is not None and len(n.egress_ips) > n.capacity:
            problems.append(("NODE_OVER_CAPACITY", n.name))
    return problems


def baseline_allocate(state, namespace, count, pool):
    """Walk the pool with netaddr, test each address against lists of used addresses, pick the
    least-loaded node by scanning all nodes, then check the new IPs against everything."""
    used = []
    for ns in state.namespaces.values():
        used.extend(ns.egress_ips)
    for n in state.nodes.values():
        used.extend(n.egress_ips)
        used.append(n.host_ip)
    blocked = list(state.reserved) + [state.gateway]
    network = netaddr.IPNetwork(pool)
    chosen, taken_nodes = [], []
    for ip in network.iter_hosts():
        text = str(ip)
        if text in used or text in blocked:
            continue
        candidates = [n for n in state.nodes.values() if n.ready and not n.egress_cidrs and n.network
                      and ip in netaddr.IPNetwork(n.network) and n.name not in taken_nodes]
        if not candidates:
            continue
        best = min(candidates, key=lambda n: (len(n.egress_ips), n.name))
        chosen.append(text)
        taken_nodes.append(best.name)
        if len(chosen) == count:
            break
    for text in chosen:   # the new IPs against every object, as a plain re-check would do
        assert not any(text in ns.egress_ips for ns in state.namespaces.values())
        assert not any(text in n.egress_ips for n in state.nodes.values())
    return chosen, taken_nodes


# --- measuring ----------------------------------------------------------------------------

def best_of(func, repeat):
    times = []
    for _round in range(repeat):
        gc.collect()
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def per_allocation(state, mode, samples):
    """Median and worst time of one allocation (count=2) on a warm state; each on a different
    spare namespace (the median keeps other processes' bursts on a shared machine out)."""
    index_of(state)
    allocate(state, [Request("spare%03d" % (SPARE - 1), count=2, mode=mode)])   # warm the segment cache
    times = []
    for i in range(samples):
        req = Request("spare%03d" % (i % SPARE), count=2, mode=mode)
        start = time.perf_counter()
        plan = allocate(state, [req])
        times.append(time.perf_counter() - start)
        assert len(plan.ips[req.namespace]) == 2
    return statistics.median(times), max(times)


def fmt(seconds):
    return "%.1f ms" % (seconds * 1000) if seconds >= 0.001 else "%.0f us" % (seconds * 1e6)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--quick", action="store_true", help="smaller baseline sizes")
    args = parser.parse_args()
    sizes = [100, 1000, 3000, 10000]
    baseline_sizes = [100, 300] if args.quick else [100, 300, 1000]
    print("core_bench: %d nodes, sizes %s namespaces x 2 IPs, %d spare namespaces; data from 100.64.0.0/10; "
          "%d CPUs, load average %.1f at start" % (NODES, sizes, SPARE, os.cpu_count() or 0, os.getloadavg()[0]))
    print()
    rows = []
    for size in sizes:
        state = build(size)
        findings = validate(state)
        assert not errors(findings), errors(findings)[:3]
        t_validate = best_of(lambda: validate(state), 5 if size < 10000 else 3)
        t_manual, worst_manual = per_allocation(state, "manual", 100)
        t_auto, worst_auto = per_allocation(state, "auto", 100)
        cold = state.copy()
        start = time.perf_counter()
        allocate(cold, [Request("spare000", count=2, mode="manual")])
        t_cold = time.perf_counter() - start
        rows.append((size, t_validate, t_manual, worst_manual, t_auto, worst_auto, t_cold, len(findings)))
    print("Growth (core only; validation = full validate(); allocation = one request, count 2, warm index)")
    print("| namespaces | IPs | full validation | per namespace | alloc manual (median/max) | alloc auto (median/max) "
          "| first alloc (cold, builds index) | findings (all warnings) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, tv, tm, wm, ta, wa, tc, nf in rows:
        print("| %d | %d | %s | %.1f us | %s / %s | %s / %s | %s | %d |" % (
            size, 2 * size, fmt(tv), tv / size * 1e6, fmt(tm), fmt(wm), fmt(ta), fmt(wa), fmt(tc), nf))
    print()

    print("Against the baseline (same data, same run; ratio = baseline / core)")
    print("| namespaces | validation core | validation baseline | ratio | allocation core | allocation baseline "
          "| ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    ratios = []
    for size in sizes:
        state = build(size)
        validate(state)
        t_core = best_of(lambda: validate(state), 3)
        a_core, _worst = per_allocation(state, "manual", 100)
        a_base = best_of(lambda: baseline_allocate(state, "spare000", 2, "100.64.0.0/16"), 3 if size < 10000 else 1)
        if size in baseline_sizes:
            t_base = best_of(lambda: baseline_validate(state), 1)
            ratios.append((t_base / t_core, a_base / a_core))
            validation = "%s | %.0fx" % (fmt(t_base), t_base / t_core)
        else:
            # the full baseline would run for minutes: time it on a sample of namespaces and scale
            sample = 200
            checked = len(list(state.namespaces)[::max(1, len(state.namespaces) // sample)])
            t_part = best_of(lambda: baseline_validate(state, sample), 1)
            t_base = t_part * len(state.namespaces) / checked
            ratios.append((t_base / t_core, a_base / a_core))
            validation = "%s (%d of %d namespaces timed, scaled) | %.0fx" % (
                fmt(t_base), checked, len(state.namespaces), t_base / t_core)
        print("| %d | %s | %s | %s | %s | %.0fx |" % (
            size, fmt(t_core), validation, fmt(a_core), fmt(a_base), a_base / a_core))
    print()

    big = build(10000)
    gc.collect()
    tracemalloc.start()
    validate(big)
    peak_validate = tracemalloc.get_traced_memory()[1]
    allocate(big, [Request("spare000", count=2, mode="manual")])     # segment cache, as in a warm run
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    allocate(big, [Request("spare001", count=2, mode="manual")])
    peak_alloc = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print("Peak memory (tracemalloc, 10,000 namespaces): full validation %.1f MiB (state index included); "
          "one warm allocation %.2f MiB above what was already held" % (peak_validate / 2 ** 20,
                                                                        (peak_alloc - held) / 2 ** 20))
    size, tv, tm, wm, ta, wa, _tc, _nf = rows[-1]
    v_ratio, a_ratio = ratios[-1]
    print()
    print("Targets at %d namespaces: full validation %s (<= 1 s: %s); one allocation %s manual, %s auto "
          "(<= 2 ms: %s); against the baseline %.0fx validation, %.0fx allocation (>= 50x: %s)" % (
              size, fmt(tv), "ok" if tv <= 1 else "MISSED", fmt(tm), fmt(ta),
              "ok" if max(tm, ta) <= 0.002 else "MISSED", v_ratio, a_ratio,
              "ok" if min(v_ratio, a_ratio) >= 50 else "MISSED"))
    small = [(n, pair) for n, pair in zip(sizes, ratios) if min(r for r in pair if r is not None) < 50]
    for n, pair in small:
        print("Note: at %d namespaces the ratios are %s: the baseline has little to scan there, and the "
              "core's fixed cost per call (copy-on-write state, incremental validation, diff) dominates."
              % (n, ", ".join("%.0fx" % r for r in pair if r is not None)))


if __name__ == "__main__":
    main()
