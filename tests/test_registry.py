"""Every construct is complete: each grammar rule has a lowering entry, a
formatter entry, a diff entry and catalogue words in both languages, and a
missing one fails here by name (ARCHITECTURE.md, “Adding a construct”)."""

import re
import string
from pathlib import Path

import pytest
from conftest import ROOT

from slalang import i18n, lower
from slalang.diagnostics import CODES

GRAMMAR = (ROOT / "grammar" / "slalang.lark").read_text(encoding="utf-8")

# Rules that are shapes, not statements: lowering and the formatter read them
# through the statement that contains them, with shared value helpers.
SHAPES = {"start", "contract", "text", "amount", "period", "days", "day_span", "time_range", "fee"}
# Bodies: braces around a statement's parts, laid out by the statement itself.
BODIES = {
    "party_body",
    "priority_body",
    "force_majeure_body",
    "availability_body",
    "percent_amount",
    "money_amount",
    "duty_body",
    "target_body",
}
# Parts of one statement laid out on the statement's own line.
INLINE_PARTS = {
    "maintenance_notice",
    "maintenance_max",
    "maintenance_window",
    "credit_products",
    "claim_opens",
    "claim_span",
    "claim_calendar",
    "rounding_scope",
    "subdivision",
    "column_ref",
    "condition",
    "strict_cell",
    "every_cadence",
    "times_cadence",
    "performer",
}


def grammar_rules() -> set[str]:
    rules = set(re.findall(r"^([a-z][a-z_]*)\s*:", GRAMMAR, flags=re.M))
    rules |= set(re.findall(r"->\s*([a-z_]+)", GRAMMAR))
    return rules


def top_level_kinds() -> set[str]:
    item = re.search(r"^_item:(.*?)(?=^\S|\Z)", GRAMMAR, flags=re.M | re.S)
    assert item, "grammar has no _item rule"
    return set(re.findall(r"[a-z_]+", item.group(1)))


STATEMENTS = sorted(grammar_rules() - SHAPES)


def test_grammar_is_read():
    assert {"matrix", "credit", "clause", "tier_rule"} <= set(STATEMENTS)
    missing = sorted(top_level_kinds() - set(lower.STATEMENTS))
    assert not missing, f"statement kinds with no @statement lowering in slalang/lower/: {missing}"
    stale = sorted(set(lower.STATEMENTS) - top_level_kinds())
    assert not stale, f"lowering registers kinds that are not statements of grammar/slalang.lark: {stale}"


@pytest.mark.parametrize("kind", sorted(top_level_kinds()))
def test_contract_model_has_a_field_for(kind):
    """Step 2 of “Adding a construct”: a statement's meaning has a home in the
    contract model (a field of `Contract`, or part of one)."""
    from slalang.model import Contract

    homes = {
        "effective": "effective_start",
        "provider": "provider",
        "customer": "customer",
        "calendar": "calendars",
        "priority": "priorities",
        "matrix": "response",
        "credit": "credit_ladders",
        "clause": "clauses",
        "duty": "duties",
        "target": "service_targets",
    }
    field = homes.get(kind, kind)
    assert field in Contract.model_fields, (
        f"statement kind `{kind}` has no field `{field}` on slalang.model.Contract (name its home in this test)"
    )


@pytest.mark.parametrize("kind", STATEMENTS)
def test_lowering_entry(kind):
    assert kind in lower.handled_kinds(), (
        f"grammar rule `{kind}` has no lowering: register it with @statement({kind!r}) or list it in the "
        f"`handles` of the statement that reads it (slalang/lower/)"
    )


@pytest.mark.parametrize("kind", sorted(set(STATEMENTS) - BODIES - INLINE_PARTS))
def test_formatter_entry(kind):
    from slalang import fmt

    assert hasattr(fmt._Layout, f"s_{kind}"), (
        f"grammar rule `{kind}` has no formatter method `s_{kind}` (slalang/fmt.py)"
    )


