#!/usr/bin/env bash
# The main job against the built-in lab cluster: sets up the machine, starts the
# lab (the blog's cluster, over HTTPS with its own CA), runs playbooks/demo.yml
# (assigns an egress IP to the namespace mywebserver and prints the
# `oc get hostsubnets` table), then stops the lab.
#   bash scripts/demo.sh [PLAYBOOK] [ansible-playbook args...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
. scripts/env.sh
playbook=${1:-playbooks/demo.yml}
shift || true

work=$(mktemp -d)
lab_pid=""
cleanup() {
  if [ -n "$lab_pid" ]; then
    kill "$lab_pid" 2>/dev/null || true
    wait "$lab_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

python -m tests.lab --scenario seed --tls --kubeconfig "$work/kubeconfig" >"$work/lab.out" 2>"$work/lab.err" &
lab_pid=$!
for _ in $(seq 1 100); do
  grep -q '^ready ' "$work/lab.out" 2>/dev/null && break
  kill -0 "$lab_pid" 2>/dev/null || { cat "$work/lab.err"; echo "demo: the lab did not start"; exit 1; }
  sleep 0.1
done
grep -q '^ready ' "$work/lab.out" || { cat "$work/lab.err"; echo "demo: the lab did not start in 10 s"; exit 1; }
echo "demo: lab $(head -1 "$work/lab.out")"

# The same K8S_AUTH_* variables that kubernetes.core reads.
export K8S_AUTH_KUBECONFIG="$work/kubeconfig"
ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$root/.venv/bin/python" "$playbook" "$@"
