"""slalang.sql.engine and `slalang eval --engine`: the DuckDB engine's output
is byte-equal to the Python engine's (report in table, json and csv;
--per-ticket in each format), and whatever it cannot evaluate exactly goes
to the Python engine with a note naming why.

Two layers:
- the plumbing (ingest → outcome/cadence tables → report or per-ticket
  rows → eval's writers) with the outcome and cadence builders replaced by
  tables the Python runtime computed (`_fake_builders`), so it is tested
  whatever state the SQL builders are in;
- end to end through the real builders (slalang.sql.tickets, cadence,
  report) where they are there and compile the contract."""

from __future__ import annotations

import csv
import sys
import types

import pytest
import sqlglot
import ticketgen
from sqlharness import rules_of

duckdb = pytest.importorskip("duckdb")

from slalang.runtime.tickets import RowError, open_text, read_tickets  # noqa: E402
from slalang.sql import engine as batch  # noqa: E402
from slalang.sql import ingest  # noqa: E402
from slalang.sql.inputs import OUTCOME_FIELDS  # noqa: E402

CONTRACTS = ["contracts/itops.sla", "contracts/support/triage.sla", "contracts/support/saas_plans.sla"]
ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def _write_csv(path, rows) -> None:
    cols = list(dict.fromkeys(k for r in rows for k in r))
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _rules_path(contract, tmp_path):
    from slalang.build import build_one

    files = build_one(str(ROOT / contract), frozenset({"rules"})).files
    name, text = next((k, v) for k, v in files.items() if k.endswith(".rules.json"))
    p = tmp_path / "r.rules.json"
    p.write_text(text if isinstance(text, str) else text.decode(), encoding="utf-8")
    return p


def _eval(capsys, *args) -> tuple[int, str, str]:
    from slalang.cli import main

    code = main([str(a) for a in args])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def _python_outcomes(path, rules, at=None):
    """(line, TicketOutcome) of each ticket, evaluated as `eval` does (absent columns not measured)."""
    header: set[str] = set()
    with open_text(str(path)) as fh:
        items = list(read_tickets(fh, rules.tz, False, header, tuple(rules.flags), rules.start_columns))
    from slalang.sql.inputs import Inputs

    inputs = Inputs(present=frozenset(header))
    out = []
    for item in items:
        assert not isinstance(item, RowError)
        n, t = item
        out.append(
            rules.evaluate(t, at, unmeasured=inputs.unmeasured(), unknown_flags=inputs.unknown_flags(rules.file))
        )
    return out


def _fake_builders(monkeypatch, tmp_path, rules, outcomes) -> None:
    """slalang.sql.tickets and .cadence replaced by queries over a Parquet
    file of the Python runtime's outcomes (KEY = position)."""
    rf = rules.file
    metrics = [m.name for m in rf.metrics]
    names = set(metrics)
    # The step ladders on ticket metrics (slalang.sql.report.ticket_ladders).
    ladders = [
        ld.name
        for ld in rf.credit_ladders
        if ld.metric != "availability" and ld.step is not None and ld.metric in names
    ]
    cols = ["k BIGINT"]
    types_ = {
        "column": "VARCHAR",
        "target": "VARCHAR",
        "clock": "VARCHAR",
        "due": "BIGINT",
        "event": "BIGINT",
        "status": "VARCHAR",
        "late": "BIGINT",
        "warning": "VARCHAR",
        "done": "BIGINT",
        "total": "BIGINT",
        "line": "BIGINT",
    }
    for m in metrics:
        cols += [f'"{m}_{f}" {types_[f]}' for f in OUTCOME_FIELDS]
    cols += [f'"credit_{ld}" DECIMAL(38, 10)' for ld in ladders]
    cols += ["breached BOOLEAN", "error_key VARCHAR", "error_column VARCHAR"]
    rows, crows = [], []
    for k, o in enumerate(outcomes):
        r: list = [k]
        for m in metrics:
            d = o.deadlines[m]
            r += [d.column, d.target, d.clock, d.due, d.event, d.status, d.late, d.warning, d.done, d.total, d.line]
        r += [o.credits.get(ld) for ld in ladders]
        r += [o.breached, None, None]
        rows.append(tuple(r))
        u, f = o.updates, o.followup
        crows.append((k, u and u.status, u and u.missed, u and u.due, f and f.status, f and f.due, None, None))
    con = duckdb.connect()
    con.execute(f"CREATE TABLE o ({', '.join(cols)})")
    con.executemany(f"INSERT INTO o VALUES ({', '.join('?' for _ in cols)})", rows)
    con.execute(
        "CREATE TABLE c (k BIGINT, updates_status VARCHAR, updates_missed BIGINT, updates_due BIGINT, "
        "followup_status VARCHAR, followup_due BIGINT, error_key VARCHAR, error_column VARCHAR)"
    )
    if crows:
        con.executemany("INSERT INTO c VALUES (?, ?, ?, ?, ?, ?, ?, ?)", crows)
    po, pc = tmp_path / "o.parquet", tmp_path / "c.parquet"
    con.execute(f"COPY o TO '{po}' (FORMAT parquet)")
    con.execute(f"COPY c TO '{pc}' (FORMAT parquet)")
    con.close()
    tickets = types.ModuleType("slalang.sql.tickets")
    tickets.outcome_query = lambda rf, inputs: sqlglot.parse_one(f"SELECT * FROM read_parquet('{po}')", read="duckdb")  # type: ignore[attr-defined]
    tickets.unsupported = lambda rf: []  # type: ignore[attr-defined]
    cadence = types.ModuleType("slalang.sql.cadence")
    cadence.cadence_query = lambda rf, inputs: sqlglot.parse_one(f"SELECT * FROM read_parquet('{pc}')", read="duckdb")  # type: ignore[attr-defined]
    cadence.unsupported = lambda rf: []  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "slalang.sql.tickets", tickets)
    monkeypatch.setitem(sys.modules, "slalang.sql.cadence", cadence)
    import slalang.sql

    monkeypatch.setattr(slalang.sql, "tickets", tickets, raising=False)
    monkeypatch.setattr(slalang.sql, "cadence", cadence, raising=False)


