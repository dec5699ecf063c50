"""The layers of plugins/module_utils, read from the source with ast (nothing is imported):

- core/: pure (no ansible, no kubernetes, nothing from k8s/, sdn/, ovn/, runner, facts_runner)
- k8s/: the API layer, imports no backend (sdn/, ovn/) and no runner
- runner.py: the generic engine, imports neither backend
- sdn/ and ovn/: one backend each; neither imports the other
- node/: the node checks (probe.py runs ON the node: standard library only; pod.py and
  checks.py run it through the API): imports core and k8s, no backend, no runner
- no import cycles among the module_utils modules
"""
import ast
import os

import pytest

PKG = "ansible_collections.ocp.egressip.plugins.module_utils"
ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins", "module_utils")
ROOT = os.path.normpath(ROOT)


def _modules():
    out = {}
    for folder, _dirs, files in os.walk(ROOT):
        for name in files:
            if not name.endswith(".py") or name == "__init__.py":
                continue
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
            out[rel] = path
    return out


def _imports(path):
    """Every module named by an import statement anywhere in the file (lazy imports included)."""
    tree = ast.parse(open(path).read(), path)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            # "from PKG.core import state" imports PKG.core.state
            names.update("%s.%s" % (node.module, a.name) for a in node.names)
    return names


MODULES = _modules()


def _local(names):
    """module_utils-relative names of the local modules in ``names``."""
    out = set()
    for n in names:
        if n.startswith(PKG + "."):
            rel = n[len(PKG) + 1:]
            if rel in MODULES:
                out.add(rel)
    return out


GRAPH = dict((m, _local(_imports(p))) for m, p in MODULES.items())
RAW = dict((m, _imports(p)) for m, p in MODULES.items())


def _layer(mod):
    return mod.split(".")[0] if "." in mod else mod


def test_the_layout_is_the_documented_one():
    assert {"runner", "facts_runner", "core.addresses", "core.allocate", "core.state", "core.validate",
            "k8s.client", "k8s.lease", "sdn.backend", "sdn.changes", "ovn.model", "ovn.runner"} <= set(MODULES)
    assert set(_layer(m) for m in MODULES) == {"core", "k8s", "sdn", "ovn", "node", "runner", "facts_runner"}


@pytest.mark.parametrize("mod", sorted(m for m in MODULES if m.startswith("core.")))
def test_core_is_pure(mod):
    bad = [n for n in RAW[mod] if n.split(".")[0] in ("ansible", "kubernetes", "urllib3")]
    bad += [n for n in GRAPH[mod] if _layer(n) != "core"]
    assert not bad, "%s imports %s" % (mod, bad)


@pytest.mark.parametrize("mod", sorted(m for m in MODULES if m.startswith("k8s.")))
def test_k8s_layer_imports_no_backend(mod):
    bad = [n for n in GRAPH[mod] if _layer(n) not in ("k8s", "core")]
    assert not bad, "%s imports %s" % (mod, bad)


@pytest.mark.parametrize("mod", sorted(m for m in MODULES if m.startswith("node.")))
def test_node_layer_imports_no_backend(mod):
    bad = [n for n in GRAPH[mod] if _layer(n) not in ("node", "k8s", "core")]
    assert not bad, "%s imports %s" % (mod, bad)


def test_node_probe_is_standard_library_only():
    """node/probe.py is sent to the node as source text: it may import nothing of the collection
    and nothing outside the standard library."""
    bad = [n for n in RAW["node.probe"] if n.split(".")[0] in ("ansible", "ansible_collections", "kubernetes",
                                                               "urllib3", "netaddr", "yaml", "jmespath")]
    assert not bad, "node/probe.py imports %s" % bad


def test_runner_imports_no_backend():
    bad = [n for n in GRAPH["runner"] if _layer(n) not in ("k8s", "core")]
    assert not bad, "runner imports %s" % bad


@pytest.mark.parametrize("one,other", [("sdn", "ovn"), ("ovn", "sdn")])
def test_backends_do_not_import_each_other(one, other):
    bad = [(m, n) for m in MODULES if _layer(m) == one for n in GRAPH[m] if _layer(n) in (other, "facts_runner")]
    assert not bad


def test_no_import_cycles():
    state = {}
    path = []

    def visit(mod):
        state[mod] = "open"
        path.append(mod)
        for dep in sorted(GRAPH[mod]):
            if state.get(dep) == "open":
                raise AssertionError("import cycle: %s" % " -> ".join(path[path.index(dep):] + [dep]))
            if dep not in state:
                visit(dep)
        path.pop()
        state[mod] = "done"

    for mod in sorted(MODULES):
        if mod not in state:
            visit(mod)
    assert set(state) == set(MODULES) and set(state.values()) == {"done"}   # every module walked


def test_the_checker_sees_a_cycle_and_a_lazy_import(tmp_path):
    """The checks above would pass vacuously if _imports missed imports: prove it reads them."""
    src = tmp_path / "m.py"
    src.write_text("def f():\n    from %s.ovn import runner as r\n    from %s.core import state\n" % (PKG, PKG))
    assert _local(_imports(str(src))) == {"ovn.runner", "core.state"}
