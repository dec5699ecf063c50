"""OVN-Kubernetes stories beyond the IPv4 primary network, end to end in network namespaces: a
dual-stack EgressIP (scenario ``seed-ovn-dualstack``) and an EgressIP on the workers' secondary
host network (scenario ``seed-ovn-multinic``), with NotReady failover, reachability, and the
first-holder conflict. The lab's OVN emulation assigns (egressip_controller.go rules) and its data
plane puts the addresses on the workers' interfaces (IPv6 with an unsolicited Neighbour
Advertisement); the traffic really leaves from them to the database, over IPv6 and over the
secondary network.

The first EgressIP of each story goes through ``ocp.egressip.egressip_ovn`` (ansible-playbook in
the controller namespace: labels, plan, write, its ``assignments`` = the controller's status, a
second run changes nothing); the module refuses a second object with a held address, so the
conflict and the failovers are driven straight through the API and the lab's controls.
"""
import os
import time

import pytest

from tests.lab.fixtures import start_lab
from tests.netns import ansible_playbook, run_in, tcp_probe
from tests.netns.fixtures import make_topology, reset_topology
from tests.netns.topology import down

pytestmark = [pytest.mark.netns, pytest.mark.slow]

WORKERS = ("worker01", "worker02")
EIPS = "/apis/k8s.ovn.org/v1/egressips"
DB4, DB6 = "203.0.113.10", "2001:db8:113::10"
SECONDARY = "203.0.113.128/25"


@pytest.fixture(scope="module")
def topo():
    topo = make_topology("o", squatter=False, ipv6=True, secondary=True)
    try:
        yield topo
    finally:
        down(topo)


def _lab(topo, tmp_path, scenario):
    reset_topology(topo)
    mapping = ",".join("%s=%s:enp1s0,%s=%s:enp2s0@%s" % (w, topo.ns(w), w, topo.ns(w), SECONDARY) for w in WORKERS)
    return start_lab(tmp_path, scenario=scenario, extra_args=["--dataplane", mapping], netns=topo.ctl)


PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: the namespace's EgressIP
      ocp.egressip.egressip_ovn:
        name: "{{ eip_name }}"
        namespace: mywebserver
        egress_ips: "{{ eip_ips }}"
        assignable_nodes: [worker01, worker02]
      register: eip_out
