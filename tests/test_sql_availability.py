"""slalang.sql.availability equals the runtime's AvailabilityLedger (and the
report's `line` and `_cap_key`) on every field of every outcome, on DuckDB:
the example contracts with availability, generated downtime (tests/ticketgen.py
and hypothesis: overlapping, nested, touching, across period boundaries, in
maintenance windows, excluded, before the term), given figures, request
buckets, charges and touched periods; the Spark and Trino renderings parse,
and the Trino one, transpiled back, gives the same rows."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import random
from decimal import Decimal

import pytest

duckdb = pytest.importorskip("duckdb")
sqlglot = pytest.importorskip("sqlglot")

import ticketgen  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from sqlharness import rule_file_json, rules_of  # noqa: E402

from slalang.runtime import Rules, TicketError, loads_rules  # noqa: E402
from slalang.runtime.availability import AvailabilityLedger  # noqa: E402
from slalang.runtime.report import PeriodReport  # noqa: E402
from slalang.runtime.tickets import RowError, read_downtime  # noqa: E402
from slalang.sql.availability import (  # noqa: E402
    TABLES,
    availability_credits_query,
    availability_query,
    input_columns,
    unsupported,
)

AVAILABILITY = [
    "contracts/itops.sla",
    "contracts/logistics.sla",
    "contracts/medical.sla",
    "contracts/sla/api.sla",
    "contracts/sla/backup.sla",
    "contracts/sla/cdn.sla",
    "contracts/sla/compute.sla",
    "contracts/sla/database.sla",
    "contracts/sla/instance.sla",
    "contracts/sla/network.sla",
    "contracts/sla/queue.sla",
    "contracts/sla/storage.sla",
]
COLUMNS = {name: [c for c, _ in cols] for name, cols in input_columns(rules_of(AVAILABILITY[0])[0]).items()}


# ----------------------------------------------------------------- harness
class Feed:
    """One run's inputs, fed to the ledger the way `slalang eval` feeds it
    (a refused row skipped, as with --skip-bad) and kept for the SQL tables."""

    def __init__(self, rf, rules: Rules):
        self.rf, self.rules = rf, rules
        self.ledger = AvailabilityLedger(rules)
        self.rows: dict[str, list[tuple]] = {k: [] for k in TABLES}

    def downtime(self, product, start, end, exclusion=None, notified_at=None, resource=None) -> None:
        self.rows["downtime"].append((product, resource, start, end, exclusion, notified_at))
        try:
            self.ledger.add_downtime(product, start, end, exclusion, notified_at, resource=resource)
        except TicketError:
            pass

    def requests(self, product, start, requests, errors=None, resource=None, error_rate=None, exclusion=None):
        self.rows["requests"].append((product, resource, start, requests, errors, error_rate, exclusion))
        try:
            self.ledger.add_requests(
                product, start, requests, errors, resource=resource, error_rate=error_rate, exclusion=exclusion
            )
        except TicketError:
            pass

    def given(self, product, key, percent: Decimal, resource=None) -> None:
        from slalang.runtime.availability import period_of_label

        self.rows["given"].append((product, resource, key, percent))
        try:
            self.ledger.set_percent(product, key, percent, period=period_of_label(key), resource=resource)
        except (TicketError, ValueError):
            pass

    def charges(self, product, key, amount: Decimal, resource=None) -> None:
        self.rows["charges"].append((product, resource, key, amount))
        try:
            self.ledger.add_charges(product, key, amount, resource=resource)
        except TicketError:
            pass

    def touch(self, t: int) -> None:
        self.rows["touched"].append((t,))
        if self.rules.effective_lo <= t < self.rules.effective_hi:
            report = PeriodReport(self.rules)
            self.ledger.touch(report.local_date(t))


def _load(con, rf, feed: Feed) -> None:
    cols = input_columns(rf)
    for name, table in TABLES.items():
        con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute(f"CREATE TABLE {table} (" + ", ".join(f"{c} {t}" for c, t in cols[name]) + ")")
        rows = feed.rows[name]
        if rows:  # literal rows: executemany is slow
            con.execute(f"INSERT INTO {table} VALUES " + ", ".join("(" + ", ".join(map(_lit, r)) + ")" for r in rows))


def _lit(v) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    return str(v)


_QUERIES: dict[int, tuple] = {}


def _queries(rf) -> tuple:
    """(availability SQL per dialect, credits SQL) of a rule file, built once."""
    got = _QUERIES.get(id(rf))
    if got is None:
        tree = availability_query(rf)
        sql = {d: tree.sql(dialect=d) for d in ("duckdb", "spark", "trino")}
        got = _QUERIES[id(rf)] = (rf, sql, availability_credits_query(rf).sql(dialect="duckdb"))
    return got[1], got[2]


def expected(feed: Feed) -> list[dict]:
    rules = feed.rules
    report = PeriodReport(rules)
    out = []
    for o in feed.ledger.results():
        row = {
            "period": o.period,
            "product": o.product,
            "resource": o.resource,
            "period_kind": o.period_kind,
            "cap_period": report._cap_key(o),
            "availability_percent": o.percent,
            "target_percent": str(o.target),
            "met": o.met,
            "given": o.given,
            "downtime_seconds": o.downtime_seconds,
            "excluded_seconds": o.excluded_seconds,
            "maintenance_seconds": o.maintenance_seconds,
            "denominator_seconds": o.total_seconds,
            "tier": None if o.tier is None else str(o.tier),
            "error_key": None if o.missing is None else o.missing.key,
        }
        for ld in feed.ledger.ladders:
            v = o.credits.get(ld.name)
            row[f"credit_{ld.name}"] = None if v is None else (rules.round(v) if report.per_line else v)
        row["credit"] = report.line(o)
        out.append(row)
    out.sort(key=lambda r: (r["period"], r["product"], r["resource"] or "-"))
    return out


def _rows(con, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def check(feed: Feed, dialects=("duckdb",)) -> list[dict]:
    rf = feed.rf
    con = duckdb.connect()
    _load(con, rf, feed)
    want = expected(feed)
    queries, credits_sql = _queries(rf)
    for dialect in dialects:
        sql = queries[dialect]
        if dialect != "duckdb":
            sql = sqlglot.transpile(sql, read=dialect, write="duckdb")[0]
        got = _rows(con, sql)
        assert len(got) == len(want), (dialect, [(r["period"], r["product"]) for r in got], want)
        for g, w in zip(got, want):
            assert g == w, (dialect, {k: (g.get(k), w[k]) for k in w if g.get(k) != w[k]})
    # The availability part of the report's credits rows.
    credits: dict[tuple[str, str], Decimal] = {}
    for w in want:
        if any(w[f"credit_{ld.name}"] is not None for ld in feed.ledger.ladders):
            k = (w["cap_period"], w["product"])
            credits[k] = credits.get(k, Decimal(0)) + w["credit"]
    got_c = _rows(con, credits_sql)
    assert {(r["cap_period"], r["product"]): r["credit"] for r in got_c} == credits
    con.close()
    return want


# ----------------------------------------------------------------- generators
def _targets(rf):
    return list(rf.availability)


def _resources(a) -> list[str | None]:
    return ["i-1", "i-2", "i-3"] if a.resource else [None]


def random_feed(rf, rules: Rules, rng: random.Random, n: int = 40) -> Feed:
    """Downtime (plain, maintenance announced or not, excluded), requests,
    charges and touched instants spread over the term, with clusters that
    overlap, nest, touch and cross period ends."""
    feed = Feed(rf, rules)
    lo, hi = rules.effective_lo, rules.effective_hi
    codes = [e.code for e in rf.exclusions]
    mt = rules.exclusions.get("maintenance")
    spans = AvailabilityLedger(rules)._window_spans(lo, hi) if mt is not None else []
    month_ends = []
    d = rf.effective.start.replace(day=1)
    led = feed.ledger
    while d <= rf.effective.end:
        d = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        month_ends.append(led.midnight(d))
    for a in _targets(rf):
        ress = _resources(a)
        if a.bucket_seconds is not None:
            step = a.bucket_seconds
            for _ in range(n):
                t0 = (
                    rng.choice(month_ends[:-1] or [lo]) + rng.randrange(-3, 3) * step
                    if rng.random() < 0.3
                    else rng.randrange(lo, hi)
                )
                t0 = min(max(t0, lo - 10), hi + 10)
                res = rng.choice(ress)
                for k in range(rng.randrange(1, 6)):
                    t = t0 + k * step + rng.randrange(0, step)
                    req = rng.choice([0, 1, 20, 100, 1000])
                    if rng.random() < 0.5:
                        err = rng.randrange(0, req + 1) if req else 0
                        if rng.random() < 0.05:
                            err = req + 1  # refused
                        feed.requests(
                            a.product,
                            t,
                            req,
                            err,
                            resource=res,
                            exclusion=rng.choice([None] * 8 + codes) if codes else None,
                        )
                    else:
                        rate = rng.choice(
                            [
                                Decimal("0"),
                                Decimal("4.99"),
                                Decimal("5"),
                                Decimal("5.01"),
                                Decimal("50"),
                                Decimal("100"),
                            ]
                        )
                        feed.requests(
                            a.product,
                            t,
                            req,
                            resource=res,
                            error_rate=rate,
                            exclusion=rng.choice([None] * 8 + codes) if codes else None,
                        )
            continue
        for _ in range(n):
            res = rng.choice(ress)
            pick = rng.random()
            if pick < 0.2 and month_ends:
                s = rng.choice(month_ends) - rng.randrange(0, 7200)
            elif pick < 0.4 and spans:
                ws, we = rng.choice(spans)
                s = ws + rng.randrange(-3600, we - ws)
            elif pick < 0.45:
                s = lo - rng.randrange(1, 7200)
            else:
                s = rng.randrange(lo, hi)
            length = rng.choice([0, 1, 30, 59, 60, 61, 299, 300, 301, 1800, 3600, 4 * 3600, 9 * 3600, 2 * 86400])
            e = s + length
            code = None
            r = rng.random()
            if r < 0.3 and mt is not None:
                code = "maintenance"
            elif r < 0.45 and codes:
                code = rng.choice(codes)
            notified = None
            if code == "maintenance" and rng.random() < 0.85:
                notified = s - rng.choice([0, 3600, 47 * 3600, 48 * 3600, 72 * 3600, 100 * 3600])
            feed.downtime(a.product, s, e, code, notified, resource=res)
            # a cluster: a nested, an overlapping and a touching row
            if rng.random() < 0.3:
                feed.downtime(a.product, s + length // 3, s + length // 2, None, None, resource=res)
                feed.downtime(a.product, e - length // 4, e + 600, rng.choice([None, code]), notified, resource=res)
                feed.downtime(a.product, e + 600, e + 900, None, None, resource=res)
    for a in _targets(rf):
        for res in _resources(a):
            for key in _keys(rf, a.period, rng, 99):
                if rng.random() < 0.8:  # some periods without charges: an error where a share of them is owed
                    feed.charges(a.product, key, Decimal(rng.randrange(0, 10**6)) / 100, resource=res)
    for _ in range(5):
        feed.touch(rng.randrange(lo - 86400, hi + 86400))
    return feed


def _keys(rf, period: str, rng: random.Random, k: int) -> list[str]:
    from slalang.runtime.availability import period_key

    keys = []
    d = rf.effective.start
    while d <= rf.effective.end:
        keys.append(period_key(d, period))
        d += dt.timedelta(days=27)
    keys = sorted(set(keys))
    return rng.sample(keys, min(k, len(keys)))


def _given_for_free_periods(feed: Feed, rng: random.Random) -> None:
    """Given figures for periods with no measured rows (so no conflict)."""
    measured = {(p, r, per, k) for p, r, per, k in feed.ledger._measured}
    for a in _targets(feed.rf):
        for key in _keys(feed.rf, a.period, rng, 3):
            res = rng.choice(_resources(a))
            if (a.product, res, a.period, key) in measured:
                continue
            pct = rng.choice(
                [
                    Decimal("100"),
                    Decimal("99.95"),
                    Decimal("99.9"),
                    Decimal("98.7"),
                    Decimal("0"),
                    Decimal("99.123456789"),
                ]
            )
            feed.given(a.product, key, pct, resource=res)


# ----------------------------------------------------------------- tests
def test_every_example_compiles():
    for contract in AVAILABILITY:
        rf, _ = rules_of(contract)
        assert unsupported(rf) == [], contract
        tree = availability_query(rf)
        for dialect in ("spark", "trino"):
            sqlglot.parse_one(tree.sql(dialect=dialect), read=dialect)


@pytest.mark.parametrize("contract", AVAILABILITY)
def test_ticketgen_downtime(contract):
    """tests/ticketgen.py's downtime, read as `slalang eval` reads it."""
    rf, rules = rules_of(contract)
    rows = ticketgen.downtime(rf)
    if any(a.resource for a in rf.availability) or any(a.bucket_seconds for a in rf.availability):
        pytest.skip("ticketgen's downtime names no resource and no requests")
    buf = io.StringIO()
    w = csv.DictWriter(buf, list(rows[0]) if rows else ["product", "start", "end"])
    w.writeheader()
    w.writerows(rows)
    buf.seek(0)
    feed = Feed(rf, rules)
    for item in read_downtime(buf, rules.tz, False):
        if isinstance(item, RowError):
            continue
        _, d = item
        if d.availability is not None:
            feed.given(d.product, d.period, d.availability, resource=d.resource)
        else:
            feed.downtime(d.product, d.start, d.end, d.exclusion, d.notified_at, resource=d.resource)
    for key in _keys(rf, "month", random.Random(1), 3):
        for a in rf.availability:
            feed.charges(a.product, key, Decimal("812.40"))
    check(feed)


