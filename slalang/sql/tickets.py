"""The outcome query: every ticket's deadlines, statuses, warnings, credits
and row error in SQL, equal to `Rules.evaluate(ticket, at=inputs.at,
unmeasured=inputs.unmeasured(), unknown_flags=inputs.unknown_flags(rules))`.

`outcome_query(rule_file, inputs)` reads the input tables of
`slalang.sql.inputs` (tickets, pauses) and the calendar tables of
`slalang.sql.calendar` (range, piece, offset, day; names from
`inputs.calendar_range` and `inputs.extra` keys `piece`, `offset`, `day`)
and returns one row per ticket:

  KEY; per metric M of the rule file, in its order:
    M_column VARCHAR   the matrix column ('' while the clock has not started
                       and the choice needs an instant)
    M_target VARCHAR   the target as written ('-' no commitment, '' none)
    M_clock  VARCHAR   wall | business | none
    M_due    BIGINT    the due time (NULL: none)
    M_event  BIGINT    the response (first response or resolution, the
                       earlier) or the resolution
    M_status VARCHAR   met | breached | pending | excluded | no_commitment |
                       not_measured
    M_late   BIGINT    wall seconds after the due time
    M_warning VARCHAR  yellow | orange | red | NULL
    M_done, M_total BIGINT  seconds of the target's clock elapsed at the
                       event (or `at`) and in the whole target, pauses out
    M_line   INT       the matrix row's source line (0: none)
  credit_L DECIMAL(38, S) per step ladder L on a ticket metric (S =
    `money.money_scale`): what L owes, exact and unrounded (minimum, then
    the cap rounded down to the quantum, applied); NULL when L owes nothing
    (no entry in `TicketOutcome.credits`);
  breached BOOLEAN;
  error_key, error_column VARCHAR: NULL, or the TicketError the runtime
    raises (its `key` and `column`); then every other column is NULL.

Semantics, in the runtime's order:
- validate(): unknown priority; opened outside the effective period; an
  instant before opened_at (first response, resolution, follow-up, each
  clock start); a pause ending before it starts; an unknown exclusion code;
  region and plan where columns or calendars go by them; the product where
  a credit is a share of its fee, or where a ladder names products;
- per metric: the clock starts at opened_at or at its `from NAME` column
  (absent: not_measured; NULL: not started, as `_not_started`); the column
  is the first whose plan matches and whose window takes the clock start
  (a calendar column on its calendar's working time, the ticket region's
  variant of a regional calendar); the row is the priority's first
  conditional row whose flag the ticket has, else its plain row (a flag
  without an input column makes the metric not_measured); the due time is
  wall (`m`, `h`; `d` through `Zone.wall_due`) or business (`bh`, `bd`:
  the piece, day and offset tables, `BusinessCalendar.deadline`);
- pauses (only when the rule file has a `pauses` statement): sorted by
  (start, end), each clipped to start where the ones before end (a running
  MAX), the counted ones a prefix (a running count of the pauses that start
  at or after the moving due time); each pushes the due time by its length
  on the target's clock; warnings leave the counted pauses out (`_progress`);
- CalendarRangeError as the runtime raises it: `ticket.due_beyond_calendar`
  when the clock start is not before the calendar's first instant, else
  `ticket.due_out_of_range`; a calendar column's window at an instant
  outside its calendar: `ticket.due_out_of_range`; no column taking the
  ticket: `ticket.no_column`; a percentage credit for a product without a
  fee: `ticket.no_fee`;
- credits: per step ladder on a breached metric, started (⌈late/S⌉, at least
  1) or full (⌊late/S⌋) steps; products filter; minimum; cap rounded down.

`unsupported(rule_file)` lists what this builder does not compile (empty
for every example contract; only a rule file whose amounts need more than
18 digits after the point, `money_scale`); `outcome_query` raises the first.

Shape and cost: a chain of CTEs, one stage per step of the runtime, with
every calendar question an equality join on (calendar key, day bucket)
plus a residual filter on the piece, offset and day tables (no range join
over a whole calendar, no correlated subquery); a lookup at one instant on
one calendar is shared by the metrics that need it; pauses are a window
pass over the pauses table joined to the tickets that have a target.
Measured on DuckDB (2 threads on a shared, loaded 2-core machine): itops,
1M generated tickets (10 % with a pause), `at` set: 3.9 s (255k tickets/s)
counted, 7 s materialised. Spark's analyzer needs
`spark.sql.analyzer.maxIterations` above its default 100 for the CTE chain
(1000 works; the results then equal the runtime).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

import sqlglot
from sqlglot import exp

from slalang.sql.calendar import BUCKET, TABLES, compiled_calendars
from slalang.sql.expr import Zone, floordiv
from slalang.sql.inputs import Inputs, Unsupported, start_columns
from slalang.sql.money import money_literal, money_scale

__all__ = ["outcome_query", "outcome_sql", "unsupported"]


def _q(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql(dialect="duckdb")


def _s(text: str) -> str:
    return exp.Literal.string(text).sql(dialect="duckdb")


def _in(col: str, values) -> str:
    values = list(values)
    if not values:
        return "FALSE"
    return f"{col} IN ({', '.join(_s(v) for v in values)})"


def _parse(text: str) -> exp.Expression:
    return sqlglot.parse_one(text, read="duckdb")  # type: ignore[return-value]


def _fd(a: str, b: int) -> str:
    return floordiv(_parse(a), b).sql(dialect="duckdb")


def unsupported(rule_file) -> list[Unsupported]:
    """The constructs of `rule_file` the outcome query does not compile."""
    out: list[Unsupported] = []
    try:
        money_scale(rule_file)
    except Unsupported as exc:
        out.append(exc)
    return out


class _Cells:
    """The matrix cells of one metric, numbered: (priority, flag or None, column) → id."""

    def __init__(self, rule_file, metric: str, priorities: list[str]):
        self.targets: list = []
        self.plain: dict[str, dict[str, int | None]] = {p: {} for p in priorities}
        self.conds: dict[str, dict[str, dict[str, int | None]]] = {}
        for t in rule_file.targets:
            if t.metric != metric:
                continue
            tid = None
            if t.clock != "none":
                tid = len(self.targets)
                self.targets.append(t)
            if t.when is None:
                self.plain.setdefault(t.priority, {})[t.column] = tid
            else:
                self.conds.setdefault(t.priority, {}).setdefault(t.when, {})[t.column] = tid


class _Builder:
    def __init__(self, rule_file, inputs: Inputs):
        from slalang.runtime.engine import Rules

        self.rf, self.inp = rule_file, inputs
        self.rules = Rules(rule_file)
        self.cals = compiled_calendars(rule_file)
        self.scale = money_scale(rule_file)
        self.tables = {**TABLES, **{k: v for k, v in inputs.extra.items() if k in TABLES}}
        self.tables["range"] = inputs.calendar_range
        self.unmeasured = inputs.unmeasured()
        self.unknown = inputs.unknown_flags(rule_file)
        self.regional = {c.name for c in rule_file.calendars if c.region is not None}
        self.plain_cals = {c.name for c in rule_file.calendars if c.region is None}
        self.ctes: list[tuple[str, str]] = []
        self.looked_up: dict[tuple[str, str], tuple[str, int]] = {}  # (clock start, calendar) → (metric, index)

    # ---------------------------------------------------------------- helpers
    def col(self, name: str) -> str:
        """A ticket column, or NULL when the input has none."""
        if name in ("id", "priority", "opened_at") or self.inp.has(name):
            return "t." + _q(name)
        return "NULL"

    def calkey(self, name: str) -> str:
        """The table key of calendar `name` for the ticket's region."""
        if name in self.plain_cals:
            return _s(name)
        whens = " ".join(
            f"WHEN region = {_s(c.region)} THEN {_s(name + '@' + c.region)}"
            for c in self.rf.calendars
            if c.name == name and c.region is not None
        )
        return f"(CASE {whens} END)"

    def calattr(self, name: str, what) -> str:
        """A static value per calendar key (lo, hi) for calendar `name`."""
        if name in self.plain_cals:
            return str(what(self.cals[name]))
        whens = " ".join(
            f"WHEN region = {_s(c.region)} THEN {what(self.cals[name + '@' + c.region])}"
            for c in self.rf.calendars
            if c.name == name and c.region is not None
        )
        return f"(CASE {whens} END)"

    def piece_join(self, alias: str, key: str, t: str) -> str:
        return (
            f"LEFT JOIN {self.tables['piece']} AS {alias} ON {alias}.calendar = {key} "
            f"AND {alias}.bucket = {_fd(t, BUCKET)} AND {alias}.a_s <= {t} AND {t} < {alias}.b_s"
        )

    def offset_join(self, alias: str, key: str, target: str) -> str:
        return (
            f"LEFT JOIN {self.tables['offset']} AS {alias} ON {alias}.calendar = {key} "
            f"AND {alias}.bucket = {_fd(f'{target} - 1', BUCKET)} AND {alias}.cum_before_s < {target} "
            f"AND {target} <= {alias}.cum_end_s"
        )

    @staticmethod
    def off(alias: str, t: str) -> str:
        return f"({alias}.off_a_s + CASE WHEN {alias}.working = 1 THEN {t} - {alias}.a_s ELSE 0 END)"

    # ---------------------------------------------------------------- stages
    def build(self) -> exp.Select:
        rf, inp, rules = self.rf, self.inp, self.rules
        key = _q(inp.key)
        # -- base: the ticket's columns, its pauses' reversal, validate()
        cols = [f"t.{key} AS k", "t.priority AS priority", "t.opened_at AS opened_at"]
        for c in ("first_response_at", "resolved_at", "followup_at", "product", "region", "plan", "exclusion"):
            cols.append(f"{self.col(c)} AS {c}")
        for f in rf.flags:
            cols.append(f"COALESCE({self.col(f.name)}, FALSE) AS {_q('f_' + f.name)}")
        for s in start_columns(rf):
            cols.append(f"{self.col(s)} AS {_q('s_' + s)}")
        self.ctes.append(
            (
                "slalang_pz",
                f"SELECT {key} AS k, MAX(CASE WHEN end_at < start_at THEN 1 ELSE 0 END) AS reversed "
                f"FROM {inp.pauses} GROUP BY {key}",
            )
        )
        cols.append("COALESCE(pz.reversed, 0) AS reversed")
        self.ctes.append(
            (
                "slalang_t0",
                f"SELECT {', '.join(cols)} FROM {inp.tickets} AS t LEFT JOIN slalang_pz AS pz ON pz.k = t.{key}",
            )
        )
        checks: list[tuple[str, str, str]] = []
        checks.append(
            (f"priority IS NULL OR NOT {_in('priority', rules.priorities)}", "ticket.unknown_priority", "priority")
        )
        checks.append(
            (
                f"opened_at IS NULL OR opened_at < {rules.effective_lo} OR opened_at >= {rules.effective_hi}",
                "ticket.outside",
                "opened_at",
            )
        )
        for c in ("first_response_at", "resolved_at", "followup_at"):
            checks.append((f"{c} < opened_at", "ticket.before_opened", c))
        for s in start_columns(rf):
            checks.append((f"{_q('s_' + s)} < opened_at", "ticket.before_opened", s))
        checks.append(("reversed = 1", "ticket.pause_reversed", "pauses"))
        checks.append(
            (f"exclusion IS NOT NULL AND NOT {_in('exclusion', rules.exclusions)}", "unknown_exclusion", "exclusion")
        )
        if rules._needs_region or rules._regional_in_use:
            checks.append(("region IS NULL", "ticket.no_region", "region"))
            checks.append((f"NOT {_in('region', sorted(rules.regions))}", "ticket.unknown_region", "region"))
        if rules._needs_plan:
            checks.append(("plan IS NULL", "ticket.no_plan", "plan"))
            checks.append((f"NOT {_in('plan', rules.plans)}", "ticket.unknown_plan", "plan"))
        if rules._needs_product:
            checks.append(("product IS NULL", "ticket.no_product", "product"))
            checks.append((f"NOT {_in('product', rules.products)}", "ticket.unknown_product", "product"))
        if rules._ladder_products:
            checks.append(("product IS NULL", "ticket.no_product_bound", "product"))
            checks.append((f"NOT {_in('product', rules.products)}", "ticket.unknown_product_bound", "product"))
        vkey = "CASE " + " ".join(f"WHEN {c} THEN {_s(k)}" for c, k, _ in checks) + " END"
        vcol = "CASE " + " ".join(f"WHEN {c} THEN {_s(col)}" for c, _, col in checks) + " END"
        resolved = "NULL" if "resolution" in self.unmeasured else "resolved_at"
        responded = (
            f"CASE WHEN {resolved} IS NOT NULL AND (first_response_at IS NULL OR {resolved} < first_response_at) "
            f"THEN {resolved} ELSE first_response_at END"
        )
        self.ctes.append(
            (
                "slalang_t1",
                f"SELECT *, {vkey} AS verr_key, {vcol} AS verr_col, {responded} AS responded, "
                f"{resolved} AS resolved FROM slalang_t0",
            )
        )
        prev = "slalang_t1"
        metric_cols: list[str] = []
        errors: list[tuple[str, str]] = []  # (key expr, column expr) per metric, in order
        credit_exprs: dict[str, list[str]] = {}
        hits: list[str] = []
        for i, mx in enumerate(rf.metrics):
            prev = self.metric(i, mx, prev, metric_cols, errors, credit_exprs, hits)
        ekey = "COALESCE(verr_key" + "".join(f", {k}" for k, _ in errors) + ")"
        ecol = (
            "CASE WHEN verr_key IS NOT NULL THEN verr_col "
            + " ".join(f"WHEN {k} IS NOT NULL THEN {c}" for k, c in errors)
            + " END"
        )
        self.ctes.append(("slalang_out0", f"SELECT *, {ekey} AS error_key, {ecol} AS error_column FROM {prev}"))
        final = ["k AS " + key]
        ok = "error_key IS NULL"
        for c in metric_cols:
            final.append(f"CASE WHEN {ok} THEN {c} END AS {c}")
        for ld in rf.credit_ladders:
            if ld.name in credit_exprs:
                final.append(f"CASE WHEN {ok} THEN {credit_exprs[ld.name][0]} END AS {_q('credit_' + ld.name)}")
        br = " OR ".join(hits) if hits else "FALSE"
        final.append(f"CASE WHEN {ok} THEN ({br}) END AS breached")
        final += ["error_key", "error_column"]
        with_ = ", ".join(f"{n} AS ({q})" for n, q in self.ctes)
        text = f"WITH {with_} SELECT {', '.join(final)} FROM slalang_out0"
        tree = _parse(text)
        assert isinstance(tree, exp.Select)
        return tree

    # ---------------------------------------------------------------- one metric
    def metric(self, i, mx, prev, metric_cols, errors, credit_exprs, hits) -> str:
        rf, rules, inp = self.rf, self.rules, self.inp
        m = f"m{i}"
        name = mx.name
        cells = _Cells(rf, name, rules.priorities)
        tg = cells.targets
        startcol = mx.start
        errcol = _s(startcol)
        absent = startcol != "opened_at" and not inp.has(startcol)
        clock0 = "opened_at" if startcol == "opened_at" else _q("s_" + startcol)
        event = "responded" if name == "response" else "resolved"
        unmeasured = name in self.unmeasured
        # calendars this metric looks up at its clock start
        names = [c.calendar for c in mx.columns if c.kind == "calendar"]
        names += [t.calendar for t in tg if t.clock == "business"]
        names = list(dict.fromkeys(names))
        joins = []
        sel = ["x.*"]
        for j, n in enumerate(names):
            shared = self.looked_up.get((clock0, n))
            if shared is not None:  # an earlier metric looked this calendar up at the same instant
                for c in ("cin", "cw", "co", "ck", "cko", "csn"):
                    sel.append(f"{shared[0]}_{c}{shared[1]} AS {m}_{c}{j}")
                continue
            a = f"{m}p{j}"
            joins.append(self.piece_join(a, self.calkey(n), f"x.{clock0}"))
            sel.append(f"{a}.a_s IS NOT NULL AS {m}_cin{j}")
            sel.append(f"{a}.working = 1 AS {m}_cw{j}")
            sel.append(f"{self.off(a, 'x.' + clock0)} AS {m}_co{j}")
            sel.append(f"{a}.k AS {m}_ck{j}")
            sel.append(f"{a}.k_off_s AS {m}_cko{j}")
            sel.append(f"({a}.working = 1 OR {a}.snap_s IS NOT NULL) AS {m}_csn{j}")
            self.looked_up[(clock0, n)] = (m, j)
        cte = f"slalang_{m}a"
        self.ctes.append((cte, f"SELECT {', '.join(sel)} FROM {prev} AS x {' '.join(joins)}"))

        # -- column choice: at the clock start, or with no instant (not started)
        def choice(started: bool) -> str:
            whens = []
            for c in mx.columns:
                plan_ok = f"plan = {_s(c.plan)}" if c.plan is not None else "TRUE"
                if c.kind == "calendar":
                    if not started:
                        whens.append(f"WHEN {plan_ok} THEN ''")
                        continue
                    j = names.index(c.calendar)
                    whens.append(f"WHEN {plan_ok} AND NOT {m}_cin{j} THEN '#range'")
                    whens.append(f"WHEN {plan_ok} AND {m}_cw{j} THEN {_s(c.name)}")
                elif c.kind == "region":
                    whens.append(f"WHEN {plan_ok} AND region = {_s(c.region)} THEN {_s(c.name)}")
                else:
                    whens.append(f"WHEN {plan_ok} THEN {_s(c.name)}")
            return "CASE " + " ".join(whens) + " END" if whens else "NULL"

        # -- the row and its cell
        def row_cell(column: str) -> str:
            def by_col(row: dict) -> str:
                ws = " ".join(f"WHEN {_s(c)} THEN {tid}" for c, tid in row.items() if tid is not None)
                return f"(CASE {column} {ws} END)" if ws else "NULL"

            ws = []
            for p in rules.priorities:
                conds = cells.conds.get(p)
                inner = by_col(cells.plain.get(p, {}))
                if conds:
                    cw = " ".join(f"WHEN {_q('f_' + f)} THEN {by_col(r)}" for f, r in conds.items())
                    inner = f"(CASE {cw} ELSE {inner} END)"
                ws.append(f"WHEN priority = {_s(p)} THEN {inner}")
            return "(CASE " + " ".join(ws) + " END)" if ws else "NULL"

        unknown_prios = [p for p, conds in cells.conds.items() if any(f in self.unknown for f in conds)]
        unknown = _in("priority", unknown_prios)

        def attr(fn, default="NULL") -> str:
            ws = " ".join(f"WHEN {j} THEN {fn(t)}" for j, t in enumerate(tg))
            return f"(CASE {m}_cell {ws} ELSE {default} END)" if tg else default

        started = "TRUE" if startcol == "opened_at" else f"{clock0} IS NOT NULL"
        sel = [
            "*",
            f"CASE WHEN {started} THEN {choice(True)} ELSE {choice(False)} END AS {m}_col",
        ]
        self.ctes.append((f"slalang_{m}b", f"SELECT {', '.join(sel)} FROM {cte}"))
        self.ctes.append(
            (
                f"slalang_{m}c",
                f"SELECT *, {row_cell(f'{m}_col')} AS {m}_cell, {unknown} AS {m}_unk FROM slalang_{m}b",
            )
        )
        spelling = attr(lambda t: _s(t.spelling))
        clock = attr(lambda t: _s(t.clock))
        days = attr(lambda t: str(t.days), "0")
        seconds = attr(lambda t: str(t.seconds), "0")
        strict = attr(lambda t: "TRUE" if getattr(t, "strict", False) else "FALSE", "FALSE")
        line = attr(lambda t: str(t.line), "0")
        biz = [j for j, t in enumerate(tg) if t.clock == "business"]
        # which looked-up calendar a business cell counts on
        tcal = attr(lambda t: str(names.index(t.calendar)) if t.clock == "business" else "NULL")

        def pick(prefix: str) -> str:
            if not names:
                return "NULL"
            ws = " ".join(f"WHEN {j} THEN {m}_c{prefix}{j}" for j in range(len(names)))
            return f"(CASE {m}_tc {ws} END)"

        tkey = (
            "(CASE " + " ".join(f"WHEN {m}_tc = {j} THEN {self.calkey(n)}" for j, n in enumerate(names)) + " END)"
            if names
            else "NULL"
        )
        lo = (
            "(CASE "
            + " ".join(f"WHEN {m}_tc = {j} THEN {self.calattr(n, lambda c: c.lo)}" for j, n in enumerate(names))
            + " END)"
            if names
            else "NULL"
        )
        # wall due times
        wall_days = sorted({t.days for t in tg if t.clock == "wall" and t.days})
        wall = f"{clock0} + {m}_secs"
        if wall_days:
            zone = Zone(rf.timezone, rules.effective_lo - 400 * 86400, rules.effective_hi + 800 * 86400)
            c0 = _parse(clock0)
            ws = " ".join(
                f"WHEN {m}_days = {d} THEN {zone.wall_due(c0, d, exp.column(f'{m}_secs')).sql(dialect='duckdb')}"
                for d in wall_days
            )
            wall = f"CASE {ws} ELSE {clock0} + {m}_secs END"
        self.ctes.append(
            (
                f"slalang_{m}d",
                f"SELECT *, {spelling} AS {m}_sp, {clock} AS {m}_clk, {days} AS {m}_days, {seconds} AS {m}_secs, "
                f"{strict} AS {m}_strict, {line} AS {m}_line0, {tcal} AS {m}_tc FROM slalang_{m}c",
            )
        )
        # business: offsets at the clock start, the working day, the target offset
        o0, kk = pick("o"), f"({pick('k')} + {m}_days)"
        self.ctes.append(
            (
                f"slalang_{m}e",
                f"SELECT x.*, {tkey} AS {m}_key, {lo} AS {m}_lo, {o0} AS {m}_o0, "
                f"{pick('in')} AS {m}_tin, {pick('sn')} AS {m}_tsn, {pick('ko')} AS {m}_tko, "
                f"{m}d.day_start_s AS {m}_dstart, {m}d.day_off_s AS {m}_doff, {m}d.day_len_s AS {m}_dlen "
                f"FROM slalang_{m}d AS x LEFT JOIN {self.tables['day']} AS {m}d ON {m}_days > 0 "
                f"AND {m}d.calendar = {tkey} AND {m}d.k = {kk}",
            )
        )
        # o: the working seconds into the snapped day, limited by the day reached
        o_day = f"(CASE WHEN {m}_o0 - {m}_tko > {m}_dlen THEN {m}_dlen ELSE {m}_o0 - {m}_tko END)"
        target = f"(CASE WHEN {m}_days > 0 THEN {m}_doff + {o_day} + {m}_secs ELSE {m}_o0 + {m}_secs END)"
        day_only = f"({m}_days > 0 AND {m}_secs = 0 AND {o_day} = 0)"
        self.ctes.append((f"slalang_{m}f", f"SELECT *, {target} AS {m}_T FROM slalang_{m}e"))
        self.ctes.append(
            (
                f"slalang_{m}g",
                f"SELECT x.*, CASE WHEN {day_only} THEN {m}_dstart ELSE {m}q.start_s + {m}_T - {m}q.cum_before_s "
                f"END AS {m}_bdue0 FROM slalang_{m}f AS x {self.offset_join(m + 'q', m + '_key', m + '_T')}",
            )
        )
        prev = f"slalang_{m}g"
        isbiz = f"{m}_clk = 'business'"
        # the due time before pauses, and whether it exists
        due0 = f"(CASE WHEN {isbiz} THEN {m}_bdue0 ELSE {wall} END)"
        self.ctes.append((f"slalang_{m}h", f"SELECT *, {due0} AS {m}_due0 FROM {prev}"))
        prev = f"slalang_{m}h"
        have_target = f"{m}_cell IS NOT NULL"
        # -- pauses
        paused = "0"
        paused_now = "0"
        perr = "FALSE"
        when = f"(CASE WHEN {event} IS NOT NULL THEN {event} ELSE {inp.at if inp.at is not None else 'NULL'} END)"
        if rules.pauses_apply:
            prev, paused, paused_now, perr = self.pauses(m, prev, clock0, when, have_target)
        due = (
            f"(CASE WHEN {isbiz} THEN (CASE WHEN {paused} > 0 THEN {m}r.start_s + {m}_T + {paused} - {m}r.cum_before_s "
            f"ELSE {m}_due0 END) ELSE {m}_due0 + {paused} END)"
            if biz
            else f"({m}_due0 + {paused})"
        )
        rerr = f"({paused} > 0 AND {m}r.start_s IS NULL)" if biz else "FALSE"
        tot = f"{m}_T + {paused}"
        self.ctes.append(
            (
                f"slalang_{m}i",
                f"SELECT x.*, {due} AS {m}_due, {rerr} AS {m}_rerr, "
                f"{when} AS {m}_when FROM {prev} AS x "
                f"{self.offset_join(m + 'r', m + '_key', tot) if biz else ''}",
            )
        )
        # offset of `when` on the target's calendar (warnings)
        self.ctes.append(
            (
                f"slalang_{m}j",
                f"SELECT x.*, {self.off(m + 'w', m + '_when')} AS {m}_ow FROM slalang_{m}i AS x "
                + (self.piece_join(m + "w", m + "_key", m + "_when") if biz else ""),
            )
            if biz
            else (f"slalang_{m}j", f"SELECT *, NULL AS {m}_ow FROM slalang_{m}i")
        )
        prev = f"slalang_{m}j"
        # -- errors of this metric (after validate), in the runtime's order
        range_err = (
            f"(NOT {m}_tin OR ({m}_days > 0 AND (NOT {m}_tsn OR {m}_dstart IS NULL)) "
            f"OR (NOT {day_only} AND {m}_bdue0 IS NULL) OR {perr} OR {m}_rerr)"
        )
        beyond = f"CASE WHEN {clock0} >= {m}_lo THEN 'ticket.due_beyond_calendar' ELSE 'ticket.due_out_of_range' END"
        is_started = "FALSE" if absent else started
        go = f"{is_started} AND {m}_col <> '#range' AND {m}_col IS NOT NULL AND NOT {m}_unk AND {have_target}"
        # -- status
        strictc = f"{m}_strict"
        status_live = (
            f"CASE WHEN {event} IS NOT NULL THEN (CASE WHEN {event} < {m}_due OR ({event} = {m}_due AND NOT {strictc}) "
            f"THEN 'met' ELSE 'breached' END) "
            + (
                f"WHEN {inp.at} > {m}_due OR ({inp.at} = {m}_due AND {strictc}) THEN 'breached' "
                if inp.at is not None
                else ""
            )
            + "ELSE 'pending' END"
        )
        # -- warnings
        levels = rules._levels
        warn_on = bool(levels)
        wall_done, wall_total = f"{m}_when - {clock0} - {paused_now}", f"{m}_due - {clock0} - {paused}"
        biz_done, biz_total = f"{m}_ow - {m}_o0 - {paused_now}", f"{m}_T - {m}_o0"
        done = f"(CASE WHEN {isbiz} THEN (CASE WHEN {m}_ow IS NULL THEN 0 ELSE {biz_done} END) ELSE {wall_done} END)"
        total = f"(CASE WHEN {isbiz} THEN (CASE WHEN {m}_ow IS NULL THEN 0 ELSE {biz_total} END) ELSE {wall_total} END)"
        self.ctes.append(
            (
                f"slalang_{m}k",
                f"SELECT *, {status_live} AS {m}_st0, "
                + (
                    f"CASE WHEN {m}_when IS NOT NULL THEN {done} ELSE 0 END AS {m}_dn, "
                    f"CASE WHEN {m}_when IS NOT NULL THEN {total} ELSE 0 END AS {m}_tt "
                    if warn_on
                    else f"0 AS {m}_dn, 0 AS {m}_tt "
                )
                + f"FROM {prev}",
            )
        )
        prev = f"slalang_{m}k"
        if warn_on:
            lw = " ".join(f"WHEN {m}_dn * {den} >= {num} * {m}_tt THEN {_s(n)}" for n, num, den in reversed(levels))
            level = (
                f"CASE WHEN {m}_when IS NULL THEN NULL WHEN {m}_tt <= 0 THEN {_s(levels[-1][0])} "
                f"ELSE (CASE {lw} END) END"
            )
        else:
            level = "NULL"
        hit = f"({m}_st0 = 'breached' AND exclusion IS NULL)"
        late = f"CASE WHEN {m}_st0 = 'breached' THEN COALESCE({event}, {inp.at if inp.at is not None else 'NULL'}) - {m}_due ELSE 0 END"
        # -- the deadline's fields, by case
        nm = f"{name in self.unmeasured}".upper()
        # (column, target, clock, due, event, status, late, warning, done, total, line)
        fields_absent = ("''", "''", "'none'", "NULL", "NULL", "'not_measured'", "0", "NULL", "0", "0", "0")
        ns_col = f"{m}_col"
        ns_event = "NULL" if unmeasured else event
        ns_status = (
            "'not_measured'"
            if unmeasured
            else f"CASE WHEN exclusion IS NOT NULL THEN 'excluded' WHEN {event} IS NULL THEN 'pending' ELSE 'met' END"
        )
        fields_ns_unk = (ns_col, "''", "'none'", "NULL", "NULL", "'not_measured'", "0", "NULL", "0", "0", "0")
        ns_nocommit = f"NOT {nm} AND {m}_cell IS NULL AND {ns_col} <> ''"
        fields_ns = (
            ns_col,
            f"CASE WHEN {ns_nocommit} THEN '-' WHEN {m}_cell IS NULL THEN '' ELSE {m}_sp END",
            f"CASE WHEN {m}_cell IS NULL THEN 'none' ELSE {m}_clk END",
            "NULL",
            f"CASE WHEN {ns_nocommit} THEN {event} ELSE {ns_event} END",
            f"CASE WHEN {ns_nocommit} THEN 'no_commitment' ELSE {ns_status} END",
            "0",
            "NULL",
            "0",
            "0",
            f"CASE WHEN {m}_cell IS NULL THEN 0 ELSE {m}_line0 END",
        )
        fields_unk = (ns_col, "''", "'none'", "NULL", "NULL", "'not_measured'", "0", "NULL", "0", "0", "0")
        fields_nocommit = (ns_col, "'-'", "'none'", "NULL", "NULL" if unmeasured else event, "'no_commitment'") + (
            "0",
            "NULL",
            "0",
            "0",
            "0",
        )
        fields_live: tuple[str, ...]
        if unmeasured:
            fields_live = (ns_col, f"{m}_sp", f"{m}_clk", f"{m}_due", "NULL", "'not_measured'", "0", "NULL", "0", "0")
            fields_live += (f"{m}_line0",)
        else:
            fields_live = (
                ns_col,
                f"{m}_sp",
                f"{m}_clk",
                f"{m}_due",
                event,
                f"CASE WHEN exclusion IS NOT NULL THEN 'excluded' ELSE {m}_st0 END",
                f"CASE WHEN exclusion IS NOT NULL THEN 0 ELSE {late} END",
                level,
                f"{m}_dn",
                f"{m}_tt",
                f"{m}_line0",
            )
        if absent:
            branches = [("TRUE", fields_absent)]
        else:
            branches = [
                (f"NOT ({started}) AND {m}_unk", fields_ns_unk),
                (f"NOT ({started})", fields_ns),
                (f"{m}_unk", fields_unk),
                (f"{m}_cell IS NULL", fields_nocommit),
                ("TRUE", fields_live),
            ]
        from slalang.sql.inputs import OUTCOME_FIELDS

        sel = ["*"]
        for fi, fname in enumerate(OUTCOME_FIELDS):
            ws = " ".join(f"WHEN {c} THEN {f[fi]}" for c, f in branches[:-1])
            expr = f"CASE {ws} ELSE {branches[-1][1][fi]} END" if len(branches) > 1 else branches[0][1][fi]
            out = _q(f"{name}_{fname}")
            sel.append(f"{expr} AS {out}")
            metric_cols.append(out)
        live = "FALSE" if absent else f"({started}) AND NOT {m}_unk AND {m}_cell IS NOT NULL"
        hit_expr = f"({live} AND NOT {nm} AND {hit})"
        sel.append(f"{hit_expr} AS {m}_hit")
        sel.append(f"{late} AS {m}_late")
        hits.append(f"{m}_hit")
        # -- errors of this metric
        ns_noc = f"NOT ({started}) AND {m}_col IS NULL"
        if absent:
            ekey = "CAST(NULL AS VARCHAR)"
            ecol = "CAST(NULL AS VARCHAR)"
        else:
            ekey = (
                f"CASE WHEN {ns_noc} THEN 'ticket.no_column' WHEN NOT ({started}) THEN NULL "
                f"WHEN {m}_col = '#range' THEN 'ticket.due_out_of_range' WHEN {m}_col IS NULL THEN 'ticket.no_column' "
                f"WHEN {go} AND {isbiz} AND {range_err} THEN {beyond} END"
            )
            ecol = (
                f"CASE WHEN {ns_noc} THEN 'region' WHEN NOT ({started}) THEN NULL "
                f"WHEN {m}_col = '#range' THEN {errcol} WHEN {m}_col IS NULL THEN 'region' "
                f"WHEN {go} AND {isbiz} AND {range_err} THEN {errcol} END"
            )
        sel.append(f"{ekey} AS {m}_ek0")
        sel.append(f"{ecol} AS {m}_ec0")
        self.ctes.append((f"slalang_{m}l", f"SELECT {', '.join(sel)} FROM {prev}"))
        prev = f"slalang_{m}l"
        # -- credits (and the no-fee error)
        ck, cc = f"{m}_ek0", f"{m}_ec0"
        credit_sel = ["*"]
        fee_errs = []
        for ld in rules._ladders.get(name, []):
            every = ld.every
            steps = (
                f"(CASE WHEN {m}_late = 0 THEN 1 ELSE {_fd(f'{m}_late + {every - 1}', every)} END)"
                if ld.mode == "started"
                else _fd(f"{m}_late", every)
            )
            pays = f"{m}_hit" + (f" AND {_in('product', sorted(ld.products))}" if ld.products is not None else "")
            owed_cases, nofee = [], []
            for p, fee in rules.products.items():
                amounts = self.amounts(ld, fee)
                if amounts is None:
                    nofee.append(p)
                    continue
                step, cap, low = amounts
                o = f"{money_literal(step, self.scale).sql(dialect='duckdb')} * CAST({steps} AS DECIMAL(18, 0))"
                if low is not None:
                    lw = money_literal(low, self.scale).sql(dialect="duckdb")
                    o = f"(CASE WHEN ({o}) > 0 AND ({o}) < {lw} THEN {lw} ELSE {o} END)"
                if cap is not None:
                    cp = money_literal(cap, self.scale).sql(dialect="duckdb")
                    o = f"(CASE WHEN ({o}) > {cp} THEN {cp} ELSE {o} END)"
                owed_cases.append(f"WHEN product = {_s(p)} THEN {o}")
            fixed = self.amounts(ld, None)
            if not rules.products or fixed is not None:
                if fixed is None:
                    fixed = (Decimal(0), None, None)  # every ticket is a row error (no product)
                step, cap, low = fixed
                o = f"{money_literal(step, self.scale).sql(dialect='duckdb')} * CAST({steps} AS DECIMAL(18, 0))"
                if low is not None:
                    lw = money_literal(low, self.scale).sql(dialect="duckdb")
                    o = f"(CASE WHEN ({o}) > 0 AND ({o}) < {lw} THEN {lw} ELSE {o} END)"
                if cap is not None:
                    cp = money_literal(cap, self.scale).sql(dialect="duckdb")
                    o = f"(CASE WHEN ({o}) > {cp} THEN {cp} ELSE {o} END)"
                owed = o
                nofee = []
            else:
                owed = "CASE " + " ".join(owed_cases) + " END" if owed_cases else "NULL"
            pos = f"({pays} AND {steps} > 0)"
            credit_sel.append(
                f"CASE WHEN {pos} THEN CAST({owed} AS DECIMAL(38, {self.scale})) END AS {_q('c_' + ld.name)}"
            )
            credit_exprs[ld.name] = [_q("c_" + ld.name)]
            if nofee:
                fee_errs.append(f"({pos} AND {_in('product', nofee)})")
        if fee_errs:
            fe = " OR ".join(fee_errs)
            ck = f"CASE WHEN {m}_ek0 IS NOT NULL THEN {m}_ek0 WHEN {fe} THEN 'ticket.no_fee' END"
            cc = f"CASE WHEN {m}_ek0 IS NOT NULL THEN {m}_ec0 WHEN {fe} THEN 'product' END"
        credit_sel.append(f"{ck} AS {m}_ek")
        credit_sel.append(f"{cc} AS {m}_ec")
        self.ctes.append((f"slalang_{m}m", f"SELECT {', '.join(credit_sel)} FROM {prev}"))
        # an error of this metric counts only when validate() passed and no earlier metric failed
        earlier = " AND ".join(["verr_key IS NULL"] + [f"{k} IS NULL" for k, _ in errors])
        self.ctes.append(
            (
                f"slalang_{m}n",
                f"SELECT *, CASE WHEN {earlier} THEN {m}_ek END AS {m}_e, "
                f"CASE WHEN {earlier} THEN {m}_ec END AS {m}_c FROM slalang_{m}m",
            )
        )
        errors.append((f"{m}_e", f"{m}_c"))
        return f"slalang_{m}n"

    def amounts(self, ld, fee):
        """(step, cap, minimum) as the runtime's `_ladder_amounts`, or None (no fee for a percentage)."""
        q = self.rules.quantum

        def amount(percent, money):
            if money is not None:
                return money
            if fee is None:
                return None
            return fee * percent / Decimal(100)

        step = amount(ld.percent, ld.money)
        if step is None:
            return None
        cap = low = None
        if ld.cap_percent is not None or ld.cap_money is not None:
            cap = amount(ld.cap_percent, ld.cap_money)
            if cap is None:
                return None
            cap = cap.quantize(q, rounding=ROUND_DOWN)
        if ld.min_percent is not None or ld.min_money is not None:
            low = amount(ld.min_percent, ld.min_money)
            if low is None:
                return None
        return step, cap, low

    # ---------------------------------------------------------------- pauses
    def pauses(self, m, prev, clock0, when, have_target):
        """Join the ticket's pauses: (cte, paused, paused_now, error) expressions."""
        inp = self.inp
        key = _q(inp.key)
        # per pause: clipped start, valid, measure (wall or business)
        self.ctes.append(
            (
                f"slalang_{m}p0",
                f"SELECT x.k, x.{m}_key AS ckey, x.{m}_clk = 'business' AS biz, x.{m}_due0 AS due0, x.{m}_T AS tt, "
                f"x.{clock0} AS c0, x.{m}_when AS wn, pp.start_at AS ps, pp.end_at AS pe, "
                f"MAX(pp.end_at) OVER (PARTITION BY x.k ORDER BY pp.start_at, pp.end_at "
                f"ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS cov "
                f"FROM (SELECT k, {m}_key, {m}_clk, {m}_due0, {m}_T, {clock0}, {when} AS {m}_when FROM {prev} "
                f"WHERE {have_target} AND {m}_due0 IS NOT NULL) AS x "
                f"JOIN {inp.pauses} AS pp ON pp.{key} = x.k",
            )
        )
        cs = "(CASE WHEN ps > COALESCE(CASE WHEN cov > c0 THEN cov ELSE c0 END, c0) THEN ps ELSE COALESCE(CASE WHEN cov > c0 THEN cov ELSE c0 END, c0) END)"
        self.ctes.append((f"slalang_{m}p1", f"SELECT *, {cs} AS cs FROM slalang_{m}p0"))
        ends = "(CASE WHEN pe < wn THEN pe ELSE wn END)"
        self.ctes.append(
            (
                f"slalang_{m}p2",
                f"SELECT y.*, pe > cs AS valid, {self.off('a', 'y.cs')} AS ocs, {self.off('b', 'y.pe')} AS ope, "
                f"b.a_s IS NULL AS pe_out, {self.off('c', ends)} AS onow "
                f"FROM slalang_{m}p1 AS y "
                + self.piece_join("a", "y.ckey", "y.cs").replace("ON a.calendar", "ON y.biz AND a.calendar")
                + " "
                + self.piece_join("b", "y.ckey", "y.pe").replace("ON b.calendar", "ON y.biz AND b.calendar")
                + " "
                + self.piece_join("c", "y.ckey", ends.replace("pe", "y.pe").replace("wn", "y.wn")).replace(
                    "ON c.calendar", "ON y.biz AND y.wn IS NOT NULL AND c.calendar"
                ),
            )
        )
        meas = "(CASE WHEN NOT valid THEN 0 WHEN biz THEN ope - ocs ELSE pe - cs END)"
        self.ctes.append((f"slalang_{m}p3", f"SELECT *, {meas} AS pm FROM slalang_{m}p2"))
        sprev = "COALESCE(SUM(pm) OVER (PARTITION BY k ORDER BY ps, pe ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)"
        self.ctes.append((f"slalang_{m}p4", f"SELECT *, {sprev} AS sp FROM slalang_{m}p3"))
        cond = "(CASE WHEN biz THEN (CASE WHEN sp = 0 THEN cs < due0 ELSE ocs < tt + sp END) ELSE cs < due0 + sp END)"
        fail = f"(CASE WHEN valid AND NOT COALESCE({cond}, FALSE) THEN 1 ELSE 0 END)"
        self.ctes.append(
            (
                f"slalang_{m}p5",
                f"SELECT *, SUM({fail}) OVER (PARTITION BY k ORDER BY ps, pe ROWS BETWEEN UNBOUNDED PRECEDING "
                f"AND CURRENT ROW) AS fails FROM slalang_{m}p4",
            )
        )
        now = (
            "(CASE WHEN wn IS NULL OR cs >= wn THEN 0 WHEN biz THEN onow - ocs "
            "ELSE (CASE WHEN pe < wn THEN pe ELSE wn END) - cs END)"
        )
        self.ctes.append(
            (
                f"slalang_{m}p6",
                f"SELECT k, SUM(pm) AS paused, SUM({now}) AS paused_now, "
                f"MAX(CASE WHEN biz AND pe_out THEN 1 ELSE 0 END) AS perr "
                f"FROM slalang_{m}p5 WHERE valid AND fails = 0 GROUP BY k",
            )
        )
        self.ctes.append(
            (
                f"slalang_{m}pj",
                f"SELECT x.*, COALESCE(pa.paused, 0) AS {m}_paused, COALESCE(pa.paused_now, 0) AS {m}_pnow, "
                f"COALESCE(pa.perr, 0) = 1 AS {m}_perr FROM {prev} AS x LEFT JOIN slalang_{m}p6 AS pa ON pa.k = x.k",
            )
        )
        return f"slalang_{m}pj", f"{m}_paused", f"{m}_pnow", f"{m}_perr"


def outcome_query(rule_file, inputs: Inputs) -> exp.Select:
    """The outcome query (see the module docstring) as a sqlglot tree."""
    problems = unsupported(rule_file)
    if problems:
        raise problems[0]
    return _Builder(rule_file, inputs).build()


def outcome_sql(rule_file, inputs: Inputs, dialect: str) -> str:
    """`outcome_query` rendered for `dialect` (duckdb, spark, trino)."""
    return outcome_query(rule_file, inputs).sql(dialect=dialect)
