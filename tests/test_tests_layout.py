"""The tests' own layout: builders live in tests/fixtures, conftest.py files hold only fixtures,
and only the browser tests (tests/web) import Playwright, so the rest run without it installed.

The modules' sources are read, not imported: every import anywhere in a module counts.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent
WEB = TESTS / "web"


def _modules() -> list[Path]:
    return sorted(path for path in TESTS.rglob("*.py") if "node_modules" not in path.parts)


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def _is_fixture(node: ast.stmt) -> bool:
    if not isinstance(node, ast.FunctionDef):
        return False
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if ast.unparse(target) == "pytest.fixture":
            return True
    return False


def test_only_the_browser_tests_import_playwright() -> None:
    # Given every test module, when their imports are read
    outside = [
        str(path.relative_to(TESTS))
        for path in _modules()
        if not path.is_relative_to(WEB)
        and any(name.split(".")[0] == "playwright" for name in _imported(path))
    ]
    # then none outside tests/web names Playwright
    assert outside == []


def test_the_browser_tests_do_import_playwright() -> None:
    # The check above reads real imports: tests/web's conftest.py is where Chromium starts.
    assert "playwright.sync_api" in _imported(WEB / "conftest.py")


def test_nothing_imports_from_a_conftest() -> None:
    importers = [
        str(path.relative_to(TESTS))
        for path in _modules()
        if any(name.split(".")[-1] == "conftest" for name in _imported(path))
    ]
    assert importers == []


def test_conftest_files_hold_only_fixtures() -> None:
    # Given every conftest.py, when its top-level statements are read
    others = {
        f"{path.relative_to(TESTS)}:{node.lineno}"
        for path in TESTS.rglob("conftest.py")
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if not isinstance(node, ast.Import | ast.ImportFrom)
        and not _is_fixture(node)
        and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))  # docstring
        and not (
            isinstance(node, ast.Assign)
            and [ast.unparse(target) for target in node.targets] == ["__all__"]
        )
    }
    # then each is an import, a fixture, the docstring or __all__
    assert others == set()