@pytest.mark.parametrize("contract", AVAILABILITY)
@pytest.mark.parametrize("seed", [1, pytest.param(2, marks=pytest.mark.slow), pytest.param(3, marks=pytest.mark.slow)])
def test_random_inputs(contract, seed):
    rf, rules = rules_of(contract)
    rng = random.Random(seed * 7919 + len(contract))
    feed = random_feed(rf, rules, rng)
    _given_for_free_periods(feed, rng)
    check(feed, dialects=("duckdb", "trino") if seed == 1 else ("duckdb",))


def test_given_and_measured_is_an_error():
    rf, rules = rules_of("contracts/itops.sla")
    feed = Feed(rf, rules)
    s = rules.effective_lo + 10 * 86400
    feed.downtime("hosting", s, s + 3600)
    feed.rows["given"].append(("hosting", None, "2026-01", Decimal("99")))
    con = duckdb.connect()
    _load(con, rf, feed)
    got = _rows(con, availability_query(rf).sql(dialect="duckdb"))
    assert [r["error_key"] for r in got] == ["availability.given_and_measured"]


def test_missing_charges_is_an_error():
    rf, rules = rules_of("contracts/sla/database.sla")
    feed = Feed(rf, rules)
    s = rules.effective_lo + 40 * 86400
    feed.downtime("rds", s, s + 4 * 3600)
    want = check(feed)
    assert [r["error_key"] for r in want] == ["charges.missing"]


