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


# ------------------------------------------------------------------------------------------ batches that finish

import signal
import threading
import time

import pytest

AS_OF = ["--as-of", "2026-11-22"]


def _examples(n: int) -> list[str]:
    from aiduty.description import load_description

    lines = [load_description(p).model_dump_json(exclude_none=True) for p in sorted((REPO / "data" / "services").glob("*.yaml"))]
    out = []
    for i in range(n):
        data = json.loads(lines[i % len(lines)])
        data["id"] = f"{data['id']}-{i}"
        out.append(json.dumps(data))
    return out


def _children() -> dict[int, list[int]]:
    table: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            table.setdefault(ppid, []).append(int(entry))
    return table


def _descendants(pid: int) -> list[int]:
    table, found, todo = _children(), [], [pid]
    while todo:
        for child in table.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"      # a zombie has finished
    except OSError:
        return False


def _workers(pid: int) -> list[int]:
    """The pool's worker processes: the children of the forkserver (or spawned children) of process ``pid``."""
    def cmdline(p):
        try:
            with open(f"/proc/{p}/cmdline", "rb") as fh:
                return fh.read()
        except OSError:
            return b""

    table = _children()
    servers = [c for c in table.get(pid, []) if b"forkserver" in cmdline(c)]
    if servers:
        return [w for s in servers for w in table.get(s, []) if _alive(w)]
    return [c for c in table.get(pid, []) if b"spawn_main" in cmdline(c) and _alive(c)]


def _wait_until(predicate, seconds: float, step: float = 0.02) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


class _Run:
    """`aiduty check` in a process of its own, its stdout read line by line by a thread (reports are large)."""

    def __init__(self, args: list[str], **kw):
        self.proc = subprocess.Popen([sys.executable, "-m", "aiduty", "check", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=os.environ, **kw)
        self.lines: list[bytes] = []         # each line, or for a whole JSON Lines report only its service id
        self.stderr = b""
        self._out = threading.Thread(target=self._read_out, daemon=True)
        self._err = threading.Thread(target=self._read_err, daemon=True)
        self._out.start()
        self._err.start()

    def _read_out(self):
        for line in iter(self.proc.stdout.readline, b""):
            if line.startswith(b'{"report_version"') and line.endswith(b"}\n"):
                line = json.loads(line)["service"]["id"].encode() + b"\n"     # reports are large: keep the id
            self.lines.append(line)

    def _read_err(self):
        self.stderr = self.proc.stderr.read()

    def wait(self, seconds: float) -> int:
        try:
            code = self.proc.wait(seconds)
        finally:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL) if self.proc.pid == os.getpgid(self.proc.pid) else self.proc.kill()
        self._out.join(10)
        self._err.join(10)
        return code


def test_every_kind_of_item_failure_is_that_items_record_and_json_stays_valid(tmp_path):
    good = _examples(3)
    lines = [good[0].encode(),
             b"[" * 100_000 + b"]" * 100_000,                                              # 100k deep
             b'{"id": "x", "name": "X", "reach": {"registered_users": ' + b"9" * 5000 + b"}}",   # 5000 digits
             b'{"id": "x", "name": "\xff\xfe"}',                                            # invalid UTF-8
             good[1].encode(),
             b'{"id": "x", "name": "' + b"n" * (2 << 20) + b'"}',                           # over the size limit
             b'{"id": "x", "name": "X", "controls": {"pipia": true, "pipia": false}}',      # duplicate key
             json.dumps({**json.loads(good[2]), "name": "a [/] name [link=https://127.0.0.1/]x[/link]"}).encode()]
    batch = tmp_path / "mixed.jsonl"
    batch.write_bytes(b"\n".join(lines) + b"\n")
    expected = [json.loads(good[0])["id"], json.loads(good[1])["id"], json.loads(good[2])["id"]]
    for fmt, jobs in (("json", "1"), ("json", "2"), ("jsonl", "2"), ("text", "2")):
        run = subprocess.run([sys.executable, "-m", "aiduty", "check", str(batch), "--format", fmt, "--jobs", jobs, *AS_OF],
                             capture_output=True, timeout=300)
        err = run.stderr.decode()
        assert run.returncode == 2, err                                   # bad input, and nothing crashed
        assert "Traceback" not in err and "3 checked" in err and "5 bad input" in err, err
        for n, problem in ((2, "nested too deeply"), (3, "too many digits"), (4, "not UTF-8"), (6, "longer than"),
                           (7, "controls.pipia: stated twice")):
            assert f"mixed.jsonl:{n}:" in err and problem in err, (n, err)
        if fmt == "json":
            assert [r["service"]["id"] for r in json.loads(run.stdout)] == expected
        elif fmt == "jsonl":
            assert [json.loads(line)["service"]["id"] for line in run.stdout.splitlines()] == expected
        else:
            assert "a [/] name [link=https://127.0.0.1/]x[/link]" in run.stdout.decode()


