"""Rendering documents: one strict Jinja2 environment per locale and format.

A missing value fails the render (StrictUndefined); in HTML every value is escaped before
Markdown is converted, so project data can never inject markup, and links are limited to
http(s) and mailto (`safehtml.markdown_html`).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jinja2
from markupsafe import escape

from implflow.artifacts.context import DocumentInput
from implflow.artifacts.documents import DOCUMENTS, build_context
from implflow.core.errors import InvalidInput, NotFound

TEMPLATES = Path(__file__).parent / "templates"
LOCALES = ("en", "zh-CN")
Format = Literal["md", "html"]


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _cell(value: Any) -> str:
    """A value fit for one Markdown table cell: no pipes, no line breaks."""
    text = "" if value is None else str(value)
    return " / ".join(text.replace("|", "\\|").splitlines())


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(int(cents)), 100)
    return f"{sign}{units:,}.{rest:02d}"


def _pct(ratio: float) -> str:
    return f"{ratio * 100:.1f}%"


@lru_cache(maxsize=8)
def environment(locale: str, fmt: Format) -> jinja2.Environment:
    """The environment of a locale and format (cached: templates compile once)."""
    if locale not in LOCALES:
        raise NotFound(f"no templates for locale {locale!r} (locales: {', '.join(LOCALES)})")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES / locale),
        undefined=jinja2.StrictUndefined,
        autoescape=fmt == "html",  # values escaped before Markdown becomes HTML
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(cell=_cell, money=_money, pct=_pct)
    return env


def render(doc_key: str, data: DocumentInput, fmt: Format) -> str:
    """Render one document of the gate in the project's locale; pure and deterministic."""
    spec = DOCUMENTS.get(doc_key)
    if spec is None:
        raise NotFound(f"unknown document {doc_key!r} (documents: {', '.join(DOCUMENTS)})")
    if fmt not in ("md", "html"):
        raise InvalidInput(f"unknown format {fmt!r}: md or html")
    locale = data.project.locale
    ctx = build_context(doc_key, data)
    ctx["title"] = spec.title.get(locale)
    try:
        body = environment(locale, fmt).get_template(f"{doc_key}.md.j2").render(ctx)
    except jinja2.UndefinedError as exc:
        raise InvalidInput(f"document {doc_key}: missing value: {exc.message}") from None
    return body if fmt == "md" else _html(body, ctx["title"], locale)


def _html(markdown_text: str, title: str, locale: str) -> str:
    from implflow.artifacts.safehtml import markdown_html

    body = markdown_html(markdown_text)
    shell = environment(locale, "md").get_template("_shell.html.j2")
    return shell.render(body=body, title=str(escape(title)), lang=locale)
