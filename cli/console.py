"""`implflow console`: serve the web console and its JSON API with uvicorn."""

from __future__ import annotations

import typer

from implflow.cli.edge import edge


@edge
def console_command(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, help="Worker processes (each runs its own phases)."),
) -> None:
    """Serve the console (pages and /api/v1) on the store of IMPLFLOW_HOME / DATABASE_URL."""
    import uvicorn

    from implflow.console.config import secret_key
    from implflow.core.settings import get_settings

    secret_key(get_settings().home_dir)  # created once, before the workers race for it
    uvicorn.run(
        "implflow.console.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        log_level="info",
    )


def register(app: typer.Typer) -> None:
    """Add `console` to the `implflow` command."""
    app.command("console")(console_command)
