"""HTTP(S) server: routing of the Kubernetes REST paths, bearer-token auth, the /_lab control
API. Listens on 127.0.0.1 only."""
import base64
import http.server
import json
import socketserver
import ssl
import sys
import time
import traceback
from urllib.parse import parse_qs, urlsplit

from . import errors, kinds
from .faults import Faults, fault_error
from .selectors import parse_fields, parse_labels
from .stats import Stats

ANONYMOUS = ("/version", "/healthz", "/readyz", "/livez")
NODE = kinds.BY_KIND["Node"]


class LabServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    verbose = False

    def __init__(self, cluster, token, port=0, tls_context=None):
        self.cluster, self.token = cluster, token
        self.stats, self.faults = Stats(), Faults()
        super().__init__(("127.0.0.1", port), Handler)
        if tls_context is not None:
            self.socket = tls_context.wrap_socket(self.socket, server_side=True,
                                                  do_handshake_on_connect=False)
        self.scheme = "https" if tls_context is not None else "http"

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % (self.scheme, self.server_address[1])

    def handle_error(self, request, client_address):
        pass  # broken connections, failed TLS handshakes: nothing to report


def route(path):
    """-> ('discovery', doc) or ('resource', kind, namespace, name, subresource); ApiError 404."""
    parts = [p for p in path.split("/") if p]
    missing = errors.ApiError(404, "the server could not find the requested resource", "NotFound")
    if not parts or parts[0] not in ("api", "apis"):
        raise missing
    if parts[0] == "api":
        if len(parts) == 1:
            return ("discovery", kinds.core_versions())
        group, version, rest = "", parts[1], parts[2:]
    else:
        if len(parts) == 1:
            return ("discovery", kinds.group_list())
        if len(parts) == 2:
            doc = kinds.group_doc(parts[1])
            if doc is None:
                raise missing
            return ("discovery", doc)
        group, version, rest = parts[1], parts[2], parts[3:]
    if not rest:
        doc = kinds.resource_list(group, version)
        if doc is None:
            raise missing
        return ("discovery", doc)
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3:
        kind = kinds.BY_PATH.get((group, version, rest[2]))
        if kind is not None and kind.namespaced:
            namespace, rest = rest[1], rest[2:]
    kind = kinds.BY_PATH.get((group, version, rest[0]))
    if kind is None or len(rest) > 3:
        raise missing
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else None
    if sub is not None and not ((sub == "status" and kind.status) or (sub == "log" and kind.kind == "Pod")):
        raise missing
    return ("resource", kind, namespace, name, sub)


