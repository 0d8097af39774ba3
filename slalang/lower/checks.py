"""Cross-statement checks, run once every statement is lowered: a more
severe priority with a looser target than a less severe one (W0408), a first
response due after the resolution (W0409).

Both compare targets with the one measure of SEMANTICS §2
(slalang/targets.py): instant by instant over the effective period, on the
compiled calendar, never by "seconds" of different clocks. A pair that is
neither stricter nor looser (each earlier for some tickets) is not warned."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slalang import model
from slalang.diagnostics import Label
from slalang.i18n import T
from slalang.lower.state import Lowering, M
from slalang.source import Span

if TYPE_CHECKING:
    from slalang.targets import Due


def _measure(lw: Lowering):
    from slalang.targets import TargetMeasure

    cached = getattr(lw, "_measure", None)
    if cached is None:
        o = lw.out
        cached = TargetMeasure(o.get("calendars", ()), o["timezone"], o["effective_start"], o["effective_end"])
        lw._measure = cached  # type: ignore[attr-defined]
    return cached


def _ready(lw: Lowering) -> bool:
    o = lw.out
    return bool(o.get("timezone") and o.get("effective_start") and o.get("effective_end"))


def _calendars_lowered(lw: Lowering, m: model.Matrix) -> bool:
    """Whether every calendar the matrix counts on or chooses columns by lowered
    (one with an error is reported already; its targets are not compared)."""
    wanted = {c.name for c in m.columns if c.kind == "calendar"} | ({m.clock} if m.clock else set())
    return wanted <= set(lw.calendars)


def spell(d: model.Duration | None):
    return T("diag.no_commitment") if d is None else d.spelling


def row_span(lw: Lowering, target: model.Target) -> Span:
    start = lw.src.offset(target.line, 1)
    text = lw.src.line_text(target.line)
    indent = len(text) - len(text.lstrip())
    return Span(start + indent, start + len(text.rstrip()))


def _key(d: model.Duration | None) -> tuple | None:
    """Targets with the same key have the same due time for every ticket."""
    return None if d is None else (d.clock, d.days, d.seconds)


def _chain(key: tuple) -> tuple[str, int] | None:
    """A chain of targets that dominance orders totally, with the target's
    place in it: on one clock, durations of one unit only are ordered by
    their count (a later due time for a larger count, for every ticket).
    None: a `1bd4bh`-style target, compared with `targets.compare` only."""
    clock, days, seconds = key
    if clock == "wall":
        return "wall", seconds
    if seconds == 0:
        return "bd", days
    if days == 0:
        return "bh", seconds
    return None


class _Nearest:
    """Rows below the current one in a chain: the nearest row whose count is
    smaller than a given one, in O(log n). Rows arrive from the bottom up;
    a row further down with a count at least a nearer row's is never the
    answer, so the stack keeps counts increasing towards the nearest row."""

    def __init__(self) -> None:
        self.counts: list[int] = []
        self.rows: list[tuple[int, model.Target]] = []

    def add(self, index: int, target: model.Target, count: int) -> None:
        while self.counts and self.counts[-1] >= count:
            self.counts.pop()
            self.rows.pop()
        self.counts.append(count)
        self.rows.append((index, target))

    def stricter_than(self, count: int) -> tuple[int, model.Target] | None:
        from bisect import bisect_left

        k = bisect_left(self.counts, count)
        return self.rows[k - 1] if k else None


def severe_priority_looser(lw: Lowering) -> None:
    """W0408: a row whose target in a column is looser than that of a less
    severe priority (one warning per cell, naming the nearest such row).

    Walks each column from the least severe row up. Within a chain of
    one-unit targets on one clock (`_chain`) dominance is the order of the
    counts, found in O(log n); every other pair of distinct targets is
    decided once by `targets.compare` (memoised), so a column of many rows
    with few kinds of target stays linear."""
    if not _ready(lw):
        return
    from slalang.targets import STRICTER, compare

    for metric in ("response", "resolution"):
        m = lw.out.get(metric)
        if m is None or not _calendars_lowered(lw, m):
            continue
        measure = _measure(lw)
        rows: dict[str, list[model.Target]] = {}
        for t in m.targets:
            rows.setdefault(t.priority, []).append(t)
        order = list(rows)
        for col_i, col in enumerate(m.columns):
            domain = measure.domain(m, col.name)
            dues: dict[tuple, Due] = {}
            verdict: dict[tuple[tuple, tuple], bool] = {}
            chains: dict[str, _Nearest] = {}
            # chain (or "mixed") → key → the nearest row below with that key
            groups: dict[str, dict[tuple, tuple[int, model.Target]]] = {}
            committed: tuple[int, model.Target] | None = None  # nearest row below with any target
            for i in range(len(order) - 1, -1, -1):
                ta = rows[order[i]][col_i]
                ka = _key(ta.duration)
                best: tuple[int, model.Target] | None = None
                if ka is None:
                    best = committed  # no commitment is looser than any target
                else:
                    if ka not in dues:
                        dues[ka] = measure.due(ta.duration, m.clock)
                    place = _chain(ka)
                    if place is not None and place[0] in chains:
                        best = chains[place[0]].stricter_than(place[1])
                    own = place[0] if place is not None else None
                    for name, group in groups.items():
                        if name == own:
                            continue  # decided by the chain
                        for kb, (j, tb) in group.items():
                            if kb == ka or (best is not None and j > best[0]):
                                continue
                            pair = (kb, ka)
                            if pair not in verdict:
                                verdict[pair] = compare(dues[kb], dues[ka], domain) == STRICTER
                            if verdict[pair] and (best is None or j < best[0]):
                                best = (j, tb)
                if best is not None:
                    tb = best[1]
                    lw.err(
                        "W0408",
                        M(
                            "W0408.looser",
                            a=ta.priority,
                            b=tb.priority,
                            metric=T(f"diag.metric.{metric}"),
                            column=col.name,
                            da=spell(ta.duration),
                            db=spell(tb.duration),
                        ),
                        row_span(lw, ta),
                        M("W0408.hint", a=ta.priority, db=spell(tb.duration)),
                        [Label(row_span(lw, tb), M("label.row_of", name=tb.priority))],
                    )
                if ka is not None:
                    place = _chain(ka)
                    if place is not None:
                        chains.setdefault(place[0], _Nearest()).add(i, ta, place[1])
                    groups.setdefault(place[0] if place is not None else "mixed", {})[ka] = (i, ta)
                    committed = (i, ta)


def response_after_resolution(lw: Lowering) -> None:
    """W0409: a first-response target looser than the resolution target of
    the same priority, on the tickets of the response cell's column."""
    resp, reso = lw.out.get("response"), lw.out.get("resolution")
    if resp is None or reso is None or not _ready(lw):
        return
    from slalang.targets import LOOSER, compare

    if not (_calendars_lowered(lw, resp) and _calendars_lowered(lw, reso)):
        return
    measure = _measure(lw)
    reso_cols = {c.name for c in reso.columns}
    for t in resp.targets:
        if t.duration is None:
            continue
        if any(c.kind == "any" for c in reso.columns):
            col = reso.columns[0].name
        elif t.column in reso_cols:
            col = t.column
        else:
            continue
        r = reso.cell(t.priority, col)
        if r is None:
            continue
        domain = measure.domain(resp, t.column)
        if compare(measure.due(t.duration, resp.clock), measure.due(r, reso.clock), domain) == LOOSER:
            lw.err(
                "W0409",
                M(
                    "W0409.after",
                    priority=t.priority,
                    column=t.column,
                    response=t.duration.spelling,
                    resolution=r.spelling,
                ),
                row_span(lw, t),
                M("W0409.hint"),
            )


CHECKS = (severe_priority_looser, response_after_resolution)
