"""The OVN-Kubernetes stories beyond the IPv4 primary network THROUGH THE ROLE: playbooks/auto.yml
(role ocp.egressip.egressip) and release.yml, run as AWX would from the controller namespace,
against the lab's OVN emulation (scenarios ``seed-ovn-dualstack``, ``seed-ovn-multinic``) whose
data plane puts the assigned addresses on the workers' interfaces, IPv6 and the secondary NIC
``enp2s0`` included. The node checks take the API path (the role's default): the lab's kubelet
runs each probe pod in the node's network namespace, so the preflight (duplicate-address
detection on the interface of the address's network) and the verify look at the real interfaces.

One topology (dual-stack LAN + secondary LAN) for the module; the module-level stories
(egressip_ovn without the role) are in test_ovn_dualstack_story.py."""
import contextlib

import pytest

from tests.lab.fixtures import start_lab
from tests.netns import run_in, tcp_probe
from tests.netns.fixtures import make_topology, reset_topology
from tests.netns.topology import down
from tests.e2e.seed_helpers import EGRESSIP, Story, apply_probe_namespace, write_inventory

pytestmark = [pytest.mark.netns, pytest.mark.slow]

WORKERS = ("worker01", "worker02")
DB4, DB6 = "203.0.113.10", "2001:db8:113::10"
SECONDARY = "203.0.113.128/25"
V4, V6 = "198.51.100.120", "2001:db8::120"
FAST = dict(egressip_targets="", egressip_auto_nodes="worker01,worker02", egressip_wait_timeout=20,
            egressip_wait_delay=1)


@pytest.fixture(scope="module")
def topo():
    topo = make_topology("r", squatter=False, ipv6=True, secondary=True)
    try:
        yield topo
    finally:
        down(topo)


@contextlib.contextmanager
def _story(topo, tmp_path, scenario):
    reset_topology(topo)
    mapping = ",".join("%s=%s:enp1s0,%s=%s:enp2s0@%s" % (w, topo.ns(w), w, topo.ns(w), SECONDARY) for w in WORKERS)
    try:
        with start_lab(tmp_path, scenario=scenario, extra_args=["--dataplane", mapping], netns=topo.ctl) as lab:
            apply_probe_namespace(lab)
            lab.reset()
            yield Story(topo, lab, write_inventory(topo, node_access="api"))
    finally:
        reset_topology(topo)


def _items(lab, name):
    return {i["egressIP"]: i["node"] for i in (lab.get(EGRESSIP % name).get("status") or {}).get("items") or []}


def _on(topo, ip, dev="enp1s0"):
    return [w for w in WORKERS if " %s/" % ip in run_in(topo.ns(w), ["ip", "-o", "addr", "show", "dev", dev]).stdout]


def _probes(res):
    """The role's node probes of a run (module egressip_node_probe through the API)."""
    return [r for r in res.task_results("localhost") if r.get("access") == "api" and "node_results" in r]


def _egress_writes(lab):
    """The collection's writes to EgressIPs and Nodes (not its lock Lease or probe pods)."""
    return [w for w in lab.collection_writes() if w[1] in ("EgressIP", "Node")]


def _other(node):
    return WORKERS[1] if node == WORKERS[0] else WORKERS[0]


def test_role_dual_stack_namespace(topo, tmp_path):
    with _story(topo, str(tmp_path), "seed-ovn-dualstack") as story:
        lab = story.lab
        # 1. one namespace, an IPv4 and an IPv6 address: one EgressIP, both families assigned,
        #    on two nodes; the preflight probed both addresses in the nodes (IPv6 by neighbour
        #    discovery) before the write, the verify found them where the cluster says
        res = story.run("auto.yml", egressip_namespace_name="mywebserver", egressip_egress_ips="%s,2001:DB8::120" % V4,
                        **FAST)
        assert res.rc == 0, res.describe()
        eip = lab.get(EGRESSIP % "egressip-mywebserver")
        assert eip["spec"]["egressIPs"] == [V4, V6]
        items = _items(lab, "egressip-mywebserver")
        assert set(items) == {V4, V6} and len(set(items.values())) == 2
        probes = _probes(res)
        assert probes and probes[0]["node_results"][items[V6]]["checked"][V6]["arping"]["argv"][:2] == ["ping", "-6"]
        assert probes[-1]["node_results"][items[V6]]["mode"] == "verify"
        assert _on(topo, V4) == [items[V4]] and _on(topo, V6) == [items[V6]]
        assert tcp_probe(topo.ns(items[V4]), V4, DB4, 5432) == "open"
        assert tcp_probe(topo.ns(items[V6]), V6, DB6, 5432) == "open"

        # 2. converged: nothing changes
        again = story.run("auto.yml", egressip_namespace_name="mywebserver", egressip_egress_ips="%s,%s" % (V4, V6),
                          **FAST)
        assert again.rc == 0 and again.changed() == 0, again.describe()

        # 3. the IPv6 holder goes NotReady: with two workers the other one already holds this
        #    object's IPv4 address (one address of an object per node, across families), so
        #    OVN-Kubernetes leaves the IPv6 address unassigned: the role says so, naming it, and
        #    writes nothing; IPv4 keeps working. Ready again: the controller assigns it and the
        #    role's run is converged.
        v6_node = items[V6]
        lab.set_ready(v6_node, False)
        assert _items(lab, "egressip-mywebserver") == {V4: items[V4]} and _on(topo, V6) == []
        s0 = _egress_writes(lab)
        short_wait = dict(FAST)
        short_wait["egressip_wait_timeout"] = 3
        stuck = story.run("auto.yml", egressip_namespace_name="mywebserver", egressip_egress_ips="%s,%s" % (V4, V6),
                          **short_wait)
        assert stuck.rc != 0, stuck.describe()
        assert ("the cluster does not report egress IP(s) %s on any node (is there an egress-assignable Ready node "
                "whose network holds it and that holds no other address of the same EgressIP?)" % V6
                in stuck.messages()), stuck.describe()
        assert _egress_writes(lab) == s0
        assert tcp_probe(topo.ns(items[V4]), V4, DB4, 5432) == "open"
        lab.set_ready(v6_node, True)
        assert _items(lab, "egressip-mywebserver") == items
        back = story.run("auto.yml", egressip_namespace_name="mywebserver", egressip_egress_ips="%s,%s" % (V4, V6),
                         **FAST)
        assert back.rc == 0 and back.changed() == 0, back.describe()

        # 4. count + count_ipv6 (a second namespace): allocated from the pool's entries of each
        #    family after the nodes were probed for them; the first holder of V6 is never offered
        res = story.run("auto.yml", egressip_namespace_name="default", egressip_count=1, egressip_count_ipv6=1,
                        egressip_pool="198.51.100.120-198.51.100.125,2001:db8::120-2001:db8::125", **FAST)
        assert res.rc == 0, res.describe()
        counted = lab.get(EGRESSIP % "egressip-default")["spec"]["egressIPs"]
        assert counted == ["198.51.100.121", "2001:db8::121"], counted
        assert set(_items(lab, "egressip-default")) == set(counted)

        # 5. release: the objects go, the addresses leave the nodes
        for ns in ("mywebserver", "default"):
            res = story.run("release.yml", egressip_namespace_name=ns, egressip_targets="")
            assert res.rc == 0, res.describe()
        assert lab.get("/apis/k8s.ovn.org/v1/egressips")["items"] == []
        assert _on(topo, V4) == [] and _on(topo, V6) == [] and _on(topo, "2001:db8::121") == []
        assert lab.pods("egressip-node-probe") == []


