"""`audit verify` catches each kind of tampering an insider with SQL access could try (issue 7.3).

Chains and the governed tables are tried on SQLite and PostgreSQL; files and packs on SQLite.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from gate_helpers import GATE
from tamper_helpers import EVIDENCE_ITEM, governed_project, one, problems, sql

from implflow.core.settings import get_settings
from implflow.services import views
from implflow.store import audit
from implflow.store.db import session_scope
from implflow.store.models import AuditEntry

KEY = "acme-erp"


@pytest.fixture
def governed(store: str, make_project: Any, tmp_path: Path) -> str:
    key = governed_project(make_project, tmp_path)
    assert problems() == []
    return key


def _last_seq(chain: str = KEY) -> int:
    return int(one("SELECT MAX(seq) FROM auditentry WHERE chain = :c", c=chain))


def test_intact_store_verifies_and_every_entry_is_keyed(governed: str) -> None:
    schemes = {r[0] for r in sql("SELECT DISTINCT scheme FROM auditentry")}
    assert schemes == {audit.KEYED}
    key_file = get_settings().audit_key_path
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_deleting_the_newest_entries_is_caught(governed: str) -> None:
    last = _last_seq()
    sql("DELETE FROM auditentry WHERE chain = :c AND seq > :s", c=KEY, s=last - 3)
    assert f"audit {KEY}: entries {last - 2}..{last} were deleted (anchored at #{last})" in (
        problems()
    )


def test_deleting_a_whole_chain_is_caught(governed: str) -> None:
    last = _last_seq()
    sql("DELETE FROM auditentry WHERE chain = :c", c=KEY)
    assert f"audit {KEY}: the whole chain was deleted (anchored at #{last})" in problems()


def test_rehashing_the_chain_without_the_key_is_caught(governed: str) -> None:
    """Edit entry 3, then re-hash every entry after it (plain sha256, as before 0002)."""
    sql("UPDATE auditentry SET actor = 'mallory' WHERE chain = :c AND seq = 3", c=KEY)
    with session_scope() as s:
        prev = audit.GENESIS
        for e in s.exec(audit.select(AuditEntry).where(AuditEntry.chain == KEY)
                        .order_by(AuditEntry.seq)):  # fmt: skip
            e.scheme, e.prev_hash = audit.PLAIN, prev
            e.hash = prev = audit.entry_hash(e)
            s.add(e)
        s.flush()
        s.info.pop(audit.HEADS, None)  # an attacker's session would not raise the anchor
    found = problems()
    assert any(
        p.startswith(f"audit {KEY}#") and "differs from the anchored head" in p for p in found
    )


def test_rehashing_with_a_wrong_key_is_caught(governed: str) -> None:
    with session_scope() as s:
        rows = list(s.exec(audit.select(AuditEntry).where(AuditEntry.chain == KEY)))
        prev = audit.GENESIS
        for e in sorted(rows, key=lambda r: r.seq):
            e.prev_hash = prev
            e.hash = prev = audit.entry_hash(e, b"k" * 32)
            s.add(e)
    found = problems()
    assert f"audit {KEY}#1: entry was altered (project.create {KEY})" in found


def test_a_forged_append_is_caught(governed: str) -> None:
    """An entry linked correctly to the head but hashed without the key."""
    seq = _last_seq()
    head = one("SELECT hash FROM auditentry WHERE chain = :c AND seq = :s", c=KEY, s=seq)
    forged = AuditEntry(
        chain=KEY, seq=seq + 1, actor="zhou.sponsor", action="gate.sign", target=GATE,
        detail={"role": "client_sponsor"}, prev_hash=head, hash="", scheme=audit.PLAIN,
    )  # fmt: skip
    forged.hash = audit.entry_hash(forged)
    sql(
        "INSERT INTO auditentry (chain, seq, at, actor, action, target, detail, prev_hash, hash, "
        "scheme) VALUES (:c, :s, :at, 'zhou.sponsor', 'gate.sign', :t, :d, :p, :h, 'sha256')",
        c=KEY, s=seq + 1, at=forged.at, t=GATE, d=json.dumps(forged.detail), p=head, h=forged.hash,
    )  # fmt: skip
    assert f"audit {KEY}#{seq + 1}: unkeyed entry after keyed ones (forged)" in problems()


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("UPDATE signoff SET role = 'pmo' WHERE id = (SELECT MIN(id) FROM signoff)", "sign-off #"),
        ("UPDATE gaterecord SET status = 'open' WHERE gate_key = 'srs-signoff'", "gate record #"),
        ("UPDATE waiver SET reason = 'because'", "waiver #"),
        ("UPDATE checklistentry SET note = 'redone' WHERE item_key = 'risks-owned'",
         "checklist entry #"),
        ("UPDATE projectrecord SET data = '{\"name\": \"Finance\"}' WHERE key = 'fin'", "record #"),
        ("UPDATE document SET sha256 = 'x' WHERE doc_key = 'srs' AND fmt = 'md'", "document #"),
        ("UPDATE project SET pack_sha256 = 'x'", "project #"),
    ],
    ids=["sign-off", "gate", "waiver", "checklist", "record", "document", "project"],
)  # fmt: skip
def test_editing_a_governed_row_is_caught(governed: str, statement: str, expected: str) -> None:
    sql(statement)
    assert any(expected in p and "differs from audit" in p for p in problems()), problems()


def test_deleting_a_waiver_is_caught(governed: str) -> None:
    wid = one("SELECT id FROM waiver")
    sql("DELETE FROM waiver")
    assert any(f"waiver #{wid} was deleted outside" in p for p in problems())


def test_a_forged_signoff_or_membership_is_caught(governed: str) -> None:
    gate = one("SELECT id FROM gaterecord WHERE gate_key = :g", g=GATE)
    person = one("SELECT id FROM person WHERE handle = 'he.key'")
    sql(
        "INSERT INTO signoff (gate_id, person_id, role, decision, comment, at, documents, voided, "
        "meaning, signer_name, signer_title, proven_by) VALUES (:g, :p, 'client_sponsor', "
        "'approve', '', :at, '{}', false, 'approved', '', '', '')",
        g=gate, p=person, at="2026-01-01 00:00:00",
    )  # fmt: skip
    sql("INSERT INTO membership (project_id, person_id, role) VALUES (1, :p, 'pmo')", p=person)
    found = problems()
    assert any("sign-off #" in p and "has no audit entry" in p for p in found)
    assert any("membership #" in p and "has no audit entry" in p for p in found)


def test_a_signoff_carries_the_chain_head_that_proves_truncation(governed: str) -> None:
    """Cut the chain below the sign-off's head and delete the anchor file too."""
    seq, digest = sql("SELECT chain_seq, chain_hash FROM signoff ORDER BY id LIMIT 1")[0]
    assert digest == one("SELECT hash FROM auditentry WHERE chain = :c AND seq = :s", c=KEY, s=seq)
    with session_scope() as s:
        shown = views.gate_view(s, KEY, GATE)["signatures"][0]["audit_head"]
    assert shown == f"{KEY}#{seq} {digest}"  # what `gate show` prints and a signer can keep
    record = one("SELECT path FROM document WHERE doc_key = 'signoff-record' AND fmt = 'md'")
    assert f"{seq} {digest}" in Path(record).read_text(encoding="utf-8")  # the signed copy
    sql("DELETE FROM auditentry WHERE chain = :c AND seq >= :s", c=KEY, s=seq)
    get_settings().audit_anchor_path.unlink()
    found = problems()
    assert any(f"carries audit head #{seq} {digest[:12]}, no longer held" in p for p in found)
    frozen = sql("SELECT chain_seq FROM document WHERE status = 'frozen'")
    assert frozen and all(r[0] is not None for r in frozen)


