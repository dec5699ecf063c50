#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
---
module: egressip_node_probe
short_description: Check egress IPs on nodes through the Kubernetes API (no SSH), as oc debug node does
version_added: 0.2.0
description:
  - For each node, creates a short-lived pod pinned to it (C(spec.nodeName)) with host networking and a
    privileged container, as C(oc debug node/NAME) does, runs the collection's read-only node probe in it,
    reads the probe's JSON result from the pod log and deletes the pod - in every outcome (success,
    failure, timeout, SIGTERM/SIGINT). Several nodes are probed in parallel (O(parallel)).
  - The probe is the one the C(ssh) path of role C(ocp.egressip.egressip_node_check) runs. It finds the
    node's primary interface (default route) and its network, and in O(mode=preflight) fails IPs outside
    that network, the node IP, addresses already configured elsewhere, and addresses already in use
    (IPv4 C(arping -D); IPv6 a neighbour solicitation, see C(docs/node_checks.md)). In O(mode=verify) every
    IP of O(holders) must be on the node the cluster names and on no other probed node.
  - Writes nothing to the egress objects; the only writes are the probe pods (create, delete) in
    O(namespace). In check mode nothing is created and the module returns C(skipped); the roles run it
    with C(check_mode=false) so that a check-mode run predicts the real one.
  - Pod spec (privileged, hostNetwork, RBAC and SCC it needs, image mirroring for disconnected clusters) in
    C(docs/node_checks.md) and C(docs/rbac.md).
author:
  - ocp.egressip maintainers (@ocp-egressip)
extends_documentation_fragment:
  - ocp.egressip.auth
  - ocp.egressip.network
options:
  nodes:
    description:
      - The nodes to probe, by Kubernetes node name.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Node name.
        type: str
        required: true
      ips:
        description: O(mode=preflight), the planned egress IPs to check on this node (IPv4 or IPv6).
        type: list
        elements: str
        default: []
      interface:
        description: The node's primary interface; empty = the interface of the default route.
        type: str
        default: ""
  mode:
    description: V(preflight) before writing, V(verify) after the assignment.
    type: str
    choices: [preflight, verify]
    default: preflight
  holders:
    description:
      - "Map {ip: node} as the cluster sees it. preflight: an IP held by the named node is expected to
        answer and is not a conflict. verify: the IP must be on that node only (empty node: on no node)."
    type: dict
    default: {}
  arping:
    description: Run duplicate-address detection.
    type: bool
    default: true
  secondary_networks:
    description:
      - Also accept an egress IP in the network of another interface of the node (a secondary host
        network, as OVN-Kubernetes on bare metal assigns them; the longest prefix wins, the primary
        interface on a tie). The check then names that interface, and the duplicate-address detection and
        O(mode=verify) use it. V(false) (openshift-sdn) accepts the primary network only.
    type: bool
    default: false
  arping_path:
    description: The iputils arping binary in the probe image.
    type: str
    default: arping
  arping_count:
    description: Probes sent (C(arping -c)), 1-10.
    type: int
    default: 2
  arping_timeout:
    description: Seconds to wait for an answer (C(arping -w), C(ping -w)), 1-30.
    type: int
    default: 3
  python:
    description: Python 3 in the probe image.
    type: str
    default: python3
  image:
    description:
      - Image of the probe pod; it needs C(python3), C(ip) (iproute, with C(-j)), C(arping) (iputils) and
        C(ping). The default is the image C(oc debug node) falls back to. Disconnected clusters mirror it
        (C(oc image mirror)) and set this option to the mirror.
    type: str
    default: registry.redhat.io/rhel9/support-tools
  namespace:
    description:
      - Namespace of the probe pods. It must exist and allow privileged pods (C(rbac/namespace-node-probe.yml)).
    type: str
    default: egressip-node-probe
  timeout:
    description:
      - Seconds each node's pod may take from creation to its result (image pull included), 5-3600. A node
        that is NotReady never starts the pod, so it fails after this time with a message that says so.
    type: int
    default: 120
  parallel:
    description: Nodes probed at the same time, 1-50.
    type: int
    default: 5