def verb_of(method, name, query):
    if method == "GET":
        if name:
            return "get"
        return "watch" if query.get("watch", [""])[0] in ("1", "true", "True") else "list"
    if method == "POST" and not name:
        return "create"
    if method == "PUT" and name:
        return "update"
    if method == "PATCH" and name:
        return "patch"
    if method == "DELETE":
        return "delete" if name else "deletecollection"
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, the client's delayed
    # ACK adds ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True
    server_version = "ocp-egressip-lab/1"

    def log_message(self, fmt, *args):
        pass

    # -- plumbing ------------------------------------------------------------------------
    def _send(self, code, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self.wfile.write(data)

    def _error(self, exc):
        self._send(exc.code, exc.body())

    def log_request(self, code="-", size="-"):
        if self.server.verbose:
            sys.stderr.write("%s %s %s\n" % (self.command, self.path, code))
            sys.stderr.flush()

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json(self, raw):
        try:
            return json.loads(raw or b"null")
        except ValueError as exc:
            raise errors.ApiError(400, "couldn't decode the request body as JSON: %s" % exc)

    def _typed(self, kind, raw):
        """The request body; 400 when it names another kind or API version, as the real server."""
        body = self._json(raw)
        if isinstance(body, dict):
            if body.get("apiVersion") not in (None, "", kind.api_version):
                raise errors.ApiError(400, "the API version in the data (%s) does not match the expected "
                                      "API version (%s)" % (body["apiVersion"], kind.api_version), "BadRequest")
            if body.get("kind") not in (None, "", kind.kind):
                raise errors.ApiError(400, "the kind in the data (%s) does not match the expected kind (%s)"
                                      % (body["kind"], kind.kind), "BadRequest")
        return body

    def _authorized(self, path):
        if path in ANONYMOUS and "Authorization" not in self.headers:
            return True
        return self.headers.get("Authorization", "") == "Bearer " + self.server.token

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method):
        url = urlsplit(self.path)
        path, query = url.path.rstrip("/") or "/", parse_qs(url.query)
        raw = self._body()
        if not self._authorized(path):
            return self._error(errors.ApiError(401, "Unauthorized", "Unauthorized"))
        try:
            if self.headers.get("X-Lab-Settle"):
                # the test helpers' view: after the asynchronous controllers caught up
                self.server.cluster.settle()
            if path.startswith("/_lab/") or path == "/_lab":
                return self._control(method, path, raw)
            if path == "/version":
                return self._send(200, kinds.VERSION)
            if path in ("/healthz", "/readyz", "/livez"):
                return self._send(200, b"ok", "text/plain")
            if path.startswith("/openapi"):
                raise errors.ApiError(404, "the server could not find the requested resource", "NotFound")
            return self._api(method, path, query, raw)
        except errors.ApiError as exc:
            return self._error(exc)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True     # the client gave up (its timeout): nothing to answer
        except Exception as exc:  # a lab bug: answer 500 and say so on stderr
            traceback.print_exc()
            return self._error(errors.ApiError(500, "Internal error occurred: lab bug: %r" % exc))

    # -- the Kubernetes API ----------------------------------------------------------------
    def _api(self, method, path, query, raw):
        entry = {"method": method, "path": self.path, "verb": None, "kind": None, "group": None,
                 "namespace": None, "name": None, "subresource": None, "status": None,
                 "user_agent": self.headers.get("User-Agent", ""),
                 "content_type": self.headers.get("Content-Type")}
        try:
            routed = route(path)
        except errors.ApiError as exc:
            entry.update(verb="discovery" if method == "GET" else method.lower(), status=exc.code)
            self.server.stats.record(entry)
            raise
        if routed[0] == "discovery":
            if method != "GET":
                raise errors.ApiError(405, "method not allowed", "MethodNotAllowed")
            self.server.stats.record(dict(entry, verb="discovery", status=200))
            return self._send(200, routed[1])
        kind, namespace, name, sub = routed[1:]
        verb = verb_of(method, name, query)
        dry_run = "All" in query.get("dryRun", [])
        entry.update(verb=verb or method.lower(), kind=kind.kind, group=kind.group,
                     namespace=namespace, name=name, subresource=sub, dry_run=dry_run)
        entry = self.server.stats.record(entry, dry_run=dry_run)
        try:
            if verb == "watch" and not sub:
                return self._watch(kind, namespace, query, entry)
            if verb is None or verb == "watch" or (sub and verb not in ("get", "update", "patch")) \
                    or (sub == "log" and verb != "get"):
                raise errors.ApiError(405, "the server does not allow this method on the requested "
                                      "resource", "MethodNotAllowed")
            fault = self.server.faults.take(verb, kind, name, sub)
            if fault and fault["hang"] is not None:
                time.sleep(fault["hang"])
            elif fault:
                raise fault_error(fault, kind, name)
            if sub == "log":
                entry["status"] = 200
                return self._send(200, self.server.cluster.kubelet.log(namespace, name).encode(), "text/plain")
            code, body = self._apply(verb, kind, namespace, name, sub, query, raw, dry_run)
        except errors.ApiError as exc:
            entry["status"] = exc.code
            raise
        entry["status"] = code
        self._send(code, body)

    def _watch(self, kind, namespace, query, entry):
        """Stream ADDED/MODIFIED/DELETED events as JSON lines (chunked) until timeoutSeconds."""
        store = self.server.cluster.store
        try:
            timeout = float(query.get("timeoutSeconds", ["60"])[0])
            since = query.get("resourceVersion", [""])[0]
            lmatch = parse_labels(query.get("labelSelector", [""])[0] or "")
            fmatch = parse_fields(query.get("fieldSelector", [""])[0] or "")
        except ValueError as exc:
            raise errors.ApiError(400, str(exc), "BadRequest")
        with store.lock:
            if since in ("", "0"):
                items, rv = store.list(kind, namespace)
                pending = [("ADDED", obj) for obj in items]
                last = int(rv)
            else:
                pending, last = [], int(since)
        entry["status"] = 200
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        deadline = time.monotonic() + timeout
        try:
            while True:
                for event, obj in pending:
                    meta = obj.get("metadata") or {}
                    if namespace and meta.get("namespace") != namespace:
                        continue
                    if not lmatch(meta.get("labels")) or not fmatch(obj):
                        continue
                    data = (json.dumps({"type": event, "object": obj}) + "\n").encode()
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                with store.lock:
                    changes = store.changes_since(last, kind)
                    if not changes:
                        store.changed.wait(min(remaining, 1.0))
                        changes = store.changes_since(last, kind)
                    last = max([last] + [c[0] for c in changes])
                pending = [change[1:] for change in changes]
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _apply(self, verb, kind, namespace, name, sub, query, raw, dry_run):
        cluster = self.server.cluster
        store = cluster.store
        if kind.namespaced and verb in ("get", "update", "patch", "delete") and not namespace:
            raise errors.not_found(kind, name)
        if verb == "get":
            return 200, store.get(kind, namespace, name)
        if verb == "list":
            try:
                limit = int(query.get("limit", ["0"])[0] or 0)
                token = query.get("continue", [""])[0]
                after = json.loads(base64.urlsafe_b64decode(token.encode())) if token else None
            except ValueError:
                raise errors.ApiError(400, "invalid limit or continue parameter", "BadRequest")
            try:
                items, rv, last, remaining = store.page(
                    kind, namespace, query.get("labelSelector", [""])[0],
                    query.get("fieldSelector", [""])[0], limit=max(limit, 0), after=after)
            except ValueError as exc:
                raise errors.ApiError(400, str(exc), "BadRequest")
            meta = {"resourceVersion": rv}
            if last is not None:
                meta["continue"] = base64.urlsafe_b64encode(json.dumps(list(last)).encode()).decode()
                meta["remainingItemCount"] = remaining
            return 200, {"kind": kind.kind + "List", "apiVersion": kind.api_version,
                         "metadata": meta, "items": items}
        with cluster.lock, store.lock:
            saved = (dict(store.objects), store.rv) if dry_run else None
            try:
                if verb == "create":
                    obj = self._typed(kind, raw)
                    if kind.kind == "Pod":
                        cluster.kubelet.admit(obj)   # SCC admission runs before the object is stored
                    code, body = 201, store.create(kind, obj, namespace)
                elif verb == "update":
                    code, body = 200, store.replace(kind, namespace, name, self._typed(kind, raw), sub)
                elif verb == "patch":
                    code, body = 200, store.patch(kind, namespace, name, raw,
                                                  self.headers.get("Content-Type"), sub)
                elif verb == "delete":
                    options = self._json(raw) if raw else {}
                    pre = options.get("preconditions") if isinstance(options, dict) else None
                    code, body = 200, store.delete(kind, namespace, name, pre)
                    if kind.kind == "Pod" and not dry_run:
                        cluster.kubelet.deleted(namespace, name)
                else:  # deletecollection
                    items = store.list(kind, namespace, query.get("labelSelector", [""])[0],
                                       query.get("fieldSelector", [""])[0])[0]
                    for item in items:
                        store.delete(kind, namespace or item["metadata"].get("namespace"),
                                     item["metadata"]["name"])
                    code, body = 200, {"kind": kind.kind + "List", "apiVersion": kind.api_version,
                                       "metadata": {"resourceVersion": str(store.rv)}, "items": items}
            except ValueError as exc:
                raise errors.ApiError(400, str(exc), "BadRequest")
            finally:
                if saved is not None:
                    store.objects, store.rv = saved
                    store.forget_after(store.rv)
            if not dry_run:
                cluster.changed()
                if verb == "create" and kind.kind == "Pod":
                    cluster.kubelet.started(body)
            return code, body

    # -- /_lab control API ---------------------------------------------------------------
    def _control(self, method, path, raw):
        srv, cluster = self.server, self.server.cluster
        parts = path.split("/")[2:]
        key = (method, parts[0] if parts else "")
        if key == ("GET", "stats"):
            return self._send(200, srv.stats.snapshot())
        if key == ("POST", "reset"):
            srv.stats.reset()
            return self._send(200, srv.stats.snapshot())
        if key == ("GET", "requests"):
            return self._send(200, srv.stats.requests())
        if key == ("GET", "events"):
            return self._send(200, cluster.events.all())
        if key == ("GET", "assignments"):
            cluster.settle()
            return self._send(200, cluster.assignments())
        if key == ("GET", "faults"):
            return self._send(200, srv.faults.list())
        if key == ("DELETE", "faults"):
            srv.faults.clear()
            return self._send(200, [])
        if key == ("POST", "faults"):
            try:
                rule = srv.faults.add(self._json(raw))
            except ValueError as exc:
                raise errors.ApiError(400, str(exc))
            return self._send(201, rule)
        if key == ("POST", "nodes") and len(parts) == 3 and parts[2] == "ready":
            body = self._json(raw) or {}
            return self._send(200, set_ready(cluster, parts[1], bool(body.get("ready", True))))
        if key == ("POST", "nodes") and len(parts) == 3 and parts[2] == "reachable":
            body = self._json(raw) or {}
            return self._send(200, set_reachable(cluster, parts[1], bool(body.get("reachable", True))))
        if key == ("POST", "settle"):
            cluster.settle()
            return self._send(200, cluster.assignments())
        if key == ("POST", "scc"):
            # {"privileged": false}: the requester may no longer use the privileged SCC
            cluster.kubelet.scc_privileged = bool((self._json(raw) or {}).get("privileged", True))
            return self._send(200, {"privileged": cluster.kubelet.scc_privileged})
        if key == ("POST", "reconcile"):
            cluster.reconcile()
            return self._send(200, cluster.assignments())
        raise errors.ApiError(404, "unknown lab endpoint %s %s" % (method, path), "NotFound")


def set_ready(cluster, name, ready):
    """Flip a Node's Ready condition as the lab (not counted as a client write)."""
    with cluster.lock:
        node = cluster.store.get(NODE, None, name)
        conds = node.setdefault("status", {}).setdefault("conditions", [])
        cond = next((c for c in conds if c.get("type") == "Ready"), None)
        if cond is None:
            cond = {"type": "Ready"}
            conds.append(cond)
        cond.update(status="True" if ready else "False",
                    reason="KubeletReady" if ready else "NodeStatusUnknown",
                    lastTransitionTime=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        node = cluster.store.put(NODE, node)
        cluster.reconcile()
        return node


def set_reachable(cluster, name, reachable):
    """Make a node's egress IP health check (OVN-Kubernetes, TCP 9107) fail or succeed, as the
    lab; the controller's periodic reachability check runs at once. Returns the assignments."""
    with cluster.lock:
        cluster.ovn.set_health(name, reachable)
        cluster.reconcile()
        return cluster.assignments()


def tls_context(cert_file, key_file):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_file, key_file)
    return ctx
