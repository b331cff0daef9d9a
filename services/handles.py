"""What a person's handle may be: checked where a person is created and wherever one is named."""

from __future__ import annotations

import unicodedata

from implflow.core.errors import InvalidInput

MAX_LENGTH = 64
# Unicode categories a handle never holds: control (Cc), format (Cf: zero-width space and
# joiners, bidi marks), separators (Zs, Zl, Zp), unassigned and private-use code points.
REFUSED = {"Cc", "Cf", "Zs", "Zl", "Zp", "Cn", "Co", "Cs"}


def check_handle(handle: object, what: str = "handle") -> str:
    """The handle itself, or InvalidInput naming what is wrong with it (never echoing it raw)."""
    if not isinstance(handle, str) or not handle.strip():
        raise InvalidInput(f"{what} is empty: give a person's handle")
    if len(handle) > MAX_LENGTH:
        raise InvalidInput(f"{what} is longer than {MAX_LENGTH} characters")
    for n, ch in enumerate(handle):
        if unicodedata.category(ch) in REFUSED:
            raise InvalidInput(
                f"{what} {handle.encode('unicode_escape').decode()!r} holds "
                f"{unicodedata.name(ch, f'U+{ord(ch):04X}')} at position {n + 1}: "
                "control, invisible and space characters are refused"
            )
    return handle
