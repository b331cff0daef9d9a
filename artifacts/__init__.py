"""The documents of each gate: typed inputs, Jinja2 templates per locale, Markdown and HTML."""

from implflow.artifacts.context import (
    ChecklistLine,
    CriterionLine,
    DocumentInput,
    GateInfo,
    ProjectInfo,
    SignatureLine,
)
from implflow.artifacts.documents import DOCUMENTS
from implflow.artifacts.render import render, sha256_text

__all__ = [
    "DOCUMENTS",
    "ChecklistLine",
    "CriterionLine",
    "DocumentInput",
    "GateInfo",
    "ProjectInfo",
    "SignatureLine",
    "render",
    "sha256_text",
]