@pytest.mark.parametrize(
    "contract", [c if c == CONTRACTS[0] else pytest.param(c, marks=pytest.mark.slow) for c in CONTRACTS]
)
def test_plumbing_byte_equal(contract, tmp_path, monkeypatch, capsys):
    """Every format, report and --per-ticket, with and without --at: DuckDB
    (over the runtime's outcomes) prints exactly what Python prints."""
    rf, rules = rules_of(contract)
    rp = _rules_path(contract, tmp_path)
    tp = tmp_path / "t.csv"
    _write_csv(tp, ticketgen.tickets(rf, 300, 11))
    at = "2026-06-01T09:00"
    from slalang.runtime.tickets import InstantParser

    for at_args in ((), ("--at", at)):
        at_value = InstantParser(rules.tz)(at, "--at") if at_args else None
        _fake_builders(monkeypatch, tmp_path, rules, _python_outcomes(tp, rules, at_value))
        for fmt in ("table", "json", "csv"):
            for per in ((), ("--per-ticket",)):
                args = (rp, tp, "--format", fmt, *per, *at_args)
                py = _eval(capsys, "eval", *args, "--engine", "python")
                dk = _eval(capsys, "eval", *args, "--engine", "duckdb")
                assert py[0] == dk[0] == 0
                assert dk[2] == py[2], dk[2]  # no fallback note: DuckDB evaluated it
                assert dk[1] == py[1], (fmt, per, at_args)
        monkeypatch.undo()


def test_plumbing_parquet_and_absent_columns(tmp_path, monkeypatch, capsys):
    """A Parquet file (Python engine: read_parquet_tickets) and a CSV without
    resolved_at (the not-measured warning) give equal output."""
    contract = "contracts/itops.sla"
    rf, rules = rules_of(contract)
    rp = _rules_path(contract, tmp_path)
    rows = ticketgen.tickets(rf, 200, 5)
    for r in rows:
        del r["resolved_at"]
    tp = tmp_path / "t.csv"
    _write_csv(tp, rows)
    _fake_builders(monkeypatch, tmp_path, rules, _python_outcomes(tp, rules))
    py = _eval(capsys, "eval", rp, tp, "--engine", "python")
    dk = _eval(capsys, "eval", rp, tp, "--engine", "duckdb")
    assert "resolved_at" in py[2] and dk == py
    con = duckdb.connect()
    pq = tmp_path / "t.parquet"
    con.execute(f"COPY (SELECT * FROM read_csv('{tp}', all_varchar = true)) TO '{pq}' (FORMAT parquet)")
    py2 = _eval(capsys, "eval", rp, pq, "--engine", "python", "--format", "json")
    dk2 = _eval(capsys, "eval", rp, pq, "--engine", "duckdb", "--format", "json")
    assert dk2 == py2
    assert py2[1] == _eval(capsys, "eval", rp, tp, "--engine", "python", "--format", "json")[1]


