"""The SQL progress-update and follow-up query (slalang.sql.cadence) equals
the Python runtime on every field of every ticket, on DuckDB: the example
contracts with updates and a follow-up, generated tickets with many updates,
gaps of exactly the cadence (and one second either side), pauses overlapping,
nested and touching across update deadlines, `at` before, at and after
deadlines, business cadences across nights, weekends and holidays, regional
calendars, calendar-range errors, follow-ups in calendar days across DST;
Spark and Trino renderings parse, and the Trino SQL transpiled back to
DuckDB gives the same rows."""

from __future__ import annotations

import dataclasses
import json
import random

import pytest

duckdb = pytest.importorskip("duckdb")
sqlglot = pytest.importorskip("sqlglot")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from sqlharness import connect, generated, load_tickets, rule_file_json, rules_of  # noqa: E402

from slalang.businesstime import CalendarRangeError  # noqa: E402
from slalang.ruleschema import checksum_of  # noqa: E402
from slalang.runtime import Rules, Ticket, loads_rules  # noqa: E402
from slalang.runtime.engine import TicketError  # noqa: E402
from slalang.sql.cadence import cadence_query, cadence_statements, unsupported  # noqa: E402
from slalang.sql.inputs import Inputs, Unsupported  # noqa: E402

CADENCE_CONTRACTS = [
    "contracts/itops.sla",
    "contracts/logistics.sla",
    "contracts/medical.sla",
    "contracts/support/updates.sla",
]
H = 3600


# ----------------------------------------------------------------- reference
def _fields(upd, fol) -> tuple:
    return (
        upd.status if upd else None,
        upd.missed if upd else None,
        upd.due if upd else None,
        fol.status if fol else None,
        fol.due if fol else None,
        None,
        None,
    )


def _expected(rules: Rules, t: Ticket, at: int | None):
    """The runtime's (updates, followup) fields, or ("error", key, column)
    when its updates part raises; None when `validate` or the metrics refuse
    the ticket (the outcome query reports those)."""
    try:
        rules.validate(t)
    except TicketError:
        return None
    try:
        o = rules.evaluate(t, at=at, validate=False)
        return _fields(o.updates, o.followup)
    except (TicketError, CalendarRangeError):
        pass
    comp = rules._compiled_for(t)
    pauses = sorted(t.pauses) if t.pauses and rules.pauses_apply else ()
    try:
        if t.priority in comp.upd_priorities and t.first_response_at is not None:
            rules._updates(t, at, comp, pauses)
    except TicketError as exc:
        return ("error", exc.key, exc.column)
    except CalendarRangeError:  # the update column's calendar at opened_at (a raw error in the runtime)
        return ("error", "ticket.due_out_of_range", "opened_at")
    return None  # a metric's error, raised first


def _got_row(r):
    *vals, ek, ec = r
    return ("error", ek, ec) if ek is not None else (*vals, None, None)


_CONNECTIONS: dict = {}
_SQL: dict = {}


def _connection(rf, inputs: Inputs):
    """A DuckDB connection with `rf`'s bucket tables, kept for the session (loading them takes a second)."""
    key = (rf.checksum, inputs.extra.get("cadence_at"), inputs.extra.get("cadence_back"))
    con = _CONNECTIONS.get(key)
    if con is None:
        con = _CONNECTIONS[key] = connect()
        for s in cadence_statements(rf, inputs):
            con.execute(s.sql(dialect="duckdb"))
    return con


def _run(rf, tickets: list[Ticket], at: int | None, dialect: str = "duckdb", inputs: Inputs | None = None):
    inputs = inputs or Inputs(key="k", at=at)
    con = _connection(rf, inputs)
    load_tickets(con, rf, tickets, inputs)
    key = (rf.checksum, inputs.at, inputs.present, dialect)
    sql = _SQL.get(key)
    if sql is None:  # built once per rule file, `at` and dialect (a follow-up in days is a large CASE)
        sql = cadence_query(rf, inputs).sql(dialect=dialect)
        if dialect != "duckdb":
            sql = sqlglot.transpile(sql, read=dialect, write="duckdb")[0]
        _SQL[key] = sql
    rows = con.execute(sql).fetchall()
    assert len(rows) == len(tickets)
    return {r[0]: _got_row(r[1:]) for r in rows}


