# -*- coding: utf-8 -*-
# Copyright: (c) 2026, ocp.egressip contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one command on named nodes through the API, the way ``oc debug node/NAME`` does.

For each node: create a pod pinned to it (``spec.nodeName``: no scheduler involved), on the
node's network (``hostNetwork``), privileged (``ip``/``arping`` need raw sockets on the host
network), ``restartPolicy: Never``; wait until it ends; read its log; delete it. The pod is
deleted in every outcome (success, failure, timeout, KeyboardInterrupt/SIGTERM) and, as a last
net, every pod of the run is found again by its run label and deleted. Nodes run in parallel,
at most ``parallel`` at a time.

The pod follows openshift/oc pkg/cli/debug/debug.go (commit 6b8e30c, lines 1061-1117, the
``*corev1.Node`` case of approximatePodTemplateForObject): nodeName, hostNetwork, privileged,
runAsUser 0, RestartPolicyNever, no tolerations (with nodeName set the scheduler is bypassed;
the kubelet re-checks only NoExecute taints: kubernetes pkg/kubelet/lifecycle/predicate.go
generalFilter). Deliberately narrower than oc debug: no hostPID/hostIPC and no host root
mount (the probe needs only the node's network namespace), no service account token
(automountServiceAccountToken false), and activeDeadlineSeconds so that the kubelet stops the
pod even if this process is killed with SIGKILL before it can delete it.

Kubernetes layer only: it knows pods and nodes, not egress IPs.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import binascii
import os
import threading
import time

from ansible_collections.ocp.egressip.plugins.module_utils.k8s.client import ApiError

MANAGED_BY = ("app.kubernetes.io/managed-by", "ocp.egressip")
COMPONENT = ("app.kubernetes.io/component", "node-probe")
RUN_LABEL = "egressip.ocp/probe-run"
NODE_ANNOTATION = "egressip.ocp/node"
CONTAINER = "probe"
DEFAULT_IMAGE = "registry.redhat.io/rhel9/support-tools"
DEFAULT_NAMESPACE = "egressip-node-probe"

# container waiting reasons that do not clear up by waiting (kubelet: pkg/kubelet/images/types.go,
# pkg/kubelet/container/sync_result.go)
IMAGE_REASONS = ("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull")
CONTAINER_REASONS = ("CreateContainerConfigError", "CreateContainerError", "RunContainerError")


class NodePodError(Exception):
    """A pod could not do its job on a node; the message names the node and what to do."""

    def __init__(self, node, message, reason):
        super(NodePodError, self).__init__(message)
        self.node = node
        self.reason = reason


class Interrupted(BaseException):
    """SIGTERM or SIGINT while pods run: every pod is deleted before the process ends."""


def pod_manifest(node, name, image, command, run_id, deadline):
    """The pod spec (see the module docstring for each choice and its source)."""
    return {
        "metadata": {
            "name": name,
            "labels": dict([MANAGED_BY, COMPONENT, (RUN_LABEL, run_id)]),
            "annotations": {NODE_ANNOTATION: node},
        },
        "spec": {
            "nodeName": node,
            "hostNetwork": True,
            "restartPolicy": "Never",
            "activeDeadlineSeconds": int(deadline),
            "terminationGracePeriodSeconds": 1,
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "containers": [{
                "name": CONTAINER,
                "image": image,
                "imagePullPolicy": "IfNotPresent",
                "command": list(command),
                "securityContext": {"privileged": True, "runAsUser": 0},
            }],
        },
    }


def pod_name(node, run_id):
    """<= 63 characters, DNS label: egressip-probe-<node head>-<run id>."""
    head = "".join(c if c.isalnum() else "-" for c in node.split(".")[0].lower())[:30].strip("-") or "node"
    return "egressip-probe-%s-%s" % (head, run_id)


def new_run_id():
    return binascii.hexlify(os.urandom(4)).decode("ascii")


def _waiting(pod):
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        waiting = (status.get("state") or {}).get("waiting")
        if waiting:
            return waiting.get("reason") or "", waiting.get("message") or ""
    return None, None


def _terminated(pod):
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        term = (status.get("state") or {}).get("terminated")
        if term:
            return term
    return {}


def _node_ready(node):
    for cond in (node.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond.get("status") == "True", cond.get("reason") or ""
    return False, "no Ready condition"


class NodePodRunner(object):
    """Runs ``command`` in a pod on each node; returns {node: log text} and {node: NodePodError}."""

    def __init__(self, client, namespace, image, timeout, parallel=5, poll=0.5, run_id=None):
        self.client = client
        self.namespace = namespace
        self.image = image
        self.timeout = timeout
        self.parallel = max(1, int(parallel))
        self.poll = poll
        self.run_id = run_id or new_run_id()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.created = {}          # pod name -> node, until deleted
        self.leftover = []         # pods that could not be deleted (names)

    # -- one node --------------------------------------------------------------------------
    def run_one(self, node, command):
        name = pod_name(node, self.run_id)
        body = pod_manifest(node, name, self.image, command, self.run_id, self.timeout + 30)
        try:
            self.client.create("Pod", body, namespace=self.namespace)
        except ApiError as exc:
            raise self._create_error(node, name, exc)
        with self.lock:
            self.created[name] = node
        try:
            self._wait(node, name)
            return self._log(node, name)
        finally:
            self._delete(name)

    def _create_error(self, node, name, exc):
        where = "namespace %s" % self.namespace
        if exc.status == 403:
            return NodePodError(node, "node %s: the API refused the probe pod %s in %s: %s. Grant what rbac/ "
                                "describes (docs/rbac.md): create/get/list/delete pods and get pods/log in %s, and "
                                "use of the SCC 'privileged' (the pod needs hostNetwork and a privileged container)"
                                % (node, name, where, exc.message or exc, self.namespace), "Forbidden")
        if exc.status == 404:
            return NodePodError(node, "node %s: cannot create the probe pod: %s (create the namespace with "
                                "rbac/namespace-node-probe.yml, or set the probe namespace)" % (node, exc.message or exc),
                                "NamespaceNotFound")
        return NodePodError(node, "node %s: cannot create the probe pod %s in %s: %s" % (node, name, where, exc),
                            "CreateFailed")

    def _wait(self, node, name):
        deadline = time.monotonic() + self.timeout
        pod = {}
        while True:
            if self.stop.is_set():
                raise NodePodError(node, "node %s: interrupted, probe pod %s deleted" % (node, name), "Interrupted")
            try:
                pod = self.client.get("Pod", name, namespace=self.namespace)
            except ApiError as exc:
                if exc.not_found:
                    raise self._vanished(node, name)
                raise NodePodError(node, "node %s: cannot read the probe pod %s: %s" % (node, name, exc), "ApiError")
            status = pod.get("status") or {}
            phase = status.get("phase") or "Pending"
            if phase == "Succeeded":
                return pod
            if phase == "Failed":
                raise self._failed(node, name, pod)
            reason, message = _waiting(pod)
            if reason in IMAGE_REASONS:
                raise NodePodError(node, "node %s: the probe image %s cannot be pulled (%s: %s). Mirror it to a "
                                   "registry the nodes can reach and set the image option (egressip_node_probe_image),"
                                   " or use egressip_node_access=ssh" % (node, self.image, reason, message), reason)
            if reason in CONTAINER_REASONS:
                raise NodePodError(node, "node %s: the probe container cannot start (%s: %s)" % (node, reason, message),
                                   reason)
            if time.monotonic() >= deadline:
                raise self._timed_out(node, name, pod)
            self.stop.wait(self.poll)

    def _vanished(self, node, name):
        try:
            self.client.get("Node", node)
        except ApiError as exc:
            if exc.not_found:
                return NodePodError(node, "node %s was deleted during the probe (its pod %s went with it): nothing "
                                    "was checked there; run again once the node list is stable" % (node, name),
                                    "NodeDeleted")
        return NodePodError(node, "node %s: the probe pod %s was deleted by someone else before it finished"
                            % (node, name), "PodDeleted")

    def _failed(self, node, name, pod):
        status = pod.get("status") or {}
        term = _terminated(pod)
        if status.get("reason") == "TaintToleration" or "taint" in (status.get("message") or "").lower():
            return NodePodError(node, "node %s rejected the probe pod: %s. Like oc debug, the probe tolerates no "
                                "NoExecute taint: remove the taint, or check this node with egressip_node_access=ssh"
                                % (node, status.get("message") or status.get("reason")), "Taint")
        if status.get("reason") == "DeadlineExceeded":
            return NodePodError(node, "node %s: the probe pod %s ran out of time (activeDeadlineSeconds)" % (node, name),
                                "DeadlineExceeded")
        if term:
            tail = self._log_tail(name)
            return NodePodError(node, "node %s: the probe exited with code %s (%s)%s" % (
                node, term.get("exitCode"), term.get("reason") or "", (": " + tail) if tail else ""), "ProbeFailed")
        return NodePodError(node, "node %s: the probe pod %s failed: %s %s" % (
            node, name, status.get("reason") or "", status.get("message") or ""), "PodFailed")

    def _timed_out(self, node, name, pod):
        try:
            ready, why = _node_ready(self.client.get("Node", node))
        except ApiError as exc:
            if exc.not_found:
                return NodePodError(node, "node %s does not exist (any more): nothing was checked there" % node,
                                    "NodeDeleted")
            ready, why = True, ""
        if not ready:
            return NodePodError(node, "node %s is NotReady (%s): its kubelet did not start the probe pod within %d s. "
                                "Bring the node back or leave it out of the node checks" % (node, why, self.timeout),
                                "NodeNotReady")
        status = pod.get("status") or {}
        reason, message = _waiting(pod)
        return NodePodError(node, "node %s: the probe pod %s was still %s after %d s%s (raise the timeout "
                            "egressip_node_probe_timeout if the image pull is slow)" % (
                                node, name, status.get("phase") or "Pending", self.timeout,
                                " (%s: %s)" % (reason, message) if reason else ""), "Timeout")

    def _log_tail(self, name):
        try:
            return (self.client.request_text("GET", self._log_path(name), query={"container": CONTAINER})
                    or "").strip()[-500:]
        except ApiError:
            return ""

    def _log_path(self, name):
        return self.client.path("Pod", name, self.namespace) + "/log"

    def _log(self, node, name):
        try:
            return self.client.request_text("GET", self._log_path(name), query={"container": CONTAINER})
        except ApiError as exc:
            raise NodePodError(node, "node %s: the probe finished but its log cannot be read (%s). The API server "
                               "reads pod logs from the kubelet (port 10250 on the node): check that it is reachable "
                               "(oc logs works for pods on this node)" % (node, exc), "LogUnreadable")

    def _delete(self, name):
        try:
            self.client.delete("Pod", name, namespace=self.namespace)
        except ApiError as exc:
            if not exc.not_found:
                with self.lock:
                    self.leftover.append(name)
                return
        with self.lock:
            self.created.pop(name, None)

    # -- all nodes ------------------------------------------------------------------------
    def run_all(self, commands):
        """commands: {node: argv}. -> ({node: log text}, {node: NodePodError})."""
        logs, errors = {}, {}
        queue = sorted(commands)
        qlock = threading.Lock()

        def worker():
            while not self.stop.is_set():
                with qlock:
                    if not queue:
                        return
                    node = queue.pop(0)
                try:
                    logs[node] = self.run_one(node, commands[node])
                except NodePodError as exc:
                    errors[node] = exc
                except Exception as exc:  # a bug or a broken connection: keep the other nodes going
                    errors[node] = NodePodError(node, "node %s: %s" % (node, exc), "Error")

        threads = [threading.Thread(target=worker, name="egressip-probe-%d" % i)
                   for i in range(min(self.parallel, len(queue)) or 0)]
        try:
            for t in threads:
                t.daemon = True
                t.start()
            for t in threads:
                while t.is_alive():
                    t.join(0.2)   # short joins: signals reach the main thread
        except BaseException:
            self.stop.set()
            for t in threads:
                t.join(self.client.timeout + 5)
            raise
        finally:
            self.cleanup()
        return logs, errors

    def cleanup(self):
        """Delete every pod of this run that is still there (found by its run label)."""
        try:
            items = self.client.list("Pod", namespace=self.namespace,
                                     label_selector="%s=%s" % (RUN_LABEL, self.run_id))
        except ApiError:
            items = [{"metadata": {"name": n}} for n in list(self.created)]
        for item in items:
            self._delete(item["metadata"]["name"])
        with self.lock:
            return sorted(set(self.leftover) | set(self.created))
