"""Migration benchmark (issue 3), run by hand, not in the test suite:

    /work/venv/bin/python benchmarks/migration.py [--rows 100000 1000000] [--skip-recon]
                                                 [--recon-only] [--repeat 1]

In one run, side by side, for each row count of the baseline's generated dirty orders:
implflow's full run (`implflow.datamigration.load.run`; the spec's plugin `orders_rules.py`
sits next to the spec and loads without PYTHONPATH) and the hand-written pipeline of
../shared/baselines/migration (`pipeline.py sqlite_raw` and `pg_copy`, the latter pointed at
the local PostgreSQL), rows/s, the ratio and each process's peak memory (/usr/bin/time);
whether both wrote the same rows (implflow's streaming reconciliation of the two tables);
the end-to-end `reconcile(spec, "full")`. Then 1M against 1M rows in one SQLite database
(the baseline's build_recon.py): `reconcile_tables` next to `recon.py sqlite_sql` (median of
three), and the streaming merge next to `recon.py py_merge`. Table on stdout, JSON in results/.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import yaml

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT.parent / "shared" / "baselines" / "migration"
WORK = Path("/tmp/implflow-migbench")
PG_DB = "implflow_bench"
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_URL = f"postgresql://postgres@127.0.0.1:5432/{PG_DB}"
RECON_COLS = "id order_no customer_code customer_name street postal_code city amount currency"
RECON_COLS += " order_date"
RECON_KINDS = json.dumps({"id": "int", "amount": "decimal"})  # the rest: text
# the implflow side, each in its own process: imports first, then only the call is timed
CHILD = """
import json, sys, time
from implflow.datamigration.load import run
from implflow.datamigration.reconcile import reconcile, reconcile_streams, reconcile_tables
from implflow.datamigration.spec import load_spec
what, a, out = sys.argv[1], sys.argv[2:], {}
t0 = time.perf_counter()
if what == "run":
    r = run(load_spec(a[0]), "full")
    out = {"rows": r.rows_in, "migrated": r.migrated, "balanced": r.balanced}
elif what == "reconcile":
    r = reconcile(load_spec(a[0]), "full", streaming=a[1:] == ["streaming"])
    out = {"source_rows": r.source_rows, "balanced": r.balanced}
elif what == "tables":  # URL EXPECTED TARGET KEY COLUMNS KINDS
    r = reconcile_tables(a[0], a[1], a[2], [a[3]], a[4].split(), "amount", "currency",
                         kinds={c: json.loads(a[5]).get(c, "str") for c in a[4].split()})
else:  # streams URL_A TABLE_A URL_B TABLE_B KEY COLUMNS KINDS
    r = reconcile_streams((a[0], a[1]), (a[2], a[3]), [a[4]], a[5].split(), json.loads(a[6]),
                          "amount", "currency")
if what != "run":
    out.update(missing=r.missing, extra=r.extra, changed=r.changed,
               changed_columns=r.changed_columns, amounts_equal=r.amounts_equal)
