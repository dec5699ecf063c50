"""The CLI contract: ready line, kubeconfig, TLS files, clean exit, errors."""
import base64
import os
import signal
import subprocess
import sys

import yaml

from tests.lab.fixtures import ROOT, _read_ready, start_lab


def test_ready_line_kubeconfig_and_clean_exit_on_sigterm(tmp_path):
    kc = tmp_path / "kc.yaml"
    proc = subprocess.Popen([sys.executable, "-m", "tests.lab", "--scenario", "seed", "--kubeconfig",
                             str(kc), "--token", "t0k3n"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        line = _read_ready(proc, 20)
        assert line is not None and line.startswith("ready http://127.0.0.1:")
        url = line.split(" ", 1)[1]
        config = yaml.safe_load(kc.read_text())
        assert config["current-context"] == "lab"
        assert config["clusters"][0]["cluster"]["server"] == url
        assert "certificate-authority-data" not in config["clusters"][0]["cluster"]
        assert config["users"][0]["user"]["token"] == "t0k3n"
        assert oct(os.stat(kc).st_mode & 0o777) == "0o600"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        assert proc.stdout.read() == b""  # exactly one line on stdout
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sigint_exits_zero_and_port_is_honoured(tmp_path):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "tests.lab", "--kubeconfig", str(tmp_path / "k"),
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    try:
        assert _read_ready(proc, 20) == "ready http://127.0.0.1:%d" % port
        proc.send_signal(signal.SIGINT)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_tls_kubeconfig_carries_the_ca(tmp_path):
    with start_lab(tmp_path, tls=True) as lab:
        assert lab.url.startswith("https://127.0.0.1:")
        config = yaml.safe_load(open(lab.kubeconfig))
        ca = base64.b64decode(config["clusters"][0]["cluster"]["certificate-authority-data"])
        assert ca == open(lab.kubeconfig + ".ca.pem", "rb").read()
        assert ca.startswith(b"-----BEGIN CERTIFICATE-----")


def test_unknown_scenario_fails_with_usage_error(tmp_path):
    res = subprocess.run([sys.executable, "-m", "tests.lab", "--scenario", "nope", "--kubeconfig",
                          str(tmp_path / "k")], cwd=ROOT, capture_output=True, timeout=30, check=False)
    assert res.returncode == 2
    assert b"unknown scenario" in res.stderr
    assert res.stdout == b""
