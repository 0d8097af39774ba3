"""The support-policy corpus (contracts/support/, issue 11 deliverable 8):
every contract compiles clean and builds its rule file, and each sample
ticket of tests/support/<name>.expected.yaml — written by hand from the
contract text, never by running slalang — comes out of the runtime API
(`Rules.evaluate`) and of `slalang eval --per-ticket --format json` exactly:
column, due time, status, lateness, update cadence and credits. Plus the
status rules that have no due time to compare: a missing flag column or
clock-start column is `not_measured`, an empty clock start has no due time,
strict limits are breached exactly at the due instant."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "contracts" / "support"
FIXTURES = ROOT / "tests" / "support"
STEMS = sorted(p.stem for p in CORPUS.glob("*.sla"))
TRUE = {"true", "yes", "1", "是"}


# ---------------------------------------------------------------- helpers


def inst(text: str) -> int:
    """A table instant (always written with its offset) → epoch seconds."""
    d = dt.datetime.fromisoformat(text)
    assert d.tzinfo is not None, f"table instants carry their offset: {text}"
    return int(d.timestamp())


@cache
def fixture(stem: str) -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load((FIXTURES / f"{stem}.expected.yaml").read_text(encoding="utf-8"), Loader=loader)


def rows_of(stem: str) -> list[dict]:
    return fixture(stem)["tickets"]


@cache
def rules_doc(stem: str) -> str:
    from slalang.build import build_one

    out = build_one(str(CORPUS / f"{stem}.sla"), frozenset({"rules"}))
    doc = next(v for k, v in out.files.items() if k.endswith(".rules.json"))
    return doc.decode("utf-8") if isinstance(doc, bytes) else doc


@cache
def doc_of(stem: str) -> dict:
    return json.loads(rules_doc(stem))


@cache
def rules_of(stem: str):
    from slalang.runtime import Rules, loads_rules

    return Rules(loads_rules(rules_doc(stem).encode()))


def starts_of(stem: str) -> list[str]:
    return [m["start"] for m in doc_of(stem)["metrics"] if m.get("start", "opened_at") != "opened_at"]


def ticket_of(stem: str, row: dict):
    from slalang.runtime import Ticket

    def opt(key):
        v = row.get(key)
        return inst(v) if v else None

    starts = starts_of(stem)
    return Ticket(
        row["id"],
        row["priority"],
        inst(row["opened_at"]),
        first_response_at=opt("first_response_at"),
        resolved_at=opt("resolved_at"),
        region=row.get("region"),
        updates=tuple(sorted(inst(u) for u in row.get("updates", ()))),
        pauses=tuple((inst(a), inst(b)) for a, b in row.get("pauses", ())),
        plan=row.get("plan"),
        flags=frozenset(f for f, v in (row.get("flags") or {}).items() if str(v).strip().lower() in TRUE),
        instants={s: opt(s) for s in starts} if starts else None,
    )


def at_of(row: dict) -> int | None:
    return inst(row["at"]) if row.get("at") else None


def rid(row: dict) -> str:
    return row["id"]


CASES = [pytest.param(stem, row, id=f"{stem}:{row['id']}") for stem in STEMS for row in rows_of(stem)]


# ---------------------------------------------------------------- the corpus compiles


def test_corpus_has_eight_policies_each_with_a_table():
    assert len(STEMS) >= 8
    for stem in STEMS:
        fx = fixture(stem)
        assert fx["contract"] == stem
        assert len(fx["tickets"]) >= 8, stem
        assert len({r["id"] for r in fx["tickets"]}) == len(fx["tickets"]), stem


@pytest.mark.parametrize("stem", STEMS)
def test_checks_clean_and_builds(stem):
    from slalang.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["check", str(CORPUS / f"{stem}.sla")])
    text = out.getvalue() + err.getvalue()
    assert rc == 0, text
    assert "0 errors, 0 warnings" in text, text
    doc = doc_of(stem)
    assert doc["schema"] == "slalang.rules/v4"
    rules_of(stem)  # loads and compiles for enforcement


# ---------------------------------------------------------------- the runtime API


def check_deadline(where: str, got, want: dict) -> None:
    if "column" in want:
        assert got.column == want["column"], f"{where}: column {got.column!r} ≠ {want['column']!r}"
    if "due" in want:
        expected = None if want["due"] is None else inst(want["due"])
        shown = None if got.due is None else dt.datetime.fromtimestamp(got.due, dt.UTC).isoformat()
        assert got.due == expected, f"{where}: due {shown} ≠ {want['due']}"
    if "status" in want:
        assert got.status == want["status"], f"{where}: status {got.status!r} ≠ {want['status']!r}"
    if "late" in want:
        assert got.late == want["late"], f"{where}: late {got.late} ≠ {want['late']}"


@pytest.mark.parametrize("stem, row", CASES)
def test_table_row_runtime_api(stem, row):
    from slalang.runtime import TicketError

    rules = rules_of(stem)
    t = ticket_of(stem, row)
    if "error" in row:
        with pytest.raises(TicketError) as info:
            rules.evaluate(t, at=at_of(row))
        assert info.value.key == row["error"], str(info.value)
        return
    out = rules.evaluate(t, at=at_of(row))
    for metric, want in row["expect"].items():
        where = f"{stem} {row['id']} {metric}"
        if metric == "updates":
            if want is None:
                assert out.updates is None, f"{where}: {out.updates!r}"
                continue
            assert out.updates is not None, where
            assert out.updates.status == want["status"], f"{where}: {out.updates!r}"
            assert out.updates.missed == want["missed"], f"{where}: {out.updates!r}"
            if "due" in want:
                expected = None if want["due"] is None else inst(want["due"])
                assert out.updates.due == expected, f"{where}: {out.updates!r} ≠ {want['due']}"
            continue
        check_deadline(where, out.deadlines[metric], want)
    for ladder, amount in (row.get("credits") or {}).items():
        got = out.credits.get(ladder, Decimal(0))
        assert got == Decimal(amount), f"{stem} {row['id']} credit {ladder}: {got} ≠ {amount}"


def _fast_path_case(row: dict) -> bool:
    flagged = any(str(v).strip().lower() in TRUE for v in (row.get("flags") or {}).values())
    return "error" not in row and not row.get("pauses") and not flagged


@pytest.mark.parametrize("stem, row", [c for c in CASES if _fast_path_case(c.values[1])])
def test_table_row_due_times_fast_path(stem, row):
    """`Rules.due_times` (the hot path when a ticket is opened: no pauses,
    the plain row) gives the table's due times for the rows it can take
    (no pauses, no flag set); a metric whose clock starts at another
    instant has none yet."""
    got = rules_of(stem).due_times(
        row["priority"], inst(row["opened_at"]), region=row.get("region"), plan=row.get("plan")
    )
    starts = {m["name"]: m.get("start", "opened_at") for m in doc_of(stem)["metrics"]}
    for metric, want in row["expect"].items():
        if metric == "updates" or "due" not in want:
            continue
        expected = None if starts[metric] != "opened_at" or want["due"] is None else inst(want["due"])
        assert got[metric] == expected, f"{stem} {row['id']} {metric}: {got[metric]} ≠ {want['due']}"


# ---------------------------------------------------------------- `slalang eval`


def csv_columns(stem: str) -> list[str]:
    doc = doc_of(stem)
    cols = ["id", "priority", "opened_at", "first_response_at", "resolved_at", "updates", "pauses"]
    if doc.get("plans"):
        cols.append("plan")
    if doc.get("regions"):
        cols.append("region")
    cols += [f["name"] for f in doc.get("flags") or ()]
    cols += starts_of(stem)
    return cols


def csv_row(row: dict, cols: list[str]) -> dict:
    cells = {}
    for c in cols:
        if c == "updates":
            cells[c] = ";".join(row.get("updates", ()))
        elif c == "pauses":
            cells[c] = ";".join(f"{a}/{b}" for a, b in row.get("pauses", ()))
        elif c in (row.get("flags") or {}):
            cells[c] = str(row["flags"][c])
        else:
            cells[c] = row.get(c) or ""
    return cells


def write_csv(path: Path, cols: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for r in rows:
            w.writerow(csv_row(r, cols))


def _eval(stem: str, tickets: Path, tmp: Path, at: str | None, *options: str) -> tuple[int, str, str]:
    from slalang.cli import main

    rules = tmp / f"{stem}.rules.json"
    rules.write_text(rules_doc(stem), encoding="utf-8")
    argv = ["eval", str(rules), str(tickets), "--skip-bad", *options]
    if at:
        argv += ["--at", at]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


def run_eval(stem: str, tickets: Path, tmp: Path, at: str | None = None) -> tuple[int, list[dict], str]:
    rc, out, err = _eval(stem, tickets, tmp, at, "--per-ticket", "--format", "json", "--lang", "en")
    return rc, [json.loads(line) for line in out.splitlines() if line.strip()], err


def check_report(stem: str, tickets: Path, tmp: Path, at: str | None, outcomes: list[dict]) -> None:
    """The period report (`--format json`) counts what the per-ticket outcomes
    say, and the table report prints in both languages."""
    rc, out, err = _eval(stem, tickets, tmp, at, "--format", "json", "--lang", "en")
    assert rc == 0, err
    report = json.loads(out)
    assert report["tickets"] == len(outcomes)
    for metric in ("response", "resolution"):
        for status in ("met", "breached", "pending", "not_measured"):
            counted = sum(r[status] for r in report["sla"] if r["metric"] == metric)
            seen = sum(1 for o in outcomes if o["deadlines"][metric]["status"] == status)
            assert counted == seen, f"{stem} {metric} {status}: report {counted}, tickets {seen}"
    for lang in ("zh", "en"):
        rc, out, err = _eval(stem, tickets, tmp, at, "--format", "table", "--lang", lang)
        assert rc == 0 and out.strip(), err


@pytest.mark.parametrize("stem", STEMS)
def test_table_through_slalang_eval(stem, tmp_path):
    cols = csv_columns(stem)
    groups: dict[str | None, list[dict]] = {}
    for row in rows_of(stem):
        groups.setdefault(row.get("at"), []).append(row)
    for n, (at, rows) in enumerate(groups.items()):
        path = tmp_path / f"tickets-{n}.csv"
        write_csv(path, cols, rows)
        rc, outcomes, err = run_eval(stem, path, tmp_path, at)
        assert rc == 0, err
        check_report(stem, path, tmp_path, at, outcomes)
        by_id = {o["id"]: o for o in outcomes}
        for line, row in enumerate(rows, start=2):
            where = f"{stem} {row['id']} (eval)"
            if "error" in row:
                assert row["id"] not in by_id, where
                assert f"line {line}," in err, f"{where}: no bad-row report for line {line}:\n{err}"
                continue
            got = by_id[row["id"]]
            for metric, want in row["expect"].items():
                if metric == "updates":
                    if want is None:
                        assert got["updates"] is None, where
                        continue
                    assert got["updates"]["status"] == want["status"], f"{where}: {got['updates']}"
                    assert got["updates"]["missed"] == want["missed"], f"{where}: {got['updates']}"
                    if "due" in got["updates"] and "due" in want:
                        due = got["updates"]["due"]
                        assert (None if due is None else inst(due)) == (
                            None if want["due"] is None else inst(want["due"])
                        ), f"{where}: {got['updates']}"
                    continue
                d = got["deadlines"][metric]
                if "column" in want:
                    assert d["column"] == want["column"], f"{where} {metric}: {d}"
                if "due" in want:
                    assert (None if d["due"] is None else inst(d["due"])) == (
                        None if want["due"] is None else inst(want["due"])
                    ), f"{where} {metric}: {d['due']} ≠ {want['due']}"
                if "status" in want:
                    assert d["status"] == want["status"], f"{where} {metric}: {d}"
                if "late" in want:
                    assert d["late_seconds"] == want["late"], f"{where} {metric}: {d}"
            for ladder, amount in (row.get("credits") or {}).items():
                assert Decimal(got["credits"].get(ladder, "0")) == Decimal(amount), f"{where}: {got['credits']}"


# ---------------------------------------------------------------- statuses without a due time to compare


def _row(stem: str, rid_: str) -> dict:
    return next(r for r in rows_of(stem) if r["id"] == rid_)


def test_missing_flag_column_is_not_measured_never_false(tmp_path):
    """on_request: without an `around_the_clock` column, which p1 row applies
    is unknown → p1's metrics are not measured (no due time); p2 has no
    conditional row and is measured as usual. One warning names the column."""
    stem = "on_request"
    rules = rules_of(stem)
    p1, p2 = _row(stem, "OR-02"), _row(stem, "OR-05")
    missing = frozenset({"around_the_clock"})
    out = rules.evaluate(ticket_of(stem, p1), unknown_flags=missing)
    for metric in ("response", "resolution"):
        assert out.deadlines[metric].status == "not_measured"
        assert out.deadlines[metric].due is None
    out2 = rules.evaluate(ticket_of(stem, p2), unknown_flags=missing)
    assert out2.deadlines["response"].due == inst(p2["expect"]["response"]["due"])
    cols = [c for c in csv_columns(stem) if c != "around_the_clock"]
    path = tmp_path / "no-flag.csv"
    write_csv(path, cols, [p1, p2])
    rc, outcomes, err = run_eval(stem, path, tmp_path)
    assert rc == 0, err
    by_id = {o["id"]: o for o in outcomes}
    for metric in ("response", "resolution"):
        assert by_id["OR-02"]["deadlines"][metric]["status"] == "not_measured"
        assert by_id["OR-02"]["deadlines"][metric]["due"] is None
    assert inst(by_id["OR-05"]["deadlines"]["response"]["due"]) == inst(p2["expect"]["response"]["due"])
    assert err.count("around_the_clock") == 1, err


def test_flag_chooses_the_conditional_row():
    stem = "on_request"
    rules = rules_of(stem)
    plain = rules.evaluate(ticket_of(stem, _row(stem, "OR-01")))
    flagged = rules.evaluate(ticket_of(stem, _row(stem, "OR-02")))
    assert (plain.deadlines["response"].target, flagged.deadlines["response"].target) == ("2bh", "1h")
    assert (plain.deadlines["resolution"].target, flagged.deadlines["resolution"].target) == ("2bd", "1d")


@pytest.mark.parametrize("value", ["", "no", "0", "false", "否", "NO"])
def test_false_flag_values_take_the_plain_row(value, tmp_path):
    stem = "on_request"
    row = dict(_row(stem, "OR-01"), flags={"around_the_clock": value})
    path = tmp_path / "t.csv"
    write_csv(path, csv_columns(stem), [row])
    rc, outcomes, err = run_eval(stem, path, tmp_path)
    assert rc == 0, err
    assert inst(outcomes[0]["deadlines"]["response"]["due"]) == inst(row["expect"]["response"]["due"])


def test_bad_flag_value_is_a_bad_row(tmp_path):
    stem = "on_request"
    row = dict(_row(stem, "OR-01"), flags={"around_the_clock": "maybe"})
    path = tmp_path / "t.csv"
    write_csv(path, csv_columns(stem), [row])
    rc, outcomes, err = run_eval(stem, path, tmp_path)
    assert outcomes == []
    assert "line 2," in err and "around_the_clock" in err, err


def test_missing_clock_start_column_is_not_measured(tmp_path):
    """triage: without a `triaged_at` column the resolution clock's start is
    unknown → not measured; the response (from opened_at) is measured."""
    stem = "triage"
    rules = rules_of(stem)
    row = _row(stem, "TR-01")
    t = ticket_of(stem, row)
    from dataclasses import replace

    out = rules.evaluate(replace(t, instants=None))
    assert out.deadlines["resolution"].status == "not_measured"
    assert out.deadlines["resolution"].due is None
    assert out.deadlines["response"].due == inst(row["expect"]["response"]["due"])
    cols = [c for c in csv_columns(stem) if c != "triaged_at"]
    path = tmp_path / "no-triage.csv"
    write_csv(path, cols, [row, _row(stem, "TR-02")])
    rc, outcomes, err = run_eval(stem, path, tmp_path)
    assert rc == 0, err
    for o in outcomes:
        assert o["deadlines"]["resolution"]["status"] == "not_measured"
        assert o["deadlines"]["resolution"]["due"] is None
    assert err.count("triaged_at") == 1, err


def test_empty_clock_start_has_no_due_time():
    stem = "triage"
    rules = rules_of(stem)
    open_ = rules.evaluate(ticket_of(stem, _row(stem, "TR-03")), at=inst("2026-12-30T12:00:00-05:00"))
    assert (open_.deadlines["resolution"].due, open_.deadlines["resolution"].status) == (None, "pending")
    done = rules.evaluate(ticket_of(stem, _row(stem, "TR-04")))
    assert (done.deadlines["resolution"].due, done.deadlines["resolution"].status) == (None, "met")
    assert not done.breached


@pytest.mark.parametrize(
    "offset, status, late, credit",
    [(-1, "met", 0, "0"), (0, "breached", 0, "300"), (1, "breached", 1, "300"), (1800, "breached", 1800, "300")]
    + [(1801, "breached", 1801, "600")],
)
def test_strict_limit_around_the_due_instant(offset, status, late, credit):
    """strict.sla P2 in office hours: `<1h` from Tue 10:00 → due 11:00. An
    answer at 11:00 exactly is late (by 0 s): `per started 30m` owes one
    step; a plain limit would be met there (see plan_windows PW-01)."""
    from slalang.runtime import Ticket

    rules = rules_of("strict")
    opened = inst("2026-03-10T10:00:00+08:00")
    due = inst("2026-03-10T11:00:00+08:00")
    out = rules.evaluate(Ticket("S", "P2", opened, first_response_at=due + offset))
    d = out.deadlines["response"]
    assert (d.due, d.status, d.late) == (due, status, late)
    assert out.credits.get("late_response", Decimal(0)) == Decimal(credit)


def test_strict_open_ticket_judged_at_the_due_instant():
    from slalang.runtime import Ticket

    rules = rules_of("strict")
    opened = inst("2026-03-10T10:00:00+08:00")
    due = inst("2026-03-10T11:00:00+08:00")
    assert rules.evaluate(Ticket("S", "P2", opened), at=due - 1).deadlines["response"].status == "pending"
    d = rules.evaluate(Ticket("S", "P2", opened), at=due).deadlines["response"]
    assert (d.status, d.late) == ("breached", 0)


# ---------------------------------------------------------------- update cadences against a minute walk


def _cadence_walk(orc, business: bool, every_min: int, first: int, updates, pauses, end: int):
    """Progress updates by definition, one minute at a time: from the first
    response (then from each update, or from each missed deadline) the next
    update is due once `every` of the cadence's clock — working minutes of
    the calendar, or every minute for the wall clock — has run, paused
    minutes not counting; an update at or before that instant is in time; a
    deadline before the end (resolution or `at`) without one is missed."""

    def counts(u: int) -> bool:
        if any(s <= u < e for s, e in pauses):
            return False
        return orc.working(u) if business else True

    def next_due(last: int) -> int:
        u, n = last, 0
        while True:
            if counts(u):
                n += 1
                if n == every_min:
                    return u + 60
            u += 60

    pending = sorted(u for u in updates if first < u <= end)
    last, missed, first_missed = first, 0, None
    while True:
        due = next_due(last)
        while pending and pending[0] <= last:
            pending.pop(0)
        if pending and pending[0] <= due:
            last = pending.pop(0)
            continue
        if due < end:
            missed += 1
            first_missed = first_missed or due
            last = due
            continue
        return missed, first_missed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    start=st.integers(0, 300 * 24 * 60),
    priority=st.sampled_from(["p1", "p2"]),
    gaps=st.lists(st.integers(1, 8 * 60), max_size=6),
    pause=st.one_of(st.none(), st.tuples(st.integers(0, 24 * 60), st.integers(1, 20 * 60))),
    tail=st.integers(1, 36 * 60),
)
def test_update_cadence_matches_a_minute_walk(start, priority, gaps, pause, tail):
    """updates.sla, office column (opened in business hours): p1 every 30m
    (wall), p2 every 2bh (office), random updates and a pause, against the
    walk above on the England calendar of tests/calendar_oracle.py."""
    from slalang.runtime import Ticket

    rules = rules_of("updates")
    orc = _updates_oracle()
    t0 = inst("2026-04-01T00:00:00+01:00") + start * 60
    while not orc.working(t0):  # the office column: opened inside business hours
        t0 += 60
    first = t0 + 10 * 60
    ups, u = [], first
    for g in gaps:
        u += g * 60
        ups.append(u)
    end = (ups[-1] if ups else first) + tail * 60
    pauses = [] if pause is None else [(first + pause[0] * 60, first + (pause[0] + pause[1]) * 60)]
    t = Ticket("U", priority, t0, first_response_at=first, resolved_at=end, updates=tuple(ups), pauses=tuple(pauses))
    got = rules.evaluate(t).updates
    business, every = (False, 30) if priority == "p1" else (True, 120)
    missed, first_missed = _cadence_walk(orc, business, every, first, ups, pauses, end)
    assert (got.missed, got.due if missed else None) == (missed, first_missed), (priority, t0, ups, pauses, end)
    assert got.status == ("breached" if missed else "met")


@cache
def _updates_oracle():
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from calendar_oracle import Oracle

    return Oracle({d: [(9 * 60, 17 * 60)] for d in range(5)}, "Europe/London", "gb-eng", years=(2026, 2027))


# ---------------------------------------------------------------- random tickets against the minute walk

H, M = 3600, 60
# Typed from the contract texts (not read from the rule files): metric → column → priority → target;
# ("w", seconds) on the wall clock, ("b", days, seconds) on `office`.
RANDOM_TARGETS = {
    "plan_windows": {
        "response": {
            "standard.office": {"P1": ("w", H), "P2": ("b", 0, 4 * H), "P3": ("b", 1, 0)},
            "standard.off_hours": {"P1": ("w", 4 * H), "P2": ("b", 1, 0), "P3": ("b", 2, 0)},
            "premium.any": {"P1": ("w", 15 * M), "P2": ("w", H), "P3": ("w", 4 * H)},
        },
        "resolution": {
            "standard": {"P1": ("b", 1, 0), "P2": ("b", 3, 0), "P3": ("b", 5, 0)},
            "premium": {"P1": ("w", 8 * H), "P2": ("b", 1, 0), "P3": ("b", 3, 0)},
        },
    },
    "strict": {
        "response": {
            "office": {"P1": ("w", 15 * M), "P2": ("w", H), "P3": ("b", 0, 4 * H)},
            "off_hours": {"P1": ("w", 30 * M), "P2": ("w", 2 * H), "P3": ("b", 1, 0)},
        },
        "resolution": {"any": {"P1": ("w", 4 * H), "P2": ("b", 1, 0), "P3": ("b", 3, 0)}},
    },
}
RANDOM_HOURS = {
    "plan_windows": {d: [(8 * 60 + 30, 12 * 60), (13 * 60, 17 * 60 + 30)] for d in range(5)},
    "strict": {d: [(9 * 60, 18 * 60)] for d in range(5)},
}


@cache
def _cn_office(stem: str):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from calendar_oracle import Oracle

    return Oracle(RANDOM_HOURS[stem], "Asia/Shanghai", "cn", years=(2026,))


def _column(stem: str, metric: str, plan: str, inside: bool) -> str:
    if stem == "strict":
        return "any" if metric == "resolution" else ("office" if inside else "off_hours")
    if metric == "resolution":
        return plan
    return "premium.any" if plan == "premium" else ("standard.office" if inside else "standard.off_hours")


@pytest.mark.parametrize("stem", sorted(RANDOM_TARGETS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(minute=st.integers(0, 365 * 24 * 60 - 1), priority=st.sampled_from(["P1", "P2", "P3"]), premium=st.booleans())
def test_random_tickets_match_the_minute_walk(stem, minute, priority, premium):
    """Random 2026 opening instants for plan_windows.sla (plan × window,
    a lunch break) and strict.sla: the column and due time of each metric
    are those the contract text gives on China's 2026 calendar, walked
    minute by minute; a due time past 2026 is a row error (no 2027 data)."""
    from slalang.runtime import Ticket, TicketError

    orc = _cn_office(stem)
    t = inst("2026-01-01T00:00:00+08:00") + minute * 60
    plan = ("premium" if premium else "standard") if stem == "plan_windows" else None
    inside = orc.working(t)
    want = {}
    for metric, columns in RANDOM_TARGETS[stem].items():
        column = _column(stem, metric, plan, inside)
        target = columns[column][priority]
        due = t + target[1] if target[0] == "w" else orc.due(t, target[1], target[2])
        want[metric] = (column, due)
    ticket = Ticket("R", priority, t, plan=plan)
    if any(due is None for _, due in want.values()):
        with pytest.raises(TicketError) as info:
            rules_of(stem).evaluate(ticket)
        assert info.value.key == "ticket.due_beyond_calendar"
        return
    out = rules_of(stem).evaluate(ticket)
    got = {m: (d.column, d.due) for m, d in out.deadlines.items()}
    assert got == want, (stem, priority, plan, dt.datetime.fromtimestamp(t, dt.UTC).isoformat())


def test_without_products_the_monthly_cap_is_on_all_the_customers_credits(tmp_path):
    # saas_plans: 200.00 per started hour late, at most 2,000.00 a ticket, 10,000.00 a month in all.
    # Six S1 tickets (standard: 2h) answered 13h after opening: 11h late, 11 steps = 2,200 → 2,000 each,
    # 12,000 in March → 10,000 owed, whatever labels a product column carries (the contract has no products).
    rows = ["id,priority,plan,product,opened_at,first_response_at,resolved_at"]
    for i, label in enumerate(["a", "b", "c", "a", "b", "c"]):
        day = f"2026-03-{i + 2:02d}"
        rows.append(f"T{i},S1,standard,{label},{day}T10:00,{day}T23:00,{day}T23:30")
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    rc, out, err = _eval("saas_plans", tmp_path / "t.csv", tmp_path, None, "--format", "json", "--lang", "en")
    assert rc == 0, err
    [line] = json.loads(out)["credits"]
    assert (line["period"], line["tickets"], line["cap"], line["owed"]) == (
        "2026-03",
        "12000.00",
        "10000.00",
        "10000.00",
    )
