"""Bounded memo tables for the engine, and the on-disk store of requirement results.

A requirement result is what pyshacl reports for one duty's requirement shapes given the values of the facts
those shapes read. It depends on nothing else but the knowledge base and the validator, so it can be kept
across processes: the store's key carries the knowledge base's content hash, a digest of the package's code,
and the Python and library versions, and an entry that is not authentic or cannot be read is ignored (see
cache.py). Deleting it only costs time.
"""

from __future__ import annotations

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
    """Requirement results, loaded from and saved to the cache directory (cache.py: authenticated JSON).

    Only the newest ``SAVED`` results are written: loading the file is part of every cold start."""

    SAVED = 10_000

    def __init__(self, directory: Path, kb_hash: str, size: int):
        super().__init__(size)
        from . import cache
        from .engine import RequirementResult

        self.directory = directory
        self.classes = (RequirementResult,)
        self.key = cache.entry_key("results", f"content {kb_hash}")
        self.path = directory / cache.entry_name("results", self.key, kb_hash[:32])
        self.dirty = False
        loaded = cache.read(directory, self.path.name, self.key, self.classes, dict)
        # missing, stale, forged, damaged or holding anything but requirement results: start empty
        if loaded and size > 0 and all(type(v) is RequirementResult and type(k) is tuple for k, v in loaded.items()):
            self.update(list(loaded.items())[-size:])

    def put(self, key: Hashable, value: Any) -> None:
        super().put(key, value)
        self.dirty = True

    def save(self) -> None:
        """Write the newest results atomically (another process may be writing the same file; the last one wins).
        A cache directory that is unsafe or read-only still works, just without the saved results."""
        if not self.dirty:
            return
        from . import cache

        newest = dict(list(self.items())[-self.SAVED:])
        if not cache.write(self.directory, self.path.name, self.key, newest, self.classes):
            # a value the cache format does not know (say, a fact of a new type) costs only its own entry
            kept = {k: v for k, v in newest.items() if cache.storable((k, v), self.classes)}
            if len(kept) == len(newest) or not cache.write(self.directory, self.path.name, self.key, kept, self.classes):
                return
        self.dirty = False
