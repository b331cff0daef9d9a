"""The project's Gantt chart as SVG, drawn on the server from services.project_view's bars.

Each row shows the plan as a light bar and what happened as a solid bar on top of it (a gate
still open runs to today); a red line marks today. Every text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from markupsafe import Markup, escape

from implflow.services.project_view import Bar
from implflow.store.models import utcnow

ROW, LABEL, WIDTH = 26, 260, 900
COLOURS = {"passed": "#2f855a", "open": "#d69e2e", "pending": "#a0aec0", "locked": "#a0aec0"}


def _x(at: datetime, first: datetime, days: float) -> float:
    return LABEL + (at - first).total_seconds() / 86400 / days * (WIDTH - LABEL - 10)


def gantt_svg(bars: Sequence[Bar], now: datetime | None = None) -> Markup:
    """An SVG chart of the bars, planned against actual."""
    now = now or utcnow()
    first = min(b.planned_start for b in bars)
    last = max([b.planned_end for b in bars] + [b.actual_end or first for b in bars] + [now])
    days = max((last - first).total_seconds() / 86400, 1.0)
    height = ROW * (len(bars) + 1) + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-label="Gantt chart">'
    ]
    out += _weeks(first, last, days, height)
    for n, bar in enumerate(bars):
        y = ROW * n + 18
        indent = 8 if bar.kind == "phase" else 22
        weight = "bold" if bar.kind == "phase" else "normal"
        out.append(
            f'<text x="{indent}" y="{y + 13}" font-size="12" font-weight="{weight}">'
            f"{escape(_short(bar.title))}</text>"
        )
        px, pw = _x(bar.planned_start, first, days), _span(bar.planned_start, bar.planned_end, days)
        out.append(
            f'<rect class="planned" x="{px:.1f}" y="{y}" width="{pw:.1f}" height="16" '
            f'fill="#e2e8f0" stroke="#a0aec0"><title>{escape(bar.key)}</title></rect>'
        )
        if bar.actual_start is not None and bar.actual_end is not None:
            ax = _x(bar.actual_start, first, days)
            aw = max(_span(bar.actual_start, bar.actual_end, days), 3.0)
            colour = COLOURS.get(bar.status, "#4a5568")
            out.append(
                f'<rect class="actual" x="{ax:.1f}" y="{y + 4}" width="{aw:.1f}" height="8" '
                f'fill="{colour}"><title>{escape(bar.key)}: {escape(bar.status)}</title></rect>'
            )
    tx = _x(now, first, days)
    out.append(
        f'<line x1="{tx:.1f}" y1="0" x2="{tx:.1f}" y2="{height}" stroke="#c53030" '
        'stroke-dasharray="4 3"/>'
    )
    out.append("</svg>")
    return Markup("".join(out))


def _span(start: datetime, end: datetime, days: float) -> float:
    return max((end - start).total_seconds() / 86400 / days * (WIDTH - LABEL - 10), 0.0)


def _weeks(first: datetime, last: datetime, days: float, height: int) -> list[str]:
    """A faint line and a date every seven days."""
    out, at = [], first
    while at <= last:
        x = _x(at, first, days)
        out.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="#edf2f7"/>')
        out.append(
            f'<text x="{x + 2:.1f}" y="{height - 2}" font-size="9" fill="#718096">{at:%m-%d}</text>'
        )
        at += timedelta(days=7)
    return out


def _short(text: str, n: int = 34) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
