"""The availability SLA corpus (contracts/sla/): every contract compiles clean,
and each hand-computed scenario of tests/sla/<name>.expected.yaml comes out of
the runtime API and of `slalang eval --format json` exactly; a threshold sweep
per ladder, expected values computed here from the ladder table typed in the
fixture (never from the rule file); regressions for the bugs of issue 10."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "contracts" / "sla").glob("*.sla"))
FIXTURES = ROOT / "tests" / "sla"
TZ = ZoneInfo("Asia/Shanghai")  # every corpus contract's timezone


# ---------------------------------------------------------------- helpers


def at(text: str) -> int:
    """A local instant of the fixtures (contract timezone) → epoch seconds."""
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=TZ).timestamp())


@cache
def fixture(stem: str) -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load((FIXTURES / f"{stem}.expected.yaml").read_text(encoding="utf-8"), Loader=loader)


@cache
def rules_doc(stem: str) -> str:
    from slalang.build import build_one

    out = build_one(str(ROOT / "contracts" / "sla" / f"{stem}.sla"), frozenset({"rules"}))
    doc = next(v for k, v in out.files.items() if k.endswith(".rules.json"))
    return doc.decode("utf-8") if isinstance(doc, bytes) else doc


def rules_of(stem: str):
    from slalang.runtime import Rules, loads_rules

    return Rules(loads_rules(rules_doc(stem).encode()))


def round_to(x: Fraction, quantum: str, mode: str) -> Decimal:
    """Round an exact amount to the quantum (the fixture's own rounding, not slalang's)."""
    q = Fraction(Decimal(quantum))
    steps = x / q
    fl = steps.numerator // steps.denominator
    rest = steps - fl
    if mode == "down":  # towards zero; amounts are never negative
        n = fl
    elif mode == "up":
        n = fl if rest == 0 else fl + 1
    elif mode == "half_up":
        n = fl + 1 if rest >= Fraction(1, 2) else fl
    elif mode == "half_even":
        n = fl + 1 if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and fl % 2 == 1) else fl
    else:
        raise ValueError(mode)
    return (Decimal(n) * Decimal(quantum)).quantize(Decimal(quantum))


def dec(v) -> Decimal:
    return Decimal(0) if v is None else Decimal(str(v))


def frac(v) -> Fraction:
    return Fraction(str(v))


# ---------------------------------------------------------------- running a scenario


def feed(ledger, fx: dict, sc: dict) -> None:
    products = fx["products"]
    for r in sc.get("downtime", ()):
        ledger.add_downtime(
            r["product"],
            at(r["start"]),
            at(r["end"]),
            exclusion=r.get("exclusion"),
            notified_at=at(r["notified_at"]) if r.get("notified_at") else None,
            resource=r.get("resource"),
        )
    for r in sc.get("percents", ()):
        ledger.set_percent(
            r["product"],
            r["period"],
            Decimal(r["availability"]),
            period=products[r["product"]]["period"],
            resource=r.get("resource"),
        )
    for r in sc.get("requests", ()):
        step = products[r["product"]]["buckets"]
        t0 = at(r["start"])
        for i in range(r["count"]):
            ledger.add_requests(r["product"], t0 + i * step, r["requests"], r["errors"], resource=r.get("resource"))
    for r in sc.get("charges", ()):
        ledger.add_charges(r["product"], r["period"], Decimal(r["amount"]), resource=r.get("resource"))


def run_api(stem: str, sc: dict) -> tuple[list, dict]:
    from slalang.runtime.availability import AvailabilityLedger
    from slalang.runtime.report import PeriodReport

    rules = rules_of(stem)
    ledger = AvailabilityLedger(rules)
    feed(ledger, fixture(stem), sc)
    outcomes = ledger.results()
    report = PeriodReport(rules)
    report.add_availability(outcomes)
    return outcomes, report.result()


def _jsonl(rows) -> str:
    return "".join(json.dumps({k: v for k, v in r.items() if v is not None}, ensure_ascii=False) + "\n" for r in rows)


def run_cli(stem: str, sc: dict, tmp: Path) -> tuple[int, dict, str]:
    from slalang.cli import main

    fx = fixture(stem)
    (tmp / "rules.json").write_text(rules_doc(stem), encoding="utf-8")
    (tmp / "tickets.csv").write_text("id,priority,opened_at\n", encoding="utf-8")
    rows = []
    for r in sc.get("downtime", ()):
        rows.append({k: r.get(k) for k in ("product", "resource", "start", "end", "exclusion", "notified_at")})
    for r in sc.get("percents", ()):
        rows.append({k: r.get(k) for k in ("product", "resource", "period", "availability")})
    for r in sc.get("requests", ()):
        step = fx["products"][r["product"]]["buckets"]
        t0 = dt.datetime.fromisoformat(r["start"])
        for i in range(r["count"]):
            start = (t0 + dt.timedelta(seconds=i * step)).isoformat()
            rows.append(
                {"product": r["product"], "resource": r.get("resource"), "start": start}
                | {"requests": r["requests"], "errors": r["errors"]}
            )
    (tmp / "downtime.jsonl").write_text(_jsonl(rows), encoding="utf-8")
    argv = ["eval", str(tmp / "rules.json"), str(tmp / "tickets.csv"), "--downtime", str(tmp / "downtime.jsonl")]
    if sc.get("charges"):
        (tmp / "charges.jsonl").write_text(_jsonl(sc["charges"]), encoding="utf-8")
        argv += ["--charges", str(tmp / "charges.jsonl")]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([*argv, "--format", "json"])
    text = out.getvalue()
    if rc == 0:  # the table report of the same inputs, in both languages, prints too
        for lang in ("zh", "en"):
            table, terr = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(table), contextlib.redirect_stderr(terr):
                assert main([*argv, "--format", "table", "--lang", lang]) == 0, terr.getvalue()
            assert table.getvalue().strip()
    return rc, (json.loads(text) if rc == 0 and text.strip() else {}), err.getvalue()


def combined(fx: dict, values) -> Fraction:
    vals = [frac(v) for v in values]
    if not vals:
        return Fraction(0)
    return max(vals) if fx.get("combine") == "highest" else sum(vals, Fraction(0))


def check_report(stem: str, sc: dict, rep: dict) -> None:
    """The report's availability rows and credit rows equal the fixture's."""
    fx = fixture(stem)
    scope = fx["rounding"]["scope"]
    rows = {(r["product"], r.get("resource"), r["period"]): r for r in rep["availability"]}
    want = {(w["product"], w.get("resource"), w["period"]): w for w in sc["lines"]}
    for key, w in want.items():
        assert key in rows, f"{sc['name']}: no availability row for {key}; rows: {sorted(rows, key=str)}"
        r = rows[key]
        for field in ("downtime_seconds", "excluded_seconds", "maintenance_seconds", "denominator_seconds", "met"):
            if field in w:
                assert r[field] == w[field], f"{sc['name']} {key} {field}: {r[field]!r} ≠ {w[field]!r}"
        if "availability_percent" in w:
            assert dec(r["availability_percent"]) == dec(w["availability_percent"]), (sc["name"], key, r)
        if "tier" in w:
            assert (None if r["tier"] is None else dec(r["tier"])) == (None if w["tier"] is None else dec(w["tier"])), (
                sc["name"],
                key,
                r,
            )
        exact = frac(w["credit"])
        got = dec(r["credit"])
        if scope == "line":
            assert got == dec(w["credit"]), f"{sc['name']} {key} credit: {r['credit']} ≠ {w['credit']}"
        else:  # per total: lines stay exact, only the product-period total is rounded
            assert Fraction(got) == exact, f"{sc['name']} {key} credit: {r['credit']} ≠ {w['credit']}"
        if exact:
            assert r["met"] is False, f"{sc['name']} {key}: 'met' beside a credit"
    for key, r in rows.items():
        if key not in want:
            assert dec(r["credit"]) == 0, f"{sc['name']}: unexpected credit row {r}"
    owed = {(c["product"], c["period"]): c for c in rep["credits"]}
    want_owed = {(o["product"], o["period"]): o for o in sc.get("owed", ())}
    for key, o in want_owed.items():
        assert key in owed, f"{sc['name']}: no credit row for {key}; rows: {sorted(owed)}"
        c = owed[key]
        for field in ("availability", "total", "cap", "owed"):
            if field in o:
                assert dec(c[field]) == dec(o[field]), f"{sc['name']} {key} {field}: {c[field]} ≠ {o[field]}"
    for key, c in owed.items():
        if key not in want_owed:
            assert dec(c["owed"]) == 0, f"{sc['name']}: unexpected owed row {c}"


def check_outcomes(stem: str, sc: dict, outcomes) -> None:
    """The runtime's outcomes (exact values) agree with the fixture."""
    fx = fixture(stem)
    got = {(o.product, o.resource, o.period): o for o in outcomes}
    for w in sc["lines"]:
        key = (w["product"], w.get("resource"), w["period"])
        assert key in got, f"{sc['name']}: no outcome for {key}"
        o = got[key]
        assert Decimal(int(o.availability * 10000)) / 10000 == dec(w["availability_percent"]), (sc["name"], key)
        assert o.met is w.get("met", o.met), (sc["name"], key)
        if "downtime_seconds" in w:
            assert o.downtime_seconds == w["downtime_seconds"], (sc["name"], key)
        exact = frac(w["credit"])
        line = combined(fx, o.credits.values())
        if fx["rounding"]["scope"] == "total":
            assert line == exact, f"{sc['name']} {key}: exact line {line} ≠ {exact}"
        else:
            assert round_to(line, fx["rounding"]["quantum"], fx["rounding"]["mode"]) == dec(w["credit"]), (
                sc["name"],
                key,
                o.credits,
            )


