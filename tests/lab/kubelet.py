"""Pods: admission of privileged pods (OpenShift SCC), a kubelet per node and pod garbage
collection, just enough for pods pinned to a node with ``spec.nodeName`` (the collection's node
probe, as ``oc debug node`` creates them).

- Admission (openshift/apiserver-library-go pkg/securitycontextconstraints/sccadmission/
  admission.go, ``computeSecurityContext``): a pod asking for hostNetwork or a privileged
  container is refused with 403 ``unable to validate against any security context constraint``
  unless the requester may use the ``privileged`` SCC. The lab's user may, until
  ``POST /_lab/scc {"privileged": false}``.
- Kubelet (kubernetes pkg/kubelet): a pod bound to a node that is not Ready stays Pending with
  no status (the kubelet is not running). A NoExecute taint the pod does not tolerate: phase
  Failed, reason ``TaintToleration`` (pkg/kubelet/lifecycle/predicate.go generalFilter: the
  kubelet checks only NoExecute taints; rejectPod sets phase Failed and "Pod was rejected: ").
  The image: nodes without a data plane (``--dataplane``) and registries under ``.invalid``
  (RFC 6761: never resolves) cannot pull: container waiting ``ErrImagePull`` then
  ``ImagePullBackOff``, phase Pending (pkg/kubelet/images/image_manager.go). Otherwise phase
  Running, then the container's command runs *inside the node's network namespace*
  (``ip netns exec NETNS command...``; hostNetwork pods only: the lab has no pod network), its
  stdout and stderr are the log, and the phase becomes Succeeded (exit 0) or Failed, with
  ``state.terminated`` (exitCode, reason Completed/Error). ``activeDeadlineSeconds`` stops it
  (Failed, reason DeadlineExceeded).
- Deletion is immediate (the lab has no graceful termination): a running command is killed.
- Pod GC (kubernetes pkg/controller/podgc/gc_controller.go gcOrphaned): pods bound to a Node
  that no longer exists are deleted.

The lab runs these commands as root inside the test's network namespaces: it is a test tool,
listening on 127.0.0.1 with a bearer token.
"""
import subprocess
import threading
import time

from . import errors
from .kinds import BY_KIND

POD = BY_KIND["Pod"]
NODE = BY_KIND["Node"]
STEP = 0.1     # seconds between the kubelet's status updates (the client sees each phase)


def _now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _privileged_asks(pod):
    """The SCC provider messages for what the restricted-v2 SCC does not allow."""
    spec = pod.get("spec") or {}
    out = []
    if spec.get("hostNetwork"):
        out.append(".spec.securityContext.hostNetwork: Invalid value: true: Host network is not allowed to be used")
    if spec.get("hostPID"):
        out.append(".spec.securityContext.hostPID: Invalid value: true: Host PID is not allowed to be used")
    for i, c in enumerate(spec.get("containers") or []):
        if ((c or {}).get("securityContext") or {}).get("privileged"):
            out.append(".containers[%d].privileged: Invalid value: true: Privileged containers are not allowed" % i)
    return out


def _tolerates(tolerations, taint):
    for t in tolerations or []:
        if t.get("effect") and t["effect"] != taint.get("effect"):
            continue
        if t.get("operator") == "Exists" and (not t.get("key") or t["key"] == taint.get("key")):
            return True
        if t.get("key") == taint.get("key") and t.get("value", "") == taint.get("value", ""):
            return True
    return False


