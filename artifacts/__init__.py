"""The documents of each gate: typed inputs, Jinja2 templates per locale, Markdown and HTML."""

from artifacts.context import (
    ChecklistLine,
    CriterionLine,
    DocumentInput,
    GateInfo,
    ProjectInfo,
    SignatureLine,
)
from artifacts.documents import DOCUMENTS
from artifacts.render import render, sha256_text

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
