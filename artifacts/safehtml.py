"""Markdown to HTML with links made safe: user text may link to http(s) and mailto only.

Values are escaped before Markdown runs, so no raw HTML gets through; what does is Markdown's
own link syntax (`[x](javascript:alert(1))`). Every HTML rendering of user text (documents
now, the console's pages later) goes through `markdown_html`, which unwraps any link or image
whose address is not allowed, keeping its text.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

LINK_SCHEMES = frozenset({"http", "https", "mailto"})
IMAGE_SCHEMES = frozenset({"http", "https"})
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


def safe_url(url: str, schemes: frozenset[str] = LINK_SCHEMES) -> bool:
    """Whether `url` uses one of `schemes` (a bare `#fragment` is allowed too)."""
    plain = _INVISIBLE.sub("", html.unescape(url))  # browsers ignore these inside a scheme
    if plain.startswith("#") and len(plain) > 1:
        return True
    match = _SCHEME.match(plain)
    if match is None:
        return plain.startswith("//") and "\\" not in plain  # protocol-relative: http(s)
    return match.group(1).lower() in schemes


class _Unlink(Treeprocessor):
    """Replace each unsafe <a> by its content and each unsafe <img> by its alt text."""

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for i, child in enumerate(list(parent)):
                if child.tag == "a" and not safe_url(child.get("href", "")):
                    _unwrap(parent, i, child)
                elif child.tag == "img" and not safe_url(child.get("src", ""), IMAGE_SCHEMES):
                    alt = child.get("alt") or ""
                    child.attrib.clear()
                    child.tag, child.text = "span", alt


def _unwrap(parent: etree.Element, index: int, link: etree.Element) -> None:
    """Turn the link into a plain <span> holding the same children and text."""
    del parent[index]
    span = etree.Element("span")
    span.text, span.tail = link.text, link.tail
    span.extend(list(link))
    parent.insert(index, span)


class SafeLinks(Extension):
    """Markdown extension: links and images limited to http(s) and mailto."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.treeprocessors.register(_Unlink(md), "implflow-safe-links", 0)  # after inline


def markdown_html(text: str) -> str:
    """Markdown (already HTML-escaped) as an HTML fragment, with unsafe links made inert."""
    return markdown.markdown(text, extensions=["tables", "sane_lists", SafeLinks()])
