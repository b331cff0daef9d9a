"""Evidence uploads: type and size checked while the file is copied to a private temporary
file (named by us, never by the sender); the evidence service then stores it by its sha256
and the sender's file name is kept as data only."""

from __future__ import annotations

import dataclasses
import os
import secrets
from pathlib import Path

from starlette.datastructures import UploadFile

from implflow.console.config import get_console_settings
from implflow.console.forms import too_large
from implflow.core.errors import InvalidInput
from implflow.core.settings import get_settings
from implflow.services import evidence

CHUNK = 1 << 20
ZIP = b"PK\x03\x04"
MAGIC = {
    ".pdf": b"%PDF-",
    ".png": b"\x89PNG\r\n\x1a\n",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
    ".xlsx": ZIP,
    ".docx": ZIP,
}
TEXT = (".txt", ".csv", ".md")


def _suffix(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def check_type(name: str, head: bytes) -> str:
    """The accepted suffix of the upload; InvalidInput when its type is refused."""
    accepted = get_console_settings().upload_types
    suffix = _suffix(name)
    if suffix not in accepted:
        shown = suffix or "(no extension)"
        raise InvalidInput(
            f"files of type {shown} are not accepted as evidence (accepted: {', '.join(accepted)})"
            ": nothing was stored"
        )
    magic = MAGIC.get(suffix)
    if magic is not None and not head.startswith(magic):
        raise InvalidInput(f"the file is not a {suffix} file: nothing was stored")
    if suffix in TEXT and b"\x00" in head:
        raise InvalidInput(f"the file is not a text ({suffix}) file: nothing was stored")
    return suffix


def receive(upload: UploadFile, folder: Path) -> Path | None:
    """Copy the upload to a private file in `folder`; None when no file was chosen."""
    if not upload.filename:
        return None
    limit = get_settings().evidence_max_bytes
    head = upload.file.read(CHUNK)
    suffix = check_type(upload.filename, head)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"upload-{secrets.token_hex(12)}{suffix}"
    size = 0
    try:
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > limit:
                    raise InvalidInput(too_large(size, limit))
                out.write(chunk)
                chunk = upload.file.read(CHUNK)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size == 0:
        path.unlink()
        raise InvalidInput("the uploaded file is empty: nothing was stored")
    return path


def store(upload: UploadFile, project_key: str) -> evidence.StoredEvidence | None:
    """Receive the upload and store it as the project's evidence (None: no file chosen)."""
    path = receive(upload, get_settings().home_dir / "uploads")
    if path is None:
        return None
    try:
        stored = evidence.store_file(project_key, path)
    finally:
        path.unlink(missing_ok=True)
    return dataclasses.replace(stored, name=_printable(upload.filename or ""))


def _printable(name: str) -> str:
    """The sender's file name as data: printable, at most 200 characters."""
    return "".join(c for c in os.path.basename(name) if c.isprintable())[:200] or "upload"
