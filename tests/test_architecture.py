"""The library's shape: three layers by what they import, no import circles.

numerics (top-level modules, numpy only) <- pictures (backprop_lib.plots, matplotlib) <- widgets
(backprop_lib.widgets, ipywidgets); checks (backprop_lib.checks) import numerics only. Imports inside
functions count too: a deferred import is still an import.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "backprop_lib"
LAYER_RANK = {"numerics": 0, "checks": 0, "plots": 1, "widgets": 2}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ("plots", "widgets", "checks") else "numerics"


def imports_of(module: str) -> set[str]:
    """Every backprop_lib module that `module` imports, anywhere in its file (functions included)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                root = ".".join(base + ([node.module] if node.module else []))
            else:
                root = node.module or ""
            names = [root] + [f"{root}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            # the longest prefix of `name` that is one of our modules
            parts = name.split(".")
            for k in range(len(parts), 0, -1):
                candidate = ".".join(parts[:k])
                if candidate in MODULES:
                    if candidate != module:
                        found.add(candidate)
                    break
    return found


GRAPH = {m: imports_of(m) for m in MODULES}


def external_imports(module: str) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            out.add(node.module.split(".")[0])
    return out


def test_the_graph_sees_the_library():
    """The analysis itself works: it finds the modules and the edges it must (a test that cannot fail is none)."""
    assert {"backprop_lib.mlp", "backprop_lib.widgets.base", "backprop_lib.plots.core"} <= set(MODULES)
    assert "backprop_lib.layers" in GRAPH["backprop_lib.mlp"]
    assert "backprop_lib.widgets.base" in GRAPH["backprop_lib.widgets.playground"]


def test_no_import_circle():
    """Depth-first search for a cycle among backprop_lib's modules (package __init__ re-exports count,
    except a package's own submodules importing their parent package's siblings through it)."""
    edges = {m: {d for d in deps if not (m.startswith(d + ".") )} for m, deps in GRAPH.items()}
    state, stack = {}, []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for d in sorted(edges[m]):
            if state.get(d) == "open":
                cycle = stack[stack.index(d):] + [d]
                pytest.fail("import circle: " + " -> ".join(cycle))
            if d not in state:
                visit(d)
        stack.pop()
        state[m] = "done"

    for m in sorted(edges):
        if m not in state:
            visit(m)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_nothing_imports_upward(module):
    rank = LAYER_RANK[layer(module)]
    upward = sorted(d for d in GRAPH[module] if LAYER_RANK[layer(d)] > rank and d != "backprop_lib")
    assert not upward, f"{module} ({layer(module)}) imports a higher layer: {upward}"
    if layer(module) == "checks":
        assert not any(layer(d) in ("plots", "widgets") for d in GRAPH[module])


@pytest.mark.parametrize("module", sorted(m for m in MODULES if layer(m) in ("numerics", "checks")))
def test_numeric_modules_import_no_drawing_library(module):
    banned = external_imports(module) & {"matplotlib", "ipywidgets", "IPython"}
    assert not banned, f"{module} is in the numeric layer but imports {sorted(banned)}"


def test_numeric_layer_imports_with_matplotlib_and_ipywidgets_blocked():
    """Import every numeric module (and the checks) in a fresh interpreter where importing matplotlib,
    ipywidgets or IPython raises: none of them may need those packages."""
    numeric = sorted(m for m in MODULES if layer(m) in ("numerics", "checks"))
    code = f"""
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('matplotlib', 'ipywidgets', 'IPython'):
            raise ImportError('blocked for this test: ' + name)
sys.meta_path.insert(0, Block())
import importlib
for m in {numeric!r}:
    importlib.import_module(m)
import backprop_lib as bl
net = bl.MLP([2, 3, 1], seed=0)
print('imported', len({numeric!r}), 'modules')
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=PACKAGE.parent, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"imported {len(numeric)} modules" in result.stdout


def test_the_block_really_blocks():
    """The same interpreter set-up refuses matplotlib: the test above cannot pass by accident."""
    code = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('matplotlib', 'ipywidgets', 'IPython'):
            raise ImportError('blocked for this test: ' + name)
sys.meta_path.insert(0, Block())
import backprop_lib.widgets
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=PACKAGE.parent, timeout=120)
    assert result.returncode != 0 and "blocked for this test" in result.stderr


@pytest.mark.parametrize("chapter", sorted((PACKAGE.parent / "chapters").glob("*.py")), ids=lambda p: p.stem)
def test_chapters_import_no_math_from_widget_modules(chapter):
    """A chapter imports only views from backprop_lib.widgets, never numerics or pictures from there."""
    import backprop_lib.widgets as widgets

    views = set(widgets.__all__)
    for node in ast.walk(ast.parse(chapter.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("backprop_lib.widgets"):
            names = {a.name for a in node.names}
            assert node.module == "backprop_lib.widgets", f"{chapter.name} imports from {node.module}"
            assert names <= views, f"{chapter.name} imports {sorted(names - views)} from backprop_lib.widgets"