# ------------------------------------------------------------ hypothesis
def _modified(contract: str, edit) -> tuple:
    doc = rule_file_json(contract)
    edit(doc)
    import json

    from slalang.ruleschema import checksum_of

    doc["checksum"] = checksum_of(doc)

    rf = loads_rules(json.dumps(doc).encode())
    return rf, Rules(rf)


@st.composite
def _intervals(draw, lo: int, hi: int, spans):
    out = []
    for _ in range(draw(st.integers(1, 12))):
        anchor = draw(st.sampled_from(["any", "window", "edge"])) if spans else "any"
        if anchor == "window":
            ws, we = draw(st.sampled_from(spans))
            s = draw(st.integers(ws - 4000, we + 100))
        elif anchor == "edge":
            s = draw(st.sampled_from([lo, hi - 1, lo - 50]))
        else:
            s = draw(st.integers(lo, lo + 70 * 86400))
        length = draw(
            st.one_of(st.sampled_from([0, 1, 59, 60, 61, 300, 3600, 7200, 4 * 3600 + 1]), st.integers(0, 3 * 86400))
        )
        code = draw(st.sampled_from([None, None, "maintenance", "maintenance", "customer_caused", "force_majeure"]))
        notified = draw(st.one_of(st.none(), st.integers(0, 100 * 3600))) if code == "maintenance" else None
        out.append((s, s + length, code, None if notified is None else s - notified))
    return out


