"""The letter's layout on WeasyPrint's pages (issue 12, deliverable 4): side
by side, each language column numbers its own items; no line of either layout
breaks inside a time range, a date or an amount; a long table continues on
the next page with its header row rather than leaving a page half empty."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT

CONTRACTS = [ROOT / "contracts" / n for n in ("itops.sla", "logistics.sla", "medical.sla")] + [
    ROOT / "contracts" / "support" / "regional.sla",
    ROOT / "contracts" / "sla" / "compute.sla",
]

# A line that ends inside one of the pieces the letter keeps whole.
BROKEN = [
    re.compile(r"\d{1,2}:\d{2}[–-]$"),  # 13:00– | 18:00
    re.compile(r"\d{4}年(\d{1,2}(月(\d{1,2})?)?)?$"),  # 2026年3 | 月1日
    re.compile(r"(^|[^\d])\d{1,2}月$"),  # 2月 | 14日
    re.compile(r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December)$"),
    re.compile(r"(人民币|CNY|RMB)$"),
]


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, list[Path]]:
    out = tmp_path_factory.mktemp("layout")
    found: dict[str, list[Path]] = {}
    for layout in ("interleaved", "side-by-side"):
        dest = out / layout
        run = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "python"), "-m", "slalang", "build", *map(str, CONTRACTS)]
            + ["-o", str(dest), "--only", "pdf", "--layout", layout],
            capture_output=True,
            text=True,
        )
        assert run.returncode == 0, run.stderr
        found[layout] = sorted(dest.glob("*.pdf"))
    return found


def _lines(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [line.strip() for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("layout", ["interleaved", "side-by-side"])
def test_no_line_breaks_inside_a_time_range_a_date_or_an_amount(pdfs, layout):
    for pdf in pdfs[layout]:
        for line in _lines(pdf):
            for pattern in BROKEN:
                assert not pattern.search(line), f"{layout}/{pdf.name}: a line ends inside a piece kept whole: {line!r}"


def test_side_by_side_numbers_the_english_items_too(pdfs):
    pdf = next(p for p in pdfs["side-by-side"] if p.name == "example-itops.pdf")
    # As laid out: the two columns of one item share a line, each with its number.
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert re.search(r"1\.\s+工作时间.*\s1\.\s+Business hours", text), "item 1 is not numbered in both columns"
    assert re.search(r"2\.\s+全天候.*\s2\.\s+Around the clock", text), "item 2 is not numbered in both columns"


def test_interleaved_items_are_numbered_from_one(pdfs):
    # The native list numbers (a side-by-side counter once reset them all to 0).
    pdf = next(p for p in pdfs["interleaved"] if p.name == "example-itops.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert re.search(r"1\.\s+工作时间", text) and re.search(r"2\.\s+全天候", text)
    assert not re.search(r"(^|\s)0\.\s+\S", text, flags=re.M), "an item is numbered 0"


def test_a_long_table_continues_with_its_header_row(pdfs):
    pdf = next(p for p in pdfs["side-by-side"] if p.name == "example-itops.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    with_header = [i for i, p in enumerate(pages) if "Outside working hours" in p and "Priority" in p]
    assert with_header, "the response matrix is not in the letter"
    # No page before the matrix is left mostly empty: each has text down to its footer.
    first = with_header[0]
    assert all(len(p.strip().splitlines()) > 15 for p in pages[:first]), [len(p.splitlines()) for p in pages[:first]]
