"""Kill `implflow phase run` with SIGKILL N times; count what it leaves behind.

`python benchmarks/kill_litter.py [--kills 5] [--mid-run]`: each kill comes once the run's
temporary Prefect server answers (with --mid-run: once the phase run is recorded in the
store, the flow held on a FIFO where its first draft goes). Then, after a bounded wait,
counts the servers still up (and their memory) and the runs `implflow status` reports.
Linux only (reads /proc). Works in a fresh temporary IMPLFLOW_HOME.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BIN = str(Path(sys.executable).with_name("implflow"))
MARK = "prefect.server.api.server:create_app"


def servers_of(ppid: int) -> list[tuple[int, str]]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().decode().split("\0")
        except (OSError, ValueError):
            continue
        if int(stat[1]) == ppid and MARK in cmd:
            found.append((int(entry), cmd[cmd.index("--port") + 1]))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def server_up(pid: int) -> int | None:
    for server, port in servers_of(pid):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1)
            return server
        except OSError:
            pass
    return None


def runs_recorded(db: Path, n: int) -> bool:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as con:
        return con.execute("SELECT count(*) FROM phaserun").fetchone()[0] >= n


def one_kill(env: dict[str, str], home: Path, n: int, mid_run: bool) -> int | None:
    cli = subprocess.Popen(
        [BIN, "phase", "run", "k9", "requirements"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline, server = time.monotonic() + 120, None
    while time.monotonic() < deadline:
        server = server or server_up(cli.pid)
        if server and (not mid_run or runs_recorded(home / "implflow.db", n)):
            break
        time.sleep(0.1)
    os.kill(cli.pid, signal.SIGKILL)
    cli.wait()
    return server


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--mid-run", action="store_true")
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="implflow-kill-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["IMPLFLOW_HOME"] = str(home)
    subprocess.run(
        [BIN, "project", "create", "k9", "--name", "K", "--client", "C"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    if args.mid_run:
        folder = home / "documents" / "k9" / "srs-signoff"
        folder.mkdir(parents=True)
        for fmt in ("md", "html"):
            os.mkfifo(folder / f"srs.v1.{fmt}")
    servers = [one_kill(env, home, n + 1, args.mid_run) for n in range(args.kills)]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(s and alive(s) for s in servers):
        time.sleep(0.2)
    left = [s for s in servers if s and alive(s)]
    rss = sum(int(Path(f"/proc/{s}/statm").read_text().split()[1]) * 4096 for s in left)
    with sqlite3.connect(home / "implflow.db") as con:
        before = dict(con.execute("SELECT outcome, count(*) FROM phaserun GROUP BY outcome"))
    status = subprocess.run([BIN, "status", "--json"], env=env, capture_output=True, text=True)
    with sqlite3.connect(home / "implflow.db") as con:
        after = dict(con.execute("SELECT outcome, count(*) FROM phaserun GROUP BY outcome"))
    print(
        json.dumps(
            {
                "kills": args.kills,
                "servers_seen": sum(1 for s in servers if s),
                "servers_left": len(left),
                "servers_left_MB": rss // 2**20,
                "runs_before_status": before,
                "runs_after_status": after,
                "status_last_run": (json.loads(status.stdout) or [{}])[0].get("last_run"),
            },
            indent=2,
            default=str,
        )
    )
    for s in left:  # started by this script: do not leave them either
        os.kill(s, signal.SIGKILL)


if __name__ == "__main__":
    main()
