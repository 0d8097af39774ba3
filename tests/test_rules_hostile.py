"""Hostile rule files (issue 14): each crash or hang the attack run found,
with the checksum recomputed (`checksum_of`) so that only the loader's
bounded reading and whole-file validation stand between it and the runtime.
Each is refused as `malformed` with the path of the bad value, in both
languages, never a traceback or exit 3; and every rule file the compiler
writes still loads. Last, poisoned caches in the user's cache folder change
no output."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from slalang.ruleschema import MAX_SECONDS, RulesError, checksum_of
from slalang.runtime import Rules, loads_rules
from slalang.runtime.loader import MAX_BYTES, MAX_DEPTH, MAX_DIGITS

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "tests" / "golden" / "rules"
DATA = ROOT / "tests" / "data"


def _doc(name: str = "example-itops") -> dict:
    return json.loads((RULES / f"{name}.rules.json").read_text(encoding="utf-8"))


def _sealed(doc: dict) -> bytes:
    doc = copy.deepcopy(doc)
    doc["checksum"] = checksum_of(doc)
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _refused(data: bytes) -> RulesError:
    started = time.perf_counter()
    with pytest.raises(RulesError) as info:
        loads_rules(data, "hostile.rules.json")
    assert time.perf_counter() - started < 5  # bounded: no hostile file makes the loader work for long
    err = info.value
    assert err.kind == "malformed", err
    assert err.key is not None
    _both_languages(err)
    return err


def _both_languages(err: RulesError) -> None:
    # The English of the catalogue is exactly the message; the Chinese differs (it is translated).
    from slalang.commands.eval import _problem_text

    assert _problem_text(err.key, err.fields, "en") == err.message, err.key
    assert _problem_text(err.key, err.fields, "zh") != err.message, err.key


def _ladder_with_step(doc: dict) -> dict:
    return next(ld for ld in doc["credit_ladders"] if ld["step"] is not None)


# ------------------------------------------------------------- the crashes the issue names
def test_every_seconds_zero_is_refused():
    doc = _doc()
    _ladder_with_step(doc)["step"]["every_seconds"] = 0
    err = _refused(_sealed(doc))
    assert "step.every_seconds" in err.message and "at least 1" in err.message


def test_a_progress_update_cadence_of_no_time_is_refused():
    # Found by the mutation test: `updates.rules[0].seconds: 0` divided by zero in the engine.
    doc = _doc("example-logistics")
    rule = doc["updates"]["rules"][0]
    rule["days"], rule["seconds"] = 0, 0
    err = _refused(_sealed(doc))
    assert "updates.rules[0]" in err.message and "no time at all" in err.message


@pytest.mark.parametrize("field", ["targets", "followup"])
def test_targets_and_followups_of_no_time_are_refused(field):
    doc = _doc("example-logistics")
    item = next(t for t in doc["targets"] if t["clock"] != "none") if field == "targets" else doc["followup"]
    item["days"], item["seconds"] = 0, 0
    assert "no time at all" in _refused(_sealed(doc)).message


def test_inverted_working_hours_are_refused():
    doc = _doc()
    hours = doc["calendars"][0]["hours"][0]
    hours["start"], hours["end"] = hours["end"], hours["start"]
    err = _refused(_sealed(doc))
    assert "calendars[0].hours[0]" in err.message and "do not end after they start" in err.message


def test_overlapping_or_unsorted_hours_are_refused():
    doc = _doc()
    cal = doc["calendars"][0]
    cal["hours"].insert(0, dict(cal["hours"][1]))
    assert "overlap or are out of order" in _refused(_sealed(doc)).message


def test_inverted_coverage_is_refused():
    doc = _doc()
    covers = doc["calendars"][0]["covers"]
    covers["start"], covers["end"] = covers["end"], covers["start"]
    err = _refused(_sealed(doc))
    assert "calendars[0].covers" in err.message and "before it starts" in err.message


def test_inverted_effective_period_is_refused():
    doc = _doc()
    doc["effective"]["start"], doc["effective"]["end"] = doc["effective"]["end"], doc["effective"]["start"]
    assert "effective" in _refused(_sealed(doc)).message


def test_a_holiday_outside_the_coverage_is_refused():
    doc = _doc()
    doc["calendars"][0]["holidays"].append({"date": "2199-01-01", "name": "x", "origin": "contract"})
    assert "outside the days the calendar covers" in _refused(_sealed(doc)).message


@pytest.mark.parametrize("where", ["tier", "cap", "policy_cap"])
def test_null_amounts_are_refused(where):
    doc = _doc()
    if where == "tier":
        amount = next(ld for ld in doc["credit_ladders"] if ld["tiers"])["tiers"][0]["amount"]
    elif where == "cap":
        amount = next(ld for ld in doc["credit_ladders"] if ld["cap"])["cap"]
    else:
        amount = doc["credit_policy"]["cap"]
    amount.update(percent=None, money=None, base=None, currency=None)
    assert "exactly one of `money` and `percent`" in _refused(_sealed(doc)).message


def test_a_61_digit_quantum_is_refused():
    doc = _doc()
    doc["credit_policy"]["quantum"] = "1" * 61
    assert "credit_policy.quantum" in _refused(_sealed(doc)).message


@pytest.mark.parametrize("quantum", ["0", "0.00", "3", "-0.01", "0." + "0" * 18 + "1", "1e2", "1" + "0" * 12])
def test_a_quantum_is_a_power_of_ten_within_range(quantum):
    doc = _doc()
    doc["credit_policy"]["quantum"] = quantum
    assert "credit_policy.quantum" in _refused(_sealed(doc)).message


def test_a_quantum_too_fine_for_the_amounts_is_refused():
    doc = _doc()
    doc["products"][0]["monthly_fee"] = "9" * 12 + ".00"
    doc["credit_policy"]["quantum"] = "0." + "0" * 17 + "1"  # 12 + 2 + 18 digits > 28
    err = _refused(_sealed(doc))
    assert err.key == "rules.quantum_too_fine"


def test_the_finest_quantum_a_contract_can_write_is_judged_exactly():
    # A contract's numbers have at most 20 characters: 0.000000000000000001 is the finest quantum.
    doc = _doc()
    doc["credit_policy"]["quantum"] = "0." + "0" * 17 + "1"
    rules = Rules(loads_rules(_sealed(doc)))
    from decimal import Decimal

    total = sum([Decimal("120000.123456789")] * 10_000, Decimal(0)) * 10**9
    assert rules.round(total) == total  # no InvalidOperation: a wide context


@pytest.mark.parametrize("money", ["9" * 16, "1." + "0" * 19, "1e3", "-5"])
def test_money_has_bounded_digits(money):
    doc = _doc()
    doc["products"][0]["monthly_fee"] = money
    assert "products[0].monthly_fee" in _refused(_sealed(doc)).message


@pytest.mark.parametrize("percent", ["100.01", "101", "-1", "1" * 40])
def test_percentages_lie_between_0_and_100(percent):
    doc = _doc()
    doc["availability"][0]["percent"] = percent
    assert "availability[0].percent" in _refused(_sealed(doc)).message


def test_duplicate_json_keys_are_refused():
    text = _sealed(_doc()).decode("utf-8")
    assert text.startswith("{")
    twice = '{"currency": "USD", ' + text[1:]  # the later `currency` would silently win
    err = _refused(twice.encode("utf-8"))
    assert err.key == "rules.duplicate_key" and err.fields["name"] == "currency"


def test_duplicate_yaml_keys_are_refused_naming_the_line(yaml_parser):
    yaml_text = (RULES / "example-itops.rules.yaml").read_text(encoding="utf-8")
    err = _refused(("currency: USD\n" + yaml_text).encode("utf-8"))
    assert err.key == "rules.duplicate_key" and err.fields["name"] == "currency"
    assert "(line " in err.message


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_deep_json_nesting_is_malformed_not_a_crash(depth):
    err = _refused(b'{"a": ' + b"[" * depth + b"]" * depth + b"}")
    assert err.key == "rules.too_deep"


@pytest.fixture(params=["libyaml", "pure-python"])
def yaml_parser(request, monkeypatch):
    """Each YAML case with libyaml's parser and with the pure-Python one (used where libyaml is not installed)."""
    import yaml

    from slalang.runtime import loader

    loader._yaml_loader.cache_clear()
    if request.param == "pure-python":
        monkeypatch.delattr(yaml, "CSafeLoader")
    yield request.param
    loader._yaml_loader.cache_clear()


