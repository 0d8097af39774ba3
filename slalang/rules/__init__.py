"""The rules backend: a contract model → its compiled rule file.

Owns the translation from the contract model (slalang.model) to the rule
schema (slalang.ruleschema): calendars expanded into dated holidays and
make-up working days for every year they cover, targets in integer seconds
with their clock, decimals as exact strings, exclusions as codes, and the
source line of each rule. Output is deterministic: fields in schema order,
lists in a fixed order, no timestamps, so two builds are byte-identical.

`produce(ctx)` is the build producer (`slalang build --rules`); `rules_json`
and `rule_document` serve other backends (the PDF letter embeds the JSON)."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from slalang import model as m
from slalang.durations import wall_seconds
from slalang.errors import BuildError
from slalang.ruleschema import SCHEMA_ID, RuleFile, checksum_of
from slalang.terms import PERIOD_MONTHS, WEEKDAYS, hhmm

_DAYS = WEEKDAYS


def _dec(d: Decimal) -> str:
    # `format(…, "f")` never uses exponent notation (str(Decimal("1E+2")) does).
    return format(d, "f")


def _title(t: m.Text, langs: tuple[str, ...]) -> dict[str, str]:
    return {lang: t.values[lang] for lang in langs if lang in t.values}


def _note(note: m.Text | None, langs: tuple[str, ...]) -> str:
    if note is None:
        return ""
    return note.values.get("en") or note.values[langs[0]]


def _hours(windows) -> list[dict]:
    return [{"day": _DAYS[w.weekday], "start": hhmm(w.start_minute), "end": hhmm(w.end_minute)} for w in windows]


def _ladder_base(ld: m.CreditLadder) -> str:
    """The base of a ladder's bare percentages (`cap 30%`): the base its rules
    name (lowering allows one base per ladder), else the monthly fee."""
    amounts = [ld.step.amount] if ld.step else [t.amount for t in ld.tiers]
    return next((a.base for a in amounts if a.base is not None), "monthly_fee")


def _amount(a: m.Amount | None, ld: m.CreditLadder | None = None) -> dict | None:
    if a is None:
        return None
    if a.money is not None:
        return {"percent": None, "base": None, "money": _dec(a.money.amount), "currency": a.money.currency}
    assert a.percent is not None  # an amount is money or a percentage
    base = a.base or (_ladder_base(ld) if ld is not None else "monthly_fee")
    return {"percent": _dec(a.percent), "base": base, "money": None, "currency": None}


def _form(f: m.CreditForm | None, langs: tuple[str, ...]) -> dict | None:
    if f is None:
        return None
    return {"kind": f.kind, "restriction": _title(f.restriction, langs) if f.restriction else None}


def _span(s: m.ClaimSpan) -> dict:
    return {"count": s.count, "unit": s.unit, "spelling": s.spelling}


def _claim(c: m.Claim | None) -> dict | None:
    if c is None:
        return None
    return {
        "within": _span(c.within),
        "opens": _span(c.opens) if c.opens else None,
        "after": c.after,
        "calendar": c.calendar,
        "line": c.line,
    }


def _availability(a: m.AvailabilityTarget) -> dict:
    return {
        "product": a.product,
        "percent": _dec(a.percent),
        "period": a.period,
        "resource": a.resource,
        "counting": a.counting,
        "ignore_under_seconds": a.ignore_under.seconds if a.ignore_under else None,
        "ignore_inclusive": a.ignore_inclusive,
        "bucket_seconds": a.bucket.seconds if a.bucket else None,
        "bucket_error_percent": _dec(a.bucket_error_percent) if a.bucket_error_percent is not None else None,
        "denominator": a.denominator,
        "line": a.line,
    }


def covered_years(contract: m.Contract, cal: m.Calendar) -> range:
    """The years a calendar is expanded for (see `holidaysets.covered_years`),
    from the holidays package itself: no file outside the project changes a
    rule file (docs/security.md)."""
    from slalang import holidaysets

    return holidaysets.covered_years(
        cal.holiday_sets,
        contract.effective_start.year,
        contract.effective_end.year,
        [sc.year for sc in cal.schedules],
        fresh=True,
    )


def _calendar(contract: m.Contract, cal: m.Calendar) -> dict:
    """A calendar for the rule file, expanded by `holidaysets.calendar_days`:
    the one expansion of holiday sets, break weekends, make-up days and the
    contract's own dates, which the comparison of targets uses too."""
    from slalang import holidaysets

    langs = contract.languages
    years = covered_years(contract, cal)
    try:
        days = holidaysets.calendar_days(cal, years, fresh=True)  # never from the user's cache
    except holidaysets.UnknownHolidaySet as exc:  # lowering already refused an unknown set; guard anyway
        from slalang.i18n import Msg

        raise BuildError(Msg("cli.build_error.unknown_holiday_set", code=exc.code)) from None

    def entry(day: holidaysets.Day, workday: bool) -> dict[str, str]:
        name = _note(day.note, langs) if day.origin in ("contract", "schedule") else (day.name or "")
        out = {"date": day.date.isoformat(), "name": name, "origin": day.origin}
        if workday:
            assert day.hours_of is not None  # every working day says whose hours it works
            out["hours_of"] = _DAYS[day.hours_of]
        return out

    return {
        "name": cal.name,
        "title": _title(cal.title, langs),
        "timezone": cal.timezone or contract.timezone,
        "region": cal.region,
        "hours": _hours(cal.hours),
        "holiday_sets": [{"set": code, "source": source} for code, source in days.sources],
        "covers": {"start": f"{years.start:04d}-01-01", "end": f"{years.stop - 1:04d}-12-31"},
        "holidays": [entry(days.holidays[d], False) for d in sorted(days.holidays)],
        "workdays": [entry(days.workdays[d], True) for d in sorted(days.workdays)],
        "line": cal.line,
    }


