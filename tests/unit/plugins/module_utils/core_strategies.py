# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hypothesis strategies for random cluster states (object data in 198.51.100.0/24 and
203.0.113.0/24 only)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from hypothesis import strategies as st

from ansible_collections.ocp.egressip.plugins.module_utils.core.state import ClusterState, Namespace, Node

# Few addresses, so that random states collide often (that is where the bugs are).
ADDRS = ["198.51.100.%d" % i for i in (0, 1, 2, 3, 64, 65, 70, 95, 96, 100, 127, 128, 129, 141, 142, 143, 200, 255)]
ADDRS += ["203.0.113.%d" % i for i in (1, 81)]
GARBAGE = ["", "198.51.100", "198.51.100.256", "::ffff:198.51.100.7", "198.51.100.010", "x"]
NETWORKS = [None, "198.51.100.0/24", "198.51.100.0/24", "198.51.100.0/24", "198.51.100.0/25", "198.51.100.128/25", "203.0.113.0/24"]
CIDRS = ["198.51.100.64/27", "198.51.100.64/26", "198.51.100.96/28", "198.51.100.128/27", "203.0.113.0/28"]

addr = st.sampled_from(ADDRS)
maybe_bad_addr = st.one_of(addr, addr, addr, st.sampled_from(GARBAGE))


@st.composite
def nodes(draw, index, allow_garbage):
    ip = maybe_bad_addr if allow_garbage else addr
    return Node(
        name="worker%02d" % index,
        host_ip=draw(st.sampled_from(["198.51.100.%d" % (141 + index), "198.51.100.%d" % (141 + index)] +
                                     (["198.51.100.x"] if allow_garbage else []))),
        ready=draw(st.booleans()) if draw(st.integers(0, 3)) == 0 else True,
        interface="enp1s0",
        network=draw(st.sampled_from(NETWORKS)),
        egress_cidrs=draw(st.lists(st.sampled_from(CIDRS + (["198.51.100.65/27"] if allow_garbage else [])),
                                   max_size=2)) if draw(st.integers(0, 2)) == 0 else [],
        egress_ips=draw(st.lists(ip, max_size=3)),
        capacity=draw(st.one_of(st.none(), st.none(), st.integers(0, 3))),
        cloud_network=draw(st.sampled_from([None, None, "198.51.100.0/24", "198.51.100.0/25"])),
    )


@st.composite
def states(draw, allow_garbage=True, max_nodes=5, max_namespaces=5):
    node_list = [draw(nodes(i, allow_garbage)) for i in range(draw(st.integers(1, max_nodes)))]
    ip = maybe_bad_addr if allow_garbage else addr
    namespaces = [Namespace("ns%d" % i, 100 + i, draw(st.lists(ip, max_size=3)))
                  for i in range(draw(st.integers(4, max_namespaces)))]
    reserved = draw(st.lists(addr, max_size=2))
    gateway = draw(st.sampled_from([None, "198.51.100.1"]))
    return ClusterState("OpenShiftSDN", node_list, namespaces, reserved=reserved, gateway=gateway)


@st.composite
def clean_clusters(draw):
    """A cluster with no egress IPs yet: manual nodes on 198.51.100.0/24 and maybe auto nodes
    with egressCIDRs in 198.51.100.64/26, some not Ready, some with cloud capacity."""
    count = draw(st.integers(2, 7))
    node_list = []
    for i in range(count):
        auto = draw(st.integers(0, 2)) == 0
        node_list.append(Node(
            name="worker%02d" % i, host_ip="198.51.100.%d" % (141 + i),
            ready=draw(st.integers(0, 4)) != 0, interface="enp1s0", network="198.51.100.0/24",
            egress_cidrs=[draw(st.sampled_from(["198.51.100.64/27", "198.51.100.96/27", "198.51.100.64/26"]))]
            if auto else [],
            capacity=draw(st.one_of(st.none(), st.none(), st.integers(0, 4))),
        ))
    namespaces = [Namespace("ns%d" % i, 100 + i) for i in range(4)]
    reserved = draw(st.lists(st.sampled_from(["198.51.100.%d" % i for i in (2, 3, 65, 66, 130)]), max_size=3))
    return ClusterState("OpenShiftSDN", node_list, namespaces, reserved=reserved, gateway="198.51.100.1")


def requests(namespaces=("ns0", "ns1", "ns2", "ns3")):
    return st.fixed_dictionaries({
        "namespace": st.sampled_from(list(namespaces)),
        "count": st.sampled_from([1, 1, 2, 3]),
        "mode": st.sampled_from(["auto", "manual"]),
    }, optional={
        "pool": st.sampled_from([["198.51.100.64/27"], ["198.51.100.2-198.51.100.20"], ["198.51.100.0/24"],
                                 ["198.51.100.128/26", "198.51.100.70"]]),
    })
