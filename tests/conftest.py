import os
from pathlib import Path

import pytest

# Validate every model object as lowering builds it (see slalang/lower/state.py),
# here and in every `slalang` subprocess the tests start.
os.environ["SLALANG_STRICT_MODEL"] = "1"
# Messages default to the user's locale (zh_* → Chinese); the goldens name
# their language explicitly, so the suite never depends on the machine's.
for _var in ("LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_var, None)
os.environ["LANG"] = "C.UTF-8"

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
CONTRACTS = sorted((ROOT / "contracts").glob("*.sla"))
REGEN = os.environ.get("SLALANG_REGEN") == "1"


def golden(path: Path, actual: str) -> None:
    """Compare `actual` with the golden file at `path`; rewrite it instead
    when SLALANG_REGEN=1 (review the result with `git diff`)."""
    if REGEN or not path.exists():
        if not REGEN:
            pytest.fail(f"golden file {path} is missing; run with SLALANG_REGEN=1 to create it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path} differs; run with SLALANG_REGEN=1 and review `git diff`"


@pytest.fixture(autouse=True)
def _holiday_cache_as_a_fresh_process_has_it():
    """`slalang build` turns the holiday cache off for the rest of its process
    (holidaysets.read_no_cache); tests run many commands in one process, so
    each starts as a new process would."""
    from slalang import holidaysets

    holidaysets._no_cache = False
    yield
