"""`slalang duties`: periods and statuses worked out by hand, evidence rows
that do not count, service targets, the text / JSON / iCalendar outputs, exit
codes and escaping — and a golden report for a year of the itops example's
evidence, with its expected statuses counted by hand from contracts/itops.sla.

SLALANG_REGEN=1 rewrites tests/golden/duties/."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
from pathlib import Path

import pytest

from slalang.ruleschema import checksum_of

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "duties"
EVIDENCE = ROOT / "tests" / "data" / "duties" / "itops-2026.csv"
BASE = ROOT / "tests" / "golden" / "rules" / "example-itops.rules.json"  # its calendar `business` has 2026-12-31 off
REGEN = os.environ.get("SLALANG_REGEN") == "1"
HEADER = "duty,date,evidence,value,note\n"


# ------------------------------------------------------------------ helpers
def duty(name, cadence=None, *, calendar=None, performer="provider", title=None, line=10) -> dict:
    kinds = {
        None: None,
        "q": {"kind": "every", "count": 3, "unit": "month", "period": None},
        "m": {"kind": "every", "count": 1, "unit": "month", "period": None},
        "d": {"kind": "every", "count": 1, "unit": "day", "period": None},
        "2y": {"kind": "times", "count": 2, "unit": None, "period": "year"},
    }
    return {
        "name": name,
        "title": title if title is not None else {"zh": f"{name} 中", "en": f"{name} en"},
        "section": "general",
        "cadence": kinds[cadence],
        "performer": performer,
        "performer_title": None,
        "evidence": {"zh": "报告", "en": "the report"},
        "calendar": calendar,
        "line": line,
    }


def target(name, bound="at_least", value="75", percent=False, period="quarter") -> dict:
    return {
        "name": name,
        "title": {"zh": f"{name} 中", "en": f"{name} en"},
        "bound": bound,
        "value": value,
        "percent": percent,
        "period": period,
        "method": None,
        "line": 40,
    }


def rules_file(tmp: Path, duties=(), targets=(), *, start=None, end=None) -> Path:
    doc = json.loads(BASE.read_text(encoding="utf-8"))
    doc["duties"], doc["service_targets"] = list(duties), list(targets)
    if start:
        doc["effective"]["start"] = start
    if end:
        doc["effective"]["end"] = end
    doc["checksum"] = checksum_of(doc)
    path = tmp / "c.rules.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def evidence(tmp: Path, text: str, name: str = "ev.csv") -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def run(*argv) -> tuple[int, str, str]:
    from slalang.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(["duties", *map(str, argv)])
        except SystemExit as exc:  # argparse
            rc = int(exc.code or 0)
    return rc, out.getvalue(), err.getvalue()


def report(rules: Path, ev: Path, at: str, *extra) -> dict:
    rc, out, err = run(rules, "--evidence", ev, "--at", at, "--format", "json", "--lang", "en", *extra)
    assert rc == 0, err
    return json.loads(out)


def statuses(rep: dict, name: str) -> list[str]:
    entry = next(d for d in rep["duties"] + rep["targets"] if d["name"] == name)
    return [p["status"] for p in entry["periods"]]


# ------------------------------------------------------------------ periods and statuses
def test_every_three_months_four_periods_judged_at_an_instant(tmp_path):
    r = rules_file(tmp_path, [duty("drill", "q")])
    ev = evidence(tmp_path, HEADER + "drill,2026-02-10,R1,,\ndrill,2026-08-01,R3,,\n")
    rep = report(r, ev, "2026-08-15")
    d = rep["duties"][0]
    assert [(p["start"], p["end"], p["due_date"]) for p in d["periods"]] == [
        ("2026-01-01", "2026-03-31", "2026-03-31"),
        ("2026-04-01", "2026-06-30", "2026-06-30"),
        ("2026-07-01", "2026-09-30", "2026-09-30"),
        ("2026-10-01", "2026-12-31", "2026-12-31"),
    ]
    # Q1 proven, Q2 never (missing evidence is overdue), Q3 proven early, Q4 not started.
    assert statuses(rep, "drill") == ["done", "overdue", "done", "upcoming"]
    assert d["periods"][1]["due"] == "2026-07-01T00:00:00+08:00"  # the end of the last day
    assert rep["summary"]["duties"] == {"done": 2, "late": 0, "overdue": 1, "due": 0, "upcoming": 1}


def test_a_period_is_due_until_the_end_of_its_last_day(tmp_path):
    r = rules_file(tmp_path, [duty("drill", "q")])
    ev = evidence(tmp_path, HEADER)
    assert statuses(report(r, ev, "2026-03-31T23:59:59+08:00"), "drill")[0] == "due"
    assert statuses(report(r, ev, "2026-04-01T00:00:00+08:00"), "drill")[0] == "overdue"
    assert statuses(report(r, ev, "2026-03-31T16:00:00Z"), "drill")[0] == "overdue"  # = 04-01 00:00 in Shanghai


def test_two_times_per_year_needs_two_distinct_dates(tmp_path):
    r = rules_file(tmp_path, [duty("pentest", "2y")])
    ev = evidence(tmp_path, HEADER + "pentest,2026-03-01,PT-1,,\npentest,2026-03-01,PT-1b,,\n")
    rep = report(r, ev, "2026-06-01")
    p = rep["duties"][0]["periods"][0]
    assert (p["status"], p["performed"], p["required"]) == ("due", 1, 2)  # the same date counts once
    rc, out, _ = run(r, "--evidence", ev, "--at", "2026-06-01", "--lang", "en")
    assert rc == 0 and "due 1 of 2" in out
    ev = evidence(tmp_path, HEADER + "pentest,2026-03-01,PT-1,,\npentest,2026-09-01,PT-2,,\n")
    assert statuses(report(r, ev, "2026-10-01"), "pentest") == ["done"]
    assert statuses(report(r, ev, "2027-01-01"), "pentest") == ["done"]
    ev = evidence(tmp_path, HEADER + "pentest,2026-03-01,PT-1,,\n")
    assert statuses(report(r, ev, "2027-01-01"), "pentest") == ["overdue"]


def test_no_cadence_is_one_period_the_whole_term(tmp_path):
    r = rules_file(tmp_path, [duty("handover")])
    rep = report(r, evidence(tmp_path, HEADER), "2026-05-01")
    (p,) = rep["duties"][0]["periods"]
    assert (p["start"], p["end"], p["status"], p["required"]) == ("2026-01-01", "2026-12-31", "due", 1)
    rep = report(r, evidence(tmp_path, HEADER + "handover,2026-11-30,H-1,,\n"), "2026-12-01")
    assert statuses(rep, "handover") == ["done"]


def test_the_term_cuts_the_last_period_which_is_still_due_at_the_terms_end(tmp_path):
    r = rules_file(tmp_path, [duty("drill", "q")], end="2026-11-15")
    rep = report(r, evidence(tmp_path, HEADER), "2026-11-16")
    last = rep["duties"][0]["periods"][-1]
    assert (last["start"], last["end"], last["cut"], last["due_date"]) == (
        "2026-10-01",
        "2026-11-15",
        True,
        "2026-11-15",
    )
    assert last["status"] == "overdue"
    rc, out, _ = run(r, "--evidence", evidence(tmp_path, HEADER), "--at", "2026-11-16", "--lang", "en")
    assert "2026-10-01 – 2026-11-15 (cut by the term)" in out


def test_on_a_calendar_with_a_holiday_at_the_period_end(tmp_path):
    """`on business`: Q4 is due at the close of 2026-12-30 (18:00), since
    2026-12-31 is the contract's year-end stocktake holiday. Evidence dated
    the 31st is late; dated the 30th, done."""
    r = rules_file(tmp_path, [duty("review", "q", calendar="business")])
    ev = evidence(tmp_path, HEADER + "review,2026-12-31,MIN-Q4,,\n")
    rep = report(r, ev, "2027-01-01")
    q4 = rep["duties"][0]["periods"][3]
    assert q4["due"] == "2026-12-30T18:00:00+08:00" and q4["due_date"] == "2026-12-30"
    assert q4["status"] == "late" and [e["date"] for e in q4["late"]] == ["2026-12-31"]
    assert report(r, ev, "2026-12-30T17:00+08:00")["duties"][0]["periods"][3]["status"] == "due"
    assert report(r, ev, "2026-12-30T18:00+08:00")["duties"][0]["periods"][3]["status"] == "overdue"
    ev = evidence(tmp_path, HEADER + "review,2026-12-30,MIN-Q4,,\n")
    assert statuses(report(r, ev, "2027-01-01"), "review")[3] == "done"
    rc, out, _ = run(r, "--evidence", evidence(tmp_path, HEADER + "review,2026-12-31,M,,\n"), "--at", "2027-01-01")
    assert "2026-12-30 18:00" in out and "(late)" in out


def test_a_period_without_working_time_is_due_at_the_end_of_its_last_day(tmp_path):
    r = rules_file(tmp_path, [duty("check", "d", calendar="business")], end="2026-01-05")
    rep = report(r, evidence(tmp_path, HEADER), "2026-01-10")
    by_day = {p["start"]: p for p in rep["duties"][0]["periods"]}
    sat = by_day["2026-01-03"]  # a Saturday: no working time on `business`
    assert sat["no_working_time"] and sat["due"] == "2026-01-04T00:00:00+08:00"
    mon = by_day["2026-01-05"]
    assert not mon["no_working_time"] and mon["due"] == "2026-01-05T18:00:00+08:00"
    rc, out, _ = run(r, "--evidence", evidence(tmp_path, HEADER), "--at", "2026-01-10", "--lang", "en")
    assert "calendar business has no working time in 2026-01-03 – 2026-01-03" in out


def test_evidence_dated_after_at_does_not_count_yet(tmp_path):
    r = rules_file(tmp_path, [duty("drill", "q")])
    ev = evidence(tmp_path, HEADER + "drill,2026-03-20,R1,,\n")
    rc, out, err = run(r, "--evidence", ev, "--at", "2026-03-10", "--format", "json", "--lang", "en")
    assert rc == 0 and statuses(json.loads(out), "drill")[0] == "due"
    assert "is after the date judged" in err and "(note)" in err


def test_an_instant_counts_on_its_date_in_the_contracts_timezone(tmp_path):
    r = rules_file(tmp_path, [duty("drill", "q")])
    # 20:00 in New York on March 31 is April 1 in Shanghai: Q2, not Q1.
    ev = evidence(tmp_path, HEADER + "drill,2026-03-31T20:00:00-04:00,R1,,\n")
    rep = report(r, ev, "2026-05-01")
    assert statuses(rep, "drill")[:2] == ["overdue", "done"]
    assert rep["duties"][0]["periods"][1]["on_time"][0]["date"] == "2026-04-01"


# ------------------------------------------------------------------ evidence problems
BAD_ROWS = [
    ("drill_x,2026-02-01,R,,\n", "`drill_x` is not a duty or target of the contract; did you mean `drill`?"),
    ("zzz,2026-02-01,R,,\n", "`zzz` is not a duty or target of the contract (known: `drill`, `nps`)"),
    ("drill,2026-02-01,,,\n", "no evidence reference: the row does not count"),
    ("drill,2025-12-31,R,,\n", "2025-12-31 is outside the term (2026-01-01 to 2026-12-31)"),
    ("drill,2026-02-30,R,,\n", "`2026-02-30` is not a date"),
    ("drill,1767225600,R,,\n", "`1767225600` is not a date"),
    ("drill,2026-02-01,R,3,\n", "`drill` is a duty: it has no measured value"),
    ("nps,2026-02-01,R,,\n", "`nps` is a service target: the row needs its measured `value`"),
    ("nps,2026-02-01,R,75%,\n", "`75%` is not a value for `nps`"),
    ("nps,2026-02-01,R,lots,\n", "`lots` is not a value for `nps`"),
    (",2026-02-01,R,,\n", "the row names no duty"),
    ("drill,2026-02-01,R,\n", "4 fields, but the header has 5"),
]


@pytest.mark.parametrize("row,words", BAD_ROWS, ids=[w[:30] for _, w in BAD_ROWS])
def test_a_bad_row_stops_the_run_naming_its_line(tmp_path, row, words):
    r = rules_file(tmp_path, [duty("drill", "q")], [target("nps")])
    ev = evidence(tmp_path, HEADER + "drill,2026-01-10,OK,,\n" + row)
    rc, out, err = run(r, "--evidence", ev, "--at", "2026-06-01", "--lang", "en")
    assert rc == 1 and out == "", err
    assert "ev.csv:line 3" in err and words in err, err
    assert "--skip-bad" in err
    rc, out, err = run(r, "--evidence", ev, "--at", "2026-06-01", "--lang", "en", "--skip-bad")
    assert rc == 0 and "(skipped)" in err and words in err and "skipped 1 bad row" in err, err
    assert "2026-01-10 OK" in out  # the good row still counts


def test_bad_rows_in_chinese(tmp_path):
    r = rules_file(tmp_path, [duty("drill", "q")])
    ev = evidence(tmp_path, HEADER + "drill,2026-01-10,,,\n")
    rc, _, err = run(r, "--evidence", ev, "--at", "2026-06-01", "--lang", "zh")
    assert rc == 1 and "第 2 行 `evidence` 列：未给出证明材料" in err, err


def test_a_duplicate_counts_once_and_is_a_note(tmp_path):
    r = rules_file(tmp_path, [duty("drill", "m")])
    ev = evidence(tmp_path, HEADER + "drill,2026-01-10,R1,,\ndrill,2026-01-10,R1-again,,\n")
    rc, out, err = run(r, "--evidence", ev, "--at", "2026-02-15", "--format", "json", "--lang", "en")
    assert rc == 0
    rep = json.loads(out)
    jan = rep["duties"][0]["periods"][0]
    assert jan["performed"] == 1 and [e["reference"] for e in jan["on_time"]] == ["R1"]
    assert "already has evidence dated 2026-01-10 (line 2): a date counts once" in err
    assert [(r["line"], r["kind"], r["key"]) for r in rep["rows"]] == [(3, "note", "evidence.duplicate")]


def test_the_header_must_have_duty_date_and_evidence(tmp_path):
    r = rules_file(tmp_path, [duty("drill", "q")])
    rc, _, err = run(r, "--evidence", evidence(tmp_path, "duty,date\ndrill,2026-01-10\n"), "--lang", "en")
    assert rc == 1 and "the header has no `evidence` column" in err, err
    rc, _, err = run(r, "--evidence", evidence(tmp_path, "duty,date,evidence,url\n"), "--lang", "en")
    assert rc == 1 and "unknown column `url`" in err, err


def test_json_lines_evidence(tmp_path):
    r = rules_file(tmp_path, [duty("drill", "q")], [target("nps")])
    lines = [
        {"duty": "drill", "date": "2026-02-01", "evidence": "R1"},
        {"duty": "nps", "date": "2026-03-31", "evidence": "S1", "value": 80},
        {"duty": "drill", "date": "2026-05-01", "evidence": "R2", "extra": 1},
    ]
    ev = evidence(tmp_path, "".join(json.dumps(x) + "\n" for x in lines), "ev.jsonl")
    rc, out, err = run(r, "--evidence", ev, "--at", "2026-07-01", "--format", "json", "--lang", "en", "--skip-bad")
    assert rc == 0 and "unknown field `extra`" in err
    rep = json.loads(out)
    assert statuses(rep, "drill")[:2] == ["done", "overdue"] and statuses(rep, "nps")[0] == "met"


# ------------------------------------------------------------------ service targets
def test_targets_met_missed_overdue_due_upcoming(tmp_path):
    r = rules_file(tmp_path, [], [target("nps"), target("complaints", "at_most", "0.5", True, "month")])
    ev = evidence(
        tmp_path,
        HEADER
        + "nps,2026-03-15,S1,70,\n"
        + "nps,2026-03-31,S1-final,75,the final figure\n"  # the latest in Q1: exactly the bound is met
        + "nps,2026-06-30,S2,74.9,\n"
        + "complaints,2026-01-31,C1,0.5%,\n"
        + "complaints,2026-02-28,C2,0.51%,\n",
    )
    rep = report(r, ev, "2026-05-10")
    assert statuses(rep, "nps") == ["met", "due", "upcoming", "upcoming"]  # Q2's value is dated after --at
    assert statuses(rep, "complaints")[:6] == ["met", "missed", "overdue", "overdue", "due", "upcoming"]
    q1 = rep["targets"][0]["periods"][0]["measurement"]
    assert q1 == {"date": "2026-03-31", "reference": "S1-final", "line": 3, "note": "the final figure", "value": "75"}
    assert rep["summary"]["targets"] == {"met": 2, "missed": 1, "overdue": 2, "due": 2, "upcoming": 9}


def test_a_second_measurement_on_one_date_the_later_row_counts(tmp_path):
    r = rules_file(tmp_path, [], [target("nps")])
    ev = evidence(tmp_path, HEADER + "nps,2026-03-31,S1,70,\nnps,2026-03-31,S1-corrected,80,\n")
    rc, out, err = run(r, "--evidence", ev, "--at", "2026-04-10", "--format", "json", "--lang", "en")
    assert rc == 0 and "the later row counts" in err
    assert statuses(json.loads(out), "nps")[0] == "met"


# ------------------------------------------------------------------ outputs
def test_json_shape(tmp_path):
    r = rules_file(tmp_path, [duty("drill", "q")], [target("nps")])
    rep = report(r, evidence(tmp_path, HEADER + "drill,2026-01-10,R1,,n\n"), "2026-02-01")
    assert list(rep) == ["schema", "contract", "at", "timezone", "term", "duties", "targets", "summary", "rows"]
    assert rep["schema"] == "slalang.duties/v1" and rep["at"] == "2026-02-01T00:00:00+08:00"
    assert list(rep["duties"][0]) == [
        "name", "title", "section", "cadence", "performer", "calendar", "line", "periods",
    ]  # fmt: skip
    assert list(rep["duties"][0]["periods"][0]) == [
        "index", "start", "end", "cut", "required", "due", "due_date", "no_working_time", "status",
        "performed", "on_time", "late",
    ]  # fmt: skip
    assert rep["duties"][0]["periods"][0]["on_time"] == [
        {"date": "2026-01-10", "reference": "R1", "line": 2, "note": "n"}
    ]
    assert list(rep["targets"][0]["periods"][0]) == ["start", "end", "cut", "status", "measurement"]


def test_ics_has_one_event_per_period_still_to_do_and_is_byte_identical(tmp_path):
    icalendar = pytest.importorskip("icalendar")
    r = rules_file(tmp_path, [duty("drill", "q")], [target("nps")])
    ev = evidence(tmp_path, HEADER + "drill,2026-01-10,R1,,\nnps,2026-03-31,S,80,\n")
    out1, out2 = tmp_path / "a.ics", tmp_path / "b.ics"
    for out in (out1, out2):
        rc, _, err = run(
            r, "--evidence", ev, "--at", "2026-05-01T09:00+08:00", "--format", "ics", "-o", out, "--lang", "zh"
        )
        assert rc == 0, err
    assert out1.read_bytes() == out2.read_bytes()
    cal = icalendar.Calendar.from_ical(out1.read_bytes())
    events = list(cal.walk("VEVENT"))
    # drill: Q1 done, Q2 due, Q3 and Q4 upcoming; nps: Q1 met, Q2 due, Q3, Q4 upcoming.
    assert [str(e["UID"]) for e in events] == [
        "example-itops-drill-2026-04-01@slalang",
        "example-itops-drill-2026-07-01@slalang",
        "example-itops-drill-2026-10-01@slalang",
        "example-itops-nps-2026-04-01@slalang",
        "example-itops-nps-2026-07-01@slalang",
        "example-itops-nps-2026-10-01@slalang",
    ]
    first = events[0]
    assert first.decoded("DTSTART") == dt.date(2026, 6, 30)
    assert first.decoded("DTSTAMP") == dt.datetime(2026, 5, 1, 1, 0, tzinfo=dt.UTC)
    assert str(first["SUMMARY"]) == "drill 中"
    assert "每 3 个月" in str(first["DESCRIPTION"]) and "证明材料：报告" in str(first["DESCRIPTION"])


def test_the_audit_is_titled_with_the_catalogues_word(tmp_path):
    r = rules_file(tmp_path, [duty("audit", "q", title=None, performer="third_party") | {"title": None}])
    rc, out, _ = run(r, "--evidence", evidence(tmp_path, HEADER), "--at", "2026-02-01", "--lang", "zh")
    assert rc == 0 and "audit — 审计" in out and "由第三方履行" in out
    rc, out, _ = run(r, "--evidence", evidence(tmp_path, HEADER), "--at", "2026-02-01", "--lang", "en")
    assert "audit — Audit" in out and "by a third party" in out


def test_hostile_fields_are_escaped(tmp_path):
    r = rules_file(tmp_path, [duty("drill", "q")])
    hostile = "R\x1b[2J\x1b[31mOWNED\u202egnp.exe\u200b"
    ev = evidence(
        tmp_path, HEADER + f'drill,2026-01-10,"{hostile}",,"line\nbreak"\n' + "evil\x1b]0;x\x07,2026-01-10,R,,\n"
    )
    rc, out, err = run(r, "--evidence", ev, "--at", "2026-02-01", "--lang", "en", "--skip-bad")
    assert rc == 0
    for text in (out, err):
        assert "\x1b" not in text and "\u202e" not in text and "\u200b" not in text and "\x07" not in text
    assert "R\\x1b[2J\\x1b[31mOWNED\\u202egnp.exe\\u200b" in out
    assert "evil\\x1b]0;x\\x07" in err
    rc, out, _ = run(r, "--evidence", ev, "--at", "2026-02-01", "--format", "json", "--skip-bad")
    assert json.loads(out)["duties"][0]["periods"][0]["on_time"][0]["reference"] == hostile  # data, kept as given


def test_an_over_long_field_is_a_bad_row(tmp_path):
    r = rules_file(tmp_path, [duty("drill", "q")])
    ev = evidence(tmp_path, HEADER + "drill,2026-01-10," + "x" * 3000 + ",,\n")
    rc, _, err = run(r, "--evidence", ev, "--at", "2026-02-01", "--lang", "en")
    assert rc == 1 and "longer than 2000 characters" in err


def test_without_duties_the_report_says_so(tmp_path):
    r = rules_file(tmp_path)
    rc, out, _ = run(r, "--evidence", evidence(tmp_path, HEADER), "--at", "2026-02-01", "--lang", "en")
    assert rc == 0 and "The contract has no duties or service targets to track." in out


# ------------------------------------------------------------------ exit codes
def test_exit_codes(tmp_path):
    r = rules_file(tmp_path, [duty("drill", "q")])
    ev = evidence(tmp_path, HEADER + "drill,2026-01-10,R1,,\n")
    assert run(r, "--evidence", ev, "--at", "2026-03-01")[0] == 0
    assert run(r, "--evidence", ev, "--at", "2026-03-01", "--check")[0] == 0  # nothing overdue yet
    rc, _, err = run(r, "--evidence", ev, "--at", "2026-07-02", "--check", "--lang", "en")
    assert rc == 1 and "--check: 1 period overdue or target missed" in err
    assert run(r, "--evidence", tmp_path / "missing.csv")[0] == 2
    rc, _, err = run(r, "--evidence", ev, "--at", "someday", "--lang", "en")
    assert rc == 2 and "`someday` is not an instant or a date" in err
    assert run(tmp_path / "missing.rules.json", "--evidence", ev)[0] == 2
    assert run(r)[0] == 2  # --evidence is required
    broken = tmp_path / "broken.rules.json"
    broken.write_text(r.read_text(encoding="utf-8").replace("drill", "drll", 1), encoding="utf-8")
    rc, _, err = run(broken, "--evidence", ev, "--lang", "en")
    assert rc == 1 and "checksum" in err


def test_a_target_missed_fails_the_check(tmp_path):
    r = rules_file(tmp_path, [], [target("nps")])
    ev = evidence(tmp_path, HEADER + "nps,2026-02-01,S,60,\n")
    rc, _, err = run(r, "--evidence", ev, "--at", "2026-02-10", "--check", "--lang", "en")
    assert rc == 1 and "1 period overdue or target missed" in err


def test_without_at_the_report_names_the_instant_it_used(tmp_path):
    r = rules_file(tmp_path, [duty("drill", "q")])
    rc, out, _ = run(r, "--evidence", evidence(tmp_path, HEADER), "--format", "json")
    assert rc == 0
    at = dt.datetime.fromisoformat(json.loads(out)["at"])
    assert abs((dt.datetime.now(dt.UTC) - at).total_seconds()) < 120


# ------------------------------------------------------------------ the itops year (golden)
@pytest.fixture(scope="module")
def itops_rules(tmp_path_factory) -> Path:
    from slalang.build import build_one

    outcome = build_one(str(ROOT / "contracts" / "itops.sla"), frozenset({"rules"}))
    assert outcome.error is None, outcome.error
    path = tmp_path_factory.mktemp("itops") / "example-itops.rules.json"
    path.write_bytes(outcome.files["example-itops.rules.json"])
    return path


def _itops(itops_rules, monkeypatch, *extra) -> tuple[int, str, str]:
    monkeypatch.chdir(ROOT)  # the report names the evidence file as given
    return run(
        itops_rules, "--evidence", "tests/data/duties/itops-2026.csv", "--at", "2026-12-15", "--skip-bad", *extra
    )


def test_itops_year_statuses_counted_by_hand(itops_rules, monkeypatch):
    """contracts/itops.sla, term 2026, judged on 2026-12-15 against
    tests/data/duties/itops-2026.csv: the drill skipped June; the restore
    test skipped Q2; the panel's April minutes were never filed (a row with
    no reference: skipped, so April is overdue) and August has none; the
    open day skipped Q3; both penetration tests were done; the audit's first
    half is done; the transparency report is dated after the 15th (a note);
    the August drill's row misspells the duty (a bad row) but a correct row
    follows; November's drill was sent twice (a note, counted once); NPS met
    Q1 (78), missed Q2 (72), has no Q3 figure."""
    rc, out, err = _itops(itops_rules, monkeypatch, "--format", "json", "--lang", "en")
    assert rc == 0, err
    rep = json.loads(out)
    D, O, U = "done", "overdue", "due"
    assert [d["name"] for d in rep["duties"]] == [
        "audit",
        "transparency_report",
        "failover_drill",
        "restore_test",
        "penetration_test",
        "experience_panel",
        "open_day",
    ]
    assert statuses(rep, "audit") == [D, U]
    assert statuses(rep, "transparency_report") == [U]
    assert statuses(rep, "failover_drill") == [D, D, D, D, D, O, D, D, D, D, D, U]
    assert statuses(rep, "restore_test") == [D, O, D, U]
    assert statuses(rep, "penetration_test") == [D]
    assert statuses(rep, "experience_panel") == [D, D, D, O, D, D, D, O, D, D, D, U]
    assert statuses(rep, "open_day") == [D, D, O, D]
    assert statuses(rep, "nps") == ["met", "missed", "overdue", "due"]
    assert rep["summary"] == {
        "duties": {"done": 26, "late": 0, "overdue": 5, "due": 5, "upcoming": 0},
        "targets": {"met": 1, "missed": 1, "overdue": 1, "due": 1, "upcoming": 0},
    }
    assert [(r["line"], r["kind"]) for r in rep["rows"]] == [(12, "bad"), (22, "bad"), (30, "note"), (34, "note")]
    assert run(itops_rules, "--evidence", EVIDENCE, "--at", "2026-12-15", "--skip-bad", "--check")[0] == 1


@pytest.mark.parametrize(
    "fmt,lang,name",
    [
        ("text", "en", "itops-2026.en.txt"),
        ("text", "zh", "itops-2026.zh.txt"),
        ("json", "en", "itops-2026.json"),
        ("ics", "en", "itops-2026.en.ics"),
    ],
)
def test_itops_year_golden(itops_rules, monkeypatch, fmt, lang, name):
    rc, out, err = _itops(itops_rules, monkeypatch, "--format", fmt, "--lang", lang)
    assert rc == 0, err
    golden = GOLDEN / name
    if REGEN:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(out.encode("utf-8"))
    assert golden.exists(), f"no golden file {golden}; run with SLALANG_REGEN=1"
    assert out == golden.read_bytes().decode("utf-8"), f"{name} changed; review, then SLALANG_REGEN=1"
