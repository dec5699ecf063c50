# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Options describing the nodes' primary networks, which the openshift-sdn API does not record.

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  node_networks:
    description:
      - "Map of node name to the CIDR of the network of its primary interface, for example
        V({worker01: 198.51.100.0/24}). A value may also be a dict with C(network) and C(interface)."
      - Egress IPs hosted by a node must lie in this network. A node's network is taken, in order,
        from the Node annotation C(cloud.network.openshift.io/egress-ipconfig), the Node annotation
        C(k8s.ovn.org/node-primary-ifaddr), this map, and O(node_network).
      - Where no network is known for a node the check is skipped with a warning that says so.
    type: dict
    default: {}
  node_network:
    description:
      - One CIDR used as the primary network of every node for which nothing more specific is known
        (see O(node_networks)).
    type: str
  node_interfaces:
    description:
      - Map of node name to the name of its primary interface (for example V(enp1s0)), used in messages.
    type: dict
    default: {}
  node_interface:
    description:
      - Name of the primary interface of every node not listed in O(node_interfaces), used in messages.
    type: str
  reserved_ips:
    description:
      - Addresses that must never be used as egress IPs (routers, VIPs, other hosts on the node network).
      - Allocation skips them; validation reports egress IPs that use them.
    type: list
    elements: str
    default: []
  gateway:
    description:
      - The default gateway of the node network; never used as an egress IP.
    type: str
  gateways:
    description:
      - Gateways of the node networks (the role C(ocp.egressip.egressip) passes the default
        routes its node checks learnt); never used as egress IPs, like O(gateway).
      - Independently of this option, allocation never picks the lowest or the highest usable
        address of a node network (where routers and VRRP addresses usually sit) unless C(pool) (modules that allocate)
        names that address as a single entry or as the end of an C(A-B) range. The result's
        C(skipped_addresses) lists the addresses passed over and why.
    type: list
    elements: str
    default: []
"""
