"""The data-quality profile of a source, before migrating: what the rules will meet."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pydantic import BaseModel

from implflow.datamigration.cleanse import Rejected, compile_spec
from implflow.datamigration.load import Runner, SourceReader
from implflow.datamigration.spec import MigrationSpec

DISTINCT_CAP = 100_000


class ColumnProfile(BaseModel):
    name: str
    blank: int = 0
    distinct: int = 0
    capped: bool = False
    samples: list[str] = []

    @property
    def distinct_label(self) -> str:
        return f">{DISTINCT_CAP:,}" if self.capped else f"{self.distinct:,}"


class Profile(BaseModel):
    object: str
    rows: int
    columns: list[ColumnProfile]
    duplicate_keys: int
    rejects: dict[str, int]
    reject_examples: dict[str, list[str]]


def profile(spec: MigrationSpec) -> Profile:
    """One streaming pass: per column blanks and distinct values (exact up to a cap), duplicate
    business keys, and the values each rule would reject, with examples."""
    reader = SourceReader(spec)
    with reader.open() as (header, rows):
        tf = compile_spec(spec, header)
        runner = Runner(spec, "full", tf, header, "profile")
        seen: list[set[str] | None] = [set() for _ in header]
        cols = [ColumnProfile(name=h) for h in header]
        rejects: Counter[str] = Counter()
        examples: dict[str, list[str]] = {}
        n = dups = 0
        for _, raw in rows:
            n += 1
            _columns(raw, cols, seen)
            try:
                key = runner.key_of(tf.apply(raw))
            except (Rejected, IndexError) as exc:
                for reason in getattr(exc, "reasons", ["wrong number of columns"]):
                    rejects[reason] += 1
                    examples.setdefault(reason, [])
                    if len(examples[reason]) < 3:
                        examples[reason].append(",".join(raw))
                continue
            if key in runner.seen:
                dups += 1
            runner.seen.add(key)
    return Profile(
        object=spec.name,
        rows=n,
        columns=cols,
        duplicate_keys=dups,
        rejects=dict(rejects.most_common()),
        reject_examples=examples,
    )


def _columns(raw: list[str], cols: list[ColumnProfile], seen: list[set[str] | None]) -> None:
    for i, v in enumerate(raw[: len(cols)]):
        col = cols[i]
        if not v.strip():
            col.blank += 1
            continue
        s = seen[i]
        if s is None or v in s:
            continue
        if len(s) >= DISTINCT_CAP:
            col.capped, seen[i] = True, None
            continue
        s.add(v)
        col.distinct += 1
        if len(col.samples) < 5:
            col.samples.append(v)


def render_profile(p: Profile, locale: str = "en") -> str:
    """The profile as a Markdown document (en or zh-CN)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    name = "profile.zh-CN.md.j2" if locale == "zh-CN" else "profile.en.md.j2"
    return env.get_template(name).render(p=p)
