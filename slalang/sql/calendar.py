"""Business calendars and due times in SQL, equal to `BusinessCalendar.add`.

The calendar table holds one row per working interval of every calendar of
a rule file, reused from the runtime's compiled `BusinessCalendar` (so DST,
holidays and make-up working days are resolved in Python, never in SQL):

    calendar TEXT, start_s BIGINT, end_s BIGINT, cum_before_s BIGINT

in epoch seconds UTC; intervals are half-open [start_s, end_s) and
`cum_before_s` is the working seconds of the calendar before `start_s`. A
regional variant of a calendar is named `name@region`.

The due-time query reads a table of requests `(id, calendar, opened_at_s,
seconds)` and returns `(id, due_s)` with the semantics of
`BusinessCalendar.add(opened_at_s, seconds)`:

- `seconds = 0` returns `opened_at_s` unchanged (even outside working time);
- the working offset of `opened_at_s` is `cum_before + min(opened, end) -
  start` of the last interval starting at or before it (0 before the
  first), so an instant outside working time counts from the next start;
- the due time is in the first interval whose cumulative end reaches the
  target (`cum_before < target <= cum_before + length`): a due time landing
  exactly on the end of an interval stays on that end;
- a target past the calendar's last working second, or negative seconds,
  gives NULL where the runtime raises. Instants outside the covered days
  are not checked here (the runtime raises `CalendarRangeError`).
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from slalang.businesstime import BusinessCalendar

__all__ = [
    "CALENDAR_COLUMNS",
    "calendar_rows",
    "calendar_sql",
    "calendar_statements",
    "compiled_calendars",
    "due_query",
    "due_query_sql",
]

CALENDAR_COLUMNS = (("calendar", "TEXT"), ("start_s", "BIGINT"), ("end_s", "BIGINT"), ("cum_before_s", "BIGINT"))
_BATCH = 1000  # rows per INSERT statement


def _key(name: str, region: str | None) -> str:
    return name if region is None else f"{name}@{region}"


def compiled_calendars(rules) -> dict[str, BusinessCalendar]:
    """The runtime's compiled calendars of a `RuleFile`, by table key."""
    return {_key(c.name, c.region): BusinessCalendar.from_rules(c, c.timezone) for c in rules.calendars}


def calendar_rows(cal: BusinessCalendar, key: str | None = None) -> Iterator[tuple[str, int, int, int]]:
    """(calendar, start_s, end_s, cum_before_s) per working interval."""
    name = cal.name if key is None else key
    for s, e, c in zip(cal._starts, cal._ends, cal._cum):
        yield name, s, e, c


def _create(table: str) -> exp.Create:
    cols = [exp.ColumnDef(this=exp.to_identifier(n), kind=exp.DataType.build(t)) for n, t in CALENDAR_COLUMNS]
    return exp.Create(this=exp.Schema(this=exp.to_table(table), expressions=cols), kind="TABLE")


def _row(r: tuple[str, int, int, int]) -> exp.Tuple:
    return exp.Tuple(expressions=[exp.Literal.string(r[0])] + [exp.Literal.number(v) for v in r[1:]])


def calendar_statements(rules, table: str = "slalang_calendar") -> list[exp.Expression]:
    """CREATE TABLE then INSERT … VALUES statements (batches of 1,000 rows)."""
    out: list[exp.Expression] = [_create(table)]
    cols = [n for n, _ in CALENDAR_COLUMNS]
    for key, cal in compiled_calendars(rules).items():
        rows = list(calendar_rows(cal, key))
        for i in range(0, len(rows), _BATCH):
            values = exp.Values(expressions=[_row(r) for r in rows[i : i + _BATCH]])
            out.append(exp.insert(values, table, columns=cols))
    return out


def calendar_sql(rules, dialect: str, table: str = "slalang_calendar") -> list[str]:
    """`calendar_statements` rendered for `dialect` (duckdb, spark, trino)."""
    return [s.sql(dialect=dialect) for s in calendar_statements(rules, table)]


def _col(name: str, table: str) -> exp.Column:
    return exp.column(name, table=table)


def _big(e: exp.Expression) -> exp.Expression:
    return exp.cast(e, "BIGINT")


def due_query(requests_table: str = "requests", calendar_table: str = "slalang_calendar") -> exp.Select:
    """SELECT id, due_s: `BusinessCalendar.add(opened_at_s, seconds)` per request."""
    # Each interval with the start of the next one: the interval "at or before
    # t" is the one with start_s <= t < next_start_s.
    nxt = exp.Window(
        this=exp.Anonymous(this="LEAD", expressions=[exp.column("start_s")]),
        partition_by=[exp.column("calendar")],
        order=exp.Order(expressions=[exp.Ordered(this=exp.column("start_s"))]),
    )
    ivals = exp.select("calendar", "start_s", "end_s", "cum_before_s", exp.alias_(nxt, "next_start_s")).from_(
        calendar_table
    )

    r, a, b = "r", "a", "b"
    opened = _col("opened_at_s", r)
    at_cond = exp.and_(
        _col("calendar", a).eq(_col("calendar", r)),
        _col("start_s", a) <= opened,
        exp.or_(_col("next_start_s", a).is_(exp.null()), opened < _col("next_start_s", a)),
    )
    least = exp.Case(ifs=[exp.If(this=opened < _col("end_s", a), true=opened)], default=_col("end_s", a))
    offset = exp.Coalesce(
        this=_col("cum_before_s", a) + exp.paren(least - _col("start_s", a)),
        expressions=[exp.Literal.number(0)],
    )
    pos = (
        exp.select(
            _col("id", r),
            _col("calendar", r),
            exp.alias_(opened, "opened_at_s"),
            exp.alias_(_col("seconds", r), "seconds"),
            exp.alias_(_big(offset + _col("seconds", r)), "target_s"),
        )
        .from_(exp.alias_(exp.to_table(requests_table), r, table=True))
        .join(exp.alias_(exp.to_table("ivals"), a, table=True), on=at_cond, join_type="LEFT")
    )

    p = "p"
    target = _col("target_s", p)
    hit_cond = exp.and_(
        _col("calendar", b).eq(_col("calendar", p)),
        _col("cum_before_s", b) < target,
        target <= _col("cum_before_s", b) + exp.paren(_col("end_s", b) - _col("start_s", b)),
    )
    secs = _col("seconds", p)
    due = exp.Case(
        ifs=[
            exp.If(this=secs < exp.Literal.number(0), true=exp.null()),
            exp.If(this=secs.eq(exp.Literal.number(0)), true=_col("opened_at_s", p)),
        ],
        default=_col("start_s", b) + exp.paren(target - _col("cum_before_s", b)),
    )
    return (
        exp.select(_col("id", p), exp.alias_(_big(due), "due_s"))
        .with_("ivals", ivals)
        .with_("pos", pos)
        .from_(exp.alias_(exp.to_table("pos"), p, table=True))
        .join(exp.alias_(exp.to_table(calendar_table), b, table=True), on=hit_cond, join_type="LEFT")
    )


def due_query_sql(dialect: str, requests_table: str = "requests", calendar_table: str = "slalang_calendar") -> str:
    """`due_query` rendered for `dialect` (duckdb, spark, trino)."""
    return due_query(requests_table, calendar_table).sql(dialect=dialect)
