"""Engine benchmarks (issue 2), run by hand:

    python benchmarks/engine.py [--projects 500] [--repeat 5] [--skip-demo] [--audit]

1. `implflow demo` wall time, first run (fresh IMPLFLOW_HOME) and second run (same home);
2. a store-only command, `implflow gate check`, next to `python -c "import sqlmodel"`
   and `python -c "import prefect"` in the same run (median of --repeat);
3. `implflow status --json` with --projects projects in the store.

With --audit (issue 7): `implflow audit verify` next to `implflow status --json` (median of
--repeat), on the demo store and on a store with --projects projects.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def timed(cmd: list[str], env: dict[str, str], check: bool = False) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - t0
    if check and proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr[-2000:]}")
    return took


def median(cmd: list[str], env: dict[str, str], repeat: int) -> float:
    return statistics.median(timed(cmd, env) for _ in range(repeat))


def seed(env: dict[str, str], n: int) -> None:
    """n projects with a team and data, each waiting at its first gate."""
    code = f"""
from implflow.services import actions, projects, records
from implflow.services import phases
from implflow.store.db import session_scope
team = [("pmo1","P","pmo"),("lead1","L","consultant_lead"),("sp1","S","client_sponsor")]
for i in range({n}):
    key = f"bench-{{i:04d}}"
    actions.run(projects.create_project, spec=projects.ProjectCreate(
        key=key, name=f"Project {{i}}", client=f"Client {{i}}"), actor="pmo1")
    for h, name, role in team:
        actions.run(projects.add_member, project_key=key, handle=h, role=role, name=name,
                    actor="pmo1")
    actions.run(records.upsert_many, project_key=key, actor="lead1", records={{
        "department": {{"fin": {{"name": "Finance", "head": "A", "interviewed": True}}}},
        "requirement": {{"r1": {{"code": "R-1", "title": "t", "department": "Finance",
                                 "priority": "must", "acceptance": "ok"}}}}}})
    with session_scope() as s:  # reach the gate as the phase flow does, without Prefect
        phases.arrive(s, project_key=key, gate_key="srs-signoff", actor="bench")
"""
    subprocess.run([str(BIN / "python"), "-c", code], env=env, check=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--skip-demo", action="store_true")
    ap.add_argument("--audit", action="store_true", help="time `audit verify` only")
    args = ap.parse_args()
    if args.audit:
        return audit_bench(args.projects, args.repeat)
    implflow = str(BIN / "implflow")
    py = str(BIN / "python")
    results: dict[str, float] = {}
    work = Path(tempfile.mkdtemp(prefix="implflow-bench-"))
    env = {**os.environ, "IMPLFLOW_HOME": str(work / "home"), "PREFECT_HOME": str(work / "pf")}
    env.pop("IMPLFLOW_DATABASE_URL", None)
    if not args.skip_demo:
        results["demo_first_s"] = timed([implflow, "demo"], env, check=True)
        results["demo_second_s"] = timed([implflow, "demo"], env, check=True)
    check = [implflow, "gate", "check", "demo-erp", "srs-signoff"]
    if args.skip_demo:
        seed(env, 1)
        check = [implflow, "gate", "check", "bench-0000", "srs-signoff"]
    results["gate_check_s"] = median(check, env, args.repeat)
    results["import_sqlmodel_s"] = median([py, "-c", "import sqlmodel"], env, args.repeat)
    results["import_prefect_s"] = median([py, "-c", "import prefect"], env, args.repeat)
    env_status = {**env, "IMPLFLOW_HOME": str(work / "status-home")}
    t0 = time.perf_counter()
    seed(env_status, args.projects)
    results["seed_s"] = time.perf_counter() - t0
    results[f"status_json_{args.projects}_s"] = median(
        [implflow, "status", "--json"], env_status, args.repeat
    )
    for k, v in results.items():
        print(f"{k:28s} {v:8.3f}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "engine.json").write_text(json.dumps(results, indent=2))
    shutil.rmtree(work, ignore_errors=True)


def audit_bench(projects: int, repeat: int) -> None:
    """`audit verify` and `status --json` on the demo store and on a seeded one."""
    implflow = str(BIN / "implflow")
    work = Path(tempfile.mkdtemp(prefix="implflow-bench-"))
    env = {**os.environ, "IMPLFLOW_HOME": str(work / "home"), "PREFECT_HOME": str(work / "pf")}
    env.pop("IMPLFLOW_DATABASE_URL", None)
    timed([implflow, "demo"], env, check=True)
    results = {
        "demo_audit_verify_s": median([implflow, "audit", "verify"], env, repeat),
        "demo_status_json_s": median([implflow, "status", "--json"], env, repeat),
    }
    env = {**env, "IMPLFLOW_HOME": str(work / "status-home")}
    seed(env, projects)
    timed([implflow, "audit", "verify"], env, check=True)  # intact, or the figure means nothing
    results[f"audit_verify_{projects}_s"] = median([implflow, "audit", "verify"], env, repeat)
    results[f"status_json_{projects}_s"] = median([implflow, "status", "--json"], env, repeat)
    for k, v in results.items():
        print(f"{k:28s} {v:8.3f}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "engine-audit.json").write_text(json.dumps(results, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
