"""Batch mode in real processes: with --jobs 2 the workers write JSON Lines to stdout themselves, in input
order; the output must be the same bytes as with one job, and bad lines are reported, not lost."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_jobs_2_writes_the_same_lines_in_the_same_order_as_jobs_1(tmp_path):
    examples = sorted((REPO / "data" / "services").glob("*.yaml"))
    from aiduty.description import load_description

    lines = [load_description(p).model_dump_json(exclude_none=True) for p in examples] * 3   # several chunks
    lines.insert(20, '{"id": "broken", "name": ')
    lines.insert(30, json.dumps({"id": "Bad Id", "name": "x"}))
    batch = tmp_path / "many.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outputs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out-{jobs}.jsonl"
        with out.open("wb") as fh:
            run = subprocess.run([sys.executable, "-m", "aiduty", "check", str(batch), "--format", "jsonl", "--jobs", jobs,
                                  "--as-of", "2026-11-22"], stdout=fh, stderr=subprocess.PIPE, text=True, env=os.environ)
        assert run.returncode == 2, run.stderr                       # bad input wins over gaps
        assert "many.jsonl:21" in run.stderr and "many.jsonl:31" in run.stderr
        assert f"{len(lines) - 2} checked" in run.stderr and "2 bad input" in run.stderr
        outputs[jobs] = out.read_bytes()
    assert outputs["1"] == outputs["2"]
    ids = [json.loads(line)["service"]["id"] for line in outputs["2"].splitlines()]
    assert ids == [json.loads(line)["id"] for line in lines if line.startswith('{"id":"')]
