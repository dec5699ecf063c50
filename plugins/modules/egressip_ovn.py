#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
---
module: egressip_ovn
short_description: Manage OVN-Kubernetes EgressIP objects and egress-assignable nodes
version_added: 0.1.0
description:
  - Creates, updates and deletes C(k8s.ovn.org/v1) C(EgressIP) objects, one (O(name)) or many in one
    task (O(egressips)), with explicit addresses (O(egress_ips)) or O(count) free addresses allocated
    from O(pool) (default, the primary networks of the egress-assignable nodes).
  - Labels the nodes in O(assignable_nodes) C(k8s.ovn.org/egress-assignable) before any EgressIP is
    created or changed, as the OpenShift documentation requires.
  - O(migrate_from) turns the egress set-up of an openshift-sdn cluster (the output of
    M(ocp.egressip.egressip_facts) there) into EgressIP objects and node labels on this cluster, and
    reports what cannot be carried over (RV(not_carried_over)).
  - Only for clusters whose C(networks.config.openshift.io/cluster) says C(OVNKubernetes); on an
    C(OpenShiftSDN) cluster the task fails without writing (use M(ocp.egressip.egressip_hostsubnet)
    and M(ocp.egressip.egressip_netnamespace) there).
  - Reads the cluster once (the C(cluster) Network object, one LIST each of Nodes and EgressIPs),
    applies the change in memory, predicts the assignment OVN-Kubernetes will make (existing valid
    assignments stay; a new IP goes to the Ready, labelled node with the fewest egress IPs whose
    primary network holds it, within the node's cloud capacity, at most one IP of an EgressIP per
    node) and validates the resulting state with the same core as the openshift-sdn modules.
  - "Errors block: an IP in two EgressIP objects, an IP in the primary network of no egress-assignable
    node, a node's own IP, the gateway or a reserved address, an IP no node can take because every
    candidate node is at its capacity (C(cloud.network.openshift.io/egress-ipconfig))."
  - "Warnings C(EGRESSIP_NOT_ALL_ASSIGNABLE) (an EgressIP with more IPs than the nodes that can host them:
    OVN-Kubernetes leaves the extra IPs unassigned) and C(IP_NODE_NOT_READY) block unless O(force=true)."
  - A finding blocks when it involves an object the task names or changes, or when the change
    introduces it; pre-existing errors elsewhere are reported with C(blocking=false).
  - Writes only what changes, in this order - node labels, EgressIP creates and merge patches
    (carrying the C(resourceVersion) read), EgressIP deletes, label removals. A conflict (HTTP 409)
    re-reads, re-validates and retries (5 attempts); any other failure rolls back what the run wrote.
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
      - Name of the EgressIP object (cluster-scoped).
      - Mutually exclusive with O(egressips) and O(migrate_from).
    type: str
  egress_ips:
    description:
      - The complete C(spec.egressIPs) of the object.
      - Mutually exclusive with O(count).
    type: list
    elements: str
  count:
    description:
      - Number of egress IPs the object should have. Addresses it already has are kept while they
        still fit; missing ones are allocated (lowest free addresses of O(pool) that an egress-assignable
        node with room can host, one node per address).
      - Mutually exclusive with O(egress_ips).
    type: int
  pool:
    description:
      - CIDRs, ranges (V(198.51.100.100-198.51.100.150)) or addresses to allocate from with O(count).
      - Default the primary networks of the egress-assignable nodes.
    type: list
    elements: str
  namespace:
    description:
      - Shortcut for O(namespace_selector) selecting one namespace by its label
        C(kubernetes.io/metadata.name) (C(matchLabels)).
      - Mutually exclusive with O(namespace_selector).
    type: str
  namespace_selector:
    description:
      - The complete C(spec.namespaceSelector) (C(matchLabels) and/or C(matchExpressions)).
      - Required (or O(namespace)) when the object is created; omitted keeps the current selector.
    type: dict
  pod_selector:
    description:
      - The complete C(spec.podSelector). Omitted keeps the current one; V({}) removes it (all pods of
        the selected namespaces).
    type: dict
  state:
    description:
      - V(present) creates or updates the object; V(absent) deletes it.
      - V(absent) does not remove node labels (other EgressIPs may need the nodes); use
        O(assignable_nodes) with O(exclusive_assignable=true) for that.
    type: str
    choices: [present, absent]
    default: present
  egressips:
    description:
      - Many EgressIP objects in one task (one read, one write per changed object).
      - O(count), O(pool), O(pod_selector) and O(state) not set on an item are taken from the task.
      - Mutually exclusive with O(name) and O(migrate_from).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the EgressIP object.
        type: str
        required: true
      egress_ips:
        description: As O(egress_ips).
        type: list
        elements: str
      count:
        description: As O(count).
        type: int
      pool:
        description: As O(pool).
        type: list
        elements: str
      namespace:
        description: As O(namespace).
        type: str
      namespace_selector:
        description: As O(namespace_selector).
        type: dict
      pod_selector:
        description: As O(pod_selector).
        type: dict
      state:
        description: As O(state).
        type: str
        choices: [present, absent]
  assignable_nodes:
    description:
      - Nodes to label C(k8s.ovn.org/egress-assignable="") (before any EgressIP write).
      - Nodes already labelled and not listed keep their label unless O(exclusive_assignable=true).
    type: list
    elements: str
    default: []
  exclusive_assignable:
    description:
      - Remove the label from every node not in O(assignable_nodes) (after the EgressIP writes).
        Validation refuses the change when an EgressIP would be left without a node that can host it.
    type: bool
    default: false
  migrate_from:
    description:
      - The egress IP facts of an openshift-sdn cluster (RV(ocp.egressip.egressip_facts#module:egressip), or
        the whole result of that module), for example read from a JSON file.
      - Each namespace with egress IPs becomes an EgressIP named O(migrate_prefix) + namespace, with
        C(namespaceSelector) on C(kubernetes.io/metadata.name); every node that had C(egressCIDRs) or
        C(egressIPs) becomes egress-assignable.
      - What cannot be carried over is returned in RV(not_carried_over) and not written - per-node pinning
        (manual mode), C(egressCIDRs) narrower than the node network, nodes missing in this cluster,
        addresses no node of this cluster could host (those addresses are left out).
      - Mutually exclusive with O(name) and O(egressips); may be combined with O(assignable_nodes).
    type: dict
  migrate_prefix:
    description:
      - Prefix of the EgressIP names created by O(migrate_from).
    type: str
    default: egressip-
notes:
  - Check mode is supported and writes nothing; with C(--diff) each object's labels or spec are shown
    before and after.
  - A converged run makes no write at all (not even the lock).
  - In the C(egressip) action group (C(module_defaults) with C(group/ocp.egressip.egressip)).
requirements:
  - kubernetes
  - netaddr
seealso:
  - module: ocp.egressip.egressip_facts
  - module: ocp.egressip.egressip_netnamespace
  - name: OpenShift documentation, configuring an egress IP address (OVN-Kubernetes)
    description: Labels, EgressIP objects and their status.
    link: https://docs.openshift.com/container-platform/latest/networking/ovn_kubernetes_network_provider/configuring-egress-ips-ovn.html
"""

EXAMPLES = r"""
- name: Let worker01 and worker02 host egress IPs, and give namespace mywebserver 198.51.100.120
  ocp.egressip.egressip_ovn:
    name: egressip-mywebserver
    namespace: mywebserver
    egress_ips: [198.51.100.120]
    assignable_nodes: [worker01, worker02]

- name: Two free addresses from a range for the pods labelled app=web of every namespace labelled env=prod
  ocp.egressip.egressip_ovn:
    name: egressip-prod
    count: 2
    pool: [198.51.100.100-198.51.100.199]
    reserved_ips: [198.51.100.150]
    namespace_selector:
      matchLabels:
        env: prod
    pod_selector:
      matchLabels:
        app: web
  register: prod

- name: Where OVN-Kubernetes put them
  ansible.builtin.debug:
    var: prod.assignments

- name: Many objects in one task
  ocp.egressip.egressip_ovn:
    egressips:
      - {name: egressip-team-a, namespace: team-a}
      - {name: egressip-team-b, namespace: team-b, count: 2}
      - {name: egressip-old, state: absent}
    count: 1

- name: Only these two nodes may host egress IPs
  ocp.egressip.egressip_ovn:
    assignable_nodes: [worker01, worker02]
    exclusive_assignable: true

- name: Carry the openshift-sdn set-up over (facts read on the old cluster, saved as JSON)
  ocp.egressip.egressip_ovn:
    migrate_from: "{{ lookup('file', 'sdn-egress.json') | from_json }}"
  register: migrated

- name: What could not be carried over
  ansible.builtin.debug:
    var: migrated.not_carried_over
"""

RETURN = r"""
changed:
  description: Whether an object was written.
  returned: always
  type: bool
egress_ips:
  description: The object's C(spec.egressIPs) after the change (single O(name) form).
  returned: success, with O(name)
  type: list
  elements: str
  sample: ["198.51.100.120"]
assignments:
  description:
    - IP -> node for each address of the object's C(spec.egressIPs) after the change (single O(name)
      form), the node OVN-Kubernetes keeps (C(status.items)) or is predicted to choose, null when no node
      can host it.
    - Derived from the plan, not read back. OVN-Kubernetes updates C(status.items) asynchronously, so
      right after a change the status may still name replaced addresses.
  returned: success, with O(name)
  type: dict
  sample: {"198.51.100.120": "worker01"}
