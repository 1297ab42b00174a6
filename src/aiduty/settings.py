"""The server's settings: every ``AIDUTY_*`` variable of `aiduty serve`, read and validated once at start-up.

A malformed value is refused before anything starts, in one line that names the variable (``describe``).
Sizes accept a plain number of bytes or a unit (``64KiB``, ``1MB``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ByteSize, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

PREFIX = "AIDUTY_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, frozen=True)

    workers: int = Field(2, ge=1, le=64, description="worker processes for checks (`serve --workers` overrides it)")
    sparql_workers: int = Field(1, ge=1, le=64, description="worker processes for SPARQL, apart from the checks'")
    max_body: ByteSize = Field(ByteSize(1 << 20), gt=0, description="largest request body")
    max_query: ByteSize = Field(ByteSize(64 << 10), gt=0, description="largest SPARQL query text")
    check_timeout: float = Field(10.0, gt=0, le=3600, description="seconds a check may run, and may wait for a worker")
    sparql_timeout: float = Field(10.0, gt=0, le=3600, description="seconds a SPARQL query may run, parsing included, and may wait for a worker")
    max_waiting: int = Field(64, ge=0, description="checks waiting for a worker before 503")
    sparql_max_waiting: int = Field(8, ge=0, description="SPARQL queries waiting for a worker before 503")
    row_limit: int = Field(10_000, ge=1, description="most SPARQL rows (or triples) returned")
    worker_memory: ByteSize = Field(ByteSize(2 << 30), ge=256 << 20, description="address-space limit of a worker")
    worker_cpu: int = Field(60, ge=1, description="CPU seconds one task may use before its worker is killed")
    labels_max_upload: ByteSize = Field(ByteSize(64 << 20), gt=0, description="largest body of a label-scan upload (POST /v1/labels/scan)")
    labels_max_file: ByteSize = Field(ByteSize(16 << 20), gt=0, description="largest file in a label-scan upload")
    labels_max_files: int = Field(20, ge=1, le=1000, description="most files in one label-scan upload")
    labels_timeout: float = Field(30.0, gt=0, le=3600, description="seconds a label scan of one upload may run")
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        ["localhost", "127.0.0.1", "[::1]", "testserver"], description="Host header values served (comma-separated)")

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split(cls, value):
        if isinstance(value, str):
            value = [h.strip() for h in value.split(",")]
        if not value or any(not h for h in value):
            raise ValueError("expected a comma-separated list of host names")
        return value


def describe(exc: Exception) -> str:
    """One line for a settings error, naming the environment variable (``AIDUTY_MAX_BODY: …``)."""
    if isinstance(exc, ValidationError):
        err = exc.errors(include_url=False)[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        got = err.get("input")
        shown = repr(got) if isinstance(got, (str, int, float)) and len(repr(got)) <= 40 else "the value given"
        return f"{PREFIX}{field.upper()}: {err['msg']} (got {shown})"
    if isinstance(exc, SettingsError):
        return str(exc).splitlines()[0]
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


def load(**overrides) -> Settings:
    """Settings from the environment, with explicit values (e.g. command-line options) taking precedence."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
