"""Set-up failures say what to fix: where a configuration was looked for (and how AWX provides
one), an untrusted certificate named as such with the options that fix it, and a warning when
certificates are not checked."""
import os

from tests.lab.fixtures import start_lab
from tests.integration.helpers import run_tasks

FACTS = "ocp.egressip.egressip_facts"


def _clean_auth_env(monkeypatch, home):
    for name in list(os.environ):
        if name.startswith("K8S_AUTH_") or name in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))


def test_no_configuration_names_every_place_tried_and_the_awx_credential(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    _clean_auth_env(monkeypatch, home)
    with start_lab(tmp_path) as lab:
        res = run_tasks(tmp_path, lab, [{FACTS: {"kubeconfig": None}}])
    assert res.rc != 0
    msg = res.result(0)["msg"]
    for text in ("no Kubernetes API configuration found", "option kubeconfig / K8S_AUTH_KUBECONFIG: not set",
                 "K8S_AUTH_HOST + K8S_AUTH_API_KEY", "in-cluster service account: not in a pod",
                 "KUBECONFIG: not set", "%s/.kube/config: does not exist" % home,
                 "'OpenShift or Kubernetes API Bearer Token' credential", "K8S_AUTH_SSL_CA_CERT"):
        assert text in msg, (text, msg)
    assert "Traceback" not in res.stdout + res.stderr


def test_missing_kubeconfig_file_is_named(tmp_path, monkeypatch):
    _clean_auth_env(monkeypatch, tmp_path)
    missing = str(tmp_path / "nowhere" / "kubeconfig")
    with start_lab(tmp_path) as lab:
        res = run_tasks(tmp_path, lab, [{FACTS: {"kubeconfig": missing}}])
    msg = res.result(0)["msg"]
    # the path itself is masked: kubeconfig is no_log (it may be an inline config with secrets)
    assert res.rc != 0 and "(option kubeconfig or K8S_AUTH_KUBECONFIG) does not exist" in msg, msg
    assert "Bearer Token' credential" in msg


def test_untrusted_certificate_says_so_and_names_ca_cert(tmp_path):
    with start_lab(tmp_path, tls=True) as lab:
        direct = {"kubeconfig": None, "host": lab.url, "api_key": lab.token}
        res = run_tasks(tmp_path, lab, [{FACTS: direct}])
        assert res.rc != 0
        msg = res.result(0)["msg"]
        assert "untrusted certificate" in msg and "no answer" not in msg, msg
        assert "the API server %s answered with a certificate that is not trusted here" % lab.url in msg, msg
        assert "ca_cert (K8S_AUTH_SSL_CA_CERT" in msg and "validate_certs: false" in msg, msg
        assert lab.token not in res.stdout + res.stderr
        # validate_certs: false works, with a warning; a verified run has none
        res = run_tasks(tmp_path, lab, [{FACTS: dict(direct, validate_certs=False)}], name="insecure")
        assert res.rc == 0, res.stdout[-2000:]
        assert any("validate_certs is false" in w and "give ca_cert instead" in w
                   for w in res.result(0).get("warnings", [])), res.result(0).get("warnings")
        res = run_tasks(tmp_path, lab, [{FACTS: dict(direct, ca_cert=lab.ca)}], name="verified")
        assert res.rc == 0 and not [w for w in res.result(0).get("warnings", []) if "validate_certs" in w]
