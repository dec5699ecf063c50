#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
---
module: egressip_netnamespace
short_description: Give openshift-sdn NetNamespaces egress IPs, explicit or allocated
version_added: 0.1.0
description:
  - Sets the C(egressIPs) of one NetNamespace (O(name)) or of many in one task (O(netnamespaces)),
    either to explicit addresses (O(egress_ips)) or to O(count) free addresses allocated from
    O(pool) (default, automatic mode the HostSubnets' C(egressCIDRs); manual mode the nodes' networks).
  - In O(mode=manual) the addresses are also pinned to HostSubnets (C(egressIPs)), spread across
    nodes (one per node where possible, O(nodes) restricts the candidates). Addresses the namespace
    no longer has are unpinned.
  - O(state=absent) releases the namespace's addresses (and unpins them); with O(egress_ips), only those.
  - Released addresses are recorded (see O(quarantine_period)) and not handed to another namespace
    during the quarantine. Allocation never picks a gateway, nor the lowest or highest usable
    address of a node network unless O(pool) names it; the result lists what was skipped (C(skipped_addresses)).
  - Reads the cluster once (one LIST each of HostSubnets, NetNamespaces and Nodes, and the
    C(cluster) Network object), applies the change in memory, validates the whole resulting
    cluster state and writes only when no blocking finding remains.
  - "A finding blocks when it involves an object the task names or changes, or when the change
    introduces it. Pre-existing errors on other objects are reported (C(blocking: false)) but do
    not prevent fixing things. Errors always block; the warnings C(NAMESPACE_MULTIPLE_AUTO_IPS)
    and C(IP_NODE_NOT_READY) block unless O(force=true); other warnings never block."
  - Writes only the objects that change, each with one JSON merge patch carrying the
    C(resourceVersion) read, HostSubnets gaining addresses before NetNamespaces, and
    NetNamespaces before HostSubnets losing addresses. A conflict (HTTP 409) re-reads,
    re-validates and retries (5 attempts). Any other failure rolls back what the run wrote and
    says what was written and what not.
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
      - Name of the NetNamespace (the project name).
      - Mutually exclusive with O(netnamespaces).
    type: str
  egress_ips:
    description:
      - The complete list of egress IPs of the namespace.
      - "In O(mode=manual) also a mapping of address to node (V({198.51.100.120: worker01,
        198.51.100.121: worker02})) that says which HostSubnet pins which address."
      - With O(state=absent), the addresses to remove (only those).
      - Mutually exclusive with O(count).
    type: raw
  convert:
    description:
      - Allow a change of mode that rewrites HostSubnets' C(egressCIDRs), with the same validation and
        check-mode plan as any other change.
      - To O(mode=manual) (the blog's second half), the nodes that will pin the addresses (O(nodes), else
        the nodes of the O(egress_ips) mapping, else the nodes whose C(egressCIDRs) hold the addresses)
        lose their C(egressCIDRs) and the addresses are pinned. Another namespace left without a node
        that can host its address makes the plan fail.
      - To O(mode=auto), the namespace's pins go and O(nodes) get O(egress_cidrs).
    type: bool
    default: false
  egress_cidrs:
    description:
      - With O(convert=true) and O(mode=auto), the C(egressCIDRs) the O(nodes) get.
    type: list
    elements: str
  count:
    description:
      - Number of egress IPs the namespace should have. Addresses it already has are kept;
        missing ones are allocated from free addresses of O(pool).
      - Mutually exclusive with O(egress_ips).
    type: int
  pool:
    description:
      - CIDRs or ranges (V(198.51.100.100-198.51.100.150)) to allocate from with O(count).
      - Default, automatic mode the HostSubnets' C(egressCIDRs); manual mode the nodes' networks.
    type: list
    elements: str
  nodes:
    description:
      - Manual mode, candidate nodes (HostSubnet names) to pin addresses to.
      - Default all Ready nodes (with a known network when allocating).
    type: list
    elements: str
  mode:
    description:
      - V(auto), the SDN master assigns the addresses to nodes from their C(egressCIDRs).
      - V(manual), the module also pins the addresses to HostSubnets (C(egressIPs)).
    type: str
    choices: [auto, manual]
    default: auto
  state:
    description:
      - V(present) gives the namespace its addresses; V(absent) releases them (and unpins them).
      - V(absent) with O(egress_ips) removes exactly those addresses (and unpins them) and refuses an
        address the namespace does not have; V(absent) with O(count) is refused. The same holds for
        M(ocp.egressip.egressip_ovn).
    type: str
    choices: [present, absent]
    default: present
  release_orphans:
    description:
      - Also unpin every address pinned to a HostSubnet (without C(egressCIDRs)) that no namespace
        uses, whoever left it (the finding C(IP_UNUSED)). Pins left by this collection carry their
        namespace (annotation C(ocp.egressip/pin-owners)) and are released with that namespace
        anyway, even after it was deleted. Released addresses are quarantined.
    type: bool
    default: false
  assume_egress_cidrs:
    description:
      - "Check mode only: plan as if these HostSubnets already carried these C(egressCIDRs)
        (map of HostSubnet name to a list of CIDRs), for a plan made before they are written
        (the role C(ocp.egressip.egressip) writes the CIDRs first). The automatic-mode rules
        then apply to the plan exactly as they will to the real run, so every refusal comes
        from the plan. Refused outside check mode."
    type: dict
  netnamespaces:
    description:
      - Many NetNamespaces in one task (one read, at most one write per changed object).
      - Each item takes the options above; an option an item does not set is taken from the task.
      - Mutually exclusive with O(name).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the NetNamespace.
        type: str
        required: true
      egress_ips:
        description: As O(egress_ips).
        type: raw
      convert:
        description: As O(convert).
        type: bool
      egress_cidrs:
        description: As O(egress_cidrs).
        type: list
        elements: str
      count:
        description: As O(count).
        type: int
      pool:
        description: As O(pool).
        type: list
        elements: str
      nodes:
        description: As O(nodes).
        type: list
        elements: str
      mode:
        description: As O(mode).
        type: str
        choices: [auto, manual]
      state:
        description: As O(state).
        type: str
        choices: [present, absent]
