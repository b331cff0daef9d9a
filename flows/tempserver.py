"""Prefect's temporary server, guarded so that it never outlives the process that started it.

Prefect starts its temporary API server as a child process and stops it at exit; a process
killed with SIGKILL runs no exit handlers, so the server (about 190 MB) was left running for
good. Each server started here gets a watchdog (`flows/watchdog.py`) that stops it as soon
as the starting process is gone, however that process ended.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from prefect.server.api.server import SubprocessASGIServer

from implflow.flows.watchdog import STAND_DOWN


class GuardedServer(SubprocessASGIServer):
    """Prefect's `SubprocessASGIServer` with a watchdog per server process."""

    _watchdog: subprocess.Popen[bytes] | None = None
    _pipe: int | None = None

    def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
        self._stand_down()  # Prefect restarts the server on another port when one is taken
        server = super()._run_uvicorn_command()
        read_end, self._pipe = os.pipe()  # non-inheritable: only this process holds the write end
        try:
            self._watchdog = subprocess.Popen(
                [sys.executable, "-m", "implflow.flows.watchdog", str(read_end), str(server.pid)],
                pass_fds=(read_end,),
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl-C meant for the CLI must not stop the watchdog
            )
        finally:
            os.close(read_end)
        return server

    def stop(self) -> None:
        self._stand_down()
        super().stop()

    def _stand_down(self) -> None:
        """Tell the watchdog the server is stopped on purpose, and reap it."""
        if self._pipe is not None:
            try:
                os.write(self._pipe, STAND_DOWN)
            finally:
                os.close(self._pipe)
                self._pipe = None
        if self._watchdog is not None:
            self._watchdog.wait(timeout=30)
            self._watchdog = None


def install() -> None:
    """Make the guarded server the one Prefect starts when no API URL is set.

    Prefect keeps one server instance per port and asks for the default one (port None);
    creating ours first makes Prefect's own `SubprocessASGIServer()` return it. When one is
    already registered (Prefect's test harness), that one is kept.
    """
    GuardedServer()
