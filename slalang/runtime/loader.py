"""Reading a compiled rule file: bytes → validated `RuleFile`, or a `RulesError`.

Checks run in the order that gives the most useful message: is it JSON or
YAML at all, is it a slalang rule file, of a schema version we read, does its
checksum match its content (refusing an edited or damaged file), and only
then does it have the schema's shape and every value in its range.

A rule file may come from anyone (its checksum proves nothing against a
forger), so it is read within bounds — its size, its nesting, no YAML
anchors or aliases, no key twice, finite numbers of bounded digits — and
validated as a whole (slalang.ruleschema's ranges, then the references and
agreements below): a file that loads never crashes the runtime. Every
refusal is a `RulesError` naming the path of the bad value (docs/rules.md,
"What the loader refuses")."""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import os
from decimal import Decimal

from slalang.ruleschema import OLD_SCHEMA_IDS, SCHEMA_ID, Problem, RuleFile, RulesError, checksum_of

_REBUILD = "rebuild it from the contract with `slalang build --rules CONTRACT -o DIR`"


# Limits of what the loader reads at all (docs/rules.md): a rule file slalang
# builds is far inside them, so they only bound the work a hostile file causes.
MAX_BYTES = 64 * 1024 * 1024  # size of a rule file
MAX_YAML_BYTES = 1024 * 1024  # YAML, read with libyaml (~0.4 MB/s with the checks; without it, pure Python: 128 KiB)
MAX_DEPTH = 64  # nesting of objects and lists (a rule file slalang writes nests 6 deep)
MAX_DIGITS = 30  # digits of an integer (the largest a rule file holds has 10)


