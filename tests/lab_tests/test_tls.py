"""HTTPS with the generated CA, and kubernetes.core.k8s_info against it."""
import json
import os
import ssl
import subprocess
import sys
import urllib.request

import pytest

from tests.lab.fixtures import ROOT

from .helpers import dynamic_client


def test_ca_verifies_and_missing_ca_fails(lab_tls):
    assert lab_tls.get("/api/v1/nodes/worker01")["metadata"]["name"] == "worker01"
    req = urllib.request.Request(lab_tls.url + "/api/v1/nodes",
                                 headers={"Authorization": "Bearer " + lab_tls.token})
    with pytest.raises(urllib.error.URLError) as err:
        urllib.request.urlopen(req, context=ssl.create_default_context(), timeout=10)
    assert isinstance(err.value.reason, ssl.SSLCertVerificationError)
    # the DynamicClient with the kubeconfig (CA inline) works
    nodes = dynamic_client(lab_tls).resources.get(api_version="v1", kind="Node").get()
    assert len(nodes.items) == 5


def test_kubernetes_core_k8s_info_over_https(lab_tls, tmp_path):
    playbook = tmp_path / "info.yml"
    playbook.write_text("""
- hosts: localhost
  gather_facts: false
  tasks:
    - kubernetes.core.k8s_info:
        api_version: network.openshift.io/v1
        kind: HostSubnet
        kubeconfig: "{{ kc }}"
      register: hs
    - kubernetes.core.k8s:
        kubeconfig: "{{ kc }}"
        state: present
        definition:
          apiVersion: network.openshift.io/v1
          kind: NetNamespace
          metadata: {name: mywebserver}
          egressIPs: ["198.51.100.120"]
    - copy:
        dest: "{{ out }}"
        content: "{{ hs.resources | map(attribute='hostIP') | list | to_json }}"
""")
    out = tmp_path / "out.json"
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".collections"))
    res = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", str(playbook),
                          "-e", "ansible_python_interpreter=" + sys.executable,
                          "-e", "kc=" + lab_tls.kubeconfig, "-e", "out=" + str(out)],
                         env=env, capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert json.loads(out.read_text()) == ["198.51.100.%d" % i for i in range(141, 146)]
    # k8s tries a strategic merge patch first; a CRD kind answers 415, then a merge patch works
    patches = [(r["content_type"], r["status"]) for r in lab_tls.requests() if r["verb"] == "patch"]
    assert patches == [("application/strategic-merge-patch+json", 415), ("application/merge-patch+json", 200)]
    assert lab_tls.get("/apis/network.openshift.io/v1/netnamespaces/mywebserver")["egressIPs"] == ["198.51.100.120"]
    assert {r["verb"] for r in lab_tls.requests() if r["kind"] == "HostSubnet"} == {"list"}
