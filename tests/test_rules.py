"""Compiled rule files: golden files for every example contract, byte-identical
rebuilds, the committed JSON Schema, and what the runtime's loader refuses.

SLALANG_REGEN=1 rewrites tests/golden/rules/ and schema/rules-v4.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from slalang.build import build_one
from slalang.ruleschema import SCHEMA_ID, RulesError, checksum_of, json_schema_text
from slalang.runtime import load_rules, loads_rules

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "rules"
SCHEMA_FILE = ROOT / "schema" / "rules-v4.json"
CONTRACTS = sorted((ROOT / "contracts").glob("*.sla"))
REGEN = os.environ.get("SLALANG_REGEN") == "1"


def _build(path: Path) -> dict[str, bytes]:
    outcome = build_one(str(path), frozenset({"rules"}))
    assert outcome.error is None and outcome.files, (outcome.error, [str(d) for d in outcome.diagnostics])
    return outcome.files


@pytest.fixture(scope="module")
def built() -> dict[Path, dict[str, bytes]]:
    return {p: _build(p) for p in CONTRACTS}


def test_there_are_examples():
    assert len(CONTRACTS) >= 3


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.stem)
def test_golden_rule_files(path, built):
    files = built[path]
    assert sorted(n.rsplit(".", 2)[1:] for n in files) == [["rules", "json"], ["rules", "yaml"]]
    for name, data in files.items():
        golden = GOLDEN / name
        if REGEN:
            GOLDEN.mkdir(parents=True, exist_ok=True)
            golden.write_bytes(data)
        assert golden.exists(), f"no golden file {golden}; run with SLALANG_REGEN=1"
        assert data.decode() == golden.read_text(encoding="utf-8"), f"{name} changed; review, then SLALANG_REGEN=1"


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.stem)
def test_two_builds_are_byte_identical(path, built):
    again = _build(path)
    assert again == built[path]


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.stem)
def test_json_and_yaml_are_the_same_document(path, built):
    files = built[path]
    j = next(v for k, v in files.items() if k.endswith(".json"))
    y = next(v for k, v in files.items() if k.endswith(".yaml"))
    assert json.loads(j) == yaml.safe_load(y)
    assert loads_rules(j) == loads_rules(y)


def test_committed_schema_is_current():
    text = json_schema_text()
    if REGEN:
        SCHEMA_FILE.write_text(text, encoding="utf-8")
    assert SCHEMA_FILE.read_text(encoding="utf-8") == text, (
        "schema/rules-v4.json is stale: run `python3 -m slalang schema > schema/rules-v4.json`"
    )


def test_schema_command_prints_the_schema():
    out = subprocess.run([sys.executable, "-m", "slalang", "schema"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout == SCHEMA_FILE.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.stem)
def test_every_example_validates_against_the_committed_schema(path, built):
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    doc = json.loads(next(v for k, v in built[path].items() if k.endswith(".json")))
    validator.validate(doc)
    # …and the schema is not vacuous: a wrong type or an unknown field fails.
    bad = dict(doc, timezone=8)
    assert list(validator.iter_errors(bad))
    bad = dict(doc, extra_field=1)
    assert list(validator.iter_errors(bad))
    bad = json.loads(json.dumps(doc))
    bad["targets"][0]["seconds"] = "900"
    assert list(validator.iter_errors(bad))


def _itops(built) -> dict:
    path = next(p for p in CONTRACTS if p.stem == "itops")
    return json.loads(built[path]["example-itops.rules.json"])


def test_cn_breaks_include_their_weekend_days(built):
    """A calendar that works Saturdays must not work the Saturday inside the
    Spring Festival break (Feb 15–23, 2026), which the holidays package does
    not list; make-up days work the hours of the weekday they pay for."""
    path = next(p for p in CONTRACTS if p.stem == "logistics")
    doc = json.loads(built[path]["example-logistics.rules.json"])
    ops = next(c for c in doc["calendars"] if c["name"] == "ops")
    off = {h["date"] for h in ops["holidays"]}
    assert {"2026-02-15", "2026-02-21", "2026-02-22", "2026-10-04"} <= off
    assert "2026-02-14" not in off and "2026-02-28" not in off  # make-up Saturdays work
    assert "2026-03-07" not in off  # an ordinary Saturday works
    work = {w["date"]: w["hours_of"] for w in ops["workdays"]}
    assert work["2026-02-28"] == "mon" and work["2026-10-10"] == "wed"


def test_itops_content(built):
    doc = _itops(built)
    assert doc["schema"] == SCHEMA_ID
    assert doc["contract"]["id"] == "example-itops" and doc["contract"]["version"] == "2.1.0"
    import hashlib

    from slalang.compiler import canonical_source, compile_file

    result = compile_file(ROOT / "contracts" / "itops.sla")
    canonical = canonical_source(result.source)
    assert doc["source_sha256"] == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert doc["checksum"] == checksum_of(doc)
    business = next(c for c in doc["calendars"] if c["name"] == "business")
    assert business["covers"] == {"start": "2026-01-01", "end": "2026-12-31"}
    assert business["holiday_sets"][0]["set"] == "cn"
    assert business["holiday_sets"][0]["source"].startswith("python-holidays ")
    holidays = {h["date"]: h for h in business["holidays"]}
    assert "2026-01-02" in holidays and holidays["2026-01-02"]["origin"] == "cn"
    assert holidays["2026-12-31"]["origin"] == "contract"  # `holiday 2026-12-31` in the contract
    workdays = {w["date"]: w for w in business["workdays"]}
    assert workdays["2026-01-04"] == {
        "date": "2026-01-04",
        "name": "make-up working day",
        "origin": "cn",
        "hours_of": "fri",
    }  # it pays for Fri 2026-01-02
    assert [h["date"] for h in business["holidays"]] == sorted(holidays)
    cell = next(
        t for t in doc["targets"] if (t["metric"], t["priority"], t["column"]) == ("response", "P2", "business")
    )
    assert cell == {
        "metric": "response",
        "priority": "P2",
        "column": "business",
        "clock": "business",
        "calendar": "business",
        "days": 0,
        "seconds": 7200,
        "strict": False,
        "when": None,
        "spelling": "2bh",
        "line": 65,
    }
    none = next(
        t for t in doc["targets"] if (t["metric"], t["priority"], t["column"]) == ("response", "P4", "off_hours")
    )
    assert none["clock"] == "none"
    ladder = next(ld for ld in doc["credit_ladders"] if ld["name"] == "response_delay")
    assert ladder["step"]["mode"] == "started" and ladder["step"]["every_seconds"] == 1800
    assert ladder["step"]["amount"]["percent"] == "5" and ladder["cap"]["percent"] == "30"
    assert [a["percent"] for a in doc["availability"]] == ["99.95", "99.9"]
    assert [w["level"] for w in doc["warnings"]] == ["yellow", "orange", "red"]
    assert [e["code"] for e in doc["exclusions"]] == ["force_majeure", "maintenance", "customer_caused"]
    mt = doc["exclusions"][1]
    assert (mt["notice_seconds"], mt["max_seconds"], mt["windows"]) == (
        259200,
        14400,
        [{"day": "sat", "start": "00:00", "end": "06:00"}],
    )
    assert doc["credit_policy"]["rounding"] == "half_up" and doc["credit_policy"]["quantum"] == "0.01"
    # Every rule carries its source line.
    for key in ("calendars", "targets", "availability", "warnings", "credit_ladders", "exclusions"):
        assert all(isinstance(x["line"], int) and x["line"] > 0 for x in doc[key]), key
    assert doc["updates"]["line"] > 0 and all(r["line"] > 0 for r in doc["updates"]["rules"])


# ------------------------------------------------------------------ the loader
def _bytes(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


def test_loader_accepts_its_own_output(built, tmp_path):
    doc = _itops(built)
    p = tmp_path / "x.rules.json"
    p.write_bytes(_bytes(doc))
    assert load_rules(p).contract.id == "example-itops"


def test_loader_refuses_a_tampered_file(built):
    doc = _itops(built)
    doc["targets"][0]["seconds"] = 9000  # someone "relaxes" P0
    with pytest.raises(RulesError) as e:
        loads_rules(_bytes(doc), "x.rules.json")
    assert e.value.kind == "checksum"
    assert "x.rules.json" in str(e.value) and "edited or damaged" in str(e.value)


def test_loader_refuses_an_unknown_schema_version(built):
    doc = _itops(built)
    doc["schema"] = "slalang.rules/v9"
    doc["checksum"] = checksum_of(doc)
    with pytest.raises(RulesError) as e:
        loads_rules(_bytes(doc))
    assert e.value.kind == "version" and "slalang.rules/v9" in str(e.value)


def test_loader_refuses_a_v3_file_with_rebuild_advice(built):
    # A v3 file (before duties, service targets, continuity and security) is never read.
    doc = _itops(built)
    doc["schema"] = "slalang.rules/v3"
    for key in ("duties", "service_targets", "continuity", "security"):
        del doc[key]
    doc["checksum"] = checksum_of(doc)
    with pytest.raises(RulesError) as e:
        loads_rules(_bytes(doc), "v3.rules.json")
    err = e.value
    assert err.kind == "version" and err.key == "rules.old_schema"
    assert "compiled by an older slalang (rules/v3)" in str(err) and "slalang build" in str(err)


def test_loader_refuses_a_v1_file_with_rebuild_advice(built):
    # A file of the old shape (before issue 10) is never read: its ladders have no products.
    doc = _itops(built)
    doc["schema"] = "slalang.rules/v1"
    doc["checksum"] = checksum_of(doc)
    with pytest.raises(RulesError) as e:
        loads_rules(_bytes(doc), "old.rules.json")
    err = e.value
    assert err.kind == "version" and err.key == "rules.old_schema"
    assert "compiled by an older slalang (rules/v1)" in str(err) and "slalang build" in str(err)
    assert "old.rules.json" in str(err)


@pytest.mark.parametrize(
    "data,words",
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "expected a JSON object"),  # YAML-parsed list
        (b'{"a": 1}', "no `schema` field"),
        (b"\xff\xfe", "not UTF-8"),
        (b"key: [unclosed", "neither JSON nor valid YAML"),
    ],
)
def test_loader_refuses_malformed_input(data, words):
    with pytest.raises(RulesError) as e:
        loads_rules(data)
    assert e.value.kind == "malformed" and words in str(e.value)


def test_loader_refuses_the_wrong_shape_even_with_a_matching_checksum(built):
    doc = _itops(built)
    doc["timezone"] = 8
    doc["checksum"] = checksum_of(doc)
    with pytest.raises(RulesError) as e:
        loads_rules(_bytes(doc))
    assert e.value.kind == "malformed" and "timezone" in str(e.value)


def test_loader_io_error(tmp_path):
    with pytest.raises(RulesError) as e:
        load_rules(tmp_path / "missing.rules.json")
    assert e.value.kind == "io"


def test_build_writes_rule_files(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "slalang", "build", "--rules", "contracts", "-o", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    for path in CONTRACTS:
        for name in _build(path):
            assert (tmp_path / name).read_bytes() == (GOLDEN / name).read_bytes()


@pytest.mark.parametrize(
    "change,words",
    [
        (lambda d: d.update(timezone="Mars/Olympus"), "not an IANA timezone"),
        (lambda d: d["targets"][0].update(calendar="nowhere", clock="business"), "calendar `nowhere`"),
        (lambda d: d["metrics"][0]["columns"][0].update(calendar="nowhere"), "calendar `nowhere`"),
        (lambda d: d["availability"][0].update(product="printing"), "`printing`"),
        # v2 consistency: what the compiler guarantees, checked for a hand-made file.
        (lambda d: d["credit_ladders"][-1].update(products=["printing"]), "pays for `printing`"),
        (lambda d: d["availability"][0].update(bucket_seconds=420, bucket_error_percent="5"), "divide a day"),
        (lambda d: d["availability"][0].update(bucket_seconds=300), "only one of bucket_seconds"),
        (
            lambda d: d["availability"][0].update(bucket_seconds=300, bucket_error_percent="5", counting="full_minute"),
            "no counting rule",
        ),
        (lambda d: d["credit_policy"].update(rounding=None), "no rounding rule"),
        (lambda d: d["credit_policy"].update(rounding_scope=None), "no rounding rule"),
        (lambda d: d["availability"].append(dict(d["availability"][0])), "two availability targets"),
        (
            lambda d: d["credit_policy"].update(
                claim={
                    "within": {"count": 10, "unit": "business_days", "spelling": "10bd"},
                    "opens": None,
                    "after": "month_end",
                    "calendar": "nowhere",
                    "line": 1,
                }
            ),
            "calendar `nowhere`",
        ),
        (lambda d: d["credit_ladders"][0]["step"]["amount"].update(base="charges"), "share of charges"),
    ],
)
def test_loader_refuses_dangling_references(built, change, words):
    doc = _itops(built)
    change(doc)
    doc["checksum"] = checksum_of(doc)
    with pytest.raises(RulesError) as e:
        loads_rules(_bytes(doc))
    assert e.value.kind == "malformed" and words in str(e.value)
