"""What a sign-off says: meaning, time with its zone, paper provenance."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from implflow.core.errors import InvalidInput
from implflow.core.settings import get_settings
from implflow.methodology.loader import load_pack
from implflow.services.signatures import Provenance, meaning, shown_at

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
