"""Test helpers for the batch path: example contracts' rule files built in
memory, generated tickets read the way `slalang eval` reads them, and DuckDB
input tables (slalang/sql/inputs.py) made from Python `Ticket` objects.

    rf, rules = rules_of("contracts/itops.sla")
    con = connect(rf)                       # calendar tables loaded
    ts = generated(rf, 500, seed=3)
    load_tickets(con, rf, ts, Inputs(key="k"))   # k = the ticket's index
"""

from __future__ import annotations

import csv
import functools
import io
import json
from pathlib import Path

import ticketgen

from slalang.runtime import Rules, Ticket, loads_rules
from slalang.runtime.tickets import RowError, read_tickets
from slalang.sql.calendar import calendar_statements
from slalang.sql.inputs import INSTANT_COLUMNS, NAME_COLUMNS, Inputs, flag_columns, start_columns

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(
    str(p.relative_to(ROOT))
    for p in [*ROOT.glob("contracts/*.sla"), *ROOT.glob("contracts/sla/*.sla"), *ROOT.glob("contracts/support/*.sla")]
)


@functools.cache
def _doc(contract: str) -> bytes:
    from slalang.build import build_one

    files = build_one(str(ROOT / contract), frozenset({"rules"})).files
    text = next(v for k, v in files.items() if k.endswith(".rules.json"))
    return text.encode() if isinstance(text, str) else text


@functools.cache
def rules_of(contract: str):
    """(RuleFile, Rules) of an example contract (a path relative to the project)."""
    rf = loads_rules(_doc(contract))
    return rf, Rules(rf)


def rule_file_json(contract: str) -> dict:
    """The rule file of an example contract as JSON data (to edit in a test)."""
    return json.loads(_doc(contract))


def connect(rule_file=None):
    """A DuckDB connection, with `rule_file`'s calendar tables when given."""
    import duckdb

    con = duckdb.connect()
    if rule_file is not None:
        load_calendars(con, rule_file)
    return con


def load_calendars(con, rule_file) -> None:
    for stmt in calendar_statements(rule_file):
        con.execute(stmt.sql(dialect="duckdb"))


def generated(rule_file, n: int = 300, seed: int = 7) -> list[Ticket]:
    """`n` tickets from tests/ticketgen.py, read by the runtime's CSV reader
    (so they are exactly what `slalang eval` evaluates); bad rows dropped."""
    rows = ticketgen.tickets(rule_file, n, seed)
    buf = io.StringIO()
    cols = list(dict.fromkeys(k for r in rows for k in r))
    w = csv.DictWriter(buf, cols)
    w.writeheader()
    w.writerows(rows)
    buf.seek(0)
    rules = Rules(rule_file)
    out = []
    for item in read_tickets(buf, rules.tz, False, set(), tuple(rules.flags), rules.start_columns):
        if not isinstance(item, RowError):
            out.append(item[1])
    return out


def load_tickets(con, rule_file, tickets: list[Ticket], inputs: Inputs | None = None) -> None:
    """Create and fill the tickets, pauses and updates tables of `inputs`
    (key column `inputs.key`, BIGINT: the ticket's index in `tickets`; or
    `id` as VARCHAR when the key is `id`). Only the optional columns in
    `inputs.present` are created when it is given."""
    inputs = inputs or Inputs(key="k")
    key = inputs.key
    flags, starts = flag_columns(rule_file), start_columns(rule_file)
    cols: list[tuple[str, str]] = [] if key == "id" else [(key, "BIGINT")]
    cols += [("id", "VARCHAR"), ("priority", "VARCHAR")]
    cols += [(c, "BIGINT") for c in INSTANT_COLUMNS if c == "opened_at" or inputs.has(c)]
    cols += [(c, "VARCHAR") for c in NAME_COLUMNS if inputs.has(c)]
    cols += [(f, "BOOLEAN") for f in flags if inputs.has(f)]
    cols += [(s, "BIGINT") for s in starts if inputs.has(s)]
    ktype = "VARCHAR" if key == "id" else "BIGINT"
    con.execute(f"DROP TABLE IF EXISTS {inputs.tickets}")
    con.execute(f"CREATE TABLE {inputs.tickets} (" + ", ".join(f'"{n}" {t}' for n, t in cols) + ")")
    con.execute(f"DROP TABLE IF EXISTS {inputs.pauses}")
    con.execute(f'CREATE TABLE {inputs.pauses} ("{key}" {ktype}, start_at BIGINT, end_at BIGINT)')
    con.execute(f"DROP TABLE IF EXISTS {inputs.updates}")
    con.execute(f'CREATE TABLE {inputs.updates} ("{key}" {ktype}, "at" BIGINT)')
    rows, pauses, updates = [], [], []
    for i, t in enumerate(tickets):
        k = t.id if key == "id" else i
        row: list = [] if key == "id" else [k]
        for name, _ in cols[(0 if key == "id" else 1) :]:
            if name in flags:
                row.append(name in t.flags)
            elif name in starts:
                row.append((t.instants or {}).get(name))
            else:
                row.append(getattr(t, name))
        rows.append(tuple(row))
        pauses.extend((k, a, b) for a, b in t.pauses)
        updates.extend((k, u) for u in t.updates)
    _copy(con, inputs.tickets, [n for n, _ in cols], [t for _, t in cols], rows)
    _copy(con, inputs.pauses, [key, "start_at", "end_at"], [ktype, "BIGINT", "BIGINT"], pauses)
    _copy(con, inputs.updates, [key, "at"], [ktype, "BIGINT"], updates)


def _copy(con, table: str, names: list[str], types: list[str], rows: list) -> None:
    """Bulk-load rows through a JSON Lines file (DuckDB's executemany is
    slow); NULL stays NULL and text stays exact."""
    if not rows:
        return
    import os
    import tempfile

    fd, path = tempfile.mkstemp(suffix=".jsonl")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(dict(zip(names, r)), ensure_ascii=False) + "\n")
        spec = "{" + ", ".join(f"'{n}': '{t}'" for n, t in zip(names, types)) + "}"
        cols = ", ".join(f'"{n}"' for n in names)
        con.execute(
            f"INSERT INTO {table} ({cols}) SELECT {cols} FROM read_json(?, format='newline_delimited', columns={spec})",
            [path],
        )
    finally:
        os.unlink(path)
