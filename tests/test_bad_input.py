"""Bad input: exit 2, one clear message naming the file, the field path and the problem; no traceback; the
other files' reports are not lost."""

import json

import pytest
from typer.testing import CliRunner

from aiduty.cli import app
from aiduty.description import DescriptionError, load_description

runner = CliRunner()

GOOD = "id: good-one\nname: Good One\nreach:\n  mainland_china_public: false\n  enterprise_internal_only: true\n"
CASES = {
    "malformed.yaml": ("id: x\nname: [unclosed\n", "(syntax)", "not valid YAML"),
    "malformed.json": ('{"id": "x", "name": }', "(syntax)", "not valid JSON"),
    "empty.yaml": ("   \n", "(file)", "is empty"),
    "list.yaml": ("- id: x\n- name: y\n", "(top level)", "expected a mapping"),
    "typo.yaml": ("id: x\nname: X\nreach:\n  mainland_china_publc: true\n", "reach.mainland_china_publc", "unknown field"),
    "wrong-type.yaml": ("id: x\nname: X\nreach:\n  minors: 'yes'\n", "reach.minors", "valid boolean"),
    "bad-enum.yaml": ("id: x\nname: X\ncapabilities:\n  generates: [text, hologram]\n", "capabilities.generates.1", "hologram"),
    "bad-id.yaml": ("id: Not_Valid\nname: X\n", "id", "pattern"),
    "missing-name.yaml": ("id: x\n", "name", "required field is missing"),
    "negative.yaml": ("id: x\nname: X\ncontrols:\n  log_retention_months: -1\n", "controls.log_retention_months", "greater than or equal"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_description_names_file_field_and_problem(tmp_path, name):
    text, field, problem = CASES[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DescriptionError) as err:
        load_description(path)
    assert err.value.field == field
    assert problem in err.value.problem
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert str(path) in result.stderr and field in result.stderr and "Traceback" not in result.output + result.stderr


CONTRADICTIONS = {   # stated facts against the implication table (ontology/implications.ttl): both fields named
    "reach:\n  under_14: true\n  minors: false\n": ("reach.under_14", "reach.minors"),
    "reach:\n  enterprise_internal_only: true\n  mainland_china_public: true\n": ("reach.enterprise_internal_only", "reach.mainland_china_public"),
    "reach:\n  enterprise_internal_only: true\ncapabilities:\n  via_api: true\n": ("reach.enterprise_internal_only", "capabilities.via_api"),
    "capabilities:\n  biometric_editing: true\n  sensitive_personal_information: false\n": ("capabilities.biometric_editing", "capabilities.sensitive_personal_information"),
    "capabilities:\n  generates: []\n  emotional_companion: true\n": ("capabilities.generates", "capabilities.emotional_companion"),
    # a chain: personal_information false rules out sensitive information, which biometric editing implies
    "capabilities:\n  biometric_editing: true\n  personal_information: false\n": ("capabilities.sensitive_personal_information", "capabilities.personal_information"),
}


@pytest.mark.parametrize("body", sorted(CONTRADICTIONS))
def test_contradicting_facts_are_bad_input(tmp_path, body):
    path = tmp_path / "contradiction.yaml"
    path.write_text("id: x\nname: X\n" + body, encoding="utf-8")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert str(path) in result.stderr and "Traceback" not in result.output + result.stderr
    for field in CONTRADICTIONS[body]:
        assert field in result.stderr, result.stderr
    facts = runner.invoke(app, ["facts", str(path)])
    assert facts.exit_code == 2 and CONTRADICTIONS[body][0] in facts.stderr


def test_binary_and_missing_files(tmp_path):
    binary = tmp_path / "blob.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    for path, problem in ((binary, "binary"), (tmp_path / "nope.yaml", "no such file")):
        result = runner.invoke(app, ["check", str(path)])
        assert result.exit_code == 2
        assert problem in result.stderr and str(path) in result.stderr


def test_one_bad_file_does_not_lose_the_others(tmp_path):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text("id: x\nname: X\ncontrols:\n  pipia: maybe\n", encoding="utf-8")
    result = runner.invoke(app, ["check", str(bad), str(good), "--format", "json"])
    assert result.exit_code == 2
    reports = json.loads(result.stdout)
    assert [r["service"]["id"] for r in reports] == ["good-one"]
    assert "controls.pipia" in result.stderr


def test_unsafe_json_ld_context_is_refused(tmp_path):
    path = tmp_path / "svc.jsonld"
    path.write_text(json.dumps({"@context": "http://127.0.0.1:9/ctx.jsonld", "@id": "urn:x", "@type": "aid:Service"}), encoding="utf-8")
    with pytest.raises(DescriptionError) as err:
        load_description(path)
    assert "remote JSON-LD contexts" in err.value.problem


def test_turtle_description_round_trips(tmp_path, kb):
    from aiduty.facts import build_facts

    source = tmp_path / "svc.yaml"
    source.write_text("id: rdf-user\nname: RDF User\ncapabilities:\n  generates: [text]\n  via_api: false\ncontrols:\n  log_retention_months: 6\n", encoding="utf-8")
    original = load_description(source)
    turtle = tmp_path / "svc.ttl"
    turtle.write_text(build_facts(original, kb).serialize("turtle"), encoding="utf-8")
    again = load_description(turtle)
    assert again == original


def test_batch_directory_and_jsonl_stream_with_a_summary(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    lines = [json.dumps({"id": f"svc-{i}", "name": f"S{i}", "reach": {"mainland_china_public": False}}) for i in range(3)]
    lines.insert(1, '{"id": "broken", "name": ')
    (tmp_path / "many.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for jobs in ("1", "2"):
        result = runner.invoke(app, ["check", str(tmp_path), "--format", "jsonl", "--jobs", jobs])
        assert result.exit_code == 2
        ids = [json.loads(line)["service"]["id"] for line in result.stdout.splitlines()]
        assert ids == ["good-one", "svc-0", "svc-1", "svc-2"]          # input order kept, bad line skipped
        assert "many.jsonl:2" in result.stderr and "4 checked, 0 with gaps, 1 bad input" in result.stderr
    array = runner.invoke(app, ["check", str(tmp_path / "many.jsonl"), "--format", "json"])
    assert [r["service"]["id"] for r in json.loads(array.stdout)] == ["svc-0", "svc-1", "svc-2"]


# ------------------------------------------------------------------------------------------ hostile input

import os
import subprocess
import sys
import time
import tracemalloc

from aiduty import render
from aiduty.description import MAX_BYTES, parse_description, parse_text

# A repeated section: YAML keeps the last one, so without the check the first (with its false answers) vanished.
REPEATED = ("id: repeated\nname: Repeated\nreach:\n  mainland_china_public: true\ncapabilities:\n  generates: [text]\n"
            "controls:\n  genai_filing: none\n  explicit_labels: []\n  implicit_metadata_labels: false\n"
            "controls:\n  genai_filing: filed\n")
# Nine levels of nine aliases (9^9 strings once expanded) in an enum field, 508 bytes.
BOMB = ("id: bomb\nname: Bomb\nx0: &a0 [text, text, text, text, text, text, text, text, text]\n"
        + "".join(f"x{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]\n"
                  for i in range(1, 9))
        + "capabilities:\n  generates: *a8\n")

HOSTILE = {
    "repeated.yaml": (REPEATED, "controls", "stated twice (lines 7 and 11)"),
    "repeated.json": ('{"id": "x", "name": "X",\n "reach": {"minors": true,\n  "minors": false}}', "reach.minors", "stated twice (lines 2 and 3)"),
    "repeated.jsonld": ('{"@context": {},\n "@id": "urn:a",\n "@id": "urn:b"}', "@id", "stated twice (lines 2 and 3)"),
    "bomb.yaml": (BOMB, "(syntax)", "aliases (*name) are not allowed"),
    "bad-date.yaml": ("id: x\nname: X\nlaunch_date: 2026-02-30\n", "launch_date", "2026-02-30"),
    "bad-date.ttl": ('@prefix aid: <https://w3id.org/aiduty/ns#> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n'
                     '<urn:s> a aid:Service ; aid:serviceId "x" ; aid:serviceName "X" ; aid:launchDate "2026-02-30"^^xsd:date .\n',
                     "launch_date", "2026-02-30"),
    "digits.json": ('{"id": "x", "name": "X", "reach": {"registered_users": ' + "9" * 5000 + "}}", "(syntax)", "too many digits"),
    "digits.yaml": ("id: x\nname: X\nreach:\n  registered_users: " + "9" * 5000 + "\n", "(syntax)", "too many digits"),
    "deep.json": ("[" * 100_000 + "]" * 100_000, "(syntax)", "nested too deeply"),
    "deep.yaml": ("[" * 100_000 + "]" * 100_000, "(syntax)", "nesting depth"),
    "deep.jsonld": ("[" * 100_000 + "]" * 100_000, "(syntax)", "nested too deeply"),
    "not-utf8.json": (b'{"id": "x", "name": "\xff\xfe"}', "(file)", "not UTF-8"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_is_refused_fast_with_exit_2(tmp_path, name, caplog):
    text, field, problem = HOSTILE[name]
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    started = time.perf_counter()
    with pytest.raises(DescriptionError) as err:
        load_description(path)
    assert not caplog.records                             # rdflib logged a traceback for an ill-typed date
    assert time.perf_counter() - started < 1.0          # the alias bomb ran past a minute and 2 GB
    assert err.value.field == field and problem in err.value.problem, err.value
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert field in result.stderr and "Traceback" not in result.output + result.stderr
    assert len(result.stderr) < 500


def test_a_repeated_section_no_longer_hides_gaps(tmp_path, engine):
    """Without the check, the second `controls:` replaced the first: 0 gaps instead of the missing labels."""
    import yaml

    last_wins = engine.check(parse_description(yaml.safe_load(REPEATED)))
    first_only = REPEATED.rsplit("controls:", 1)[0]
    assert engine.check(parse_text(first_only, "yaml")).summary.gap > last_wins.summary.gap


def test_yaml_dates_and_timestamps_still_load():
    desc = parse_text("id: x\nname: '2026-01-01'\nlaunch_date: 2026-06-01\n", "yaml")
    assert desc.launch_date.isoformat() == "2026-06-01" and desc.name == "2026-01-01"


def test_error_messages_quote_huge_values_briefly(tmp_path):
    value = tmp_path / "huge-value.yaml"
    value.write_text("id: x\nname: X\nreach:\n  minors: '" + "y" * 500_000 + "'\n", encoding="utf-8")
    key = tmp_path / "huge-key.json"
    key.write_text(json.dumps({"id": "x", "name": "X", "reach": {"k" * 500_000: 1}}), encoding="utf-8")
    for path in (value, key):
        with pytest.raises(DescriptionError) as err:
            load_description(path)
        assert len(str(err.value)) < len(str(path)) + 250 and ("..." in str(err.value) or "…" in str(err.value))


def _check_in_subprocess(path: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """`aiduty check PATH` bounded in time and memory (reading /dev/zero without a bound would take it all)."""
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    return subprocess.run([sys.executable, "-m", "aiduty", "check", path], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_and_devices_are_refused_without_reading(tmp_path):
    fifo = tmp_path / "x.yaml"
    os.mkfifo(fifo)                 # opening it for reading would wait forever for a writer
    for path, kind in ((str(fifo), "a FIFO"), ("/dev/zero", "a device")):
        run = _check_in_subprocess(path)
        assert run.returncode == 2 and f"is {kind}, not a regular file" in run.stderr, run.stderr
        started = time.perf_counter()
        with pytest.raises(DescriptionError) as err:
            load_description(path)
        assert time.perf_counter() - started < 1.0 and kind in err.value.problem


def test_file_larger_than_the_limit_is_refused(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"id: x\nname: X\ndescription: '" + b"a" * MAX_BYTES + b"'\n")
    with pytest.raises(DescriptionError) as err:
        load_description(path)
    assert "larger than" in err.value.problem


def test_json_lines_read_a_long_line_in_bounded_memory(tmp_path):
    path = tmp_path / "long.jsonl"
    with path.open("wb") as fh:
        fh.write(b'{"id": "a", "name": "A"}\n')
        fh.write(b'{"id": "b", "name": "' + b"b" * (20 * MAX_BYTES) + b'"}\n')
        fh.write(b'{"id": "c", "name": "C"}\n')
    from aiduty.untrusted import read_lines

    tracemalloc.start()
    try:
        lines = [(n, line if isinstance(line, bytes) else line.problem) for n, line in read_lines(path, MAX_BYTES)]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * MAX_BYTES                                  # the 20 MB line was never held whole
    assert [n for n, _ in lines] == [1, 2, 3]
    assert lines[1][1] == f"longer than {MAX_BYTES} bytes" and lines[2][1].startswith(b'{"id": "c"')


EVIL_NAME = "[link=https://127.0.0.1/x]click[/link] \x1b]8;;https://127.0.0.1/\x1b\\osc\x1b[31mred \u202eevil [/] [bold]"


def test_user_text_is_escaped_in_text_and_markdown(engine):
    desc = parse_description({"id": "evil", "name": EVIL_NAME, "reach": {"mainland_china_public": False}})
    report = engine.check(desc)
    plain = render.to_text(report, color=False)
    assert "[link=https://127.0.0.1/x]click[/link]" in plain and "[/] [bold]" in plain   # shown as text
    assert "\\x1b]8;;" in plain and "\\u202e" in plain                  # control and bidi characters as visible escapes
    for text in (plain, render.to_text(report, color=True)):
        assert "\x1b]8" not in text and "\u202e" not in text and "\x1b[31m" not in text   # no hyperlink, no colour change
    markdown = render.to_markdown(report)
    assert "\\[link=https://127\\.0\\.0\\.1/x\\]" in markdown and "\x1b" not in markdown and "\u202e" not in markdown


def test_stderr_messages_show_control_characters_as_escapes(tmp_path):
    path = tmp_path / "e\x1b[31mvil\u202e.yaml"
    path.write_text("id: x\nname: X\nreach:\n  \x85minors: true\n", encoding="utf-8")
    result = runner.invoke(app, ["check", str(path), str(tmp_path / "ok\x07.yaml")])
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr and "\x07" not in result.stderr
    assert "e\\x1b[31mvil\\u202e.yaml" in result.stderr and "ok\\x07.yaml" in result.stderr