@functools.cache
def _windowed_rules():
    """backup.sla (per quarter, max 2h per month) measured over eligible time,
    counted per started minute with a grace: every interval rule at once."""

    def edit(doc):
        for a in doc["availability"]:
            a["counting"] = "started_minute"
            a["ignore_under_seconds"] = 120
            a["ignore_inclusive"] = True
            a["denominator"] = "eligible_time"

    return _modified("contracts/sla/backup.sla", edit)


@functools.cache
def _in_zone(contract: str, tz: str):
    """An example contract's rule file in another timezone (DST: periods,
    maintenance windows and bucket midnights move with it)."""

    def edit(doc):
        doc["timezone"] = tz

    return _modified(contract, edit)


def _london_medical():
    return _in_zone("contracts/medical.sla", "Europe/London")  # window sun 01:00-03:00 across 29 March and 25 October


HYP = [
    ("contracts/itops.sla", None),
    ("contracts/sla/backup.sla", None),
    ("contracts/sla/cdn.sla", None),
    ("contracts/sla/network.sla", None),
    ("contracts/sla/queue.sla", None),
    ("windowed", _windowed_rules),
    ("london", _london_medical),
]


@pytest.mark.slow
@pytest.mark.parametrize("name,make", HYP)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_hypothesis_intervals(name, make, data):
    rf, rules = make() if make else rules_of(name)
    lo, hi = rules.effective_lo, rules.effective_hi
    led = AvailabilityLedger(rules)
    spans = led._window_spans(lo, lo + 80 * 86400) if led.maintenance is not None else []
    feed = Feed(rf, rules)
    for a in rf.availability:
        if a.bucket_seconds is not None:
            continue
        for s, e, code, notified in data.draw(_intervals(lo, hi, spans)):
            if code is not None and code not in rules.exclusions:
                code = None
            res = data.draw(st.sampled_from(["i-1", "i-2"])) if a.resource else None
            feed.downtime(a.product, s, e, code, notified, resource=res)
        for key in _keys(rf, a.period, random.Random(3), 2):
            for res in _resources(a):
                feed.charges(a.product, key, Decimal("1234.56"), resource=res)
    check(feed)


