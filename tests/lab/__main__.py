"""CLI: python -m tests.lab --scenario seed --kubeconfig FILE [--port N] [--tls] [--token T]
[--dataplane worker01=NETNS:IFACE[@CIDR],...] [--cluster-id ID]

Writes a kubeconfig to FILE (and with --tls the CA to FILE.ca.pem), prints one line
``ready <url>`` once it serves, and exits 0 on SIGTERM/SIGINT."""
import argparse
import base64
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading

import yaml

from . import dataplane, scenarios
from .cluster import Cluster
from .server import LabServer, tls_context

CLUSTER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


def kubeconfig(url, token, ca_pem=None):
    cluster = {"server": url}
    if ca_pem is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    return {"apiVersion": "v1", "kind": "Config", "preferences": {},
            "clusters": [{"name": "lab", "cluster": cluster}],
            "users": [{"name": "lab-admin", "user": {"token": token}}],
            "contexts": [{"name": "lab", "context": {"cluster": "lab", "user": "lab-admin",
                                                     "namespace": "default"}}],
            "current-context": "lab"}


def write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m tests.lab", description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default="seed", help="seed, seed-ovn, seed-ovn-dualstack, seed-ovn-multinic, empty, "
                   "scale:NODES:NAMESPACES")
    p.add_argument("--kubeconfig", required=True, help="where to write the kubeconfig")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    p.add_argument("--tls", action="store_true", help="serve HTTPS with a generated CA")
    p.add_argument("--token", default=None, help="bearer token (default: random)")
    p.add_argument("--dataplane", default="", help="worker01=NETNS:IFACE[@CIDR],... (run ip addr add/del)")
    p.add_argument("--cluster-id", default=None,
                   help="spec.clusterID of ClusterVersion 'version' (default: a random UUID per lab instance)")
    p.add_argument("--verbose", action="store_true", help="log each API request on stderr")
    p.add_argument("--controller-delay", type=float, default=0.05,
                   help="seconds between a client write and the controllers' reaction (0: synchronous, "
                        "inside the write request)")
    args = p.parse_args(argv)
    try:
        if args.cluster_id is not None and not CLUSTER_ID.match(args.cluster_id):
            raise ValueError("--cluster-id %r: use 1-63 letters, digits, '.', '_' or '-'" % args.cluster_id)
        scenario = scenarios.build(args.scenario, args.cluster_id)
        mapping = dataplane.parse(args.dataplane)
    except ValueError as exc:
        p.error(str(exc))
    token = args.token or secrets.token_hex(16)
    if args.controller_delay < 0:
        p.error("--controller-delay: must be >= 0")
    cluster = Cluster(scenario, mapping, controller_delay=args.controller_delay)
    tmp, ctx, ca_pem = None, None, None
    if args.tls:
        from .tls import make_ca_and_server
        tmp = tempfile.mkdtemp(prefix="egressip-lab-tls-")
        paths, ca_pem = make_ca_and_server(tmp)
        ctx = tls_context(paths["cert"], paths["key"])
        write_private(args.kubeconfig + ".ca.pem", ca_pem)
    server = LabServer(cluster, token, args.port, ctx)
    server.verbose = args.verbose
    write_private(args.kubeconfig, yaml.safe_dump(kubeconfig(server.url, token, ca_pem),
                                                  default_flow_style=False).encode())
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    print("ready %s" % server.url, flush=True)
    try:
        stop.wait()    # signal handlers run in the main thread and set it
    finally:
        server.shutdown()
        server.server_close()
        cluster.kubelet.stop()
        cluster.dataplane.clear()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
