"""What the flows publish to Prefect as Markdown forms no link, image or HTML from user text
(issue 7 part 8): the gate's documents and the health-check findings."""

from __future__ import annotations

import re

from gate_helpers import SRS_DATA
from markdown_it import MarkdownIt
from prefect.artifacts import Artifact

from implflow.flows.runner import run_health, run_phase
from implflow.services import actions, records

EVIL = "[x](javascript:alert(1)) <img src=x onerror=alert(2)> a | b"
GOOD = "[spec](https://example.com/spec)"


def _markup(text: str) -> list[str]:
    """Every link, image and raw HTML the Markdown forms (every link let form, to see it)."""
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.validateLink = lambda url: True
    found, stack = [], md.parse(text)
    while stack:
        tok = stack.pop()
        stack.extend(tok.children or [])
        if tok.type in {"link_open", "image", "html_inline", "html_block"}:
            found.append(str(tok.attrGet("href") or tok.attrGet("src") or tok.content))
    return found


def _published(key: str) -> str:
    artifact = Artifact.get(key)
    assert artifact is not None, key
    return str(artifact.data)


def test_the_published_srs_shows_a_javascript_link_as_text(flows_home, make_project) -> None:
    key = make_project("xss-erp")
    reqs = {
        "R-666": {**SRS_DATA["requirement"]["R-001"], "code": "R-666", "title": EVIL},
        "R-667": {**SRS_DATA["requirement"]["R-001"], "code": "R-667", "title": GOOD},
    }
    data = {**SRS_DATA, "requirement": reqs}
    actions.run(records.upsert_many, project_key=key, records=data, actor="chen.lead")
    assert run_phase(key, "requirements").name == "AwaitingSignoff"
    text = _published(f"{key}-srs-signoff-srs")
    assert "javascript:alert(1)" in text and _markup(text) == []
    assert "https://example.com/spec" in text  # a link typed by a user stays readable
    row = next(line for line in text.splitlines() if line.startswith("| R-666 |"))
    assert len(re.findall(r"(?<!\\)\|", row)) == 5 + 1  # five cells: the user's pipe escaped


def test_the_published_health_check_shows_an_issue_title_as_text(flows_home, make_project) -> None:
    key = make_project("xss-health")
    issue = {"title": EVIL, "severity": "critical", "opened": "2026-09-01"}
    actions.run(
        records.upsert_many,
        project_key=key,
        actor="chen.lead",
        records={"hypercare_issue": {"h1": issue}},
    )
    assert run_health(key).name == "NeedsAttention"
    text = _published(f"{key}-health")
    assert "javascript:alert(1)" in text and _markup(text) == []
