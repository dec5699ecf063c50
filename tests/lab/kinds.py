"""The resource table of the lab and the discovery documents built from it."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    kind: str
    group: str          # "" for the core group
    version: str
    plural: str
    namespaced: bool
    crd: bool           # CRD-backed kinds reject strategic merge patches (415)
    status: bool        # has a /status subresource
    short: tuple = ()
    # PUT without metadata.resourceVersion allowed (strategy AllowUnconditionalUpdate):
    # true for nodes and namespaces, false for leases and every CRD kind
    unconditional: bool = False

    @property
    def api_version(self):
        return self.version if not self.group else "%s/%s" % (self.group, self.version)

    @property
    def singular(self):
        return self.kind.lower()


KINDS = (
    Kind("Node", "", "v1", "nodes", False, False, True, ("no",), True),
    Kind("Namespace", "", "v1", "namespaces", False, False, True, ("ns",), True),
    Kind("HostSubnet", "network.openshift.io", "v1", "hostsubnets", False, True, False),
    Kind("NetNamespace", "network.openshift.io", "v1", "netnamespaces", False, True, False),
    Kind("Network", "config.openshift.io", "v1", "networks", False, True, True),
    # the platform type decides where OVN-Kubernetes takes egress networks from (cloud or not)
    Kind("Infrastructure", "config.openshift.io", "v1", "infrastructures", False, True, True),
    # no status subresource: the CRD has ``subresources: {}`` (ovn-kubernetes 6c366bb
    # dist/templates/k8s.ovn.org_egressips.yaml.j2:198), so status is kept on create and written
    # by any update or patch of the object (the controller patches /status through the object)
    Kind("EgressIP", "k8s.ovn.org", "v1", "egressips", False, True, False, ("eip",)),
    # cluster identity (spec.clusterID): the key of a cluster's records on shared target firewalls
    Kind("ClusterVersion", "config.openshift.io", "v1", "clusterversions", False, True, True),
    Kind("Lease", "coordination.k8s.io", "v1", "leases", True, False, False),
    # the collection's quarantine record (plugins/module_utils/quarantine.py); ConfigMaps allow
    # unconditional updates (core/v1 registry strategy AllowUnconditionalUpdate: true)
    Kind("ConfigMap", "", "v1", "configmaps", True, False, False, ("cm",), True),
    # the node probe's pods (kubelet.py); pods/log is served too (server.route)
    Kind("Pod", "", "v1", "pods", True, False, True, ("po",)),
)

BY_KIND = {k.kind: k for k in KINDS}
BY_PATH = {(k.group, k.version, k.plural): k for k in KINDS}

VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
VERSION = {
    "major": "1", "minor": "29", "gitVersion": "v1.29.0+lab", "gitCommit": "lab",
    "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.21",
    "compiler": "gc", "platform": "linux/amd64",
}


def groups():
    """Ordered {group: [versions]} for the non-core groups."""
    out = {}
    for k in KINDS:
        if k.group:
            out.setdefault(k.group, [])
            if k.version not in out[k.group]:
                out[k.group].append(k.version)
    return out


def core_versions():
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}


def group_list():
    items = []
    for group, versions in groups().items():
        vers = [{"groupVersion": "%s/%s" % (group, v), "version": v} for v in versions]
        items.append({"name": group, "versions": vers, "preferredVersion": vers[0]})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": items}


def group_doc(group):
    versions = groups().get(group)
    if not versions:
        return None
    vers = [{"groupVersion": "%s/%s" % (group, v), "version": v} for v in versions]
    return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": vers,
            "preferredVersion": vers[0]}


def resource_list(group, version):
    resources = []
    for k in KINDS:
        if k.group != group or k.version != version:
            continue
        resources.append({"name": k.plural, "singularName": k.singular, "namespaced": k.namespaced,
                          "kind": k.kind, "verbs": VERBS, "shortNames": list(k.short)})
        if k.status:
            resources.append({"name": k.plural + "/status", "singularName": "", "namespaced": k.namespaced,
                              "kind": k.kind, "verbs": ["get", "patch", "update"]})
        if k.kind == "Pod":
            resources.append({"name": "pods/log", "singularName": "", "namespaced": True, "kind": "Pod",
                              "verbs": ["get"]})
    if not resources:
        return None
    gv = version if not group else "%s/%s" % (group, version)
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}
