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
- negative seconds give NULL (the runtime raises ValueError).

The range table holds the span each compiled calendar covers, as the
runtime checks it (`BusinessCalendar.lo` and `.hi`, inclusive):

    calendar TEXT, first_s BIGINT, last_s BIGINT

and the query's `out_of_range BOOLEAN` is true (with `due_s` NULL) where
`BusinessCalendar.add` raises `CalendarRangeError`: for `seconds > 0`, an
opened instant outside [first_s, last_s], or a target past the calendar's
last working second. A calendar missing from the tables counts as out of
range too. `seconds = 0` is never out of range (the runtime returns the
instant unchecked).
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from slalang.businesstime import BusinessCalendar

__all__ = [
    "CALENDAR_COLUMNS",
    "RANGE_COLUMNS",
    "calendar_rows",
    "calendar_sql",
    "calendar_statements",
    "compiled_calendars",
    "range_rows",
    "due_query",
    "due_query_sql",
]

CALENDAR_COLUMNS = (("calendar", "TEXT"), ("start_s", "BIGINT"), ("end_s", "BIGINT"), ("cum_before_s", "BIGINT"))
RANGE_COLUMNS = (("calendar", "TEXT"), ("first_s", "BIGINT"), ("last_s", "BIGINT"))
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


def range_rows(rules) -> Iterator[tuple[str, int, int]]:
    """(calendar, first_s, last_s): the instants each calendar covers, inclusive."""
    for key, cal in compiled_calendars(rules).items():
        yield key, cal.lo, cal.hi


def _create(table: str, columns: tuple[tuple[str, str], ...] = CALENDAR_COLUMNS) -> exp.Create:
    cols = [exp.ColumnDef(this=exp.to_identifier(n), kind=exp.DataType.build(t)) for n, t in columns]
    return exp.Create(this=exp.Schema(this=exp.to_table(table), expressions=cols), kind="TABLE")


def _row(r: tuple) -> exp.Tuple:
    return exp.Tuple(expressions=[exp.Literal.string(r[0])] + [exp.Literal.number(v) for v in r[1:]])


def _inserts(table: str, columns: tuple[tuple[str, str], ...], rows: list) -> Iterator[exp.Expression]:
    cols = [n for n, _ in columns]
    for i in range(0, len(rows), _BATCH):
        values = exp.Values(expressions=[_row(r) for r in rows[i : i + _BATCH]])
        yield exp.insert(values, table, columns=cols)


def calendar_statements(
    rules, table: str = "slalang_calendar", range_table: str = "slalang_calendar_range"
) -> list[exp.Expression]:
    """CREATE TABLE then INSERT … VALUES statements (batches of 1,000 rows),
    for the calendar table then the range table."""
    out: list[exp.Expression] = [_create(table)]
    for key, cal in compiled_calendars(rules).items():
        out.extend(_inserts(table, CALENDAR_COLUMNS, list(calendar_rows(cal, key))))
    out.append(_create(range_table, RANGE_COLUMNS))
    out.extend(_inserts(range_table, RANGE_COLUMNS, list(range_rows(rules))))
    return out


def calendar_sql(
    rules, dialect: str, table: str = "slalang_calendar", range_table: str = "slalang_calendar_range"
) -> list[str]:
    """`calendar_statements` rendered for `dialect` (duckdb, spark, trino)."""
    return [s.sql(dialect=dialect) for s in calendar_statements(rules, table, range_table)]


def _col(name: str, table: str) -> exp.Column:
    return exp.column(name, table=table)


def _big(e: exp.Expression) -> exp.Expression:
    return exp.cast(e, "BIGINT")


def due_query(
    requests_table: str = "requests",
    calendar_table: str = "slalang_calendar",
    range_table: str = "slalang_calendar_range",
) -> exp.Select:
    """SELECT id, due_s, out_of_range: `BusinessCalendar.add(opened_at_s,
    seconds)` per request, NULL and out_of_range where it raises
    `CalendarRangeError`."""
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

    r, a, b, g = "r", "a", "b", "g"
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
            exp.alias_(_col("first_s", g), "first_s"),
            exp.alias_(_col("last_s", g), "last_s"),
        )
        .from_(exp.alias_(exp.to_table(requests_table), r, table=True))
        .join(exp.alias_(exp.to_table("ivals"), a, table=True), on=at_cond, join_type="LEFT")
        .join(
            exp.alias_(exp.to_table(range_table), g, table=True),
            on=_col("calendar", g).eq(_col("calendar", r)),
            join_type="LEFT",
        )
    )

    p = "p"
    target = _col("target_s", p)
    hit_cond = exp.and_(
        _col("calendar", b).eq(_col("calendar", p)),
        _col("cum_before_s", b) < target,
        target <= _col("cum_before_s", b) + exp.paren(_col("end_s", b) - _col("start_s", b)),
    )
    secs = _col("seconds", p)
    p_opened = _col("opened_at_s", p)
    # Where `add` raises CalendarRangeError (seconds > 0 only): the opened
    # instant outside the covered span, or no interval reaching the target.
    outside = exp.or_(
        _col("first_s", p).is_(exp.null()),
        p_opened < _col("first_s", p),
        p_opened > _col("last_s", p),
        _col("start_s", b).is_(exp.null()),
    )
    positive = secs > exp.Literal.number(0)
    oor = exp.Case(ifs=[exp.If(this=positive, true=exp.paren(outside))], default=exp.false())
    due = exp.Case(
        ifs=[
            exp.If(this=secs < exp.Literal.number(0), true=exp.null()),
            exp.If(this=secs.eq(exp.Literal.number(0)), true=p_opened),
            exp.If(this=exp.paren(outside), true=exp.null()),
        ],
        default=_col("start_s", b) + exp.paren(target - _col("cum_before_s", b)),
    )
    return (
        exp.select(_col("id", p), exp.alias_(_big(due), "due_s"), exp.alias_(oor, "out_of_range"))
        .with_("ivals", ivals)
        .with_("pos", pos)
        .from_(exp.alias_(exp.to_table("pos"), p, table=True))
        .join(exp.alias_(exp.to_table(calendar_table), b, table=True), on=hit_cond, join_type="LEFT")
    )


def due_query_sql(
    dialect: str,
    requests_table: str = "requests",
    calendar_table: str = "slalang_calendar",
    range_table: str = "slalang_calendar_range",
) -> str:
    """`due_query` rendered for `dialect` (duckdb, spark, trino)."""
    return due_query(requests_table, calendar_table, range_table).sql(dialect=dialect)
