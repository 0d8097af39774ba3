"""`slalang eval`: golden reports for a fixed ticket set on every example
contract, CSV and JSON Lines input, row/column-precise errors, --skip-bad.

The ticket sets in tests/data/ are drawn once by tests/ticketgen.py from a
fixed seed; SLALANG_REGEN=1 (re)writes them and the golden reports in
tests/golden/reports/."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ticketgen  # noqa: E402

from slalang.runtime import load_rules  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
GOLDEN = ROOT / "tests" / "golden" / "reports"
RULES = ROOT / "tests" / "golden" / "rules"
REGEN = os.environ.get("SLALANG_REGEN") == "1"
AT = "2026-12-01T00:00:00+08:00"


def contract_ids() -> list[str]:
    import re

    ids = []
    for p in sorted((ROOT / "contracts").glob("*.sla")):
        m = re.search(r'contract\s+"([^"]+)"', p.read_text(encoding="utf-8"))
        ids.append(m.group(1))
    return ids


# The report speaks the locale's language unless --lang says otherwise: run
# without the locale variables so the English goldens do not depend on them.
ENV = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANG")}
ENV["PYTHONIOENCODING"] = "utf-8"


def run(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "slalang", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        input=stdin,
        env=ENV,
    )


def _write_csv(path: Path, rows: list[dict]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def data_files(cid: str) -> tuple[Path, Path]:
    tickets, downtime = DATA / f"{cid}.tickets.csv", DATA / f"{cid}.downtime.csv"
    if REGEN:
        rules = load_rules(RULES / f"{cid}.rules.json")
        DATA.mkdir(parents=True, exist_ok=True)
        _write_csv(tickets, ticketgen.tickets(rules))
        _write_csv(downtime, ticketgen.downtime(rules))
    assert tickets.exists(), f"no ticket set for {cid}; run with SLALANG_REGEN=1"
    return tickets, downtime


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if REGEN:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with SLALANG_REGEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; review the diff, then SLALANG_REGEN=1"


@pytest.mark.parametrize("cid", contract_ids())
def test_golden_reports(cid):
    tickets, downtime = data_files(cid)
    rules = RULES / f"{cid}.rules.json"
    for fmt, ext in (("table", "txt"), ("json", "json"), ("csv", "csv")):
        out = run("eval", rules, tickets, "--downtime", downtime, "--at", AT, "--format", fmt)
        assert out.returncode == 0, out.stderr
        assert out.stderr == ""  # no progress bar when stderr is not a terminal
        check_golden(f"{cid}.report.{ext}", out.stdout)
    out = run("eval", rules, tickets, "--downtime", downtime, "--at", AT, "--lang", "zh")
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    check_golden(f"{cid}.report.zh.txt", out.stdout)
    out = run("eval", rules, tickets, "--at", AT, "--period", "week", "--format", "json")
    assert out.returncode == 0, out.stderr
    check_golden(f"{cid}.report-week.json", out.stdout)
    out = run("eval", rules, tickets, "--at", AT, "--per-ticket", "--format", "csv")
    assert out.returncode == 0, out.stderr
    check_golden(f"{cid}.outcomes.csv", out.stdout)


@pytest.mark.parametrize("cid", contract_ids())
def test_golden_report_is_meaningful(cid):
    """The fixed ticket set exercises breaches, met targets and credits."""
    rep = json.loads((GOLDEN / f"{cid}.report.json").read_text(encoding="utf-8"))
    assert rep["tickets"] >= 100
    assert sum(r["breached"] for r in rep["sla"]) > 0 and sum(r["met"] for r in rep["sla"]) > 0
    assert sum(r["excluded"] for r in rep["sla"]) > 0
    assert any(r["owed"] != "0.00" for r in rep["credits"])
    assert rep["availability"]


def test_json_lines_input_gives_the_same_report(tmp_path):
    tickets, _ = data_files("example-itops")
    rows = list(csv.DictReader(tickets.open(encoding="utf-8")))
    jsonl = tmp_path / "t.jsonl"
    with jsonl.open("w", encoding="utf-8") as fh:
        for r in rows:
            obj = {k: v for k, v in r.items() if v}
            if "updates" in obj:
                obj["updates"] = obj["updates"].split(";")
            if "pauses" in obj:
                obj["pauses"] = [p.split("/") for p in obj["pauses"].split(";")]
            fh.write(json.dumps(obj) + "\n")
    rules = RULES / "example-itops.rules.json"
    a = run("eval", rules, tickets, "--at", AT, "--format", "json")
    b = run("eval", rules, jsonl, "--at", AT, "--format", "json")
    assert a.returncode == b.returncode == 0, b.stderr
    assert a.stdout == b.stdout
    c = run("eval", rules, "-", "--at", AT, "--format", "json", stdin=jsonl.read_text(encoding="utf-8"))
    assert c.stdout == a.stdout


BAD = """id,priority,product,opened_at,first_response_at
T1,P1,hosting,2026-01-05T10:00:00+08:00,2026-01-05T10:10:00+08:00
T2,P9,hosting,2026-01-05T10:00:00+08:00,
T3,P1,hosting,yesterday,
T4,P1,hosting,2026-01-05T10:00:00+08:00,2026-01-05T09:00:00+08:00
T5,P1,hosting,2026-01-05T10:00:00+08:00
T6,P1,hosting,2026-01-05T10:00:00+08:00,2026-01-05T10:40:00+08:00
"""


def test_a_bad_row_stops_the_run_naming_line_and_column(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text(BAD, encoding="utf-8")
    out = run("eval", RULES / "example-itops.rules.json", f)
    assert out.returncode == 1
    assert f"{f}:line 3, column `priority`: unknown priority `P9`" in out.stderr
    assert "--skip-bad" in out.stderr and out.stdout == ""


def test_skip_bad_reports_every_bad_row_and_goes_on(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text(BAD, encoding="utf-8")
    out = run("eval", RULES / "example-itops.rules.json", f, "--skip-bad", "--format", "json")
    assert out.returncode == 0, out.stderr
    lines = out.stderr.splitlines()
    assert any("line 3, column `priority`" in x for x in lines)
    assert any("line 4, column `opened_at`: `yesterday` is not an instant" in x for x in lines)
    assert any("line 5, column `first_response_at`" in x for x in lines)
    assert any("line 6: 4 fields, but the header has 5" in x for x in lines)
    assert "skipped 4 bad rows; evaluated 2 tickets" in out.stderr
    rep = json.loads(out.stdout)
    assert rep["tickets"] == 2
    assert rep["credits"][0]["owed"] == "6000.00"  # T6: 10 min late, one started 30-min step


def test_unknown_column_and_rules_errors(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("id,priority,opened,x\n", encoding="utf-8")
    out = run("eval", RULES / "example-itops.rules.json", f)
    assert out.returncode == 1 and "unknown column `opened`" in out.stderr
    tampered = tmp_path / "x.rules.json"
    doc = json.loads((RULES / "example-itops.rules.json").read_text(encoding="utf-8"))
    doc["targets"][0]["seconds"] = 3600
    tampered.write_text(json.dumps(doc), encoding="utf-8")
    out = run("eval", tampered, f)
    assert out.returncode == 1 and "does not match its checksum" in out.stderr and "Traceback" not in out.stderr
    out = run("eval", tmp_path / "none.rules.json", f)
    assert out.returncode == 2 and "cannot be read" in out.stderr
    out = run("eval", RULES / "example-itops.rules.json", f, "--at", "soon")
    assert out.returncode == 2 and "--at" in out.stderr


def test_per_ticket_json_lines(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text(BAD.splitlines()[0] + "\n" + BAD.splitlines()[-1] + "\n", encoding="utf-8")
    out = run("eval", RULES / "example-itops.rules.json", f, "--per-ticket", "--format", "json")
    assert out.returncode == 0, out.stderr
    o = json.loads(out.stdout)
    assert o["deadlines"]["response"] == {
        "column": "business",
        "target": "30m",
        "clock": "wall",
        "due": "2026-01-05T10:30:00+08:00",
        "status": "breached",
        "late_seconds": 600,
        "warning": "red",
        "elapsed_percent": 133.33,
        "line": 64,
    }
    assert o["credits"] == {"response_delay": "6000.00"}


def test_the_worked_example_in_docs_is_current():
    """docs/runtime.md shows this output verbatim; the doc must not drift."""
    doc = (ROOT / "docs" / "runtime.md").read_text(encoding="utf-8")
    rules = RULES / "example-itops.rules.json"
    per_ticket = run("eval", rules, DATA / "worked-tickets.csv", "--at", "2026-01-06T12:00", "--per-ticket")
    report = run(
        "eval",
        rules,
        DATA / "worked-tickets.csv",
        "--downtime",
        DATA / "worked-downtime.csv",
        "--at",
        "2026-01-06T12:00",
    )
    per_ticket_zh = run(
        "eval", rules, DATA / "worked-tickets.csv", "--at", "2026-01-06T12:00", "--per-ticket", "--lang", "zh"
    )
    assert per_ticket.returncode == report.returncode == per_ticket_zh.returncode == 0
    assert per_ticket.stdout in doc
    assert per_ticket_zh.stdout in doc
    assert report.stdout in doc
    assert (DATA / "worked-tickets.csv").read_text(encoding="utf-8") in doc


def test_progress_bar_only_on_a_terminal(tmp_path):
    import pty

    f = tmp_path / "many.csv"
    with f.open("w", encoding="utf-8") as fh:
        fh.write("id,priority,product,opened_at,first_response_at\n")
        for i in range(60000):
            fh.write(f"T{i},P1,hosting,2026-01-05T10:00:00+08:00,2026-01-05T10:{i % 60:02d}:00+08:00\n")
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "slalang", "eval", str(RULES / "example-itops.rules.json"), str(f), "--format", "json"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    out, _ = proc.communicate()
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    drawn = b"".join(chunks).decode("utf-8", errors="replace")
    assert proc.returncode == 0
    assert json.loads(out)["tickets"] == 60000  # stdout stays clean
    assert "evaluating" in drawn and "tickets" in drawn and "%" in drawn and "/s" in drawn
    assert drawn.endswith("\r\x1b[K")  # the bar is erased at the end


# ------------------------------------------------------------------ the table in Chinese
def _cells(line: str) -> list[str]:
    """The line's characters by terminal cell: a wide character fills its
    first cell and leaves "" in the second."""
    from slalang.source import char_width

    out: list[str] = []
    for ch in line:
        out += [ch] + [""] * (char_width(ch) - 1)
    return out


def _slice(cells: list[str], start: int, end: int | None = None) -> str:
    """Display columns [start, end) of a line; never cuts a wide character."""
    end = len(cells) if end is None else end
    assert start >= len(cells) or cells[start] != "", f"a wide character straddles column {start}"
    assert end >= len(cells) or cells[end] != "", f"a wide character straddles column {end}"
    return "".join(cells[start:end])


def test_the_zh_per_ticket_table_lines_up_with_chinese_ticket_ids(tmp_path):
    """Every row's cells start at the display column of their header (CJK = 2 cells)."""
    f = tmp_path / "tickets.csv"
    f.write_text(
        "id,priority,product,opened_at,first_response_at,resolved_at\n"
        "工单-1,P1,hosting,2026-01-05T10:00:00+08:00,2026-01-05T10:20:00+08:00,2026-01-05T16:30:00+08:00\n"
        "故障单-7,P1,hosting,2026-01-05T10:00:00+08:00,2026-01-05T11:10:00+08:00,\n"
        "INC-3,P2,storage,2026-01-05T11:00:00+08:00,,\n",
        encoding="utf-8",
    )
    out = run("eval", RULES / "example-itops.rules.json", f, "--at", "2026-01-06T12:00", "--per-ticket", "--lang", "zh")
    assert out.returncode == 0, out.stderr
    header, *rows = out.stdout.splitlines()
    names = header.split()
    assert names[:3] == ["工单号", "优先级", "首次响应截止"] and names[-1] == "补偿金额"
    hc = _cells(header)
    starts = [i for i in range(len(hc)) if hc[i] not in (" ", "") and (i == 0 or hc[i - 1] == " ")]
    assert len(starts) == len(names)
    table = []
    for row in rows:
        rc = _cells(row)
        cells = []
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else None
            text = _slice(rc, start, end)
            if end is not None:
                assert text.endswith("  ") or len(rc) <= end, f"{row!r}: column {i} runs into the next"
            assert text.strip() == "" or text[0] != " ", f"{row!r}: column {i} does not start at {start}"
            cells.append(text.strip())
        table.append(cells)
    assert [r[0] for r in table] == ["工单-1", "故障单-7", "INC-3"]
    assert [r[1] for r in table] == ["P1", "P1", "P2"]
    assert [r[3] for r in table] == ["达标", "超时", "超时"]
    assert [r[6] for r in table] == ["达标", "超时", "待定"]
    assert {r[4] for r in table} | {r[7] for r in table} <= {"", "黄色", "橙色", "红色"}
    assert all(r[-1].replace(".", "").isdigit() for r in table)


