"""The on-disk cache: where it lives, who may use it, and the one format its entries are read back from.

Nothing in the cache is unpickled. An entry is one header line and a JSON document:

    aiduty-cache/1 <HMAC-SHA256, hex>
    {"format": 1, "classes": [[name, [field, ...]], ...], "root": ...}

The MAC is keyed by a random per-user secret kept beside the entries (``hmac-key``, mode 0600, created with
O_EXCL) and covers the entry's full key (its kind, the Python, rdflib, pyshacl and pydantic versions, a digest
of every module of this package, and the caller's parts such as the knowledge base's content hash) as well as
the JSON. An entry is read only if its MAC checks, and then only if its format version, the fields of every
class it holds and its root's type are what this code expects; anything else is ignored (the caller rebuilds
and writes it again). Entries are written to a ``mkstemp`` file in the directory and renamed over the old one.

The directory is created 0700 and used only if it is owned by the current user and writable by nobody else;
otherwise the cache is off for the process (one line on stderr) and everything works without it.

The JSON codec is generic over an allowlist of dataclasses and enums: fields come from ``dataclasses.fields``,
so a field added to a class is stored with no change here, and instances are rebuilt through their
constructors (``__post_init__`` recomputes what it derives). Other values are tagged lists: tuples, lists,
sets, frozensets, dicts with any keys, dates, datetimes, decimals, IRIs, blank nodes, literals (with datatype
or language) and rdflib graphs. Dataclass instances and dicts that occur twice are stored once and shared
again when read. A graph stored in a dataclass field is rebuilt only when the field is first read.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import hmac
import json
import os
import secrets
import stat
import sys
import tempfile
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import metadata
from itertools import islice
from pathlib import Path
from typing import Any, Iterable

from rdflib import BNode, Graph, Literal, URIRef

FORMAT = 1
MAGIC = b"aiduty-cache/%d " % FORMAT
KEY_FILE = "hmac-key"
KEY_BYTES = 32
MAX_ENTRY = 256 * 1024 * 1024          # bytes read from one entry at most
SUFFIX = ".cache"

_dirs: dict[str, Path | None] = {}      # directory -> itself when usable, None when refused (checked once)
_secrets: dict[str, bytes | None] = {}
_warned = False


_TERM_TAGS = frozenset("UBL")


class CacheError(ValueError):
    """An entry that cannot be stored, or read back as what was asked for."""


# ------------------------------------------------------------------------------------------------ where


def default_dir() -> Path:
    """$AIDUTY_CACHE_DIR, else the platform's user cache directory (on Linux $XDG_CACHE_HOME/aiduty,
    by default ~/.cache/aiduty)."""
    if os.environ.get("AIDUTY_CACHE_DIR"):
        return Path(os.environ["AIDUTY_CACHE_DIR"])
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("aiduty", appauthor=False))


def _warn(message: str) -> None:
    global _warned
    if not _warned:
        _warned = True
        try:
            sys.stderr.write(f"aiduty: {message}; working without the cache\n")
        except Exception:  # noqa: BLE001 - a closed stderr must not stop a check
            pass


def usable(directory: Path) -> Path | None:
    """The directory, created 0700 if missing, when only the current user can write it; else None (warned)."""
    name = str(directory)
    if name in _dirs:
        return _dirs[name]
    problem = None
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            pass
        link, st = os.lstat(directory), os.stat(directory)
        uid = os.geteuid()
        if not stat.S_ISDIR(st.st_mode):
            problem = "is not a directory"
        elif st.st_uid != uid or (stat.S_ISLNK(link.st_mode) and link.st_uid != uid):
            problem = f"is owned by uid {st.st_uid if st.st_uid != uid else link.st_uid}, not by you"
        elif st.st_mode & 0o022:
            problem = "is writable by group or others (chmod 700 it)"
    except OSError as exc:
        problem = f"cannot be created ({exc.strerror})"
    if problem:
        _warn(f"cache directory {directory} {problem}")
    _dirs[name] = None if problem else directory
    return _dirs[name]


def _secret(directory: Path) -> bytes | None:
    """The per-user MAC key in the directory, created on first use; None (warned) if it is not private."""
    name = str(directory)
    if name not in _secrets:
        _secrets[name] = _read_or_create_secret(directory / KEY_FILE)
    return _secrets[name]


def _read_or_create_secret(path: Path) -> bytes | None:
    for _ in range(2):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            try:
                _create_secret(path)
            except OSError as exc:
                _warn(f"cache key {path} cannot be created ({exc.strerror})")
                return None
            continue
        except OSError as exc:
            _warn(f"cache key {path} cannot be read ({exc.strerror})")
            return None
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o077 or st.st_size != KEY_BYTES:
                _warn(f"cache key {path} is not a private {KEY_BYTES}-byte file of yours (delete it)")
                return None
            return fh.read(KEY_BYTES)
    return None


def _create_secret(path: Path) -> None:
    """Write a new key in full before it appears under its name (link fails if another process won)."""
    fd, tmp = tempfile.mkstemp(prefix=".key-", dir=path.parent)       # O_EXCL, mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(KEY_BYTES))
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)


# ------------------------------------------------------------------------------------------------ keys


@cache
def _versions() -> str:
    out = [f"python {sys.version} {sys.implementation.cache_tag}"]
    for dist in ("rdflib", "pyshacl", "pydantic"):
        loaded = getattr(sys.modules.get(dist), "__version__", None)      # cheaper than metadata when imported
        try:
            out.append(f"{dist} {loaded or metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            out.append(f"{dist} ?")
    return "\n".join(out)


@cache
def code_digest(package: Path | None = None) -> str:
    """A digest of every module of the package (every ``*.py`` under it): never read what other code wrote."""
    package = package or Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def entry_key(kind: str, *parts: str) -> str:
    """The full key of an entry: what it is, and everything its contents depend on."""
    return "\n".join((f"aiduty-cache {FORMAT} {kind}", _versions(), f"code {code_digest()}", *parts))


def entry_name(kind: str, key: str, label: str = "") -> str:
    """The file name for an entry: its kind, an optional readable label, and a digest of its full key."""
    tag = hashlib.sha256(key.encode()).hexdigest()[:24]
    return f"{kind}-{label}-{tag}{SUFFIX}" if label else f"{kind}-{tag}{SUFFIX}"


# ------------------------------------------------------------------------------------------------ entries


def read(directory: Path, name: str, key: str, classes: Iterable[type], root: type) -> Any | None:
    """The entry's value if it is there, authentic, of this format and a ``root``; else None (never raises)."""
    try:
        where = usable(directory)
        secret = where and _secret(where)
        if not secret:
            return None
        try:
            fd = os.open(where / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY:
                return None
            data = fh.read(MAX_ENTRY + 1)
        header, _, payload = data.partition(b"\n")
        if not header.startswith(MAGIC) or not hmac.compare_digest(header[len(MAGIC):], _mac(secret, key, payload)):
            return None
        value = Codec(classes).loads(payload)
        if not isinstance(value, root):
            raise CacheError(f"{name} holds a {type(value).__name__}, not a {root.__name__}")
        return value
    except Exception:  # noqa: BLE001 - whatever is wrong with an entry, it is rebuilt
        return None


def write(directory: Path, name: str, key: str, value: Any, classes: Iterable[type]) -> bool:
    """Store the entry (atomically: a fresh mkstemp file renamed over the old one). False if not stored."""
    where = usable(directory)
    secret = where and _secret(where)
    if not secret:
        return False
    try:
        payload = Codec(classes).dumps(value)
    except (CacheError, RecursionError, ValueError):
        return False
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=where)          # O_EXCL, 0600, a name no one can guess
    except OSError:
        return False
    done = False
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC + _mac(secret, key, payload) + b"\n")
            fh.write(payload)
        os.replace(tmp, where / name)                                  # replaces a link, never writes through it
        done = True
    except OSError:
        pass
    finally:
        if not done:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return done


