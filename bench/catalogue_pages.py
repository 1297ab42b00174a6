"""Catalogue pages: warm latency of each page of a real `aiduty serve` on 127.0.0.1. Plain script, not a test.

    python bench/catalogue_pages.py [--n 50]

Each page is asked for once to warm it, then ``--n`` times in a row; prints p50 and p95 per page (milliseconds,
round trip on the loopback, so the server's time plus a little HTTP) and the body size.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

PAGES = ["/catalogue", "/catalogue?search=日志", "/catalogue?role=genai-provider&status=in-force&as_of=2026-06-01",
         "/catalogue?role=nobody", "/obligations/csl-2026-art23-log-retention", "/obligations/csl-2026-art23-log-retenton",
         "/instruments", "/instruments/CSL-2026", "/campaigns", "/campaigns/QINGLANG-2026-AI",
         "/diff?from=2025-12-31&to=2026-01-01", "/catalogue?search=日志&format=csv", "/catalogue?format=xlsx",
         "/diff?from=2025-12-31&to=2026-01-01&format=xlsx"]


def main() -> None:
    import httpx
    from serving import running_server

    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50)
    args = parser.parse_args()
    with running_server(workers=1) as (url, _proc), httpx.Client(base_url=url, timeout=30) as client:
        print("| page | status | bytes | p50 ms | p95 ms |\n|---|---|---|---|---|")
        for path in PAGES:
            headers = {"accept": "text/html", "accept-encoding": "identity"}
            client.get(path, headers=headers)
            samples, r = [], None
            for _ in range(args.n):
                t = time.perf_counter()
                r = client.get(path, headers=headers)
                samples.append((time.perf_counter() - t) * 1000)
            samples.sort()
            p95 = samples[min(len(samples) - 1, round(0.95 * len(samples)) - 1)]
            print(f"| `{path}` | {r.status_code} | {len(r.content):,} | {statistics.median(samples):.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
