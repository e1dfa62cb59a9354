"""The package stays in pieces small enough to read: no class over 250 lines, no function over 50.

Declarative tables are exempt (the command line's options read best as one list); they are named here.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "tornado_timer"
MAX_CLASS_LINES = 250
MAX_FUNCTION_LINES = 50
TABLES = {"cli.py:build_parser"}  # a declarative table of options, not logic


def definitions() -> list[tuple[str, ast.AST]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                found.append((f"{path.relative_to(PACKAGE)}:{node.name}", node))
    return found


def length(node: ast.AST) -> int:
    assert isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno
    return node.end_lineno - node.lineno + 1


def test_no_class_is_over_250_lines_and_no_function_over_50() -> None:
    too_long = [
        f"{name} ({length(node)} lines)"
        for name, node in definitions()
        if name not in TABLES
        and length(node) > (MAX_CLASS_LINES if isinstance(node, ast.ClassDef) else MAX_FUNCTION_LINES)
    ]
    assert not too_long, too_long


def test_the_exemptions_still_exist() -> None:
    assert {name for name, _ in definitions()} >= TABLES


CORE_MAY_NOT_IMPORT = {"tornado", "asyncio", "socket", "time", "datetime", "select", "threading"}


def test_the_core_imports_no_tornado_and_reads_no_clock() -> None:
    """core/ is pure: times are passed in, I/O happens in the layers above (docs/architecture.md)."""
    found = []
    for path in sorted((PACKAGE / "core").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
            found += [f"{path.name}: {name}" for name in names if name.split(".")[0] in CORE_MAY_NOT_IMPORT]
    assert not found, found
