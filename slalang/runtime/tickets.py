"""Reading tickets and downtime from CSV or JSON Lines, one row at a time.

Ticket columns (CSV header names, or JSON object keys):
  id, priority, opened_at                      required
  first_response_at, resolved_at, followup_at  optional instants
  product, region, plan, exclusion             optional names/codes
  FLAG      one column per flag the contract declares (`scope { flag … }`):
            true/false, yes/no, 1/0, 是/否 (any case); empty = false
  START     one column per clock start a matrix names (`from triaged_at`):
            an instant; empty = not happened yet (that clock has not started)
  updates   instants separated by `;` (JSON: a list)
  pauses    `start/end` pairs separated by `;` (JSON: a list of [start, end])
Downtime columns (`--downtime`): product, resource, start, end, exclusion,
notified_at — or product, resource, period (`2026-03`, `2026-Q1`, `2026`),
availability (a percentage) for a given figure — or, for a target measured
by request buckets, product, resource, start, requests, errors (or
error_rate, a percentage). `resource` names the instance (cluster, region…)
of a target measured per resource, and must be empty otherwise.
Charges columns (`--charges`): product, resource, period, amount.
Claims columns (`--claims`): product, resource, period, claimed_on (a date
or an instant).

A ticket input without a `first_response_at` (or `resolved_at`) column
leaves that metric not measured — so does one without a flag column that a
conditional row needs, or without a clock-start column; an empty cell in a present column means it
has not happened. In JSON Lines each object's keys are its columns: an
object without `first_response_at` does not measure its response, one with
`"first_response_at": null` has not been answered.

An instant is ISO 8601 (`2026-01-05T09:30:00+08:00`, `…Z`, or without an
offset: then it is local time in the contract's timezone) or integer epoch
seconds, from 1970-01-01 to 2200-12-31 (`INSTANT_FIRST`, `INSTANT_LAST`).
Rows are yielded as they are read (a generator), so memory does not grow
with the file; a bad row becomes a `RowError` naming its line and column,
and reading goes on.

The input is untrusted (docs/security.md). It is read as bytes, one
physical line at a time, each decoded on its own: invalid UTF-8 is a bad
row naming its line and byte, never the end of the run. Bounds: a physical
line of at most `MAX_LINE_BYTES`, a cell of at most `MAX_CELL` characters,
at most `MAX_COLUMNS` columns, no NUL character; a CSV record (a quoted cell
may hold newlines) spans at most `MAX_RECORD_LINES` lines and
`MAX_LINE_BYTES` bytes. A quote that is never closed — or that would make
the following rows one cell — is a bad row at the line it opens on, and
reading resumes at the next physical line, so one stray `"` loses one row,
not the rest of the file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO

from slalang.ruleschema import Problem
from slalang.runtime.engine import Ticket, TicketError

MAX_LINE_BYTES = 64 * 1024  # one physical line, and one CSV record
MAX_RECORD_LINES = 100  # physical lines one CSV record may span (a quoted cell with newlines)
MAX_CELL = 16 * 1024  # characters of one cell (an `updates` cell holds ~650 instants)
MAX_COLUMNS = 256
MAX_LIST = 10_000  # items of a JSON list (updates, pauses)
SHOWN = 80  # characters of a value quoted in a message
YEAR_FIRST, YEAR_LAST = 1970, 2200
INSTANT_FIRST = 0  # 1970-01-01T00:00:00Z
INSTANT_LAST = 7289654399  # 2200-12-31T23:59:59Z
_RANGE = {"first": "1970-01-01", "last": "2200-12-31"}
_BOM = b"\xef\xbb\xbf"
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_SECONDS = {f"{i:02d}": i for i in range(60)}  # the seconds of a local instant, as spelled


def shown(value: object, limit: int = SHOWN) -> str:
    """A value from the data as quoted in a message: at most `limit`
    characters (then `…`). Escaping for the terminal is the printer's job."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        text = f"a number of {len(str(value)) if value.bit_length() < 13_000 else 'thousands of'} digits"
    else:
        text = repr(value) if isinstance(value, float) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


TICKET_COLUMNS = (
    "id",
    "priority",
    "product",
    "region",
    "opened_at",
    "first_response_at",
    "resolved_at",
    "updates",
    "pauses",
    "exclusion",
    "followup_at",
    "plan",
)
DOWNTIME_COLUMNS = (
    "product",
    "resource",
    "start",
    "end",
    "exclusion",
    "notified_at",
    "period",
    "availability",
    "requests",
    "errors",
    "error_rate",
)
CHARGES_COLUMNS = ("product", "resource", "period", "amount")
CLAIMS_COLUMNS = ("product", "resource", "period", "claimed_on")


@dataclass(slots=True)
class RowError:
    line: int  # 1-based line of the file
    column: str | None
    message: str
    ticket_id: str | None = None
    key: str | None = None  # the message in the catalogue (see slalang.ruleschema.Problem)
    fields: dict | None = None

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column `{self.column}`" if self.column else "")
        return f"{where}: {self.message}"


