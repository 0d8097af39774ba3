"""Random downtime sets against a brute-force oracle (tests/availability_oracle.py):
the runtime's downtime, excluded and maintenance seconds, denominator and
availability per resource and period equal the oracle's second-by-second walk.

The oracle's targets are typed here from the corpus contracts' text
(contracts/sla/), not read from the rule files."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
from availability_oracle import Maintenance, Row, Target, labels_touched, measure, measure_buckets  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def at(*args) -> int:
    return int(dt.datetime(*args, tzinfo=SH).timestamp())


# The corpus contracts, as the oracle reads them (typed from the .sla text).
TARGETS = {
    # instance.sla: per instance, per started minute, outages under 1m not counted.
    "instance": (
        "ecs",
        True,
        Target("Asia/Shanghai", YEAR, "month", counting="started_minute", ignore_under=60),
    ),
    # queue.sla: per cluster, eligible time, maintenance notice 48h, max 4h per month, sat 01:00-05:00.
    "queue": (
        "mq",
        True,
        Target(
            "Asia/Shanghai",
            YEAR,
            "month",
            denominator="eligible_time",
            maintenance=Maintenance(48 * 3600, 4 * 3600, "month", (("sat", "01:00", "05:00"),)),
        ),
    ),
    # backup.sla: per quarter, maintenance notice 72h, max 2h per month, sun 00:00-06:00.
    "backup": (
        "backup",
        False,
        Target(
            "Asia/Shanghai",
            YEAR,
            "quarter",
            maintenance=Maintenance(72 * 3600, 2 * 3600, "month", (("sun", "00:00", "06:00"),)),
        ),
    ),
    # cdn.sla: term 2026-03-17 to 2026-09-16, whole period, seconds.
    "cdn": ("cdn", False, Target("Asia/Shanghai", (dt.date(2026, 3, 17), dt.date(2026, 9, 16)), "month")),
    # database.sla: maintenance notice 72h, max 1h per month, sun 02:00-06:00.
    "database": (
        "rds",
        False,
        Target(
            "Asia/Shanghai",
            YEAR,
            "month",
            maintenance=Maintenance(72 * 3600, 3600, "month", (("sun", "02:00", "06:00"),)),
        ),
    ),
}
NETWORK_TERM = (dt.date(2026, 4, 1), dt.date(2027, 3, 31))
TARGETS["network"] = (
    # network.sla: vpc per region, per full minute, outages up to 5m not counted; term April to March.
    "vpc",
    True,
    Target("Asia/Shanghai", NETWORK_TERM, "month", counting="full_minute", ignore_under=300, ignore_inclusive=True),
)
EXCLUSION = {"instance": "customer_caused", "queue": "customer_caused", "backup": "customer_caused"}
EXCLUSION |= {"cdn": "force_majeure", "database": "customer_caused", "network": "customer_caused"}
# Anchors: instants near period, window and term boundaries the random rows cluster around.
ANCHORS = {
    "instance": [at(2026, 5, 1), at(2026, 4, 15, 12)],
    "queue": [at(2026, 5, 2, 3), at(2026, 5, 1)],  # Saturday 2 May, a month start
    "backup": [at(2026, 4, 1), at(2026, 3, 29, 2), at(2026, 2, 1, 1)],  # quarter start, Sundays
    "cdn": [at(2026, 3, 17), at(2026, 4, 1), at(2026, 9, 16, 20)],  # term start, month, term end
    "database": [at(2026, 6, 7, 3), at(2026, 7, 1)],
    "network": [at(2026, 4, 1), at(2026, 5, 1), at(2027, 3, 31, 20)],  # term start, month, term end
}
# Maintenance windows' starts (several in one month, to exhaust its allowance).
WINDOWS = {
    "queue": [at(2026, 4, 25, 1), at(2026, 5, 2, 1), at(2026, 5, 9, 1), at(2026, 5, 16, 1)],  # sat 01:00-05:00
    "backup": [at(2026, 3, 1), at(2026, 3, 8), at(2026, 3, 29), at(2026, 4, 5)],  # sun 00:00-06:00
    "database": [at(2026, 6, 7, 2), at(2026, 6, 14, 2), at(2026, 6, 28, 2), at(2026, 7, 5, 2)],  # sun 02:00-06:00
}


@pytest.fixture(scope="module")
def corpus_rules():
    from test_sla_corpus import rules_of

    return {stem: rules_of(stem) for stem in TARGETS}


def rows_strategy(stem: str):
    anchors = ANCHORS[stem]
    target = TARGETS[stem][2]
    lo = at(target.term[0].year, target.term[0].month, target.term[0].day)
    hi = at(target.term[1].year, target.term[1].month, target.term[1].day) + 86400
    length = st.one_of(st.integers(1, 180), st.integers(1, 7200), st.integers(1, 36 * 3600))
    code = st.sampled_from([None, None, EXCLUSION[stem], "maintenance", "maintenance"])
    notice = target.maintenance.notice if target.maintenance else 0
    # Mostly announced in time; sometimes just too late, or never.
    ahead = st.sampled_from([5 * 86400, notice, notice + 1, 10 * 86400, notice - 1, 0, None])

    @st.composite
    def one(draw):
        c = draw(code)
        if c == "maintenance" and TARGETS[stem][2].maintenance is None:
            c = None
        if c == "maintenance":  # around a window, overlapping it or not
            offset = st.one_of(st.sampled_from([0, 1800, -1800, 3600, 3 * 3600]), st.integers(-3 * 3600, 5 * 3600))
            span = st.one_of(st.sampled_from([3600, 2 * 3600, 3 * 3600 + 17, 4 * 3600]), st.integers(1, 8 * 3600))
            start = draw(st.sampled_from(WINDOWS[stem])) + draw(offset)
            end = start + draw(span)
        else:
            start = draw(st.sampled_from(anchors)) + draw(st.integers(-4 * 86400, 4 * 86400))
            start = min(max(start, lo), hi - 1)  # rows start inside the term; they may end past it
            end = start + draw(length)
        n = draw(ahead) if c == "maintenance" else None
        res = draw(st.sampled_from(["a", "b"]))
        return res, Row(start, end, c, None if n is None else start - n)

    return st.lists(one(), min_size=1, max_size=8)


def check_against_oracle(stem: str, rules, rows) -> None:
    from slalang.runtime.availability import AvailabilityLedger

    product, per_resource, target = TARGETS[stem]
    ledger = AvailabilityLedger(rules)
    for res, r in rows:
        ledger.add_downtime(
            product, r.start, r.end, exclusion=r.code, notified_at=r.notified_at, resource=res if per_resource else None
        )
    by_res: dict[str | None, list[Row]] = {}
    for res, r in rows:
        by_res.setdefault(res if per_resource else None, []).append(r)
    outcomes = {(o.resource, o.period): o for o in ledger.results() if o.product == product}
    for res, rs in by_res.items():
        for label in labels_touched(target, rs):
            assert (res, label) in outcomes, f"no result for {res} {label}"
    for (res, label), o in outcomes.items():
        want = measure(target, by_res.get(res, []), label)
        got = (o.total_seconds, o.downtime_seconds, o.excluded_seconds, o.maintenance_seconds, o.availability)
        exp = (want.denominator, want.downtime, want.excluded, want.maintenance, want.availability)
        assert got == exp, f"{stem} {res} {label}: runtime {got} ≠ oracle {exp} (outages {want.outages})"


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("stem", sorted(TARGETS))
def test_random_downtime_against_the_oracle(stem, corpus_rules):
    @SETTINGS
    @given(rows_strategy(stem))
    def run(rows):
        check_against_oracle(stem, corpus_rules[stem], rows)

    run()


API = Target("Asia/Shanghai", YEAR, "month", bucket=300, bucket_limit=Fraction(5))


@SETTINGS
@given(
    st.lists(
        st.tuples(st.integers(-300, 300), st.integers(0, 40), st.integers(0, 40)),
        min_size=1,
        max_size=30,
        unique_by=lambda t: t[0],
    )
)
def test_random_request_buckets_against_the_oracle(corpus_rules_api, buckets):
    from slalang.runtime.availability import AvailabilityLedger

    base = at(2026, 5, 1)  # buckets either side of a month start
    requests = {}
    ledger = AvailabilityLedger(corpus_rules_api)
    for k, n, e in buckets:
        e = min(e, n)
        requests[base + 300 * k] = (n, e)
        ledger.add_requests("gateway", base + 300 * k, n, e)
    for o in ledger.results():
        want = measure_buckets(API, requests, o.period)
        got = (o.total_seconds, o.downtime_seconds, o.availability)
        assert got == (want.denominator, want.downtime, want.availability), o.period


@pytest.fixture(scope="module")
def corpus_rules_api():
    from test_sla_corpus import rules_of

    return rules_of("api")


# ---------------------------------------------------------------- the oracle itself


def test_oracle_on_the_hand_computed_queue_scenario():
    # tests/sla/queue.expected.yaml, cluster c1 and c2 (May 2026).
    t = TARGETS["queue"][2]
    c1 = [
        Row(at(2026, 5, 2, 1), at(2026, 5, 2, 5), "maintenance", at(2026, 4, 28)),
        Row(at(2026, 5, 10), at(2026, 5, 10, 10), "customer_caused"),
        Row(at(2026, 5, 20, 10), at(2026, 5, 20, 17, 20)),
    ]
    m = measure(t, c1, "2026-05")
    assert (m.denominator, m.downtime, m.excluded, m.maintenance) == (2628000, 26400, 36000, 14400)
    c2 = [
        Row(at(2026, 5, 9, 1), at(2026, 5, 9, 5), "maintenance", at(2026, 5, 1)),
        Row(at(2026, 5, 16, 1), at(2026, 5, 16, 2), "maintenance", at(2026, 5, 1)),
    ]
    m = measure(t, c2, "2026-05")
    assert (m.denominator, m.downtime, m.maintenance) == (2664000, 3600, 14400)
    assert m.availability == Fraction(2660400, 2664000) * 100


def test_oracle_on_grace_and_started_minutes():
    t = TARGETS["instance"][2]
    rows = [
        Row(at(2026, 4, 2, 10), at(2026, 4, 2, 10, 0, 40)),
        Row(at(2026, 4, 3, 10), at(2026, 4, 3, 10, 1, 30)),
        Row(at(2026, 4, 4, 10), at(2026, 4, 4, 10, 22, 10)),
        Row(at(2026, 4, 7), at(2026, 4, 7, 0, 0, 30)),
        Row(at(2026, 4, 7, 0, 0, 31), at(2026, 4, 7, 0, 1, 10)),
    ]
    m = measure(t, rows, "2026-04")
    assert m.outages == [120, 1380] and m.downtime == 1500


def test_oracle_on_the_monthly_allowance_in_a_quarter_and_the_term():
    t = TARGETS["backup"][2]
    rows = [
        Row(at(2026, 1, 4, 1), at(2026, 1, 4, 4), "maintenance", at(2026, 1, 1)),
        Row(at(2026, 2, 10, 10), at(2026, 2, 10, 11, 10)),
    ]
    m = measure(t, rows, "2026-Q1")
    assert (m.denominator, m.downtime, m.maintenance) == (7776000, 7800, 7200)
    cdn = TARGETS["cdn"][2]
    rows = [Row(at(2026, 9, 16, 23, 30), at(2026, 9, 17, 1))]
    m = measure(cdn, rows, "2026-09")
    assert (m.denominator, m.downtime) == (16 * 86400, 1800)
    assert labels_touched(cdn, rows) == {"2026-09"}
    assert measure(cdn, [], "2026-03").denominator == 15 * 86400


PLAIN_MONTH = Target("Asia/Shanghai", YEAR, "month")
FIXTURE_TARGETS = {(stem, product): (per_res, t) for stem, (product, per_res, t) in TARGETS.items()}
FIXTURE_TARGETS |= {("compute", p): (False, PLAIN_MONTH) for p in ("vm", "lb")}
FIXTURE_TARGETS |= {("storage", p): (False, PLAIN_MONTH) for p in ("standard", "ia", "archive")}
FIXTURE_TARGETS |= {("api", "gateway"): (False, API)}
FIXTURE_TARGETS |= {("network", "vpc"): (True, TARGETS["network"][2])}
FIXTURE_TARGETS |= {("network", "dns"): (False, Target("Asia/Shanghai", NETWORK_TERM, "year"))}


def check_credit(stem, sc, line, avail, target) -> None:
    """The fixture's hand-computed credit follows from its own ladder table."""
    from test_sla_corpus import expected_line, fixture, round_to

    fx = fixture(stem)
    charges = next(
        (
            c["amount"]
            for c in sc.get("charges", ())
            if (c["product"], c.get("resource"), c["period"]) == (line["product"], line.get("resource"), line["period"])
        ),
        None,
    )
    months = 3 if "-Q" in line["period"] else 12 if len(line["period"]) == 4 else 1
    proration = "1"
    if stem == "cdn" and line["period"] in ("2026-03", "2026-09"):
        proration = {"2026-03": "15/31", "2026-09": "16/30"}[line["period"]]
    _, exact = expected_line(fx, line["product"], avail, {"charges": charges, "months": months, "proration": proration})
    r = fx["rounding"]
    if r["scope"] == "line":
        assert round_to(exact, r["quantum"], r["mode"]) == round_to(Fraction(line["credit"]), r["quantum"], r["mode"])
        assert Decimal(line["credit"]) == 0 or Decimal(line["credit"]) == round_to(exact, r["quantum"], r["mode"]), (
            stem,
            sc["name"],
            line,
        )
    else:
        assert exact == Fraction(line["credit"]), (stem, sc["name"], line, exact)


