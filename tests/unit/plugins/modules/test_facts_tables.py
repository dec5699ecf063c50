"""The tables egressip_facts prints must match `oc get hostsubnets` / `oc get netnamespaces`
column for column (the blog's output, mapped to 198.51.100.0/24): an unset field is an empty
cell, a set but empty list prints as []."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.ocp.egressip.plugins.module_utils.core.facts import hostsubnet_table, netnamespace_table


def _hs(name, ip, subnet, cidrs=None, ips=None):
    obj = {"metadata": {"name": name}, "host": name, "hostIP": ip, "subnet": subnet}
    if cidrs is not None:
        obj["egressCIDRs"] = cidrs
    if ips is not None:
        obj["egressIPs"] = ips
    return obj


def test_hostsubnet_table_matches_oc_layout():
    lines = hostsubnet_table([
        _hs("worker02", "198.51.100.145", "10.8.2.0/23", ["198.51.100.0/24"], ["198.51.100.120"]),
        _hs("master01", "198.51.100.141", "10.10.0.0/23", [], None),
        _hs("worker01", "198.51.100.144", "10.11.0.0/23", ["198.51.100.0/24"], []),
    ])
    assert lines == [
        "NAME       HOST       HOST IP          SUBNET         EGRESS CIDRS        EGRESS IPS",
        "master01   master01   198.51.100.141   10.10.0.0/23   []                  ",
        "worker01   worker01   198.51.100.144   10.11.0.0/23   [198.51.100.0/24]   []",
        "worker02   worker02   198.51.100.145   10.8.2.0/23    [198.51.100.0/24]   [198.51.100.120]",
    ]


def test_netnamespace_table_matches_oc_layout():
    lines = netnamespace_table([
        {"metadata": {"name": "mywebserver"}, "netid": 5281170, "egressIPs": ["198.51.100.120", "198.51.100.121"]},
        {"metadata": {"name": "default"}, "netid": 0},
    ])
    assert lines == [
        "NAME          NETID     EGRESS IPS",
        "default       0         ",
        "mywebserver   5281170   [198.51.100.120 198.51.100.121]",
    ]
