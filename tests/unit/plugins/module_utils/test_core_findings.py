# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One bad case and one near-miss good case per finding code."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest

from ansible_collections.ocp.egressip.plugins.module_utils.core import findings
from ansible_collections.ocp.egressip.plugins.module_utils.core.validate import validate
from ansible_collections.ocp.egressip.tests.unit.plugins.module_utils.core_builders import (
    auto_base, codes, ip, manual_base,
)


def _edit(base, nodes=None, namespaces=None, **state_kw):
    """base(**state_kw) with node fields and namespace egress IPs replaced."""
    state = base(**state_kw)
    for name, fields in (nodes or {}).items():
        state.nodes[name] = state.nodes[name].replace(**fields)
    for name, ips in (namespaces or {}).items():
        state.namespaces[name] = state.namespaces[name].replace(egress_ips=ips)
    return state


M, A = manual_base, auto_base
CIDR = ip(64) + "/27"

# code -> (bad state, near-miss good state, words the bad message must carry)
CASES = {
    "INVALID_IP": (lambda: _edit(M, {"worker03": {"host_ip": "198.51.100.1433"}}),
                   lambda: _edit(M, {"worker03": {"host_ip": ip(143)}}),
                   ['HostSubnet "worker03" hostIP', '"198.51.100.1433"', "invalid IP address"]),
    "INVALID_CIDR": (lambda: _edit(A, {"worker02": {"egress_cidrs": [ip(64) + "/33"]}}),
                     lambda: _edit(A, {"worker02": {"egress_cidrs": [CIDR]}}),
                     ["egressCIDRs[0]", "198.51.100.64/33"]),
    "CIDR_HOST_BITS": (lambda: _edit(A, {"worker02": {"egress_cidrs": [ip(65) + "/27"]}}),
                       lambda: _edit(A, {"worker02": {"egress_cidrs": [CIDR]}}),
                       ["198.51.100.65/27", "not in canonical form", "198.51.100.64/27"]),
    "IPV6_NOT_SUPPORTED": (lambda: _edit(M, {"worker03": {"egress_ips": ["::ffff:198.51.100.52"]}},
                                         {"other": ["::ffff:198.51.100.52"]}),
                           lambda: _edit(M, {"worker03": {"egress_ips": [ip(52)]}}, {"other": [ip(52)]}),
                           ["must be an IPv4 address", "::ffff:198.51.100.52"]),
    "IP_MULTIPLE_NODES": (lambda: _edit(M, {"worker03": {"egress_ips": [ip(50)]}}),
                          lambda: _edit(M, {"worker03": {"egress_ips": [ip(52)]}}, {"other": [ip(52)]}),
                          ["Multiple nodes (198.51.100.141, 198.51.100.143) claiming EgressIP 198.51.100.50"]),
    "IP_MULTIPLE_NAMESPACES": (lambda: _edit(M, namespaces={"other": [ip(50)]}),
                               lambda: _edit(M, {"worker03": {"egress_ips": [ip(52)]}}, {"other": [ip(52)]}),
                               ["Multiple namespaces (5281170, 2) claiming EgressIP 198.51.100.50"]),
    "NAMESPACE_MULTIPLE_IPS_ON_NODE": (
        lambda: _edit(M, {"worker01": {"egress_ips": [ip(50), ip(51)]}, "worker02": {"egress_ips": []}}),
        M,
        ["Multiple EgressIPs (198.51.100.50, 198.51.100.51) for VNID 5281170 on node 198.51.100.141"]),
    "IP_IS_NODE_IP": (lambda: _edit(M, {"worker01": {"egress_ips": [ip(141)]}}, {"mywebserver": [ip(141), ip(51)]}),
                      M,
                      ['desired egress IP "198.51.100.141" is the node IP']),
    "IP_NOT_IN_NODE_NETWORK": (
        lambda: _edit(M, {"worker01": {"egress_ips": ["203.0.113.81"]}}, {"mywebserver": ["203.0.113.81", ip(51)]}),
        M,
        ['egress IP "203.0.113.81" is not in local network 198.51.100.0/24 of interface enp1s0']),
    "NODE_OVER_CAPACITY": (lambda: _edit(M, {"worker01": {"capacity": 0}}),
                           lambda: _edit(M, {"worker01": {"capacity": 1}}),
                           ['the amount of requested EgressIPs (1) on hostSubnet: "worker01" exceeds the '
                            "node's capacity (0)"]),
    "IP_NOT_IN_CLOUD_NETWORK": (lambda: _edit(M, {"worker01": {"cloud_network": ip(128) + "/25"}}),
                                lambda: _edit(M, {"worker01": {"cloud_network": "198.51.100.0/24"}}),
                                ["the defined egress IP 198.51.100.50 is not on the cloud network: "
                                 "198.51.100.128/25"]),
    "CIDR_NOT_IN_CLOUD_NETWORK": (lambda: _edit(A, {"worker02": {"cloud_network": ip(128) + "/25"}}),
                                  lambda: _edit(A, {"worker02": {"cloud_network": "198.51.100.0/24"}}),
                                  ["EgressCIDR: 198.51.100.64/27 is not a subnet of the cloud network: "
                                   "198.51.100.128/25"]),
    "CIDR_NOT_IN_NODE_NETWORK": (lambda: _edit(A, {"worker02": {"network": ip(128) + "/25"}}),
                                 lambda: _edit(A, {"worker02": {"network": "198.51.100.0/25"}}),
                                 ['HostSubnet "worker02" egressCIDRs: "198.51.100.64/27" is not in local network '
                                  "198.51.100.128/25"]),
    # the converged auto state (controller wrote .70 into worker01) is the near miss
    "NODE_MIXED_MODE": (lambda: _edit(A, {"worker01": {"egress_ips": [ip(70), ip(100)]}}, {"other": [ip(100)]}),
                        A,
                        ['HostSubnet "worker01" egressIPs: "198.51.100.100" is outside its egressCIDRs']),
    "MANUAL_IP_IN_EGRESS_CIDR": (lambda: _edit(A, {"worker03": {"egress_ips": [ip(75)]}}, {"other": [ip(75)]}),
                                 lambda: _edit(A, {"worker03": {"egress_ips": [ip(100)]}}, {"other": [ip(100)]}),
                                 ['"198.51.100.75" is pinned by hand but lies in egressCIDRs "198.51.100.64/27"']),
    "NAMESPACE_MULTIPLE_AUTO_IPS": (lambda: _edit(A, {"worker02": {"egress_ips": [ip(71)]}},
                                                  {"mywebserver": [ip(70), ip(71)]}),
                                    A,
                                    ["[198.51.100.70, 198.51.100.71]", "automatic mode"]),
    "IP_IS_HOST_IP": (lambda: _edit(M, {"worker01": {"egress_ips": [ip(50), ip(143)]}}, {"other": [ip(143)]}),
                      lambda: _edit(M, {"worker03": {"egress_ips": [ip(52)]}}, {"other": [ip(52)]}),
                      ['egress IP "198.51.100.143" is the host IP of node "worker03"']),
    "IP_IS_GATEWAY": (lambda: _edit(M, {"worker03": {"egress_ips": [ip(1)]}}, {"other": [ip(1)]}),
                      lambda: _edit(M, {"worker03": {"egress_ips": [ip(2)]}}, {"other": [ip(2)]}),
                      ['egress IP "198.51.100.1" is the gateway']),
    "IP_IS_NETWORK_ADDRESS": (lambda: _edit(M, {"worker03": {"egress_ips": [ip(255)]}}, {"other": [ip(255)]}),
                              lambda: _edit(M, {"worker03": {"egress_ips": [ip(254)]}}, {"other": [ip(254)]}),
                              ['egress IP "198.51.100.255" is the broadcast address of 198.51.100.0/24']),
    "IP_RESERVED": (lambda: _edit(M, {"worker03": {"egress_ips": [ip(52)]}}, {"other": [ip(52)]}, reserved=[ip(52)]),
                    lambda: _edit(M, {"worker03": {"egress_ips": [ip(52)]}}, {"other": [ip(52)]}, reserved=[ip(53)]),
                    ['egress IP "198.51.100.52" is reserved']),
    "IP_NO_NODE": (lambda: _edit(M, namespaces={"other": [ip(52)]}),
                   lambda: _edit(M, {"worker03": {"egress_ips": [ip(52)]}}, {"other": [ip(52)]}),
                   ['NetNamespace "other" egressIPs: "198.51.100.52"', "no node can host it"]),
    "IP_NODE_NOT_READY": (lambda: _edit(M, {"worker03": {"egress_ips": [ip(52)], "ready": False}},
                                        {"other": [ip(52)]}),
                          lambda: _edit(M, {"worker03": {"egress_ips": [ip(52)]}}, {"other": [ip(52)]}),
                          ['NetNamespace "other" egressIPs: "198.51.100.52"', "not Ready (worker03)"]),
    "NAMESPACE_EGRESS_DROPPED": (
        lambda: _edit(M, {"worker01": {"egress_ips": ["203.0.113.81"]}, "worker02": {"egress_ips": []}},
                      {"mywebserver": ["203.0.113.81"]}),
        lambda: _edit(M, {"worker01": {"egress_ips": ["203.0.113.81"]}}, {"mywebserver": ["203.0.113.81", ip(51)]}),
        ['NetNamespace "mywebserver"', "[203.0.113.81]", "egress traffic is dropped"]),
    "IP_UNUSED": (lambda: _edit(M, {"worker03": {"egress_ips": [ip(52)]}}),
                  lambda: _edit(M, {"worker03": {"egress_ips": [ip(52)]}}, {"other": [ip(52)]}),
                  ['HostSubnet "worker03" egressIPs: "198.51.100.52" is used by no NetNamespace']),
    "NAMESPACE_SINGLE_NODE": (lambda: _edit(M, {"worker03": {"egress_ips": [ip(52)]}}, {"other": [ip(52)]}),
                              lambda: _edit(M, {"worker03": {"egress_ips": [ip(52)]}, "worker01": {
                                  "egress_ips": [ip(50), ip(53)]}}, {"other": [ip(52), ip(53)]}),
                              ['NetNamespace "other" egressIPs: [198.51.100.52]: all on node "worker03"']),
    "CIDR_SINGLE_NODE": (lambda: _edit(A, {"worker02": {"ready": False}}),
                         A,
                         ['egressCIDRs "198.51.100.64/27": only 1 Ready node(s) can host it (worker01)']),
    "CIDR_OVERLAP": (lambda: _edit(A, {"worker02": {"egress_cidrs": [CIDR, ip(64) + "/28"]}}),
                     lambda: _edit(A, {"worker02": {"egress_cidrs": [CIDR, ip(96) + "/27"]}}),
                     ['"198.51.100.64/27" overlaps "198.51.100.64/28"']),
    "NAMESPACE_NO_EGRESS_NOW": (lambda: _edit(A, {"worker01": {"egress_ips": []}}),
                                lambda: _edit(A, {"worker01": {"egress_ips": []}, "worker02": {"egress_ips": [ip(70)]}}),
                                ['NetNamespace "mywebserver" egressIPs: [198.51.100.70]', "no egress right now",
                                 "no address is placed on a node yet"]),
    "NODE_DATA_INVALID": (lambda: _from_objects('[{"interface": "eth0", "capacity": {"ip": "x"}}]'),
                          lambda: _from_objects('[{"interface": "eth0", "capacity": {"ip": 3}}]'),
                          ["Node worker01 annotation cloud.network.openshift.io/egress-ipconfig capacity", "'x'",
                           "ignored"]),
}