def _columns(columns: tuple[m.Column, ...]) -> list[dict]:
    return [
        {
            "name": c.name,
            "kind": c.kind,
            "calendar": c.calendar if c.kind == "calendar" else None,
            "region": c.name if c.kind == "region" else None,
            "plan": c.plan,
        }
        for c in columns
    ]


def _metric(mx: m.Matrix, langs) -> dict:
    return {
        "name": mx.metric,
        "title": _title(mx.title, langs),
        "calendar": mx.clock,
        "columns": _columns(mx.columns),
        "start": mx.start or "opened_at",
        "start_title": _title(mx.start_title, langs) if mx.start_title else None,
        "line": mx.line,
    }


def _clock(d: m.Duration) -> dict:
    """Days and seconds of a duration for the rule file: on the wall clock
    `days` are calendar days (the same local time that many days later) and
    `seconds` the elapsed rest; on a business clock, business days then
    business seconds."""
    if d.clock == "wall":
        return {"days": d.calendar_days, "seconds": d.seconds - d.calendar_days * 86400}
    return {"days": d.days, "seconds": d.seconds}


def _target(mx: m.Matrix, t: m.Target) -> dict:
    d = t.duration
    if d is None:
        return {
            "metric": mx.metric,
            "priority": t.priority,
            "column": t.column,
            "clock": "none",
            "calendar": None,
            "days": 0,
            "seconds": 0,
            "strict": False,
            "when": t.when,
            "spelling": "-",
            "line": t.line,
        }
    return {
        "metric": mx.metric,
        "priority": t.priority,
        "column": t.column,
        "clock": d.clock,
        "calendar": mx.clock if d.clock == "business" else None,
        **_clock(d),
        "strict": t.strict,
        "when": t.when,
        "spelling": ("<" if t.strict else "") + d.spelling,
        "line": t.line,
    }


def _updates(u: m.Updates | None) -> dict | None:
    if u is None:
        return None
    return {
        "calendar": u.clock,
        "columns": _columns(u.columns),
        "rules": [
            {
                "priority": r.priority,
                "column": r.column,
                "clock": r.every.clock,
                "calendar": u.clock if r.every.clock == "business" else None,
                **_clock(r.every),
                "spelling": r.every.spelling,
                "line": r.line,
            }
            for r in u.rules
        ],
        "line": u.line,
    }


def _exclusions(ex: m.Exclusions | None) -> list[dict]:
    if ex is None:
        return []
    out = []
    if ex.force_majeure:
        fm = ex.force_majeure
        out.append(
            {
                "code": "force_majeure",
                "line": fm.line,
                "notify_within_seconds": fm.notify_within.seconds if fm.notify_within else None,
            }
        )
    if ex.maintenance:
        mt = ex.maintenance
        out.append(
            {
                "code": "maintenance",
                "line": mt.line,
                "notice_seconds": mt.notice.seconds if mt.notice else None,
                "max_seconds": mt.max.seconds if mt.max else None,
                "max_period": mt.max_period,
                "windows": _hours(mt.windows),
            }
        )
    if ex.customer_caused:
        out.append({"code": "customer_caused", "line": ex.customer_caused.line})
    for o in ex.others:
        out.append({"code": o.name, "line": o.line})
    return out


def _opt_title(t: m.Text | None, langs: tuple[str, ...]) -> dict[str, str] | None:
    return None if t is None else _title(t, langs)


def _duty(d: m.Duty, langs: tuple[str, ...]) -> dict:
    cad = d.cadence
    return {
        "name": d.name,
        "title": _title(d.title, langs),
        "section": d.section,
        "cadence": None
        if cad is None
        else {"kind": cad.kind, "count": cad.count, "unit": cad.unit, "period": cad.period},
        "performer": d.performer,
        "performer_title": _opt_title(d.performer_title, langs),
        "evidence": _opt_title(d.evidence, langs),
        "calendar": d.calendar,
        "line": d.line,
    }