def _check_report_columns(text: str) -> int:
    """Every table of a report: each row's cells lie inside the extents of the
    dashes under their header, left- or right-aligned, with spaces between."""
    lines = text.splitlines()
    tables = 0
    for k, line in enumerate(lines):
        if not line.startswith("-"):
            continue
        tables += 1
        dc = _cells(line)
        extents, i = [], 0
        while i < len(dc):
            if dc[i] == "-":
                j = i
                while j < len(dc) and dc[j] == "-":
                    j += 1
                extents.append((i, j))
                i = j
            else:
                i += 1
        body = [lines[k - 1]]
        for row in lines[k + 1 :]:
            if not row:
                break
            body.append(row)
        for row in body:
            rc = _cells(row)
            assert len(rc) <= extents[-1][1], f"{row!r}: the last column overflows"
            for n, (a, b) in enumerate(extents):
                last = n + 1 == len(extents)
                cell = _slice(rc, a, b)
                if not last:
                    assert _slice(rc, b, extents[n + 1][0]).strip() == "", f"{row!r}: column {n} overflows"
                if cell.strip():
                    right = len(rc) == b if last else cell[-1] != " "
                    assert cell[0] != " " or right, f"{row!r}: column {n} is neither left- nor right-aligned"
                    assert "  " not in cell.strip(), f"{row!r}: column {n} holds two cells"
    return tables


@pytest.mark.parametrize("cid", contract_ids())
def test_the_zh_report_columns_line_up(cid):
    text = (GOLDEN / f"{cid}.report.zh.txt").read_text(encoding="utf-8")
    assert "tickets" not in text and "SLA 达成情况" in text and "达成率 %" in text
    assert _check_report_columns(text) >= 4
    assert _check_report_columns((GOLDEN / f"{cid}.report.txt").read_text(encoding="utf-8")) >= 4
