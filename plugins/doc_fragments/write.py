# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Options of the modules that write (validation override and the cluster-wide lock).

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  force:
    description:
      - Write even when the resulting state has warnings that would otherwise block.
      - Never overrides errors; a change that leaves an error finding on an object it touches
        (or that introduces a new error anywhere) is never written.
    type: bool
    default: false
  lock:
    description:
      - Hold a cluster-wide lock (a C(coordination.k8s.io/v1) Lease) while re-reading, planning and
        writing, so that concurrent runs cannot hand out the same address twice.
      - The lock is taken only when something is to be written, and never in check mode.
    type: bool
    default: true
  lock_name:
    description:
      - Name of the Lease used as the lock, a DNS-1123 subdomain (checked before any request).
    type: str
    default: ocp-egressip-lock
  lock_namespace:
    description:
      - Namespace of the Lease used as the lock, a DNS-1123 label (checked before any request).
    type: str
    default: default
  lock_ttl:
    description:
      - C(leaseDurationSeconds) of the Lease. A lease not renewed within this time is considered
        abandoned (a crashed run) and is taken over by the next run.
      - Long runs renew the lease while writing.
      - Greater than 0 and at most 86400 (a real API server refuses a Lease with a non-positive
        duration); refused before any request otherwise.
    type: int
    default: 60
  lock_timeout:
    description:
      - How long to wait, in seconds, for a lock held by another run before failing (0 to 86400).
    type: float
    default: 120
  quarantine_period:
    description:
      - Seconds during which an address released from a namespace is not handed to another
        namespace (firewalls, ARP caches and connection tables may still know it). The namespace
        that released it may take it back at any time. V(0) turns the quarantine off.
      - Releases are recorded, before the release is written, in the ConfigMap
        O(quarantine_record) of O(lock_namespace) (key C(released.json)).
    type: int
    default: 3600
  quarantine_record:
    description:
      - Name of the ConfigMap (in O(lock_namespace)) that records released addresses.
    type: str
    default: ocp-egressip-released
  held_ips:
    description:
      - "Map of address to the namespace (or list of namespaces) that may still use it, for
        example V({198.51.100.120: mywebserver}): addresses still named by a firewall record.
        Allocation never hands them to another namespace, and explicit C(egress_ips) that are held
        for another namespace are refused. The role C(ocp.egressip.egressip) passes the records of
        its firewall targets."
    type: dict
    default: {}
"""
