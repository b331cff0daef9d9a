"""End to end in headless Chromium against a real console: a consultant completes the SRS
checklist with uploaded files, the client signs, the PMO sees the gate passed and the next
phase running. Screenshots go to tests/output/console/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from console_kit import GATE, PROJECT, PW
from gate_helpers import SRS_DATA, open_gate
from live import console_server

from implflow.services import actions, gates, records

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
OUT = Path(__file__).parents[1] / "output" / "console"
GATE_URL = f"/p/{PROJECT}/g/{GATE}"

pytestmark = [
    pytest.mark.flows,
    pytest.mark.parametrize("store", ["sqlite"], indirect=True),  # the stores: test_refusals
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed"),
]


def log_in(page, base: str, handle: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=handle]", handle)
    page.fill("input[name=password]", PW)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base}/")


def complete(page, key: str, note: str, upload: Path | None) -> None:
    form = page.locator(f"#item-{key} + tr.actions form[action$='/complete']")
    form.locator("input[name=note]").fill(note)
    if upload is not None:
        form.locator("input[type=file]").set_input_files(str(upload))
    form.locator("button[type=submit]").click()
    page.wait_for_selector(f"#item-{key}.state-done")


def test_consultant_client_and_pmo_in_a_real_browser(team: str, home: Path, tmp_path: Path) -> None:
    actions.run(records.upsert_many, project_key=team, records=SRS_DATA, actor="chen.lead")
    open_gate(team)
    actions.run(
        gates.complete_item,
        project_key=team,
        gate_key=GATE,
        item_key="scope-agreed",
        actor="li.pm",
        note="agreed in writing",
    )
    notes = tmp_path / "interview-notes.pdf"
    notes.write_bytes(b"%PDF-1.4\n% interview notes of finance and production\n")
    maps = tmp_path / "process-maps.pdf"
    maps.write_bytes(b"%PDF-1.4\n% as-is and to-be maps\n")
    OUT.mkdir(parents=True, exist_ok=True)

    with console_server() as (base, log), playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            log_in(page, base, "zhao.cons")
            assert page.locator(f"a[href='{GATE_URL}']").count() == 1
            page.screenshot(path=str(OUT / "inbox.png"), full_page=True)
            page.click(f"a[href='{GATE_URL}']")
            complete(page, "departments-interviewed", "four departments", notes)
            complete(page, "process-maps", "maps filed", maps)
            for key in (
                "requirements-classified",
                "gaps-documented",
                "open-questions",
                "risks-owned",
            ):
                complete(page, key, "checked", None)
            assert "Waits for: 2 signatures" in page.inner_text("p.meta")
            page.screenshot(path=str(OUT / "gate-checklist.png"), full_page=True)

            actions.run(
                gates.sign,
                project_key=team,
                gate_key=GATE,
                actor="chen.lead",
                role="consultant_lead",
                comment="authored",
            )
            client = browser.new_page(viewport={"width": 1360, "height": 900})
            log_in(client, base, "zhou.sponsor")
            client.goto(f"{base}{GATE_URL}")
            client.select_option("select[name=role]", "client_sponsor")
            client.fill("textarea[name=comment]", "approved for ACME")
            client.click("form[action$='/sign'] button.primary")
            client.wait_for_selector("text=srs-signoff: met; phase requirements queued")
            client.screenshot(path=str(OUT / "gate-signed.png"), full_page=True)
            # the page polls the run, then draws itself again once the run has ended
            client.wait_for_selector("p.meta .badge.green", timeout=180_000)
            assert "passed" in client.inner_text("p.meta")
            assert "PhasePassed" in client.inner_text("#runs")
            client.screenshot(path=str(OUT / "gate-passed.png"), full_page=True)

            pmo = browser.new_page(viewport={"width": 1360, "height": 900})
            log_in(pmo, base, "wang.pmo")
            pmo.goto(f"{base}/p/{PROJECT}")
            pmo.click("form[action$='/run'] button")
            pmo.wait_for_selector("svg.gantt")
            pmo.screenshot(path=str(OUT / "project.png"), full_page=True)
            pmo.goto(f"{base}/dashboard")
            row = pmo.locator(f"tr:has(a[href='/p/{PROJECT}'])")
            text = row.inner_text()
            assert "Solution design" in text  # the next phase
            assert "design: queued" in text or "design: running" in text
            pmo.screenshot(path=str(OUT / "dashboard.png"), full_page=True)
            pmo.click("form[action='/lang'] button")  # 中文
            pmo.wait_for_selector("h1:has-text('项目组合')")
            assert "方案设计与系统配置" in pmo.inner_text("main")  # the pack's Chinese title
            pmo.screenshot(path=str(OUT / "dashboard-zh.png"), full_page=True)
        finally:
            browser.close()
            (OUT / "server.log").write_text("".join(log), encoding="utf-8")
        assert not [line for line in log if "Traceback" in line], "".join(log)
