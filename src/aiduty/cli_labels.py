"""``aiduty labels scan|write``: read, verify and write GB 45438 implicit labels in files (design §9).

Exit codes: 0 every file conformant (scan) or written (write) · 1 a file is not conformant · 2 bad input.
The label modules are imported inside the commands, so other commands never pay for Pillow, mutagen or pypdf.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

labels_app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                         help="Read, verify and write GB 45438-2025 implicit labels (the AIGC metadata field) in files.")


class ScanFormat(str, Enum):
    table = "table"
    text = "text"
    json = "json"
    jsonl = "jsonl"
    sarif = "sarif"


def _fail(message: str) -> None:
    typer.echo(f"aiduty: {message}", err=True)
    raise typer.Exit(2)


@labels_app.command("scan")
def scan(
    paths: list[str] = typer.Argument(..., help="Files, directories (searched recursively by suffix) or globs"),
    fmt: ScanFormat = typer.Option(ScanFormat.table, "--format", help="table (or text), json, jsonl or sarif"),
    max_size: int = typer.Option(64 << 20, "--max-size", min=1, help="Most bytes read per file; larger files are unreadable"),
    timeout: float = typer.Option(10.0, "--timeout", min=0.01, help="Seconds per file before it is given up as unreadable"),
) -> None:
    """Scan files for AIGC implicit labels (and the explicit label of text files); a verdict per file with the clause.

    Verdicts: conformant, non-conformant (which element and why), no-label, unreadable. Exit 0 when every file is
    conformant, 1 otherwise, 2 when a path names nothing.
    """
    from .labelscan import BadInput, expand, render_table, sarif, scan_file

    try:
        files = list(expand(paths))
    except BadInput as exc:
        _fail(str(exc))
    if not files:
        _fail("no file to scan (directories are searched for the suffixes the scan reads)")
    results = []
    for path in files:
        result = scan_file(path, max_bytes=max_size, time_limit_s=timeout)
        results.append(result)
        if fmt is ScanFormat.jsonl:
            sys.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False) + "\n")
    if fmt is ScanFormat.json:
        typer.echo(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2))
    elif fmt is ScanFormat.sarif:
        typer.echo(json.dumps(sarif(results), ensure_ascii=False, indent=2))
    elif fmt in (ScanFormat.table, ScanFormat.text):
        typer.echo(render_table(results), nl=False)
    raise typer.Exit(0 if all(r.verdict == "conformant" for r in results) else 1)


@labels_app.command("write")
def write(
    file: Path = typer.Argument(..., help="The file to label (PNG, JPEG, WebP, MP4/MOV, MP3, WAV, PDF, DOCX/XLSX/PPTX)"),
    producer: Optional[str] = typer.Option(None, "--producer", help="ContentProducer: the generation provider's name or code"),
    produce_id: Optional[str] = typer.Option(None, "--produce-id", help="ProduceID: the provider's unique id for this content"),
    propagator: Optional[str] = typer.Option(None, "--propagator", help="ContentPropagator: the platform's name or code"),
    propagate_id: Optional[str] = typer.Option(None, "--propagate-id", help="PropagateID: the platform's unique id for this content"),
    label: Optional[str] = typer.Option(None, "--label", help='Label: "1" is, "2" possibly, "3" suspected AI-generated '
                                        '(producer default "1"; a platform keeps the file\'s)'),
    reserved: Optional[str] = typer.Option(None, "--reserved", help="ReservedCode1 (producer) or ReservedCode2 (propagator)"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the labelled file here instead of in place"),
    force: bool = typer.Option(False, "--force", help="Overwrite an element the file already holds with another value"),
    fmt: str = typer.Option("text", "--format", help="text or json"),
) -> None:
    """Write a GB 45438 implicit label into a file's natural carrier, keeping the content bytes unchanged.

    Producer mode (--producer, --produce-id) for generation providers (LABEL-2025 Art. 5); propagator mode
    (--propagator, --propagate-id) for dissemination platforms, which keeps the producer's elements (Art. 6).
    The file is replaced atomically; an element already there is never overwritten without --force.
    """
    from .label_write import WriteRefused, write as write_label

    if not file.is_file():
        _fail(f"{file}: no such file")
    try:
        done = write_label(file, output=output, producer=producer, produce_id=produce_id, propagator=propagator,
                           propagate_id=propagate_id, label=label, reserved=reserved, force=force)
    except WriteRefused as exc:
        _fail(str(exc))
    if fmt == "json":
        typer.echo(json.dumps(done, ensure_ascii=False))
    else:
        typer.echo(f"{done['file']}: wrote {done['carrier']} AIGC "
                   + json.dumps({k: v for k, v in done["elements"].items() if v}, ensure_ascii=False))
