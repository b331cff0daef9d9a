"""The pilot's deterministic sample of the source rows."""

from __future__ import annotations

import zlib
from collections import Counter
from typing import Any

from implflow.datamigration.load.sources import Row
from implflow.datamigration.spec import MigrationSpec


class Sampler:
    """The pilot's deterministic sample: a percentage by key hash, a key list, first N per group."""

    def __init__(self, spec: MigrationSpec, header: list[str]) -> None:
        s, self.spec = spec.sample, spec
        self.percent = s.percent
        self.keys = set(s.keys or [])
        self.first_n = s.first_n
        sources = {f.name: f.source for f in spec.fields}
        idx = {h: i for i, h in enumerate(header)}
        self.key_idx = [idx[sources[k]] for k in spec.key if sources.get(k) in idx]
        self.group_idx = idx.get(sources.get(s.group_by or "", "") or "", None)
        self.counts: Counter[str] = Counter()

    def wants(self, raw: Row, key: tuple[Any, ...] | None) -> bool:
        if self.keys:
            return key is not None and "|".join(map(str, key)) in self.keys
        if self.first_n:
            group = raw[self.group_idx] if self.group_idx is not None else ""
            self.counts[group] += 1
            return self.counts[group] <= self.first_n
        raw_key = "\x1f".join(raw[i].strip().upper() for i in self.key_idx)
        return zlib.crc32(raw_key.encode()) % 10_000 < (self.percent or 0) * 100
