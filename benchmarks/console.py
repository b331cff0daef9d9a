"""Console benchmark (issue 8), run by hand:

    python benchmarks/console.py [--projects 500] [--requests 2000] [--signatures 40]
                                 [--stores sqlite postgres] [--workers 1]

With --projects projects in the store (each waiting at its SRS gate), on SQLite and on
PostgreSQL: requests/s and p50/p99 latency of the PMO dashboard and of a gate page at 32
kept-alive connections on 127.0.0.1 (httpx async client, --requests requests each, after 200
untimed ones on the same connections), in the same run as a bare FastAPI endpoint returning
a constant (same uvicorn settings), with the ratio; then the latency of --signatures signing
requests (JSON API), each the last signature of its gate, so each hands a phase to the
console's worker.
Targets: dashboard p99 <= 150 ms; gate page >= 0.3 x the bare endpoint's requests/s;
signing p99 <= 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

READY = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")
PW = "benchmark password 1"
GATE = "srs-signoff"
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
BARE = """
import uvicorn
from fastapi import FastAPI
app = FastAPI()
@app.get("/")
def constant() -> dict[str, int]:
    return {"ok": 1}
uvicorn.run(app, host="127.0.0.1", port=0, workers=1, log_level="info")
"""


def seed(n: int, ready: int) -> None:
    """n projects at an open SRS gate; the first `ready` have items done and the lead's
    signature, so the sponsor's signature meets the gate."""
    from implflow.core.settings import get_settings
    from implflow.services import actions, auth, gates, phases, projects, records
    from implflow.store.db import session_scope

    get_settings.cache_clear()
    with session_scope() as s:
        auth.create_account(s, actor=None, handle="admin", password=PW, name="A", is_admin=True)
    admin = auth.authenticate_password(handle="admin", password=PW)
    for handle, pmo in (("pmo1", True), ("lead1", False), ("cons1", False), ("sp1", False)):
        with session_scope() as s:
            auth.create_account(s, actor=admin, handle=handle, password=PW, name=handle, is_pmo=pmo)
    data = {
        "department": {"fin": {"name": "Finance", "head": "A", "interviewed": True}},
        "process": {
            "p2p": {
                "name": "P2P",
                "department": "Finance",
                "as_is": "a",
                "to_be": "b",
                "gap": "g",
                "as_is_map": "a.bpmn",
                "to_be_map": "b.bpmn",
            }
        },
        "requirement": {
            "r1": {
                "code": "R-1",
                "title": "t",
                "department": "Finance",
                "priority": "must",
                "acceptance": "ok",
            }
        },
        "risk": {
            "k1": {
                "title": "r",
                "likelihood": "high",
                "impact": "high",
                "owner": "cons1",
                "contingency": "c",
            }
        },
    }
    team = (
        ("lead1", "consultant_lead"),
        ("cons1", "consultant"),
        ("sp1", "client_sponsor"),
        ("lead1", "project_manager"),
    )
    for i in range(n):
        key = f"bench-{i:04d}"
        spec = projects.ProjectCreate(key=key, name=f"Project {i}", client=f"Client {i % 20}")
        actions.run(projects.create_project, spec=spec, actor="pmo1")
        for handle, role in team:
            actions.run(
                projects.add_member,
                project_key=key,
                handle=handle,
                role=role,
                name=None,
                actor="pmo1",
            )
        actions.run(records.upsert_many, project_key=key, records=data, actor="lead1")
        with session_scope() as s:
            phases.arrive(s, project_key=key, gate_key=GATE, actor="bench")
        if i < ready:
            _ready(key, actions, gates)


def _ready(key: str, actions, gates) -> None:  # type: ignore[no-untyped-def]
    from implflow.services import lookup
    from implflow.store.db import session_scope

    with session_scope() as s:
        gate = lookup.gate_def(lookup.project(s, key), GATE)[1]
    for item in (i for i in gate.checklist if i.required):
        who = "lead1" if item.key == "scope-agreed" else "cons1"
        actions.run(
            gates.complete_item,
            project_key=key,
            gate_key=GATE,
            item_key=item.key,
            actor=who,
            url="https://wiki.example/e",
        )
    actions.run(gates.sign, project_key=key, gate_key=GATE, actor="lead1", role="consultant_lead")


@contextmanager
def serve(cmd: list[str], env: dict[str, str]) -> Iterator[str]:
    """A server started with port 0; its URL read from uvicorn's start-up line."""
    proc = subprocess.Popen(
        cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    assert proc.stderr is not None
    url = None
    for line in proc.stderr:
        found = READY.search(line)
        if found:
            url = found.group(1)
            break
    if url is None:
        raise SystemExit(f"{cmd} did not start")
    threading.Thread(target=lambda: [None for _ in proc.stderr or []], daemon=True).start()
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=60)