out["seconds"] = time.perf_counter() - t0
print(json.dumps(out))
"""


def timed(cmd: list[str]) -> dict[str, Any]:
    """Run one command in WORK under /usr/bin/time: its last JSON line, wall time, peak RSS."""
    stats = WORK / "time.txt"
    out = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", "-o", str(stats), *cmd],
        cwd=WORK,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stderr[-3000:]}")
    wall, rss_kb = stats.read_text().split()[-2:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    return res | {"wall_s": float(wall), "maxrss_mb": round(int(rss_kb) / 1024)}


def py(*args: str) -> list[str]:
    return [sys.executable, *args]


def fresh_pg() -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        con.execute(f"CREATE DATABASE {PG_DB}")


def prepare(rows: int) -> None:
    """The baseline's scripts (pg_copy pointed at the local PostgreSQL) and N dirty rows."""
    marker = WORK / "data" / "rows.txt"
    fresh = not (marker.exists() and marker.read_text() == str(rows))
    if fresh:
        shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "data").mkdir(parents=True, exist_ok=True)
    (WORK / "results").mkdir(exist_ok=True)
    for name in ("gen_data.py", "cleanse.py", "pipeline.py", "recon.py", "build_recon.py"):
        shutil.copy(BASELINE / name, WORK / name)
    pipe = (WORK / "pipeline.py").read_text()
    (WORK / "pipeline.py").write_text(
        pipe.replace("port=54329 dbname=mig", f"port=5432 dbname={PG_DB}")
    )
    (WORK / "implflow_child.py").write_text(CHILD)
    shutil.copy(ROOT / "benchmarks" / "specs" / "orders_rules.py", WORK / "orders_rules.py")
    shutil.copy(ROOT / "benchmarks" / "specs" / "rates.csv", WORK / "rates.csv")
    if fresh:  # the scripts and the plugin are copied anew each time: the data is kept
        subprocess.run(py("gen_data.py", str(rows), "data/legacy.csv"), cwd=WORK, check=True)
        marker.write_text(str(rows))


def spec_for(url: str) -> str:
    """benchmarks/specs/orders.yaml reading WORK's legacy.csv into `url`."""
    spec = yaml.safe_load((ROOT / "benchmarks" / "specs" / "orders.yaml").read_text())
    spec["source"]["csv"]["path"] = str(WORK / "data" / "legacy.csv")
    spec["target"]["url"] = url
    path = WORK / f"orders_{url.split(':')[0]}.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False))
    return str(path)


def load_pair(target: str) -> dict[str, Any]:
    """The baseline pipeline, then implflow's full run and reconcile, into one target kind."""
    sqlite_db = WORK / "data" / "implflow.db"
    url = f"sqlite:///{sqlite_db}" if target == "sqlite" else PG_URL
    fresh_pg()
    base = timed(py("pipeline.py", "sqlite_raw" if target == "sqlite" else "pg_copy", "10000"))
    fresh_pg()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_db}{suffix}").unlink(missing_ok=True)
    spec = spec_for(url)
    mine = timed(py("implflow_child.py", "run", spec))
    mine["rows_per_s"] = mine["rows"] / mine["seconds"]
    recon = timed(py("implflow_child.py", "reconcile", spec))
    out = {
        "baseline": base,
        "implflow": mine,
        "ratio": mine["rows_per_s"] / base["rows_per_s"],
        "reconcile_sql": recon,
    }
    if target == "sqlite":
        out["reconcile_streaming"] = timed(py("implflow_child.py", "reconcile", spec, "streaming"))
        out["same_rows_as_baseline"] = same_rows(url, spec)
    return out


def same_rows(url: str, spec: str) -> dict[str, Any]:
    """The baseline's orders against implflow's, key by key (streamed across the two files)."""
    fields = yaml.safe_load(Path(spec).read_text())["fields"]
    kinds = json.dumps({f["name"]: f.get("type", "str") for f in fields})
    cols = " ".join(f["name"] for f in fields)
    base_db = f"sqlite:///{WORK / 'data' / 'pipe_sqlite_raw.db'}"
    args = [base_db, "orders", url, "orders", "order_no", cols, kinds]
    return timed(py("implflow_child.py", "streams", *args))


