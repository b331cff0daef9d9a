"""Loading methodology packs and tailoring overlays; errors name the file, line and field.

Packs are found by name in the packs folders (the `packs_dir` setting, then the shipped
`packs/`), one file `<name>-<version>.yaml` each; a file not so named is skipped with a
warning, and a pack is read only when asked for by name, so one bad file breaks only itself.
A pack is parsed once per process: the file is read and hashed at every load, and the parsed
pack is kept by its sha256 (an edited file is a new pack).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from implflow.core.errors import NotFound, PackError
from implflow.methodology import yamlmarks
from implflow.methodology.catalogue import Catalogue, catalogue_problems
from implflow.methodology.schema import Loc, Methodology, Overlay, reference_problems

PACKS = Path(__file__).parent / "packs"
PACK_FILE = re.compile(r"^(?P<name>[a-z0-9][a-z0-9-]*)-(?P<version>\d+\.\d+\.\d+)\.yaml$")
M = TypeVar("M", bound=BaseModel)
log = logging.getLogger(__name__)
_PARSED: dict[tuple[str, str, Catalogue | None], LoadedPack] = {}
_WARNED: set[Path] = set()


@dataclass(frozen=True)
class LoadedPack:
    methodology: Methodology
    sha256: str
    path: Path


def validate(model: type[M], text: str, source: str, catalogue: Catalogue | None = None) -> M:
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
        if not problems and catalogue is not None:
            problems = catalogue_problems(result, catalogue)
        if problems:
            raise _at(source, lines, *problems[0])
    return result


def _at(source: str, lines: yamlmarks.Lines, loc: Loc, message: str) -> PackError:
    return PackError(source, yamlmarks.line_of(lines, loc), yamlmarks.field_name(loc), message)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def folders() -> list[Path]:
    """Where packs are looked for, first match wins: the packs_dir setting, then shipped."""
    from implflow.core.settings import get_settings

    extra = get_settings().packs_dir
    return [extra.expanduser(), PACKS] if extra is not None else [PACKS]


def available_packs() -> list[tuple[str, str]]:
    """(name, version) of every pack found, oldest version first; stray files are skipped."""
    found = set()
    for folder in folders():
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            match = PACK_FILE.match(path.name)
            if match is None:
                _warn_stray(path)
                continue
            found.add((match["name"], match["version"]))
    return sorted(found, key=lambda nv: (nv[0], _version_key(nv[1])))


def _warn_stray(path: Path) -> None:
    """Warn about a stray file once per process: a console lists packs at every request."""
    if path not in _WARNED:
        _WARNED.add(path)
        log.warning("skipping %s: a pack file is named <name>-<1.2.3>.yaml", path)


def pack_path(name: str, version: str) -> Path | None:
    """The file of pack `name` at `version`, from the first folder that has it."""
    filename = f"{name}-{version}.yaml"
    if PACK_FILE.match(filename) is None:
        return None
    return next((f / filename for f in folders() if (f / filename).is_file()), None)


def load_pack(
    name: str = "standard", version: str | None = None, *, catalogue: Catalogue | None = None
) -> LoadedPack:
    """A pack by name, at `version` or the newest one; checked against `catalogue` if given."""
    path = pack_path(name, version) if version is not None else None
    if path is None:
        versions = [v for n, v in available_packs() if n == name]
        if not versions:
            raise NotFound(f"unknown methodology pack {name!r}")
        if version is not None:
            raise NotFound(
                f"pack {name} has no version {version} (versions: {', '.join(versions)})"
            )
        path = pack_path(name, versions[-1])
        assert path is not None  # listed a moment ago
    return load_pack_file(path, catalogue=catalogue)


def load_pack_file(path: Path, *, catalogue: Catalogue | None = None) -> LoadedPack:
    """Load and validate one pack file: read and hashed each time, parsed once per content."""
    raw = _read_bytes(path)
    sha = hashlib.sha256(raw).hexdigest()
    key = (sha, str(path), catalogue)
    if key not in _PARSED:
        text = _decode(str(path), raw)
        pack = LoadedPack(validate(Methodology, text, str(path), catalogue), sha, Path(path))
        _check_named(pack, text)
        if len(_PARSED) >= 64:  # a long-lived process whose packs keep being edited
            _PARSED.clear()
        _PARSED[key] = pack
    return _PARSED[key]


def _check_named(pack: LoadedPack, text: str) -> None:
    """A pack file holds the pack its name says (a project pins it by that name)."""
    match = PACK_FILE.match(pack.path.name)
    m = pack.methodology
    if match is None or (match["name"], match["version"]) == (m.name, m.version):
        return
    _, lines = yamlmarks.parse(text, str(pack.path))
    field = "name" if match["name"] != m.name else "version"
    raise _at(
        str(pack.path),
        lines,
        (field,),
        f"the file is named for {match['name']}@{match['version']}, it holds {m.name}@{m.version}",
    )


def _read_bytes(path: Path) -> bytes:
    try:
        with Path(path).open("rb") as fh:
            raw = fh.read(yamlmarks.MAX_BYTES + 1)
    except OSError as exc:
        raise PackError(str(path), None, "file", exc.strerror or "cannot read") from None
    if len(raw) > yamlmarks.MAX_BYTES:
        raise PackError(str(path), None, "file", f"larger than {yamlmarks.MAX_BYTES} bytes")
    return raw


def _decode(source: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PackError(source, None, "file", f"not UTF-8 ({exc.reason})") from None


def _read(path: Path) -> str:
    return _decode(str(path), _read_bytes(path))


def load_overlay_file(path: Path) -> Overlay:
    """Load and validate a tailoring overlay file."""
    return validate(Overlay, _read(path), str(path))


def apply_overlay_file(
    m: Methodology, path: Path, *, catalogue: Catalogue | None = None
) -> tuple[Overlay, Methodology]:
    """Load an overlay and tailor the pack with it; errors name the overlay's line."""
    text = _read(path)
    overlay = validate(Overlay, text, str(path))
    _, lines = yamlmarks.parse(text, str(path))
    return overlay, apply_overlay(m, overlay, str(path), lines, catalogue=catalogue)


def apply_overlay(
    m: Methodology,
    overlay: Overlay,
    source: str = "overlay",
    lines: yamlmarks.Lines | None = None,
    *,
    catalogue: Catalogue | None = None,
) -> Methodology:
    """The pack tailored by the overlay, validated again like a pack."""
    from implflow.methodology.tailoring import tailor

    return tailor(m, overlay, source, lines or {}, catalogue)
