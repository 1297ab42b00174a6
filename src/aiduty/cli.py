"""The ``aiduty`` command line (design §6). Exit codes, every command: 0 no gap, 1 at least one gap, 2 bad input,
3 internal error (a crash is never 1); interrupted by a signal: 128 + the signal (SIGINT 130, SIGTERM 143, a
closed stdout 141, as for SIGPIPE). ``main`` maps every exception to one of them, with a one-line message
(AIDUTY_DEBUG=1 adds the traceback)."""

from __future__ import annotations

import errno
import io
import json
import os
import signal
import sys
import traceback
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from .cli_labels import labels_app
from .description import DescriptionError
from .safetext import clean, clip

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Which duties of China's AI regulations apply to a service, which are met, and what is missing.")
app.add_typer(labels_app, name="labels")


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"aiduty {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit")) -> None:
    """Which duties of China's AI regulations apply to a service, which are met, and what is missing."""


class Lang(str, Enum):
    en = "en"
    zh = "zh"


class CheckFormat(str, Enum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    markdown = "markdown"
    ttl = "ttl"
    sarif = "sarif"
    junit = "junit"
    oscal = "oscal"


CI_FORMATS = ("sarif", "junit", "oscal")     # one document for the whole run (render_ci.py)


class FailOn(str, Enum):
    gap = "gap"
    unknown = "unknown"
    high = "high"


class ListFormat(str, Enum):
    text = "text"
    json = "json"


def say(message: str) -> None:
    """One line on stderr; control and bidi characters of user text shown as escapes."""
    typer.echo(f"aiduty: {clean(message)}", err=True)


class TableFormat(str, Enum):     # the list commands: also a table for spreadsheets
    text = "text"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


class Status(str, Enum):
    draft = "draft"
    in_force = "in-force"
    upcoming = "upcoming"
    lapsed = "lapsed"


OUTPUT = typer.Option(None, "-o", "--output", help="Write to this file (needed for xlsx on a terminal)")


def _structured(fmt: "TableFormat", data, table, title: str, output: Optional[str]) -> bool:
    """--format json, csv or xlsx of a list command (``table()`` makes its rows); False for text."""
    if fmt is TableFormat.json:
        _print_json(data)
        return True
    if fmt in (TableFormat.csv, TableFormat.xlsx):
        _emit_table(fmt, table(), title, output)
        return True
    return False


def _emit_table(fmt: "TableFormat", table: tuple, title: str, output: Optional[str]) -> None:
    """--format csv or xlsx: the list as a table, to --output or stdout."""
    from .tables import to_csv, to_xlsx

    header, rows = table
    data = to_csv(header, rows).encode("utf-8") if fmt is TableFormat.csv else to_xlsx(header, rows, title)
    if output:
        Path(output).write_bytes(data)
    elif fmt is TableFormat.xlsx and sys.stdout.isatty():
        fail("--format xlsx: give --output FILE (a workbook is not for a terminal)")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def fail(message: str) -> None:
    say(message)
    raise typer.Exit(2)


def parse_day(value: Optional[str], option: str = "--as-of") -> Optional[date]:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: expected a date YYYY-MM-DD, got {value!r}")


def _is_fd1(stream) -> bool:
    """Whether ``stream`` is the process's real standard output, which worker processes can write to."""
    try:
        return stream.fileno() == 1
    except (AttributeError, OSError, ValueError):
        return False


def _engine():
    from .engine import Engine

    return Engine.load()


@app.command()
def check(
    files: list[str] = typer.Argument(..., help="Service descriptions (YAML, JSON, Turtle, JSON-LD), directories, globs or .jsonl files"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Apply the law as of this day (YYYY-MM-DD); default today"),
    fmt: CheckFormat = typer.Option(CheckFormat.text, "--format", help="text, json, jsonl, markdown, ttl, sarif, junit or oscal"),
    fail_on: FailOn = typer.Option(FailOn.gap, "--fail-on", help="Exit 1 on: gap (any gap), unknown (any gap or unknown), high (a gap of priority high or critical)"),
    lang: Lang = typer.Option(Lang.en, "--lang"),
    show_all: bool = typer.Option(False, "--all", help="Also list the duties that do not apply, with the reason"),
    jobs: int = typer.Option(1, "--jobs", min=1, help="Worker processes for many descriptions"),
    evidence_dir: Optional[str] = typer.Option(None, "--evidence", help="A directory of sample output files: their AIGC labels fill the label controls"),
) -> None:
    """Check service descriptions: applicable duties, gaps, unknowns and the questions still to answer.

    Reports stream out as they are made (memory stays flat for large batches); with several descriptions a
    progress bar goes to stderr on a terminal, and a summary line at the end.
    """
    from . import batch

    day = parse_day(as_of)
    evidence = _evidence(evidence_dir) if evidence_dir else None
    single = len(files) == 1 and Path(files[0]).is_file() and not files[0].endswith(".jsonl")
    results = batch.run(files, as_of=day, lang=lang.value, include_all=show_all, jobs=jobs,
                        as_lines=fmt in (CheckFormat.jsonl, CheckFormat.json),
                        to_stdout=fmt is CheckFormat.jsonl and fail_on is FailOn.gap and _is_fd1(sys.stdout), notice=say,
                        evidence=evidence)
    if fmt.value in CI_FORMATS:
        raise typer.Exit(_check_ci(files, results, fmt.value, fail_on.value, lang.value, single))
    checked = gaps = bad = failed = 0
    progress = None if single or not sys.stderr.isatty() else _progress()
    out = _output()              # reports as lines go out as the workers' UTF-8 bytes, untouched
    if fmt is CheckFormat.json and not single:
        out(b"[\n")
    try:
        for item in results:
            if progress is not None:
                progress.advance(progress.task_ids[0])
            if isinstance(item, (DescriptionError, batch.ItemFailure)):
                bad += isinstance(item, DescriptionError)
                failed += isinstance(item, batch.ItemFailure)
                say(str(item))
                continue
            try:
                text, has_gap = _render(item, fmt, single)
                if fail_on is not FailOn.gap:           # --fail-on unknown|high: the report decides, not its gaps
                    has_gap = _fails(json.loads(item[1]) if isinstance(item, tuple) else item, fail_on.value)
            except Exception as exc:  # noqa: BLE001 - one report that cannot be rendered must not stop the run
                failed += 1
                say(str(batch.ItemFailure(getattr(getattr(item, "service", None), "id", "a report"),
                                          f"cannot render it: {type(exc).__name__}: {clip(str(exc), 200)}")))
                continue
            checked += 1
            if isinstance(text, bytes):                  # a report as a line: an array element or a JSON Line
                out((b"," if fmt is CheckFormat.json and checked > 1 else b"") + text + b"\n")
            elif text is not None:
                out((text if fmt is CheckFormat.markdown else text + "\n").encode(sys.stdout.encoding or "utf-8", "replace"))
            gaps += has_gap
    finally:
        results.close()                                  # stops the worker processes on any exception
        if progress is not None:
            progress.stop()
    if fmt is CheckFormat.json and not single:
        out(b"]\n")
    if not single:
        say(f"{checked} checked, {gaps} with gaps, {bad} bad input" + (f", {failed} failed (internal error)" if failed else ""))
    raise typer.Exit(3 if failed else 2 if bad else 1 if gaps else 0)


def _output():
    """A function that writes bytes to standard output completely or raises (BrokenPipeError, ENOSPC). On fd 1 it
    writes with os.write: Python's buffered writers can silently drop the rest of a write that a reader closing
    the pipe cut short (`aiduty check … | head -1`)."""
    from .batch import write_all

    if _is_fd1(sys.stdout):
        sys.stdout.flush()
        return lambda data: write_all(1, data)
    return sys.stdout.buffer.write


def _render(item, fmt: "CheckFormat", single: bool) -> tuple[str | bytes | None, bool]:
    """(what to print, has gap) for one result: text, or bytes for a JSON line, or None if a worker wrote it."""
    from . import render

    if isinstance(item, tuple):                          # (has gap, UTF-8 JSON line, or None: already written)
        has_gap, line = item
        if fmt is CheckFormat.json and single:           # one report: pretty, for people
            return json.dumps(json.loads(line), ensure_ascii=False, indent=2), has_gap
        return line, has_gap
    if fmt is CheckFormat.markdown:
        return render.to_markdown(item), item.has_gap
    if fmt is CheckFormat.ttl:
        return render.to_graph(item).serialize(format="turtle"), item.has_gap
    return render.to_text(item, color=sys.stdout.isatty()), item.has_gap


def _fails(report, fail_on: str) -> bool:
    from .render_ci import fails

    return fails(report, fail_on)


def _check_ci(files: list[str], results, fmt: str, fail_on: str, lang: str, single: bool) -> int:
    """SARIF, JUnit or OSCAL: one document for every report of the run, written when the last is made."""
    from . import batch, render_ci

    pairs, failed, bad, crashed = [], 0, 0, 0
    try:
        for (source, _), item in zip(batch.expand(files), results):      # the same expansion, in the same order
            if isinstance(item, (DescriptionError, batch.ItemFailure)):
                bad += isinstance(item, DescriptionError)
                crashed += isinstance(item, batch.ItemFailure)
                say(str(item))
                continue
            pairs.append((source, item))
            failed += render_ci.fails(item, fail_on)
    finally:
        results.close()
    if fmt == "junit":
        sys.stdout.buffer.write(render_ci.to_junit(pairs, lang))
    else:
        typer.echo(render_ci.dumps(render_ci.to_sarif(pairs, lang) if fmt == "sarif" else render_ci.to_oscal(pairs, lang)))
    sys.stdout.flush()
    if not single:
        say(f"{len(pairs)} checked, {failed} failing (--fail-on {fail_on}), {bad} bad input"
            + (f", {crashed} failed (internal error)" if crashed else ""))
    return 3 if crashed else 2 if bad else 1 if failed else 0


def _evidence(directory: str):
    from .evidence import EvidenceError, collect     # only --evidence pays for the label readers

    try:
        evidence = collect(directory)
    except EvidenceError as exc:
        fail(str(exc))
    if not evidence.media:
        typer.echo(f"aiduty: --evidence {directory}: no readable media file, so the label controls stay as stated", err=True)
    return evidence


def _progress():
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True,
                        console=Console(stderr=True))
    progress.add_task("check", total=None)
    progress.start()
    return progress


@app.command()
def facts(
    file: str = typer.Argument(..., help="A service description"),
    fmt: str = typer.Option("ttl", "--format", help="ttl or jsonld"),
) -> None:
    """Print the RDF facts graph a description becomes (exactly what the engine validates)."""
    from .description import load_description
    from .facts import build_facts
    from .kb import load

    if fmt not in ("ttl", "jsonld"):
        fail(f"--format: expected ttl or jsonld, got {fmt!r}")
    try:
        desc = load_description(file)
        built = build_facts(desc, load())
    except DescriptionError as exc:
        fail(f"{file}: {exc.field}: {exc.problem}")
    typer.echo(built.serialize("turtle" if fmt == "ttl" else "json-ld"))


@app.command()
def schema(lang: Lang = typer.Option(Lang.en, "--lang"),
           report: bool = typer.Option(False, "--report", help="The report's schema instead (design §5)")) -> None:
    """Print the JSON Schema of the service description, each field explained (title, description, question, help);
    with --report, the report's schema."""
    if report:
        from .report import report_schema

        typer.echo(json.dumps(report_schema(), indent=2, ensure_ascii=False))
        return
    from .schema import service_schema

    typer.echo(json.dumps(service_schema(_kb(), lang.value), indent=2, ensure_ascii=False))


def _kb():
    from .kb import load

    return load()


def _print_json(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _pick(text: dict, lang: Lang) -> str:
    return text.get(lang.value) or text.get("en") or text.get("zh") or ""


@app.command()
def obligations(
    role: Optional[str] = typer.Option(None, "--role", help="A role id; includes the duties of its broader roles"),
    instrument: Optional[str] = typer.Option(None, "--instrument", help="An instrument code, e.g. LABEL-2025"),
    article: Optional[int] = typer.Option(None, "--article", help="An article number (with --instrument)"),
    campaign: Optional[str] = typer.Option(None, "--campaign", help="CODE or CODE/TARGET, e.g. QINGLANG-2026-AI/P1-5"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Only duties in force on this day"),
    search: Optional[str] = typer.Option(None, "--search", help="Words to find in ids, titles, summaries, remediation, citations: "
                                         "every word must match; English as whole words, Chinese as written"),
    status: Optional[Status] = typer.Option(None, "--status", help="draft, in-force, upcoming or lapsed on --as-of (default today)"),
    fmt: TableFormat = typer.Option(TableFormat.text, "--format", help="text, json, csv or xlsx"),
    output: Optional[str] = OUTPUT,
    lang: Lang = typer.Option(Lang.en, "--lang"),
) -> None:
    """List obligations by role, instrument, article, campaign target, status, date or words, with their fines."""
    from .catalogue import QueryError, duty_json, fine_text, filter_duties, obligations_table

    kb = _kb()
    day = parse_day(as_of)
    try:
        if status is not None:       # --status judges on --as-of; without --status, --as-of keeps what is in force
            found = filter_duties(kb, role=role, instrument=instrument, article=article, campaign=campaign,
                                  search=search, status=status.value, day=day)
        else:
            found = filter_duties(kb, role=role, instrument=instrument, article=article, campaign=campaign,
                                  as_of=day, search=search)
    except QueryError as exc:
        fail(str(exc))
    if fmt is TableFormat.json:
        _print_json([duty_json(kb, d, lang.value) for d in found])
        return
    if fmt in (TableFormat.csv, TableFormat.xlsx):
        _emit_table(fmt, obligations_table(kb, found, lang.value, day or date.today()), "obligations", output)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(found)} obligations", title_justify="left", expand=True)
    for col, ratio in (("id", 3), ("citation", 2), ("title", 4), ("bearer", 2), ("status", 1), ("confidence", 1), ("fine", 2)):
        table.add_column(col, ratio=ratio)
    for d in found:
        table.add_row(d.id, "; ".join(c.label[lang.value] for c in d.citations), _pick(d.title, lang), d.bearer,
                      d.instrument_status, d.confidence, fine_text(d, lang.value))
    Console(width=160).print(table)


from .words import CARD_WORDS  # noqa: E402 - the show card's words live with the others (words.py)


@app.command()
def show(
    obligation_id: str = typer.Argument(..., help="An obligation id, e.g. label-2025-art5-implicit-metadata"),
    fmt: ListFormat = typer.Option(ListFormat.text, "--format"),
    lang: Lang = typer.Option(Lang.en, "--lang"),
) -> None:
    """Show one obligation's full card: texts, citations, when it applies, what meets it, penalties, links."""
    from .catalogue import duty_json

    kb = _kb()
    duty = kb.duties.get(obligation_id)
    if duty is None:
        from difflib import get_close_matches

        close = get_close_matches(obligation_id, list(kb.duties), n=5, cutoff=0.6)
        fail(f"no obligation {obligation_id!r}" + (f"; did you mean {', '.join(close)}?" if close else ""))
    card = duty_json(kb, duty, lang.value, full=True)
    if fmt is ListFormat.json:
        _print_json(card)
        return
    L = lang.value
    w = CARD_WORDS[L]
    lines = [f"{_pick(duty.title, lang)}  [{duty.id}]", "",
             _pick(duty.summary, lang), "",
             f"{w['cites']}: " + "; ".join(c.label[L] for c in duty.citations)]
    lines += [f"  {c.label[L]}: {_pick(c.summary, lang)}" for c in duty.citations if c.summary]
    lines += [f"{w['rule']}: {duty.rule_type}   {w['bearer']}: {duty.bearer}",
              f"{w['status']}: {duty.instrument_status}   {w['confidence']}: {duty.confidence}"
              + (f" ({_pick(duty.confidence_note, lang)})" if duty.confidence_note else ""),
              f"{w['in_force']}: {card['in_force_from'] or '—'}" + (f" – {card['in_force_until']}" if card["in_force_until"] else ""),
              f"{w['applies']}: {_pick(duty.condition_label, lang)}",
              f"  ({card['applies_when']['condition']})"]
    if card["satisfied_by"]:
        lines += [f"{w['met']}:"] + [f"  {x}" for x in card["satisfied_by"]]
    elif duty.no_description_can_confirm:
        lines.append(f"{w['met']}: {w['unconfirmable']}")
    lines.append(f"{w['fix']}: {_pick(duty.remediation, lang)}")
    if "penalty" in card:
        lines.append(f"{w['penalty']}: {_pick(duty.penalty_note, lang)} " + "; ".join(c.label[L] for c in duty.penalty))
    if duty.ordinary_fine_cny or duty.max_fine_cny:
        from .catalogue import fine_text

        lines.append(f"{w['fine']}: {fine_text(duty, L)}")
    for key in ("campaign_targets", "precedents", "specialises", "specialised_by", "overlaps", "replaces", "replaced_by",
                "supports", "supported_by"):
        if card.get(key):
            lines.append(f"{w[key]}: {', '.join(card[key])}")
    if card["sources"]:
        lines.append(f"{w['sources']}:")
        lines += [f"  {src}" for src in card["sources"]]
    typer.echo("\n".join(lines))


@app.command()
def instruments(fmt: TableFormat = typer.Option(TableFormat.text, "--format", help="text, json, csv or xlsx"),
                lang: Lang = typer.Option(Lang.en, "--lang"), output: Optional[str] = OUTPUT) -> None:
    """List the instruments: code, title, status, dates, confidence."""
    from .catalogue import instrument_json, instruments_table

    kb = _kb()
    data = [instrument_json(kb, i) for i in sorted(kb.instruments.values(), key=lambda i: i.code)]
    if _structured(fmt, data, lambda: instruments_table(data, lang.value), "instruments", output):
        return
    for i in data:
        until = f" to {i['in_force_until']}" if i["in_force_until"] else ""
        typer.echo(f"{i['code']:<16} {i['status']:<21} in force {i['in_force_from'] or '—'}{until}  "
                   f"[{i['confidence']}] {_pick(i['title'], lang)} ({len(i['duties'])} duties)")


@app.command()
def campaigns(
    fmt: TableFormat = typer.Option(TableFormat.text, "--format", help="text, json, csv or xlsx"),
    output: Optional[str] = OUTPUT,
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Past, active or upcoming relative to this day; default today"),
    lang: Lang = typer.Option(Lang.en, "--lang"),
) -> None:
    """List enforcement campaigns (not law) with their targets and the obligations each polices."""
    from .catalogue import campaign_json, campaigns_table

    kb = _kb()
    day = parse_day(as_of) or date.today()
    data = [campaign_json(kb, c, day) for c in sorted(kb.campaigns.values(), key=lambda c: c.code)]
    if _structured(fmt, data, lambda: campaigns_table(data, lang.value), "campaigns", output):
        return
    for c in data:
        typer.echo(f"{c['code']} [{c['state']}, {c['confidence']}] {_pick(c['title'], lang)} "
                   f"({c['start'] or '?'} – {c['end'] or '?'})")
        for t in c["targets"]:
            typer.echo(f"  {t['code']:<6} {_pick(t['title'], lang)}")
            typer.echo(f"         → {', '.join(t['duties'])}")


MAX_QUERY_FILE = 16 << 20


class SparqlFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    tsv = "tsv"
    xml = "xml"


class GraphFormat(str, Enum):
    turtle = "turtle"
    nt = "nt"
    xml = "xml"
    jsonld = "json-ld"


@app.command()
def sparql(
    query: str = typer.Argument(..., help="A SPARQL query, or a file holding one"),
    fmt: SparqlFormat = typer.Option(SparqlFormat.table, "--format"),
    timeout: float = typer.Option(10.0, "--timeout", min=0.1, help="Seconds before the query is stopped"),
    limit: int = typer.Option(10_000, "--limit", min=1, help="Most rows returned"),
    graph_fmt: GraphFormat = typer.Option(GraphFormat.turtle, "--graph-format", help="For CONSTRUCT and DESCRIBE"),
) -> None:
    """Run a read-only SPARQL query over the knowledge base (standard prefixes bound).

    The query runs in a child process started with ``spawn`` (any platform, no fork) that is stopped at
    --timeout; SELECT/ASK results as a table or in the SPARQL formats (rdflib's writers)."""
    from .catalogue import QueryError, QueryTimeout, run_query_limited

    path = Path(query)
    text = query
    if query.endswith(".rq") or (len(query) < 4096 and "\n" not in query and path.is_file()):
        if not path.is_file():                       # no FIFO, device or directory: only a regular file is read
            fail(f"{query}: not a readable regular file")
        try:
            with path.open("rb") as fh:
                raw = fh.read(MAX_QUERY_FILE + 1)
            if len(raw) > MAX_QUERY_FILE:
                fail(f"{query}: larger than {MAX_QUERY_FILE >> 20} MiB")
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"{query}: cannot read the query: {exc}".splitlines()[0])
    try:
        formats = {"results": None if fmt is SparqlFormat.table else fmt.value, "graph": graph_fmt.value}
        result = run_query_limited(text, timeout, limit, formats)      # parsing counts against --timeout too
    except (QueryError, QueryTimeout) as exc:
        fail(" ".join(str(exc).split()))
    if result.truncated:
        typer.echo(f"aiduty: results cut at {limit} rows (--limit)", err=True)
    if result.kind == "graph":
        typer.echo(result.graph)
    elif result.body is not None:
        typer.echo(result.body.decode("utf-8"), nl=False)
    elif result.kind == "ask":
        typer.echo("true" if result.boolean else "false")
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(*result.variables)
        for row in result.rows:
            table.add_row(*(row[v]["value"] if v in row else "" for v in result.variables))
        Console(width=200).print(table)


@app.command()
def export(fmt: str = typer.Option("ttl", "--format", help="ttl, nt or jsonld")) -> None:
    """Print the whole knowledge base (ontology and shapes) as RDF."""
    formats = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}
    if fmt not in formats:
        fail(f"--format: expected ttl, nt or jsonld, got {fmt!r}")
    typer.echo(_kb().graph().serialize(format=formats[fmt]))


