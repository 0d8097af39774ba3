"""Per-project lint settings: the severity of each rule, read from the
`[tool.slalang.lint]` table of the nearest `pyproject.toml` that has one,
found by walking up from the contract's folder (like ruff and black do).

    [tool.slalang.lint]
    L201 = "error"     # error | warning | off
    L305 = "off"

A code that is not a lint rule, or a value other than those three, is a usage
error (`ConfigError`) naming the file and line: a typo must not silently
leave a rule at its default."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from slalang.diagnostics import Severity, did_you_mean
from slalang.lint.registry import RULES

VALUES = ("error", "warning", "off")


class ConfigError(Exception):
    pass


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
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    table = doc.get("tool", {}).get("slalang", {}).get("lint")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f'{path}: `tool.slalang.lint` must be a table of codes, e.g. `L201 = "off"`')
    overrides: dict[str, Severity | None] = {}
    for key, value in table.items():
        line = _line_of(text, key)
        where = f"{path}:{line}" if line else str(path)
        if key not in RULES:
            guess = did_you_mean(key, RULES)
            raise ConfigError(
                f"{where}: [tool.slalang.lint]: `{key}` is not a lint code; "
                + (
                    f"did you mean `{guess}`?"
                    if guess
                    else f"codes are {min(RULES)}…{max(RULES)}, listed by `slalang lint --list-rules`"
                )
            )
        if not isinstance(value, str) or value not in VALUES:
            raise ConfigError(
                f"{where}: [tool.slalang.lint]: {key} = {value!r}: the severity must be "
                + ", ".join(f'"{v}"' for v in VALUES[:-1])
                + f' or "{VALUES[-1]}"'
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
                    raise ConfigError(f"{candidate}: cannot be read: {exc}") from None
                parsed = parse(_shown(candidate), text)
                if parsed is not None:
                    found = parsed
                    break
        for folder in chain:
            self._by_dir[folder] = found
        return found
