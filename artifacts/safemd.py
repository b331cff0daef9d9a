"""User text in Markdown stays text: no link, image, HTML, code span or broken table cell.

The `.md` documents are read by whatever renders Markdown (Prefect's UI shows them as
artifacts), so the escaping is done for CommonMark/GFM as any of them reads it: backslash,
backtick, brackets, `<` and pipes are backslash-escaped everywhere, a value that would open a
block (heading, quote, list, rule, fence) has that marker escaped, and line breaks become
" / ". Emphasis is left alone: it cannot link, and templates write `**no**` themselves.

`md_text` is the Markdown environment's `finalize`, so it covers every `{{ }}` of every
template; what code has already made Markdown (macros, `cell`, `code`) is `Markup` and passes.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

_INLINE = re.compile(r"([\\`\[\]<|])")
_BLOCK_START = re.compile(  # ends right before the marker to escape
    r"^[ \t]*(?:\d{1,9}(?=[.)](?:[ \t]|$))"  # ordered list item: its . or )
    r"|(?=[#>]"  # heading, block quote
    r"|[-+*](?:[ \t]|$)"  # bullet list item
    r"|[-=*_~][-=*_~ \t]*$"  # thematic break, setext underline
    r"|~~~))"  # tilde fence (backtick fences are escaped inline)
)


def _one_line(text: str) -> str:
    return " / ".join(text.splitlines())


def md_text(value: Any) -> Markup:
    """`value` as Markdown that shows its text and forms no markup around it."""
    if hasattr(value, "__html__"):
        return Markup(value)  # Markdown written by a template or filter, not user text
    text = _INLINE.sub(r"\\\1", _one_line(str(value)))
    match = _BLOCK_START.match(text)
    if match is not None:
        text = f"{text[: match.end()]}\\{text[match.end() :]}"
    return Markup(text)


def md_cell(value: Any) -> Markup:
    """A value fit for one Markdown table cell (None is empty)."""
    return md_text("" if value is None else value)


def md_code(value: Any) -> Markup:
    """`value` as one code span, fenced longer than any backtick run inside it."""
    text = _one_line("" if value is None else str(value)).replace("|", "\\|")  # GFM tables
    if not text:
        return Markup("")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return Markup(f"{fence}{pad}{text}{pad}{fence}")