@app.command("diff")
def diff_cmd(
    start: str = typer.Option(..., "--from", help="YYYY-MM-DD"),
    end: str = typer.Option(..., "--to", help="YYYY-MM-DD"),
    role: Optional[str] = typer.Option(None, "--role", help="A role id; includes the duties of its broader roles"),
    fmt: TableFormat = typer.Option(TableFormat.text, "--format", help="text, json, csv or xlsx"),
    output: Optional[str] = OUTPUT,
    lang: Lang = typer.Option(Lang.en, "--lang"),
) -> None:
    """Obligations that came into force, changed citation (e.g. the CSL renumbering) or lapsed between two days,
    and the penalties that changed with them."""
    from .catalogue import QueryError, diff, diff_table

    try:
        result = diff(_kb(), parse_day(start, "--from"), parse_day(end, "--to"), role=role)
    except QueryError as exc:
        fail(str(exc))
    if _structured(fmt, result, lambda: diff_table(result, lang.value), "diff", output):
        return
    for key, title in (("came_into_force", "Came into force"), ("lapsed", "Lapsed")):
        typer.echo(f"{title} ({len(result[key])}):")
        for d in result[key]:
            typer.echo(f"  {d['id']}  {'; '.join(c[lang.value] for c in d['citations'])}  {_pick(d['title'], lang)}")
    typer.echo(f"Changed citation ({len(result['changed_citation'])}):")
    for r in result["changed_citation"]:
        typer.echo(f"  {r['from']} → {r['to']}: {'; '.join(c[lang.value] for c in r['from_citations'])} → "
                   f"{'; '.join(c[lang.value] for c in r['to_citations'])}")
    typer.echo(f"Penalty changed ({len(result['penalty_changed'])}):")
    for p in result["penalty_changed"]:
        typer.echo(f"  {p['from']} → {p['to']}: {_fine_words(p['before'], lang)} → {_fine_words(p['after'], lang)}")


