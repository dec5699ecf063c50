"""A small stand-in for the AWX / Automation Controller REST API (v2) on 127.0.0.1, enough for
the awx.awx modules that playbooks/awx/configure.yml calls to run for real (not in check mode):
list/detail/create/update/delete of the object kinds, name lookups, sub-lists with
associate/disassociate, survey specs and approval templates.

Like the real server it answers with X-API-Product-Name/Version, pages lists, and refuses a
survey spec that AWX would refuse (the rules of JobTemplateSurveySpec._validate_spec_data in
ansible/awx awx/api/views/__init__.py, commit 047880b5: name/description/spec present, every
question with type, question_name, variable and required, unique variables, known types, a
default of the question's type, integer min/max, choices for multiplechoice with the default
among them). It is not AWX: no RBAC, no job runs, no server-side defaults beyond what the
modules read back.
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlparse

API = "/api/v2/"
TYPES = {
    "organizations": "organization", "inventories": "inventory", "credentials": "credential",
    "projects": "project", "execution_environments": "execution_environment", "job_templates": "job_template",
    "workflow_job_templates": "workflow_job_template", "workflow_job_template_nodes": "workflow_job_template_node",
    "workflow_approval_templates": "workflow_approval_template", "labels": "label", "instance_groups": "instance_group",
    "notification_templates": "notification_template",
}
UNIFIED = ("job_templates", "workflow_job_templates", "projects", "workflow_approval_templates")
# sub-list name -> collection of its members
SUBLISTS = {
    "credentials": "credentials", "labels": "labels", "instance_groups": "instance_groups",
    "success_nodes": "workflow_job_template_nodes", "failure_nodes": "workflow_job_template_nodes",
    "always_nodes": "workflow_job_template_nodes", "workflow_nodes": "workflow_job_template_nodes",
    "notification_templates_started": "notification_templates", "notification_templates_success": "notification_templates",
    "notification_templates_error": "notification_templates", "notification_templates_approvals": "notification_templates",
}
SURVEY_TYPES = {"text": str, "textarea": str, "password": str, "multiplechoice": str, "multiselect": str,
                "integer": int, "float": (float, int)}
VERSION = "24.6.1"


def survey_errors(spec):
    """What AWX would answer 400 for (see the module docstring), or None."""
    for field, kind in (("name", str), ("description", str), ("spec", list)):
        if not isinstance(spec.get(field), kind):
            return "field %r missing or not a %s" % (field, kind.__name__)
    if not spec["spec"]:
        return "'spec' doesn't contain any items"
    seen = set()
    for idx, q in enumerate(spec["spec"]):
        for field in ("type", "question_name", "variable", "required"):
            if field not in q:
                return "%r missing from survey question %d" % (field, idx)
            if not isinstance(q[field], bool if field == "required" else str):
                return "%r in survey question %d has the wrong type" % (field, idx)
        if q["variable"] in seen:
            return "variable %r duplicated in survey question %d" % (q["variable"], idx)
        seen.add(q["variable"])
        if q["type"] not in SURVEY_TYPES:
            return "%r in survey question %d is not a question type" % (q["type"], idx)
        if q.get("default", "") != "" and not isinstance(q["default"], SURVEY_TYPES[q["type"]]):
            return "default %r in survey question %d is not a %s" % (q["default"], idx, q["type"])
        for key in ("min", "max"):
            if q.get(key) is not None and not isinstance(q[key], int):
                return "%s of survey question %d is not an integer" % (key, idx)
        if q["type"] in ("multiplechoice", "multiselect"):
            if "choices" not in q:
                return "survey question %d of type %s must specify choices" % (idx, q["type"])
            choices = q["choices"].splitlines() if isinstance(q["choices"], str) else q["choices"]
            defaults = str(q.get("default", "")).splitlines()
            if q["type"] == "multiplechoice" and len(defaults) > 1:
                return "multiple choice question %d can only have one default" % idx
            if any(d not in choices for d in defaults):
                return "default choice of question %d must be one of the choices" % idx
    return None


class Store(object):
    def __init__(self):
        self.lock = threading.Lock()
        self.objects = {name: {} for name in TYPES}
        self.members = {}        # (collection, id, sub-list) -> [member ids]
        self.surveys = {}        # (collection, id) -> survey spec
        self.requests = []       # (method, path) in order
        self.next_id = 1

    def add(self, collection, **fields):
        oid, self.next_id = self.next_id, self.next_id + 1
        url = "%s%s/%d/" % (API, collection, oid)
        related = {name: url + name + "/" for name in SUBLISTS}
        related["survey_spec"] = url + "survey_spec/"
        obj = dict(fields, id=oid, type=TYPES[collection], url=url, related=related, summary_fields={})
        self.objects[collection][oid] = obj
        return obj

    def find(self, collection, **fields):
        return [o for o in self.objects[collection].values() if all(o.get(k) == v for k, v in fields.items())]

    def members_of(self, collection, oid, sub):
        return [self.objects[SUBLISTS[sub]][m] for m in self.members.get((collection, oid, sub), [])]


def _matches(obj, query):
    either = [(k[4:], v) for k, v in query.items() if k.startswith("or__")]
    if either and not any(str(obj.get(k)) == v for k, v in either):
        return False
    for key, value in query.items():
        if key.startswith("or__") or key in ("page", "page_size", "order_by"):
            continue
        if str(obj.get(key)) != value:
            return False
    return True


class Handler(BaseHTTPRequestHandler):
    store = None  # set per server

    def log_message(self, *args):
        pass

    def _send(self, status, doc=None):
        body = b"" if doc is None else json.dumps(doc).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-API-Product-Name", "AWX")
        self.send_header("X-API-Product-Version", VERSION)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}") if length else {}

    def _route(self):
        url = urlparse(self.path)
        parts = [p for p in url.path[len(API):].split("/") if p] if url.path.startswith(API) else None
        return parts, dict(parse_qsl(url.query))

    def _handle(self, method):
        parts, query = self._route()
        store = self.store
        with store.lock:
            store.requests.append((method, self.path))
            if not parts or parts[0] not in TYPES and parts[0] != "unified_job_templates":
                return self._send(404, {"detail": "Not found."})
            collection = parts[0]
            if len(parts) == 1:
                return self._collection(method, collection, query)
            obj = store.objects.get(collection, {}).get(int(parts[1])) if parts[1].isdigit() else None
            if obj is None:
                return self._send(404, {"detail": "Not found."})
            if len(parts) == 2:
                return self._detail(method, collection, obj)
            return self._sub(method, collection, obj, parts[2])

    def _collection(self, method, collection, query):
        store = self.store
        if method == "GET":
            pool = ([o for c in UNIFIED for o in store.objects[c].values()] if collection == "unified_job_templates"
                    else list(store.objects[collection].values()))
            found = [o for o in pool if _matches(o, query)]
            return self._send(200, {"count": len(found), "next": None, "previous": None, "results": found})
        if method == "POST" and collection in TYPES:
            body = self._body()
            if "name" not in body and collection != "workflow_job_template_nodes":
                return self._send(400, {"name": ["This field is required."]})
            return self._send(201, store.add(collection, **body))
        return self._send(405, {"detail": "Method not allowed."})

    def _detail(self, method, collection, obj):
        if method == "GET":
            return self._send(200, obj)
        if method in ("PATCH", "PUT"):
            obj.update({k: v for k, v in self._body().items() if k not in ("id", "url", "related", "type")})
            return self._send(200, obj)
        if method == "DELETE":
            del self.store.objects[collection][obj["id"]]
            return self._send(204)
        return self._send(405, {"detail": "Method not allowed."})

    def _sub(self, method, collection, obj, sub):
        store = self.store
        key = (collection, obj["id"])
        if sub == "survey_spec":
            if method == "GET":
                return self._send(200, store.surveys.get(key, {}))
            if method == "POST":
                spec = self._body()
                error = survey_errors(spec)
                if error:
                    return self._send(400, {"error": error})
                store.surveys[key] = spec
                return self._send(200, None)
            if method == "DELETE":
                store.surveys.pop(key, None)
                return self._send(200, None)
        if sub == "create_approval_template" and collection == "workflow_job_template_nodes" and method == "POST":
            body = self._body()
            if not body.get("name"):
                return self._send(400, {"name": ["This field is required."]})
            approval = store.add("workflow_approval_templates", **body)
            obj["unified_job_template"] = approval["id"]
            obj["related"]["unified_job_template"] = approval["url"]
            return self._send(201, approval)
        if sub in SUBLISTS:
            if method == "GET":
                found = store.members_of(collection, obj["id"], sub)
                return self._send(200, {"count": len(found), "next": None, "previous": None, "results": found})
            if method == "POST":
                body = self._body()
                member = store.objects[SUBLISTS[sub]].get(body.get("id"))
                if member is None:
                    return self._send(400, {"msg": "no %s with id %s" % (SUBLISTS[sub], body.get("id"))})
                ids = store.members.setdefault((collection, obj["id"], sub), [])
                if body.get("disassociate"):
                    ids.remove(member["id"])
                elif member["id"] not in ids:
                    ids.append(member["id"])
                return self._send(204)
        return self._send(404, {"detail": "Not found."})

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_PUT(self):
        self._handle("PUT")

    def do_DELETE(self):
        self._handle("DELETE")


class FakeController(object):
    """with FakeController() as ctl: ctl.url, ctl.store"""

    def __init__(self):
        self.store = Store()
        handler = type("BoundHandler", (Handler,), {"store": self.store})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
