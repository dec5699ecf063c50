"""Role ocp.egressip.egressip_firewall on the network-namespace hosts (tests/netns).

Sources are real: egress IPs are added to the nodes' enp1s0 and TCP connections to the
database (203.0.113.10, behind the router) are bound to them.
"""
import json
import os

import pytest

from tests.e2e.firewalld_standin import calls, make_collection, zone
from tests.netns import add_addr, ansible_playbook, run_in, tcp_probe
from tests.netns.topology import REPO_ROOT
from tests.netns.fixtures import clean_topology, topology  # noqa: F401  # pylint: disable=unused-import

pytestmark = [pytest.mark.netns, pytest.mark.slow]

DB = "203.0.113.10"
ALLOWED = "198.51.100.170"   # on worker01
OTHER = "198.51.100.171"     # on worker02

PLAYBOOK = """
- hosts: "{{ target | default('database') }}"
  gather_facts: false
  roles:
    - role: ocp.egressip.egressip_firewall
      vars:
        egressip_firewall_state_dir: "{{ netns_scratch_dir }}/egressip-firewall"
"""


@pytest.fixture
def fw(clean_topology, tmp_path):
    topo = clean_topology
    add_addr(topo.ns("worker01"), ALLOWED, 24, "enp1s0")
    add_addr(topo.ns("worker02"), OTHER, 24, "enp1s0")
    pb = tmp_path / "firewall.yml"
    pb.write_text(PLAYBOOK)

    def run(check=False, diff=False, env=None, **extra):
        # these tests guard the port (the previous behaviour); default-deny off has its own tests
        extra.setdefault("egressip_firewall_default_deny", True)
        # the exports (controller files, ~2 s a run) are checked by the ownership test, which asks for them
        extra.setdefault("egressip_firewall_export_dir", "")
        return ansible_playbook(topo, str(pb), extra_vars=extra, check=check, diff=diff, env=env)

    def probe(node, src, port, timeout=1.5):
        return tcp_probe(topo.ns(node), src, DB, port, timeout)

    def ruleset(host="database"):
        return run_in(topo.ns(host), ["nft", "list", "ruleset"]).stdout

    run.topo, run.probe, run.ruleset, run.tmp = topo, probe, ruleset, tmp_path
    return run


def _state_file(fw, host, name):
    return os.path.join(fw.topo["hosts"][host]["scratch_dir"], "egressip-firewall", name)


def test_allowed_source_reaches_db_other_sources_do_not(fw):
    assert fw.probe("worker01", "198.51.100.144", 5432) == "open"   # before: everything open
    res = fw(egressip_firewall_allowed_sources=[ALLOWED], egressip_firewall_ports=[5432])
    assert res.rc == 0, res.describe()
    assert res.changed("database") > 0
    assert fw.probe("worker01", ALLOWED, 5432) == "open"
    assert fw.probe("worker01", "198.51.100.144", 5432) == "timeout"   # the node's own host IP
    assert fw.probe("worker02", OTHER, 5432) == "timeout"
    assert fw.probe("worker02", OTHER, 5433) == "open"                 # unguarded port untouched
    # second run: nothing to do
    again = fw(egressip_firewall_allowed_sources=[ALLOWED], egressip_firewall_ports=[5432])
    assert again.rc == 0 and again.changed() == 0, again.describe()


def test_removed_ip_is_dropped_again(fw):
    res = fw(egressip_firewall_allowed_sources=[ALLOWED, OTHER])
    assert res.rc == 0, res.describe()
    assert fw.probe("worker02", OTHER, 5432) == "open"
    # OTHER removed; overlapping networks/addresses are merged (auto-merge), not an nft error
    res = fw(egressip_firewall_allowed_sources=[ALLOWED, "198.51.100.160/29", "198.51.100.161"])
    assert res.rc == 0 and res.changed() > 0, res.describe()
    assert fw.probe("worker02", OTHER, 5432) == "timeout"
    assert fw.probe("worker01", ALLOWED, 5432) == "open"
    assert OTHER not in fw.ruleset()


