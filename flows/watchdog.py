"""Stops Prefect's temporary server when the process that started it dies, even by SIGKILL.

Run as `python -m implflow.flows.watchdog FD PID`: FD is the read end of a pipe whose only
write end the starting process holds. The kernel closes that end whenever the process ends,
however it ends, so a read returning EOF means "the owner is gone": stop server PID. A byte
read instead means the owner stopped the server itself: exit quietly. Standard library only,
so the watchdog starts in milliseconds and holds no memory worth counting.
"""

from __future__ import annotations

import os
import signal
import sys
import time

STAND_DOWN = b"s"
GRACE_SECONDS = 10.0  # uvicorn's shutdown takes well under a second; then SIGKILL
SERVER_MARK = "prefect.server.api.server"


def _is_server(pid: int) -> bool:
    """Whether PID is still a live Prefect server (guards against a reused pid)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmd = fh.read().decode(errors="replace")
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    except OSError:  # no /proc (not Linux): fall back to "the pid exists"
        return _exists(pid)
    return SERVER_MARK in cmd and state != "Z"


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop(pid: int) -> None:
    """SIGTERM, then SIGKILL when the server has not gone within the grace period."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not _is_server(pid):
            return
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + GRACE_SECONDS
        while time.monotonic() < deadline and _is_server(pid):
            time.sleep(0.05)


def main(argv: list[str]) -> int:
    fd, pid = int(argv[0]), int(argv[1])
    try:
        word = os.read(fd, 1)
    except OSError:
        word = b""
    if word != STAND_DOWN:
        _stop(pid)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
