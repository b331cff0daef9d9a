"""Links in user text reach only http(s) and mailto in every HTML rendering, and none forms in
the Markdown documents (issue 7 part 8)."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token
from pydantic import BaseModel

from implflow.artifacts import (
    DOCUMENTS,
    DocumentInput,
    GateInfo,
    ProjectInfo,
    SignatureLine,
    render,
)
from implflow.artifacts.safehtml import markdown_html, safe_url

EVIL = "[x](javascript:alert(1))"
GOOD = "[spec](https://example.com/spec?a=1&b=2)"


def _srs(*titles: str) -> DocumentInput:
    reqs = [
        {"code": f"R-{i}", "title": t, "department": "Sales", "priority": "must", "acceptance": t}
        for i, t in enumerate(titles)
    ]
    return DocumentInput(
        project=ProjectInfo(
            key="p",
            name="P",
            client="C",
            system="ERP",
            locale="en",
            pack_name="standard",
            pack_version="1.0.0",
        ),
        gate=GateInfo(
            key="srs-signoff",
            title="SRS sign-off",
            phase_key="requirements",
            phase_title="Requirements",
            status="open",
            checklist=[],
            criteria=[],
        ),
        records={"requirement": reqs},
        signatures=[],
        documents={},
    )


def _hrefs(html: str) -> list[str]:
    return re.findall(r'<a [^>]*href="([^"]*)"', html)


def test_javascript_link_in_a_requirement_title_is_inert_in_the_html_srs() -> None:
    html = render("srs", _srs(EVIL, GOOD), "html")
    assert "javascript:" not in html
    assert "https://example.com/spec?a=1&amp;b=2" in _hrefs(html)
    assert ">x<" in html  # the text stays, without its link


@pytest.mark.parametrize(
    "text",
    [
        EVIL,
        "[x](JavaScript:alert(1))",
        "[x]( javascript:alert(1) )",
        "[x](java\tscript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox(1))",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "![x](javascript:alert(1))",
        "![x](data:image/svg+xml;base64,PHN2Zz4=)",
        "[x](relative/page.html)",
    ],
)
def test_unsafe_links_and_images_become_text(text: str) -> None:
    html = markdown_html(text)
    assert "<a " not in html and "<img" not in html and ">x<" in html


@pytest.mark.parametrize(
    "text", ["[x](https://a.example/b)", "[x](http://a.example)", "[x](mailto:a@b.example)"]
)
def test_http_https_and_mailto_links_stay(text: str) -> None:
    assert _hrefs(markdown_html(text)) == [text[4:-1]]


def test_safe_url_sees_through_entities_and_invisible_characters() -> None:
    assert not safe_url("&#106;avascript:alert(1)")
    assert not safe_url("java\u200bscript:alert(1)")
    assert safe_url("HTTPS://example.com") and safe_url("#section")
    assert not safe_url("") and not safe_url("#")


# --- The Markdown documents (`.md`, and the Prefect artifacts made from them) ---

HOSTILE = (
    "[x](javascript:alert(1)) ![i](javascript:alert(2)) <javascript:alert(3)>"
    " <img src=x onerror=alert(4)> `tick` a | b \\[y](javascript:alert(5))"
)


def _markdown_parser() -> MarkdownIt:
    """A CommonMark + GFM-tables reader that lets every link form, so the test sees it."""
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.validateLink = lambda url: True
    return md


def _tokens(text: str) -> list[Token]:
    out: list[Token] = []
    stack = list(reversed(_markdown_parser().parse(text)))
    while stack:
        tok = stack.pop()
        out.append(tok)
        stack.extend(reversed(tok.children or []))
    return out


def _markup(text: str) -> list[tuple[str, str]]:
    """Every link, image and raw HTML the Markdown forms, with its target."""
    kinds = {"link_open", "image", "html_inline", "html_block"}
    return [
        (t.type, str(t.attrGet("href") or t.attrGet("src") or t.content))
        for t in _tokens(text)
        if t.type in kinds
    ]


def _cell_texts(md: str, first: str) -> list[str]:
    """The text of each cell of the table row whose first cell is `first`."""
    rows: list[list[str]] = []
    for tok in _tokens(md):
        if tok.type == "tr_open":
            rows.append([])
        elif tok.type == "inline" and rows and tok.level >= 3:
            rows[-1].append("".join(c.content for c in tok.children or []))
    return next(r for r in rows if r and r[0] == first)


def test_javascript_link_in_a_requirement_title_is_inert_in_the_markdown_srs() -> None:
    md = render("srs", _srs(EVIL, GOOD), "md")
    assert _markup(md) == []
    assert _cell_texts(md, "R-0")[1] == EVIL  # shown as typed, as text
    assert "https://example.com/spec?a=1&b=2" in _cell_texts(md, "R-1")[1]  # URL visible


@pytest.mark.parametrize(
    "text",
    [
        EVIL,
        "![x](javascript:alert(1))",
        "<javascript:alert(1)>",
        "<a href='javascript:alert(1)'>x</a>",
        "<img src=x onerror=alert(1)>",
        "\\[x](javascript:alert(1))",
        "[x](<javascript:alert(1)>)",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "`[x](javascript:alert(1))`",
        "```\n[x](javascript:alert(1))",
        HOSTILE,
    ],
)
def test_user_text_forms_no_link_image_or_html_in_markdown(text: str) -> None:
    md = render("srs", _srs(text), "md")
    assert _markup(md) == []
    assert _cell_texts(md, "R-0")[1] == " / ".join(text.splitlines())


def test_a_pipe_in_user_text_does_not_break_a_markdown_table() -> None:
    md = render("srs", _srs("a | b || c\\|d"), "md")
    assert _cell_texts(md, "R-0") == ["R-0", "a | b || c\\|d", "", "must", "a | b || c\\|d"]


def test_a_name_at_the_start_of_a_line_opens_no_block() -> None:
    data = _srs("t").model_copy(
        update={
            "gate": _srs("t").gate.model_copy(update={"key": "x"}),
            "signatures": [
                SignatureLine(
                    person=f"p{i}",
                    name=name,
                    role="client_sponsor",
                    decision="approve",
                    at="2026-03-10 09:00:00 UTC",
                    documents={"srs.md": "a" * 64},
                )
                for i, name in enumerate(["# Boss", "- Li", "1. Wang", "> Zhou", "---"])
            ],
        }
    )
    md = render("signoff-record", data, "md")
    kinds = {t.type for t in _tokens(md)}
    assert not kinds & {"blockquote_open", "bullet_list_open", "ordered_list_open", "hr"}
    toks = _tokens(md)
    headings = [toks[i + 1].content for i, t in enumerate(toks) if t.type == "heading_open"]
    assert headings and not [h for h in headings if "Boss" in h]  # only the template's own
    assert "\n\\# Boss (client_sponsor) signed" in md  # each signer on a line of their own


def test_a_numbering_pattern_shows_verbatim_in_its_code_span() -> None:
    from test_documents_render import sample

    pattern = "PO-[YYYY]-`n`|x"
    data = sample(numbering_rule=[{"document": "PO", "pattern": pattern, "example": "PO-1"}])
    md = render("solution-design", data, "md")
    assert pattern in [t.content for t in _tokens(md) if t.type == "code_inline"]


def _hostile(data: DocumentInput) -> DocumentInput:
    """Every free-text field of `data` (records, gate, signatures, project) ends in HOSTILE."""
    from implflow.projectdata.records import KINDS

    def spoil(value: object) -> object:
        if isinstance(value, str):
            return f"{value} {HOSTILE}"
        if isinstance(value, list):
            return [spoil(v) for v in value]
        if isinstance(value, dict):
            return {spoil(k): spoil(v) for k, v in value.items()}
        return value

    records: dict[str, list[dict]] = {}
    for kind, rows in data.records.items():
        records[kind] = []
        for row in rows:
            row = dict(row)
            for field, value in list(row.items()):
                trial = {**row, field: spoil(value)}
                try:
                    KINDS[kind].model_validate(trial)
                except ValueError:
                    continue  # a date, a number, a choice: not free text
                row = trial
            records[kind].append(row)

    def spoil_model(model: BaseModel, *fields: str) -> BaseModel:
        return model.model_copy(update={f: spoil(getattr(model, f)) for f in fields})

    gate = data.gate.model_copy(
        update={
            "checklist": [
                spoil_model(i, "text", "by", "note", "evidence") for i in data.gate.checklist
            ],
            "criteria": [spoil_model(c, "title", "detail") for c in data.gate.criteria],
        }
    )
    return data.model_copy(
        update={
            "project": spoil_model(data.project, "name", "client"),
            "gate": spoil_model(gate, "title", "phase_title"),
            "records": records,
            "signatures": [spoil_model(s, "name", "comment") for s in data.signatures],
        }
    )


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_no_document_lets_user_text_form_a_link_in_either_format(locale: str) -> None:
    from test_documents_render import sample

    data = _hostile(sample(locale))
    assert "onerror" in str(data.records["requirement"][0])  # the sweep did spoil the records
    for doc in DOCUMENTS:
        md = render(doc, data, "md")
        assert "alert(1)" in md, doc  # the hostile text is there, as text
        assert _markup(md) == [], doc
        for block in re.split(r"\n\n+", md):
            lines = [ln for ln in block.splitlines() if ln.startswith("|")]
            assert len({len(_UNESCAPED_PIPE.findall(ln)) for ln in lines}) <= 1, (doc, block)
        html = render(doc, data, "html")
        targets = re.findall(r'(?:href|src)="([^"]*)"', html)
        assert all(safe_url(t) for t in targets) and "<img" not in html, doc


_UNESCAPED_PIPE = re.compile(r"(?<!\\)(?:\\\\)*\|")
