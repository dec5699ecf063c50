# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A cluster-wide lock held as a coordination.k8s.io/v1 Lease with a TTL.

acquire: create the Lease; if it exists and is free (no holder) or expired (renewTime +
leaseDurationSeconds in the past), take it over with a replace carrying the
resourceVersion read.  A 409 means another run won: wait and retry until the timeout.
release: clear the holder with a merge patch carrying our resourceVersion (so a lease
taken over after expiry is not cleared by its former holder).  The Lease object is
kept, so its resourceVersion changes with every acquisition: ``peek()`` before reading
the cluster and ``acquire()`` afterwards tells whether any other run held the lock in
between (``fresh``), and so whether the state read is still current.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import os
import socket
import time
import uuid

from ansible_collections.ocp.egressip.plugins.module_utils.k8s.client import ApiError

_FORMATS = ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ")


class LockError(Exception):
    pass


def _now():
    return datetime.datetime.utcnow()


def format_time(when):
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text):
    for fmt in _FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt)
        except (TypeError, ValueError):
            continue
    return None


def expired(lease, now=None):
    """True when the lease has no holder or its TTL has run out."""
    spec = lease.get("spec") or {}
    if not spec.get("holderIdentity"):
        return True
    renew = parse_time(spec.get("renewTime") or spec.get("acquireTime") or "")
    if renew is None:
        return True
    ttl = int(spec.get("leaseDurationSeconds") or 0)
    return (now or _now()) > renew + datetime.timedelta(seconds=ttl)


class Lease(object):
    def __init__(self, client, name, namespace, ttl=60, timeout=120, identity=None, sleep=1.0):
        self.client = client
        self.name = name
        self.namespace = namespace
        self.ttl = int(ttl)
        self.timeout = float(timeout)
        self.identity = identity or "ocp.egressip/%s/%d/%s" % (socket.gethostname(), os.getpid(), uuid.uuid4().hex[:8])
        self.sleep = sleep
        self.resource_version = None
        self.renewed = None
        self.held = False
        self.waited = 0.0
        self.taken_over = None
        self.peeked = None        # (exists, resourceVersion, free, holder) at peek()
        self.fresh = False        # acquired on the exact Lease version seen by peek()

    def peek(self):
        """Remember the Lease's version before the cluster is read (one GET, no write)."""
        try:
            obj = self.client.get("Lease", self.name, namespace=self.namespace)
        except ApiError as exc:
            if exc.status == 404:
                self.peeked = (False, None, True, None)
                return self.peeked
            raise LockError("cannot read Lease %s/%s: %s" % (self.namespace, self.name, exc))
        self.peeked = (True, obj["metadata"].get("resourceVersion"), expired(obj),
                       (obj.get("spec") or {}).get("holderIdentity"))
        return self.peeked

    def _spec(self, now):
        return {"holderIdentity": self.identity, "leaseDurationSeconds": self.ttl,
                "acquireTime": format_time(now), "renewTime": format_time(now)}

    def _took(self, obj, now):
        self.resource_version = (obj.get("metadata") or {}).get("resourceVersion")
        self.renewed = now
        self.held = True

    def acquire(self):
        start = time.time()
        holder = None
        now = _now()
        done = False
        if self.peeked is None:
            done = self._create(now)
        else:
            # first try without a GET, at the version seen by peek()
            exists, resource_version, free, holder = self.peeked
            if not exists:
                done = self.fresh = self._create(now)
            elif free:
                done = self.fresh = self._replace(resource_version, now, holder)
        while not done:
            now = _now()
            try:
                current = self.client.get("Lease", self.name, namespace=self.namespace)
            except ApiError as exc:
                if exc.status != 404:
                    raise LockError("cannot read Lease %s/%s: %s" % (self.namespace, self.name, exc))
                if self._create(now):
                    break
                continue
            holder = (current.get("spec") or {}).get("holderIdentity")
            if expired(current, now) and self._replace(current["metadata"]["resourceVersion"], now, holder):
                break
            if time.time() - start >= self.timeout:
                raise LockError("could not acquire Lease %s/%s within %ss: held by %s" % (
                    self.namespace, self.name, self.timeout, holder))
            time.sleep(self.sleep)
        self.waited = round(time.time() - start, 3)
        return self

    def _create(self, now):
        try:
            obj = self.client.create("Lease", {"metadata": {"name": self.name, "namespace": self.namespace},
                                               "spec": self._spec(now)}, namespace=self.namespace)
        except ApiError as exc:
            if exc.status != 409:
                raise LockError("cannot create Lease %s/%s: %s" % (self.namespace, self.name, exc))
            return False
        self._took(obj, now)
        return True

    def _replace(self, resource_version, now, holder):
        body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": {"name": self.name, "namespace": self.namespace, "resourceVersion": resource_version},
                "spec": self._spec(now)}
        try:
            obj = self.client.replace("Lease", self.name, body, namespace=self.namespace)
        except ApiError as exc:
            if exc.status not in (404, 409):
                raise LockError("cannot take over Lease %s/%s: %s" % (self.namespace, self.name, exc))
            return False
        self.taken_over = holder
        self._took(obj, now)
        return True

    def renew_if_needed(self):
        """Renew when a third of the TTL has passed (keeps long batches locked)."""
        if not self.held or self.renewed is None:
            return
        now = _now()
        if now - self.renewed < datetime.timedelta(seconds=self.ttl / 3.0):
            return
        body = {"metadata": {"resourceVersion": self.resource_version},
                "spec": {"renewTime": format_time(now), "holderIdentity": self.identity}}
        try:
            obj = self.client.merge_patch("Lease", self.name, body, namespace=self.namespace)
        except ApiError as exc:
            raise LockError("lost Lease %s/%s while writing: %s" % (self.namespace, self.name, exc))
        self._took(obj, now)

    def release(self):
        """Clear the holder (the Lease is kept; see the module doc)."""
        if not self.held:
            return
        self.held = False
        body = {"metadata": {"resourceVersion": self.resource_version},
                "spec": {"holderIdentity": None, "renewTime": format_time(_now())}}
        try:
            self.client.merge_patch("Lease", self.name, body, namespace=self.namespace)
        except ApiError as exc:
            if exc.status not in (404, 409):
                raise LockError("cannot release Lease %s/%s: %s" % (self.namespace, self.name, exc))