def storable(value: Any, classes: Iterable[type]) -> bool:
    """Whether the value can be written with these classes allowed."""
    try:
        Codec(classes).dumps(value)
        return True
    except (CacheError, RecursionError, ValueError):
        return False


def _mac(secret: bytes, key: str, payload: bytes) -> bytes:
    return hmac.new(secret, key.encode() + b"\0" + payload, hashlib.sha256).hexdigest().encode()


# ------------------------------------------------------------------------------------------------ codec


class _Deferred:
    """A value read on demand (a graph in a dataclass field)."""

    __slots__ = ("build",)

    def __init__(self, build):
        self.build = build


class _Lazy:
    """Mixed into a dataclass read from the cache: fields held back are built when first read."""

    def __getattr__(self, name: str):
        pending = self.__dict__.get("_cache_pending")
        deferred = pending.get(name) if pending else None
        if deferred is None:
            raise AttributeError(name)
        value = self.__dict__.setdefault(name, deferred.build())
        pending.pop(name, None)
        return value

    def __reduce__(self):
        """Copied or pickled (to another process, never into the cache) as the plain class, fields built."""
        cls = type(self)._cache_original
        return _construct, (cls, {f.name: getattr(self, f.name) for f in dataclasses.fields(cls) if f.init})


def _construct(cls: type, fields: dict):
    return cls(**fields)