def test_check_mode_changes_nothing_and_diff_shows_the_rules(fw):
    # on a fresh host
    res = fw(check=True, diff=True, egressip_firewall_allowed_sources=[ALLOWED])
    assert res.rc == 0 and res.changed("database") > 0, res.describe()
    assert "egressip" not in fw.ruleset()
    assert not os.path.exists(_state_file(fw, "database", "egressip.nft"))
    # and on a configured one
    assert fw(egressip_firewall_allowed_sources=[ALLOWED]).rc == 0
    before = fw.ruleset()
    with open(_state_file(fw, "database", "egressip.nft")) as fh:
        file_before = fh.read()
    res = fw(check=True, diff=True, egressip_firewall_allowed_sources=[ALLOWED, OTHER])
    assert res.rc == 0, res.describe()
    assert res.changed("database") > 0
    diffs = [d for r in res.task_results("database") for d in (r.get("diff") or [])
             if isinstance(d, dict) and "after" in d]
    assert any(OTHER in d["after"] and OTHER not in d.get("before", "") for d in diffs), diffs
    assert fw.ruleset() == before
    with open(_state_file(fw, "database", "egressip.nft")) as fh:
        assert fh.read() == file_before
    assert fw.probe("worker02", OTHER, 5432) == "timeout"


def test_drift_is_repaired(fw):
    assert fw(egressip_firewall_allowed_sources=[ALLOWED]).rc == 0
    run_in(fw.topo.ns("database"), ["nft", "delete", "table", "inet", "egressip"])
    assert fw.probe("worker02", OTHER, 5432) == "open"
    res = fw(egressip_firewall_allowed_sources=[ALLOWED])
    assert res.rc == 0 and res.changed() > 0
    assert fw.probe("worker02", OTHER, 5432) == "timeout"


# Bad input (ports, sources, names with nft/iptables metacharacters, paths...) is refused before
# anything is rendered or applied, with a baseline rule set in place that must stay as it was:
# the corpus tests/data/bad_inputs.yml (role:egressip_firewall cases), run in one playbook by
# tests/reliability/test_bad_inputs.py (a playbook run per case here cost ~10 s each).


def test_rule_set_failing_nft_check_changes_nothing(fw, tmp_path):
    assert fw(egressip_firewall_allowed_sources=[ALLOWED]).rc == 0
    before = fw.ruleset()
    bad = tmp_path / "bad.nft.j2"
    bad.write_text("table inet {{ _egressip_firewall.table }} {\n chain guard { type filter hook input "
                   "priority 0; tcp dport 5432 frobnicate }\n}\n")
    res = fw(egressip_firewall_allowed_sources=[ALLOWED, OTHER], egressip_firewall_nft_template=str(bad))
    assert res.rc != 0
    assert "failed to validate" in res.messages("database").lower() or "nft" in res.messages("database")
    assert fw.ruleset() == before
    assert fw.probe("worker02", OTHER, 5432) == "timeout"
    # and the next good run is still idempotent against the last applied file
    again = fw(egressip_firewall_allowed_sources=[ALLOWED])
    assert again.rc == 0 and again.changed() == 0, again.describe()


def test_other_tables_are_not_touched(fw):
    db = fw.topo.ns("database")
    run_in(db, ["nft", "add", "table", "ip", "mine"])
    run_in(db, ["nft", "add", "chain", "ip", "mine", "c"])
    assert fw(egressip_firewall_allowed_sources=[ALLOWED]).rc == 0
    assert fw(egressip_firewall_allowed_sources=[OTHER]).rc == 0
    assert "table ip mine" in fw.ruleset()
    res = fw(egressip_firewall_state="absent")
    assert res.rc == 0 and res.changed() > 0
    rules = fw.ruleset()
    assert "table ip mine" in rules and "egressip" not in rules
    assert fw.probe("worker02", OTHER, 5432) == "open"


def test_router_forward_hook_with_destination(fw):
    res = fw(target="router", egressip_firewall_hook="forward", egressip_firewall_destination=DB,
             egressip_firewall_allowed_sources=[ALLOWED], egressip_firewall_ports=[5432, 5433])
    assert res.rc == 0, res.describe()
    for port in (5432, 5433):
        assert fw.probe("worker01", ALLOWED, port) == "open"
        assert fw.probe("worker02", OTHER, port) == "timeout"
    # traffic to the router itself is not affected (ssh from the controller still works)
    assert tcp_probe(fw.topo.ctl, None, "198.51.100.1", 22) == "open"
    again = fw(target="router", egressip_firewall_hook="forward", egressip_firewall_destination=DB,
               egressip_firewall_allowed_sources=[ALLOWED], egressip_firewall_ports=[5432, 5433])
    assert again.changed() == 0


