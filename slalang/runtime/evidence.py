"""Reading duty evidence from CSV or JSON Lines (`slalang duties --evidence`).

Columns (CSV header names, or JSON object keys):
  duty      a duty's or a service target's name (as in the rule file)   required
  date      YYYY-MM-DD, or an ISO instant (its date in the contract's
            timezone; without an offset it is local time there)          required
  evidence  a reference to the proof: report number, URL, file name —
            text, never opened or fetched                                required
  value     a decimal, for a service target only: `75`, or `0.4%` for a
            target written as a percentage
  note      free text, shown with the row

Every row that does not count is reported with its line and why, never
dropped silently: an unknown name (with the nearest names), a bad date or
one outside the term, no evidence reference (the performance is not proven:
a period without proof stays overdue), a value on a duty, no value (or one
that is not a number, or without or with a `%` it should not have) on a
target, an over-long field. Those are *bad rows*. Two rows for one duty and
date count once, and evidence dated after the instant judged does not count
at it (it did not exist yet): those are *notes*, and the run goes on.

The input is untrusted: each text field is bounded (`MAX_NAME`, `MAX_TEXT`
characters), values are bounded decimals, and the number of rows is bounded
(`MAX_ROWS`); text is kept as given and escaped only where it is printed."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO

from slalang.runtime.duties import Record, Tracker
from slalang.runtime.engine import TicketError
from slalang.runtime.tickets import InstantParser, RowError, rows

EVIDENCE_COLUMNS = ("duty", "date", "evidence", "value", "note")
REQUIRED = ("duty", "date", "evidence")
MAX_NAME = 200  # characters of a duty name
MAX_TEXT = 2000  # characters of an evidence reference or a note
MAX_ROWS = 1_000_000


@dataclass(slots=True)
class Issue:
    """A row that does not count (`note` False: a bad row) or counts with a
    remark (`note` True). `key` names the message under `cli.duties.` in the
    catalogue; `english` is the same message."""

    line: int
    column: str | None
    key: str
    english: str
    fields: dict = field(default_factory=dict)
    note: bool = False

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column `{self.column}`" if self.column else "")
        return f"{where}: {self.english}"


def _issue(line: int, column: str | None, key: str, english: str, note: bool = False, **fields) -> Issue:
    return Issue(line, column, key, english, fields, note)


class EvidenceError(Exception):
    """The file cannot be read as evidence at all (a header without the
    required columns, an unknown column, too many rows)."""

    def __init__(self, key: str, english: str, **fields) -> None:
        super().__init__(english)
        self.key, self.english, self.fields = key, english, fields


def _text(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, str | int | float):
        return str(v)
    s = str(v).strip()
    return s or None


def _value(v, percent: bool) -> Decimal | None:
    """A measured value: a bounded decimal, with `%` exactly when the target
    is a percentage. None when it is not one."""
    if isinstance(v, bool):
        return None
    text = str(v).strip()
    if text.endswith("%") != percent:
        return None
    text = text.removesuffix("%").strip()
    if not text or len(text) > 40:
        return None
    try:
        d = Decimal(text)
    except InvalidOperation:
        return None
    if not d.is_finite() or d.adjusted() >= 15 or int(d.as_tuple().exponent) < -12:
        return None
    return d


class EvidenceReader:
    """Rows of an evidence file → `Record`s that count and `Issue`s."""

    def __init__(self, tracker: Tracker, at_date: dt.date):
        self.tracker = tracker
        self.at_date = at_date
        self.instant = InstantParser(tracker.tz)
        self.names = tracker.names()
        self._seen: dict[tuple[str, dt.date], int] = {}  # (duty, date) → first line

    def _day(self, v) -> dt.date | None:
        text = _text(v)
        if text is None:
            return None
        if len(text) == 10:
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                return None
        if text.isdigit() or len(text) > 40:
            return None  # epoch seconds or noise: a date column takes dates
        try:
            return self.tracker.local_date(self.instant(text, "date"))
        except TicketError:
            return None

    def read(self, fh: IO[str], jsonl: bool | None = None) -> Iterator[Record | Issue | RowError]:
        """Each row as a `Record` (it counts), an `Issue` (a bad row or a
        note; a note's row may also count and then comes first as a Record)
        or a `RowError` (unreadable). Raises `EvidenceError` for a file that
        is not evidence, `TicketError` for a bad CSV header."""
        count = 0
        for item in rows(fh, EVIDENCE_COLUMNS, REQUIRED, jsonl):
            count += 1
            if count > MAX_ROWS:
                raise EvidenceError("evidence.too_many_rows", f"has more than {MAX_ROWS:,} rows", limit=f"{MAX_ROWS:,}")
            if isinstance(item, RowError):
                yield item
                continue
            yield from self._row(*item)

    def _row(self, n: int, row: dict) -> Iterator[Record | Issue]:
        t = self.tracker
        name = _text(row.get("duty"))
        if name is None:
            yield _issue(n, "duty", "evidence.no_duty", "the row names no duty")
            return
        if len(name) > MAX_NAME:
            yield _issue(n, "duty", "evidence.too_long", f"longer than {MAX_NAME} characters", limit=MAX_NAME)
            return
        duty, target = t.duties.get(name), t.targets.get(name)
        if duty is None and target is None:
            near = difflib.get_close_matches(name, self.names, n=1, cutoff=0.6)
            if near:
                yield _issue(
                    n,
                    "duty",
                    "evidence.unknown_duty_near",
                    f"`{name}` is not a duty or target of the contract; did you mean `{near[0]}`?",
                    name=name,
                    near=near[0],
                )
            else:
                yield _issue(
                    n,
                    "duty",
                    "evidence.unknown_duty",
                    f"`{name}` is not a duty or target of the contract (known: {', '.join(self.names) or 'none'})",
                    name=name,
                    known=self.names,
                )
            return
        raw_date = row.get("date")
        day = self._day(raw_date)
        if day is None:
            shown = _text(raw_date) or ""
            yield _issue(
                n,
                "date",
                "evidence.bad_date",
                f"`{shown[:40]}` is not a date; write 2026-03-31 (or an instant such as 2026-03-31T10:00+08:00)",
                value=shown[:40],
            )
            return
        if not t.start <= day <= t.end:
            yield _issue(
                n,
                "date",
                "evidence.outside_term",
                f"{day.isoformat()} is outside the term ({t.start.isoformat()} to {t.end.isoformat()})",
                date=day.isoformat(),
                start=t.start.isoformat(),
                end=t.end.isoformat(),
            )
            return
        ref = _text(row.get("evidence"))
        if ref is None:
            yield _issue(
                n,
                "evidence",
                "evidence.no_reference",
                "no evidence reference: the row does not count (a performance without proof is not done)",
            )
            return
        note = _text(row.get("note"))
        for col, text in (("evidence", ref), ("note", note)):
            if text is not None and len(text) > MAX_TEXT:
                yield _issue(n, col, "evidence.too_long", f"longer than {MAX_TEXT} characters", limit=MAX_TEXT)
                return
        raw_value = _text(row.get("value"))
        value = None
        if duty is not None:
            if raw_value is not None:
                yield _issue(
                    n,
                    "value",
                    "evidence.value_on_duty",
                    f"`{name}` is a duty: it has no measured value (leave `value` empty)",
                    name=name,
                )
                return
        else:
            assert target is not None  # one of the two, checked above
            if raw_value is None:
                yield _issue(
                    n,
                    "value",
                    "evidence.no_value",
                    f"`{name}` is a service target: the row needs its measured `value`",
                    name=name,
                )
                return
            value = _value(raw_value, target.percent)
            if value is None:
                key = "evidence.bad_percent" if target.percent else "evidence.bad_value"
                example = "0.4%" if target.percent else "75"
                yield _issue(
                    n,
                    "value",
                    key,
                    f"`{raw_value[:40]}` is not a value for `{name}`; write e.g. {example}",
                    value=raw_value[:40],
                    name=name,
                    example=example,
                )
                return
        if day > self.at_date:
            yield _issue(
                n,
                "date",
                "evidence.after_at",
                f"{day.isoformat()} is after the date judged ({self.at_date.isoformat()}): it does not count yet",
                date=day.isoformat(),
                at=self.at_date.isoformat(),
                note=True,
            )
            return
        first = self._seen.get((name, day))
        if first is None:
            self._seen[(name, day)] = n
        elif duty is not None:
            yield _issue(
                n,
                "date",
                "evidence.duplicate",
                f"`{name}` already has evidence dated {day.isoformat()} (line {first}): a date counts once",
                name=name,
                date=day.isoformat(),
                first=first,
                note=True,
            )
            return
        else:
            yield Record(n, name, day, ref, value, note)
            yield _issue(
                n,
                "date",
                "evidence.remeasured",
                f"`{name}` was also measured on {day.isoformat()} (line {first}): the later row counts",
                name=name,
                date=day.isoformat(),
                first=first,
                note=True,
            )
            return
        yield Record(n, name, day, ref, value, note)
