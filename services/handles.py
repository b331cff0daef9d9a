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


# A name or title may hold spaces, never control, invisible or bidi characters nor line breaks.
TEXT_REFUSED = REFUSED - {"Zs"}
MAX_TEXT = 200


def check_text(value: str, what: str) -> str:
    """A person's or project's name, title or client, or InvalidInput saying what is wrong."""
    if not value.strip():
        raise InvalidInput(f"{what} is empty")
    if len(value) > MAX_TEXT:
        raise InvalidInput(f"{what} is longer than {MAX_TEXT} characters")
    for n, ch in enumerate(value):
        if unicodedata.category(ch) in TEXT_REFUSED:
            raise InvalidInput(
                f"{what} holds {unicodedata.name(ch, f'U+{ord(ch):04X}')} at position {n + 1}: "
                "control, invisible and line-break characters are refused"
            )
    return value
