"""Evidence files kept safely: copied before the transaction, never adopted half-written.

A face stores the file first (`store_file`, no store access, no lock held), then hands the
`StoredEvidence` to the service, which only records it. The copy is checked against the size
limit before it starts (and while it runs), streamed to a temporary file in the target folder
with its sha256 computed on the way, read back and compared, then moved into place with
os.replace: a copy killed midway leaves only a `.incoming.*.part` file, swept by the next copy,
never a file a record points at. Stored files are named by their sha256 (plus a sanitised
extension), mode 0600, in a 0700 folder per project.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from implflow.core.errors import IntegrityError, InvalidInput
from implflow.core.settings import get_settings

CHUNK = 1 << 20
PART = ".part"


@dataclass(frozen=True)
class StoredEvidence:
    """A file already in the evidence folder: where, its sha256, and its original name (data)."""

    path: Path
    sha256: str
    name: str
    size: int


def folder(project_key: str) -> Path:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", project_key):
        raise InvalidInput(f"project key {project_key!r} must be lowercase letters, digits, dashes")
    return get_settings().evidence_dir / project_key


def store_file(
    project_key: str, source: Path, *, expected_sha256: str | None = None
) -> StoredEvidence:
    """Copy `source` into the project's evidence folder; see the module docstring."""
    target_dir = folder(project_key)
    limit = get_settings().evidence_max_bytes
    _check_source(source, limit)
    target_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    sweep(target_dir)
    fd, tmp = tempfile.mkstemp(dir=target_dir, prefix=_part_prefix(), suffix=PART)  # 0600
    try:
        sha, size = _copy(source, fd, limit)
        if expected_sha256 is not None and sha != expected_sha256:
            raise InvalidInput(f"evidence file {source}: sha256 {sha} is not {expected_sha256}")
        if _sha256(Path(tmp)) != sha:
            raise IntegrityError(f"evidence copy of {source} does not read back as written")
        os.chmod(tmp, 0o600)
        target = target_dir / f"{sha}{_suffix(source.name)}"
        os.replace(tmp, target)
        _fsync_dir(target_dir)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return StoredEvidence(target, sha, source.name, size)


def _check_source(source: Path, limit: int) -> None:
    try:
        st = source.stat()
    except OSError:
        raise InvalidInput(f"evidence file {source} does not exist") from None
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
        raise InvalidInput(f"evidence {source} is not a file")
    if st.st_size > limit:
        raise InvalidInput(_too_big(source, st.st_size, limit))


def _too_big(source: Path, size: int, limit: int) -> str:
    return (
        f"evidence file {source} is larger than the limit of {limit} bytes "
        f"({size} bytes; IMPLFLOW_EVIDENCE_MAX_BYTES)"
    )


def _copy(source: Path, fd: int, limit: int) -> tuple[str, int]:
    """Stream source into fd, hashing on the way; refuse once past the limit (a growing file)."""
    h, size = hashlib.sha256(), 0
    with source.open("rb") as src, os.fdopen(fd, "wb") as dst:
        while chunk := src.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise InvalidInput(_too_big(source, size, limit))
            h.update(chunk)
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    return h.hexdigest(), size


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _suffix(name: str) -> str:
    """The original extension when it is plain (letters and digits), lowercased; else none."""
    found = re.search(r"\.([A-Za-z0-9]{1,10})$", name)
    return f".{found.group(1).lower()}" if found else ""


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname())[:32]


def _part_prefix() -> str:
    return f".incoming.{os.getpid()}.{_host()}."


def sweep(target_dir: Path) -> list[Path]:
    """Remove temporary files left by copies of this host whose process is gone."""
    removed = []
    for part in target_dir.glob(f".incoming.*{PART}"):
        fields = part.name.split(".")
        if len(fields) < 5 or fields[3] != _host() or not fields[2].isdigit():
            continue
        if not _alive(int(fields[2])):
            part.unlink(missing_ok=True)
            removed.append(part)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def adopt(project_key: str, evidence: Path | StoredEvidence) -> tuple[str, str, str]:
    """(path, sha256, original name) to record: a stored file as is, a bare path copied now.

    Faces store first (`store_file`) so the copy never runs under the store's write lock; a
    bare path is still taken for callers that have not, at the cost of copying inside it.
    """
    if not isinstance(evidence, StoredEvidence):
        evidence = store_file(project_key, evidence)
    path = evidence.path
    if path.parent != folder(project_key) or not path.name.startswith(evidence.sha256):
        raise InvalidInput(f"evidence {path} is not a file stored for project {project_key}")
    if not path.is_file():
        raise InvalidInput(f"stored evidence {path} is missing: store it again")
    return str(path), evidence.sha256, evidence.name
