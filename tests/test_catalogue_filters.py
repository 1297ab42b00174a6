"""The catalogue for legal teams: --status, the fine column, roles, diff --role and penalty changes, word search,
sources in show, and CSV / Excel for every list."""

import csv
import io
import json
from datetime import date

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from aiduty.api import Settings, create_app
from aiduty.catalogue import duty_status, in_force
from aiduty.cli import app

runner = CliRunner()


def cli(*args):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def ids(*args):
    return {d["id"] for d in json.loads(cli("obligations", *args, "--format", "json"))}


# ------------------------------------------------------------------------------------------------ --status


def test_status_filters(kb):
    drafts = ids("--status", "draft")
    assert drafts == {d.id for d in kb.duties.values() if d.instrument_status == "draft"} and drafts
    upcoming = ids("--status", "upcoming", "--as-of", "2026-05-01")       # ANTHRO-2026: published 10 Apr, in force 15 Jul
    assert "anthro-2026-emergency-contacts" in upcoming
    assert "anthro-2026-emergency-contacts" in ids("--status", "in-force", "--as-of", "2026-07-15")
    assert "anthro-2026-emergency-contacts" not in ids("--status", "in-force", "--as-of", "2026-05-01")
    lapsed = ids("--status", "lapsed", "--as-of", "2026-01-01")
    assert "csl-2017-art21-log-retention" in lapsed and "csl-2017-art21-log-retention" not in ids("--status", "lapsed", "--as-of", "2025-12-31")
    assert not drafts & (upcoming | lapsed)
    bad = runner.invoke(app, ["obligations", "--status", "repealed"])
    assert bad.exit_code == 2


def test_status_uses_the_engines_temporal_test(kb, engine):
    """One in-force test: the catalogue's statuses agree with the engine's own, duty by duty, day by day."""
    mapping = {"in_force": "in-force", "upcoming": "upcoming", "lapsed": "lapsed", None: None}
    for day in (date(2023, 1, 1), date(2025, 9, 1), date(2025, 12, 31), date(2026, 1, 1), date(2026, 7, 15)):
        for d in kb.duties.values():
            state = engine._temporal_state(d, day)
            status = duty_status(d, kb, day)
            assert status == ("draft" if d.instrument_status == "draft" and state == "upcoming" else mapping[state]), (d.id, day)
            assert in_force(d, kb, day) == (state == "in_force")


# ------------------------------------------------------------------------------------------------ fines


def test_fine_column():
    text = cli("obligations", "--instrument", "CSL-2026", "--as-of", "2026-01-01")
    assert "fine" in text.splitlines()[2] and "¥500,000 (up to" in text
    rows = list(csv.DictReader(io.StringIO(cli("obligations", "--instrument", "CSL-2026", "--format", "csv"))))
    log = next(r for r in rows if r["id"] == "csl-2026-art23-log-retention")
    assert (log["ordinary_fine_cny"], log["max_fine_cny"]) == ("500000", "10000000")
    assert log["fine"] == "¥500,000 (up to ¥10,000,000)"
    zh = list(csv.DictReader(io.StringIO(cli("obligations", "--instrument", "CSL-2026", "--format", "csv", "--lang", "zh"))))
    assert next(r for r in zh if r["id"] == "csl-2026-art23-log-retention")["fine"] == "500,000元（最高10,000,000元）"


# ------------------------------------------------------------------------------------------------ roles


def test_roles(kb):
    data = json.loads(cli("roles", "--format", "json"))
    assert {r["id"] for r in data} == set(kb.roles)
    algo = next(r for r in data if r["id"] == "algorithm-recommendation-provider")
    assert algo["broader"] == ["network-operator"]
    assert algo["definition"]["en"] and algo["derived_when"]["zh"] and algo["duties"] > 0
    text = cli("roles")
    assert "derived when:" in text and "broader: network-operator" in text
    rows = list(csv.DictReader(io.StringIO(cli("roles", "--format", "csv"))))
    assert len(rows) == len(kb.roles) and set(rows[0]) == {"id", "label", "broader", "definition", "derived_when", "duties"}


# ------------------------------------------------------------------------------------------------ diff


