"""The semantic diff: two contract models → the changes between them, in the
contract's own terms, each with a direction (stricter on the provider, looser
for the provider, neutral, unclear).

Every change belongs to a section (in contract order), names its subject in
the contract's words ("P1 first response (off-hours)"), gives the old and the
new value, and says which way it moves the balance. Renamed and reordered
items are matched, not reported as removed and added; text changes carry a
word diff in every contract language.

The passes, one module each:
  match.py       pairing items of the two versions; renames followed into references
  changes.py     one comparison per statement kind (`diff_<kind>`, registry `DIFFERS`)
  directions.py  stricter / looser / neutral / unclear; targets via slalang.targets
  words.py       values as catalogue messages (templates/messages/<lang>/diff.yaml)
  render.py      text, Markdown and JSON in the reader's language

This package reads only the model (slalang/model.py)."""

from __future__ import annotations

from slalang import model as m
from slalang.semdiff.changes import (
    DIFFERS,
    NESTED,
    SECTIONS,
    Change,
    ContractDiff,
    RegistryError,
    _plain,
    run,
)
from slalang.semdiff.directions import DIRECTIONS, LOOSER, NEUTRAL, STRICTER, UNCLEAR
from slalang.semdiff.match import Match, match
from slalang.semdiff.render import render_markdown, render_text, to_json
from slalang.semdiff.words import Verbatim, show, word_diff

__all__ = [
    "COMPARED_FIELDS",
    "DIFFERS",
    "DIRECTIONS",
    "LOOSER",
    "NEUTRAL",
    "NESTED",
    "SECTIONS",
    "STRICTER",
    "UNCLEAR",
    "Change",
    "ContractDiff",
    "Match",
    "RegistryError",
    "diff",
    "handled_kinds",
    "match",
    "render_markdown",
    "render_text",
    "show",
    "to_json",
    "word_diff",
]


def handled_kinds() -> set[str]:
    """Grammar rules the diff compares: every statement kind with a
    `diff_<kind>` function, and the statements nested in them that those
    functions read (`row`, `tier_rule`, …)."""
    return set(DIFFERS) | {k for nested in NESTED.values() for k in nested}


def diff(old: m.Contract, new: m.Contract) -> ContractDiff:
    changes = run(old, new) + _uncompared(old, new)
    return ContractDiff(old.id, old.version, new.id, new.version, changes)


# Every field of the model this diff compares (source positions aside). A
# test checks this against slalang/model.py, so a new field cannot go
# unreported: compare it in the section it belongs to, then list it here.
# `Contract.values` is derived from the other fields; `Text.segments` from
# `Text.values`.
COMPARED_FIELDS: dict[str, frozenset[str]] = {
    k: frozenset(v.split())
    for k, v in {
        "Amount": "base money percent",
        "Audit": "by every",
        "AvailabilityTarget": "bucket bucket_error_percent counting denominator ignore_inclusive ignore_under percent "
        "period product resource",
        "Claim": "after calendar opens within",
        "ClaimSpan": "count spelling unit",
        "CreditForm": "kind restriction",
        "Calendar": "extra_holidays extra_workdays holiday_sets hours name region schedules timezone title variants",
        "Schedule": "holidays source workdays year",
        "CalendarSpan": "count unit",
        "Clause": "name paragraphs title",
        "Column": "calendar kind name plan",
        "Contract": "availability calendars clauses credit_ladders credits currency customer disputes effective_end "
        "effective_start exclusions followup id kind kind_written languages pauses prevailing priorities provider reporting "
        "resolution response scope timezone title updates values version warnings monitor version_label continuity security duties "
        "service_targets",
        "Cadence": "count kind period unit",
        "Monitor": "tool",
        "Continuity": "rpo rto standby title",
        "Duty": "calendar cadence evidence name performer performer_title performer_written section title",
        "Security": "access encrypted standards title",
        "ServiceTarget": "bound method name percent period title value",
        "CreditLadder": "cap form metric minimum name products step tiers title",
        "CreditPolicy": "cap cap_period claim combine form partial_periods quantum rounding rounding_scope",
        "CustomerCaused": "text",
        "DatedNote": "date note",
        "Disputes": "forum forum_name law seat",
        "Duration": "calendar_days clock days seconds spelling",
        "Exclusions": "customer_caused force_majeure maintenance others",
        "Followup": "title within",
        "Pauses": "when",
        "ForceMajeure": "events notify_within",
        "Maintenance": "max max_period notice windows",
        "Matrix": "clock columns confirm metric start start_title targets title",
        "Money": "amount currency",
        "OtherExclusion": "name text",
        "Party": "address contact credentials name",
        "Priority": "definitions name rank title",
        "Product": "fee fee_period name title",
        "Region": "name title",
        "Plan": "name title",
        "Flag": "name title",
        "Reporting": "audit metrics reports retention",
        "Scope": "flags plans products regions services",
        "Segment": "ref text",
        "Service": "name title",
        "StepRule": "amount every mode",
        "Target": "column duration priority strict when",
        "Text": "segments values",
        "TierRule": "amount below",
        "UpdateRule": "column every priority",
        "Updates": "clock columns rules title",
        "Value": "date duration kind money percent span strict text",
        "WarningLevel": "level percent",
        "WeeklyWindow": "end_minute start_minute weekday",
    }.items()
}

