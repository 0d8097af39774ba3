"""Hostile ticket, downtime and evidence data (issue 14, deliverables 5 and 6):
every bad cell is a row error naming its line (and column), never exit 3;
`--skip-bad` skips and counts; a stray quote costs one row, not the rest of
the file; what the data says is escaped in every output. Each test is one
finding of the issue, run in-process through `slalang.cli.main`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from slalang.cli import main
from slalang.textsafe import BIDI_CONTROLS

ROOT = Path(__file__).resolve().parent.parent
ITOPS = str(ROOT / "tests" / "golden" / "rules" / "example-itops.rules.json")
HEADER = "id,priority,product,opened_at,first_response_at,resolved_at"
OPENED = "2026-01-05T10:00:00+08:00"


def good(i: int) -> str:
    return f"T{i},P1,hosting,{OPENED},2026-01-05T10:10:00+08:00,2026-01-05T11:00:00+08:00"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["eval", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def duties(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["duties", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def tickets(tmp_path: Path, *lines: str | bytes, name: str = "t.csv") -> Path:
    f = tmp_path / name
    data = b"".join((x if isinstance(x, bytes) else x.encode("utf-8")) + b"\n" for x in lines)
    f.write_bytes(data)
    return f


def evaluated(out: str) -> int:
    return json.loads(out)["tickets"]


def clean(*texts: str) -> None:
    for text in texts:
        assert "\x1b" not in text and not (set(text) & BIDI_CONTROLS), text
        assert "Traceback" not in text and "internal error" not in text, text


# ------------------------------------------------------------------ instants and numbers
def test_a_4301_digit_epoch_is_a_row_error(tmp_path, capsys):
    f = tickets(tmp_path, HEADER, good(1), f"T2,P1,hosting,{'9' * 4301},,", good(3))
    code, out, err = run(capsys, ITOPS, f, "--lang", "en")
    assert code == 1 and out == ""
    line = next(x for x in err.splitlines() if "line 3" in x)
    assert "column `opened_at`" in line and "from 1970-01-01 to 2200-12-31" in line
    assert len(line) < 300  # the value is cut, not 4,301 digits long
    code, out, err = run(capsys, ITOPS, f, "--lang", "en", "--skip-bad", "--format", "json")
    assert code == 0 and evaluated(out) == 2 and "skipped 1 bad row; evaluated 2 tickets" in err


def test_an_epoch_beyond_2200_or_in_milliseconds_names_the_range(tmp_path, capsys):
    f = tickets(tmp_path, HEADER, "T1,P1,hosting,7289654400,,", "T2,P1,hosting,1767578400000,,")
    code, _, err = run(capsys, ITOPS, f, "--lang", "en", "--skip-bad")
    assert code == 0 and err.count("epoch seconds from 1970-01-01 to 2200-12-31") == 2, err
    code, _, err = run(capsys, ITOPS, f, "--lang", "zh", "--skip-bad")
    assert code == 0 and "1970-01-01 至 2200-12-31" in err


@pytest.mark.parametrize(
    "value",
    ["2026-13-45T99:00", "2026-01-05T10:00:00+99:00", "0001-01-01T00:00:00", "9999-12-31T23:59:59-12:00",
     "2026-01-05T10:00:00" + "0" * 5000, "+2026-01-05", "１７６７５７８４００"],
)  # fmt: skip
def test_timestamps_with_absurd_fields_are_row_errors(tmp_path, capsys, value):
    f = tickets(tmp_path, HEADER, good(1), f"T2,P1,hosting,{value},,")
    code, out, err = run(capsys, ITOPS, f, "--lang", "en", "--skip-bad", "--format", "json")
    assert code == 0 and evaluated(out) == 1
    assert "line 3, column `opened_at`" in err and "skipped 1 bad row" in err, err
    assert len(err) < 1000


def test_at_near_year_9999_is_a_usage_error_stating_the_range(tmp_path, capsys):
    f = tickets(tmp_path, HEADER, good(1))
    for at in ("9999-12-31T23:00:00", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00", "99999999999999"):
        code, out, err = run(capsys, ITOPS, f, "--at", at, "--lang", "en")
        assert code == 2 and out == "", (at, err)
        assert "1970-01-01 to 2200-12-31" in err, err
    evidence = tmp_path / "ev.csv"
    evidence.write_text("duty,date,evidence,value,note\n", encoding="utf-8")
    for at in ("9999-12-31", "0001-01-01", "9999-12-31T23:00:00"):
        code, _, err = duties(capsys, ITOPS, "--evidence", evidence, "--at", at, "--lang", "en")
        assert code == 2 and "1970-01-01 to 2200-12-31" in err, (at, err)


@pytest.mark.parametrize("value", ["NaN", "nan", "inf", "-Infinity", "-5", "100.5", "1e999999", "9" * 5000])
def test_availability_out_of_range_is_a_row_error(tmp_path, capsys, value):
    t = tickets(tmp_path, HEADER, good(1))
    d = tickets(tmp_path, "product,period,availability", f"hosting,2026-03,{value}", name="d.csv")
    code, out, err = run(capsys, ITOPS, t, "--downtime", d, "--lang", "en")
    assert code == 1 and out == "" and "d.csv:line 2, column `availability`" in err, err
    code, out, err = run(capsys, ITOPS, t, "--downtime", d, "--lang", "en", "--skip-bad", "--format", "json")
    assert code == 0 and "skipped 1 bad row" in err


def test_availability_nan_in_json_lines_is_a_row_error(tmp_path, capsys):
    t = tickets(tmp_path, HEADER, good(1))
    d = tickets(
        tmp_path,
        '{"product": "hosting", "period": "2026-03", "availability": NaN}',
        '{"product": "hosting", "period": "2026-04", "availability": Infinity}',
        '{"product": "hosting", "period": "2026-05", "availability": 1e400}',
        name="d.jsonl",
    )
    code, out, err = run(capsys, ITOPS, t, "--downtime", d, "--lang", "en", "--skip-bad", "--format", "json")
    assert code == 0 and "skipped 3 bad rows" in err, err


def test_counts_and_amounts_with_absurd_digit_counts_are_row_errors(tmp_path, capsys):
    t = tickets(tmp_path, HEADER, good(1))
    charges = tickets(tmp_path, "product,period,amount", f"hosting,2026-03,{'9' * 4301}", name="c.csv")
    code, _, err = run(capsys, ITOPS, t, "--charges", charges, "--lang", "en")
    assert code == 1 and "c.csv:line 2, column `amount`" in err and len(err) < 1000, err
    from slalang.runtime import TicketError
    from slalang.runtime.tickets import _count

    for v in ("9" * 4301, 10**30, "１２"):
        with pytest.raises(TicketError):
            _count(v, "requests")


# ------------------------------------------------------------------ bytes, lines, cells
def test_invalid_utf8_is_a_row_error_naming_line_and_byte(tmp_path, capsys):
    f = tickets(tmp_path, HEADER, good(1), b"T\xff2,P1,hosting," + OPENED.encode() + b",,", good(3))
    code, out, err = run(capsys, ITOPS, f, "--lang", "en")
    assert code == 1 and out == ""
    assert "t.csv:line 3, column `id`: not UTF-8 text (byte 2 of the line is 0xff)" in err, err
    code, out, err = run(capsys, ITOPS, f, "--lang", "en", "--skip-bad", "--format", "json")
    assert code == 0 and evaluated(out) == 2 and "skipped 1 bad row; evaluated 2 tickets" in err
    code, _, err = run(capsys, ITOPS, f, "--lang", "zh")
    assert "第 3 行 `id` 列：不是 UTF-8 文本（该行第 2 个字节为 0xff）" in err, err


def test_invalid_utf8_inside_a_quoted_multiline_cell_costs_that_row_only(tmp_path, capsys):
    f = tickets(tmp_path, HEADER, good(1), f'"T\n\xff2",P1,hosting,{OPENED},,'.encode("latin-1"), good(3))
    code, out, err = run(capsys, ITOPS, f, "--lang", "en", "--skip-bad", "--format", "json")
    assert code == 0 and evaluated(out) == 2 and "line 4: not UTF-8" in err, err


def test_invalid_utf8_in_the_header_or_json_lines(tmp_path, capsys):
    f = tickets(tmp_path, b"id,priority,opened_at\xff", good(1))
    code, _, err = run(capsys, ITOPS, f, "--lang", "en")
    assert code == 1 and "line 1" in err and "not UTF-8" in err, err
    code, _, err = run(capsys, ITOPS, f, "--lang", "zh")
    assert code == 1 and "无法读取 CSV 表头：不是 UTF-8 文本" in err, err
    j = tickets(tmp_path, b'{"id": "T\xff1", "priority": "P1", "opened_at": 1767578400}', name="t.jsonl")
    code, _, err = run(capsys, ITOPS, j, "--lang", "en", "--skip-bad")
    assert code == 0 and "line 1: not UTF-8" in err, err


def test_an_over_long_line_is_a_row_error_and_reading_goes_on(tmp_path, capsys):
    f = tickets(tmp_path, HEADER, good(1), "T2,P1,hosting," + "x" * 70_000 + ",,", good(3))
    code, out, err = run(capsys, ITOPS, f, "--lang", "en", "--skip-bad", "--format", "json")
    assert code == 0 and evaluated(out) == 2
    assert "line 3: the line is longer than 64 KiB" in err, err


def test_an_over_long_cell_and_a_nul_byte_are_row_errors(tmp_path, capsys):
    f = tickets(tmp_path, HEADER, good(1), f"{'T' * 20_000},P1,hosting,{OPENED},,", f"T\x003,P1,hosting,{OPENED},,")
    code, out, err = run(capsys, ITOPS, f, "--lang", "en", "--skip-bad", "--format", "json")
    assert code == 0 and evaluated(out) == 1
    assert "line 3, column `id`: the cell has 20,000 characters; a cell holds at most 16,384" in err, err
    assert "line 4, column `id`: the cell holds a NUL character (\\x00)" in err, err


def test_too_many_or_duplicate_columns_refuse_the_file(tmp_path, capsys):
    f = tickets(tmp_path, ",".join(["id"] * 300), good(1))
    code, _, err = run(capsys, ITOPS, f, "--lang", "en")
    assert code == 1 and "the header has 300 columns; a file has at most 256" in err, err
    f = tickets(tmp_path, "id,priority,opened_at,id", good(1))
    code, _, err = run(capsys, ITOPS, f, "--lang", "en")
    assert code == 1 and "the header has column `id` twice" in err, err


def test_json_lines_nested_too_deeply_or_with_huge_numbers(tmp_path, capsys):
    deep = '{"id": ' + "[" * 50_000 + "]" * 50_000 + "}"
    j = tickets(
        tmp_path,
        deep,
        '{"id": "T1", "priority": "P1", "opened_at": ' + "9" * 4301 + "}",
        '{"id": {"x": 1}, "priority": "P1", "opened_at": 1767578400}',
        '{"id": "T2", "priority": "P1", "product": "hosting", "opened_at": 1767578400}',
        name="t.jsonl",
    )
    code, out, err = run(capsys, ITOPS, j, "--lang", "en", "--skip-bad", "--format", "json")
    assert code == 0 and evaluated(out) == 1, err
    assert "line 1:" in err and "line 2:" in err and "line 3, column `id`" in err, err


def test_a_lone_surrogate_in_json_is_printed_escaped(tmp_path, capsys):
    j = tickets(
        tmp_path,
        '{"id": "T\\ud800\\u202e", "priority": "P1", "product": "hosting", "opened_at": 1767578400}',
        name="t.jsonl",
    )
    for fmt in ("table", "json", "csv"):
        code, out, err = run(capsys, ITOPS, j, "--per-ticket", "--format", fmt, "--lang", "en")
        assert code == 0, err
        clean(out, err)
        out.encode("utf-8")  # no lone surrogate reaches the output


# ------------------------------------------------------------------ quoting
def ten_rows(row3: str) -> list[str]:
    rows = [HEADER] + [good(i) for i in range(1, 11)]
    rows[3] = row3
    return rows


@pytest.mark.parametrize(
    "row3",
    [
        f'T3,P1,"hosting,{OPENED},,',  # a quote opened, never closed: would swallow rows 4–10
        f'"T3,P1,hosting,{OPENED},,',
        f'T3,P1,hosting,{OPENED},,"',
    ],
)
def test_a_stray_quote_in_row_3_of_10_costs_row_3_only(tmp_path, capsys, row3):
    f = tickets(tmp_path, *ten_rows(row3))
    code, out, err = run(capsys, ITOPS, f, "--lang", "en", "--skip-bad", "--per-ticket", "--format", "csv")
    assert code == 0, err
    ids = [r["id"] for r in csv.DictReader(io.StringIO(out))]
    assert ids == ["T1", "T2", "T4", "T5", "T6", "T7", "T8", "T9", "T10"]
    assert "t.csv:line 4: a quote opened here is never closed; the rows after it would be read as one cell" in err, err
    assert "skipped 1 bad row; evaluated 9 tickets" in err
    code, out, err = run(capsys, ITOPS, f, "--lang", "zh")
    assert code == 1 and out == "" and "第 4 行：此处开始的引号没有闭合，其后的各行会被读成同一个单元格" in err, err


def test_a_quote_closed_by_a_later_stray_quote_does_not_swallow_the_rows_between(tmp_path, capsys):
    rows = ten_rows(f'T3,P1,"hosting,{OPENED},,')
    rows[6] = f'T6",P1,hosting,{OPENED},,'  # closes row 3's quote five lines later
    f = tickets(tmp_path, *rows)
    code, out, err = run(capsys, ITOPS, f, "--lang", "en", "--skip-bad", "--per-ticket", "--format", "csv")
    assert code == 0, err
    ids = [r["id"] for r in csv.DictReader(io.StringIO(out))]
    # Row 6's quote stands inside its cell: read as a character, as csv does.
    assert ids == ["T1", "T2", "T4", "T5", 'T6"', "T7", "T8", "T9", "T10"], err
    assert "line 4: a quote opened here is never closed" in err


def test_a_quoted_cell_may_hold_newlines_and_doubled_quotes(tmp_path, capsys):
    f = tickets(tmp_path, HEADER, good(1), f'"T""2\nsecond line",P1,hosting,{OPENED},,', good(3))
    code, out, err = run(capsys, ITOPS, f, "--lang", "en", "--per-ticket", "--format", "json")
    assert code == 0, err
    assert [json.loads(x)["id"] for x in out.splitlines()] == ["T1", 'T"2\nsecond line', "T3"]


def test_a_quote_inside_a_quoted_cell_and_a_bare_cr_are_row_errors(tmp_path, capsys):
    f = tickets(tmp_path, HEADER, f'"T"1,P1,hosting,{OPENED},,', f"T\r2,P1,hosting,{OPENED},,", good(3))
    code, out, err = run(capsys, ITOPS, f, "--lang", "en", "--skip-bad", "--format", "json")
    assert code == 0 and evaluated(out) == 1, err
    assert 'line 2: a quote inside a quoted cell must be doubled (`""`)' in err, err
    assert "line 3: a carriage return (CR) inside an unquoted cell" in err, err


def test_a_quoted_cell_spanning_too_many_lines_is_refused_and_reading_resumes(tmp_path, capsys):
    rows = [HEADER, good(1), f'"T2,P1,hosting,{OPENED},,'] + [good(i) for i in range(3, 203)]
    f = tickets(tmp_path, *rows)
    code, out, err = run(capsys, ITOPS, f, "--lang", "en", "--skip-bad", "--format", "json")
    assert code == 0 and evaluated(out) == 201, err
    assert "line 3: a quote opened here is never closed" in err


# ------------------------------------------------------------------ without --skip-bad
def test_without_skip_bad_the_first_bad_rows_are_listed_capped(tmp_path, capsys):
    rows = [HEADER, good(1)] + [f"B{i},P9,hosting,{OPENED},," for i in range(30)]
    f = tickets(tmp_path, *rows)
    code, out, err = run(capsys, ITOPS, f, "--lang", "en")
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert sum("unknown priority `P9`" in x for x in lines) == 20
    assert "the first 20 bad rows are listed above; the file may have more" in err
    assert lines[-1] == "  = help: fix the row, or pass --skip-bad to report bad rows and go on"
    few = tickets(tmp_path, HEADER, good(1), f"B1,P9,hosting,{OPENED},,", good(2), "B2,P1,hosting,yesterday,,")
    code, out, err = run(capsys, ITOPS, few, "--lang", "en", "--per-ticket")
    assert code == 1 and "line 3" in err and "line 5" in err and "the first" not in err
    assert "T2" not in out  # nothing is written after the first bad row


# ------------------------------------------------------------------ output hygiene
HOSTILE_ID = "\x1b]0;pwned\x07\x1b[2J=cmd|' /C calc'!A0\u202eevil"


def hostile(tmp_path: Path) -> Path:
    return tickets(
        tmp_path,
        HEADER,
        f'"{HOSTILE_ID}",P1,hosting,{OPENED},,',
        f"=HYPERLINK(1),P1,hosting,{OPENED},,",
        f"+1,P9\x1b[31m,hosting,{OPENED},,",
    )


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
@pytest.mark.parametrize("per_ticket", [True, False])
def test_no_escape_or_bidi_character_reaches_the_terminal(tmp_path, capsys, fmt, per_ticket):
    f = hostile(tmp_path)
    extra = ["--per-ticket"] if per_ticket else []
    code, out, err = run(capsys, ITOPS, f, "--lang", "en", "--skip-bad", "--format", fmt, *extra)
    assert code == 0
    clean(out, err)
    assert "P9\\x1b[31m" in err  # shown, escaped
    code, out, err = run(capsys, ITOPS, f, "--lang", "en", "--format", fmt, *extra)
    assert code == 1
    clean(out, err)


def test_csv_output_neutralises_formulas(tmp_path, capsys):
    code, out, _ = run(capsys, ITOPS, hostile(tmp_path), "--per-ticket", "--format", "csv", "--skip-bad")
    assert code == 0
    ids = [r["id"] for r in csv.DictReader(io.StringIO(out))]
    assert ids == ["\\x1b]0;pwned\\x07\\x1b[2J=cmd|' /C calc'!A0\\u202eevil", "'=HYPERLINK(1)"]


def test_json_output_keeps_the_text_with_controls_escaped(tmp_path, capsys):
    code, out, _ = run(capsys, ITOPS, hostile(tmp_path), "--per-ticket", "--format", "json", "--skip-bad")
    assert code == 0
    first = out.splitlines()[0]
    assert "\\u202e" in first and "\\u001b" in first
    assert json.loads(first)["id"] == HOSTILE_ID  # the same text, escaped only in the JSON


def test_tables_align_by_display_width(tmp_path, capsys):
    f = tickets(tmp_path, HEADER, f"工单一,P1,hosting,{OPENED},,", f"T2,P1,hosting,{OPENED},,")
    code, out, _ = run(capsys, ITOPS, f, "--per-ticket", "--lang", "en")
    assert code == 0
    from slalang.source import display_width

    lines = out.splitlines()
    starts = {display_width(x[: x.index("P1")]) for x in lines[1:]}
    assert len(starts) == 1


# ------------------------------------------------------------------ duties evidence
EVIDENCE_HEADER = "duty,date,evidence,value,note"


def test_duties_evidence_bad_bytes_quotes_long_cells_and_dates_are_row_errors(tmp_path, capsys):
    ev = tickets(
        tmp_path,
        EVIDENCE_HEADER,
        b"audit,2026-03-01,R\xff1,,",
        "audit,9999-12-31,R,,",
        "audit,2026-03-02T10:00:00+99:00,R,,",
        'audit,"2026-03-02,R,,',
        "audit,2026-03-03," + "x" * 20_000 + ",,",
        "audit,2026-03-04,R\x00,,",
        "audit,2026-03-05,\x1b[2J\u202eOK,,",
        name="ev.csv",
    )
    code, out, err = duties(capsys, ITOPS, "--evidence", ev, "--at", "2026-06-01", "--lang", "en")
    assert code == 1 and out == ""
    clean(out, err)
    code, out, err = duties(capsys, ITOPS, "--evidence", ev, "--at", "2026-06-01", "--lang", "en", "--skip-bad")
    assert code == 0, err
    clean(out, err)
    for words in (
        "line 2, column `evidence`: not UTF-8 text",
        "line 3, column `date`: 9999-12-31 is outside the term",
        "line 4, column `date`",
        "line 5: a quote opened here is never closed",
        "line 6, column `evidence`: the cell has 20,000 characters",
        "line 7, column `evidence`: the cell holds a NUL character",
    ):
        assert words in err, (words, err)
    assert "skipped 6 bad rows; counted 1 rows" in err, err
    assert "\\x1b[2J\\u202eOK" in out
    for fmt in ("json", "ics"):
        code, out, err = duties(
            capsys, ITOPS, "--evidence", ev, "--at", "2026-06-01", "--skip-bad", "--format", fmt, "--lang", "en"
        )
        assert code == 0
        clean(out, err)


def test_duties_without_skip_bad_list_the_first_bad_rows(tmp_path, capsys):
    rows = [EVIDENCE_HEADER] + [f"nonesuch{i},2026-03-01,R,," for i in range(25)]
    ev = tickets(tmp_path, *rows, name="ev.csv")
    code, out, err = duties(capsys, ITOPS, "--evidence", ev, "--at", "2026-06-01", "--lang", "en")
    assert code == 1 and out == ""
    assert err.count("is not a duty or target of the contract") == 20
    assert "the first 20 bad rows are listed above" in err and err.rstrip().endswith("go on")


def test_a_period_label_with_a_huge_year_is_a_row_error(tmp_path, capsys):
    t = tickets(tmp_path, HEADER, good(1))
    d = tickets(tmp_path, "product,period,availability", "hosting,99999999999-03,99", name="d.csv")
    code, out, err = run(capsys, ITOPS, t, "--downtime", d, "--lang", "en", "--skip-bad", "--format", "json")
    assert code == 0 and "`99999999999-03` is not a month" in err, err


def test_a_400_digit_json_number_is_named_by_its_size(tmp_path, capsys):
    j = tickets(tmp_path, '{"id": "T1", "priority": "P1", "opened_at": 1' + "0" * 400 + "}", name="t.jsonl")
    code, _, err = run(capsys, ITOPS, j, "--lang", "en")
    assert code == 1 and "a number of 401 digits is not an instant in epoch seconds" in err, err


def test_a_hostile_at_is_cut_and_escaped(tmp_path, capsys):
    f = tickets(tmp_path, HEADER, good(1))
    evidence = tmp_path / "ev.csv"
    evidence.write_text("duty,date,evidence,value,note\n", encoding="utf-8")
    at = "x" * 5000 + "\x1b[2J"
    code, _, err = run(capsys, ITOPS, f, "--at", at, "--lang", "en")
    assert code == 2 and len(err) < 400 and "\x1b" not in err, err
    code, _, err = duties(capsys, ITOPS, "--evidence", evidence, "--at", at, "--lang", "en")
    assert code == 2 and len(err) < 400 and "\x1b" not in err, err


def test_a_json_field_given_twice_is_a_row_error(tmp_path, capsys):
    j = tickets(
        tmp_path,
        '{"id": "T1", "priority": "P1", "product": "hosting", "opened_at": 1767578400, '
        '"resolved_at": 1767582000, "resolved_at": null}',
        '{"id": "T2", "priority": "P1", "product": "hosting", "opened_at": 1767578400}',
        name="t.jsonl",
    )
    code, out, err = run(capsys, ITOPS, j, "--lang", "en", "--skip-bad", "--format", "json")
    assert code == 0 and evaluated(out) == 1
    assert "line 1, column `resolved_at`: the field `resolved_at` is given twice; give it once" in err, err
    code, _, err = run(capsys, ITOPS, j, "--lang", "zh")
    assert code == 1 and "字段 `resolved_at` 出现了两次" in err, err


def test_duties_tables_align_with_escaped_cells():
    from slalang.commands.duties import _table
    from slalang.source import display_width

    out = _table([["period", "evidence"], ["\x1b[2J\x1b[2J", "a"], ["工单", "b"]])
    assert [display_width(x[: x.rindex(" ") + 1]) for x in out] == [len("  \\x1b[2J\\x1b[2J  ")] * 3
    assert "\x1b" not in "".join(out)
