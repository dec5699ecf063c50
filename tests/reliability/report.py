"""The reliability table of docs/reliability.md, computed from the runs of this folder.

Each test adds what it actually ran to the session's tally (``conftest.tally``):

    tally.add("concurrency", scenarios=1, runs=8, faults=4, assignments=16, lost=0, duplicates=0)

``test_zz_report.py`` (last in the folder) writes the totals to ``<pytest tmp>/reliability.json``
with ``write()`` and prints ``table()``.  ``python tests/reliability/report.py FILE`` prints the
table of a JSON file written earlier.
"""
import json
import sys

# column -> meaning (the order of the table)
COLUMNS = [
    ("scenarios", "scenarios run"),
    ("runs", "ansible-playbook runs"),
    ("faults", "faults injected"),
    ("bad_inputs", "bad inputs tried"),
    ("assignments", "assignments checked"),
    ("lost", "assignments lost (must be 0)"),
    ("duplicates", "duplicate IPs (must be 0)"),
    ("error_findings", "error findings in final states (must be 0)"),
    ("unlocked_duplicates", "duplicate IPs with lock: false (demonstration, expected > 0)"),
    ("fuzz_examples", "fuzzer examples tried"),
    ("crashes", "crashes (must be 0)"),
    ("refusal_writes", "writes by refused or check mode runs (must be 0)"),
]


class Tally(object):
    def __init__(self):
        self.areas = {}

    def add(self, area, **counts):
        row = self.areas.setdefault(area, dict((c[0], 0) for c in COLUMNS))
        for key, value in counts.items():
            if key not in row:
                raise KeyError("unknown column %s" % key)
            row[key] += int(value)

    def totals(self):
        out = dict((c[0], 0) for c in COLUMNS)
        for row in self.areas.values():
            for c in out:
                out[c] += row[c]
        return out

    def to_dict(self):
        return {"areas": self.areas, "totals": self.totals()}


def write(tally, path):
    doc = tally.to_dict()
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
    return doc


def table(doc):
    areas = sorted(doc["areas"])
    head = ["metric"] + areas + ["total"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for col, label in COLUMNS:
        cells = [label] + [str(doc["areas"][a][col]) for a in areas] + [str(doc["totals"][col])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    with open(sys.argv[1]) as fh:
        print(table(json.load(fh)))
