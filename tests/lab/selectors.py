"""Label selectors (=, ==, !=, in, notin, exists, !key) and the field selectors the lab
supports (metadata.name, metadata.namespace)."""
import re


class SelectorError(ValueError):
    """Unparsable selector: answered 400 BadRequest."""


_SET = re.compile(r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(notin|in)\s*\(([^)]*)\))?\s*$")
_EQ = re.compile(r"^\s*([A-Za-z0-9_./-]+)\s*(==|=|!=)\s*([A-Za-z0-9_.-]*)\s*$")


def _split(text):
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def parse_labels(text):
    """Return a predicate on a labels dict."""
    reqs = []
    for part in _split(text or ""):
        m = _EQ.match(part)
        if m:
            key, op, val = m.groups()
            reqs.append((key, "!=" if op == "!=" else "=", {val}))
            continue
        m = _SET.match(part)
        if not m:
            raise SelectorError("unable to parse requirement: %r" % part.strip())
        neg, key, op, vals = m.groups()
        if op:
            if neg:
                raise SelectorError("unable to parse requirement: %r" % part.strip())
            reqs.append((key, op, {v.strip() for v in vals.split(",") if v.strip()}))
        else:
            reqs.append((key, "!" if neg else "exists", None))

    def match(labels):
        labels = labels or {}
        for key, op, vals in reqs:
            has = key in labels
            if op == "=" and not (has and labels[key] in vals):
                return False
            if op == "!=" and has and labels[key] in vals:
                return False
            if op == "in" and not (has and labels[key] in vals):
                return False
            if op == "notin" and has and labels[key] in vals:
                return False
            if op == "exists" and not has:
                return False
            if op == "!" and has:
                return False
        return True
    return match


FIELDS = {"metadata.name": ("metadata", "name"), "metadata.namespace": ("metadata", "namespace")}


def parse_fields(text):
    reqs = []
    for part in _split(text or ""):
        m = re.match(r"^\s*([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*?)\s*$", part)
        if not m:
            raise SelectorError("invalid selector: %r" % part)
        field, op, val = m.groups()
        if field not in FIELDS:
            raise SelectorError('field label not supported: %s' % field)
        reqs.append((FIELDS[field], op != "!=", val))

    def match(obj):
        for (a, b), eq, val in reqs:
            actual = (obj.get(a) or {}).get(b) or ""
            if (actual == val) != eq:
                return False
        return True
    return match