class InstantParser:
    """ISO 8601 text or epoch seconds → epoch seconds; naive = contract zone."""

    def __init__(self, tz: dt.tzinfo):
        self.tz = tz
        self._dst: dict[tuple[int, int, int, int, int], str | None] = {}  # local minute → gap/fold/None
        # The fast path (`__call__`): the parts of the instants read so far,
        # each stored only once a whole instant holding it parsed the slow way
        # and the part is in its canonical spelling, so a hit parses exactly
        # as `datetime.fromisoformat` would (see `_learn`).
        self._days: dict[str, int] = {}  # "YYYY-MM-DD" (1970–2200) → epoch seconds of its midnight, naive
        self._clock: dict[str, int] = {}  # "HH:MM:SS+HH:MM" or "HH:MM:SSZ" → seconds after midnight UTC
        self._minutes: dict[str, int] = {}  # "YYYY-MM-DDTHH:MM" local → the instant of its second 0

    def _local_problem(self, d: dt.datetime) -> str | None:
        """`gap` when a local time does not exist in the contract's zone (the
        clocks jumped over it), `fold` when it occurs twice, else None; cached
        per local minute (rows cluster in time)."""
        key = (d.year, d.month, d.day, d.hour, d.minute)
        got = self._dst.get(key, 0)
        if got != 0:
            return got  # type: ignore[return-value]
        m = d.replace(second=0, microsecond=0)
        a, b = m.replace(tzinfo=self.tz, fold=0), m.replace(tzinfo=self.tz, fold=1)
        problem = None
        if a.utcoffset() != b.utcoffset():
            # A skipped time does not survive the round trip through UTC; a repeated one does.
            back = a.astimezone(dt.UTC).astimezone(self.tz).replace(tzinfo=None)
            problem = "gap" if back != m else "fold"
        if len(self._dst) < 100_000:
            self._dst[key] = problem
        return problem

    def __call__(self, text, column: str) -> int:
        if isinstance(text, int) and not isinstance(text, bool):
            return self._epoch(text, column)
        if not isinstance(text, str):
            raise TicketError(
                column,
                f"expected an instant like 2026-01-05T09:30:00+08:00, got {shown(text)}",
                key="instant.not_text",
                fields={"value": shown(text)},
            )
        return self.text(text.strip(), column)

    def text(self, s: str, column: str) -> int:
        """`__call__` for text already stripped (a CSV cell). The usual
        spellings, `2026-01-05T09:30:00+08:00`, `…Z` and local
        `2026-01-05T09:30:00`, are read from the parts already seen (three
        lookups instead of a parse and a timestamp, once half of reading a
        row); anything else the general way (`_parse`)."""
        clock = self._clock.get(s[11:])
        if clock is not None:  # then s has 20 or 25 characters
            day = self._days.get(s[:10])
            if day is not None and s[10] == "T":
                n = day + clock
                if not INSTANT_FIRST <= n <= INSTANT_LAST:
                    raise self._range_error(s, column)
                return n
        elif len(s) == 19:
            m0 = self._minutes.get(s[:16])
            sec = _SECONDS.get(s[17:])
            if m0 is not None and sec is not None and s[16] == ":":
                n = m0 + sec
                if not INSTANT_FIRST <= n <= INSTANT_LAST:
                    raise self._range_error(s, column)
                return n
        n = self._parse(s, column)
        if (len(s) == 25 or len(s) == 20 or len(s) == 19) and s[10] == "T":
            self._learn(s, n)
        return n

    def _learn(self, s: str, n: int) -> None:
        """Keep the parts of `s`, an instant that parsed to `n` the slow way,
        for the fast path: each only in its canonical spelling (what
        `isoformat` writes back), so a combination of kept parts is an
        instant `fromisoformat` reads to the same fields; a local minute only
        when its 60 seconds are one stretch of one UTC offset."""
        if len(self._days) > 200_000 or len(self._clock) > 200_000 or len(self._minutes) > 200_000:
            return
        d = dt.datetime.fromisoformat(s)
        if d.microsecond or d.date().isoformat() != s[:10] or d.time().isoformat() != s[11:19]:
            return
        if d.tzinfo is None:
            m = d.replace(second=0, tzinfo=self.tz)
            m0 = int(m.timestamp())
            if int(m.replace(second=59).timestamp()) - m0 == 59 and m0 + d.second == n:
                self._minutes[s[:16]] = m0
            return
        offset = d.utcoffset()
        tail = s[19:]
        if offset is None or offset.microseconds or not (tail == "Z" or (len(tail) == 6 and tail[0] in "+-")):
            return
        day = (d.toordinal() - _EPOCH_ORDINAL) * 86400
        tod = d.hour * 3600 + d.minute * 60 + d.second
        off = offset.days * 86400 + offset.seconds
        if day + tod - off != n:
            return
        self._days[s[:10]] = day
        self._clock[s[11:]] = tod - off

    def _parse(self, s: str, column: str) -> int:
        """`s` (stripped text) the general way: epoch digits or ISO 8601."""
        if s.isascii() and s.isdigit():  # str.isdigit() also takes '²' and '٣'
            # More digits than any epoch second up to 2200 has: refused before
            # int() (a 4,301-digit number would not even convert).
            if len(s) > 12:
                raise self._epoch_error(s, column)
            return self._epoch(int(s), column)
        d = None
        if len(s) <= 40:  # the longest ISO 8601 instant is 32 characters
            try:
                d = dt.datetime.fromisoformat(s)
            except ValueError:
                pass
        if d is None:
            raise TicketError(
                column,
                f"`{shown(s)}` is not an instant; write e.g. 2026-01-05T09:30:00+08:00 "
                "(or without the offset for the contract's local time)",
                key="instant.bad",
                fields={"value": shown(s)},
            )
        if not YEAR_FIRST <= d.year <= YEAR_LAST:
            raise self._range_error(s, column)
        if d.tzinfo is None:
            # A local time the clocks skip or repeat (a DST change) names no
            # single instant: the row must say which, with its offset.
            problem = self._local_problem(d)
            if problem == "gap":
                raise TicketError(
                    column,
                    f"`{s}` does not exist in the contract's timezone (the clocks skip it)",
                    key="instant.dst_gap",
                    fields={"value": s},
                )
            if problem == "fold":
                raise TicketError(
                    column,
                    f"`{s}` occurs twice in the contract's timezone (the clocks go back)",
                    key="instant.dst_fold",
                    fields={"value": s},
                )
            d = d.replace(tzinfo=self.tz)
        try:
            n = int(d.timestamp())
        except (OverflowError, ValueError):
            raise self._range_error(s, column) from None
        if not INSTANT_FIRST <= n <= INSTANT_LAST:
            raise self._range_error(s, column)
        return n

    @staticmethod
    def _range_error(s: str, column: str) -> TicketError:
        return TicketError(
            column,
            f"`{s}` is outside the instants slalang reads ({_RANGE['first']} to {_RANGE['last']}, UTC)",
            key="instant.out_of_range",
            fields={"value": s, **_RANGE},
        )

    @staticmethod
    def _epoch_error(value: object, column: str) -> TicketError:
        v = shown(value)
        return TicketError(
            column,
            f"{v} is not an instant in epoch seconds from {_RANGE['first']} to {_RANGE['last']} "
            "(milliseconds? divide by 1000)",
            key="instant.epoch",
            fields={"value": v, **_RANGE},
        )

    @classmethod
    def _epoch(cls, n: int, column: str) -> int:
        # Epoch seconds from 1970 to 2200: anything else is a typo
        # (milliseconds, a row number) or beyond what the runtime reads.
        if not INSTANT_FIRST <= n <= INSTANT_LAST:
            raise cls._epoch_error(n, column)
        return n