"""


def _module(topo, lab, tmp_path, name, ips, ok=True):
    """egressip_ovn through ansible-playbook in the controller namespace; its task result."""
    path = os.path.join(str(tmp_path), "egressip_ovn.yml")
    with open(path, "w") as fh:
        fh.write(PLAYBOOK)
    res = ansible_playbook(topo, path, extra_vars={"eip_name": name, "eip_ips": ips},
                           env={"K8S_AUTH_KUBECONFIG": lab.kubeconfig}, timeout=200)
    assert (res.rc == 0) is ok, res.describe()
    if not ok:
        return res
    out = [r for r in res.task_results("localhost") if "assignments" in r]
    assert out, res.describe()
    return out[-1]


def _create(lab, name, ips):
    lab.post(EIPS, {"apiVersion": "k8s.ovn.org/v1", "kind": "EgressIP", "metadata": {"name": name},
                    "spec": {"egressIPs": ips,
                             "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "mywebserver"}}}})


def _items(lab, name):
    return {i["egressIP"]: i["node"] for i in (lab.get("%s/%s" % (EIPS, name)).get("status") or {}).get("items") or []}


def _holders(topo, ip, dev="enp1s0"):
    out = []
    for w in WORKERS:
        text = run_in(topo.ns(w), ["ip", "-o", "addr", "show", "dev", dev]).stdout
        if " %s/" % ip in text:
            out.append(w)
    return out


def _mac(topo, host, dev):
    return run_in(topo.ns(host), ["ip", "-o", "link", "show", dev]).stdout.split("link/ether ")[1].split()[0]


def _router_neigh(topo, ip):
    return run_in(topo.ns("router"), ["ip", "-6", "neigh", "show", ip]).stdout


def _other(node):
    return WORKERS[1] if node == WORKERS[0] else WORKERS[0]


def test_dual_stack_egressip_failover_and_first_holder(topo, tmp_path):
    with _lab(topo, tmp_path, "seed-ovn-dualstack") as lab:

        # 1. one object, both families, through egressip_ovn: the IPv4 and the IPv6 address on
        #    two different nodes; the module reports what the controller did; a rerun is a no-op
        out = _module(topo, lab, tmp_path, "egressip-mywebserver", ["198.51.100.120", "2001:DB8:0::120"])
        assert out["changed"] is True
        items = _items(lab, "egressip-mywebserver")
        assert set(items) == {"198.51.100.120", "2001:db8::120"} and len(set(items.values())) == 2
        assert out["assignments"] == items, (out["assignments"], items)
        again = _module(topo, lab, tmp_path, "egressip-mywebserver", ["198.51.100.120", "2001:DB8:0::120"])
        assert again["changed"] is False
        v4_node, v6_node = items["198.51.100.120"], items["2001:db8::120"]
        assert _holders(topo, "198.51.100.120") == [v4_node] and _holders(topo, "2001:db8::120") == [v6_node]
        assert tcp_probe(topo.ns(v4_node), "198.51.100.120", DB4, 5432) == "open"
        assert tcp_probe(topo.ns(v6_node), "2001:db8::120", DB6, 5432) == "open"
        mark = lab.get("%s/egressip-mywebserver" % EIPS)["metadata"]["annotations"]["k8s.ovn.org/egressip-mark"]
        assert 50000 <= int(mark) <= 55000

        # 2. the IPv6 holder goes NotReady: the other node already holds this object's IPv4
        #    address, so the IPv6 one stays unassigned (one address of an object per node) and
        #    leaves the node; IPv4 keeps working
        lab.set_ready(v6_node, False)
        assert _items(lab, "egressip-mywebserver") == {"198.51.100.120": v4_node}
        assert _holders(topo, "2001:db8::120") == []
        assert ("No matching nodes found, which can host any of the egress IPs: [2001:db8::120] for object "
                "EgressIP: egressip-mywebserver") in lab.errors()     # only the moved address was retried
        assert tcp_probe(topo.ns(v4_node), "198.51.100.120", DB4, 5432) == "open"
        lab.set_ready(v6_node, True)                       # a trigger: the node is assignable again
        assert _items(lab, "egressip-mywebserver")["2001:db8::120"] == v6_node
        assert tcp_probe(topo.ns(v6_node), "2001:db8::120", DB6, 5432) == "open"

        # 3. an IPv6-only object fails over to the other node; the router's neighbour entry for
        #    it follows at once (unsolicited Neighbour Advertisement)
        _create(lab, "egressip-v6", ["2001:db8::121"])
        (first,) = _items(lab, "egressip-v6").values()
        assert tcp_probe(topo.ns(first), "2001:db8::121", DB6, 5432) == "open"
        assert _mac(topo, first, "enp1s0") in _router_neigh(topo, "2001:db8::121")
        time.sleep(1.1)                                    # past the neighbour entry's locktime
        lab.set_ready(first, False)
        second = _other(first)
        assert _items(lab, "egressip-v6") == {"2001:db8::121": second}
        assert _holders(topo, "2001:db8::121") == [second]
        deadline = time.monotonic() + 5
        while _mac(topo, second, "enp1s0") not in _router_neigh(topo, "2001:db8::121") \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _mac(topo, second, "enp1s0") in _router_neigh(topo, "2001:db8::121")
        assert tcp_probe(topo.ns(second), "2001:db8::121", DB6, 5432) == "open"
        lab.set_ready(first, True)
        assert _items(lab, "egressip-v6") == {"2001:db8::121": second}      # no move back

        # 4. the module refuses an address another EgressIP holds (in any spelling); written
        #    anyway, the first holder keeps it; deleting the holder hands nothing over until the
        #    newcomer is touched
        refused = _module(topo, lab, tmp_path, "egressip-zz-other", ["2001:0db8::121"], ok=False)
        assert "2001:db8::121" in refused.stdout and "egressip-v6" in refused.stdout, refused.describe()
        assert lab.get(EIPS)["items"] and "egressip-zz-other" not in [
            i["metadata"]["name"] for i in lab.get(EIPS)["items"]]
        _create(lab, "egressip-zz-other", ["2001:0db8::121"])
        assert _items(lab, "egressip-zz-other") == {}
        assert ('IP: "2001:db8::121" for EgressIP: egressip-zz-other is already allocated for EgressIP: '
                "egressip-v6 on %s" % second) in lab.errors()
        assert _holders(topo, "2001:db8::121") == [second]
        lab.delete("%s/egressip-v6" % EIPS)
        assert _items(lab, "egressip-zz-other") == {} and _holders(topo, "2001:db8::121") == []
        lab.patch("%s/egressip-zz-other" % EIPS, {"metadata": {"labels": {"retry": "1"}}})
        (holder,) = _items(lab, "egressip-zz-other").values()
        assert _holders(topo, "2001:db8::121") == [holder]
        assert tcp_probe(topo.ns(holder), "2001:db8::121", DB6, 5432) == "open"
        assert not [e for e in lab.events() if e["source"] == "dataplane" and e["level"] == "E"]
    assert _holders(topo, "2001:db8::121") == [] and _holders(topo, "198.51.100.120") == []


def test_secondary_network_egressip_failover(topo, tmp_path):
    with _lab(topo, tmp_path, "seed-ovn-multinic") as lab:
        out = _module(topo, lab, tmp_path, "egressip-mywebserver", ["203.0.113.150"])   # labels too
        (node,) = _items(lab, "egressip-mywebserver").values()
        assert out["changed"] is True and out["assignments"] == {"203.0.113.150": node}
        assert _holders(topo, "203.0.113.150", "enp2s0") == [node]          # on the secondary NIC, /25
        assert _holders(topo, "203.0.113.150", "enp1s0") == []
        assert "203.0.113.150/25" in run_in(topo.ns(node), ["ip", "-o", "addr", "show", "dev", "enp2s0"]).stdout
        assert tcp_probe(topo.ns(node), "203.0.113.150", DB4, 5432) == "open"   # reply via the secondary LAN

        # the holder's health check fails: the address moves to the other worker's enp2s0
        lab.set_reachable(node, False)
        other = _other(node)
        assert _items(lab, "egressip-mywebserver") == {"203.0.113.150": other}
        assert _holders(topo, "203.0.113.150", "enp2s0") == [other]
        assert tcp_probe(topo.ns(other), "203.0.113.150", DB4, 5432) == "open"
        lab.set_reachable(node, True)
        lab.set_ready(other, False)                                          # NotReady: back
        assert _items(lab, "egressip-mywebserver") == {"203.0.113.150": node}
        assert tcp_probe(topo.ns(node), "203.0.113.150", DB4, 5432) == "open"

        # an address of the database's half of 203.0.113.0/24 is on no node's network
        _create(lab, "egressip-outside", ["203.0.113.20"])
        assert _items(lab, "egressip-outside") == {}
        assert any(e.startswith("No matching nodes found, which can host any of the egress IPs: [203.0.113.20]")
                   for e in lab.errors())
