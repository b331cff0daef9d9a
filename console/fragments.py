"""Rendered parts of pages kept while what they show is unchanged (keyed by a read model's
stamp, e.g. `services.dashboard.stamp`, and everything else the part depends on)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from markupsafe import Markup

SIZE = 128
_parts: OrderedDict[Hashable, Markup] = OrderedDict()
_lock = threading.Lock()


def fragment(key: Hashable, render: Callable[[], str]) -> Markup:
    """The rendered part for `key`, rendered when missing."""
    with _lock:
        if key in _parts:
            _parts.move_to_end(key)
            return _parts[key]
    part = Markup(render())
    with _lock:
        _parts[key] = part
        while len(_parts) > SIZE:
            _parts.popitem(last=False)
    return part