def test_guarding_the_ssh_port_keeps_the_management_connection(fw):
    res = fw(egressip_firewall_allowed_sources=[ALLOWED], egressip_firewall_ports=[22, 5432])
    assert res.rc == 0, res.describe()
    assert fw.probe("worker02", OTHER, 22) == "timeout"
    assert fw.probe("worker01", ALLOWED, 22) == "open"
    # the controller (management source) still reaches ssh: a second run works and changes nothing
    again = fw(egressip_firewall_allowed_sources=[ALLOWED], egressip_firewall_ports=[22, 5432])
    assert again.rc == 0 and again.changed() == 0, again.describe()


def test_reject_action_answers_with_rst(fw):
    assert fw(egressip_firewall_allowed_sources=[ALLOWED], egressip_firewall_action="reject").rc == 0
    assert fw.probe("worker02", OTHER, 5432) == "refused"


def test_node_health_check_sdn_port_9_answers_rst_despite_a_dropping_table(fw):
    w1 = fw.topo.ns("worker01")
    run_in(w1, "nft add table inet hostile && nft add chain inet hostile input "
               "'{ type filter hook input priority 0; policy accept; }' && "
               "nft add rule inet hostile input tcp dport 9 drop")
    assert tcp_probe(fw.topo.ctl, None, "198.51.100.144", 9, 1) == "timeout"   # what the SDN would see
    res = fw(target="nodes", egressip_firewall_ports=[], egressip_firewall_node_health_check=True,
             egressip_network_type="OpenShiftSDN")
    assert res.rc == 0, res.describe()
    assert tcp_probe(fw.topo.ctl, None, "198.51.100.144", 9, 1) == "refused"
    assert tcp_probe(fw.topo.ctl, None, "198.51.100.145", 9, 1) == "refused"
    again = fw(target="nodes", egressip_firewall_ports=[], egressip_firewall_node_health_check=True,
               egressip_network_type="OpenShiftSDN")
    assert again.changed() == 0


def test_node_health_check_ovn_port_9107_accepted(fw):
    res = fw(target="worker01", egressip_firewall_ports=[], egressip_firewall_node_health_check=True,
             egressip_network_type="OVNKubernetes")
    assert res.rc == 0, res.describe()
    table = run_in(fw.topo.ns("worker01"), ["nft", "list", "table", "inet", "egressip"]).stdout
    assert "tcp dport 9107 accept" in table and "drop" not in table


def test_iptables_backend(fw):
    args = dict(egressip_firewall_backend="iptables", egressip_firewall_allowed_sources=[ALLOWED, OTHER])
    assert fw(**args).rc == 0
    assert fw.probe("worker02", OTHER, 5432) == "open"
    args["egressip_firewall_allowed_sources"] = [ALLOWED]
    res = fw(**args)
    assert res.rc == 0 and res.changed() > 0, res.describe()
    assert fw.probe("worker01", ALLOWED, 5432) == "open"
    assert fw.probe("worker02", OTHER, 5432) == "timeout"
    assert fw.probe("worker01", "198.51.100.144", 5432) == "timeout"
    rules = run_in(fw.topo.ns("database"), ["iptables", "-S"]).stdout
    assert "-A INPUT -j EGRESSIP" in rules and OTHER not in rules
    # idempotence on iptables: molecule scenario egressip_firewall:iptables; the chains' removal:
    # test_backend_switches_leave_nothing_behind and tests/e2e/test_shared_target.py


def _standin(fw, fail_on=None):
    """Run the firewalld backend against the stand-in module (tests/e2e/firewalld_standin.py:
    why firewalld itself cannot run here)."""
    state = str(fw.tmp / "firewalld-zone.json")
    root = make_collection(fw.tmp / ("standin-%s" % (fail_on or "ok").replace(" ", "_").replace('"', "")), state, fail_on)
    env = {"ANSIBLE_COLLECTIONS_PATH": root + os.pathsep + os.path.join(REPO_ROOT, ".collections")}
    return state, env


