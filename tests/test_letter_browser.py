"""The HTML letter as a browser shows it (issue 12, deliverable 4): each
example and a contract of each corpus, in both layouts, opened in headless
Chromium (Debian's `chromium`, installed by `make test`), printed to PDF and
screenshotted; no element's content overflows its box and the page never
scrolls sideways. Chromium runs the page with a probe script added to a copy
of the letter (the letter itself has no script)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow

CONTRACTS = [
    ROOT / "contracts" / "itops.sla",
    ROOT / "contracts" / "medical.sla",
    ROOT / "contracts" / "sla" / "compute.sla",
    ROOT / "contracts" / "support" / "regional.sla",
]

# Runs in the page: every element whose content is wider than its box (and
# is not meant to scroll), and whether the document is wider than the window.
PROBE = """
<script>
addEventListener('load', () => {
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const cs = getComputedStyle(el);
    if (cs.display === 'inline' || cs.display === 'none' || el.clientWidth === 0) continue;
    if (cs.overflowX !== 'visible') continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      bad.push(el.tagName.toLowerCase() + '.' + el.className + ': ' + (el.textContent || '').trim().slice(0, 60));
    }
  }
  const wide = document.documentElement.scrollWidth > window.innerWidth + 1;
  document.body.setAttribute('data-probe', JSON.stringify({bad, wide}));
});
</script>
"""


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Chromium is not installed: `make test` installs Debian's `chromium`"
    return found


def _run(*args: str) -> subprocess.CompletedProcess:
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def letters(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("letters")
    pages: list[Path] = []
    for layout in ("interleaved", "side-by-side"):
        dest = out / layout
        run = subprocess.run(
            [
                str(ROOT / ".venv" / "bin" / "python"),
                "-m",
                "slalang",
                "build",
                *map(str, CONTRACTS),
                "-o",
                str(dest),
                "--only",
                "html",
                "--layout",
                layout,
            ],
            capture_output=True,
            text=True,
        )
        assert run.returncode == 0, run.stderr
        pages += sorted(dest.glob("*.html"))
    assert len(pages) == 2 * len(CONTRACTS)
    return pages


def test_no_element_overflows_its_box(letters, tmp_path):
    for page in letters:
        probed = tmp_path / f"{page.parent.name}-{page.name}"
        probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
        run = _run("--window-size=1000,1400", "--virtual-time-budget=5000", "--dump-dom", probed.as_uri())
        assert run.returncode == 0, run.stderr[-2000:]
        m = re.search(r'data-probe="([^"]*)"', run.stdout)
        assert m, f"{page}: the probe did not run"
        probe = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
        assert probe["bad"] == [], f"{page.parent.name}/{page.name}: {probe['bad'][:5]}"
        assert not probe["wide"], f"{page.parent.name}/{page.name} scrolls sideways"


def test_the_letter_prints_to_pdf_and_screenshots(letters, tmp_path):
    for page in letters[:: len(CONTRACTS)]:  # one letter per layout
        pdf, png = tmp_path / f"{page.stem}.pdf", tmp_path / f"{page.stem}.png"
        run = _run("--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
        assert run.returncode == 0 and pdf.exists(), run.stderr[-2000:]
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True)
        pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))  # type: ignore[union-attr]
        assert pages >= 2, f"{page.name}: {pages} page(s)"
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "Provider" in text or "服务方" in text
        run = _run("--window-size=1000,1400", f"--screenshot={png}", page.as_uri())
        assert run.returncode == 0 and png.exists(), run.stderr[-2000:]
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
