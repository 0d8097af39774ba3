"""`slalang eval --claims FILE`: each claim (product, resource, period) is early,
inside its window or late, the window counted from the end of the period on the
contract's calendar. Every expected date is computed by hand below (the 2026
Chinese schedule: National Day 1–7 October off, Sunday 20 September and Saturday
10 October worked; Mid-Autumn 25–27 September off)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / "tests" / "data" / "claims-cn.sla"
CLAIM_LINE = "    claim    from 5bd within 30d after month_end on business"


def build(tmp: Path, claim: str | None = None, period: str = "month") -> Path:
    """The rule file of tests/data/claims-cn.sla, its claim line replaced by
    `claim` and its availability target measured per `period`."""
    from slalang.build import build_one

    text = CONTRACT.read_text(encoding="utf-8")
    assert CLAIM_LINE in text
    text = text.replace("availability rds 99.95% per month", f"availability rds 99.95% per {period}")
    src = tmp / "claims.sla"
    src.write_text(text.replace(CLAIM_LINE, f"    {claim}") if claim else text, encoding="utf-8")
    out = build_one(str(src), frozenset({"rules"}))
    assert out.files, [d.message for d in getattr(out, "diagnostics", ())]
    rules = tmp / "claims.rules.json"
    rules.write_bytes(next(v for k, v in out.files.items() if k.endswith(".rules.json")))
    return rules


def run_eval(*argv) -> tuple[int, str, str]:
    from slalang.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse
            rc = exc.code
    return rc, out.getvalue(), err.getvalue()


def claims_of(tmp: Path, rules: Path, rows: list[tuple], fmt: str = "json", lang: str = "en"):
    tickets = tmp / "tickets.csv"
    tickets.write_text("id,priority,opened_at,first_response_at,resolved_at\n", encoding="utf-8")
    claims = tmp / "claims.csv"
    claims.write_text(
        "product,resource,period,claimed_on\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8"
    )
    rc, out, err = run_eval("eval", rules, tickets, "--claims", claims, "--format", fmt, "--lang", lang)
    assert rc == 0, err
    return json.loads(out)["claims"] if fmt == "json" else out


def test_from_5bd_across_the_national_day_week(tmp_path):
    # Period 2026-09 ends Wed 30 Sep. Working days after it: Thu 8 Oct (1), Fri 9 Oct (2),
    # Sat 10 Oct (3, a make-up working day), Mon 12 Oct (4), Tue 13 Oct (5) → claims open 13 Oct.
    # `within 30d`: 30 Sep + 30 days = 30 Oct is the last day.
    rules = build(tmp_path)
    rows = claims_of(
        tmp_path,
        rules,
        [
            ("rds", "", "2026-09", "2026-10-09"),
            ("rds", "", "2026-09", "2026-10-12"),
            ("rds", "", "2026-09", "2026-10-13"),
            ("rds", "", "2026-09", "2026-10-30T23:59:00+08:00"),
            ("rds", "", "2026-09", "2026-10-30T16:30:00Z"),  # 00:30 on 31 Oct in Beijing
            ("rds", "", "2026-09", "2026-10-31"),
        ],
    )
    assert [(r["claimed_on"], r["first_day"], r["last_day"], r["status"]) for r in rows] == [
        ("2026-10-09", "2026-10-13", "2026-10-30", "early"),
        ("2026-10-12", "2026-10-13", "2026-10-30", "early"),
        ("2026-10-13", "2026-10-13", "2026-10-30", "in_window"),
        ("2026-10-30", "2026-10-13", "2026-10-30", "in_window"),
        ("2026-10-31", "2026-10-13", "2026-10-30", "late"),
        ("2026-10-31", "2026-10-13", "2026-10-30", "late"),
    ]


def test_from_5bd_in_an_ordinary_month(tmp_path):
    # 2026-06 ends Tue 30 Jun: Wed 1 Jul (1), Thu 2 (2), Fri 3 (3), Mon 6 (4), Tue 7 (5).
    # Last day 30 Jun + 30 = 30 Jul.
    rules = build(tmp_path)
    [row] = claims_of(tmp_path, rules, [("rds", "", "2026-06", "2026-07-06")])
    assert (row["first_day"], row["last_day"], row["status"]) == ("2026-07-07", "2026-07-30", "early")


def test_within_10bd_counts_working_days_only(tmp_path):
    # 2026-09: Oct 8, 9, 10 (make-up), 12, 13, 14, 15, 16, 19, 20 → the 10th working day is Tue 20 Oct.
    # No `from`: claims are accepted from the day after the period, 1 Oct.
    rules = build(tmp_path, "claim within 10bd after month_end on business")
    rows = claims_of(
        tmp_path,
        rules,
        [
            ("rds", "", "2026-09", "2026-10-01"),
            ("rds", "", "2026-09", "2026-10-20"),
            ("rds", "", "2026-09", "2026-10-21"),
        ],
    )
    assert [(r["first_day"], r["last_day"], r["status"]) for r in rows] == [
        ("2026-10-01", "2026-10-20", "in_window"),
        ("2026-10-01", "2026-10-20", "in_window"),
        ("2026-10-01", "2026-10-20", "late"),
    ]


def test_within_calendar_months(tmp_path):
    # `within 2 months`: (the day after the period) + 2 months − 1 day.
    # 2026-03 → 1 Apr + 2 months − 1 day = 31 May; 2026-12 → 1 Jan 2027 + 2 months − 1 day = 28 Feb 2027;
    # 2026-01 → 1 Feb + 2 months − 1 day = 31 Mar.
    rules = build(tmp_path, "claim within 2 months after month_end")
    rows = claims_of(
        tmp_path,
        rules,
        [
            ("rds", "", "2026-03", "2026-05-31"),
            ("rds", "", "2026-03", "2026-06-01"),
            ("rds", "", "2026-12", "2027-02-28"),
            ("rds", "", "2026-01", "2026-01-31"),
        ],
    )
    assert [(r["first_day"], r["last_day"], r["status"]) for r in rows] == [
        ("2026-04-01", "2026-05-31", "in_window"),
        ("2026-04-01", "2026-05-31", "late"),
        ("2027-01-01", "2027-02-28", "in_window"),
        ("2026-02-01", "2026-03-31", "early"),  # claimed before the period ended
    ]


def test_a_quarter_is_counted_from_its_last_day(tmp_path):
    # 2026-Q3 ends 30 Sep; `within 60d` → 29 Nov.
    rules = build(tmp_path, "claim within 60d after month_end", period="quarter")
    [row] = claims_of(tmp_path, rules, [("rds", "", "2026-Q3", "2026-11-29")])
    assert (row["first_day"], row["last_day"], row["status"]) == ("2026-10-01", "2026-11-29", "in_window")


@pytest.mark.parametrize("after", ["breach", "report"])
def test_windows_counted_from_a_breach_or_report_cannot_be_judged(tmp_path, after):
    rules = build(tmp_path, f"claim within 30d after {after}")
    tickets = tmp_path / "t.csv"
    tickets.write_text("id,priority,opened_at\n", encoding="utf-8")
    claims = tmp_path / "c.csv"
    claims.write_text("product,resource,period,claimed_on\nrds,,2026-09,2026-10-02\n", encoding="utf-8")
    for lang, words in (("en", f"counted from each {after}"), ("zh", "起算")):
        rc, out, err = run_eval("eval", rules, tickets, "--claims", claims, "--lang", lang)
        assert rc == 2 and out == "" and words in err, err


def test_claims_table_in_both_languages(tmp_path):
    rules = build(tmp_path)
    rows = [
        ("rds", "", "2026-09", "2026-10-12"),
        ("rds", "", "2026-09", "2026-10-13"),
        ("rds", "", "2026-09", "2026-11-02"),
    ]
    en = claims_of(tmp_path, rules, rows, fmt="table", lang="en")
    assert "Claims" in en and "early" in en and "in window" in en and "late" in en and "2026-10-13" in en
    zh = claims_of(tmp_path, rules, rows, fmt="table", lang="zh")
    assert "补偿申请" in zh and "提前申请" in zh and "期限内" in zh and "逾期" in zh


def test_a_bad_claim_row_names_its_line(tmp_path):
    rules = build(tmp_path)
    tickets = tmp_path / "t.csv"
    tickets.write_text("id,priority,opened_at\n", encoding="utf-8")
    claims = tmp_path / "c.csv"
    claims.write_text("product,resource,period,claimed_on\nrds,,2026-09,2026-10-02\nnope,,2026-09,2026-10-02\n")
    rc, out, err = run_eval("eval", rules, tickets, "--claims", claims)
    assert rc == 1 and "line 3" in err and "`nope`" in err, err


def test_claims_for_periods_the_product_does_not_earn_credits_for_are_bad_rows(tmp_path):
    rules = build(tmp_path)  # rds: a monthly target, credits capped per month; the term is 2026
    tickets = tmp_path / "t.csv"
    tickets.write_text("id,priority,opened_at\n", encoding="utf-8")
    for row, words in (
        ("rds,,2026-Q3,2026-11-29", "earns no credit per quarter"),
        ("rds,,2025-12,2026-01-05", "outside the contract's effective period"),
        ("rds,db-1,2026-03,2026-04-08", "measured per product"),
    ):
        claims = tmp_path / "c.csv"
        claims.write_text("product,resource,period,claimed_on\n" + row + "\n", encoding="utf-8")
        rc, out, err = run_eval("eval", rules, tickets, "--claims", claims)
        assert rc == 1 and words in err, err


def test_a_period_cut_by_the_end_of_the_term_is_claimed_from_the_terms_last_day(tmp_path):
    # network: the term ends 2027-03-31, inside the calendar year 2027, and dns
    # is measured per year; `within 10bd after month_end on business` (Mon–Fri,
    # no holiday set): 1, 2, 5, 6, 7, 8, 9, 12, 13, 14 April 2027 → 14 April.
    from slalang.build import build_one

    out = build_one(str(ROOT / "contracts" / "sla" / "network.sla"), frozenset({"rules"}))
    rules = tmp_path / "network.rules.json"
    rules.write_bytes(next(v for k, v in out.files.items() if k.endswith(".rules.json")))
    [row] = claims_of(tmp_path, rules, [("dns", "", "2027", "2027-04-10")])
    assert (row["first_day"], row["last_day"], row["status"]) == ("2027-04-01", "2027-04-14", "in_window")