def _opt(row: dict, key: str):
    v = row.get(key)
    if v is None or v == "":
        return None
    if v.__class__ is str:
        v = v.strip()
        return v or None
    return v


_INSTANT_KEYS = frozenset({"first_response_at", "resolved_at", "followup_at"})
_NAME_KEYS = frozenset({"product", "region", "exclusion", "plan"})
_TRUE = frozenset({"true", "yes", "1", "是"})
_FALSE = frozenset({"false", "no", "0", "否"})
_REQUIRED = frozenset({"id", "priority", "opened_at"})


def _flag(v, name: str) -> bool:
    if v is None or v is False or v is True:
        return bool(v)
    if isinstance(v, int) and v in (0, 1):
        return bool(v)
    text = str(v).strip().lower()
    if text in _TRUE:
        return True
    if not text or text in _FALSE:
        return False
    raise TicketError(
        name,
        f"`{shown(v)}` is not a yes/no value for flag `{name}`; write true/false, yes/no, 1/0 or 是/否 (empty: no)",
        key="ticket.bad_flag",
        fields={"value": shown(v), "flag": name},
    )


def ticket_from_row(
    row: dict, instant: InstantParser, flags: frozenset[str] = frozenset(), starts: frozenset[str] = frozenset()
) -> Ticket:
    """A ticket from one row; `flags` and `starts` are the contract's flag
    and clock-start columns (see the module docstring)."""
    tid = _opt(row, "id")
    if tid is None:
        raise TicketError("id", "the ticket has no id", key="ticket.no_id")
    prio = _opt(row, "priority")
    if prio is None:
        raise TicketError("priority", "the ticket has no priority", key="ticket.no_priority")
    opened = _opt(row, "opened_at")
    if opened is None:
        raise TicketError("opened_at", "the ticket has no opening time", key="ticket.no_opened_at")
    t = Ticket(str(tid), str(prio), instant(opened, "opened_at"))
    if starts:
        # A present column, even empty, is measured: empty = the clock has not started.
        t.instants = {k: None for k in starts if k in row}
    on: list[str] | None = None
    # Only the fields the row has, in one pass (this runs once per ticket).
    for key, v in row.items():
        if v is None or v == "" or key in _REQUIRED:
            continue
        if v.__class__ is str:
            v = v.strip()
            if not v:
                continue
        if key in _INSTANT_KEYS:
            setattr(t, key, instant(v, key))
        elif key in _NAME_KEYS:
            setattr(t, key, str(v))
        elif key == "updates":
            if not isinstance(v, (list, str)):
                raise TicketError(
                    "updates", "expected instants separated by `;` (JSON: a list of instants)", key="ticket.bad_updates"
                )
            items = v if isinstance(v, list) else [u for u in v.split(";") if u.strip()]
            t.updates = tuple(instant(u, "updates") for u in items)
        elif key == "pauses":
            t.pauses = _pauses(v, instant)
        elif key in flags:
            if _flag(v, key):
                if on is None:
                    on = []
                on.append(key)
        elif key in starts:
            assert t.instants is not None  # set above when there are start columns
            t.instants[key] = instant(v, key)
    if on:
        t.flags = frozenset(on)
    return t


_INSTANT, _NAME, _UPDATES, _PAUSES, _FLAG, _START = range(6)


