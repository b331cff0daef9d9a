"""The pack checked whole at load (issue 7 part 4): criteria, parameters, documents, YAML.

Every malformed pack and overlay kind is refused when it loads, naming file, line and field.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from implflow.core.errors import InvalidInput, PackError
from implflow.gates.registry import RecordsData, evaluate_criterion
from implflow.methodology import yamlmarks
from implflow.methodology.loader import apply_overlay_file, load_pack, load_pack_file
from implflow.services.lookup import catalogue

PACK = """\
name: mini
version: 1.0.0
title: {en: Mini, zh-CN: 迷你}
roles:
  - {key: lead, title: {en: Lead, zh-CN: 负责人}}
phases:
  - key: one
    order: 1
    title: {en: One, zh-CN: 一}
    deliverables:
      - {key: spec, title: {en: Spec, zh-CN: 规格}, document: srs}
    gates:
      - key: g1
        title: {en: G, zh-CN: 门}
        sla_days: 5
        checklist:
          - {key: a, text: {en: A, zh-CN: 甲}}
        criteria:
          - key: depts
            function: departments_interviewed
            title: {en: D, zh-CN: 部}
            params: {min_ratio: 0.9}
          - key: issues
            function: no_open_issues
            title: {en: I, zh-CN: 问}
            params:
              severities: [critical, high]
        signoff: {roles: [lead]}
        documents: [srs]
"""
CRIT = "phases.0.gates.0.criteria"


def write(tmp_path: Path, text: str, name: str = "mini-1.0.0.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path) -> PackError:
    with pytest.raises(PackError) as info:
        load_pack_file(path, catalogue=catalogue())
    return info.value


def test_the_mini_and_the_standard_pack_pass_every_check(tmp_path: Path) -> None:
    assert load_pack_file(write(tmp_path, PACK), catalogue=catalogue()).methodology.name == "mini"
    assert load_pack("standard", catalogue=catalogue()).methodology.name == "standard"


MALFORMED_PACKS = [
    # (what, old, new, line, field, message)
    ("unknown criterion", "function: departments_interviewed", "function: departments_met", 20,
     f"{CRIT}.0.function", "unknown criterion function 'departments_met'"),
    ("parameter not taken", "{min_ratio: 0.9}", "{min_ratio: 0.9, bogus: 1}", 22,
     f"{CRIT}.0.params.bogus", "departments_interviewed takes no parameter 'bogus'"),
    ("parameter misspelt", "{min_ratio: 0.9}", "{min_ration: 0.9}", 22,
     f"{CRIT}.0.params.min_ration", "takes no parameter 'min_ration' (parameters: min_ratio)"),
    ("parameter of a criterion without any", "function: no_open_issues", "function: risks_owned",
     27, f"{CRIT}.1.params.severities", "risks_owned takes no parameter 'severities'"),
    ("ratio of the wrong type", "{min_ratio: 0.9}", "{min_ratio: high}", 22,
     f"{CRIT}.0.params.min_ratio", "valid number"),
    ("ratio as a quoted number", "{min_ratio: 0.9}", "{min_ratio: '0.9'}", 22,
     f"{CRIT}.0.params.min_ratio", "valid number"),
    ("ratio as a boolean", "{min_ratio: 0.9}", "{min_ratio: true}", 22,
     f"{CRIT}.0.params.min_ratio", "valid number"),
    ("negative ratio", "{min_ratio: 0.9}", "{min_ratio: -1}", 22,
     f"{CRIT}.0.params.min_ratio", "greater than or equal to 0"),
    ("ratio above 1", "{min_ratio: 0.9}", "{min_ratio: 1.5}", 22,
     f"{CRIT}.0.params.min_ratio", "less than or equal to 1"),
    ("unknown severity", "[critical, high]", "[critical, urgent]", 27,
     f"{CRIT}.1.params.severities.1", "'critical', 'high', 'medium' or 'low'"),
    ("severities as one string", "[critical, high]", "critical", 27,
     f"{CRIT}.1.params.severities", "not allowed as a Sequence"),
    ("no severities", "[critical, high]", "[]", 27,
     f"{CRIT}.1.params.severities", "at least 1 item"),
    ("unknown gate document", "documents: [srs]", "documents: [srs, brochure]", 29,
     "phases.0.gates.0.documents.1", "unknown document 'brochure'"),
    ("gate document twice", "documents: [srs]", "documents: [srs, srs]", 29,
     "phases.0.gates.0.documents.1", "document 'srs' listed twice"),
    ("unknown deliverable document", "document: srs}", "document: manual}", 11,
     "phases.0.deliverables.0.document", "unknown document 'manual'"),
    ("duplicate YAML key", "            params: {min_ratio: 0.9}\n",
     "            params: {min_ratio: 0.9}\n            params: {min_ratio: 0}\n", 23,
     f"{CRIT}.0.params", "duplicate key"),
    ("file named for another pack", "name: mini", "name: maxi", 1, "name",
     "the file is named for mini@1.0.0, it holds maxi@1.0.0"),
    ("file named for another version", "version: 1.0.0", "version: 1.0.1", 2, "version",
     "it holds mini@1.0.1"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "message"),
    [m[1:] for m in MALFORMED_PACKS],
    ids=[m[0] for m in MALFORMED_PACKS],
)
def test_malformed_pack_refused_at_load_with_file_line_field(
    tmp_path: Path, old: str, new: str, line: int, field: str, message: str
) -> None:
    assert old in PACK
    path = write(tmp_path, PACK.replace(old, new, 1))
    err = refused(path)
    assert (err.file, err.line, err.field) == (str(path), line, field)
    assert str(err).startswith(f"{path}:{line}: {field}: ") and message in str(err)


@pytest.mark.parametrize(
    ("function", "params", "field"),
    [
        ("training_scores", "{pass_score: 101}", "pass_score"),
        ("training_scores", "{min_pass_ratio: 1.01}", "min_pass_ratio"),
        ("knowledge_base_ready", "{min_articles: -3}", "min_articles"),
        ("knowledge_base_ready", "{min_articles: 2.5}", "min_articles"),
        ("survey_satisfaction", "{min_average: 9}", "min_average"),
        ("modules_decided", "{min_enabled: -1}", "min_enabled"),
        ("uat_pass_rate", "{min_ratio: -0.5}", "min_ratio"),
        ("training_attendance", "{min_ratio: 2}", "min_ratio"),
        ("pilot_reconciled", "{max_rejection_rate: 2}", "max_rejection_rate"),
        ("full_reconciled", "{max_amount_diff_cents: -100}", "max_amount_diff_cents"),
        ("full_reconciled", "{max_changed_keys: many}", "max_changed_keys"),
    ],
)
def test_every_builtin_threshold_out_of_range_or_mistyped_is_refused(
    tmp_path: Path, function: str, params: str, field: str
) -> None:
    text = PACK.replace("function: departments_interviewed", f"function: {function}", 1)
    path = write(tmp_path, text.replace("{min_ratio: 0.9}", params, 1))
    err = refused(path)
    assert (err.line, err.field) == (22, f"{CRIT}.0.params.{field}")


def test_alias_bomb_is_refused_not_expanded(tmp_path: Path) -> None:
    pairs = zip("abcdefgh", "bcdefghi", strict=True)
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{c}: &{c} [" + ",".join(["*" + p] * 9) + "]\n" for p, c in pairs
    )  # 9**9 nodes once expanded
    err = refused(write(tmp_path, PACK + bomb))
    assert err.file.endswith("mini-1.0.0.yaml") and "aliases" in str(err)
    with pytest.raises(PackError, match="aliases"):
        apply_overlay_file(load_pack().methodology, write(tmp_path, "pack: standard\n" + bomb))


def test_deep_nesting_and_oversized_files_are_refused(tmp_path: Path) -> None:
    assert refused(write(tmp_path, "a: " + "[" * 10_000 + "]" * 10_000)).field == "yaml"
    err = refused(write(tmp_path, PACK + "# " + "x" * yamlmarks.MAX_BYTES + "\n"))
    assert err.field == "file" and "larger than" in str(err)


OVERLAY = """\
pack: standard
gates:
  - gate: srs-signoff
    sla_days: 7
    params:
      departments-interviewed: {min_ratio: 0.8}
