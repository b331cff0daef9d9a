"""Links in user text reach only http(s) and mailto in every HTML rendering (issue 7 part 8)."""

from __future__ import annotations

import re

import pytest

from implflow.artifacts import DocumentInput, GateInfo, ProjectInfo, render
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