class _CsvTickets:
    """`ticket_from_row` for the records of one CSV header: the columns
    resolved once into indexes and what each holds, so a record (its list of
    cells) becomes a `Ticket` with no dict and no name lookups. Cells are read
    in header order, as `ticket_from_row` reads a row's items, so the first
    bad cell of a row is the one named."""

    def __init__(self, names: Sequence[str], flags: frozenset[str], starts: frozenset[str]) -> None:
        self.names = list(names)
        self.i_id, self.i_priority, self.i_opened = (self.names.index(k) for k in ("id", "priority", "opened_at"))
        self.flags, self.starts = flags, starts
        # A present column, even empty, is measured (in the order `ticket_from_row` makes them).
        self.present_starts = tuple(k for k in starts if k in self.names)
        plan = []
        for i, key in enumerate(self.names):
            if key in _REQUIRED:
                continue
            if key in _INSTANT_KEYS:
                kind = _INSTANT
            elif key in _NAME_KEYS:
                kind = _NAME
            elif key == "updates":
                kind = _UPDATES
            elif key == "pauses":
                kind = _PAUSES
            elif key in flags:
                kind = _FLAG
            elif key in starts:
                kind = _START
            else:
                continue
            plan.append((i, kind, key))
        self.plan = tuple(plan)

    def __call__(self, rec: list[str], instant: InstantParser) -> Ticket:
        tid, prio, opened = rec[self.i_id].strip(), rec[self.i_priority].strip(), rec[self.i_opened].strip()
        if not (tid and prio and opened):  # the error `ticket_from_row` gives
            return ticket_from_row(dict(zip(self.names, rec)), instant, self.flags, self.starts)
        text = instant.text  # the cells are stripped text
        t = Ticket(tid, prio, text(opened, "opened_at"))
        if self.starts:
            t.instants = dict.fromkeys(self.present_starts)
        on: list[str] | None = None
        for i, kind, key in self.plan:
            v = rec[i]
            if not v:
                continue
            v = v.strip()
            if not v:
                continue
            if kind == _INSTANT:
                setattr(t, key, text(v, key))
            elif kind == _NAME:
                setattr(t, key, v)
            elif kind == _UPDATES:
                t.updates = tuple(text(u.strip(), "updates") for u in v.split(";") if u.strip())
            elif kind == _PAUSES:
                t.pauses = _pauses(v, instant)
            elif kind == _FLAG:
                if _flag(v, key):
                    if on is None:
                        on = []
                    on.append(key)
            else:
                assert t.instants is not None  # set above when there are start columns
                t.instants[key] = text(v, key)
        if on:
            t.flags = frozenset(on)
        return t


def _pauses(ps, instant: InstantParser) -> tuple[tuple[int, int], ...]:
    pairs = []
    parts: Sequence[object]  # text, or JSON values
    if not isinstance(ps, (list, str)):
        raise TicketError(
            "pauses",
            "expected START/END pairs separated by `;` (JSON: a list of [start, end])",
            key="ticket.bad_pauses",
        )
    items = ps if isinstance(ps, list) else [p for p in ps.split(";") if p.strip()]
    for p in items:
        if isinstance(p, str):
            parts = p.split("/")
        elif isinstance(p, dict):
            parts = [p.get("start"), p.get("end")]
        elif isinstance(p, list):
            parts = p
        else:
            parts = []
        if len(parts) != 2 or parts[0] is None or parts[1] is None:
            raise TicketError(
                "pauses",
                f"`{shown(p)}` is not a pause; write START/END, e.g. 2026-01-05T10:00+08:00/2026-01-05T11:00+08:00",
                key="ticket.bad_pause",
                fields={"value": shown(p)},
            )
        pairs.append((instant(parts[0], "pauses"), instant(parts[1], "pauses")))
    return tuple(pairs)


def _sniff_jsonl(fh) -> bool:
    head = fh.buffer.peek(64)[:64] if hasattr(fh, "buffer") and hasattr(fh.buffer, "peek") else b""
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


class _LineError(Exception):
    """A physical line that cannot be read (not UTF-8, too long): raised by
    `_Lines` where the line would be, so a CSV reader pulling it stops there."""

    def __init__(self, line: int, key: str, english: str, **fields) -> None:
        super().__init__(english)
        self.line, self.key, self.english, self.fields = line, key, english, fields

    def row_error(self) -> RowError:
        return RowError(self.line, None, self.english, key=self.key, fields=self.fields)


class _RecordTooLong(Exception):
    """The CSV record being read passed `MAX_RECORD_LINES` lines or `MAX_LINE_BYTES` bytes."""


