"""Property-based fuzzers (hypothesis) through the modules' real entry points (main() in
process, against the lab served from a thread of the test process):

- ``test_fuzz_module_arguments``: every module, a valid task with one to three options
  replaced by values of any type and shape (special floats, huge numbers, unicode, invisible
  characters, nested lists and mappings, sizes);
- ``test_fuzz_cluster_objects``: garbage in any field of any object the lab serves (HostSubnet,
  NetNamespace, Node, Network, EgressIP), then facts and a writing task on another object.

Each example asserts: no exception escapes main() (what ansible-core 2.19 reports as
``Module failed: ...``), a failure has a message that names a field and shows no raw
non-printable character, and a failed or check mode run wrote nothing (the lab's counters).
Budget: EGRESSIP_FUZZ_EXAMPLES examples per fuzzer (default 100, derandomized so CI is
reproducible); ``EGRESSIP_FUZZ_EXAMPLES=5000`` for a longer hunt.  ``test_fuzz_playbook_sample``
runs a few of these cases through ansible-playbook to prove the end-to-end reporting."""
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.ocp.egressip.plugins.module_utils.core.text import printable
from tests.fuzz.harness import MODULES, InProcessLab, module_spec, run_module
from tests.fuzz.strategies import (
    CONNECTION_OPTIONS, EXTRA_FIELDS, STRUCTURED, annotation_text, for_option, garbage, json_paths, put_at,
)
from tests.lab.kinds import BY_KIND
from tests.reliability.common import crash_text, play

EXAMPLES = int(os.environ.get("EGRESSIP_FUZZ_EXAMPLES", "100"))
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, print_blob=True,
                suppress_health_check=list(HealthCheck))
NET = "198.51.100.0/24"
API_REFUSED = re.compile(r"\b(POST|PUT|PATCH|DELETE) /\S+: [45]\d\d ")

BASE = {
    "egressip_facts": {},
    "egressip_hostsubnet": {"name": "worker01", "egress_cidrs": [NET]},
    "egressip_netnamespace": {"name": "mywebserver", "egress_ips": ["198.51.100.60"]},
    "egressip_ovn": {"name": "egressip-b", "namespace": "mywebserver", "egress_ips": ["198.51.100.61"],
                     "assignable_nodes": ["worker01", "worker02"]},
}
# what a message may call an option instead of its name (API fields, the objects a name addresses)
ALIASES = {
    "egress_ips": ["egressIPs", "egress IP"], "egress_cidrs": ["egressCIDRs"],
    "name": ["NetNamespace", "HostSubnet", "EgressIP"], "nodes": ["HostSubnet"],
    "netnamespaces": ["NetNamespace"], "hostsubnets": ["HostSubnet"], "egressips": ["EgressIP"],
    "node_network": ["default_network"], "reserved_ips": ["reserved"], "count": ["allocate"],
    "pool": ["allocate"], "assignable_nodes": ["Node"], "namespace": ["EgressIP"],
    "node_networks": ["Node"], "migrate_from": ["NetNamespace", "HostSubnet"],
}
SPECS, RULES = {}, {}
for _name in MODULES:
    SPECS[_name], RULES[_name] = module_spec(_name)
# ansible-core's own argument checks that do not name the option (not the collection's code):
# a string where a list of mappings belongs fails in AnsibleModule's no_log scan of suboptions
# (module_utils/common/parameters.py _list_no_log_values -> check_type_dict) before any
# module code runs.
ANSIBLE_CORE_UNNAMED = ("dictionary requested, could not parse JSON or key=value",)


def sdn_setup(cluster):
    store = cluster.store
    for name in ("worker01", "worker02"):
        hs = store.get(BY_KIND["HostSubnet"], None, name)
        hs["egressCIDRs"] = [NET]
        store.put(BY_KIND["HostSubnet"], hs)
    nn = store.get(BY_KIND["NetNamespace"], None, "mywebserver")
    nn["egressIPs"] = ["198.51.100.120"]
    store.put(BY_KIND["NetNamespace"], nn)


