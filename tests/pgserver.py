"""A private PostgreSQL cluster for the tests: initdb into a temporary directory, listening only on 127.0.0.1
(a free port) and a socket in that directory, stopped and deleted at the end. PostgreSQL refuses to run as
root, so under root the cluster belongs to the ``postgres`` system user (Debian's package makes it) or, failing
that, ``nobody``. Needs Debian's ``postgresql`` package (initdb, pg_ctl); tests skip, saying so, without it."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root and neither 'postgres' nor 'nobody' exists to own the test cluster")


def _run(cmd: list[str], user: str | None, **kw) -> subprocess.CompletedProcess:
    if user:
        cmd = ["runuser", "-u", user, "--", *cmd]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120, **kw)


@contextmanager
def cluster():
    """Yield the base URL (``postgresql+psycopg://postgres@127.0.0.1:PORT``) of a fresh private cluster."""
    bin_dir = binaries()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries not found (install Debian's 'postgresql' package: initdb, pg_ctl)")
    user = _user()
    root = Path(tempfile.mkdtemp(prefix="aiduty-pg-"))
    if user:
        info = pwd.getpwnam(user)
        os.chown(root, info.pw_uid, info.pw_gid)
    data = root / "data"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    try:
        _run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync",
              "--no-instructions"], user)
        opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off -c max_connections=60"
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "-t", "60", "start"], user)
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
        finally:
            _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], user)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def new_database(base: str) -> str:
    """A new empty database in the cluster; its URL."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base.replace("+psycopg", "") + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def postgres_server():
    with cluster() as base:
        yield base
