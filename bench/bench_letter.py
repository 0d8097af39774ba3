"""Letter benchmark: what `slalang build` costs beside WeasyPrint alone.

    python bench/bench_letter.py [--runs 3] [--contract contracts/itops.sla]

Measures in the same run, each in fresh processes (cold: interpreter start,
imports, fonts):

  weasyprint  a process that imports WeasyPrint and renders the letter's HTML
              (the very HTML `slalang build` writes) to PDF/A-3b: the baseline
  build       `slalang build CONTRACT -o DIR`: parse, check, rule files (JSON
              and YAML), HTML, PDF with the rules attached, atomic writes
              (WeasyPrint loads in a forked warm renderer meanwhile, so on a
              busy machine without a free second core this is slower)
  ratio       build / weasyprint — target ≤ 1.15×

then, in this process (warm), where the time of one build goes (compile,
rules, HTML, PDF), and finally `-j 2` against `-j 1` on 8 contracts (the
examples copied under different ids into a temporary folder).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WEASYPRINT_ALONE = """
import sys, weasyprint
html = open(sys.argv[1], encoding="utf-8").read()
weasyprint.HTML(string=html).write_pdf(sys.argv[2], pdf_variant="pdf/a-3b")
"""


def timed(cmd: list[str], cwd: Path = ROOT) -> float:
    start = time.perf_counter()
    run = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{run.stderr}")
    return elapsed


def median_of(runs: int, fn) -> tuple[float, list[float]]:
    times = [fn() for _ in range(runs)]
    return statistics.median(times), times


def cold(contract: Path, runs: int, work: Path) -> None:
    py = sys.executable
    out = work / "out"
    timed([py, "-m", "slalang", "build", str(contract), "-o", str(out)])  # warm the OS file cache
    html = next(out.glob("*.html"))
    # Interleave the two so that load from other processes hits both alike.
    ours, base = [], []
    for _ in range(runs):
        base.append(timed([py, "-c", WEASYPRINT_ALONE, str(html), str(work / "alone.pdf")]))
        ours.append(timed([py, "-m", "slalang", "build", str(contract), "-o", str(out)]))
    b, o = statistics.median(base), statistics.median(ours)
    print(f"cold processes, median of {runs} (each: interpreter, imports, fonts, render)")
    print(f"  weasyprint alone (same HTML → PDF/A-3b)  {b:6.2f} s   {', '.join(f'{t:.2f}' for t in base)}")
    print(f"  slalang build (rules + HTML + PDF)       {o:6.2f} s   {', '.join(f'{t:.2f}' for t in ours)}")
    print(f"  ratio                                    {o / b:6.2f}×  (target ≤ 1.15×)")


def warm(contract: Path, runs: int) -> None:
    import weasyprint  # noqa: F401  (imported before timing: both sides pay it once)

    from slalang import letter, rules
    from slalang.build import BuildContext
    from slalang.compiler import compile_file
    from slalang.letter import pdf

    phases: dict[str, list[float]] = {
        "compile": [],
        "rules (JSON+YAML)": [],
        "HTML": [],
        "PDF (slalang)": [],
        "PDF (weasyprint alone)": [],
    }
    for _ in range(runs + 1):  # the first round warms caches and is dropped
        t0 = time.perf_counter()
        result = compile_file(str(contract))
        t1 = time.perf_counter()
        ctx = BuildContext(str(contract), result.source, result.contract, frozenset({"rules", "html", "pdf"}))
        ctx.outputs.update(rules.produce(ctx))
        t2 = time.perf_counter()
        page = letter.render_html(ctx)
        t3 = time.perf_counter()
        pdf.render(page, ctx, ctx.outputs[f"{result.contract.id}.rules.json"])
        t4 = time.perf_counter()
        weasyprint.HTML(string=page).write_pdf(pdf_variant="pdf/a-3b")
        t5 = time.perf_counter()
        for name, value in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
            phases[name].append(value)
    print(f"\nwarm, in one process, median of {runs}")
    for name, values in phases.items():
        print(f"  {name:<24} {statistics.median(values[1:]) * 1000:8.1f} ms")


def parallel(work: Path, runs: int) -> None:
    src = work / "eight"
    src.mkdir()
    examples = sorted((ROOT / "contracts").glob("*.sla"))
    for i in range(8):
        text = examples[i % len(examples)].read_text(encoding="utf-8")
        text = re.sub(r'contract "([^"]+)"', lambda m: f'contract "{m.group(1)}-{i}"', text, count=1)
        (src / f"c{i}.sla").write_text(text, encoding="utf-8")
    py = sys.executable
    times: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(runs):  # alternate, so that other load on the machine hits both alike
        for jobs in (1, 2):
            out = work / f"out-j{jobs}"
            times[jobs].append(timed([py, "-m", "slalang", "build", str(src), "-o", str(out), "-j", str(jobs)]))
            shutil.rmtree(out)
    one, two = min(times[1]), min(times[2])
    print(f"\n8 contracts (the examples under new ids), {os.cpu_count()} CPUs, best of {runs}")
    print(f"  -j 1   {one:6.2f} s   {', '.join(f'{t:.2f}' for t in times[1])}")
    print(f"  -j 2   {two:6.2f} s   {', '.join(f'{t:.2f}' for t in times[2])}   speed-up {one / two:.2f}×")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--contract", default=str(ROOT / "contracts" / "itops.sla"))
    args = ap.parse_args()
    contract = Path(args.contract).resolve()
    with tempfile.TemporaryDirectory(prefix="bench-letter-") as tmp:
        work = Path(tmp)
        cold(contract, args.runs, work)
        warm(contract, args.runs)
        parallel(work, max(2, args.runs // 3))


if __name__ == "__main__":
    main()
