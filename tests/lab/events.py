"""The controller log served at GET /_lab/events."""
import datetime
import threading


class Events:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = []

    def log(self, level, source, message):
        entry = {"time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"),
                 "level": level, "source": source, "message": message}
        with self.lock:
            self.items.append(entry)
        return entry

    def all(self):
        with self.lock:
            return list(self.items)


class Once:
    """Log a state message once when it appears; again only after it went away and came back.

    The real controllers re-log on every sync of a changed object; the lab logs once per state
    change so that a test can assert "the controller log gained no error"."""

    def __init__(self, events):
        self.events = events
        self.current = set()

    def update(self, found):
        """found: iterable of (level, source, message) true in the state just computed."""
        found = list(dict.fromkeys(found))
        for item in found:
            if item not in self.current:
                self.events.log(*item)
        self.current = set(found)