def test_a_failure_inside_the_check_is_an_internal_error_record():
    from aiduty import batch

    failure = batch._check((("odd:1", 12345), None, "en", False, True, None))   # a payload no loader takes
    assert isinstance(failure, batch.ItemFailure) and failure.source == "odd:1" and "TypeError" in failure.problem


def test_killing_a_worker_mid_batch_still_reports_every_item(tmp_path):
    lines = _examples(1000)
    batch = tmp_path / "many.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = _Run([str(batch), "--format", "jsonl", "--jobs", "2", *AS_OF])
    assert _wait_until(lambda: run.lines and _workers(run.proc.pid), 120), "the batch did not start"
    victim = _workers(run.proc.pid)[0]
    os.kill(victim, signal.SIGKILL)
    code = run.wait(240)                                  # it used to hang here forever
    err = run.stderr.decode()
    assert code == 1, err                                 # gaps, as without the kill: not a crash, not a hang
    assert "a worker process died (killed by SIGKILL)" in err and "Traceback" not in err, err
    assert [line.decode().strip() for line in run.lines] == [json.loads(line)["id"] for line in lines]
    assert "1000 checked" in err


def test_an_item_whose_worker_always_dies_is_reported_and_the_run_ends(tmp_path):
    """Kill every worker process as soon as it appears: each item ends up singled out and reported (exit 3)."""
    lines = _examples(3)
    batch = tmp_path / "doomed.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = _Run([str(batch), "--format", "json", "--jobs", "2", *AS_OF])
    killed: set[int] = set()
    deadline = time.monotonic() + 240
    while run.proc.poll() is None and time.monotonic() < deadline:
        for pid in _workers(run.proc.pid):
            if pid not in killed:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
        time.sleep(0.01)
    code = run.wait(30)
    err = run.stderr.decode()
    assert code == 3, err
    assert json.loads(b"".join(run.lines)) == []
    for n in (1, 2, 3):
        assert f"doomed.jsonl:{n}: internal error: the worker process died while checking it" in err, err
    assert "0 checked" in err and "3 failed" in err and "Traceback" not in err


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_a_signal_mid_batch_stops_the_pool_and_leaves_no_process(tmp_path, how):
    batch = tmp_path / "many.jsonl"
    batch.write_text("\n".join(_examples(2000)) + "\n", encoding="utf-8")
    run = _Run([str(batch), "--format", "jsonl", "--jobs", "2", *AS_OF], start_new_session=True)
    assert _wait_until(lambda: run.lines and len(_workers(run.proc.pid)) == 2, 120), "the batch did not start"
    family = _descendants(run.proc.pid)
    assert len(family) >= 3                               # the forkserver (or spawner) and two workers, at least
    if how == "SIGTERM":
        run.proc.send_signal(signal.SIGTERM)              # to the main process only, as `kill PID` does
    else:
        os.killpg(run.proc.pid, signal.SIGINT)            # to the whole process group, as Ctrl-C does
    code = run.wait(60)
    assert code == (143 if how == "SIGTERM" else 130), run.stderr
    assert _wait_until(lambda: not any(_alive(p) for p in family), 20), [p for p in family if _alive(p)]
    assert b"Traceback" not in run.stderr, run.stderr
    assert all(line.endswith(b"\n") for line in run.lines)  # only whole lines were written