def _audit_duty(rep: m.Reporting) -> dict | None:
    """`reporting { audit every 6 months by third_party }` as the duty `audit`,
    so it is tracked like any other. Its title is null: the contract gives the
    audit no words, and the rule file never invents contract words (a report
    prints its own catalogue's word)."""
    a = rep.audit
    if a is None:
        return None
    span = a.span or rep.span
    return {
        "name": "audit",
        "title": None,
        "section": "reporting",
        "cadence": {"kind": "every", "count": a.every.count, "unit": a.every.unit, "period": None},
        "performer": a.by,
        "performer_title": None,
        "evidence": None,
        "calendar": None,
        "line": span.line if span is not None else 1,
    }


def _duties(c: m.Contract, langs: tuple[str, ...]) -> list[dict]:
    """Every duty in source order, the audit among them by its line."""
    out = [_duty(d, langs) for d in c.duties]
    audit = _audit_duty(c.reporting) if c.reporting is not None else None
    if audit is not None:
        out.append(audit)
        out.sort(key=lambda d: d["line"])  # stable: source order kept
    return out


def _service_target(t: m.ServiceTarget, langs: tuple[str, ...]) -> dict:
    return {
        "name": t.name,
        "title": _title(t.title, langs),
        "bound": t.bound,
        "value": _dec(t.value),
        "percent": t.percent,
        "period": t.period,
        "method": _opt_title(t.method, langs),
        "line": t.line,
    }


def _continuity(ct: m.Continuity | None, langs: tuple[str, ...]) -> dict | None:
    if ct is None:
        return None
    return {
        "title": _title(ct.title, langs),
        "standby": _opt_title(ct.standby, langs),
        "rto_seconds": wall_seconds(ct.rto) if ct.rto is not None else None,
        "rpo_seconds": wall_seconds(ct.rpo) if ct.rpo is not None else None,
        "line": ct.line,
    }


def _security(sc: m.Security | None, langs: tuple[str, ...]) -> dict | None:
    if sc is None:
        return None
    return {
        "title": _title(sc.title, langs),
        "standards": [_title(t, langs) for t in sc.standards],
        "encrypted": [_title(t, langs) for t in sc.encrypted],
        "access": [_title(t, langs) for t in sc.access],
        "line": sc.line,
    }


