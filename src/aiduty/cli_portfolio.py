"""``aiduty portfolio …`` and ``aiduty keys …``: services kept over time in a database (store/).

Exit codes: 0 done and no gap · 1 a gap (``recheck``/``show``: a checked service has a gap; ``impact``: a
change makes a duty a gap) · 2 bad input (a bad file, date or id, a refused sign-off) · 3 internal error (the
database cannot be reached or migrated, a crash). Commands that only list or write exit 0.
The database is ``--db URL``, else ``AIDUTY_DATABASE_URL``, else a SQLite file in the platform's data folder.
SQLAlchemy is imported only here, never by ``aiduty check``.
"""

from __future__ import annotations

import functools
import json
import sys
from datetime import date
from enum import Enum
from typing import Optional

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Services kept over time: versions, check runs, sign-offs, rechecks and regulatory-change impact.")
keys_app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                       help="API keys for the HTTP API's write endpoints (stored hashed; shown once).")

DB_HELP = "SQLAlchemy URL of the database (default: $AIDUTY_DATABASE_URL, else a SQLite file in the user data folder)"


class Fmt(str, Enum):
    text = "text"
    json = "json"


def _guarded(command):
    """A crash (the database went away, a bug) exits 3 with one line on stderr, never 1."""
    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001
            first = (str(exc).splitlines() or [""])[0]
            typer.echo(f"aiduty: internal error: {exc.__class__.__name__}: {first}", err=True)
            raise typer.Exit(3)
    return run


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"aiduty: {message}", err=True)
    raise typer.Exit(code)


def _day(value: Optional[str], option: str) -> Optional[date]:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option}: expected a date YYYY-MM-DD, got {value!r}")


def _db(url: Optional[str]):
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from .store.db import Database

    try:
        return Database(url)
    except ArgumentError as exc:
        _fail(f"--db: not a database URL: {exc}")
    except (SQLAlchemyError, OSError) as exc:
        _fail(f"cannot open the database: {exc.__class__.__name__}: {str(exc).splitlines()[0]}", 3)


def _portfolio(url: Optional[str]):
    from .store.portfolio import Portfolio

    return Portfolio(_db(url))


def _engine():
    from .engine import Engine

    return Engine.load()


