"""`slalang sql` end to end: the files it writes, run in order on DuckDB over
input tables, give the period report the Python runtime gives; a construct
the SQL does not compile exactly is exit 1 with its name, in both languages."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

duckdb = pytest.importorskip("duckdb")

import sqlharness as h  # noqa: E402

from slalang.cli import main  # noqa: E402
from slalang.ruleschema import checksum_of  # noqa: E402
from slalang.runtime import Rules, TicketError, load_rules  # noqa: E402
from slalang.runtime.report import PeriodReport  # noqa: E402
from slalang.sql.availability import TABLES, input_columns  # noqa: E402
from slalang.sql.inputs import Inputs  # noqa: E402

AT = "2026-09-01T00:00"


def _write_rules(tmp_path, contract: str, edit=None):
    doc = h.rule_file_json(contract)
    if edit:
        edit(doc)
    doc["checksum"] = checksum_of(doc)
    path = tmp_path / "c.rules.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _run_files(out, con) -> None:
    order = ["calendar.sql", "outcomes.sql", "cadence.sql", "availability.sql", "report.sql"]
    for name in order:
        f = out / name
        if f.exists():
            for stmt in f.read_text(encoding="utf-8").split(";\n"):
                if stmt.strip():
                    con.execute(stmt)


def _empty_availability_tables(con, rf) -> None:
    for source, cols in input_columns(rf).items():
        con.execute(f"CREATE TABLE {TABLES[source]} (" + ", ".join(f'"{n}" {t}' for n, t in cols) + ")")


@pytest.mark.parametrize("contract", ["contracts/itops.sla", "contracts/support/updates.sla"])
@pytest.mark.parametrize("period", ["month", "week"])
def test_the_written_files_give_the_runtime_report(tmp_path, capsys, contract, period):
    path = _write_rules(tmp_path, contract)
    out = tmp_path / "sql"
    out.mkdir()
    assert main(["sql", str(path), "--dialect", "duckdb", "-o", str(out), "--period", period, "--at", AT]) == 0
    assert {p.name for p in out.iterdir()} >= {"calendar.sql", "due.sql", "outcomes.sql", "cadence.sql", "report.sql"}
    rf = load_rules(str(path))
    rules = Rules(rf)
    tickets = h.generated(rf, 400, seed=11)
    at = rules.local_midnight(__import__("datetime").date(2026, 9, 1))
    con = duckdb.connect()
    h.load_tickets(con, rf, tickets, Inputs(key="id"))
    _empty_availability_tables(con, rf)
    _run_files(out, con)
    rep = PeriodReport(rules, period)
    for t in tickets:
        try:
            rep.add(rules.evaluate(t, at))
        except TicketError:
            pass
    ref = rep.result()
    sla = con.execute("SELECT * FROM slalang_report_sla").fetchall()
    assert [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in sla] == [
        (x["period"], x["metric"], x["priority"], x["judged"], x["met"], x["breached"]) for x in ref["sla"]
    ]
    assert [None if r[9] is None else str(r[9]) for r in sla] == [x["attainment_percent"] for x in ref["sla"]]
    mttr = con.execute("SELECT * FROM slalang_report_mttr").fetchall()
    assert [tuple(r) for r in mttr] == [
        (x["period"], x["priority"], x["resolved"], x["mttr_seconds"]) for x in ref["mttr"]
    ]
    credits = con.execute("SELECT period, product, total, owed FROM slalang_report_credits").fetchall()
    assert [(p, pr, t, o) for p, pr, t, o in credits] == [
        (x["period"], x["product"], Decimal(x["total"]), Decimal(x["owed"])) for x in ref["credits"]
    ]
    assert con.execute("SELECT * FROM slalang_report_tickets").fetchall() == [(ref["tickets"],)]


def test_every_dialect_is_written_and_printed(tmp_path, capsys):
    path = _write_rules(tmp_path, "contracts/itops.sla")
    for dialect in ("spark", "trino"):
        assert main(["sql", str(path), "--dialect", dialect]) == 0
        text = capsys.readouterr().out
        for name in ("calendar.sql", "due.sql", "outcomes.sql", "cadence.sql", "availability.sql", "report.sql"):
            assert f"-- {name}\n" in text
        assert "CREATE OR REPLACE VIEW slalang_outcomes" in text


def _daily_updates(doc):
    doc["updates"]["rules"][0].update(days=1, seconds=0, spelling="1d")


@pytest.mark.parametrize(("lang", "words"), [("en", "calendar days"), ("zh", "日历日")])
def test_a_construct_the_sql_does_not_compile_is_named(tmp_path, capsys, lang, words):
    path = _write_rules(tmp_path, "contracts/itops.sla", _daily_updates)
    out = tmp_path / "sql"
    out.mkdir()
    assert main(["sql", str(path), "--dialect", "duckdb", "-o", str(out), "--lang", lang]) == 1
    err = capsys.readouterr().err
    assert words in err and "--engine python" in err
    assert not list(out.iterdir())  # nothing written


def test_a_bad_at_is_a_usage_error(tmp_path, capsys):
    path = _write_rules(tmp_path, "contracts/itops.sla")
    assert main(["sql", str(path), "--dialect", "duckdb", "--at", "not-a-time"]) == 2


def test_eval_names_the_construct_it_cannot_run_on_duckdb_in_chinese(tmp_path, capsys):
    path = _write_rules(tmp_path, "contracts/itops.sla", _daily_updates)
    rf = load_rules(str(path))
    csv_path = tmp_path / "t.csv"
    csv_path.write_text(
        "id,priority,product,region,opened_at\nT1,P2,hosting,north,2026-03-02T10:00:00+08:00\n", encoding="utf-8"
    )
    assert main(["eval", str(path), str(csv_path), "--engine", "duckdb", "--lang", "zh"]) == 0
    err = capsys.readouterr().err
    assert "日历日" in err and "Python 引擎" in err
    assert rf.updates is not None