def test_deep_yaml_nesting_is_malformed_not_a_crash(yaml_parser):
    assert _refused(b"a: " + b"[" * (MAX_DEPTH + 5) + b"]" * (MAX_DEPTH + 5)).key == "rules.too_deep"
    assert _refused(b"a: " + b"[" * 5000 + b"]" * 5000).key in ("rules.too_deep", "rules.bad_yaml")
    block = b"a:\n" + b"".join(b" " * i + b"- \n" for i in range(MAX_DEPTH + 5))
    assert _refused(block).key == "rules.too_deep"


BILLION_LAUGHS = b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + b"".join(
    b"%s: &%s [%s]\n" % (c.encode(), c.encode(), b",".join([b"*" + p.encode()] * 9))
    for p, c in zip("abcdefgh", "bcdefghi")
)


def test_billion_laughs_yaml_is_refused_at_the_first_anchor(yaml_parser):
    assert len(BILLION_LAUGHS) < 500  # the 449-byte file, give or take its spelling
    started = time.perf_counter()
    err = _refused(BILLION_LAUGHS)
    assert time.perf_counter() - started < 0.5
    assert err.key == "rules.yaml_alias"
    assert "line 1 column 4" in err.message and "may not contain YAML anchors or aliases (&, *)" in err.message