def test_firewalld_rich_rules_runtime_and_permanent(fw):
    state, env = _standin(fw)
    args = dict(egressip_firewall_backend="firewalld", egressip_firewall_ports=[5432],
                egressip_firewall_destination=DB, egressip_firewall_node_health_check=True,
                egressip_network_type="OpenShiftSDN")
    res = fw(env=env, egressip_firewall_allowed_sources=[ALLOWED, "2001:db8:1::170"], **args)
    assert res.rc == 0, res.describe()
    want = [
        'rule priority="-3" family="ipv4" source address="198.51.100.10" port port="22" protocol="tcp" accept',
        'rule priority="-3" family="ipv4" port port="9" protocol="tcp" reject type="tcp-reset"',
        'rule priority="-2" family="ipv4" source address="198.51.100.170" destination address="203.0.113.10" '
        'port port="5432" protocol="tcp" accept',
        'rule priority="-1" family="ipv4" destination address="203.0.113.10" port port="5432" protocol="tcp" drop',
    ]   # the IPv6 source cannot reach an IPv4 destination: no rule for it
    assert res.facts("database").get("egressip_firewall_rich_rules") == want, res.describe()
    assert zone(state, "runtime") == zone(state, "permanent") == want
    assert fw(env=env, egressip_firewall_allowed_sources=[ALLOWED, "2001:db8:1::170"], **args).changed() == 0

    # IPv6 without a destination, a static source, default-deny off: no drop, families per address
    args = dict(egressip_firewall_backend="firewalld", egressip_firewall_default_deny=False,
                egressip_firewall_static_sources=[{"source": "2001:db8:1::145", "ports": [5433]}])
    res = fw(env=env, egressip_firewall_allowed_sources=[OTHER, "2001:db8:1::170"], **args)
    assert res.rc == 0, res.describe()
    want = [
        'rule priority="-3" family="ipv4" source address="198.51.100.10" port port="22" protocol="tcp" accept',
        'rule priority="-2" family="ipv4" source address="198.51.100.171" port port="5432" protocol="tcp" accept',
        'rule priority="-2" family="ipv6" source address="2001:db8:1::170" port port="5432" protocol="tcp" accept',
        'rule priority="-2" family="ipv6" source address="2001:db8:1::145" port port="5433" protocol="tcp" accept',
    ]
    assert zone(state, "runtime") == zone(state, "permanent") == want
    log = calls(state)[-6:]
    # the new rules are added before the stale ones go (no window without the allow rules)
    adds = [i for i, c in enumerate(log) if c[0] == "enabled"]
    removes = [i for i, c in enumerate(log) if c[0] == "disabled"]
    assert adds and removes and max(adds) < min(removes), log
    assert all(c[2] == ["permanent", "runtime"] for c in log), log

    # with default-deny, a drop per family
    res = fw(env=env, egressip_firewall_backend="firewalld", egressip_firewall_allowed_sources=[OTHER])
    assert res.rc == 0, res.describe()
    assert zone(state)[-2:] == [
        'rule priority="-1" family="ipv4" port port="5432" protocol="tcp" drop',
        'rule priority="-1" family="ipv6" port port="5432" protocol="tcp" drop']

    # firewalld and the forward hook are refused up front
    bad = fw(env=env, egressip_firewall_backend="firewalld", egressip_firewall_hook="forward",
             egressip_firewall_allowed_sources=[ALLOWED])
    assert bad.rc != 0 and "firewalld supports hook input only" in bad.messages("database")


@pytest.mark.parametrize("fail_on", ["198.51.100.172", "198.51.100.171"], ids=["while-adding", "while-removing"])
def test_firewalld_failure_rolls_back_to_the_previous_rules(fw, fail_on):
    state, env = _standin(fw)
    assert fw(env=env, egressip_firewall_backend="firewalld", egressip_firewall_allowed_sources=[ALLOWED, OTHER]).rc == 0
    before = zone(state)
    record = os.path.join(fw.topo["hosts"]["database"]["scratch_dir"], "egressip-firewall", "owners.json")
    with open(record) as fh:
        record_before = fh.read()
    # the new set adds .172 and .173 (.172 fails while adding) and drops .171 (fails while removing)
    _state, env = _standin(fw, fail_on=fail_on)
    res = fw(env=env, egressip_firewall_backend="firewalld",
             egressip_firewall_allowed_sources=[ALLOWED, "198.51.100.172", "198.51.100.173"])
    assert res.rc != 0
    msg = res.messages("database")
    assert "injected failure" in msg and "rolled back" in msg and "SOME ROLLBACK" not in msg, res.describe()
    assert zone(state, "runtime") == zone(state, "permanent") == before       # the zone is as it was
    with open(record) as fh:
        assert fh.read() == record_before                                   # and so is the record
    # the next good run converges
    _state, env = _standin(fw)
    res = fw(env=env, egressip_firewall_backend="firewalld",
             egressip_firewall_allowed_sources=[ALLOWED, "198.51.100.172", "198.51.100.173"])
    assert res.rc == 0, res.describe()
    assert not any(OTHER in r for r in zone(state)) and any("198.51.100.173" in r for r in zone(state))


