"""Phase-run records: which process runs each, how it ended, and runs whose process died.

A run records its owner (host, pid and the process's start time) when it starts. A process
killed with SIGKILL records no end, so any command that reads runs first marks the running
runs of this host whose owner is gone as `Crashed`. Runs owned by another host are left as
they are: only that host can tell (served mode on many machines relies on Prefect's own
flow-run heartbeats instead).
"""

from __future__ import annotations

import os
import socket

from sqlmodel import Session, col, func, select

from implflow.services import lookup
from implflow.store.models import PhaseRun, utcnow

RUNNING = "running"
FAILED = "Failed"
CRASHED = "Crashed"


def start(session: Session, *, project_key: str, phase_key: str, flow_run_id: str) -> None:
    """Record a run starting in this process."""
    proj = lookup.project(session, project_key, lock=True)
    pid = os.getpid()
    session.add(
        PhaseRun(
            project_id=proj.id,
            phase_key=phase_key,
            flow_run_id=flow_run_id,
            host=socket.gethostname(),
            pid=pid,
            process_start=process_start(pid) or "",
        )
    )


def end(
    session: Session, *, flow_run_id: str, outcome: str, message: str, cached: list[str]
) -> None:
    """Record how the run ended and which steps it skipped as already done."""
    run = session.exec(select(PhaseRun).where(PhaseRun.flow_run_id == flow_run_id)).first()
    if run is not None:
        run.outcome, run.message, run.ended_at = outcome, message, utcnow()
        run.cached_steps = cached
        session.add(run)


def mark_stale(session: Session) -> int:
    """Mark this host's running runs whose process is gone as Crashed; returns how many."""
    host = socket.gethostname()
    stale = [
        run
        for run in session.exec(
            select(PhaseRun).where(PhaseRun.outcome == RUNNING, PhaseRun.host == host)
        )
        if run.pid is not None and not owner_alive(run.pid, run.process_start)
    ]
    now = utcnow()
    for run in stale:
        run.outcome, run.ended_at = CRASHED, now
        run.message = (
            f"process {run.pid} on {host} ended without recording an outcome (killed or crashed)"
        )
        session.add(run)
    return len(stale)


def latest(session: Session) -> dict[int, PhaseRun]:
    """Each project's most recent run, in one query."""
    newest = select(func.max(PhaseRun.id)).group_by(PhaseRun.project_id)
    runs = session.exec(select(PhaseRun).where(col(PhaseRun.id).in_(newest.scalar_subquery())))
    return {r.project_id: r for r in runs}


def process_start(pid: int) -> str | None:
    """A token naming this incarnation of `pid` (boot id and start tick); None when it is gone.

    Two processes that share a pid (the first one dead, the pid reused) never share the token.
    Empty where /proc does not exist: then only the pid is checked.
    """
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as fh:
            boot = fh.read().strip()
    except FileNotFoundError:
        return None if os.path.isdir("/proc/self") else ""
    if fields[0] in ("Z", "X"):  # dead, waiting to be reaped
        return None
    return f"{boot}:{fields[19]}"  # field 22 of stat: start time in clock ticks after boot


def owner_alive(pid: int, token: str) -> bool:
    """Whether the process that started a run is still running."""
    if token:
        return process_start(pid) == token
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
