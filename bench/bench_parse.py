"""Front-end benchmark: parse + validate throughput by size, and cold `slalang check`.

    python bench/bench_parse.py [--sizes 250,1000,3000,6000,12000] [--runs 7] [--importtime]

1. For each size, generates a contract of about that many lines (itops.sla
   grown by priorities, matrix rows, products, availability targets and
   clauses; it compiles without a diagnostic) and measures lines/s of
   `compile_text` (Lark parse + AST + lowering + all checks) beside bare Lark
   parsing of the same text with the same grammar (LALR, tree building), in
   the same process and under the GC settings `slalang` runs with
   (`slalang.cli.settle_gc`). Target: ≥ 60 % of bare Lark at every size.
2. Cold start: wall time of `python -m slalang check contracts/itops.sla` in a
   fresh process beside the fair floor `python -c "import lark; from pydantic
   import BaseModel"` (a bare `import pydantic` loads no model code, and the
   contract model needs it). Target: ≤ 1.5× the floor. slalang's byte-code is
   compiled first, as a wheel install does; the warm-up runs the same
   interpreter (`sys.executable`) and must succeed.
3. `--importtime`: the slowest imports of a cold `check` (`python -X importtime`).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generate(target_lines: int) -> str:
    """A contract of about `target_lines` lines that compiles without a
    diagnostic: itops.sla grown by n of each repeated construct."""
    base_lines = (ROOT / "contracts" / "itops.sla").read_text(encoding="utf-8").count("\n")
    n = max(10, (target_lines - base_lines) // 11)
    text = _generate(n)
    grown = text.count("\n") - base_lines
    if grown > 0:  # one correction: lines grow linearly with n
        n = max(10, round(n * (target_lines - base_lines) / grown))
        text = _generate(n)
    return text


def _generate(n: int) -> str:
    base = (ROOT / "contracts" / "itops.sla").read_text(encoding="utf-8")
    prio = "".join(
        f'  priority Q{i} "级别{i}" | "Level {i}" {{\n    "影响{i}" | "Impact {i}"\n  }}\n' for i in range(n)
    )
    # levels below P4, loosening as a real contract's do (no warnings)
    # (never longer than the 366 business days a duration may be)
    rows = "".join(f"    Q{i}          {min(3 + i // 3, 366)}bd     -\n" for i in range(n))
    rrows = "".join(f"    Q{i}          -\n" for i in range(n))
    products = "".join(f'    product p{i} "产品{i}" | "Product {i}" fee {1000 + i}.00 per month\n' for i in range(n))
    avail = "".join(f"  availability p{i} 99.9% per month\n" for i in range(n))
    clauses = "".join(
        f'  clause c{i} "条款{i}" | "Clause {i}" {{\n    "Q{i} 须在 {{response.Q{i}.business}} 内响应。"\n'
        f'    | "Q{i} is answered within {{response.Q{i}.business}}."\n  }}\n'
        for i in range(n)
    )
    text = base.replace('  response "', prio + '  response "', 1)
    # after the P4 row of each matrix (the first is the response matrix)
    text = re.sub(r"(\n *P4 [^\n]*\n)", lambda m: m.group(1) + rows, text, count=1)
    parts = text.split("  resolution ", 1)
    text = parts[0] + "  resolution " + re.sub(r"(\n *P4 [^\n]*\n)", lambda m: m.group(1) + rrows, parts[1], count=1)
    text = re.sub(r"(\n *service incident)", lambda m: "\n" + products.rstrip("\n") + m.group(1), text, count=1)
    text = re.sub(r"(\n *availability storage)", lambda m: "\n" + avail.rstrip("\n") + m.group(1), text, count=1)
    text = text.rstrip()[:-1] + clauses + "}\n"
    return text


def paired(fns: list, runs: int) -> list[float]:
    """The best time of each function, measured in turns (a, b, a, b, …) so
    that a busy machine slows both alike."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, got in zip(fns, times):
            t = time.perf_counter()
            fn()
            got.append(time.perf_counter() - t)
    return [min(t) for t in times]


def cold(cmds: list[list[str]], runs: int) -> list[float]:
    """Wall time of each command in a fresh process: best and median, in turns."""
    times: list[list[float]] = [[] for _ in cmds]
    for _ in range(runs):
        for cmd, got in zip(cmds, times):
            t = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, check=False, capture_output=True)
            got.append(time.perf_counter() - t)
    return [min(t) for t in times] + [statistics.median(t) for t in times]