egressips:
  description:
    - Per EgressIP of the task, C(state), C(egress_ips), C(namespace_selector), C(pod_selector),
      C(exists) and C(assignments) (IP -> node kept or predicted, as O(name)'s C(assignments)).
  returned: success
  type: dict
  sample: {"egressip-mywebserver": {"state": "present", "egress_ips": ["198.51.100.120"], "exists": true,
           "namespace_selector": {"matchLabels": {"kubernetes.io/metadata.name": "mywebserver"}},
           "pod_selector": null, "assignments": {"198.51.100.120": "worker01"}}}
assignable_nodes:
  description: The nodes labelled egress-assignable by the task (or already labelled and listed).
  returned: success
  type: list
  elements: str
not_carried_over:
  description:
    - With O(migrate_from), what of the openshift-sdn set-up has no OVN-Kubernetes equivalent or no
      node to host it, each with C(object), C(what) (C(pinning), C(egressCIDRs), C(egressIPs),
      C(namespace), C(node)) and C(detail).
  returned: with O(migrate_from)
  type: list
  elements: dict
  sample: [{"object": "HostSubnet/worker02", "what": "pinning",
            "detail": "egress IP 198.51.100.130 is pinned to node worker02 (manual mode); ..."}]
migration_notes:
  description: With O(migrate_from), remarks on what was carried over.
  returned: with O(migrate_from)
  type: list
  elements: str
changes:
  description:
    - The writes (made, or in check mode planned) in order, each with C(kind), C(name), C(action)
      (C(label), C(create), C(update), C(delete), C(unlabel)), C(before) and C(after).
  returned: always
  type: list
  elements: dict
  sample: [{"kind": "Node", "name": "worker01", "action": "label",
            "before": {"labels": {"k8s.ovn.org/egress-assignable": null}},
            "after": {"labels": {"k8s.ovn.org/egress-assignable": ""}}}]
plan:
  description:
    - C(order) of the writes, C(labels) (node -> labelled), C(egressips) (name -> spec, null to delete),
      C(predicted_assignments) (IP -> node OVN-Kubernetes is expected to choose) and, with
      O(migrate_from), C(migration).
  returned: always
  type: dict
findings:
  description:
    - Validation findings of the resulting state (C(code), C(severity), C(message), C(objects), C(blocking)).
  returned: always
  type: list
  elements: dict
findings_after:
  description: Findings of the state re-read after writing.
  returned: when something was written
  type: list
  elements: dict
written:
  description: C(Kind/name) of the objects written.
  returned: when not in check mode and something was to change
  type: list
  elements: str
network_type:
  description: The cluster's network type.
  returned: always
  type: str
  sample: OVNKubernetes
api_requests:
  description: Number of API requests the task made.
  returned: always
  type: int
diff:
  description: Labels or spec of each changed object before and after (with C(--diff)).
  returned: with --diff
  type: dict
"""

from ansible_collections.ocp.egressip.plugins.module_utils.runner import argument_spec, new_module
from ansible_collections.ocp.egressip.plugins.module_utils.ovn_runner import run_ovn_module

ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    egress_ips=dict(type="list", elements="str"),
    count=dict(type="int"),
    pool=dict(type="list", elements="str"),
    namespace=dict(type="str"),
    namespace_selector=dict(type="dict"),
    pod_selector=dict(type="dict"),
    state=dict(type="str", choices=["present", "absent"]),
)


def main():
    spec = argument_spec(
        name=dict(type="str"),
        egress_ips=dict(type="list", elements="str"),
        count=dict(type="int"),
        pool=dict(type="list", elements="str"),
        namespace=dict(type="str"),
        namespace_selector=dict(type="dict"),
        pod_selector=dict(type="dict"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        egressips=dict(type="list", elements="dict", options=ITEM_SPEC),
        assignable_nodes=dict(type="list", elements="str", default=[]),
        exclusive_assignable=dict(type="bool", default=False),
        migrate_from=dict(type="dict"),
        migrate_prefix=dict(type="str", default="egressip-"),
    )
    module = new_module(spec, mutually_exclusive=[["name", "egressips", "migrate_from"], ["egress_ips", "count"],
                                                  ["namespace", "namespace_selector"]])
    run_ovn_module(module)


if __name__ == "__main__":
    main()