def rule_document(contract: m.Contract, canonical_text: str) -> dict:
    """The rule file as a plain dict (JSON types only), checksum included,
    validated against the rule schema."""
    c, langs = contract, contract.languages
    pol = c.credits
    doc = {
        "schema": SCHEMA_ID,
        "contract": {"id": c.id, "version": c.version, "title": _title(c.title, langs), "languages": list(langs)},
        "source_sha256": hashlib.sha256(canonical_text.encode("utf-8")).hexdigest(),
        "effective": {"start": c.effective_start.isoformat(), "end": c.effective_end.isoformat()},
        "timezone": c.timezone,
        "currency": c.currency,
        "calendars": [_calendar(c, v) for cal in c.calendars for v in (cal.variants or (cal,))],
        "priorities": [
            {"name": p.name, "rank": p.rank, "title": _title(p.title, langs)}
            for p in sorted(c.priorities, key=lambda p: p.rank)
        ],
        "products": [
            {"name": p.name, "title": _title(p.title, langs), "monthly_fee": _monthly_fee(p)} for p in c.scope.products
        ],
        "regions": [{"name": r.name, "title": _title(r.title, langs)} for r in c.scope.regions],
        "plans": [{"name": p.name, "title": _title(p.title, langs)} for p in c.scope.plans],
        "flags": [{"name": f.name, "title": _title(f.title, langs)} for f in c.scope.flags],
        "metrics": [_metric(mx, langs) for mx in (c.response, c.resolution) if mx is not None],
        "targets": [_target(mx, t) for mx in (c.response, c.resolution) if mx is not None for t in mx.targets],
        "updates": _updates(c.updates),
        "followup": (
            {
                **_clock(c.followup.within),
                "spelling": c.followup.within.spelling,
                "line": c.followup.line,
            }
            if c.followup
            else None
        ),
        "pauses": {"when": _title(c.pauses.when, langs), "line": c.pauses.line} if c.pauses else None,
        "availability": [_availability(a) for a in c.availability],
        "warnings": [
            {"level": w.level, "percent": _dec(w.percent), "line": w.line}
            for w in sorted(c.warnings, key=lambda w: w.percent)
        ],
        "credit_ladders": [
            {
                "name": ld.name,
                "title": _title(ld.title, langs),
                "metric": ld.metric,
                "step": (
                    {
                        "mode": ld.step.mode,
                        "every_seconds": ld.step.every.seconds,
                        "spelling": ld.step.every.spelling,
                        "amount": _amount(ld.step.amount, ld),
                        "line": ld.step.line,
                    }
                    if ld.step
                    else None
                ),
                "tiers": [
                    {"below": _dec(t.below), "amount": _amount(t.amount, ld), "line": t.line}
                    for t in sorted(ld.tiers, key=lambda t: t.below, reverse=True)
                ],
                "products": list(ld.products),
                "minimum": _amount(ld.minimum, ld),
                "cap": _amount(ld.cap, ld),
                "form": _form(ld.form, langs),
                "line": ld.line,
            }
            for ld in c.credit_ladders
        ],
        "credit_policy": {
            "cap": _amount(pol.cap) if pol else None,
            "cap_period": (pol.cap_period or ("month" if pol.cap else None)) if pol else None,
            "form": _form(pol.form, langs) if pol else None,
            "combine": pol.combine if pol else None,
            "partial_periods": pol.partial_periods if pol else "prorated",
            "claim": _claim(pol.claim) if pol else None,
            "rounding": pol.rounding if pol else None,
            "quantum": _dec(pol.quantum) if pol else "0.01",
            "rounding_scope": pol.rounding_scope if pol else None,
            "line": pol.line if pol else None,
        },
        "exclusions": _exclusions(c.exclusions),
        "duties": _duties(c, langs),
        "service_targets": [_service_target(t, langs) for t in c.service_targets],
        "continuity": _continuity(c.continuity, langs),
        "security": _security(c.security, langs),
    }
    # Round-trip through the schema: a field the schema does not know is a bug
    # here, caught at build time rather than in a consumer's loader. Dumping
    # the model also puts the keys in the schema's order and fills defaults,
    # so the checksum is computed over exactly what is written.
    doc["checksum"] = "sha256:" + "0" * 64
    from pydantic import ValidationError

    try:
        out = RuleFile.model_validate(doc).model_dump(mode="json", by_alias=True)
    except ValidationError as exc:  # a limit of the loader (docs/security.md) the front end lets through
        raise _over_limit(doc, exc) from None
    out["checksum"] = checksum_of(out)
    return out


def _over_limit(doc: dict, exc) -> BuildError:
    """A BuildError naming the first value the schema refuses, its JSON path
    and the contract line it comes from (the nearest `line` above it)."""
    from slalang.i18n import Msg, Verbatim

    first = exc.errors()[0]
    loc = [p for p in first.get("loc", ()) if isinstance(p, (str, int))]
    node: object = doc
    line = None
    for part in loc:
        if isinstance(node, dict) and isinstance(node.get("line"), int):
            line = node["line"]
        try:
            node = node[part]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            break
    where = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(loc))
    return BuildError(
        Msg(
            "cli.build_error.rules_limit",
            where=Verbatim(where or "(file)"),
            line=Msg("cli.build_error.rules_limit_line", line=line) if line else "",
            reason=Verbatim(str(first.get("msg", ""))[:200]),
        ),
        Msg("cli.build_error.rules_limit_hint"),
    )


def _monthly_fee(p: m.Product) -> str | None:
    if p.fee is None:
        return None
    per = PERIOD_MONTHS[p.fee_period or "month"]
    fee = p.fee.amount / per
    # A yearly fee of 100000 gives 8333.333…: keep enough places to stay exact
    # to the cent after any percentage, and no trailing noise otherwise.
    if fee != fee.quantize(Decimal("0.0001")):
        fee = fee.quantize(Decimal("0.0000001"))
    return _dec(fee)


def dumps_json(document: dict) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def dumps_yaml(document: dict) -> bytes:
    import yaml  # heavy: only when building

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper, value: str):
        # Quote every string that starts with a digit (times, dates, decimals,
        # versions): YAML 1.1 readers take an unquoted 12:00 for the number
        # 720 and 2026-01-01 for a date, and PyYAML quotes only some of them.
        style = "'" if value[:1].isdigit() else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    out = yaml.dump(document, Dumper=Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)
    return out.encode("utf-8")


def rules_json(contract: m.Contract, canonical_text: str) -> bytes:
    """The `<id>.rules.json` bytes of one contract."""
    return dumps_json(rule_document(contract, canonical_text))


def produce(ctx) -> dict[str, bytes]:
    """Build producer: `{<id>.rules.json: …, <id>.rules.yaml: …}`."""
    doc = rule_document(ctx.contract, ctx.canonical())
    cid = ctx.contract.id
    return {f"{cid}.rules.json": dumps_json(doc), f"{cid}.rules.yaml": dumps_yaml(doc)}
