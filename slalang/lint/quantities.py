"""Numbers in prose: find the quantities a Chinese or English text states
(durations, percentages, money, dates, times of day, plain numbers) and
normalise them so that `30 分钟`, `30 minutes` and `half an hour`… compare
equal to each other and to a contract value such as `30m`.

This is deliberately conservative: number words (三十, thirty) count only
before a unit, digits glued to letters (`P0`, `ISO9001`) are not numbers, and
nothing is guessed from context. The wording rules use it to compare the two
languages of one text and to spot literal copies of contract values.

The prose vocabulary (分钟, minutes, Chinese numerals, month names) is this
module's own; what a contract unit is and how many seconds it lasts come
from `slalang.terms`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from slalang import model
from slalang.terms import CN_DIGITS, CN_NUMERAL_CHARS, DURATION_UNITS, UNIT_SECONDS, duration_parts, minutes_of

_NUM = r"(?<![A-Za-z0-9_.])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_ZHN = f"[{CN_NUMERAL_CHARS}]+|半"
_EN_WORDS: dict[str, int | Decimal] = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "twenty-four": 24,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "forty-eight": 48,
    "fifty": 50,
    "sixty": 60,
    "seventy-two": 72,
    "ninety": 90,
    "a hundred": 100,
    "one hundred": 100,
    "half an": Decimal("0.5"),
    "half a": Decimal("0.5"),
}
_ENW = "|".join(sorted((re.escape(w) for w in _EN_WORDS), key=len, reverse=True))
# Standalone number words ("two channels"); not "one", which is as often a
# pronoun ("any one of") as a count.
_COUNT_WORDS = "|".join(w for w in sorted(_EN_WORDS, key=len, reverse=True) if " " not in w and w not in ("one",))
_MONTHS = ("january february march april may june july august september october november december").split()
_MON = "|".join(m.capitalize() for m in _MONTHS)

# unit → (kind, factor). Longest spellings first so 工作小时 wins over 小时.
_DAY = UNIT_SECONDS["d"]
_WEEK = 7 * _DAY
_UNITS: list[tuple[str, str, int]] = [
    (r"个?工作小时|business[ -]hours?|working[ -]hours?", "bh", UNIT_SECONDS["bh"]),
    (r"个?工作日|business[ -]days?|working[ -]days?", "bd", 1),
    # A calendar month, day or week is the month, day or week of the contract's units.
    (r"个?自然月|个?日历月|calendar[ -]months?", "months", 1),
    (r"个?自然日|个?日历日|calendar[ -]days?", "wall", _DAY),
    (r"个?自然周|calendar[ -]weeks?", "wall", _WEEK),
    (r"秒钟?|seconds?|secs?", "wall", 1),
    (r"分钟|minutes?|mins?", "wall", UNIT_SECONDS["m"]),
    (r"个?小时|个?钟头|hours?|hrs?", "wall", UNIT_SECONDS["h"]),
    (r"天|days?", "wall", _DAY),
    (r"周|个?星期|weeks?", "wall", _WEEK),
    (r"个月|months?", "months", 1),
    (r"年|years?", "months", 12),
]
_UNIT_RE = "|".join(f"(?:{u})" for u, _, _ in _UNITS)
_CONTRACT_UNIT = "|".join(DURATION_UNITS)  # `bd` before `d`: longest first

_NTH = "(?:st|nd|rd|th)"  # 1st, 2nd: an English ordinal is its number
# Hours of coverage, `7×24`, `24x7`, `24/7`, `5×8 小时`, `24 hours a day, 7 days
# a week`: one quantity (days a week, hours a day), whichever order it is written in.
_HOURS = r"(?:[89]|1\d|2[0-4])"
_DAYS = "[5-7]"
_X = r"\s*[×xX*]\s*"
_COVERAGE = (
    rf"(?<![A-Za-z\d.]){_DAYS}{_X}{_HOURS}(?!\d|\.\d|\s*[%％])(?:\s*(?:个?小时|hours?)(?![A-Za-z]))?"
    rf"|(?<![A-Za-z\d.]){_HOURS}{_X}{_DAYS}(?!\d|\.\d|\s*[%％])"
    r"|(?<![\d/])(?:24/7|7/24)(?![\d/])"
    rf"|(?<![A-Za-z\d])(?:\d{{1,2}}|(?i:{_ENW}))[\s-]*(?i:hours?)\s+(?i:a|per|each)\s+(?i:day),?\s+"
    rf"(?:\d|(?i:{_ENW}))[\s-]*(?i:days?)\s+(?i:a|per|each)\s+(?i:week)(?![A-Za-z])"
)
_ZH_HOUR_DIGITS = CN_DIGITS + "〇两十"  # hours of the day: up to 二十四
_ZH_HOUR = f"[{_ZH_HOUR_DIGITS}]+|\\d{{1,2}}"
# Times of day in words: `9 a.m.`, `6:30 pm`, `noon`, `midnight`; `上午 9 点`, `下午 6 点半`, `午夜`.
_CLOCK = (
    r"(?<![\d:])\d{1,2}(?::\d{2})?\s*(?i:a\.m\.|p\.m\.|am|pm)(?![A-Za-z])"
    r"|(?<![A-Za-z])(?:12\s+)?(?i:noon|midday|midnight)(?![A-Za-z])"
    rf"|(?:(?:上午|早上|早晨|凌晨|中午|下午|傍晚|晚上|夜间)\s*)?(?:{_ZH_HOUR})\s*点"
    rf"(?:\s*\d{{1,2}}\s*分|半|整)?(?![{_ZH_HOUR_DIGITS}\d])"
    r"|午夜|零点|零时"
)
# `thirty (30) days`, `forty-eight (48) hours`, `ten percent (10%)`: a number
# written in words and again in digits is one number.
_DOUBLET = (
    rf"(?<![A-Za-z])(?i:{_ENW}|{_COUNT_WORDS}|one)(?:\s+(?i:percent|per cent))?\s*\(\s*\d+(?:\.\d+)?\s*[%％]?\s*\)"
    rf"(?:[\s-]*(?:{_UNIT_RE})(?![A-Za-z]))?"
)

_MASTER = re.compile(
    rf"(?P<coverage>{_COVERAGE})"
    rf"|(?P<doublet>{_DOUBLET})"
    rf"|(?P<date>\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{4}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日"
    rf"|(?:{_MON})\s+\d{{1,2}}{_NTH}?,?\s+\d{{4}}|\d{{1,2}}{_NTH}?\s+(?:of\s+)?(?:{_MON}),?\s+\d{{4}})"
    rf"|(?P<monthyear>\d{{4}}\s*年\s*\d{{1,2}}\s*月(?!\s*\d)|(?:{_MON}),?\s+\d{{4}})"
    rf"|(?P<clock>{_CLOCK})"
    rf"|(?P<money>(?:[¥￥$€]|CNY|RMB|USD|EUR)\s*{_NUM.replace('(?<![A-Za-z0-9_.])', '')}"
    rf"|{_NUM}\s*(?:万元|元|(?:CNY|RMB|USD|EUR|yuan)(?![A-Za-z])))"
    rf"|(?P<percent>{_NUM}\s*(?:%|％|percent(?![A-Za-z])|per cent(?![A-Za-z]))|百分之(?:{_ZHN}|\d+(?:\.\d+)?))"
    rf"|(?P<time>(?<![\d:])\d{{1,2}}:\d{{2}}(?![\d:]))"
    rf"|(?P<duration>(?:{_NUM}|{_ZHN}|(?<![A-Za-z])(?i:{_ENW}))[\s-]*(?:{_UNIT_RE})(?![A-Za-z]))"
    rf"|(?P<times>(?:{_NUM}|(?:{_ZHN}))\s*次|(?<![A-Za-z])(?i:once|twice|thrice)(?![A-Za-z]))"
    rf"|(?P<halfyear>(?<![A-Za-z])(?i:half[- ]year(?:ly)?|semi-?annual(?:ly)?|biannual(?:ly)?)(?![A-Za-z]))"
    rf"|(?P<scaled>{_NUM}\s*[万亿](?!元))"
    rf"|(?P<ordinal>(?:{_ZHN})(?=级|线|类|档|期|个|名|家|条|项|种|位|台|套)|(?<![A-Za-z])(?i:one|two|three|four|five)(?=[- ](?:level|tier|class|grade)))"
    rf"|(?P<word>(?<![A-Za-z-])(?i:{_COUNT_WORDS})(?![A-Za-z]))"
    rf"|(?P<compact>(?<![A-Za-z0-9_.])(?:\d+(?:{_CONTRACT_UNIT}))+(?![A-Za-z0-9_.]))"
    rf"|(?P<nth>(?<![A-Za-z0-9_.])\d{{1,3}}{_NTH}(?![A-Za-z0-9_]))"
    rf"|(?P<number>{_NUM}(?![A-Za-z0-9_]))"
)


@dataclass(frozen=True)
class Quantity:
    kind: str  # wall | bh | bd | months | percent | money | date | time | number
    value: object  # Decimal (seconds, days, months, percent, amount), date, or minutes
    numeral: Decimal | None  # the number as written, for loose matching
    start: int
    end: int
    raw: str
    # "一次" / "once" often only means "each time" ("每 30 分钟通报一次" =
    # "updated every 30 minutes"): it may match, but is not missed if absent.
    weak: bool = False

    @property
    def key(self) -> tuple:
        return (self.kind, self.value)


def zh_numeral(text: str) -> int | None:
    """三十 → 30, 两 → 2, 一百二十 → 120, 二十四 → 24 (up to 万)."""
    digits = {
        "零": 0,
        "〇": 0,
        "一": 1,
        "二": 2,
        "两": 2,
        "三": 3,
        "四": 4,
        "五": 5,
        "六": 6,
        "七": 7,
        "八": 8,
        "九": 9,
    }
    units = {"十": 10, "百": 100, "千": 1000, "万": 10000}
    total = section = num = 0
    seen = False
    for ch in text:
        if ch in digits:
            num = digits[ch]
            seen = True
        elif ch in units:
            u = units[ch]
            if u == 10000:
                total += (section + num) * u
                section = 0
            else:
                section += (num or 1) * u
            num = 0
            seen = True
        else:
            return None
    return total + section + num if seen else None


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _numeral(text: str) -> Decimal | None:
    text = text.strip()
    if re.fullmatch(r"[\d,]+(\.\d+)?", text):
        return _decimal(text)
    if text == "半":
        return Decimal("0.5")
    n = zh_numeral(text)
    if n is not None:
        return Decimal(n)
    w = _EN_WORDS.get(text.lower())
    return Decimal(w) if w is not None else None


def _unit(text: str) -> tuple[str, int] | None:
    for pattern, kind, factor in _UNITS:
        if re.fullmatch(pattern, text, re.I):
            return kind, factor
    return None


@lru_cache(maxsize=8192)  # the wording rules ask twice about each text
def find(text: str) -> tuple[Quantity, ...]:
    """Every quantity stated in `text`, left to right."""
    out: list[Quantity] = []
    for m in _MASTER.finditer(text):
        kind = m.lastgroup or "number"
        raw = m.group(0)
        q = _read(kind, raw)
        if q is not None:
            k, value, numeral = q
            # 一 (one) before a unit is as often the article "a" ("一个自然月" =
            # "a calendar month"): it may match, but is not missed if absent.
            # Not 一级 (a priority level): that one is a number.
            one = raw.startswith("一") and numeral == 1 and kind in ("duration", "ordinal")
            weak = (kind == "times" and value == 1) or (one and not text.startswith("级", m.end()))
            out.append(Quantity(k, value, numeral, m.start(), m.end(), raw, weak))
    return tuple(out)


def _digits(pattern: str, raw: str) -> str:
    """The first run of `pattern` in `raw` (the master regex guarantees one)."""
    m = re.search(pattern, raw)
    return m.group(0) if m else ""


_ZH_PM = ("下午", "傍晚", "晚上", "夜间")


def _clock(raw: str) -> int | None:
    """Minutes after midnight of a time of day in words (`6:30 pm`, `下午 6 点半`)."""
    low = raw.lower()
    if re.search("noon|midday", low):
        return 12 * 60
    if "midnight" in low or raw in ("午夜", "零点", "零时"):
        return 0
    m = re.search(rf"(\d{{1,2}}|[{CN_NUMERAL_CHARS}]+)\s*(?::(\d{{2}})|点)?", raw)
    if m is None:
        return None
    hour = int(m.group(1)) if m.group(1).isdigit() else zh_numeral(m.group(1))
    minute = int(m.group(2)) if m.group(2) else 0
    if (after := re.search(r"点\s*(\d{1,2})\s*分", raw)) is not None:
        minute = int(after.group(1))
    elif raw.endswith("半"):
        minute = 30
    if hour is None or minute > 59:
        return None
    if "a.m." in low or re.search(r"\dam|\sam", low):
        if not 1 <= hour <= 12:
            return None
        hour %= 12
    elif "p.m." in low or re.search(r"\dpm|\spm", low):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + 12
    elif raw.startswith(_ZH_PM) and 1 <= hour < 12:
        hour += 12
    if hour > 24 or (hour == 24 and minute):
        return None
    return (hour * 60 + minute) % (24 * 60)


def _coverage(raw: str) -> tuple[int, int] | None:
    """(days a week, hours a day) of `7×24`, `24/7`, `24 hours a day, 7 days a week`."""
    words = re.findall(rf"\d+|{_ENW}", raw, re.I)
    nums = sorted(int(w) if w.isdigit() else int(_EN_WORDS[w.lower()]) for w in words[:2])
    return (nums[0], nums[1]) if len(nums) == 2 else None


def _read(kind: str, raw: str):
    if kind == "coverage":
        cover = _coverage(raw)
        return ("coverage", cover, None) if cover is not None else None
    if kind == "clock":
        minute = _clock(raw)
        return ("time", minute, None) if minute is not None else None
    if kind == "doublet":
        digits = _digits(r"\(\s*\d+(?:\.\d+)?", raw).lstrip("( \t")
        tail = raw[raw.index(")") + 1 :].strip(" \t-")
        if "%" in raw or "％" in raw or re.search("per ?cent", raw, re.I):
            n = _decimal(digits)
            return ("percent", n, n) if n is not None else None
        if tail:
            return _read("duration", f"{digits} {tail}")
        n = _decimal(digits)
        return ("number", n, n) if n is not None else None
    if kind == "monthyear":
        nums = [int(x) for x in re.findall(r"\d+", raw)]
        month = next((i + 1 for i, name in enumerate(_MONTHS) if name in raw.lower()), None)
        year, month = (nums[0], month) if month is not None else (nums[0], nums[1])
        return ("month", (year, month), None) if 1 <= month <= 12 else None
    if kind == "nth":
        n = _decimal(_digits(r"\d+", raw))
        return ("number", n, n) if n is not None else None
    if kind == "date":
        nums = [int(x) for x in re.findall(r"\d+", raw)]
        month = next((i + 1 for i, name in enumerate(_MONTHS) if name in raw.lower()), None)
        try:
            if month is not None:
                day, year = (nums[0], nums[1])
                return "date", dt.date(year, month, day), None
            return "date", dt.date(nums[0], nums[1], nums[2]), None
        except (ValueError, IndexError):
            return None
    if kind == "money":
        n = _decimal(_digits(r"[\d,]+(\.\d+)?", raw))
        if n is None:
            return None
        if "万" in raw:
            n *= 10000
        return "money", n, n
    if kind == "percent":
        body = raw[3:] if raw.startswith("百分之") else _digits(r"[\d,.]+", raw)
        n = _numeral(body)
        return ("percent", n, n) if n is not None else None
    if kind == "time":
        minute = minutes_of(raw.zfill(5))  # `9:00` is `09:00`; `24:00` is midnight, as `00:00` is
        return ("time", minute % (24 * 60), None) if minute is not None else None
    if kind == "compact":
        seconds = Decimal(0)
        days = 0
        for count, u in duration_parts(raw):
            if u == "bd":
                days += count
            else:
                seconds += count * UNIT_SECONDS[u]
        if "bd" in raw and seconds:
            return None
        if "bd" in raw:
            return "bd", Decimal(days), Decimal(days)
        return ("bh" if "bh" in raw else "wall"), seconds, None
    if kind == "duration":
        m = re.match(rf"({_NUM.replace('(?<![A-Za-z0-9_.])', '')}|{_ZHN}|{_ENW})[\s-]*(.*)\Z", raw, re.I | re.S)
        if m is None:
            return None
        n = _numeral(m.group(1))
        unit = _unit(m.group(2))
        if n is None or unit is None:
            return None
        ukind, factor = unit
        if m.group(2) == "年" and n >= 100:  # `2026年` is a year, not a duration
            return "number", n, n
        value = n * factor
        if ukind in ("wall", "bh"):
            value = value.to_integral_value() if value == value.to_integral_value() else value
        return ukind, value, n
    if kind == "times":
        word = {"once": 1, "twice": 2, "thrice": 3}.get(raw.lower())
        n = Decimal(word) if word else _numeral(raw.rstrip("次 \t"))
        return ("number", n, n) if n is not None else None
    if kind == "halfyear":
        return "months", Decimal(6), None
    if kind == "scaled":
        n = _decimal(raw.rstrip("万亿 \t"))
        if n is None:
            return None
        n *= 10000 if raw.endswith("万") else 100000000
        return "number", n, n
    if kind in ("ordinal", "word"):
        n = _numeral(raw)
        return ("number", n, n) if n is not None else None
    n = _decimal(raw)
    return ("number", n, n) if n is not None else None


def value_key(v: model.Value) -> tuple | None:
    """The key a contract value would have if it were written in prose."""
    if v.kind == "duration" and v.duration is not None:
        d = v.duration
        if d.clock == "wall":
            return ("wall", Decimal(d.seconds))
        if d.days and not d.seconds:
            return ("bd", Decimal(d.days))
        if not d.days:
            return ("bh", Decimal(d.seconds))
        return None
    if v.kind == "percent" and v.percent is not None:
        return ("percent", v.percent)
    if v.kind == "money" and v.money is not None:
        return ("money", v.money.amount)
    if v.kind == "date" and v.date is not None:
        return ("date", v.date)
    if v.kind == "span" and v.span is not None:
        s = v.span
        if s.unit in ("month", "year"):
            return ("months", Decimal(s.count * (12 if s.unit == "year" else 1)))
        return ("wall", Decimal(s.count * (_DAY if s.unit == "day" else _WEEK)))
    return None
