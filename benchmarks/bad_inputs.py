# ruff: noqa: E501  (the catalogue reads best one case a line)
"""Bad inputs through the real `implflow` CLI: each must be refused with one clean line.

Run by hand: `/work/dev/bin/python benchmarks/bad_inputs.py [--json] [--postgres]`.
A fresh IMPLFLOW_HOME (SQLite, or a fresh PostgreSQL database with --postgres) gets an admin,
the standard team with tokens and a project; then every case runs as a subprocess.
Classes: clean (non-zero exit, one stderr line, no traceback), traceback, internal, silent
(exit 0), messy (non-zero exit but not exactly one stderr line), hang (killed after TIMEOUT s).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

IMPLFLOW = "/work/dev/bin/implflow"
TIMEOUT = 30
PW = "bench-password-123"
KEY = "acme-erp"
GATE = "srs-signoff"
TEAM = [
    ("wang.pmo", "Wang Fang", "pmo"),
    ("li.pm", "Li Wei", "project_manager"),
    ("chen.lead", "Chen Jing", "consultant_lead"),
    ("zhao.cons", "Zhao Lei", "consultant"),
    ("sun.cons", "Sun Mei", "consultant"),
    ("zhou.sponsor", "Zhou Min", "client_sponsor"),
    ("wu.data", "Wu Hao", "data_owner"),
]


@dataclass
class Case:
    """One bad input: its category, a name, the CLI arguments and extra environment."""

    category: str
    name: str
    args: list[str]
    env: dict[str, str] = field(default_factory=dict)
    stdin: str | None = None
    who: str | None = "li.pm"  # whose token acts; None: nobody
    result: dict[str, object] = field(default_factory=dict)


def _text(data: bytes | str | None) -> str:
    """Captured output of a killed command, as text."""
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return data or ""


class Bench:
    """The fresh home, the tokens of the team, and how a command is run there."""

    def __init__(self, root: Path, db_url: str | None) -> None:
        self.root = root
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("IMPLFLOW_")}
        self.env.update(
            IMPLFLOW_HOME=str(root / "home"),
            IMPLFLOW_ARGON2_MEMORY_KIB="64",
            IMPLFLOW_ARGON2_TIME_COST="1",
            NO_COLOR="1",
            COLUMNS="200",
        )
        if db_url:
            self.env["IMPLFLOW_DATABASE_URL"] = db_url
        self.tokens: dict[str, str] = {}

    def run(self, args: list[str], env: dict[str, str] | None = None, stdin: str | None = None):
        e = {**self.env, **(env or {})}
        return subprocess.run(
            [IMPLFLOW, *args], env=e, input=stdin, capture_output=True, text=True, timeout=TIMEOUT
        )

    def must(self, args: list[str], **kw) -> str:  # type: ignore[no-untyped-def]
        res = self.run(args, **kw)
        if res.returncode != 0:
            raise SystemExit(f"setup failed: implflow {' '.join(args)}\n{res.stderr}")
        return res.stdout

    def setup(self) -> None:
        self.must(["user", "add", "root.admin", "--name", "Root", "--admin", "--password-stdin"],
                  stdin=PW)  # fmt: skip
        self.must(["login", "root.admin", "--password-stdin"], stdin=PW)
        for handle, name, role in TEAM:
            extra = ["--pmo"] if role == "pmo" else []
            self.must(["user", "add", handle, "--name", name, *extra, "--password-stdin"], stdin=PW)
            out = self.must(["token", "create", "--name", "bench", "--for", handle])
            self.tokens[handle] = next(w for w in out.split() if w.startswith("ifl_"))
        self.must(["project", "create", KEY, "--name", "ACME ERP", "--client", "ACME"])
        for handle, _, role in TEAM:
            self.must(["member", "add", KEY, handle, "--role", role])
        self.must(["logout"])

    def classify(self, case: Case) -> None:
        env = dict(case.env)
        if case.who and "IMPLFLOW_TOKEN" not in env:
            env["IMPLFLOW_TOKEN"] = self.tokens[case.who]
        try:
            res = self.run(case.args, env, case.stdin)
        except subprocess.TimeoutExpired as e:  # a hang is a finding, not the bench's failure
            res = subprocess.CompletedProcess(case.args, -9, _text(e.stdout), _text(e.stderr))
            res.stderr += f"\n(hung: killed after {TIMEOUT} s)"
        out = res.stdout + res.stderr
        lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
        if res.returncode == -9:
            cls = "hang"
        elif "Traceback" in out:
            cls = "traceback"
        elif "internal error" in out.lower():
            cls = "internal"
        elif res.returncode == 0:
            cls = "silent"
        elif len(lines) == 1:
            cls = "clean"
        else:
            cls = "messy"
        case.result = {
            "command": "implflow " + " ".join(case.args),
            "env": dict(case.env),
            "who": case.who,
            "exit": res.returncode,
            "class": cls,
            "stderr_first": lines[0] if lines else "",
            "stderr_lines": len(lines),
            "output_tail": out[-600:] if cls != "clean" else "",
        }


# ---- the catalogue ---------------------------------------------------------------------------

PACK = """\
name: mini
version: 1.0.0
title: {en: Mini, zh-CN: Mini}
roles:
  - {key: lead, title: {en: Lead, zh-CN: Lead}}
