"""Hostile ticket data through `slalang eval` (issue 14): rows of cells drawn
from a hostile alphabet — controls and ESC sequences, quotes, bidirectional
controls, huge numbers, bad dates, NaN, invalid bytes, lone surrogates —
written as CSV (quoted properly, or joined raw so quotes break the records)
or as JSON Lines, run in-process with and without --skip-bad in every
format. The exit is 0 or 1, never 3; no raw ESC or bidi control reaches
stdout or stderr; with --skip-bad every record is either evaluated or
skipped and counted."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.cli import main
from slalang.textsafe import BIDI_CONTROLS

ROOT = Path(__file__).resolve().parents[2]
ITOPS = str(ROOT / "tests" / "golden" / "rules" / "example-itops.rules.json")
COLUMNS = ("id", "priority", "product", "opened_at", "first_response_at", "resolved_at", "pauses", "updates")
OPENED = "2026-01-05T10:00:00+08:00"

HOSTILE = st.sampled_from(
    [
        "",
        "P1",
        "P9",
        "hosting",
        "storage",
        OPENED,
        "2026-01-05T11:00:00+08:00",
        "1767578400",
        "9" * 4301,
        "1767578400000",
        "-1",
        "NaN",
        "inf",
        "1e999999",
        "2026-13-45T99:00",
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00",
        "2026-03-29T02:30:00",
        "\x1b[2J\x1b[H0 errors",
        "\x1b]0;title\x07",
        "\x9b31m",
        "\u202eevil\u202c",
        "\u2066x\u2069",
        "=cmd|' /C calc'!A0",
        "+1",
        "@SUM(1)",
        '"',
        '""',
        'a"b',
        ",",
        "\r",
        "\n",
        "\x00",
        "工单",
        "\u200b",
        "2026-01-05T10:00:00+08:00/2026-01-05T09:00:00+08:00",
        "a;b",
    ]
)
CELL = st.one_of(HOSTILE, st.text(alphabet=st.characters(codec="utf-8"), max_size=8))
ROW = st.lists(CELL, min_size=len(COLUMNS), max_size=len(COLUMNS))


def run(path: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["eval", ITOPS, str(path), "--lang", "en", *args])
    return code, out.getvalue(), err.getvalue()


def assert_clean(*texts: str) -> None:
    for text in texts:
        assert "\x1b" not in text and "\x9b" not in text, text
        assert not set(text) & BIDI_CONTROLS, text
        assert "Traceback" not in text and "internal error" not in text, text


MARK = "\ue000\ue001\ue002"


def write_csv(path: Path, rows: list[list[str]], raw: bool, bad_bytes: set[int]) -> int:
    """The file; returns the number of records it holds (raw: lines)."""
    lines: list[bytes] = [",".join(COLUMNS).encode()]
    for i, row in enumerate(rows):
        if i in bad_bytes:  # an invalid byte inside the first cell, the record's shape unchanged
            row = [row[0] + MARK, *row[1:]]
        if raw:
            cells = [c.replace("\n", " ").replace("\r", " ") for c in row]
            text = ",".join(cells)
        else:
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\r\n").writerow(row)  # quotes a cell with CR or LF
            text = buf.getvalue()[:-2]
        lines.append(text.encode("utf-8", "surrogatepass").replace(MARK.encode(), b"\xff"))
    path.write_bytes(b"\n".join(lines) + b"\n")
    return len(rows)


def write_jsonl(path: Path, rows: list[list[str]], bad_bytes: set[int]) -> int:
    lines = []
    for i, row in enumerate(rows):
        obj = {k: v for k, v in zip(COLUMNS, row) if v != ""}
        data = json.dumps(obj).encode()
        if i in bad_bytes:
            data = data.replace(b"{", b"{\xfe", 1)
        lines.append(data)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return len(rows)


def counts(out: str, err: str) -> tuple[int, int]:
    good = json.loads(out)["tickets"]
    m = re.search(r"skipped (\d+) bad rows?", err)
    return good, int(m.group(1)) if m else 0


@settings(settings.get_profile("attacks"), max_examples=40)
@given(
    rows=st.lists(ROW, min_size=1, max_size=6),
    kind=st.sampled_from(["csv", "raw", "jsonl"]),
    bad_bytes=st.sets(st.integers(0, 5), max_size=2),
    fmt=st.sampled_from(["table", "json", "csv"]),
    per_ticket=st.booleans(),
)
def test_hostile_rows_never_crash_or_reach_the_terminal(tmp_path_factory, rows, kind, bad_bytes, fmt, per_ticket):
    path = tmp_path_factory.mktemp("t") / ("t.jsonl" if kind == "jsonl" else "t.csv")
    if kind == "jsonl":
        write_jsonl(path, rows, bad_bytes)
    else:
        write_csv(path, rows, kind == "raw", bad_bytes)
    extra = ["--per-ticket"] if per_ticket else []
    for skip in ([], ["--skip-bad"]):
        code, out, err = run(path, "--format", fmt, *extra, *skip)
        assert code in (0, 1), err
        assert_clean(out, err)
        if skip:
            assert code == 0, err


@settings(settings.get_profile("attacks"), max_examples=40)
@given(
    rows=st.lists(ROW, min_size=1, max_size=6),
    kind=st.sampled_from(["csv", "jsonl"]),
    bad_bytes=st.sets(st.integers(0, 5), max_size=2),
)
def test_with_skip_bad_every_record_is_evaluated_or_skipped(tmp_path_factory, rows, kind, bad_bytes):
    path = tmp_path_factory.mktemp("t") / ("t.jsonl" if kind == "jsonl" else "t.csv")
    if kind == "jsonl":
        n = write_jsonl(path, rows, bad_bytes)
    else:
        n = write_csv(path, rows, False, bad_bytes)
    code, out, err = run(path, "--format", "json", "--skip-bad")
    assert code == 0, err
    good, skipped = counts(out, err)
    assert good + skipped == n, (good, skipped, n, err)


@settings(settings.get_profile("attacks"), max_examples=30)
@given(
    before=st.integers(0, 4),
    after=st.integers(1, 5),
    stray=st.sampled_from(['"hosting', 'hosting"x', '"', '"T"x']),
    column=st.integers(0, 2),
)
def test_one_stray_quote_costs_at_most_its_own_row(tmp_path_factory, before, after, stray, column):
    good = [f"T{i},P1,hosting,{OPENED},," for i in range(before + after)]
    bad = ["X", "P1", "hosting", OPENED, "", ""]
    bad[column] = stray if column != 2 else stray
    rows = good[:before] + [",".join(bad)] + good[before:]
    path = tmp_path_factory.mktemp("t") / "t.csv"
    path.write_text("id,priority,product,opened_at,first_response_at,resolved_at\n" + "\n".join(rows) + "\n")
    code, out, err = run(path, "--format", "json", "--skip-bad")
    assert code == 0, err
    got, skipped = counts(out, err)
    assert got >= before + after and got + skipped == before + after + 1, err


SIDE = {
    "downtime": ("product", "resource", "start", "end", "exclusion", "period", "availability", "requests", "errors"),
    "charges": ("product", "resource", "period", "amount"),
    "claims": ("product", "resource", "period", "claimed_on"),
}
SIDE_CELL = st.one_of(
    HOSTILE,
    st.sampled_from(["2026-03", "2026-Q1", "2026", "99999999999-03", "2026-W99", "9" * 300, "100.5", "0", "1e14"]),
)


@settings(settings.get_profile("attacks"), max_examples=30)
@given(
    kind=st.sampled_from(sorted(SIDE)),
    rows=st.lists(st.lists(SIDE_CELL, min_size=9, max_size=9), min_size=1, max_size=4),
    skip=st.booleans(),
)
def test_hostile_downtime_charges_and_claims(tmp_path_factory, kind, rows, skip):
    folder = tmp_path_factory.mktemp("s")
    tickets = folder / "t.csv"
    tickets.write_text(f"id,priority,product,opened_at\nT1,P1,hosting,{OPENED}\n", encoding="utf-8")
    side = folder / f"{kind}.csv"
    columns = SIDE[kind]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(columns)
    for row in rows:
        w.writerow(row[: len(columns)])
    side.write_text(buf.getvalue(), encoding="utf-8", errors="surrogatepass")
    code, out, err = run(tickets, f"--{kind}", str(side), *(["--skip-bad"] if skip else []))
    assert code in (0, 1), err
    assert_clean(out, err)


def run_duties(evidence: Path, *args: str) -> tuple[int, str, str]:
    import contextlib

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["duties", ITOPS, "--evidence", str(evidence), "--at", "2026-12-01", "--lang", "en", *args])
    return code, out.getvalue(), err.getvalue()


EVIDENCE_CELL = st.one_of(
    HOSTILE, st.sampled_from(["audit", "failover_drill", "2026-03-01", "2026-03-01T10:00:00+08:00", "75", "0.4%"])
)


@settings(settings.get_profile("attacks"), max_examples=30)
@given(
    rows=st.lists(st.lists(EVIDENCE_CELL, min_size=5, max_size=5), min_size=1, max_size=5),
    jsonl=st.booleans(),
    bad_bytes=st.sets(st.integers(0, 4), max_size=2),
    fmt=st.sampled_from(["text", "json", "ics"]),
    skip=st.booleans(),
)
def test_hostile_duty_evidence(tmp_path_factory, rows, jsonl, bad_bytes, fmt, skip):
    columns = ("duty", "date", "evidence", "value", "note")
    folder = tmp_path_factory.mktemp("d")
    if jsonl:
        path = folder / "ev.jsonl"
        lines = []
        for i, row in enumerate(rows):
            data = json.dumps(dict(zip(columns, row))).encode()
            lines.append(data.replace(b"{", b"{\xfe", 1) if i in bad_bytes else data)
        path.write_bytes(b"\n".join(lines) + b"\n")
    else:
        path = folder / "ev.csv"
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(columns)
        for i, row in enumerate(rows):
            w.writerow([row[0] + MARK if i in bad_bytes else row[0], *row[1:]])
        data = buf.getvalue().encode("utf-8", "surrogatepass").replace(MARK.encode(), b"\xff")
        path.write_bytes(data)
    code, out, err = run_duties(path, "--format", fmt, *(["--skip-bad"] if skip else []))
    assert code in (0, 1), err
    assert_clean(out, err)
    if skip:
        assert code == 0, err