@cache
def _lazy_class(cls: type) -> type:
    return type(cls.__name__, (_Lazy, cls), {"__qualname__": cls.__qualname__, "__module__": cls.__module__,
                                             "_cache_original": cls})


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _init_fields(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.init]


class Codec:
    """JSON for the values the cache holds; only the allowlisted dataclasses and enums are ever built."""

    def __init__(self, classes: Iterable[type]):
        self.allowed: dict[str, type] = {}
        for cls in classes:
            if not (dataclasses.is_dataclass(cls) or issubclass(cls, enum.Enum)):
                raise TypeError(f"{cls!r} is neither a dataclass nor an enum")
            self.allowed[_name(cls)] = cls

    # ---- writing

    def dumps(self, value: Any) -> bytes:
        self._classes: dict[type, int] = {}
        self._schema: list = []
        self._memo: dict[int, int] = {}
        self._keep: list = []                           # the memoised objects, alive while their ids are used
        root = self._enc(value)
        doc = {"format": FORMAT, "classes": self._schema, "root": root}
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def _class(self, cls: type) -> int:
        index = self._classes.get(cls)
        if index is None:
            if self.allowed.get(_name(cls)) is not cls:
                raise CacheError(f"{_name(cls)} is not allowed in the cache")
            index = self._classes[cls] = len(self._schema)
            self._schema.append([_name(cls), _init_fields(cls) if dataclasses.is_dataclass(cls) else None])
        return index

    def _remember(self, obj) -> None:
        self._memo[id(obj)] = len(self._keep)
        self._keep.append(obj)

    def _enc(self, x: Any):
        t = type(x)
        if t is str or t is int or t is bool or t is float or x is None:
            return x
        if t is tuple:
            return ["t", *map(self._enc, x)]
        if t is dict:
            if id(x) in self._memo:
                return ["r", self._memo[id(x)]]
            out = ["d"]
            for k, v in x.items():
                out += (self._enc(k), self._enc(v))
            self._remember(x)
            return out
        if t is URIRef:
            return ["U", str(x)]
        if t is Literal:
            return ["L", str(x), str(x.datatype) if x.datatype else None, x.language]
        if t is BNode:
            return ["B", str(x)]
        if t is list:
            return ["l", *map(self._enc, x)]
        if t is frozenset or t is set:
            items = [self._enc(v) for v in x]
            items.sort(key=lambda v: json.dumps(v, sort_keys=True))      # the same file for the same value
            return ["f" if t is frozenset else "s", *items]
        if t is date:
            return ["D", x.isoformat()]
        if t is datetime:
            return ["T", x.isoformat()]
        if t is Decimal:
            return ["N", str(x)]
        if t is Graph:
            return self._graph(x)
        if isinstance(x, enum.Enum):
            return ["e", self._class(t), self._enc(x.value)]
        if dataclasses.is_dataclass(x) and not isinstance(x, type):
            if id(x) in self._memo:
                return ["r", self._memo[id(x)]]
            cls = getattr(t, "_cache_original", t) if isinstance(x, _Lazy) else t
            index = self._class(cls)
            out = ["o", index, *(self._enc(getattr(x, f)) for f in self._schema[index][1])]
            self._remember(x)
            return out
        raise CacheError(f"a {t.__module__}.{t.__qualname__} cannot be stored in the cache")

    def _graph(self, g: Graph):
        """Terms once each, then the triples as indexes into them (blank nodes keep their identifiers)."""
        terms: dict = {}
        triples = sorted(g, key=lambda t: (t[0].n3(), t[1].n3(), t[2].n3()))
        flat = [terms.setdefault(term, len(terms)) for triple in triples for term in triple]
        return ["g", [self._enc(term) for term in terms], flat]

    # ---- reading

    def loads(self, payload: bytes) -> Any:
        doc = json.loads(payload)
        if type(doc) is not dict or doc.get("format") != FORMAT:
            raise CacheError("not an entry of this format")
        self._built: list[tuple[type, list[str] | None, bool]] = []
        for name, names in doc["classes"]:
            cls = self.allowed.get(name)
            if cls is None:
                raise CacheError(f"{name} is not allowed in the cache")
            if dataclasses.is_dataclass(cls) and names != _init_fields(cls):
                raise CacheError(f"{name} has other fields now")
            positional = dataclasses.is_dataclass(cls) and not any(f.kw_only for f in dataclasses.fields(cls) if f.init)
            self._built.append((cls, names, positional))
        self._shared: list = []
        self._deferred = 0
        self._iris: dict[str, URIRef] = {}        # one object per IRI, as a parsed graph has
        return self._dec(doc["root"])

    def _dec(self, x):
        if type(x) is list:
            return self._TAGS[x[0]](self, x)
        return x

    def _items(self, x: list):
        dec = self._dec
        return [dec(v) if type(v) is list else v for v in islice(x, 1, None)]

    def _tuple(self, x):
        return tuple(self._items(x))

    def _dict(self, x):
        items = self._items(x)
        out = dict(zip(items[::2], items[1::2]))
        self._shared.append(out)
        return out

    def _object(self, x):
        cls, names, positional = self._built[x[1]]
        dec, before = self._dec, self._deferred
        values = [(self._defer(v) if v[0] == "g" else dec(v)) if type(v) is list else v for v in islice(x, 2, None)]
        if len(values) != len(names):
            raise CacheError(f"{cls.__name__} stored with {len(values)} fields")
        if self._deferred == before:
            obj = cls(*values) if positional else cls(**dict(zip(names, values)))
        else:
            held = {n: v for n, v in zip(names, values) if type(v) is _Deferred}
            if getattr(cls, "__slots__", None):              # no instance dict to hold them back in: build now
                obj = cls(**{n: v.build() if type(v) is _Deferred else v for n, v in zip(names, values)})
            else:
                obj = _lazy_class(cls)(**dict(zip(names, values)))
                for n in held:
                    del obj.__dict__[n]
                obj.__dict__["_cache_pending"] = held
        self._shared.append(obj)
        return obj

    def _defer(self, x):
        self._deferred += 1
        return _Deferred(self._graph_builder(x))

    def _enum(self, x):
        cls = self._built[x[1]][0]
        if not issubclass(cls, enum.Enum):
            raise CacheError(f"{cls.__name__} is not an enum")
        return cls(self._dec(x[2]))

    def _literal(self, x):
        return Literal(x[1], datatype=URIRef(x[2]) if x[2] is not None else None, lang=x[3])

    def _graph_builder(self, x):
        """Check a stored graph's shape now; return what builds it (in a field: when the field is first read)."""
        terms, flat = x[1], x[2]
        if type(terms) is not list or any(type(t) is not list or t[0] not in _TERM_TAGS for t in terms):
            raise CacheError("a graph holds something other than RDF terms")
        if type(flat) is not list or len(flat) % 3 or any(type(i) is not int for i in flat):
            raise CacheError("a graph's triples are malformed")
        if flat and not 0 <= min(flat) <= max(flat) < len(terms):
            raise CacheError("a graph's triples point outside its terms")
        dec = self._dec

        def build() -> Graph:
            decoded = [dec(t) for t in terms]
            g = Graph(bind_namespaces="none")
            it = iter(flat)
            g.addN((decoded[s], decoded[p], decoded[o], g) for s, p, o in zip(it, it, it))
            return g

        return build

    def _iri(self, x):
        iri = self._iris.get(x[1])
        if iri is None:
            iri = self._iris[x[1]] = URIRef(x[1])
        return iri

    _TAGS = {
        "t": _tuple,
        "l": lambda self, x: self._items(x),
        "f": lambda self, x: frozenset(self._items(x)),
        "s": lambda self, x: set(self._items(x)),
        "d": _dict,
        "r": lambda self, x: self._shared[x[1]],
        "o": _object,
        "e": _enum,
        "U": _iri,
        "B": lambda self, x: BNode(x[1]),
        "L": _literal,
        "D": lambda self, x: date.fromisoformat(x[1]),
        "T": lambda self, x: datetime.fromisoformat(x[1]),
        "N": lambda self, x: Decimal(x[1]),
        "g": lambda self, x: self._graph_builder(x)(),
    }
