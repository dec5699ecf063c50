#!/usr/bin/env bash
# Runs ansible-test on a copy of this collection staged at
# <tmp>/ansible_collections/ocp/egressip (ansible-test needs that path), with
# kubernetes.core and ansible.posix beside it.
#   bash scripts/ansible-test.sh sanity [args...]
#   bash scripts/ansible-test.sh units [args...]
# ANSIBLE_TEST_PYTHON picks the Python version (default 3.11; tests/config.yml says which are supported).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/env.sh"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
dest="$stage/ansible_collections/ocp/egressip"
mkdir -p "$dest"
# Tracked files plus new files not yet committed (but never ignored ones).
(cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents {} "$dest/")
for c in kubernetes/core ansible/posix; do
  mkdir -p "$stage/ansible_collections/$(dirname "$c")"
  cp -r "$root/.collections/ansible_collections/$c" "$stage/ansible_collections/$c"
done
cd "$dest"
# ansible-test only tests files git knows about when a .git folder exists.
git init -q . && git add -A >/dev/null
cmd=$1; shift
case "$cmd" in
  sanity) ansible-test sanity --python "${ANSIBLE_TEST_PYTHON:-3.11}" --color no "$@" ;;
  units) ansible-test units --python "${ANSIBLE_TEST_PYTHON:-3.11}" --color no "$@" ;;
  *) echo "usage: $0 sanity|units [args]"; exit 2 ;;
esac
