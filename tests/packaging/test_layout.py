"""The distribution owns one import name, and every package folder of the tree is installed."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[2]
NOT_SHIPPED = {"tests", "benchmarks", "scripts", "build", ".venv"}


def _listed() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return set(config["packages"])


def test_every_package_folder_is_listed_under_the_implflow_namespace() -> None:
    folders = {
        "implflow." + ".".join(p.parent.relative_to(ROOT).parts)
        for p in ROOT.glob("**/__init__.py")
        if p.parent.relative_to(ROOT).parts[0] not in NOT_SHIPPED
    }
    assert folders == _listed()


def test_no_generic_top_level_name_is_claimed() -> None:
    assert all(name.startswith("implflow.") for name in _listed())
    for generic in ("core", "cli", "store", "services", "flows", "gates"):
        spec = importlib.util.find_spec(generic)
        assert spec is None or "implflow" not in str(spec.origin), generic
    assert importlib.util.find_spec("implflow.gates.rules") is not None
