"""The scalar path's shortcuts (issue 15, deliverable 5) give exactly what
the general code gives: instants read from cached parts equal a fresh
parse (values and errors), CSV records read by column index equal
`ticket_from_row` on the row's dict (tickets and row errors), and
`PeriodReport.add` folds outcomes as it always did (a reference copy of the
former code below), in zones whose offsets are not whole hours too."""

from __future__ import annotations

import csv
import io
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import ticketgen
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlharness import EXAMPLES, generated, rules_of

from slalang.runtime import Rules
from slalang.runtime.engine import TicketError
from slalang.runtime.report import STATUSES, PeriodReport
from slalang.runtime.tickets import (
    TICKET_COLUMNS,
    InstantParser,
    RowError,
    _opt,
    read_tickets,
    rows,
    ticket_from_row,
)

ZONES = ["Asia/Shanghai", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]

# ---------------------------------------------------------------- instants

_date = st.one_of(
    st.builds(
        lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}",
        st.sampled_from([1969, 1970, 2026, 2027, 2200, 2201]),
        st.integers(0, 13),
        st.integers(0, 32),
    ),
    st.sampled_from(["2026-03-29", "2026-10-25", "2026-11-01", "2026-03-08", "2026-04-05", "1970-01-01"]),
    st.sampled_from(["2026-1-05", "2026/01/05", "２０２６-01-05", "2026-02-29", "2028-02-29", "20260105xx"]),
)
_time = st.one_of(
    st.builds(
        lambda h, m, s: f"{h:02d}:{m:02d}:{s:02d}",
        st.integers(0, 24),
        st.sampled_from([0, 1, 2, 29, 30, 59, 60]),
        st.sampled_from([0, 1, 30, 59, 60]),
    ),
    st.sampled_from(["1:30:00", "01:30", "01:30:00.5", "0130:00", "01:3a:00"]),
)
_offset = st.sampled_from(
    ["", "Z", "z", "+08:00", "-05:00", "+00:00", "-00:00", "+05:30", "+24:00", "-23:59", "+0800", "+08:00:30", "+8"]
)
_sep = st.sampled_from(["T", "T", "T", "t", " "])


@st.composite
def _instant_text(draw) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(["1767574200", "0", "7289654400", " 2026-01-05T09:30:00+08:00 ", "", "x" * 30]))
    return draw(_date) + draw(_sep) + draw(_time) + draw(_offset)


def _general(tz, text: str, column: str):
    """The general way (no cached parts): the value, or the error's fields."""
    try:
        return InstantParser(tz)._parse(text.strip(), column)
    except TicketError as exc:
        return ("error", exc.column, str(exc), exc.key, exc.fields)


def _warm(parser: InstantParser, text: str, column: str):
    try:
        return parser(text, column)
    except TicketError as exc:
        return ("error", exc.column, str(exc), exc.key, exc.fields)


_PARSERS = {z: InstantParser(ZoneInfo(z)) for z in ZONES}  # warm across examples: caches fill


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(zone=st.sampled_from(ZONES), texts=st.lists(_instant_text(), min_size=1, max_size=12))
def test_instants_from_cached_parts_equal_a_fresh_parse(zone, texts):
    parser = _PARSERS[zone]
    for text in texts:
        for _ in range(2):  # the second read of a spelling comes from the caches
            assert _warm(parser, text, "opened_at") == _general(parser.tz, text, "opened_at"), text
        if text.strip():
            assert _warm(parser, text.strip(), "x") == _general(parser.tz, text, "x")


def test_every_minute_around_dst_changes_reads_as_the_general_way():
    """Local times seconds apart around each change (gap, fold, half-hour
    Lord Howe): the per-minute cache never carries an offset across it."""
    for zone, days in (
        ("Europe/London", ("2026-03-29", "2026-10-25")),
        ("America/New_York", ("2026-03-08", "2026-11-01")),
        ("Australia/Lord_Howe", ("2026-04-05", "2026-10-04")),
    ):
        tz = ZoneInfo(zone)
        parser = InstantParser(tz)
        for day in days:
            for hour in range(0, 4):
                for minute in range(0, 60):
                    for second in (0, 1, 59, 30):
                        text = f"{day}T{hour:02d}:{minute:02d}:{second:02d}"
                        assert _warm(parser, text, "x") == _general(tz, text, "x"), text
                        aware = text + "+01:00"
                        assert _warm(parser, aware, "x") == _general(tz, aware, "x"), aware


def test_the_range_is_checked_on_cached_parts():
    p = InstantParser(ZoneInfo("UTC"))
    assert p("1970-01-01T08:00:00+08:00", "x") == 0
    with pytest.raises(TicketError) as err:
        p("1970-01-01T07:59:59+08:00", "opened_at")  # date and clock both cached by now
    assert err.value.key == "instant.out_of_range" and err.value.column == "opened_at"
    assert p("2200-12-31T23:59:59Z", "x") == 7289654399
    p("2200-12-31T00:00:00-05:00", "x")
    with pytest.raises(TicketError) as err:
        p("2200-12-31T23:59:59-05:00", "x")
    assert err.value.key == "instant.out_of_range"


# ---------------------------------------------------------------- CSV rows


def _reference(text: str, rules: Rules) -> list:
    """`read_tickets` as it was: a dict per row, then `ticket_from_row`."""
    instant = InstantParser(rules.tz)
    flags, starts = frozenset(rules.flags), frozenset(rules.start_columns)
    columns = TICKET_COLUMNS + tuple(c for c in (*rules.flags, *rules.start_columns) if c not in TICKET_COLUMNS)
    out: list = []
    header: set[str] = set()
    try:
        for item in rows(io.StringIO(text), columns, ("id", "priority", "opened_at"), False, header):
            if isinstance(item, RowError):
                out.append(item)
                continue
            n, row = item
            try:
                out.append((n, ticket_from_row(row, instant, flags, starts)))
            except TicketError as exc:
                out.append(RowError(n, exc.column, str(exc), _opt(row, "id"), exc.key, exc.fields))
    except TicketError as exc:
        out.append(("file", exc.key, str(exc)))
    return [out, sorted(header)]


