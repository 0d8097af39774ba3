"""Cross-statement checks decided by the one target comparison
(SEMANTICS §2): W0408 warns only when a more severe priority's target is
looser for every ticket of the column (and later for some), never on
"seconds" of different clocks."""

import re

import pytest
from conftest import ROOT

from slalang.compiler import compile_text

ITOPS = (ROOT / "contracts" / "itops.sla").read_text(encoding="utf-8")


def with_response(p0: str, p1: str, column: str = "off_hours") -> str:
    """itops with P0 and P1 set in one column of the response matrix."""

    def row(name: str, business: str, off: str) -> str:
        return f"    {name}      {business}       {off}\n"

    text = ITOPS
    if column == "off_hours":
        text = re.sub(r"    P0      15m       4h\n", row("P0", "15m", p0), text)
        text = re.sub(r"    P1      30m       8h\n", row("P1", "30m", p1), text)
    else:
        text = re.sub(r"    P0      15m       4h\n", row("P0", p0, "4h"), text)
        text = re.sub(r"    P1      30m       8h\n", row("P1", p1, "8h"), text)
    assert text != ITOPS
    return text


def codes(text: str) -> list[str]:
    result = compile_text(text, "itops.sla")
    assert not result.errors, [d.message for d in result.diagnostics]
    return [d.code for d in result.diagnostics]


def test_itops_is_warning_free():
    assert codes(ITOPS) == []


def test_p0_one_business_day_beside_p1_twelve_hours_warns():
    result = compile_text(with_response("1bd", "12h"), "itops.sla")
    found = [d for d in result.diagnostics if d.code == "W0408"]
    assert len(found) == 1 and "P0 is more severe than P1" in found[0].message and "`off_hours`" in found[0].message
    assert "P0 比 P1 更紧急" in found[0].message_in("zh")


@pytest.mark.parametrize(("p0", "p1"), [("1bh", "4h"), ("1bh", "8h"), ("4h", "1bh")])
def test_neither_stricter_nor_looser_does_not_warn(p0, p1):
    # 1bh vs 4h off hours: a ticket opened Monday 08:00 is due sooner under
    # 1bh (10:00), one opened Friday 18:30 later (Monday 10:00 vs 22:30).
    assert "W0408" not in codes(with_response(p0, p1))


def test_equal_targets_do_not_warn():
    assert "W0408" not in codes(with_response("60m", "1h"))


def test_no_commitment_above_a_commitment_warns():
    assert "W0408" in codes(with_response("-", "8h"))


def p0_warnings(text: str) -> list[str]:
    result = compile_text(text, "itops.sla")
    return [d.message for d in result.diagnostics if d.code == "W0408" and d.message.startswith("P0 ")]


def test_business_hours_column_compares_on_working_instants():
    # Opened in working time, 8 business hours take at least 8 wall hours
    # (business time never runs faster than the wall clock), and more for a
    # ticket opened late in the day: `8h` is stricter than `8bh` there.
    assert p0_warnings(with_response("8bh", "8h", column="business"))
    assert not p0_warnings(with_response("8h", "8bh", column="business"))


def test_response_after_resolution_uses_the_measure():
    text = ITOPS.replace("    P0      4h\n", "    P0      10m\n", 1)
    assert text != ITOPS
    result = compile_text(text, "itops.sla")
    w = [d for d in result.diagnostics if d.code == "W0409"]
    assert w and w[0].message.startswith("P0's first response in `business` (15m) comes after its resolution target")


# ---------------------------------------------------------------- W0408 against brute force
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

CELLS = ["-", "15m", "30m", "1h", "4h", "8h", "12h", "1d", "1bh", "2bh", "4bh", "8bh", "1bd", "2bd", "3bd", "1bd4bh"]


def _contract_with_rows(rows: list[tuple[str, str]]) -> str:
    prio = "".join(f'  priority R{i} "级别{i}" | "Level {i}"\n' for i in range(len(rows)))
    text = re.sub(r"  priority P0 .*?(?=  # The column is chosen)", prio, ITOPS, count=1, flags=re.S)
    body = "".join(f"    R{i}  {a}  {b}\n" for i, (a, b) in enumerate(rows))
    text = re.sub(
        r"(  response \"首次响应\" \| \"First response\" \{\n    clock   business\n    columns business, off_hours\n).*?(  \})",
        lambda mo: mo.group(1) + body + mo.group(2),
        text,
        count=1,
        flags=re.S,
    )
    reso = "".join(f"    R{i}  -\n" for i in range(len(rows)))
    text = re.sub(
        r"(    columns any\n).*?(  \})", lambda mo: mo.group(1) + reso + mo.group(2), text, count=1, flags=re.S
    )
    text = re.sub(r"  updates .*?\n  \}\n", "", text, count=1, flags=re.S)
    text = re.sub(r"  clause .*?\n  \}\n", "", text, flags=re.S)
    return text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(CELLS), st.sampled_from(CELLS)), min_size=2, max_size=9))
def test_w0408_equals_the_all_pairs_rule(rows):
    """The linear walk names, for each cell, the nearest less severe row whose
    target is stricter — exactly what comparing every pair would name."""
    from slalang.targets import STRICTER, TargetMeasure, compare

    result = compile_text(_contract_with_rows(rows), "rows.sla")
    assert not result.errors, [d.message for d in result.diagnostics if d.is_error][:3]
    got = sorted(
        (d.message.split(" ")[0], d.message.split(" ")[5], d.message.split("`")[1])
        for d in result.diagnostics
        if d.code == "W0408"
    )
    c = result.contract
    measure = TargetMeasure(c.calendars, c.timezone, c.effective_start, c.effective_end)
    m = c.response
    want = []
    for col in m.columns:
        domain = measure.domain(m, col.name)
        cells = [m.cell(f"R{i}", col.name) for i in range(len(rows))]
        for i, da in enumerate(cells):
            for j in range(i + 1, len(cells)):
                if (
                    cells[j] is not None
                    and compare(measure.due(cells[j], m.clock), measure.due(da, m.clock), domain) == STRICTER
                ):
                    want.append((f"R{i}", f"R{j}", col.name))
                    break
    assert got == sorted(want)
