"""Progress updates and the follow-up call in SQL, equal to the runtime's
`TicketOutcome.updates` and `.followup` (`slalang.runtime.engine.Rules`:
`_updates`, `_cadence_closed`, `_followup`).

`cadence_query(rule_file, inputs)` returns one row per ticket of the tickets
table:

    KEY, updates_status, updates_missed BIGINT, updates_due BIGINT,
    followup_status, followup_due BIGINT, error_key, error_column

`updates_*` are the runtime's `CadenceCheck` (status met | breached | pending
| excluded, missed, due) and all three are NULL where the runtime gives
`updates=None`: the priority has no cadence, no first response, no cadence
for the ticket's column, or neither a resolution nor `Inputs.at`. Likewise
`followup_*` (NULL without a resolution or without a follow-up in the rule
file; `followup_missed` is not a column: it is 1 exactly when the status is
breached with no follow-up call, 0 otherwise).

Semantics, as the runtime's (see its docstring):
- the cadence is chosen at `opened_at`: the update columns in order (plan,
  calendar working time, region, any/off_hours), then the `(priority,
  column)` rule; computed only when the ticket has a first response
  (`first_response_at`, not the resolution);
- the end is the resolution, or `Inputs.at` for an open ticket; the updates
  counted are those after the first response up to the end; each restarts
  the cadence;
- the cadence's measure M(t) is the clock's offset (the instant on the wall
  clock, working seconds on a business calendar) less the paused offsets
  before it, pauses only when the rule file has `pauses`
  (`Rules.pauses_apply`), merged as the union of their intervals in offset
  space; between consecutive points a < b (first response, updates, end)
  the deadlines missed are ⌊(M(b) − M(a) − 1)/N⌋, one more when N divides
  M(b) − M(a) and M(b − 1) = M(b) (the deadline came before b, which is
  off the clock); the first missed deadline and the next one are the
  earliest instants with the measure M(a) + N and M(last update) + N;
- an excluded ticket (an exclusion code) is `excluded`, missed 0, due kept.

`error_key`/`error_column` are the `TicketError` the runtime raises in this
part of `evaluate` (`ticket.no_column`/`region` when no update column takes
the ticket; `ticket.due_out_of_range`/`updates` where a business cadence
reads an instant outside the calendar's days), NULL otherwise; the other
columns are then NULL. This query does not repeat `Rules.validate`: the
outcome query (`slalang.sql.tickets`) reports those errors, and the metrics'
errors come first in the runtime. Join the two queries on KEY; a ticket
with an error in either is an error row, the outcome query's error first.

Tables: the cadence of a business clock reads two tables of its own
(`cadence_statements`), built in Python from the runtime's compiled
`BusinessCalendar`, so that every lookup is an equality join on a bucket
(portable, and fast on every engine):

    slalang_cadence_at    calendar TEXT, day BIGINT, start_s BIGINT,
                          next_s BIGINT, end_s BIGINT, cum_before_s BIGINT
    slalang_cadence_back  calendar TEXT, q BIGINT, start_s BIGINT,
                          cum_before_s BIGINT, cum_end_s BIGINT

`_at`: for an instant t in the calendar's days [lo, hi], the row with `day
= ⌊t/86400⌋` and `start_s <= t < next_s` gives offset(t) = cum_before_s +
min(t, end_s) − start_s (a row with start_s = end_s = lo before the first
working interval); no row outside [lo, hi]. `_back`: for an offset o > 0
the row with `q = ⌊(o−1)/86400⌋` and `cum_before_s < o <= cum_end_s` gives
the earliest instant start_s + o − cum_before_s (`BusinessCalendar._at_offset`);
no row past the calendar's total. Their names can be changed through
`Inputs.extra["cadence_at"]` and `Inputs.extra["cadence_back"]`.

`unsupported(rule_file)` lists what is not compiled (see there).
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from slalang.sql.calendar import compiled_calendars
from slalang.sql.expr import Zone, floordiv, lit, mod
from slalang.sql.inputs import Inputs, Unsupported

__all__ = [
    "AT_COLUMNS",
    "BACK_COLUMNS",
    "CADENCE_COLUMNS",
    "cadence_query",
    "cadence_sql",
    "cadence_statements",
    "unsupported",
]

CADENCE_COLUMNS = (
    "updates_status",
    "updates_missed",
    "updates_due",
    "followup_status",
    "followup_due",
    "error_key",
    "error_column",
)
AT_COLUMNS = (
    ("calendar", "TEXT"),
    ("day", "BIGINT"),
    ("start_s", "BIGINT"),
    ("next_s", "BIGINT"),
    ("end_s", "BIGINT"),
    ("cum_before_s", "BIGINT"),
)
BACK_COLUMNS = (
    ("calendar", "TEXT"),
    ("q", "BIGINT"),
    ("start_s", "BIGINT"),
    ("cum_before_s", "BIGINT"),
    ("cum_end_s", "BIGINT"),
)
DAY = 86400
_BUCKET = 86400  # offset seconds per row of the back table
_MAX_EVERY = 1 << 20  # floordiv's divisor limit
_BATCH = 1000
_COMPILED: dict[str, dict] = {}  # compiled calendars by rule-file checksum (compiling takes ~0.1 s a calendar)


def _calendars(rule_file) -> dict:
    key = rule_file.checksum
    if not (isinstance(key, str) and key.startswith("sha256:")):
        return compiled_calendars(rule_file)  # not a loaded rule file: no key to trust
    got = _COMPILED.get(key)
    if got is None:
        if len(_COMPILED) >= 8:
            _COMPILED.pop(next(iter(_COMPILED)))
        got = _COMPILED[key] = compiled_calendars(rule_file)
    return got


# ----------------------------------------------------------------- helpers
def _c(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def _s(text: str) -> exp.Literal:
    return exp.Literal.string(text)


def _case(pairs, default=None) -> exp.Expression:
    if not pairs:
        return default if default is not None else exp.null()
    return exp.Case(ifs=[exp.If(this=c, true=v) for c, v in pairs], default=default)


def _big(e: exp.Expression) -> exp.Expression:
    return exp.cast(e, "BIGINT")


def _min(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return _case([(a.copy() < b.copy(), a.copy())], b.copy())


def _max(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return _case([(a.copy() > b.copy(), a.copy())], b.copy())


def _tbl(name: str, alias: str) -> exp.Table:
    t = exp.to_table(name)
    t.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    return t


def _over(fn: exp.Expression, part: list, order: list, spec: exp.WindowSpec | None = None) -> exp.Window:
    return exp.Window(
        this=fn,
        partition_by=part,
        order=exp.Order(expressions=[exp.Ordered(this=o, nulls_first=False) for o in order]),
        spec=spec,
    )


def _rows(end_preceding: int | None) -> exp.WindowSpec:
    """ROWS BETWEEN UNBOUNDED PRECEDING AND (n PRECEDING | CURRENT ROW)."""
    if end_preceding is None:
        return exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW")
    return exp.WindowSpec(
        kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end=lit(end_preceding), end_side="PRECEDING"
    )


def _floordiv_by(x: exp.Expression, every: exp.Expression, values: list[int]) -> exp.Expression:
    """⌊x / every⌋ for a column `every` taking one of `values` (floordiv needs a constant)."""
    if len(values) == 1:
        return floordiv(x, values[0])
    return _case([(every.copy().eq(lit(v)), floordiv(x, v)) for v in values])


def _mod_by(x: exp.Expression, every: exp.Expression, values: list[int]) -> exp.Expression:
    if len(values) == 1:
        return mod(x, values[0])
    return _case([(every.copy().eq(lit(v)), mod(x, v)) for v in values])


# ----------------------------------------------------------------- what compiles
def unsupported(rule_file) -> list[Unsupported]:
    """What `cadence_query` does not compile (the Python runtime evaluates it):

    - `updates_days`: a progress-update cadence in calendar days or business
      days (`every 1d`, `every 1bd`, `1d2h`): the runtime walks those
      deadlines one by one (`_cadence_steps`, up to 100,000), not linear in
      any one measure; none of the example contracts has one;
    - `updates_long`: a cadence longer than 2^20 seconds (about 12 days) in
      hours or minutes, past the portable exact division (`expr.floordiv`)."""
    out: list[Unsupported] = []
    upd = rule_file.updates
    if upd is None:
        return out
    for r in upd.rules:
        where = r.priority if r.column is None else f"{r.priority} / {r.column}"
        if r.days:
            out.append(
                Unsupported(
                    "updates_days",
                    f"progress updates every {r.spelling} ({where}): a cadence in calendar or business days "
                    "is evaluated by the Python runtime only",
                    priority=r.priority,
                    column=r.column,
                    every=r.spelling,
                )
            )
        elif r.seconds > _MAX_EVERY:
            out.append(
                Unsupported(
                    "updates_long",
                    f"progress updates every {r.spelling} ({where}): a cadence longer than {_MAX_EVERY} seconds "
                    "is evaluated by the Python runtime only",
                    priority=r.priority,
                    column=r.column,
                    every=r.spelling,
                    limit=_MAX_EVERY,
                )
            )
    return out


# ----------------------------------------------------------------- tables
def _cal_keys(rule_file, name: str) -> list[str]:
    """The table keys of calendar `name`: itself, or one per regional variant."""
    keys = [c.name if c.region is None else f"{c.name}@{c.region}" for c in rule_file.calendars if c.name == name]
    plain = [c.name for c in rule_file.calendars if c.name == name and c.region is None]
    return plain or keys


def _used_calendars(rule_file) -> list[str]:
    """The calendars the update cadences read: business rules and calendar columns."""
    upd = rule_file.updates
    if upd is None:
        return []
    names = [r.calendar for r in upd.rules if r.clock == "business" and r.calendar]
    names += [c.calendar for c in upd.columns if c.kind == "calendar" and c.calendar]
    return list(dict.fromkeys(names))


def _at_rows(key: str, cal) -> Iterator[tuple]:
    starts, ends, cum = cal._starts, cal._ends, cal._cum
    lo, hi = cal.lo, cal.hi
    segs: list[tuple[int, int, int, int]] = []  # (start_s, next_s, end_s, cum_before_s)
    if not starts or starts[0] > lo:
        segs.append((lo, starts[0] if starts else hi + 1, lo, 0))
    for i, s in enumerate(starts):
        segs.append((s, starts[i + 1] if i + 1 < len(starts) else hi + 1, ends[i], cum[i]))
    for s, n, e, c in segs:
        for d in range(s // DAY, (n - 1) // DAY + 1):
            yield key, d, s, n, e, c


def _back_rows(key: str, cal) -> Iterator[tuple]:
    for s, e, c in zip(cal._starts, cal._ends, cal._cum):
        ce = c + e - s
        for q in range(c // _BUCKET, (ce - 1) // _BUCKET + 1):
            yield key, q, s, c, ce


def _create(table: str, columns) -> exp.Create:
    cols = [exp.ColumnDef(this=exp.to_identifier(n), kind=exp.DataType.build(t)) for n, t in columns]
    return exp.Create(this=exp.Schema(this=exp.to_table(table), expressions=cols), kind="TABLE")


def _inserts(table: str, columns, rows: list) -> Iterator[exp.Expression]:
    cols = [n for n, _ in columns]
    for i in range(0, len(rows), _BATCH):
        values = exp.Values(
            expressions=[exp.Tuple(expressions=[_s(r[0])] + [lit(v) for v in r[1:]]) for r in rows[i : i + _BATCH]]
        )
        yield exp.insert(values, table, columns=cols)


def _table_names(inputs: Inputs) -> tuple[str, str]:
    return inputs.extra.get("cadence_at", "slalang_cadence_at"), inputs.extra.get(
        "cadence_back", "slalang_cadence_back"
    )


def cadence_statements(rule_file, inputs: Inputs | None = None) -> list[exp.Expression]:
    """CREATE TABLE and INSERT … VALUES statements of the two bucket tables
    (empty when no cadence reads a business calendar)."""
    inputs = inputs or Inputs()
    names = _used_calendars(rule_file)
    if not names:
        return []
    at_t, back_t = _table_names(inputs)
    cals = _calendars(rule_file)
    at_rows: list[tuple] = []
    back_rows: list[tuple] = []
    for name in names:
        for key in _cal_keys(rule_file, name):
            at_rows.extend(_at_rows(key, cals[key]))
            back_rows.extend(_back_rows(key, cals[key]))
    out: list[exp.Expression] = [_create(at_t, AT_COLUMNS)]
    out.extend(_inserts(at_t, AT_COLUMNS, at_rows))
    out.append(_create(back_t, BACK_COLUMNS))
    out.extend(_inserts(back_t, BACK_COLUMNS, back_rows))
    return out


# ----------------------------------------------------------------- query
class _Build:
    def __init__(self, rule_file, inputs: Inputs):
        self.rf, self.inp = rule_file, inputs
        self.key = inputs.key
        self.at_t, self.back_t = _table_names(inputs)
        self.plain = {c.name for c in rule_file.calendars if c.region is None}
        self.cals = _calendars(rule_file)
        self.pauses = rule_file.pauses is not None

    def cal_key(self, name: str, region: exp.Expression) -> exp.Expression:
        if name in self.plain:
            return _s(name)
        return exp.DPipe(this=_s(name + "@"), expression=region.copy(), safe=True)

    def per_cal(self, cal: exp.Expression, attr: str) -> exp.Expression:
        """lo / hi of the calendar named by column `cal` (literals by key)."""
        keys = sorted({k for n in _used_calendars(self.rf) for k in _cal_keys(self.rf, n)})
        return _case([(cal.copy().eq(_s(k)), lit(getattr(self.cals[k], attr))) for k in keys])

    def offset_join(self, q: exp.Select, alias: str, cal: exp.Expression, t: exp.Expression) -> exp.Select:
        cond = exp.and_(
            _c("calendar", alias).eq(cal.copy()),
            _c("day", alias).eq(floordiv(t, DAY)),
            _c("start_s", alias) <= t.copy(),
            t.copy() < _c("next_s", alias),
        )
        return q.join(_tbl(self.at_t, alias), on=cond, join_type="LEFT", copy=False)

    @staticmethod
    def offset_of(alias: str, t: exp.Expression) -> exp.Expression:
        return _c("cum_before_s", alias) + exp.paren(_min(t, _c("end_s", alias)) - _c("start_s", alias))


def cadence_query(rule_file, inputs: Inputs | None = None) -> exp.Select:
    """SELECT KEY, updates_status, updates_missed, updates_due,
    followup_status, followup_due, error_key, error_column — one row per
    ticket (see the module docstring). Raises the first of
    `unsupported(rule_file)`."""
    inputs = inputs or Inputs()
    problems = unsupported(rule_file)
    if problems:
        raise problems[0]
    b = _Build(rule_file, inputs)
    K = b.key
    upd = rule_file.updates
    null = exp.null

    def src(name: str) -> exp.Expression:
        return _c(name, "t") if inputs.has(name) else exp.cast(null(), "BIGINT")

    def src_text(name: str) -> exp.Expression:
        return _c(name, "t") if inputs.has(name) else exp.cast(null(), "VARCHAR")

    # ---- cad_t: every ticket, its update column and cadence rule
    opened = _c("opened_at", "t")
    region = src_text("region")
    plan = src_text("plan")
    q = exp.select(
        exp.alias_(_c(K, "t"), K, quoted=True),
        exp.alias_(_c("priority", "t"), "priority", quoted=True),
        exp.alias_(src("first_response_at"), "fr", quoted=True),
        exp.alias_(src("resolved_at"), "rs", quoted=True),
        exp.alias_(src("followup_at"), "fu", quoted=True),
        exp.alias_(src_text("exclusion"), "excl", quoted=True),
        exp.alias_(region, "region", quoted=True),
    ).from_(_tbl(inputs.tickets, "t"))
    rules = list(upd.rules) if upd is not None else []
    columns = list(upd.columns) if upd is not None else []
    every_values = sorted({r.seconds for r in rules})
    # The chosen column's index (-1: calendar out of range, -2: no column takes it).
    col_idx: exp.Expression
    if not columns:
        col_idx = lit(0)
    else:
        pairs = []
        for i, c in enumerate(columns):
            on_plan = plan.copy().eq(_s(c.plan)) if c.plan is not None else None

            def gated(x, on_plan=on_plan):
                return x if on_plan is None else exp.and_(on_plan.copy(), x)

            if c.kind == "calendar":
                a = f"cc{i}"
                q = b.offset_join(q, a, b.cal_key(c.calendar, region), opened)
                pairs.append((gated(_c("start_s", a).is_(null())), lit(-1)))
                pairs.append((gated(opened.copy() < _c("end_s", a)), lit(i)))
            elif c.kind == "region":
                pairs.append((gated(region.copy().eq(_s(c.region))), lit(i)))
            else:
                pairs.append((on_plan if on_plan is not None else exp.true(), lit(i)))
        col_idx = _case(pairs, lit(-2))
    q = q.select(exp.alias_(col_idx, "ci", quoted=True))
    cad_t = q

    # Rules: (priority, column index) → rule index.
    col_index = {c.name: i for i, c in enumerate(columns)}
    prio = _c("priority")
    ci = _c("ci")
    rid_pairs = []
    for j, r in enumerate(rules):
        if columns:
            if r.column is None or r.column not in col_index:
                continue  # the runtime looks up (priority, column name): a rule without a column never applies
            cnd = exp.and_(prio.copy().eq(_s(r.priority)), ci.copy().eq(lit(col_index[r.column])))
        else:
            if r.column is not None:
                continue
            cnd = prio.copy().eq(_s(r.priority))
        rid_pairs.append((cnd, lit(j)))
    rid = _case(rid_pairs)
    upd_prios = sorted({r.priority for r in rules})
    at = lit(inputs.at) if inputs.at is not None else exp.cast(null(), "BIGINT")
    end = exp.Coalesce(this=_c("rs"), expressions=[at])
    # cad_r: the tickets whose cadence is computed (the runtime asks only with a first response).
    asked = exp.and_(
        prio.copy().isin(*[_s(p) for p in upd_prios]) if upd_prios else exp.false(),
        _c("fr").is_(null()).not_(),
    )
    rid_c = _c("rid")
    every = _case([(rid_c.copy().eq(lit(j)), lit(r.seconds)) for j, r in enumerate(rules)])
    cal = _case(
        [
            (rid_c.copy().eq(lit(j)), b.cal_key(r.calendar, _c("region")))
            for j, r in enumerate(rules)
            if r.clock == "business" and r.calendar
        ],
        exp.cast(null(), "VARCHAR"),
    )
    business = any(r.clock == "business" for r in rules)
    r0 = (
        exp.select(
            _c(K), _c("fr"), _c("rs"), _c("ci"), exp.alias_(rid, "rid", quoted=True), exp.alias_(end, "e", quoted=True)
        )
        .from_("cad_t")
        .where(asked)
    )
    cad_r = exp.select(
        _c(K),
        _c("fr"),
        _c("rs"),
        _c("ci"),
        _c("rid"),
        _c("e"),
        exp.alias_(every, "every", quoted=True),
        exp.alias_(cal, "cal", quoted=True),
    ).from_(exp.alias_(exp.Subquery(this=r0), "r0", table=True))
    if business:
        # the region is needed for a regional calendar's key
        r0 = r0.select(_c("region"))
        cad_r = exp.select(
            _c(K),
            _c("fr"),
            _c("rs"),
            _c("ci"),
            _c("rid"),
            _c("e"),
            exp.alias_(every, "every", quoted=True),
            exp.alias_(cal, "cal", quoted=True),
        ).from_(exp.alias_(exp.Subquery(this=r0), "r0", table=True))
    # cad_live: a rule and an end (else updates=None), the column found
    live = exp.and_(_c("rid").is_(null()).not_(), _c("e").is_(null()).not_(), _c("ci") >= lit(0))
    cad_live = exp.select("*").from_("cad_r").where(live)

    # ---- points: first response, updates in (first, end], the end
    pts = (
        exp.select(_c(K), exp.alias_(_c("fr"), "p", quoted=True), exp.alias_(lit(1), "up", quoted=True))
        .from_("cad_live")
        .union(
            exp.select(
                exp.alias_(_c(K, "l"), K, quoted=True),
                exp.alias_(_c("at", "u"), "p", quoted=True),
                exp.alias_(lit(1), "up", quoted=True),
            )
            .from_(_tbl(inputs.updates, "u"))
            .join(_tbl("cad_live", "l"), on=_c(K, "u").eq(_c(K, "l")))
            .where(exp.and_(_c("at", "u") > _c("fr", "l"), _c("at", "u") <= _c("e", "l"))),
            distinct=False,
        )
        .union(
            exp.select(_c(K), exp.alias_(_c("e"), "p", quoted=True), exp.alias_(lit(0), "up", quoted=True))
            .from_("cad_live")
            .where(_c("e") > _c("fr")),
            distinct=False,
        )
    )
    # Not made distinct: a point repeated (an update twice, the end on an update) is a gap of
    # measure 0, which misses nothing and changes neither the first missed nor the last update.
    cad_pts = pts
    # ---- point offsets: o = off(p); step = off(p) − off(p − 1)
    p = _c("p", "x")
    po = exp.select(
        exp.alias_(_c(K, "x"), K, quoted=True),
        exp.alias_(p, "p", quoted=True),
        exp.alias_(_c("up", "x"), "up", quoted=True),
        exp.alias_(_c("every", "l"), "every", quoted=True),
    )
    po = po.from_(_tbl("cad_pts", "x")).join(_tbl("cad_live", "l"), on=_c(K, "x").eq(_c(K, "l")))
    if business:
        po = b.offset_join(po, "z", _c("cal", "l"), p)
        o = _case([(_c("cal", "l").is_(null()), p.copy())], b.offset_of("z", p))
        step = _case(
            [
                (_c("cal", "l").is_(null()), lit(1)),
                (exp.and_(_c("start_s", "z") < p.copy(), p.copy() <= _c("end_s", "z")), lit(1)),
            ],
            lit(0),
        )
    else:
        o, step = p.copy(), lit(1)
    po = po.select(exp.alias_(_big(o), "o", quoted=True), exp.alias_(step, "step", quoted=True))
    ctes: list[tuple[str, exp.Query]] = [
        ("cad_t", cad_t),
        ("cad_r", cad_r),
        ("cad_live", cad_live),
        ("cad_pts", cad_pts),
        ("cad_po", po),
    ]

    # ---- pauses: merged intervals of the clock's offsets (only with `pauses`)
    if b.pauses:
        ps, pe = _c("start_at", "y"), _c("end_at", "y")
        fr = _c("fr", "l")
        a_t = _max(ps, fr)
        hi = b.per_cal(_c("cal", "l"), "hi")
        lo = b.per_cal(_c("cal", "l"), "lo")
        pz = (
            exp.select(exp.alias_(_c(K, "l"), K, quoted=True))
            .from_(_tbl(inputs.pauses, "y"))
            .join(_tbl("cad_live", "l"), on=_c(K, "y").eq(_c(K, "l")))
            .where(pe > fr.copy())
        )
        if business:
            b_t = _case([(_c("cal", "l").is_(null()).not_().and_(pe.copy() > hi.copy()), hi.copy())], pe.copy())
            pz = b.offset_join(pz, "za", _c("cal", "l"), a_t)
            pz = b.offset_join(pz, "zb", _c("cal", "l"), b_t)
            is_b = _c("cal", "l").is_(null()).not_()
            bad = exp.and_(
                is_b,
                exp.paren(exp.or_(a_t.copy() > hi.copy(), a_t.copy() < lo.copy(), pe.copy() < lo.copy())),
            )
            oa = _case([(is_b.copy(), b.offset_of("za", a_t))], a_t.copy())
            ob = _case([(is_b.copy(), b.offset_of("zb", b_t))], b_t.copy())
            pz = pz.select(
                exp.alias_(_big(oa), "pa", quoted=True),
                exp.alias_(_big(ob), "pb", quoted=True),
                exp.alias_(_case([(bad, lit(1))], lit(0)), "bad", quoted=True),
            )
        else:
            pz = pz.select(
                exp.alias_(a_t, "pa", quoted=True),
                exp.alias_(pe.copy(), "pb", quoted=True),
                exp.alias_(lit(0), "bad", quoted=True),
            )
        cad_perr = (
            exp.select(_c(K), exp.alias_(exp.Max(this=_c("bad")), "bad", quoted=True)).from_("cad_pz").group_by(_c(K))
        )
        prev = _over(exp.Max(this=_c("pb")), [_c(K)], [_c("pa"), _c("pb")], _rows(1))
        # Distinct intervals, so that (pa, pb) orders each ticket's rows totally and the
        # two windows below see them in the same order (equal rows would swap between them).
        distinct = exp.select(_c(K), _c("pa"), _c("pb")).distinct().from_("cad_pz").where(_c("pb") > _c("pa"))
        cad_pw = exp.select(_c(K), _c("pa"), _c("pb"), exp.alias_(prev, "prev", quoted=True)).from_(
            exp.alias_(exp.Subquery(this=distinct), "dz", table=True)
        )
        new = _case([(exp.or_(_c("prev").is_(null()), _c("pa") > _c("prev")), lit(1))], lit(0))
        grp = _over(exp.Sum(this=new), [_c(K)], [_c("pa"), _c("pb")], _rows(None))
        cad_pg = exp.select(_c(K), _c("pa"), _c("pb"), exp.alias_(grp, "g", quoted=True)).from_("cad_pw")
        cad_pm = (
            exp.select(
                _c(K),
                exp.alias_(exp.Min(this=_c("pa")), "ia", quoted=True),
                exp.alias_(exp.Max(this=_c("pb")), "ib", quoted=True),
            )
            .from_("cad_pg")
            .group_by(_c(K), _c("g"))
        )
        before = _over(exp.Sum(this=_c("ib") - _c("ia")), [_c(K)], [_c("ia")], _rows(1))
        cad_isl = exp.select(
            _c(K),
            _c("ia"),
            _c("ib"),
            exp.alias_(_c("ia") - exp.Coalesce(this=before, expressions=[lit(0)]), "imu", quoted=True),
        ).from_("cad_pm")
        ctes += [
            ("cad_pz", pz),
            ("cad_perr", cad_perr),
            ("cad_pw", cad_pw),
            ("cad_pg", cad_pg),
            ("cad_pm", cad_pm),
            ("cad_isl", cad_isl),
        ]
        # measures of the points
        o_ = _c("o", "v")
        paused = exp.Sum(this=_min(_c("ib", "i"), o_) - _c("ia", "i"))
        inpause = exp.Max(this=_case([(o_.copy() <= _c("ib", "i"), lit(1))], lit(0)))
        # Distinct points here: each island is joined to each point once (the sums below).
        paused_pts = (
            exp.select(_c(K, "x"), _c("p", "x"), _c("up", "x"), _c("every", "x"), _c("o", "x"), _c("step", "x"))
            .distinct()
            .from_(_tbl("cad_po", "x"))
            .join(_tbl("cad_hk", "h"), on=_c(K, "h").eq(_c(K, "x")))
        )
        cad_pmz = (
            exp.select(
                exp.alias_(_c(K, "v"), K, quoted=True),
                exp.alias_(_c("p", "v"), "p", quoted=True),
                exp.alias_(_c("up", "v"), "up", quoted=True),
                exp.alias_(_c("every", "v"), "every", quoted=True),
                exp.alias_(o_.copy() - exp.Coalesce(this=paused, expressions=[lit(0)]), "m", quoted=True),
                exp.alias_(
                    _case(
                        [
                            (
                                exp.or_(
                                    _c("step", "v").eq(lit(0)),
                                    exp.Coalesce(this=inpause, expressions=[lit(0)]).eq(lit(1)),
                                ),
                                exp.true(),
                            )
                        ],
                        exp.false(),
                    ),
                    "offc",
                    quoted=True,
                ),
            )
            .from_(exp.alias_(exp.Subquery(this=paused_pts), "v", table=True))
            .join(
                _tbl("cad_isl", "i"),
                on=exp.and_(_c(K, "i").eq(_c(K, "v")), _c("ia", "i") < o_.copy()),
                join_type="LEFT",
            )
            .group_by(_c(K, "v"), _c("p", "v"), _c("up", "v"), _c("every", "v"), o_.copy(), _c("step", "v"))
        )
        # The points of tickets without a pause after the first response: the measure is the offset.
        unpaused = (
            exp.select(
                exp.alias_(_c(K, "v"), K, quoted=True),
                exp.alias_(_c("p", "v"), "p", quoted=True),
                exp.alias_(_c("up", "v"), "up", quoted=True),
                exp.alias_(_c("every", "v"), "every", quoted=True),
                exp.alias_(_c("o", "v"), "m", quoted=True),
                exp.alias_(_case([(_c("step", "v").eq(lit(0)), exp.true())], exp.false()), "offc", quoted=True),
            )
            .from_(_tbl("cad_po", "v"))
            .join(_tbl("cad_hk", "h"), on=_c(K, "h").eq(_c(K, "v")), join_type="LEFT")
            .where(_c(K, "h").is_(null()))
        )
        cad_ms: exp.Query = cad_pmz.union(unpaused, distinct=False)
        ctes.append(("cad_hk", exp.select(_c(K)).distinct().from_("cad_isl")))
    else:
        cad_ms = exp.select(
            _c(K),
            _c("p"),
            _c("up"),
            _c("every"),
            exp.alias_(_c("o"), "m", quoted=True),
            exp.alias_(_c("step").eq(lit(0)), "offc", quoted=True),
        ).from_("cad_po")
    ctes.append(("cad_ms", cad_ms))

    # ---- gaps between consecutive points
    m0 = _over(exp.Lag(this=_c("m")), [_c(K)], [_c("p")])
    cad_g0 = exp.select(_c(K), _c("p"), _c("up"), _c("every"), _c("m"), _c("offc"), exp.alias_(m0, "m0", quoted=True))
    cad_g0 = cad_g0.from_("cad_ms")
    d = _c("m") - _c("m0")
    n = _case(
        [(exp.or_(_c("m0").is_(null()), _c("m") <= _c("m0")), lit(0))],
        _floordiv_by(d - lit(1), _c("every"), every_values)
        + _case([(exp.and_(_mod_by(d, _c("every"), every_values).eq(lit(0)), _c("offc")), lit(1))], lit(0)),
    )
    cad_g = exp.select(_c(K), _c("up"), _c("m"), _c("m0"), _c("every"), exp.alias_(n, "n", quoted=True)).from_("cad_g0")
    cad_a = (
        exp.select(
            _c(K),
            exp.alias_(_big(exp.Sum(this=_c("n"))), "missed", quoted=True),
            exp.alias_(exp.Min(this=_case([(_c("n") > lit(0), _c("m0"))])), "fm0", quoted=True),
            exp.alias_(exp.Max(this=_case([(_c("up").eq(lit(1)), _c("m"))])), "lastm", quoted=True),
        )
        .from_("cad_g")
        .group_by(_c(K))
    )
    ctes += [("cad_g0", cad_g0), ("cad_g", cad_g), ("cad_a", cad_a)]

    # ---- the one instant asked per ticket: the first missed deadline, or the next one
    target = _case(
        [
            (_c("missed", "a") > lit(0), _c("fm0", "a") + _c("every", "l")),
            (_c("rs", "l").is_(null()), _c("lastm", "a") + _c("every", "l")),
        ]
    )
    cad_m = (
        exp.select(
            exp.alias_(_c(K, "l"), K, quoted=True),
            exp.alias_(_c("cal", "l"), "cal", quoted=True),
            exp.alias_(_big(target), "mt", quoted=True),
        )
        .from_(_tbl("cad_live", "l"))
        .join(_tbl("cad_a", "a"), on=_c(K, "a").eq(_c(K, "l")))
    )
    ctes.append(("cad_m", cad_m))
    if b.pauses:
        extra = exp.Sum(this=_c("ib", "i") - _c("ia", "i"))
        cad_o = (
            exp.select(
                exp.alias_(_c(K, "w"), K, quoted=True),
                exp.alias_(_c("cal", "w"), "cal", quoted=True),
                exp.alias_(_c("mt", "w") + exp.Coalesce(this=extra, expressions=[lit(0)]), "ot", quoted=True),
            )
            .from_(_tbl("cad_m", "w"))
            .join(
                _tbl("cad_isl", "i"),
                on=exp.and_(_c(K, "i").eq(_c(K, "w")), _c("imu", "i") < _c("mt", "w")),
                join_type="LEFT",
            )
            .group_by(_c(K, "w"), _c("cal", "w"), _c("mt", "w"))
        )
    else:
        cad_o = exp.select(_c(K), _c("cal"), exp.alias_(_c("mt"), "ot", quoted=True)).from_("cad_m")
    ctes.append(("cad_o", cad_o))
    ot = _c("ot", "w")
    if business:
        cond = exp.and_(
            _c("calendar", "bk").eq(_c("cal", "w")),
            _c("q", "bk").eq(floordiv(ot - lit(1), _BUCKET)),
            _c("cum_before_s", "bk") < ot.copy(),
            ot.copy() <= _c("cum_end_s", "bk"),
        )
        inst = _case(
            [(_c("cal", "w").is_(null()), ot.copy())],
            _c("start_s", "bk") + ot.copy() - _c("cum_before_s", "bk"),
        )
        cad_i = (
            exp.select(exp.alias_(_c(K, "w"), K, quoted=True), exp.alias_(_big(inst), "due", quoted=True))
            .from_(_tbl("cad_o", "w"))
            .join(_tbl(b.back_t, "bk"), on=cond, join_type="LEFT")
        )
    else:
        cad_i = exp.select(_c(K), exp.alias_(_c("ot"), "due", quoted=True)).from_("cad_o")
    ctes.append(("cad_i", cad_i))

    # ---- the answer
    T, R, A, I = "t", "r", "a", "i"  # noqa: N806
    q = exp.select(exp.alias_(_c(K, T), K, quoted=True)).from_(_tbl("cad_t", T))
    q = q.join(_tbl("cad_r", R), on=_c(K, R).eq(_c(K, T)), join_type="LEFT")
    q = q.join(_tbl("cad_a", A), on=_c(K, A).eq(_c(K, T)), join_type="LEFT")
    q = q.join(_tbl("cad_i", I), on=_c(K, I).eq(_c(K, T)), join_type="LEFT")
    errs: list[tuple[exp.Condition, str, str]] = []
    asked_r = _c(K, R).is_(null()).not_()
    errs.append((exp.and_(asked_r, _c("ci", R).eq(lit(-2))), "ticket.no_column", "region"))
    errs.append((exp.and_(asked_r, _c("ci", R).eq(lit(-1))), "ticket.due_out_of_range", "opened_at"))
    live_r = exp.and_(asked_r, _c("rid", R).is_(null()).not_(), _c("e", R).is_(null()).not_(), _c("ci", R) >= lit(0))
    if business:
        lo = b.per_cal(_c("cal", R), "lo")
        hi = b.per_cal(_c("cal", R), "hi")
        rng = exp.and_(
            live_r.copy(),
            _c("cal", R).is_(null()).not_(),
            _c("e", R) > _c("fr", R),
            exp.paren(exp.or_(_c("fr", R) < lo, _c("e", R) > hi)),
        )
        if b.pauses:
            q = q.join(_tbl("cad_perr", "pe"), on=_c(K, "pe").eq(_c(K, T)), join_type="LEFT")
            rng = exp.or_(rng, exp.and_(live_r.copy(), _c("bad", "pe").eq(lit(1))))
        errs.append((rng, "ticket.due_out_of_range", "updates"))
    err_key = _case([(c, _s(k)) for c, k, _ in errs], exp.cast(null(), "VARCHAR"))
    err_col = _case([(c.copy(), _s(col)) for c, _, col in errs], exp.cast(null(), "VARCHAR"))
    erred = exp.or_(*[c.copy() for c, _, _ in errs])
    excluded = _c("excl", T).is_(null()).not_()
    missed = _c("missed", A)
    status = _case(
        [
            (exp.or_(erred.copy(), live_r.copy().not_()), exp.cast(null(), "VARCHAR")),
            (excluded.copy(), _s("excluded")),
            (missed > lit(0), _s("breached")),
            (_c("rs", R).is_(null()).not_(), _s("met")),
        ],
        _s("pending"),
    )
    u_missed = _case(
        [
            (exp.or_(erred.copy(), live_r.copy().not_()), exp.cast(null(), "BIGINT")),
            (excluded.copy(), lit(0)),
        ],
        missed.copy(),
    )
    u_due = _case(
        [
            (exp.or_(erred.copy(), live_r.copy().not_()), exp.cast(null(), "BIGINT")),
            (exp.and_(missed.copy().eq(lit(0)), _c("rs", R).is_(null()).not_()), exp.cast(null(), "BIGINT")),
        ],
        _c("due", I),
    )
    fol = rule_file.followup
    rs_t = _c("rs", T)
    if fol is not None:
        fdue = (
            rs_t.copy() + lit(fol.seconds)
            if not fol.days
            else Zone.of(rule_file.timezone).wall_due(rs_t.copy(), fol.days, fol.seconds)
        )
    else:
        fdue = exp.cast(null(), "BIGINT")
    q = q.select(
        exp.alias_(status, "updates_status", quoted=True),
        exp.alias_(_big(u_missed), "updates_missed", quoted=True),
        exp.alias_(_big(u_due), "updates_due", quoted=True),
    )
    # follow-up: computed in an outer select on its due time
    if fol is not None:
        q = q.select(exp.alias_(_big(fdue), "fdue", quoted=True), _c("fu", T), _c("excl", T), _c("rs", T))
    q = q.select(exp.alias_(err_key, "error_key", quoted=True), exp.alias_(err_col, "error_column", quoted=True))
    fd = _c("fdue")
    if fol is not None:
        fstatus = _case(
            [
                (exp.or_(_c("rs").is_(null()), _c("error_key").is_(null()).not_()), exp.cast(null(), "VARCHAR")),
                (_c("excl").is_(null()).not_(), _s("excluded")),
                (_c("fu").is_(null()).not_(), _case([(_c("fu") <= fd, _s("met"))], _s("breached"))),
                (at.copy() > fd.copy(), _s("breached")),
            ],
            _s("pending"),
        )
        fdue_out = _case(
            [(exp.or_(_c("rs").is_(null()), _c("error_key").is_(null()).not_()), exp.cast(null(), "BIGINT"))],
            fd.copy(),
        )
    else:
        fstatus, fdue_out = exp.cast(null(), "VARCHAR"), exp.cast(null(), "BIGINT")
    outer = exp.select(
        _c(K),
        _c("updates_status"),
        _c("updates_missed"),
        _c("updates_due"),
        exp.alias_(fstatus, "followup_status", quoted=True),
        exp.alias_(_big(fdue_out), "followup_due", quoted=True),
        _c("error_key"),
        _c("error_column"),
    ).from_(exp.alias_(exp.Subquery(this=q), "cad_out", table=True))
    for name, body in ctes:
        outer = outer.with_(name, as_=body, copy=False)
    return outer


def cadence_sql(rule_file, dialect: str, inputs: Inputs | None = None) -> str:
    """`cadence_query` rendered for `dialect` (duckdb, spark, trino)."""
    return cadence_query(rule_file, inputs).sql(dialect=dialect)
