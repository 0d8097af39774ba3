"""Local times in inputs that a DST change skips or repeats are row errors
unless they carry an offset (SEMANTICS §4; issue 11, deliverable 7)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from slalang.runtime.engine import TicketError
from slalang.runtime.tickets import InstantParser

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    "text, problem",
    [
        ("2026-03-29T01:30:00", "gap"),  # clocks go 01:00 → 02:00
        ("2026-03-29T01:00", "gap"),
        ("2026-10-25T01:30:00", "fold"),  # 01:00–02:00 happens twice
        ("2026-10-25T01:59:59", "fold"),
    ],
)
def test_a_skipped_or_repeated_local_time_is_refused(text, problem):
    with pytest.raises(TicketError) as err:
        InstantParser(LONDON)(text, "opened_at")
    assert err.value.key == f"instant.dst_{problem}" and err.value.column == "opened_at"


def test_with_an_offset_or_outside_the_change_it_is_one_instant():
    p = InstantParser(LONDON)
    assert p("2026-10-25T01:30:00+01:00", "x") == int(dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC).timestamp())
    assert p("2026-10-25T01:30:00+00:00", "x") == int(dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC).timestamp())
    assert p("2026-03-29T00:59:59", "x") == int(dt.datetime(2026, 3, 29, 0, 59, 59, tzinfo=dt.UTC).timestamp())
    assert p("2026-03-29T02:00:00", "x") == int(dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC).timestamp())
    # A zone without DST never refuses.
    assert InstantParser(ZoneInfo("Asia/Shanghai"))("2026-03-29T01:30:00", "x")


def test_eval_reports_the_row_in_both_languages(tmp_path):
    from test_holiday_sets import CONTRACT

    from slalang.build import build_one
    from slalang.cli import main

    src = tmp_path / "uk.sla"
    src.write_text(CONTRACT.format(set="gb-eng"), encoding="utf-8")
    out = build_one(str(src), frozenset({"rules"}))
    rules = tmp_path / "uk.rules.json"
    rules.write_bytes(next(v for k, v in out.files.items() if k.endswith(".rules.json")))
    tickets = tmp_path / "t.csv"
    tickets.write_text("id,priority,opened_at\nT1,P1,2026-10-25T01:30:00\n", encoding="utf-8")
    import contextlib
    import io

    for lang, words in (("en", "occurs twice"), ("zh", "出现两次")):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            rc = main(["eval", str(rules), str(tickets), "--lang", lang])
        assert rc == 1 and words in err.getvalue() and "line 2" in err.getvalue() or "第 2 行" in err.getvalue()
