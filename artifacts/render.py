"""Rendering documents: one strict Jinja2 environment per locale and format.

A missing value fails the render (StrictUndefined). In HTML every value is escaped before
Markdown is converted, so project data can never inject markup, and links are limited to
http(s) and mailto (`safehtml.markdown_html`). In Markdown every value is Markdown-escaped
(`safemd.md_text` as the environment's finalize), so user text forms no link, image or HTML
in the `.md` documents and the Prefect artifacts made from them.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jinja2
from markupsafe import Markup

from implflow.artifacts.context import DocumentInput
from implflow.artifacts.documents import DOCUMENTS, build_context
from implflow.artifacts.safemd import md_cell, md_code, md_text
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


def _code(value: Any) -> Markup:
    """A code span in a template converted to HTML: its text escaped as HTML (autoescape)."""
    return Markup("`") + ("" if value is None else str(value)) + Markup("`")


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
    md = fmt == "md"
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES / locale),
        undefined=jinja2.StrictUndefined,
        # HTML: values HTML-escaped before Markdown becomes HTML. Markdown: every value goes
        # through md_text; autoescape makes macros return Markup, so they are not escaped twice
        # (it escapes nothing else: md_text returns Markup).
        autoescape=True,
        finalize=md_text if md else None,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(cell=md_cell if md else _cell, code=md_code if md else _code)
    env.filters.update(money=_money, pct=_pct)
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

    body = Markup(markdown_html(markdown_text))
    shell = environment(locale, "html").get_template("_shell.html.j2")
    return shell.render(body=body, title=title, lang=locale)
