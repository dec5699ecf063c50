#!/usr/bin/env bash
# One-time (idempotent) set-up for a fresh Debian bookworm machine:
#   - Debian packages the tests need (network namespaces, nftables, arping, sshd)
#   - a venv in .venv with the Python dependencies
#   - kubernetes.core, ansible.posix and awx.awx (AWX-as-code, playbooks/awx) taken from
#     the `ansible` wheel on PyPI (no Galaxy server is reachable), and this repository made importable as
#     the collection ocp.egressip, all under .collections/ (no network needed
#     after this step).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
PY=${PYTHON:-python3}
ANSIBLE_WHEEL_VERSION=${ANSIBLE_WHEEL_VERSION:-12.3.0}

apt_pkgs=(iproute2 nftables iputils-arping openssh-server iptables shellcheck iputils-ping netcat-openbsd)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # iputils-arping conflicts with the `arping` package: remove the latter if present.
  apt-get remove -y -qq arping >/dev/null 2>&1 || true
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# pip, as configured on these machines, warns about absent local mirrors: keep
# its output readable but never hide a failure.
pip_quiet() {
  local log rc=0
  log=$(mktemp)
  .venv/bin/python -m pip "$@" >"$log" 2>&1 || rc=$?
  grep -v "^WARNING: Location" "$log" || true
  rm -f "$log"
  return $rc
}

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.requirements.sha
want=$(cat requirements.txt requirements-test.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  pip_quiet install -q --upgrade pip
  pip_quiet install -q -r requirements.txt -r requirements-test.txt
  echo "$want" > "$stamp"
fi

coll=.collections/ansible_collections
mkdir -p "$coll/ocp"
ln -sfn ../../.. "$coll/ocp/egressip"
wheel_collections=(kubernetes/core ansible/posix awx/awx)
need_wheel=false
for c in "${wheel_collections[@]}"; do [ -f "$coll/$c/MANIFEST.json" ] || need_wheel=true; done
if $need_wheel; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  pip_quiet download -q --no-deps -d "$tmp" "ansible==$ANSIBLE_WHEEL_VERSION"
  .venv/bin/python - "$tmp"/ansible-*.whl "$coll" <<'PY'
import sys, zipfile, os
wheel, dest = sys.argv[1], sys.argv[2]
wanted = ("ansible_collections/kubernetes/core/", "ansible_collections/ansible/posix/", "ansible_collections/awx/awx/")
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith(wanted) and not name.endswith("/"):
            target = os.path.join(dest, name[len("ansible_collections/"):])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with z.open(name) as src, open(target, "wb") as out:
                out.write(src.read())
PY
fi

# ansible-test downloads get-pip from the internet when a venv lacks pip; this
# cached replacement bootstraps pip offline (see shared/machine-notes.md).
cache=~/.ansible/test/cache
mkdir -p "$cache"
cat > "$cache/get_pip_24_2.py" <<'PY'
import subprocess, sys
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
if args:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--upgrade"] + args)
PY
echo "setup: ok (ansible-core $(.venv/bin/python -c "from ansible.release import __version__ as v; print(v)"))"
