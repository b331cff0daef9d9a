"""`create_app()`: the console's FastAPI application (pages, JSON API, static files, worker)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from implflow.console import admin, api, api_actions, edge, gate_pages, pages
from implflow.console.acting import Trigger
from implflow.console.config import get_console_settings, secret_key
from implflow.console.security import SecurityHeaders
from implflow.console.worker import PhaseWorker
from implflow.core.settings import Settings, get_settings

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None, trigger: Trigger | None = None) -> FastAPI:
    """The console; `trigger` starts unblocked phases (default: a background worker thread)."""
    settings = settings or get_settings()
    console = get_console_settings()
    worker = trigger or default_trigger(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if isinstance(worker, PhaseWorker):
            from implflow.flows.environment import prepare

            prepare()  # Prefect's environment, once per process, before any run
        yield
        if isinstance(worker, PhaseWorker):
            worker.stop()

    app = FastAPI(
        title="implflow console",
        version="1",
        description="Gates, sign-offs and the portfolio of implflow projects. The JSON API "
        "under /api/v1 takes `Authorization: Bearer TOKEN`.",
        lifespan=lifespan,
    )
    app.state.trigger = worker
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key(settings.home_dir),
        session_cookie="implflow_session",
        max_age=console.session_days * 86400,
        same_site="lax",
        https_only=console.https_only,
    )
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in (pages.router, gate_pages.router, admin.router, api.router, api_actions.router):
        app.include_router(router)
    edge.install(app)
    return app


def default_trigger(settings: Settings) -> Trigger:
    """Served mode (IMPLFLOW_TRIGGER=deployment): the deployment; else a worker thread here."""
    if settings.trigger == "deployment":
        from implflow.flows.triggers import DeploymentTrigger

        return DeploymentTrigger()
    return PhaseWorker()