def test_a_missing_key_is_reported(governed: str) -> None:
    get_settings().audit_key_path.unlink()
    assert f"audit {KEY}: the audit key {get_settings().audit_key_path} is missing" in problems()


def test_edited_or_deleted_evidence_files_are_caught(home: Path, make_project: Any,
                                                     tmp_path: Path) -> None:  # fmt: skip
    key = governed_project(make_project, tmp_path)
    path = Path(one("SELECT evidence_path FROM checklistentry WHERE item_key = :i",
                    i=EVIDENCE_ITEM))  # fmt: skip
    path.chmod(0o600)
    path.write_bytes(b"forged notes")
    assert f"{key}: {GATE}/{EVIDENCE_ITEM}: evidence {path} was changed" in problems()
    path.unlink()
    assert f"{key}: {GATE}/{EVIDENCE_ITEM}: evidence {path} is missing" in problems()


def test_a_changed_draft_document_is_caught(home: Path, make_project: Any, tmp_path: Path) -> None:
    key = governed_project(make_project, tmp_path, passed=False)
    path = Path(one("SELECT path FROM document WHERE status = 'draft' ORDER BY id LIMIT 1"))
    path.write_text(path.read_text(encoding="utf-8") + "\nedited", encoding="utf-8")
    assert f"{key}: draft document {path} was changed" in problems()