def _check(rf, rules: Rules, tickets: list[Ticket], at: int | None, dialect: str = "duckdb") -> dict:
    got = _run(rf, tickets, at, dialect)
    bad = []
    seen: dict = {}
    for i, t in enumerate(tickets):
        want = _expected(rules, t, at)
        if want is None:
            continue
        seen[want[0]] = seen.get(want[0], 0) + 1
        if got[i] != want:
            bad.append((i, want, got[i], t))
    assert not bad, bad[:5]
    return seen


def _variant(contract: str, edit) -> tuple:
    doc = rule_file_json(contract)
    edit(doc)
    doc["checksum"] = checksum_of(doc)
    rf = loads_rules(json.dumps(doc).encode())
    return rf, Rules(rf)


# ----------------------------------------------------------------- adversarial tickets
class _Clock:
    """The cadence's measure for building tickets: identity, or a calendar's offsets."""

    def __init__(self, cal):
        self.cal = cal

    def off(self, t: int) -> int:
        return t if self.cal is None else self.cal.offset(t)

    def back(self, o: int) -> int:
        return o if self.cal is None else self.cal._at_offset(o)

    def near(self, t: int, rng: random.Random) -> int:
        """t, or an off-clock instant with the same offset, or a second either side."""
        pick = rng.random()
        if self.cal is not None and pick < 0.3:
            cal = self.cal
            from bisect import bisect_left

            j = bisect_left(cal._ends, t)
            if j < len(cal._ends) and cal._ends[j] == t and j + 1 < len(cal._starts):
                return rng.choice([t, cal._starts[j + 1], t + rng.randint(1, cal._starts[j + 1] - t)])
        if pick < 0.55:
            return t + rng.choice([-1, 1])
        return t


def _rule_of(rules: Rules, t: Ticket):
    comp = rules._compiled_for(t)
    column = Rules._choose(comp.upd_chooser, t, t.opened_at) if comp.upd_chooser else None
    return comp.upd_rules.get((t.priority, column))