phases:
  - key: one
    order: 1
    title: {en: One, zh-CN: One}
    deliverables:
      - {key: spec, title: {en: Spec, zh-CN: Spec}, document: srs}
    gates:
      - key: g1
        title: {en: G, zh-CN: G}
        sla_days: 5
        checklist:
          - {key: a, text: {en: A, zh-CN: A}}
        criteria:
          - key: depts
            function: departments_interviewed
            title: {en: D, zh-CN: D}
            params: {min_ratio: 0.9}
          - key: issues
            function: no_open_issues
            title: {en: I, zh-CN: I}
            params:
              severities: [critical, high]
        signoff: {roles: [lead]}
        documents: [srs]
"""
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [" + ",".join(["*" + p] * 9) + "]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
PACK_EDITS = [
    ("unknown criterion", "function: departments_interviewed", "function: departments_met"),
    ("param not taken", "{min_ratio: 0.9}", "{min_ratio: 0.9, bogus: 1}"),
    ("param misspelt", "{min_ratio: 0.9}", "{min_ration: 0.9}"),
    ("param on criterion without", "function: no_open_issues", "function: risks_owned"),
    ("ratio wrong type", "{min_ratio: 0.9}", "{min_ratio: high}"),
    ("ratio quoted", "{min_ratio: 0.9}", "{min_ratio: '0.9'}"),
    ("ratio boolean", "{min_ratio: 0.9}", "{min_ratio: true}"),
    ("ratio negative", "{min_ratio: 0.9}", "{min_ratio: -1}"),
    ("ratio above 1", "{min_ratio: 0.9}", "{min_ratio: 1.5}"),
    ("ratio null", "{min_ratio: 0.9}", "{min_ratio: null}"),
    ("unknown severity", "[critical, high]", "[critical, urgent]"),
    ("severities string", "[critical, high]", "critical"),
    ("severities empty", "[critical, high]", "[]"),
    ("unknown gate document", "documents: [srs]", "documents: [srs, brochure]"),
    ("unknown deliverable doc", "document: srs}", "document: manual}"),
    ("duplicate key", "            params: {min_ratio: 0.9}\n",
     "            params: {min_ratio: 0.9}\n            params: {min_ratio: 0}\n"),
    ("named for other pack", "name: mini", "name: maxi"),
    ("named for other version", "version: 1.0.0", "version: 1.0.1"),
    ("unknown signoff role", "signoff: {roles: [lead]}", "signoff: {roles: [ghost]}"),
    ("signoff roles empty", "signoff: {roles: [lead]}", "signoff: {roles: []}"),
    ("negative sla", "sla_days: 5", "sla_days: -5"),
    ("sla string", "sla_days: 5", "sla_days: soon"),
    ("phase order string", "order: 1", "order: first"),
    ("bad YAML indent", "    gates:\n", "   gates:\n"),
    ("bad YAML tab", "    order: 1\n", "\torder: 1\n"),
    ("unclosed flow", "{min_ratio: 0.9}", "{min_ratio: 0.9"),
    ("no phases", "phases:\n", "phasez:\n"),
    ("roles a string", "roles:\n  - {key: lead, title: {en: Lead, zh-CN: Lead}}", "roles: lead"),
    ("duplicate criterion key", "key: issues", "key: depts"),
    ("duplicate gate document", "documents: [srs]", "documents: [srs, srs]"),
]  # fmt: skip
THRESHOLDS = [
    ("training_scores", "{pass_score: 101}"),
    ("training_scores", "{min_pass_ratio: 1.01}"),
    ("knowledge_base_ready", "{min_articles: -3}"),
    ("knowledge_base_ready", "{min_articles: 2.5}"),
    ("survey_satisfaction", "{min_average: 9}"),
    ("modules_decided", "{min_enabled: -1}"),
    ("uat_pass_rate", "{min_ratio: -0.5}"),
    ("training_attendance", "{min_ratio: 2}"),
    ("pilot_reconciled", "{max_rejection_rate: 2}"),
    ("full_reconciled", "{max_amount_diff_cents: -100}"),
    ("full_reconciled", "{max_changed_keys: many}"),
]
OVERLAY = """\
pack: standard
gates:
  - gate: srs-signoff
    sla_days: 7
    params:
      departments-interviewed: {min_ratio: 0.8}
