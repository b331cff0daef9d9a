"""The CLI is a face: no store queries, verdicts or read models of its own (issue 6 part 6)."""

from __future__ import annotations

import ast
from pathlib import Path

import implflow.cli

CLI = Path(implflow.cli.__file__).parent
STORE = ("implflow.store", "sqlmodel", "sqlalchemy")
# What a CLI module may still take from the store, and why; anything else fails the test.
ALLOWED = {
    ("auth.py", "implflow.store.models"): "utcnow only: the clock, no query",
    ("demo_people.py", "implflow.store.db"): "the identity work's demo log-in (moving to services)",
}


def _store_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
        found.update(n for n in names if n.startswith(STORE))
    return found


def test_no_cli_module_reaches_into_the_store() -> None:
    reached = {(p.name, name) for p in sorted(CLI.glob("*.py")) for name in _store_imports(p)}
    assert reached - set(ALLOWED) == set()


def test_project_show_and_the_demo_read_through_services() -> None:
    for name in ("projects.py", "demo.py", "main.py", "gates.py"):
        assert _store_imports(CLI / name) == set(), name
