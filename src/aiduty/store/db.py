"""Which database, and bringing its schema up to date (Alembic, run from code on first use)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def default_url() -> str:
    """``AIDUTY_DATABASE_URL`` if set, else a SQLite file in the platform's data directory."""
    if os.environ.get("AIDUTY_DATABASE_URL"):
        return os.environ["AIDUTY_DATABASE_URL"]
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("aiduty"))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'portfolio.db'}"


def normalise(url: str) -> str:
    """Plain ``postgresql://`` URLs use psycopg 3 (the only PostgreSQL driver we depend on)."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def alembic_config(connection=None):
    from alembic.config import Config

    cfg = Config()                                   # no alembic.ini: everything is set here
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":       # several processes may start at once: one migrates
            conn.execute(text("SELECT pg_advisory_xact_lock(4242001)"))
        command.upgrade(alembic_config(conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


class Database:
    """One SQLAlchemy engine and its session factory, migrated to the newest schema when opened."""

    def __init__(self, url: str | None = None, *, migrate: bool = True):
        self.url = normalise(url or default_url())
        u = make_url(self.url)
        kwargs: dict = {"future": True}
        if u.get_backend_name() == "sqlite":
            if u.database and u.database != ":memory:":
                Path(u.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_pre_ping=True, pool_size=5, max_overflow=5)
        self.engine = create_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate and current_revision(self.engine) != head_revision():
            upgrade(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits together at the end, or not at all."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()

