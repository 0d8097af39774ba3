"""Issue 10 at the command line: each runtime bug the issue lists, through
`slalang eval` (rule files built from the contracts, inputs written here, every
expected figure computed by hand in the comments), and the new inputs
(resources, charges, request buckets, given percentages per quarter)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


@cache
def rules_bytes(contract: str) -> bytes:
    from slalang.build import build_one

    out = build_one(str(ROOT / contract), frozenset({"rules"}))
    return next(v for k, v in out.files.items() if k.endswith(".rules.json"))


def rules(tmp: Path, contract: str) -> Path:
    p = tmp / (Path(contract).stem + ".rules.json")
    p.write_bytes(rules_bytes(contract))
    return p


def write(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


def run_eval(*argv) -> tuple[int, str, str]:
    from slalang.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["eval", *map(str, argv)])
    return rc, out.getvalue(), err.getvalue()


NO_TICKETS = "id,priority,opened_at,first_response_at,resolved_at\n"


def report(tmp: Path, contract: str, downtime: str, *extra) -> dict:
    r = rules(tmp, contract)
    rc, out, err = run_eval(
        r, write(tmp, "t.csv", NO_TICKETS), "--downtime", write(tmp, "d.csv", downtime), *extra, "--format", "json"
    )
    assert rc == 0, err
    return json.loads(out)


def row(rep: dict, product: str, period: str, resource: str | None = None) -> dict:
    return next(
        r for r in rep["availability"] if (r["product"], r["resource"], r["period"]) == (product, resource, period)
    )


def owed(rep: dict, product: str, period: str) -> str | None:
    return next((c["owed"] for c in rep["credits"] if (c["product"], c["period"]) == (product, period)), None)


# ----------------------------------------------------------------- issue 10's bugs


def test_each_ladder_pays_only_for_its_products(tmp_path):
    # compute.sla: vm 1 h down in April → 1 − 3600/2592000 = 99.8611 % → vm_credit 10 % × 50000 = 5000.00;
    # lb 5 min → 99.9884 % → lb_credit 10 % × 8000 = 800.00. (Before: every ladder paid every product.)
    rep = report(
        tmp_path,
        "contracts/sla/compute.sla",
        "product,start,end\nvm,2026-04-10T10:00,2026-04-10T11:00\nlb,2026-04-11T02:00,2026-04-11T02:05\n",
    )
    assert row(rep, "vm", "2026-04")["credits"] == {"vm_credit": "5000.00"}
    assert row(rep, "lb", "2026-04")["credits"] == {"lb_credit": "800.00"}
    assert (owed(rep, "vm", "2026-04"), owed(rep, "lb", "2026-04")) == ("5000.00", "800.00")


def test_itops_storage_meeting_its_own_target_owes_nothing(tmp_path):
    # itops: storage at 99.92 % against its 99.9 % target is met; hosting's 99.95 % ladder no longer pays it.
    r = rules(tmp_path, "contracts/itops.sla")
    d = write(tmp_path, "d.csv", "product,period,availability\nstorage,2026-03,99.92\n")
    t = write(tmp_path, "t.csv", NO_TICKETS)
    rc, out, err = run_eval(r, t, "--downtime", d, "--format", "json")
    rep = json.loads(out)
    storage = row(rep, "storage", "2026-03")
    assert storage["met"] is True and storage["tier"] is None and storage["credits"] == {}
    assert owed(rep, "storage", "2026-03") is None
    rc, out, err = run_eval(r, t, "--downtime", d)
    line = next(x for x in out.splitlines() if x.startswith("2026-03  storage"))
    assert " yes " in line and "3000" not in line and line.rstrip().endswith("-"), line


def test_a_term_starting_mid_month_is_measured_over_its_days(tmp_path):
    # cdn.sla, term from 17 March: March is 17–31 March = 15 days = 1296000 s; 1 h down → 1 − 3600/1296000
    # = 99.7222 % (not 99.7500 % over ~16.7 days); credit 10 % × 30000 × 15/31 = 1451.6129… → 1451.61.
    rep = report(tmp_path, "contracts/sla/cdn.sla", "product,start,end\ncdn,2026-03-20T10:00,2026-03-20T11:00\n")
    march = row(rep, "cdn", "2026-03")
    assert (march["denominator_seconds"], march["availability_percent"]) == (1296000, "99.7222")
    assert march["credit"] == "1451.61" and owed(rep, "cdn", "2026-03") == "1451.61"


def test_downtime_in_the_last_partial_period_is_judged(tmp_path):
    # Term to 16 September: September is 1–16 September = 1382400 s. 1 h + the 30 min before the term
    # ends = 5400 s → 99.6093 %; 10 % × 30000 × 16/30 = 1600.00. (Before: exit 3, CalendarRangeError.)
    rep = report(
        tmp_path,
        "contracts/sla/cdn.sla",
        "product,start,end\ncdn,2026-09-10T08:00,2026-09-10T09:00\ncdn,2026-09-16T23:30,2026-09-17T01:00\n",
    )
    sep = row(rep, "cdn", "2026-09")
    assert (sep["denominator_seconds"], sep["downtime_seconds"]) == (1382400, 5400)
    assert owed(rep, "cdn", "2026-09") == "1600.00"


def test_a_quarterly_credit_is_reported(tmp_path):
    # backup.sla, per quarter: 24 h in May of Q2's 7862400 s → 98.9010 % → 25 % × 9000 × 3 = 6750.00.
    # (Before: exit 3, "Invalid isoformat string: '2026-Q1-01'".)
    rep = report(tmp_path, "contracts/sla/backup.sla", "product,start,end\nbackup,2026-05-20T00:00,2026-05-21T00:00\n")
    assert row(rep, "backup", "2026-Q2")["tier"] == "99.0"
    assert owed(rep, "backup", "2026-Q2") == "6750.00"
    c = next(c for c in rep["credits"] if c["period"] == "2026-Q2")
    assert c["cap"] == "27000.00"  # 100 % × 9000 × 3 months


def test_a_given_quarterly_percentage(tmp_path):
    # 98.5 % for 2026-Q3 (a label of the quarter): 25 % × 9000 × 3 = 6750.00.
    rep = report(tmp_path, "contracts/sla/backup.sla", "product,period,availability\nbackup,2026-Q3,98.5\n")
    assert row(rep, "backup", "2026-Q3")["given"] is True and owed(rep, "backup", "2026-Q3") == "6750.00"


def test_the_monthly_maintenance_allowance_is_not_pooled_per_quarter(tmp_path):
    # backup.sla: `max 2h per month`. Sunday 4 Jan 01:00–04:00 announced 73 h ahead: 2 h allowed in January,
    # 1 h downtime; + 10 Feb 10:00–11:10 = 4200 s → 7800 s of 7776000 → 99.8996 % < 99.9 → 2700.00.
    # Pooled to 6 h a quarter it would have been 99.9459 %, met.
    rep = report(
        tmp_path,
        "contracts/sla/backup.sla",
        "product,start,end,exclusion,notified_at\n"
        "backup,2026-01-04T01:00,2026-01-04T04:00,maintenance,2026-01-01T00:00\n"
        "backup,2026-02-10T10:00,2026-02-10T11:10,,\n",
    )
    q1 = row(rep, "backup", "2026-Q1")
    assert (q1["maintenance_seconds"], q1["downtime_seconds"], q1["met"]) == (7200, 7800, False)
    assert owed(rep, "backup", "2026-Q1") == "2700.00"


def test_rounding_up_never_exceeds_the_cap(tmp_path):
    # api.sla: 433 five-minute buckets down of April's 8640 → 94.9884 % → 60 % × 12345.67 = 7407.402 → up → 7407.41;
    # the cap 50 % × 12345.67 = 6172.835 is used rounded DOWN: 6172.83 (before: 6172.84 was owed).
    lines = ["product,start,requests,errors"]
    import datetime as dt

    t0 = dt.datetime(2026, 4, 3)
    lines += [f"gateway,{(t0 + dt.timedelta(minutes=5 * i)).isoformat()},20,2" for i in range(433)]
    rep = report(tmp_path, "contracts/sla/api.sla", "\n".join(lines) + "\n")
    assert row(rep, "gateway", "2026-04")["downtime_seconds"] == 433 * 300
    c = next(c for c in rep["credits"] if c["period"] == "2026-04")
    assert (c["availability"], c["cap"], c["owed"]) == ("7407.41", "6172.83", "6172.83")


def _without(column: str, src: Path, dst: Path) -> Path:
    with src.open(encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    with dst.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, [c for c in table[0] if c != column], lineterminator="\n")
        w.writeheader()
        for r in table:
            w.writerow({k: v for k, v in r.items() if k != column})
    return dst


def test_an_absent_first_response_column_is_not_measured(tmp_path):
    # The itops export without first_response_at: no response is breached or credited, each is counted
    # as not measured, and one warning names the column. (Before: every response breached at --at.)
    r = rules(tmp_path, "contracts/itops.sla")
    tickets = _without("first_response_at", DATA / "example-itops.tickets.csv", tmp_path / "t.csv")
    rc, out, err = run_eval(r, tickets, "--at", "2026-12-31T23:00", "--per-ticket", "--format", "json")
    assert rc == 0, err
    outcomes = [json.loads(x) for x in out.splitlines()]
    statuses = {o["deadlines"]["response"]["status"] for o in outcomes}
    assert statuses <= {"not_measured", "no_commitment"} and "not_measured" in statuses
    assert not any("response_delay" in o["credits"] for o in outcomes)
    warnings = [x for x in err.splitlines() if "first_response_at" in x]
    assert len(warnings) == 1 and "resolved_at" not in warnings[0], err
    rc, out, err = run_eval(r, tickets, "--at", "2026-12-31T23:00", "--format", "json")
    rep = json.loads(out)
    response = [x for x in rep["sla"] if x["metric"] == "response"]
    assert sum(x["not_measured"] for x in response) > 0 and sum(x["breached"] + x["met"] for x in response) == 0
    assert all(c["tickets"] == "0.00" for c in rep["credits"])
    rc, out, err = run_eval(r, tickets, "--at", "now", "--per-ticket", "--format", "json")
    assert rc == 0 and not any("response_delay" in json.loads(x)["credits"] for x in out.splitlines())
    rc, out, err = run_eval(r, tickets, "--at", "2026-12-31T23:00", "--lang", "zh")
    assert "警告" in err and "`first_response_at`" in err and "未计量" in out


def test_an_empty_cell_in_a_present_column_has_not_happened(tmp_path):
    # P1 opened Mon 5 Jan 10:00 (business hours): response due 10:30. No reply yet, judged at 11:00:
    # breached 30 min late → 1 started 30 min step → 5 % × 120000 = 6000.00... of hosting's fee.
    r = rules(tmp_path, "contracts/itops.sla")
    t = write(
        tmp_path,
        "t.csv",
        "id,priority,product,opened_at,first_response_at,resolved_at\nT1,P1,hosting,2026-01-05T10:00,,\n",
    )
    rc, out, err = run_eval(r, t, "--at", "2026-01-05T11:00", "--per-ticket", "--format", "json")
    assert rc == 0 and "warning" not in err, err
    o = json.loads(out)
    assert o["deadlines"]["response"]["status"] == "breached" and o["deadlines"]["response"]["late_seconds"] == 1800


def test_resolving_answers_the_response_and_pauses_count_once(tmp_path):
    r = rules(tmp_path, "contracts/itops.sla")
    t = write(
        tmp_path,
        "t.csv",
        "id,priority,product,opened_at,first_response_at,resolved_at,pauses\n"
        # Resolved at 10:10 without a reply: the 15 min response (due 10:15) is met by the resolution.
        "A,P0,hosting,2026-01-05T10:00,,2026-01-05T10:10,\n"
        # Resolution 4 h (wall) from 10:00, paused 10:30–11:30 and 11:00–12:00: the union is 1.5 h → due 15:30;
        # resolved 15:45 → breached 900 s (counting the overlap twice, due 16:00, it would be met).
        "B,P0,hosting,2026-01-05T10:00,2026-01-05T10:05,2026-01-05T15:45,"
        "2026-01-05T10:30/2026-01-05T11:30;2026-01-05T11:00/2026-01-05T12:00\n",
    )
    rc, out, err = run_eval(r, t, "--per-ticket", "--format", "json")
    assert rc == 0, err
    a, b = (json.loads(x) for x in out.splitlines())
    assert a["deadlines"]["response"]["status"] == "met"
    assert (b["deadlines"]["resolution"]["status"], b["deadlines"]["resolution"]["late_seconds"]) == ("breached", 900)


# ----------------------------------------------------------------- inputs and errors


def test_a_v1_rule_file_is_refused_with_rebuild_advice(tmp_path):
    from slalang.ruleschema import checksum_of

    doc = json.loads(rules_bytes("contracts/itops.sla"))
    doc["schema"] = "slalang.rules/v1"
    doc["checksum"] = checksum_of(doc)
    old = write(tmp_path, "old.rules.json", json.dumps(doc))
    t = write(tmp_path, "t.csv", NO_TICKETS)
    rc, out, err = run_eval(old, t, "--lang", "en")
    assert rc == 1 and "compiled by an older slalang (rules/v1); rebuild it with `slalang build`" in err, err
    rc, out, err = run_eval(old, t, "--lang", "zh")
    assert rc == 1 and "由旧版 slalang 编译（rules/v1）" in err and "slalang build" in err, err


def test_per_instance_rows_products_and_charges(tmp_path):
    # instance.sla (per instance, per started minute, outages under 1 min not counted, 10 % of charges):
    # i-1: 40 s (not counted) + 90 s → 2 min = 120 s → 1 − 120/2592000 = 99.9953 % ≥ 99.95: met;
    # i-2: 45 min 10 s → 46 min = 2760 s → 99.8935 % < 99.95 → 10 % × 250.00 = 25.00.
    rep = report(
        tmp_path,
        "contracts/sla/instance.sla",
        "product,resource,start,end\n"
        "ecs,i-1,2026-04-02T10:00:00,2026-04-02T10:00:40\n"
        "ecs,i-1,2026-04-03T10:00:00,2026-04-03T10:01:30\n"
        "ecs,i-2,2026-04-04T10:00:00,2026-04-04T10:45:10\n",
        "--charges",
        write(tmp_path, "c.csv", "product,resource,period,amount\necs,i-1,2026-04,250.00\necs,i-2,2026-04,250.00\n"),
    )
    i1, i2 = row(rep, "ecs", "2026-04", "i-1"), row(rep, "ecs", "2026-04", "i-2")
    assert (i1["downtime_seconds"], i1["met"], i1["availability_percent"]) == (120, True, "99.9953")
    assert (i2["downtime_seconds"], i2["availability_percent"], i2["credit"]) == (2760, "99.8935", "25.00")
    [product] = rep["availability_products"]
    assert (product["resources"], product["resources_met"], product["downtime_seconds"]) == (2, 1, 2880)
    assert product["credit"] == "25.00" and owed(rep, "ecs", "2026-04") == "25.00"


def test_missing_charges_are_an_error_never_zero(tmp_path):
    r = rules(tmp_path, "contracts/sla/instance.sla")
    d = write(tmp_path, "d.csv", "product,resource,start,end\necs,i-7,2026-04-02T00:00,2026-04-02T02:00\n")
    c = write(tmp_path, "c.csv", "product,resource,period,amount\necs,i-1,2026-04,250.00\n")
    rc, out, err = run_eval(r, write(tmp_path, "t.csv", NO_TICKETS), "--downtime", d, "--charges", c)
    assert rc == 1 and out == "", err
    assert "`ecs` i-7" in err and "2026-04" in err and str(c) in err, err
    rc, out, err = run_eval(r, write(tmp_path, "t.csv", NO_TICKETS), "--downtime", d, "--lang", "zh")
    assert rc == 1 and "没有费用数据" in err and "i-7" in err


@pytest.mark.parametrize(
    ("contract", "downtime", "words"),
    [
        ("contracts/sla/instance.sla", "product,start,end\necs,2026-04-02T00:00,2026-04-02T01:00\n", "per instance"),
        (
            "contracts/sla/compute.sla",
            "product,resource,start,end\nvm,i-1,2026-04-02T00:00,2026-04-02T01:00\n",
            "measured per product",
        ),
        ("contracts/sla/api.sla", "product,start,end\ngateway,2026-04-02T00:00,2026-04-02T01:00\n", "request buckets"),
        ("contracts/sla/compute.sla", "product,start,requests,errors\nvm,2026-04-02T00:00,10,1\n", "not measured by"),
        ("contracts/sla/api.sla", "product,start,requests,errors\ngateway,2026-04-02T00:00,10,11\n", "0 ≤ errors"),
        ("contracts/sla/backup.sla", "product,period,availability\nbackup,2026-Q5,99\n", "`2026-Q5` is not a quarter"),
    ],
)
def test_downtime_rows_that_do_not_fit_the_target_name_their_line(tmp_path, contract, downtime, words):
    r = rules(tmp_path, contract)
    rc, out, err = run_eval(r, write(tmp_path, "t.csv", NO_TICKETS), "--downtime", write(tmp_path, "d.csv", downtime))
    assert rc == 1 and "line 2" in err and words in err, err


def test_error_rate_buckets(tmp_path):
    # api.sla: a bucket is down when errors exceed 5 % (strict): 5.0 % is up, 5.1 % down.
    # Two buckets down of February's 8064 → 600 s → 99.9751 %: met.
    rep = report(
        tmp_path,
        "contracts/sla/api.sla",
        "product,start,requests,error_rate\n"
        "gateway,2026-02-10T10:00,1000,5.0\ngateway,2026-02-10T10:05,1000,5.1\ngateway,2026-02-10T10:10,1000,80\n",
    )
    feb = row(rep, "gateway", "2026-02")
    assert (feb["downtime_seconds"], feb["availability_percent"], feb["met"]) == (600, "99.9751", True)


def test_a_row_crossing_the_term_start_counts_its_part_inside_the_term(tmp_path):
    # cdn's term starts 2026-03-17: an outage 16 Mar 23:00 – 17 Mar 01:00 is
    # 1 h inside the term, over the 15 days of March inside it:
    # 100 − 3600 / 1,296,000 × 100 = 99.7222 %.
    rep = report(tmp_path, "contracts/sla/cdn.sla", "product,start,end\ncdn,2026-03-16T23:00,2026-03-17T01:00\n")
    r = row(rep, "cdn", "2026-03")
    assert (r["downtime_seconds"], r["availability_percent"]) == (3600, "99.7222")
    # Wholly before the term, nothing of it is inside: a bad row.
    rc, _, err = run_eval(
        rules(tmp_path, "contracts/sla/cdn.sla"),
        write(tmp_path, "t.csv", NO_TICKETS),
        "--downtime",
        write(tmp_path, "d.csv", "product,start,end\ncdn,2026-03-16T20:00,2026-03-16T21:00\n"),
    )
    assert rc == 1 and "outside the contract's effective period" in err


def test_a_period_given_both_as_a_percentage_and_as_downtime_is_refused(tmp_path):
    both = "product,start,end,period,availability\ncdn,2026-04-01T00:00,2026-04-01T01:00,,\ncdn,,,2026-04,99.99\n"
    r = rules(tmp_path, "contracts/sla/cdn.sla")
    t = write(tmp_path, "t.csv", NO_TICKETS)
    rc, _, err = run_eval(r, t, "--downtime", write(tmp_path, "d.csv", both))
    assert rc == 1 and "line 3" in err and "given both as a percentage and as downtime" in err
    swapped = "product,start,end,period,availability\ncdn,,,2026-05,99.99\ncdn,2026-05-02T00:00,2026-05-02T01:00,,\n"
    rc, _, err = run_eval(r, t, "--downtime", write(tmp_path, "d2.csv", swapped))
    assert rc == 1 and "line 3" in err
    apart = "product,start,end,period,availability\ncdn,,,2026-05,99.99\ncdn,2026-06-02T00:00,2026-06-02T01:00,,\n"
    rc, _, err = run_eval(r, t, "--downtime", write(tmp_path, "d3.csv", apart))
    assert rc == 0, err


def test_rounding_never_takes_a_line_above_its_ladder_cap(tmp_path):
    # database: rds 2 days down in March → the 100 % tier; charges 1000.005 →
    # 100 % of charges = 1000.005, the cap (100 %) too. Rounded half up that is
    # 1000.01, above the cap: the cap counts as 1000.00 (rounded down first).
    rep = report(
        tmp_path,
        "contracts/sla/database.sla",
        "product,resource,start,end\nrds,,2026-03-02T00:00:00,2026-03-04T00:00:00\n",
        "--charges",
        write(tmp_path, "c.csv", "product,resource,period,amount\nrds,,2026-03,1000.005\n"),
    )
    assert row(rep, "rds", "2026-03")["credit"] == "1000.00"
    assert owed(rep, "rds", "2026-03") == "1000.00"


def test_rounding_never_takes_a_ticket_credit_above_its_ladder_cap(tmp_path):
    # itops with a fee of 12,345.67 and `rounding up`: a P1 answered 24 h late
    # reaches the 30 % cap, 3,703.701 — at most 3,703.70 once rounded.
    text = (ROOT / "contracts" / "itops.sla").read_text(encoding="utf-8")
    text = text.replace("fee 120000.00 per month", "fee 12345.67 per month").replace(
        "rounding half_up to 0.01 per line", "rounding up to 0.01 per line"
    )
    src = write(tmp_path, "capup.sla", text)
    from slalang.build import build_one

    out = build_one(str(src), frozenset({"rules"}))
    rules = tmp_path / "capup.rules.json"
    rules.write_bytes(next(v for k, v in out.files.items() if k.endswith(".rules.json")))
    tickets = write(
        tmp_path,
        "t.csv",
        "id,priority,product,opened_at,first_response_at,resolved_at\n"
        "X,P1,hosting,2026-01-05T10:00:00+08:00,2026-01-06T10:00:00+08:00,2026-01-06T10:00:00+08:00\n",
    )
    rc, out_text, err = run_eval(rules, tickets, "--format", "json")
    assert rc == 0, err
    [c] = json.loads(out_text)["credits"]
    assert c["tickets"] == "3703.70"


def test_charges_are_bounded_and_named_as_their_targets_measure(tmp_path):
    r = rules(tmp_path, "contracts/sla/database.sla")
    t = write(tmp_path, "t.csv", NO_TICKETS)
    for amount in ("1E+5000", "1" * 32):
        c = write(tmp_path, "c.csv", f"product,resource,period,amount\nrds,,2026-03,{amount}\n")
        rc, _, err = run_eval(r, t, "--charges", c)
        assert rc == 1 and "is not an amount" in err, err
    c = write(tmp_path, "c.csv", "product,resource,period,amount\nrds,db-7,2026-03,100.00\n")
    rc, _, err = run_eval(r, t, "--charges", c)
    assert rc == 1 and "measured per product" in err, err


def test_an_excluded_request_interval_is_never_down(tmp_path):
    # api (buckets 5m, down above 5 %): two intervals all failing, one of them
    # under force majeure: 300 s down, 300 s excluded; an unknown code and
    # maintenance (which intervals of requests cannot carry) are bad rows.
    base = "product,resource,start,requests,errors,exclusion\n"
    rep = report(
        tmp_path,
        "contracts/sla/api.sla",
        base + "gateway,,2026-05-01T00:00:00,100,100,force_majeure\ngateway,,2026-05-01T00:10:00,100,100,\n",
    )
    r = row(rep, "gateway", "2026-05")
    assert (r["downtime_seconds"], r["excluded_seconds"]) == (300, 300)
    for code in ("bogus_code", "maintenance"):
        rc, _, err = run_eval(
            rules(tmp_path, "contracts/sla/api.sla"),
            write(tmp_path, "t.csv", NO_TICKETS),
            "--downtime",
            write(tmp_path, "d.csv", base + f"gateway,,2026-05-01T00:00:00,100,100,{code}\n"),
        )
        assert rc == 1, err
