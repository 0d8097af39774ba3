"""Reading a compiled rule file: bytes → validated `RuleFile`, or a `RulesError`.

Checks run in the order that gives the most useful message: is it JSON or
YAML at all, is it a slalang rule file, of a schema version we read, does its
checksum match its content (refusing an edited or damaged file), and only
then does it have the schema's shape."""

from __future__ import annotations

import datetime as dt
import json
import os

from slalang.ruleschema import SCHEMA_ID, RuleFile, RulesError, checksum_of

_REBUILD = "rebuild it from the contract with `slalang build --rules CONTRACT -o DIR`"


def _normalise(value):
    # A YAML tool that re-saves the file may drop the quotes around dates;
    # the checksum is defined over JSON types, so bring them back.
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _parse(data: bytes, name: str | None):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RulesError(
            "malformed",
            f"is not UTF-8 text (byte {exc.start})",
            "pass a .rules.json or .rules.yaml file written by `slalang build`",
            name,
        )
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise RulesError(
                "malformed", f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", _REBUILD, name
            )
    try:
        import yaml
    except ImportError:  # pragma: no cover - pyyaml is a dependency
        raise RulesError("malformed", "is not JSON, and PyYAML is not installed to read YAML", _REBUILD, name)
    try:
        return _normalise(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise RulesError("malformed", f"is neither JSON nor valid YAML{where}", _REBUILD, name)


def loads_rules(data: bytes, name: str | None = None) -> RuleFile:
    """Validate the bytes of a rule file (JSON or YAML). `name` appears in
    error messages. Raises `RulesError` (see its `kind`)."""
    doc = _parse(data, name)
    if not isinstance(doc, dict):
        raise RulesError("malformed", "is not a slalang rule file (expected a JSON object at the top)", _REBUILD, name)
    schema = doc.get("schema")
    if schema is None:
        raise RulesError("malformed", "has no `schema` field: it is not a slalang rule file", _REBUILD, name)
    if schema != SCHEMA_ID:
        raise RulesError(
            "version",
            f"uses rule schema `{schema}`, which this slalang does not read (it reads `{SCHEMA_ID}`)",
            "use the slalang version that wrote the file, or " + _REBUILD,
            name,
        )
    claimed = doc.get("checksum")
    if not isinstance(claimed, str):
        raise RulesError("malformed", "has no `checksum` field", _REBUILD, name)
    actual = checksum_of(doc)
    if claimed != actual:
        raise RulesError(
            "checksum",
            f"does not match its checksum (file says {claimed[:19]}…, content "
            f"hashes to {actual[:19]}…): it was edited or damaged after it was built",
            "never edit a rule file by hand; change the contract and " + _REBUILD,
            name,
        )
    from pydantic import ValidationError

    try:
        rule_file = RuleFile.model_validate(doc)
    except ValidationError as exc:
        problems = []
        for err in exc.errors()[:5]:
            loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
            problems.append(f"{loc or 'top level'}: {err['msg']}")
        more = exc.error_count() - len(problems)
        raise RulesError(
            "malformed",
            "does not have the shape of a rule file: "
            + "; ".join(problems)
            + (f"; … and {more} more" if more > 0 else ""),
            _REBUILD,
            name,
        )
    problem = _dangling_reference(rule_file)
    if problem:
        raise RulesError("malformed", problem, _REBUILD, name)
    return rule_file


def _dangling_reference(r: RuleFile) -> str | None:
    """A name the file uses but does not define (only a hand-made file can
    have one: the compiler resolves every name, and the checksum guards it)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(r.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return f"names timezone `{r.timezone}`, which is not an IANA timezone known to this system"
    calendars = {c.name for c in r.calendars}
    priorities = {p.name for p in r.priorities}
    products = {p.name for p in r.products}
    regions = {g.name for g in r.regions}
    for m in r.metrics:
        if m.calendar is not None and m.calendar not in calendars:
            return f"metric `{m.name}` counts on calendar `{m.calendar}`, which the file does not define"
        for c in m.columns:
            if c.kind == "calendar" and c.calendar not in calendars:
                return f"column `{c.name}` of `{m.name}` names calendar `{c.calendar}`, which the file does not define"
            if c.kind == "region" and c.region not in regions:
                return f"column `{c.name}` of `{m.name}` names region `{c.region}`, which the file does not define"
    metrics = {m.name: {c.name for c in m.columns} for m in r.metrics}
    for t in r.targets:
        if t.metric not in metrics or t.column not in metrics[t.metric] or t.priority not in priorities:
            return f"target {t.metric}/{t.priority}/{t.column} refers to a metric, column or priority the file does not define"
        if t.clock == "business" and t.calendar not in calendars:
            return f"target {t.metric}/{t.priority}/{t.column} counts on calendar `{t.calendar}`, which the file does not define"
    for a in r.availability:
        if a.product not in products:
            return f"availability target for `{a.product}`, a product the file does not define"
    for u in r.updates:
        if u.priority not in priorities:
            return f"update rule for `{u.priority}`, a priority the file does not define"
    return None


def load_rules(path: str | os.PathLike) -> RuleFile:
    """Read and validate a `<id>.rules.json` or `<id>.rules.yaml` file.
    Raises `RulesError` with kind `io`, `malformed`, `version` or `checksum`."""
    name = str(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise RulesError("io", f"cannot be read: {exc.strerror or exc}", "check the path", name)
    return loads_rules(data, name)