class _Lines:
    """The physical lines of an input, each decoded on its own, with their
    numbers; lines of an unfinished record can be pushed back and read again.
    Reads the bytes under a text file (`open_text`) so that invalid UTF-8
    costs one row; a pure text stream (`io.StringIO`) is read as it is.

    A line that is not UTF-8 is handed on decoded with U+FFFD (so a quoted
    cell around it still ends where it ends) and `bad` names it: the record
    holding it is a bad row. A line over `MAX_LINE_BYTES` is skipped without
    being held, and raises its `_LineError` where it would be."""

    Item = tuple[int, str | None, "_LineError | None"]

    def __init__(self, fh) -> None:
        buffer = getattr(fh, "buffer", None)
        self.raw = buffer if buffer is not None and hasattr(buffer, "readline") else None
        self.fh = fh
        self.count = 0  # physical lines read
        self.back: list[_Lines.Item] = []  # pushed back, last first
        self.taken: list[_Lines.Item] = []  # the current record's lines
        self.size = 0  # characters of the current record
        self.bad: _LineError | None = None  # the current record's first undecodable line
        self.nul = False  # the current record holds a NUL character

    def __iter__(self) -> _Lines:
        return self

    def begin(self) -> None:
        self.taken, self.size, self.bad, self.nul = [], 0, None, False

    def push_back(self, items: list[_Lines.Item]) -> None:
        self.back.extend(reversed(items))

    def __next__(self) -> str:
        item = self.back.pop() if self.back else self._read()
        self.taken.append(item)
        _, text, err = item
        if text is None:
            assert err is not None  # a line not kept has its error
            raise err
        self.size += len(text)
        if len(self.taken) > 1 and (len(self.taken) > MAX_RECORD_LINES or self.size > MAX_LINE_BYTES):
            raise _RecordTooLong
        if err is not None and self.bad is None:
            self.bad = err
        if "\x00" in text:
            self.nul = True
        return text

    def _read(self) -> _Lines.Item:
        if self.raw is None:
            text = self.fh.readline(MAX_LINE_BYTES + 1)
            if not text:
                raise StopIteration
            self.count += 1
            if len(text) > MAX_LINE_BYTES and not text.endswith("\n"):
                while True:
                    rest = self.fh.readline(1 << 16)
                    if not rest or rest.endswith("\n"):
                        break
                return self.count, None, self._too_long()
            if self.count == 1:
                text = text.lstrip("\ufeff")
            return self.count, text, None
        data = self.raw.readline(MAX_LINE_BYTES + 1)
        if not data:
            raise StopIteration
        self.count += 1
        if len(data) > MAX_LINE_BYTES and not data.endswith(b"\n"):
            while True:  # skip the rest of the line without holding it
                rest = self.raw.readline(1 << 16)
                if not rest or rest.endswith(b"\n"):
                    break
            return self.count, None, self._too_long()
        if self.count == 1 and data.startswith(_BOM):
            data = data[3:]
        try:
            return self.count, data.decode("utf-8"), None
        except UnicodeDecodeError as exc:
            err = _LineError(
                self.count,
                "row.not_utf8",
                f"not UTF-8 text (byte {exc.start + 1} of the line is {data[exc.start]:#04x}); save the file as UTF-8",
                byte=exc.start + 1,
                value=f"{data[exc.start]:#04x}",
            )
            return self.count, data.decode("utf-8", "replace"), err

    def _too_long(self) -> _LineError:
        return _LineError(
            self.count,
            "row.line_too_long",
            f"the line is longer than {MAX_LINE_BYTES // 1024} KiB, the most one line may hold; shorten it",
            limit=MAX_LINE_BYTES // 1024,
        )


def _unclosed(line: int) -> RowError:
    return RowError(
        line,
        None,
        "a quote opened here is never closed; the rows after it would be read as one cell "
        '(write a `"` inside a cell as `""`, and quote the whole cell)',
        key="row.unclosed_quote",
    )


# What the csv module says, as (catalogue key, English) — the key under `cli.runtime.`.
_QUOTE_IN_QUOTED = (
    "row.csv.quote_in_quoted",
    'a quote inside a quoted cell must be doubled (`""`), and the cell must end at its closing quote',
)
_NEWLINE = (
    "row.csv.newline",
    "a carriage return (CR) inside an unquoted cell; quote the cell, or end lines with LF or CRLF",
)
_CSV_REASONS = {
    "',' expected after '\"'": _QUOTE_IN_QUOTED,
    "new-line character seen in unquoted field - do you need to open the file in universal-newline mode?": _NEWLINE,
    "new-line character seen in unquoted field - do you need to open the file with newline=''?": _NEWLINE,
}


def _cell_problem(n: int, names: Sequence[str], cells: Sequence[object]) -> RowError | None:
    """A cell that is too long or holds a NUL character, else None."""
    for name, v in zip(names, cells):
        if isinstance(v, str):
            if len(v) > MAX_CELL:
                return RowError(
                    n,
                    name,
                    f"the cell has {len(v):,} characters; a cell holds at most {MAX_CELL:,}",
                    key="row.cell_too_long",
                    fields={"count": f"{len(v):,}", "limit": f"{MAX_CELL:,}"},
                )
            if "\x00" in v:
                return RowError(n, name, "the cell holds a NUL character (\\x00); remove it", key="row.nul", fields={})
    return None


