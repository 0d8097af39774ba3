"""Which function lowers which statement kind, found by name.

Every statement kind of the grammar (`grammar/slalang.lark`) has one entry:
a top-level kind (an alternative of `_item`) is lowered by the function
registered with `@statement(kind)`, in the pass the entry names, and the
nested kinds that function reads are listed in `handles`. The driver refuses
to run a contract holding a top-level kind with no entry
(`LoweringIncomplete`, a named error), and tests/test_registry.py checks
every grammar rule against this table, the formatter, the diff and both
catalogues, so a construct added to the grammar alone fails in the test run
rather than silently at run time."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

# Passes, in the order the driver runs them. `declare`: statements whose names
# or values others use (calendars before matrices, products before ladders);
# `lower`: everything else; cross-statement checks and references follow.
PASSES = ("declare", "lower")


class LoweringIncomplete(Exception):
    """A statement kind reached lowering without a lowering function."""


class Entry(NamedTuple):
    kind: str
    fn: Callable
    pass_: str
    single: bool  # at most once per contract (E0203 otherwise); the function gets one node
    handles: tuple[str, ...]  # nested grammar rules the function reads


STATEMENTS: dict[str, Entry] = {}


def statement(kind: str, *, pass_: str = "lower", single: bool = False, handles: tuple[str, ...] = ()):
    """Register the lowering function of a top-level statement kind."""
    if pass_ not in PASSES:
        raise LoweringIncomplete(f"unknown pass `{pass_}` for statement kind `{kind}`")

    def register(fn: Callable) -> Callable:
        if kind in STATEMENTS:
            raise LoweringIncomplete(f"statement kind `{kind}` is registered twice")
        STATEMENTS[kind] = Entry(kind, fn, pass_, single, handles)
        return fn

    return register


def entry(kind: str) -> Entry:
    try:
        return STATEMENTS[kind]
    except KeyError:
        raise LoweringIncomplete(
            f"no lowering function for statement kind `{kind}`: register one with "
            f"@statement({kind!r}) in slalang/lower/ (see ARCHITECTURE.md, “Adding a construct”)"
        ) from None


def handled_kinds() -> set[str]:
    """Every grammar rule lowering reads: top-level kinds and nested ones."""
    out = set(STATEMENTS)
    for e in STATEMENTS.values():
        out.update(e.handles)
    return out
