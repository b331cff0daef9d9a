"""The CLI's error edge and output helpers: one-line errors, JSON or rich tables."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import click
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from implflow.core.errors import ImplflowError

F = TypeVar("F", bound=Callable[..., Any])
console = Console()
err_console = Console(stderr=True)

JsonOpt = typer.Option(False, "--json", help="Print JSON instead of a table.")
ActorOpt = typer.Option(..., "--as", help="Handle of the person acting.")


def edge(fn: F) -> F:
    """Translate domain errors (and store failures) into one line on stderr and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, click.ClickException):
            raise  # already the CLI's own answer
        except ImplflowError as exc:
            fail(str(exc), exc.exit_code)
        except OSError as exc:
            fail(f"{exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}".rstrip(": "), 2)
        except Exception as exc:  # noqa: BLE001 - the edge: never a traceback
            from implflow.services import dberrors

            if dberrors.is_store_error(exc):  # outside a unit of work (e.g. a flow's setup)
                mapped = dberrors.translate(exc)
                if mapped is not None:
                    fail(str(mapped), mapped.exit_code)
                fail(f"store error: {dberrors.first_line(exc)}", 7)
            if os.environ.get("IMPLFLOW_DEBUG"):
                raise
            fail(f"internal error: {type(exc).__name__}: {exc} (IMPLFLOW_DEBUG=1 shows where)", 70)

    return wrapper  # type: ignore[return-value]


def safe(value: object) -> str:
    """User text (names, titles, comments, messages quoting them) as literal text for Rich."""
    return escape(str(value))


def fail(message: str, code: int) -> None:
    err_console.print(f"[red]error:[/red] {safe(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    t = Table(title=safe(title), show_lines=False)
    for c in columns:
        t.add_column(safe(c))
    for r in rows:
        t.add_row(*["" if v is None else safe(v) for v in r])
    console.print(t)
