"""Schema management through Alembic: `upgrade(engine)` brings any store to the head revision."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def _config():  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    """The newest migration's id, read from the version files without importing Alembic."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        ns: dict[str, object] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith(("revision =", "down_revision =")):
                exec(line, ns)  # noqa: S102 - our own migration headers
        revisions.add(ns["revision"])
        if ns.get("down_revision"):
            parents.add(ns["down_revision"])
    (head,) = revisions - parents
    return str(head)


def current_revision(engine: Engine) -> str | None:
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as con:
        return con.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> None:
    """Apply pending migrations; a store already at head costs one query."""
    if current_revision(engine) == head_revision():
        return
    from alembic import command

    cfg = _config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
