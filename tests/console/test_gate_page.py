"""The gate page: checklist with evidence upload, waive, sign and reject, stale forms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from console_kit import GATE, PROJECT, KeptTrigger, TestClient, login
from gate_helpers import SRS_DATA, complete_items, open_gate
from sqlmodel import select

from implflow.core.settings import get_settings
from implflow.services import actions, records
from implflow.store.db import session_scope
from implflow.store.models import ChecklistEntry, GateRecord

URL = f"/p/{PROJECT}/g/{GATE}"
PDF = b"%PDF-1.4\n% interview notes\n" + b"x" * 2000


@pytest.fixture
def open_srs(team: str) -> str:
    """The SRS gate open, with the data its criteria need, nothing completed."""
    actions.run(records.upsert_many, project_key=team, records=SRS_DATA, actor="chen.lead")
    open_gate(team)
    return team


def version() -> int:
    with session_scope() as s:
        return s.exec(select(GateRecord).where(GateRecord.gate_key == GATE)).one().version


def entry(item: str) -> ChecklistEntry | None:
    with session_scope() as s:
        return s.exec(select(ChecklistEntry).where(ChecklistEntry.item_key == item)).first()


def evidence_files() -> list[Path]:
    folder = get_settings().evidence_dir
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def complete(client: TestClient, csrf: str, item: str, *, file: tuple | None = None, **kw):
    data = {"csrf": csrf, "version": str(kw.pop("v", version())), "item": item, **kw}
    files = {"file": file} if file else None
    return client.post(f"{URL}/complete", data=data, files=files)


def test_the_gate_page_shows_items_owners_criteria_documents_and_audit(
    client: TestClient, open_srs: str
) -> None:
    login(client, "zhao.cons")
    html = client.get(URL).text
    assert "departments-interviewed" in html
    assert "project_manager, consultant_lead" in html  # scope-agreed's owners
    assert "min_ratio = 1.0" in html  # a criterion's threshold
    assert re.search(r"sha256 <code>[0-9a-f]{64}</code>", html)  # the SRS to sign
    assert "gate.open" in html  # the audit trail
    assert f'name="version" value="{version()}"' in html


def test_an_uploaded_file_completes_an_item_with_its_sha256(
    client: TestClient, open_srs: str
) -> None:
    csrf = login(client, "zhao.cons")
    res = complete(
        client,
        csrf,
        "departments-interviewed",
        note="all four",
        file=("../../etc/passwd.pdf", PDF, "application/pdf"),
    )
    assert res.status_code == 303, res.text
    done = entry("departments-interviewed")
    assert done is not None and done.note == "all four"
    stored = evidence_files()
    assert [p.name for p in stored] == [f"{done.evidence_sha256}.pdf"]
    assert stored[0].read_bytes() == PDF
    assert stored[0].parent == get_settings().evidence_dir / PROJECT  # never the sent name
    page = client.get(URL).text
    assert done.evidence_sha256[:16] in page and "departments-interviewed: done" in page


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("big.pdf", b"%PDF-" + b"x" * (64 * 1024 + 1), "larger than the limit of 65536 bytes"),
        ("tool.exe", b"MZ\x90\x00", "files of type .exe are not accepted"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", "the file is not a .pdf file"),
    ],
)
def test_a_refused_upload_says_why_and_stores_nothing(
    client: TestClient, open_srs: str, name: str, body: bytes, message: str
) -> None:
    csrf = login(client, "zhao.cons")
    res = complete(client, csrf, "departments-interviewed", file=(name, body, "x/y"), note="kept")
    assert res.status_code == 422
    assert message in res.text and "nothing was stored" in res.text
    assert 'value="kept"' in res.text  # what was typed comes back
    assert entry("departments-interviewed") is None
    assert evidence_files() == []
    assert not list((get_settings().home_dir / "uploads").glob("*"))


def test_a_stale_form_is_refused_and_what_was_typed_is_kept(
    client: TestClient, open_srs: str
) -> None:
    csrf = login(client, "zhao.cons")
    drawn = version()
    complete(client, csrf, "gaps-documented", note="first")  # someone else's change
    res = complete(client, csrf, "open-questions", note="my careful note", v=drawn)
    assert res.status_code == 409
    assert "changed since this page was drawn" in res.text and "reload" in res.text
    assert "my careful note" in res.text
    assert entry("open-questions") is None and entry("gaps-documented") is not None


def test_waive_needs_a_waiver_role_and_a_reason(client: TestClient, open_srs: str) -> None:
    csrf = login(client, "li.pm")
    data = {"csrf": csrf, "version": str(version()), "item": "open-questions", "reason": "n/a"}
    assert client.post(f"{URL}/waive", data=data).status_code == 303
    assert "project_manager: n/a" in client.get(URL).text


def test_the_last_signature_hands_the_phase_to_the_trigger(
    client: TestClient, open_srs: str, trigger: KeptTrigger
) -> None:
    complete_items(open_srs)
    for handle, role in (("chen.lead", "consultant_lead"), ("zhou.sponsor", "client_sponsor")):
        client.cookies.clear()
        csrf = login(client, handle)
        data = {"csrf": csrf, "version": str(version()), "role": role, "comment": "ok"}
        res = client.post(f"{URL}/sign", data=data)
        assert res.status_code == 303, res.text
    assert trigger.started == [(PROJECT, "requirements")]
    assert "srs-signoff: met; phase requirements queued" in client.get(URL).text


def test_reject_reopens_with_the_comment(client: TestClient, open_srs: str) -> None:
    complete_items(open_srs)
    csrf = login(client, "zhou.sponsor")
    data = {
        "csrf": csrf,
        "version": str(version()),
        "role": "client_sponsor",
        "comment": "scope unclear",
    }
    assert client.post(f"{URL}/reject", data=data).status_code == 303
    assert "zhou.sponsor (client_sponsor): scope unclear" in client.get(URL).text


def test_unknown_project_or_gate_is_404_with_a_message(client: TestClient, team: str) -> None:
    login(client, "zhao.cons")
    res = client.get("/p/nope/g/srs-signoff")
    assert res.status_code == 404 and "unknown project &#39;nope&#39;" in res.text
    res = client.get(f"/p/{PROJECT}/g/nope")
    assert res.status_code == 404 and "unknown gate &#39;nope&#39;" in res.text
    assert client.get("/p/nope").status_code == 404