def test_yaml_merge_keys_are_refused(yaml_parser):
    assert _refused(b"a: {x: 1}\nb:\n  <<: {y: 2}\n").key == "rules.yaml_merge"


@pytest.mark.parametrize(
    "text", [b'{"a": NaN}', b'{"a": Infinity}', b'{"a": -Infinity}', b'{"a": 1e999}', b"a: .nan\n", b"a: -.inf\n"]
)
def test_non_finite_numbers_are_refused(text):
    assert _refused(text).key == "rules.not_finite"


@pytest.mark.parametrize("digits", [MAX_DIGITS + 1, 61, 4301, 100_000])
@pytest.mark.parametrize("form", ["json", "yaml"])
def test_integers_with_absurd_digit_counts_are_refused_before_arithmetic(digits, form, yaml_parser):
    number = b"9" * digits
    text = b'{"a": ' + number + b"}" if form == "json" else b"a: " + number + b"\n"
    assert _refused(text).key == "rules.too_many_digits"


@pytest.mark.parametrize(
    "text",
    [b"a: !!binary aGVsbG8=\n", b"a: !!set {x, y}\n", b"a: 2026-01-01 10:00:00\n", b"1: 2\n", b"a: 2026-02-30\n"],
)
def test_yaml_values_json_cannot_hold_are_refused(text, yaml_parser):
    assert _refused(text).key in ("rules.value_type", "rules.key_type", "rules.yaml_date")


def test_yaml_python_tags_are_refused(yaml_parser):
    with pytest.raises(RulesError) as info:
        loads_rules(b"a: !!python/object/apply:os.system ['echo hi']\n")
    assert info.value.kind == "malformed"


def test_rule_files_larger_than_the_limit_are_refused_unread():
    assert _refused(b" " * (MAX_BYTES + 1)).key == "rules.too_large"


def test_an_endless_file_is_read_no_further_than_the_limit():
    from slalang.runtime import load_rules

    with pytest.raises(RulesError) as info:
        load_rules("/dev/zero")
    assert info.value.key == "rules.too_large"


