"""`implflow phase run` killed with SIGKILL mid-run: its temporary Prefect server and the
server's watchdog go away, and the next `status` marks the run Crashed."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from implflow.services import runs

IMPLFLOW = str(Path(sys.executable).with_name("implflow"))
WAIT_SECONDS = 120.0


def _children(pid: int) -> dict[int, list[str]]:
    """The live child processes of `pid`, by pid, with their command lines."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().decode().split("\0")
        except OSError:
            continue
        if int(stat[1]) == pid:
            out[int(entry)] = cmd
    return out


def _wait_for(what: str, check) -> object:  # type: ignore[no-untyped-def]
    """Poll `check` until it returns something truthy; fail after a bounded wait."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def _running_run(db: Path) -> bool:
    """A running PhaseRun is committed (read without taking the store's write lock)."""
    if not db.exists():
        return False
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as con:
        rows = con.execute("SELECT outcome FROM phaserun").fetchall()
    return rows == [("running",)]


def _hold_the_flow(home: Path, key: str) -> None:
    """FIFOs where the first drafts go: rendering blocks after the run is recorded."""
    folder = home / "documents" / key / "srs-signoff"
    folder.mkdir(parents=True)
    for fmt in ("md", "html"):
        os.mkfifo(folder / f"srs.v1.{fmt}")


def test_kill_9_leaves_no_server_and_the_run_is_marked_crashed(home, make_project) -> None:
    key = make_project("kill-erp")
    _hold_the_flow(home, key)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["IMPLFLOW_HOME"] = str(home)
    cli = subprocess.Popen(
        [IMPLFLOW, "phase", "run", key, "requirements"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for("the run to be recorded", lambda: _running_run(home / "implflow.db"))
        kids = _children(cli.pid)
        server = next(p for p, cmd in kids.items() if "prefect.server.api.server:create_app" in cmd)
        guard = next(p for p, cmd in kids.items() if "implflow.flows.watchdog" in cmd)
        token = runs.process_start(server)
        assert token
    finally:
        os.kill(cli.pid, signal.SIGKILL)
        cli.wait()
    # before: the server stayed up for good (5 of 5 after 5 kills, about 190 MB each)
    _wait_for("the server to stop", lambda: runs.process_start(server) != token)
    _wait_for("the watchdog to exit", lambda: runs.process_start(guard) is None)
    status = subprocess.run(
        [IMPLFLOW, "status", "--json"], env=env, capture_output=True, text=True, check=True
    )
    (row,) = json.loads(status.stdout)
    assert row["last_run"]["outcome"] == "Crashed"
    assert f"process {cli.pid} on " in row["last_run"]["message"]
