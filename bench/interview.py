"""Guided check benchmark: drive `aiduty interview` by its oracle over every example in data/services.

    python bench/interview.py [--as-of 2026-11-22] [FILE.yaml ...]

For each description: questions asked (a checklist counts once), facts answered and "don't know", the facts it states, whether the final
statuses equal those of the full description, and the seconds spent choosing each question. Then the median and
maximum number of questions. One Engine for all of them, as in one `aiduty serve` worker.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from aiduty import Engine  # noqa: E402
from aiduty.description import load_description, stated_facts  # noqa: E402
from aiduty.interview import DONT_KNOW, Interview, run_oracle  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--as-of", default="2026-11-22")
    args = parser.parse_args()
    files = args.files or sorted((ROOT / "data" / "services").glob("*.yaml"))
    engine = Engine.load()
    asked, steps = [], []
    print(f"{'description':28} {'asked':>5} {'answered':>8} {'dont_know':>9} {'stated':>6}  same  {'s/question (median, max)':>24}")
    for path in files:
        full = load_description(path)
        interview = Interview(engine, {"id": full.id, "name": full.name}, as_of=args.as_of)
        started = time.perf_counter()
        run_oracle(interview, full)
        elapsed = time.perf_counter() - started
        want = {d.id: d.status for d in engine.check(full, as_of=args.as_of, include_all=True).duties}
        same = {d.id: d.status for d in interview.report.duties} == want
        dont_know = sum(1 for s in interview.history if s.value is DONT_KNOW)
        stated = len([p for p in stated_facts(full) if p not in ("id", "name", "description")])
        times = interview.timings or [0.0]
        asked.append(interview.rounds)
        steps += times
        print(f"{path.stem:28} {interview.rounds:5} {len(interview.history) - dont_know:8} {dont_know:9} {stated:6}  "
              f"{'yes' if same else 'NO ':4}  {statistics.median(times):10.3f} {max(times):8.3f}   ({elapsed:.1f} s)")
    print(f"questions asked: median {statistics.median(asked)}, max {max(asked)} over {len(asked)} descriptions")
    print(f"seconds per question: median {statistics.median(steps):.3f}, max {max(steps):.3f}")
    engine.save()


if __name__ == "__main__":
    main()
