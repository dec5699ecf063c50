"""Issue 15, sections 2 and 3 (and the interface named in CIDR_NOT_IN_NODE_NETWORK): what must
be refused is refused before any request (or any write), naming the option, and messages show
what the user typed with invisible characters escaped. The modules run in process (main() with
patched arguments) against a lab served from a thread: each case takes milliseconds."""
import pytest

from tests.fuzz.harness import InProcessLab, run_module

NET = "198.51.100.0/24"
WEB = {"name": "mywebserver", "egress_ips": ["198.51.100.121"]}
SELECT = {"name": "egressip-x", "egress_ips": ["198.51.100.121"], "assignable_nodes": ["worker01"]}


@pytest.fixture(scope="module")
def sdn():
    with InProcessLab("seed") as lab:
        yield lab


@pytest.fixture(scope="module")
def ovn():
    with InProcessLab("seed-ovn") as lab:
        yield lab


def refused(lab, module, args, *words, **kw):
    lab.reset()
    out = run_module(module, dict(args, node_network=NET, **lab.auth), **kw)
    assert out.crash is None, out.crash
    assert out.failed, out
    for word in words:
        assert word in out.msg, (word, out.msg)
    stats = lab.server.stats.snapshot()
    return out, stats


@pytest.mark.parametrize("value", [0, -1, float("inf"), float("-inf"), float("nan"), 1e12])
def test_request_timeout_refused_before_any_request(sdn, value):
    _out, stats = refused(sdn, "egressip_facts", {"request_timeout": value}, "request_timeout")
    assert stats["total"] == 0


@pytest.mark.parametrize("extra,option", [
    ({"lock_ttl": 0}, "lock_ttl"), ({"lock_ttl": -5}, "lock_ttl"),
    ({"lock_name": "Not_A_Lease"}, "lock_name"), ({"lock_name": "a" * 254}, "lock_name"),
    ({"lock_namespace": "a.b"}, "lock_namespace"), ({"lock_timeout": float("nan")}, "lock_timeout"),
])
def test_lock_options_refused_before_any_request(sdn, extra, option):
    _out, stats = refused(sdn, "egressip_netnamespace", dict(WEB, **extra), option)
    assert stats["total"] == 0


@pytest.mark.parametrize("selector,words", [
    ({"matchLabels": "team=a"}, ["namespace_selector.matchLabels", "team=a"]),
    ({"matchExpressions": [{"key": "team", "operator": "Like", "values": ["a"]}]},
     ["matchExpressions[0].operator", "Like", "not a valid selector operator"]),
    ({"matchExpressions": [{"key": "team", "operator": "In"}]},
     ["matchExpressions[0].values", "must be specified when `operator` is 'In' or 'NotIn'"]),
    ({"matchExpressions": [{"key": "team", "operator": "Exists", "values": ["a"]}]},
     ["may not be specified when `operator` is 'Exists' or 'DoesNotExist'"]),
    ({"matchExpressions": [{"key": "bad key!", "operator": "Exists"}]}, ["matchExpressions[0].key", "bad key!"]),
    ({"matchExpressions": [{"key": "team", "operator": "NotIn", "values": ["not valid!"]}]},
     ["matchExpressions[0].values", "not valid!"]),
    ({"matchExpressions": "team in (a)"}, ["matchExpressions", "must be a list"]),
    ({"matchFields": {}}, ["matchFields", "unknown label selector field"]),
])
def test_selectors_validated_as_the_api_server_does(ovn, selector, words):
    _out, stats = refused(ovn, "egressip_ovn", dict(SELECT, namespace_selector=selector), *words)
    assert stats["writes"] == 0


def test_valid_match_expressions_accepted(ovn):
    ovn.reset()
    selector = {"matchExpressions": [{"key": "team", "operator": "In", "values": ["a", "b"]},
                                     {"key": "kubernetes.io/metadata.name", "operator": "Exists"}]}
    out = run_module("egressip_ovn", dict(SELECT, namespace_selector=selector, node_network=NET, **ovn.auth),
                     check_mode=True)
    assert out.crash is None and not out.failed, out


@pytest.mark.parametrize("module,option", [("egressip_netnamespace", "netnamespaces"),
                                           ("egressip_hostsubnet", "hostsubnets"), ("egressip_ovn", "egressips")])
def test_empty_batch_is_a_no_op_said_so(sdn, ovn, module, option):
    lab = ovn if module == "egressip_ovn" else sdn
    lab.reset()
    out = run_module(module, {option: [], "node_network": NET, **lab.auth})
    assert out.crash is None and not out.failed, out
    assert out.result["changed"] is False and lab.writes() == 0
    warnings = [w["event"]["msg"] if isinstance(w, dict) else w for w in out.result.get("warnings", [])]
    assert "%s: []: an empty batch, nothing to do" % option in warnings, warnings


@pytest.mark.parametrize("args,shown", [
    ({"name": "my\u200bwebserver", "egress_ips": ["198.51.100.121"]}, 'NetNamespace "my\\u200bwebserver" not found'),
    ({"name": "mywebserver", "egress_ips": ["198.51.100.\x0061"]}, '"198.51.100.\\x0061"'),
    ({"name": "mywebserver", "egress_ips": ["198.51.100.121"], "mode": "manual\u202e"}, "manual\\u202e"),
])
def test_messages_escape_non_printable_characters(sdn, args, shown):
    out, _stats = refused(sdn, "egressip_netnamespace", args, shown)
    assert out.msg.isprintable(), out.msg


@pytest.mark.parametrize("options,interface", [
    ({"node_interface": "enp1s0"}, "enp1s0"),
    ({"node_interfaces": {"worker01": "ens3"}}, "ens3"),
    ({"node_networks": {"worker01": {"network": NET, "interface": "eth9"}}}, "eth9"),
])
def test_cidr_not_in_node_network_names_the_known_interface(sdn, options, interface):
    refused(sdn, "egressip_hostsubnet", dict(name="worker01", egress_cidrs=["203.0.113.0/24"], **options),
            'is not in local network %s of interface %s' % (NET, interface), check_mode=True)