def test_syntax_check_every_backend(fw, tmp_path):
    for backend in ("nftables", "iptables", "firewalld"):
        res = ansible_playbook(fw.topo, str(tmp_path / "firewall.yml"),
                               extra_vars={"egressip_firewall_backend": backend}, args=["--syntax-check"])
        assert res.rc == 0, res.describe()


# -- ownership: entries per (cluster, namespace), static sources, default-deny, exports --------

HOST_W1 = "198.51.100.144"   # worker01's host address: not owned, not static
HOST_W2 = "198.51.100.145"   # worker02's host address: a legitimate non-cluster client (static)


def _export(fw, ext):
    with open(str(fw.tmp / "exports" / ("database." + ext))) as fh:
        return fh.read()


def test_owned_entries_add_up_static_sources_stay_and_default_deny_is_explicit(fw):
    # 1. an existing host, default-deny off (the default): the role only adds, nobody is cut
    a = dict(egressip_firewall_cluster="cluster-a", egressip_firewall_default_deny=False)
    res = fw(egressip_firewall_namespaces={"web": [ALLOWED]}, **a)
    assert res.rc == 0, res.describe()
    assert "default-deny off" in " ".join(str(r.get("msg")) for r in res.task_results("database"))
    assert fw.probe("worker01", ALLOWED, 5432) == "open"
    assert fw.probe("worker01", HOST_W1, 5432) == "open"          # not owned, but not cut either
    assert "drop" not in fw.ruleset()

    # 2. cluster B, same namespace name, on the same target, with default-deny and a static client:
    #    check mode first shows the switch and changes nothing
    b = dict(egressip_firewall_cluster="cluster-b", egressip_firewall_default_deny=True,
             egressip_firewall_static_sources=[{"source": HOST_W2, "comment": "batch server"}],
             egressip_firewall_export_dir=str(fw.tmp / "exports"))
    before = fw.ruleset()
    res = fw(check=True, egressip_firewall_namespaces={"web": [OTHER]}, **b)
    assert res.rc == 0 and res.changed("database") > 0, res.describe()
    shown = [r for r in res.task_results("database") if (r["task"] or "").endswith("Default-deny of the guarded ports")][0]
    assert shown["changed"] and "default-deny on" in shown["msg"] and "(was off)" in shown["msg"], shown
    assert fw.ruleset() == before
    res = fw(egressip_firewall_namespaces={"web": [OTHER]}, **b)
    assert res.rc == 0, res.describe()
    assert fw.probe("worker01", ALLOWED, 5432) == "open"           # cluster A's entry is kept
    assert fw.probe("worker02", OTHER, 5432) == "open"             # cluster B's
    assert fw.probe("worker02", HOST_W2, 5432) == "open"           # the static client
    assert fw.probe("worker01", HOST_W1, 5432) == "timeout"        # everyone else: default-deny

    # 3. cluster A releases its namespace: its address closes, B's and the static one stay
    b["egressip_firewall_cluster"] = "cluster-a"
    b["egressip_firewall_export_groups"] = ["firewalls", "no-such-group"]    # router + database
    res = fw(egressip_firewall_namespaces={"web": []}, **b)
    assert res.rc == 0, res.describe()
    assert fw.probe("worker01", ALLOWED, 5432) == "timeout"
    assert fw.probe("worker02", OTHER, 5432) == "open"
    assert fw.probe("worker02", HOST_W2, 5432) == "open"

    # 4. exports: only what is allowed now, stable; a re-run changes nothing, not even the files
    doc = json.loads(_export(fw, "json"))
    assert doc["cluster_addresses"] == [OTHER] and doc["addresses"] == [HOST_W2, OTHER]
    assert [(r["cluster"], r["namespace"], r["address"], r["source"]) for r in doc["rows"]] == [
        ("cluster-b", "web", OTHER, "cluster"), ("", "", HOST_W2, "static")]
    assert doc["rows"][0]["since"] and doc["default_deny"] is True
    csv = _export(fw, "csv")
    assert csv.splitlines() == ["cluster,namespace,address,ports,protocol,since,source,comment",
                                "cluster-b,web,%s,5432,tcp,%s,cluster," % (OTHER, doc["rows"][0]["since"]),
                                ",,%s,5432,tcp,,static,batch server" % HOST_W2]
    nft = _export(fw, "nft")
    assert "elements = { %s }" % OTHER in nft and ALLOWED not in nft
    # the group export (an appliance guarding the group "firewalls"): the database's rows, each with
    # its target; the router never ran the role, so it has no export and is not in it
    with open(str(fw.tmp / "exports" / "groups" / "firewalls.json")) as fh:
        group = json.load(fh)
    assert group["targets"] == ["database"] and group["cluster_addresses"] == [OTHER], group
    assert [r["target"] for r in group["rows"]] == ["database", "database"]
    with open(str(fw.tmp / "exports" / "groups" / "firewalls.csv")) as fh:
        assert fh.read().splitlines() == ["target," + line if i == 0 else "database," + line
                                          for i, line in enumerate(csv.splitlines())]
    assert sorted(os.listdir(str(fw.tmp / "exports" / "groups"))) == ["firewalls.csv", "firewalls.json", "firewalls.nft"]
    again = fw(egressip_firewall_namespaces={"web": []}, **b)
    assert again.rc == 0 and again.changed() == 0, again.describe()
    assert _export(fw, "csv") == csv
    # the set file loads in a ruleset of the user's (include inside a table)
    inc = fw.tmp / "include.nft"
    inc.write_text('table inet usercheck {\n include "%s"\n chain c { type filter hook input priority 0; '
                   'ip saddr @allowed_v4 tcp dport 5432 accept; }\n}\n' % (fw.tmp / "exports" / "database.nft"))
    assert run_in(fw.topo.ns("database"), ["nft", "-c", "-f", str(inc)], check=False).returncode == 0

    # 5. the last entry goes: the role's rules go, the host is as before, management still works
    b["egressip_firewall_cluster"] = "cluster-b"
    res = fw(egressip_firewall_namespaces={"web": []}, **b)
    assert res.rc == 0 and res.changed() > 0, res.describe()
    assert "egressip" not in fw.ruleset()
    assert fw.probe("worker01", HOST_W1, 5432) == "open"
    assert json.loads(_export(fw, "json"))["rows"] == []
    assert fw(egressip_firewall_namespaces={"web": []}, **b).rc == 0     # ssh still reaches the host


