#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
---
module: egressip_hostsubnet
short_description: Set the egress CIDRs and egress IPs of openshift-sdn HostSubnets
version_added: 0.1.0
description:
  - Declares the C(egressCIDRs) (automatic mode) and/or C(egressIPs) (manual mode) of one
    HostSubnet (O(name)) or of many in one task (O(hostsubnets)).
  - Reads the cluster once (one LIST each of HostSubnets, NetNamespaces and Nodes, and the
    C(cluster) Network object), applies the change in memory, validates the whole resulting
    cluster state and writes only when no blocking finding remains.
  - "A finding blocks when it involves an object the task names or changes, or when the change
    introduces it. Pre-existing errors on other objects are reported (C(blocking: false)) but do
    not prevent fixing things. Errors always block; the warnings C(NAMESPACE_MULTIPLE_AUTO_IPS)
    and C(IP_NODE_NOT_READY) block unless O(force=true); other warnings never block."
  - Writes only the HostSubnets that change, each with one JSON merge patch carrying the
    C(resourceVersion) read. A conflict (HTTP 409) re-reads, re-validates and retries (5 attempts).
    Any other failure rolls back what the run wrote and says what was written and what not.
  - A cluster-wide Lease is held while re-reading, planning and writing (see O(lock)).
author:
  - ocp.egressip maintainers (@ocp-egressip)
extends_documentation_fragment:
  - ocp.egressip.auth
  - ocp.egressip.network
  - ocp.egressip.write
options:
  name:
    description:
      - Name of the HostSubnet (the node name).
      - Mutually exclusive with O(hostsubnets).
    type: str
  egress_cidrs:
    description:
      - The complete list of C(egressCIDRs) of the HostSubnet (automatic mode). The SDN master assigns
        each namespace egress IP in these ranges to a Ready node holding the range.
      - V([]) clears the field; omitted leaves it as it is.
    type: list
    elements: str
  egress_ips:
    description:
      - The complete list of C(egressIPs) pinned to the HostSubnet (manual mode).
      - V([]) clears the field; omitted leaves it as it is.
    type: list
    elements: str
  state:
    description:
      - V(present) sets the listed fields; V(absent) clears both C(egressCIDRs) and C(egressIPs).
    type: str
    choices: [present, absent]
    default: present
  hostsubnets:
    description:
      - Many HostSubnets in one task (one read, at most one write per changed HostSubnet).
      - Mutually exclusive with O(name).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the HostSubnet.
        type: str
        required: true
      egress_cidrs:
        description: As O(egress_cidrs).
        type: list
        elements: str
      egress_ips:
        description: As O(egress_ips).
        type: list
        elements: str
      state:
        description: As O(state); defaults to the task's O(state).
        type: str
        choices: [present, absent]
notes:
  - Check mode is supported and writes nothing; with C(--diff) each HostSubnet's egress fields are
    shown before and after.
  - In the C(egressip) action group (C(module_defaults) with C(group/ocp.egressip.egressip)).
requirements:
  - kubernetes
  - netaddr
seealso:
  - module: ocp.egressip.egressip_netnamespace
  - module: ocp.egressip.egressip_facts
"""

EXAMPLES = r"""
# Automatic mode (the blog's "oc patch hostsubnet worker01 --type=merge
# -p '{"egressCIDRs": ["198.51.100.0/24"]}'", and worker02)
- name: Let worker01 and worker02 host egress IPs from 198.51.100.0/24
  ocp.egressip.egressip_hostsubnet:
    hostsubnets:
      - name: worker01
        egress_cidrs: [198.51.100.0/24]
      - name: worker02
        egress_cidrs: [198.51.100.0/24]

# Static (manual) mode: pin one IP of mywebserver to each node
- name: Pin 198.51.100.120 to worker01 and 198.51.100.121 to worker02
  ocp.egressip.egressip_hostsubnet:
    hostsubnets:
      - name: worker01
        egress_ips: [198.51.100.120]
      - name: worker02
        egress_ips: [198.51.100.121]
    node_network: 198.51.100.0/24
    node_interface: enp1s0

- name: One node, with an explicit kubeconfig and context
  ocp.egressip.egressip_hostsubnet:
    kubeconfig: ~/.kube/config
    context: admin
    name: worker01
    egress_cidrs: [198.51.100.0/24]

- name: Stop worker02 from hosting egress IPs
  ocp.egressip.egressip_hostsubnet:
    name: worker02
    state: absent
"""

RETURN = r"""
changed:
  description: Whether a HostSubnet was written.
  returned: always
  type: bool
changes:
  description: The objects changed (or, in check mode, that would change), with their egress fields before and after.
  returned: always
  type: list
  elements: dict
  sample: [{"kind": "HostSubnet", "name": "worker01", "before": {"egressCIDRs": []}, "after": {"egressCIDRs": ["198.51.100.0/24"]}}]
plan:
  description: The plan; C(order) is the order of the writes.
  returned: always
  type: dict
  sample: {"order": ["HostSubnet/worker01", "HostSubnet/worker02"]}
findings:
  description:
    - Validation findings of the resulting cluster state (errors and warnings), each with C(code),
      C(severity), C(message), C(objects) and C(blocking).
  returned: always
  type: list
  elements: dict
  sample: [{"code": "CIDR_SINGLE_NODE", "severity": "warning", "blocking": false,
            "message": "egressCIDRs \"198.51.100.0/24\": only 1 Ready node(s) can host it (worker01): no failover",
            "objects": ["HostSubnet/worker01"]}]
findings_after:
  description: Findings of the state re-read after writing.
  returned: when something was written
  type: list
  elements: dict
hostsubnets:
  description: The egress fields of the HostSubnets the task names, after the change.
  returned: success
  type: list
  elements: dict
  sample: [{"name": "worker01", "egress_cidrs": ["198.51.100.0/24"], "egress_ips": []}]
written:
  description: C(Kind/name) of the objects written.
  returned: when not in check mode and something was to change
  type: list
  elements: str
network_type:
  description: The cluster's network type.
  returned: always
  type: str
  sample: OpenShiftSDN
api_requests:
  description: Number of API requests the task made.
  returned: always
  type: int
diff:
  description: Egress fields of each changed object before and after (with C(--diff)).
  returned: with --diff
  type: dict
"""

from ansible_collections.ocp.egressip.plugins.module_utils.runner import argument_spec, new_module, run_module
from ansible_collections.ocp.egressip.plugins.module_utils.sdn.backend import SdnRunner
from ansible_collections.ocp.egressip.plugins.module_utils.sdn.changes import hostsubnet_mutation

ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    egress_cidrs=dict(type="list", elements="str"),
    egress_ips=dict(type="list", elements="str"),
    state=dict(type="str", choices=["present", "absent"]),
)


def main():
    spec = argument_spec(
        name=dict(type="str"),
        egress_cidrs=dict(type="list", elements="str"),
        egress_ips=dict(type="list", elements="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        hostsubnets=dict(type="list", elements="dict", options=ITEM_SPEC),
    )
    module = new_module(spec, mutually_exclusive=[["name", "hostsubnets"]], required_one_of=[["name", "hostsubnets"]])
    run_module(module, hostsubnet_mutation, SdnRunner)


if __name__ == "__main__":
    main()
