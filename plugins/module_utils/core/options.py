# -*- coding: utf-8 -*-
# Copyright: (c) ocp.egressip contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of option values the argument spec cannot express, made before any request.

Names and label selectors follow the API server's validation, so that what it would refuse
(422) is refused here first, naming the option:
- object names: k8s.io/apimachinery pkg/util/validation/validation.go IsDNS1123Subdomain
  (Lease, EgressIP) and IsDNS1123Label (namespaces);
- label keys and values: IsQualifiedName, IsValidLabelValue (same file);
- label selectors: pkg/apis/meta/v1/validation/validation.go ValidateLabelSelector and
  ValidateLabelSelectorRequirement (operators In, NotIn, Exists, DoesNotExist; values required
  for In/NotIn, forbidden for Exists/DoesNotExist);
- Lease.spec.leaseDurationSeconds > 0: k8s.io/kubernetes pkg/apis/coordination/validation
  ValidateLeaseSpec ("must be greater than 0").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$")
LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$")
SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


class OptionError(ValueError):
    """An option value that must be refused before any request; the message names it."""


def is_dns1123_subdomain(name):
    return isinstance(name, str) and len(name) <= 253 and bool(DNS1123_SUBDOMAIN.match(name))


def is_dns1123_label(name):
    return isinstance(name, str) and bool(DNS1123_LABEL.match(name))


def is_label_key(key):
    """Kubernetes label key: [prefix/]name (prefix a DNS-1123 subdomain of at most 253 characters)."""
    if not isinstance(key, str):
        return False
    prefix, _sep, name = key.rpartition("/")
    if _sep and not is_dns1123_subdomain(prefix):
        return False
    return bool(LABEL_NAME.match(name))


def is_label_value(value):
    return isinstance(value, str) and bool(LABEL_VALUE.match(value))


# A socket timeout is converted to nanoseconds in a 64-bit integer (about 292 years); a day is
# already far more than any API request or lock wait can sensibly take.
MAX_SECONDS = 86400


def positive_seconds(option, value, allow_zero=False):
    """A finite number of seconds > 0 (>= 0 with ``allow_zero``), at most MAX_SECONDS; None
    passes (option unset)."""
    if value is None:
        return None
    bad = isinstance(value, bool) or not isinstance(value, (int, float))
    if not bad:
        bad = math.isnan(value) or value > MAX_SECONDS or value < 0 or (value == 0 and not allow_zero)
    if bad:
        raise OptionError("%s: %r: must be a number of seconds %s and at most %d" % (
            option, value, ">= 0" if allow_zero else "greater than 0", MAX_SECONDS))
    return value


def check_lock_options(params):
    """lock_* options of the writing modules: refused before any request (the Lease would be
    refused by the API server, or would exclude nobody)."""
    if "lock_ttl" not in params:
        return
    ttl = params.get("lock_ttl")
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 < ttl <= MAX_SECONDS):
        raise OptionError("lock_ttl: %r: must be greater than 0 (Lease spec.leaseDurationSeconds) and at most %d"
                          % (ttl, MAX_SECONDS))
    positive_seconds("lock_timeout", params.get("lock_timeout"), allow_zero=True)
    name = params.get("lock_name")
    if name is not None and not is_dns1123_subdomain(name):
        raise OptionError("lock_name: %r: not a valid Lease name (DNS-1123 subdomain: lower case alphanumerics, "
                          "'-' and '.', at most 253 characters)" % (name,))
    namespace = params.get("lock_namespace")
    if namespace is not None and not is_dns1123_label(namespace):
        raise OptionError("lock_namespace: %r: not a valid namespace name (DNS-1123 label: lower case "
                          "alphanumerics and '-', at most 63 characters)" % (namespace,))


def check_label_selector(field, selector):
    """A metav1.LabelSelector as the API server validates it; raises OptionError naming
    ``field`` and the offending part."""
    if selector is None:
        return
    if not isinstance(selector, dict):
        raise OptionError("%s: %r: must be a label selector (a mapping with matchLabels and/or matchExpressions)"
                          % (field, selector))
    unknown = sorted(set(selector) - set(["matchLabels", "matchExpressions"]), key=str)
    if unknown:
        raise OptionError("%s: %r: unknown label selector field (only matchLabels and matchExpressions)"
                          % (field, unknown[0]))
    labels = selector.get("matchLabels")
    if labels is not None and not isinstance(labels, dict):
        raise OptionError("%s.matchLabels: %r: must be a mapping label key -> value" % (field, labels))
    for key, value in (labels or {}).items():
        if not is_label_key(key) or not is_label_value(value):
            raise OptionError("%s.matchLabels: %r: %r: not a valid label key and value" % (field, key, value))
    exprs = selector.get("matchExpressions")
    if exprs is not None and not isinstance(exprs, list):
        raise OptionError("%s.matchExpressions: %r: must be a list of requirements" % (field, exprs))
    for idx, req in enumerate(exprs or []):
        where = "%s.matchExpressions[%d]" % (field, idx)
        if not isinstance(req, dict):
            raise OptionError("%s: %r: must be a mapping with key, operator and values" % (where, req))
        unknown = sorted(set(req) - set(["key", "operator", "values"]), key=str)
        if unknown:
            raise OptionError("%s: %r: unknown field (only key, operator, values)" % (where, unknown[0]))
        if not is_label_key(req.get("key")):
            raise OptionError("%s.key: %r: not a valid label key" % (where, req.get("key")))
        operator, values = req.get("operator"), req.get("values")
        if values is not None and not isinstance(values, list):
            raise OptionError("%s.values: %r: must be a list of strings" % (where, values))
        if operator in ("In", "NotIn"):
            if not values:
                raise OptionError("%s.values: %r: must be specified when `operator` is 'In' or 'NotIn'"
                                  % (where, values))
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                raise OptionError("%s.values: %r: may not be specified when `operator` is 'Exists' or "
                                  "'DoesNotExist'" % (where, values))
        else:
            raise OptionError("%s.operator: %r: not a valid selector operator (%s)" % (
                where, operator, ", ".join(SELECTOR_OPERATORS)))
        for value in values or []:
            if not is_label_value(value):
                raise OptionError("%s.values: %r: not a valid label value" % (where, value))


def check_node_interfaces(params):
    """node_interfaces: node name -> interface name (non-empty strings)."""
    for node, iface in (params.get("node_interfaces") or {}).items():
        if not isinstance(iface, str) or not iface.strip():
            raise OptionError("node_interfaces[%s]: %r: must be an interface name (a non-empty string)"
                              % (node, iface))
