"""Lowering: AST → validated contract model, with every semantic check.

This module owns what the words of a contract mean: which names exist, which
language each string is in, what a duration counts, which ranges and orders
are allowed. It reports every problem it finds (it does not stop at the
first), each with a stable code from slalang.diagnostics.CODES and the span of
the offending text, and returns a `Contract` only when there are no errors."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from decimal import Decimal

from slalang import ast, model
from slalang.diagnostics import Diagnostic, Label, did_you_mean, make
from slalang.source import SourceFile, Span

SUPPORTED_LANGUAGES = ("zh", "en")
REPORT_METRICS = ("sla_attainment", "mttr", "availability", "breaches", "credits", "response_time", "resolution_time")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "bh": 3600}
_MAX_DURATION_SECONDS = 366 * 86400
_MAX_BUSINESS_DAYS = 366
_RESERVED = {"priority": ("clock", "columns"), "calendar": ("any", "off_hours"), "region": ("any", "off_hours")}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ID = re.compile(r"[a-z0-9][a-z0-9._-]*\Z")
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+-]*\Z")
_CALENDAR_UNIT = {
    "day": "day",
    "days": "day",
    "week": "week",
    "weeks": "week",
    "month": "month",
    "months": "month",
    "year": "year",
    "years": "year",
}

REQUIRED = {
    "title": 'title "服务响应时间承诺书" | "Service Response Time Commitment"',
    "languages": "languages zh, en",
    "effective": "effective 2026-01-01 to 2026-12-31",
    "timezone": 'timezone "Asia/Shanghai"',
    "currency": "currency CNY",
    "provider": 'provider "…" | "…" { credential "ISO/IEC 20000-1:2018" }',
    "customer": 'customer "…" | "…"',
}
SINGLETONS = (
    "title",
    "languages",
    "prevailing",
    "effective",
    "timezone",
    "currency",
    "provider",
    "customer",
    "scope",
    "updates",
    "followup",
    "warnings",
    "credits",
    "exclusions",
    "reporting",
    "disputes",
)


# Lowering has already checked every value it puts into the model, so by
# default models are assembled without pydantic re-validating them: building
# pydantic's validators costs more than a whole `slalang check`. With
# SLALANG_STRICT_MODEL=1 (set by the test suite) every model is validated as
# it is built, so a lowering bug that produces ill-typed data fails loudly.
_STRICT = os.environ.get("SLALANG_STRICT_MODEL") == "1"


_DEFAULTS: dict[type, tuple[dict, dict]] = {}


def _new(cls, **fields):
    """`cls(**fields)`, without re-validation unless strict (see above).

    Equivalent to pydantic's `model_construct`, which is several times
    slower: it resolves every default on every call."""
    if _STRICT:
        return cls(**fields)
    plan = _DEFAULTS.get(cls)
    if plan is None:
        plain, factories = {}, {}
        for name, info in cls.model_fields.items():
            if info.default_factory is not None:
                factories[name] = info.default_factory
            elif not info.is_required():
                plain[name] = info.default
        plan = _DEFAULTS[cls] = (plain, factories)
    plain, factories = plan
    values = dict(plain)
    for name, factory in factories.items():
        if name not in fields:
            values[name] = factory()
    values.update(fields)
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(fields))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


class _Abort(Exception):
    """Raised internally when a statement cannot be lowered further."""


def lower(source: SourceFile, root: ast.Node) -> tuple[model.Contract | None, list[Diagnostic]]:
    lowerer = _Lowerer(source, root)
    contract = lowerer.run()
    errors = any(d.is_error for d in lowerer.diags)
    return (None if errors else contract), lowerer.diags


class _Lowerer:
    def __init__(self, source: SourceFile, root: ast.Node) -> None:
        self.src = source
        self.root = root
        self.diags: list[Diagnostic] = []
        self.langs: tuple[str, ...] = SUPPORTED_LANGUAGES
        self.refs: list[ast.Ref] = []
        self.calendars: dict[str, model.Calendar] = {}
        self.calendar_spans: dict[str, Span] = {}
        self.priorities: dict[str, model.Priority] = {}
        self.products: dict[str, model.Product] = {}
        self.regions: dict[str, model.Region] = {}
        self.failed: set[str] = set()
        self.region_spans: dict[str, Span] = {}
        self.empty_cells: set[str] = set()  # `metric.priority.column` paths of `-` cells
        self.ref_texts: list[
            ast.Text
        ] = []  # clause texts, for the same-values check  # reference prefixes whose section did not lower

    # ------------------------------------------------------------ helpers
    def err(
        self, code: str, message: str, span: Span | None, hint: str | None = None, labels: Iterable[Label] = ()
    ) -> None:
        self.diags.append(make(code, message, self.src, span, hint=hint, labels=labels))

    def line(self, span: Span) -> int:
        return self.src.line_col(span.start)[0]

    def head(self, node: ast.Node) -> Span:
        return node.head(self.src.text)

    def unknown(self, what: str, name: ast.Name, known: Iterable[str], extra_hint: str = "") -> None:
        known = list(known)
        guess = did_you_mean(name.value, known)
        if guess:
            hint = f"did you mean `{guess}`?"
        elif known:
            shown = ", ".join(f"`{k}`" for k in known[:8]) + (", …" if len(known) > 8 else "")
            hint = f"declared {what}s: {shown}"
        else:
            hint = extra_hint or f"declare the {what} first"
        self.err("E0201", f"unknown {what} `{name.value}`", name.span, hint)

    def reserved(self, kind: str, name: ast.Name) -> bool:
        if name.value in _RESERVED.get(kind, ()):
            self.err(
                "E0206",
                f"`{name.value}` cannot name a {kind}",
                name.span,
                f"`{name.value}` has a meaning of its own in a matrix; choose another name",
            )
            return True
        return False

    def duplicate(self, what: str, name: str, span: Span, first: Span) -> None:
        self.err(
            "E0202",
            f"{what} `{name}` is declared twice",
            span,
            "give each a different name, or remove one",
            [Label(first, "first declared here")],
        )

    def singles(self, node: ast.Node, kinds: Iterable[str], where: str) -> dict[str, ast.Node]:
        """First child of each kind; a repeated statement is reported."""
        seen: dict[str, ast.Node] = {}
        kinds = set(kinds)
        for child in node.nodes():
            if child.kind not in kinds:
                continue
            if child.kind in seen:
                word = self.src.text[self.head(child).start : self.head(child).end]
                self.err(
                    "E0203",
                    f"`{word}` is given twice in {where}",
                    self.head(child),
                    "keep one of them",
                    [Label(self.head(seen[child.kind]), "first given here")],
                )
            else:
                seen[child.kind] = child
        return seen

    # ------------------------------------------------------------ literals
    def text(self, t: ast.Text, neutral_ok: bool = False, refs_ok: bool = False) -> model.Text:
        strings = t.strings
        for s in strings:
            if s.refs and not refs_ok:
                ref = s.refs[0]
                self.err(
                    "E0703",
                    f"`{{{ref.path}}}` quotes a value outside a clause",
                    ref.span,
                    "values are quoted in `clause` texts only; write `\\{` for a literal brace",
                )
                continue
            self.refs.extend(s.refs)
            if not s.value.strip():
                self.err("E0305", "this text is empty", s.span, "write the words, or remove the statement")
        if len(strings) == 1 and len(self.langs) > 1 and neutral_ok:
            strings = strings * len(self.langs)
        elif len(strings) != len(self.langs):
            names = ", ".join(self.langs)
            if len(strings) < len(self.langs):
                missing = ", ".join(self.langs[len(strings) :])
                example = " | ".join(f'"…{lang}…"' for lang in self.langs)
                self.err(
                    "E0301",
                    f"this text has no {missing} version (the contract is in {names})",
                    t.span,
                    f"give one string per language, in order: {example}",
                )
            else:
                self.err(
                    "E0301",
                    f"this text has {len(strings)} versions but the contract declares "
                    f"{len(self.langs)} language{'s' if len(self.langs) > 1 else ''} ({names})",
                    strings[len(self.langs)].span,
                    "remove the extra string, or declare the language",
                )
            strings = (strings + strings[-1:] * len(self.langs))[: len(self.langs)]
        elif len(self.langs) > 1 and "zh" in self.langs and "en" in self.langs:
            zh = strings[self.langs.index("zh")]
            en = strings[self.langs.index("en")]
            if not _CJK.search(zh.value) and _CJK.search(en.value):
                self.err(
                    "W0304",
                    "the Chinese text has no Chinese characters but the English one does",
                    zh.span,
                    f"texts follow `languages` order ({', '.join(self.langs)}); are the two strings swapped?",
                )
        values = {lang: s.value for lang, s in zip(self.langs, strings)}
        segments = {
            lang: tuple(
                _new(model.Segment, text=seg) if isinstance(seg, str) else _new(model.Segment, ref=seg.path)
                for seg in s.segments
            )
            for lang, s in zip(self.langs, strings)
        }
        return _new(model.Text, values=values, segments=segments)

    def check_same_refs(self, t: ast.Text) -> None:
        """The languages of one text must quote the same values (checked
        once references are resolved, so a misspelt one is reported once)."""
        self.ref_texts.append(t)

    def _check_same_refs(self, t: ast.Text, values: dict) -> None:
        if any(r.path not in values for s in t.strings for r in s.refs):
            return
        sets = [sorted({r.path for r in s.refs}) for s in t.strings]
        if len(sets) > 1 and any(x != sets[0] for x in sets[1:]):
            odd = next(i for i, x in enumerate(sets) if x != sets[0])
            self.err(
                "W0703",
                "the languages of this text quote different values "
                f"({', '.join(sets[0]) or 'none'} vs {', '.join(sets[odd]) or 'none'})",
                t.strings[odd].span,
                "quote the same `{…}` values in every language, so the versions agree",
            )

    def duration(
        self, d: ast.DurationLit, clock_calendar: str | None, what: str, wall_only: bool = False
    ) -> model.Duration:
        units = {u for _, u in d.parts}
        business = units & {"bh", "bd"}
        if business and units - business:
            self.err(
                "E0406",
                f"`{d.raw}` mixes wall-clock and business-time units",
                d.span,
                "use `m`, `h`, `d` (wall clock) or `bh`, `bd` (business calendar), not both",
            )
            raise _Abort
        if business and wall_only:
            self.err(
                "E0405",
                f"{what} runs on the wall clock; `{d.raw}` uses business-time units",
                d.span,
                "write it in `m`, `h` or `d`",
            )
            raise _Abort
        if business and clock_calendar is None:
            self.err(
                "E0405",
                f"`{d.raw}` counts business time, but {what} names no business calendar",
                d.span,
                "add `clock <calendar>` to the block, e.g. `clock business`",
            )
            raise _Abort
        seconds = sum(n * _UNIT_SECONDS[u] for n, u in d.parts if u != "bd")
        days = sum(n for n, u in d.parts if u == "bd")
        if seconds == 0 and days == 0:
            self.err(
                "E0407",
                f"{what} of `{d.raw}` is zero",
                d.span,
                "give a positive duration"
                + (", or `-` where a matrix makes no commitment" if "target" in what else ""),
            )
            raise _Abort
        if seconds > _MAX_DURATION_SECONDS or days > _MAX_BUSINESS_DAYS:
            self.err(
                "E0107",
                f"`{d.raw}` is longer than a year",
                d.span,
                "durations in a contract are at most 366 days (`366d`, `366bd`)",
            )
            raise _Abort
        return _new(
            model.Duration, spelling=d.raw, clock="business" if business else "wall", seconds=seconds, days=days
        )

    def percent(self, p: ast.PercentLit, what: str, low: Decimal, high: Decimal, low_open: bool = True) -> Decimal:
        bad = p.value > high or (p.value <= low if low_open else p.value < low)
        if bad:
            lo = f"above {low}%" if low_open else f"at least {low}%"
            self.err("E0501", f"{what} `{p.raw}` is out of range", p.span, f"it must be {lo} and at most {high}%")
            raise _Abort
        return p.value

    def amount(self, node: ast.Node, what: str, currency: str | None) -> model.Amount:
        if node.kind == "percent_amount":
            p = node.lit(ast.PercentLit)
            value = self.percent(p, what, Decimal(0), Decimal(100))
            return _new(model.Amount, percent=value, base="monthly_fee")
        num = node.lit(ast.NumberLit)
        cur = node.lit(ast.Name)
        if currency is not None and cur.value != currency:
            self.err(
                "E0504",
                f"{what} is in {cur.value} but the contract currency is {currency}",
                cur.span,
                f"write `{num.raw} {currency}`",
            )
            raise _Abort
        if num.value <= 0 or num.value.as_tuple().exponent < -2:
            self.err(
                "E0504",
                f"{what} `{num.raw}` is not a positive amount with at most two decimals",
                num.span,
                f"write an amount such as `500.00 {cur.value}`",
            )
            raise _Abort
        return _new(model.Amount, money=_new(model.Money, amount=num.value, currency=cur.value))

    def integer(self, n: ast.NumberLit, what: str) -> int:
        if n.value != n.value.to_integral_value() or n.value <= 0:
            self.err("E0108", f"{what} must be a positive whole number, not `{n.raw}`", n.span)
            raise _Abort
        return int(n.value)

    def calendar_span(self, n: ast.NumberLit, unit: ast.Keyword, what: str) -> model.CalendarSpan:
        return _new(model.CalendarSpan, count=self.integer(n, what), unit=_CALENDAR_UNIT[unit.value])

    def guarded(self, fn: Callable, *args):
        try:
            return fn(*args)
        except _Abort:
            return None

    # ------------------------------------------------------------ driver
    def run(self) -> model.Contract | None:
        root = self.root
        cid, version = root.lits(ast.Str)[:2]
        if not _ID.match(cid.value):
            self.err(
                "E0205",
                f"contract id `{cid.value}` is not a valid id",
                cid.span,
                'use lower-case letters, digits, `-`, `_` and `.`, e.g. `"example-itops"`',
            )
        if not _VERSION.match(version.value):
            self.err(
                "E0205",
                f"version `{version.value}` is not a valid version",
                version.span,
                'write a version such as `"2.1.0"`',
            )
        top = self.singles(root, SINGLETONS, "the contract")
        for kind, example in REQUIRED.items():
            if kind not in top:
                self.err("E0204", f"the contract has no `{kind}`", self.head(root), f"add a line such as `{example}`")

        self.lower_languages(top.get("languages"), top.get("prevailing"))
        title = self.guarded(self.text, top["title"].lit(ast.Text)) if "title" in top else None
        start, end = self.lower_effective(top.get("effective"))
        tz = self.lower_timezone(top.get("timezone"))
        currency = self.lower_currency(top.get("currency"))
        provider = self.lower_party(top.get("provider"))
        customer = self.lower_party(top.get("customer"))
        scope = self.lower_scope(top.get("scope"), currency)
        calendars = [c for c in (self.guarded(self.lower_calendar, n, start, end) for n in root.nodes("calendar")) if c]
        priorities = self.lower_priorities(list(root.nodes("priority")))

        matrices: dict[str, model.Matrix] = {}
        seen_matrix: dict[str, ast.Node] = {}
        for node in root.nodes("matrix"):
            metric = node.lit(ast.Keyword).value
            if metric in seen_matrix:
                self.err(
                    "E0203",
                    f"`{metric}` is given twice in the contract",
                    self.head(node),
                    "keep one matrix per metric",
                    [Label(self.head(seen_matrix[metric]), "first given here")],
                )
                continue
            seen_matrix[metric] = node
            m = self.guarded(self.lower_matrix, node, metric)
            if m:
                matrices[metric] = m
            else:
                self.failed.add(metric)
        self.check_monotonic(matrices)
        self.check_response_vs_resolution(matrices)

        updates = self.guarded(self.lower_updates, top["updates"]) if "updates" in top else None
        followup = self.guarded(self.lower_followup, top["followup"]) if "followup" in top else None
        credits = self.guarded(self.lower_credits, top["credits"], currency) if "credits" in top else None
        for name, node, value in (
            ("updates", top.get("updates"), updates),
            ("followup", top.get("followup"), followup),
            ("credits", top.get("credits"), credits),
        ):
            if node is not None and value is None:
                self.failed.add(name)
        availability = self.lower_availability(list(root.nodes("availability")))
        warnings = self.lower_warnings(top.get("warnings"))
        ladders = self.lower_ladders(list(root.nodes("credit")), currency)
        exclusions = self.lower_exclusions(top.get("exclusions"))
        reporting = self.lower_reporting(top.get("reporting"))
        disputes = self.lower_disputes(top.get("disputes"))
        clauses = self.lower_clauses(list(root.nodes("clause")))

        if any(d.is_error for d in self.diags) or None in (title, start, end, tz, currency, provider, customer):
            # Still resolve references so their errors are reported together.
            self.resolve_refs(
                self.values_partial(
                    matrices,
                    updates,
                    followup,
                    availability,
                    warnings,
                    ladders,
                    credits,
                    exclusions,
                    reporting,
                    start,
                    end,
                    provider,
                    customer,
                    scope,
                )
            )
            return None
        values = self.values_partial(
            matrices,
            updates,
            followup,
            availability,
            warnings,
            ladders,
            credits,
            exclusions,
            reporting,
            start,
            end,
            provider,
            customer,
            scope,
        )
        self.resolve_refs(values)
        if any(d.is_error for d in self.diags):
            return None
        return _new(
            model.Contract,
            id=cid.value,
            version=version.value,
            title=title,
            languages=self.langs,
            prevailing=self.prevailing,
            effective_start=start,
            effective_end=end,
            timezone=tz,
            currency=currency,
            provider=provider,
            customer=customer,
            scope=scope,
            calendars=tuple(calendars),
            priorities=tuple(priorities),
            response=matrices.get("response"),
            resolution=matrices.get("resolution"),
            updates=updates,
            followup=followup,
            availability=tuple(availability),
            warnings=tuple(warnings),
            credit_ladders=tuple(ladders),
            credits=credits,
            exclusions=exclusions,
            reporting=reporting,
            disputes=disputes,
            clauses=tuple(clauses),
            values=values,
        )

    # ------------------------------------------------------------ header
    def lower_languages(self, node: ast.Node | None, prevailing: ast.Node | None) -> None:
        self.prevailing = "zh"
        if node is not None:
            langs: list[str] = []
            spans: dict[str, Span] = {}
            for name in node.lits(ast.Name):
                if name.value in spans:
                    self.err(
                        "E0302",
                        f"language `{name.value}` is listed twice",
                        name.span,
                        "list each language once",
                        [Label(spans[name.value], "first listed here")],
                    )
                else:
                    if name.value not in SUPPORTED_LANGUAGES:
                        guess = did_you_mean(name.value, SUPPORTED_LANGUAGES)
                        self.err(
                            "E0302",
                            f"language `{name.value}` is not supported",
                            name.span,
                            f"did you mean `{guess}`?" if guess else "supported languages: `zh`, `en`",
                        )
                    # kept even when unsupported, so texts are not all reported as mis-sized
                    spans[name.value] = name.span
                    langs.append(name.value)
            if langs:
                self.langs = tuple(langs)
        if prevailing is not None:
            name = prevailing.lit(ast.Name)
            if name.value not in self.langs:
                self.err(
                    "E0303",
                    f"prevailing language `{name.value}` is not one of the contract's "
                    f"languages ({', '.join(self.langs)})",
                    name.span,
                    f"write `prevailing {self.langs[0]}`",
                )
            else:
                self.prevailing = name.value
        elif node is not None and len(self.langs) > 1:
            self.err(
                "E0204",
                "the contract has two languages but no `prevailing` language",
                self.head(node),
                f"add `prevailing {self.langs[0]}`: the text that wins if the two disagree",
            )
        else:
            self.prevailing = self.langs[0]

    def lower_effective(self, node):
        if node is None:
            return None, None
        a, b = node.lits(ast.DateLit)
        if a.value and b.value and not a.value < b.value:
            self.err(
                "E0601",
                f"the effective period ends ({b.raw}) before it starts ({a.raw})"
                if b.value < a.value
                else "the effective period starts and ends on the same day",
                Span(a.span.start, b.span.end),
                "write `effective START to END` with START before END",
            )
            return None, None
        return a.value, b.value

    def lower_timezone(self, node):
        if node is None:
            return None
        s = node.lit(ast.Str)
        name = s.value
        import zoneinfo

        # Only region/city names: not the build machine's own zone
        # (`localtime`), tzdata's internal files, or its posix/right mirrors.
        ok = (
            bool(name)
            and not name.startswith(("/", ".", "posix/", "right/"))
            and ".." not in name
            and name
            not in (
                "localtime",
                "posixrules",
                "Factory",
                "leap-seconds.list",
                "leapseconds",
                "tzdata.zi",
                "zone.tab",
                "zone1970.tab",
                "iso3166.tab",
                "SECURITY",
            )
        )
        if ok:
            try:
                zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
                ok = False
        if not ok:
            zones = sorted(
                z
                for z in zoneinfo.available_timezones()
                if "/" in z and z != name and not z.startswith(("posix/", "right/"))
            )
            guess = did_you_mean(name, zones)
            self.err(
                "E0602",
                f"`{name}` is not an IANA time zone",
                s.span,
                f"did you mean `{guess}`?" if guess else 'write a zone such as `"Asia/Shanghai"`',
            )
            return None
        return name

    def lower_currency(self, node):
        if node is None:
            return None
        name = node.lit(ast.Name)
        from babel.core import get_global

        # Currencies legal tender somewhere today (not DEM, not CNH, not XAU).
        codes = {
            code
            for entries in get_global("territory_currencies").values()
            for code, _start, end, tender in entries
            if end is None and tender
        }
        if name.value not in codes:
            guess = "CNY" if name.value.upper() in ("RMB", "YUAN") else did_you_mean(name.value, sorted(codes))
            self.err(
                "E0603",
                f"`{name.value}` is not an ISO 4217 currency code",
                name.span,
                f"did you mean `{guess}`?" if guess else "write a three-letter code such as `CNY`",
            )
            return None
        return name.value

    def lower_party(self, node):
        if node is None:
            return None
        name = self.guarded(self.text, node.lit(ast.Text))
        body = node.first("party_body")
        creds: list[model.Text] = []
        fields: dict[str, model.Text | None] = {}
        if body is not None:
            for c in body.nodes("credential"):
                t = self.guarded(self.text, c.lit(ast.Text), True)
                if t:
                    creds.append(t)
            singles = self.singles(body, ("address", "contact"), "the party")
            for kind, n in singles.items():
                fields[kind] = self.guarded(self.text, n.lit(ast.Text), kind == "contact")
        if name is None:
            return None
        return _new(model.Party, name=name, credentials=tuple(creds), **fields)

    def lower_scope(self, node, currency):
        if node is None:
            return _new(
                model.Scope,
            )
        regions, products, services = [], [], []
        spans: dict[tuple[str, str], Span] = {}

        def declare(kind: str, name: ast.Name) -> bool:
            key = (kind, name.value)
            if key in spans:
                self.duplicate(kind, name.value, name.span, spans[key])
                return False
            spans[key] = name.span
            if kind == "region" and self.reserved("region", name):
                return False
            return True

        for c in node.nodes():
            name = c.lit(ast.Name)
            if not declare(c.kind, name):
                continue
            title = self.guarded(self.text, c.lit(ast.Text))
            if title is None:
                # still declared, so later uses of the name are not reported too
                if c.kind == "region":
                    self.region_spans[name.value] = name.span
                    self.regions[name.value] = None
                elif c.kind == "product":
                    self.products[name.value] = None
                continue
            if c.kind == "region":
                self.region_spans[name.value] = name.span
                r = _new(model.Region, name=name.value, title=title)
                regions.append(r)
                self.regions[name.value] = r
            elif c.kind == "service":
                services.append(_new(model.Service, name=name.value, title=title))
            else:
                fee = c.first("fee")
                money = period = None
                if fee is not None:
                    num = fee.lit(ast.NumberLit)
                    period = fee.first("period").lit(ast.Keyword)
                    if period.value != "month":
                        self.err(
                            "E0504",
                            "fees are stated per month",
                            period.span,
                            "write `fee <amount> per month`; credits are a percentage of the monthly fee",
                        )
                        period = None
                    elif num.value <= 0 or num.value.as_tuple().exponent < -2:
                        self.err(
                            "E0504",
                            f"fee `{num.raw}` is not a positive amount with at most two decimals",
                            num.span,
                            "write an amount such as `120000.00`",
                        )
                        period = None
                    else:
                        # without a valid currency the contract has an error and is not built
                        money = _new(model.Money, amount=num.value, currency=currency) if currency else None
                        period = "month"
                p = _new(model.Product, name=name.value, title=title, fee=money, fee_period=period)
                products.append(p)
                self.products[name.value] = p
        return _new(model.Scope, regions=tuple(regions), products=tuple(products), services=tuple(services))

    # ------------------------------------------------------------ calendars
    def weekdays(self, days: ast.Node) -> list[int]:
        out: list[int] = []
        for span_node in days.nodes("day_span"):
            kws = span_node.lits(ast.Keyword)
            first = model.WEEKDAYS.index(kws[0].value)
            last = model.WEEKDAYS.index(kws[-1].value)
            if last < first:
                self.err(
                    "E0606",
                    f"the day range `{kws[0].value}..{kws[-1].value}` runs backwards",
                    span_node.span,
                    f"weeks run mon..sun: write `{kws[0].value}..sun, mon..{kws[-1].value}`"
                    if kws[-1].value != "mon"
                    else f"weeks run mon..sun: write `{kws[0].value}..sun, mon`",
                )
                raise _Abort
            for d in range(first, last + 1):
                if d in out:
                    self.err("E0606", f"`{model.WEEKDAYS[d]}` is listed twice", span_node.span)
                    raise _Abort
                out.append(d)
        return out

    def time_range(self, node: ast.Node) -> tuple[int, int]:
        a, b = node.lits(ast.TimeLit)
        if a.minutes is None or b.minutes is None:
            raise _Abort  # already reported by the parser
        if a.minutes >= b.minutes:
            self.err(
                "E0606",
                f"the time range `{a.raw}-{b.raw}` does not end after it starts",
                node.span,
                "a range ends on its own day: write the earlier time first, `24:00` for midnight, "
                "and split a stretch past midnight in two (e.g. `sat 22:00-24:00` and `sun 00:00-02:00`)",
            )
            raise _Abort
        return a.minutes, b.minutes

    def windows(
        self,
        day_list: list[int],
        ranges: list[tuple[ast.Node, int, int]],
        taken: dict[int, list[tuple[int, int, Span]]],
    ) -> list[model.WeeklyWindow]:
        out = []
        for day in day_list:
            for node, a, b in ranges:
                for x, y, other in taken.get(day, []):
                    if a < y and x < b:
                        self.err(
                            "E0606",
                            f"working hours overlap on {model.WEEKDAYS[day]}",
                            node.span,
                            "give each stretch of time once",
                            [Label(other, "overlaps this")],
                        )
                        raise _Abort
                taken.setdefault(day, []).append((a, b, node.span))
                out.append(_new(model.WeeklyWindow, weekday=day, start_minute=a, end_minute=b))
        return out

    def lower_calendar(self, node: ast.Node, start, end) -> model.Calendar | None:
        name = node.lit(ast.Name)
        if name.value in self.calendar_spans:
            self.duplicate("calendar", name.value, name.span, self.calendar_spans[name.value])
            return None
        if self.reserved("calendar", name):
            return None
        if name.value in self.region_spans:  # reported; the calendar itself is still lowered
            self.err(
                "E0202",
                f"`{name.value}` names both a region and a calendar",
                name.span,
                "a matrix column could mean either; rename one of them",
                [Label(self.region_spans[name.value], "the region")],
            )
        self.calendar_spans[name.value] = name.span
        title = self.guarded(self.text, node.lit(ast.Text))
        taken: dict[int, list[tuple[int, int, Span]]] = {}
        windows: list[model.WeeklyWindow] = []
        ok = True
        for h in node.nodes("hours"):
            try:
                days = self.weekdays(h.first("days"))
                ranges = [(r, *self.time_range(r)) for r in h.nodes("time_range")]
                windows += self.windows(days, ranges, taken)
            except _Abort:
                ok = False
        if ok and not windows:
            self.err(
                "E0607",
                f"calendar `{name.value}` has no working hours",
                self.head(node),
                "add a line such as `hours mon..fri 09:00-18:00`",
            )
            ok = False
        sets: list[str] = []
        for hs in node.nodes("holiday_set"):
            code = hs.lit(ast.Name)
            if not self.check_holiday_set(code, start, end):
                ok = False
            elif code.value.lower() not in sets:
                sets.append(code.value.lower())
        holidays_, workdays = [], []
        dated: dict = {}
        for kind, bucket in (("extra_holiday", holidays_), ("extra_workday", workdays)):
            for n in node.nodes(kind):
                d = n.lit(ast.DateLit)
                if d.value is None:
                    ok = False
                    continue
                if d.value in dated:
                    prev_kind, prev_span = dated[d.value]
                    if prev_kind == kind:
                        self.duplicate("date", d.raw, d.span, prev_span)
                    else:
                        self.err(
                            "E0609",
                            f"{d.raw} is both a holiday and a working day",
                            d.span,
                            "keep one of the two lines",
                            [Label(prev_span, "also given here")],
                        )
                    ok = False
                    continue
                dated[d.value] = (kind, d.span)
                if start and end and not (start <= d.value <= end):
                    self.err(
                        "W0608",
                        f"{d.raw} is outside the effective period ({start} to {end})",
                        d.span,
                        "remove it, or check the year",
                    )
                t = n.lit(ast.Text)
                note = self.guarded(self.text, t) if t is not None else None
                bucket.append(_new(model.DatedNote, date=d.value, note=note))
        if not ok or title is None:
            return None
        merged = _merge(sorted(windows, key=lambda w: (w.weekday, w.start_minute)))
        cal = _new(
            model.Calendar,
            name=name.value,
            title=title,
            hours=tuple(merged),
            holiday_sets=tuple(sets),
            extra_holidays=tuple(sorted(holidays_, key=lambda x: x.date)),
            extra_workdays=tuple(sorted(workdays, key=lambda x: x.date)),
            line=self.line(node.span),
        )
        self.calendars[name.value] = cal
        return cal

    def check_holiday_set(self, code: ast.Name, start, end) -> bool:
        from slalang import holidaysets

        cov = holidaysets.coverage(code.value)
        if cov is None:
            try:
                known = holidaysets.known_sets()
            except ImportError:
                known = []
            guess = did_you_mean(code.value.lower(), [k for k in known if len(k) == 2])
            self.err(
                "E0605",
                f"unknown holiday set `{code.value}`",
                code.span,
                f"did you mean `{guess}`?" if guess else "name a country code the `holidays` package knows, e.g. `cn`",
            )
            return False
        if start and end:
            missing = [y for y in range(start.year, end.year + 1) if not cov.first_year <= y <= cov.last_year]
            if missing:
                years = ", ".join(str(y) for y in missing)
                self.err(
                    "E0604",
                    f"holiday set `{code.value}` has no data for {years} "
                    f"({cov.source} covers {cov.first_year}–{cov.last_year})",
                    code.span,
                    "upgrade the holidays package once the year's holidays are published, or end "
                    f"the effective period by {cov.last_year}-12-31",
                )
                return False
        return True

    # ------------------------------------------------------------ priorities
    def lower_priorities(self, nodes: list[ast.Node]) -> list[model.Priority]:
        out = []
        spans: dict[str, Span] = {}
        for node in nodes:
            name = node.lit(ast.Name)
            if name.value in spans:
                self.duplicate("priority", name.value, name.span, spans[name.value])
                continue
            if self.reserved("priority", name):
                continue
            spans[name.value] = name.span
            title = self.guarded(self.text, node.lit(ast.Text))
            body = node.first("priority_body")
            defs = [self.guarded(self.text, t) for t in (body.lits(ast.Text) if body else [])]
            if title is None or None in defs:
                continue
            p = _new(model.Priority, name=name.value, rank=len(spans) - 1, title=title, definitions=tuple(defs))
            self.priorities[name.value] = p
            out.append(p)
        self.priority_spans = spans
        return out

    # ------------------------------------------------------------ matrices
    def lower_matrix(self, node: ast.Node, metric: str) -> model.Matrix | None:
        title = self.guarded(self.text, node.lit(ast.Text))
        singles = self.singles(node, ("clock", "columns"), f"the {metric} matrix")
        clock = None
        if "clock" in singles:
            cname = singles["clock"].lit(ast.Name)
            if cname.value not in self.calendar_spans:
                self.unknown("calendar", cname, self.calendar_spans)
                raise _Abort
            clock = cname.value
        if "columns" not in singles:
            self.err(
                "E0204",
                f"the {metric} matrix has no `columns` line",
                self.head(node),
                "add e.g. `columns business, off_hours` (or `columns any`)",
            )
            raise _Abort
        columns = self.lower_columns(singles["columns"])
        rows = list(node.nodes("row"))
        targets: list[model.Target] = []
        seen: dict[str, Span] = {}
        ok = True
        for row in rows:
            name = row.lit(ast.Name)
            cells = [c for c in row.children if not isinstance(c, ast.Name)]
            if name.value not in self.priority_spans:
                named = {r.lit(ast.Name).value for r in rows}
                missing = [p for p in self.priority_spans if p not in named]
                self.unknown("priority", name, missing or self.priority_spans)
                ok = False
                continue
            if name.value in seen:
                self.err(
                    "E0402",
                    f"row `{name.value}` is given twice",
                    name.span,
                    "keep one row per priority",
                    [Label(seen[name.value], "first given here")],
                )
                ok = False
                continue
            seen[name.value] = name.span
            if len(cells) != len(columns):
                cols = ", ".join(c.name for c in columns)
                self.err(
                    "E0403",
                    f"row `{name.value}` has {len(cells)} cell{'s' if len(cells) != 1 else ''} "
                    f"but the matrix has {len(columns)} column{'s' if len(columns) != 1 else ''} ({cols})",
                    row.span,
                    "give one duration per column; write `-` where there is no commitment",
                )
                ok = False
                continue
            for col, cell in zip(columns, cells):
                if isinstance(cell, ast.Keyword):  # `-`
                    dur = None
                else:
                    try:
                        dur = self.duration(cell, clock, f"the {metric} target")
                    except _Abort:
                        ok = False
                        continue
                targets.append(
                    _new(model.Target, priority=name.value, column=col.name, duration=dur, line=self.line(row.span))
                )
        missing = [p for p in self.priority_spans if p not in seen]
        if missing and self.priority_spans:
            names = ", ".join(f"`{p}`" for p in missing)
            example = f"{missing[0]}  " + "  ".join("-" for _ in columns)
            self.err(
                "E0401",
                f"the {metric} matrix has no row for {names}",
                self.head(node),
                f"add a row such as `{example}` (`-` means no commitment)",
            )
            ok = False
        if not ok or title is None:
            return None
        order = {p: i for i, p in enumerate(self.priority_spans)}
        colpos = {c.name: i for i, c in enumerate(columns)}
        targets.sort(key=lambda t: (order[t.priority], colpos[t.column]))
        return _new(
            model.Matrix,
            metric=metric,
            title=title,
            clock=clock,
            columns=tuple(columns),
            targets=tuple(targets),
            line=self.line(node.span),
        )

    def lower_columns(self, node: ast.Node) -> list[model.Column]:
        out: list[model.Column] = []
        seen: dict[str, Span] = {}
        for name in node.lits(ast.Name):
            if name.value in seen:
                self.err(
                    "E0404",
                    f"column `{name.value}` is listed twice",
                    name.span,
                    "list each column once",
                    [Label(seen[name.value], "first listed here")],
                )
                raise _Abort
            seen[name.value] = name.span
            if name.value == "off_hours":
                kind = "off_hours"
            elif name.value == "any":
                kind = "any"
            elif name.value in self.calendar_spans:
                kind = "calendar"
            elif name.value in self.regions:
                kind = "region"
            else:
                self.unknown(
                    "column",
                    name,
                    [*self.calendar_spans, *self.regions, "off_hours", "any"],
                    "a column is a calendar, a region, `off_hours` or `any`",
                )
                raise _Abort
            out.append(_new(model.Column, name=name.value, kind=kind))
        kinds = [c.kind for c in out]
        span = node.span
        if "any" in kinds and len(out) > 1:
            self.err(
                "E0404",
                "`any` covers every ticket, so it must be the only column",
                span,
                "write `columns any`, or name the windows",
            )
            raise _Abort
        if "region" in kinds and set(kinds) != {"region"}:
            self.err(
                "E0404",
                "columns mix regions with time windows",
                span,
                "choose columns by region or by when the ticket is opened, not both",
            )
            raise _Abort
        if "off_hours" in kinds:
            if kinds[-1] != "off_hours":
                self.err(
                    "E0404",
                    "`off_hours` must be the last column",
                    span,
                    "it takes the tickets that no earlier column took",
                )
                raise _Abort
            if "calendar" not in kinds:
                self.err(
                    "E0404",
                    "`off_hours` needs a calendar column before it",
                    span,
                    "write e.g. `columns business, off_hours`",
                )
                raise _Abort
        return out

    def day_seconds(self, matrix: model.Matrix) -> int:
        cal = self.calendars.get(matrix.clock or "")
        return cal.longest_day_seconds if cal else 86400

    def check_monotonic(self, matrices: dict[str, model.Matrix]) -> None:
        """A more severe priority must not have a looser target than any less
        severe one in the same column (one warning per row and column: the
        tightest less severe target is named)."""
        for m in matrices.values():
            day = self.day_seconds(m)
            by_prio: dict[str, list[model.Target]] = {}
            for t in m.targets:
                by_prio.setdefault(t.priority, []).append(t)
            names = list(by_prio)
            for col_i, col in enumerate(m.columns):
                # Walk from the least severe up, keeping the tightest target
                # seen below on each clock: one pass, one warning per row.
                tightest: dict[str, model.Target] = {}
                for a in reversed(names):
                    ta = by_prio[a][col_i]
                    da = ta.duration
                    if da is None:
                        below = [t for t in tightest.values()]
                        worst = min(below, key=lambda t: t.duration.nominal_seconds(day)) if below else None
                    else:
                        worst = tightest.get(da.clock)
                        if worst is not None and not da.nominal_seconds(day) > worst.duration.nominal_seconds(day):
                            worst = None
                    if worst is not None:
                        b, db = worst.priority, worst.duration
                        self.err(
                            "W0408",
                            f"{a} is more severe than {b} but its {m.metric} target in "
                            f"`{col.name}` is looser ({_spell(da)} vs {_spell(db)})",
                            self._row_span(ta),
                            f"priorities are declared from most to least severe; give {a} a target "
                            f"of at most {_spell(db)}",
                            [Label(self._row_span(worst), f"{b}'s row")],
                        )
                    if da is not None:
                        held = tightest.get(da.clock)
                        if held is None or da.nominal_seconds(day) <= held.duration.nominal_seconds(day):
                            tightest[da.clock] = ta

    def _row_span(self, target: model.Target) -> Span:
        start = self.src.offset(target.line, 1)
        text = self.src.line_text(target.line)
        indent = len(text) - len(text.lstrip())
        return Span(start + indent, start + len(text.rstrip()))

    def check_response_vs_resolution(self, matrices: dict[str, model.Matrix]) -> None:
        resp, reso = matrices.get("response"), matrices.get("resolution")
        if resp is None or reso is None:
            return
        for t in resp.targets:
            if t.duration is None:
                continue
            if any(c.kind == "any" for c in reso.columns):
                col = reso.columns[0].name
            elif t.column in {c.name for c in reso.columns}:
                col = t.column
            else:
                continue
            r = reso.cell(t.priority, col)
            if r is None or r.clock != t.duration.clock or (r.clock == "business" and reso.clock != resp.clock):
                continue
            day = self.day_seconds(resp)
            if t.duration.nominal_seconds(day) > r.nominal_seconds(day):
                self.err(
                    "W0409",
                    f"{t.priority}'s first response in `{t.column}` ({t.duration.spelling}) "
                    f"comes after its resolution target ({r.spelling})",
                    self._row_span(t),
                    "a ticket cannot be resolved before it is answered; shorten the response target "
                    "or lengthen the resolution target",
                )

    # ------------------------------------------------------------ other targets
    def lower_updates(self, node: ast.Node) -> model.Updates | None:
        title = self.guarded(self.text, node.lit(ast.Text))
        rules: list[model.UpdateRule] = []
        seen: dict[str, Span] = {}
        for r in node.nodes("update_rule"):
            name = r.lit(ast.Name)
            if name.value not in self.priority_spans:
                self.unknown("priority", name, self.priority_spans)
                continue
            if name.value in seen:
                self.duplicate("update rule for", name.value, name.span, seen[name.value])
                continue
            seen[name.value] = name.span
            every = self.guarded(self.duration, r.lit(ast.DurationLit), None, "a progress update cadence", True)
            if every:
                rules.append(_new(model.UpdateRule, priority=name.value, every=every, line=self.line(r.span)))
        if title is None or len(rules) != len(seen):
            return None
        return _new(model.Updates, title=title, rules=tuple(rules), line=self.line(node.span))

    def lower_followup(self, node: ast.Node) -> model.Followup | None:
        title = self.guarded(self.text, node.lit(ast.Text))
        within = self.duration(node.lit(ast.DurationLit), None, "the follow-up window", True)
        return _new(model.Followup, title=title, within=within, line=self.line(node.span)) if title else None

    def lower_availability(self, nodes: list[ast.Node]) -> list[model.AvailabilityTarget]:
        out = []
        seen: dict[tuple[str, str], Span] = {}
        for node in nodes:
            name = node.lit(ast.Name)
            pct = node.lit(ast.PercentLit)
            period = node.first("period").lit(ast.Keyword).value
            if name.value not in self.products:
                self.unknown("product", name, self.products)
                continue
            if (name.value, period) in seen:
                self.err(
                    "E0202",
                    f"availability of `{name.value}` per {period} is given twice",
                    node.span,
                    "keep one target per product and period",
                    [Label(seen[(name.value, period)], "first given here")],
                )
                continue
            seen[(name.value, period)] = node.span
            value = self.guarded(self.percent, pct, "an availability target", Decimal(0), Decimal(100))
            if value is None:
                self.failed.add(f"availability.{name.value}")
            if value is not None:
                out.append(
                    _new(
                        model.AvailabilityTarget,
                        product=name.value,
                        percent=value,
                        period=period,
                        line=self.line(node.span),
                    )
                )
        return out

    def lower_warnings(self, node: ast.Node | None) -> list[model.WarningLevel]:
        if node is None:
            return []
        out: list[model.WarningLevel] = []
        seen: dict[str, Span] = {}
        prev: tuple[model.WarningLevel, Span] | None = None
        order = ("yellow", "orange", "red")
        for w in node.nodes("warning_level"):
            level = w.lit(ast.Keyword)
            pct = w.lit(ast.PercentLit)
            if level.value in seen:
                self.duplicate("warning level", level.value, level.span, seen[level.value])
                continue
            seen[level.value] = level.span
            value = self.guarded(self.percent, pct, f"the {level.value} threshold", Decimal(0), Decimal(100))
            if value is None:
                self.failed.add(f"warnings.{level.value}")
                continue
            cur = _new(model.WarningLevel, level=level.value, percent=value, line=self.line(w.span))
            if prev is not None:
                p, pspan = prev
                if order.index(cur.level) < order.index(p.level):
                    self.err(
                        "E0502",
                        f"`{cur.level}` comes after `{p.level}`",
                        level.span,
                        "list the levels in the order yellow, orange, red",
                        [Label(pspan, "here")],
                    )
                elif cur.percent <= p.percent:
                    self.err(
                        "E0502",
                        f"the {cur.level} threshold ({pct.raw}) must be above the {p.level} threshold ({p.percent}%)",
                        pct.span,
                        "warnings escalate: yellow < orange < red",
                        [Label(pspan, f"{p.level} threshold")],
                    )
            prev = (cur, pct.span)
            out.append(cur)
        return out

    # ------------------------------------------------------------ credits
    def lower_ladders(self, nodes: list[ast.Node], currency: str | None) -> list[model.CreditLadder]:
        out = []
        seen: dict[str, Span] = {}
        for node in nodes:
            name = node.lit(ast.Name)
            if name.value in seen:
                self.duplicate("credit", name.value, name.span, seen[name.value])
                continue
            seen[name.value] = name.span
            ladder = self.guarded(self.lower_ladder, node, name, currency)
            if ladder:
                out.append(ladder)
            else:
                self.failed.add(f"credit.{name.value}")
        return out

    def lower_ladder(self, node: ast.Node, name: ast.Name, currency: str | None) -> model.CreditLadder | None:
        title = self.guarded(self.text, node.lit(ast.Text))
        metric = [k for k in node.lits(ast.Keyword)][0].value
        if metric in ("response", "resolution") and not any(
            m.lit(ast.Keyword).value == metric for m in self.root.nodes("matrix")
        ):
            self.err(
                "E0503",
                f"credit `{name.value}` is on {metric}, but the contract has no {metric} matrix",
                name.span,
                f"add a `{metric}` matrix, or change `on {metric}`",
            )
            raise _Abort
        steps = list(node.nodes("step_rule"))
        tiers = list(node.nodes("tier_rule"))
        caps = list(node.nodes("ladder_cap"))
        if metric == "availability":
            if steps:
                self.err(
                    "E0503",
                    "an availability credit is a list of `below X%` tiers, not a step per delay",
                    steps[0].span,
                    "write e.g. `below 99.9%: 10% of monthly_fee`",
                )
                raise _Abort
            if not tiers:
                self.err(
                    "E0503",
                    f"credit `{name.value}` has no tiers",
                    self.head(node),
                    "add e.g. `below 99.9%: 10% of monthly_fee`",
                )
                raise _Abort
        else:
            if tiers:
                self.err(
                    "E0503",
                    f"a {metric} credit counts steps of delay, not availability tiers",
                    tiers[0].span,
                    "write e.g. `per started 30m late: 5% of monthly_fee`",
                )
                raise _Abort
            if len(steps) != 1:
                self.err(
                    "E0503",
                    f"credit `{name.value}` needs exactly one `per … late` step"
                    if not steps
                    else "a credit has one step rule",
                    (steps[1].span if steps else self.head(node)),
                    "write e.g. `per started 30m late: 5% of monthly_fee`",
                )
                raise _Abort
        if len(caps) > 1:
            self.err(
                "E0203",
                "`cap` is given twice in the credit",
                self.head(caps[1]),
                "keep one",
                [Label(self.head(caps[0]), "first given here")],
            )
            raise _Abort
        step = None
        if steps:
            s = steps[0]
            mode = s.lit(ast.Keyword).value
            every = self.duration(s.lit(ast.DurationLit), None, "lateness", True)
            amount = self.amount(s.first("percent_amount") or s.first("money_amount"), "a step credit", currency)
            step = _new(model.StepRule, mode=mode, every=every, amount=amount, line=self.line(s.span))
        tier_models: list[model.TierRule] = []
        prev = None
        for t in tiers:
            pct = t.lit(ast.PercentLit)
            below = self.percent(pct, "a tier threshold", Decimal(0), Decimal(100))
            amount = self.amount(t.first("percent_amount") or t.first("money_amount"), "a tier credit", currency)
            cur = _new(model.TierRule, below=below, amount=amount, line=self.line(t.span))
            if prev is not None:
                p_model, p_span = prev
                if below >= p_model.below:
                    self.err(
                        "E0502",
                        f"tier `below {pct.raw}` must come after a higher threshold",
                        pct.span,
                        "list tiers from the highest threshold down",
                        [Label(p_span, "previous tier")],
                    )
                    raise _Abort
                if _comparable(p_model.amount, amount) and _amount_key(amount) < _amount_key(p_model.amount):
                    self.err(
                        "E0502",
                        "a lower availability earns a smaller credit than the tier above it",
                        t.span,
                        "credits should grow as availability falls",
                        [Label(p_span, "previous tier")],
                    )
                    raise _Abort
            prev = (cur, pct.span)
            tier_models.append(cur)
        cap = None
        if caps:
            c = caps[0]
            cap = self.amount(c.first("percent_amount") or c.first("money_amount"), "a credit cap", currency)
        if title is None:
            return None
        return _new(
            model.CreditLadder,
            name=name.value,
            title=title,
            metric=metric,
            step=step,
            tiers=tuple(tier_models),
            cap=cap,
            line=self.line(node.span),
        )

    def lower_credits(self, node: ast.Node, currency: str | None) -> model.CreditPolicy:
        s = self.singles(node, ("credits_cap", "credit_form", "claim", "rounding"), "`credits`")
        fields: dict = {}
        if "credits_cap" in s:
            c = s["credits_cap"]
            fields["cap"] = self.amount(
                c.first("percent_amount") or c.first("money_amount"), "the credit cap", currency
            )
            fields["cap_period"] = c.first("period").lit(ast.Keyword).value
        if "credit_form" in s:
            fields["form"] = s["credit_form"].lit(ast.Keyword).value
        if "claim" in s:
            c = s["claim"]
            fields["claim_within"] = self.duration(c.lit(ast.DurationLit), None, "the claim window", True)
            fields["claim_after"] = c.lit(ast.Keyword).value
        if "rounding" in s:
            c = s["rounding"]
            fields["rounding"] = c.lit(ast.Keyword).value
            q = c.lit(ast.NumberLit)
            if q.value <= 0 or q.value.normalize() != Decimal(1).scaleb(q.value.normalize().adjusted()):
                self.err(
                    "E0504",
                    f"rounding quantum `{q.raw}` is not a power of ten",
                    q.span,
                    "write `to 0.01` (cents) or `to 1` (whole units)",
                )
                raise _Abort
            fields["quantum"] = q.value
        return _new(model.CreditPolicy, line=self.line(node.span), **fields)

    # ------------------------------------------------------------ exclusions, reporting, legal
    def lower_exclusions(self, node: ast.Node | None) -> model.Exclusions | None:
        if node is None:
            return None
        s = self.singles(node, ("force_majeure", "maintenance", "customer_caused"), "`exclusions`")
        fields: dict = {}
        fm = s.get("force_majeure")
        if fm is not None:
            events = self.guarded(self.text, fm.lit(ast.Text))
            body = fm.first("force_majeure_body")
            notify = None
            if body is not None:
                ns = self.singles(body, ("notify",), "`force_majeure`")
                if "notify" in ns:
                    notify = self.guarded(
                        self.duration, ns["notify"].lit(ast.DurationLit), None, "the notice duty", True
                    )
            if events:
                fields["force_majeure"] = _new(
                    model.ForceMajeure, events=events, notify_within=notify, line=self.line(fm.span)
                )
        mt = s.get("maintenance")
        if mt is not None:
            m = self.guarded(self.lower_maintenance, mt)
            if m:
                fields["maintenance"] = m
        cc = s.get("customer_caused")
        if cc is not None:
            t = cc.lit(ast.Text)
            fields["customer_caused"] = _new(
                model.CustomerCaused, text=self.guarded(self.text, t) if t else None, line=self.line(cc.span)
            )
        others = []
        seen: dict[str, Span] = {"force_majeure": Span(0, 0), "maintenance": Span(0, 0), "customer_caused": Span(0, 0)}
        for o in node.nodes("other_exclusion"):
            name = o.lit(ast.Name)
            if name.value in seen:
                self.duplicate("exclusion", name.value, name.span, seen[name.value])
                continue
            seen[name.value] = name.span
            t = self.guarded(self.text, o.lit(ast.Text))
            if t:
                others.append(_new(model.OtherExclusion, name=name.value, text=t, line=self.line(o.span)))
        return _new(model.Exclusions, others=tuple(others), **fields)

    def lower_maintenance(self, node: ast.Node) -> model.Maintenance:
        s = self.singles(node, ("maintenance_notice", "maintenance_max"), "`maintenance`")
        fields: dict = {}
        if "maintenance_notice" in s:
            fields["notice"] = self.duration(
                s["maintenance_notice"].lit(ast.DurationLit), None, "the maintenance notice", True
            )
        if "maintenance_max" in s:
            n = s["maintenance_max"]
            fields["max"] = self.duration(n.lit(ast.DurationLit), None, "the maintenance allowance", True)
            fields["max_period"] = n.first("period").lit(ast.Keyword).value
        windows: list[model.WeeklyWindow] = []
        taken: dict[int, list[tuple[int, int, Span]]] = {}
        for n in node.nodes("maintenance_window"):  # several, e.g. a window past midnight in two
            r = n.first("time_range")
            windows += self.windows(self.weekdays(n.first("days")), [(r, *self.time_range(r))], taken)
        if windows:
            fields["windows"] = tuple(_merge(sorted(windows, key=lambda w: (w.weekday, w.start_minute))))
        return _new(model.Maintenance, line=self.line(node.span), **fields)

    def lower_reporting(self, node: ast.Node | None) -> model.Reporting | None:
        if node is None:
            return None
        s = self.singles(node, ("reports", "metrics", "retention", "audit"), "`reporting`")
        fields: dict = {}
        if "reports" in s:
            kinds: list[str] = []
            for k in s["reports"].lits(ast.Keyword):
                if k.value in kinds:
                    self.err("E0202", f"report `{k.value}` is listed twice", k.span, "list each report once")
                else:
                    kinds.append(k.value)
            fields["reports"] = tuple(kinds)
        if "metrics" in s:
            names: list[str] = []
            for n in s["metrics"].lits(ast.Name):
                if n.value not in REPORT_METRICS:
                    self.unknown("metric", n, REPORT_METRICS)
                elif n.value in names:
                    self.err("E0202", f"metric `{n.value}` is listed twice", n.span, "list each metric once")
                else:
                    names.append(n.value)
            fields["metrics"] = tuple(names)
        if "retention" in s:
            n = s["retention"]
            fields["retention"] = self.guarded(
                self.calendar_span, n.lit(ast.NumberLit), n.lit(ast.Keyword), "the retention period"
            )
            if fields["retention"] is None:
                self.failed.add("reporting.retention")
        if "audit" in s:
            n = s["audit"]
            kws = n.lits(ast.Keyword)
            every = self.guarded(self.calendar_span, n.lit(ast.NumberLit), kws[0], "the audit cadence")
            if every:
                fields["audit"] = _new(model.Audit, every=every, by=kws[1].value)
            else:
                self.failed.add("reporting.audit")
        return _new(model.Reporting, **{k: v for k, v in fields.items() if v is not None})

    def lower_disputes(self, node: ast.Node | None) -> model.Disputes | None:
        if node is None:
            return None
        s = self.singles(node, ("law", "arbitration", "court", "seat"), "`disputes`")
        if "arbitration" in s and "court" in s:
            self.err(
                "E0203",
                "disputes name both an arbitration body and a court",
                self.head(s["court"]),
                "choose one forum",
                [Label(self.head(s["arbitration"]), "arbitration given here")],
            )
        fields: dict = {}
        for kind in ("law", "seat"):
            if kind in s:
                fields[kind] = self.guarded(self.text, s[kind].lit(ast.Text))
        for kind in ("arbitration", "court"):
            if kind in s and "forum" not in fields:
                fields["forum"] = kind
                fields["forum_name"] = self.guarded(self.text, s[kind].lit(ast.Text))
        return _new(model.Disputes, **fields)

    def lower_clauses(self, nodes: list[ast.Node]) -> list[model.Clause]:
        out = []
        seen: dict[str, Span] = {}
        for node in nodes:
            name = node.lit(ast.Name)
            if name is not None:
                if name.value in seen:
                    self.duplicate("clause", name.value, name.span, seen[name.value])
                    continue
                seen[name.value] = name.span
            texts = node.lits(ast.Text)
            title = self.guarded(self.text, texts[0], False, True)
            paras = [self.guarded(self.text, t, False, True) for t in texts[1:]]
            for t in texts:
                self.check_same_refs(t)
            if not texts[1:]:
                self.err("E0305", "this clause has no text", self.head(node), 'add at least one paragraph: `"…" | "…"`')
                continue
            if title is None or None in paras:
                continue
            out.append(
                _new(
                    model.Clause,
                    name=name.value if name else None,
                    title=title,
                    paragraphs=tuple(paras),
                    line=self.line(node.span),
                )
            )
        return out

    # ------------------------------------------------------------ references
    def values_partial(
        self,
        matrices,
        updates,
        followup,
        availability,
        warnings,
        ladders,
        credits,
        exclusions,
        reporting,
        start,
        end,
        provider,
        customer,
        scope,
    ) -> dict[str, model.Value]:
        v: dict[str, model.Value] = {}

        def dur(path: str, d: model.Duration | None) -> None:
            if d is not None:
                v[path] = _new(model.Value, kind="duration", duration=d)

        def pct(path: str, p: Decimal | None) -> None:
            if p is not None:
                v[path] = _new(model.Value, kind="percent", percent=p)

        def amount(path: str, a: model.Amount | None) -> None:
            if a is None:
                return
            if a.money is not None:
                v[path] = _new(model.Value, kind="money", money=a.money)
            else:
                pct(path, a.percent)

        for m in matrices.values():
            for t in m.targets:
                dur(f"{m.metric}.{t.priority}.{t.column}", t.duration)
                if t.duration is None:
                    self.empty_cells.add(f"{m.metric}.{t.priority}.{t.column}")
        if updates:
            for r in updates.rules:
                dur(f"updates.{r.priority}", r.every)
        if followup:
            dur("followup", followup.within)
        periods: dict[str, int] = {}
        for a in availability:
            periods[a.product] = periods.get(a.product, 0) + 1
        for a in availability:
            pct(f"availability.{a.product}.{a.period}", a.percent)
            if periods[a.product] == 1:
                pct(f"availability.{a.product}", a.percent)
        for w in warnings:
            pct(f"warnings.{w.level}", w.percent)
        for ladder in ladders:
            if ladder.step:
                dur(f"credit.{ladder.name}.every", ladder.step.every)
                amount(f"credit.{ladder.name}.amount", ladder.step.amount)
            for i, t in enumerate(ladder.tiers, 1):
                pct(f"credit.{ladder.name}.tier{i}.below", t.below)
                amount(f"credit.{ladder.name}.tier{i}.amount", t.amount)
            amount(f"credit.{ladder.name}.cap", ladder.cap)
        if credits:
            amount("credits.cap", credits.cap)
            dur("credits.claim", credits.claim_within)
        if exclusions:
            if exclusions.force_majeure:
                dur("force_majeure.notify", exclusions.force_majeure.notify_within)
            if exclusions.maintenance:
                dur("maintenance.notice", exclusions.maintenance.notice)
                dur("maintenance.max", exclusions.maintenance.max)
        if reporting:
            if reporting.retention:
                v["reporting.retention"] = _new(model.Value, kind="span", span=reporting.retention)
            if reporting.audit:
                v["reporting.audit"] = _new(model.Value, kind="span", span=reporting.audit.every)
        if start:
            v["effective.start"] = _new(model.Value, kind="date", date=start)
        if end:
            v["effective.end"] = _new(model.Value, kind="date", date=end)
        if provider:
            v["provider"] = _new(model.Value, kind="text", text=provider.name)
        if customer:
            v["customer"] = _new(model.Value, kind="text", text=customer.name)
        for p in scope.products:
            if p.fee:
                v[f"fee.{p.name}"] = _new(model.Value, kind="money", money=p.fee)
        return dict(sorted(v.items()))

    def resolve_refs(self, values: dict[str, model.Value]) -> None:
        for t in self.ref_texts:
            self._check_same_refs(t, values)
        for ref in self.refs:
            if ref.path in values:
                continue
            parts = ref.path.split(".")
            if parts[0] in self.failed or ".".join(parts[:2]) in self.failed:
                continue  # its section already has an error; don't pile on
            if ref.path in self.empty_cells:
                metric, prio, col = ref.path.split(".")
                self.err(
                    "E0701",
                    f"`{{{ref.path}}}` is a `-` cell: {prio} has no {metric} commitment in `{col}`",
                    ref.span,
                    "quote a cell that has a duration, or give this one a target",
                )
                continue
            guess = did_you_mean(ref.path, values)
            prefix = ref.path.split(".")[0]
            nearby = [p for p in values if p.split(".")[0] == prefix][:6]
            if guess:
                hint = f"did you mean `{{{guess}}}`?"
            elif nearby:
                hint = "values under `" + prefix + "`: " + ", ".join(f"`{{{p}}}`" for p in nearby)
            else:
                hint = "see docs/language.md, “References”, for the values a text can quote"
            self.err("E0701", f"`{{{ref.path}}}` refers to no value of this contract", ref.span, hint)


def _merge(windows: list[model.WeeklyWindow]) -> list[model.WeeklyWindow]:
    out: list[model.WeeklyWindow] = []
    for w in windows:
        if out and out[-1].weekday == w.weekday and out[-1].end_minute == w.start_minute:
            prev = out.pop()
            w = _new(model.WeeklyWindow, weekday=w.weekday, start_minute=prev.start_minute, end_minute=w.end_minute)
        out.append(w)
    return out


def _spell(d: model.Duration | None) -> str:
    return "no commitment" if d is None else d.spelling


def _comparable(a: model.Amount, b: model.Amount) -> bool:
    return (a.money is None) == (b.money is None)


def _amount_key(a: model.Amount) -> Decimal:
    return a.money.amount if a.money is not None else (a.percent or Decimal(0))