def test_fallback_notes(tmp_path, monkeypatch, capsys):
    """A bad row, stdin, a missing builder: the Python engine's output and
    exit code, and with --engine duckdb a note naming why (auto: silent)."""
    contract = "contracts/itops.sla"
    rf, rules = rules_of(contract)
    rp = _rules_path(contract, tmp_path)
    rows = ticketgen.tickets(rf, 50, 2)
    rows[7]["opened_at"] = "2026-02-30T09:00"
    tp = tmp_path / "t.csv"
    _write_csv(tp, rows)
    py = _eval(capsys, "eval", rp, tp, "--engine", "python")
    auto = _eval(capsys, "eval", rp, tp)
    dk = _eval(capsys, "eval", rp, tp, "--engine", "duckdb")
    assert py[0] == auto[0] == dk[0] == 1
    assert auto == py
    assert dk[1] == py[1] and dk[2].endswith(py[2]) and dk[2] != py[2]
    note = dk[2][: len(dk[2]) - len(py[2])]
    assert note.startswith("note:") and "Python engine" in note
    # --skip-bad: the Python engine skips and counts, exit 0
    py = _eval(capsys, "eval", rp, tp, "--engine", "python", "--skip-bad")
    dk = _eval(capsys, "eval", rp, tp, "--engine", "duckdb", "--skip-bad")
    assert py[0] == dk[0] == 0 and dk[1] == py[1] and dk[2].endswith(py[2])
    # zh
    dk = _eval(capsys, "eval", rp, tp, "--engine", "duckdb", "--lang", "zh")
    assert "提示" in dk[2] and "Python 引擎" in dk[2]


def test_fallback_keys(tmp_path, monkeypatch):
    """Why the DuckDB engine refuses: the builders' Unsupported, an error row."""
    contract = "contracts/itops.sla"
    rf, rules = rules_of(contract)
    tp = tmp_path / "t.csv"
    _write_csv(tp, ticketgen.tickets(rf, 30, 2))
    from slalang.sql.inputs import Unsupported

    outcomes = _python_outcomes(tp, rules)
    _fake_builders(monkeypatch, tmp_path, rules, outcomes)
    import slalang.sql

    slalang.sql.tickets.unsupported = lambda rf: [Unsupported("x", "a construct")]  # type: ignore[attr-defined]
    assert [u.key for u in batch.unsupported(rf)][0] == "x"
    with batch.connect() as con:
        ing = ingest.ingest(con, str(tp), rules, "csv")
        with pytest.raises(batch.Fallback) as exc:
            batch.evaluate_tables(con, rf, ing.inputs)
        assert exc.value.key == "unsupported"


def test_evaluate_table(tmp_path):
    """Rules.evaluate_table over an Arrow table, through the real builders,
    equals the Python report."""
    pa = pytest.importorskip("pyarrow")
    contract = "contracts/itops.sla"
    rf, rules = rules_of(contract)
    tp = tmp_path / "t.csv"
    _write_csv(tp, ticketgen.tickets(rf, 200, 9))
    outcomes = _python_outcomes(tp, rules)
    from slalang.runtime.report import PeriodReport

    rep = PeriodReport(rules)
    for o in outcomes:
        rep.add(o)
    con = duckdb.connect()
    ing = ingest.ingest(con, str(tp), rules, "csv")
    table = con.sql(
        'SELECT t.* EXCLUDE (k), (SELECT list(u."at") FROM slalang_updates u WHERE u.k = t.k) AS updates, '
        "(SELECT list([p.start_at, p.end_at]) FROM slalang_pauses p WHERE p.k = t.k) AS pauses "
        "FROM slalang_tickets t ORDER BY t.k"
    ).to_arrow_table()
    assert isinstance(table, pa.Table)
    assert rules.evaluate_table(table) == rep.result()
    assert ing.count == len(outcomes)


# ------------------------------------------------------------------ end to end, real builders
ALL = [c for c in __import__("sqlharness").EXAMPLES if rules_of(c)[0].priorities]


@pytest.mark.parametrize(
    "contract", [c if c in CONTRACTS[:1] else pytest.param(c, marks=pytest.mark.slow) for c in ALL]
)
def test_end_to_end_real_builders(contract, tmp_path, capsys):
    rf, rules = rules_of(contract)
    assert not batch.unsupported(rules.file)  # every example compiles to SQL
    rp = _rules_path(contract, tmp_path)
    tp = tmp_path / "t.csv"
    _write_csv(tp, ticketgen.tickets(rf, 300, 13))
    pq = tmp_path / "t.parquet"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM read_csv('{tp}', all_varchar = true)) TO '{pq}' (FORMAT parquet)")
    con.close()
    runs = [
        (tp, ()),
        (tp, ("--at", "2026-06-01T09:00")),
        (tp, ("--per-ticket", "--format", "json", "--at", "2026-06-01T09:00")),
        (tp, ("--per-ticket", "--format", "csv")),
        (tp, ("--format", "csv", "--period", "week")),
        (pq, ("--format", "json", "--period", "day")),
    ]
    for path, args in runs:
        py = _eval(capsys, "eval", rp, path, *args, "--engine", "python")
        dk = _eval(capsys, "eval", rp, path, *args, "--engine", "duckdb")
        assert dk[2] == py[2], (args, dk[2])  # no note: DuckDB evaluated it
        assert dk == py, args
