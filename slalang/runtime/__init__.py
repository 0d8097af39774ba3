"""The enforcement runtime: compiled rule files → due times, breaches,
warnings, credits, availability and period reports.

Depends on the rule schema (slalang.ruleschema) only — never on the parser or
the contract model — so a service can enforce a contract from its
`<id>.rules.json` alone:

    from slalang import runtime
    rules = runtime.open_rules("out/example-itops.rules.json")
    cal = rules.calendars["business"]
    cal.add(opened_at, 30 * 60)                      # epoch seconds or aware datetime
    outcome = rules.evaluate(runtime.Ticket("T-1", "P1", opened_at, first_response_at=…))
    ledger = runtime.AvailabilityLedger(rules)       # availability per product/resource and period
    ledger.add_downtime("ecs", start, end, resource="i-1"); ledger.add_charges("ecs", "2026-04", amount, resource="i-1")
    report = runtime.PeriodReport(rules); report.add(outcome); report.add_availability(ledger.results())

Errors: `RulesError` (kind io | malformed | version | checksum) from the
loaders (a `slalang.rules/v1` to `v3` file is a `version` error: rebuild it;
a file from anyone is read within bounds and validated as a whole, so a file
that loads never crashes the runtime — docs/rules.md, "What the loader
refuses"),
`TicketError` (with `.column`) for a ticket, downtime, charges or claim row
the rules cannot judge, `CalendarRangeError` for an instant outside the days a
calendar covers (availability periods never need one: their bounds come from
the timezone)."""

from slalang.ruleschema import SCHEMA_ID, RuleFile, RulesError
from slalang.runtime.calendar import BusinessCalendar, CalendarRangeError
from slalang.runtime.engine import CadenceCheck, Deadline, Rules, Ticket, TicketError, TicketOutcome
from slalang.runtime.loader import load_rules, loads_rules

__all__ = [
    "SCHEMA_ID",
    "RuleFile",
    "RulesError",
    "BusinessCalendar",
    "CalendarRangeError",
    "CadenceCheck",
    "Deadline",
    "Rules",
    "Ticket",
    "TicketError",
    "TicketOutcome",
    "load_rules",
    "loads_rules",
    "open_rules",
    "AvailabilityLedger",
    "ClaimWindows",
    "PeriodReport",
]


def open_rules(path) -> Rules:
    """`load_rules(path)` compiled for enforcement."""
    return Rules(load_rules(path))


def __getattr__(name):
    # The ledger and the report import lazily: most callers need neither.
    if name == "AvailabilityLedger":
        from slalang.runtime.availability import AvailabilityLedger

        return AvailabilityLedger
    if name == "ClaimWindows":
        from slalang.runtime.availability import ClaimWindows

        return ClaimWindows
    if name == "PeriodReport":
        from slalang.runtime.report import PeriodReport

        return PeriodReport
    raise AttributeError(name)