def _iptables(fw):
    return "\n".join(run_in(fw.topo.ns("database"), [cmd, "-S"]).stdout for cmd in ("iptables", "ip6tables"))


def test_backend_switches_leave_nothing_behind(fw):
    state, standin = _standin(fw)
    base = dict(egressip_firewall_allowed_sources=[ALLOWED], env=standin)
    files = os.path.dirname(_state_file(fw, "database", "x"))

    def check_guard():
        assert fw.probe("worker01", ALLOWED, 5432) == "open"
        assert fw.probe("worker02", OTHER, 5432) == "timeout"

    assert fw(**base).rc == 0                                                  # nftables
    check_guard()
    res = fw(egressip_firewall_backend="iptables", **base)                     # -> iptables
    assert res.rc == 0, res.describe()
    check_guard()
    assert "egressip" not in fw.ruleset().replace("EGRESSIP", "")             # the nft table is gone
    assert "-A INPUT -j EGRESSIP" in _iptables(fw)
    res = fw(egressip_firewall_backend="firewalld", **base)                    # -> firewalld (stand-in)
    assert res.rc == 0, res.describe()
    assert "EGRESSIP" not in _iptables(fw)                                    # both families' chains
    assert any(ALLOWED in r for r in zone(state))
    assert not [f for f in os.listdir(files) if "tables" in f]
    res = fw(**base)                                                           # -> nftables again
    assert res.rc == 0, res.describe()
    check_guard()
    assert zone(state, "runtime") == zone(state, "permanent") == []           # every rich rule removed
    assert sorted(os.listdir(files)) == ["egressip.live", "egressip.nft", "owners.json"]
    assert fw(**base).changed() == 0
