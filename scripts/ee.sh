#!/usr/bin/env bash
# Build context of the execution environment (ansible-builder create), offline:
#   bash scripts/ee.sh [CONTEXT_DIR]        (default build/ee/context)
# 1. build/ee/collections/ocp-egressip.tar.gz: `ansible-galaxy collection build` (galaxy.yml's
#    build_ignore decides what ships; the working tree itself never enters the context);
# 2. kubernetes-core, ansible-posix and awx-awx .tar.gz: the collections scripts/setup.sh took
#    from the `ansible` wheel, packed as installable tarballs (MANIFEST.json + FILES.json);
# 3. ansible-builder create -f execution-environment.yml.
# Building the image from the context needs the base image's registry (quay.io), which is not
# reachable from these machines: `podman build -t ocp-egressip-ee CONTEXT_DIR` elsewhere.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/env.sh
context=${1:-build/ee/context}
out=build/ee/collections
rm -rf "$out" "$context"
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ansible-galaxy collection build --force --output-path "$tmp" >/dev/null
mv "$tmp"/ocp-egressip-*.tar.gz "$out/ocp-egressip.tar.gz"
for c in kubernetes/core ansible/posix awx/awx; do
  src=.collections/ansible_collections/$c
  [ -f "$src/MANIFEST.json" ] || { echo "ee: $src missing (run bash scripts/setup.sh)" >&2; exit 1; }
  python scripts/pack_collection.py "$src" "$out/${c/\//-}.tar.gz"
done
ansible-builder create -f execution-environment.yml -c "$context" --output-filename Containerfile >/dev/null
echo "ee: context in $context"
