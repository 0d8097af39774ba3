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
from decimal import Decimal
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
            # An empty cell is `null`: has not happened. (A key left out would
            # leave that ticket's metric not measured.)
            obj = {k: v for k, v in r.items() if v or k in ("first_response_at", "resolved_at")}
            obj.update({k: None for k in ("first_response_at", "resolved_at") if not obj.get(k)})
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


def test_the_per_instance_worked_example_in_docs_is_current(tmp_path):
    """docs/runtime.md's per-instance example (minute rounding, a grace, charges) verbatim."""
    doc = (ROOT / "docs" / "runtime.md").read_text(encoding="utf-8")
    out = run("build", "--rules", ROOT / "contracts" / "sla" / "instance.sla", "-o", tmp_path)
    assert out.returncode == 0, out.stderr
    report = run(
        "eval",
        tmp_path / "sla-instance.rules.json",
        DATA / "worked-instance-tickets.csv",
        "--downtime",
        DATA / "worked-instance-downtime.csv",
        "--charges",
        DATA / "worked-instance-charges.csv",
    )
    assert report.returncode == 0, report.stderr
    assert report.stdout in doc
    for name in ("worked-instance-downtime.csv", "worked-instance-charges.csv"):
        assert (DATA / name).read_text(encoding="utf-8") in doc
    rep = json.loads(
        run(
            "eval",
            tmp_path / "sla-instance.rules.json",
            DATA / "worked-instance-tickets.csv",
            "--downtime",
            DATA / "worked-instance-downtime.csv",
            "--charges",
            DATA / "worked-instance-charges.csv",
            "--format",
            "json",
        ).stdout
    )
    rows = {r["resource"]: r for r in rep["availability"]}
    assert (rows["i-1"]["downtime_seconds"], rows["i-1"]["credit"]) == (1980, "81.24")
    assert (rows["i-2"]["downtime_seconds"], rows["i-2"]["met"]) == (540, True)
    assert (rows["i-3"]["downtime_seconds"], rows["i-3"]["credit"]) == (36000, "360.00")
    assert rep["credits"][0]["owed"] == "441.24"


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


# ------------------------------------------------------------ runtime errors in the user's language
# The runtime raises its errors as data (a key under `cli.runtime.`, fields,
# and the English text `str()` gives); `slalang eval` renders them in --lang.


def _error_cases(tmp_path: Path) -> dict[str, tuple[list, list[str], list[str]]]:
    """name → (eval arguments, zh fragments, the English lines of today)."""
    itops = RULES / "example-itops.rules.json"
    good = tmp_path / "good.csv"
    good.write_text(BAD.split("\n")[0] + "\n" + BAD.split("\n")[1] + "\n", encoding="utf-8")
    bad_rules = tmp_path / "bad.rules.json"
    bad_rules.write_text("{oops", encoding="utf-8")
    tampered = tmp_path / "tampered.rules.json"
    doc = json.loads(itops.read_text(encoding="utf-8"))
    doc["targets"][0]["seconds"] = 3600
    tampered.write_text(json.dumps(doc), encoding="utf-8")
    missing = tmp_path / "none.rules.json"
    prio = tmp_path / "prio.csv"
    prio.write_text(
        "id,priority,product,opened_at,first_response_at,resolved_at\n"
        "T1,P1,hosting,2026-01-05T10:00:00+08:00,,\nT2,P9,hosting,2026-01-05T10:00:00+08:00,,\n"
    )
    instant = tmp_path / "instant.csv"
    instant.write_text(
        "id,priority,product,opened_at,first_response_at,resolved_at\n"
        "T1,P1,hosting,2026-01-05T10:00:00+08:00,,\nT2,P1,hosting,yesterday,,\n"
    )
    rebuild = "rebuild it from the contract with `slalang build --rules CONTRACT -o DIR`"
    claimed = doc["checksum"][:19]
    from slalang.ruleschema import checksum_of

    actual = checksum_of(doc)[:19]
    return {
        "bad_rules": (
            [bad_rules, good],
            [
                f"规则文件 {bad_rules}: 不是有效的 JSON：第 1 行第 2 列：此处应为用双引号括起的属性名",
                "= 提示: 请根据合同重新生成",
            ],
            [
                f"slalang: error: rule file {bad_rules}: is not valid JSON: "
                "Expecting property name enclosed in double quotes at line 1 column 2",
                f"  = help: {rebuild}",
            ],
        ),
        "missing_rules": (
            [missing, good],
            [f"规则文件 {missing}: 无法读取：文件或文件夹不存在", "= 提示: 请检查路径"],
            [
                f"slalang: error: rule file {missing}: cannot be read: No such file or directory",
                "  = help: check the path",
            ],
        ),
        "checksum": (
            [tampered, good],
            [f"规则文件 {tampered}: 与其校验和不符（文件记载为 {claimed}…", "切勿手工修改规则文件"],
            [
                f"slalang: error: rule file {tampered}: does not match its checksum (file says {claimed}…, "
                f"content hashes to {actual}…): it was edited or damaged after it was built",
                f"  = help: never edit a rule file by hand; change the contract and {rebuild}",
            ],
        ),
        "unknown_priority": (
            [itops, prio],
            [f"{prio}:第 3 行 `priority` 列：未知的优先级 `P9`；合同中的优先级为 P0、P1、P2、P3、P4", "请修正该行"],
            [
                f"{prio}:line 3, column `priority`: unknown priority `P9`; the contract has P0, P1, P2, P3, P4",
                "  = help: fix the row, or pass --skip-bad to report bad rows and go on",
            ],
        ),
        "bad_instant": (
            [itops, instant],
            [f"{instant}:第 3 行 `opened_at` 列：`yesterday` 不是时间点；请写成 2026-01-05T09:30:00+08:00"],
            [
                f"{instant}:line 3, column `opened_at`: `yesterday` is not an instant; write e.g. "
                "2026-01-05T09:30:00+08:00 (or without the offset for the contract's local time)",
                "  = help: fix the row, or pass --skip-bad to report bad rows and go on",
            ],
        ),
    }


