"""The PMO dashboard: the portfolio's rows with customer, SLA and a red/amber/green status.

The rule (also in README.md): red when the gate is past its due date (opened + the pack's
SLA days); amber when 70 % or more of the SLA is used, or the gate's last sign-off was a
rejection; green otherwise (including projects between phases and completed ones).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from implflow.methodology.schema import Methodology
from implflow.services import lookup
from implflow.services.portfolio import StatusRow, portfolio
from implflow.services.readcache import ReadCache
from implflow.store.models import PhaseRun, Project

AMBER_SHARE = 0.7
_CACHE = ReadCache(64)
RAG = ("red", "amber", "green")


@dataclass(frozen=True)
class DashboardRow:
    status: StatusRow
    client: str
    phase_title: str
    gate_title: str
    sla_days: int | None
    rag: str
    last_run: str  # the newest phase run: "design: running", "requirements: AwaitingSignoff"


def rag(row: StatusRow, sla_days: int | None) -> str:
    """red, amber or green by the rule in the module docstring."""
    if row.overdue:
        return "red"
    used = (row.days_waiting or 0) / sla_days if sla_days else 0.0
    if row.gate_status == "open" and (used >= AMBER_SHARE or row.last_rejection):
        return "amber"
    return "green"


def stamp(session: Session, locale: str = "en") -> Hashable:
    """What the dashboard's rows depend on now: equal stamps, equal rows (for faces' caches)."""
    return _CACHE.stamp(session, ("dashboard", locale))


def dashboard(
    session: Session,
    *,
    locale: str = "en",
    status: str | None = None,
    client: str | None = None,
    stamped: Hashable | None = None,
) -> list[DashboardRow]:
    """Every project's row, filtered by RAG status and by customer; reds first (kept between
    calls while the store does not change: services.readcache; `stamped`: from `stamp`)."""
    full = stamped if stamped is not None else stamp(session, locale)
    rows = _CACHE.get_stamped(full, lambda: _all_rows(session, locale))
    return [r for r in rows if (status is None or r.rag == status) and (client in (None, r.client))]


def _all_rows(session: Session, locale: str) -> list[DashboardRow]:
    projects = {p.key: p for p in session.exec(select(Project))}
    runs = latest_runs(session)
    rows = []
    packs: dict[tuple[str, str, str], Methodology] = {}  # one pack load per pack, not project
    for r in portfolio(session):
        proj = projects[r.project]
        pin = (proj.pack_name, proj.pack_version, repr(proj.overlay))
        m = packs.get(pin) or packs.setdefault(pin, lookup.methodology(proj))
        phase = m.phase(r.phase)
        found = m.gate(r.gate) if r.gate else None
        sla = found[1].sla_days if found else None
        row = DashboardRow(
            status=r,
            client=proj.client,
            phase_title=phase.title.get(locale) if phase else r.phase,
            gate_title=found[1].title.get(locale) if found else "",
            sla_days=sla,
            rag=rag(r, sla),
            last_run=runs.get(proj.id or 0, ""),
        )
        rows.append(row)
    return sorted(rows, key=lambda d: (RAG.index(d.rag), d.status.project))


def customers(session: Session) -> list[str]:
    """Every customer with a project, for the filter."""
    return sorted(set(session.exec(select(Project.client))))


def latest_runs(session: Session) -> dict[int, str]:
    """Each project's newest phase run as "phase: outcome", in one query."""
    newest = select(func.max(PhaseRun.id)).group_by(PhaseRun.project_id).scalar_subquery()
    rows = session.exec(select(PhaseRun).where(col(PhaseRun.id).in_(newest)))
    return {r.project_id: f"{r.phase_key}: {r.outcome}" for r in rows}