def test_an_inexact_total_is_unsupported():
    """cdn.sla's first and last months are cut by the term: a prorated fee
    (15/31 of it) kept exact `per total` has more digits than DECIMAL(38) holds
    after the point — refused, never rounded."""

    def edit(doc):
        doc["credit_policy"]["rounding_scope"] = "total"

    rf, _ = _modified("contracts/sla/cdn.sla", edit)
    (problem,) = unsupported(rf)
    assert problem.key == "availability_exact"
    with pytest.raises(type(problem)):
        availability_query(rf)


def test_unsupported_keys_are_worded_in_both_languages():
    import re
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parent.parent
    words = {}
    for lang in ("en", "zh"):
        doc = yaml.safe_load((root / "templates" / "messages" / lang / "cli.yaml").read_text(encoding="utf-8"))
        words[lang] = doc["sql"]["unsupported"]
    for key, fields in (("availability_exact", {"digits", "limit"}), ("availability_bucket_limit", {"product"})):
        for lang in ("en", "zh"):
            assert set(re.findall(r"\{(\w+)\}", words[lang][key])) == fields, (lang, key)


# ------------------------------------------------------------------ Spark
SPARK_CONTRACTS = [
    "contracts/itops.sla",
    "contracts/sla/api.sla",
    "contracts/sla/database.sla",
    "contracts/sla/instance.sla",
]


