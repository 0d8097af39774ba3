"""Per-project lint settings: the severity of each rule, read from the
`[tool.slalang.lint]` table of the nearest `pyproject.toml` that has one,
found by walking up from the contract's folder (like ruff and black do).

    [tool.slalang.lint]
    L201 = "error"     # error | warning | off
    L305 = "off"

A code that is not a lint rule, or a value other than those three, is a usage
error (`ConfigError`) naming the file and line: a typo must not silently
leave a rule at its default. Its words are `lint.config.…` messages, shown in
the user's language by the command."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from slalang.diagnostics import Severity, did_you_mean
from slalang.i18n import Msg, Verbatim
from slalang.lint.registry import RULES, msg

VALUES = ("error", "warning", "off")


class ConfigError(Exception):
    """A bad `[tool.slalang.lint]` table; `text` is the message in no language yet."""

    def __init__(self, text: Msg) -> None:
        super().__init__(str(text))
        self.text = text


@dataclass(frozen=True)
class LintConfig:
    """Severity per code (None: the rule is off) and where it came from."""

    overrides: dict[str, Severity | None] = field(default_factory=dict)
    path: str | None = None

    def severity(self, code: str) -> Severity | None:
        if code in self.overrides:
            return self.overrides[code]
        return RULES[code].severity

    def enabled(self, code: str) -> bool:
        return self.severity(code) is not None

    def severity_in(self, code: str, profile: str) -> Severity | None:
        """The severity of `code` on a contract of this profile: None when
        the rule is off or is not part of the profile. The profile decides
        whether a rule applies; the table only changes its severity."""
        rule = RULES[code]
        if not rule.applies(profile):
            return None
        if code in self.overrides:
            return self.overrides[code]
        return rule.severity_in(profile)


DEFAULT = LintConfig()


def _line_of(text: str, key: str) -> int | None:
    m = re.search(rf'^[ \t]*"?{re.escape(key)}"?[ \t]*=', text, re.M)
    return text.count("\n", 0, m.start()) + 1 if m else None


def parse(path: Path, text: str) -> LintConfig | None:
    """The lint settings in one pyproject.toml, or None if it has no
    `[tool.slalang.lint]` table."""
    import tomllib

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(msg("config.not_toml", path=Verbatim(str(path)), detail=Verbatim(str(exc)))) from None
    table = doc.get("tool", {}).get("slalang", {}).get("lint")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(msg("config.not_a_table", path=Verbatim(str(path))))
    overrides: dict[str, Severity | None] = {}
    for key, value in table.items():
        line = _line_of(text, key)
        where = f"{path}:{line}" if line else str(path)
        if key not in RULES:
            guess = did_you_mean(key, RULES)
            raise ConfigError(
                msg(
                    "config.unknown_code",
                    where=Verbatim(where),
                    code=Verbatim(key),
                    advice=msg("config.did_you_mean", guess=Verbatim(guess))
                    if guess
                    else msg("config.codes", first=min(RULES), last=max(RULES)),
                )
            )
        if not isinstance(value, str) or value not in VALUES:
            raise ConfigError(
                msg("config.bad_severity", where=Verbatim(where), code=Verbatim(key), value=Verbatim(repr(value)))
            )
        overrides[key] = None if value == "off" else Severity(value)
    return LintConfig(overrides, str(path))


def _shown(path: Path) -> Path:
    """The path as the user would type it: relative when below the cwd."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


class ConfigFinder:
    """Finds and caches the settings for each folder (a run over a tree of
    contracts reads each pyproject.toml once)."""

    def __init__(self) -> None:
        self._by_dir: dict[Path, LintConfig] = {}

    def for_file(self, file: str) -> LintConfig:
        start = Path(file).resolve().parent
        chain: list[Path] = []
        found = DEFAULT
        for folder in (start, *start.parents):
            if folder in self._by_dir:
                found = self._by_dir[folder]
                break
            chain.append(folder)
            candidate = folder / "pyproject.toml"
            if candidate.is_file():
                try:
                    text = candidate.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise ConfigError(
                        msg("config.unreadable", path=Verbatim(str(candidate)), detail=Verbatim(str(exc)))
                    ) from None
                parsed = parse(_shown(candidate), text)
                if parsed is not None:
                    found = parsed
                    break
        for folder in chain:
            self._by_dir[folder] = found
        return found
