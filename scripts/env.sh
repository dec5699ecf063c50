# shellcheck shell=bash
# Source this file (". scripts/env.sh") to use the venv and the local
# collections tree made by scripts/setup.sh.
_egressip_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$_egressip_root/.venv/bin:$PATH"
export VIRTUAL_ENV="$_egressip_root/.venv"
export ANSIBLE_COLLECTIONS_PATH="$_egressip_root/.collections"
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
export ANSIBLE_HOST_KEY_CHECKING=False
export ANSIBLE_RETRY_FILES_ENABLED=False
export ANSIBLE_ROLES_PATH="$_egressip_root/roles"
export PYTHONPATH="$_egressip_root:$_egressip_root/.collections${PYTHONPATH:+:$PYTHONPATH}"
unset _egressip_root