def _fine_words(penalty: dict, lang: Lang) -> str:
    cites = "; ".join(c[lang.value] for c in penalty["citations"])
    low, high = penalty["ordinary_fine_cny"], penalty["max_fine_cny"]
    fine = "no fine recorded" if not (low or high) else f"¥{low or high:,}" + (f" (up to ¥{high:,})" if low and high and high > low else "")
    return f"{fine} [{cites}]" if cites else fine


@app.command()
def roles(
    fmt: TableFormat = typer.Option(TableFormat.text, "--format", help="text, json, csv or xlsx"),
    output: Optional[str] = OUTPUT,
    lang: Lang = typer.Option(Lang.en, "--lang"),
) -> None:
    """List the roles: id, broader roles (whose duties a role holder bears too), definition, when it is derived."""
    from .catalogue import role_json, roles_table

    kb = _kb()
    data = [role_json(kb, r) for r in sorted(kb.roles.values(), key=lambda r: r.id)]
    if _structured(fmt, data, lambda: roles_table(data, lang.value), "roles", output):
        return
    for r in data:
        typer.echo(f"{r['id']}  {_pick(r['label'], lang)}  ({r['duties']} duties)")
        if r["broader"]:
            typer.echo(f"  broader: {', '.join(r['broader'])}")
        typer.echo(f"  {_pick(r['definition'], lang)}")
        typer.echo(f"  derived when: {_pick(r['derived_when'], lang)}")


