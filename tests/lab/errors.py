"""Errors answered as Kubernetes ``Status`` objects (kind Status, apiVersion v1)."""

REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
           405: "MethodNotAllowed", 409: "Conflict", 415: "UnsupportedMediaType",
           422: "Invalid", 429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable",
           504: "Timeout"}


class ApiError(Exception):
    def __init__(self, code, message, reason=None, kind=None, name=None, group=None, causes=None):
        super().__init__(message)
        self.code, self.message = code, message
        self.reason = reason or REASONS.get(code, "Unknown")
        self.kind, self.name, self.group, self.causes = kind, name, group, causes

    def body(self):
        status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": self.message, "reason": self.reason, "code": self.code}
        details = {}
        if self.name is not None:
            details["name"] = self.name
        if self.group is not None:
            details["group"] = self.group
        if self.kind is not None:
            details["kind"] = self.kind
        if self.causes:
            details["causes"] = self.causes
        if details:
            status["details"] = details
        return status


def resource_ref(kind):
    """'hostsubnets.network.openshift.io' or 'nodes' as the real messages spell it."""
    return kind.plural + ("." + kind.group if kind.group else "")


def not_found(kind, name):
    return ApiError(404, '%s "%s" not found' % (resource_ref(kind), name), "NotFound",
                    kind.plural, name, kind.group)


def already_exists(kind, name):
    return ApiError(409, '%s "%s" already exists' % (resource_ref(kind), name), "AlreadyExists",
                    kind.plural, name, kind.group)


def conflict(kind, name):
    return ApiError(409, 'Operation cannot be fulfilled on %s "%s": the object has been modified; '
                    "please apply your changes to the latest version and try again"
                    % (resource_ref(kind), name), "Conflict", kind.plural, name, kind.group)


def invalid(kind, name, causes):
    """causes: list of (field, message)."""
    text = "; ".join("%s: %s" % c for c in causes)
    label = kind.kind + ("." + kind.group if kind.group else "")
    return ApiError(422, '%s "%s" is invalid: %s' % (label, name or "", text), "Invalid", kind.kind,
                    name or "", kind.group,
                    [{"reason": "FieldValueInvalid", "message": m, "field": f} for f, m in causes])


def unsupported_patch(kind):
    return ApiError(415, "the body of the request was in an unknown format - accepted media types "
                    "include: application/json-patch+json, application/merge-patch+json, "
                    "application/apply-patch+yaml", "UnsupportedMediaType")
