"""The example contracts are kept in the formatter's canonical layout (CI
fails when one is edited by hand without `slalang fmt contracts/`)."""

import subprocess
import sys

from conftest import ROOT


def test_examples_are_canonical():
    p = subprocess.run(
        [sys.executable, "-m", "slalang", "fmt", "--check", "contracts"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stdout + p.stderr
