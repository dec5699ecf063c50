# -*- coding: utf-8 -*-
# Copyright: (c) ocp.egressip contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Findings: what the validator reports, with stable codes.

Where openshift-sdn logs the same fact, the message repeats its words and
values so users can search for the log line (sources cited per code, paths
in github.com/openshift/sdn).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.ocp.egressip.plugins.module_utils.core import addresses
from ansible_collections.ocp.egressip.plugins.module_utils.core.text import printable

# The core's one exception for bad input, also importable from here.
InputError = addresses.InputError

ERROR = "error"
WARNING = "warning"


class Code(object):
    __slots__ = ("severity", "template", "source")

    def __init__(self, severity, template, source):
        self.severity = severity
        self.template = template    # documentation of the message; the validator fills it
        self.source = source        # openshift-sdn source or documentation it follows


_SDN_COMMON = "pkg/network/common/egressip.go"
_SDN_NODE = "pkg/network/node/egressip.go"
_SDN_VALID = "pkg/network/common/validation.go"
_DOCS = "OpenShift docs, configuring egress IPs (openshift-sdn), limitations"

CODES = {
    # malformed input (ValidateHostSubnetEgress, library-go ParseCIDRMask)
    "INVALID_IP": Code(ERROR, '{kind} "{name}" {field}: Invalid value: "{value}": invalid IP address',
                       _SDN_VALID + " validateIPv4"),
    "INVALID_CIDR": Code(ERROR, '{kind} "{name}" {field}: Invalid value: "{value}": invalid CIDR address',
                         _SDN_VALID + " validateCIDRv4"),
    "CIDR_HOST_BITS": Code(ERROR, '{kind} "{name}" {field}: Invalid value: "{value}": CIDR network specification '
                                  '"{value}" is not in canonical form (should be {canonical})',
                           "library-go pkg/network/networkutils ParseCIDRMask"),
    "IPV6_NOT_SUPPORTED": Code(ERROR, '{kind} "{name}" {field}: Invalid value: "{value}": must be an IPv4 '
                                      '{address_or_network}', _SDN_VALID + " validateIPv4/validateCIDRv4"),
    # conflicts the SDN detects after the fact (egressIPActive)
    "IP_MULTIPLE_NODES": Code(ERROR, "Multiple nodes ({node_ip1}, {node_ip2}) claiming EgressIP {ip}",
                              _SDN_COMMON + " egressIPActive"),
    "IP_MULTIPLE_NAMESPACES": Code(ERROR, "Multiple namespaces ({vnid1}, {vnid2}) claiming EgressIP {ip}",
                                   _SDN_COMMON + " egressIPActive"),
    "NAMESPACE_MULTIPLE_IPS_ON_NODE": Code(ERROR, "Multiple EgressIPs ({ip1}, {ip2}) for VNID {vnid} on node {node_ip}",
                                           _SDN_COMMON + " egressIPActive"),
    # failures of the node when it claims the IP (assignEgressIP)
    "IP_IS_NODE_IP": Code(ERROR, 'desired egress IP "{ip}" is the node IP', _SDN_NODE + " assignEgressIP"),
    "IP_NOT_IN_NODE_NETWORK": Code(ERROR, 'Error assigning Egress IP "{ip}": egress IP "{ip}" is not in local '
                                          'network {network} of interface {interface}',
                                   _SDN_NODE + " assignEgressIP / ClaimEgressIP"),
    # cloud platforms (validateEgressIPs, validateEgressCIDRsAreSubnetOfCloudNetwork)
    "NODE_OVER_CAPACITY": Code(ERROR, 'the amount of requested EgressIPs ({count}) on hostSubnet: "{name}" exceeds '
                                      "the node's capacity ({capacity})", _SDN_COMMON + " validateEgressIPs"),
    "IP_NOT_IN_CLOUD_NETWORK": Code(ERROR, "the defined egress IP {ip} is not on the cloud network: {network}",
                                    _SDN_COMMON + " validateEgressIPs"),
    "CIDR_NOT_IN_CLOUD_NETWORK": Code(ERROR, "EgressCIDR: {cidr} is not a subnet of the cloud network: {network}",
                                      _SDN_COMMON + " validateEgressCIDRsAreSubnetOfCloudNetwork"),
    # auto mode / manual mode rules
    "CIDR_NOT_IN_NODE_NETWORK": Code(ERROR, '{kind} "{name}" egressCIDRs: "{cidr}" is not in local network {network}'
                                            " of interface {interface}",
                                     _SDN_NODE + " assignEgressIP (the IPs the master picks from it would fail)"),
    "NODE_MIXED_MODE": Code(ERROR, '{kind} "{name}" egressIPs: "{ip}" is outside its egressCIDRs {cidrs}: manual and '
                                   "automatic assignment on the same node are not supported", _DOCS),
    "MANUAL_IP_IN_EGRESS_CIDR": Code(ERROR, '{kind} "{name}" egressIPs: "{ip}" is pinned by hand but lies in '
                                            'egressCIDRs "{cidr}" of {kind} "{cidr_node}"', _DOCS),
    "NAMESPACE_MULTIPLE_AUTO_IPS": Code(WARNING, '{ns_kind} "{namespace}" egressIPs: {ips}: more than one egress IP '
                                                 "per namespace is not supported in automatic mode", _DOCS),
    # addresses never to use
    "IP_IS_HOST_IP": Code(ERROR, 'egress IP "{ip}" is the host IP of node "{node}"', _SDN_NODE + " assignEgressIP"),
    "IP_IS_GATEWAY": Code(ERROR, 'egress IP "{ip}" is the gateway', "ARP conflict with the gateway"),
    "IP_IS_NETWORK_ADDRESS": Code(ERROR, 'egress IP "{ip}" is the {what} address of {network}', "RFC 919/950"),
    "IP_RESERVED": Code(ERROR, 'egress IP "{ip}" is reserved (in use or listed as reserved)', "ARP conflict"),
    # hosting
    "IP_NO_NODE": Code(ERROR, '{ns_kind} "{namespace}" egressIPs: "{ip}" is on no {kind} egressIPs and in no '
                              "egressCIDRs: no node can host it", _SDN_COMMON + ' syncEgressNamespaceState '
                              '"VNID %d cannot use unassigned egress IP %s"'),
    "IP_NODE_NOT_READY": Code(WARNING, '{ns_kind} "{namespace}" egressIPs: "{ip}": every node that can host it is '
                                       "not Ready ({nodes})", _SDN_COMMON + ' syncEgressNamespaceState '
                                       '"VNID %d cannot use egress IP %s on offline node %s"'),
    "NAMESPACE_EGRESS_DROPPED": Code(ERROR, '{ns_kind} "{namespace}" egressIPs: {ips}: no egress IP of this namespace '
                                            "can be active, its egress traffic is dropped",
                                     _SDN_COMMON + " syncEgressNamespaceState SetNamespaceEgressDropped"),
    "NAMESPACE_NO_EGRESS_NOW": Code(WARNING, '{ns_kind} "{namespace}" egressIPs: {ips}: no egress right now: {reason}',
                                    _SDN_COMMON + ' syncEgressNamespaceState "VNID %d cannot use unassigned egress IP '
                                    '%s", "... on offline node %s" (openshift/sdn 18a57d7 lines 680-686)'),
    "IP_UNUSED": Code(WARNING, '{kind} "{name}" egressIPs: "{ip}" is used by no {ns_kind}',
                      _SDN_COMMON + " makeEmptyAllocation (unused IPs are dropped)"),
    # high availability
    "NAMESPACE_SINGLE_NODE": Code(WARNING, '{ns_kind} "{namespace}" egressIPs: {ips}: all on node "{node}": '
                                           "no failover when it goes down", _DOCS + " (high availability)"),
    "CIDR_SINGLE_NODE": Code(WARNING, 'egressCIDRs "{cidr}": only {count} Ready node(s) can host it ({nodes}): '
                                      "no failover", _SDN_COMMON + " findEgressIPAllocation"),
    # API data: a Node object whose addresses, annotations or conditions cannot be used
    "NODE_DATA_INVALID": Code(WARNING, 'Node {name} {field}: {value}: {reason}: ignored, {consequence}',
                              "API objects as read (a corrupt or unexpected Node object affects that node only)"),
    "CIDR_OVERLAP": Code(WARNING, '{kind} "{name}" egressCIDRs: "{cidr}" overlaps "{other}" on the same node',
                         _SDN_COMMON + " UpdateHostSubnetEgress parsedCIDRs"),
}