def test_role_secondary_network_namespace(topo, tmp_path):
    with _story(topo, str(tmp_path), "seed-ovn-multinic") as story:
        lab = story.lab
        ip = "203.0.113.150"
        # 1. an address of the workers' secondary host network (enp2s0, host-cidrs): the probes
        #    accept it on enp2s0 and run ARP duplicate detection there; OVN puts it on enp2s0
        res = story.run("auto.yml", egressip_namespace_name="mywebserver", egressip_egress_ips=ip, **FAST)
        assert res.rc == 0, res.describe()
        (node,) = _items(lab, "egressip-mywebserver").values()
        pre = _probes(res)[0]["node_results"]
        for w in WORKERS:
            checked = pre[w]["checked"][ip]
            assert checked["interface"] == "enp2s0" and checked["secondary"] is True, checked
            assert checked["arping"]["argv"][checked["arping"]["argv"].index("-I") + 1] == "enp2s0"
        assert _probes(res)[-1]["node_results"][node]["checked"][ip]["interface"] == "enp2s0"
        assert _on(topo, ip, "enp2s0") == [node] and _on(topo, ip) == []
        assert tcp_probe(topo.ns(node), ip, DB4, 5432) == "open"

        again = story.run("auto.yml", egressip_namespace_name="mywebserver", egressip_egress_ips=ip, **FAST)
        assert again.rc == 0 and again.changed() == 0, again.describe()

        # 2. NotReady failover: the address moves to the other worker's enp2s0; the role's run
        #    is converged (verify on the new holder's secondary interface)
        lab.set_ready(node, False)
        other = _other(node)
        assert _items(lab, "egressip-mywebserver") == {ip: other}
        res = story.run("auto.yml", egressip_namespace_name="mywebserver", egressip_egress_ips=ip, **FAST)
        assert res.rc == 0 and res.changed() == 0, res.describe()
        verify = _probes(res)[-1]["node_results"]
        assert list(verify) == [other] and verify[other]["checked"][ip]["present"] is True, verify
        assert _on(topo, ip, "enp2s0") == [other]
        assert tcp_probe(topo.ns(other), ip, DB4, 5432) == "open"
        lab.set_ready(node, True)

        # 3. count from a pool on the secondary network (a second namespace): the nodes' own
        #    addresses there (203.0.113.144/.145, host-cidrs) and the held address are skipped
        res = story.run("auto.yml", egressip_namespace_name="default", egressip_count=1,
                        egressip_pool="203.0.113.144-203.0.113.160", **FAST)
        assert res.rc == 0, res.describe()
        (counted,) = lab.get(EGRESSIP % "egressip-default")["spec"]["egressIPs"]
        assert counted == "203.0.113.146", counted
        (holder,) = _items(lab, "egressip-default").values()
        assert _on(topo, counted, "enp2s0") == [holder]

        # 4. release both
        for ns in ("mywebserver", "default"):
            res = story.run("release.yml", egressip_namespace_name=ns, egressip_targets="")
            assert res.rc == 0, res.describe()
        assert lab.get("/apis/k8s.ovn.org/v1/egressips")["items"] == []
        assert _on(topo, ip, "enp2s0") == [] and _on(topo, counted, "enp2s0") == []
        assert lab.pods("egressip-node-probe") == []