def adversarial(rf, rules: Rules, n: int, seed: int, at: int | None) -> list[Ticket]:
    """Tickets built around their cadence's deadlines (and around `at`)."""
    rng = random.Random(seed)
    base = generated(rf, max(n // 4, 50), seed=seed)
    lo, hi = rules.effective_lo, rules.effective_hi - 40 * 86400
    codes = list(rules.exclusions)
    out: list[Ticket] = []
    while len(out) < n:
        t = dataclasses.replace(rng.choice(base))
        t.priority = rng.choice(rules.priorities)
        t.opened_at = rng.randrange(lo, hi)
        if rng.random() < 0.3:  # at an interval edge of some calendar
            cal = rng.choice(list(rules.calendar_variants.values()))
            k = rng.randrange(len(cal._starts))
            t.opened_at = min(max(rng.choice([cal._starts[k], cal._ends[k], cal._ends[k] - 1]), lo), hi)
        try:
            rule = _rule_of(rules, t)
        except (TicketError, CalendarRangeError):
            rule = None
        every = rule.seconds if rule is not None and rule.seconds else rng.choice([900, 1800, H])
        clock = _Clock(rule.calendar if rule is not None else None)
        first = t.opened_at + rng.choice([0, 0, 60, 600, 3 * H])
        if at is not None and rng.random() < 0.5:
            first = max(t.opened_at, at - rng.choice([1, every, 3 * every, 10 * every, 40 * H]))
        first = clock.near(first, rng) if first > t.opened_at else first
        try:
            o = clock.off(first)
        except CalendarRangeError:
            o = None
        ups: list[int] = []
        pauses: list[tuple[int, int]] = []
        u = first
        for _ in range(rng.choice([0, 1, 2, 4, 8, 15])):
            if o is None:
                u += rng.choice([every - 1, every, every + 1, 2 * every])
            else:
                gap = rng.choice([every - 1, every, every, every + 1, 2 * every, 2 * every + 1, 3 * every, 0])
                gap = gap if rng.random() < 0.85 else rng.randint(1, 6 * every)
                try:
                    u = clock.near(clock.back(clock.off(u) + gap), rng)
                except CalendarRangeError:
                    break
            ups.append(u)
        if rng.random() < 0.2:
            ups.append(first - rng.randint(0, 600))  # before the first response: not counted
        if rules.pauses_apply or rng.random() < 0.3:
            anchors = [first, *ups] or [first]
            for _ in range(rng.choice([0, 0, 1, 2, 3, 5])):
                a = rng.choice(anchors) + rng.choice([-every, -1, 0, 1, every // 2, every - 1, every])
                length = rng.choice([0, 1, 60, every // 2, every, 2 * every, 20 * H])
                pauses.append((a, a + length))
            if pauses and rng.random() < 0.4:  # touching, nested, overlapping the first one
                a, b = pauses[0]
                pauses.append(rng.choice([(b, b + every), (a + 1, max(a + 1, b - 1)), (a - 30, b + 30)]))
        end_pick = rng.random()
        if end_pick < 0.45:
            t.resolved_at = None
        else:
            last = max([first, *ups])
            t.resolved_at = max(
                t.opened_at,
                rng.choice(
                    [last, last + every, last + every + 1, last - 1, first - 60, last + rng.randint(0, 9 * every)]
                ),
            )
        t.first_response_at = first if rng.random() < 0.93 else None
        t.updates = tuple(rng.sample(ups, len(ups)))
        t.pauses = tuple(pauses)
        t.exclusion = rng.choice(codes) if codes and rng.random() < 0.06 else None
        if t.resolved_at is not None and rules.followup is not None and rng.random() < 0.6:
            days, secs = rules.followup
            due = rules.wall_due(t.resolved_at, days, secs)
            t.followup_at = max(t.opened_at, due + rng.choice([-1, 0, 1, -3 * H, 5 * H]))
        else:
            t.followup_at = None
        out.append(t)
    return out


# ----------------------------------------------------------------- tests
@pytest.mark.parametrize("contract", CADENCE_CONTRACTS)
def test_examples_compile(contract: str) -> None:
    rf, _ = rules_of(contract)
    assert unsupported(rf) == []
    for dialect in ("duckdb", "spark", "trino"):
        sql = cadence_query(rf, Inputs(key="k")).sql(dialect=dialect)
        sqlglot.parse_one(sql, read=dialect)


@pytest.mark.parametrize("contract", CADENCE_CONTRACTS)
def test_generated_tickets_equal_runtime(contract: str) -> None:
    rf, rules = rules_of(contract)
    ts = generated(rf, 1500, seed=21)
    mid = sorted(t.opened_at for t in ts)[len(ts) // 2]
    for at in (None, mid):
        _check(rf, rules, ts, at)


@pytest.mark.parametrize("contract", CADENCE_CONTRACTS)
def test_adversarial_tickets_equal_runtime(contract: str) -> None:
    rf, rules = rules_of(contract)
    at = rules.effective_lo + 100 * 86400 + 7 * H
    seen: dict = {}
    for k, when in enumerate((None, at)):
        for status, count in _check(rf, rules, adversarial(rf, rules, 1500, 40 + k, when), when).items():
            seen[status] = seen.get(status, 0) + count
    assert seen.get("breached", 0) > 100 and seen.get("pending", 0) > 20 and seen.get("met", 0) > 50, seen


@pytest.mark.parametrize("dialect", ["trino", "spark"])
def test_other_dialects(dialect: str) -> None:
    rf, rules = rules_of("contracts/support/updates.sla")
    at = rules.effective_lo + 50 * 86400
    ts = adversarial(rf, rules, 400, 3, at)
    if dialect == "trino":  # transpiled back to DuckDB, the same rows
        _check(rf, rules, ts, at, "trino")
    else:
        sqlglot.parse_one(cadence_query(rf, Inputs(key="k", at=at)).sql(dialect="spark"), read="spark")


def _business_everywhere(doc: dict) -> None:
    """updates.sla with business cadences in both columns and a follow-up 1d later."""
    doc["updates"]["rules"] = [
        {**doc["updates"]["rules"][0], "clock": "business", "calendar": "office", "seconds": 1800, "spelling": "30bm"},
        {**doc["updates"]["rules"][1], "clock": "business", "calendar": "office", "seconds": 5400, "spelling": "90bm"},
        doc["updates"]["rules"][2],
    ]
    doc["followup"] = {"days": 1, "seconds": 0, "spelling": "1d", "line": 70}


@pytest.mark.slow  # ~10 s: a follow-up in calendar days is a CASE over London's transitions
def test_business_cadences_and_followup_days_across_dst() -> None:
    rf, rules = _variant("contracts/support/updates.sla", _business_everywhere)
    assert unsupported(rf) == []
    # around the clocks changing in London (2026-10-25, 2027-03-28) and at a random day
    for k, at in enumerate((1792890000, 1790000000, None)):
        ts = adversarial(rf, rules, 1200, 70 + k, at)
        for t in ts[:200]:  # resolved just before the clocks change: the follow-up a calendar day later
            if t.resolved_at is not None:
                t.resolved_at = max(t.opened_at, 1792890000 - random.Random(t.opened_at).randint(0, 2 * 86400))
                t.followup_at = None
        _check(rf, rules, ts, at)


@pytest.mark.slow  # ~8 s: four `at`s on a three-year calendar
def test_beyond_the_calendar_is_an_error_or_no_next_deadline() -> None:
    rf, rules = _variant("contracts/support/updates.sla", _business_everywhere)
    cal = rules.calendars["office"]
    for at in (cal.hi - 2 * H, cal.hi, cal.hi + 1, cal.hi + 40 * 86400):
        ts = adversarial(rf, rules, 600, 90, at)
        for t in ts[::3]:  # pauses past the calendar's days
            t.pauses = (*t.pauses, (cal.hi - H, cal.hi + 5 * H))
        seen = _check(rf, rules, ts, at)
        if at > cal.hi:
            assert seen.get("error", 0) > 10, seen


def _regional(doc: dict) -> None:
    """regional.sla with progress updates on the regional calendar (each region's own days)."""
    doc["updates"] = {
        "calendar": "support",
        "columns": [
            {"name": "support", "kind": "calendar", "calendar": "support", "region": None, "plan": None},
            {"name": "apac", "kind": "region", "calendar": None, "region": "apac", "plan": None},
        ],
        "rules": [
            {"priority": "P1", "column": "support", "clock": "business", "calendar": "support", "days": 0,
             "seconds": 3600, "spelling": "1bh", "line": 90},
            {"priority": "P1", "column": "apac", "clock": "wall", "calendar": None, "days": 0, "seconds": 1800,
             "spelling": "30m", "line": 90},
            {"priority": "P2", "column": "support", "clock": "business", "calendar": "support", "days": 0,
             "seconds": 7200, "spelling": "2bh", "line": 91},
        ],
        "line": 89,
    }  # fmt: skip
    doc["pauses"] = {"when": {"zh": "等待客户", "en": "waiting on the customer"}, "line": 92}
    doc["followup"] = {"days": 2, "seconds": 3600, "spelling": "2d1h", "line": 93}


def test_regional_calendars_and_no_column() -> None:
    rf, rules = _variant("contracts/support/regional.sla", _regional)
    seen: dict = {}
    # apac's calendar covers 2026 only: late `at`s read past it
    for k, at in enumerate((None, rules.effective_lo + 200 * 86400, rules.effective_hi + 20 * 86400)):
        for status, count in _check(rf, rules, adversarial(rf, rules, 1200, 110 + k, at), at).items():
            seen[status] = seen.get(status, 0) + count
    assert seen.get("error", 0) > 20 and seen.get("breached", 0) > 100, seen


def test_no_pauses_statement_ignores_pauses() -> None:
    rf, rules = _variant("contracts/itops.sla", lambda d: d.update(pauses=None))
    assert not rules.pauses_apply
    at = rules.effective_lo + 30 * 86400
    _check(rf, rules, adversarial(rf, rules, 800, 5, at), at)


def test_absent_columns() -> None:
    rf, rules = rules_of("contracts/itops.sla")
    at = rules.effective_lo + 30 * 86400
    ts = adversarial(rf, rules, 300, 6, at)
    present = frozenset({"resolved_at", "product", "region", "exclusion"})  # no first response, no follow-up
    inputs = Inputs(key="k", at=at, present=present)
    got = _run(rf, ts, at, inputs=inputs)
    stripped = [dataclasses.replace(t, first_response_at=None, followup_at=None) for t in ts]
    for i, t in enumerate(stripped):
        want = _expected(rules, t, at)
        if want is not None:
            assert got[i] == want, (i, t)


def test_day_cadences_are_unsupported() -> None:
    def edit(doc):
        doc["updates"]["rules"][0].update(days=1, seconds=0, spelling="1d")

    rf, _ = _variant("contracts/itops.sla", edit)
    (u,) = unsupported(rf)
    assert u.key == "updates_days" and u.fields["every"] == "1d"
    with pytest.raises(Unsupported):
        cadence_query(rf)


def test_unsupported_words_in_both_catalogues() -> None:
    from slalang.i18n import Msg

    def edit(doc):
        doc["updates"]["rules"][0].update(days=1, seconds=0, spelling="1d")
        doc["updates"]["rules"][1].update(seconds=2_000_000, spelling="1000h")

    rf, _ = _variant("contracts/itops.sla", edit)
    found = unsupported(rf)
    assert [u.key for u in found] == ["updates_days", "updates_long"]
    for u in found:
        for lang in ("zh", "en"):
            text = Msg(f"cli.sql.unsupported.{u.key}", **u.fields).in_(lang)
            assert u.fields["every"] in text and "{" not in text, text


# ----------------------------------------------------------------- properties
@st.composite
def _cadence_case(draw):
    """A p2 ticket of updates.sla (2bh on the office calendar) opened in office
    hours: updates and pauses drawn in business seconds from the first response."""
    _, rules = rules_of("contracts/support/updates.sla")
    cal = rules.calendars["office"]
    day = draw(st.integers(0, 300))
    k = next(i for i, s in enumerate(cal._starts) if s >= rules.effective_lo + day * 86400)
    opened = cal._starts[k] + draw(st.integers(0, cal._ends[k] - cal._starts[k] - 1))
    o0 = cal.offset(opened) + draw(st.integers(0, 3 * H))
    offs = draw(st.lists(st.integers(0, 12 * H), max_size=8))
    ups = [cal._at_offset(o0 + x) if o0 + x > 0 else opened for x in offs]
    pz = draw(st.lists(st.tuples(st.integers(-H, 12 * H), st.integers(0, 6 * H)), max_size=4))
    pauses = tuple(
        (cal._at_offset(o0 + a) if o0 + a > 0 else opened, cal._at_offset(o0 + a + b) + draw(st.integers(0, 1)))
        for a, b in pz
    )
    first = cal._at_offset(o0) if o0 > 0 else opened
    end = draw(st.one_of(st.none(), st.integers(0, 14 * H)))
    resolved = None if end is None else max(opened, cal._at_offset(o0 + end) + draw(st.sampled_from([-1, 0, 1])))
    return Ticket("x", "p2", opened, first, resolved, updates=tuple(ups), pauses=pauses)


@pytest.mark.slow  # ~10 s: 25 DuckDB runs
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_cadence_case(), min_size=1, max_size=30), st.integers(0, 16 * H))
def test_property_business_cadence_with_pauses(cases, at_off) -> None:
    rf, rules = rules_of("contracts/support/updates.sla")
    base = generated(rf, 5, seed=1)[0]
    ts = [dataclasses.replace(base, **{f: getattr(c, f) for f in ("priority", "opened_at", "first_response_at",
                                                                    "resolved_at", "updates", "pauses")},
                              exclusion=None, followup_at=None) for c in cases]  # fmt: skip
    at = max(t.first_response_at for t in ts) + at_off
    _check(rf, rules, ts, at)


def test_repeated_updates_with_pauses() -> None:
    """An update given twice, the end on an update, with a pause after the first
    response: each pause counts once (a point repeated is a gap of nothing)."""
    rf, rules = rules_of("contracts/itops.sla")
    base = generated(rf, 5, seed=1)[0]
    o = rules.effective_lo + 40 * 86400
    f = o + 2880
    ts = [
        dataclasses.replace(
            base,
            priority="P0",
            opened_at=o,
            first_response_at=f,
            resolved_at=end,
            updates=(f + 1860, f + 4980, f + 4980, f + 4980),
            pauses=((f + 1560, f + 16680), (f + 1560, f + 16680), (f + 20000, f + 20000 + k)),
            exclusion=None,
            followup_at=None,
        )
        for k, end in enumerate([None, f + 4980, f + 30000, f + 16680])
    ]
    _check(rf, rules, ts, f + 40000)
