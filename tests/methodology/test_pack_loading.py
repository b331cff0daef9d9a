"""The standard pack, malformed packs refused with file, line and field, and overlays."""

from __future__ import annotations

from pathlib import Path

import pytest

from implflow.core.errors import NotFound, PackError
from implflow.methodology import apply_overlay_file, available_packs, load_pack, load_pack_file
from implflow.methodology.schema import Text

GATES = {
    "requirements": ["srs-signoff"],
    "design": ["design-approved"],
    "migration": ["pilot-migration-passed", "full-migration-verified"],
    "training-golive": ["training-complete", "go-live-decision"],
    "acceptance": ["acceptance-signed"],
}


def _texts(obj: object) -> list[Text]:
    if isinstance(obj, Text):
        return [obj]
    if isinstance(obj, list):
        return [t for x in obj for t in _texts(x)]
    if hasattr(obj, "model_fields"):
        return [t for f in type(obj).model_fields for t in _texts(getattr(obj, f))]
    return []


def test_standard_pack_has_five_phases_and_seven_gates() -> None:
    m = load_pack("standard").methodology
    assert {p.key: [g.key for g in p.gates] for p in m.phases} == GATES
    assert ("standard", m.version) in available_packs()
    texts = _texts(m)
    assert len(texts) > 80
    assert all(t.en.strip() and t.zh_CN.strip() for t in texts)
    srs = m.gate("srs-signoff")[1]
    assert srs.item("requirements-classified").required
    assert srs.signoff.roles == ["client_sponsor", "consultant_lead"]


def test_unknown_pack_or_version() -> None:
    with pytest.raises(NotFound, match="unknown methodology pack"):
        load_pack("nope")
    with pytest.raises(NotFound, match="no version 9.9.9"):
        load_pack("standard", "9.9.9")


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
    gates:
      - key: g1
        title: {en: G, zh-CN: 门}
        sla_days: 5
        checklist:
          - {key: a, text: {en: A, zh-CN: 甲}}
          - {key: b, text: {en: B, zh-CN: 乙}, required: true}
        signoff: {roles: [lead]}
"""


def write(tmp_path: Path, text: str, name: str = "mini-1.0.0.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path) -> PackError:
    with pytest.raises(PackError) as info:
        load_pack_file(path)
    return info.value


def test_good_mini_pack_loads(tmp_path: Path) -> None:
    assert load_pack_file(write(tmp_path, PACK)).methodology.name == "mini"


@pytest.mark.parametrize(
    ("old", "new", "line", "field"),
    [
        ("required: true}", "required: maybe}", 16, "phases.0.gates.0.checklist.1.required"),
        ("        sla_days: 5\n", "", 11, "phases.0.gates.0.sla_days"),
        (
            "signoff: {roles: [lead]}",
            "signoff: {roles: [boss]}",
            17,
            "phases.0.gates.0.signoff.roles.0",
        ),
        ("{key: b,", "{key: a,", 16, "phases.0.gates.0.checklist.1.key"),
        ("    order: 1\n", "    order: 1\n    colour: red\n", 9, "phases.0.colour"),
        ("sla_days: 5", "sla_days: -1", 13, "phases.0.gates.0.sla_days"),
    ],
)
def test_malformed_pack_names_file_line_field(tmp_path, old, new, line, field) -> None:
    path = write(tmp_path, PACK.replace(old, new, 1))
    err = refused(path)
    assert (err.file, err.line, err.field) == (str(path), line, field)
    assert str(err).startswith(f"{path}:{line}: {field}: ")


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    err = refused(write(tmp_path, PACK.replace("order: 1", "order: [1", 1)))
    assert err.field == "yaml" and err.line in (8, 9)


OVERLAY = """\
pack: standard
add_items:
  - gate: srs-signoff
    key: legal-review
    text: {en: Legal reviewed the SRS, zh-CN: 法务已审阅SRS}
reword_items:
  - gate: srs-signoff
    key: scope-agreed
    required: false
remove_items:
  - gate: design-approved
    key: no-template-copy
gates:
  - gate: pilot-migration-passed
    roles: [data_owner]
    sla_days: 3
    params: {pilot-reconciled: {max_rejection_rate: 0.05}}
"""


def test_overlay_adds_rewords_removes_and_changes_gates(tmp_path: Path) -> None:
    m = load_pack().methodology
    _, t = apply_overlay_file(m, write(tmp_path, OVERLAY, "overlay.yaml"))
    srs = t.gate("srs-signoff")[1]
    assert srs.item("legal-review").text.zh_CN == "法务已审阅SRS"
    assert not srs.item("scope-agreed").required
    assert t.gate("design-approved")[1].item("no-template-copy") is None
    pilot = t.gate("pilot-migration-passed")[1]
    assert pilot.signoff.roles == ["data_owner"] and pilot.sla_days == 3
    assert pilot.criteria[0].params["max_rejection_rate"] == 0.05
    assert pilot.criteria[0].params["max_amount_diff_cents"] == 0
    assert m.gate("srs-signoff")[1].item("legal-review") is None  # the pack is untouched


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "message"),
    [
        (
            "  - gate: srs-signoff\n    key: legal",
            "  - gate: nope\n    key: legal",
            3,
            "add_items.0.gate",
            "unknown gate",
        ),
        ("key: scope-agreed", "key: ghost", 8, "reword_items.0.key", "has no item"),
        ("roles: [data_owner]", "roles: [wizard]", 15, "gates.0.roles.0", "unknown role"),
        ("pack: standard", "pack: other", 1, "pack", "overlay is for pack"),
        ("pack: standard", "pack: standard\nversion: 0.9.0", 2, "version", "version 0.9.0"),
        ("    sla_days: 3", "    sla_days: soon", 16, "gates.0.sla_days", "integer"),
    ],
)
def test_bad_overlay_names_file_line_field(tmp_path, old, new, line, field, message) -> None:
    path = write(tmp_path, OVERLAY.replace(old, new, 1), "overlay.yaml")
    with pytest.raises(PackError) as info:
        apply_overlay_file(load_pack().methodology, path)
    err = info.value
    assert (err.file, err.field) == (str(path), field)
    assert err.line == line and message in str(err)


def test_removing_every_item_of_a_gate_is_refused(tmp_path: Path) -> None:
    keys = [i.key for i in load_pack().methodology.gate("full-migration-verified")[1].checklist]
    body = "pack: standard\nremove_items:\n" + "".join(
        f"  - {{gate: full-migration-verified, key: {k}}}\n" for k in keys
    )
    with pytest.raises(PackError, match="cannot lose its last item"):
        apply_overlay_file(load_pack().methodology, write(tmp_path, body, "o.yaml"))
