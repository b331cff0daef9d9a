"""A real console for end-to-end tests: `implflow console --port 0` in a child process.

The child inherits the test's environment (IMPLFLOW_HOME, the store); its address is read
from uvicorn's own start-up line, so no port is guessed and nothing waits on a clock.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

READY = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")


@contextmanager
def console_server() -> Iterator[tuple[str, list[str]]]:
    """The base URL of a console started for the test, and its log lines so far."""
    cmd = [sys.executable, "-m", "implflow.cli.main", "console", "--port", "0"]
    code = "from implflow.cli.main import main; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *cmd[3:]],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stderr is not None
    log: list[str] = []
    url = None
    for line in proc.stderr:
        log.append(line)
        found = READY.search(line)
        if found:
            url = found.group(1)
            break
    if url is None:
        proc.wait()
        raise AssertionError("the console did not start:\n" + "".join(log))
    drain = threading.Thread(target=lambda: log.extend(proc.stderr or []), daemon=True)
    drain.start()
    try:
        yield url, log
    finally:
        proc.terminate()
        proc.wait(timeout=60)
