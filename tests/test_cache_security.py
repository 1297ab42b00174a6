"""The cache cannot be used against its owner (issue 12, item 1).

Real files in a temporary cache directory and, where the finding is about the CLI, the real CLI in a
subprocess: planted pickles are never run, forged or damaged entries are ignored and rebuilt, symlinks are not
followed, an unsafe directory is refused with one warning, and files are private whatever the umask.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import pickle
import shutil
import stat
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import BNode, Literal, URIRef

from aiduty import Engine, cache
from aiduty import kb as kbmod

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "data" / "services" / "dreamy-canvas.yaml"
AS_OF = "2026-11-22"                          # the README's
NOBODY = 65534
TIMEOUT = 120


def run_check(cache_dir: Path | None, *extra: str, env: dict | None = None, umask: int | None = None,
              files: tuple[Path, ...] = (EXAMPLE,)) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env or {})}
    if cache_dir is not None:
        env["AIDUTY_CACHE_DIR"] = str(cache_dir)
    return subprocess.run([sys.executable, "-m", "aiduty", "check", *map(str, files), "--as-of", AS_OF,
                           "--format", "json", *extra], capture_output=True, env=env, timeout=TIMEOUT,
                          preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> bytes:
    """The report from a fresh cache: what every run below must still print."""
    run = run_check(tmp_path_factory.mktemp("reference") / "cache")
    assert run.returncode == 1, run.stderr
    assert json.loads(run.stdout)["summary"]["gap"] == 13
    return run.stdout


@pytest.fixture()
def warm(tmp_path) -> Path:
    """A cache directory that one CLI run has filled: the names the code reads are the files in it."""
    directory = tmp_path / "cache"
    run = run_check(directory)
    assert run.returncode == 1, run.stderr
    assert {p.name.split("-")[0] for p in directory.glob("*.cache")} == {"kb", "results"}
    return directory


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.cache"))


def content(kb) -> str:
    return f"content {kb.content_hash}"


class Plant:
    """A pickle whose loading would create ``marker``."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


# ------------------------------------------------------------------------------------------------ pickles


def test_planted_pickles_never_run(warm, reference, tmp_path, kb):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(Plant(marker))
    control = tmp_path / "control"
    pickle.loads(pickle.dumps(Plant(control)))
    assert control.exists()                       # the payload does run code when unpickled

    old = kbmod.content_hash(kbmod.kb_files(), kbmod.data_root())[:32]
    names = [p.name for p in entries(warm)] + [   # every name the code reads, and the names the old code read
        f"kb-{old}-{kbmod.code_hash()[:12]}.pickle", f"kb-{old}.pickle",
        f"results-{old}-{kbmod.code_hash()[:12]}-pyshacl{_version('pyshacl')}.pickle", f"results-{old}.pickle"]
    for name in names:
        (warm / name).write_bytes(payload)
    run = run_check(warm)
    assert run.returncode == 1, run.stderr
    assert run.stdout == reference
    assert not marker.exists()
    assert run.stderr == b""                      # rebuilt silently

    for name in names:                            # batch workers load the same way
        (warm / name).write_bytes(payload)
    run = run_check(warm, "--jobs", "2", files=(EXAMPLE, REPO / "data" / "services" / "dreamy-canvas.yaml"))
    assert run.returncode == 1, run.stderr
    assert not marker.exists()

    (warm / cache.KEY_FILE).write_bytes(payload)  # the key is read as bytes, never loaded: the cache is off
    run = run_check(warm)
    assert run.returncode == 1 and run.stdout == reference
    assert run.stderr.count(b"\n") == 1 and b"cache key" in run.stderr
    assert not marker.exists()


def _version(dist: str) -> str:
    from importlib import metadata

    return metadata.version(dist)


# ------------------------------------------------------------------------------------------------ forgery