class _Refused(Exception):
    """Why the text of a rule file is refused before its shape is looked at."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _at(line: int | None, column: int | None = None) -> Problem | str:
    if line is None:
        return ""
    if column is None:
        return Problem("rules.yaml_line", f" (line {line})", line=line)
    return Problem("rules.yaml_at", f" at line {line} column {column}", line=line, column=column)


def _pointer(path: list) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "(top level)"


def _plain(doc):
    """The parsed document in JSON's types only (a YAML date back to its
    text, as the checksum is defined over JSON), walked without recursion:
    deeper than `MAX_DEPTH`, a number that is not finite or an integer of more
    than `MAX_DIGITS` digits, or any other type (YAML's binary, sets,
    timestamps with a time) is refused with its path."""
    root: list = [None]
    stack: list = [(doc, root, 0, [], 1)]
    while stack:
        value, parent, slot, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _too_deep()
        if isinstance(value, dict):
            out: dict = {}
            for k, v in value.items():
                if not isinstance(k, str):
                    raise _Refused(
                        Problem(
                            "rules.key_type", f"has a key that is not text ({_pointer(path)})", where=_pointer(path)
                        )
                    )
                out[k] = None
                stack.append((v, out, k, path + [k], depth + 1))
            parent[slot] = out
        elif isinstance(value, list):
            items: list = [None] * len(value)
            for i, v in enumerate(value):
                stack.append((v, items, i, path + [i], depth + 1))
            parent[slot] = items
        elif value is None or isinstance(value, (str, bool)):
            parent[slot] = value
        elif isinstance(value, int):
            if abs(value) >= 10**MAX_DIGITS:
                raise _Refused(_too_many_digits(_pointer(path)))
            parent[slot] = value
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise _Refused(
                    Problem(
                        "rules.not_finite",
                        f"{_pointer(path)}: a number that is not finite (NaN, Infinity or too large)",
                        where=_pointer(path),
                    )
                )
            parent[slot] = value
        elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            parent[slot] = value.isoformat()  # a YAML tool that re-saves the file may drop the quotes around dates
        else:
            raise _Refused(
                Problem(
                    "rules.value_type",
                    f"{_pointer(path)}: a value JSON cannot hold ({type(value).__name__})",
                    where=_pointer(path),
                    type=type(value).__name__,
                )
            )
    return root[0]


def _too_many_digits(where: str | Problem) -> Problem:
    return Problem(
        "rules.too_many_digits",
        f"{where}: an integer of more than {MAX_DIGITS} digits",
        where=where,
        limit=MAX_DIGITS,
    )


def _json_pairs(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise _Refused(
                Problem("rules.duplicate_key", f"has the key `{k[:80]}` twice in one object", name=k[:80], where="")
            )
        seen[k] = v
    return seen


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise _Refused(_too_many_digits(Problem("rules.a_number", "a number")))
    return int(text)


def _json_float(text: str) -> float:
    digits = sum(c.isdigit() for c in text)
    value = float(text)
    if not math.isfinite(value) or digits > 2 * MAX_DIGITS:
        raise _Refused(
            Problem(
                "rules.not_finite",
                f"{text[:20]}: a number that is not finite (NaN, Infinity or too large)",
                where=text[:20],
            )
        )
    return value


def _json_constant(text: str):
    raise _Refused(
        Problem("rules.not_finite", f"{text}: a number that is not finite (NaN, Infinity or too large)", where=text)
    )


def _alias(mark) -> _Refused:
    where = _at(mark.line + 1, mark.column + 1)
    return _Refused(
        Problem(
            "rules.yaml_alias",
            f"uses a YAML anchor or alias{where}: rule files may not contain YAML anchors or aliases (&, *)",
            where=where,
        )
    )


def _too_deep() -> _Refused:
    return _Refused(
        Problem(
            "rules.too_deep",
            f"nests deeper than {MAX_DEPTH} levels, which no rule file slalang builds does",
            limit=MAX_DEPTH,
        )
    )


@functools.cache
def _yaml_loader():
    """A safe loader (libyaml's when installed) that refuses merge keys, a
    key twice in one mapping (naming its line), an integer of absurd length
    before converting it, an impossible date, and an alias (the node it
    names used twice); the pure-Python one also refuses anchors, aliases and
    nesting deeper than `MAX_DEPTH` at the first such event (with libyaml,
    `_scan_events` does that first). A rule file slalang writes has none of
    these: no billion laughs."""
    import yaml

    fast = getattr(yaml, "CSafeLoader", None)

    class RulesLoader(fast or yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent, index):  # the pure-Python composer only
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise _alias(event.start_mark)
            self.depth += 1
            try:
                if self.depth > MAX_DEPTH:
                    raise _too_deep()
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

        def construct_object(self, node, deep=False):
            # libyaml's composer gives an alias the very node its anchor names
            if node in self.constructed_objects or node in self.recursive_objects:
                raise _alias(node.start_mark)
            return super().construct_object(node, deep=deep)

        def construct_mapping(self, node, deep=False):
            seen: set = set()
            for key_node, _value in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    where = _at(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                    raise _Refused(
                        Problem(
                            "rules.yaml_merge",
                            f"uses a YAML merge key (<<){where}: rule files may not contain YAML anchors, aliases or merge keys",
                            where=where,
                        )
                    )
                if not isinstance(key_node, yaml.ScalarNode):
                    where = f"line {key_node.start_mark.line + 1}"
                    raise _Refused(Problem("rules.key_type", f"has a key that is not text ({where})", where=where))
                key = (
                    key_node.tag,
                    key_node.value,
                )  # compared as written: constructing it twice would look like an alias
                if key in seen:
                    line = key_node.start_mark.line + 1
                    raise _Refused(
                        Problem(
                            "rules.duplicate_key",
                            f"has the key `{key_node.value[:80]}` twice in one object{_at(line)}",
                            name=key_node.value[:80],
                            where=_at(line),
                        )
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    def construct_int(loader, node):
        # Before Python converts it: an absurd digit count is refused, never computed with.
        text = str(node.value).replace("_", "")
        if sum(c.isdigit() for c in text) > MAX_DIGITS:
            line = node.start_mark.line + 1
            raise _Refused(_too_many_digits(Problem("row.line", f"line {line}", line=line)))
        return yaml.SafeLoader.construct_yaml_int(loader, node)

    def construct_timestamp(loader, node):
        try:
            return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
        except ValueError:
            raise _Refused(
                Problem(
                    "rules.yaml_date",
                    f"`{str(node.value)[:40]}` is not a date{_at(node.start_mark.line + 1)}",
                    value=str(node.value)[:40],
                    where=_at(node.start_mark.line + 1),
                )
            ) from None

    RulesLoader.add_constructor("tag:yaml.org,2002:int", construct_int)
    RulesLoader.add_constructor("tag:yaml.org,2002:timestamp", construct_timestamp)
    return RulesLoader, fast is not None


def _scan_events(text: str, loader) -> None:
    """With libyaml: refuse the first anchor or alias, and nesting deeper than
    `MAX_DEPTH`, from the event stream (fast, in C) before anything is composed."""
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _alias(event.start_mark)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep()
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _yaml_too_large(limit: int) -> Problem:
    kib = limit // 1024
    return Problem(
        "rules.yaml_too_large",
        f"is YAML larger than {kib} KiB; load the .rules.json file slalang builds beside it",
        limit=kib,
    )


def _malformed(problem: Problem, name: str | None) -> RulesError:
    return RulesError(
        "malformed", str(problem), _REBUILD, name, key=problem.key, fields=problem.fields, hint_key="rules.hint.rebuild"
    )


def _parse(data: bytes, name: str | None):
    if len(data) > MAX_BYTES:
        raise _malformed(
            Problem(
                "rules.too_large",
                f"is larger than {MAX_BYTES // (1024 * 1024)} MiB, more than any rule file slalang builds",
                limit=MAX_BYTES // (1024 * 1024),
            ),
            name,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RulesError(
            "malformed",
            f"is not UTF-8 text (byte {exc.start})",
            "pass a .rules.json or .rules.yaml file written by `slalang build`",
            name,
            key="rules.not_utf8",
            fields={"byte": exc.start},
            hint_key="rules.hint.pass_built",
        )
    stripped = text.lstrip()
    try:
        if stripped.startswith("{"):
            try:
                doc = json.loads(
                    text,
                    object_pairs_hook=_json_pairs,
                    parse_int=_json_int,
                    parse_float=_json_float,
                    parse_constant=_json_constant,
                )
            except json.JSONDecodeError as exc:
                raise RulesError(
                    "malformed",
                    f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                    _REBUILD,
                    name,
                    key="rules.bad_json",
                    fields={"reason": exc, "line": exc.lineno, "column": exc.colno},
                    hint_key="rules.hint.rebuild",
                )
        else:
            if len(data) > MAX_YAML_BYTES:
                raise _Refused(_yaml_too_large(MAX_YAML_BYTES))
            doc = _parse_yaml(text, name)
        return _plain(doc)
    except _Refused as exc:
        raise _malformed(exc.problem, name) from None
    except RecursionError:
        raise _malformed(
            Problem(
                "rules.too_deep",
                f"nests deeper than {MAX_DEPTH} levels, which no rule file slalang builds does",
                limit=MAX_DEPTH,
            ),
            name,
        ) from None
    except (ValueError, OverflowError) as exc:  # Python's limit on digits of an int, a date YAML cannot hold
        raise _malformed(
            Problem("rules.bad_value", f"holds a value that cannot be read: {exc}", reason=str(exc)[:200]), name
        ) from None


def _parse_yaml(text: str, name: str | None):
    try:
        import yaml
    except ImportError:  # pragma: no cover - pyyaml is a dependency
        raise RulesError(
            "malformed",
            "is not JSON, and PyYAML is not installed to read YAML",
            _REBUILD,
            name,
            key="rules.no_yaml",
            hint_key="rules.hint.rebuild",
        )
    try:
        loader, fast = _yaml_loader()
        if not fast and len(text) > MAX_YAML_BYTES // 8:
            raise _Refused(_yaml_too_large(MAX_YAML_BYTES // 8))
        if fast:
            _scan_events(text, loader)
        return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader, stricter still
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where: Problem | str = ""
        if mark:
            line, column = mark.line + 1, mark.column + 1
            where = Problem("rules.yaml_at", f" at line {line} column {column}", line=line, column=column)
        raise RulesError(
            "malformed",
            f"is neither JSON nor valid YAML{where}",
            _REBUILD,
            name,
            key="rules.bad_yaml",
            fields={"where": where},
            hint_key="rules.hint.rebuild",
        )


def loads_rules(data: bytes, name: str | None = None) -> RuleFile:
    """Validate the bytes of a rule file (JSON or YAML). `name` appears in
    error messages. Raises `RulesError` (see its `kind`)."""
    doc = _parse(data, name)
    if not isinstance(doc, dict):
        raise RulesError(
            "malformed",
            "is not a slalang rule file (expected a JSON object at the top)",
            _REBUILD,
            name,
            key="rules.not_object",
            hint_key="rules.hint.rebuild",
        )
    schema = doc.get("schema")
    if schema is None:
        raise RulesError(
            "malformed",
            "has no `schema` field: it is not a slalang rule file",
            _REBUILD,
            name,
            key="rules.no_schema",
            hint_key="rules.hint.rebuild",
        )
    if schema in OLD_SCHEMA_IDS:
        old = str(schema).removeprefix("slalang.")
        raise RulesError(
            "version",
            f"was compiled by an older slalang ({old}); rebuild it with `slalang build`",
            _REBUILD,
            name,
            key="rules.old_schema",
            fields={"schema": old},
            hint_key="rules.hint.rebuild",
        )
    if schema != SCHEMA_ID:
        raise RulesError(
            "version",
            f"uses rule schema `{schema}`, which this slalang does not read (it reads `{SCHEMA_ID}`)",
            "use the slalang version that wrote the file, or " + _REBUILD,
            name,
            key="rules.unknown_schema",
            fields={"schema": schema, "expected": SCHEMA_ID},
            hint_key="rules.hint.other_version",
        )
    claimed = doc.get("checksum")
    if not isinstance(claimed, str):
        raise RulesError(
            "malformed",
            "has no `checksum` field",
            _REBUILD,
            name,
            key="rules.no_checksum",
            hint_key="rules.hint.rebuild",
        )
    try:
        actual = checksum_of(doc)
    except UnicodeEncodeError:  # a JSON escape of half a character ("\ud800"): no UTF-8 for it
        raise RulesError(
            "malformed",
            "holds the escape of half a character (a lone surrogate such as \\ud800), which is no text",
            _REBUILD,
            name,
            key="rules.surrogate",
            hint_key="rules.hint.rebuild",
        ) from None
    if claimed != actual:
        raise RulesError(
            "checksum",
            f"does not match its checksum (file says {claimed[:19]}…, content "
            f"hashes to {actual[:19]}…): it was edited or damaged after it was built",
            "never edit a rule file by hand; change the contract and " + _REBUILD,
            name,
            key="rules.checksum_mismatch",
            fields={"claimed": claimed[:19], "actual": actual[:19]},
            hint_key="rules.hint.never_edit",
        )
    from pydantic import ValidationError

    try:
        rule_file = RuleFile.model_validate(doc)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False)[:5]:
            loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
            where: Problem | str = loc or Problem("rules.top_level", "top level")
            reason = _reason(err)
            problems.append(Problem("rules.shape_item", f"{where}: {reason}", where=where, reason=reason))
        n = exc.error_count() - len(problems)
        more: Problem | str = Problem("rules.shape_more", f"; … and {n} more", n=n) if n > 0 else ""
        raise RulesError(
            "malformed",
            "does not have the shape of a rule file: " + "; ".join(map(str, problems)) + str(more),
            _REBUILD,
            name,
            key="rules.shape",
            fields={"problems": problems, "more": more},
            hint_key="rules.hint.rebuild",
        )
    problem = _dangling_reference(rule_file)
    if problem:
        raise RulesError(
            "malformed",
            str(problem),
            _REBUILD,
            name,
            key=problem.key,
            fields=problem.fields,
            hint_key="rules.hint.rebuild",
        )
    return rule_file


# Pydantic's error types in the catalogue's words (under `cli.runtime.rules.reason.`;
# the English here is the en catalogue's), with the fields of their context. The
# checks of slalang.ruleschema raise `rules_<kind>` errors, worded there too.
# Any other type shows pydantic's English.
_REASONS = {
    "missing": "the field is missing",
    "extra_forbidden": "a rule file has no such field",
    "greater_than": "must be greater than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "string_too_short": "must have at least {min_length} characters",
    "string_too_long": "must have at most {max_length} characters",
    "too_short": "must have at least {min_length} items",
    "too_long": "must have at most {max_length} items",
    "string_pattern_mismatch": "is not written as a rule file writes it (see schema/rules-v4.json)",
    "literal_error": "must be one of {expected}",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_parsing": "must be a whole number",
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
}
_REASON_KEY = "rules.reason."


def _reason(err) -> Problem | str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind.startswith("rules_"):
        key = _REASON_KEY + kind[len("rules_") :]
        return Problem(key, err["msg"], **ctx)
    template = _REASONS.get(kind)
    if template is None:
        return str(err["msg"])
    fields = {
        k: ctx.get(k, "")
        for k in ("gt", "ge", "lt", "le", "min_length", "max_length", "expected")
        if "{" + k + "}" in template
    }
    key = _REASON_KEY + kind
    return Problem(key, template.format(**fields), **fields)


# Significant digits an amount rounded to the quantum may have (Decimal's
# default precision, which the report's caps are rounded in).
_PRECISION = 28


def _precision_problem(r: RuleFile) -> Problem | None:
    """A quantum too fine for the file's amounts: rounding a credit of the
    largest fee or money amount (times the months of a year) to it needs
    more significant digits than exact decimal arithmetic keeps."""
    quantum = Decimal(r.credit_policy.quantum)
    money = [p.monthly_fee for p in r.products if p.monthly_fee is not None]
    for ld in r.credit_ladders:
        amounts = [t.amount for t in ld.tiers] + [a for a in (ld.minimum, ld.cap) if a is not None]
        if ld.step is not None:
            amounts.append(ld.step.amount)
        money += [a.money for a in amounts if a.money is not None]
    cap = r.credit_policy.cap
    if cap is not None and cap.money is not None:
        money.append(cap.money)
    whole = max((len(m.split(".")[0].lstrip("0")) for m in money), default=1)
    exponent = quantum.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if whole + 2 + places > _PRECISION:
        return Problem(
            "rules.quantum_too_fine",
            f"rounds to {r.credit_policy.quantum}, too fine for amounts of {whole} digits "
            f"(at most {_PRECISION} significant digits in all)",
            quantum=r.credit_policy.quantum,
            digits=whole,
            limit=_PRECISION,
        )
    return None


def _names_problem(r: RuleFile) -> Problem | None:
    """A name defined twice where the runtime looks names up (the later
    definition would silently win), and a target cell written twice."""
    groups = (
        ("priority", [p.name for p in r.priorities]),
        ("product", [p.name for p in r.products]),
        ("region", [g.name for g in r.regions]),
        ("plan", [p.name for p in r.plans]),
        ("flag", [f.name for f in r.flags]),
        ("metric", [m.name for m in r.metrics]),
        ("ladder", [ld.name for ld in r.credit_ladders]),
        ("exclusion", [e.code for e in r.exclusions]),
        ("warning", [w.level for w in r.warnings]),
        ("target", [f"{t.metric}/{t.priority}/{t.column}" + (f" when {t.when}" if t.when else "") for t in r.targets]),
    )
    for what, names in groups:
        seen: set[str] = set()
        for n in names:
            if n in seen:
                return Problem("rules.name_twice", f"{what} `{n}` is defined twice", what=what, name=n)
            seen.add(n)
    for m in r.metrics:
        seen = set()
        for c in m.columns:
            if c.name in seen:
                return Problem("rules.name_twice", f"column `{c.name}` is defined twice", what="column", name=c.name)
            seen.add(c.name)
    problem = _precision_problem(r)
    if problem:
        return problem
    percents = [Decimal(w.percent) for w in r.warnings]
    if any(b <= a for a, b in zip(percents, percents[1:])) or any(p <= 0 for p in percents):
        return Problem("rules.warnings_order", "the warning levels must rise above 0%, each once")
    return None


def _dangling_reference(r: RuleFile) -> Problem | None:
    """A name the file uses but does not define (only a hand-made file can
    have one: the compiler resolves every name, and the checksum guards it)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(r.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return Problem(
            "rules.bad_timezone",
            f"names timezone `{r.timezone}`, which is not an IANA timezone known to this system",
            timezone=r.timezone,
        )
    problem = _names_problem(r)
    if problem:
        return problem
    calendars = {c.name for c in r.calendars}
    priorities = {p.name for p in r.priorities}
    products = {p.name for p in r.products}
    regions = {g.name for g in r.regions}
    plans = {p.name for p in r.plans}
    flags = {f.name for f in r.flags}
    problem = _calendar_consistency(r, regions)
    if problem:
        return problem
    for m in r.metrics:
        if m.calendar is not None and m.calendar not in calendars:
            return Problem(
                "rules.metric_calendar",
                f"metric `{m.name}` counts on calendar `{m.calendar}`, which the file does not define",
                metric=m.name,
                calendar=m.calendar,
            )
        problem = _columns_problem(m.name, m.columns, calendars, regions, plans)
        if problem:
            return problem
    metrics = {m.name: {c.name for c in m.columns} for m in r.metrics}
    for t in r.targets:
        cell = f"{t.metric}/{t.priority}/{t.column}"
        if t.metric not in metrics or t.column not in metrics[t.metric] or t.priority not in priorities:
            return Problem(
                "rules.target_names",
                f"target {cell} refers to a metric, column or priority the file does not define",
                target=cell,
            )
        if t.clock == "business" and t.calendar not in calendars:
            return Problem(
                "rules.target_calendar",
                f"target {cell} counts on calendar `{t.calendar}`, which the file does not define",
                target=cell,
                calendar=t.calendar,
            )
        if t.when is not None and t.when not in flags:
            return Problem(
                "rules.target_flag",
                f"target {cell} applies when flag `{t.when}` is set, which the file does not define",
                target=cell,
                flag=t.when,
            )
    for a in r.availability:
        if a.product not in products:
            return Problem(
                "rules.availability_product",
                f"availability target for `{a.product}`, a product the file does not define",
                product=a.product,
            )
    problem = _v2_consistency(r, products, calendars)
    if problem:
        return problem
    if r.updates is not None:
        problem = _updates_problem(r.updates, priorities, calendars, regions, plans)
        if problem:
            return problem
    return _duties_problem(r)


def _columns_problem(owner: str, columns, calendars: set[str], regions: set[str], plans: set[str]) -> Problem | None:
    """A column naming a calendar, region or plan the file does not define."""
    for c in columns:
        if c.kind == "calendar" and c.calendar not in calendars:
            return Problem(
                "rules.column_calendar",
                f"column `{c.name}` of `{owner}` names calendar `{c.calendar}`, which the file does not define",
                column=c.name,
                metric=owner,
                calendar=c.calendar,
            )
        if c.kind == "region" and c.region not in regions:
            return Problem(
                "rules.column_region",
                f"column `{c.name}` of `{owner}` names region `{c.region}`, which the file does not define",
                column=c.name,
                metric=owner,
                region=c.region,
            )
        if (c.kind == "plan" or c.plan is not None) and c.plan not in plans:
            return Problem(
                "rules.column_plan",
                f"column `{c.name}` of `{owner}` names plan `{c.plan}`, which the file does not define",
                column=c.name,
                metric=owner,
                plan=str(c.plan),
            )
    return None


def _calendar_consistency(r: RuleFile, regions: set[str]) -> Problem | None:
    """Calendars: each (name, region) once, in a known timezone; a regional
    calendar (entries with `region` set) has one variant per declared region
    and no entry without one."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    seen: set[tuple[str, str | None]] = set()
    for c in r.calendars:
        if (c.name, c.region) in seen:
            where = f" for region `{c.region}`" if c.region else ""
            return Problem(
                "rules.calendar_twice",
                f"calendar `{c.name}`{where} is defined twice",
                calendar=c.name,
                where=Problem("rules.for_region", where, region=c.region) if c.region else "",
            )
        seen.add((c.name, c.region))
        try:
            ZoneInfo(c.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return Problem(
                "rules.calendar_timezone",
                f"calendar `{c.name}` names timezone `{c.timezone}`, which is not an IANA timezone known to this system",
                calendar=c.name,
                timezone=c.timezone,
            )
        if c.region is not None and c.region not in regions:
            return Problem(
                "rules.calendar_region",
                f"calendar `{c.name}` has a variant for region `{c.region}`, which the file does not define",
                calendar=c.name,
                region=c.region,
            )
    regional = {name for name, region in seen if region is not None}
    for name in sorted(regional):
        if (name, None) in seen:
            return Problem(
                "rules.calendar_mixed",
                f"calendar `{name}` has region variants and an entry without a region",
                calendar=name,
            )
        missing = sorted(g for g in regions if (name, g) not in seen)
        if missing:
            return Problem(
                "rules.calendar_variant_missing",
                f"regional calendar `{name}` has no variant for region `{missing[0]}`",
                calendar=name,
                region=missing[0],
            )
    return None


def _updates_problem(
    u, priorities: set[str], calendars: set[str], regions: set[str], plans: set[str]
) -> Problem | None:
    """Progress updates: known priorities and calendars; a rule's column one
    of the block's columns (every rule naming one when there are columns,
    none when there are not)."""
    if u.calendar is not None and u.calendar not in calendars:
        return Problem(
            "rules.update_calendar",
            f"progress updates count on calendar `{u.calendar}`, which the file does not define",
            calendar=u.calendar,
        )
    problem = _columns_problem("updates", u.columns, calendars, regions, plans)
    if problem:
        return problem
    names = {c.name for c in u.columns}
    for rule in u.rules:
        if rule.priority not in priorities:
            return Problem(
                "rules.update_priority",
                f"update rule for `{rule.priority}`, a priority the file does not define",
                priority=rule.priority,
            )
        if (rule.column is None) != (not names) or (rule.column is not None and rule.column not in names):
            return Problem(
                "rules.update_column",
                f"the update rule for `{rule.priority}` names column `{rule.column}`, which is not one of the "
                "updates' columns",
                priority=rule.priority,
                column=str(rule.column),
            )
        if rule.clock == "business" and rule.calendar not in calendars:
            return Problem(
                "rules.update_calendar",
                f"progress updates count on calendar `{rule.calendar}`, which the file does not define",
                calendar=str(rule.calendar),
            )
    return None


def _duties_problem(r: RuleFile) -> Problem | None:
    """Duties and service targets (v4): names unique in their one namespace
    (evidence rows name either), a cadence of a valid shape, and `on CAL`
    naming a plain calendar of the file (a duty has no region to choose a
    regional calendar's variant by)."""
    from slalang.cadence import MAX_TIMES

    plain = {c.name for c in r.calendars if c.region is None}
    regional = {c.name for c in r.calendars if c.region is not None}
    seen: set[str] = set()
    for name in [d.name for d in r.duties] + [t.name for t in r.service_targets]:
        if name in seen:
            return Problem("rules.duty_twice", f"duty or target `{name}` is defined twice", name=name)
        seen.add(name)
    for d in r.duties:
        cad = d.cadence
        if cad is not None:
            every_ok = cad.kind == "every" and cad.unit is not None and cad.period is None
            times_ok = cad.kind == "times" and cad.period is not None and cad.unit is None
            if not (every_ok or times_ok):
                return Problem(
                    "rules.duty_cadence",
                    f"the cadence of duty `{d.name}` is malformed: `every` needs a unit and no period, "
                    "`times` a period and no unit",
                    duty=d.name,
                )
            if cad.kind == "times" and cad.period is not None and cad.count > MAX_TIMES[cad.period]:
                return Problem(
                    "rules.duty_times",
                    f"duty `{d.name}` asks for {cad.count} performances per {cad.period}, more than it has days",
                    duty=d.name,
                    count=cad.count,
                    period=cad.period,
                )
        if d.calendar is not None and d.calendar not in plain:
            if d.calendar in regional:
                return Problem(
                    "rules.duty_calendar_regional",
                    f"duty `{d.name}` is due on regional calendar `{d.calendar}`; a duty has no region to choose "
                    "its variant by",
                    duty=d.name,
                    calendar=d.calendar,
                )
            return Problem(
                "rules.duty_calendar",
                f"duty `{d.name}` is due on calendar `{d.calendar}`, which the file does not define",
                duty=d.name,
                calendar=d.calendar,
            )
    return None


def _v2_consistency(r: RuleFile, products: set[str], calendars: set[str]) -> Problem | None:
    """What the v2 fields must agree on (the compiler guarantees it; a
    hand-made file may not): ladders name defined products with a target,
    `charges` bases only on availability ladders, request buckets whole and
    without counting rules, a rounding rule for money credits, a claim
    counted in business days on a defined calendar."""
    seen: set[tuple[str, str]] = set()
    for a in r.availability:
        if (a.product, a.period) in seen:
            return Problem(
                "rules.availability_twice",
                f"two availability targets for `{a.product}` per {a.period}",
                product=a.product,
                period=a.period,
            )
        seen.add((a.product, a.period))
        if (a.bucket_seconds is None) != (a.bucket_error_percent is None):
            return Problem(
                "rules.bucket_half",
                f"the availability target of `{a.product}` gives only one of bucket_seconds and bucket_error_percent",
                product=a.product,
            )
        if a.bucket_seconds is not None and (
            86400 % a.bucket_seconds or a.counting != "second" or a.ignore_under_seconds is not None
        ):
            return Problem(
                "rules.bucket_rules",
                f"the request buckets of `{a.product}` must divide a day and carry no counting rule or grace",
                product=a.product,
            )
    targets = {a.product for a in r.availability}
    for ld in r.credit_ladders:
        for p in ld.products:
            if p not in products or (ld.metric == "availability" and p not in targets):
                return Problem(
                    "rules.ladder_product",
                    f"ladder `{ld.name}` pays for `{p}`, which the file does not define"
                    + (" with an availability target" if ld.metric == "availability" else ""),
                    ladder=ld.name,
                    product=p,
                )
        amounts = [t.amount for t in ld.tiers] + [a for a in (ld.minimum, ld.cap) if a is not None]
        if ld.step is not None:
            amounts.append(ld.step.amount)
        for amt in amounts:
            if (amt.money is None) == (amt.percent is None):
                return Problem(
                    "rules.amount_shape",
                    f"an amount of ladder `{ld.name}` must be money or a percentage",
                    ladder=ld.name,
                )
            if amt.base == "charges" and ld.metric != "availability":
                return Problem(
                    "rules.charges_ticket_ladder",
                    f"ladder `{ld.name}` pays a share of charges, which only availability ladders can",
                    ladder=ld.name,
                )
    pol = r.credit_policy
    if r.credit_ladders and (pol.rounding is None or pol.rounding_scope is None):
        return Problem(
            "rules.no_rounding", "the file has credit ladders but no rounding rule (mode and scope) for money"
        )
    claim = pol.claim
    if claim is not None:
        spans = [claim.within] + ([claim.opens] if claim.opens else [])
        if any(s.unit == "business_days" for s in spans) and claim.calendar not in calendars:
            return Problem(
                "rules.claim_calendar",
                f"the claim window counts business days on calendar `{claim.calendar}`, which the file does not define",
                calendar=str(claim.calendar),
            )
    return None


def load_rules(path: str | os.PathLike) -> RuleFile:
    """Read and validate a `<id>.rules.json` or `<id>.rules.yaml` file.
    Raises `RulesError` with kind `io`, `malformed`, `version` or `checksum`."""
    name = str(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)  # no more than the limit, even from /dev/zero or a pipe
    except OSError as exc:
        raise RulesError(
            "io",
            f"cannot be read: {exc.strerror or exc}",
            "check the path",
            name,
            key="rules.unreadable",
            fields={"reason": exc},
            hint_key="rules.hint.check_path",
        )
    return loads_rules(data, name)
