"""Reading ticket files with DuckDB into the batch path's input tables,
accepting only what the Python reader certainly reads to the same values.

`ingest(con, path, rules, kind)` reads a CSV or Parquet file
with DuckDB (out of core, multi-threaded, no Python per row) and creates the
input tables of slalang/sql/inputs.py — tickets, pauses, updates, KEY `k` =
the row's position in the file (0-based) — or raises `NotCanonical` naming
why the file must be read by the Python reader instead
(slalang/runtime/tickets.py, the reference: exact row errors with line
numbers, `--skip-bad`). A file is canonical when every cell is in a form the
Python reader (`rows`, `ticket_from_row`, `InstantParser`) reads to exactly
the value the SQL stage computes:

- the header is read by the Python reader itself (`rows`: BOM, trimming,
  unknown, duplicate and missing columns — any problem is NotCanonical, the
  Python reader then reports it); the header line must be plain (no quote);
- CSV: the dialect of Python's csv module as the reader uses it (delimiter
  `,`, quote `"` doubled inside quotes, header, every cell text, strict); a
  cell holding a quote, a NUL, a CR or LF is not canonical (the two readers'
  quoting rules agree on plain cells only), nor is a lone CR in the file or
  a record that could pass `MAX_LINE_BYTES`, nor a cell over `MAX_CELL`
  bytes; anything DuckDB's reader rejects (invalid UTF-8, a wrong number of
  fields, an unclosed quote) is NotCanonical;
- text is trimmed exactly as `str.strip()` (every character Python counts
  as whitespace), empty = NULL;
- instants: epoch digits (at most 12, in range), or ISO 8601
  `YYYY-MM-DD[T ]HH:MM[:SS[.f…f]]` (1 to 6 fraction digits, dropped as
  `int(timestamp())` drops them) with `Z`, `±HH:MM` or nothing (local time
  in the contract's zone: a local time in a DST gap or fold — judged by its
  minute, as the reader does, and by the second — is not canonical); years
  1970..2200, instants 1970-01-01T00:00:00Z..2200-12-31T23:59:59Z;
- flags: true/false/yes/no/1/0 in any ASCII case, 是/否, or empty;
- `updates`: instants separated by `;`; `pauses`: `start/end` pairs
  separated by `;` (items that are only whitespace are skipped, as the
  reader does);
- id, priority and opened_at given.

Parquet has no Python reader of its own: its "Python path" is
`parquet_rows`, which hands each row to `ticket_from_row` as the values a
CSV or JSON row would carry (VARCHAR as text, BIGINT as an epoch integer,
TIMESTAMP WITH TIME ZONE as ISO text in UTC, TIMESTAMP as local ISO text,
BOOLEAN flags as true/false, LIST columns as JSON lists); the SQL stage
accepts those columns typed or as text, under the rules above.

JSON Lines are not read here yet (`NotCanonical("jsonl")`): the Python
reader reads them (each object's keys are its own columns, values typed by
JSON), and the DuckDB engine leaves them to it.

The SQL here is DuckDB's own (its file readers, regular expressions and
macros): it is the embedded engine's reader, not emitted for warehouses
(there the input tables are the warehouse's; see slalang/sql/inputs.py)."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from slalang.sql.inputs import Inputs

KEY = "k"
RAW = "slalang_raw"
_WS = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


def _class(chars: str) -> str:
    """A RE2 character class of `chars` (every one escaped as \\x{…})."""
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]"


_WSC = _class(_WS)
# ISO 8601 `YYYY-MM-DD[T ]HH:MM[:SS[.f…f]]` [Z|±HH:MM] with its fields' ranges in the pattern (years 1970..2200, months, days 01..31,
# hours 00..23, minutes and seconds 00..59, offsets to ±23:59): the day within its month is DuckDB's cast's check.
_ISO_STRICT = (
    "(?:19[7-9][0-9]|2[01][0-9][0-9]|2200)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])[T ]"
    "(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\\.[0-9]{1,6})?)?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?"
)
_TRUE_RE = "[Tt][Rr][Uu][Ee]|[Yy][Ee][Ss]|1|\u662f"
_FALSE_RE = "[Ff][Aa][Ll][Ss][Ee]|[Nn][Oo]|0|\u5426"


class NotCanonical(Exception):
    """The file is not read by the DuckDB engine: `key` names the reason
    (`cli.eval.engine.fallback.<key>`), `fields` its fields; `str()` is English."""

    def __init__(self, key: str, english: str, **fields) -> None:
        self.key, self.fields = key, fields
        super().__init__(english)


@dataclass
class Ingested:
    inputs: Inputs
    header: tuple[str, ...]  # the columns, as the Python reader reads the header
    count: int  # tickets
    paused: int  # tickets with some pause (the `pauses_ignored` warning)
    extra: dict = field(default_factory=dict)


# ------------------------------------------------------------------ the zone
def _offset(tz, t: int) -> int:
    off = dt.datetime.fromtimestamp(t, tz).utcoffset()
    assert off is not None  # a ZoneInfo gives every instant its offset
    return int(off.total_seconds())


@functools.cache
def zone_regions(tzname: str) -> tuple[tuple[int, int | None], ...]:
    """The zone's offsets over local time: (first local second, offset
    after it) at each transition in 1969-12-30..2201-01-02, with the
    ambiguous local seconds — the gap or the fold around each transition —
    given offset None. Transitions are found by sampling every 12 hours and
    bisecting to the second (two transitions within 12 hours would be
    missed: no zone has had any since 1970)."""
    tz = ZoneInfo(tzname)
    lo = -2 * 86400
    hi = int(dt.datetime(2201, 1, 2, tzinfo=dt.UTC).timestamp())
    out: list[tuple[int, int | None]] = []
    prev = _offset(tz, lo)
    first = prev
    step = 43200
    t = lo
    while t < hi:
        nxt = t + step
        o = _offset(tz, nxt)
        if o != prev:
            a, b = t, nxt  # offset(a) = prev, offset(b) = o
            while b - a > 1:
                m = (a + b) // 2
                if _offset(tz, m) == prev:
                    a = m
                else:
                    b = m
            # At instant b the offset becomes o: local seconds from b+min to b+max are ambiguous.
            out.append((b + min(prev, o), None))
            out.append((b + max(prev, o), o))
            prev = o
        t = nxt
    return ((-(10**12), first), *out)


_LAST = 7289654399  # slalang.runtime.tickets.INSTANT_LAST


def create_macros(con) -> None:
    """The reading macros (DuckDB; each argument a plain column, so no
    macro nests another's expansion): sl_strip (= str.strip, empty → NULL),
    sl_dim (days in a month), sl_days (days since 1970-01-01 of a date),
    sl_zoff (an offset's seconds), sl_flag."""
    ws = _WSC.replace("'", "''")
    # Ends that are printable ASCII: nothing to strip (no regex).
    # Each end's code point computed once (BETWEEN evaluates its operand once): a macro
    # naming it twice made DuckDB compute unicode(…) and right(…) three times each.
    con.execute(
        "CREATE OR REPLACE MACRO sl_strip(s) AS CASE WHEN s = '' THEN NULL "
        "WHEN unicode(s) BETWEEN 33 AND 126 AND unicode(substring(s, length(s), 1)) BETWEEN 33 AND 126 THEN s "
        f"ELSE nullif(regexp_replace(s, '^{ws}+|{ws}+$', '', 'g'), '') END"
    )
    con.execute(
        "CREATE OR REPLACE MACRO sl_dim(y, m) AS CASE WHEN m = 2 THEN "
        "(CASE WHEN (y % 4 = 0 AND y % 100 <> 0) OR y % 400 = 0 THEN 29 ELSE 28 END) "
        "ELSE 30 + ((m + m // 8) % 2) END"
    )
    # Days since 1970-01-01 of a civil date, for years 1970..2200 (checked before).
    con.execute(
        "CREATE OR REPLACE MACRO sl_days(y, m, d) AS (y - 1) * 365 + (y - 1) // 4 - (y - 1) // 100 + (y - 1) // 400 "
        "+ (367 * m - 362) // 12 + (CASE WHEN m <= 2 THEN 0 WHEN (y % 4 = 0 AND y % 100 <> 0) OR y % 400 = 0 "
        "THEN -1 ELSE -2 END) + d - 719163"
    )
    con.execute(
        "CREATE OR REPLACE MACRO sl_zoff(z) AS CASE WHEN z = 'Z' THEN 0 "
        "WHEN CAST(substr(z, 2, 2) AS INT) <= 23 AND CAST(substr(z, 5, 2) AS INT) <= 59 THEN "
        "(CASE WHEN substr(z, 1, 1) = '-' THEN -1 ELSE 1 END) "
        "* (CAST(substr(z, 2, 2) AS INT) * 3600 + CAST(substr(z, 5, 2) AS INT) * 60) END"
    )
    con.execute(
        f"CREATE OR REPLACE MACRO sl_flag(t) AS CASE WHEN t IS NULL THEN false "
        f"WHEN regexp_full_match(t, '{_TRUE_RE}') THEN true WHEN regexp_full_match(t, '{_FALSE_RE}') THEN false END"
    )


def to_instants(con, src: str, dst: str, keep: list[str], cols: list[str], tzname: str) -> None:
    """Create `dst`: the `keep` columns of `src`, and for each text column c
    of `cols` (stripped, NULL = empty) c as epoch seconds (BIGINT, NULL when
    empty or not canonical) and c__bad (text given but not canonical).

    An ISO text is accepted when it matches `_ISO_STRICT` (which already
    bounds the year to 1970..2200, the month, the day to 31, the hour to
    23, the minute and second to 59 and the offset to ±23:59) and DuckDB's
    cast succeeds (the day within its month): to TIMESTAMPTZ when it ends
    in `Z` or `±HH:MM` (the instant), else to TIMESTAMP (the local time,
    its offset from the zone's regions); the regular expressions run only
    on cells of a fitting length."""
    regions = zone_regions(tzname)
    aligned = all(r[0] % 60 == 0 for r in regions[1:])
    k = ", ".join(_q(c) for c in keep)
    s1 = ", ".join(
        f"{_q(c)} AS {_q(c + '__t')}, CASE WHEN strlen({_q(c)}) <= 12 AND regexp_full_match({_q(c)}, '[0-9]{{1,12}}') "
        f"THEN CAST({_q(c)} AS BIGINT) END AS {_q(c + '__e')}, "
        f"strlen({_q(c)}) BETWEEN 16 AND 32 AND regexp_full_match({_q(c)}, {_lit(_ISO_STRICT)}) AS {_q(c + '__m')}"
        for c in cols
    )

    def zoned(c: str) -> str:
        # Of a matched text: a `Z` or `±HH:MM` end (a date's hyphens are never 5 from the end).
        t = _q(c + "__t")
        return f"CASE WHEN {_q(c + '__m')} THEN {t} LIKE '%Z' OR {t} LIKE '%+__:__' OR {t} LIKE '%-__:__' END"

    s2 = ", ".join(f"{_q(c + '__t')}, {_q(c + '__e')}, {zoned(c)} AS {_q(c + '__z')}" for c in cols)
    # Microseconds: of the instant (DuckDB's TIMESTAMPTZ cast applies the text's offset), or of the
    # local time (naive text as TIMESTAMP); the day within its month is the cast's check.
    s3 = ", ".join(
        f"{_q(c + '__e')}, {_q(c + '__t')}, "
        f"CASE WHEN {_q(c + '__z')} THEN epoch_us(try_cast({_q(c + '__t')} AS TIMESTAMPTZ)) END AS {_q(c + '__uu')}, "
        f"CASE WHEN NOT {_q(c + '__z')} THEN epoch_us(try_cast({_q(c + '__t')} AS TIMESTAMP)) END AS {_q(c + '__lu')}"
        for c in cols
    )
    # Whole seconds, the fraction dropped as int(timestamp()) drops it: `//` truncates, so only
    # values >= 0 (a negative instant is out of range anyway; a local time from 1970 is never negative).
    s4 = ", ".join(
        f"{_q(c + '__e')}, {_q(c + '__t')}, "
        f"CASE WHEN {_q(c + '__uu')} >= 0 THEN {_q(c + '__uu')} // 1000000 END AS {_q(c + '__u')}, "
        f"CASE WHEN {_q(c + '__lu')} >= 0 THEN {_q(c + '__lu')} // 1000000 END AS {_q(c + '__l')}"
        for c in cols
    )

    def local(c: str) -> str:
        x = _q(c + "__l")
        return f"{x} - {_tree(regions, x)}" if aligned else "NULL"

    s5 = ", ".join(
        f"coalesce({_q(c + '__e')}, {_q(c + '__u')}, {local(c)}) AS {_q(c + '__n')}, {_q(c + '__t')}" for c in cols
    )
    s6 = ", ".join(
        f"CASE WHEN {_q(c + '__n')} BETWEEN 0 AND {_LAST} THEN {_q(c + '__n')} END AS {_q(c)}, "
        f"{_q(c + '__t')} IS NOT NULL AND ({_q(c + '__n')} IS NULL OR {_q(c + '__n')} NOT BETWEEN 0 AND {_LAST}) "
        f"AS {_q(c + '__bad')}"
        for c in cols
    )
    sep = ", " if keep else ""
    con.execute(
        f"CREATE OR REPLACE TABLE {dst} AS SELECT {k}{sep}{s6} FROM (SELECT {k}{sep}{s5} FROM "
        f"(SELECT {k}{sep}{s4} FROM (SELECT {k}{sep}{s3} FROM (SELECT {k}{sep}{s2} FROM "
        f"(SELECT {k}{sep}{s1} FROM {src})))))"
    )


def _tree(regions, x: str) -> str:
    """SQL: the offset of local second `x` (NULL where ambiguous), a binary CASE tree."""

    def tree(lo: int, hi: int) -> str:
        if hi - lo == 1:
            off = regions[lo][1]
            return "NULL" if off is None else str(off)
        mid = (lo + hi) // 2
        return f"(CASE WHEN {x} < {regions[mid][0]} THEN {tree(lo, mid)} ELSE {tree(mid, hi)} END)"

    return tree(0, len(regions))


# ------------------------------------------------------------------ the header
def python_header(path: str, rules, jsonl: bool) -> tuple[str, ...]:
    """The columns as the Python reader reads the header (CSV) or the first
    object's keys (JSON Lines); NotCanonical when it reports anything or the
    file has no rows."""
    from slalang.runtime.engine import TicketError
    from slalang.runtime.tickets import TICKET_COLUMNS, RowError, open_text, rows

    flags, starts = tuple(rules.flags), rules.start_columns
    columns = TICKET_COLUMNS + tuple(c for c in (*flags, *starts) if c not in TICKET_COLUMNS)
    header: set[str] = set()
    with open_text(path) as fh:
        it = rows(fh, columns, ("id", "priority", "opened_at"), jsonl, header)
        try:
            first = next(it)
        except StopIteration:
            raise NotCanonical("empty", "the file has no tickets") from None
        except TicketError as exc:
            raise NotCanonical("header", f"the header: {exc}") from None
        if isinstance(first, RowError):
            raise NotCanonical("row", f"line {first.line}: {first.message}", line=first.line)
    if not jsonl:
        with open(path, "rb") as raw:
            line = raw.readline(1 << 17)
        text = line.decode("utf-8", "replace").removeprefix("\ufeff").rstrip("\r\n")
        names = [h.strip() for h in text.split(",")]
        if '"' in text or "\r" in text or len(names) != len(header) or set(names) != header:
            raise NotCanonical("header_form", "the header line is not plain comma-separated names")
        return tuple(names)
    return tuple(header)


def _scan_bytes(path: str) -> bool:
    """Whole-file checks (C speed, no Python per row): no NUL, and every CR
    ends a line (CRLF) — a lone CR is a bad row for the Python reader that
    another CSV reader could take for a line end. True when the file holds
    a quote character."""
    tail = b""
    quoted = False
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(1 << 24)
            if not chunk:
                break
            if b"\x00" in chunk:
                raise NotCanonical("nul", "the file holds a NUL character")
            quoted = quoted or b'"' in chunk
            data = tail + chunk
            body, tail = (data[:-1], data[-1:]) if data.endswith(b"\r") else (data, b"")
            if body.count(b"\r") != body.count(b"\r\n"):
                raise NotCanonical("cr", "the file holds a carriage return that does not end a line")
    if tail:
        raise NotCanonical("cr", "the file holds a carriage return that does not end a line")
    return quoted


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# ------------------------------------------------------------------ the canonical stage
_INSTANTS = ("opened_at", "first_response_at", "resolved_at", "followup_at")
_NAMES = ("id", "priority", "product", "region", "plan", "exclusion")


def _kinds(rules) -> dict[str, str]:
    kinds = {c: "instant" for c in _INSTANTS}
    kinds.update({c: "name" for c in _NAMES})
    kinds.update({"updates": "updates", "pauses": "pauses"})
    for s in rules.start_columns:
        kinds[s] = "instant"
    for f in rules.flags:
        kinds[f] = "flag"
    return kinds


def _text_check(c: str, csv: bool, quoted: bool = True) -> str:
    """SQL condition (true = fine) on a raw text cell: within `MAX_CELL`
    bytes, no NUL; from a CSV file, no quote, CR or LF either. A CSV file
    `_scan_bytes` found free of quotes needs the length test only: it has no
    NUL (scanned), and a cell can hold no quote and — unquoted — no CR or LF."""
    from slalang.runtime.tickets import MAX_CELL

    if csv and not quoted:
        return f"{c} IS NULL OR strlen({c}) <= {MAX_CELL}"
    more = f" AND strpos({c}, chr(34)) = 0 AND strpos({c}, chr(10)) = 0 AND strpos({c}, chr(13)) = 0" if csv else ""
    return f"{c} IS NULL OR (strlen({c}) <= {MAX_CELL} AND strpos({c}, chr(0)) = 0{more})"


def _typed(
    con, raw: str, names: tuple[str, ...], rules, inputs: Inputs, csv: bool, quoted: bool = True, drop: str = ""
) -> Ingested:
    """Create the input tables from the raw table or subquery (`k` + the
    file's columns as text), check every cell, and raise NotCanonical
    naming the first row that is not canonical; `drop` names a table to
    drop once read. The stripping stage is not materialised: the instant
    stage reads it as a subquery."""
    from slalang.runtime.tickets import MAX_LINE_BYTES

    kinds = _kinds(rules)
    tz = rules.file.timezone
    instants = [n for n in names if kinds[n] == "instant"]
    others = [n for n in names if kinds[n] != "instant"]
    checks: list[tuple[str, str]] = []  # (column, SQL condition on the stage table, true when fine)
    stage = [KEY] + [f"sl_strip({_q(n)}) AS {_q(n)}" for n in names]
    for n in names:
        stage.append(f"coalesce({_text_check(_q(n), csv, quoted)}, false) AS {_q(n + '__ok')}")
        checks.append((n, _q(n + "__ok")))
    if csv:
        size = " + ".join(f"coalesce(strlen({_q(n)}), 0)" for n in names)
        stage.append(f"{size} + {3 * len(names) + 1} <= {MAX_LINE_BYTES} AS {_q('__line_ok')}")
        checks.append(("", _q("__line_ok")))
    keep = [KEY] + others + [n + "__ok" for n in names] + (["__line_ok"] if csv else [])
    to_instants(con, f"(SELECT {', '.join(stage)} FROM {raw})", "sl_i", keep, instants, tz)
    if drop:
        con.execute(f"DROP TABLE IF EXISTS {drop}")
    for n in names:
        kind = kinds[n]
        if kind == "instant":
            checks.append((n, f"NOT {_q(n + '__bad')}"))
            if n == "opened_at":
                checks.append((n, f"{_q(n)} IS NOT NULL"))
        elif n in ("id", "priority"):
            checks.append((n, f"{_q(n)} IS NOT NULL"))
        elif kind == "flag":
            checks.append((n, f"sl_flag({_q(n)}) IS NOT NULL"))
    items = ", ".join("false" for _ in ())
    del items
    # Updates and pauses: one row per item (items only whitespace skipped, as the reader does).
    if "updates" in names:
        con.execute(
            f'CREATE OR REPLACE TABLE sl_u0 AS SELECT {KEY}, sl_strip(u) AS "at" FROM (SELECT {KEY}, '
            f"unnest(list_filter(string_split(updates, ';'), lambda x: sl_strip(x) IS NOT NULL)) AS u FROM sl_i)"
        )
        to_instants(con, "sl_u0", "sl_u", [KEY], ["at"], tz)
        con.execute("DROP TABLE sl_u0")
    else:
        con.execute('CREATE OR REPLACE TABLE sl_u (k BIGINT, "at" BIGINT, at__bad BOOLEAN)')
    if "pauses" in names:
        con.execute(
            f"CREATE OR REPLACE TABLE sl_p0 AS SELECT {KEY}, len(string_split(p, '/')) AS np, "
            f"sl_strip(string_split(p, '/')[1]) AS start_at, sl_strip(string_split(p, '/')[2]) AS end_at "
            f"FROM (SELECT {KEY}, unnest(list_filter(string_split(pauses, ';'), lambda x: sl_strip(x) IS NOT NULL)) "
            "AS p FROM sl_i)"
        )
        to_instants(con, "sl_p0", "sl_p", [KEY, "np"], ["start_at", "end_at"], tz)
        con.execute("DROP TABLE sl_p0")
    else:
        con.execute(
            "CREATE OR REPLACE TABLE sl_p (k BIGINT, np BIGINT, start_at BIGINT, start_at__bad BOOLEAN, "
            "end_at BIGINT, end_at__bad BOOLEAN)"
        )
    why = " ".join(f"WHEN NOT coalesce({cond}, false) THEN {_lit(col)}" for col, cond in checks)
    got = con.execute(
        f"SELECT {KEY}, w FROM (SELECT {KEY}, CASE {why} END AS w FROM sl_i) WHERE w IS NOT NULL "
        f"UNION ALL SELECT {KEY}, 'updates' FROM sl_u WHERE at__bad OR \"at\" IS NULL "
        f"UNION ALL SELECT {KEY}, 'pauses' FROM sl_p WHERE np <> 2 OR start_at IS NULL OR end_at IS NULL "
        f"ORDER BY {KEY} LIMIT 1"
    ).fetchall()
    bad = got[0] if got else None
    if bad is not None:
        for t in ("sl_i", "sl_u", "sl_p"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
        row, col = bad
        raise NotCanonical(
            "cell",
            f"row {row + 1}: column `{col}` is not in a form the DuckDB engine reads exactly",
            row=row + 1,
            column=col,
        )
    sel = [KEY]
    for n in names:
        if kinds[n] == "flag":
            sel.append(f"sl_flag({_q(n)}) AS {_q(n)}")
        elif kinds[n] not in ("updates", "pauses"):
            sel.append(_q(n))
    con.execute(f"CREATE OR REPLACE TABLE {inputs.tickets} AS SELECT {', '.join(sel)} FROM sl_i")
    con.execute(f'CREATE OR REPLACE TABLE {inputs.updates} AS SELECT {KEY}, "at" FROM sl_u')
    con.execute(f"CREATE OR REPLACE TABLE {inputs.pauses} AS SELECT {KEY}, start_at, end_at FROM sl_p")
    for t in ("sl_i", "sl_u", "sl_p"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    count = con.execute(f"SELECT count(*) FROM {inputs.tickets}").fetchall()[0][0]
    paused = con.execute(f"SELECT count(DISTINCT {KEY}) FROM {inputs.pauses}").fetchall()[0][0]
    return Ingested(inputs, names, count, paused)


def _duck_error(exc: Exception) -> NotCanonical:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return NotCanonical("reader", f"DuckDB's reader: {first[:200]}", reason=first[:200])


def kind_of(path: str) -> str:
    """csv, jsonl or parquet, from the file name (as eval's `_input_kind`), else by sniffing."""
    low = path.lower()
    if low.endswith(".parquet"):
        return "parquet"
    if low.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if low.endswith((".csv", ".tsv")):
        return "csv"
    with open(path, "rb") as fh:
        head = fh.read(64)
    if head.startswith(b"PAR1"):
        return "parquet"
    return "jsonl" if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "csv"


def ingest(con, path: str, rules, kind: str | None = None, inputs: Inputs | None = None) -> Ingested:
    """Read the ticket file `path` into the input tables (see the module
    docstring), or raise NotCanonical."""
    import duckdb

    kind = kind or kind_of(path)
    inputs = inputs or Inputs(key=KEY)
    create_macros(con)
    if kind == "parquet":
        return _ingest_parquet(con, path, rules, inputs)
    if kind == "jsonl":
        return _ingest_jsonl(con, path, rules, inputs)
    names = python_header(path, rules, False)
    quoted = _scan_bytes(path)
    cols = "{" + ", ".join(f"{_lit(n)}: 'VARCHAR'" for n in names) + "}"
    try:
        con.execute(
            f"CREATE OR REPLACE TABLE {RAW} AS SELECT * FROM read_csv({_lit(path)}, delim = ',', quote = '\"', "
            f"escape = '\"', header = true, all_varchar = true, auto_detect = false, strict_mode = true, "
            f"null_padding = false, ignore_errors = false, columns = {cols})"
        )
    except duckdb.Error as exc:
        raise _duck_error(exc) from None
    # KEY = the table's rowid (file order: insertion order is preserved), read without a second copy.
    src = f"(SELECT rowid AS {KEY}, * FROM {RAW})"
    out = _typed(con, src, names, rules, _present(inputs, names), csv=True, quoted=quoted, drop=RAW)
    if out.count == 0:
        raise NotCanonical("empty", "the file has no tickets")
    return out


def _present(inputs: Inputs, names) -> Inputs:
    from dataclasses import replace

    return replace(inputs, present=frozenset(names), key=KEY)


def _columns_of(con, table: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {table}").fetchall()]


def _text_of(ty: str, x: str, kind: str) -> str:
    """SQL: a Parquet value as the text a CSV cell would carry (see the module docstring)."""
    if ty == "VARCHAR":
        return x
    if ty.endswith("[]") and kind in ("updates", "pauses"):
        item = ty[:-2]
        if kind == "pauses" and item.endswith("[]"):
            inner = item[:-2]
            one = (
                f"CASE WHEN len(y) = 2 THEN coalesce({_text_of(inner, 'y[1]', 'instant')}, '') || '/' || "
                f"coalesce({_text_of(inner, 'y[2]', 'instant')}, '') ELSE '/' END"
            )
        else:
            one = f"coalesce({_text_of(item, 'y', 'instant')}, '')"
        return f"array_to_string(list_transform({x}, lambda y: {one}), ';')"
    if ty.startswith("TIMESTAMP WITH TIME ZONE") or ty == "TIMESTAMPTZ":
        return f"strftime(timezone('UTC', {x}), '%Y-%m-%dT%H:%M:%S.%fZ')"
    if ty.startswith("TIMESTAMP"):
        return f"strftime(CAST({x} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%f')"
    if ty == "BOOLEAN":
        return f"CASE WHEN {x} THEN 'true' WHEN NOT {x} THEN 'false' END"
    return f"CAST({x} AS VARCHAR)"


def parquet_select(con, path: str, rules) -> tuple[str, tuple[str, ...]]:
    """The SQL reading a Parquet file as text cells (KEY = the row's
    position), and its columns; NotCanonical for an unknown or missing column."""
    import duckdb

    known = _kinds(rules)
    try:
        cols = [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({_lit(path)})").fetchall()]
    except duckdb.Error as exc:
        raise _duck_error(exc) from None
    names = tuple(n for n, _ in cols)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise NotCanonical("header", f"unknown column `{unknown[0]}`", column=unknown[0])
    missing = [c for c in ("id", "priority", "opened_at") if c not in names]
    if missing:
        raise NotCanonical("header", f"no `{missing[0]}` column", column=missing[0])
    sel = [f"file_row_number AS {KEY}"] + [f"{_text_of(ty, _q(n), known[n])} AS {_q(n)}" for n, ty in cols]
    return f"SELECT {', '.join(sel)} FROM read_parquet({_lit(path)}, file_row_number = true)", names


def _ingest_parquet(con, path: str, rules, inputs: Inputs) -> Ingested:
    import duckdb

    query, names = parquet_select(con, path, rules)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {RAW} AS {query}")
    except duckdb.Error as exc:
        raise _duck_error(exc) from None
    out = _typed(con, RAW, names, rules, _present(inputs, names), csv=False, drop=RAW)
    if out.count == 0:
        raise NotCanonical("empty", "the file has no tickets")
    return out


def parquet_rows(path: str, rules, header: set[str] | None = None, batch: int = 8192):
    """The Python path's rows of a Parquet file: (row number, dict of text
    cells) as `slalang.runtime.tickets.rows` gives them (a cell too long or
    holding a NUL is a RowError), for `ticket_from_row`. Raises
    slalang.runtime.TicketError for an unknown or missing column."""
    import duckdb

    from slalang.runtime.engine import TicketError
    from slalang.runtime.tickets import _cell_problem

    con = duckdb.connect()
    try:
        query, names = parquet_select(con, path, rules)
    except NotCanonical as exc:
        raise TicketError(exc.fields.get("column"), str(exc), key=None) from None
    if header is not None:
        header.clear()
        header.update(names)
    con.execute("SET preserve_insertion_order = true")
    cur = con.execute(query)  # in file order, streamed (no sort to hold)
    while True:
        got = cur.fetchmany(batch)
        if not got:
            break
        for r in got:
            n = r[0] + 1
            cells = r[1:]
            bad = _cell_problem(n, names, cells)
            if bad is not None:
                yield bad
                continue
            yield n, {k: ("" if v is None else v) for k, v in zip(names, cells)}  # NULL = an empty cell
    con.close()


def _ingest_jsonl(con, path: str, rules, inputs: Inputs) -> Ingested:
    raise NotCanonical("jsonl", "JSON Lines are read by the Python reader")


def read_parquet_tickets(path: str, rules, header: set[str] | None = None):
    """The Python engine's tickets of a Parquet file: (row number, Ticket)
    or a RowError, as `slalang.runtime.tickets.read_tickets` gives them for
    CSV (each row's text cells through `ticket_from_row`)."""
    from slalang.runtime.engine import TicketError
    from slalang.runtime.tickets import InstantParser, RowError, _opt, ticket_from_row

    instant = InstantParser(rules.tz)
    flag_set, start_set = frozenset(rules.flags), frozenset(rules.start_columns)
    for item in parquet_rows(path, rules, header):
        if isinstance(item, RowError):
            yield item
            continue
        n, row = item
        try:
            yield n, ticket_from_row(row, instant, flag_set, start_set)
        except TicketError as exc:
            yield RowError(n, exc.column, str(exc), _opt(row, "id"), exc.key, exc.fields)