def test_diff_by_role_and_penalty_changes():
    everyone = json.loads(cli("diff", "--from", "2025-08-31", "--to", "2025-09-01", "--format", "json"))
    stores = json.loads(cli("diff", "--from", "2025-08-31", "--to", "2025-09-01", "--role", "app-distribution-platform", "--format", "json"))
    came = {d["id"] for d in stores["came_into_force"]}
    assert "label-2025-art7-app-review-labelling" in came
    assert "label-2025-art5-implicit-metadata" not in came
    assert "label-2025-art5-implicit-metadata" in {d["id"] for d in everyone["came_into_force"]}
    assert runner.invoke(app, ["diff", "--from", "2025-08-31", "--to", "2025-09-01", "--role", "wizard"]).exit_code == 2

    csl = json.loads(cli("diff", "--from", "2025-12-31", "--to", "2026-01-01", "--format", "json"))
    changed = {p["to"]: p for p in csl["penalty_changed"]}
    log = changed["csl-2026-art23-log-retention"]
    assert log["before"]["max_fine_cny"] is None and log["after"]["max_fine_cny"] == 10_000_000
    assert [c["en"] for c in log["after"]["citations"]] == ["CSL-2026 Art. 61(1)", "CSL-2026 Art. 61(3)"]
    assert "csl-2026-art26-real-name" not in changed            # renumbered, no penalty either side: no penalty change
    text = cli("diff", "--from", "2025-12-31", "--to", "2026-01-01")
    assert "Penalty changed (" in text and "no fine recorded [CSL-2017 Art. 59(1)] → ¥500,000 (up to ¥10,000,000)" in text


# ------------------------------------------------------------------------------------------------ word search


def test_search_is_by_whole_words():
    assert "label-2025-art5-implicit-metadata" in ids("--search", "IMPLICIT Label")
    assert ids("--search", "implic") == set()                    # a fragment is not a word
    assert ids("--search", "implicit zzzunheard") == set()       # every word must match
    both = ids("--search", "implicit metadata")
    assert both == ids("--search", "implicit") & ids("--search", "metadata") and both
    zh = ids("--search", "隐式")                                  # Chinese: as written, inside the text
    assert "label-2025-art5-implicit-metadata" in zh
    assert ids("--search", "隐式 metadata") == zh & ids("--search", "metadata")
    assert "label-2025-art5-implicit-metadata" in ids("--search", "LABEL-2025")


# ------------------------------------------------------------------------------------------------ show


def test_show_lists_the_instruments_sources(kb):
    card = json.loads(cli("show", "label-2025-art5-implicit-metadata", "--format", "json"))
    assert card["sources"] == list(kb.instruments["LABEL-2025"].sources) and card["sources"]
    text = cli("show", "label-2025-art5-implicit-metadata")
    assert "Sources:" in text and all(s in text for s in card["sources"])


# ------------------------------------------------------------------------------------------------ CSV and Excel


LISTS = [
    (("obligations", "--instrument", "LABEL-2025"), ("obligations", "--instrument", "LABEL-2025"), "id"),
    (("instruments",), ("instruments",), "code"),
    (("roles",), ("roles",), "id"),
    (("campaigns", "--as-of", "2026-05-01"), ("campaigns", "--as-of", "2026-05-01"), "campaign"),
    (("diff", "--from", "2025-12-31", "--to", "2026-01-01"), ("diff", "--from", "2025-12-31", "--to", "2026-01-01"), "change"),
]


def _count(command: str, data) -> int:
    if command == "campaigns":
        return sum(max(1, len(c["targets"])) for c in data)
    if command == "diff":
        return len(data["came_into_force"]) + len(data["lapsed"]) + len(data["changed_citation"])
    return len(data)


@pytest.mark.parametrize("args, json_args, first", LISTS, ids=[a[0][0] for a in LISTS])
def test_csv_and_xlsx_for_every_list(args, json_args, first, tmp_path):
    data = json.loads(cli(*json_args, "--format", "json"))
    rows = list(csv.reader(io.StringIO(cli(*args, "--format", "csv"))))
    assert rows[0][0] == first and len(rows) - 1 == _count(args[0], data) > 0
    target = tmp_path / "list.xlsx"
    cli(*args, "--format", "xlsx", "-o", str(target))
    sheet = load_workbook(target).active
    values = [[("" if c is None else str(c)) for c in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0] == rows[0] and len(values) == len(rows)
    assert values[1] == rows[1]                                   # the same cells as the CSV


def test_xlsx_keeps_text_that_looks_like_a_formula(tmp_path):
    from aiduty.tables import to_xlsx

    target = tmp_path / "f.xlsx"
    target.write_bytes(to_xlsx(["a", "b"], [["=1+1", 3]], "t"))
    cell = load_workbook(target).active["A2"]
    assert cell.value == "=1+1" and cell.data_type == "s"


# ------------------------------------------------------------------------------------------------ HTTP


def test_http_status_and_word_search(kb):
    with TestClient(create_app(Settings(workers=1))) as client:
        drafts = client.get("/v1/obligations", params={"status": "draft"}).json()
        assert {d["id"] for d in drafts} == {d.id for d in kb.duties.values() if d.instrument_status == "draft"}
        upcoming = client.get("/v1/obligations", params={"status": "upcoming", "as_of": "2026-05-01"}).json()
        assert "anthro-2026-emergency-contacts" in {d["id"] for d in upcoming}
        assert client.get("/v1/obligations", params={"search": "implic"}).json() == []
        assert client.get("/v1/obligations", params={"status": "repealed"}).status_code == 422
