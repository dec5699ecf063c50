"""Pure parts of the runner, lease, changes, facts and client layers (no API server)."""
import datetime

import pytest

from ansible_collections.ocp.egressip.plugins.module_utils import runner
from ansible_collections.ocp.egressip.plugins.module_utils.core import facts
from ansible_collections.ocp.egressip.plugins.module_utils.core.plan import keep_order
from ansible_collections.ocp.egressip.plugins.module_utils.k8s import client, lease
from ansible_collections.ocp.egressip.plugins.module_utils.sdn import backend as sdn_backend, changes
from ansible_collections.ocp.egressip.plugins.module_utils.core.state import state_from_sdn
from ansible_collections.ocp.egressip.plugins.module_utils.core.findings import Finding
from ansible_collections.ocp.egressip.plugins.module_utils.core.plan import Change, diff_sdn

IP1, IP2 = "198.51.100.120", "198.51.100.121"


def hs(name, ip, cidrs=None, ips=None):
    d = {"metadata": {"name": name}, "host": name, "hostIP": ip, "subnet": "10.8.0.0/23"}
    if cidrs:
        d["egressCIDRs"] = cidrs
    if ips:
        d["egressIPs"] = ips
    return d


def nn(name, netid, ips=None):
    d = {"metadata": {"name": name}, "netname": name, "netid": netid}
    if ips:
        d["egressIPs"] = ips
    return d


def seed(w1_ips=None, w2_ips=None, ns_ips=None):
    return state_from_sdn([hs("worker01", "198.51.100.144", ips=w1_ips), hs("worker02", "198.51.100.145", ips=w2_ips)],
                          [nn("mywebserver", 5281170, ns_ips), nn("other", 42)], default_network="198.51.100.0/24")


def test_classify_blocks_errors_on_touched_or_new_only():
    old = Finding("IP_MULTIPLE_NODES", "Multiple nodes (a, b) claiming EgressIP X", ["HostSubnet/a", "HostSubnet/b"])
    new = Finding("IP_IS_GATEWAY", 'egress IP "Y" is the gateway', ["NetNamespace/n"])
    warn = Finding("NAMESPACE_MULTIPLE_AUTO_IPS", "w", ["NetNamespace/n"])
    advisory = Finding("CIDR_SINGLE_NODE", "c", ["HostSubnet/a"])
    # pre-existing error on an untouched object: reported, not blocking
    dicts, blocking = runner.classify([old], [old], scope={"NetNamespace/n"})
    assert blocking == [] and dicts[0]["blocking"] is False
    # the same error on an object the task touches: blocks
    dicts, blocking = runner.classify([old], [old], scope={"HostSubnet/a"})
    assert blocking == [old]
    # a new error anywhere: blocks
    dicts, blocking = runner.classify([], [new], scope=set())
    assert blocking == [new]
    # new blocking warning: blocks unless force; advisory warnings never block
    assert runner.classify([], [warn, advisory], scope={"NetNamespace/n", "HostSubnet/a"})[1] == [warn]
    assert runner.classify([], [warn, advisory], scope={"NetNamespace/n"}, force=True)[1] == []
    # force never overrides errors
    assert runner.classify([], [new], scope={"NetNamespace/n"}, force=True)[1] == [new]


def test_order_changes_avoids_intermediate_double_claims():
    # move a pin from worker01 to worker02: the core's order puts the gaining HostSubnet
    # first, which would leave both claiming the IP for a moment; the runner avoids that
    before = seed(w1_ips=[IP1], ns_ips=[IP1])
    after = before.copy()
    after.set_node_egress("worker01", egress_ips=[])
    after.set_node_egress("worker02", egress_ips=[IP1])
    changes_ = diff_sdn(before, after)
    assert [c.name for c in changes_] == ["worker02", "worker01"]
    ordered = runner.order_changes(sdn_backend.SdnBackend(), before, changes_, allowed_keys=set())
    assert [c.name for c in ordered] == ["worker01", "worker02"]


def test_order_changes_pins_before_namespace_and_unpins_after():
    before = seed()
    after = before.copy()
    after.set_node_egress("worker01", egress_ips=[IP1])
    after.set_namespace_egress("mywebserver", [IP1])
    ordered = runner.order_changes(sdn_backend.SdnBackend(), before, diff_sdn(before, after), set())
    assert [(c.kind, c.name) for c in ordered] == [("HostSubnet", "worker01"), ("NetNamespace", "mywebserver")]
    ordered = runner.order_changes(sdn_backend.SdnBackend(), after, diff_sdn(after, before), set())
    assert [(c.kind, c.name) for c in ordered] == [("NetNamespace", "mywebserver"), ("HostSubnet", "worker01")]


def test_keep_order_no_spurious_change():
    assert keep_order(["b", "a"], ["a", "b"]) == ["b", "a"]
    assert keep_order(["b"], ["a", "b", "a"]) == ["a", "b"]
    assert keep_order([], []) == []


def test_pin_manual_spreads_one_per_node_and_unpins_released():
    state = seed()
    state.set_namespace_egress("mywebserver", [IP1, IP2])
    changes.pin_manual(state, "mywebserver", [], [IP1, IP2])
    assert state.nodes["worker01"].egress_ips == [IP1]
    assert state.nodes["worker02"].egress_ips == [IP2]
    # idempotent: existing pins stay
    changes.pin_manual(state, "mywebserver", [IP1, IP2], [IP1, IP2])
    assert state.nodes["worker01"].egress_ips == [IP1] and state.nodes["worker02"].egress_ips == [IP2]
    # IP2 dropped: unpinned
    state.set_namespace_egress("mywebserver", [IP1])
    changes.pin_manual(state, "mywebserver", [IP1, IP2], [IP1])
    assert state.nodes["worker02"].egress_ips == []