"""
OVERLAY_EDITS = [
    ("ratio negative", "{min_ratio: 0.8}", "{min_ratio: -1}"),
    ("ratio above 1", "{min_ratio: 0.8}", "{min_ratio: 1.2}"),
    ("ratio word", "{min_ratio: 0.8}", "{min_ratio: all}"),
    ("param misspelt", "{min_ratio: 0.8}", "{min_ration: 0.8}"),
    ("unknown criterion", "departments-interviewed:", "departments-surveyed:"),
    ("unknown gate", "gate: srs-signoff", "gate: no-such-gate"),
    ("other pack", "pack: standard", "pack: nonesuch"),
    ("negative sla", "sla_days: 7", "sla_days: -7"),
    ("duplicate key", "    sla_days: 7\n", "    sla_days: 7\n    sla_days: 8\n"),
    ("bad YAML", "params:\n", "params: [\n"),
    ("gates a string", "gates:\n  - gate: srs-signoff", "gates: srs-signoff\nx:\n  - gate: y"),
    ("unknown top key", "pack: standard", "pack: standard\nfoo: bar"),
]


def _packs(root: Path) -> list[Case]:
    out: list[Case] = []
    for n, (name, old, new) in enumerate(PACK_EDITS):
        assert old in PACK, name
        out.append(_pack_case(root, f"p{n}", name, PACK.replace(old, new, 1)))
    for n, (fn, params) in enumerate(THRESHOLDS):
        text = PACK.replace("function: departments_interviewed", f"function: {fn}", 1)
        out.append(_pack_case(root, f"t{n}", f"{fn} {params}",
                              text.replace("{min_ratio: 0.9}", params, 1)))  # fmt: skip
    out.append(_pack_case(root, "bomb", "alias bomb", PACK + BOMB))
    out.append(_pack_case(root, "deep", "deep nesting", "a: " + "[" * 10_000 + "]" * 10_000))
    out.append(_pack_case(root, "big", "oversized file", PACK + "# " + "x" * 3_000_000 + "\n"))
    out.append(_pack_case(root, "bin", "binary file", "\x00\xff\xfe garbage"))
    out.append(_pack_case(root, "empty", "empty file", ""))
    out.append(_pack_case(root, "list", "a list not a mapping", "- 1\n- 2\n"))
    for n, (name, old, new) in enumerate(OVERLAY_EDITS):
        assert old in OVERLAY, name
        path = root / f"overlay{n}.yaml"
        path.write_text(OVERLAY.replace(old, new, 1), encoding="utf-8")
        out.append(Case("overlay", name, ["project", "create", f"ov-{n}", "--name", "X",
                                          "--client", "Y", "--overlay", str(path)], who="wang.pmo"))  # fmt: skip
    bomb = root / "overlay-bomb.yaml"
    bomb.write_text("pack: standard\n" + BOMB, encoding="utf-8")
    out.append(Case("overlay", "alias bomb", ["project", "create", "ov-bomb", "--name", "X",
                                              "--client", "Y", "--overlay", str(bomb)], who="wang.pmo"))  # fmt: skip
    out.append(Case("overlay", "missing file", ["project", "create", "ov-miss", "--name", "X",
                                                "--client", "Y", "--overlay", str(root / "nope.yaml")], who="wang.pmo"))  # fmt: skip
    out.append(Case("overlay", "directory", ["project", "create", "ov-dir", "--name", "X",
                                             "--client", "Y", "--overlay", str(root)], who="wang.pmo"))  # fmt: skip
    for n, (pack, ver) in enumerate([("nonesuch", ""), ("standard", "9.9.9"), ("standard", "x"),
                                     ("../etc/passwd", ""), ("", "")]):  # fmt: skip
        args = ["project", "create", f"pk-{n}", "--name", "X", "--client", "Y", "--pack", pack]
        out.append(Case("pack", f"unknown pack {pack!r}@{ver!r}",
                        args + (["--version", ver] if ver else []), who="wang.pmo"))  # fmt: skip
    return out


def _pack_case(root: Path, tag: str, name: str, text: str) -> Case:
    folder = root / f"packs-{tag}"
    folder.mkdir()
    (folder / "mini-1.0.0.yaml").write_text(text, encoding="utf-8", errors="surrogateescape")
    args = ["project", "create", f"mini-{tag}".lower(), "--name", "M", "--client", "C",
            "--pack", "mini"]  # fmt: skip
    return Case("pack", name, args, env={"IMPLFLOW_PACKS_DIR": str(folder)}, who="wang.pmo")


BAD_TEXT = {
    "markup close": "[/x]",
    "markup open": "[bold]x",
    "empty": "",
    "blank": "   ",
    "newline": "a\nb",
    "NUL": "a\x00b",
    "escape": "a\x1b[31mb",
    "zero-width space": "a\u200bb",
    "BOM": "\ufeffab",
    "bidi override": "a\u202eb",
    "very long": "x" * 5000,
}
BAD_KEYS = {**BAD_TEXT, "space": "a b", "slash": "a/b", "upper": "ACME", "dot-dot": "..",
            "leading dash": "-x", "unicode": "项目"}  # fmt: skip


def _names(root: Path) -> list[Case]:
    out: list[Case] = []
    pm = "wang.pmo"
    for what, key in BAD_KEYS.items():
        if key.startswith("-"):
            args = ["project", "create", "--name", "X", "--client", "Y", "--", key]
        else:
            args = ["project", "create", key, "--name", "X", "--client", "Y"]
        out.append(Case("project", f"key {what}", args, who=pm))
    for n, (what, text) in enumerate(BAD_TEXT.items()):
        if what.startswith("markup") or what == "very long":
            continue  # a name may hold brackets; long names are a matter of taste
        out.append(Case("project", f"name {what}", ["project", "create", f"pn-{n}", "--name",
                                                    text, "--client", "Y"], who=pm))  # fmt: skip
        out.append(Case("project", f"client {what}", ["project", "create", f"pc-{n}", "--name",
                                                      "X", "--client", text], who=pm))  # fmt: skip
    for what in ("markup close", "empty", "newline", "NUL", "zero-width space", "bidi override",
                 "escape", "blank"):  # fmt: skip
        h = BAD_TEXT[what]
        out.append(Case("member", f"handle {what}", ["member", "add", KEY, h, "--role",
                                                     "consultant", "--name", "N"], who=pm))  # fmt: skip
    for role in ("ghost", "", "PMO", "[/x]", "consultant\u200b"):
        out.append(Case("member", f"role {role!r}", ["member", "add", KEY, "new.person",
                                                     "--role", role, "--name", "N"], who=pm))  # fmt: skip
    out += [
        Case("member", "unknown project", ["member", "add", "no-such", "x.y", "--role", "consultant", "--name", "N"], who=pm),
        Case("member", "new person without name", ["member", "add", KEY, "nameless.one", "--role", "consultant"], who=pm),
        Case("member", "by a consultant", ["member", "add", KEY, "x.y", "--role", "consultant", "--name", "N"], who="zhao.cons"),
        Case("member", "by nobody", ["member", "add", KEY, "x.y", "--role", "consultant", "--name", "N"], who=None),
        Case("member", "show unknown project", ["project", "show", "no-such"], who=pm),
        Case("member", "create duplicate project", ["project", "create", KEY, "--name", "X", "--client", "Y"], who=pm),
        Case("member", "project by consultant", ["project", "create", "cons-proj", "--name", "X", "--client", "Y"], who="zhao.cons"),
        Case("member", "bad locale", ["project", "create", "loc-x", "--name", "X", "--client", "Y", "--locale", "xx"], who=pm),
        Case("member", "bad system", ["project", "create", "sys-x", "--name", "X", "--client", "Y", "--system", "[/x]"], who=pm),
        Case("member", "user add bad handle", ["user", "add", "[/x]", "--name", "N", "--password-stdin"], stdin=PW, who=None, env={}),
        Case("member", "login unknown", ["login", "ghost.user", "--password-stdin"], stdin=PW, who=None),
        Case("member", "login wrong password", ["login", "li.pm", "--password-stdin"], stdin="wrong", who=None),
        Case("member", "token days 1000", ["token", "create", "--name", "x", "--days", "1000"]),
        Case("member", "token days negative", ["token", "create", "--name", "x", "--days", "-1"]),
    ]  # fmt: skip
    return out


DATA_CASES = [
    ("bad JSON", "department", "d1", "{name: Finance}"),
    ("JSON not an object", "department", "d1", "[1, 2]"),
    ("JSON a string", "department", "d1", '"Finance"'),
    ("truncated JSON", "department", "d1", '{"name": "Fin'),
    ("empty fields", "department", "d1", ""),
    ("unknown kind", "unicorn", "u1", '{"name": "x"}'),
    ("kind empty", "", "u1", '{"name": "x"}'),
    ("kind markup", "[/x]", "u1", '{"name": "x"}'),
    ("key empty", "department", "", '{"name": "x"}'),
    ("key control", "department", "a\x1bb", '{"name": "x"}'),
    ("key zero-width", "department", "a\u200bb", '{"name": "x"}'),
    ("interviewed a string", "department", "d2", '{"name": "F", "interviewed": "maybe"}'),
    ("name a number", "department", "d3", '{"name": 42}'),
    ("unknown field", "department", "d4", '{"name": "F", "colour": "red"}'),
    ("priority unknown", "requirement", "R-9", '{"code": "R-9", "title": "T", "priority": "urgent"}'),
    ("score above 100", "training_score", "t1", '{"person": "he.key", "score": 150}'),
    ("score negative", "training_score", "t2", '{"person": "he.key", "score": -5}'),
    ("score string", "training_score", "t3", '{"person": "he.key", "score": "high"}'),
    ("survey above 5", "survey", "s1", '{"score": 9}'),
    ("reconciliation by hand", "reconciliation", "r1", '{"mode": "full", "balanced": true}'),
    ("health_check by hand", "health_check", "h1", '{"status": "ok"}'),
    ("probe result by hand", "probe_result", "p1", '{"ok": true}'),
    ("migration_object figures", "migration_object", "m1",
     '{"name": "Orders", "rows_in": 10, "migrated": 10, "rejected": 0}'),
    ("migration_object rejection_rate", "migration_object", "m2", '{"name": "O", "rejection_rate": 0}'),
    ("bad date", "risk", "k9", '{"title": "T", "due": "2026-13-45"}'),
    ("date a word", "issue", "i9", '{"title": "T", "severity": "high", "opened": "yesterday"}'),
    ("severity unknown", "issue", "i8", '{"title": "T", "severity": "apocalyptic"}'),
    ("huge nesting", "department", "d5", "[" * 5000 + "]" * 5000),
    ("NaN", "department", "d6", '{"name": "F", "ratio": NaN}'),
    ("markup title", "requirement", "R-8", '{"code": "R-8", "title": "[/x]", "priority": "must"}'),
]  # fmt: skip


def _records(root: Path) -> list[Case]:
    out = [Case("records", name, ["data", "set", KEY, kind, key, fields, "--as", "li.pm"])
           for name, kind, key, fields in DATA_CASES]  # fmt: skip
    out += [
        Case("records", "unknown project", ["data", "set", "no-such", "department", "d", '{"name": "F"}', "--as", "li.pm"]),
        Case("records", "--as someone else", ["data", "set", KEY, "department", "d7", '{"name": "F"}', "--as", "chen.lead"]),
        Case("records", "--as a stranger", ["data", "set", KEY, "department", "d8", '{"name": "F"}', "--as", "ghost"]),
        Case("records", "nobody logged in", ["data", "set", KEY, "department", "d9", '{"name": "F"}', "--as", "li.pm"], who=None),
    ]  # fmt: skip
    imp = root / "import-bad.yaml"
    imp.write_text("department: [1, 2\n", encoding="utf-8")
    imp2 = root / "import-recon.yaml"
    imp2.write_text("reconciliation: {r: {balanced: true}}\n", encoding="utf-8")
    for name, path in (("import bad YAML", imp), ("import reconciliation", imp2),
                       ("import missing", root / "nope.yaml")):  # fmt: skip
        out.append(Case("records", name, ["data", "import", KEY, str(path), "--as", "li.pm"]))
    return out


def _gates(root: Path, bench: Bench) -> list[Case]:
    g = ["gate"]
    out = [
        Case("gates", "complete no token", g + ["complete", KEY, GATE, "departments-interviewed", "--note", "x"], who=None),
        Case("gates", "complete bad token", g + ["complete", KEY, GATE, "departments-interviewed"], env={"IMPLFLOW_TOKEN": "ifl_forged"}),
        Case("gates", "complete empty token", g + ["complete", KEY, GATE, "departments-interviewed"], env={"IMPLFLOW_TOKEN": " "}),
        Case("gates", "complete revoked-style token", g + ["complete", KEY, GATE, "departments-interviewed"], env={"IMPLFLOW_TOKEN": bench.tokens["li.pm"][:-2] + "xx"}),
        Case("gates", "complete unknown gate", g + ["complete", KEY, "no-gate", "x"]),
        Case("gates", "complete unknown item", g + ["complete", KEY, GATE, "no-item"]),
        Case("gates", "complete unknown project", g + ["complete", "no-such", GATE, "x"]),
        Case("gates", "complete gate not open", g + ["complete", KEY, "acceptance-signed", "x"]),
        Case("gates", "waive by consultant", g + ["waive", KEY, GATE, "departments-interviewed", "--reason", "r"], who="zhao.cons"),
        Case("gates", "waive empty reason", g + ["waive", KEY, GATE, "departments-interviewed", "--reason", ""]),
        Case("gates", "waive no token", g + ["waive", KEY, GATE, "departments-interviewed", "--reason", "r"], who=None),
        Case("gates", "sign wrong role", g + ["sign", KEY, GATE, "--role", "client_sponsor", "--password-stdin"], stdin=PW, who="zhao.cons"),
        Case("gates", "sign unknown role", g + ["sign", KEY, GATE, "--role", "ghost", "--password-stdin"], stdin=PW),
        Case("gates", "sign wrong password", g + ["sign", KEY, GATE, "--role", "project_manager", "--password-stdin"], stdin="wrong"),
        Case("gates", "sign no token", g + ["sign", KEY, GATE, "--role", "project_manager", "--password-stdin"], stdin=PW, who=None),
        Case("gates", "sign bad meaning", g + ["sign", KEY, GATE, "--role", "project_manager", "--meaning", "blessed", "--password-stdin"], stdin=PW),
        Case("gates", "sign behalf without scan", g + ["sign", KEY, GATE, "--role", "client_sponsor", "--on-behalf-of", "zhou.sponsor", "--password-stdin"], stdin=PW),
        Case("gates", "sign behalf missing scan", g + ["sign", KEY, GATE, "--role", "client_sponsor", "--on-behalf-of", "zhou.sponsor", "--scan", str(root / "nope.pdf"), "--password-stdin"], stdin=PW),
        Case("gates", "sign behalf of stranger", g + ["sign", KEY, GATE, "--role", "client_sponsor", "--on-behalf-of", "ghost", "--scan", str(root / "scan.pdf"), "--password-stdin"], stdin=PW),
        Case("gates", "sign unknown gate", g + ["sign", KEY, "no-gate", "--role", "project_manager", "--password-stdin"], stdin=PW),
        Case("gates", "reject empty reason", g + ["reject", KEY, GATE, "--role", "project_manager", "--reason", "", "--password-stdin"], stdin=PW),
        Case("gates", "reject wrong role", g + ["reject", KEY, GATE, "--role", "client_sponsor", "--reason", "r", "--password-stdin"], stdin=PW, who="zhao.cons"),
        Case("gates", "reject no token", g + ["reject", KEY, GATE, "--role", "project_manager", "--reason", "r"], who=None),
        Case("gates", "check unknown gate", g + ["check", KEY, "no-gate"]),
        Case("gates", "show unknown project", g + ["show", "no-such", GATE]),
        Case("gates", "phase run unknown phase", ["phase", "run", KEY, "no-phase"]),
        Case("gates", "phase run unknown project", ["phase", "run", "no-such", "requirements"]),
        Case("gates", "phase run by consultant", ["phase", "run", KEY, "requirements"], who="zhao.cons"),
        Case("gates", "user list by consultant", ["user", "list"], who="zhao.cons"),
        Case("gates", "user add by consultant", ["user", "add", "x.y", "--name", "N", "--password-stdin"], stdin=PW, who="zhao.cons"),
        Case("gates", "token for other by consultant", ["token", "create", "--name", "x", "--for", "li.pm"], who="zhao.cons"),
        Case("gates", "disable by consultant", ["user", "disable", "li.pm"], who="zhao.cons"),
    ]  # fmt: skip
    (root / "scan.pdf").write_bytes(b"%PDF-1.4 scan")
    return out


def _evidence(root: Path) -> list[Case]:
    big = root / "big.bin"
    big.write_bytes(b"x" * 5000)
    fifo = root / "fifo"
    os.mkfifo(fifo)
    base = ["gate", "complete", KEY, GATE, "departments-interviewed"]
    urls = ["file:///etc/passwd", "javascript:alert(1)", "ftp://x/y", "data:text/html,x",
            "not a url", "http://", "[/x]", "https://a\x00b"]  # fmt: skip
    out = [
        Case("evidence", "missing file", base + ["--evidence", str(root / "nope.pdf")]),
        Case("evidence", "directory", base + ["--evidence", str(root)]),
        Case("evidence", "over size limit", base + ["--evidence", str(big)], env={"IMPLFLOW_EVIDENCE_MAX_BYTES": "100"}),
        Case("evidence", "size limit negative", base + ["--evidence", str(big)], env={"IMPLFLOW_EVIDENCE_MAX_BYTES": "-1"}),
        Case("evidence", "size limit word", base + ["--evidence", str(big)], env={"IMPLFLOW_EVIDENCE_MAX_BYTES": "lots"}),
        Case("evidence", "fifo", base + ["--evidence", str(fifo)]),
        Case("evidence", "/dev/zero", base + ["--evidence", "/dev/zero"]),
        Case("evidence", "unreadable /etc/shadow", base + ["--evidence", "/etc/shadow"]),
    ]  # fmt: skip
    out += [Case("evidence", f"url {u!r}", base + ["--url", u]) for u in urls]
    return out


def _migrations(root: Path) -> list[Case]:
    import yaml

    from implflow.datamigration.sample import write_csv, write_spec

    def spec(tag: str, change, source: dict | None = None, csv_bytes: bytes | None = None) -> str:  # type: ignore[no-untyped-def]
        folder = root / f"mig-{tag}"
        folder.mkdir()
        write_csv(folder / "legacy.csv", 200)
        if csv_bytes is not None:
            (folder / "legacy.csv").write_bytes(csv_bytes)
        path = write_spec(folder, f"sqlite:///{folder / 'target.db'}", source=source)
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
        return str(path)

    def field_rule(rule):  # type: ignore[no-untyped-def]
        return lambda d: d["fields"][2].update(rules=[rule])

    good = (root / "mig-ok").as_posix()
    bad_enc = ("order_no,x\n" + "A,b\n" * 200).encode() + b"\xff\xfe\xc3(\n"
    variants = {
        "malformed regex": field_rule({"code": {"pattern": "(\\d+", "format": "CUS-{:07d}"}}),
        "bad format code": field_rule({"code": {"pattern": "\\d+", "format": "CUS-{:q}"}}),
        "format two slots": field_rule({"code": {"pattern": "\\d+", "format": "{}{}"}}),
        "unknown rule": field_rule("make_it_nice"),
        "rule params unknown": field_rule({"trim": {"side": "left"}}),
        "negative sample": lambda d: d.update(sample={"percent": -5}),
        "sample above 100": lambda d: d.update(sample={"percent": 250}),
        "batch zero": lambda d: d.update(batch_size=0),
        "batch string": lambda d: d.update(batch_size="big"),
        "unknown type": lambda d: d["fields"][0].update(type="bigint128"),
        "no key": lambda d: d.pop("key"),
        "key not a field": lambda d: d.update(key=["nope"]),
        "staging same as table": lambda d: d["target"].update(staging_table="orders"),
        "target bad url": lambda d: d["target"].update(url="nonsense://x"),
        "target table injection": lambda d: d["target"].update(table="orders; drop table x"),
        "missing rates": lambda d: d.update(rates="nope.csv"),
        "unknown plugin": lambda d: d.update(plugins=["no_such_plugin"]),
        "unknown top key": lambda d: d.update(colour="red"),
        "duplicate field name": lambda d: d["fields"].append(dict(d["fields"][0])),
        "no fields": lambda d: d.update(fields=[]),
        "dedup keep bad": lambda d: d.update(dedup={"keep": "middle"}),
    }
    out: list[Case] = []
    for n, (name, change) in enumerate(variants.items()):
        path = spec(f"v{n}", change)
        out.append(Case("migration", f"profile: {name}", ["migrate", "profile", path]))
        out.append(Case("migration", f"run: {name}", ["migrate", "run", path]))
    miss = spec("miss", lambda d: None, source={"csv": {"path": "gone.csv"}})
    enc = spec("enc", lambda d: None, csv_bytes=bad_enc)
    ok = spec("ok", lambda d: None)
    bad_yaml = root / "bad-spec.yaml"
    bad_yaml.write_text("name: [orders\n", encoding="utf-8")
    out += [
        Case("migration", "profile: missing source", ["migrate", "profile", miss]),
        Case("migration", "run: missing source", ["migrate", "run", miss]),
        Case("migration", "profile: bad encoding after 1 KB", ["migrate", "profile", enc]),
        Case("migration", "run: bad encoding after 1 KB", ["migrate", "run", enc]),
        Case("migration", "run: unknown --run-id", ["migrate", "run", ok, "--run-id", "no-such-run"]),
        Case("migration", "reconcile: unknown --run-id", ["migrate", "reconcile", ok, "--run-id", "nope"]),
        Case("migration", "reconcile: bad mode", ["migrate", "reconcile", ok, "--mode", "half"]),
        Case("migration", "profile: missing spec", ["migrate", "profile", str(root / "nope.yaml")]),
        Case("migration", "profile: spec is a dir", ["migrate", "profile", good]),
        Case("migration", "profile: bad YAML", ["migrate", "profile", str(bad_yaml)]),
        Case("migration", "profile: bad locale", ["migrate", "profile", ok, "--locale", "xx"]),
    ]  # fmt: skip
    return out


def _stores(root: Path) -> list[Case]:
    urls = {
        "closed port": "postgresql+psycopg://postgres@127.0.0.1:1/x",
        "nonsense": "nonsense",
        "unknown dialect": "oracle9://u@h/db",
        "mysql closed port": "mysql+pymysql://root@127.0.0.1:1/x",
        "sqlite in missing dir": f"sqlite:///{root}/no/such/dir/x.db",
        "sqlite a directory": f"sqlite:///{root}",
        "no such database": "postgresql+psycopg://postgres@127.0.0.1:5432/no_such_db_xyz",
        "empty": " ",
    }
    out: list[Case] = []
    for name, url in urls.items():
        for args in (["status"], ["project", "list"], ["audit", "verify"]):
            out.append(Case("store", f"{name}: {args[0]}", args,
                            env={"IMPLFLOW_DATABASE_URL": url}))  # fmt: skip
    return out


def catalogue(root: Path, bench: Bench) -> list[Case]:
    """Every bad input, each expected refused (a NUL cannot reach a program's argv: left out)."""
    cases = [*_packs(root), *_names(root), *_records(root), *_gates(root, bench),
            *_evidence(root), *_migrations(root), *_stores(root)]  # fmt: skip
    return [c for c in cases if not any("\x00" in a for a in c.args)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of tables")
    ap.add_argument("--postgres", action="store_true", help="a fresh PostgreSQL database")
    ap.add_argument("--out", type=Path, default=None, help="write the JSON here too")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="implflow-bad-") as tmp:
        root = Path(tmp)
        db_url, dbname = None, None
        if a.postgres:
            import psycopg

            dbname = f"bad_{uuid.uuid4().hex[:10]}"
            with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres",
                                 autocommit=True) as con:  # fmt: skip
                con.execute(f"CREATE DATABASE {dbname}")
            db_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{dbname}"
        try:
            bench = Bench(root, db_url)
            bench.setup()
            cases = catalogue(root, bench)
            for n, case in enumerate(cases, 1):
                bench.classify(case)
                print(f"\r{n}/{len(cases)}", end="", file=sys.stderr, flush=True)
            print(file=sys.stderr)
        finally:
            if dbname:
                with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres",
                                     autocommit=True) as con:  # fmt: skip
                    con.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
    report = summarise(cases, "postgres" if a.postgres else "sqlite")
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if a.out:
        a.out.write_text(text, encoding="utf-8")
    print(text if a.json else tables(report))
    return 0


