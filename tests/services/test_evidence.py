"""Evidence files kept safely (issue 7.5): size limit, atomic copy, 0600, sha256 names, no lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from gate_helpers import GATE, SRS_DATA, open_gate, token_for

from implflow.core.errors import InvalidInput
from implflow.core.settings import get_settings
from implflow.services import actions, audit_check, evidence, records
from implflow.store.db import session_scope

MIB = 1 << 20
ITEM = "departments-interviewed"


def _stored(key: str) -> list[Path]:
    folder = get_settings().evidence_dir / key
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_file_over_the_limit_is_refused_before_copying(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPLFLOW_EVIDENCE_MAX_BYTES", "100")
    get_settings.cache_clear()
    big = tmp_path / "big.pdf"
    big.write_bytes(b"x" * 101)
    with pytest.raises(InvalidInput, match=r"larger than the limit of 100 bytes \(101 bytes"):
        evidence.store_file("acme-erp", big)
    assert _stored("acme-erp") == []
    (tmp_path / "ok.pdf").write_bytes(b"x" * 100)
    assert evidence.store_file("acme-erp", tmp_path / "ok.pdf").size == 100


def test_stored_files_are_0600_named_by_sha256_whatever_the_source(
    home: Path, tmp_path: Path
) -> None:
    source = tmp_path / "etc;rm -rf $HOME Notes.PDF"
    source.write_bytes(b"minutes of the finance interview")
    source.chmod(0o444)
    stored = evidence.store_file("acme-erp", source)
    assert stored.path.name == f"{stored.sha256}.pdf"
    assert stored.path.parent == get_settings().evidence_dir / "acme-erp"
    assert stored.name == source.name  # the original name is kept as data only
    assert stored.path.stat().st_mode & 0o777 == 0o600
    assert stored.path.parent.stat().st_mode & 0o777 == 0o700
    with pytest.raises(InvalidInput, match="must be lowercase"):
        evidence.store_file("../x", source)


def test_the_service_records_a_stored_file_with_its_original_name(
    make_project: Callable[..., str], tmp_path: Path
) -> None:
    from implflow.services import gates

    key = make_project()
    actions.run(records.upsert_many, project_key=key, records=SRS_DATA, actor="chen.lead")
    open_gate(key)
    notes = tmp_path / "interview notes.docx"
    notes.write_bytes(b"notes")
    stored = evidence.store_file(key, notes)
    entry = actions.run(
        gates.complete_item, project_key=key, gate_key=GATE, item_key=ITEM, actor="zhao.cons",
        evidence=stored,
    )  # fmt: skip
    assert (entry.evidence_path, entry.evidence_name) == (str(stored.path), "interview notes.docx")
    with session_scope() as s:
        assert audit_check.verify(s, key) == []


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "scan.pdf"
    os.mkfifo(path)
    yield path


def _feed(fifo: Path, mib: int) -> int:
    """Write `mib` MiB into the FIFO and return the write end, still open: once written, the
    reader has taken all but the pipe's buffer, so the copy is provably midway."""
    fd = os.open(fifo, os.O_WRONLY)
    for _ in range(mib):
        os.write(fd, b"s" * MIB)
    return fd


def test_a_copy_killed_midway_is_never_adopted_and_a_retry_works(
    home: Path, fifo: Path, tmp_path: Path
) -> None:
    code = (
        "import sys; from pathlib import Path; from implflow.services import evidence;"
        "evidence.store_file('acme-erp', Path(sys.argv[1]))"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(fifo)], env=os.environ.copy())
    fd = _feed(fifo, 4)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    os.close(fd)
    left = _stored("acme-erp")
    assert left and all(p.name.startswith(".incoming.") and p.suffix == ".part" for p in left)
    full = tmp_path / "scan-full.pdf"
    full.write_bytes(b"s" * 5 * MIB)
    stored = evidence.store_file("acme-erp", full)
    assert _stored("acme-erp") == [stored.path]  # the dead copy's part file was swept


def test_the_store_is_not_locked_while_the_cli_copies_evidence(
    make_project: Callable[..., str], fifo: Path
) -> None:
    """While `gate complete --evidence` is midway through its copy, another write commits."""
    key = make_project()
    actions.run(records.upsert_many, project_key=key, records=SRS_DATA, actor="chen.lead")
    open_gate(key)
    implflow = Path(sys.executable).parent / "implflow"
    proc = subprocess.Popen(
        [str(implflow), "gate", "complete", key, GATE, ITEM, "--evidence", str(fifo)],
        env=os.environ | {"IMPLFLOW_TOKEN": token_for("zhao.cons")}, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    fd = _feed(fifo, 2)
    risk = {"risk": {"k2": {"title": "t", "likelihood": "low", "impact": "low", "owner": "wu.data",
                            "contingency": "c"}}}  # fmt: skip
    assert actions.run(records.upsert_many, project_key=key, records=risk, actor="li.pm") == 1
    os.close(fd)
    assert proc.wait() == 0, proc.stderr.read() if proc.stderr else ""
    with session_scope() as s:
        assert audit_check.verify(s, key) == []
    (stored,) = [p for p in _stored(key) if not p.name.startswith(".")]
    assert stored.stat().st_size == 2 * MIB


def test_a_source_growing_past_the_limit_is_refused_midway(
    home: Path, fifo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pipe (or a file still growing) has no size to check first: the copy stops at the limit."""
    import threading

    monkeypatch.setenv("IMPLFLOW_EVIDENCE_MAX_BYTES", str(MIB))
    get_settings.cache_clear()

    def feed() -> None:
        try:
            os.close(_feed(fifo, 3))
        except BrokenPipeError:  # the reader gave up at the limit, as it should
            pass

    writer = threading.Thread(target=feed)
    writer.start()
    with pytest.raises(InvalidInput, match=f"larger than the limit of {MIB} bytes"):
        evidence.store_file("acme-erp", fifo)
    writer.join()
    assert _stored("acme-erp") == []
