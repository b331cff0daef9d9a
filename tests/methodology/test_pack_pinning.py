"""Packs found by name, cached by hash, re-hashed at every load against the project's pin;
a stray file or one broken project never breaks every command (issue 7 parts 3-4, 6 part 7)."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from gate_helpers import open_gate
from sqlmodel import select

from implflow.core.errors import IntegrityError, NotFound, PackError
from implflow.core.settings import get_settings
from implflow.methodology import loader
from implflow.services import actions, lookup, portfolio
from implflow.store.db import session_scope
from implflow.store.models import Project


@pytest.fixture
def packs(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A packs folder (IMPLFLOW_PACKS_DIR) holding a copy of the shipped standard pack."""
    folder = home.parent / "packs"
    folder.mkdir()
    for path in loader.PACKS.glob("standard-*.yaml"):
        shutil.copy(path, folder / path.name)
    monkeypatch.setenv("IMPLFLOW_PACKS_DIR", str(folder))
    get_settings.cache_clear()
    yield folder
    monkeypatch.delenv("IMPLFLOW_PACKS_DIR")
    get_settings.cache_clear()


def _version() -> str:
    return loader.load_pack("standard").methodology.version


def test_a_stray_file_in_the_packs_folder_is_skipped_with_a_warning(
    packs: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (packs / "notes.yaml").write_text("just: notes\n", encoding="utf-8")
    (packs / "standard-draft.yaml").write_text("{", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert ("standard", _version()) in loader.available_packs()
    assert "notes.yaml" in caplog.text and "standard-draft.yaml" in caplog.text
    assert loader.load_pack("standard").path.parent == packs


def test_a_stray_file_is_warned_about_once_per_process(
    packs: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (packs / "notes.yaml").write_text("just: notes\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        for _ in range(3):  # a console or `project create` lists the packs again and again
            loader.available_packs()
            loader.load_pack("standard")
    warned = [r for r in caplog.records if "notes.yaml" in r.getMessage()]
    assert len(warned) == 1


def test_a_broken_pack_breaks_only_itself(packs: Path) -> None:
    (packs / "broken-1.0.0.yaml").write_text("name: [\n", encoding="utf-8")
    assert loader.load_pack("standard").methodology.name == "standard"
    with pytest.raises(PackError, match="broken-1.0.0.yaml:2: yaml"):
        loader.load_pack("broken")
    with pytest.raises(NotFound, match="no version 2.0.0"):
        loader.load_pack("broken", "2.0.0")


def test_a_pack_is_parsed_once_per_content_and_again_when_edited(packs: Path) -> None:
    first = loader.load_pack("standard", catalogue=lookup.catalogue())
    assert loader.load_pack("standard", catalogue=lookup.catalogue()) is first
    path = first.path
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    second = loader.load_pack("standard", catalogue=lookup.catalogue())
    assert second is not first and second.sha256 != first.sha256


def test_a_project_refuses_its_pinned_pack_once_the_file_changed(
    packs: Path, make_project: Callable[..., str]
) -> None:
    key = make_project("acme-erp")
    open_gate(key)
    with session_scope() as s:
        proj = lookup.project(s, key)
        pinned = proj.pack_sha256
        assert lookup.methodology(proj).name == "standard"
    path = packs / f"standard-{_version()}.yaml"
    text = path.read_text(encoding="utf-8").replace("{min_ratio: 1.0}", "{min_ratio: 0.5}", 1)
    path.write_text(text, encoding="utf-8")
    with session_scope() as s, pytest.raises(IntegrityError) as info:
        lookup.methodology(lookup.project(s, key))
    assert str(info.value).startswith(
        f"pack standard@{_version()} changed since project acme-erp pinned it: sha256 "
    )
    assert f"!= {pinned}" in str(info.value)
    (row,) = actions.in_session(portfolio.portfolio)
    assert row.project == key and row.gate == "srs-signoff"
    assert row.error is not None and "changed since project acme-erp pinned it" in row.error


def test_status_shows_every_project_when_one_has_a_bad_stored_overlay(
    home: Path, make_project: Callable[..., str]
) -> None:
    good, bad = make_project("good-erp"), make_project("bad-erp")
    for key in (good, bad):
        open_gate(key)
    with session_scope() as s:  # an overlay stored before parameters were checked at load
        proj = s.exec(select(Project).where(Project.key == bad)).one()
        proj.overlay = {
            "pack": "standard",
            "gates": [
                {"gate": "srs-signoff", "params": {"departments-interviewed": {"min_ratio": -1}}}
            ],
        }
        s.add(proj)
    rows = {r.project: r for r in actions.in_session(portfolio.portfolio)}
    assert rows[good].error is None and rows[good].gate == "srs-signoff"
    assert rows[bad].gate == "srs-signoff"
    assert rows[bad].error is not None and rows[bad].waiting_for.startswith("cannot evaluate: ")
    assert (
        "project bad-erp overlay: gates.0.params.departments-interviewed.min_ratio: "
        "Input should be greater than or equal to 0" in rows[bad].error
    )