class _Twice(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


def _pairs(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object whose keys are each given once (else `_Twice`): a second
    `resolved_at` must not silently replace the first."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise _Twice(k)
            seen.add(k)
    return obj


def _json_problem(n: int, obj: dict) -> RowError | None:
    """A JSON value that is no cell: an object, a list outside updates and
    pauses (or too long), a string that is too long or holds a NUL."""
    for key, v in obj.items():
        if isinstance(v, list):
            if key not in ("updates", "pauses") or len(v) > MAX_LIST:
                return RowError(n, key, "expected a single value, not a list", key="row.json_list", fields={})
            for item in v:
                parts = item if isinstance(item, list) else [item]
                if any(not (p is None or isinstance(p, str | int)) or isinstance(p, bool) for p in parts):
                    return RowError(n, key, "expected instants, or [start, end] pairs", key="row.json_items", fields={})
                bad = _cell_problem(n, [key] * len(parts), parts)
                if bad is not None:
                    return bad
        elif isinstance(v, dict):
            return RowError(n, key, "expected a single value, not an object", key="row.json_object", fields={})
    return _cell_problem(n, list(obj), list(obj.values()))


def _bad_header(exc: Exception) -> RowError:
    """The header line cannot be read: why, as a message of its own (in the
    user's language where the catalogue has it)."""
    reason: Problem | str
    if isinstance(exc, _LineError):
        reason = Problem(exc.key, exc.english, **exc.fields)
    elif isinstance(exc, _RecordTooLong) or str(exc) == "unexpected end of data":
        reason = Problem("row.unclosed_quote", _unclosed(1).message)
    elif str(exc) in _CSV_REASONS:
        key, english = _CSV_REASONS[str(exc)]
        reason = Problem(key, english)
    else:
        reason = str(exc)
    return RowError(1, None, f"unreadable CSV header: {reason}", key="row.bad_csv_header", fields={"reason": reason})


def rows(
    fh: IO[str],
    columns: tuple[str, ...],
    required: tuple[str, ...],
    jsonl: bool | None = None,
    header: set[str] | None = None,
) -> Iterator[tuple[int, dict] | RowError]:
    """(line, row dict) for each record, or a RowError for an unreadable one.
    `header`, if given, holds the columns of the row being yielded (the CSV
    header, or the keys of that JSON object)."""
    if jsonl is None:
        jsonl = _sniff_jsonl(fh)
    lines = _Lines(fh)
    if jsonl:
        while True:
            lines.begin()
            try:
                text = next(lines)
            except StopIteration:
                return
            except _LineError as exc:
                yield exc.row_error()
                continue
            n = lines.count
            if lines.bad is not None:
                yield lines.bad.row_error()
                continue
            if not text.strip():
                continue
            try:
                obj = json.loads(text, object_pairs_hook=_pairs)
            except _Twice as exc:
                yield RowError(
                    n,
                    shown(exc.name),
                    f"the field `{shown(exc.name)}` is given twice; give it once",
                    key="row.json_twice",
                    fields={"name": shown(exc.name)},
                )
                continue
            except json.JSONDecodeError as exc:
                yield RowError(
                    n,
                    None,
                    f"not valid JSON: {exc.msg} at character {exc.pos + 1}",
                    key="row.bad_json",
                    fields={"reason": exc, "position": exc.pos + 1},
                )
                continue
            except (RecursionError, ValueError):  # nested too deeply; a number of 4,301 digits
                yield RowError(
                    n,
                    None,
                    "not a ticket: nested too deeply, or a number with too many digits",
                    key="row.json_limits",
                )
                continue
            if not isinstance(obj, dict):
                yield RowError(n, None, "expected a JSON object per line", key="row.not_object")
                continue
            unknown = [k for k in obj if k not in columns]
            if unknown:
                yield RowError(
                    n,
                    shown(unknown[0]),
                    f"unknown field `{shown(unknown[0])}`; fields: {', '.join(columns)}",
                    key="row.unknown_field",
                    fields={"name": shown(unknown[0]), "known": list(columns)},
                )
                continue
            bad = _json_problem(n, obj)
            if bad is not None:
                yield bad
                continue
            if header is not None:  # a JSON object's keys are its own columns
                header.clear()
                header.update(obj)
            yield n, obj
        return
    names: list[str] = []
    for item in _csv_records(lines, columns, required, header, names):
        if isinstance(item, RowError):
            yield item
        else:
            yield item[0], dict(zip(names, item[1]))


def _csv_records(
    lines: _Lines, columns: tuple[str, ...], required: tuple[str, ...], header: set[str] | None, names_out: list[str]
) -> Iterator[tuple[int, list[str]] | RowError]:
    """The records of a CSV input as (line, cells), or a RowError for an
    unreadable one (`rows` without a dict per row). The header, once read
    and checked, is put in `names_out` (and in `header`, when given)."""
    columns_out = header
    names: list[str]
    reader = csv.reader(lines, strict=True)
    lines.begin()
    try:
        names = next(reader)
    except StopIteration:
        return
    except (csv.Error, _LineError, _RecordTooLong) as exc:
        yield _bad_header(exc)
        return
    if lines.bad is not None:
        yield _bad_header(lines.bad)
        return
    if len(names) > MAX_COLUMNS:
        raise TicketError(
            None,
            f"line 1: the header has {len(names):,} columns; a file has at most {MAX_COLUMNS}",
            key="header.too_many_columns",
            fields={"count": f"{len(names):,}", "limit": MAX_COLUMNS},
        )
    names = [h.strip().lstrip("\ufeff") for h in names]
    unknown = [h for h in names if h not in columns]
    if unknown:
        raise TicketError(
            shown(unknown[0]),
            f"line 1: unknown column `{shown(unknown[0])}`; columns: {', '.join(columns)}",
            key="header.unknown_column",
            fields={"name": shown(unknown[0]), "known": list(columns)},
        )
    twice = [h for i, h in enumerate(names) if h in names[:i]]
    if twice:
        raise TicketError(
            twice[0],
            f"line 1: the header has column `{twice[0]}` twice",
            key="header.duplicate_column",
            fields={"name": twice[0]},
        )
    missing = [c for c in required if c not in names]
    if missing:
        raise TicketError(
            missing[0],
            f"line 1: the header has no `{missing[0]}` column (required: {', '.join(required)})",
            key="header.missing_column",
            fields={"name": missing[0], "required": list(required)},
        )
    if columns_out is not None:
        columns_out.update(names)
    names_out[:] = names
    width = len(names)
    while True:
        lines.begin()
        try:
            rec = next(reader)
        except StopIteration:
            return
        except (csv.Error, _LineError, _RecordTooLong) as exc:
            taken = lines.taken or [(lines.count, "", None)]
            start = taken[0][0]
            reader = csv.reader(lines, strict=True)  # resynchronise at the next physical line
            if len(taken) > 1:
                # A quoted cell that runs on: the quote opened on the first line.
                lines.push_back(taken[1:])
                yield _unclosed(start)
            elif isinstance(exc, _LineError):
                yield exc.row_error()
            elif isinstance(exc, csv.Error) and str(exc) == "unexpected end of data":
                yield _unclosed(start)
            else:
                why = _CSV_REASONS.get(str(exc))
                if why is None:
                    yield RowError(
                        start, None, f"unreadable CSV: {exc}", key="row.bad_csv", fields={"reason": str(exc)}
                    )
                else:
                    yield RowError(start, None, why[1], key=why[0], fields={})
            continue
        got = lines.taken
        assert got  # a record has at least one line
        start = got[0][0]
        if not rec:
            continue
        if len(rec) != width:
            if len(got) > 1:  # a quote swallowed the following lines
                lines.push_back(got[1:])
                reader = csv.reader(lines, strict=True)
                yield _unclosed(start)
                continue
            yield RowError(
                start,
                None,
                f"{len(rec)} fields, but the header has {width}",
                key="row.width",
                fields={"count": len(rec), "width": width},
            )
            continue
        if lines.bad is not None:  # not UTF-8: the record is read, but it is a bad row
            err = lines.bad.row_error()
            if lines.bad.line == start:  # the column of the first bad byte (it decoded as U+FFFD)
                err.column = next((name for name, c in zip(names, rec) if "\ufffd" in c), None)
            yield err
            continue
        if lines.nul or lines.size > MAX_CELL:
            bad = _cell_problem(start, names, rec)
            if bad is not None:
                yield bad
                continue
        yield start, rec


def read_tickets(
    fh: IO[str],
    tz: dt.tzinfo,
    jsonl: bool | None = None,
    header: set[str] | None = None,
    flags: Sequence[str] = (),
    starts: Sequence[str] = (),
) -> Iterator[tuple[int, Ticket] | RowError]:
    """(line, Ticket) per row, or a RowError naming the line and column.
    `header` receives the input's columns (see `rows`), to tell an absent
    column (not measured) from empty cells (not happened). `flags` and
    `starts`: the contract's flag and clock-start columns (`Rules.flags`,
    `Rules.start_columns`)."""
    instant = InstantParser(tz)
    flag_set, start_set = frozenset(flags), frozenset(starts)
    columns = TICKET_COLUMNS + tuple(c for c in (*flags, *starts) if c not in TICKET_COLUMNS)
    required = ("id", "priority", "opened_at")
    if jsonl is None:
        jsonl = _sniff_jsonl(fh)
    if jsonl:
        for item in rows(fh, columns, required, jsonl, header):
            if isinstance(item, RowError):
                yield item
                continue
            n, row = item
            try:
                yield n, ticket_from_row(row, instant, flag_set, start_set)
            except TicketError as exc:
                yield RowError(n, exc.column, str(exc), _opt(row, "id"), exc.key, exc.fields)
        return
    # CSV: the header is resolved once into column indexes (`_CsvTickets`),
    # and each record read from its list of cells, without a dict per row.
    names: list[str] = []
    convert: _CsvTickets | None = None
    for record in _csv_records(_Lines(fh), columns, required, header, names):
        if isinstance(record, RowError):
            yield record
            continue
        n, rec = record
        if convert is None:
            convert = _CsvTickets(names, flag_set, start_set)
        try:
            yield n, convert(rec, instant)
        except TicketError as exc:
            yield RowError(n, exc.column, str(exc), rec[convert.i_id].strip() or None, exc.key, exc.fields)


@dataclass(slots=True)
class Downtime:
    """One `--downtime` row: an interval (start, end), a given percentage
    (period, availability) or a request bucket (start, requests, errors or
    error_rate)."""

    product: str
    start: int | None = None
    end: int | None = None
    exclusion: str | None = None
    notified_at: int | None = None
    period: str | None = None
    availability: Decimal | None = None
    resource: str | None = None
    requests: int | None = None
    errors: int | None = None
    error_rate: Decimal | None = None


def _count(v, column: str) -> int:
    # A whole number ≥ 0 of at most 15 digits (a quadrillion requests), the
    # digits checked before int() (a 4,301-digit number would not convert).
    if isinstance(v, int) and not isinstance(v, bool):
        if 0 <= v < 10**15:
            return v
    elif isinstance(v, str):
        text = v.strip()
        if text.isascii() and text.isdigit() and len(text) <= 15:
            return int(text)
    raise TicketError(
        column,
        f"`{shown(v)}` is not a count (a whole number ≥ 0)",
        key="requests.bad_count",
        fields={"value": shown(v)},
    )


_DECIMAL_TEXT = {"downtime.bad_percent": "a percentage like 99.93", "charges.bad_amount": "an amount like 1234.56"}


def _decimal(v, column: str, key: str) -> Decimal:
    text = (
        v.strip() if isinstance(v, str) else repr(v) if isinstance(v, float) else str(v) if isinstance(v, int) else ""
    )
    d = None
    if 0 < len(text) <= 40 and not isinstance(v, bool):
        try:
            d = Decimal(text.rstrip("%"))
        except InvalidOperation:
            d = None
    # Bounded: no quantity here reaches a quadrillion or needs more than 12
    # decimals, and a 5,000-digit exponent must not reach the arithmetic.
    if d is None or not d.is_finite() or d.adjusted() >= 15 or int(d.as_tuple().exponent) < -12:
        raise TicketError(column, f"`{shown(v)}` is not {_DECIMAL_TEXT[key]}", key=key, fields={"value": shown(v)})
    return d


def read_downtime(fh: IO[str], tz: dt.tzinfo, jsonl: bool | None = None) -> Iterator[tuple[int, Downtime] | RowError]:
    instant = InstantParser(tz)
    for item in rows(fh, DOWNTIME_COLUMNS, ("product",), jsonl):
        if isinstance(item, RowError):
            yield item
            continue
        n, row = item
        try:
            product = _opt(row, "product")
            if product is None:
                raise TicketError("product", "no product", key="downtime.no_product")
            d = Downtime(str(product))
            res = _opt(row, "resource")
            d.resource = None if res is None else str(res)
            pct = _opt(row, "availability")
            if pct is not None:
                period = _opt(row, "period")
                if period is None:
                    raise TicketError(
                        "period", "a given availability needs its period, e.g. 2026-03", key="downtime.no_period"
                    )
                d.availability = _decimal(pct, "availability", "downtime.bad_percent")
                d.period = str(period)
            elif _opt(row, "requests") is not None or _opt(row, "error_rate") is not None:
                v = _opt(row, "start")
                if v is None:
                    raise TicketError(
                        "start", "a request count needs the `start` of its interval", key="requests.no_start"
                    )
                d.start = instant(v, "start")
                req = _opt(row, "requests")
                if req is None:
                    raise TicketError("requests", "an error rate needs its `requests`", key="requests.no_requests")
                d.requests = _count(req, "requests")
                errors, rate = _opt(row, "errors"), _opt(row, "error_rate")
                if errors is not None:
                    d.errors = _count(errors, "errors")
                elif rate is not None:
                    d.error_rate = _decimal(rate, "error_rate", "downtime.bad_percent")
                else:
                    raise TicketError(
                        "errors", "a request count needs `errors` (or `error_rate`)", key="requests.no_errors"
                    )
                d.exclusion = _opt(row, "exclusion")
            else:
                for key in ("start", "end"):
                    v = _opt(row, key)
                    if v is None:
                        raise TicketError(
                            key,
                            f"downtime needs `{key}` (or `period` and `availability`)",
                            key="downtime.needs",
                            fields={"column": key},
                        )
                    setattr(d, key, instant(v, key))
                d.exclusion = _opt(row, "exclusion")
                v = _opt(row, "notified_at")
                d.notified_at = None if v is None else instant(v, "notified_at")
            yield n, d
        except TicketError as exc:
            yield RowError(n, exc.column, str(exc), None, exc.key, exc.fields)


@dataclass(slots=True)
class Charge:
    product: str
    period: str
    amount: Decimal
    resource: str | None = None


def _required(row: dict, keys: tuple[str, ...]) -> dict:
    """The row's cells of `keys`, each of which must be given."""
    vals = {}
    for key in keys:
        v = _opt(row, key)
        if v is None:
            raise TicketError(key, f"the row has no `{key}`", key="row.empty_cell", fields={"column": key})
        vals[key] = v
    return vals


def read_charges(fh: IO[str], jsonl: bool | None = None) -> Iterator[tuple[int, Charge] | RowError]:
    """`--charges` rows: product, resource, period, amount."""
    for item in rows(fh, CHARGES_COLUMNS, ("product", "period", "amount"), jsonl):
        if isinstance(item, RowError):
            yield item
            continue
        n, row = item
        try:
            vals = _required(row, ("product", "period", "amount"))
            res = _opt(row, "resource")
            amount = _decimal(vals["amount"], "amount", "charges.bad_amount")
            yield n, Charge(str(vals["product"]), str(vals["period"]), amount, None if res is None else str(res))
        except TicketError as exc:
            yield RowError(n, exc.column, str(exc), None, exc.key, exc.fields)


@dataclass(slots=True)
class ClaimRow:
    product: str
    period: str
    claimed_on: dt.date
    resource: str | None = None


def read_claims(fh: IO[str], tz: dt.tzinfo, jsonl: bool | None = None) -> Iterator[tuple[int, ClaimRow] | RowError]:
    """`--claims` rows: product, resource, period, claimed_on (a date, or an
    instant taken as its local date in the contract's timezone)."""
    instant = InstantParser(tz)
    for item in rows(fh, CLAIMS_COLUMNS, ("product", "period", "claimed_on"), jsonl):
        if isinstance(item, RowError):
            yield item
            continue
        n, row = item
        try:
            vals = _required(row, ("product", "period", "claimed_on"))
            text = str(vals["claimed_on"]).strip()
            try:
                day = dt.date.fromisoformat(text) if len(text) == 10 else None
            except ValueError:
                day = None
            if day is not None and not YEAR_FIRST <= day.year <= YEAR_LAST:
                raise InstantParser._range_error(text, "claimed_on")
            if day is None:
                day = dt.datetime.fromtimestamp(instant(vals["claimed_on"], "claimed_on"), tz).date()
            res = _opt(row, "resource")
            yield n, ClaimRow(str(vals["product"]), str(vals["period"]), day, None if res is None else str(res))
        except TicketError as exc:
            yield RowError(n, exc.column, str(exc), None, exc.key, exc.fields)


def open_text(path: str) -> IO[str]:
    """Open an input file as UTF-8 text (BOM tolerated), buffered for peeking."""
    if path == "-":
        import sys

        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")
