"""Lint benchmark: how much `slalang lint` adds to `slalang check`.

    python bench/bench_lint.py [--lines 6000] [--runs 5]

Generates a large contract (many priorities with matrix rows and progress
updates, products with availability targets, and bilingual clauses full of
numbers, references and some vague words), then measures in the same run:

  compile  `compile_text` (parse + lowering + every check): the baseline;
  lint     `lint_result` on the compiled result: every lint rule and the
           suppression comments (the syntax tree and comments come with the
           compile result, so lint does not parse again).

Target: lint ≤ 1.5× the compile time of the same contract, so `slalang lint`
costs at most about 2.5× `slalang check`. Also reports the example contracts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generate(target_lines: int) -> str:
    base = (ROOT / "tests" / "lint_cases" / "clean.sla").read_text(encoding="utf-8")
    n = max(10, target_lines // 12)
    prio = "".join(
        f'  priority Q{i} "级别{i}" | "Level {i}" {{\n    "影响 {i} 个站点" | "Impact on {i} sites"\n  }}\n'
        for i in range(n)
    )
    rows = "".join(f"    Q{i}      {30 + i}m   {8 + i}h\n" for i in range(n))
    rrows = "".join(f"    Q{i}      {2 + i // 3}bd\n" for i in range(n))  # at most a year
    updates = "".join(f"    Q{i} every {20 + i}m\n" for i in range(n))
    products = "".join(f'    product p{i} "产品{i}" | "Product {i}" fee {1000 + i}.00 per month\n' for i in range(n))
    avail = "".join(f"  availability p{i} 99.9% per month\n" for i in range(n))
    clauses = "".join(
        f'  clause c{i} "条款{i}" | "Clause {i}" {{\n'
        f'    "Q{i} 须在 {{response.Q{i}.business}} 内响应，每 {i + 7} 分钟通报一次，{"尽快" if i % 5 == 0 else ""}恢复。"\n'
        f'    | "Q{i} is answered within {{response.Q{i}.business}} and updated every {i + 7} minutes.{" ASAP" if i % 7 == 0 else ""}"\n'
        f"  }}\n"
        for i in range(n)
    )
    text = base.replace('  response "', prio + '  response "', 1)  # below the last priority
    text = text.replace("    P1      30m   4h\n", "    P1      30m   4h\n" + rows, 1)
    text = text.replace("    P1      2bd\n", "    P1      2bd\n" + rrows, 1)
    text = text.replace("    P0 every 30m\n", "    P0 every 30m\n" + updates, 1)
    text = text.replace("  scope {\n", "  scope {\n" + products, 1)
    text = text.replace(
        "  availability hosting 99.9% per month\n", "  availability hosting 99.9% per month\n" + avail, 1
    )
    return text.replace('  clause notice "通报"', clauses + '  clause notice "通报"', 1)


def best(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=6000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    from slalang import lint
    from slalang.compiler import compile_file, compile_text

    text = generate(args.lines)
    lines = text.count("\n")
    result = compile_text(text, "big.sla")
    assert result.contract is not None, [d.message for d in result.diagnostics[:3]]
    diags = lint.lint_result(result)
    compile_best, compile_med = best(lambda: compile_text(text, "big.sla"), args.runs)
    lint_best, lint_med = best(lambda: lint.lint_result(result), args.runs)
    print(f"generated contract: {lines} lines, {len(diags)} lint findings")
    print(
        f"  compile  best {compile_best * 1000:8.1f} ms  median {compile_med * 1000:8.1f} ms"
        f"  ({lines / compile_best:,.0f} lines/s)"
    )
    print(
        f"  lint     best {lint_best * 1000:8.1f} ms  median {lint_med * 1000:8.1f} ms"
        f"  ({lines / lint_best:,.0f} lines/s)"
    )
    ratio = lint_best / compile_best
    print(f"  lint / compile = {ratio:.2f}×  (target ≤ 1.5×: {'met' if ratio <= 1.5 else 'NOT met'})")

    for path in sorted((ROOT / "contracts").glob("*.sla")):
        r = compile_file(path)
        if r.contract is None:
            print(f"{path.name}: does not compile")
            continue
        c_best, _ = best(lambda: compile_file(path), args.runs)
        l_best, _ = best(lambda: lint.lint_result(r), args.runs)
        print(
            f"{path.name:16s} compile {c_best * 1000:6.1f} ms  lint {l_best * 1000:6.1f} ms  "
            f"ratio {l_best / c_best:.2f}×"
        )


if __name__ == "__main__":
    main()
