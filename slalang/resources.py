"""Where the files we ship live: the grammar and the letter templates.

In a built wheel they are package data under `slalang/_data/` (see
pyproject.toml); in a source checkout they are the top-level `grammar/` and
`templates/` folders. Nothing else in the package hard-codes these paths."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    for candidate in (_PKG / "_data" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"slalang's {name}/ folder is missing from the installation ({_PKG}); reinstall slalang")


def grammar_path() -> Path:
    return resource_dir("grammar") / "slalang.lark"
