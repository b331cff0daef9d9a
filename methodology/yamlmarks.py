"""YAML parsing that remembers the line of every node, to name where a validation error is.

Packs and overlays come from people: a file is refused, quickly, when it is too large, nests
too deep, repeats a key (YAML keeps the last one silently) or expands its aliases beyond a
node budget (a "billion laughs" file is a few hundred bytes that would expand to gigabytes).
"""

from __future__ import annotations

from typing import Any

import yaml

from implflow.core.errors import PackError

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader

Lines = dict[tuple[Any, ...], int]
MAX_BYTES = 2 * 1024 * 1024  # the standard pack is ~25 KB
MAX_NODES = 200_000  # nodes after alias expansion; the standard pack has ~4,000
MAX_DEPTH = 64


def parse(text: str, source: str) -> tuple[Any, Lines]:
    """The YAML document as Python data, and the 1-based line of each path in it."""
    if len(text) > MAX_BYTES:
        raise PackError(source, None, "file", f"larger than {MAX_BYTES // 1024} KiB")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise PackError(source, 1, "document", "the file is empty")
        lines: Lines = {}
        _Walk(source, lines).node(node, ())
        return loader.construct_document(node), lines
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PackError(source, line, "yaml", problem) from None
    finally:
        loader.dispose()


class _Walk:
    """Records each path's line, counting nodes as the aliases would expand them."""

    def __init__(self, source: str, lines: Lines) -> None:
        self.source, self.lines, self.count = source, lines, 0

    def node(self, node: yaml.Node, path: tuple[Any, ...]) -> None:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.refuse(node, path, f"more than {MAX_NODES} nodes (aliases expanding?)")
        if len(path) > MAX_DEPTH:
            raise self.refuse(node, path, f"nested deeper than {MAX_DEPTH} levels")
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    raise self.refuse(key, path, "a mapping key must be a plain value")
                if key.value in seen:
                    raise self.refuse(key, (*path, key.value), "duplicate key")
                seen.add(key.value)
                self.node(value, (*path, key.value))
                self.lines[(*path, key.value)] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.node(item, (*path, i))

    def refuse(self, node: yaml.Node, path: tuple[Any, ...], message: str) -> PackError:
        return PackError(self.source, node.start_mark.line + 1, field_name(path), message)


def line_of(lines: Lines, loc: tuple[Any, ...]) -> int | None:
    """The line of `loc`, or of its nearest ancestor present in the file."""
    path = tuple(loc)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


def field_name(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "document"
