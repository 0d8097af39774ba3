"""How the letter says things in one language: the message catalogue and the
language's own way of writing numbers, durations, dates and money.

A `Wording` wraps one catalogue (`templates/messages/<lang>/letter.yaml`) and the
Babel locale it names. Everything a reader sees goes through it: fixed
sentences (`say`), contract values (`duration`, `money`, `date`, `percent`,
`span`, …) and the contract's own texts with their `{references}` filled in
(`text`). It returns plain strings; escaping is the template's job, and
`say_html` is the one place that mixes escaped text with markup."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape

from slalang.model import CalendarSpan, ClaimSpan, Duration, Money, Text, Value, WeeklyWindow
from slalang.terms import (
    CN_DIGITS,
    DECREED_SETS,
    DURATION_PART,
    holiday_set_code,
    holiday_set_name,
    is_cjk_punctuation,
    is_han,
)
from slalang.terms import hhmm as clock_time

_FIELD = re.compile(r"\{(\w+)\}")
# Babel unit names for the wall-clock units a duration is spelled in.
_BABEL_UNIT = {
    "m": "duration-minute",
    "h": "duration-hour",
    "d": "duration-day",
    "day": "duration-day",
    "week": "duration-week",
    "month": "duration-month",
    "year": "duration-year",
}
# Quotable values that are time limits or cadences (`{resolution.P1.any}`):
# their `d` is a count of calendar days, said so as in their table.
_LIMITS = frozenset({"response", "resolution", "updates", "followup"})
# Holiday sets that publish make-up working days (weekend days worked in
# exchange for a bridge holiday); the letter says they count as working days.
MAKEUP_DAY_SETS = frozenset(holiday_set_name(code) for code in DECREED_SETS)


def calendar_days(d: Duration) -> bool:
    """True when a wall duration's `d` part counts calendar days (the same
    local time N days later), as every target and cadence does."""
    return d.clock == "wall" and d.calendar_days > 0


def zone_offsets(iana: str, start: dt.date, end: dt.date) -> tuple[dt.timedelta, dt.timedelta] | None:
    """(standard, summer-time) UTC offsets of a zone during the term, or
    None when it keeps one offset throughout (no summer time)."""
    from zoneinfo import ZoneInfo

    try:
        tz = ZoneInfo(iana)
    except (KeyError, ValueError):  # not a zone zoneinfo knows: nothing to compute
        return None
    standard: dict[dt.timedelta, None] = {}
    summer: dict[dt.timedelta, None] = {}
    day = start
    while day <= end:
        t = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC).astimezone(tz)
        offset, dst = t.utcoffset(), t.dst()
        if offset is not None:
            (summer if dst else standard)[offset] = None
        day += dt.timedelta(days=1)
    if not summer or not standard:
        return None
    return next(iter(standard)), next(iter(summer))


def utc_offset(offset: dt.timedelta) -> str:
    """UTC+1, UTC−5, UTC+5:30."""
    minutes = int(offset.total_seconds()) // 60
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes >= 0 else "\u2212"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _package_subdivision_name(country: str, subdiv: str) -> str | None:
    """The `holidays` package's own name of a subdivision (`subdivisions_aliases`)."""
    try:
        import holidays
    except ImportError:
        return None
    cls = getattr(holidays, country, None)
    aliases = getattr(cls, "subdivisions_aliases", None) or {}
    return next((name for name, code in aliases.items() if str(code).upper() == subdiv), None)


class CatalogueError(Exception):
    """A message catalogue is missing or lacks a key (a packaging bug)."""


def load_catalogue(lang: str) -> dict:
    """The letter's part of the language's catalogue (`templates/messages/<lang>/letter.yaml`)."""
    from slalang import i18n

    try:
        data = i18n.catalogue(lang).get("letter")
    except i18n.CatalogueError as exc:
        raise CatalogueError(str(exc)) from None
    if not isinstance(data, dict):
        raise CatalogueError(f"the {lang} catalogue has no letter messages")
    return data


