"""The object store: objects by (kind, namespace, name), a global resourceVersion counter,
create/replace/patch/delete with the real server's conflict rules, selectors on list."""
import collections
import copy
import datetime
import json
import threading
import uuid

from . import errors, patches, validation
from .selectors import parse_fields, parse_labels

PATCH_TYPES = {
    "application/merge-patch+json": "merge",
    "application/json-patch+json": "json",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
}


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _spec_part(obj):
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "kind", "apiVersion")}


class Store:
    def __init__(self):
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.objects = {}
        self.rv = 0
        self.changes = collections.deque(maxlen=20000)   # (rv, type, object) for watches

    def _record(self, event, obj):
        self.changes.append((self.rv, event, copy.deepcopy(obj)))
        self.changed.notify_all()

    def forget_after(self, rv):
        """Drop change records newer than rv (after a dry run)."""
        while self.changes and self.changes[-1][0] > rv:
            self.changes.pop()

    def changes_since(self, rv, kind):
        return [(v, event, copy.deepcopy(obj)) for v, event, obj in self.changes
                if v > rv and obj["kind"] == kind.kind]

    # -- helpers -----------------------------------------------------------------------
    def _key(self, kind, namespace, name):
        return (kind.kind, namespace if kind.namespaced else "", name)

    def _bump(self):
        self.rv += 1
        return str(self.rv)

    def _stamp(self, kind, obj):
        rest = {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}
        return dict({"kind": kind.kind, "apiVersion": kind.api_version}, **rest)

    def _check_rv(self, kind, old, new_meta, required):
        rv = new_meta.get("resourceVersion")
        if rv in (None, ""):
            if required:
                raise errors.invalid(kind, old["metadata"]["name"], [(
                    "metadata.resourceVersion", "Invalid value: 0x0: must be specified for an update")])
            return
        if str(rv) != old["metadata"]["resourceVersion"]:
            raise errors.conflict(kind, old["metadata"]["name"])

    def _validate(self, kind, obj):
        problems = validation.validate(kind, obj)
        if problems:
            raise errors.invalid(kind, (obj.get("metadata") or {}).get("name")
                                 if isinstance(obj, dict) else None, problems)

    def _commit(self, kind, old, new):
        """Store new (an update of old); bump resourceVersion/generation only on a change."""
        meta = new.setdefault("metadata", {})
        for f in ("uid", "creationTimestamp", "name", "resourceVersion", "generation"):
            if f in old["metadata"]:
                meta[f] = old["metadata"][f]
            else:
                meta.pop(f, None)
        if kind.namespaced:
            meta["namespace"] = old["metadata"]["namespace"]
        else:
            meta.pop("namespace", None)
        new = self._stamp(kind, new)
        if new == old:
            return copy.deepcopy(old)
        if _spec_part(new) != _spec_part(old) or (not kind.status and new.get("status") != old.get("status")):
            generation = old["metadata"].get("generation", 1)
            meta["generation"] = (generation if isinstance(generation, int) else 1) + 1
        meta["resourceVersion"] = self._bump()
        self.objects[self._key(kind, meta.get("namespace"), meta["name"])] = new
        self._record("MODIFIED", new)
        return copy.deepcopy(new)

    # -- reads -------------------------------------------------------------------------
    def get(self, kind, namespace, name):
        with self.lock:
            obj = self.objects.get(self._key(kind, namespace, name))
            if obj is None:
                raise errors.not_found(kind, name)
            return copy.deepcopy(obj)

    def find(self, kind, namespace, name):
        with self.lock:
            obj = self.objects.get(self._key(kind, namespace, name))
            return copy.deepcopy(obj) if obj is not None else None

    def items(self, kind):
        """The stored objects of a kind, NOT copied: for controllers that only read them."""
        with self.lock:
            return [obj for key, obj in self.objects.items() if key[0] == kind.kind]

    def list(self, kind, namespace=None, label_selector=None, field_selector=None):
        return self.page(kind, namespace, label_selector, field_selector)[:2]

    def page(self, kind, namespace=None, label_selector=None, field_selector=None, limit=None, after=None):
        """-> (items, resourceVersion, key of the last item if more remain, remaining count)."""
        with self.lock:
            lmatch = parse_labels(label_selector) if label_selector else None
            fmatch = parse_fields(field_selector) if field_selector else None
            items, last, remaining = [], None, 0
            for key, obj in sorted(self.objects.items()):
                if key[0] != kind.kind or (namespace and key[1] != namespace):
                    continue
                if after is not None and list(key) <= list(after):
                    continue
                if lmatch and not lmatch(obj["metadata"].get("labels")):
                    continue
                if fmatch and not fmatch(obj):
                    continue
                if limit and len(items) >= limit:
                    remaining += 1
                    continue
                items.append(copy.deepcopy(obj))
                last = key
            return items, str(self.rv), (last if remaining else None), remaining

    # -- writes ------------------------------------------------------------------------
    def create(self, kind, obj, namespace=None, keep_status=False):
        with self.lock:
            obj = copy.deepcopy(obj)
            if not isinstance(obj, dict):
                raise errors.invalid(kind, None, [("", "Invalid value: the body must be a JSON object")])
            meta = obj.setdefault("metadata", {}) if isinstance(obj.get("metadata", {}), dict) else None
            if meta is not None and not meta.get("name") and meta.get("generateName"):
                meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
            self._validate(kind, obj)
            name = meta["name"]
            if kind.namespaced:
                namespace = namespace or meta.get("namespace")
                if meta.get("namespace") and meta["namespace"] != namespace:
                    raise errors.ApiError(400, "the namespace of the provided object does not match "
                                          "the namespace sent on the request")
                if not namespace:
                    raise errors.invalid(kind, name, [("metadata.namespace", "Required value")])
                from .kinds import BY_KIND
                if self._key(BY_KIND["Namespace"], None, namespace) not in self.objects:
                    raise errors.ApiError(404, 'namespaces "%s" not found' % namespace, "NotFound",
                                          "namespaces", namespace, "")
                meta["namespace"] = namespace
            else:
                meta.pop("namespace", None)
            key = self._key(kind, namespace, name)
            if key in self.objects:
                raise errors.already_exists(kind, name)
            if kind.crd and kind.status and not keep_status:
                obj.pop("status", None)
            if kind.kind == "Namespace":
                obj.setdefault("spec", {"finalizers": ["kubernetes"]})
                obj["status"] = {"phase": "Active"}
            if kind.kind == "Pod" and not keep_status:
                # kubernetes pkg/registry/core/pod/strategy.go PrepareForCreate: phase Pending
                obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = now()
            meta["generation"] = 1
            meta["resourceVersion"] = self._bump()
            obj = self.objects[key] = self._stamp(kind, obj)
            self._record("ADDED", obj)
            return copy.deepcopy(obj)

    def replace(self, kind, namespace, name, body, subresource=None):
        with self.lock:
            old = self.get(kind, namespace, name)
            if not isinstance(body, dict) or not isinstance(body.get("metadata", {}), dict):
                raise errors.invalid(kind, name, [("", "Invalid value: the body must be a JSON object")])
            body_name = (body.get("metadata") or {}).get("name")
            if body_name and body_name != name:
                raise errors.ApiError(400, "the name of the object (%s) does not match the name on "
                                      "the URL (%s)" % (body_name, name))
            self._check_rv(kind, old, body.get("metadata") or {}, required=not kind.unconditional)
            if subresource == "status":
                new = copy.deepcopy(old)
                new["status"] = copy.deepcopy(body.get("status"))
                if new["status"] is None:
                    new.pop("status")
            else:
                new = copy.deepcopy(body)
                new.setdefault("metadata", {})["name"] = name
                if kind.status:
                    new.pop("status", None)
                    if "status" in old:
                        new["status"] = copy.deepcopy(old["status"])
            self._validate(kind, new)
            return self._commit(kind, old, new)

    def patch(self, kind, namespace, name, body, content_type, subresource=None):
        with self.lock:
            ptype = PATCH_TYPES.get((content_type or "").split(";")[0].strip())
            if ptype is None or ptype == "apply" or (ptype == "strategic" and kind.crd):
                raise errors.unsupported_patch(kind)
            try:
                doc = json.loads(body or b"null")
            except ValueError as exc:
                raise errors.ApiError(400, "error decoding patch: %s" % exc)
            old = self.get(kind, namespace, name)
            try:
                if ptype == "merge":
                    if not isinstance(doc, dict):
                        raise patches.PatchError("a merge patch must be a JSON object")
                    new = patches.merge_patch(old, doc)
                elif ptype == "strategic":
                    if not isinstance(doc, dict):
                        raise patches.PatchError("a strategic merge patch must be a JSON object")
                    new = patches.strategic_merge_patch(old, doc)
                else:
                    new = patches.json_patch(old, doc)
            except patches.PatchError as exc:
                raise errors.ApiError(422, str(exc), "Invalid", kind.kind, name, kind.group)
            if not isinstance(new, dict) or not isinstance(new.get("metadata"), dict):
                raise errors.invalid(kind, name, [("metadata", "Required value")])
            self._check_rv(kind, old, new["metadata"], required=False)
            if new["metadata"].get("name") != name:
                raise errors.invalid(kind, name, [("metadata.name", "Invalid value: field is immutable")])
            if subresource == "status":
                status = new.get("status")
                new = copy.deepcopy(old)
                new.pop("status", None)
                if status is not None:
                    new["status"] = status
            elif kind.status:
                new.pop("status", None)
                if "status" in old:
                    new["status"] = copy.deepcopy(old["status"])
            self._validate(kind, new)
            return self._commit(kind, old, new)

    def delete(self, kind, namespace, name, preconditions=None):
        with self.lock:
            key = self._key(kind, namespace, name)
            obj = self.objects.get(key)
            if obj is None:
                raise errors.not_found(kind, name)
            pre = preconditions or {}
            for field, label in (("resourceVersion", "ResourceVersion"), ("uid", "UID")):
                if pre.get(field) and str(pre[field]) != obj["metadata"].get(field):
                    raise errors.ApiError(
                        409, 'Operation cannot be fulfilled on %s "%s": Precondition failed: %s in '
                        "precondition: %s, %s in object meta: %s" % (
                            errors.resource_ref(kind), name, label, pre[field], label,
                            obj["metadata"].get(field)), "Conflict", kind.plural, name, kind.group)
            del self.objects[key]
            self._bump()
            self._record("DELETED", dict(obj, metadata=dict(obj["metadata"], resourceVersion=str(self.rv))))
            if kind.kind == "Namespace":
                for other in [k for k in self.objects if k[1] == name and k[1]]:
                    gone = self.objects.pop(other)
                    self._bump()
                    self._record("DELETED", dict(gone, metadata=dict(gone["metadata"], resourceVersion=str(self.rv))))
            return copy.deepcopy(obj)

    # -- controller writes ---------------------------------------------------------------
    def put(self, kind, obj):
        """Create or update without the client rules (used by scenarios and controllers)."""
        with self.lock:
            meta = obj["metadata"]
            old = self.objects.get(self._key(kind, meta.get("namespace"), meta["name"]))
            if old is None:
                return self.create(kind, obj, meta.get("namespace"), keep_status=True)
            return self._commit(kind, old, copy.deepcopy(obj))
