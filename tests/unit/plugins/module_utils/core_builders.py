# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small cluster states for the core tests. Addresses: 198.51.100.0/24 and 203.0.113.0/24 only
(object data; nothing here touches a network). Mapped from the blog: 192.168.50.0/24 ->
198.51.100.0/24, hosts .141-.145, the wrong 10.10.10.81 -> 203.0.113.81, NETID 5281170."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.ocp.egressip.plugins.module_utils.core.state import ClusterState, Namespace, Node

NET = "198.51.100.0/24"
NETID = 5281170


def ip(last):
    return "198.51.100.%d" % last


def node(name, host_last, **kw):
    kw.setdefault("network", NET)
    kw.setdefault("interface", "enp1s0")
    return Node(name=name, host_ip=ip(host_last), **kw)


def manual_base(**changes):
    """Healthy manual mode: mywebserver (NETID 5281170) has .50 on worker01 and .51 on worker02."""
    nodes = [node("worker01", 141, egress_ips=[ip(50)]),
             node("worker02", 142, egress_ips=[ip(51)]),
             node("worker03", 143)]
    namespaces = [Namespace("mywebserver", NETID, [ip(50), ip(51)]), Namespace("other", 2)]
    return ClusterState("OpenShiftSDN", nodes, namespaces, gateway=ip(1), **changes)


def auto_base(**changes):
    """Healthy, converged automatic mode: worker01 and worker02 carry egressCIDRs .64/27 and
    the SDN master has put mywebserver's .70 on worker01."""
    nodes = [node("worker01", 141, egress_cidrs=[ip(64) + "/27"], egress_ips=[ip(70)]),
             node("worker02", 142, egress_cidrs=[ip(64) + "/27"]),
             node("worker03", 143)]
    namespaces = [Namespace("mywebserver", NETID, [ip(70)]), Namespace("other", 2)]
    return ClusterState("OpenShiftSDN", nodes, namespaces, gateway=ip(1), **changes)


def blog_hostsubnets(pins=None):
    """Five workers .141-.145 as openshift-sdn HostSubnet objects."""
    pins = pins or {}
    out = []
    for i in range(1, 6):
        name = "worker0%d" % i
        obj = {"metadata": {"name": name}, "host": name, "hostIP": ip(140 + i)}
        if name in pins:
            obj["egressIPs"] = list(pins[name])
        out.append(obj)
    return out


def netnamespace(name, netid, ips=None):
    obj = {"metadata": {"name": name}, "netname": name, "netid": netid}
    if ips is not None:
        obj["egressIPs"] = list(ips)
    return obj


def codes(findings):
    return set(f.code for f in findings)
