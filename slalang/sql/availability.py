"""Availability in SQL, equal to `AvailabilityLedger.results()` and the
report's availability rows (`PeriodReport.add_availability`, `line`).

Input tables (names are the defaults; `Inputs.extra` overrides them under
the keys `downtime`, `given`, `requests`, `charges`, `touched`; a table the
run has none of is left out with `sources=`):

  slalang_downtime            product VARCHAR, resource VARCHAR, start_at BIGINT,
                              end_at BIGINT, exclusion VARCHAR, notified_at BIGINT
                              (`add_downtime`: one row per interval)
  slalang_availability_given  product VARCHAR, resource VARCHAR, period VARCHAR,
                              availability DECIMAL (at most 18 digits after the point)
                              (`set_percent`: the label's kind is the period's)
  slalang_requests            product VARCHAR, resource VARCHAR, start_at BIGINT,
                              requests BIGINT, errors BIGINT, error_rate DECIMAL
                              (at most 10 digits after the point), exclusion VARCHAR
                              (`add_requests`)
  slalang_charges             product VARCHAR, resource VARCHAR, period VARCHAR,
                              amount DECIMAL(38, S) (S = `money_scale` of the rule file)
                              (`add_charges`; rows for one key add up)
  slalang_touched             opened_at BIGINT: the instants whose local dates the
                              runtime `touch`es — `slalang eval` touches the opening
                              date of every ticket it evaluates without error, so
                              `SELECT opened_at FROM <tickets without error>`

Instants are epoch seconds (UTC); names trimmed, NULL when empty. Rows the
ledger refuses (unknown product, a resource where the target has none or
none where it needs one, an interval that ends before it starts or starts
outside the term, an unknown exclusion code, bad request counts, a given
figure out of 0..100 or for a period the product has no target for) are
left out, as `slalang eval --skip-bad` leaves them out.

`availability_query(rule_file, inputs)` returns one row per outcome of
`results()`, in the report's order (period, product, resource):

  period, product, resource, period_kind, cap_period,
  availability_percent DECIMAL(7, 4) (`AvailabilityOutcome.percent`),
  target_percent VARCHAR (`str(target)`), met BOOLEAN, given BOOLEAN,
  downtime_seconds, excluded_seconds, maintenance_seconds,
  denominator_seconds BIGINT, tier VARCHAR (NULL: none reached),
  credit_<ladder> DECIMAL(38, M) per availability ladder — the report's
  figure: the line rounded (`rounding … per line`) or exact (`per total`),
  NULL when the ladder pays nothing —, credit DECIMAL(38, M)
  (`PeriodReport.line`), error_key VARCHAR: NULL, or the key of the
  TicketError the runtime raises for the row (`availability.given_and_measured`;
  `charges.missing`, `charges.missing_resource`, `availability.no_fee`: the
  outcome's `missing`, which the report raises).

`availability_credits_query` sums `credit` per (cap_period, product) over
the rows with at least one ladder's credit: the availability part of the
report's credits rows.

How it computes (the ledger's meaning, docs/runtime.md): the periods of
every target inside the term, the maintenance window instants and the
allowance periods are computed in Python from the runtime's own code and
embedded as VALUES; downtime intervals are tagged (exclusion 0,
allowed-looking maintenance 1, downtime 2), swept with running counts per
tag into stretches won by the lowest tag, maintenance stretches are allowed
earliest first up to the allowance of each allowance period (the rest is
downtime), adjacent pieces of one tag are merged into runs (outages), and
each period part takes the runs clipped to it. Fee-based amounts (with the
policy's proration, the ladder's minimum and cap) are computed in Python per
product and period; only charges-based amounts are computed in SQL.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlglot
from sqlglot import exp

from slalang.runtime.availability import AvailabilityLedger, AvailabilityOutcome, period_dates, period_key
from slalang.runtime.engine import Rules, TicketError
from slalang.sql.expr import DAY, Zone, floordiv
from slalang.sql.inputs import Inputs, Unsupported
from slalang.sql.money import MAX_SCALE, money_literal, money_scale, quantize, scale_of

__all__ = [
    "SOURCES",
    "TABLES",
    "availability_credits_query",
    "availability_query",
    "input_columns",
    "unsupported",
]

SOURCES = ("downtime", "given", "requests", "charges", "touched")
TABLES = {
    "downtime": "slalang_downtime",
    "given": "slalang_availability_given",
    "requests": "slalang_requests",
    "charges": "slalang_charges",
    "touched": "slalang_touched",
}
GIVEN_TYPE = "DECIMAL(21, 18)"
RATE_TYPE = "DECIMAL(13, 10)"


def input_columns(rule_file) -> dict[str, list[tuple[str, str]]]:
    """The columns (name, SQL type) of each input table, for this rule file."""
    s = money_scale(rule_file)
    v = "VARCHAR"
    return {
        "downtime": [
            ("product", v),
            ("resource", v),
            ("start_at", "BIGINT"),
            ("end_at", "BIGINT"),
            ("exclusion", v),
            ("notified_at", "BIGINT"),
        ],
        "given": [("product", v), ("resource", v), ("period", v), ("availability", GIVEN_TYPE)],
        "requests": [
            ("product", v),
            ("resource", v),
            ("start_at", "BIGINT"),
            ("requests", "BIGINT"),
            ("errors", "BIGINT"),
            ("error_rate", RATE_TYPE),
            ("exclusion", v),
        ],
        "charges": [("product", v), ("resource", v), ("period", v), ("amount", f"DECIMAL(38, {s})")],
        "touched": [("opened_at", "BIGINT")],
    }


# ----------------------------------------------------------------- helpers
def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _g(e: exp.Expression) -> str:
    """A tree as generic SQL text (parsed back into the query's tree)."""
    return e.sql()


def _in(col: str, names) -> str:
    names = sorted(set(names))
    if not names:
        return "FALSE"
    return f"{col} IN ({', '.join(_q(n) for n in names)})"


def _typed(value, sql_type: str) -> str:
    if value is None:
        return f"CAST(NULL AS {sql_type})"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return f"CAST({_q(value)} AS {sql_type})"
    if isinstance(value, Decimal):
        return f"CAST({_q(format(value, 'f'))} AS {sql_type})"
    return f"CAST({int(value)} AS {sql_type})"


def _plain(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return _q(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(int(value))


def _values(cols: list[tuple[str, str]], rows: list[tuple]) -> str:
    """A table of literal rows (typed), or an empty one."""
    names = ", ".join(n for n, _ in cols)
    if not rows:
        sel = ", ".join(f"CAST(NULL AS {t}) AS {n}" for n, t in cols)
        return f"SELECT {sel} FROM (VALUES (1)) AS z(x) WHERE 1 = 0"
    # Types from the first row (cast); the others are plain literals.
    first = "(" + ", ".join(_typed(v, t) for v, (_, t) in zip(rows[0], cols)) + ")"
    rest = ["(" + ", ".join(_plain(v) for v in r) + ")" for r in rows[1:]]
    body = ", ".join([first, *rest])
    return f"SELECT {names} FROM (VALUES {body}) AS v({names})"


def _empty(cols: list[tuple[str, str]]) -> str:
    return _values(cols, [])


def _fdiv(a: str, b: str) -> str:
    """⌊a / b⌋ for 0 <= a < 2^50 and 0 < b < 2^31 given at run time (a column):
    through DOUBLE, corrected by one either way so it is exact."""
    q = f"CAST(FLOOR(CAST({a} AS DOUBLE) / CAST({b} AS DOUBLE)) AS BIGINT)"
    return (
        f"({q} - CASE WHEN {q} * ({b}) > ({a}) THEN 1 ELSE 0 END"
        f" + CASE WHEN ({q} + 1) * ({b}) <= ({a}) THEN 1 ELSE 0 END)"
    )


def _parse(sql: str) -> exp.Expression:
    tree = sqlglot.parse_one(sql)
    assert isinstance(tree, exp.Expression)
    return tree


def _pct_lit(p: Decimal) -> str:
    """A percentage as an exact DECIMAL literal of its own scale."""
    return _g(money_literal(p))


def _frac_lit(p: Decimal) -> tuple[str, int, int]:
    """p / 100 as an exact literal; (text, precision, scale)."""
    v = (p / 100).normalize() if p else Decimal(0)
    s = scale_of(v)
    text = f"{v:.{s}f}"
    digits = len(text.replace(".", "").lstrip("0")) or 1
    prec = max(digits, s, 1)
    return f"CAST({_q(text)} AS DECIMAL({prec}, {s}))", prec, s


class _Plan:
    """Everything static the queries need, from the rule file and the runtime."""

    def __init__(self, rule_file) -> None:
        self.rf = rule_file
        self.rules = Rules(rule_file)
        self.led = AvailabilityLedger(self.rules)
        pol = rule_file.credit_policy
        self.per_line = (pol.rounding_scope or "line") == "line"
        self.highest = pol.combine == "highest"
        self.cap_period = self.rules.policy.cap_period or "month"
        self.quantum = self.rules.quantum
        self.mode = pol.rounding
        self.problems: list[Unsupported] = []
        try:
            self.S = money_scale(rule_file)
        except Unsupported as exc:
            self.problems.append(exc)
            self.S = MAX_SCALE
        self.ladders = list(self.led.ladders)
        self.targets = list(self.led.targets.values())
        self.products = sorted({t.product for t in self.targets})
        # Resource modes per product: every target per resource, none, or mixed.
        self.all_res = [p for p in self.products if all(t.resource for t in self.targets if t.product == p)]
        self.no_res = [p for p in self.products if not any(t.resource for t in self.targets if t.product == p)]
        self.interval_products = sorted({t.product for t in self.targets if t.bucket is None})
        self.bucket_products = sorted({t.product for t in self.targets if t.bucket is not None})
        self.modes = sorted({(t.product, 1 if t.resource else 0) for t in self.targets if t.bucket is None})
        self._periods()
        self._amounts()

    # -------------------------------------------------------------- periods
    def _periods(self) -> None:
        led, eff = self.led, self.rf.effective
        self.periods: list[tuple] = []  # (target, key, p0, p1, part_days, period_days, cap_key)
        for t in self.targets:
            d = eff.start
            while d <= eff.end:
                key = period_key(d, t.period)
                first, last, lo, hi = led.part(key, t.period)
                p0, p1 = led.midnight(lo), led.midnight(hi + dt.timedelta(days=1))
                cap_key = period_key(min(last, eff.end), self.cap_period)
                self.periods.append((t, key, p0, p1, (hi - lo).days + 1, (last - first).days + 1, cap_key))
                d = last + dt.timedelta(days=1)
        # The months of each quarter or year (charges may be given month by month).
        self.months: list[tuple[str, str, int]] = []
        for t, key, *_ in self.periods:
            if t.period in ("quarter", "year"):
                first, last = period_dates(key, t.period)
                d, ms = first, []
                while d <= last:
                    ms.append(period_key(d, "month"))
                    d = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
                for m in ms:
                    self.months.append((key, m, len(ms)))
        self.months = sorted(set(self.months))

    # -------------------------------------------------------------- money
    @staticmethod
    def _kind(amount) -> str:
        if amount is None:
            return "none"
        if amount.money is not None:
            return "money"
        return "charges" if amount.base == "charges" else "fee"

    def _pieces(self, ld, tier) -> list:
        return [tier.amount] + ([ld.minimum] if ld.minimum is not None else []) + ([ld.cap] if ld.cap else [])

    def dynamic(self, ld, tier) -> bool:
        return any(self._kind(a) == "charges" for a in self._pieces(ld, tier))

    def applies(self, ld, product: str) -> bool:
        return not ld.products or product in ld.products

    def _amounts(self) -> None:
        """Per (ladder, tier) and period row: the static figure (fee-based or
        fixed: the report's value, rounded per line or exact) or, for a tier
        with a share of charges, the fee-based pieces; and static errors."""
        led = self.led
        self.static_cols: list[tuple[str, str]] = []
        self.static_vals: dict[int, list] = {}  # row index -> values
        need: list[int] = [self.S]
        rows = self.periods
        for i in range(len(rows)):
            self.static_vals[i] = []
        self.col_of: dict[tuple, str] = {}
        for li, ld in enumerate(self.ladders):
            for ti, tier in enumerate(ld.tiers):
                if self.dynamic(ld, tier):
                    for pi, piece in enumerate(self._pieces(ld, tier)):
                        if self._kind(piece) != "fee":
                            continue
                        name = f"f_{li}_{ti}_{pi}"
                        self.col_of[(li, ti, pi)] = name
                        self.static_cols.append((name, "__MONEY__"))
                        for i, row in enumerate(rows):
                            val = None
                            if self.applies(ld, row[0].product):
                                try:
                                    val = led.amount(piece, self._outcome(row))
                                except TicketError:
                                    val = None
                                if val is not None and pi == len(self._pieces(ld, tier)) - 1 and piece is ld.cap:
                                    val = self.rules.round_down(val)
                                if val is not None:
                                    need.append(scale_of(val))
                            self.static_vals[i].append(val)
                    for a in self._pieces(ld, tier):
                        if self._kind(a) == "charges":
                            need.append(self.S + scale_of(Decimal(a.percent)) + 2)
                    continue
                vname, ename = f"v_{li}_{ti}", f"e_{li}_{ti}"
                self.col_of[(li, ti, "v")] = vname
                self.col_of[(li, ti, "e")] = ename
                self.static_cols += [(vname, "__MONEY__"), (ename, "VARCHAR")]
                for i, row in enumerate(rows):
                    val, err = None, None
                    if self.applies(ld, row[0].product):
                        try:
                            val = self._static_owed(ld, tier, self._outcome(row))
                        except TicketError as exc:
                            err = exc.key
                        if val is not None:
                            if self.per_line:
                                val = self.rules.round(val)
                            need.append(scale_of(val))
                    self.static_vals[i] += [val, err]
        self.M = max(need)
        if self.M > MAX_SCALE:
            self.problems.append(
                Unsupported(
                    "availability_exact",
                    f"an availability credit needs {self.M} digits after the decimal point "
                    f"(a fee prorated over a period the term cuts, kept exact by `rounding … per total`, "
                    f"or a share of charges); SQL's DECIMAL(38) holds {MAX_SCALE} exactly",
                    digits=self.M,
                    limit=MAX_SCALE,
                )
            )
            self.M = MAX_SCALE
        for t in self.targets:
            if t.bucket is not None:
                a = next(a for a in self.rf.availability if a.product == t.product and a.period == t.period)
                if scale_of(Decimal(a.bucket_error_percent)) > 14:
                    self.problems.append(
                        Unsupported(
                            "availability_bucket_limit",
                            f"the error limit {a.bucket_error_percent}% of `{t.product}` has more than 14 "
                            "digits after the point",
                            product=t.product,
                        )
                    )

    def _outcome(self, row) -> AvailabilityOutcome:
        t, key, p0, p1, part_days, period_days, _ = row
        return AvailabilityOutcome(
            t.product,
            key,
            t.percent,
            availability=Decimal(0),  # type: ignore[arg-type]  # not read by amount()
            period_kind=t.period,
            part_days=part_days,
            period_days=period_days,
        )

    def _static_owed(self, ld, tier, out) -> Decimal:
        # As AvailabilityLedger._credit computes one ladder's line.
        led = self.led
        owed = led.amount(tier.amount, out)
        if ld.minimum is not None:
            low = led.amount(ld.minimum, out)
            if 0 < owed < low:
                owed = low
        if ld.cap is not None:
            owed = min(owed, self.rules.round_down(led.amount(ld.cap, out)))
        return owed

    def money_type(self) -> str:
        return f"DECIMAL(38, {self.M})"


def unsupported(rule_file) -> list[Unsupported]:
    """What of the rule file's availability the queries cannot compute exactly."""
    return list(_Plan(rule_file).problems)


def _table(inputs: Inputs, source: str) -> str:
    return inputs.extra.get(source, TABLES[source])


# ----------------------------------------------------------------- the query
def _sql(plan: _Plan, inputs: Inputs, sources) -> str:
    rf, led = plan.rf, plan.led
    lo, hi = led.term_lo, led.term_hi
    sources = SOURCES if sources is None else tuple(sources)
    cols = input_columns(rf)
    mt = plan.money_type()

    def src(name: str) -> str:
        if name in sources:
            return f"SELECT {', '.join(c for c, _ in cols[name])} FROM {_table(inputs, name)}"
        return _empty(cols[name])

    def res_ok(res: str, product: str) -> str:
        parts = []
        if plan.all_res:
            parts.append(f"NOT ({_in(product, plan.all_res)} AND {res} IS NULL)")
        if plan.no_res:
            parts.append(f"NOT ({_in(product, plan.no_res)} AND {res} IS NOT NULL)")
        return " AND ".join(parts) or "TRUE"

    codes = sorted(plan.rules.exclusions)
    code_ok = f"(exclusion IS NULL OR {_in('exclusion', codes)})"

    # ---- the static period table
    tp_cols = [
        ("product", "VARCHAR"),
        ("period", "VARCHAR"),
        ("pkey", "VARCHAR"),
        ("p0", "BIGINT"),
        ("p1", "BIGINT"),
        ("cap_key", "VARCHAR"),
        ("per_res", "INTEGER"),
        ("bucket", "BIGINT"),
        ("counting", "VARCHAR"),
        ("grace", "BIGINT"),
        ("grace_incl", "INTEGER"),
        ("eligible", "INTEGER"),
        ("target", "VARCHAR"),
    ] + [(n, mt if t == "__MONEY__" else t) for n, t in plan.static_cols]
    tp_rows = []
    for i, (t, key, p0, p1, _pd, _fd, cap_key) in enumerate(plan.periods):
        tp_rows.append(
            (
                t.product,
                t.period,
                key,
                p0,
                p1,
                cap_key,
                1 if t.resource else 0,
                t.bucket,
                t.counting,
                t.ignore_under,
                1 if t.ignore_inclusive else 0,
                1 if t.denominator == "eligible_time" else 0,
                str(t.percent),
                *plan.static_vals[i],
            )
        )
    tp = _values(tp_cols, tp_rows)
    modes = _values([("product", "VARCHAR"), ("per_res", "INTEGER")], plan.modes)
    months = _values([("pkey", "VARCHAR"), ("mkey", "VARCHAR"), ("n", "INTEGER")], plan.months)

    ctes: list[tuple[str, str]] = [("tp", tp), ("modes", modes), ("pm", months)]

    # ---- downtime intervals (add_downtime)
    dt_raw = src("downtime")
    ctes.append(
        (
            "dt0",
            f"""SELECT product, NULLIF(resource, '') AS res,
                CASE WHEN start_at < {lo} AND {lo} < end_at THEN {lo} ELSE start_at END AS s,
                CASE WHEN end_at < {hi} THEN end_at ELSE {hi} END AS e,
                NULLIF(exclusion, '') AS code, notified_at
            FROM ({dt_raw}) AS d0
            WHERE {_in("product", plan.interval_products)} AND end_at >= start_at
              AND {res_ok("NULLIF(resource, '')", "product")} AND {code_ok.replace("exclusion", "NULLIF(exclusion, '')")}""",
        )
    )
    ctes.append(("dtv", f"SELECT * FROM dt0 WHERE s >= {lo} AND s < {hi}"))
    ctes.append(
        (
            "er",
            """SELECT d.product, m.per_res, CASE WHEN m.per_res = 1 THEN COALESCE(d.res, '') ELSE '' END AS rk,
                d.s, d.e, d.code, d.notified_at
            FROM dtv AS d JOIN modes AS m ON m.product = d.product""",
        )
    )
    tagged = [
        "SELECT product, per_res, rk, s AS a, e AS b, "
        "CASE WHEN code IS NULL OR code = 'maintenance' THEN 2 ELSE 0 END AS tag FROM er WHERE s < e"
    ]
    maint = led.maintenance
    windows = led._window_spans(lo, hi) if maint is not None else []
    allowance = maint is not None and maint.max_seconds is not None and bool(windows)
    if windows:
        assert maint is not None
        ctes.append(("win", _values([("ws", "BIGINT"), ("we", "BIGINT")], windows)))
        notice = (
            "TRUE"
            if maint.notice_seconds is None
            else f"(er.notified_at IS NOT NULL AND er.s - er.notified_at >= {maint.notice_seconds})"
        )
        tagged.append(
            "SELECT er.product, er.per_res, er.rk, "
            "CASE WHEN er.s > w.ws THEN er.s ELSE w.ws END AS a, CASE WHEN er.e < w.we THEN er.e ELSE w.we END AS b, "
            f"1 AS tag FROM er JOIN win AS w ON w.ws < er.e AND w.we > er.s WHERE er.code = 'maintenance' AND {notice}"
        )
    ctes.append(("tagged", " UNION ALL ".join(tagged)))
    ctes.append(
        (
            "ev",
            """SELECT product, per_res, rk, pos, SUM(d0) AS d0, SUM(d1) AS d1, SUM(d2) AS d2 FROM (
                SELECT product, per_res, rk, a AS pos, CASE WHEN tag = 0 THEN 1 ELSE 0 END AS d0,
                    CASE WHEN tag = 1 THEN 1 ELSE 0 END AS d1, CASE WHEN tag = 2 THEN 1 ELSE 0 END AS d2 FROM tagged
                UNION ALL
                SELECT product, per_res, rk, b AS pos, CASE WHEN tag = 0 THEN -1 ELSE 0 END AS d0,
                    CASE WHEN tag = 1 THEN -1 ELSE 0 END AS d1, CASE WHEN tag = 2 THEN -1 ELSE 0 END AS d2 FROM tagged
            ) AS x GROUP BY product, per_res, rk, pos""",
        )
    )
    w = "PARTITION BY product, per_res, rk ORDER BY pos"
    ctes.append(
        (
            "cum",
            f"""SELECT product, per_res, rk, pos AS s, LEAD(pos) OVER ({w}) AS e,
                SUM(d0) OVER ({w} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS c0,
                SUM(d1) OVER ({w} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS c1,
                SUM(d2) OVER ({w} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS c2
            FROM ev""",
        )
    )
    ctes.append(
        (
            "seg",
            """SELECT product, per_res, rk, s, e, tag FROM (
                SELECT product, per_res, rk, s, e,
                    CASE WHEN c0 > 0 THEN 0 WHEN c1 > 0 THEN 1 WHEN c2 > 0 THEN 2 END AS tag
                FROM cum WHERE e IS NOT NULL) AS x WHERE tag IS NOT NULL""",
        )
    )
    if allowance:
        assert maint is not None and maint.max_seconds is not None
        periods = led._allowance_periods(lo, hi)
        ctes.append(
            (
                "allow",
                _values(
                    [("aid", "INTEGER"), ("a0", "BIGINT"), ("a1", "BIGINT")],
                    [(i, a, b) for i, (a, b) in enumerate(periods)],
                ),
            )
        )
        ctes.append(
            (
                "mseg",
                """SELECT g.product, g.per_res, g.rk, al.aid,
                    CASE WHEN g.s > al.a0 THEN g.s ELSE al.a0 END AS s,
                    CASE WHEN g.e < al.a1 THEN g.e ELSE al.a1 END AS e
                FROM seg AS g JOIN allow AS al ON al.a0 < g.e AND al.a1 > g.s WHERE g.tag = 1""",
            )
        )
        ctes.append(
            (
                "mk",
                """SELECT product, per_res, rk, s, e, e - s AS n, COALESCE(SUM(e - s) OVER (
                    PARTITION BY product, per_res, rk, aid ORDER BY s
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS used FROM mseg""",
            )
        )
        ctes.append(
            (
                "mk2",
                f"""SELECT product, per_res, rk, s, e, n,
                    CASE WHEN {maint.max_seconds} - used <= 0 THEN 0
                         WHEN {maint.max_seconds} - used < n THEN {maint.max_seconds} - used ELSE n END AS keep
                FROM mk""",
            )
        )
        ctes.append(
            (
                "pieces",
                """SELECT product, per_res, rk, s, e, tag FROM seg WHERE tag <> 1
                UNION ALL SELECT product, per_res, rk, s, s + keep AS e, 1 AS tag FROM mk2 WHERE keep > 0
                UNION ALL SELECT product, per_res, rk, s + keep AS s, e, 2 AS tag FROM mk2 WHERE keep < n""",
            )
        )
    else:
        ctes.append(("pieces", "SELECT product, per_res, rk, s, e, tag FROM seg"))
    wp = "PARTITION BY product, per_res, rk ORDER BY s"
    ctes.append(
        (
            "pl",
            f"""SELECT product, per_res, rk, s, e, tag,
                CASE WHEN LAG(e) OVER ({wp}) = s AND LAG(tag) OVER ({wp}) = tag THEN 0 ELSE 1 END AS fresh
            FROM pieces""",
        )
    )
    ctes.append(
        (
            "pg",
            f"""SELECT product, per_res, rk, s, e, tag,
                SUM(fresh) OVER ({wp} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run FROM pl""",
        )
    )
    ctes.append(
        (
            "runs",
            "SELECT product, per_res, rk, tag, MIN(s) AS s, MAX(e) AS e FROM pg GROUP BY product, per_res, rk, run, tag",
        )
    )

    # ---- request buckets (add_requests)
    rq_raw = src("requests")
    bucket_steps = sorted({t.bucket for t in plan.targets if t.bucket is not None})
    ctes.append(
        (
            "rq0",
            f"""SELECT product, NULLIF(resource, '') AS res, start_at AS st, requests, errors,
                CAST(error_rate AS {RATE_TYPE}) AS rate, NULLIF(exclusion, '') AS code
            FROM ({rq_raw}) AS r0
            WHERE {_in("product", plan.bucket_products)} AND {res_ok("NULLIF(resource, '')", "product")}
              AND start_at >= {lo} AND start_at < {hi}
              AND {code_ok.replace("exclusion", "NULLIF(exclusion, '')")}
              AND (NULLIF(exclusion, '') IS NULL OR NULLIF(exclusion, '') <> 'maintenance')""",
        )
    )
    # A row with an exclusion excludes its interval even when its counts are
    # then refused (add_requests records the exclusion first).
    counted = (
        "(requests >= 0 AND ((errors IS NOT NULL AND errors >= 0 AND errors <= requests)"
        " OR (errors IS NULL AND rate IS NOT NULL AND rate >= 0 AND rate <= 100)))"
    )
    ctes.append(
        (
            "rq",
            f"""SELECT product, res, st, CASE WHEN {counted} THEN 1 ELSE 0 END AS ok,
                CASE WHEN code IS NOT NULL THEN 1 ELSE 0 END AS exc,
                CASE WHEN {counted} THEN requests ELSE 0 END AS n,
                CASE WHEN NOT {counted} THEN CAST(0 AS DECIMAL(38, 10))
                     WHEN errors IS NOT NULL THEN CAST(errors * 100 AS DECIMAL(38, 10))
                     ELSE CAST(rate * CAST(requests AS DECIMAL(19, 0)) AS DECIMAL(38, 10)) END AS x
            FROM rq0""",
        )
    )
    # ---- given figures (set_percent) and charges (add_charges)
    gv_raw = src("given")
    mixed = [p for p in plan.products if p not in plan.all_res and p not in plan.no_res]
    ctes.append(
        (
            "gv",
            f"""SELECT g.product, CASE WHEN t.per_res = 1 THEN g.res END AS res, t.period, t.pkey,
                MAX(g.availability) AS gval FROM (
                SELECT product, NULLIF(resource, '') AS res, period, CAST(availability AS {GIVEN_TYPE}) AS availability
                FROM ({gv_raw}) AS g0) AS g
            JOIN tp AS t ON t.product = g.product AND t.pkey = g.period
            WHERE g.availability >= 0 AND g.availability <= 100
              AND ((t.per_res = 1 AND g.res IS NOT NULL) OR (t.per_res = 0 AND (g.res IS NULL OR {_in("g.product", mixed)})))
            GROUP BY g.product, CASE WHEN t.per_res = 1 THEN g.res END, t.period, t.pkey""",
        )
    )
    ch_raw = src("charges")
    ctes.append(
        (
            "ch",
            f"""SELECT product, NULLIF(resource, '') AS res, period AS ckey, SUM(amount) AS amount
            FROM ({ch_raw}) AS c0
            WHERE {_in("product", plan.products)} AND {res_ok("NULLIF(resource, '')", "product")} AND amount >= 0
            GROUP BY product, NULLIF(resource, ''), period""",
        )
    )
    touched = src("touched")

    # ---- the periods with a result (the ledger's `_seen`)
    seen = [
        """SELECT d.product, CASE WHEN t.per_res = 1 THEN d.res END AS res, t.period, t.pkey, 1 AS measured
        FROM dtv AS d JOIN tp AS t ON t.product = d.product AND t.bucket IS NULL
            AND t.p0 < CASE WHEN d.e > d.s + 1 THEN d.e ELSE d.s + 1 END AND t.p1 > d.s""",
        """SELECT r.product, CASE WHEN t.per_res = 1 THEN r.res END AS res, t.period, t.pkey, 1 AS measured
        FROM rq AS r JOIN tp AS t ON t.product = r.product AND t.bucket IS NOT NULL AND t.p0 <= r.st AND r.st < t.p1
        WHERE r.ok = 1""",
        "SELECT product, res, period, pkey, 0 AS measured FROM gv",
        f"""SELECT t.product, CAST(NULL AS VARCHAR) AS res, t.period, t.pkey, 0 AS measured
        FROM ({touched}) AS x JOIN tp AS t ON t.per_res = 0 AND t.p0 <= x.opened_at AND x.opened_at < t.p1""",
    ]
    ctes.append(("seen", " UNION ALL ".join(seen)))
    ctes.append(
        (
            "parts",
            """SELECT product, res, period, pkey, MAX(measured) AS measured FROM seen GROUP BY product, res, period, pkey""",
        )
    )

    # ---- measuring
    def rk_of(per_res: str, res: str) -> str:
        return f"CASE WHEN {per_res} = 1 THEN COALESCE({res}, '') ELSE '' END"

    length = "(CASE WHEN r.e < t.p1 THEN r.e ELSE t.p1 END - CASE WHEN r.s > t.p0 THEN r.s ELSE t.p0 END)"

    def counted_len(n: str) -> str:
        # The grace first, then the rounding to whole minutes.
        st = f"({_g(floordiv(exp.maybe_parse(f'{n} + 59'), 60))} * 60)"
        fl = f"({_g(floordiv(exp.maybe_parse(n), 60))} * 60)"
        return (
            f"CASE WHEN t.grace IS NOT NULL AND ((t.grace_incl = 1 AND {n} <= t.grace)"
            f" OR (t.grace_incl = 0 AND {n} < t.grace))"
            f" THEN 0 WHEN t.counting = 'started_minute' THEN {st}"
            f" WHEN t.counting = 'full_minute' THEN {fl} ELSE {n} END"
        )

    ctes.append(
        (
            "im0",
            f"""SELECT p.product, p.res, p.period, p.pkey, r.tag, {length} AS n
            FROM parts AS p JOIN tp AS t ON t.product = p.product AND t.period = p.period AND t.pkey = p.pkey
            JOIN runs AS r ON t.bucket IS NULL AND r.product = p.product AND r.per_res = t.per_res
                AND r.rk = {rk_of("t.per_res", "p.res")} AND r.s < t.p1 AND r.e > t.p0""",
        )
    )
    ctes.append(
        (
            "im",
            f"""SELECT i.product, i.res, i.period, i.pkey,
                SUM(CASE WHEN i.tag = 0 THEN i.n ELSE 0 END) AS excl,
                SUM(CASE WHEN i.tag = 1 THEN i.n ELSE 0 END) AS maint,
                SUM(CASE WHEN i.tag = 2 THEN {counted_len("i.n")} ELSE 0 END) AS down
            FROM im0 AS i JOIN tp AS t ON t.product = i.product AND t.period = i.period AND t.pkey = i.pkey
            GROUP BY i.product, i.res, i.period, i.pkey""",
        )
    )
    if bucket_steps:
        # Intervals from local midnight: the midnight of each row's local date.
        zone = Zone(rf.timezone, lo - 2 * DAY, hi + 2 * DAY)
        lday = _g(zone.local_day(exp.column("st")))
        ctes.append(("rql", f"SELECT product, res, st, ok, exc, n, x, {lday} * {DAY} AS lmid FROM rq"))
        m0 = _g(zone.from_local(exp.column("lmid")))
        ctes.append(("rqd", f"SELECT product, res, st, ok, exc, n, x, {m0} AS m0 FROM rql"))
        step_cases = " ".join(
            f"WHEN {s} THEN r.m0 + {_g(floordiv(exp.maybe_parse('r.st - r.m0'), s))} * {s}" for s in bucket_steps
        )
        limit_cases = []
        for a in rf.availability:
            if a.bucket_seconds is None:
                continue
            lim = Decimal(a.bucket_error_percent)
            limit_cases.append(
                f"WHEN b.product = {_q(a.product)} AND b.period = {_q(a.period)} "
                f"THEN b.x > {_pct_lit(lim)} * CAST(b.n AS DECIMAL(19, 0))"
            )
        down_cond = "CASE " + " ".join(limit_cases) + " ELSE FALSE END"
        ctes.append(
            (
                "rb",
                f"""SELECT p.product, p.res, p.period, p.pkey, CASE t.bucket {step_cases} END AS bk,
                    SUM(r.n) AS n, SUM(r.x) AS x, MAX(r.exc) AS exc
                FROM parts AS p JOIN tp AS t ON t.product = p.product AND t.period = p.period AND t.pkey = p.pkey
                JOIN rqd AS r ON t.bucket IS NOT NULL AND r.product = p.product
                    AND (t.per_res = 0 OR COALESCE(r.res, '') = COALESCE(p.res, '')) AND t.p0 <= r.st AND r.st < t.p1
                GROUP BY p.product, p.res, p.period, p.pkey, CASE t.bucket {step_cases} END""",
            )
        )
        ctes.append(
            (
                "bm",
                f"""SELECT b.product, b.res, b.period, b.pkey,
                    SUM(CASE WHEN b.exc = 0 AND b.n > 0 AND ({down_cond}) THEN 1 ELSE 0 END) AS downb,
                    SUM(b.exc) AS excb
                FROM rb AS b GROUP BY b.product, b.res, b.period, b.pkey""",
            )
        )
    else:
        ctes.append(
            (
                "bm",
                _empty(
                    [
                        ("product", "VARCHAR"),
                        ("res", "VARCHAR"),
                        ("period", "VARCHAR"),
                        ("pkey", "VARCHAR"),
                        ("downb", "BIGINT"),
                        ("excb", "BIGINT"),
                    ]
                ),
            )
        )

    def on(a: str, b: str) -> str:
        return (
            f"{b}.product = {a}.product AND {b}.period = {a}.period AND {b}.pkey = {a}.pkey"
            f" AND COALESCE({b}.res, '') = COALESCE({a}.res, '')"
        )

    tot = "(t.p1 - t.p0)"
    ctes.append(
        (
            "m0",
            f"""SELECT p.product, p.res, p.period, p.pkey, p.measured, g.gval, t.bucket,
                CASE WHEN g.gval IS NOT NULL THEN 0
                     WHEN t.bucket IS NOT NULL THEN CASE WHEN COALESCE(bm.excb, 0) * t.bucket < {tot}
                          THEN COALESCE(bm.excb, 0) * t.bucket ELSE {tot} END
                     ELSE COALESCE(im.excl, 0) END AS excl,
                CASE WHEN g.gval IS NOT NULL OR t.bucket IS NOT NULL THEN 0 ELSE COALESCE(im.maint, 0) END AS maint,
                CASE WHEN g.gval IS NOT NULL THEN 0
                     WHEN t.bucket IS NOT NULL THEN COALESCE(bm.downb, 0) * t.bucket
                     ELSE COALESCE(im.down, 0) END AS down0,
                {tot} AS total, t.eligible
            FROM parts AS p JOIN tp AS t ON t.product = p.product AND t.period = p.period AND t.pkey = p.pkey
            LEFT JOIN gv AS g ON {on("p", "g")}
            LEFT JOIN im ON {on("p", "im")}
            LEFT JOIN bm ON {on("p", "bm")}""",
        )
    )
    ctes.append(
        (
            "m1",
            """SELECT product, res, period, pkey, measured, gval, excl, maint, total, down0,
                CASE WHEN gval IS NOT NULL THEN total WHEN eligible = 1 THEN total - excl - maint ELSE total END AS den
            FROM m0""",
        )
    )
    ctes.append(
        (
            "m2",
            """SELECT product, res, period, pkey, measured, gval, excl, maint, den,
                CASE WHEN down0 < den THEN down0 ELSE den END AS down FROM m1""",
        )
    )
    ctes.append(
        (
            "m3",
            """SELECT product, res, period, pkey, measured, gval, excl, maint, den, down,
                CASE WHEN den > 0 THEN (den - down) * 100 ELSE 100 END AS num,
                CASE WHEN den > 0 THEN den ELSE 1 END AS dn FROM m2""",
        )
    )

    # ---- judging: met, tiers, credits
    def lt(b: Decimal) -> str:
        lit_ = _pct_lit(b)
        return f"(CASE WHEN m.gval IS NOT NULL THEN m.gval < {lit_} ELSE m.num < CAST(m.dn AS DECIMAL(12, 0)) * {lit_} END)"

    target_cases = " ".join(
        f"WHEN m.product = {_q(t.product)} AND m.period = {_q(t.period)} THEN NOT {lt(t.percent)}" for t in plan.targets
    )
    charges = "COALESCE(ch.amount, CASE WHEN chm.n = chm.need THEN chm.amount END)"
    ctes.append(
        (
            "m4",
            f"""SELECT m.*, CASE {target_cases} ELSE FALSE END AS met, {charges} AS chg
            FROM m3 AS m
            LEFT JOIN ch ON ch.product = m.product AND COALESCE(ch.res, '') = COALESCE(m.res, '') AND ch.ckey = m.pkey
            LEFT JOIN (SELECT pm.pkey, c.product, COALESCE(c.res, '') AS rk, SUM(c.amount) AS amount, COUNT(*) AS n,
                    MAX(pm.n) AS need
                FROM pm JOIN ch AS c ON c.ckey = pm.mkey GROUP BY pm.pkey, c.product, COALESCE(c.res, '')) AS chm
                ON chm.pkey = m.pkey AND chm.product = m.product AND chm.rk = COALESCE(m.res, '')""",
        )
    )
    # The tier: the lowest threshold any ladder paying for the product reached.
    thresholds: dict[Decimal, tuple[str, list]] = {}
    for ld in plan.ladders:
        for tier in ld.tiers:
            b = Decimal(tier.below)
            spelling, lds = thresholds.setdefault(b, (str(b), []))
            lds.append(ld)
    tier_ifs = []
    for b in sorted(thresholds):
        spelling, lds = thresholds[b]
        prods = None if any(not ld.products for ld in lds) else sorted({p for ld in lds for p in ld.products})
        cond = lt(b) if prods is None else f"({_in('m.product', prods)} AND {lt(b)})"
        tier_ifs.append(f"WHEN {cond} THEN {_q(spelling)}")
    tier_sql = f"CASE WHEN NOT m.met THEN CASE {' '.join(tier_ifs)} END END" if tier_ifs else "CAST(NULL AS VARCHAR)"
    tidx_cols = []
    for li, ld in enumerate(plan.ladders):
        tiers = sorted(enumerate(ld.tiers), key=lambda x: Decimal(x[1].below))
        applies = "TRUE" if not ld.products else _in("m.product", ld.products)
        idx = " ".join(f"WHEN {lt(Decimal(tr.below))} THEN {ti}" for ti, tr in tiers)
        tidx_cols.append(f"CASE WHEN NOT m.met AND {applies} THEN CASE {idx} END END AS tidx_{li}")
    ctes.append(("m5", f"SELECT m.*, {', '.join([f'{tier_sql} AS tier', *tidx_cols])} FROM m4 AS m"))

    owed_cols = []
    for li, ld in enumerate(plan.ladders):
        vals, errs = [], []
        for ti, tr in sorted(enumerate(ld.tiers), key=lambda x: Decimal(x[1].below)):
            if not plan.dynamic(ld, tr):
                vals.append(f"WHEN {ti} THEN t.{plan.col_of[(li, ti, 'v')]}")
                errs.append(f"WHEN {ti} THEN t.{plan.col_of[(li, ti, 'e')]}")
                continue
            v, e = _dynamic_line(plan, li, ti, ld, tr)
            vals.append(f"WHEN {ti} THEN {v}")
            errs.append(f"WHEN {ti} THEN {e}")
        owed_cols.append(f"CAST(CASE m.tidx_{li} {' '.join(vals)} END AS {mt}) AS owed_{li}")
        owed_cols.append(f"CAST(CASE m.tidx_{li} {' '.join(errs)} END AS VARCHAR) AS err_{li}")
    ctes.append(
        (
            "m6",
            f"""SELECT m.*, t.cap_key, t.target{"".join(", " + c for c in owed_cols)}
            FROM m5 AS m JOIN tp AS t ON t.product = m.product AND t.period = m.period AND t.pkey = m.pkey""",
        )
    )
    sel = [
        "m.pkey AS period",
        "m.product",
        "m.res AS resource",
        "m.period AS period_kind",
        "m.cap_key AS cap_period",
        f"CAST(CASE WHEN m.gval IS NOT NULL THEN CAST(FLOOR(m.gval * CAST(10000 AS DECIMAL(5, 0))) AS DECIMAL(7, 0))"
        f" ELSE CAST({_fdiv('m.num * 10000', 'm.dn')} AS DECIMAL(7, 0)) END * CAST('0.0001' AS DECIMAL(4, 4))"
        " AS DECIMAL(7, 4)) AS availability_percent",
        "m.target AS target_percent",
        "m.met",
        "CASE WHEN m.gval IS NOT NULL THEN TRUE ELSE FALSE END AS given",
        "CAST(m.down AS BIGINT) AS downtime_seconds",
        "CAST(m.excl AS BIGINT) AS excluded_seconds",
        "CAST(m.maint AS BIGINT) AS maintenance_seconds",
        "CAST(m.den AS BIGINT) AS denominator_seconds",
        "m.tier",
    ]
    credit_cols = []
    for li, ld in enumerate(plan.ladders):
        # The report's figure: rounded per line, or exact; a ladder whose line
        # cannot be computed pays nothing in the outcome.
        v = f"m.owed_{li}"
        if plan.per_line:
            v = _g(quantize(_parse(v), plan.quantum, plan.mode, plan.M))
        credit_cols.append((f"credit_{ld.name}", v))
        sel.append(f"CASE WHEN m.err_{li} IS NULL THEN {v} END AS credit_{ld.name}")
    err_sql = " ".join(f"WHEN m.err_{li} IS NOT NULL THEN m.err_{li}" for li in range(len(plan.ladders)))
    sel.append(
        "CASE WHEN m.gval IS NOT NULL AND m.measured = 1 THEN 'availability.given_and_measured'"
        + (f" {err_sql}" if err_sql else "")
        + " END AS error_key"
    )
    body = ",\n".join(sel)
    ctes.append(("judged", f"SELECT {body} FROM m6 AS m"))
    names = [n for n, _ in credit_cols]
    if names:
        if plan.highest:
            line = _greatest_expr([f"COALESCE({n}, 0)" for n in names])
        else:
            line = " + ".join(f"COALESCE({n}, 0)" for n in names)
    else:
        line = "0"
    out_cols = [
        "period",
        "product",
        "resource",
        "period_kind",
        "cap_period",
        "availability_percent",
        "target_percent",
        "met",
        "given",
        "downtime_seconds",
        "excluded_seconds",
        "maintenance_seconds",
        "denominator_seconds",
        "tier",
        *names,
        f"CAST({line} AS {mt}) AS credit",
        "error_key",
    ]
    with_sql = ",\n".join(f"{n} AS ({q})" for n, q in ctes)
    return (
        f"WITH {with_sql}\nSELECT {', '.join(out_cols)} FROM judged ORDER BY period, product, COALESCE(resource, '-')"
    )


def _greatest_expr(items: list[str]) -> str:
    """The largest of non-NULL items, as nested CASEs (GREATEST's NULL
    handling differs between engines)."""
    out = items[0]
    for it in items[1:]:
        out = f"CASE WHEN {it} > {out} THEN {it} ELSE {out} END"
    return out


def _dynamic_line(plan: _Plan, li: int, ti: int, ld, tier) -> tuple[str, str]:
    """(value, error key) of a tier with a share of charges: its amount, the
    ladder's minimum and cap, as `AvailabilityLedger._credit`."""
    mt = plan.money_type()
    pieces = plan._pieces(ld, tier)
    charges = "m.chg"
    exprs: list[str] = []
    errs: list[str | None] = []
    for pi, a in enumerate(pieces):
        kind = plan._kind(a)
        if kind == "money":
            exprs.append(f"CAST({_g(money_literal(Decimal(a.money)))} AS {mt})")
            errs.append(None)
        elif kind == "fee":
            col = plan.col_of[(li, ti, pi)]
            exprs.append(f"t.{col}")
            fee_missing = plan.rules.products.get
            nofee = [p for p in plan.products if fee_missing(p) is None]
            errs.append(f"WHEN {_in('m.product', nofee)} THEN 'availability.no_fee'" if nofee else None)
        else:
            frac, prec, _s = _frac_lit(Decimal(a.percent))
            exprs.append(f"CAST(CAST({charges} AS DECIMAL({37 - prec}, {plan.S})) * {frac} AS {mt})")
            errs.append(
                f"WHEN {charges} IS NULL THEN CASE WHEN m.res IS NULL THEN 'charges.missing' "
                "ELSE 'charges.missing_resource' END"
            )
    owed = exprs[0]
    k = 1
    if ld.minimum is not None:
        low = exprs[k]
        owed = f"(CASE WHEN {owed} > 0 AND {owed} < {low} THEN {low} ELSE {owed} END)"
        k += 1
    if ld.cap is not None:
        cap = exprs[k]
        if plan._kind(ld.cap) != "fee":  # a fee-based cap is quantized in Python already
            cap = _g(quantize(_parse(cap), plan.quantum, "down", plan.M))
        owed = f"(CASE WHEN {owed} > {cap} THEN {cap} ELSE {owed} END)"
    err_ifs = [e for e in errs if e]
    err = f"CASE {' '.join(err_ifs)} END" if err_ifs else "CAST(NULL AS VARCHAR)"
    return owed, err


def _query(plan: _Plan, inputs: Inputs | None, sources) -> exp.Select:
    if plan.problems:
        raise plan.problems[0]
    tree = _parse(_sql(plan, inputs or Inputs(), sources))
    assert isinstance(tree, exp.Select)
    return tree


def availability_query(rule_file, inputs: Inputs | None = None, sources=None) -> exp.Select:
    """One row per `AvailabilityLedger.results()` outcome (see the module
    docstring); `sources`: the input tables the run has (default: all)."""
    return _query(_Plan(rule_file), inputs, sources)


def availability_credits_query(rule_file, inputs: Inputs | None = None, sources=None) -> exp.Select:
    """(cap_period, product, credit): the sum of the availability lines with
    a credit per product and cap period, as the report's credits rows take them."""
    plan = _Plan(rule_file)
    inner = _query(plan, inputs, sources)
    inner.set("order", None)
    names = [f"credit_{ld.name}" for ld in plan.ladders]
    cond = " OR ".join(f"{n} IS NOT NULL" for n in names) if names else "FALSE"
    q = _parse(
        f"SELECT cap_period, product, CAST(SUM(credit) AS {plan.money_type()}) AS credit FROM a WHERE {cond} "
        "GROUP BY cap_period, product ORDER BY cap_period, product"
    )
    assert isinstance(q, exp.Select)
    return q.from_(exp.alias_(exp.paren(inner), "a", table=True), copy=False)
