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
from slalang.terms import CN_NUMERAL_CHARS, DURATION_UNITS, UNIT_SECONDS, duration_parts, minutes_of

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
    "fifteen": 15,
    "eighteen": 18,
    "twenty": 20,
    "twenty-four": 24,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "forty-eight": 48,
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

_MASTER = re.compile(
    rf"(?P<date>\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{4}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日"
    rf"|(?:{_MON})\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+(?:{_MON})\s+\d{{4}})"
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
            weak = kind == "times" and value == 1
            out.append(Quantity(k, value, numeral, m.start(), m.end(), raw, weak))
    return tuple(out)


def _digits(pattern: str, raw: str) -> str:
    """The first run of `pattern` in `raw` (the master regex guarantees one)."""
    m = re.search(pattern, raw)
    return m.group(0) if m else ""


def _read(kind: str, raw: str):
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
        minute = minutes_of(raw.zfill(5))  # `9:00` is `09:00`
        return ("time", minute, None) if minute is not None else None
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