def test_netnamespace_items_validation():
    base = dict(name="x", egress_ips=None, count=None, pool=None, nodes=None, mode="auto", state="present",
                netnamespaces=None)
    with pytest.raises(runner.RunnerError):
        changes.netnamespace_items(base)
    batch = [{"name": "a"}, {"name": "b", "count": 2}]
    items = changes.netnamespace_items(dict(base, name=None, count=1, netnamespaces=batch))
    assert [(i["name"], i["count"]) for i in items] == [("a", 1), ("b", 2)]


def test_lease_expiry():
    now = datetime.datetime(2026, 1, 1, 12, 0, 0)
    held = {"spec": {"holderIdentity": "x", "leaseDurationSeconds": 60, "renewTime": "2026-01-01T11:59:30.000000Z"}}
    assert not lease.expired(held, now)
    assert lease.expired(held, now + datetime.timedelta(seconds=31))
    assert lease.expired({"spec": {"holderIdentity": None}}, now)
    assert lease.parse_time(lease.format_time(now)) == now


def test_tables_match_oc_layout():
    lines = facts.hostsubnet_table([hs("worker01", "198.51.100.144", ["198.51.100.0/24"], [IP1]),
                                    hs("master01", "198.51.100.141")])
    assert lines == [
        "NAME       HOST       HOST IP          SUBNET        EGRESS CIDRS        EGRESS IPS",
        "master01   master01   198.51.100.141   10.8.0.0/23                       ",
        "worker01   worker01   198.51.100.144   10.8.0.0/23   [198.51.100.0/24]   [198.51.100.120]",
    ]
    assert facts.netnamespace_table([nn("mywebserver", 5281170, [IP1, IP2])]) == [
        "NAME          NETID     EGRESS IPS",
        "mywebserver   5281170   [198.51.100.120 198.51.100.121]",
    ]


def test_capacity_counts_free_addresses():
    state = state_from_sdn([hs("w1", "198.51.100.144", ["198.51.100.0/24"]), hs("w2", "198.51.100.145", ["198.51.100.0/24"])],
                           [nn("a", 1, [IP1])], reserved=["198.51.100.1"])
    cap = facts.capacity(state, [])
    # 254 usable - 2 node IPs - 1 reserved = 251, one used
    assert cap["cidrs"]["198.51.100.0/24"] == {"nodes": ["w1", "w2"], "size": 251, "used": 1, "free": 250}


def test_auth_params_env_like_kubernetes_core(monkeypatch):
    monkeypatch.setenv("K8S_AUTH_HOST", "https://example.invalid:6443")
    monkeypatch.setenv("K8S_AUTH_VERIFY_SSL", "no")
    monkeypatch.setenv("K8S_AUTH_SSL_CA_CERT", "/tmp/ca.pem")
    monkeypatch.setenv("K8S_AUTH_PROXY_HEADERS_USER_AGENT", "x/1")
    auth = client.auth_params({"api_key": "t"})
    assert auth["host"] == "https://example.invalid:6443"
    assert auth["verify_ssl"] is False
    assert auth["ssl_ca_cert"] == "/tmp/ca.pem"
    assert auth["api_key"] == "t"
    assert auth["proxy_headers"] == {"user_agent": "x/1"}
    monkeypatch.setenv("K8S_AUTH_IMPERSONATE_GROUPS", "g1,g2")
    assert client.impersonation_headers({}) == [("Impersonate-Group", "g1"), ("Impersonate-Group", "g2")]


def test_auth_spec_matches_kubernetes_core():
    from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC as K8S
    for name, spec in K8S.items():
        ours = client.AUTH_ARG_SPEC[name]
        assert ours.get("type", "str") == spec.get("type", "str"), name
        assert ours.get("aliases") == spec.get("aliases"), name
        assert bool(ours.get("no_log")) == bool(spec.get("no_log")), name
    assert client.AUTH_ARG_SPEC["request_timeout"]["default"] == 30


def test_kinds_table_paths():
    assert client.KINDS["HostSubnet"].path() == "/apis/network.openshift.io/v1/hostsubnets"
    assert client.KINDS["Node"].path("worker01") == "/api/v1/nodes/worker01"
    assert client.KINDS["Lease"].path("l", "default") == "/apis/coordination.k8s.io/v1/namespaces/default/leases/l"


def test_gains_losses():
    assert sdn_backend._gains_losses(Change("HostSubnet", "a", {"egressIPs": []}, {"egressIPs": [IP1]})) == (True, False)
    assert sdn_backend._gains_losses(Change("HostSubnet", "a", {"egressIPs": [IP1]}, {"egressIPs": []})) == (False, True)


def test_tabwrite_minwidth_like_go_tabwriter():
    # k8s printers: tabwriter.NewWriter(out, 6, 4, 3, ' ', 0): a column is at least 6 wide
    assert facts.tabwrite([["A", "B", "C"], ["x", "yy", "z"]]) == ["A     B     C", "x     yy    z"]