def framed(cat: dict, kind: str) -> dict:
    """The catalogue as a document of this kind names itself: each
    `framing.<kind>.replace` pair applied to every message."""
    pairs = [tuple(p) for p in (cat.get("framing", {}).get(kind, {}).get("replace") or [])]
    if not pairs:
        return cat

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            for a, b in pairs:
                node = node.replace(a, b)
            return node
        if isinstance(node, dict):
            return {k: (v if k == "framing" else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(cat)


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (section numbers)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    out = ("" if tens == 1 else CN_DIGITS[tens]) + "十" if tens else ""
    return out + (CN_DIGITS[ones] if ones else "")


def _is_latin(ch: str) -> bool:
    """Letters, digits and symbols that are not Chinese and not Chinese punctuation."""
    if ch.isspace() or is_han(ch) or is_cjk_punctuation(ch):
        return False
    return (
        ch.isalnum() or ch in "%¥$€£#@&+" or (ch.isascii() and ch.isprintable() and ch not in "([{<\"'“”‘’/")
    )  # 12,000.00/月: no space at a slash


def _needs_space(a: str, b: str) -> bool:
    """Chinese typesetting spaces Han characters from Latin letters and digits."""
    return (is_han(a) and _is_latin(b)) or (_is_latin(a) and is_han(b))


class Wording:
    """One language's catalogue and formats."""

    def __init__(self, lang: str, kind: str = "commitment_letter"):
        from babel import Locale

        self.lang = lang
        self.kind = kind
        self.cat = framed(load_catalogue(lang), kind)
        self.locale = Locale.parse(self.cat["locale"])
        self.html_lang: str = self.cat["html_lang"]

    # ------------------------------------------------------------ catalogue
    def raw(self, key: str) -> Any:
        node: Any = self.cat
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise CatalogueError(f"message `{key}` is missing from the {self.lang} catalogue")
            node = node[part]
        return node

    def say(self, key: str, **args: Any) -> str:
        """A catalogue sentence with its `{fields}` filled by formatted values."""
        return self.fill(self.raw(key), args)

    def fill(self, pattern: str, args: dict[str, Any]) -> str:
        out, pos, after = "", 0, ""
        for m in _FIELD.finditer(pattern):
            if m.group(1) not in args:
                raise CatalogueError(f"`{{{m.group(1)}}}` in {pattern!r} ({self.lang}) has no value")
            arg = args[m.group(1)]
            out = self._literal(out, pattern[pos : m.start()], after)
            shown, spaced = self.value(arg), not isinstance(arg, dt.date)
            out = self._meet(out, shown, spaced)
            after, pos = (shown[-1:] if spaced else ""), m.end()
        return self._literal(out, pattern[pos:], after)

    def _literal(self, out: str, literal: str, after: str) -> str:
        """Append text that follows a filled-in value ending in `after`."""
        head = literal.lstrip(" ")
        if after and head and self.cat.get("space_latin") and (is_han(after) or is_han(head[0])):
            literal = (" " if _needs_space(after, head[0]) else "") + head
        return out + literal

    def _meet(self, before: str, value: str, spaced: bool) -> str:
        """Append a filled-in value, spacing Chinese from Latin where they meet."""
        if not (spaced and before and value and self.cat.get("space_latin")):
            return before + value
        trimmed = before.rstrip(" ")
        if trimmed and (is_han(trimmed[-1]) or is_han(value[0])):
            return trimmed + (" " if _needs_space(trimmed[-1], value[0]) else "") + value
        return before + value

    def say_html(self, key: str, **args: Any) -> Markup:
        """Like `say`, but escaped, and `Markup` arguments are kept as markup."""
        pattern = self.raw(key)
        out, pos = [], 0
        for m in _FIELD.finditer(pattern):
            out.append(escape(pattern[pos : m.start()]))
            arg = args[m.group(1)]
            out.append(arg if isinstance(arg, Markup) else escape(self.value(arg)))
            pos = m.end()
        out.append(escape(pattern[pos:]))
        return Markup("").join(out)

    # ------------------------------------------------------------ values
    def value(self, x: Any) -> str:
        """Any contract value in this language's words."""
        if isinstance(x, str):
            return x
        if isinstance(x, Text):
            return self.text(x)
        if isinstance(x, Duration):
            return self.duration(x)
        if isinstance(x, Money):
            return self.money(x)
        if isinstance(x, CalendarSpan):
            return self.span(x)
        if isinstance(x, dt.date):
            return self.date(x)
        if isinstance(x, bool):
            raise TypeError("a boolean is not a letter value")
        if isinstance(x, (int, Decimal)):
            return self.number(x)
        if isinstance(x, (list, tuple)):
            return self.listing(self.value(v) for v in x)
        if callable(x):  # a value that needs this Wording (e.g. a percentage)
            return x(self)
        raise TypeError(f"cannot put {type(x).__name__} into a letter")

    def text(self, t: Text, values: dict[str, Value] | None = None) -> str:
        """A contract text in this language, `{references}` filled in."""
        segments = t.segments.get(self.lang)
        if segments is None:
            return t.values[self.lang]
        # The author's spaces around a `{reference}` are normalised like the
        # catalogue's: they could not know whether the value ends in a digit.
        out, after_value = "", ""  # after_value: last char of a value just filled in
        for s in segments:
            if s.ref is None:
                out, after_value = self._literal(out, s.text or "", after_value), ""
            else:
                if values is None or s.ref not in values:
                    raise KeyError(s.ref)
                v = values[s.ref]
                if v.kind == "duration" and v.duration is not None and s.ref.split(".")[0] in _LIMITS:
                    shown = self.limit(v.duration)  # a target or cadence: `d` as calendar days, as its table says
                    if v.strict:
                        shown = self.say("matrices.strict", limit=shown)
                else:
                    shown = self.contract_value(v)
                out = self._meet(out, shown, v.kind != "date")
                after_value = shown[-1:] if v.kind != "date" else ""
        return out

    def contract_value(self, v: Value) -> str:
        """A value quoted by a free clause (`{response.P0.business}`)."""
        if v.kind == "duration" and v.duration is not None:
            return self.duration(v.duration)
        if v.kind == "percent" and v.percent is not None:
            return self.percent(v.percent)
        if v.kind == "money" and v.money is not None:
            return self.money(v.money)
        if v.kind == "date" and v.date is not None:
            return self.date(v.date)
        if v.kind == "text" and v.text is not None:
            return self.text(v.text)
        if v.kind == "span" and v.span is not None:
            return self.span(v.span)
        raise ValueError(f"a {v.kind} value without its data")

    def number(self, n: int | Decimal) -> str:
        from babel.numbers import format_decimal

        return format_decimal(n, locale=self.locale, decimal_quantization=False)

    def percent(self, p: Decimal) -> str:
        """`99.95` → "99.95%", keeping the digits the contract wrote (`99.0%`)."""
        from babel.numbers import format_percent

        exponent = p.as_tuple().exponent if isinstance(p, Decimal) else 0
        places = max(0, -exponent) if isinstance(exponent, int) else 0  # 'n', 'N', 'F': not a finite number
        pattern = "#,##0" + ("." + "0" * places if places else "") + "%"
        return format_percent(Decimal(p) / 100, format=pattern, locale=self.locale, decimal_quantization=True)

    def money(self, m: Money) -> str:
        """Money as a lawyer writes it, never a bare symbol (¥ is also the
        yen's): English "CNY 1,200.00" (Babel's ISO-code pattern); Chinese
        "人民币 1,200.00 元", another currency "1,200.00 美元"."""
        from babel.numbers import format_currency

        if self.lang == "zh":
            number = self.amount(m.amount, m.currency)
            if m.currency == "CNY":
                return f"人民币 {number} 元"
            return f"{number} {self.currency_name(m.currency)}"
        return format_currency(m.amount, m.currency, format="¤¤\xa0#,##0.00", locale=self.locale, currency_digits=True)

    def amount(self, amount: Decimal, currency: str) -> str:
        """Money without its symbol, for tables whose header names the currency."""
        from babel.numbers import format_decimal, get_currency_precision

        digits = get_currency_precision(currency)
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(amount, format=pattern, locale=self.locale, decimal_quantization=True)

    def currency_name(self, currency: str) -> str:
        from babel.numbers import get_currency_name

        return get_currency_name(currency, locale=self.locale)

    def date(self, d: dt.date) -> str:
        from babel.dates import format_date

        return format_date(d, "long", locale=self.locale)

    def _unit(self, count: int, unit: str) -> str:
        if unit in ("bd", "bh", "cd"):
            forms = self.raw(f"units.{unit}")
            form = forms.get(self.locale.plural_form(count), forms["other"])
            return form.replace("{n}", self.number(count))
        from babel.units import format_unit

        words = format_unit(count, _BABEL_UNIT[unit], length="long", locale=self.locale)
        num = self.number(count)
        if words.startswith(num) and not words[len(num) :].startswith(" "):
            # Babel writes "15分钟"; the letter spaces numbers from words ("15 分钟").
            words = num + self.raw("units.sep") + words[len(num) :].lstrip()
        return words

    def _join_units(self, parts: list[str]) -> str:
        if len(parts) == 1:
            return parts[0]
        return self.raw("units.join").join(parts[:-1]) + self.raw("units.join_last") + parts[-1]

    def duration(self, d: Duration) -> str:
        """A duration as the contract spelled it: `1bd4bh` → "1 business day and 4 business hours"."""
        parts = [self._unit(int(n), u) for n, u in DURATION_PART.findall(d.spelling)]
        if not parts:
            raise ValueError(f"cannot read the duration {d.spelling!r}")
        return self._join_units(parts)

    def limit(self, d: Duration) -> str:
        """A time limit or cadence: like `duration`, but a wall clock's `d` is
        said as calendar days ("2 calendar days" / "2 个自然日"), as the
        engine counts it (the same local time that many days later)."""
        found = DURATION_PART.findall(d.spelling)
        parts = [self._unit(int(n), "cd" if u == "d" and calendar_days(d) else u) for n, u in found]
        if not parts:
            raise ValueError(f"cannot read the duration {d.spelling!r}")
        if calendar_days(d) and len(parts) > 1 and found[0][1] == "d":
            # "4 个自然日又 12 小时": the days, then the time added to them.
            return parts[0] + self.raw("units.days_then") + self._join_units(parts[1:])
        return self._join_units(parts)

    def per(self, d: Duration) -> str:
        """The step of a ladder: "each 30 minutes", but "each full hour", not "1 hour"."""
        text = self.duration(d)
        one = self.number(1) + " "
        if self.raw("units").get("drop_one") and text.startswith(one) and len(DURATION_PART.findall(d.spelling)) == 1:
            return text[len(one) :]
        return text

    def wall_seconds(self, seconds: int) -> str:
        """Elapsed time in the largest whole units: 5400 → "1 hour and 30 minutes"."""
        days, rest = divmod(seconds, 86400)
        hours, rest = divmod(rest, 3600)
        minutes = rest // 60
        parts = [self._unit(n, u) for n, u in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
        return self._join_units(parts or [self._unit(0, "m")])

    def span(self, s: CalendarSpan) -> str:
        return self._unit(s.count, s.unit)

    def every(self, x: Duration | CalendarSpan) -> str:
        """ "every 30 minutes" / "每 30 分钟"; a count of one is "every hour" / "每小时"."""
        if isinstance(x, CalendarSpan):
            if x.count == 1:
                return self.raw(f"every.one.{x.unit}")
            return self.say("every.pattern", span=self.span(x))
        parts = DURATION_PART.findall(x.spelling)
        if len(parts) == 1 and parts[0][0] == "1":
            unit = "cd" if parts[0][1] == "d" and calendar_days(x) else parts[0][1]
            return self.raw(f"every.one.{unit}")
        return self.say("every.pattern", span=self.limit(x))

    def claim_span(self, s: ClaimSpan) -> str:
        """A claim window's length: "60 days", "10 business days", "2 months"."""
        return self._unit(s.count, {"days": "d", "business_days": "bd", "months": "month"}[s.unit])

    def ordinal(self, n: int) -> str:
        """5 → "5th" (English); languages without ordinal suffixes say it in the sentence."""
        forms = self.raw("ordinal")
        form = forms.get(self.locale.ordinal_form(n), forms["other"])
        return form.replace("{n}", self.number(n))

    def resource(self, kind: str) -> str:
        """A resource kind (`per instance`) in this language: "instance" / "实例"; a kind
        the catalogue does not know is shown as the contract names it."""
        known = self.raw("availability.resource")
        return known.get(kind, kind.replace("_", " "))

    def listing(self, items: Iterable[str]) -> str:
        items = list(items)
        if "list_separator" in self.cat:
            return self.cat["list_separator"].join(items)
        from babel.lists import format_list

        return format_list(items, locale=self.locale) if items else ""

    def clauses(self, items: list[str]) -> str:
        """Chain sentence clauses: "A, B and C" / "A，B，并C"."""
        if len(items) <= 1:
            return "".join(items)
        return self.raw("join.clauses").join(items[:-1]) + self.raw("join.last_clause") + items[-1]

    # ------------------------------------------------------------ calendars
    def day_name(self, weekday: int) -> str:
        from babel.dates import get_day_names

        # 周一 / Monday
        return get_day_names("abbreviated" if self.lang == "zh" else "wide", locale=self.locale)[weekday]

    def _day_runs(self, by_day: dict[int, tuple]) -> list[tuple[list[int], tuple]]:
        """Consecutive weekdays with the same hours, in week order."""
        runs: list[tuple[list[int], tuple]] = []
        for day in sorted(by_day):
            if runs and runs[-1][0][-1] == day - 1 and runs[-1][1] == by_day[day]:
                runs[-1][0].append(day)
            else:
                runs.append(([day], by_day[day]))
        return runs

    def _days(self, days: list[int], each: bool = False) -> str:
        if len(days) == 7:
            return self.raw("weekdays.every_day")
        if len(days) >= 3:
            key = "weekdays.each_range" if each else "weekdays.range"
            return self.say(key, first=self.day_name(days[0]), last=self.day_name(days[-1]))
        if each:
            return self.listing(self.say("weekdays.each", day=self.day_name(d)) for d in days)
        return self.listing(self.day_name(d) for d in days)

    def weekly(self, windows: Iterable[WeeklyWindow], each: bool = False) -> str:
        """`mon..fri 09:00-12:00, 13:00-18:00` → "周一至周五 09:00–12:00、13:00–18:00"."""
        by_day: dict[int, list[str]] = {}
        for w in windows:
            by_day.setdefault(w.weekday, []).append(f"{clock_time(w.start_minute)}–{clock_time(w.end_minute)}")
        runs = self._day_runs({d: tuple(v) for d, v in by_day.items()})
        sep = self.raw("weekdays.hours_sep")
        return self.raw("join.semicolons").join(
            self.say("weekdays.window", days=self._days(days, each), times=sep.join(times)) for days, times in runs
        )

    def timezone(self, iana: str) -> str:
        from babel.dates import get_timezone_name

        # The name a contract in this language uses (北京时间), where Babel's differs.
        own = self.cat.get("timezone_names", {}).get(iana)
        if own:
            return own
        try:
            return get_timezone_name(iana, "long", locale=self.locale)
        except Exception:  # Babel has no name for it: the IANA name alone is exact
            return iana

    def zone(self, iana: str, start: dt.date, end: dt.date) -> str:
        """A time zone as the letter states it: its name and IANA name, and,
        for a zone with summer time during the term, both UTC offsets
        ("German time (Europe/Berlin: UTC+1, or UTC+2 while summer time
        applies)"), computed from zoneinfo for the term."""
        offsets = zone_offsets(iana, start, end)
        name = self.timezone(iana)
        if offsets is None:
            return self.say("zone.plain", name=name, iana=iana)
        standard, summer = offsets
        dst = "summer" if iana.startswith("Europe/") else "daylight"
        return self.say(
            "zone.dst",
            name=name,
            iana=iana,
            standard=utc_offset(standard),
            summer=utc_offset(summer),
            dst=self.raw(f"zone.dst_names.{dst}"),
        )

    def holiday_set(self, code: str) -> str:
        """A holiday set named as itself: a subdivision as the subdivision
        ("bank holidays in England" / "英格兰法定假日"), a country as its
        public holidays; the catalogue's names first, then the `holidays`
        package's subdivision name, then the ISO 3166-2 code."""
        key = holiday_set_name(code)
        own = self.raw("hours.set_names").get(key)
        if own:
            return str(own)
        country, _, subdiv = holiday_set_code(code).partition("-")
        name = self.locale.territories.get(country, country)
        if not subdiv:
            if country in self.raw("hours").get("the_countries", ()):
                name = "the " + name
            return self.say("hours.set_country", country=name)
        sub_name = self.raw("hours.subdivision_names").get(f"{country.lower()}-{subdiv.lower()}")
        if sub_name is None and self.lang == "en":
            sub_name = _package_subdivision_name(country, subdiv)
        if sub_name is None:
            return self.say("hours.set_subdivision_code", country=name, code=f"{country}-{subdiv}")
        return self.say("hours.set_subdivision", country=name, subdivision=sub_name)

    def short_date(self, d: dt.date) -> str:
        """A date without its year ("1 Jan" / "1月1日"), for lists of one year's dates."""
        from babel.dates import format_date

        return format_date(d, self.raw("short_date"), locale=self.locale)

    def plan(self, title: str) -> str:
        """A plan by its title, as the language names one: "the Standard plan" / "标准版"."""
        suffix = self.cat["plan"].get("suffix", "")
        if suffix and title.casefold().endswith(suffix.strip().casefold()):
            return self.say("plan.titled", plan=title)
        return self.say("plan.name", plan=title)

    def section_number(self, n: int) -> str:
        shown = chinese_numeral(n) if self.raw("numerals") == "chinese" else str(n)
        return self.raw("section_number").replace("{n}", shown)
