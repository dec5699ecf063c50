"""Shared bits of the lab's own tests."""
import pytest

HS = "/apis/network.openshift.io/v1/hostsubnets/"
NN = "/apis/network.openshift.io/v1/netnamespaces/"
NODES = "/api/v1/nodes/"
EIPS = "/apis/k8s.ovn.org/v1/egressips/"
MERGE = "application/merge-patch+json"


def dynamic_client(lab):
    kubernetes = pytest.importorskip("kubernetes")
    from kubernetes import config, dynamic
    del kubernetes
    return dynamic.DynamicClient(config.new_client_from_config(config_file=lab.kubeconfig))


def egress(lab, node=None, ips=None, cidrs=None, netns=None, ns_ips=None):
    """Write egress settings with plain merge patches, as a user would."""
    if node is not None:
        body = {}
        if ips is not None:
            body["egressIPs"] = ips
        if cidrs is not None:
            body["egressCIDRs"] = cidrs
        lab.patch(HS + node, body, MERGE)
    if netns is not None:
        lab.patch(NN + netns, {"egressIPs": ns_ips}, MERGE)


def hostsubnet_ips(lab, node):
    return lab.get(HS + node).get("egressIPs") or []