class Finding(object):
    __slots__ = ("code", "severity", "message", "objects", "subject")

    def __init__(self, code, message, objects, subject=None):
        self.code = code
        self.severity = CODES[code].severity
        self.message = printable(message)      # names and values as typed, invisible characters escaped
        self.objects = sorted(set(objects))
        # (kind, key) of what the finding is about: lets the validator redo only
        # the part of the state a plan touches. Not part of to_dict().
        self.subject = subject

    def to_dict(self):
        return {"code": self.code, "severity": self.severity, "message": self.message,
                "objects": list(self.objects)}

    def sort_key(self):
        return (self.code, self.objects, self.message)

    def __eq__(self, other):
        return isinstance(other, Finding) and self.to_dict() == other.to_dict()

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((self.code, self.message))

    def __repr__(self):
        return "Finding(%s, %s)" % (self.code, self.message)


# A message names at most this many findings: one refusal over 10,000 bad addresses must not
# print megabytes (the full list is returned as ``findings``).
MAX_IN_MESSAGE = 5


def shorten(texts, limit=MAX_IN_MESSAGE, sep="; ", rest="findings"):
    """``texts`` joined by ``sep``, at most ``limit`` of them, then how many more there are
    and where the whole list is (``rest``: the name of the return value holding it)."""
    texts = list(texts)
    if len(texts) <= limit:
        return sep.join(texts)
    return "%s%s... and %d more (all of them in %s)" % (sep.join(texts[:limit]), sep, len(texts) - limit, rest)


def errors(findings):
    return [f for f in findings if f.severity == ERROR]


def warnings(findings):
    return [f for f in findings if f.severity == WARNING]
