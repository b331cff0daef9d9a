"""What the audit keeps outside the store: the chain's secret key and the anchor of chain heads.

The key (32 random bytes, hex, mode 0600) makes an entry impossible to forge or re-hash without
it. The anchor (JSON beside the key) holds the newest (seq, hash) of every chain of every store,
so deleting the newest entries or a whole chain shows even to someone holding the key.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from implflow.core.errors import IntegrityError
from implflow.core.settings import get_settings

Heads = dict[str, tuple[int, str]]  # chain → (seq, hash)


def key_path() -> Path:
    return get_settings().audit_key_path


def load_key() -> bytes | None:
    """The chain's key, or None when the key file does not exist (never created here)."""
    path = key_path()
    try:
        raw = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise IntegrityError(f"audit key {path} cannot be read: {exc}") from None
    try:
        key = bytes.fromhex(raw)
    except ValueError:
        key = b""
    if len(key) < 32:
        raise IntegrityError(f"audit key {path} is malformed (expected 64 hex characters)")
    return key


def ensure_key() -> tuple[bytes, bool]:
    """The chain's key, created (0600) on first use; True when this call created it."""
    key = load_key()
    if key is not None:
        return key, False
    path = key_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".audit-key-")  # created 0600
    try:
        os.write(fd, (secrets.token_hex(32) + "\n").encode())
        os.fsync(fd)
        os.close(fd)
        os.link(tmp, path)  # atomic and refuses to overwrite: concurrent first writers agree
        created = True
    except FileExistsError:
        created = False
    finally:
        os.unlink(tmp)
    key = load_key()
    assert key is not None
    return key, created


def store_id(url: URL) -> str:
    """The name of a store inside the anchor file: "default", or its URL without password."""
    shown = url.render_as_string(hide_password=True)
    if shown == make_url(get_settings().store_url).render_as_string(hide_password=True):
        return "default" if get_settings().database_url is None else shown
    return shown


def anchored(store: str) -> Heads | None:
    """The heads anchored for a store; None when the anchor file holds nothing for it."""
    data = _read(get_settings().audit_anchor_path)
    if store not in data:
        return None
    return {c: (int(h["seq"]), str(h["hash"])) for c, h in data[store].items()}


def raise_heads(store: str, heads: Mapping[str, tuple[int, str]]) -> None:
    """Record newer heads after a commit (never lowers one: commits may report out of order)."""
    path = get_settings().audit_anchor_path
    with _locked(path):
        data = _read(path)
        mine = data.setdefault(store, {})
        for chain, (seq, digest) in heads.items():
            if chain not in mine or int(mine[chain]["seq"]) < seq:
                mine[chain] = {"seq": seq, "hash": digest}
        _write(path, data)


def _read(path: Path) -> dict[str, dict[str, dict[str, object]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise IntegrityError(f"audit anchor {path} cannot be read: {exc}") from None
    return data.get("stores", {}) if isinstance(data, dict) else {}


def _write(path: Path, stores: dict[str, dict[str, dict[str, object]]]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".audit-anchor-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"version": 1, "stores": stores}, fh, indent=1, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Serialise read-modify-write of the anchor between processes."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
