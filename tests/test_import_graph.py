"""Dependencies flow downward: no package imports a package that imports it back.

Each package (with every module in it) is imported alone in a fresh interpreter that records,
for every import made while loading, which package imported which; a cycle in that graph
fails the test and names its path. Lazy imports inside functions hide a cycle from Python but
not from the reader, so the module sources are read too (every `import smsaddon...` anywhere in
a module counts, except under `if TYPE_CHECKING:`).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "smsaddon"
PACKAGES = sorted(
    [path.parent.name for path in SRC.glob("*/__init__.py") if path.parent.name != "migrations"]
    + [path.stem for path in SRC.glob("*.py") if path.stem not in ("__init__", "__main__")]
)

RECORDER = """
import builtins, importlib.util, json, sys
edges = set()
real = builtins.__import__

def top(name):
    parts = name.split(".")
    return ".".join(parts[:2]) if parts[0] == "smsaddon" and len(parts) > 1 else None

def recording(name, globals=None, locals=None, fromlist=(), level=0):
    importer = (globals or {}).get("__name__", "")
    package = (globals or {}).get("__package__") or importer
    target = importlib.util.resolve_name("." * level + name, package) if level else name
    targets = [target] + [f"{target}.{item}" for item in (fromlist or ()) if item != "*"]
    source = top(importer)
    for each in targets:
        destination = top(each)
        if source and destination and source != destination:
            edges.add((source, destination))
    return real(name, globals, locals, fromlist, level)

builtins.__import__ = recording
import importlib, pkgutil
package = importlib.import_module(sys.argv[1])
for module in pkgutil.walk_packages(getattr(package, "__path__", []), package.__name__ + "."):
    if ".migrations." not in module.name + ".":
        importlib.import_module(module.name)
print(json.dumps(sorted(edges)))
"""


def _cycle(edges: set[tuple[str, str]]) -> list[str] | None:
    graph: dict[str, set[str]] = {}
    for source, destination in edges:
        graph.setdefault(source, set()).add(destination)
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for nxt in sorted(graph.get(node, ())):
            found = visit(nxt, [*path, node])
            if found:
                return found
        done.add(node)
        return None

    for start in sorted(graph):
        found = visit(start, [])
        if found:
            return found
    return None


def _package_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "smsaddon" or len(parts) < 2:
        return None
    return ".".join(parts[:2])


def _static_edges() -> set[tuple[str, str]]:
    """Every `import smsaddon.x` and `from smsaddon(.x) import y` in every module, wherever it
    stands (module level or inside a function), except under `if TYPE_CHECKING:`."""
    edges: set[tuple[str, str]] = set()
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        module = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
        source = _package_of(module.removesuffix(".__init__"))
        if source is None:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = {
            id(child)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for child in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == "smsaddon":
                    targets = [f"smsaddon.{alias.name}" for alias in node.names]
                else:
                    targets = [node.module]
            for target in targets:
                destination = _package_of(target)
                if destination and destination != source:
                    edges.add((source, destination))
    return edges


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_imports_alone_without_a_cycle(package: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", RECORDER, f"smsaddon.{package}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    edges = {tuple(edge) for edge in json.loads(result.stdout.splitlines()[-1])}
    assert _cycle(edges) is None, " -> ".join(_cycle(edges) or [])


def test_no_module_imports_a_package_that_imports_it_back() -> None:
    cycle = _cycle(_static_edges())
    assert cycle is None, " -> ".join(cycle or [])


def test_importing_the_ledger_hashes_no_password() -> None:
    probe = (
        "import argon2\n"
        "calls = []\n"
        "real = argon2.PasswordHasher.hash\n"
        "def counted(self, *args, **kwargs):\n"
        "    calls.append(1)\n"
        "    return real(self, *args, **kwargs)\n"
        "argon2.PasswordHasher.hash = counted\n"
        "import smsaddon.credits, smsaddon.billing, smsaddon.audit, smsaddon.accounts\n"
        "print(len(calls))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"
