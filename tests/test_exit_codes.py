"""Exit codes mean one thing, for every command: 0 no gap, 1 gaps, 2 bad input, 3 internal error (a crash is never
1); a closed stdout ends quietly (141, as SIGPIPE would), a full disk in one line (3)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DREAMY = str(REPO / "data" / "services" / "dreamy-canvas.yaml")
NO_GAP = "id: quiet\nname: Quiet\nreach:\n  mainland_china_public: false\n  enterprise_internal_only: true\n"


def aiduty(*args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aiduty", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})}, **kw)


@pytest.fixture(scope="module")
def broken_kb(tmp_path_factory):
    """A copy of the knowledge base with one Turtle file cut in half: a real fault inside aiduty, not in the input."""
    root = tmp_path_factory.mktemp("broken-kb")
    for part in ("ontology", "shapes"):
        shutil.copytree(REPO / part, root / part)
    victim = sorted((root / "ontology").rglob("*.ttl"))[0]
    text = victim.read_text(encoding="utf-8")
    victim.write_text(text[: len(text) // 2] + "\n<urn:broken> <urn:p> \"unterminated .\n", encoding="utf-8")
    return {"AIDUTY_DATA": str(root), "AIDUTY_CACHE_DIR": str(root / "cache")}


@pytest.mark.parametrize("args", [["check", DREAMY], ["obligations"], ["show", "genai-2023-art17-filing"], ["export"]])
def test_a_crash_is_exit_3_with_one_line(broken_kb, args):
    run = aiduty(*args, env=broken_kb)
    assert run.returncode == 3, (run.returncode, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aiduty: internal error: ") and "AIDUTY_DEBUG=1" in lines[0], run.stderr
    assert "Traceback" not in run.stderr


def test_aiduty_debug_shows_the_traceback(broken_kb):
    run = aiduty("check", DREAMY, env={**broken_kb, "AIDUTY_DEBUG": "1"})
    assert run.returncode == 3 and "Traceback (most recent call last)" in run.stderr


def test_a_crash_in_a_batch_is_exit_3(broken_kb, tmp_path):
    (tmp_path / "a.yaml").write_text(NO_GAP, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(NO_GAP.replace("quiet", "quiet-b"), encoding="utf-8")
    for jobs in ("1", "2"):
        run = aiduty("check", str(tmp_path), "--format", "jsonl", "--jobs", jobs, env=broken_kb)
        assert run.returncode == 3 and "internal error" in run.stderr and "Traceback" not in run.stderr, run.stderr


def test_gaps_no_gap_and_bad_input(tmp_path):
    quiet = tmp_path / "quiet.yaml"
    quiet.write_text(NO_GAP, encoding="utf-8")
    assert aiduty("check", DREAMY).returncode == 1
    assert aiduty("check", str(quiet)).returncode == 0
    for args in (["check", str(tmp_path / "missing.yaml")], ["check", "--jobs", "0", DREAMY], ["check", "--as-of", "someday", DREAMY],
                 ["show", "no-such-duty"], ["check"], ["no-such-command"], ["facts", str(tmp_path / "missing.yaml")]):
        run = aiduty(*args)
        assert run.returncode == 2, (args, run.stderr)
        assert "Traceback" not in run.stderr


def test_a_closed_stdout_ends_quietly(tmp_path):
    """`aiduty check … | head -c 10`: the reader goes away; no traceback, no message, not a verdict (141)."""
    for args in (["check", DREAMY, "--format", "json"], ["check", str(Path(DREAMY).parent), "--all"], ["export"]):
        proc = subprocess.Popen([sys.executable, "-m", "aiduty", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.read(10)
        proc.stdout.close()
        stderr = proc.stderr.read()
        assert proc.wait(120) == 141, (args, stderr)
        assert stderr == b"", (args, stderr)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_one_line_and_exit_3(tmp_path):
    many = tmp_path / "many.jsonl"
    many.write_text("\n".join('{"id": "svc-%d", "name": "S"}' % i for i in range(40)) + "\n", encoding="utf-8")
    for args in (["check", DREAMY], ["check", str(many), "--format", "jsonl", "--jobs", "2"], ["export"]):
        with open("/dev/full", "w") as full:
            run = subprocess.run([sys.executable, "-m", "aiduty", *args], stdout=full, stderr=subprocess.PIPE, text=True,
                                 timeout=300)
        lines = run.stderr.strip().splitlines()
        assert run.returncode == 3, (args, run.stderr)
        assert any("No space left on device" in line for line in lines) and "Traceback" not in run.stderr, run.stderr
        assert len([line for line in lines if "No space" in line]) == 1