@pytest.fixture(scope="module")
def spark():
    import sparkharness

    if sparkharness.skipped_on_purpose():
        pytest.skip(f"{sparkharness.NO_SPARK}=1: the Spark SQL tests are skipped on purpose")
    why = sparkharness.missing()
    if why is not None:
        pytest.fail(f"the Spark SQL test cannot run: {why}", pytrace=False)
    session = sparkharness.start()
    sparkharness.codegen(session, False)
    yield session
    session.stop()


@pytest.mark.slow
@pytest.mark.parametrize("contract", SPARK_CONTRACTS)
def test_spark_equals_the_ledger(spark, contract):
    """The emitted Spark SQL on local PySpark: maintenance windows and
    allowances (itops), request buckets (api), charges with a minimum (database),
    per-instance targets (instance) — every field equal to the ledger."""
    import sparkharness

    rf, rules = rules_of(contract)
    rng = random.Random(5)
    feed = random_feed(rf, rules, rng)
    _given_for_free_periods(feed, rng)
    cols = input_columns(rf)
    for name, table in TABLES.items():
        sparkharness.register(spark, table, cols[name], feed.rows[name])
    queries, _ = _queries(rf)
    want = expected(feed)
    got = sparkharness.run(spark, queries["spark"], "availability")
    assert want and len(got) == len(want)
    for g, w in zip(got, want):
        names = list(w)
        order = [n for n in names if not n.startswith("credit") and n != "error_key"]
        order += [n for n in names if n.startswith("credit_")] + ["credit", "error_key"]
        row = dict(zip(order, g))
        assert row == w, {k: (row[k], w[k]) for k in w if row[k] != w[k]}


@st.composite
def _request_rows(draw, lo: int, hi: int, step: int, codes):
    out = []
    for _ in range(draw(st.integers(1, 30))):
        base = draw(st.sampled_from([lo, hi - step, lo + 87 * 86400, lo + 88 * 86400 - step]))
        t = base + draw(st.integers(-2, 40)) * step + draw(st.sampled_from([0, 1, step - 1]))
        req = draw(st.sampled_from([0, 1, 3, 100, 1000]))
        if draw(st.booleans()):
            err, rate = draw(st.integers(0, req + 1)), None
        else:
            err, rate = (
                None,
                draw(st.sampled_from([Decimal("0"), Decimal("5"), Decimal("5.0000000001"), Decimal("100")])),
            )
        code = draw(st.sampled_from([None] * 6 + codes)) if codes else None
        res = draw(st.sampled_from([None, "r-1", "r-2"]))
        out.append((t, req, err, rate, code, res))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "Europe/London"])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_hypothesis_request_buckets(zone, data):
    """api.sla's 5-minute buckets from local midnight (DST days too), errors
    as counts or rates at the 5 % limit, excluded intervals, refused rows."""
    rf, rules = _in_zone("contracts/sla/api.sla", zone)
    lo, hi = rules.effective_lo, rules.effective_hi
    feed = Feed(rf, rules)
    codes = [e.code for e in rf.exclusions]
    for a in rf.availability:
        for t, req, err, rate, code, res in data.draw(_request_rows(lo, hi, a.bucket_seconds, codes)):
            feed.requests(a.product, t, req, err, resource=res, error_rate=rate, exclusion=code)
    check(feed)


@pytest.mark.parametrize("fee", [None, "3000.00"])
def test_fee_based_minimum_beside_charges(fee):
    """database.sla with its minimum as a share of a monthly fee: the fee-based
    piece of a charges-based tier computed in Python, the rest in SQL; no fee:
    the line is `availability.no_fee`, as the ledger's `missing`."""

    def edit(doc):
        doc["products"][0]["monthly_fee"] = fee
        doc["credit_ladders"][0]["minimum"] = {"percent": "2.5", "base": "monthly_fee", "money": None, "currency": None}

    rf, rules = _modified("contracts/sla/database.sla", edit)
    rng = random.Random(11)
    feed = random_feed(rf, rules, rng)
    want = check(feed)
    keys = {r["error_key"] for r in want}
    assert ("availability.no_fee" in keys) == (fee is None)