CLASSES = ["clean", "traceback", "internal", "silent", "messy", "hang"]


def summarise(cases: list[Case], store: str) -> dict[str, object]:
    """Totals per category and overall, and every case's result."""
    per: dict[str, dict[str, int]] = {}
    for c in cases:
        row = per.setdefault(c.category, {"tried": 0, **dict.fromkeys(CLASSES, 0)})
        row["tried"] += 1
        row[str(c.result["class"])] += 1
    total = {"tried": len(cases), **{k: sum(r[k] for r in per.values()) for k in CLASSES}}
    return {
        "store": store,
        "totals": total,
        "categories": per,
        "cases": [{"category": c.category, "name": c.name, **c.result} for c in cases],
    }


def tables(report: dict) -> str:  # type: ignore[type-arg]
    """The per-category table, the totals, and every case that was not clean."""
    head = f"{'category':<22}{'tried':>6}" + "".join(f"{k:>11}" for k in CLASSES)
    rows = [f"store: {report['store']}", head]
    for cat, r in [*report["categories"].items(), ("TOTAL", report["totals"])]:
        rows.append(f"{cat:<22}{r['tried']:>6}" + "".join(f"{r[k]:>11}" for k in CLASSES))
    bad = [c for c in report["cases"] if c["class"] != "clean"]
    rows.append(f"\nnot clean: {len(bad)}")
    for c in bad:
        rows.append(f"- [{c['class']}] {c['category']}/{c['name']} (exit {c['exit']}, "
                    f"as {c['who']}, env {c['env']})\n    {c['command'][:300]}\n"
                    f"    {c['output_tail'].strip()[-400:]!r}")  # fmt: skip
    return "\n".join(rows)


if __name__ == "__main__":
    raise SystemExit(main())
