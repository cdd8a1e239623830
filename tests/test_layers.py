"""The package's layers: imports only point down, and no lib import hides inside a function.

core -> ingest -> extract -> corpus -> views / evaluate -> build -> bench -> the CLI. A lib import
inside a function would hide an upward or circular dependency; the CLI's lazy imports (so that
`python -m lib --help` does not load spaCy) are the one exception.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[1] / "lib"
RANK = {"core": 0, "ingest": 1, "extract": 2, "corpus": 3, "views": 4, "evaluate": 4, "build": 5, "bench": 6,
        "__main__": 7, "__init__": 0}
LAZY_IMPORTS_ALLOWED = {"__main__"}


def _layer(module: str) -> str:
    """'lib.extract.claims' -> 'extract'; 'lib.build' -> 'build'; 'lib' -> '__init__'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(LIB.rglob("*.py")):
        parts = path.relative_to(LIB.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found.append((name, path))
    return found


def _lib_imports(tree: ast.AST) -> list[tuple[ast.ImportFrom | ast.Import, list[str]]]:
    imports = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and (node.module == "lib" or node.module.startswith("lib.")):
            imports.append((node, [f"{node.module}.{a.name}" if node.module == "lib" else node.module
                                   for a in node.names]))
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name == "lib" or a.name.startswith("lib.")]
            if names:
                imports.append((node, names))
    return imports


def _function_level(tree: ast.AST) -> set[int]:
    """Line numbers of imports inside a function or class body."""
    inner: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for child in ast.walk(node):
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    inner.add(child.lineno)
    return inner


MODULES = _modules()


def test_every_module_has_a_layer():
    assert {_layer(name) for name, _ in MODULES} <= set(RANK)


@pytest.mark.parametrize("name, path", MODULES, ids=[name for name, _ in MODULES])
def test_imports_point_down_and_sit_at_module_level(name: str, path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inner = _function_level(tree)
    own = RANK[_layer(name)]
    for node, targets in _lib_imports(tree):
        if node.lineno in inner:
            assert _layer(name) in LAZY_IMPORTS_ALLOWED, f"{name}:{node.lineno} imports lib inside a function"
            continue
        for target in targets:
            layer = _layer(target)
            assert RANK[layer] <= own, f"{name}:{node.lineno} imports {target} from a higher layer ({layer})"


def test_the_rule_catches_an_upward_and_a_hidden_import(tmp_path):
    """The checks above can fail: a core module importing corpus code, a function importing lib."""
    bad = ast.parse("from lib.corpus import claims\n\ndef f():\n    from lib.core import store\n")
    inner = _function_level(bad)
    layers = [(_layer(t), node.lineno in inner) for node, targets in _lib_imports(bad) for t in targets]
    assert ("corpus", False) in layers and RANK["corpus"] > RANK["core"]
    assert ("core", True) in layers
