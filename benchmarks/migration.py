"""Migration benchmark (issue 3), run by hand:

    python benchmarks/migration.py [--rows 100000 1000000] [--skip-recon]

In one run, side by side, for each row count: implflow's full run and the hand-written
pipeline of shared/baselines/migration (SQLite raw driver; PostgreSQL COPY), rows/s, the ratio
and each process's peak memory; then reconciliation of 1M against 1M rows in one SQLite
database: implflow's `reconcile_tables` next to the baseline's `recon.py sqlite_sql`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT.parent / "shared" / "baselines" / "migration"
WORK = Path("/tmp/implflow-migbench")
PG_DB = "implflow_bench"
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
MEASURE = """
import json, resource, sys, time
t0 = time.perf_counter()
{body}
print(json.dumps({{"seconds": time.perf_counter() - t0,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  **(extra if "extra" in dir() else {{}})}}))
"""


def child(body: str, cwd: Path) -> dict:
    """Run `body` in a fresh interpreter; its wall time and peak memory, from inside."""
    out = subprocess.run(
        [sys.executable, "-c", MEASURE.format(body=body)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def fresh_pg() -> str:
    with psycopg.connect(PG_ADMIN, autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        con.execute(f"CREATE DATABASE {PG_DB}")
    return f"postgresql://postgres@127.0.0.1:5432/{PG_DB}"


def prepare(rows: int) -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "data").mkdir(parents=True)
    (WORK / "results").mkdir()
    for name in ("gen_data.py", "cleanse.py", "pipeline.py", "recon.py", "build_recon.py"):
        shutil.copy(BASELINE / name, WORK / name)
    pipe = (WORK / "pipeline.py").read_text()
    (WORK / "pipeline.py").write_text(
        pipe.replace("port=54329 dbname=mig", f"port=5432 dbname={PG_DB}")
    )
    subprocess.run(
        [sys.executable, "gen_data.py", str(rows), "data/legacy.csv"], cwd=WORK, check=True
    )


def spec_for(url: str) -> Path:
    spec = (ROOT / "benchmarks" / "specs" / "orders.yaml").read_text()
    spec = spec.replace("path: ../data/legacy.csv", f"path: {WORK / 'data' / 'legacy.csv'}")
    spec = spec.replace("url: sqlite:///../data/implflow_orders.db", f"url: {url}")
    path = WORK / "orders.yaml"
    path.write_text(spec)
    shutil.copy(ROOT / "benchmarks" / "specs" / "rates.csv", WORK / "rates.csv")
    return path


def implflow_run(url: str) -> dict:
    body = (
        f"from datamigration.load import run\nfrom datamigration.spec import load_spec\n"
        f"r = run(load_spec({str(spec_for(url))!r}), 'full')\n"
        f"extra = {{'rows': r.rows_in, 'migrated': r.migrated, 'balanced': r.balanced}}"
    )
    res = child(body, WORK)
    res["rows_per_s"] = res["rows"] / res["seconds"]
    return res


def baseline_run(mode: str) -> dict:
    body = (
        f"import runpy\nsys.argv = ['pipeline.py', {mode!r}, '10000']\n"
        "import io, contextlib\nbuf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    runpy.run_path('pipeline.py', run_name='__main__')\n"
        "extra = json.loads(buf.getvalue().strip().splitlines()[-1])"
    )
    res = child(body, WORK)
    return res


def loads(rows: int) -> dict:
    prepare(rows)
    out = {}
    for target, mode in (("sqlite", "sqlite_raw"), ("postgres", "pg_copy")):
        fresh_pg()
        base = baseline_run(mode)
        fresh_pg()
        url = (
            f"sqlite:///{WORK / 'data' / 'implflow.db'}"
            if target == "sqlite"
            else f"postgresql://postgres@127.0.0.1:5432/{PG_DB}"
        )
        (WORK / "data" / "implflow.db").unlink(missing_ok=True)
        mine = implflow_run(url)
        out[target] = {
            "baseline_rows_per_s": round(base["rows_per_s"]),
            "baseline_maxrss_mb": round(base["maxrss_mb"]),
            "implflow_rows_per_s": round(mine["rows_per_s"]),
            "implflow_maxrss_mb": round(mine["maxrss_mb"]),
            "ratio": round(mine["rows_per_s"] / base["rows_per_s"], 3),
            "same_migrated": mine["migrated"] == base["migrated"],
        }
        if target == "sqlite":
            out["reconcile_end_to_end_s"] = round(
                child(
                    f"from datamigration.recon import reconcile\n"
                    f"from datamigration.spec import load_spec\n"
                    f"r = reconcile(load_spec({str(spec_for(url))!r}), 'full')\n"
                    f"extra = {{'clean': r.balanced and r.amounts_equal and not r.changed}}",
                    WORK,
                )["seconds"],
                2,
            )
    return out


def recon_1m() -> dict:
    """1M vs 1M in one SQLite database: implflow's SQL leg against the baseline's."""
    prepare(1_000_000)
    subprocess.run(
        [
            sys.executable,
            "cleanse.py",
            "full",
            "data/legacy.csv",
            "data/clean.csv",
            "data/rejects.csv",
        ],
        cwd=WORK,
        check=True,
        capture_output=True,
    )
    subprocess.run([sys.executable, "build_recon.py"], cwd=WORK, check=True, capture_output=True)
    base = child(
        "import runpy, io, contextlib\nsys.argv = ['recon.py', 'sqlite_sql']\n"
        "buf = io.StringIO()\nwith contextlib.redirect_stdout(buf):\n"
        "    runpy.run_path('recon.py', run_name='__main__')\n"
        "extra = json.loads(buf.getvalue())",
        WORK,
    )
    cols = [
        "id",
        "order_no",
        "customer_code",
        "customer_name",
        "street",
        "postal_code",
        "city",
        "amount",
        "currency",
        "order_date",
    ]
    mine = child(
        "from datamigration.recon import reconcile_tables\n"
        f"r = reconcile_tables('sqlite:///{WORK}/data/recon.db', 'src', 'tgt', ['id'],"
        f" {cols!r}, 'amount', 'currency', decimals={{'amount'}})\n"
        "extra = {k: getattr(r, k) for k in ('missing', 'extra', 'changed')}",
        WORK,
    )
    return {
        "baseline_s": round(base["seconds"], 2),
        "implflow_s": round(mine["seconds"], 2),
        "ratio": round(mine["seconds"] / base["seconds"], 2),
        "baseline_found": [base[k] for k in ("missing", "extra", "changed")],
        "implflow_found": [mine[k] for k in ("missing", "extra", "changed")],
        "implflow_maxrss_mb": round(mine["maxrss_mb"]),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--skip-recon", action="store_true")
    ap.add_argument("--recon-only", action="store_true", help="only the 1M reconciliation")
    args = ap.parse_args()
    results: dict = {}
    for n in [] if args.recon_only else args.rows:
        t0 = time.perf_counter()
        results[f"load_{n}"] = loads(n)
        print(
            f"{n:>9,} rows ({time.perf_counter() - t0:.0f} s):",
            json.dumps(results[f"load_{n}"], indent=1),
            flush=True,
        )
    if not args.skip_recon:
        results["recon_1m"] = recon_1m()
        print("recon 1M vs 1M:", json.dumps(results["recon_1m"], indent=1), flush=True)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "migration.json").write_text(json.dumps(results, indent=2))
    with psycopg.connect(PG_ADMIN, autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