async def _load(
    url: str, n: int, conc: int, cookies: dict[str, str], warm: int
) -> dict[str, float]:
    """n GETs of url over conc kept-alive connections (opened and warmed by `warm` requests
    first, not timed): requests/s, p50 and p99 in ms."""
    limits = httpx.Limits(max_connections=conc, max_keepalive_connections=conc)
    async with httpx.AsyncClient(limits=limits, cookies=cookies, timeout=60) as client:

        async def many(count: int, lat: list[float]) -> float:
            left = iter(range(count))

            async def one() -> None:
                for _ in left:
                    t0 = time.perf_counter()
                    res = await client.get(url)
                    lat.append(time.perf_counter() - t0)
                    if res.status_code != 200:
                        raise SystemExit(f"{url}: {res.status_code} {_why(res.text)}")

            t0 = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(conc)))
            return time.perf_counter() - t0

        await many(warm, [])
        lat: list[float] = []
        wall = await many(n, lat)
    return _figures(lat, wall)


def _why(html: str) -> str:
    found = re.findall(r'class="message[^>]*>([^<]*)', html)
    return found[0] if found else html[:300]


def _figures(lat: list[float], wall: float) -> dict[str, float]:
    q = statistics.quantiles(lat, n=100, method="inclusive")
    return {"rps": len(lat) / wall, "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000}


def log_in(base: str, handle: str) -> dict[str, str]:
    """The session cookie of a browser logged in through the form."""
    with httpx.Client(base_url=base, follow_redirects=False) as c:
        csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text)
        assert csrf
        res = c.post("/login", data={"handle": handle, "password": PW, "csrf": csrf.group(1)})
        assert res.status_code == 303, res.text
        return dict(c.cookies)


def signing(base: str, ready: int) -> dict[str, float]:
    """Sequential signing requests, each the last signature of its gate."""
    with httpx.Client(base_url=base, timeout=60) as c:
        token = c.post("/api/auth/token", json={"handle": "sp1", "password": PW}).json()
        headers = {"Authorization": f"Bearer {token['token']}"}
        lat = []
        t_all = time.perf_counter()
        for i in range(ready):
            path = f"/api/v1/projects/bench-{i:04d}/gates/{GATE}/sign"
            t0 = time.perf_counter()
            res = c.post(path, json={"role": "client_sponsor"}, headers=headers)
            lat.append(time.perf_counter() - t0)
            if res.status_code != 200 or not res.json()["met"]:
                raise SystemExit(f"{path}: {res.status_code} {res.text[:300]}")
    return _figures(lat, time.perf_counter() - t_all)


def run_store(store: str, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    work = Path(tempfile.mkdtemp(prefix="implflow-consolebench-"))
    env = {**os.environ, "IMPLFLOW_HOME": str(work / "home")}
    env.pop("IMPLFLOW_DATABASE_URL", None)
    db = None
    if store == "postgres":
        import psycopg

        db = f"bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(
            "host=127.0.0.1 user=postgres dbname=postgres", autocommit=True
        ) as con:
            con.execute(f"CREATE DATABASE {db}")
        env["IMPLFLOW_DATABASE_URL"] = PG.format(db=db)
    os.environ.update(env)
    if "IMPLFLOW_DATABASE_URL" not in env:
        os.environ.pop("IMPLFLOW_DATABASE_URL", None)
    t0 = time.perf_counter()
    seed(args.projects, args.signatures)
    print(f"{store}: seeded {args.projects} projects in {time.perf_counter() - t0:.0f} s")
    out: dict[str, dict[str, float]] = {}
    py = sys.executable
    console = [
        py,
        "-c",
        "from implflow.cli.main import main; main()",
        "console",
        "--port",
        "0",
        "--workers",
        str(args.workers),
    ]
    try:
        with serve([py, "-c", BARE], env) as bare, serve(console, env) as base:
            cookies = log_in(base, "pmo1")
            gate = f"{base}/p/bench-{args.projects // 2:04d}/g/{GATE}"
            for name, url in (
                ("bare", f"{bare}/"),
                ("dashboard", f"{base}/dashboard"),
                ("gate_page", gate),
            ):
                out[name] = asyncio.run(_load(url, args.requests, 32, cookies, warm=200))
            out["signing"] = signing(base, args.signatures)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if db:
            import psycopg

            with psycopg.connect(
                "host=127.0.0.1 user=postgres dbname=postgres", autocommit=True
            ) as con:
                con.execute(f"DROP DATABASE {db} WITH (FORCE)")
    for name in ("dashboard", "gate_page"):
        out[name]["ratio_to_bare"] = out[name]["rps"] / out["bare"]["rps"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=500)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--signatures", type=int, default=40)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--stores", nargs="+", default=["sqlite", "postgres"])
    args = ap.parse_args()
    results = {}
    for store in args.stores:
        results[store] = run_store(store, args)
        for name, f in results[store].items():
            extra = f"  ratio {f['ratio_to_bare']:.2f}" if "ratio_to_bare" in f else ""
            print(
                f"{store:9s} {name:10s} {f['rps']:8.1f} req/s  p50 {f['p50_ms']:7.1f} ms"
                f"  p99 {f['p99_ms']:7.1f} ms{extra}"
            )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "console.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
