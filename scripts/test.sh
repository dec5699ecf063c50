#!/usr/bin/env bash
# Runs the whole test suite: unit, lab, integration (ansible-playbook against the
# lab), end-to-end on network namespaces, molecule scenarios, ansible-test sanity
# and units. Extra arguments go to pytest (e.g. `bash scripts/test.sh -k lab`).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
bash scripts/setup.sh >/dev/null || { echo "test: set-up failed (run bash scripts/setup.sh)"; exit 1; }
. scripts/env.sh
# Two workers: most of the time goes to ansible-playbook runs and network waits, not to
# one CPU. loadgroup keeps each xdist_group (the reliability tally) on one worker.
python -m pytest -n 2 --dist loadgroup "$@"
rc=$?
# pytest exits 5 when it collected no test: that is a failure here, not a pass.
if [ "$rc" -eq 5 ]; then
  echo "test: pytest collected no tests"
fi
exit "$rc"