ERROR_CASES = ("bad_rules", "missing_rules", "checksum", "unknown_priority", "bad_instant")


def _english_words(text: str, *paths: Path) -> list[str]:
    """The English words left in `text` once paths, `code`, options,
    instants, checksums and the program's own name are taken out."""
    import re

    for p in sorted(map(str, paths), key=len, reverse=True):
        text = text.replace(p, "")
    text = re.sub(r"`[^`]*`", "", text)
    text = re.sub(r"--[a-z-]+|sha256:[0-9a-f]+|\d{4}-\d\d-\d\dT[\d:+]+|\bP\d\b", "", text)
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ("slalang", "JSON", "UTF")]


@pytest.mark.parametrize("case", ERROR_CASES)
def test_runtime_errors_in_chinese(tmp_path, case):
    args, fragments, _ = _error_cases(tmp_path)[case]
    out = run("eval", "--lang", "zh", *args)
    assert out.returncode in (1, 2) and out.stdout == "" and "Traceback" not in out.stderr
    for fragment in fragments:
        assert fragment in out.stderr
    assert _english_words(out.stderr, *args) == [], out.stderr


@pytest.mark.parametrize("case", ERROR_CASES)
def test_runtime_errors_in_english_are_unchanged(tmp_path, case):
    args, _, lines = _error_cases(tmp_path)[case]
    out = run("eval", "--lang", "en", *args)
    assert out.returncode == (2 if case == "missing_rules" else 1)
    assert out.stderr.splitlines() == lines


def _raised_keys() -> set[str]:
    """Every message id a raise site of the runtime names: `key=` (and
    `hint_key=`) of a call, and the first argument of `Problem(…)`."""
    import ast

    keys: set[str] = set()
    files = [ROOT / "slalang" / "ruleschema.py", *sorted((ROOT / "slalang" / "runtime").glob("*.py"))]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            values = [k.value for k in node.keywords if k.arg in ("key", "hint_key")]
            if isinstance(node.func, ast.Name) and node.func.id == "Problem" and node.args:
                values.append(node.args[0])
            for value in values:
                for c in ast.walk(value):
                    if isinstance(c, ast.Constant) and isinstance(c.value, str):
                        keys.add(c.value)
    return keys


def test_every_runtime_error_key_is_in_both_catalogues():
    from slalang.i18n import lookup

    keys = _raised_keys()
    assert {"rules.checksum_mismatch", "ticket.unknown_priority", "ticket.no_region", "instant.bad"} <= keys
    for lang in ("en", "zh"):
        missing = []
        for key in sorted(keys):
            try:
                assert isinstance(lookup(lang, f"cli.runtime.{key}"), str)
            except Exception:
                missing.append(key)
        assert missing == [], f"the {lang} catalogue lacks cli.runtime.{missing}"