def test_large_yaml_is_refused_pointing_at_the_json(yaml_parser):
    from slalang.runtime.loader import MAX_YAML_BYTES

    err = _refused(b"a: b\n" + b"#" * (MAX_YAML_BYTES + 1))
    assert err.key == "rules.yaml_too_large" and ".rules.json" in err.message
    # the pure-Python parser reads an eighth of it (it is ~10 times slower)
    quarter = b"a: b\n" + b"#" * (MAX_YAML_BYTES // 4)
    assert _refused(quarter).key == ("rules.yaml_too_large" if yaml_parser == "pure-python" else "rules.no_schema")


def test_the_compiled_yaml_loads_with_either_parser(yaml_parser):
    for name in ("example-itops", "example-logistics", "example-medical"):
        yaml_rules = loads_rules((RULES / f"{name}.rules.yaml").read_bytes(), name)
        json_rules = loads_rules((RULES / f"{name}.rules.json").read_bytes(), name)
        assert yaml_rules == json_rules


@pytest.mark.parametrize("where", ["top", "calendar"])
def test_a_huge_timezone_name_is_refused(where):
    # Found by the mutation test: a 5,000-character name reached zoneinfo ("File name too long", exit 3).
    doc = _doc()
    if where == "top":
        doc["timezone"] = "x" * 5000
    else:
        doc["calendars"][0]["timezone"] = "Asia/" + "x" * 5000
    _refused(_sealed(doc))


@pytest.mark.parametrize("value", ["0", "1969-12-31T00:00:00", "1899-12-31", "2201-01-01", "2026-13-01", 0])
def test_dates_are_iso_days_in_the_years_read(value):
    doc = _doc()
    doc["effective"]["start"] = value
    assert "effective.start" in _refused(_sealed(doc)).message


def test_a_coverage_of_centuries_is_refused():
    doc = _doc()
    doc["calendars"][0]["covers"] = {"start": "1900-01-01", "end": "2199-12-31"}
    doc["calendars"][0]["holidays"] = []
    doc["calendars"][0]["workdays"] = []
    assert "spans more than" in _refused(_sealed(doc)).message


def test_calendars_covering_too_many_days_together_are_refused_in_both_languages():
    from slalang.commands.eval import _problem_text

    doc = _doc()
    cal = doc["calendars"][0]
    cal["covers"] = {"start": "1901-01-01", "end": "1999-12-31"}  # each within the span limit
    cal["holidays"], cal["workdays"] = [], []
    doc["calendars"] = [dict(cal, name=f"c{i}") for i in range(3)]
    doc["metrics"] = []
    err = _refused(_sealed(doc))
    shape = err.fields["problems"][0]
    assert shape.fields["reason"].key == "rules.reason.calendar_days"
    zh = _problem_text(err.key, err.fields, "zh")
    assert "各日历合计覆盖" in zh and "the calendars cover" not in zh


def test_too_many_digits_says_where_in_chinese(yaml_parser):
    from slalang.commands.eval import _problem_text

    for text in (b'{"a": ' + b"9" * (MAX_DIGITS + 1) + b"}", b"a: " + b"9" * (MAX_DIGITS + 1) + b"\n"):
        err = _refused(text)
        zh = _problem_text(err.key, err.fields, "zh")
        assert "a number" not in zh and "line" not in zh, zh


@pytest.mark.parametrize("value", [-1, MAX_SECONDS + 1, 10**20])
def test_seconds_are_bounded(value):
    doc = _doc()
    next(t for t in doc["targets"] if t["clock"] != "none")["seconds"] = value
    assert "targets[" in _refused(_sealed(doc)).message


@pytest.mark.parametrize("what", ["priorities", "products", "flags"])
def test_a_name_defined_twice_is_refused(what):
    doc = _doc("example-medical")
    if not doc[what]:  # no example has flags: the first corpus contract that does
        doc = next(d for _, d in _compiled_documents() if d[what])
    doc[what].append(copy.deepcopy(doc[what][0]))
    assert _refused(_sealed(doc)).key == "rules.name_twice"


def test_a_target_cell_written_twice_is_refused():
    doc = _doc()
    doc["targets"].append(copy.deepcopy(doc["targets"][0]))
    assert _refused(_sealed(doc)).key == "rules.name_twice"


def test_huge_lists_are_refused_before_the_runtime_expands_them():
    doc = _doc()
    doc["priorities"] = [{"name": f"P{i}", "rank": i, "title": {"en": "x"}} for i in range(1001)]
    assert "priorities" in _refused(_sealed(doc)).message


def test_the_shape_message_names_at_most_five_paths_in_both_languages():
    doc = _doc()
    for cal in doc["calendars"]:
        for h in cal["hours"]:
            h["start"], h["end"] = h["end"], h["start"]
    err = _refused(_sealed(doc))
    assert err.key == "rules.shape" and "… and" in err.message


# ------------------------------------------------------------- what the compiler writes still loads
def _compiled_documents():
    from slalang.compiler import compile_file
    from slalang.rules import rule_document

    paths = sorted((ROOT / "contracts").rglob("*.sla")) + sorted((ROOT / "tests" / "sla").rglob("*.sla"))
    for path in paths:
        result = compile_file(path)
        if result.contract is None:
            continue
        yield path.name, rule_document(result.contract, result.canonical_text)


def test_every_compiled_contract_loads_and_compiles_for_enforcement():
    names = []
    for name, doc in _compiled_documents():
        rules = Rules(loads_rules(json.dumps(doc, ensure_ascii=False).encode("utf-8"), name))
        assert rules.file.contract.id, name
        names.append(name)
    assert len(names) >= 10, names


def test_the_schema_limits_agree_with_the_compilers():
    from slalang import durations
    from slalang.ruleschema import MAX_DAYS

    assert MAX_SECONDS == durations.MAX_WALL_SECONDS and MAX_DAYS == durations.MAX_BUSINESS_DAYS


# ------------------------------------------------------------- through the command
def _slalang(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "slalang", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd or ROOT,
        timeout=120,
    )


def test_eval_refuses_hostile_rule_files_with_exit_1(tmp_path):
    doc = _doc()
    _ladder_with_step(doc)["step"]["every_seconds"] = 0
    (tmp_path / "zero.rules.json").write_bytes(_sealed(doc))
    (tmp_path / "laughs.rules.yaml").write_bytes(BILLION_LAUGHS)
    (tmp_path / "deep.rules.json").write_bytes(b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    for name in ("zero.rules.json", "laughs.rules.yaml", "deep.rules.json"):
        for lang in ("en", "zh"):
            r = _slalang("eval", str(tmp_path / name), str(DATA / "example-itops.tickets.csv"), "--lang", lang)
            assert r.returncode == 1, (name, r.stderr)
            assert "Traceback" not in r.stderr and "internal error" not in r.stderr and "内部错误" not in r.stderr


# ------------------------------------------------------------- caches
def _outputs(tmp_path: Path, cache: Path, run: str) -> dict[str, bytes]:
    out = tmp_path / f"out-{run}"
    env = {"XDG_CACHE_HOME": str(cache), "LC_ALL": "C.UTF-8"}
    results = {}
    for lang in ("en", "zh"):
        check = _slalang("check", "--lang", lang, "contracts/itops.sla", "tests/bad/" + _a_bad_contract(), env=env)
        results[f"check-{lang}"] = (check.stdout + check.stderr).encode() + bytes([check.returncode])
    build = _slalang("build", "--rules", "contracts/itops.sla", "-o", str(out), env=env)
    assert build.returncode == 0, build.stderr
    for f in sorted(out.iterdir()):
        results[f.name] = f.read_bytes()
    return results


def _a_bad_contract() -> str:
    # A contract with errors, so that the check prints messages from the catalogue.
    return sorted(p.name for p in (ROOT / "tests" / "bad").glob("*.sla"))[0]


def _poison(cache: Path, *, reseal: bool) -> None:
    """A fake holiday among the cached dates; with `reseal` the envelope's
    digest is recomputed too, and the fake values are of a shape the
    validation refuses. Message catalogues and currencies are never cached
    (slalang/i18n.py, lower.declarations.legal_tender): no file to poison."""
    from slalang import usercache

    folder = cache / "slalang"
    files = sorted(folder.glob("*.json"))
    assert {f.name.split("-")[0] for f in files} >= {"holiday"}, files
    assert not [f for f in files if f.name.startswith(("catalogue-", "currencies-"))], files  # read each run
    for f in files:
        env = json.loads(f.read_text(encoding="utf-8"))
        data = env["data"]
        if f.name.startswith("holiday-"):
            for key, entry in data.items():
                if key.startswith("dates:"):
                    fake = "2026-07-15" if not reseal else "2031-07-15"  # resealed: outside the years asked for
                    entry["holidays"].append([fake, "Poisoned Day"])
        if reseal:
            env["sha256"] = usercache.digest(data)
        f.write_text(json.dumps(env, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize("reseal", [False, True])
def test_a_poisoned_cache_changes_no_output(tmp_path, reseal):
    clean = tmp_path / "clean-cache"
    poisoned = tmp_path / "cache"
    expected = _outputs(tmp_path, clean, "clean")
    _outputs(tmp_path, poisoned, "fill")  # fills the cache
    _poison(poisoned, reseal=reseal)
    assert _outputs(tmp_path, poisoned, "poisoned") == expected
    # each poisoned file was dropped and written afresh
    for f in (poisoned / "slalang").glob("*.json"):
        assert "Poisoned" not in f.read_text(encoding="utf-8")


def test_a_plausible_resealed_poison_changes_no_rule_file(tmp_path):
    """A fake holiday on a real date of the year, digest recomputed: validation
    cannot tell it from the package's own (the documented limit), but a build
    expands holiday sets from the package itself, so the rule file is the same."""
    from slalang import usercache

    cache = tmp_path / "cache"
    env = {"XDG_CACHE_HOME": str(cache)}
    clean = _slalang("build", "--rules", "contracts/itops.sla", "-o", str(tmp_path / "clean"), env=env)
    assert clean.returncode == 0, clean.stderr
    assert not list((cache / "slalang").glob("holiday-*.json"))  # a build writes no cache either
    assert _slalang("check", "contracts/itops.sla", env=env).returncode == 0  # check fills it
    [path] = (cache / "slalang").glob("holiday-*.json")
    envelope = json.loads(path.read_text(encoding="utf-8"))
    for key, entry in envelope["data"].items():
        if key.startswith("dates:"):
            entry["holidays"].append(["2026-07-15", "Poisoned Day"])
    envelope["sha256"] = usercache.digest(envelope["data"])
    path.write_text(json.dumps(envelope), encoding="utf-8")
    again = _slalang("build", "--rules", "contracts/itops.sla", "-o", str(tmp_path / "again"), env=env)
    assert again.returncode == 0, again.stderr
    for f in sorted((tmp_path / "clean").iterdir()):
        assert (tmp_path / "again" / f.name).read_bytes() == f.read_bytes(), f.name


def test_a_planted_currency_list_is_never_read(tmp_path):
    """The review planted a resealed `currencies-babel-*.json` with `ZZZ` in
    it: check accepted `currency ZZZ` and build wrote its rule file. The
    currencies are now read from Babel each run."""
    from slalang import usercache

    cache = tmp_path / "cache"
    env = {"XDG_CACHE_HOME": str(cache)}
    src = tmp_path / "zzz.sla"
    src.write_text(
        (ROOT / "tests" / "good_minimal.sla").read_text(encoding="utf-8").replace("currency   CNY", "currency   ZZZ"),
        encoding="utf-8",
    )
    version = usercache.package_version("babel")
    data = ["CNY", "USD", "ZZZ"]
    folder = cache / "slalang"
    folder.mkdir(parents=True, mode=0o700)
    name = f"currencies-babel-{version}.json"
    envelope = {"format": usercache.FORMAT, "slalang": usercache._version(), "name": name}
    (folder / name).write_text(json.dumps({**envelope, "sha256": usercache.digest(data), "data": data}))
    check = _slalang("check", str(src), "--lang", "en", env=env)
    assert check.returncode == 1 and "E0603" in check.stdout, check.stdout
    build = _slalang("build", "--rules", str(src), "-o", str(tmp_path / "out"), env=env)
    assert build.returncode == 1 and not (tmp_path / "out").exists()


def test_a_build_reads_no_cache_at_all(tmp_path):
    """A resealed holiday coverage that says CN ends in 2020 made check give
    a false E0604 and the build fail: a build now reads no cache, so it writes
    what a clean build writes (check may still be misled: docs/security.md)."""
    from slalang import usercache

    cache = tmp_path / "cache"
    env = {"XDG_CACHE_HOME": str(cache)}
    clean = _slalang(
        "build",
        "--rules",
        "contracts/itops.sla",
        "-o",
        str(tmp_path / "clean"),
        env={"XDG_CACHE_HOME": str(tmp_path / "c0")},
    )
    assert clean.returncode == 0, clean.stderr
    assert _slalang("check", "contracts/itops.sla", env=env).returncode == 0  # fills the cache
    [path] = (cache / "slalang").glob("holiday-*.json")
    envelope = json.loads(path.read_text(encoding="utf-8"))
    envelope["data"]["CN"] = [2001, 2020]
    envelope["sha256"] = usercache.digest(envelope["data"])
    path.write_text(json.dumps(envelope), encoding="utf-8")
    again = _slalang("build", "--rules", "contracts/itops.sla", "-o", str(tmp_path / "again"), env=env)
    assert again.returncode == 0, again.stderr
    for f in sorted((tmp_path / "clean").iterdir()):
        assert (tmp_path / "again" / f.name).read_bytes() == f.read_bytes(), f.name


def test_a_cache_file_others_may_write_is_not_read(tmp_path, monkeypatch):
    from slalang import usercache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    usercache.store("holiday-test.json", {"CN": [2001, 2027]})
    assert usercache.load("holiday-test.json") == {"CN": [2001, 2027]}
    os.chmod(usercache.path("holiday-test.json"), 0o666)
    assert usercache.load("holiday-test.json") is None
    os.chmod(usercache.path("holiday-test.json"), 0o600)
    os.chmod(usercache.path("x").parent, 0o777)
    assert usercache.load("holiday-test.json") is None  # a folder anyone may write: a planted file
    assert usercache.private_folder() is None


def test_a_cache_file_of_another_slalang_version_is_not_read(tmp_path, monkeypatch):
    from slalang import usercache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    usercache.store("holiday-test.json", {"CN": [2001, 2027]})
    assert usercache.load("holiday-test.json") == {"CN": [2001, 2027]}
    env = json.loads(usercache.path("holiday-test.json").read_text(encoding="utf-8"))
    env["slalang"] = "0.0.0-other"
    usercache.path("holiday-test.json").write_text(json.dumps(env), encoding="utf-8")
    assert usercache.load("holiday-test.json") is None
    assert not usercache.path("holiday-test.json").exists()  # dropped


@pytest.mark.parametrize(
    "entry",
    [
        ("CN", [2001, 99999]),
        ("CN", [2026, 2001]),
        ("CN", [True, 2026]),
        ("cn; rm -rf", [2001, 2026]),
        ("dates:CN:2026:2027", {"holidays": [["2026-02-30", "x"]], "workdays": []}),
        ("dates:CN:2026:2027", {"holidays": [["2026-01-01", "x" * 1000]], "workdays": []}),
        ("dates:CN:2026:2027", {"holidays": [["2026-01-01", "x"], ["2026-01-01", "y"]], "workdays": []}),
        ("dates:CN:2026:2027", {"holidays": [], "workdays": ["2027-01-02"]}),
        ("dates:CN:2026:2027", {"holidays": [], "workdays": [20260102]}),
    ],
)
def test_holiday_cache_entries_are_validated(tmp_path, monkeypatch, entry):
    from slalang import holidaysets, usercache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(holidaysets, "_loaded", {})
    version = holidaysets.holidays_version()
    name = holidaysets._cache_name(version)
    good = {
        "CN": [2001, 2026],
        "US": [1777, 2100],  # the package's own first year
        "XX": None,
        "dates:CN:2026:2027": {"holidays": [["2026-01-01", "New Year"]], "workdays": []},
    }
    usercache.store(name, good)
    assert holidaysets._read(version) == good
    usercache.store(name, {**good, entry[0]: entry[1]})
    assert holidaysets._read(version) == {}
    assert not usercache.path(name).exists()


def test_a_fresh_expansion_reads_no_cache(tmp_path, monkeypatch):
    """What a build writes (`calendar_days(…, fresh=True)`) comes from the
    holidays package even when a poisoned cache, resealed and of the right
    shape, offers a fake holiday (which a cached expansion would take: the
    documented limit of validating a cache)."""
    from slalang import holidaysets, usercache
    from slalang.compiler import compile_file

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(holidaysets, "_loaded", {})
    contract = compile_file(ROOT / "contracts" / "itops.sla").contract
    cal = next(c for c in contract.calendars if c.holiday_sets)
    years = holidaysets.covered_years(cal.holiday_sets, 2026, 2026)
    clean = holidaysets.calendar_days(cal, years)
    version = holidaysets.holidays_version()
    name = holidaysets._cache_name(version)
    data = usercache.load(name)
    fake = next(d for d in (dt.date(2026, 7, day) for day in range(13, 18)) if d not in clean.holidays)
    for key, entry in data.items():
        if key.startswith("dates:"):
            entry["holidays"].append([fake.isoformat(), "Poisoned Day"])
    usercache.store(name, data)
    monkeypatch.setattr(holidaysets, "_loaded", {})
    assert fake in holidaysets.calendar_days(cal, years).holidays  # a cached expansion trusts a resealed file
    fresh = holidaysets.calendar_days(cal, years, fresh=True)
    assert fake not in fresh.holidays
    assert fresh.holidays == clean.holidays and fresh.workdays == clean.workdays


@pytest.mark.parametrize("change", ["named_without_title", "title_without_named"])
def test_a_duty_performer_is_named_exactly_when_it_has_a_title(change):
    doc = _doc()
    duty = next(d for d in doc["duties"] if d["performer"] == "provider")
    if change == "named_without_title":
        duty["performer"] = "named"
    else:
        duty["performer_title"] = {"zh": "某人", "en": "someone"}
    assert "performer" in _refused(_sealed(doc)).message


def test_a_contract_beyond_a_rule_file_limit_fails_the_build_with_a_message_not_a_bug(tmp_path, capsys):
    """The loader refuses names over 256 characters: a contract whose product
    is named so compiles, but its build must fail with that limit named (exit
    1, nothing written), never an internal error (exit 3)."""
    from slalang.cli import main

    text = (ROOT / "tests" / "good_minimal.sla").read_text(encoding="utf-8")
    long = "h" * 300
    text = text.replace("product hosting", f"product {long}").replace("availability hosting", f"availability {long}")
    src = tmp_path / "long.sla"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    for lang, words in (("en", "products[0].name"), ("zh", "加载器拒绝")):
        assert main(["build", "--rules", str(src), "-o", str(out), "--lang", lang]) == 1
        err = capsys.readouterr().err
        assert words in err and "E9999" not in err, err
        assert not out.exists() or not any(out.iterdir())
