"""Cross-statement checks, run once every statement is lowered: a more
severe priority with a looser target than a less severe one (W0408), a first
response due after the resolution (W0409).

Both compare targets with the one measure of SEMANTICS §2
(slalang/targets.py): instant by instant over the effective period, on the
compiled calendar, never by "seconds" of different clocks. A pair that is
neither stricter nor looser (each earlier for some tickets) is not warned."""

from __future__ import annotations

from slalang import model
from slalang.diagnostics import Label
from slalang.i18n import T
from slalang.lower.state import Lowering, M
from slalang.source import Span


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


def severe_priority_looser(lw: Lowering) -> None:
    """W0408: for each row and column, the least severe priority below it
    whose target is stricter (one warning per cell, naming the nearest)."""
    if not _ready(lw):
        return
    from slalang.targets import STRICTER, compare

    for metric in ("response", "resolution"):
        m = lw.out.get(metric)
        if m is None:
            continue
        if not _calendars_lowered(lw, m):
            continue
        measure = _measure(lw)
        rows: dict[str, list[model.Target]] = {}
        for t in m.targets:
            rows.setdefault(t.priority, []).append(t)
        order = list(rows)
        for col_i, col in enumerate(m.columns):
            domain = measure.domain(m, col.name)
            dues = {p: measure.due(rows[p][col_i].duration, m.clock) for p in order}
            for i, a in enumerate(order):
                ta = rows[a][col_i]
                for b in order[i + 1 :]:
                    tb = rows[b][col_i]
                    if tb.duration is None:
                        continue
                    if compare(dues[b], dues[a], domain) == STRICTER:
                        lw.err(
                            "W0408",
                            M(
                                "W0408.looser",
                                a=a,
                                b=b,
                                metric=T(f"diag.metric.{metric}"),
                                column=col.name,
                                da=spell(ta.duration),
                                db=spell(tb.duration),
                            ),
                            row_span(lw, ta),
                            M("W0408.hint", a=a, db=spell(tb.duration)),
                            [Label(row_span(lw, tb), M("label.row_of", name=b))],
                        )
                        break


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