SCENARIOS = [
    pytest.param(p.stem, i, id=f"{p.stem}-{i}")
    for p in CORPUS
    if (FIXTURES / f"{p.stem}.expected.yaml").exists()
    for i in range(len(fixture(p.stem)["scenarios"]))
]


def scenario(stem: str, name: str) -> dict:
    return next(s for s in fixture(stem)["scenarios"] if s["name"].startswith(name))


# ---------------------------------------------------------------- the corpus


def test_corpus_has_eight_contracts_each_with_a_fixture():
    assert len(CORPUS) >= 8
    assert sorted(p.stem for p in CORPUS) == sorted(
        p.name.removesuffix(".expected.yaml") for p in FIXTURES.glob("*.expected.yaml")
    )
    for p in CORPUS:
        fx = fixture(p.stem)
        assert fx["contract"] == p.stem
        assert any(s.get("cli") for s in fx["scenarios"]), f"{p.stem}: no scenario run through the CLI"


def test_every_contract_states_its_rounding_per_line_or_per_total():
    import re

    for p in CORPUS:
        text = p.read_text(encoding="utf-8")
        assert re.search(r"rounding\s+\w+\s+to\s+[\d.]+\s+per\s+(line|total)", text), p.name


def test_corpus_checks_clean():
    proc = subprocess.run(
        [sys.executable, "-m", "slalang", "check", "--format", "json", *map(str, CORPUS)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert len(doc["files"]) == len(CORPUS)
    assert doc["summary"] == {"errors": 0, "warnings": 0}
    diags = doc["diagnostics"]
    assert not diags, json.dumps(diags, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("stem", [p.stem for p in CORPUS])
def test_contract_compiles_without_diagnostics_and_builds_rules(stem):
    from slalang.compiler import compile_file

    result = compile_file(str(ROOT / "contracts" / "sla" / f"{stem}.sla"))
    assert result.contract is not None
    assert [d.message for d in result.diagnostics] == []
    doc = json.loads(rules_doc(stem))
    assert doc["schema"].endswith("/v4")
    assert {a["product"] for a in doc["availability"]} == set(fixture(stem)["products"])


@pytest.mark.parametrize(("stem", "index"), SCENARIOS)
def test_scenario_through_the_api(stem, index):
    sc = fixture(stem)["scenarios"][index]
    outcomes, rep = run_api(stem, sc)
    check_outcomes(stem, sc, outcomes)
    check_report(stem, sc, rep)


@pytest.mark.parametrize(
    ("stem", "index"), [p for p in SCENARIOS if fixture(p.values[0])["scenarios"][p.values[1]].get("cli")]
)
def test_scenario_through_eval(stem, index, tmp_path):
    sc = fixture(stem)["scenarios"][index]
    rc, rep, err = run_cli(stem, sc, tmp_path)
    assert rc == 0, err
    check_report(stem, sc, rep)


# ---------------------------------------------------------------- threshold sweep


def expected_line(fx: dict, product: str, avail: Fraction, sweep: dict) -> tuple[list[Decimal], Fraction]:
    """Tiers reached and the exact credit line, from the fixture's ladder table."""
    info = fx["products"][product]
    lines, tiers = [], []
    for ld in fx["ladders"].values():
        if product not in ld["products"]:
            continue
        crossed = [(Decimal(t), Fraction(Decimal(p))) for t, p in ld["tiers"] if avail < Fraction(Decimal(t))]
        if not crossed:
            continue
        threshold, pct = min(crossed)
        tiers.append(threshold)
        if ld["base"] == "charges":
            base = frac(sweep["charges"])
        else:
            base = frac(info["fee"]) * sweep.get("months", 1) * Fraction(sweep.get("proration", "1"))
        line = pct / 100 * base
        if ld.get("minimum") is not None:
            line = max(line, frac(ld["minimum"]))
        if ld.get("cap") is not None:
            line = min(line, Fraction(Decimal(ld["cap"])) / 100 * base)
        lines.append(line)
    return tiers, combined(fx, lines)


def expected_owed(fx: dict, product: str, line: Fraction, sweep: dict) -> Decimal:
    r = fx["rounding"]
    rounded = round_to(line, r["quantum"], r["mode"])
    cap = fx.get("cap")
    if cap is None:
        return rounded
    if "money" in cap:
        amount = frac(cap["money"])
    else:
        months = {"month": 1, "quarter": 3, "year": 12}[cap["per"]]
        amount = Fraction(Decimal(cap["percent"])) / 100 * frac(fx["products"][product]["fee"]) * months
        # A fee-based cap is prorated like the fee in a period cut by the term.
        amount *= Fraction(sweep.get("proration", "1"))
    return min(rounded, round_to(amount, r["quantum"], "down"))


def cap_key(fx: dict, label: str) -> str:
    """The cap period (`credits { cap … per P }`) holding a period label."""
    per = (fx.get("cap") or {}).get("per", "month")
    if per == "year":
        return label[:4]
    if per == "quarter" and "-Q" not in label and len(label) == 7:
        return f"{label[:4]}-Q{(int(label[5:]) - 1) // 3 + 1}"
    return label


def sweep_points(fx: dict, sw: dict) -> list[tuple[str, int | Decimal]]:
    """(how, value): ("given", percent) and ("units", downtime units) around every threshold."""
    thresholds = sorted(
        {Decimal(t) for ld in fx["ladders"].values() if sw["product"] in ld["products"] for t, _ in ld["tiers"]}
    )
    n = sw["seconds"] // sw["unit"]
    given: set[Decimal] = {Decimal(0), Decimal(100)}
    units: set[int] = {0, n}
    step = Decimal("0.001")
    for t in thresholds:
        for p in (t - step, t, t + step):
            if 0 <= p <= 100:
                given.add(p)
        exact = (100 - Fraction(t)) / 100 * n  # units of downtime that land exactly on t
        below = (100 - Fraction(t - step)) / 100 * n  # at or below t − 0.001
        above = (100 - Fraction(t + step)) / 100 * n  # at or above t + 0.001
        floor_exact = exact.numerator // exact.denominator
        units |= {floor_exact, floor_exact + 1, -((-below.numerator) // below.denominator)}
        if above >= 0:
            units.add(above.numerator // above.denominator)
    return [("given", p) for p in sorted(given)] + [("units", u) for u in sorted(units) if 0 <= u <= n]


def _sweep_params():
    out = []
    for p in CORPUS:
        path = FIXTURES / f"{p.stem}.expected.yaml"
        if not path.exists():
            continue
        for i, sw in enumerate(fixture(p.stem).get("sweep", ())):
            out.append(pytest.param(p.stem, i, id=f"{p.stem}-{sw['product']}-{sw['period']}"))
    return out


@pytest.mark.parametrize(("stem", "index"), _sweep_params())
def test_threshold_sweep(stem, index):
    from slalang.runtime.availability import AvailabilityLedger
    from slalang.runtime.report import PeriodReport

    fx = fixture(stem)
    sw = fx["sweep"][index]
    product, resource, key = sw["product"], sw.get("resource"), sw["period"]
    info = fx["products"][product]
    rules = rules_of(stem)
    n = sw["seconds"] // sw["unit"]
    t0 = at(sw["start"])
    single = sum(product in ld["products"] for ld in fx["ladders"].values()) == 1
    r = fx["rounding"]
    for how, value in sweep_points(fx, sw):
        ledger = AvailabilityLedger(rules)
        if how == "given":
            avail = Fraction(value)
            ledger.set_percent(product, key, value, period=info["period"], resource=resource)
        else:
            avail = Fraction(n - value, n) * 100
            if info.get("buckets"):
                step = info["buckets"]
                for i in range(value):
                    ledger.add_requests(product, t0 + i * step, 100, 6, resource=resource)
                if value == 0:
                    ledger.add_requests(product, t0, 100, 0, resource=resource)
            elif value == 0:  # a period with an excluded minute only: 100 %
                ledger.add_downtime(product, t0, t0 + 60, exclusion=sw["exclusion"], resource=resource)
            else:
                ledger.add_downtime(product, t0, t0 + value * sw["unit"], resource=resource)
        if sw.get("charges"):
            ledger.add_charges(product, key, Decimal(sw["charges"]), resource=resource)
        what = f"{stem} {product} {key} {how}={value} (availability {float(avail):.6f} %)"
        tiers, line = expected_line(fx, product, avail, sw)
        outcomes = [o for o in ledger.results() if (o.product, o.resource, o.period) == (product, resource, key)]
        assert len(outcomes) == 1, what
        o = outcomes[0]
        assert o.availability == avail, f"{what}: availability {o.availability}"
        assert o.met is (avail >= Fraction(Decimal(info["target"]))), what
        assert not (o.met and line), f"{what}: met beside a credit"
        if single:
            assert o.tier == (tiers[0] if tiers else None), f"{what}: tier {o.tier}, expected {tiers}"
        got = combined(fx, o.credits.values())
        if r["scope"] == "total":
            assert got == line, f"{what}: credit {got}, expected {line}"
        else:
            assert round_to(got, r["quantum"], r["mode"]) == round_to(line, r["quantum"], r["mode"]), (
                f"{what}: credit {got}, expected {line}"
            )
        report = PeriodReport(rules)
        report.add_availability(ledger.results())
        rep = report.result()
        row = next(
            x for x in rep["availability"] if (x["product"], x.get("resource"), x["period"]) == (product, resource, key)
        )
        if r["scope"] == "line":
            assert dec(row["credit"]) == round_to(line, r["quantum"], r["mode"]), f"{what}: report {row}"
        ck = cap_key(fx, key)
        owed = [c for c in rep["credits"] if (c["product"], c["period"]) == (product, ck)]
        want = expected_owed(fx, product, line, sw)
        assert dec(owed[0]["owed"] if owed else 0) == want, f"{what}: owed {owed}, expected {want}"


# ---------------------------------------------------------------- regressions (issue 10)


def _run(stem: str, name: str, tmp: Path) -> dict:
    sc = scenario(stem, name)
    outcomes, rep = run_api(stem, sc)
    check_outcomes(stem, sc, outcomes)
    check_report(stem, sc, rep)
    if sc.get("cli"):
        rc, cli_rep, err = run_cli(stem, sc, tmp)
        assert rc == 0, err
        check_report(stem, sc, cli_rep)
        return cli_rep
    return rep


def _row(rep: dict, product: str, period: str, resource: str | None = None) -> dict:
    return next(
        r for r in rep["availability"] if (r["product"], r.get("resource"), r["period"]) == (product, resource, period)
    )


def _owed(rep: dict, product: str, period: str) -> Decimal:
    return next(
        (dec(c["owed"]) for c in rep["credits"] if (c["product"], c["period"]) == (product, period)), Decimal(0)
    )


def test_regression_two_ladders_are_not_summed_for_every_product(tmp_path):
    rep = _run("compute", "each product paid by its own ladder", tmp_path)
    # vm pays only vm_credit (5000), lb only lb_credit (800): no 10 % of the other fee added.
    assert _owed(rep, "vm", "2026-04") == Decimal("5000.00")
    assert _owed(rep, "lb", "2026-04") == Decimal("800.00")


def test_regression_storage_meeting_its_own_target_owes_nothing(tmp_path):
    rep = _run("storage", "each class against its own target", tmp_path)
    ia = _row(rep, "ia", "2026-03")
    assert ia["met"] is True and dec(ia["credit"]) == 0 and ia["tier"] is None
    assert _owed(rep, "ia", "2026-03") == 0


def test_regression_mid_month_start_is_measured_over_the_days_in_the_term(tmp_path):
    rep = _run("cdn", "the first part-month", tmp_path)
    row = _row(rep, "cdn", "2026-03")
    assert row["denominator_seconds"] == 15 * 86400
    assert dec(row["availability_percent"]) == Decimal("99.7222")


def test_regression_downtime_in_the_last_partial_period(tmp_path):
    rep = _run("cdn", "the last part-month", tmp_path)
    assert _row(rep, "cdn", "2026-09")["denominator_seconds"] == 16 * 86400
    assert _owed(rep, "cdn", "2026-09") == Decimal("1600.00")


def test_regression_quarterly_target_with_a_credit_in_the_report(tmp_path):
    rep = _run("backup", "a quarterly credit in the report", tmp_path)
    assert _owed(rep, "backup", "2026-Q2") == Decimal("6750.00")


def test_regression_monthly_maintenance_allowance_is_not_pooled_per_quarter(tmp_path):
    rep = _run("backup", "the monthly maintenance allowance", tmp_path)
    row = _row(rep, "backup", "2026-Q1")
    assert (row["maintenance_seconds"], row["downtime_seconds"]) == (7200, 7800)
    assert row["met"] is False


def test_regression_rounding_up_never_exceeds_the_cap(tmp_path):
    rep = _run("api", "rounding up never exceeds the cap", tmp_path)
    assert _owed(rep, "gateway", "2026-04") == Decimal("6172.83")
    c = next(c for c in rep["credits"] if c["period"] == "2026-04")
    assert dec(c["cap"]) == Decimal("6172.83")


def test_missing_charges_are_an_error_naming_product_resource_and_period():
    sc = {
        "name": "no charges",
        "downtime": [
            {"product": "ecs", "resource": "i-7", "start": "2026-04-02T00:00:00", "end": "2026-04-02T02:00:00"}
        ],
    }
    with pytest.raises(Exception) as info:  # noqa: PT011 - the runtime's error type is its own
        run_api("instance", sc)
    assert not isinstance(info.value, (AssertionError, KeyError, TypeError, AttributeError)), repr(info.value)
    text = str(info.value)
    assert "ecs" in text and "i-7" in text and "2026-04" in text, text


def test_round_to_helper():
    # The fixture arithmetic's own rounding (checked here so the sweep can trust it).
    assert round_to(Fraction("1875.125"), "0.01", "half_even") == Decimal("1875.12")
    assert round_to(Fraction("1875.135"), "0.01", "half_even") == Decimal("1875.14")
    assert round_to(Fraction("1234.567"), "0.01", "up") == Decimal("1234.57")
    assert round_to(Fraction("6172.835"), "0.01", "down") == Decimal("6172.83")
    assert round_to(Fraction(45000, 31), "0.01", "half_up") == Decimal("1451.61")
    assert round_to(Fraction("99.999"), "0.01", "down") == Decimal("99.99")
    assert round_to(Fraction(5000), "0.01", "up") == Decimal("5000.00")


# ---------------------------------------------------------------- claims


@pytest.mark.parametrize("stem", [p.stem for p in CORPUS if "claims" in fixture(p.stem)])
def test_claims_are_judged_on_the_contract_calendar(stem, tmp_path):
    from slalang.cli import main

    want = fixture(stem)["claims"]
    (tmp_path / "rules.json").write_text(rules_doc(stem), encoding="utf-8")
    (tmp_path / "tickets.csv").write_text("id,priority,opened_at\n", encoding="utf-8")
    (tmp_path / "downtime.jsonl").write_text("", encoding="utf-8")
    rows = [{k: w.get(k) for k in ("product", "resource", "period", "claimed_on")} for w in want]
    (tmp_path / "claims.jsonl").write_text(_jsonl(rows), encoding="utf-8")
    argv = ["eval", str(tmp_path / "rules.json"), str(tmp_path / "tickets.csv")]
    argv += ["--downtime", str(tmp_path / "downtime.jsonl"), "--claims", str(tmp_path / "claims.jsonl")]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([*argv, "--format", "json"])
    assert rc == 0, err.getvalue()
    got = json.loads(out.getvalue())["claims"]
    assert len(got) == len(want), got
    for w, g in zip(want, got, strict=True):
        what = f"{stem} {w['product']} {w['period']} claimed {w['claimed_on']}"
        assert (g["product"], g.get("resource"), g["period"]) == (w["product"], w.get("resource"), w["period"]), what
        assert g["claimed_on"] == w["date"], f"{what}: {g}"
        assert g["status"] == w["status"], f"{what}: {g}"
        for field in ("first_day", "last_day"):
            if field in w:
                assert g[field] == w[field], f"{what}: {g}"


def test_error_rate_column_in_eval(tmp_path):
    # api scenario 1 with `error_rate` (%) instead of `errors`: 9 buckets at 6 % → down,
    # 3 at exactly 5 % → not down, one at 5.01 % → down: 10 down of 8064 → 99.875992…% → 1234.57.
    rows = [
        {"product": "gateway", "start": f"2026-02-10T10:{5 * i:02d}:00", "requests": 100, "error_rate": "6"}
        for i in range(9)
    ]
    rows += [
        {"product": "gateway", "start": f"2026-02-11T10:{5 * i:02d}:00", "requests": 100, "error_rate": "5"}
        for i in range(3)
    ]
    rows += [{"product": "gateway", "start": "2026-02-12T10:00:00", "requests": 10000, "error_rate": "5.01"}]
    (tmp_path / "rules.json").write_text(rules_doc("api"), encoding="utf-8")
    (tmp_path / "tickets.csv").write_text("id,priority,opened_at\n", encoding="utf-8")
    (tmp_path / "downtime.jsonl").write_text(_jsonl(rows), encoding="utf-8")
    from slalang.cli import main

    out, err = io.StringIO(), io.StringIO()
    argv = ["eval", str(tmp_path / "rules.json"), str(tmp_path / "tickets.csv")]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([*argv, "--downtime", str(tmp_path / "downtime.jsonl"), "--format", "json"])
    assert rc == 0, err.getvalue()
    rep = json.loads(out.getvalue())
    row = _row(rep, "gateway", "2026-02")
    assert row["downtime_seconds"] == 3000
    assert dec(row["availability_percent"]) == Decimal("99.8759")
    assert dec(row["credit"]) == Decimal("1234.57")