def _leaves(node, prefix=""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, f"{prefix}.{k}" if prefix else str(k))
    else:
        yield prefix, node


def test_the_runtime_catalogues_have_the_same_keys_and_fields():
    import string

    from slalang.i18n import lookup

    en, zh = dict(_leaves(lookup("en", "cli.runtime"))), dict(_leaves(lookup("zh", "cli.runtime")))
    assert sorted(en) == sorted(zh)

    def names(text):
        return sorted({f for _, f, _, _ in string.Formatter().parse(text) if f})

    for key in en:
        assert names(en[key]) == names(zh[key]), key


def _runtime_errors():
    """(key, fields, English) of errors raised through the Python API."""
    from slalang.ruleschema import checksum_of
    from slalang.runtime import Rules, RulesError, TicketError, loads_rules
    from slalang.runtime.availability import AvailabilityLedger
    from slalang.runtime.tickets import InstantParser, read_downtime, read_tickets

    itops = json.loads((RULES / "example-itops.rules.json").read_text(encoding="utf-8"))

    def resealed(change):
        doc = json.loads(json.dumps(itops))
        change(doc)
        doc["checksum"] = checksum_of(doc)
        return json.dumps(doc).encode()

    def set_(path, value):
        def change(doc):
            node = doc
            for p in path[:-1]:
                node = node[p]
            node[path[-1]] = value

        return change

    sources = [
        b"\xff\xfe",
        b"{oops",
        b"{}",
        b"[1, 2]",
        b"a: [b",
        json.dumps({**itops, "schema": "slalang.rules/v9"}).encode(),
        json.dumps({k: v for k, v in itops.items() if k != "checksum"}).encode(),
        json.dumps({**itops, "currency": "XXX"}).encode(),
        resealed(lambda d: d.pop("currency")),
        resealed(
            lambda d: [d.update({k: 1}) for k in ("currency", "timezone", "calendars", "regions", "metrics", "x")]
        ),
        resealed(set_(["timezone"], "Mars/Olympus")),
        resealed(set_(["metrics", 0, "calendar"], "nope")),
        resealed(set_(["metrics", 0, "columns", 0, "calendar"], "nope")),
        resealed(set_(["targets", 0, "priority"], "P9")),
        resealed(set_(["availability", 0, "product"], "nope")),
        resealed(set_(["updates", "rules", 0, "priority"], "P9")),
        resealed(set_(["updates", "rules", 0, "column"], "nope")),
        resealed(set_(["updates", "calendar"], "nope")),
        resealed(set_(["targets", 0, "when"], "vip")),
        resealed(set_(["metrics", 0, "columns", 0, "plan"], "gold")),
        resealed(lambda d: d["calendars"].append(d["calendars"][0])),
        resealed(set_(["calendars", 0, "timezone"], "Mars/Olympus")),
        resealed(set_(["calendars", 0, "region"], "mars")),
    ]
    out = []
    for data in sources:
        with pytest.raises(RulesError) as info:
            loads_rules(data, "x.rules.json")
        e = info.value
        out.append((e.key, e.fields, e.message))
        out.append((e.hint_key, {}, e.hint))
    from slalang.runtime import load_rules

    with pytest.raises(RulesError) as info:
        load_rules("/nonexistent/x.rules.json")
    out.append((info.value.key, info.value.fields, info.value.message))
    out.append((info.value.hint_key, {}, info.value.hint))
    rules = Rules(loads_rules(json.dumps(itops).encode()))
    parse = InstantParser(rules.tz)
    for text in ("yesterday", "99999999999999", 1.5, "9999-12-31T23:59:59-23:00"):
        try:
            parse(text, "opened_at")
        except TicketError as exc:
            out.append((exc.key, exc.fields, str(exc)))
    o = "2026-01-05T10:00:00+08:00"
    tickets = [
        "id,priority,opened_at\n,P1,1\nT,,1\nT,P1,\nT,P1,1\n",
        f"id,priority,opened_at,pauses,exclusion,region,product\nT,P9,{o},,,,\nT,P1,2020-01-01,,,,\n"
        f"T,P1,{o},{o},,,\nT,P1,{o},2026-01-05T12:00/2026-01-05T11:00,,,\nT,P1,{o},,zzz,,\n"
        f"T,P1,{o},,,mars,\nT,P1,{o},,,,\nT,P1,{o},,,east,nope\nT,P1,{o},,,east,\nT,P1\n",
        f"id,priority,product,opened_at,first_response_at\nT,P1,hosting,{o},2026-01-05T09:00:00+08:00\n",
        '{"id": "T", "priority": "P1", "opened_at": 1, "updates": 5}\n{"id": "T", "priority": "P1", "opened_at": 1, "pauses": 5}\n{x\n[1]\n{"zz": 1}\n',
    ]
    for text in tickets:
        for item in read_tickets(io.StringIO(text), rules.tz, text.startswith("{")):
            if not isinstance(item, tuple):
                out.append((item.key, item.fields, item.message))
                continue
            try:
                rules.evaluate(item[1], None)
            except TicketError as exc:
                out.append((exc.key, exc.fields, str(exc)))
    for header in ("id,priority,x\n", "id,opened_at\n"):
        with pytest.raises(TicketError) as tinfo:
            list(read_tickets(io.StringIO(header), rules.tz))
        out.append((tinfo.value.key, tinfo.value.fields, str(tinfo.value)))
    downtime = "product,start,end,period,availability\n,,,,\nhosting,,,,99\nhosting,,,2026-03,abc\nhosting,,,,\n"
    for item in read_downtime(io.StringIO(downtime), rules.tz):
        if not isinstance(item, tuple):
            out.append((item.key, item.fields, item.message))
    ledger = AvailabilityLedger(rules)
    product = next(iter(ledger.periods_of))
    calls = [
        lambda: ledger.add_downtime("nope", 0, 1),
        lambda: ledger.add_downtime(product, 10, 5),
        lambda: ledger.add_downtime(product, 5, 10),
        lambda: ledger.add_downtime(product, rules.effective_lo, rules.effective_lo + 1, "zzz"),
        lambda: ledger.set_percent(product, "2026-03", Decimal(99), "week"),
        lambda: ledger.set_percent(product, "March", Decimal(99)),
        lambda: ledger.set_percent(product, "2026-3", Decimal(99)),
        lambda: ledger.set_percent(product, "1999-03", Decimal(99)),
        lambda: ledger.set_percent(product, "2026-03", Decimal(101)),
    ]
    for call in calls:
        with pytest.raises(TicketError) as tinfo:
            call()
        out.append((tinfo.value.key, tinfo.value.fields, str(tinfo.value)))
    assert all(key is not None for key, _, _ in out), [e for e in out if e[0] is None]
    return out