def _forge(entry: Path) -> bytes:
    """The results entry with every violation removed (valid format; the MAC is now the old one)."""
    header, _, payload = entry.read_bytes().partition(b"\n")
    doc = json.loads(payload)
    [(index, fields)] = [(i, f) for i, (name, f) in enumerate(doc["classes"]) if name.endswith(".RequirementResult")]
    at = 2 + fields.index("violations")
    removed = 0

    def strip(x):
        nonlocal removed
        if isinstance(x, list):
            if x[:2] == ["o", index]:
                removed += len(x[at]) - 1
                x[at] = ["t"]
            for item in x:
                strip(item)

    strip(doc["root"])
    assert removed > 0
    return header, json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def test_forged_results_do_not_hide_gaps(warm, reference, kb):
    [entry] = warm.glob("results-*.cache")
    header, forged = _forge(entry)
    key = cache.entry_key("results", content(kb))
    secret = (warm / cache.KEY_FILE).read_bytes()

    def mac(k: bytes) -> bytes:
        return hmac.new(k, key.encode() + b"\0" + forged, hashlib.sha256).hexdigest().encode()

    # with the owner's key the forgery would work: only the MAC stands in its way
    entry.write_bytes(cache.MAGIC + mac(secret) + b"\n" + forged)
    run = run_check(warm)
    assert (run.returncode, json.loads(run.stdout)["summary"]["gap"]) == (0, 0)

    for planted in (header + b"\n" + forged,                          # the old MAC
                    cache.MAGIC + mac(os.urandom(32)) + b"\n" + forged,  # another key
                    cache.MAGIC + b"\n" + forged,                        # no MAC
                    forged):                                             # no header
        entry.write_bytes(planted)
        run = run_check(warm)
        assert run.returncode == 1, run.stderr
        assert run.stdout == reference
        assert run.stderr == b""


def test_an_entry_moved_to_another_name_is_not_read(warm, kb):
    """The MAC covers the entry's full key: a results entry renamed to the knowledge base's name is refused."""
    [kb_entry], [results] = warm.glob("kb-*.cache"), warm.glob("results-*.cache")
    shutil.copy(results, kb_entry)
    key = cache.entry_key("kb", content(kb))
    assert cache.read(warm, kb_entry.name, key, kbmod._cached_classes(), kbmod.KnowledgeBase) is None


# ------------------------------------------------------------------------------------------------ damage


def _signed(directory: Path, key: str, payload: bytes) -> bytes:
    secret = (directory / cache.KEY_FILE).read_bytes()
    return cache.MAGIC + hmac.new(secret, key.encode() + b"\0" + payload, hashlib.sha256).hexdigest().encode() + b"\n" + payload


def test_damaged_or_wrong_entries_are_rebuilt_silently(warm, reference, kb):
    kb_entry = next(warm.glob("kb-*.cache"))
    results = next(warm.glob("results-*.cache"))
    kb_key, results_key = cache.entry_key("kb", content(kb)), cache.entry_key("results", content(kb))
    wrong_type = json.dumps({"format": cache.FORMAT, "classes": [], "root": ["l", 1, 2]}).encode()
    unknown_class = json.dumps({"format": cache.FORMAT, "classes": [["os.system", None]], "root": ["e", 0, "ls"]}).encode()
    other_fields = kb_entry.read_bytes().partition(b"\n")[2].replace(b'"content_hash"', b'"contents_hash"', 1)
    other_version = json.dumps({"format": cache.FORMAT + 1, "classes": [], "root": ["d"]}).encode()
    cases = {
        "garbage": (os.urandom(4096), os.urandom(4096)),
        "empty": (b"", b""),
        "truncated": (kb_entry.read_bytes()[:5000], results.read_bytes()[:500]),
        "bad JSON with a good MAC": (_signed(warm, kb_key, b"{not json"), _signed(warm, results_key, b"[[[")),
        "the wrong type with a good MAC": (_signed(warm, kb_key, wrong_type), _signed(warm, results_key, wrong_type)),
        "a class not allowed": (_signed(warm, kb_key, unknown_class), _signed(warm, results_key, unknown_class)),
        "other fields": (_signed(warm, kb_key, other_fields), _signed(warm, results_key, wrong_type)),
        "another format version": (_signed(warm, kb_key, other_version), _signed(warm, results_key, other_version)),
    }
    for what, (kb_bytes, results_bytes) in cases.items():
        kb_entry.write_bytes(kb_bytes)
        results.write_bytes(results_bytes)
        run = run_check(warm)
        assert (run.returncode, run.stderr) == (1, b""), what
        assert run.stdout == reference, what
        rebuilt = cache.read(warm, kb_entry.name, kb_key, kbmod._cached_classes(), kbmod.KnowledgeBase)
        assert rebuilt is not None and rebuilt.content_hash == kb.content_hash, what


