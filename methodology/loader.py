"""Loading methodology packs and tailoring overlays; errors name the file, line and field."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from implflow.core.errors import NotFound, PackError
from implflow.methodology import yamlmarks
from implflow.methodology.schema import Methodology, Overlay, reference_problems

PACKS = Path(__file__).parent / "packs"
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class LoadedPack:
    methodology: Methodology
    sha256: str
    path: Path


def validate(model: type[M], text: str, source: str) -> M:
    """Parse YAML and validate it; the first error becomes a PackError with its line."""
    data, lines = yamlmarks.parse(text, source)
    try:
        result = model.model_validate(data, context={"defer_checks": True})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        raise PackError(
            source, yamlmarks.line_of(lines, loc), yamlmarks.field_name(loc), msg
        ) from None
    if isinstance(result, Methodology):
        problems = reference_problems(result)
        if problems:
            loc, msg = problems[0]
            raise PackError(source, yamlmarks.line_of(lines, loc), yamlmarks.field_name(loc), msg)
    return result


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def available_packs() -> list[tuple[str, str]]:
    """(name, version) of every pack shipped, oldest version first."""
    found = []
    for path in PACKS.glob("*.yaml"):
        name, _, version = path.stem.rpartition("-")
        found.append((name, version))
    return sorted(found, key=lambda nv: (nv[0], _version_key(nv[1])))


def load_pack(name: str = "standard", version: str | None = None) -> LoadedPack:
    """A shipped pack by name, at `version` or the newest one."""
    versions = [v for n, v in available_packs() if n == name]
    if not versions:
        raise NotFound(f"unknown methodology pack {name!r}")
    if version is None:
        version = versions[-1]
    elif version not in versions:
        raise NotFound(f"pack {name} has no version {version} (versions: {', '.join(versions)})")
    return load_pack_file(PACKS / f"{name}-{version}.yaml")


def load_pack_file(path: Path) -> LoadedPack:
    """Load and validate one pack file (cached by path and content)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise PackError(str(path), None, "file", exc.strerror or "cannot read") from None
    return _load(str(path), raw)


@lru_cache(maxsize=16)
def _load(source: str, raw: bytes) -> LoadedPack:
    text = _decode(source, raw)
    return LoadedPack(
        validate(Methodology, text, source), hashlib.sha256(raw).hexdigest(), Path(source)
    )


def _decode(source: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PackError(source, None, "file", f"not UTF-8 ({exc.reason})") from None


def _read(path: Path) -> str:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise PackError(str(path), None, "file", exc.strerror or "cannot read") from None
    return _decode(str(path), raw)


def load_overlay_file(path: Path) -> Overlay:
    """Load and validate a tailoring overlay file."""
    return validate(Overlay, _read(path), str(path))


def apply_overlay_file(m: Methodology, path: Path) -> tuple[Overlay, Methodology]:
    """Load an overlay and tailor the pack with it; errors name the overlay's line."""
    text = _read(path)
    overlay = validate(Overlay, text, str(path))
    _, lines = yamlmarks.parse(text, str(path))
    return overlay, apply_overlay(m, overlay, str(path), lines)


def apply_overlay(
    m: Methodology, overlay: Overlay, source: str = "overlay", lines: yamlmarks.Lines | None = None
) -> Methodology:
    """The pack tailored by the overlay, validated again like a pack."""
    from implflow.methodology.tailoring import tailor

    return tailor(m, overlay, source, lines or {})
