"""The lint rule registry: every rule's stable code, name, family, default
severity and the check function that finds it.

Codes are grouped by family and never reused: `L0xx` about the lint itself
(suppression comments), `L1xx` completeness (the letter's required parts),
`L2xx` wording (vague or drifting text), `L3xx` consistency (numbers that
contradict each other). docs/lint.md documents each one; a test keeps the two
in step. This registry is separate from `slalang.diagnostics.CODES`, which
lists what the compiler itself reports.

A rule's one-line title is the catalogue message `lint.rules.<code>` and
every word it reports is a `lint.<code>.…` message (templates/messages/<lang>/
lint.yaml), so lint speaks every language of the catalogue; `msg()` builds
those messages and a test checks that each key exists in every language."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slalang.diagnostics import Label, Severity
from slalang.i18n import Msg
from slalang.source import Span

if TYPE_CHECKING:
    from slalang.lint.context import LintContext

FAMILIES = {"0": "meta", "1": "completeness", "2": "wording", "3": "consistency"}


def msg(key: str, **fields: Any) -> Msg:
    """A lint message: `msg("L101.message")` is the catalogue key `lint.L101.message`."""
    return Msg(f"lint.{key}", **fields)


@dataclass(frozen=True)
class Finding:
    """What a check found: the rule's code is added by the registry."""

    span: Span
    message: Msg
    hint: Msg | None = None
    labels: tuple[Label, ...] = ()


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    family: str
    severity: Severity
    summary: Msg  # the one-line title, `lint.rules.<code>`
    check: Callable[[LintContext], Iterable[Finding]] | None = field(default=None, compare=False)


RULES: dict[str, Rule] = {}


def rule(code: str, name: str, severity: str):
    """Register the decorated generator as the check for `code`."""

    def register(fn):
        declare(code, name, severity, fn)
        return fn

    return register


def declare(code: str, name: str, severity: str, fn=None) -> None:
    assert code not in RULES, f"lint code {code} registered twice"
    assert len(code) == 4 and code[0] == "L" and code[1] in FAMILIES, code
    RULES[code] = Rule(code, name, FAMILIES[code[1]], Severity(severity), Msg(f"lint.rules.{code}"), fn)
