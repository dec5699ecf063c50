"""Pytest fixtures for the network-namespace hosts.

Use from a test module or conftest::

    from tests.netns.fixtures import topology, fresh_topology, clean_topology  # noqa: F401

``topology`` is session scoped (one topology per pytest process; xdist workers
get their own prefix because it contains the pid). ``clean_topology`` is the
same topology, reset after the test (extra addresses removed from the nodes,
nftables/iptables state of every namespace flushed). ``fresh_topology`` is a
private one for tests that must tear it down themselves.

Each fixture skips (``pytest.skip``) when not root or when ``ip netns`` cannot
be used.
"""
from __future__ import annotations

import itertools
import os
import shutil

import pytest

from .topology import HOSTS, STATE_DIR, NetnsError, down, gc, netns_available, run_in, state_path_for, up

_counter = itertools.count()


def _prefix(tag: str) -> str:
    return "e%s%04d%d" % (tag, os.getpid() % 10000, next(_counter))


def require_netns() -> None:
    reason = netns_available()
    if reason:
        pytest.skip(reason)


_gc_done = []


def make_topology(tag: str = "g", squatter: bool = True, ipv6: bool = False, secondary: bool = False):
    """Bring up a topology with a fresh prefix; the caller must call ``down(topo)``.

    Its state file goes to /run/egressip-netns/<prefix>.json (with this process as owner), so
    ``python -m tests.netns gc`` - run here once per process - removes the topologies of
    killed test runs.
    """
    require_netns()
    if not _gc_done:
        _gc_done.append(True)
        gc()
    os.makedirs(STATE_DIR, exist_ok=True)
    prefix = _prefix(tag)
    return up(prefix=prefix, state=state_path_for(prefix), squatter=squatter, ipv6=ipv6, secondary=secondary)


def reset_topology(topo) -> None:
    """Bring hosts back to their initial state (best effort, never raises)."""
    for name, h in topo["hosts"].items():
        ns = h["ns"]
        try:
            # remove every IPv4 address that up() did not put there
            keep = {h["ip"], h.get("db_ip"), h.get("secondary_ip"), "203.0.113.129"}
            out = run_in(ns, ["ip", "-4", "-o", "addr", "show"], check=False).stdout
            for line in out.splitlines():
                parts = line.split()
                dev, cidr = parts[1], parts[3]
                if dev != "lo" and cidr.split("/")[0] not in keep:
                    run_in(ns, ["ip", "addr", "del", cidr, "dev", dev], check=False)
            # and every global IPv6 address up() did not put there (dual-stack topologies)
            keep6 = {h.get("ip6"), "2001:db8:113::1" if name == "router" else None}
            out = run_in(ns, ["ip", "-6", "-o", "addr", "show", "scope", "global"], check=False).stdout
            for line in out.splitlines():
                parts = line.split()
                dev, cidr = parts[1], parts[3]
                if cidr.split("/")[0] not in keep6:
                    run_in(ns, ["ip", "-6", "addr", "del", cidr, "dev", dev], check=False)
            # nftables and iptables (iptables-nft) state lives in the namespace: flush it
            run_in(ns, ["nft", "flush", "ruleset"], check=False)
        except (NetnsError, OSError):
            pass
        scratch = h.get("scratch_dir")
        if scratch and os.path.isdir(scratch):
            shutil.rmtree(scratch, ignore_errors=True)
            os.makedirs(scratch, exist_ok=True)


@pytest.fixture(scope="session")
def topology():
    topo = make_topology("s")
    try:
        yield topo
    finally:
        down(topo)


@pytest.fixture
def clean_topology(topology):
    reset_topology(topology)
    try:
        yield topology
    finally:
        reset_topology(topology)


@pytest.fixture
def fresh_topology():
    topo = make_topology("f")
    try:
        yield topo
    finally:
        down(topo)


__all__ = ["topology", "clean_topology", "fresh_topology", "make_topology", "reset_topology", "require_netns",
           "HOSTS"]
