"""Import direction: services never import flows (what starts a phase is handed in)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import implflow.services

SERVICES = Path(implflow.services.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_service_module_imports_flows_even_lazily() -> None:
    offenders = {
        str(p.relative_to(SERVICES)): sorted(n for n in _imports(p) if ".flows" in n)
        for p in SERVICES.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_every_service_loads_no_flow_module() -> None:
    code = (
        "import importlib, pkgutil, sys, implflow.services as s\n"
        "for m in pkgutil.walk_packages(s.__path__, 'implflow.services.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted(n for n in sys.modules if n.startswith(('implflow.flows', 'prefect'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
