"""Web app benchmark: server time of the pages against a real `aiduty serve` on 127.0.0.1. Plain script, not a test.

    python bench/web.py [--n 100] [--workers 2]

Each page is requested --n times one after the other, after a warm-up (a long-running server is warm). The
server's own time comes from its Server-Timing header (request received to response started: the check in a
worker, the view, the HTML); the client's wall time is shown beside it. The ratio compares the report page with
the JSON report of POST /v1/check for the same description: what the page costs on top of the engine. Writes
bench/WEB.md.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import platform
import re
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("AIDUTY_DATA", str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from serving import running_server  # noqa: E402

DREAMY = REPO / "data" / "services" / "dreamy-canvas.yaml"
PAGES = ["/", "/check", "/catalogue", "/catalogue?search=日志", "/catalogue?role=genai-provider&status=in-force&as_of=2026-06-01",
         "/catalogue?role=nobody", "/obligations/csl-2026-art23-log-retention", "/obligations/csl-2026-art23-log-retenton",
         "/instruments", "/instruments/CSL-2026", "/campaigns", "/campaigns/QINGLANG-2026-AI",
         "/diff?from=2025-12-31&to=2026-01-01", "/catalogue?search=日志&format=csv", "/catalogue?format=xlsx",
         "/diff?from=2025-12-31&to=2026-01-01&format=xlsx", "/docs", "/static/vendor/swagger-ui-bundle.js"]
AS_OF = "2026-11-22"


def _server_ms(response: httpx.Response) -> float:
    return float(response.headers["server-timing"].split("dur=")[1])


def measure(client: httpx.Client, n: int, request) -> dict:
    for _ in range(10):
        request(client)
    server, wall = [], []
    for _ in range(n):
        start = time.perf_counter()
        r = request(client)
        wall.append((time.perf_counter() - start) * 1000)
        assert r.status_code < 500, (r.status_code, r.text[:300])      # a 404 or 422 page is a page too
        server.append(_server_ms(r))
    q = lambda xs, p: statistics.quantiles(xs, n=100)[p - 1]  # noqa: E731
    return {"p50": statistics.median(server), "p95": q(server, 95), "max": max(server),
            "wall_p50": statistics.median(wall), "wall_p95": q(wall, 95), "bytes": len(r.content)}


def _hidden(page: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page).group(1))


def interview_path(client: httpx.Client) -> tuple[list[float], int]:
    """Dreamy Canvas through the web interview, answered from its description as a product manager would (a
    fact it leaves out is "don't know"), on a server whose interview pages are not cached yet: server ms per page."""
    import yaml

    def flat(data, prefix=""):
        out = {}
        for k, v in data.items():
            out.update(flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {prefix + k: v})
        return out

    known = flat(yaml.safe_load(DREAMY.read_text(encoding="utf-8")))
    r = client.post("/interview", data={"action": "start", "name": "Dreamy Canvas", "as_of": AS_OF})
    times = [_server_ms(r)]
    for _ in range(200):
        if 'id="question-form"' not in r.text:
            break
        page = r.text
        facts = re.findall(r'name="shown" value="([^"]*)"', page)
        kind = _hidden(page, "kind")
        data = {"action": "answer", "as_of": AS_OF, "base": _hidden(page, "base"), "rounds": _hidden(page, "rounds"),
                "kind": kind, "shown": facts}
        if kind == "checklist":
            data.update({f"a.{f}": "dk" if f not in known else str(known[f]).lower() for f in facts})
        elif facts[0] not in known:
            data["action"] = "dont_know"
        else:
            v = known[facts[0]]
            data[f"a.{facts[0]}"] = str(v).lower() if isinstance(v, bool) else v if isinstance(v, list) else str(v)
        r = client.post("/interview", data=data)
        assert r.status_code == 200, r.text[:300]
        times.append(_server_ms(r))
    return times, len(times) - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    import yaml

    text = DREAMY.read_text(encoding="utf-8")
    body = json.dumps(yaml.safe_load(text), default=str)
    pages = {
        "report page (POST /check, dreamy-canvas)": lambda c: c.post("/check", data={"text": text, "as_of": AS_OF},
                                                                      headers={"accept": "text/html"}),
        "JSON report (POST /v1/check, dreamy-canvas)": lambda c: c.post(f"/v1/check?as_of={AS_OF}", content=body,
                                                                         headers={"content-type": "application/json"}),
        "interview, first question (POST /interview)": lambda c: c.post("/interview", data={"action": "start", "as_of": AS_OF}),
        **{f"GET {path}": (lambda c, path=path: c.get(path)) for path in PAGES},
    }
    rows = {}
    with running_server(workers=args.workers) as (url, _proc), httpx.Client(base_url=url, timeout=30) as client:
        path, answers = interview_path(client)
        print(f"interview path: {answers} answers, server p50 {statistics.median(path):.1f} ms, max {max(path):.1f} ms", flush=True)
        for name, request in pages.items():
            rows[name] = measure(client, args.n, request)
            print(f"{name:70} server p50 {rows[name]['p50']:6.1f} ms  p95 {rows[name]['p95']:6.1f} ms", flush=True)
    report, api = rows["report page (POST /check, dreamy-canvas)"], rows["JSON report (POST /v1/check, dreamy-canvas)"]
    load = os.getloadavg()[0]
    lines = ["# Web app pages (bench/web.py)", "",
             f"Run {date.today()} on {platform.node()} ({platform.machine()}, {os.cpu_count()} cores, load average "
             f"{load:.1f}; Python {platform.python_version()}), `aiduty serve --workers {args.workers}` on 127.0.0.1, "
             f"{args.n} requests per page one after the other after 10 warm-up requests. Reproduce: `python bench/web.py`.", "",
             "| page | server p50 (ms) | server p95 (ms) | max (ms) | client p50 / p95 (ms) | size (KB) |",
             "|---|---|---|---|---|---|"]
    for name, m in rows.items():
        lines.append(f"| {name} | {m['p50']:.1f} | {m['p95']:.1f} | {m['max']:.1f} | {m['wall_p50']:.1f} / {m['wall_p95']:.1f} | {m['bytes'] / 1024:.0f} |")
    lines += ["", f"Interview, Dreamy Canvas answered page by page on a fresh server (no page cached): {answers} answers, "
              f"server time per page p50 {statistics.median(path):.0f} ms, p95 {statistics.quantiles(path, n=20)[-1]:.0f} ms, "
              f"max {max(path):.0f} ms, {sum(path) / 1000:.1f} s in all. A page the worker has made before (the first "
              f"question, the language switch, back) comes from its in-memory cache (the row above).",
              "", f"Report page against the JSON report of the same check: p95 {report['p95'] / api['p95']:.2f}×, "
              f"p50 {report['p50'] / api['p50']:.2f}× (target: report page p95 ≤ 50 ms warm).", "",
              "Server time is the Server-Timing header of each answer: from the request reaching the app to the response "
              "starting, so it holds the check in a worker, the view and the HTML, and not the network.", ""]
    (REPO / "bench" / "WEB.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
