"""The contract's vocabulary: every fixed word and shape the language has,
defined once and imported by every module that reads or writes it.

Weekdays, duration units and how they are spelt, periods and the months they
span, calendar units, `HH:MM` times, what counts as a Chinese character, the
languages a contract may be written in and the holiday sets that publish
make-up working days. A second definition of any of these anywhere in
`slalang/` is a bug (tests/test_terms.py greps for one).

This module is imported by the runtime too, so it depends on the standard
library only."""

from __future__ import annotations

import re

# ---------------------------------------------------------------- languages
LANGUAGES = ("zh", "en")  # languages a contract can be written in

# ---------------------------------------------------------------- weekdays
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index 0 = Monday, as date.weekday()
WEEKDAY_INDEX = {d: i for i, d in enumerate(WEEKDAYS)}

# ---------------------------------------------------------------- durations
# Units a duration can be written in, in canonical spelling order (`1bd4bh`,
# `1d2h30m`). `bd` has no fixed length: a business day is measured on its
# calendar (see slalang/durations.py and docs/language.md).
DURATION_UNITS = ("bd", "bh", "d", "h", "m")
BUSINESS_UNITS = frozenset({"bd", "bh"})
UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "bh": 3600}  # `bd` excepted
DURATION_PART = re.compile(r"([0-9]+)(bd|bh|d|h|m)")  # one `<count><unit>` of a spelling


def duration_parts(spelling: str) -> list[tuple[int, str]]:
    """`1h30m` → [(1, "h"), (30, "m")] (ASCII digits only)."""
    return [(int(n), u) for n, u in DURATION_PART.findall(spelling)]


# ---------------------------------------------------------------- periods
PERIODS = ("month", "quarter", "year")
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}

# Calendar spans (`retention 6 months`, `audit every 1 year`): as written → unit.
CALENDAR_UNITS = {
    "day": "day",
    "days": "day",
    "week": "week",
    "weeks": "week",
    "month": "month",
    "months": "month",
    "year": "year",
    "years": "year",
}

REPORT_KINDS = ("daily", "weekly", "monthly", "quarterly", "yearly")


# ---------------------------------------------------------------- times of day
def hhmm(minute: int) -> str:
    """Minutes after midnight → `HH:MM` (1440 → `24:00`, the end of a day)."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def minutes_of(text: str) -> int | None:
    """`HH:MM` → minutes after midnight, `24:00` allowed; None if not a time."""
    if len(text) != 5 or text[2] != ":" or not (text[:2] + text[3:]).isascii() or not (text[:2] + text[3:]).isdigit():
        return None
    h, m = int(text[:2]), int(text[3:])
    if m > 59 or h > 24 or (h == 24 and m):
        return None
    return h * 60 + m


# ---------------------------------------------------------------- scripts
# Han ideographs: CJK Unified Ideographs with Extension A, the compatibility
# block, and Extensions B–G. Chinese punctuation is not Han.
HAN_RANGES = ((0x3400, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))


def is_han(ch: str) -> bool:
    o = ord(ch)
    return 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3134F


def han_pattern() -> re.Pattern[str]:
    """A compiled character class of the Han ranges (built on first use: it
    costs ~3 ms to compile, on every start otherwise)."""
    global _HAN
    if _HAN is None:
        _HAN = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in HAN_RANGES) + "]")
    return _HAN


_HAN: re.Pattern[str] | None = None


def has_han(text: str) -> bool:
    """Whether `text` contains a Chinese character."""
    return han_pattern().search(text) is not None


# Chinese numerals: the digits 0–9 as written in words, and the other
# characters Chinese prose counts with (〇 for zero, 两 for two, and the powers of ten).
CN_DIGITS = "零一二三四五六七八九"
CN_NUMERAL_CHARS = CN_DIGITS + "〇两十百千万"


def is_cjk_punctuation(ch: str) -> bool:
    """CJK symbols and punctuation (、。「」), and full-width forms (，：；)."""
    o = ord(ch)
    return 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF


# ---------------------------------------------------------------- holiday sets
# Holiday sets are named by the `holidays` package's country codes, written
# in lower case in a contract (`holidays cn`) and upper case by the package.
def holiday_set_code(name: str) -> str:
    return name.upper()


def holiday_set_name(code: str) -> str:
    return code.lower()


# Sets whose holidays are moved by decree year by year, with make-up working
# days (weekend days worked in exchange for a bridge holiday). A year without
# a published decree is not covered; weekend days inside a holiday break are
# holidays too. Value: the class of the `holidays` package holding the decrees.
DECREED_SETS = {"CN": "ChinaStaticHolidays"}


# The ticket columns with a meaning of their own (docs/runtime.md): a flag or a
# clock start (`from NAME`) cannot take one of these names.
TICKET_COLUMNS = frozenset(
    {
        "id",
        "priority",
        "opened_at",
        "first_response_at",
        "resolved_at",
        "product",
        "region",
        "plan",
        "updates",
        "pauses",
        "exclusion",
        "followup_at",
    }
)


# ---------------------------------------------------------------- contract ids and versions
# The id names every output file (`<id>.rules.json`, `<id>.pdf`, `<id>.docx`)
# and every calendar UID: lower case letters, digits, `.`, `_`, `-`, at most
# MAX_ID characters — far below the 255 bytes a file name may have, so `check`
# refuses what `build` could not write, and a rule file's loader refuses an
# id slalang would never have written (it reaches file names and terminals).
MAX_ID = 100
ID_PATTERN = r"[a-z0-9][a-z0-9._-]*"
VERSION_PATTERN = r"[0-9A-Za-z][0-9A-Za-z.+-]*"
