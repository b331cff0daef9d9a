"""What a sign-off says: meaning, time with its zone, paper provenance."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from gate_helpers import GATE, principal
from sqlmodel import select

from implflow.core.errors import Forbidden, InvalidInput
from implflow.core.settings import get_settings
from implflow.methodology.loader import load_pack
from implflow.services import actions, evidence
from implflow.services.signatures import Provenance, meaning, shown_at
from implflow.store.db import session_scope
from implflow.store.models import AuditEntry, SignOff

AT = datetime(2026, 11, 25, 9, 50, 12, tzinfo=UTC)


def test_meaning_defaults_per_role_from_the_pack_and_may_be_chosen() -> None:
    m = load_pack().methodology
    assert meaning(m, "client_sponsor") == "approved"
    assert meaning(m, "consultant_lead") == "authored"
    assert meaning(m, "it_lead") == "reviewed"
    assert meaning(m, "client_sponsor", "reviewed") == "reviewed"
    with pytest.raises(InvalidInput, match="authored, reviewed, approved"):
        meaning(m, "client_sponsor", "blessed")


def test_times_show_their_zone(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert shown_at(AT) == "2026-11-25 09:50:12 UTC (UTC+00:00)"
    assert shown_at(AT.replace(tzinfo=None)) == "2026-11-25 09:50:12 UTC (UTC+00:00)"
    monkeypatch.setenv("IMPLFLOW_TIMEZONE", "Asia/Shanghai")
    get_settings.cache_clear()
    assert shown_at(AT) == "2026-11-25 17:50:12 CST (UTC+08:00)"


def test_a_paper_signature_says_who_recorded_it_and_the_scans_sha256() -> None:
    paper = Provenance("paper", recorded_by="chen.lead", scan_sha256="ab" * 32)
    assert paper.statement("zhou.sponsor") == (
        f"recorded by chen.lead on behalf of zhou.sponsor, scan sha256 {'ab' * 32}"
    )
    assert Provenance("password").statement("zhou.sponsor") == "signed by zhou.sponsor (password)"


def _sign(key: str, who: str, role: str, **kw: object) -> None:
    actions.sign(
        project_key=key, gate_key=GATE, actor=principal(who), role=role, proven_by="password", **kw
    )


def _signoffs(key: str) -> list[SignOff]:
    with session_scope() as s:
        return list(s.exec(select(SignOff).order_by(SignOff.id)))  # type: ignore[arg-type]


def _last_sign_entry(key: str) -> AuditEntry:
    with session_scope() as s:
        rows = s.exec(select(AuditEntry).where(AuditEntry.chain == key))
        return [e for e in rows if e.action == "gate.sign"][-1]


def test_a_sign_off_keeps_printed_name_meaning_and_proof(store: str, ready_srs: str) -> None:
    _sign(ready_srs, "chen.lead", "consultant_lead")
    (row,) = _signoffs(ready_srs)
    assert (row.signer_name, row.meaning, row.proven_by) == ("Chen Jing", "authored", "password")
    assert row.recorded_by_id is None and row.scan_sha256 is None
    entry = _last_sign_entry(ready_srs)
    assert entry.detail["statement"] == "signed by chen.lead (password)"
    assert entry.detail["meaning"] == "authored"


def test_a_paper_signature_is_recorded_on_behalf_of_the_signer_with_its_scan(
    store: str, ready_srs: str, tmp_path: Path
) -> None:
    page = tmp_path / "page.pdf"
    page.write_bytes(b"%PDF-1.4 signed by Zhou Min on 2026-11-24")
    scan = evidence.store_file(ready_srs, page)
    _sign(ready_srs, "chen.lead", "client_sponsor", on_behalf_of="zhou.sponsor", scan=scan)
    (row,) = _signoffs(ready_srs)
    assert (row.signer_name, row.meaning, row.proven_by) == ("Zhou Min", "approved", "paper")
    assert row.scan_sha256 == hashlib.sha256(page.read_bytes()).hexdigest()
    entry = _last_sign_entry(ready_srs)
    assert entry.actor == "chen.lead" and entry.detail["signer"] == "zhou.sponsor"
    assert entry.detail["statement"] == (
        f"recorded by chen.lead on behalf of zhou.sponsor, scan sha256 {row.scan_sha256}"
    )


def test_paper_needs_a_scan_and_a_member_allowed_to_record_it(
    store: str, ready_srs: str, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInput, match="needs the scanned page"):
        _sign(ready_srs, "chen.lead", "client_sponsor", on_behalf_of="zhou.sponsor")
    page = tmp_path / "page.pdf"
    page.write_bytes(b"%PDF-1.4")
    scan = evidence.store_file(ready_srs, page)
    with pytest.raises(Forbidden, match="may not record paper signature"):
        _sign(ready_srs, "zhao.cons", "client_sponsor", on_behalf_of="zhou.sponsor", scan=scan)
    assert _signoffs(ready_srs) == []
    with session_scope() as s:
        rows = list(s.exec(select(AuditEntry).where(AuditEntry.chain == ready_srs)))
    assert rows[-1].action == "sign.refused" and rows[-1].actor == "zhao.cons"


def test_gate_show_says_name_meaning_zone_and_how_a_signature_was_given(
    store: str, ready_srs: str, tmp_path: Path
) -> None:
    from implflow.services.views import gate_view

    page = tmp_path / "page.pdf"
    page.write_bytes(b"%PDF-1.4 signed")
    scan = evidence.store_file(ready_srs, page)
    _sign(ready_srs, "chen.lead", "consultant_lead")
    _sign(ready_srs, "chen.lead", "client_sponsor", on_behalf_of="zhou.sponsor", scan=scan)
    sigs = actions.in_session(lambda s: gate_view(s, ready_srs, GATE))["signatures"]
    assert [(g["name"], g["meaning"]) for g in sigs] == [
        ("Chen Jing", "authored"),
        ("Zhou Min", "approved"),
    ]
    assert sigs[0]["signed_at"].endswith("UTC (UTC+00:00)")
    assert (
        sigs[1]["given"]
        == f"recorded by chen.lead on behalf of zhou.sponsor, scan sha256 {scan.sha256}"
    )