def _from_objects(cloud_annotation):
    """The blog's cluster built from API objects, worker01's Node carrying ``cloud_annotation``."""
    from ansible_collections.ocp.egressip.plugins.module_utils.core.state import state_from_sdn
    from ansible_collections.ocp.egressip.tests.unit.plugins.module_utils.core_builders import blog_hostsubnets
    node = {"metadata": {"name": "worker01", "annotations": {findings_cloud(): cloud_annotation}}}
    return state_from_sdn(blog_hostsubnets(), [], nodes=[node], default_network=ip(0) + "/24")


def findings_cloud():
    from ansible_collections.ocp.egressip.plugins.module_utils.core.state import CLOUD_ANNOTATION
    return CLOUD_ANNOTATION


def test_every_code_has_a_case():
    assert set(CASES) == set(findings.CODES)


def test_base_states_are_clean():
    assert validate(manual_base()) == []
    assert validate(auto_base()) == []


@pytest.mark.parametrize("code", sorted(findings.CODES))
def test_bad_case_reports_code(code):
    bad, _good, words = CASES[code]
    found = [f for f in validate(bad()) if f.code == code]
    assert found, "%s not reported" % code
    assert found[0].severity == findings.CODES[code].severity
    for word in words:
        assert any(word in f.message for f in found), (word, [f.message for f in found])
    assert found[0].objects, "a finding names its objects"
    assert set(found[0].to_dict()) == {"code", "severity", "message", "objects"}


