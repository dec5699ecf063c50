#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
---
module: egressip_facts
short_description: Report the egress IP set-up of an OpenShift cluster
version_added: 0.1.0
description:
  - Reads the cluster once (the C(cluster) Network object and one LIST each of HostSubnets,
    NetNamespaces and Nodes) and returns the network type, the nodes, the namespaces, which
    node holds each egress IP, the free capacity per egress CIDR and per node, and the
    validation findings of the current state.
  - Never writes. Works the same in check mode.
  - O(format=table) also returns the human tables, in the column layout of
    C(oc get hostsubnets) and C(oc get netnamespaces).
  - On an OVN-Kubernetes cluster (C(OVNKubernetes)) it lists Nodes and C(k8s.ovn.org/v1) EgressIP
    objects instead and returns the same keys - nodes, one C(namespaces) entry per EgressIP object,
    assignments from the EgressIP C(status.items) - plus RV(egressip.assignable_nodes); the table is
    C(oc get egressip). See C(docs/ovn.md).
author:
  - ocp.egressip maintainers (@ocp-egressip)
extends_documentation_fragment:
  - ocp.egressip.auth
  - ocp.egressip.network
options:
  format:
    description:
      - V(data) returns the structured facts only; V(table) also returns RV(table_lines).
    type: str
    choices: [data, table]
    default: data
notes:
  - In the C(egressip) action group (C(module_defaults) with C(group/ocp.egressip.egressip)).
requirements:
  - kubernetes
  - netaddr
seealso:
  - module: ocp.egressip.egressip_hostsubnet
  - module: ocp.egressip.egressip_netnamespace
  - module: ocp.egressip.egressip_ovn
"""

EXAMPLES = r"""
- name: Read the egress IP set-up
  ocp.egressip.egressip_facts:
    node_network: 198.51.100.0/24

- name: Which node holds mywebserver's IP?
  ansible.builtin.debug:
    msg: "{{ ansible_facts.egressip.assignments['198.51.100.120'].node }}"

- name: Print the tables like oc get hostsubnets / oc get netnamespaces
  ocp.egressip.egressip_facts:
    format: table
  register: eip

- name: Show them
  ansible.builtin.debug:
    var: eip.table_lines
"""

RETURN = r"""
egressip:
  description: The facts (also returned as C(ansible_facts.egressip)).
  returned: always
  type: dict
  contains:
    network_type:
      description: C(OpenShiftSDN) or C(OVNKubernetes).
      type: str
      sample: OpenShiftSDN
    mode:
      description: C(auto) (egressCIDRs), C(manual) (pinned egressIPs only), C(mixed) or C(none).
      type: str
    nodes:
      description:
        - One entry per HostSubnet with the columns of C(oc get hostsubnets) (C(name), C(host),
          C(host_ip), C(subnet), C(egress_cidrs), C(egress_ips)) plus C(ready), C(network),
          C(interface) and C(capacity) where known.
        - OVN-Kubernetes, one entry per Node with the same keys (C(subnet) empty, C(egress_cidrs) the
          node network when it is egress-assignable, C(egress_ips) from the EgressIP status) plus
          C(assignable).
      type: list
      elements: dict
      sample: [{"name": "worker01", "host": "worker01", "host_ip": "198.51.100.144", "subnet": "10.11.0.0/23",
                "egress_cidrs": ["198.51.100.0/24"], "egress_ips": ["198.51.100.120"], "ready": true,
                "network": null, "interface": null, "capacity": null}]
    namespaces:
      description:
        - One entry per NetNamespace, C(name), C(netid), C(egress_ips).
        - OVN-Kubernetes, one entry per EgressIP object, C(name), C(netid) (null), C(egress_ips),
          C(namespace_selector), C(pod_selector), C(assignments) (IP -> node from its status).
      type: list
      elements: dict
      sample: [{"name": "mywebserver", "netid": 5281170, "egress_ips": ["198.51.100.120"]}]
    assignments:
      description:
        - Egress IP -> C(namespace) using it, C(node) holding it (first one) and all C(nodes) claiming it.
        - OVN-Kubernetes, C(namespace) and C(egressip) are the EgressIP object's name; C(node) from its
          C(status.items).
      type: dict
      sample: {"198.51.100.120": {"namespace": "mywebserver", "node": "worker01", "nodes": ["worker01"]}}
    capacity:
      description:
        - C(cidrs), per egress CIDR, C(nodes) holding it and C(size) (usable addresses without node
          IPs, gateway and reserved addresses), C(used) and C(free).
        - C(nodes), per node, C(assigned) egress IPs, C(capacity) (cloud annotation), C(free)
          (capacity left, null if unknown) and C(free_in_cidrs).
      type: dict
    findings:
      description: Validation findings of the current state (C(code), C(severity), C(message), C(objects)).
      type: list
      elements: dict
    cluster_id:
      description:
        - The cluster's identity, C(spec.clusterID) of the C(config.openshift.io/v1) ClusterVersion C(version),
          else the C(metadata.uid) of the Network C(cluster); empty when neither can be read.
        - Role C(egressip) keys its records on shared target firewalls with it (C(egressip_cluster_name)
          overrides it).
      type: str
      sample: 6f2d0c4e-7e0a-4b8e-9d55-2b1f3a1c9e77
    assignable_nodes:
      description: OVN-Kubernetes, the nodes labelled C(k8s.ovn.org/egress-assignable).
      type: list
      elements: str
      returned: on OVN-Kubernetes clusters
table_lines:
  description:
    - The output of C(oc get hostsubnets), an empty line, and the output of C(oc get netnamespaces).
    - OVN-Kubernetes, the output of C(oc get egressip) (C(NAME EGRESSIPS ASSIGNED NODE ASSIGNED EGRESSIPS),
      first value of each column, as C(oc) prints it).
  returned: when O(format=table)
  type: list
  elements: str
  sample:
    - "NAME       HOST       HOST IP          SUBNET          EGRESS CIDRS        EGRESS IPS"
    - "worker01   worker01   198.51.100.144   10.11.0.0/23    [198.51.100.0/24]   [198.51.100.120]"
    - ""
    - "NAME          NETID     EGRESS IPS"
    - "mywebserver   5281170   [198.51.100.120]"
api_requests:
  description: Number of API requests the task made.
  returned: always
  type: int
"""

from ansible_collections.ocp.egressip.plugins.module_utils.runner import argument_spec, new_module, run_facts


def main():
    module = new_module(argument_spec(write=False, format=dict(type="str", choices=["data", "table"], default="data")))
    run_facts(module)


if __name__ == "__main__":
    main()
