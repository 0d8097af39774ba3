"""One home per domain fact: the vocabulary lives in slalang/terms.py and
duration measures in slalang/durations.py; no other module of slalang/ may
define a second copy (copies drift: `1bd` once had three values)."""

import re

import pytest
from conftest import ROOT

from slalang import durations, terms

SOURCES = sorted(p for p in (ROOT / "slalang").rglob("*.py") if p.name not in ("terms.py", "durations.py"))

# A pattern that betrays a private copy of a fact, and what to import instead.
COPIES = {
    "weekday list": (r"""["']mon["'],\s*["']tue["'],\s*["']wed["']""", "terms.WEEKDAYS"),
    "unit seconds table": (r"""["']bh["']\s*:\s*3600""", "terms.UNIT_SECONDS"),
    "duration-part regex": (r"\(bd\|bh\|d\|h\|m\)", "terms.DURATION_PART / terms.duration_parts"),
    "Han range": (r"\\u3400|0x3400|\\u4e00|0x4E00|0x4e00", "terms.is_han / terms.has_han / terms.han_pattern"),
    "HH:MM formatting": (r"f\"\{\w+ // 60:02d\}:\{\w+ % 60:02d\}", "terms.hhmm"),
    "months per period": (r"""["']quarter["']\s*:\s*3""", "terms.PERIOD_MONTHS"),
    "calendar-unit plurals": (r"""["']weeks["']\s*:\s*["']week["']""", "terms.CALENDAR_UNITS"),
    "decreed holiday sets": (r"ChinaStaticHolidays|_BREAK_SETS", "terms.DECREED_SETS"),
    "holiday expansion": (r"def _break_weekends|def _substitutions|weekend day inside", "holidaysets.calendar_days"),
    "holiday-set case": (r"code\.upper\(\)|code\.value\.lower\(\)", "terms.holiday_set_code / holiday_set_name"),
    "Chinese numerals": (r"零一二三四五六七八九|零〇一二", "terms.CN_DIGITS / terms.CN_NUMERAL_CHARS"),
    "business-day seconds": (
        r"nominal_seconds|business_day_seconds|120[,_]?960|_wall_estimate",
        "slalang.targets.compare",
    ),
}


# The one module a fact may be spelt out in, besides terms.py and durations.py.
HOMES = {"holiday expansion": "holidaysets.py"}


@pytest.mark.parametrize("fact", sorted(COPIES))
def test_no_second_definition(fact):
    pattern, home = COPIES[fact]
    found = []
    for path in SOURCES:
        if path.name == HOMES.get(fact):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(pattern, line) and not line.lstrip().startswith("#") and "Literal[" not in line:
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not found, f"a second {fact}; import {home} instead:\n" + "\n".join(found)


def test_the_homes_hold_the_facts():
    assert terms.WEEKDAYS[0] == "mon" and terms.WEEKDAY_INDEX["sun"] == 6
    assert terms.duration_parts("1bd4bh30m") == [(1, "bd"), (4, "bh"), (30, "m")]
    assert terms.hhmm(1440) == "24:00" and terms.minutes_of("24:00") == 1440 and terms.minutes_of("24:01") is None
    assert terms.minutes_of("０９:００") is None  # full-width digits are not ASCII
    assert terms.has_han("工作日") and not terms.has_han("，：") and terms.is_han("𠀀")
    assert terms.PERIOD_MONTHS == {"month": 1, "quarter": 3, "year": 12}
    assert durations.measures([(30, "m"), (1, "h")]) == (0, 5400)
    assert durations.measures([(1, "bd"), (4, "bh")]) == (1, 4 * 3600)
    assert durations.canonical([(30, "m"), (1, "h"), (1, "h")]) == "2h30m"
    assert durations.clock_of([(1, "bd"), (2, "h")]) is None


def test_typed_copies_agree_with_the_homes():
    """Type annotations must spell the words out (`Literal[...]`); they are
    checked against the one definition here instead."""
    from typing import get_args

    from slalang import model, ruleschema

    assert get_args(ruleschema.Weekday) == terms.WEEKDAYS
    assert get_args(model.Period) == terms.PERIODS


def test_a_business_day_has_no_length_in_seconds():
    from slalang.model import Duration

    with pytest.raises(ValueError, match="no length in seconds"):
        durations.wall_seconds(Duration(spelling="1bd", clock="business", seconds=0, days=1))


def test_calendar_spans_have_one_measure():
    from slalang.model import CalendarSpan as S

    assert durations.span_days(S(count=6, unit="month")) == (181, 184)
    assert durations.span_days(S(count=1, unit="year")) == (365, 366)
    assert durations.compare_spans(S(count=180, unit="day"), S(count=6, unit="month")) == -1
    assert durations.compare_spans(S(count=185, unit="day"), S(count=6, unit="month")) == 1
    assert durations.compare_spans(S(count=183, unit="day"), S(count=6, unit="month")) is None
    assert durations.compare_spans(S(count=1, unit="year"), S(count=12, unit="month")) == 0
    assert durations.compare_spans(S(count=2, unit="week"), S(count=14, unit="day")) == 0