class Kubelet:
    def __init__(self, cluster):
        self.cluster = cluster
        self.scc_privileged = True
        self.lock = threading.Lock()
        self.logs = {}        # (namespace, name) -> text, once the container ran
        self.procs = {}       # (namespace, name) -> Popen while running

    # -- admission ------------------------------------------------------------------------
    def admit(self, pod):
        if not isinstance(pod, dict):
            return
        asks = _privileged_asks(pod)
        if asks and not self.scc_privileged:
            name = (pod.get("metadata") or {}).get("name") or ""
            providers = ['provider "anyuid": Forbidden: not usable by user or serviceaccount']
            providers += ["provider restricted-v2: %s" % a for a in asks]
            providers += ['provider "hostnetwork-v2": Forbidden: not usable by user or serviceaccount',
                          'provider "privileged": Forbidden: not usable by user or serviceaccount']
            raise errors.ApiError(403, 'pods "%s" is forbidden: unable to validate against any security context '
                                  "constraint: [%s]" % (name, ", ".join(providers)), "Forbidden", "pods", name)
        containers = ((pod.get("spec") or {}).get("containers"))
        if not isinstance(containers, list) or not containers or not all(
                isinstance(c, dict) and c.get("name") and c.get("image") for c in containers):
            raise errors.invalid(POD, (pod.get("metadata") or {}).get("name"), [
                ("spec.containers", "Required value: every container needs a name and an image")])

    # -- the kubelet ------------------------------------------------------------------------
    def started(self, pod):
        meta = pod["metadata"]
        key = (meta["namespace"], meta["name"])
        threading.Thread(target=self._run, args=(key,), daemon=True, name="kubelet-%s" % meta["name"]).start()

    def _pod(self, key):
        return self.cluster.store.find(POD, key[0], key[1])

    def _status(self, key, uid, **status):
        """Replace the pod's status as the kubelet; False when the pod is gone (or replaced)."""
        with self.cluster.lock:
            pod = self._pod(key)
            if pod is None or pod["metadata"]["uid"] != uid:
                return False
            pod["status"] = status
            self.cluster.store.put(POD, pod)
            return True

    def _container(self, pod, **state):
        c = (pod["spec"].get("containers") or [{}])[0]
        return [{"name": c.get("name"), "image": c.get("image"), "ready": "running" in state,
                 "restartCount": 0, "state": state}]

    def _run(self, key):
        time.sleep(STEP)
        pod = self._pod(key)
        if pod is None:
            return
        uid, spec = pod["metadata"]["uid"], pod["spec"]
        node_name = spec.get("nodeName")
        if not node_name:
            return   # no scheduler in the lab: only pods bound to a node run
        # the kubelet of a NotReady node does not run: the pod stays Pending without status
        while True:
            if self._pod(key) is None:
                return
            node = self.cluster.store.find(NODE, None, node_name)
            if node is None:
                return    # pod GC deletes it
            ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                        for c in (node.get("status") or {}).get("conditions") or [])
            if ready:
                break
            time.sleep(STEP)
        host_ip = next((a.get("address") for a in (node.get("status") or {}).get("addresses") or []
                        if a.get("type") == "InternalIP"), None)
        base = {"hostIP": host_ip, "podIP": host_ip if spec.get("hostNetwork") else None, "startTime": _now()}
        taint = next((t for t in (node.get("spec") or {}).get("taints") or []
                      if t.get("effect") == "NoExecute" and not _tolerates(spec.get("tolerations"), t)), None)
        if taint is not None:
            self._status(key, uid, phase="Failed", reason="TaintToleration", startTime=_now(),
                         message="Pod was rejected: Predicate TaintToleration failed: node(s) had untolerated taint "
                                 "{%s: %s}" % (taint.get("key"), taint.get("value", "")))
            return
        # the node's namespace: the first data-plane entry (node -> [(netns, iface, network)])
        entries = self.cluster.dataplane.mapping.get(node_name) or []
        netns = entries[0][0] if entries else None
        image = pod["spec"]["containers"][0]["image"]
        registry = image.split("/", 1)[0] if "/" in image else ""
        if netns is None or registry.endswith(".invalid"):
            why = ("lab: node %s has no data plane (start the lab with --dataplane %s=NETNS:IFACE)"
                   % (node_name, node_name) if netns is None else
                   "dial tcp: lookup %s: no such host" % registry)
            msg = 'Failed to pull image "%s": %s' % (image, why)
            if not self._status(key, uid, phase="Pending", **dict(base, containerStatuses=self._container(
                    pod, waiting={"reason": "ErrImagePull", "message": msg}))):
                return
            time.sleep(STEP * 5)
            self._status(key, uid, phase="Pending", **dict(base, containerStatuses=self._container(
                pod, waiting={"reason": "ImagePullBackOff", "message": 'Back-off pulling image "%s"' % image})))
            return
        if not spec.get("hostNetwork"):
            self._status(key, uid, phase="Pending", **dict(base, containerStatuses=self._container(
                pod, waiting={"reason": "CreateContainerError",
                              "message": "lab: only hostNetwork pods run (the lab has no pod network)"})))
            return
        started = _now()
        if not self._status(key, uid, phase="Running", **dict(base, containerStatuses=self._container(
                pod, running={"startedAt": started}))):
            return
        c = pod["spec"]["containers"][0]
        argv = ["ip", "netns", "exec", netns] + list(c.get("command") or []) + list(c.get("args") or [])
        deadline = spec.get("activeDeadlineSeconds") or 600
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        except OSError as exc:
            self._status(key, uid, phase="Pending", **dict(base, containerStatuses=self._container(
                pod, waiting={"reason": "RunContainerError", "message": str(exc)})))
            return
        with self.lock:
            self.procs[key] = proc
        try:
            out = proc.communicate(timeout=deadline)[0]
            expired = False
        except subprocess.TimeoutExpired:
            proc.kill()
            out = proc.communicate()[0]
            expired = True
        finally:
            with self.lock:
                self.procs.pop(key, None)
        if self._pod(key) is None:
            return
        with self.lock:
            self.logs[key] = out.decode(errors="replace")
        code = proc.returncode
        term = {"exitCode": code if code >= 0 else 137, "reason": "Completed" if code == 0 else "Error",
                "startedAt": started, "finishedAt": _now()}
        if expired:
            self._status(key, uid, phase="Failed", reason="DeadlineExceeded",
                         message="Pod was active on the node longer than the specified deadline",
                         **dict(base, containerStatuses=self._container(pod, terminated=term)))
            return
        self._status(key, uid, phase="Succeeded" if code == 0 else "Failed",
                     **dict(base, containerStatuses=self._container(pod, terminated=term)))

    # -- the API's view -----------------------------------------------------------------
    def log(self, namespace, name):
        """GET pods/NAME/log: the container's output; 400 while it has not started."""
        pod = self.cluster.store.get(POD, namespace, name)
        with self.lock:
            text = self.logs.get((namespace, name))
        if text is not None:
            return text
        status = pod.get("status") or {}
        container = (pod["spec"].get("containers") or [{}])[0].get("name")
        if status.get("phase") == "Running":
            return ""
        waiting = next(((s.get("state") or {}).get("waiting") for s in status.get("containerStatuses") or []
                        if (s.get("state") or {}).get("waiting")), None)
        reason = waiting.get("reason") if waiting else "ContainerCreating"
        raise errors.ApiError(400, 'container "%s" in pod "%s" is waiting to start: %s' % (container, name, reason),
                              "BadRequest")

    def deleted(self, namespace, name):
        key = (namespace, name)
        with self.lock:
            self.logs.pop(key, None)
            proc = self.procs.get(key)
        if proc is not None:
            try:
                proc.kill()
            except OSError:
                pass

    def gc(self):
        """Pod GC: delete pods bound to nodes that do not exist (called from reconcile)."""
        store = self.cluster.store
        nodes = set(n["metadata"]["name"] for n in store.items(NODE))
        for pod in list(store.items(POD)):
            node = (pod.get("spec") or {}).get("nodeName")
            if node and node not in nodes:
                meta = pod["metadata"]
                store.delete(POD, meta["namespace"], meta["name"])
                self.deleted(meta["namespace"], meta["name"])
                self.cluster.events.log("I", "podgc", "deleted pod %s/%s: node %s does not exist"
                                        % (meta["namespace"], meta["name"], node))

    def stop(self):
        with self.lock:
            procs = list(self.procs.values())
        for proc in procs:
            try:
                proc.kill()
            except OSError:
                pass