@pytest.mark.parametrize("code", sorted(findings.CODES))
def test_near_miss_does_not_report_code(code):
    _bad, good, _words = CASES[code]
    assert code not in codes(validate(good()))


def test_codes_table_is_well_formed():
    for code, spec in findings.CODES.items():
        assert code.isupper() and spec.severity in (findings.ERROR, findings.WARNING)
        assert spec.template and spec.source


def test_errors_and_warnings_split():
    result = validate(_edit(M, {"worker03": {"egress_ips": [ip(52)]}}))
    assert [f.code for f in findings.warnings(result)] == ["IP_UNUSED"]
    assert findings.errors(result) == []


def test_order_is_deterministic_errors_first():
    state = _edit(M, {"worker03": {"egress_ips": [ip(50), ip(52)]}})
    first = validate(state)
    assert first == validate(state.copy())
    severities = [f.severity for f in first]
    assert severities == sorted(severities, key=lambda s: s != "error")


def test_ovn_kinds_in_messages():
    state = manual_base()
    state.network_type = "OVNKubernetes"
    state.namespaces["other"] = state.namespaces["other"].replace(egress_ips=[ip(52)])
    found = [f for f in validate(state) if f.code == "IP_NO_NODE"]
    assert found and 'EgressIP "other"' in found[0].message and "EgressIP/other" in found[0].objects


