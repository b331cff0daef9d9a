"""Sorting a stream in bounded memory: sorted runs spilled to a temp folder, then merged.

At most `run_size` rows are held while the runs are cut, and one chunk per run while they are
merged, whatever the row count. The sort is stable (equal keys keep their input order).
"""

from __future__ import annotations

import heapq
import itertools
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

T = TypeVar("T")
RUN_SIZE = 50_000  # rows per sorted run: about 40 MB of 12-column rows
CHUNK = 2_000  # rows per pickle record on disk


def _spill(rows: list[Any], folder: Path, n: int) -> Path:
    path = folder / f"run{n:05d}.pickle"
    with path.open("wb") as fh:
        for i in range(0, len(rows), CHUNK):
            pickle.dump(rows[i : i + CHUNK], fh, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _read(fh: IO[bytes]) -> Iterator[Any]:
    while True:
        try:
            chunk = pickle.load(fh)  # noqa: S301 - our own spill files
        except EOFError:
            return
        yield from chunk


def external_sort(
    rows: Iterable[T], key: Callable[[T], Any], run_size: int = RUN_SIZE
) -> Iterator[T]:
    """The rows sorted by `key`; spills sorted runs of `run_size` rows when they do not fit."""
    it = iter(rows)
    first = sorted(itertools.islice(it, run_size), key=key)
    if len(first) < run_size:
        yield from first  # it all fitted: no files
        return
    with tempfile.TemporaryDirectory(prefix="implflow-sort-") as tmp:
        folder = Path(tmp)
        paths = [_spill(first, folder, 0)]
        del first
        while run := sorted(itertools.islice(it, run_size), key=key):
            paths.append(_spill(run, folder, len(paths)))
            del run
        files = [p.open("rb") for p in paths]
        try:
            yield from heapq.merge(*(_read(fh) for fh in files), key=key)
        finally:
            for fh in files:
                fh.close()