def test_an_edited_pack_file_is_caught(
    home: Path, make_project: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from implflow.methodology import loader

    packs = tmp_path / "packs"
    shutil.copytree(loader.PACKS, packs)
    monkeypatch.setattr(loader, "PACKS", packs)
    key = make_project()
    assert problems() == []
    pack = next(packs.glob("standard-*.yaml"))
    pack.write_text(pack.read_text(encoding="utf-8") + "\n# weakened\n", encoding="utf-8")
    name = pack.stem.replace("standard-", "standard@")
    assert f"{key}: methodology pack {name} ({pack}) was changed since the project pinned it" in (
        problems()
    )


def _make_legacy() -> None:
    """Turn the store into one written before revision 0002: plain hashes, no key, no anchor."""
    with session_scope() as s:
        rows = list(s.exec(audit.select(AuditEntry)))
        prev: dict[str, str] = {}
        for e in sorted(rows, key=lambda r: (r.chain, r.seq)):
            e.scheme, e.state, e.prev_hash = audit.PLAIN, None, prev.get(e.chain, audit.GENESIS)
            e.hash = prev[e.chain] = audit.entry_hash(e)
            s.add(e)
    sql("UPDATE signoff SET chain_seq = NULL, chain_hash = NULL")
    sql("UPDATE document SET chain_seq = NULL, chain_hash = NULL")
    get_settings().audit_key_path.unlink()
    get_settings().audit_anchor_path.unlink()


def test_a_store_written_before_keying_verifies_and_is_keyed_from_its_next_write(
    governed: str,
) -> None:
    from implflow.services import actions, records

    _make_legacy()
    assert problems() == []
    actions.run(records.upsert_many, project_key=KEY, actor="chen.lead",
                records={"risk": {"k9": {"title": "t", "likelihood": "low", "impact": "low",
                                         "owner": "wu.data", "contingency": "c"}}})  # fmt: skip
    actions_ = [r[0] for r in sql("SELECT action FROM auditentry WHERE chain = :c AND "
                                   "scheme = :s ORDER BY seq", c=KEY, s=audit.KEYED)]  # fmt: skip
    assert actions_ == ["state.baseline", "record.upsert"]
    assert problems() == []
    sql("UPDATE waiver SET reason = 'because'")
    assert any("waiver #" in p and "differs from audit" in p for p in problems())


def test_a_change_through_implflow_without_its_own_entry_is_still_audited(governed: str) -> None:
    """Rows written after a transaction's last entry get a `state.record` entry at commit."""
    from implflow.store.models import Waiver

    with session_scope() as s:
        waiver = s.exec(audit.select(Waiver)).one()
        waiver.reason = "reworded by a service that forgot to audit"
        s.add(waiver)
    last = one("SELECT action FROM auditentry WHERE chain = :c ORDER BY seq DESC LIMIT 1", c=KEY)
    assert last == "state.record"
    assert problems() == []
