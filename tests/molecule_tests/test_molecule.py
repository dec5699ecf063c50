"""`molecule test` for every role scenario, run from the controller namespace of a fresh
network-namespace topology (tests/netns): create, prepare, converge, idempotence, verify,
cleanup, destroy must all pass (rc 0)."""
import glob
import os
import re
import time

import pytest

from tests.netns import down, run_in_ctl
from tests.netns.fixtures import make_topology
from tests.netns.topology import REPO_ROOT, VENV_BIN

pytestmark = [pytest.mark.netns, pytest.mark.slow]

SCENARIOS = sorted(
    os.path.relpath(p, REPO_ROOT)
    for p in glob.glob(os.path.join(REPO_ROOT, "roles", "*", "molecule", "*", "molecule.yml"))
)


def _id(path):
    parts = path.split(os.sep)
    return "%s:%s" % (parts[1], parts[3])


def test_every_role_has_a_scenario():
    roles = sorted(d for d in os.listdir(os.path.join(REPO_ROOT, "roles"))
                   if d in ("egressip_node_check", "egressip_firewall", "egressip"))
    have = {p.split(os.sep)[1] for p in SCENARIOS}
    assert set(roles) <= have, SCENARIOS


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[_id(p) for p in SCENARIOS])
def test_molecule_scenario(scenario):
    role_dir = os.path.join(REPO_ROOT, *scenario.split(os.sep)[:2])
    name = scenario.split(os.sep)[3]
    topo = make_topology("m")
    try:
        env = {
            "EGRESSIP_NETNS_INVENTORY": topo["inventory"],
            "MOLECULE_EPHEMERAL_DIRECTORY": os.path.join(topo["tmpdir"], "molecule-" + _id(scenario).replace(":", "-")),
            "ANSIBLE_FORCE_COLOR": "0",
            "NO_COLOR": "1",
            "PY_COLORS": "0",
        }
        start = time.time()
        proc = run_in_ctl(topo, [os.path.join(VENV_BIN, "molecule"), "test", "-s", name], cwd=role_dir, env=env,
                          timeout=900)
        took = time.time() - start
        out = proc.stdout + proc.stderr
        print("molecule test %s: rc=%s in %.1fs" % (scenario, proc.returncode, took))
        assert proc.returncode == 0, "molecule failed (rc=%s):\n%s" % (proc.returncode, out[-12000:])
        # the sequence really ran: converge, idempotence and verify all succeeded
        for action in ("create", "prepare", "converge", "idempotence", "verify", "destroy"):
            assert re.search(r"\b%s\W+Executed: Successful" % action, out), (action, out[-4000:])
    finally:
        down(topo)
