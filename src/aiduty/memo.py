"""Bounded memo tables for the engine, and the on-disk store of requirement results.

A requirement result is what pyshacl reports for one duty's requirement shapes given the values of the facts
those shapes read. It depends on nothing else but the knowledge base and the validator, so it can be kept
across processes: the store's file name carries the knowledge base's content hash, a digest of the code that
builds it, and pyshacl's version, and a file that cannot be read is ignored. Deleting it only costs time.
"""

from __future__ import annotations

import os
import pickle
from importlib import metadata
from pathlib import Path
from typing import Any, Hashable


class Memo(dict):
    """A dict that forgets its oldest entries past ``size`` (first in, first out); size 0 remembers nothing."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def put(self, key: Hashable, value: Any) -> None:
        if self.size <= 0:
            return
        if len(self) >= self.size:
            del self[next(iter(self))]
        self[key] = value


class ResultStore(Memo):
    """Requirement results, loaded from and saved to the knowledge base's cache directory.

    Only the newest ``SAVED`` results are written: loading the file is part of every cold start."""

    SAVED = 10_000

    def __init__(self, directory: Path, kb_hash: str, size: int):
        super().__init__(size)
        from .kb import code_hash

        self.path = directory / f"results-{kb_hash[:32]}-{code_hash()[:12]}-pyshacl{_version('pyshacl')}.pickle"
        self.dirty = False
        try:
            with self.path.open("rb") as fh:
                loaded = pickle.load(fh)
            if isinstance(loaded, dict):
                self.update(list(loaded.items())[-size:])
        except Exception:
            pass  # missing, stale or truncated: start empty

    def put(self, key: Hashable, value: Any) -> None:
        super().put(key, value)
        self.dirty = True

    def save(self) -> None:
        """Write the results atomically (another process may be writing the same file; the last one wins)."""
        if not self.dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                pickle.dump(dict(list(self.items())[-self.SAVED:]), fh, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(self.path)
            self.dirty = False
        except OSError:
            pass  # a read-only cache directory still works, just without the saved results


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "0"