def _template_regex(template):
    return re.compile(re.sub(r"\\\{[a-z_0-9]+\\\}", ".+?", re.escape(template)))


@pytest.mark.parametrize("code", sorted(findings.CODES))
def test_message_follows_documented_template(code):
    bad, _good, _words = CASES[code]
    pattern = _template_regex(findings.CODES[code].template)
    messages = [f.message for f in validate(bad()) if f.code == code]
    assert any(pattern.match(m) for m in messages), (findings.CODES[code].template, messages)


def test_codes_table_in_core_api_doc_is_complete():
    doc = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "docs", "CORE_API.md")
    if not os.path.exists(doc):
        pytest.skip("docs not shipped with this copy")
    with open(doc) as handle:
        text = handle.read()
    for code, spec in findings.CODES.items():
        assert "| `%s` | %s |" % (code, spec.severity) in text, code


# -- openshift/sdn common/egressip.go (18a57d7) syncEgressNamespaceState / validateEgressIPs ----

def test_namespace_sharing_an_ip_gets_no_egress_at_all():
    """Lines 675-678: an IP requested by two namespaces makes *each* of them drop its egress,
    also the one that has another, unshared IP (it was reported as fine)."""
    state = _edit(M, {"worker03": {"egress_ips": [ip(52)]}}, {"other": [ip(51), ip(52)]})
    dropped = [f for f in validate(state) if f.code == "NAMESPACE_EGRESS_DROPPED"]
    assert sorted(f.objects[0] for f in dropped) == ["NetNamespace/mywebserver", "NetNamespace/other"], dropped
    assert any("multiply-assigned egress IP 198.51.100.51" in f.message for f in dropped)


def test_ip_on_a_node_over_its_cloud_capacity_is_not_usable():
    """validateEgressIPs: a HostSubnet pinning more egress IPs than the node's capacity is
    ignored as a whole, so a namespace whose IPs are all there has no egress."""
    state = _edit(M, {"worker01": {"egress_ips": [ip(50), ip(52)], "capacity": 1}, "worker02": {"egress_ips": []}},
                  {"mywebserver": [ip(50)], "other": [ip(52)]})
    found = codes(validate(state))
    assert "NODE_OVER_CAPACITY" in found and "NAMESPACE_EGRESS_DROPPED" in found
    within = _edit(M, {"worker01": {"egress_ips": [ip(50)], "capacity": 1}, "worker02": {"egress_ips": []}},
                   {"mywebserver": [ip(50)]})
    assert "NAMESPACE_EGRESS_DROPPED" not in codes(validate(within))


def test_no_egress_now_is_distinct_from_never_placed():
    """Requested but not placed yet (automatic mode, the master has not written it) is a
    warning that it does not work *now*; no node able to host it is the IP_NO_NODE error."""
    waiting = validate(_edit(A, {"worker01": {"egress_ips": []}}))
    assert codes(waiting) == {"NAMESPACE_NO_EGRESS_NOW"}
    assert all(f.severity == "warning" for f in waiting)
    never = validate(_edit(M, namespaces={"other": ["203.0.113.81"]}))
    assert "IP_NO_NODE" in codes(never) and "NAMESPACE_NO_EGRESS_NOW" not in codes(never)


@pytest.mark.parametrize("records,field", [
    ({"database": {"mywebserver": {"name": True}}}, "firewall_records.database.mywebserver"),
    ({"database": {"mywebserver": [7]}}, "firewall_records.database.mywebserver"),
    ({"database": ["198.51.100.120"]}, "firewall_records.database"),
    ({"database": {"format": 2, "entries": {"lab/a": {"namespace": "a", "addresses": 5}}}},
     "firewall_records.database.entries.lab/a"),
])
def test_malformed_firewall_record_is_refused_naming_the_field(records, field):
    from ansible_collections.ocp.egressip.plugins.module_utils.core import facts
    with pytest.raises(ValueError) as exc:
        facts.check_records(records)
    assert str(exc.value).startswith(field + ": "), str(exc.value)


def test_well_formed_firewall_records_of_both_formats_pass():
    from ansible_collections.ocp.egressip.plugins.module_utils.core import facts
    facts.check_records({"db": {"mywebserver": ["198.51.100.120"], "gone": None},
                         "db2": {"format": 2, "entries": {"lab/a": {"cluster": "lab", "namespace": "a",
                                                                    "addresses": {"198.51.100.121": "t"}}}}})
