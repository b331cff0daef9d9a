"""Applying a project's tailoring overlay to a pack: add, reword, remove items; change gates."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from implflow.core.errors import PackError
from implflow.methodology import yamlmarks
from implflow.methodology.catalogue import Catalogue, catalogue_problems
from implflow.methodology.schema import ItemChange, Methodology, Overlay, reference_problems


class _Tailor:
    def __init__(self, m: Methodology, overlay: Overlay, source: str, lines: yamlmarks.Lines):
        self.data: dict[str, Any] = m.model_dump(mode="json", by_alias=True)
        self.overlay, self.source, self.lines = overlay, source, lines
        self.gates = {g["key"]: g for p in self.data["phases"] for g in p["gates"]}

    def fail(self, loc: tuple[Any, ...], message: str) -> PackError:
        return PackError(
            self.source, yamlmarks.line_of(self.lines, loc), yamlmarks.field_name(loc), message
        )

    def origin(self, pack_loc: tuple[Any, ...]) -> tuple[Any, ...]:
        """The overlay entry that changed the gate a pack-level problem points into."""
        if len(pack_loc) >= 4 and pack_loc[2] == "gates":
            gate = self.data["phases"][pack_loc[1]]["gates"][pack_loc[3]]
            gate_key = gate["key"]
            if pack_loc[4:5] == ("criteria",) and pack_loc[6:7] == ("params",):
                crit_key = gate["criteria"][pack_loc[5]]["key"]
                for i, change in enumerate(self.overlay.gates):
                    if change.gate == gate_key and crit_key in change.params:
                        return ("gates", i, "params", crit_key, *pack_loc[7:])
            for section in ("gates", "add_items", "reword_items", "remove_items"):
                for i, entry in enumerate(getattr(self.overlay, section)):
                    if entry.gate == gate_key:
                        signoff = section == "gates" and pack_loc[4:5] == ("signoff",)
                        return (section, i, *(pack_loc[5:] if signoff else ()))
        return ("document",)

    def gate(self, key: str, loc: tuple[Any, ...]) -> dict[str, Any]:
        if key not in self.gates:
            raise self.fail((*loc, "gate"), f"unknown gate {key!r}")
        return self.gates[key]

    def item_index(self, change: ItemChange, loc: tuple[Any, ...]) -> int | None:
        items = self.gate(change.gate, loc)["checklist"]
        return next((i for i, it in enumerate(items) if it["key"] == change.key), None)

    def add(self, i: int, change: ItemChange) -> None:
        loc = ("add_items", i)
        if self.item_index(change, loc) is not None:
            raise self.fail((*loc, "key"), f"gate {change.gate} already has item {change.key!r}")
        if change.text is None:
            raise self.fail(loc, "an added item needs a text")
        item = {
            "key": change.key,
            "text": change.text.model_dump(by_alias=True),
            "required": True if change.required is None else change.required,
            "evidence": bool(change.evidence),
        }
        self.gates[change.gate]["checklist"].append(item)

    def reword(self, i: int, change: ItemChange) -> None:
        loc = ("reword_items", i)
        idx = self._existing(change, loc)
        item = self.gates[change.gate]["checklist"][idx]
        if change.text is not None:
            item["text"] = change.text.model_dump(by_alias=True)
        for attr in ("required", "evidence"):
            if getattr(change, attr) is not None:
                item[attr] = getattr(change, attr)

    def remove(self, i: int, change: ItemChange) -> None:
        loc = ("remove_items", i)
        idx = self._existing(change, loc)
        items = self.gates[change.gate]["checklist"]
        if len(items) == 1:
            raise self.fail((*loc, "key"), f"gate {change.gate} cannot lose its last item")
        items.pop(idx)

    def _existing(self, change: ItemChange, loc: tuple[Any, ...]) -> int:
        idx = self.item_index(change, loc)
        if idx is None:
            raise self.fail((*loc, "key"), f"gate {change.gate} has no item {change.key!r}")
        return idx

    def change_gate(self, i: int) -> None:
        change = self.overlay.gates[i]
        loc = ("gates", i)
        gate = self.gate(change.gate, loc)
        for attr in ("roles", "waiver_roles", "four_eyes"):
            if getattr(change, attr) is not None:
                gate["signoff"][attr] = getattr(change, attr)
        if change.sla_days is not None:
            gate["sla_days"] = change.sla_days
        criteria = {c["key"]: c for c in gate["criteria"]}
        for key, params in change.params.items():
            if key not in criteria:
                raise self.fail(
                    (*loc, "params", key), f"gate {change.gate} has no criterion {key!r}"
                )
            criteria[key]["params"] = {**criteria[key]["params"], **params}


def tailor(
    m: Methodology,
    overlay: Overlay,
    source: str,
    lines: yamlmarks.Lines,
    catalogue: Catalogue | None = None,
) -> Methodology:
    """Apply the overlay; the result is validated as a pack, against `catalogue` if given."""
    t = _Tailor(m, overlay, source, lines)
    if overlay.pack != m.name:
        raise t.fail(("pack",), f"overlay is for pack {overlay.pack!r}, not {m.name!r}")
    if overlay.version is not None and overlay.version != m.version:
        raise t.fail(
            ("version",), f"overlay is for version {overlay.version}, the project pins {m.version}"
        )
    for i, change in enumerate(overlay.add_items):
        t.add(i, change)
    for i, change in enumerate(overlay.reword_items):
        t.reword(i, change)
    for i, change in enumerate(overlay.remove_items):
        t.remove(i, change)
    for i in range(len(overlay.gates)):
        t.change_gate(i)
    try:
        result = Methodology.model_validate(t.data, context={"defer_checks": True})
    except ValidationError as exc:
        err = exc.errors()[0]
        raise t.fail(("gates",), err["msg"].removeprefix("Value error, ")) from None
    problems = reference_problems(result)
    if not problems and catalogue is not None:
        problems = catalogue_problems(result, catalogue)
    if problems:
        raise t.fail(t.origin(problems[0][0]), problems[0][1])
    return result
