"""The console's trigger: phases run on a background thread of the console process.

A request that unblocks a phase (the last signature, the "run phase" button) only puts it on
the queue and answers at once; the thread runs `flows.runner.run_phase`, which records the run
(PhaseRun rows) in the store, so every worker process and page sees it.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("implflow.console.worker")
Runner = Callable[[str, str], Any]


def prefect_runner(project_key: str, phase_key: str) -> Any:
    """Run one phase flow in this process (Prefect imported on the worker thread only)."""
    from implflow.flows.triggers import InProcessTrigger

    return InProcessTrigger().start(project_key, phase_key)


class PhaseWorker:
    """A queue of phases to run and the one thread that runs them, in order."""

    def __init__(self, runner: Runner = prefect_runner) -> None:
        self.runner = runner
        self.jobs: queue.Queue[tuple[str, str] | None] = queue.Queue()
        # queued or running here, until the run ends: shown as such (the flow records its own
        # PhaseRun only once Prefect has started) and never queued twice
        self.waiting: set[tuple[str, str]] = set()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def start(self, project_key: str, phase_key: str) -> str:
        """Queue a phase (once while it waits) and answer at once."""
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._loop, name="phase-worker", daemon=True)
                self.thread.start()
            if (project_key, phase_key) in self.waiting:
                return "queued"
            self.waiting.add((project_key, phase_key))
        self.jobs.put((project_key, phase_key))
        return "queued"

    def queued(self, project_key: str) -> list[str]:
        """The project's phases queued or running in this process."""
        with self.lock:
            return sorted(ph for p, ph in self.waiting if p == project_key)

    def _loop(self) -> None:
        while (job := self.jobs.get()) is not None:
            try:
                state = self.runner(*job)
                log.info("%s %s: %s", job[0], job[1], getattr(state, "name", state))
            except Exception:  # noqa: BLE001 - one failed run must not stop the worker
                log.exception("%s %s: the phase run failed", *job)
            finally:
                with self.lock:
                    self.waiting.discard(job)
                self.jobs.task_done()

    def stop(self) -> None:
        """Let the queued runs finish, then end the thread."""
        if self.thread is not None:
            self.jobs.put(None)
            self.thread.join()
            self.thread = None


def queued_of(trigger: object, project_key: str) -> list[str]:
    """The project's phases a trigger still holds in its queue (none for other triggers)."""
    queued = getattr(trigger, "queued", None)
    return list(queued(project_key)) if callable(queued) else []
