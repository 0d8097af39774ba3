"""The lint rule registry: every rule's stable code, name, family, default
severity and the check function that finds it.

Codes are grouped by family and never reused: `L0xx` about the lint itself
(suppression comments), `L1xx` completeness (the letter's required parts),
`L2xx` wording (vague or drifting text), `L3xx` consistency (numbers that
contradict each other). A rule applies to the kinds of contract (`PROFILES`,
the `Contract.kind` or `slalang lint --profile`) its `profiles` name, at the
severity given for each: the commitment letter of the source document needs
every completeness rule, an availability SLA and a support policy only theirs. docs/lint.md documents each one; a test keeps the two
in step. This registry is separate from `slalang.diagnostics.CODES`, which
lists what the compiler itself reports.

A rule's one-line title is the catalogue message `lint.rules.<code>` and
every word it reports is a `lint.<code>.…` message (templates/messages/<lang>/
lint.yaml), so lint speaks every language of the catalogue; `msg()` builds
those messages and a test checks that each key exists in every language."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slalang.diagnostics import Label, Severity
from slalang.i18n import Msg
from slalang.source import Span

if TYPE_CHECKING:
    from slalang.lint.context import LintContext

FAMILIES = {"0": "meta", "1": "completeness", "2": "wording", "3": "consistency"}

# The kinds of contract lint knows (`Contract.kind`), in the order they are listed.
PROFILES = ("commitment_letter", "availability_sla", "support_policy")


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
    # The profiles the rule applies to, each at its default severity there;
    # None: every profile, at `severity`.
    profiles: Mapping[str, Severity] | None = field(default=None, compare=False)

    @property
    def by_profile(self) -> dict[str, Severity]:
        """Each profile the rule applies to, in `PROFILES` order, and its severity there."""
        if self.profiles is None:
            return dict.fromkeys(PROFILES, self.severity)
        return {p: self.profiles[p] for p in PROFILES if p in self.profiles}

    def applies(self, profile: str) -> bool:
        return profile in self.by_profile

    def severity_in(self, profile: str) -> Severity:
        return self.by_profile[profile]


RULES: dict[str, Rule] = {}


def rule(code: str, name: str, severity: str, profiles: Mapping[str, str] | None = None):
    """Register the decorated generator as the check for `code`. `profiles`
    maps each profile the rule applies to to its severity there; without it
    the rule applies to every profile at `severity`."""

    def register(fn):
        declare(code, name, severity, fn, profiles)
        return fn

    return register


def declare(code: str, name: str, severity: str, fn=None, profiles: Mapping[str, str] | None = None) -> None:
    assert code not in RULES, f"lint code {code} registered twice"
    assert len(code) == 4 and code[0] == "L" and code[1] in FAMILIES, code
    by_profile = {p: Severity(s) for p, s in (profiles or dict.fromkeys(PROFILES, severity)).items()}
    assert set(by_profile) <= set(PROFILES), (code, by_profile)
    assert by_profile.get("commitment_letter", Severity(severity)) == Severity(severity), code
    ordered = {p: by_profile[p] for p in PROFILES if p in by_profile}
    RULES[code] = Rule(code, name, FAMILIES[code[1]], Severity(severity), Msg(f"lint.rules.{code}"), fn, ordered)