def test_oracle_agrees_with_the_hand_computed_fixtures():
    # A second reading of the fixtures' arithmetic, independent of slalang.
    from test_sla_corpus import CORPUS, fixture
    from test_sla_corpus import at as local

    checked = 0
    for path in CORPUS:
        for sc in fixture(path.stem)["scenarios"]:
            given_pct = {(r["product"], r.get("resource"), r["period"]): r for r in sc.get("percents", ())}
            for line in sc["lines"]:
                per_res, t = FIXTURE_TARGETS[(path.stem, line["product"])]
                key = (line["product"], line.get("resource"), line["period"])
                if key in given_pct:
                    avail = Fraction(given_pct[key]["availability"])
                    check_credit(path.stem, sc, line, avail, t)
                    continue
                if t.bucket:
                    reqs = {}
                    for r in sc.get("requests", ()):
                        for i in range(r["count"]):
                            reqs[local(r["start"]) + i * t.bucket] = (r["requests"], r["errors"])
                    m = measure_buckets(t, reqs, line["period"])
                else:
                    rows = [
                        Row(
                            local(r["start"]),
                            local(r["end"]),
                            r.get("exclusion"),
                            local(r["notified_at"]) if r.get("notified_at") else None,
                        )
                        for r in sc.get("downtime", ())
                        if r["product"] == line["product"] and r.get("resource") == line.get("resource")
                    ]
                    m = measure(t, rows, line["period"])
                pct = Decimal(int(m.availability * 10000)) / 10000
                assert pct == Decimal(line["availability_percent"]), (path.stem, sc["name"], line)
                for field, value in (
                    ("downtime_seconds", m.downtime),
                    ("excluded_seconds", m.excluded),
                    ("maintenance_seconds", m.maintenance),
                    ("denominator_seconds", m.denominator),
                ):
                    if field in line:
                        assert value == line[field], (path.stem, sc["name"], line, field, value)
                check_credit(path.stem, sc, line, m.availability, t)
                checked += 1
    assert checked >= 20


