"""The batch path's inputs and outputs: table names, ticket columns, and
what the input holds — shared by every query builder in `slalang.sql`.

Input tables (a warehouse names its own tables or views; the names here are
the defaults, overridden through `Inputs`):

  tickets   KEY, id VARCHAR, priority VARCHAR, opened_at BIGINT,
            first_response_at BIGINT, resolved_at BIGINT, followup_at BIGINT,
            product VARCHAR, region VARCHAR, plan VARCHAR, exclusion VARCHAR,
            one BOOLEAN column per flag the contract declares (NULL = false),
            one BIGINT column per clock start a matrix names (`from NAME`;
            NULL = not happened yet)
  pauses    KEY, start_at BIGINT, end_at BIGINT      (one row per pause)
  updates   KEY, at BIGINT                           (one row per progress update)

Instants are integer epoch seconds (UTC), as the Python runtime's `Ticket`;
names are trimmed text, NULL when empty. KEY is the column that identifies a
ticket (`id` by default; the DuckDB engine uses the row number, as ticket ids
may repeat in a file). `Inputs.present` says which optional ticket columns
the input has, exactly as the Python runtime's `unmeasured` and
`unknown_flags` do: an absent `first_response_at` or `resolved_at` leaves
that metric not measured, an absent flag column makes the metrics whose
priority has a conditional row on it not measured, an absent clock-start
column leaves its metric not measured.

Outputs (column names; see each builder's docstring for the semantics, which
are `slalang.runtime.engine.Rules.evaluate`'s):

  outcomes  (slalang.sql.tickets) KEY, then per metric M of the rule file:
            M_column, M_target, M_clock, M_due, M_event, M_status, M_late,
            M_warning, M_done, M_total, M_line; then credit_L (exact DECIMAL,
            NULL when the ladder owes nothing) per step ladder L; breached
            BOOLEAN; error_key, error_column (NULL, or the TicketError the
            Python runtime raises for that ticket: `key` and `column`)
  cadence   (slalang.sql.cadence) KEY, updates_status, updates_missed,
            updates_due, followup_status, followup_due, error_key,
            error_column
"""

from __future__ import annotations

from dataclasses import dataclass, field

TICKETS = "slalang_tickets"
PAUSES = "slalang_pauses"
UPDATES = "slalang_updates"

INSTANT_COLUMNS = ("opened_at", "first_response_at", "resolved_at", "followup_at")
NAME_COLUMNS = ("product", "region", "plan", "exclusion")
BASE_COLUMNS = ("id", "priority", *INSTANT_COLUMNS, *NAME_COLUMNS)
OUTCOME_FIELDS = ("column", "target", "clock", "due", "event", "status", "late", "warning", "done", "total", "line")


def flag_columns(rules) -> tuple[str, ...]:
    """The contract's flag columns (BOOLEAN), in declaration order."""
    return tuple(f.name for f in rules.flags)


def start_columns(rules) -> tuple[str, ...]:
    """The clock-start columns the matrices name (`from NAME`; BIGINT), in first-use order."""
    return tuple(dict.fromkeys(m.start for m in rules.metrics if m.start != "opened_at"))


def ticket_columns(rules) -> tuple[str, ...]:
    """Every column of the tickets table for this rule file (KEY aside)."""
    return BASE_COLUMNS + flag_columns(rules) + start_columns(rules)


@dataclass(frozen=True)
class Inputs:
    """Where the input is and what it holds. `present`: the optional ticket
    columns the input has (None: all of them); `at`: the instant open
    tickets are judged at (None: not judged, as `evaluate(at=None)`)."""

    tickets: str = TICKETS
    pauses: str = PAUSES
    updates: str = UPDATES
    key: str = "id"
    present: frozenset[str] | None = None
    at: int | None = None
    calendar: str = "slalang_calendar"
    calendar_range: str = "slalang_calendar_range"
    extra: dict = field(default_factory=dict)  # further table names a builder documents

    def has(self, column: str) -> bool:
        return self.present is None or column in self.present

    def unmeasured(self) -> frozenset[str]:
        """The metrics the input cannot measure (as `Rules.evaluate(unmeasured=…)`)."""
        out = set()
        if not self.has("first_response_at"):
            out.add("response")
        if not self.has("resolved_at"):
            out.add("resolution")
        return frozenset(out)

    def unknown_flags(self, rules) -> frozenset[str]:
        """The flags the input has no column for (as `Rules.evaluate(unknown_flags=…)`)."""
        return frozenset(f for f in flag_columns(rules) if not self.has(f))


class Unsupported(Exception):
    """A construct of the rule file a query builder does not compile to SQL
    (the Python runtime evaluates it): `key` names the message in the
    catalogue (`cli.sql.unsupported.<key>` in templates/messages/<lang>/cli.yaml),
    `fields` its fields; `str()` is the English text."""

    def __init__(self, key: str, english: str, **fields) -> None:
        self.key, self.fields = key, fields
        super().__init__(english)