@app.command()
def interview(
    file: Optional[str] = typer.Argument(None, help="A description to start from (or resume); default: from nothing"),
    lang: Lang = typer.Option(Lang.en, "--lang"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Apply the law as of this day (YYYY-MM-DD); default today"),
    out: Optional[str] = typer.Option(None, "-o", "--output", help="Write the description here (default: FILE, or ID.yaml)"),
    oracle: Optional[str] = typer.Option(None, "--oracle", help="Answer every question from this full description"),
    fmt: ListFormat = typer.Option(ListFormat.text, "--format", help="text or json (the --oracle result)"),
) -> None:
    """Guided check: asks one question at a time, always the one that settles the most open duties, and never
    one whose answer can no longer change any status; writes the description as YAML."""
    from . import interview_cli

    day = parse_day(as_of) or date.today()
    try:
        code = interview_cli.run(file, lang=lang.value, day=day, out=out, oracle=oracle, fmt=fmt.value)
    except interview_cli.BadInput as exc:
        fail(str(exc))
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as exc:  # an internal error is never "gaps"
        typer.echo(f"aiduty: internal error: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(3)
    raise typer.Exit(code)


@app.command()
def coverage(check_only: bool = typer.Option(False, "--check", help="Exit 1 if docs/coverage.md is stale")) -> None:
    """Write docs/coverage.md (instrument × article → obligations; provisions without a duty and why)."""
    from .catalogue import coverage_markdown

    text = coverage_markdown(_kb())
    target = Path("docs/coverage.md")
    if check_only:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            typer.echo("aiduty: docs/coverage.md is stale; run `aiduty coverage`", err=True)
            raise typer.Exit(1)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {target}")


@app.command("lint")
def lint_cmd() -> None:
    """Check the knowledge base with its own SHACL shapes (shapes/kb/)."""
    from .kb import lint

    problems = lint()
    for p in problems:
        typer.echo(p)
    typer.echo(f"{len(problems)} problem(s)", err=True)
    raise typer.Exit(1 if problems else 0)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Worker processes for checks (default: AIDUTY_WORKERS, else 2)"),
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs). Settings come from AIDUTY_* variables (see README)."""
    import logging

    from .settings import describe, load as load_settings

    try:
        settings = load_settings(workers=workers)
    except Exception as exc:                    # a malformed AIDUTY_* value: one line naming it, exit 2
        fail(describe(exc))
    named = f"[{host}]" if ":" in host else host
    if host not in ("0.0.0.0", "::") and named not in settings.allowed_hosts:   # the address served is a host served
        settings = settings.model_copy(update={"allowed_hosts": [*settings.allowed_hosts, named]})
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:  aiduty: %(message)s"))
    server_log = logging.getLogger("aiduty.server")
    server_log.addHandler(handler)
    server_log.setLevel(logging.INFO)
    server_log.propagate = False

    import uvicorn

    from .api import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that clean-ups run (worker processes are stopped), then exit 143."""


def _on_sigterm(signum, frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)      # one is enough: let the clean-up finish
    raise Terminated


from .cli_portfolio import app as portfolio_app, keys_app  # noqa: E402  (portfolio: its DB stack loads lazily)

app.add_typer(portfolio_app, name="portfolio"); app.add_typer(keys_app, name="keys")


def main() -> None:  # console script entry point
    signal.signal(signal.SIGTERM, _on_sigterm)
    _reliable_stdout()
    code = _run()
    try:
        sys.stdout.flush()
    except BrokenPipeError:          # the reader went away (e.g. `| head`): nothing left to say
        code = _closed_stdout()
    except OSError as exc:
        code = _io_error(exc)
    try:
        sys.stderr.flush()
    except OSError:
        pass
    if "concurrent.futures.process" in sys.modules:
        sys.exit(code)              # worker processes ran: let multiprocessing's exit handlers release what they shared
    # Everything is written; skip the interpreter's teardown, which would free the knowledge base object by
    # object (about 0.1 s of a cold `aiduty check`). Work that must finish (saving results) is done explicitly.
    os._exit(code)


def _run() -> int:
    """Run the command line; every way it can end becomes an exit code (see the module docstring)."""
    import typer.core

    click = getattr(typer.core, "_click", None) or typer.core.click     # the click this Typer uses (it may vendor one)

    try:
        code = app(standalone_mode=False)
        return code if isinstance(code, int) else 0
    except click.exceptions.ClickException as exc:                # a bad command line
        exc.show()
        return 2
    except typer.Abort:                                          # end of input at a prompt
        say("aborted: the input ended")
        return 2
    except SystemExit as exc:
        if type(sys.stdout).__name__ == "PacifyFlushWrapper":     # click's way of ending on a closed stdout
            return _closed_stdout()
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        say(str(exc.code))
        return 3
    except KeyboardInterrupt:
        return 130
    except Terminated:
        say("terminated")
        return 143
    except DescriptionError as exc:
        say(str(exc))
        return 2
    except BrokenPipeError:
        return _closed_stdout()
    except OSError as exc:
        return _io_error(exc)
    except Exception as exc:  # noqa: BLE001 - a crash is exit 3 with one line, never 1
        debug = bool(os.environ.get("AIDUTY_DEBUG"))
        if debug:
            traceback.print_exception(exc)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        say(f"internal error: {type(exc).__name__}" + (f": {clip(first, 300)}" if first else "")
            + ("" if debug else " (set AIDUTY_DEBUG=1 for the traceback)"))
        return 3


class _WholeWrites(io.RawIOBase):
    """fd 1, written completely or with an error: a write that a closing reader cuts short otherwise passes as
    done in Python's buffered writer, and the rest of the output is silently lost (no EPIPE, exit 0)."""

    def __init__(self, fd: int):
        super().__init__()
        self._fd = fd

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def write(self, data) -> int:
        from .batch import write_all

        write_all(self._fd, data)
        return len(memoryview(data).cast("B"))


def _reliable_stdout() -> None:
    if not _is_fd1(sys.stdout) or os.isatty(1):
        return
    old = sys.stdout
    old.flush()
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(_WholeWrites(1)), encoding=old.encoding, errors=old.errors,
                                  line_buffering=old.line_buffering)


def _discard_stdout() -> None:
    """Point fd 1 at /dev/null, so that what is still buffered can be flushed without another error at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass


def _closed_stdout() -> int:
    _discard_stdout()
    return 128 + signal.SIGPIPE


def _io_error(exc: OSError) -> int:
    """ENOSPC and other I/O errors: one line, exit 3."""
    if exc.errno == errno.EPIPE:
        return _closed_stdout()
    where = f": {exc.filename}" if exc.filename else ""
    say(f"{exc.strerror or type(exc).__name__}{where}" + (" (the output is incomplete)" if exc.errno == errno.ENOSPC else ""))
    _discard_stdout()
    return 3