# ------------------------------------------------------------------------------------------------ symlinks


def test_symlinks_in_the_cache_dir_are_not_followed(tmp_path, kb, monkeypatch):
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o700)
    monkeypatch.setenv("AIDUTY_CACHE_DIR", str(directory))
    victim = tmp_path / "victim"
    victim.write_text("precious")
    kb_key, results_key = cache.entry_key("kb", content(kb)), cache.entry_key("results", content(kb))
    kb_name = cache.entry_name("kb", kb_key, kb.content_hash[:32])
    results_name = cache.entry_name("results", results_key, kb.content_hash[:32])
    pid = os.getpid()
    planted = [kb_name, results_name, f"{Path(kb_name).stem}.{pid}.tmp", f"{Path(results_name).stem}.{pid}.tmp",
               f"kb-{kb.content_hash[:32]}-{kbmod.code_hash()[:12]}.{pid}.tmp", ".tmp-x.cache", f"{kb_name}.tmp"]
    for name in planted:
        (directory / name).symlink_to(victim)

    built = kbmod.load.__wrapped__()              # a fresh load that writes the cache (not the session's)
    engine = Engine(built)
    engine.check(EXAMPLE, as_of=AS_OF)
    engine.save()

    assert victim.read_text() == "precious"
    for name in (kb_name, results_name):          # the links were replaced, not written through
        st = os.lstat(directory / name)
        assert stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600
    assert cache.read(directory, kb_name, kb_key, kbmod._cached_classes(), kbmod.KnowledgeBase) is not None
    left = {p.name for p in directory.iterdir()} - set(planted) - {kb_name, results_name, cache.KEY_FILE}
    assert not left                               # no temporary file left behind


def test_a_symlinked_key_is_refused(tmp_path, reference):
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o700)
    victim = tmp_path / "victim"
    victim.write_bytes(b"k" * cache.KEY_BYTES)
    (directory / cache.KEY_FILE).symlink_to(victim)
    run = run_check(directory)
    assert run.returncode == 1 and run.stdout == reference
    assert run.stderr.count(b"\n") == 1 and b"cache key" in run.stderr
    assert victim.read_bytes() == b"k" * cache.KEY_BYTES
    assert not entries(directory)


# ------------------------------------------------------------------------------------------------ the directory


@pytest.mark.parametrize("unsafe", ["group-writable", "world-writable", "another owner", "another owner's link"])
def test_an_unsafe_directory_is_refused_and_the_check_still_works(tmp_path, reference, unsafe):
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o700)
    if unsafe == "group-writable":
        directory.chmod(0o770)
    elif unsafe == "world-writable":
        directory.chmod(0o1777)
    elif unsafe == "another owner":
        os.chown(directory, NOBODY, NOBODY)
    else:
        real, directory = directory, tmp_path / "link"
        directory.symlink_to(real)
        os.lchown(directory, NOBODY, NOBODY)
    run = run_check(directory)
    assert run.returncode == 1
    assert run.stdout == reference
    warning = run.stderr.decode()
    assert warning.count("\n") == 1 and warning.startswith("aiduty: cache directory") and "without the cache" in warning
    assert not list(directory.iterdir())          # nothing written, nothing read