def ovn_setup(cluster):
    store = cluster.store
    for name in ("worker01", "worker02"):
        node = store.get(BY_KIND["Node"], None, name)
        node["metadata"]["labels"]["k8s.ovn.org/egress-assignable"] = ""
        store.put(BY_KIND["Node"], node)
    store.put(BY_KIND["EgressIP"], {"metadata": {"name": "egressip-a"}, "spec": {
        "egressIPs": ["198.51.100.120"], "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "default"}}}})


@pytest.fixture(scope="module")
def labs():
    with InProcessLab("seed", sdn_setup) as sdn, InProcessLab("seed-ovn", ovn_setup) as ovn:
        yield {"sdn": sdn, "ovn": ovn}


def check(outcome, lab, check_mode, names, where, before):
    """The properties every fuzzed run must have (``before``: lab.snapshot() before the run);
    returns the number of writes a refused run made (0)."""
    assert outcome.crash is None, "%s crashed:\n%s" % (where, outcome.crash)
    res = outcome.result
    writes = lab.writes()
    if check_mode:
        assert writes == 0, "%s: check mode wrote %d times" % (where, writes)
    if not res.get("failed"):
        return 0
    msg = outcome.msg
    assert msg.strip(), "%s: failed without a message: %s" % (where, res)
    assert crash_text(msg) is None, msg
    assert printable(msg) == msg, "%s: raw non-printable characters in %r" % (where, msg)
    assert any(n in msg for n in names) or msg in ANSIBLE_CORE_UNNAMED, \
        "%s: the message names none of %s: %s" % (where, sorted(names), msg)
    if writes and API_REFUSED.search(msg):
        # not the module refusing: the API server refused a write (a stored object invalid as a
        # whole, the lock's namespace missing); the run must leave the cluster as it found it
        assert lab.snapshot() == before, "%s: a failed write left changes behind: %s" % (where, msg)
        return 0
    assert writes == 0, "%s: a refused run wrote %d times: %s" % (where, writes, msg)
    return writes


@pytest.fixture(scope="module")
def counts(tally):
    c = {"args": 0, "objects": 0, "refusal_writes": 0}
    yield c
    tally.add("fuzz", scenarios=2, fuzz_examples=c["args"] + c["objects"], crashes=0,
              refusal_writes=c["refusal_writes"])


@st.composite
def module_task(draw, name):
    spec = SPECS[name]
    fuzzable = sorted(k for k in spec if k not in CONNECTION_OPTIONS)
    structured = sorted(k for k in fuzzable if k in STRUCTURED)
    chosen = draw(st.lists(st.sampled_from(fuzzable), min_size=1, max_size=3, unique=True))
    if structured and draw(st.booleans()):     # the structured options hide the deepest code paths
        chosen = sorted(set(chosen[1:]) | set([draw(st.sampled_from(structured))]))
    args = dict(BASE[name], node_network=NET)
    for group in RULES[name].get("mutually_exclusive") or []:
        if set(group) & set(chosen):   # room for the chosen option: drop what excludes it
            for key in group:
                if key not in chosen:
                    args.pop(key, None)
    for key in chosen:
        args[key] = draw(for_option(spec[key], key))
    return chosen, args, draw(st.booleans())


@pytest.mark.parametrize("name", MODULES)
def test_fuzz_module_arguments(labs, counts, name):
    lab = labs["ovn" if name == "egressip_ovn" else "sdn"]

    @FUZZ
    @given(task=module_task(name))
    def fuzz(task):
        chosen, args, check_mode = task
        lab.reset()
        before = lab.snapshot()
        outcome = run_module(name, dict(args, **lab.auth), check_mode=check_mode)
        names = set(chosen)
        for key in chosen:
            names.update(ALIASES.get(key, []))
            names.update((SPECS[name][key].get("options") or {}).keys())
            names.update(SPECS[name][key].get("aliases") or [])
        # a refusal may come from the combination: the base task's own fields count as named too
        names.update(["egressIPs", "egressCIDRs", "NetNamespace", "HostSubnet", "EgressIP"] + list(BASE[name]))
        counts["args"] += 1
        counts["refusal_writes"] += check(outcome, lab, check_mode, names, "%s %r" % (name, args), before)
    fuzz()


SDN_KINDS = ("HostSubnet", "NetNamespace", "Node", "Network")
OVN_KINDS = ("Node", "EgressIP", "Network")
WRITERS = {
    "sdn": [("egressip_netnamespace", {"name": "mywebserver", "egress_ips": ["198.51.100.121"]}),
            ("egressip_hostsubnet", {"name": "worker02", "egress_cidrs": ["198.51.100.0/25"]})],
    "ovn": [("egressip_ovn", BASE["egressip_ovn"])],
}


@st.composite
def corrupted_object(draw):
    backend = draw(st.sampled_from(["sdn", "ovn"]))
    kind = draw(st.sampled_from(SDN_KINDS if backend == "sdn" else OVN_KINDS))
    return backend, kind, draw(st.data())


@FUZZ
@given(case=corrupted_object(), check_mode=st.booleans())
def test_fuzz_cluster_objects(labs, counts, case, check_mode):
    backend, kind, data = case
    lab = labs[backend]
    lab.reset()
    objs = sorted(lab.objects(kind), key=lambda o: str(o["metadata"]["name"]))
    obj = data.draw(st.sampled_from(objs), label="object")
    paths = [p for p in json_paths(obj) if p != ("metadata", "resourceVersion")] + [
        p for p in EXTRA_FIELDS.get(kind, []) if len(p) == 1 or isinstance(_at(obj, p[:-1]), dict)]
    path = data.draw(st.sampled_from(paths), label="path")
    annotation = len(path) == 3 and path[:2] == ("metadata", "annotations")
    value = data.draw(annotation_text if annotation else garbage, label="value")
    lab.put_raw(kind, put_at(obj, path, value), obj["metadata"]["name"])
    lab.server.stats.reset()
    before = lab.snapshot()
    name = obj["metadata"]["name"]
    names = set([kind, str(name)] + [str(p) for p in path if isinstance(p, str)])
    where = "%s %s %s = %r" % (kind, name, ".".join(str(p) for p in path), value)
    counts["objects"] += 1
    # details and tables: every object goes through the output code, not only the summary
    facts_args = dict(lab.auth, details=True, format="table")
    counts["refusal_writes"] += check(run_module("egressip_facts", facts_args), lab, True, names,
                                      "facts after " + where, before)
    module, args = data.draw(st.sampled_from(WRITERS[backend]), label="writer")
    outcome = run_module(module, dict(args, node_network=NET, **lab.auth), check_mode=check_mode)
    counts["refusal_writes"] += check(outcome, lab, check_mode, names, "%s after %s" % (module, where), before)


def _at(obj, path):
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


# -- the same classes through ansible-playbook: what ansible-core 2.19 reports -----------------

PLAY_CASES = [
    # (task name, module, args, field the message must name)
    ("timeout-inf", "egressip_facts", {"request_timeout": "inf"}, "request_timeout"),
    ("timeout-zero", "egressip_facts", {"request_timeout": 0}, "request_timeout"),
    ("lock-ttl-zero", "egressip_netnamespace", {"name": "mywebserver", "egress_ips": ["198.51.100.121"],
                                                "lock_ttl": 0}, "lock_ttl"),
    ("lock-name-invalid", "egressip_netnamespace", {"name": "mywebserver", "egress_ips": ["198.51.100.121"],
                                                    "lock_name": "Not_A_Name"}, "lock_name"),
    ("count-infinite", "egressip_netnamespace", {"name": "mywebserver", "count": "{{ 'inf' | float }}"}, "count"),
    ("invisible-name", "egressip_netnamespace", {"name": "my\u200bwebserver", "egress_ips": ["198.51.100.121"]},
     "NetNamespace"),
]


@pytest.mark.slow     # one ansible-playbook run of 7 tasks (each task starts a Python process)
def test_fuzz_playbook_sample(tmp_path, tally):
    """Bad options and a corrupt cluster through ansible-playbook: no ``Module failed:`` (the
    crash report of ansible-core 2.19), each failure names its field, nothing is written, and
    facts carries on over corrupt HostSubnet/NetNamespace data and an unusable Node."""
    with InProcessLab("seed", sdn_setup) as lab:
        hs = [o for o in lab.objects("HostSubnet") if o["metadata"]["name"] == "master01"][0]
        lab.put_raw("HostSubnet", dict(hs, egressCIDRs=[5]), "master01")
        nn = [o for o in lab.objects("NetNamespace") if o["metadata"]["name"] == "default"][0]
        lab.put_raw("NetNamespace", dict(nn, egressIPs=[None]), "default")
        node = [o for o in lab.objects("Node") if o["metadata"]["name"] == "master02"][0]
        node["metadata"]["annotations"]["cloud.network.openshift.io/egress-ipconfig"] = "not json"
        lab.put_raw("Node", node, "master02")
        lab.server.stats.reset()
        tasks = [{"name": name, "ocp.egressip." + module: args, "ignore_errors": True}
                 for name, module, args, _field in PLAY_CASES]
        tasks.append({"name": "facts-on-corrupt-cluster", "ocp.egressip.egressip_facts": {"format": "table"}})
        run = play(tmp_path, lab, tasks, name="fuzz-sample", timeout=300)
        tally.add("fuzz", runs=1, scenarios=len(PLAY_CASES) + 1, fuzz_examples=len(PLAY_CASES) + 1)
        assert run.doc is not None, run.describe()
        assert crash_text(run.stdout + run.stderr) is None, run.describe()
        for name, _module, _args, field in PLAY_CASES:
            res = run.result(name)
            assert res.get("failed") is True, (name, res)
            assert field in res["msg"] and crash_text(res["msg"]) is None, (name, res["msg"])
        assert "my\\u200bwebserver" in run.result("invisible-name")["msg"]
        facts = run.result("facts-on-corrupt-cluster")
        assert not facts.get("failed"), facts
        codes = set(f["code"] for f in facts["egressip"]["findings"])
        assert {"INVALID_CIDR", "INVALID_IP", "NODE_DATA_INVALID"} <= codes, codes
        assert any("[5]" in line for line in facts["table_lines"]), facts["table_lines"]
        assert lab.writes() == 0
