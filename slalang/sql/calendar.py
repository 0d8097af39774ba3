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

Three lookup tables let a query find, with an equality join on
(calendar, bucket) and a small residual filter (never a range join over the
whole calendar), what the runtime finds by binary search:

  piece   calendar, bucket, a_s, b_s, working, off_a_s, snap_s, k, k_off_s
          The covered instants [lo, hi] cut at every interval edge and every
          working day's first instant into pieces [a_s, b_s), one row per
          UTC day (`bucket` = floor(t / 86400)) a piece meets. For t in a
          piece: `working` (1/0) = `contains(t)`; `offset(t)` = off_a_s +
          (t - a_s if working); for business days (`_add_days`) the instant
          snapped to working time is t (working) or snap_s (the next
          interval's start, NULL when none), `k` the index of its working
          day (`_day_start`) and `k_off_s` that day's `_day_off`. No piece:
          t is outside [lo, hi] (CalendarRangeError).
  offset  calendar, bucket, cum_before_s, cum_end_s, start_s
          `_at_offset(target)`: the interval with cum_before_s < target <=
          cum_end_s, due = start_s + target - cum_before_s; one row per
          bucket = floor((target - 1) / 86400) it meets. No row: past the
          calendar's working time (CalendarRangeError).
  day     calendar, k, day_start_s, day_off_s, day_len_s
          the working days (`_day_start`, `_day_off`, `_day_len`), k from 0.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator

from sqlglot import exp

from slalang.businesstime import BusinessCalendar

__all__ = [
    "BUCKET",
    "CALENDAR_COLUMNS",
    "DAY_COLUMNS",
    "OFFSET_COLUMNS",
    "PIECE_COLUMNS",
    "TABLES",
    "day_rows",
    "offset_rows",
    "piece_rows",
    "RANGE_COLUMNS",
    "calendar_rows",
    "calendar_sql",
    "calendar_statements",
    "load_calendar_tables",
    "compiled_calendars",
    "range_rows",
    "due_query",
    "due_query_sql",
]

CALENDAR_COLUMNS = (("calendar", "TEXT"), ("start_s", "BIGINT"), ("end_s", "BIGINT"), ("cum_before_s", "BIGINT"))
RANGE_COLUMNS = (("calendar", "TEXT"), ("first_s", "BIGINT"), ("last_s", "BIGINT"))
PIECE_COLUMNS = (
    ("calendar", "TEXT"),
    ("bucket", "BIGINT"),
    ("a_s", "BIGINT"),
    ("b_s", "BIGINT"),
    ("working", "INT"),
    ("off_a_s", "BIGINT"),
    ("snap_s", "BIGINT"),
    ("k", "BIGINT"),
    ("k_off_s", "BIGINT"),
)
OFFSET_COLUMNS = (
    ("calendar", "TEXT"),
    ("bucket", "BIGINT"),
    ("cum_before_s", "BIGINT"),
    ("cum_end_s", "BIGINT"),
    ("start_s", "BIGINT"),
)
DAY_COLUMNS = (
    ("calendar", "TEXT"),
    ("k", "BIGINT"),
    ("day_start_s", "BIGINT"),
    ("day_off_s", "BIGINT"),
    ("day_len_s", "BIGINT"),
)
BUCKET = 86400  # seconds of one bucket of the piece and offset tables
TABLES = {
    "calendar": "slalang_calendar",
    "range": "slalang_calendar_range",
    "piece": "slalang_calendar_piece",
    "offset": "slalang_calendar_offset",
    "day": "slalang_calendar_day",
}
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


def piece_rows(cal: BusinessCalendar, key: str) -> Iterator[tuple]:
    """(calendar, bucket, a_s, b_s, working, off_a_s, snap_s, k, k_off_s): see the module docstring."""
    starts, ends = cal._starts, cal._ends
    edges = {cal.lo, cal.hi + 1}
    edges.update(x for x in starts if cal.lo < x <= cal.hi)
    edges.update(x for x in ends if cal.lo < x <= cal.hi)
    edges.update(x for x in cal._day_start if cal.lo < x <= cal.hi)
    cuts = sorted(edges)
    day_start, day_off = cal._day_start, cal._day_off
    for a, b in zip(cuts, cuts[1:]):
        i = bisect_right(starts, a) - 1
        working = i >= 0 and a < ends[i]
        off = cal.offset(a)
        if working:
            snap: int | None = a
        else:
            snap = starts[i + 1] if i + 1 < len(starts) else None
        k = bisect_right(day_start, snap) - 1 if snap is not None else None
        k_off = day_off[k] if k is not None and k >= 0 else None
        if k is not None and k < 0:
            k = None
        for bucket in range(a // BUCKET, (b - 1) // BUCKET + 1):
            yield key, bucket, a, b, int(working), off, None if working else snap, k, k_off


def offset_rows(cal: BusinessCalendar, key: str) -> Iterator[tuple]:
    """(calendar, bucket, cum_before_s, cum_end_s, start_s): see the module docstring."""
    for s, c, ce in zip(cal._starts, cal._cum, cal._cumend):
        for bucket in range(c // BUCKET, (ce - 1) // BUCKET + 1):
            yield key, bucket, c, ce, s


def day_rows(cal: BusinessCalendar, key: str) -> Iterator[tuple]:
    """(calendar, k, day_start_s, day_off_s, day_len_s)."""
    for k, (s, o, n) in enumerate(zip(cal._day_start, cal._day_off, cal._day_len)):
        yield key, k, s, o, n


def _create(table: str, columns: tuple[tuple[str, str], ...] = CALENDAR_COLUMNS) -> exp.Create:
    cols = [exp.ColumnDef(this=exp.to_identifier(n), kind=exp.DataType.build(t)) for n, t in columns]
    return exp.Create(this=exp.Schema(this=exp.to_table(table), expressions=cols), kind="TABLE")


def _row(r: tuple) -> exp.Tuple:
    return exp.Tuple(
        expressions=[exp.Literal.string(r[0])] + [exp.null() if v is None else exp.Literal.number(v) for v in r[1:]]
    )


def _inserts(table: str, columns: tuple[tuple[str, str], ...], rows: list) -> Iterator[exp.Expression]:
    cols = [n for n, _ in columns]
    for i in range(0, len(rows), _BATCH):
        values = exp.Values(expressions=[_row(r) for r in rows[i : i + _BATCH]])
        yield exp.insert(values, table, columns=cols)


def calendar_statements(
    rules,
    table: str = "slalang_calendar",
    range_table: str = "slalang_calendar_range",
    tables: dict[str, str] | None = None,
) -> list[exp.Expression]:
    """CREATE TABLE then INSERT … VALUES statements (batches of 1,000 rows),
    for the calendar table, the range table, then the piece, offset and day
    tables (named by `tables`, keys piece/offset/day; `TABLES` by default)."""
    names = {**TABLES, **(tables or {})}
    cals = compiled_calendars(rules)
    out: list[exp.Expression] = [_create(table)]
    for key, cal in cals.items():
        out.extend(_inserts(table, CALENDAR_COLUMNS, list(calendar_rows(cal, key))))
    out.append(_create(range_table, RANGE_COLUMNS))
    out.extend(_inserts(range_table, RANGE_COLUMNS, list(range_rows(rules))))
    for kind, columns, rows_of in (
        ("piece", PIECE_COLUMNS, piece_rows),
        ("offset", OFFSET_COLUMNS, offset_rows),
        ("day", DAY_COLUMNS, day_rows),
    ):
        out.append(_create(names[kind], columns))
        for key, cal in cals.items():
            out.extend(_inserts(names[kind], columns, list(rows_of(cal, key))))
    return out


def load_calendar_tables(con, rules, tables: dict[str, str] | None = None) -> None:
    """Create the tables of `calendar_statements` (default names) in the
    DuckDB connection `con`, the same rows, bound as parameters (one list
    per column, zipped by `unnest`) instead of parsed from VALUES text: the
    embedded engine's fast path (the SQL text is for `slalang sql`)."""
    names = {**TABLES, **(tables or {})}
    cals = compiled_calendars(rules)
    plan: list[tuple[str, tuple[tuple[str, str], ...], list]] = [
        (TABLES["calendar"], CALENDAR_COLUMNS, [r for k, c in cals.items() for r in calendar_rows(c, k)]),
        (TABLES["range"], RANGE_COLUMNS, list(range_rows(rules))),
    ]
    kinds: tuple[tuple[str, tuple[tuple[str, str], ...], Callable[..., Iterator[tuple]]], ...] = (
        ("piece", PIECE_COLUMNS, piece_rows),
        ("offset", OFFSET_COLUMNS, offset_rows),
        ("day", DAY_COLUMNS, day_rows),
    )
    for kind, columns, rows_of in kinds:
        plan.append((names[kind], columns, [r for k, c in cals.items() for r in rows_of(c, k)]))
    for table, columns, rows in plan:
        con.execute(_create(table, columns).sql(dialect="duckdb"))
        if not rows:
            continue
        picks = ", ".join(
            f"unnest(${i + 1}::{'VARCHAR' if t == 'TEXT' else t}[]) AS {n}" for i, (n, t) in enumerate(columns)
        )
        ident = exp.to_table(table).sql(dialect="duckdb")
        con.execute(f"INSERT INTO {ident} SELECT {picks}", [list(col) for col in zip(*rows)])


def calendar_sql(
    rules,
    dialect: str,
    table: str = "slalang_calendar",
    range_table: str = "slalang_calendar_range",
    tables: dict[str, str] | None = None,
) -> list[str]:
    """`calendar_statements` rendered for `dialect` (duckdb, spark, trino)."""
    return [s.sql(dialect=dialect) for s in calendar_statements(rules, table, range_table, tables)]


def _col(name: str, table: str) -> exp.Column:
    return exp.column(name, table=table)


def _big(e: exp.Expression) -> exp.Expression:
    return exp.cast(e, "BIGINT")


def due_query(
    requests_table: str = "requests",
    calendar_table: str = "slalang_calendar",
    range_table: str = "slalang_calendar_range",
    tables: dict[str, str] | None = None,
) -> exp.Select:
    """SELECT id, due_s, out_of_range: `BusinessCalendar.add(opened_at_s,
    seconds)` per request, NULL and out_of_range where it raises
    `CalendarRangeError`.

    Two equality joins on (calendar, day bucket) with a residual filter:
    the piece holding `opened_at_s` gives its working offset (no piece: the
    instant is outside [first_s, last_s], or the calendar is unknown), the
    offset row holding the target gives the due time (no row: past the
    calendar's last working second). `calendar_table` and `range_table` are
    not read (kept for callers); the piece and offset tables are named by
    `tables` (keys piece, offset; `TABLES` by default)."""
    from slalang.sql.expr import floordiv

    names = {**TABLES, **(tables or {})}
    r, a, b, p = "r", "a", "b", "p"
    opened = _col("opened_at_s", r)
    zero = exp.Literal.number(0)
    piece_on = exp.and_(
        _col("calendar", a).eq(_col("calendar", r)),
        _col("bucket", a).eq(floordiv(opened, BUCKET)),
        _col("a_s", a) <= opened,
        opened < _col("b_s", a),
    )
    # offset(t) = off_a_s + (t - a_s on a working piece); NULL without a piece
    offset = _col("off_a_s", a) + exp.Case(
        ifs=[exp.If(this=_col("working", a).eq(exp.Literal.number(1)), true=opened - _col("a_s", a))],
        default=zero,
    )
    secs_r = _col("seconds", r)
    pos = (
        exp.select(
            _col("id", r),
            _col("calendar", r),
            exp.alias_(opened, "opened_at_s"),
            exp.alias_(secs_r, "seconds"),
            # only a positive request looks its target up
            exp.alias_(exp.Case(ifs=[exp.If(this=secs_r > zero, true=_big(exp.paren(offset) + secs_r))]), "target_s"),
        )
        .from_(exp.alias_(exp.to_table(requests_table), r, table=True))
        .join(exp.alias_(exp.to_table(names["piece"]), a, table=True), on=piece_on, join_type="LEFT")
    )
    target = _col("target_s", p)
    offset_on = exp.and_(
        _col("calendar", b).eq(_col("calendar", p)),
        _col("bucket", b).eq(floordiv(target - exp.Literal.number(1), BUCKET)),
        _col("cum_before_s", b) < target,
        target <= _col("cum_end_s", b),
    )
    secs = _col("seconds", p)
    p_opened = _col("opened_at_s", p)
    # seconds > 0 only: no piece at the opened instant (target NULL) or no
    # interval reaching the target
    outside = _col("start_s", b).is_(exp.null())
    positive = secs > zero
    oor = exp.Case(ifs=[exp.If(this=positive, true=outside)], default=exp.false())
    due = exp.Case(
        ifs=[
            exp.If(this=secs < zero, true=exp.null()),
            exp.If(this=secs.eq(zero), true=p_opened),
        ],
        default=_col("start_s", b) + exp.paren(target - _col("cum_before_s", b)),
    )
    return (
        exp.select(_col("id", p), exp.alias_(_big(due), "due_s"), exp.alias_(oor, "out_of_range"))
        .with_("pos", pos)
        .from_(exp.alias_(exp.to_table("pos"), p, table=True))
        .join(exp.alias_(exp.to_table(names["offset"]), b, table=True), on=offset_on, join_type="LEFT")
    )


def due_query_sql(
    dialect: str,
    requests_table: str = "requests",
    calendar_table: str = "slalang_calendar",
    range_table: str = "slalang_calendar_range",
    tables: dict[str, str] | None = None,
) -> str:
    """`due_query` rendered for `dialect` (duckdb, spark, trino)."""
    return due_query(requests_table, calendar_table, range_table, tables).sql(dialect=dialect)
