"""YAML parsing that remembers the line of every node, to name where a validation error is."""

from __future__ import annotations

from typing import Any

import yaml

from implflow.core.errors import PackError

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader

Lines = dict[tuple[Any, ...], int]


def parse(text: str, source: str) -> tuple[Any, Lines]:
    """The YAML document as Python data, and the 1-based line of each path in it."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PackError(source, line, "yaml", problem) from None
    if node is None:
        raise PackError(source, 1, "document", "the file is empty")
    lines: Lines = {}
    _walk(node, (), lines)
    return yaml.load(text, Loader=_Loader), lines


def _walk(node: yaml.Node, path: tuple[Any, ...], lines: Lines) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[(*path, key.value)] = key.start_mark.line + 1
            _walk(value, (*path, key.value), lines)
            lines[(*path, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines)


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
