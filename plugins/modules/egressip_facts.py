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
  - Large results are opt-in. By default the result is a summary - RV(egressip.counts),
    RV(egressip.capacity) per egress CIDR, RV(egressip.findings) - plus the objects a filter asks for
    (O(namespaces), O(nodes), O(node_labels)); O(details=true) returns every node, namespace and
    assignment; O(query) returns exactly what a JMESPath expression selects.
  - The facts are returned once, as RV(egressip), or with O(as_facts=true) as C(ansible_facts.egressip)
    instead (earlier versions returned both, always in full).
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
  details:
    description:
      - Return every node, namespace and assignment (and the capacity of every node) in RV(egressip).
      - V(false), only those a filter (O(namespaces), O(nodes), O(node_labels)) names.
      - A filter given for a kind still narrows that kind when O(details=true).
    type: bool
    default: false
  namespaces:
    description:
      - Return these namespaces and the assignments of their egress IPs. OVN-Kubernetes, the EgressIP
        objects of these names or selecting one of these namespaces by C(kubernetes.io/metadata.name).
        A name the cluster does not have is left out (compare with the names you asked for).
      - With O(format=table), the namespace table lists only these.
    type: list
    elements: str
  nodes:
    description:
      - Return these nodes (their HostSubnet columns, capacity and the assignments of their egress IPs).
      - With O(format=table), the HostSubnet table lists only these.
    type: list
    elements: str
  node_labels:
    description:
      - Return the nodes whose Node object carries all these labels (with O(nodes), both must match),
        for example C(node-role.kubernetes.io/worker) with an empty value.
    type: dict
    default: {}
  query:
    description:
      - A JMESPath expression applied to the full facts (every key of RV(egressip) with all objects, as
        with O(details=true)); its value is returned as RV(query_result) and RV(egressip) is not returned.
      - For example C(namespaces[?egress_ips] | [].name) or C(assignments."198.51.100.120".node).
    type: str
  as_facts:
    description:
      - Return the facts as C(ansible_facts.egressip) (a host fact, C(egressip) in later tasks) instead
        of RV(egressip).
    type: bool
    default: false
  format:
    description:
      - V(data) returns the structured facts only; V(table) also returns RV(table_lines).
    type: str
    choices: [data, table]
    default: data
  firewall_records:
    description:
      - "The firewall records of the targets, V({target: record}): the content of C(owners.json)
        that the role C(ocp.egressip.egressip_firewall) keeps on each target (format 2; only this
        cluster's entries, by C(cluster_id), are compared), or the older
        V({database: {mywebserver: [198.51.100.120]}}) of C(namespaces.json). A malformed record fails
        the task, naming the field and the value. A record that
        names a namespace the cluster does not have, or an address the namespace no longer has, is
        a finding (C(FIREWALL_RECORD_NO_NAMESPACE), C(FIREWALL_RECORD_STALE_IP)): the firewall still
        lets that address through."
      - Orphaned pins (an address pinned to a HostSubnet that no namespace uses) are the finding
        C(IP_UNUSED); namespaces whose addresses no node can host, C(IP_NO_NODE) and
        C(NAMESPACE_EGRESS_DROPPED).
    type: dict
    default: {}
notes:
  - In the C(egressip) action group (C(module_defaults) with C(group/ocp.egressip.egressip)).
requirements:
  - kubernetes
  - netaddr
  - jmespath (for O(query))
seealso:
  - module: ocp.egressip.egressip_hostsubnet
  - module: ocp.egressip.egressip_netnamespace
  - module: ocp.egressip.egressip_ovn
"""

EXAMPLES = r"""
- name: Read the egress IP set-up (a summary - counts, capacity per CIDR, findings)
  ocp.egressip.egressip_facts:
    node_network: 198.51.100.0/24
  register: eip

- name: How many egress IPs, any errors?
  ansible.builtin.debug:
    msg: "{{ eip.egressip.counts.egress_ips }} egress IPs, {{ eip.egressip.counts.errors }} errors"

- name: One namespace, its egress IPs and which node holds them
  ocp.egressip.egressip_facts:
    namespaces: [mywebserver]
  register: eip

- name: Which node holds mywebserver's IP?
  ansible.builtin.debug:
    msg: "{{ eip.egressip.assignments[eip.egressip.namespaces[0].egress_ips[0]].node }}"

- name: Exactly what a task needs, the names of the namespaces that have egress IPs
  ocp.egressip.egressip_facts:
    query: "namespaces[?egress_ips] | [].name"
  register: eip   # eip.query_result is a list of names

- name: Everything, as a host fact (egressip.nodes, egressip.namespaces, ... in later tasks)
  ocp.egressip.egressip_facts:
    details: true
    as_facts: true

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
  description:
    - The facts. With O(as_facts=true) returned as C(ansible_facts.egressip) instead.
    - C(nodes), C(namespaces), C(assignments) and C(capacity.nodes) hold the objects asked for (see
      O(details), O(namespaces), O(nodes), O(node_labels)); empty by default.
  returned: unless O(query) or O(as_facts=true)
  type: dict
  contains:
    counts:
      description:
        - C(nodes), C(nodes_ready), C(egress_nodes) (with egress CIDRs or IPs), C(namespaces) (OVN-Kubernetes,
          EgressIP objects), C(namespaces_with_egress_ips), C(egress_ips), C(egress_ips_on_a_node),
          C(errors) and C(warnings) (findings) of the whole cluster, whatever was asked for.
      type: dict
      sample: {"nodes": 5, "nodes_ready": 5, "egress_nodes": 2, "namespaces": 3, "namespaces_with_egress_ips": 1,
               "egress_ips": 1, "egress_ips_on_a_node": 1, "errors": 0, "warnings": 0}
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
          C(assignable), C(eligible) (label, Ready and reachable as the controller decides),
          C(networks) (primary, both families), C(secondary_networks) (from C(k8s.ovn.org/host-cidrs)),
          C(capacity_per_family), C(config_error), C(host_cidrs_error) and C(load).
      type: list
      elements: dict
      sample: [{"name": "worker01", "host": "worker01", "host_ip": "198.51.100.144", "subnet": "10.11.0.0/23",
                "egress_cidrs": ["198.51.100.0/24"], "egress_ips": ["198.51.100.120"], "ready": true,
                "network": null, "interface": null, "capacity": null}]
    namespaces:
      description:
        - One entry per NetNamespace, C(name), C(netid), C(egress_ips).
        - OVN-Kubernetes, one entry per EgressIP object, C(name), C(netid) (null), C(egress_ips),
          C(canonical_egress_ips), C(namespace_selector), C(pod_selector), C(assignments) (IP -> node,
          only status items that match the canonical spec on a node that is assignable and can host
          them), C(stale) (status items the controller removes, with the reason), C(pending) (spec
          addresses on no node after the controller's pass, with the reason), C(conflicts),
          C(invalid) (unparsable entries), C(predicted) (IP -> node after the pass) and
          C(status_assignments) (C(status.items) as read).
      type: list
      elements: dict
      sample: [{"name": "mywebserver", "netid": 5281170, "egress_ips": ["198.51.100.120"]}]
    assignments:
      description:
        - Egress IP -> C(namespace) using it, C(node) holding it (first one) and all C(nodes) claiming it.
        - OVN-Kubernetes, C(namespace) and C(egressip) are the EgressIP object's name; C(node) the
          verified status item, C(nodes) every status item naming the address, C(predicted_node) where
          the controller will have it.
      type: dict
      sample: {"198.51.100.120": {"namespace": "mywebserver", "node": "worker01", "nodes": ["worker01"]}}
    capacity:
      description:
        - C(cidrs), per egress CIDR, C(nodes) holding it and C(size) (usable addresses without node
          IPs, gateway and reserved addresses), C(used) and C(free).
        - C(nodes), per node returned in C(nodes), C(assigned) egress IPs, C(capacity) (cloud annotation),
          C(free) (capacity left, null if unknown) and C(free_in_cidrs).
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
    platform:
      description: OVN-Kubernetes, the platform type (Infrastructure C(cluster)); cloud platforms take egress
        networks and capacity from C(cloud.network.openshift.io/egress-ipconfig).
      type: str
      returned: on OVN-Kubernetes clusters
    load:
      description: OVN-Kubernetes, node -> egress IPs it holds after the controller's pass (eligible nodes).
        OVN-Kubernetes never re-balances; a spread of two or more is flagged C(EGRESSIP_LOAD_IMBALANCE).
      type: dict
      returned: on OVN-Kubernetes clusters
    blocked_by:
      description: OVN-Kubernetes, nodes whose C(k8s.ovn.org/host-cidrs) cannot be parsed; while any is
        listed the controller assigns no egress IP anywhere.
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
query_result:
  description: The value O(query) selects from the full facts.
  returned: when O(query) is given
  type: raw
  sample: ["mywebserver"]
network_type:
  description: C(OpenShiftSDN) or C(OVNKubernetes) (also in RV(egressip.network_type)).
  returned: always
  type: str
api_requests:
  description: Number of API requests the task made.
  returned: always
  type: int
"""

from ansible_collections.ocp.egressip.plugins.module_utils.runner import argument_spec, new_module
from ansible_collections.ocp.egressip.plugins.module_utils.facts_runner import FACTS_ARG_SPEC, run_facts


def main():
    module = new_module(argument_spec(write=False, **FACTS_ARG_SPEC))
    run_facts(module)


if __name__ == "__main__":
    main()