@pytest.mark.parametrize("kind", STATEMENTS)
def test_diff_entry(kind):
    from slalang import semdiff

    assert kind in semdiff.handled_kinds(), (
        f"grammar rule `{kind}` is not compared by the semantic diff (slalang/semdiff/)"
    )


@pytest.mark.parametrize("lang", i18n.LANGS)
@pytest.mark.parametrize("kind", STATEMENTS)
def test_catalogue_names_each_statement(kind, lang):
    assert i18n.has(lang, f"diag.statement.{kind}"), f"{lang} catalogue has no `diag.statement.{kind}`"


def test_unregistered_statement_kind_is_a_named_error():
    from slalang.lower.registry import LoweringIncomplete, entry

    with pytest.raises(LoweringIncomplete, match="no lowering function for statement kind `sla_surprise`"):
        entry("sla_surprise")


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_code_has_a_summary(lang):
    missing = [c for c in CODES if not i18n.has(lang, f"diag.codes.{c}")]
    assert not missing, f"{lang}: no summary for {missing}"


# Settings of one language's grammar, not messages (English drops "1" in "each full hour").
LANGUAGE_SWITCHES = {"letter.units.drop_one", "letter.list_separator", "letter.space_latin"}


def _own_words(key: str) -> bool:
    """A language's own names (the zh name of a timezone Babel misnames), not a message."""
    return key.startswith("letter.timezone_names.")


def test_catalogues_have_the_same_keys():
    zh, en = ({k for k in i18n.leaf_keys(lang) - LANGUAGE_SWITCHES if not _own_words(k)} for lang in ("zh", "en"))
    assert sorted(en - zh) == [], "keys missing in the Chinese catalogue"
    assert sorted(zh - en) == [], "keys missing in the English catalogue"


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_message_is_a_valid_template(lang):
    bad = []
    for key in i18n.leaf_keys(lang):
        value = i18n.lookup(lang, key)
        forms = value.values() if isinstance(value, dict) else [value]
        for form in forms:
            if isinstance(form, str):
                try:
                    list(string.Formatter().parse(form))
                except ValueError as exc:
                    bad.append(f"{key}: {exc}")
    assert not bad


def _used_keys() -> set[str]:
    """Every literal `diag.` key the front end builds messages with."""
    keys: set[str] = set()
    for path in [
        *Path(ROOT / "slalang" / "lower").glob("*.py"),
        ROOT / "slalang" / "syntax.py",
        ROOT / "slalang" / "compiler.py",
    ]:
        text = path.read_text(encoding="utf-8")
        keys |= {f"diag.{k}" for k in re.findall(r'\bM\(\s*"([A-Za-z0-9_.]+)"', text)}
        keys |= {f"diag.subject.{k}" for k in re.findall(r'\bsubject\(\s*"([a-z_]+)"', text)}
        keys |= set(re.findall(r'\b(?:Msg|T)\(\s*"(diag\.[A-Za-z0-9_.]+)"', text))
    return keys


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_key_the_front_end_uses_exists(lang):
    keys = _used_keys()
    assert len(keys) > 150
    missing = sorted(k for k in keys if not i18n.has(lang, k))
    assert not missing, f"{lang} catalogue lacks {missing}"


@pytest.mark.parametrize(
    "path", sorted((ROOT / "templates" / "messages").glob("*/*.yaml")), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_no_catalogue_key_is_given_twice(path):
    """YAML keeps the last of two equal keys silently; a catalogue must not rely on it."""
    import yaml

    class Strict(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
        twice = sorted({k for k in keys if keys.count(k) > 1}, key=str)
        assert not twice, f"{path}: {twice} given twice (line {node.start_mark.line + 1})"
        return yaml.SafeLoader.construct_mapping(loader, node, deep)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    yaml.load(path.read_text(encoding="utf-8"), Loader=Strict)
