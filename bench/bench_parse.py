"""Front-end benchmark: parse + validate throughput, and cold `slalang check`.

    python bench/bench_parse.py [--lines 6000] [--runs 10]

1. Generates a large contract (≥ 5,000 lines: many priorities, matrix rows,
   products, availability targets and clauses) and measures lines/s of
   `compile_text` (Lark parse + AST + lowering + all checks) beside bare Lark
   parsing of the same text with the same grammar (LALR, tree building) in the
   same run. Target: ≥ 50 % of bare Lark.
2. Cold start: wall time of `python -m slalang check contracts/itops.sla` in a
   fresh process beside `python -c "import lark, pydantic"`. Target: ≤ 2×.
   slalang's byte-code is compiled first, as a wheel install does.
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


def best_rate(fn, text: str, runs: int) -> float:
    lines = text.count("\n") + 1
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn(text)
        times.append(time.perf_counter() - t)
    return lines / min(times)


def cold(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=False, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=6000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()

    import lark

    from slalang.compiler import compile_text
    from slalang.resources import grammar_path

    text = generate(args.lines)
    result = compile_text(text, "big.sla")
    assert not result.diagnostics, result.diagnostics[0].message
    lines = text.count("\n") + 1
    bare = lark.Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", propagate_positions=True)
    ours_rate = best_rate(lambda t: compile_text(t, "big.sla"), text, args.runs)
    bare_rate = best_rate(bare.parse, text, args.runs)
    print(f"generated contract: {lines} lines, {len(text.encode()) // 1024} KiB")
    print(f"bare Lark parse (LALR, tree):       {bare_rate:10,.0f} lines/s")
    print(f"slalang parse + validate:           {ours_rate:10,.0f} lines/s")
    ratio = ours_rate / bare_rate
    print(f"ratio: {ratio:.0%} of bare Lark (target ≥ 50 %)  {'OK' if ratio >= 0.5 else 'BELOW TARGET'}")

    # An installed wheel has byte-code compiled at install time; do the same
    # for the checkout (PYTHONDONTWRITEBYTECODE would otherwise make every
    # cold start recompile slalang from source).
    import compileall

    compileall.compile_dir(str(ROOT / "slalang"), quiet=1)
    example = str(ROOT / "contracts" / "itops.sla")
    cold(["python3", "-m", "slalang", "check", example], 2)  # warm the OS and Lark/holiday caches
    ours = cold([sys.executable, "-m", "slalang", "check", example], args.runs)
    base = cold([sys.executable, "-c", "import lark, pydantic"], args.runs)
    print(f"cold `python -c 'import lark, pydantic'`: {base * 1000:7.0f} ms (median of {args.runs})")
    print(f"cold `slalang check contracts/itops.sla`:  {ours * 1000:7.0f} ms")
    print(
        f"ratio: {ours / base:.2f}× the import baseline (target ≤ 2×)  {'OK' if ours / base <= 2 else 'ABOVE TARGET'}"
    )


if __name__ == "__main__":
    main()
