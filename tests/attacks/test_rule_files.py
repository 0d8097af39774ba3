"""Hostile rule files (issue 14): the compiled rule files of the three example
contracts, mutated — a random leaf replaced by 0, -1, null, "", a huge
integer, a huge string, NaN-like strings and floats, a list, a dict; a key
deleted; a list item duplicated; two values swapped — with the checksum
recomputed, written as JSON or YAML. Then: the loader refuses the file with
a `RulesError`, or the runtime compiles it and judges the sample tickets,
downtime and duty evidence without raising anything but its documented row
errors; `slalang eval` and `slalang duties` never exit 3 on it."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from slalang.cli import main
from slalang.ruleschema import RulesError, checksum_of
from slalang.runtime import Rules, TicketError, loads_rules

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "tests" / "golden" / "rules"
DATA = ROOT / "tests" / "data"
EXAMPLES = ("example-itops", "example-logistics", "example-medical")
DOCS = {name: json.loads((RULES / f"{name}.rules.json").read_text(encoding="utf-8")) for name in EXAMPLES}
EVIDENCE = DATA / "duties" / "itops-2026.csv"

VALUES = st.sampled_from(
    [
        0,
        -1,
        1,
        None,
        "",
        True,
        10**40,
        2**63,
        -(2**31),
        1.5,
        float("nan"),
        float("inf"),
        "x" * 5000,
        "NaN",
        "Infinity",
        "1e999",
        "-0",
        "9" * 61,
        "0.00",
        "100.5",
        "24:00",
        "00:00",
        "1899-12-31",
        "2200-12-31",
        "9999-12-31",
        "0",
        "Mars/Olympus",
        "../../etc/passwd",
        "\x1b[2J",
        [],
        [1, 2],
        {},
        {"x": 1},
    ]
)


def _nudged(value):
    """A value of the same type and spelling as `value`, anywhere in or just
    outside its range: what passes the types and tests the ranges."""
    if isinstance(value, bool) or value is None:
        return st.sampled_from([True, False, None])
    if isinstance(value, int):
        return st.one_of(
            st.sampled_from([0, 1, -1, 59, 60, 86399, 86400, 366 * 86400, 366 * 86400 + 1]), st.integers(0, 10**9)
        )
    if isinstance(value, str):
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            return st.dates(dt.date(1890, 1, 1), dt.date(2210, 12, 31)).map(dt.date.isoformat)
        if re.fullmatch(r"[0-9]{2}:[0-9]{2}", value):
            return st.sampled_from(["00:00", "00:01", "09:00", "12:00", "23:59", "24:00", "18:00"])
        if re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value):
            return st.sampled_from(
                ["0", "0.0", "0.01", "1", "10", "50", "99.99", "100", "100.0", "1000000", "0.0000001"]
            )
    return st.just(value)


def _leaves(node, path=()):
    """Every position in the document (leaves and empty containers)."""
    if isinstance(node, dict):
        if not node:
            yield path
        for k, v in node.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(node, list):
        if not node:
            yield path
        for i, v in enumerate(node):
            yield from _leaves(v, (*path, i))
    else:
        yield path


def _get(node, path):
    for p in path:
        node = node[p]
    return node


def _mutate(doc: dict, draw) -> None:
    positions = [p for p in _leaves(doc) if p and p[0] not in ("schema", "checksum")]
    path = draw(st.sampled_from(positions))
    parent = _get(doc, path[:-1])
    op = draw(st.sampled_from(["replace", "replace", "nudge", "nudge", "nudge", "delete", "duplicate", "swap"]))
    if op == "nudge":
        parent[path[-1]] = draw(_nudged(_get(doc, path)))
    elif op == "replace":
        parent[path[-1]] = copy.deepcopy(draw(VALUES))
    elif op == "delete" and isinstance(parent, dict):
        del parent[path[-1]]
    elif op == "duplicate":
        # the innermost list on the path gets a copy of one of its items
        for cut in range(len(path) - 1, -1, -1):
            holder = _get(doc, path[:cut])
            if isinstance(holder, list) and holder:
                holder.append(copy.deepcopy(holder[path[cut]]))
                break
    elif op == "swap":
        other = draw(st.sampled_from(positions))
        try:
            a, b = _get(doc, path), _get(doc, other)
            parent[path[-1]] = copy.deepcopy(b)
            _get(doc, other[:-1])[other[-1]] = copy.deepcopy(a)
        except (KeyError, IndexError, TypeError):
            pass  # the first change moved the second position


@st.composite
def hostile_rule_files(draw):
    name = draw(st.sampled_from(EXAMPLES))
    doc = copy.deepcopy(DOCS[name])
    for _ in range(draw(st.integers(1, 3))):
        _mutate(doc, draw)
    doc["checksum"] = checksum_of(doc)
    if draw(st.booleans()):
        return name, json.dumps(doc, ensure_ascii=False).encode("utf-8"), "json"
    import yaml

    return name, yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode("utf-8"), "yaml"


def _judge(rules: Rules, name: str) -> None:
    """The runtime paths on the sample data: anything but a documented row error fails the test."""
    from slalang.runtime.availability import AvailabilityLedger
    from slalang.runtime.duties import Tracker
    from slalang.runtime.report import PeriodReport
    from slalang.runtime.tickets import RowError, open_text, read_downtime, read_tickets

    report = PeriodReport(rules, "month")
    at = rules.effective_lo + 200 * 86400
    with open_text(str(DATA / f"{name}.tickets.csv")) as fh:
        for item in read_tickets(fh, rules.tz, False, set(), tuple(rules.flags), rules.start_columns):
            if isinstance(item, RowError):
                continue
            try:
                report.add(rules.evaluate(item[1], at))
            except TicketError:
                pass
    ledger = AvailabilityLedger(rules)
    with open_text(str(DATA / f"{name}.downtime.csv")) as fh:
        for item in read_downtime(fh, rules.tz):
            if isinstance(item, RowError):
                continue
            d = item[1]
            try:
                if d.start is not None and d.end is not None:
                    ledger.add_downtime(d.product, d.start, d.end, d.exclusion, d.notified_at, resource=d.resource)
            except TicketError:
                pass
    try:
        report.add_availability(ledger.results())
    except TicketError:
        pass
    report.result()
    Tracker(rules.file).judge([], at)


def _cli(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
    return code, err.getvalue()


@settings(settings.get_profile("attacks"), max_examples=80)
@given(hostile_rule_files())
def test_a_mutated_rule_file_is_refused_or_judged(case):
    name, data, _form = case
    try:
        rule_file = loads_rules(data, "mutated")
    except RulesError as exc:
        assert exc.kind == "malformed", exc
        event(f"refused: {exc.key}")
        return
    event("loaded and judged")
    _judge(Rules(rule_file), name)


@settings(
    settings.get_profile("attacks"),
    max_examples=12,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=hostile_rule_files())
def test_eval_and_duties_never_exit_3_on_a_mutated_rule_file(tmp_path, case):
    name, data, form = case
    path = tmp_path / f"mutated.rules.{form}"
    path.write_bytes(data)
    tickets, downtime = str(DATA / f"{name}.tickets.csv"), str(DATA / f"{name}.downtime.csv")
    code, err = _cli("eval", str(path), tickets, "--downtime", downtime, "--skip-bad", "--at", "2026-07-01T00:00")
    assert code in (0, 1), err
    assert "Traceback" not in err and "internal error" not in err, err
    code, err = _cli("duties", str(path), "--evidence", str(EVIDENCE), "--skip-bad", "--at", "2026-12-31T00:00")
    assert code in (0, 1, 2), err  # 2: the mutated file has no such duty period as `--at` (a usage error)
    assert "internal error" not in err, err


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_unmutated_examples_are_judged(name):
    _judge(Rules(loads_rules(json.dumps(DOCS[name]).encode("utf-8"), name)), name)
