"""Repository-wide pytest set-up: make the venv tools and the local collections
tree visible to the subprocesses tests start (ansible-playbook, molecule)."""
import os
import sys

_ROOT = os.path.dirname(os.path.abspath(__file__))
_VENV_BIN = os.path.join(_ROOT, ".venv", "bin")
_COLLECTIONS = os.path.join(_ROOT, ".collections")

os.environ["PATH"] = _VENV_BIN + os.pathsep + os.environ.get("PATH", "")
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", _COLLECTIONS)
os.environ.setdefault("ANSIBLE_COLLECTIONS_SCAN_SYS_PATH", "false")
os.environ.setdefault("ANSIBLE_HOST_KEY_CHECKING", "False")
os.environ.setdefault("ANSIBLE_RETRY_FILES_ENABLED", "False")
os.environ.setdefault("ANSIBLE_ROLES_PATH", os.path.join(_ROOT, "roles"))
os.environ["PYTHONPATH"] = os.pathsep.join(
    [_ROOT, _COLLECTIONS] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
)
for _p in (_ROOT, _COLLECTIONS):
    if _p not in sys.path:
        sys.path.insert(0, _p)

# CI explores the same hypothesis examples on every run (a red CI must be reproducible and mean
# a regression); a developer's run explores new ones. HYPOTHESIS_PROFILE=explore forces the latter.
try:
    from hypothesis import settings as _hyp_settings
except ImportError:   # hypothesis is a test requirement; without it the property tests are not collected
    _hyp_settings = None
if _hyp_settings is not None:
    _hyp_settings.register_profile("ci", derandomize=True, database=None)
    _hyp_settings.register_profile("explore")
    _hyp_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "explore"))
