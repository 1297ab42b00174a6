"""The fast path must never change an answer.

The engine remembers requirement results (also on disk) and report entries, keyed by the facts they depend on.
A warm engine, full of other services' results, must give the same report, byte for byte, as an engine that
remembers nothing and runs pyshacl on every check; and a report must not depend on which process built the
knowledge base.
"""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from aiduty import Engine
from aiduty.description import parse_description
from aiduty.engine import RequirementResult
from aiduty.memo import Memo, ResultStore
from test_properties import descriptions

REPO = Path(__file__).resolve().parents[1]
DAYS = st.sampled_from([date(2025, 6, 1), date(2025, 10, 1), date(2026, 3, 1), date(2026, 7, 20), date(2026, 11, 22)])


@pytest.fixture(scope="module")
def forgetful(kb):
    return Engine(kb, memo=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(descriptions, min_size=2, max_size=4), DAYS, st.sampled_from(["en", "zh"]), st.booleans())
def test_a_warm_engine_answers_exactly_as_one_that_remembers_nothing(engine, forgetful, batch, day, lang, include_all):
    for data in batch:                       # the shared engine sees several services in a row
        desc = parse_description(data)
        warm = engine.check(desc, as_of=day, lang=lang, include_all=include_all)
        cold = forgetful.check(desc, as_of=day, lang=lang, include_all=include_all)
        assert warm.json_bytes() == cold.json_bytes()
        assert warm.json_bytes() == warm.model_dump_json(exclude_none=True).encode()


def test_report_entries_are_immutable(engine):
    report = engine.check(REPO / "data" / "services" / "dreamy-canvas.yaml", as_of="2026-11-22")
    entry = report.duties[0]
    with pytest.raises(ValidationError):
        entry.status = "met"
    assert isinstance(entry.findings, tuple) and isinstance(entry.applies_because, tuple)


def test_saved_results_spare_pyshacl_in_the_next_process(kb, tmp_path, monkeypatch):
    monkeypatch.setenv("AIDUTY_CACHE_DIR", str(tmp_path))
    example = REPO / "data" / "services" / "dreamy-canvas.yaml"
    first = Engine(kb)
    expected = first.check(example, as_of="2026-11-22").json_bytes()
    first.save()
    saved = list(tmp_path.glob("results-*.cache"))
    assert len(saved) == 1 and kb.content_hash[:32] in saved[0].name

    second = Engine(kb)
    monkeypatch.setattr(Engine, "_validate", lambda *a: pytest.fail("pyshacl ran although the results were saved"))
    assert second.check(example, as_of="2026-11-22").json_bytes() == expected


def test_a_check_from_saved_results_never_builds_the_shapes_graph(tmp_path, monkeypatch):
    """The cached knowledge base parses its shapes graph only when pyshacl needs it: not on the usual cold check."""
    from aiduty.kb import load

    monkeypatch.setenv("AIDUTY_CACHE_DIR", str(tmp_path))
    example = REPO / "data" / "services" / "dreamy-canvas.yaml"
    first = Engine(load.__wrapped__())
    expected = first.check(example, as_of="2026-11-22").json_bytes()
    first.save()
    kb = load.__wrapped__()                 # from the cache
    assert Engine(kb).check(example, as_of="2026-11-22").json_bytes() == expected
    assert "shapes" not in kb.__dict__
    assert len(kb.shapes) > 0 and "shapes" in kb.__dict__         # built on first use


def test_only_the_newest_results_are_saved(kb, tmp_path, monkeypatch):
    monkeypatch.setattr(ResultStore, "SAVED", 3)
    store = ResultStore(tmp_path, kb.content_hash, 10)
    results = {("duty", ((k,),)): RequirementResult(((None, {"en": str(k)}),), (), ()) for k in range(5)}
    for key, value in results.items():
        store.put(key, value)
    store.save()
    assert dict(ResultStore(tmp_path, kb.content_hash, 10)) == dict(list(results.items())[2:])


def test_a_results_entry_holding_anything_else_is_ignored(kb, tmp_path):
    store = ResultStore(tmp_path, kb.content_hash, 10)
    store.put(("duty", ()), "not a result")
    store.save()
    assert store.path.exists() and len(ResultStore(tmp_path, kb.content_hash, 10)) == 0


def test_a_damaged_results_file_is_ignored(kb, tmp_path):
    store = ResultStore(tmp_path, kb.content_hash, 10)
    store.path.write_bytes(b"not an entry")
    assert len(ResultStore(tmp_path, kb.content_hash, 10)) == 0


def test_memo_forgets_the_oldest_and_size_zero_remembers_nothing():
    memo = Memo(2)
    for k in "abc":
        memo.put(k, k.upper())
    assert list(memo) == ["b", "c"]
    nothing = Memo(0)
    nothing.put("a", 1)
    assert not nothing


def test_every_build_of_the_knowledge_base_gives_the_same_report(tmp_path):
    """rdflib iterates in hash order, which Python randomises per process: reports must not show it."""
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "AIDUTY_CACHE_DIR": str(tmp_path / seed)}   # a fresh build each
        run = subprocess.run([sys.executable, "-m", "aiduty", "check", str(REPO / "data" / "services" / "dreamy-canvas.yaml"),
                              "--as-of", "2026-11-22", "--format", "json", "--all"], capture_output=True, env=env)
        assert run.returncode == 1, run.stderr
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1]