def _read(text: str, rules: Rules) -> list:
    out: list = []
    header: set[str] = set()
    try:
        out.extend(read_tickets(io.StringIO(text), rules.tz, False, header, tuple(rules.flags), rules.start_columns))
    except TicketError as exc:
        out.append(("file", exc.key, str(exc)))
    return [out, sorted(header)]


_CONTRACTS = ["contracts/itops.sla", "contracts/support/on_request.sla", "contracts/support/triage.sla"]


def _cells(rng: random.Random, column: str, good: dict) -> str:
    """A cell for `column`: mostly a good one from ticketgen, else a hostile one."""
    r = rng.random()
    if r < 0.6:
        return good.get(column, "")
    if r < 0.7:
        return ""
    if r < 0.8:
        return rng.choice([" ", "  \t", " " + good.get(column, "") + " "])
    return rng.choice(
        [
            "garbage",
            "2026-02-30T10:00:00+08:00",
            "2026-01-05T10:00:00",
            "1767574200",
            "yes",
            "no",
            "maybe",
            "是",
            "P1",
            "a/b",
            "2026-01-05T10:00:00+08:00/2026-01-05T09:00:00+08:00",
            "2026-01-05T10:00:00+08:00;;bad",
            "2026-03-29T01:30:00",
            "2026-10-25T01:30:00",
            "storage",
            "north",
            "maintenance",
        ]
    )


@pytest.mark.parametrize("contract", _CONTRACTS)
def test_csv_records_by_column_index_equal_ticket_from_row(contract):
    rf, rules = rules_of(contract)
    good_rows = ticketgen.tickets(rf, 150, seed=5)
    all_cols = list(
        dict.fromkeys([*TICKET_COLUMNS, *rules.flags, *rules.start_columns, *(k for r in good_rows for k in r)])
    )
    rng = random.Random(contract)
    for trial in range(25):
        cols = [c for c in all_cols if rng.random() < 0.75]
        for need in ("id", "priority", "opened_at"):
            if need not in cols and rng.random() < 0.95:
                cols.append(need)
        rng.shuffle(cols)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator=rng.choice(["\n", "\r\n"]))
        w.writerow(cols)
        for good in good_rows[trial * 6 : trial * 6 + 30]:
            w.writerow([_cells(rng, c, good) for c in cols])
        text = buf.getvalue()
        assert _read(text, rules) == _reference(text, rules), (contract, trial, cols)


def test_csv_by_column_index_in_a_dst_zone():
    rf, rules = rules_of("contracts/itops.sla")
    rules = Rules(rf)
    rules.tz = ZoneInfo("Europe/London")
    text = "opened_at,priority,id\n" + "".join(
        f"2026-10-25T01:{m:02d}:00,P1,T{m}\n2026-03-29T00:{m:02d}:30,P2,U{m}\n" for m in range(60)
    )
    assert _read(text, rules) == _reference(text, rules)


# ---------------------------------------------------------------- report


def _reference_add(self: PeriodReport, outcome) -> None:
    """`PeriodReport.add` before issue 15 (kept here as the reference)."""
    t = outcome.ticket
    self.tickets += 1
    date = self.local_date(t.opened_at)
    from slalang.runtime.availability import period_key

    key, cap_key = period_key(date, self.period), period_key(date, self.cap_period)
    for name, d in outcome.deadlines.items():
        if d.status == "no_commitment":
            continue
        c = self._sla.get((key, name, t.priority))
        if c is None:
            c = self._sla[(key, name, t.priority)] = [0, 0, 0, 0, 0]
        c[STATUSES.index(d.status)] += 1
    if t.resolved_at is not None and outcome.exclusion is None:
        m = self._mttr.get((key, t.priority))
        if m is None:
            m = self._mttr[(key, t.priority)] = [0, 0]
        m[0] += t.resolved_at - t.opened_at
        m[1] += 1
    if outcome.credits:
        if self.per_line:
            rnd = self.rules.round
            total = sum((rnd(v) for v in outcome.credits.values()), Decimal(0))
        else:
            total = outcome.credit
        product = (t.product or "-") if self.rules.products else "-"
        self._accrued[(key, product)] = self._accrued.get((key, product), Decimal(0)) + total
        bucket = self._capped.setdefault((cap_key, product), {})
        bucket["tickets"] = bucket.get("tickets", Decimal(0)) + total


@pytest.mark.parametrize("contract", EXAMPLES)
def test_report_add_folds_as_before(contract):
    rf, base = rules_of(contract)
    if not base.priorities:
        pytest.skip("an availability contract: no tickets")
    at = base.effective_hi - 86400 * 40
    for zone in (None, "Asia/Kolkata", "Australia/Lord_Howe", "America/New_York"):
        rules = base
        if zone is not None:
            rules = Rules(rf)
            rules.tz = ZoneInfo(zone)  # the report's periods in a zone of half hours and DST
        tickets = generated(rf, 200, seed=11)
        outcomes = []
        for t in tickets:
            try:
                outcomes.append(rules.evaluate(t, at))
            except TicketError:
                pass
        for period in ("day", "week", "month"):
            new, old = PeriodReport(rules, period), PeriodReport(rules, period)
            for o in outcomes:
                new.add(o)
                _reference_add(old, o)
            assert new.result() == old.result(), (contract, zone, period)
