"""Matching the items of two versions: by name first, then renamed items by
content, and whether the kept ones changed order.

An item whose name changed but whose content did not is a rename; the
`Renames` table records it per namespace (priority, calendar, region, …) so
that references to it (matrix rows and columns, availability lines, `{…}`
quotes in texts) follow the new name instead of showing as changes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Match:
    pairs: list[tuple]  # (old, new), names may differ (renames)
    removed: list
    added: list
    renamed: list[tuple]
    reordered: bool


def match(old: list, new: list, key: Callable, content: Callable) -> Match:
    """Pair items by key; unpaired items with equal content are renames."""
    new_by_key = {key(n): n for n in new}
    pairs, removed = [], []
    used: set[int] = set()
    for o in old:
        n = new_by_key.get(key(o))
        if n is not None and id(n) not in used:
            pairs.append((o, n))
            used.add(id(n))
        else:
            removed.append(o)
    added = [n for n in new if id(n) not in used]
    renamed = []
    for o in list(removed):
        for n in added:
            if content(o) == content(n):
                renamed.append((o, n))
                pairs.append((o, n))
                removed.remove(o)
                added.remove(n)
                break
    order_old = [id(n) for o in old for (po, n) in pairs if po is o]
    order_new = [id(n) for n in new if any(n is pn for _, pn in pairs)]
    return Match(pairs, removed, added, renamed, order_old != order_new)


@dataclass
class Renames:
    """namespace → old name → new name."""

    table: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, namespace: str, old: str, new: str) -> None:
        self.table.setdefault(namespace, {})[old] = new

    def __call__(self, namespace: str, name: str) -> str:
        return self.table.get(namespace, {}).get(name, name)

    def column(self, name: str) -> str:
        """A matrix column names a calendar, a region or a plan, or is
        `PLAN.WINDOW`: each part follows its own renames."""
        if "." in name:
            plan, window = name.split(".", 1)
            return f"{self('plan', plan)}.{self.column(window)}"
        return self("calendar", self("region", self("plan", name)))

    def refs(self, s: str) -> str:
        """`{response.P4.business}` with renamed priorities and columns followed."""

        def fix(mo: re.Match) -> str:
            parts = mo.group(1).split(".")
            parts = [self("priority", p) if i == 1 else self.column(p) if i == 2 else p for i, p in enumerate(parts)]
            return "{" + ".".join(parts) + "}"

        return re.sub(r"\{([^}]*)\}", fix, s)