def test_english_rendering_of_runtime_errors_is_their_text():
    """The en catalogue says exactly what `str(err)` says, for errors of every
    kind; and the zh catalogue renders each of them."""
    from slalang.commands.eval import _problem_text

    errors = _runtime_errors()
    assert len({key for key, _, _ in errors}) >= 50
    for key, fields, english in errors:
        assert _problem_text(key, fields, "en") == english, key
        assert _problem_text(key, fields, "zh") != english, key


def test_json_lines_objects_without_a_metric_key_do_not_measure_it(tmp_path):
    # J1 has no first_response_at key: its response is not measured. J2, a
    # later object, is answered 5 h after opening, past P1's 30m: breached.
    # J3's null means not yet answered: judged at --at, breached.
    jsonl = tmp_path / "t.jsonl"
    jsonl.write_text(
        '{"id":"J1","priority":"P1","product":"hosting","opened_at":"2026-01-05T10:00:00+08:00",'
        '"resolved_at":"2026-01-05T12:00:00+08:00"}\n'
        '{"id":"J2","priority":"P1","product":"hosting","opened_at":"2026-01-05T10:00:00+08:00",'
        '"first_response_at":"2026-01-05T15:00:00+08:00","resolved_at":"2026-01-05T16:00:00+08:00"}\n'
        '{"id":"J3","priority":"P1","product":"hosting","opened_at":"2026-01-05T10:00:00+08:00",'
        '"first_response_at":null,"resolved_at":null}\n',
        encoding="utf-8",
    )
    p = run(
        "eval",
        RULES / "example-itops.rules.json",
        jsonl,
        "--per-ticket",
        "--format",
        "json",
        "--at",
        "2026-01-06T10:00:00+08:00",
    )
    assert p.returncode == 0, p.stderr
    got = {o["id"]: o["deadlines"]["response"]["status"] for o in map(json.loads, p.stdout.splitlines())}
    assert got == {"J1": "not_measured", "J2": "breached", "J3": "breached"}
    assert p.stderr.count("first_response_at") == 1