PARSE_TARGET = 0.60  # parse + validate, as a share of bare Lark's lines/s
COLD_TARGET = 1.5  # cold `check`, as a multiple of the floor
FLOOR = "import lark; from pydantic import BaseModel"


def throughput(sizes: list[int], runs: int) -> bool:
    import lark

    from slalang.cli import restore_gc, settle_gc
    from slalang.compiler import compile_text
    from slalang.resources import grammar_path

    bare = lark.Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", propagate_positions=True)
    compile_text(generate(250), "warm.sla")  # the parser tables and catalogues, once
    ok = True
    print(f"{'lines':>7} {'KiB':>5} {'bare Lark':>13} {'slalang':>13} {'ratio':>6}")
    for size in sizes:
        text = generate(size)
        result = compile_text(text, "big.sla")
        assert not result.diagnostics, result.diagnostics[0].message
        lines = text.count("\n") + 1
        settle_gc()  # as `slalang check` runs: after its imports, GC frozen and tuned
        try:
            ours, theirs = paired([lambda: compile_text(text, "big.sla"), lambda: bare.parse(text)], runs)
        finally:
            restore_gc()
        ratio = theirs / ours
        ok &= ratio >= PARSE_TARGET
        print(
            f"{lines:>7} {len(text.encode()) // 1024:>5} {lines / theirs:>9,.0f} l/s {lines / ours:>9,.0f} l/s "
            f"{ratio:>6.0%}  {'OK' if ratio >= PARSE_TARGET else 'BELOW TARGET'}"
        )
    print(f"target: parse + validate ≥ {PARSE_TARGET:.0%} of bare Lark at every size")
    return ok


def cold_start(runs: int) -> bool:
    # An installed wheel has byte-code compiled at install time; do the same
    # for the checkout (PYTHONDONTWRITEBYTECODE would otherwise make every
    # cold start recompile slalang from source).
    import compileall

    compileall.compile_dir(str(ROOT / "slalang"), quiet=1)
    example = str(ROOT / "contracts" / "itops.sla")
    check = [sys.executable, "-m", "slalang", "check", example]
    warm = subprocess.run(check, cwd=ROOT, capture_output=True, text=True)  # OS, Lark and catalogue caches
    if warm.returncode != 0:
        raise SystemExit(f"the warm-up `{' '.join(check)}` failed ({warm.returncode}):\n{warm.stderr}")
    bare = [sys.executable, "-c", "import lark, pydantic"]
    floor_cmd = [sys.executable, "-c", FLOOR]
    cold([check, floor_cmd], 1)
    ours, floor, bare_pydantic, ours_med, floor_med, bare_med = cold([check, floor_cmd, bare], runs)
    ratio = ours / floor
    print(f"cold start, best (median) of {runs}, in turns:")
    print(
        f"  `python -c 'import lark, pydantic'`:                {bare_pydantic * 1000:5.0f} ms ({bare_med * 1000:.0f})"
    )
    print(f"  `python -c '{FLOOR}'` (floor):    {floor * 1000:5.0f} ms ({floor_med * 1000:.0f})")
    print(f"  `python -m slalang check contracts/itops.sla`:      {ours * 1000:5.0f} ms ({ours_med * 1000:.0f})")
    print(
        f"ratio: {ratio:.2f}× the floor (target ≤ {COLD_TARGET}×)  {'OK' if ratio <= COLD_TARGET else 'ABOVE TARGET'}"
    )
    return ratio <= COLD_TARGET


def import_profile(top: int = 15) -> None:
    """The slowest imports of a cold `check`, by cumulative time."""
    example = str(ROOT / "contracts" / "itops.sla")
    r = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "slalang", "check", example],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    rows = []
    for line in r.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            rows.append((int(m.group(2)), int(m.group(1)), len(m.group(3)) // 2, m.group(4)))
    print(f"slowest imports of a cold check (cumulative µs, self µs), of {len(rows)}:")
    for cum, own, depth, name in sorted(rows, reverse=True)[:top]:
        print(f"  {cum:>8} {own:>8}  {'  ' * depth}{name}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="250,1000,3000,6000,12000", help="contract sizes in lines, comma-separated")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--importtime", action="store_true", help="also list the slowest imports of a cold check")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    ok = throughput(sizes, args.runs)
    ok &= cold_start(args.runs)
    if args.importtime:
        import_profile()
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