def test_a_new_directory_and_its_files_are_private_under_umask_002(tmp_path, reference):
    directory = tmp_path / "shared" / "aiduty"
    run = run_check(directory, umask=0o002)
    assert run.returncode == 1 and run.stdout == reference and run.stderr == b""
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    files = list(directory.iterdir())
    assert {p.name.split("-")[0] for p in files} == {"hmac", "kb", "results"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_xdg_cache_home_is_honoured(tmp_path, reference):
    env = {k: v for k, v in os.environ.items() if k != "AIDUTY_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    run = subprocess.run([sys.executable, "-m", "aiduty", "check", str(EXAMPLE), "--as-of", AS_OF, "--format", "json"],
                         capture_output=True, env=env, timeout=TIMEOUT)
    assert run.returncode == 1 and run.stdout == reference
    assert list((tmp_path / "xdg" / "aiduty").glob("kb-*.cache"))


# ------------------------------------------------------------------------------------------------ format


def test_the_knowledge_base_round_trips_field_by_field(kb, tmp_path, monkeypatch):
    """Generic over dataclasses.fields: a field someone adds to Duty, Campaign or Role round-trips as it is."""
    monkeypatch.setenv("AIDUTY_CACHE_DIR", str(tmp_path / "cache"))
    built = kbmod.load.__wrapped__()
    again = kbmod.load.__wrapped__()              # from the cache
    assert "shapes" not in again.__dict__         # not built until pyshacl needs it
    for field in dataclasses.fields(kbmod.KnowledgeBase):
        if field.name != "shapes":
            assert getattr(again, field.name) == getattr(built, field.name), field.name
    assert set(again.shapes) == set(built.shapes)
    assert again.roles_by_class[next(iter(again.roles_by_class))] in again.roles.values()
    role = next(iter(again.roles_by_class.values()))
    assert any(r is role for r in again.roles.values())       # shared objects stay shared


def test_every_supported_type_and_a_new_field_round_trip():
    from aiduty.conditions import Truth

    @dataclasses.dataclass(frozen=True)
    class Probe:
        when: date
        at: datetime
        amount: Decimal
        iri: URIRef
        node: BNode
        typed: Literal
        tagged: Literal
        items: tuple
        seq: list
        bag: frozenset
        table: dict
        truth: Truth
        nothing: None = None
        added_later: tuple[str, ...] = ("new",)

    value = Probe(date(2026, 2, 28), datetime(2026, 1, 1, 12, 30), Decimal("1.50"), URIRef("https://example.org/x"),
                  BNode("b0"), Literal("2026-09-01", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date")), Literal("标识", lang="zh"),
                  (1, "a", True, None, 2.5), [1, [2]], frozenset({"x", ("y", 1)}), {URIRef("https://example.org/k"): {1: "v"}, (1, 2): "t"},
                  Truth.UNKNOWN)
    codec = cache.Codec([Probe, Truth])
    back = codec.loads(codec.dumps(value))
    assert back == value and type(back.typed.toPython()) is date
    assert codec.dumps(value) == cache.Codec([Probe, Truth]).dumps(back)          # the same bytes again
    with pytest.raises(cache.CacheError):
        cache.Codec([Truth]).loads(codec.dumps(value))                             # Probe not allowed
    with pytest.raises(cache.CacheError):
        cache.Codec([]).dumps(object())


def test_the_cache_key_covers_every_module_of_the_package(tmp_path):
    package = tmp_path / "aiduty"
    shutil.copytree(Path(cache.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__", "data"))
    modules = sorted(package.rglob("*.py"))
    assert {p.name for p in modules} >= {"cli.py", "render.py", "report.py", "catalogue.py", "memo.py", "cache.py"}
    seen = {cache.code_digest.__wrapped__(package)}
    for module in modules:
        module.write_bytes(module.read_bytes() + b"\n# changed\n")
        seen.add(cache.code_digest.__wrapped__(package))
    assert len(seen) == len(modules) + 1