def recon_1m(repeat: int) -> dict[str, Any]:
    """1M against 1M in one SQLite database: implflow next to the baseline's plain SQL."""
    prepare(1_000_000)
    if not (WORK / "data" / "recon.db").exists():
        subprocess.run(
            py("cleanse.py", "full", "data/legacy.csv", "data/clean.csv", "data/rejects.csv"),
            cwd=WORK,
            check=True,
            capture_output=True,
        )
        subprocess.run(py("build_recon.py"), cwd=WORK, check=True, capture_output=True)
    url = f"sqlite:///{WORK / 'data' / 'recon.db'}"
    base, mine = [], []
    for _ in range(repeat):  # interleaved: both see the same machine load
        base.append(timed(py("recon.py", "sqlite_sql")))
        args = [url, "src", "tgt", "id", RECON_COLS, RECON_KINDS]
        mine.append(timed(py("implflow_child.py", "tables", *args)))
    out = {
        "baseline_s": statistics.median(b["seconds"] for b in base),
        "implflow_s": statistics.median(m["seconds"] for m in mine),
        "baseline": base[-1],
        "implflow": mine[-1],
        "baseline_py_merge": timed(py("recon.py", "py_merge")),
        "implflow_streams": timed(
            py(
                "implflow_child.py",
                "streams",
                url,
                "src",
                url,
                "tgt",
                "id",
                RECON_COLS,
                RECON_KINDS,
            )
        ),
    }
    return out | {"ratio": out["implflow_s"] / out["baseline_s"]}


def show_loads(n: int, res: dict[str, Any]) -> None:
    """One block of the table: baseline and implflow side by side per target."""
    print(
        f"\n{n:,} rows          baseline rows/s  MB | implflow rows/s  MB | ratio | reconcile s  MB"
    )
    for target, r in res.items():
        b, m, rc = r["baseline"], r["implflow"], r["reconcile_sql"]
        print(
            f"  {target:<8}  {b['rows_per_s']:>15,.0f} {b['maxrss_mb']:>4} |"
            f" {m['rows_per_s']:>15,.0f} {m['maxrss_mb']:>4} | {r['ratio']:.2f}  |"
            f" {rc['seconds']:>11.1f} {rc['maxrss_mb']:>4} {_clean(rc)}"
        )
        if "same_rows_as_baseline" in r:
            s, st = r["same_rows_as_baseline"], r["reconcile_streaming"]
            print(
                f"            streaming reconcile {st['seconds']:.1f} s {st['maxrss_mb']} MB"
                f" {_clean(st)}; "
                f"implflow vs baseline rows: {s['missing']} missing, {s['extra']} extra,"
                f" {s['changed']} changed {s['changed_columns'] or ''}"
            )


def _clean(r: dict[str, Any]) -> str:
    diffs = r["missing"] + r["extra"] + r["changed"]
    return "clean" if r["balanced"] and r["amounts_equal"] and not diffs else "NOT CLEAN"


def show_recon(r: dict[str, Any]) -> None:
    print("\nreconciliation, 1M vs 1M in one SQLite database (median of runs)")
    found = [r["implflow"][k] for k in ("missing", "extra", "changed")]
    print(
        f"  SQL:       baseline sqlite_sql {r['baseline_s']:.2f} s {r['baseline']['maxrss_mb']} MB"
        f" | reconcile_tables {r['implflow_s']:.2f} s {r['implflow']['maxrss_mb']} MB"
        f" | ratio {r['ratio']:.2f} (target <= 1.5) | found {found}"
    )
    b, m = r["baseline_py_merge"], r["implflow_streams"]
    print(
        f"  streaming: baseline py_merge {b['seconds']:.2f} s {b['maxrss_mb']} MB"
        f" | reconcile_streams {m['seconds']:.2f} s {m['maxrss_mb']} MB"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--skip-recon", action="store_true", help="no 1M reconciliation")
    ap.add_argument("--recon-only", action="store_true", help="only the 1M reconciliation")
    ap.add_argument("--repeat", type=int, default=3, help="runs of the 1M reconciliation")
    args = ap.parse_args()
    results: dict[str, Any] = {"sqlite": sqlite3.sqlite_version, "cpus": os.cpu_count()}
    try:
        for n in [] if args.recon_only else args.rows:
            prepare(n)
            t0 = time.perf_counter()
            results[f"load_{n}"] = {t: load_pair(t) for t in ("sqlite", "postgres")}
            show_loads(n, results[f"load_{n}"])
            print(f"  ({time.perf_counter() - t0:.0f} s)", flush=True)
        if not args.skip_recon:
            results["recon_1m"] = recon_1m(args.repeat)
            show_recon(results["recon_1m"])
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "migration.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