# ---------------------------------------------------------------- a zone with daylight saving time

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args) -> int:
    return int(dt.datetime(*args, tzinfo=BERLIN).timestamp())


def _in_berlin(stem: str, tmp) -> object:
    """The corpus contract with its timezone moved to Europe/Berlin (DST on
    29 March and 25 October 2026, both Sundays)."""
    import json

    from test_sla_corpus import ROOT

    from slalang.build import build_one
    from slalang.runtime import Rules, loads_rules

    text = (ROOT / "contracts" / "sla" / f"{stem}.sla").read_text(encoding="utf-8")
    path = tmp / f"{stem}-berlin.sla"
    path.write_text(text.replace('"Asia/Shanghai"', '"Europe/Berlin"'), encoding="utf-8")
    out = build_one(str(path), frozenset({"rules"}))
    doc = next(v for k, v in out.files.items() if k.endswith(".rules.json"))
    assert json.loads(doc)["timezone"] == "Europe/Berlin"
    return Rules(loads_rules(doc if isinstance(doc, bytes) else doc.encode()))


@pytest.fixture(scope="module")
def berlin_rules(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("berlin")
    return {stem: _in_berlin(stem, tmp) for stem in ("backup", "cdn")}


BERLIN_TARGETS = {
    "backup": (
        "backup",
        False,
        Target(
            "Europe/Berlin",
            YEAR,
            "quarter",
            maintenance=Maintenance(72 * 3600, 2 * 3600, "month", (("sun", "00:00", "06:00"),)),
        ),
    ),
    "cdn": ("cdn", False, Target("Europe/Berlin", (dt.date(2026, 3, 17), dt.date(2026, 9, 16)), "month")),
}


def test_oracle_in_a_dst_zone():
    # 17–31 March in Berlin lose an hour on 29 March; the Sunday window 00:00–06:00 lasts 5 h
    # that day and 7 h on 25 October.
    cdn = BERLIN_TARGETS["cdn"][2]
    assert measure(cdn, [], "2026-03").denominator == 15 * 86400 - 3600
    backup = BERLIN_TARGETS["backup"][2]
    rows = [Row(berlin(2026, 3, 28, 22), berlin(2026, 3, 29, 8), "maintenance", berlin(2026, 3, 1))]
    m = measure(backup, rows, "2026-Q1")
    assert (m.maintenance, m.downtime) == (2 * 3600, 9 * 3600 - 2 * 3600)  # 9 h elapsed, 5 h in the window
    rows = [Row(berlin(2026, 10, 25), berlin(2026, 10, 25, 6), "maintenance", berlin(2026, 10, 1))]
    assert measure(backup, rows, "2026-Q4").maintenance == 2 * 3600
    assert measure(backup, rows, "2026-Q4").downtime == 5 * 3600


@pytest.mark.parametrize("stem", sorted(BERLIN_TARGETS))
def test_random_downtime_in_a_dst_zone_against_the_oracle(stem, berlin_rules):
    from slalang.runtime.availability import AvailabilityLedger

    product, _, target = BERLIN_TARGETS[stem]
    anchors = {
        "backup": [berlin(2026, 3, 29), berlin(2026, 10, 25), berlin(2026, 4, 1)],
        "cdn": [berlin(2026, 3, 17), berlin(2026, 3, 29, 2), berlin(2026, 4, 1)],
    }[stem]
    lo = berlin(2026, 3, 17) if stem == "cdn" else berlin(2026, 1, 1)
    code = st.sampled_from([None, None, "customer_caused" if stem == "backup" else "force_majeure", "maintenance"])

    @st.composite
    def one(draw):
        c = draw(code)
        if c == "maintenance" and target.maintenance is None:
            c = None
        start = max(lo, draw(st.sampled_from(anchors)) + draw(st.integers(-6 * 3600, 10 * 3600)))
        end = start + draw(st.one_of(st.integers(1, 3600), st.integers(1, 12 * 3600)))
        notified = start - draw(st.sampled_from([5 * 86400, 72 * 3600, 72 * 3600 - 1])) if c == "maintenance" else None
        return Row(start, end, c, notified)

    @settings(max_examples=30, deadline=None)
    @given(st.lists(one(), min_size=1, max_size=6))
    def run(rows):
        ledger = AvailabilityLedger(berlin_rules[stem])
        for r in rows:
            ledger.add_downtime(product, r.start, r.end, exclusion=r.code, notified_at=r.notified_at)
        outcomes = {o.period: o for o in ledger.results() if o.product == product}
        assert labels_touched(target, rows) <= set(outcomes)
        for label, o in outcomes.items():
            want = measure(target, rows, label)
            got = (o.total_seconds, o.downtime_seconds, o.excluded_seconds, o.maintenance_seconds, o.availability)
            exp = (want.denominator, want.downtime, want.excluded, want.maintenance, want.availability)
            assert got == exp, f"{stem} {label}: runtime {got} ≠ oracle {exp}"

    run()
