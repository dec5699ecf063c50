"""Request counters (GET /_lab/stats) and the request log (GET /_lab/requests)."""
import datetime
import threading

VERBS = ("get", "list", "create", "update", "patch", "delete")
WRITES = ("create", "update", "patch", "delete", "deletecollection")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with getattr(self, "lock", threading.Lock()):
            self.writes = self.total = self.discovery = self.dry_run = 0
            self.by_verb = {v: 0 for v in VERBS}
            self.by_kind = {}
            self.log = []

    def record(self, entry, dry_run=False):
        """entry: dict with verb, kind (name or None), ... ; kept in the request log."""
        entry = dict(entry, time=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"))
        with self.lock:
            self.log.append(entry)
            verb, kind = entry["verb"], entry.get("kind")
            if verb == "discovery":
                self.discovery += 1
                return entry
            self.total += 1
            self.by_verb[verb] = self.by_verb.get(verb, 0) + 1
            if kind:
                per = self.by_kind.setdefault(kind, {})
                per[verb] = per.get(verb, 0) + 1
            if verb in WRITES:
                if dry_run:
                    self.dry_run += 1
                else:
                    self.writes += 1
        return entry

    def snapshot(self):
        with self.lock:
            return {"writes": self.writes, "total": self.total, "by_verb": dict(self.by_verb),
                    "by_kind": {k: dict(v) for k, v in self.by_kind.items()},
                    "discovery": self.discovery, "dry_run_writes": self.dry_run}

    def requests(self):
        with self.lock:
            return list(self.log)