"""


@pytest.mark.parametrize(
    ("new", "field", "message"),
    [
        ("{min_ratio: -1}", "min_ratio", "greater than or equal to 0"),
        ("{min_ratio: 1.2}", "min_ratio", "less than or equal to 1"),
        ("{min_ratio: all}", "min_ratio", "valid number"),
        ("{min_ration: 0.8}", "min_ration", "takes no parameter 'min_ration'"),
    ],
)
def test_malformed_overlay_params_refused_with_the_overlays_line(
    tmp_path: Path, new: str, field: str, message: str
) -> None:
    path = write(tmp_path, OVERLAY.replace("{min_ratio: 0.8}", new), "overlay.yaml")
    with pytest.raises(PackError) as info:
        apply_overlay_file(load_pack().methodology, path, catalogue=catalogue())
    err = info.value
    assert (err.file, err.line) == (str(path), 6)
    assert err.field == f"gates.0.params.departments-interviewed.{field}"
    assert message in str(err)


def test_overlay_naming_a_criterion_the_gate_lacks_is_refused(tmp_path: Path) -> None:
    body = OVERLAY.replace("departments-interviewed:", "departments-surveyed:")
    with pytest.raises(PackError, match="has no criterion 'departments-surveyed'") as info:
        apply_overlay_file(load_pack().methodology, write(tmp_path, body, "o.yaml"))
    assert info.value.line == 6


def test_good_overlay_params_apply(tmp_path: Path) -> None:
    path = write(tmp_path, OVERLAY, "overlay.yaml")
    _, m = apply_overlay_file(load_pack().methodology, path, catalogue=catalogue())
    assert m.gate("srs-signoff")[1].criteria[0].params == {"min_ratio": 0.8}


def test_a_weakened_threshold_never_reaches_a_criterion() -> None:
    departments = [{"name": f"D{i}", "head": "H", "interviewed": i > 0} for i in range(7)]
    data = RecordsData({"department": departments})
    assert not evaluate_criterion("departments_interviewed", data, {"min_ratio": 1.0}).ok
    with pytest.raises(InvalidInput, match="min_ratio: Input should be greater than or equal"):
        evaluate_criterion("departments_interviewed", data, {"min_ratio": -1})