notes:
  - Check mode is supported and writes nothing; with C(--diff) each object's egress fields are
    shown before and after.
  - In the C(egressip) action group (C(module_defaults) with C(group/ocp.egressip.egressip)).
requirements:
  - kubernetes
  - netaddr
seealso:
  - module: ocp.egressip.egressip_hostsubnet
  - module: ocp.egressip.egressip_facts
"""

EXAMPLES = r"""
# Automatic mode, as in the blog: the HostSubnets carry egressCIDRs and the SDN master
# assigns the namespace's IP to one of them
# (oc patch netnamespace mywebserver --type=merge -p '{"egressIPs": ["198.51.100.120"]}')
- name: Let worker01 and worker02 host egress IPs from 198.51.100.0/24
  ocp.egressip.egressip_hostsubnet:
    hostsubnets:
      - {name: worker01, egress_cidrs: [198.51.100.0/24]}
      - {name: worker02, egress_cidrs: [198.51.100.0/24]}

- name: Give mywebserver 198.51.100.120
  ocp.egressip.egressip_netnamespace:
    name: mywebserver
    egress_ips: [198.51.100.120]

# Static mode, as in the blog: two IPs, pinned one per node
# (netnamespace mywebserver [198.51.100.120, 198.51.100.121],
#  hostsubnet worker01 [198.51.100.120], worker02 [198.51.100.121])
- name: Give mywebserver two IPs pinned to worker01 and worker02
  ocp.egressip.egressip_netnamespace:
    name: mywebserver
    egress_ips: [198.51.100.120, 198.51.100.121]
    mode: manual
    nodes: [worker01, worker02]
    node_network: 198.51.100.0/24
    node_interface: enp1s0

# The blog's second half: from automatic to static mode, choosing the node of each address
- name: Convert mywebserver to static mode, 198.51.100.120 on worker01 and 198.51.100.121 on worker02
  ocp.egressip.egressip_netnamespace:
    name: mywebserver
    mode: manual
    convert: true
    egress_ips:
      198.51.100.120: worker01
      198.51.100.121: worker02
    node_network: 198.51.100.0/24

- name: Allocate one free IP per namespace for many namespaces in one task
  ocp.egressip.egressip_netnamespace:
    netnamespaces:
      - name: team-a
      - name: team-b
      - name: team-c
        count: 2
    count: 1
    pool: [198.51.100.100-198.51.100.199]
    reserved_ips: [198.51.100.150]
  register: allocated

- name: Release the IPs of mywebserver (and unpin them)
  ocp.egressip.egressip_netnamespace:
    name: mywebserver
    state: absent
