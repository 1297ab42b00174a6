"""Portfolio benchmark (issue 16): a private PostgreSQL cluster, N stored services (default 10,000), then
``aiduty portfolio recheck --jobs 2`` and ``aiduty portfolio impact --from --to`` over all of them. Writes
bench/PORTFOLIO.md. Plain script, not a test; needs Debian's ``postgresql`` package.

    python bench/portfolio.py [--services N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("AIDUTY_DATA", str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import yaml  # noqa: E402

from pgserver import cluster, new_database  # noqa: E402


def variants(n: int) -> list[dict]:
    samples = [json.loads(json.dumps(yaml.safe_load(p.read_text()), default=str)) for p in sorted((REPO / "data" / "services").glob("*.yaml"))]
    out = []
    for i in range(n):
        d = json.loads(json.dumps(samples[i % len(samples)]))
        d["id"] = f"{d['id']}-{i:05d}"
        d.setdefault("reach", {})["registered_users"] = 1000 * (i % 2000)   # distinct facts, not just distinct ids
        out.append(d)
    return out


def timed(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=7200)
    return time.perf_counter() - start, done


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--services", type=int, default=10_000)
    n = ap.parse_args().services
    from aiduty.store.db import Database
    from aiduty.store.portfolio import Portfolio

    rows = []
    load_before = os.getloadavg()[0]
    with cluster() as base:
        url = new_database(base)
        p = Portfolio(Database(url))
        start = time.perf_counter()
        for d in variants(n):
            p.add(d)
        add_s = time.perf_counter() - start
        rows.append(("store N descriptions (Portfolio.add, one transaction each)", add_s, n / add_s))
        exe = [sys.executable, "-m", "aiduty", "portfolio"]
        for jobs in (1, 2):
            secs, done = timed([*exe, "recheck", "--as-of", "2026-07-20", "--jobs", str(jobs), "--db", url, "--format", "json"])
            assert done.returncode in (0, 1), done.stderr[-2000:]
            assert len(done.stdout.splitlines()) == n
            rows.append((f"recheck --jobs {jobs} (check, store report, stream a line)", secs, n / secs))
        secs, done = timed([*exe, "impact", "--from", "2026-07-01", "--to", "2026-07-20", "--db", url, "--format", "json"])
        assert done.returncode in (0, 1), done.stderr[-2000:]
        changed = sum(1 for e in json.loads(done.stdout) if e["changes"])
        rows.append((f"impact --from 2026-07-01 --to 2026-07-20 ({changed} services changed)", secs, n / secs))
        secs, done = timed([*exe, "impact", "--stored", "--db", url, "--format", "json"])
        rows.append(("impact --stored (last two runs of each service)", secs, n / secs))
        import psycopg

        with psycopg.connect(url.replace("+psycopg", "")) as conn:
            size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    lines = ["# Portfolio benchmark", "",
             f"`python bench/portfolio.py --services {n}` on {platform.node()} ({os.cpu_count()} cores, Python "
             f"{platform.python_version()}), PostgreSQL private cluster on 127.0.0.1 (fsync off), {time.strftime('%Y-%m-%d')}.", "",
             "| step | seconds | services/s |", "|---|---:|---:|"]
    lines += [f"| {name} | {secs:.1f} | {rate:.0f} |" for name, secs, rate in rows]
    lines += ["", f"Load average (1 min) before / after: {load_before:.1f} / {os.getloadavg()[0]:.1f} (a shared machine: "
              "other processes' load slows every row).", "", f"Database size after two rechecks: {size / 2**20:.0f} MiB ({n} services, {2 * n} runs; reports stored zlib-compressed).", ""]
    (REPO / "bench" / "PORTFOLIO.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
