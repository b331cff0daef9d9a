"""What a pack names that lives outside it: criterion functions and document templates.

The pack is pure data and cannot import the code that defines them, so the caller hands in a
`Catalogue` (services build it from the criteria registry and the document templates) and the
loader checks every criterion's function and parameters, and every document, against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from implflow.methodology.schema import Loc, Methodology


@dataclass(frozen=True)
class Catalogue:
    """Criterion functions with their parameter models, and the documents that can render."""

    criteria: tuple[tuple[str, type[BaseModel]], ...]
    documents: frozenset[str]

    @classmethod
    def of(cls, criteria: Mapping[str, type[BaseModel]], documents: Any) -> Catalogue:
        return cls(tuple(sorted(criteria.items())), frozenset(documents))

    def params_model(self, function: str) -> type[BaseModel] | None:
        return dict(self.criteria).get(function)


def catalogue_problems(m: Methodology, cat: Catalogue) -> list[tuple[Loc, str]]:
    """Unknown functions, parameters they do not take or out of range, unknown documents."""
    out: list[tuple[Loc, str]] = []
    models = dict(cat.criteria)
    for pi, phase in enumerate(m.phases):
        for di, deliverable in enumerate(phase.deliverables):
            if deliverable.document is not None and deliverable.document not in cat.documents:
                at: Loc = ("phases", pi, "deliverables", di, "document")
                out.append((at, _unknown_document(deliverable.document, cat)))
        for gi, gate in enumerate(phase.gates):
            at = ("phases", pi, "gates", gi)
            for ci, crit in enumerate(gate.criteria):
                model = models.get(crit.function)
                if model is None:
                    known = ", ".join(sorted(models))
                    message = f"unknown criterion function {crit.function!r} (known: {known})"
                    out.append(((*at, "criteria", ci, "function"), message))
                    continue
                out += _param_problems(crit.function, model, crit.params, (*at, "criteria", ci))
            for di, doc in enumerate(gate.documents):
                if doc not in cat.documents:
                    out.append(((*at, "documents", di), _unknown_document(doc, cat)))
    return out


def _unknown_document(key: str, cat: Catalogue) -> str:
    return f"unknown document {key!r} (documents: {', '.join(sorted(cat.documents))})"


def _param_problems(
    function: str, model: type[BaseModel], params: dict[str, Any], at: Loc
) -> list[tuple[Loc, str]]:
    try:
        model.model_validate(params)
    except ValidationError as exc:
        return [_param_problem(function, model, err, at) for err in exc.errors()]
    return []


def _param_problem(function: str, model: type[BaseModel], err: Any, at: Loc) -> tuple[Loc, str]:
    loc = (*at, "params", *err["loc"])
    if err["type"] == "extra_forbidden":
        takes = ", ".join(model.model_fields) or "none"
        return loc, f"{function} takes no parameter {err['loc'][0]!r} (parameters: {takes})"
    if err["type"] == "missing":
        return loc, f"{function} needs parameter {err['loc'][0]!r}"
    return loc, f"{err['msg']} (got {err['input']!r})"
