"""Injected faults (POST /_lab/faults): the next N matching API requests answer an error
status without applying anything, or hang S seconds before being served normally."""
import threading

from .errors import ApiError, conflict

VERBS = ("get", "list", "create", "update", "patch", "delete", "deletecollection", "watch")


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []

    def add(self, rule):
        if not isinstance(rule, dict):
            raise ValueError("a fault is a JSON object")
        verb = (rule.get("verb") or "").lower() or None
        if verb is not None and verb not in VERBS:
            raise ValueError("verb must be one of %s" % ", ".join(VERBS))
        status, hang = rule.get("status"), rule.get("hang")
        if (status is None) == (hang is None):
            raise ValueError("give exactly one of status or hang")
        if status is not None and (not isinstance(status, int) or not 400 <= status <= 599):
            raise ValueError("status must be an HTTP error code (400-599)")
        if hang is not None and (not isinstance(hang, (int, float)) or not 0 <= hang <= 600):
            raise ValueError("hang is seconds (0-600)")
        count = rule.get("count", 1)
        if not isinstance(count, int) or count < 1:
            raise ValueError("count must be a positive integer")
        after = rule.get("after", 0)
        if not isinstance(after, int) or after < 0:
            raise ValueError("after must be a non-negative integer")
        # after: let that many matching requests through first (e.g. a token revoked between
        # a run's first writes and its rollback)
        clean = {"verb": verb, "kind": rule.get("kind"), "name": rule.get("name"),
                 "subresource": rule.get("subresource"), "status": status, "hang": hang, "count": count,
                 "after": after}
        with self.lock:
            self.rules.append(clean)
        return clean

    def clear(self):
        with self.lock:
            self.rules = []

    def list(self):
        with self.lock:
            return [dict(r) for r in self.rules]

    def take(self, verb, kind, name, subresource=None):
        """Return the first matching rule (and count it down), or None. A rule with a subresource
        (e.g. "log") matches only requests to it."""
        with self.lock:
            for rule in self.rules:
                if rule["verb"] and rule["verb"] != verb:
                    continue
                if rule["kind"] and kind is None:
                    continue
                if rule["kind"] and rule["kind"].lower() not in (kind.kind.lower(), kind.plural):
                    continue
                if rule["name"] and rule["name"] != name:
                    continue
                if rule.get("subresource") and rule["subresource"] != subresource:
                    continue
                if rule.get("after"):
                    rule["after"] -= 1
                    continue
                rule["count"] -= 1
                if rule["count"] <= 0:
                    self.rules.remove(rule)
                return dict(rule)
        return None


def fault_error(rule, kind, name):
    status = rule["status"]
    if status == 409 and kind is not None:
        return conflict(kind, name or "")
    if status == 503:
        return ApiError(503, "the server is currently unable to handle the request (injected fault)")
    if status == 429:
        return ApiError(429, "Too many requests, please try again later (injected fault)")
    if status == 500:
        return ApiError(500, "Internal error occurred: injected fault")
    return ApiError(status, "injected fault")
