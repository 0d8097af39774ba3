"""Reviewer-workflow benchmark: what `slalang fmt`, `slalang textconv` and
`slalang diff` cost next to `slalang check` on the same contract.

    python bench/bench_review.py [--lines 6000] [--runs 5]

Generates a large contract from tests/history/itops/v1.sla (many priorities
with matrix rows and progress updates, products with availability targets,
clauses), and a second version with every tenth target, fee and clause
changed. Measured in the same run:

  compile   `compile_text` (parse + lowering + every check): the baseline;
  layout    parse + canonical layout, no meaning check (what the source hash
            and `slalang textconv` cost);
  fmt       `format_source` of a file that needs re-formatting: compile,
            layout, then the safety check (compile the output, compare the
            models and comments, lay it out again);
  fmt-ok    `format_source` of a canonical file (what `fmt --check` costs in
            a formatted repository): compile and layout, no check needed;
  diff      `semdiff.diff` of the two compiled versions + the text report.

Targets: fmt ≤ 3.5× compile (it compiles twice by design), fmt-ok ≤ 2.5×
(one compile plus one layout),
diff ≤ 1× compile.
Also reports the example contracts.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generate(target_lines: int, variant: int = 0) -> str:
    base = (ROOT / "tests" / "history" / "itops" / "v1.sla").read_text(encoding="utf-8")
    n = max(10, target_lines // 10)

    def v(i: int, a: int, b: int) -> int:
        return b if variant and i % 10 == 0 else a

    prio = "".join(
        f'  priority Q{i} "级别{i}" | "Level {i}" {{\n    "影响 {i} 个站点" | "Impact on {i} sites"\n  }}\n'
        for i in range(n)
    )
    rows = "".join(f"    Q{i}          {v(i, 30, 29) + i}m     {8 + i}h\n" for i in range(n))
    rrows = "".join(f"    Q{i}          {v(i, 2, 3) + i // 3}bd\n" for i in range(n))  # at most a year
    updates = "".join(f"    Q{i} every {20 + i}m\n" for i in range(n))
    products = "".join(
        f'    product p{i} "产品{i}" | "Product {i}" fee {v(i, 1000, 1200) + i}.00 per month\n' for i in range(n)
    )
    avail = "".join(f"  availability p{i} 99.9% per month\n" for i in range(n))
    clauses = "".join(
        f'  clause c{i} "条款{i}" | "Clause {i}" {{\n'
        f'    "Q{i} 须在 {{response.Q{i}.business}} 内{"首次" if variant and i % 10 == 0 else ""}响应。"\n'
        f'    | "Q{i} is {"first " if variant and i % 10 == 0 else ""}answered within {{response.Q{i}.business}}."\n'
        f"  }}\n"
        for i in range(n)
    )
    text = base.replace('  response "', prio + '  response "', 1)  # below the last priority
    text = text.replace("    P4      3bd       -\n", "    P4      3bd       -\n" + rows, 1)
    text = text.replace("    P4      -\n", "    P4      -\n" + rrows, 1)
    text = text.replace("    P1 every 2h\n", "    P1 every 2h\n" + updates, 1)
    text = text.replace("    service incident", products + "    service incident", 1)
    text = text.replace("  availability storage", avail + "  availability storage", 1)
    return text.replace('  clause "通报"', clauses + '  clause "通报"', 1)


def best(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=6000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    from slalang import fmt, semdiff
    from slalang.compiler import compile_file, compile_text
    from slalang.source import SourceFile

    old_text, new_text = generate(args.lines), generate(args.lines, variant=1)
    old, new = compile_text(old_text, "old.sla"), compile_text(new_text, "new.sla")
    for r in (old, new):
        assert r.contract is not None, [d.message[:200] for d in r.diagnostics[:3]]
    lines = old_text.count("\n")
    src = SourceFile("old.sla", old_text)
    d = semdiff.diff(old.contract, new.contract)

    t_compile = best(lambda: compile_text(old_text, "old.sla"), args.runs)
    t_layout = best(lambda: fmt.layout_source(src), args.runs)
    t_fmt = best(lambda: fmt.format_source(src), args.runs)
    canonical = SourceFile("old.sla", fmt.format_source(src))
    t_check = best(lambda: fmt.format_source(canonical), args.runs)
    t_diff = best(lambda: semdiff.render_text(semdiff.diff(old.contract, new.contract)), args.runs)
    print(f"generated contract: {lines} lines; second version differs in {len(d.changes)} places")
    for name, t in (
        ("compile", t_compile),
        ("layout", t_layout),
        ("fmt", t_fmt),
        ("fmt-ok", t_check),
        ("diff", t_diff),
    ):
        print(f"  {name:8s} best {t * 1000:8.1f} ms  ({lines / t:,.0f} lines/s)  {t / t_compile:5.2f}× compile")
    for label, t, target in (
        ("fmt (rewrites) / compile", t_fmt, 3.5),
        ("fmt (canonical) / compile", t_check, 2.5),
        ("diff / compile", t_diff, 1.0),
    ):
        print(
            f"  {label:26s} = {t / t_compile:.2f}×  (target ≤ {target}×: "
            f"{'met' if t <= target * t_compile else 'NOT met'})"
        )

    for path in sorted((ROOT / "contracts").glob("*.sla")):
        r = compile_file(path)
        if r.contract is None:
            print(f"{path.name}: does not compile")
            continue
        c = best(lambda: compile_file(path), args.runs)
        f = best(lambda: fmt.format_source(r.source), args.runs)
        s = best(lambda: semdiff.diff(r.contract, r.contract), args.runs)
        print(
            f"{path.name:16s} compile {c * 1000:6.1f} ms  fmt {f * 1000:6.1f} ms ({f / c:.2f}×)  "
            f"self-diff {s * 1000:6.1f} ms ({s / c:.2f}×)"
        )


if __name__ == "__main__":
    main()