"""

RETURN = r"""
changed:
  description: Whether an object was written.
  returned: always
  type: bool
egress_ips:
  description: The namespace's egress IPs after the change (single O(name) form).
  returned: success, with O(name)
  type: list
  elements: str
  sample: ["198.51.100.120"]
assignments:
  description: IP -> node holding it, where known (manual pins; automatic mode once the SDN master assigned it), else null.
  returned: success, with O(name)
  type: dict
  sample: {"198.51.100.120": "worker01"}
namespaces:
  description: For each namespace of the task, its C(egress_ips) and C(nodes) (IP -> node or null).
  returned: success
  type: dict
  sample: {"mywebserver": {"egress_ips": ["198.51.100.120"], "nodes": {"198.51.100.120": "worker01"}}}
changes:
  description: The objects changed (or, in check mode, that would change), with their egress fields before and after.
  returned: always
  type: list
  elements: dict
  sample: [{"kind": "NetNamespace", "name": "mywebserver", "before": {"egressIPs": []}, "after": {"egressIPs": ["198.51.100.120"]}}]
plan:
  description: The plan; C(order) is the order of the writes, C(namespaces) as the C(namespaces) return.
  returned: always
  type: dict
findings:
  description:
    - Validation findings of the resulting cluster state (errors and warnings), each with C(code),
      C(severity), C(message), C(objects) and C(blocking).
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
  sample: OpenShiftSDN
api_requests:
  description: Number of API requests the task made.
  returned: always
  type: int
diff:
  description: Egress fields of each changed object before and after (with C(--diff)).
  returned: with --diff
  type: dict
skipped_addresses:
  description:
    - Addresses the allocation passed over, each with C(ip), C(namespace) and C(reason), for example
      the lowest/highest usable address of a node network (usually a router; list it in O(pool)
      to use it), a gateway (O(gateway), O(gateways)), or an address held for another namespace
      (quarantine after a release, O(held_ips)).
  returned: always
  type: list
  elements: dict
  sample: [{"ip": "198.51.100.1", "namespace": "mywebserver",
            "reason": "lowest usable address of node network 198.51.100.0/24 (usually the router): list it in pool to use it"}]
converted:
  description: For each namespace converted (O(convert=true)), the HostSubnets whose C(egressCIDRs) changed.
  returned: when O(convert=true) changed a mode
  type: dict
  sample: {"mywebserver": ["worker01", "worker02"]}
quarantine:
  description:
    - Addresses this run releases (C(released), address -> namespace), the O(quarantine_period) and
      whether the release was C(recorded) in the O(quarantine_record) ConfigMap (false in check mode).
  returned: when the change releases addresses
  type: dict
  sample: {"released": {"198.51.100.120": "mywebserver"}, "period": 3600, "recorded": true}
"""

from ansible_collections.ocp.egressip.plugins.module_utils.runner import argument_spec, new_module, run_module
from ansible_collections.ocp.egressip.plugins.module_utils.sdn.backend import SdnRunner
from ansible_collections.ocp.egressip.plugins.module_utils.sdn.changes import netnamespace_mutation

ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    egress_ips=dict(type="raw"),
    convert=dict(type="bool"),
    egress_cidrs=dict(type="list", elements="str"),
    count=dict(type="int"),
    pool=dict(type="list", elements="str"),
    nodes=dict(type="list", elements="str"),
    mode=dict(type="str", choices=["auto", "manual"]),
    state=dict(type="str", choices=["present", "absent"]),
)


def main():
    spec = argument_spec(
        name=dict(type="str"),
        egress_ips=dict(type="raw"),
        convert=dict(type="bool", default=False),
        egress_cidrs=dict(type="list", elements="str"),
        count=dict(type="int"),
        pool=dict(type="list", elements="str"),
        nodes=dict(type="list", elements="str"),
        mode=dict(type="str", choices=["auto", "manual"], default="auto"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        netnamespaces=dict(type="list", elements="dict", options=ITEM_SPEC),
        assume_egress_cidrs=dict(type="dict"),
        release_orphans=dict(type="bool", default=False),
    )
    module = new_module(spec, mutually_exclusive=[["name", "netnamespaces"], ["egress_ips", "count"]],
                        required_one_of=[["name", "netnamespaces"]])
    run_module(module, netnamespace_mutation, SdnRunner)


if __name__ == "__main__":
    main()