_SECTION_OF_FIELD = {"provider": "parties", "customer": "parties", "credit_ladders": "credits"}


def source_fields(cls: type[m._Model]) -> set[str]:
    """Fields that say where a model object was written, not what it means."""
    out = {"line"} & set(cls.model_fields)
    for name, f in cls.model_fields.items():
        if f.annotation is m.SourceSpan or m.SourceSpan in getattr(f.annotation, "__args__", ()):
            out.add(name)
    return out


def _uncompared(old: m.Contract, new: m.Contract) -> list[Change]:
    """Differences in model fields this package does not know yet (a field
    added to slalang/model.py after it was written): reported as unclear,
    never silently dropped."""
    if not _unknown_fields():
        return []  # the usual case: nothing to walk
    a: dict[str, object] = {}
    b: dict[str, object] = {}
    _collect(old, "", a)
    _collect(new, "", b)
    out = []
    for path in sorted(set(a) | set(b)):
        x, y = a.get(path), b.get(path)
        if _plain(x) == _plain(y):
            continue
        top = path.split(".")[0].split("[")[0]
        section = _SECTION_OF_FIELD.get(top, top if top in SECTIONS else "contract")
        out.append(
            Change(
                section, path, "changed", UNCLEAR, Verbatim(path), Verbatim(str(_plain(x))), Verbatim(str(_plain(y)))
            )
        )
    return out


def _model_classes() -> dict[str, type[m._Model]]:
    import inspect

    return {
        name: cls
        for name, cls in inspect.getmembers(m, inspect.isclass)
        if issubclass(cls, m._Model) and cls not in (m._Model, m._Located, m.SourceSpan)
    }


def _unknown_fields() -> dict[str, set[str]]:
    out = {}
    for name, cls in _model_classes().items():
        extra = set(cls.model_fields) - source_fields(cls) - COMPARED_FIELDS.get(name, frozenset())
        if extra:
            out[name] = extra
    return out


def _collect(obj, path: str, out: dict) -> None:
    if isinstance(obj, m._Model):
        cls = type(obj)
        known = COMPARED_FIELDS.get(cls.__name__)
        skip = source_fields(cls)
        for name in cls.model_fields:
            if name in skip:
                continue
            value = getattr(obj, name)
            sub = f"{path}.{name}" if path else name
            if known is None or name not in known:
                out[sub] = value
            else:
                _collect(value, sub, out)
    elif isinstance(obj, list | tuple):
        for i, item in enumerate(obj):
            key = getattr(item, "name", None) or getattr(item, "priority", None) or str(i)
            _collect(item, f"{path}[{key}]", out)
    elif isinstance(obj, dict):
        for key, item in obj.items():
            _collect(item, f"{path}[{key}]", out)
