"""API keys: ``aid_<key id>_<secret>``, shown once; only a salted scrypt hash of the secret is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timezone

from sqlalchemy import select

from .db import Database
from .models import ApiKey
from .portfolio import NotFound, audit

SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}     # ~16 MB, tens of ms: cheap for us, dear for guessing


def _hash(secret: str, salt: bytes) -> str:
    return hashlib.scrypt(secret.encode(), salt=salt, **SCRYPT).hex()


def create(db: Database, name: str, actor: str = "cli") -> str:
    key_id, secret, salt = secrets.token_hex(8), secrets.token_urlsafe(32), secrets.token_bytes(16)
    with db.transaction() as s:
        s.add(ApiKey(key_id=key_id, name=name, salt=salt.hex(), secret_hash=_hash(secret, salt)))
        audit(s, actor, "key.create", "api_key", key_id, name=name)
    return f"aid_{key_id}_{secret}"


def verify(db: Database, presented: str | None) -> str | None:
    """The key's name if ``presented`` is a live key, else None."""
    if not presented or not presented.startswith("aid_") or presented.count("_") < 2:
        return None
    key_id, secret = presented[4:].split("_", 1)
    with db.sessions() as s:
        row = s.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None:
        return None
    return row.name if hmac.compare_digest(_hash(secret, bytes.fromhex(row.salt)), row.secret_hash) else None


def revoke(db: Database, key_id: str, actor: str = "cli") -> None:
    with db.transaction() as s:
        row = s.get(ApiKey, key_id)
        if row is None:
            raise NotFound(f"no API key {key_id!r}")
        row.revoked_at = datetime.now(timezone.utc)
        audit(s, actor, "key.revoke", "api_key", key_id)


def listing(db: Database) -> list[dict]:
    with db.sessions() as s:
        return [{"id": k.key_id, "name": k.name, "created_at": k.created_at.isoformat(),
                 "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None}
                for k in s.scalars(select(ApiKey).order_by(ApiKey.created_at))]