notes:
  - In the C(egressip) action group. The O(node_networks) family of options is accepted so that the group's
    C(module_defaults) apply, and is not used (the probe reads the node itself).
  - Needs the RBAC of C(rbac/role-node-probe.yml) (pods, pods/log in O(namespace), SCC C(privileged)).
requirements:
  - kubernetes >= 24.2.0
"""

EXAMPLES = r"""
- name: Check two planned egress IPs on the worker nodes
  ocp.egressip.egressip_node_probe:
    nodes:
      - name: worker01
        ips: [198.51.100.120]
      - name: worker02
        ips: [198.51.100.120]
    holders: {}
  register: probe
  check_mode: false   # read-only on the nodes: also run it when the play is in check mode

- name: After the assignment, the IP is on worker02 and nowhere else
  ocp.egressip.egressip_node_probe:
    mode: verify
    nodes: [{name: worker01}, {name: worker02}]
    holders: {198.51.100.120: worker02}
    image: mirror.example.com/rhel9/support-tools:latest
"""

RETURN = r"""
access:
  description: How the nodes were reached, always V(api) for this module.
  returned: always
  type: str
  sample: api
node_results:
  description:
    - Per node, the probe's result (same shape as fact C(egressip_node_check_result) of the C(ssh) path)
      plus C(access). C(checked) names per IP the C(interface) whose network holds it (C(secondary) true
      when that is not the primary one); with O(secondary_networks), C(secondary_networks) maps the other
      interfaces to their networks.
  returned: always
  type: dict
  sample: {"worker01": {"node": "worker01", "mode": "preflight", "interface": "enp1s0",
           "node_ip": "198.51.100.144", "network": "198.51.100.0/24", "networks": ["198.51.100.0/24"],
           "checked": {"198.51.100.120": {"in_network": true, "arping": {"rc": 0}}},
           "findings": [], "access": "api"}}
findings:
  description: Every node's findings (C(ip), C(kind), C(node), C(interface), C(network), C(msg)).
  returned: always
  type: list
  elements: dict
errors:
  description: Per node that could not be probed, the reason in words (what happened and what to do).
  returned: always
  type: dict
  sample: {"worker03": "node worker03 is NotReady (NodeStatusUnknown): its kubelet did not start the probe pod"}
reasons:
  description: Per failed node, a short reason code (NodeNotReady, ErrImagePull, Forbidden, Taint, ...).
  returned: always
  type: dict
pods_left:
  description: Probe pods that could not be deleted (normally empty).
  returned: always
  type: list
  elements: str
run_id:
  description: Value of the pods' C(egressip.ocp/probe-run) label.
  returned: when pods were created
  type: str
api_requests:
  description: Number of API requests the task made.
  returned: always
  type: int
"""

from ansible_collections.ocp.egressip.plugins.module_utils.k8s.client import ClientError, client_from_params
from ansible_collections.ocp.egressip.plugins.module_utils.node.checks import OPTIONS, check_options, run_node_checks
from ansible_collections.ocp.egressip.plugins.module_utils.node.pod import Interrupted
from ansible_collections.ocp.egressip.plugins.module_utils.runner import argument_spec, new_module


def main():
    module = new_module(argument_spec(write=False, **OPTIONS))
    bad = check_options(module.params)
    if bad:
        module.fail_json(msg="egressip_node_probe: invalid options (nothing was created): %s" % "; ".join(bad))
    if module.check_mode:
        module.exit_json(changed=False, skipped=True, access="api", node_results={}, findings=[], errors={}, reasons={},
                         pods_left=[], api_requests=0, msg="check mode: no probe pod created")
    try:
        client = client_from_params(module.params)
    except ClientError as exc:
        module.fail_json(msg=str(exc))
    try:
        out = run_node_checks(client, module.params)
    except (Interrupted, KeyboardInterrupt) as exc:
        module.fail_json(msg="egressip_node_probe: interrupted (%s); the probe pods were deleted" % exc,
                         api_requests=client.requests)
    out.update(access="api", changed=False, api_requests=client.requests)
    if out["errors"]:
        module.fail_json(msg="egressip_node_probe: %s; nothing was written to the egress objects"
                         % "; ".join(out["errors"][n] for n in sorted(out["errors"])), **out)
    module.exit_json(**out)


if __name__ == "__main__":
    main()
