"""Migration figures in the project: the pack's thresholds, the verdict, produced records."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from implflow.methodology.schema import Methodology
from implflow.projectdata.migration import Thresholds, Verdict, verdict
from implflow.projectdata.records import Reconciliation
from implflow.services import lookup, records


def stage_params(meth: Methodology, stage: str) -> dict[str, Any] | None:
    """The params of the pack's criterion that judges the stage (whatever its gate is named)."""
    for phase in meth.phases:
        for gate in phase.gates:
            for c in gate.criteria:
                if c.function == f"{stage}_reconciled":
                    return dict(c.params)
    return None


def thresholds(meth: Methodology, stage: str) -> Thresholds:
    """The pack's thresholds for a stage (the criterion's defaults when no gate judges it)."""
    return Thresholds.of(stage_params(meth, stage) or {}, stage)


def judge(recon: dict[str, Any]) -> Verdict:
    """A reconciliation recorded on no project, against the standard pack's thresholds."""
    from implflow.methodology.loader import load_pack

    r = Reconciliation.model_validate(recon)
    return verdict(r, thresholds(load_pack().methodology, r.stage))


def record_reconciliation(
    session: Session, *, project_key: str, recon: dict[str, Any], actor: str
) -> Verdict:
    """Keep a reconciliation the toolkit produced and judge it by the project's pack."""
    proj = lookup.project(session, project_key, lock=True)
    r = Reconciliation.model_validate(recon)
    records.record_produced(
        session,
        proj=proj,
        kind="reconciliation",
        key=f"{r.object}-{r.stage}",
        data=recon,
        actor=actor,
    )
    return verdict(r, thresholds(lookup.methodology(proj), r.stage))
