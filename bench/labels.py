"""Label scan throughput: 1,000 mixed files (every format; labelled, unlabelled and mislabelled). Plain script.

    python bench/labels.py [--files 1000]

Measures `scan_file` in one process (files/s, MB/s), the same scan through the command line
(`aiduty labels scan DIR --format jsonl`), and `labels write` in memory; writes a section of bench/RESULTS.md
between the markers below and prints the table.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import labelfiles as L  # noqa: E402

START, END = "<!-- labels:start -->", "<!-- labels:end -->"


def noise_image(w: int, h: int, fmt: str, **kw) -> bytes:
    from PIL import Image

    rng = random.Random(w * h)
    im = Image.frombytes("RGB", (w, h), bytes(rng.getrandbits(8) for _ in range(w * h * 3)))
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def templates() -> dict[str, bytes]:
    """One unlabelled file per format, of a plausible size for generated output."""
    rng = random.Random(7)
    return {
        "png": noise_image(256, 256, "PNG"),
        "jpg": noise_image(640, 480, "JPEG", quality=85),
        "webp": noise_image(320, 240, "WEBP", quality=80),
        "wav": L.wav(frames=64_000),
        "mp3": L.mp3_frames(400),
        "mp4": L.mp4(payload=bytes(rng.getrandbits(8) for _ in range(600_000))),
        "pdf": L.pdf(),
        "docx": L.ooxml("docx"),
        "xlsx": L.ooxml("xlsx"),
        "md": ("# 报告\n\n" + "正文。" * 400 + "\n\n本文由AI生成\n").encode(),
    }


def make_files(directory: Path, n: int) -> int:
    from aiduty.label_write import WRITERS, aigc_json
    from aiduty.carriers import sniff

    base = templates()
    kinds = sorted(base)
    total = 0
    for i in range(n):
        kind = kinds[i % len(kinds)]
        data = base[kind]
        variant = i // len(kinds) % 3                # 0 labelled, 1 unlabelled, 2 mislabelled
        fmt = sniff(data, f"x.{kind}")
        if fmt in WRITERS and variant != 1:
            elements = {"Label": "1" if variant == 0 else "AIGC", "ContentProducer": "BENCH-PRODUCER", "ProduceID": f"id-{i:05d}"}
            data, _ = WRITERS[fmt](data, aigc_json(elements))
        path = directory / f"{i:04d}.{kind}"
        path.write_bytes(data)
        total += len(data)
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    from aiduty.labelscan import expand, scan_file

    tmp = Path(tempfile.mkdtemp(prefix="aiduty-labels-bench-"))
    try:
        total = make_files(tmp, args.files)
        paths = list(expand([str(tmp)]))
        assert len(paths) == args.files
        for p in paths[:50]:                               # warm imports and the page cache
            scan_file(p)
        runs, cpu_runs, verdicts = [], [], {}
        for _ in range(3):
            start, cpu = time.perf_counter(), time.process_time()
            results = [scan_file(p) for p in paths]
            runs.append(time.perf_counter() - start)
            cpu_runs.append(time.process_time() - cpu)
        for r in results:
            verdicts[r.verdict] = verdicts.get(r.verdict, 0) + 1
        best = min(runs)
        per_format: dict[str, list[float]] = {}
        for p in paths:
            start = time.perf_counter()
            scan_file(p)
            per_format.setdefault(p.suffix, []).append((time.perf_counter() - start) * 1000)

        cli, cli_cpu = [], []
        for _ in range(3):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "aiduty", "labels", "scan", str(tmp), "--format", "jsonl"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
            cli.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cli_cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            assert proc.returncode == 1, proc.stderr      # the mislabelled and unlabelled files

        from aiduty.label_write import WRITERS, aigc_json
        from aiduty.carriers import sniff

        write_ms = {}
        for kind, data in templates().items():
            fmt = sniff(data, f"x.{kind}")
            if fmt not in WRITERS:
                continue
            value = aigc_json({"Label": "1", "ContentProducer": "P", "ProduceID": "i"})
            start = time.perf_counter()
            for _ in range(20):
                WRITERS[fmt](data, value)
            write_ms[kind] = (time.perf_counter() - start) / 20 * 1000
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    mb = total / 1e6
    rows = [
        ("files", f"{args.files} ({mb:.0f} MB; {', '.join(sorted({p.suffix[1:] for p in paths}))})",
         "a third each labelled, unlabelled, mislabelled (`Label: AIGC`)"),
        ("verdicts", ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items())), ""),
        ("scan in one process, wall (best of 3)", f"{args.files / best:.0f} files/s, {mb / best:.0f} MB/s ({best:.2f} s)",
         "`scan_file` per file: read, sniff, parse, judge"),
        ("scan in one process, CPU (best of 3)", f"{args.files / min(cpu_runs):.0f} files/s, {mb / min(cpu_runs):.0f} MB/s "
         f"({min(cpu_runs):.2f} s)", "what the scan costs without other load on the machine"),
        ("`aiduty labels scan DIR --format jsonl` (median of 3)",
         f"{statistics.median(cli):.2f} s wall ({args.files / statistics.median(cli):.0f} files/s), "
         f"{statistics.median(cli_cpu):.2f} s CPU ({args.files / statistics.median(cli_cpu):.0f} files/s)",
         "whole process, imports included"),
        ("scan per file, median by format (ms)",
         ", ".join(f"{k[1:]} {statistics.median(v):.2f}" for k, v in sorted(per_format.items())), ""),
        ("`labels write` in memory, per file (ms)", ", ".join(f"{k} {v:.2f}" for k, v in sorted(write_ms.items())),
         "the atomic rename and fsync come on top"),
    ]
    table = ("| measure | result | note |\n|---|---|---|\n" + "".join(f"| {a} | {b} | {c} |\n" for a, b, c in rows))
    section = (f"{START}\n## Label scan (bench/labels.py)\n\nRun {time.strftime('%Y-%m-%d')} on {platform.node()} "
               f"({platform.machine()}, {os.cpu_count()} cores shared with other work: load average "
               f"{os.getloadavg()[0]:.1f}; Python {platform.python_version()}). "
               f"Reproduce: `python bench/labels.py`.\n\n{table}\n"
               "Pixels, audio and video are never decoded: a scan reads the container's metadata only, so its cost is "
               "reading the file and walking its chunks or boxes. PDF (pypdf) and MP4 (mutagen's tag parser) are the "
               "slowest per file.\n"
               f"{END}\n")
    results_md = REPO / "bench" / "RESULTS.md"
    text = results_md.read_text(encoding="utf-8") if results_md.exists() else ""
    if START in text and END in text:
        text = text[:text.index(START)] + section + text[text.index(END) + len(END) + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    results_md.write_text(text, encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