def _json(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _not_found(call, *args, **kwargs):
    from .store.portfolio import NotFound, Refused

    try:
        return call(*args, **kwargs)
    except (NotFound, Refused) as exc:
        _fail(str(exc))


@app.command()
@_guarded
def add(
    files: list[str] = typer.Argument(..., help="Service descriptions (YAML, JSON, Turtle, JSON-LD)"),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    by: str = typer.Option("cli", "--by", help="Who adds it (kept in the audit log)"),
    fmt: Fmt = typer.Option(Fmt.text, "--format"),
) -> None:
    """Store descriptions as new versions of their services (the same content is never stored twice)."""
    from .description import DescriptionError, load_description

    try:
        descs = [load_description(f) for f in files]
    except DescriptionError as exc:
        _fail(str(exc))
    portfolio = _portfolio(db)
    results = [portfolio.add(d, actor=by) for d in descs]
    if fmt is Fmt.json:
        return _json(results)
    for r in results:
        typer.echo(f"{r['service']} v{r['version']} {'added' if r['created'] else 'unchanged'} ({r['content_hash'][:12]})")


@app.command("list")
@_guarded
def list_cmd(db: Optional[str] = typer.Option(None, "--db", help=DB_HELP), fmt: Fmt = typer.Option(Fmt.text, "--format")) -> None:
    """Every service, its current version and its last check."""
    rows = _portfolio(db).list()
    if fmt is Fmt.json:
        return _json(rows)
    for r in rows:
        run = r["last_run"]
        last = (f"checked {run['as_of']} (KB {run['kb_version']}): " + " · ".join(f"{k} {v}" for k, v in run["summary"].items())
                if run else "never checked")
        typer.echo(f"{r['id']} v{r['version']}  {r['name']} — {last}")


@app.command()
@_guarded
def show(
    service: str = typer.Argument(...),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    as_of: Optional[str] = typer.Option(None, "--as-of"),
    fmt: Fmt = typer.Option(Fmt.text, "--format"),
    store: bool = typer.Option(False, "--store", help="Keep this check as a run in the service's history"),
) -> None:
    """Check the service's current version now (sign-offs applied: `attested`); exit 1 if it has a gap."""
    from .render import to_text

    day = _day(as_of, "--as-of")
    portfolio = _portfolio(db)
    report = _not_found(portfolio.check, _engine(), service, day, store=store)
    if fmt is Fmt.json:
        typer.echo(report.json_bytes().decode())
    else:
        typer.echo(to_text(report, color=sys.stdout.isatty()), nl=False)
    raise typer.Exit(1 if report.has_gap else 0)


@app.command()
@_guarded
def history(
    service: str = typer.Argument(...),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    fmt: Fmt = typer.Option(Fmt.text, "--format"),
    versions: bool = typer.Option(False, "--versions", help="List the stored versions of the description instead"),
) -> None:
    """The service's check runs (newest first), or with --versions its description versions."""
    portfolio = _portfolio(db)
    rows = _not_found(portfolio.versions if versions else portfolio.history, service)
    if fmt is Fmt.json:
        return _json(rows)
    for r in rows:
        if versions:
            typer.echo(f"v{r['version']}  {r['created_at']}  {r['content_hash'][:12]}  by {r['created_by']}")
        else:
            typer.echo(f"run {r['run']}  v{r['version']}  as of {r['as_of']}  KB {r['kb_version']}  "
                       + " · ".join(f"{k} {v}" for k, v in r["summary"].items()))


@app.command()
@_guarded
def recheck(
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Default: today"),
    jobs: int = typer.Option(1, "--jobs", min=1, help="Worker processes (each takes rows from the shared queue)"),
    fmt: Fmt = typer.Option(Fmt.text, "--format", help="text, or json (JSON Lines, one per service)"),
) -> None:
    """Re-check every stored service against the current knowledge base, streaming a line per service.

    Joins an unfinished recheck of the same day and knowledge base (one killed midway resumes where it
    stopped; processes on other machines sharing a PostgreSQL database join in). Exit 1 if any service has
    a gap, 2 if a stored description no longer validates."""
    from .store import recheck as rc

    day = _day(as_of, "--as-of") or date.today()
    database = _db(db)
    engine = _engine()
    recheck_id = rc.open_recheck(database, day, engine.kb.version, engine.kb.content_hash)
    if jobs == 1:
        rc.work(database, engine, recheck_id, rc.worker_name(), emit=rc.line_writer(fmt.value))
    else:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")      # fresh processes: no inherited connections
        procs = [ctx.Process(target=rc.child, args=(database.url, recheck_id, i, jobs, fmt.value)) for i in range(jobs)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        if any(p.exitcode for p in procs):
            _fail("a worker process failed; run recheck again to finish", 3)
    rc.finish_if_done(database, recheck_id)
    pr = rc.progress(database, recheck_id)
    typer.echo(f"recheck {pr.recheck}: {pr.done}/{pr.total} services checked, {pr.gaps} with a gap, {pr.failed} failed", err=True)
    raise typer.Exit(2 if pr.failed else 1 if pr.gaps else 0)


@app.command()
@_guarded
def impact(
    date_from: Optional[str] = typer.Option(None, "--from", help="Check every service on this day …"),
    date_to: Optional[str] = typer.Option(None, "--to", help="… and on this day, and compare"),
    stored: bool = typer.Option(False, "--stored", help="Compare each service's last two stored runs instead (e.g. before/after a KB upgrade)"),
    service: Optional[list[str]] = typer.Option(None, "--service", help="Only these services"),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    fmt: Fmt = typer.Option(Fmt.text, "--format"),
) -> None:
    """Per service, the duties that newly apply, lapse or change status, with the reason. Exit 1 if a
    change makes a duty a gap."""
    from .store import impact as imp

    portfolio = _portfolio(db)
    if stored:
        if date_from or date_to:
            _fail("give either --from/--to or --stored")
        result = _not_found(imp.between_runs, portfolio, service)
    else:
        d1, d2 = _day(date_from, "--from"), _day(date_to, "--to")
        if d1 is None or d2 is None:
            _fail("give --from DATE and --to DATE (or --stored)")
        result = _not_found(imp.between_days, portfolio, _engine(), d1, d2, service)
    if fmt is Fmt.json:
        _json(result)
    else:
        for entry in result:
            typer.echo(f"{entry['service']}: {len(entry['changes'])} change(s)")
            for c in entry["changes"]:
                typer.echo(f"  {c['duty']}: {c['from']} → {c['to']} — {c['reason']}")
    raise typer.Exit(1 if any(c["to"] == "gap" for e in result for c in e["changes"]) else 0)


@app.command()
@_guarded
def signoff(
    service: str = typer.Argument(...),
    duty: Optional[str] = typer.Argument(None, help="The duty to sign off; without it, list the service's sign-offs"),
    by: Optional[str] = typer.Option(None, "--by", help="Who signs"),
    statement: Optional[str] = typer.Option(None, "--statement", help="What was checked and found"),
    evidence: Optional[str] = typer.Option(None, "--evidence", help="Link to the evidence"),
    expires: Optional[str] = typer.Option(None, "--expires", help="Day after which the sign-off no longer counts"),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    fmt: Fmt = typer.Option(Fmt.text, "--format"),
) -> None:
    """Sign off an `applicable` duty (it then shows as `attested`, never `met`), or list sign-offs and their state
    (valid, expired, outdated: the duty's text changed and needs review, superseded)."""
    portfolio = _portfolio(db)
    engine = _engine()
    if duty is None:
        rows = _not_found(portfolio.signoffs, engine, service)
        if fmt is Fmt.json:
            return _json(rows)
        for r in rows:
            typer.echo(f"#{r['id']} {r['duty']}: {r['state']} — {r['signed_by']} {r['signed_at'][:10]}"
                       + (f", expires {r['expires_on']}" if r["expires_on"] else "") + f": {r['statement']}")
        return
    if not by or not statement:
        _fail("a sign-off needs --by and --statement")
    row = _not_found(portfolio.sign, engine, service, duty, signed_by=by, statement=statement, evidence=evidence,
                     expires_on=_day(expires, "--expires"), actor=by)
    if fmt is Fmt.json:
        return _json(row)
    typer.echo(f"signed off {duty} for {service} (#{row['id']})")


@keys_app.command("create")
@_guarded
def keys_create(name: str = typer.Argument(..., help="Who or what uses the key"),
                db: Optional[str] = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """Make an API key and print it once (only its hash is stored)."""
    from .store import keys

    typer.echo(keys.create(_db(db), name))


@keys_app.command("list")
@_guarded
def keys_list(db: Optional[str] = typer.Option(None, "--db", help=DB_HELP)) -> None:
    from .store import keys

    _json(keys.listing(_db(db)))


@keys_app.command("revoke")
@_guarded
def keys_revoke(key_id: str = typer.Argument(...), db: Optional[str] = typer.Option(None, "--db", help=DB_HELP)) -> None:
    from .store import keys

    _not_found(keys.revoke, _db(db), key_id)
    typer.echo(f"revoked {key_id}")
