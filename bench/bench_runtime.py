"""Benchmark of the enforcement runtime and the batch path, side by side.

    python3 bench/bench_runtime.py [--rows 1000000] [--objects 100000]
                                   [--sample 2000] [--quick] [--huge] [--keep]

One command, one run, every figure next to its baseline and its target.
Results are checked equal BEFORE anything is timed, and the script exits 1
when any check fails (a disagreement is a bug, never a footnote):

1. One due time (`2bh`, and `8bh` for the checks, on the IT-operations
   `business` calendar: 09:00–12:00, 13:00–18:00, China's holidays and
   make-up working days): the scalar path (`BusinessCalendar.add`) against
   pandas `CustomBusinessHour` (target ≥ 100×) and businesstimedelta; the
   batch path (the DuckDB due query of slalang/sql/calendar.py over
   `--rows` requests; target ≥ 1,000× pandas) — µs per due time.
   Agreement: slalang keeps a due time that lands exactly on the end of a
   working interval on that end (12:00, 18:00); a baseline may give the
   start of the next interval (13:00, or 09:00 the next working day). Two
   instants with no working time between them, one an interval's end and
   the other the next interval's start, are the same instant for
   agreement. Neither baseline knows China's make-up working days (a
   Sunday that works): a disagreement is counted as explained when a
   make-up day lies between the opening date and the later due date, and
   any other disagreement fails the run. The batch path must equal the
   scalar path on every one of the `--rows` requests.
2. Full evaluation from Python objects, the report included (`Rules.evaluate`
   then `PeriodReport.add`, then `result()`), on a realistic mix from
   tests/ticketgen.py (responses early and late, open tickets judged at
   `--at`, progress updates, pauses, exclusions, follow-ups, products,
   regions, plans, flags and clock starts where a contract has them) for
   several example contracts: tickets/s per CPU second. Checked first: the
   report equals `slalang eval --engine python` on the same rows (and
   `--engine duckdb` when it exists).
3. `slalang eval` end to end on a `--rows` CSV of the same mix (IT operations,
   `--at`): `--engine python` against `--engine duckdb` (when the command
   has `--engine`), rows/s (wall clock and per CPU second), the ratio, and
   the same file as Parquet on DuckDB. Reports checked equal first.
   Targets: DuckDB ≥ 400,000 rows/s from CSV and ≥ 5× the scalar path;
   ≥ 1,000,000 tickets/s from Parquet.
4. `--huge`: 100,000,000 generated tickets in Parquet (made by DuckDB, not
   Python) evaluated by `slalang eval --engine duckdb`; target peak RSS
   < 2 GB. Checked first on 20,000 tickets of the same generator against
   the Python engine.

Peak RSS of every `slalang eval` run is the child's own, as `/usr/bin/time`
(its parent) measures it; without /usr/bin/time, RUSAGE_CHILDREN (the
largest child so far: an upper bound). The machine
is 2 cores shared with other jobs: wall-clock rates fall when it is busy,
CPU-second rates much less. pandas and businesstimedelta are the `bench`
extra (`pip install -e '.[bench]'`); without them their rows say so.
DuckDB (a dependency) writes the Parquet files: no pyarrow is needed."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import ticketgen  # noqa: E402  (tests/ticketgen.py: the golden reports' ticket mix)

from slalang.build import build_one  # noqa: E402
from slalang.runtime import Rules, loads_rules  # noqa: E402
from slalang.runtime.report import PeriodReport  # noqa: E402
from slalang.runtime.tickets import RowError, open_text, read_tickets  # noqa: E402

CONTRACTS = ("contracts/itops.sla", "contracts/support/triage.sla", "contracts/support/on_request.sla")
FAILED: list[str] = []
TABLE: list[tuple[str, str, str, str]] = []  # measure, figure, target, verdict


def fail(what: str) -> None:
    FAILED.append(what)
    print(f"  CHECK FAILED: {what}")


def row(measure: str, figure: str, target: str = "", ok: bool | None = None) -> None:
    verdict = "" if ok is None else ("meets" if ok else "MISSES")
    TABLE.append((measure, figure, target, verdict))


def build(contract: str) -> tuple[Rules, bytes]:
    files = build_one(str(ROOT / contract), frozenset({"rules"})).files
    data = next(v for k, v in files.items() if k.endswith(".rules.json"))
    data = data if isinstance(data, bytes) else data.encode()
    return Rules(loads_rules(data)), data


def cpu() -> float:
    return time.process_time()


def self_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------- 1. due times


def _instants(rules: Rules, n: int, seed: int) -> list[int]:
    """Opening instants over the effective period (not its last 40 days):
    mostly whole minutes, one in ten exactly at 09:00, 12:00, 13:00 or 18:00
    local (the interval boundaries, where the conventions differ)."""
    rng = random.Random(seed)
    lo, hi = rules.effective_lo, rules.effective_hi - 40 * 86400
    out = []
    for _ in range(n):
        t = rng.randrange(lo, hi) // 60 * 60
        if rng.random() < 0.1:
            day = dt.datetime.fromtimestamp(t, rules.tz).replace(minute=0, second=0)
            t = int(day.replace(hour=rng.choice([9, 12, 13, 18])).timestamp())
        out.append(t)
    return out


class Agreement:
    """Whether a baseline's due time agrees with slalang's (see the module doc)."""

    def __init__(self, rules: Rules, calendar: str) -> None:
        self.cal = rules.calendars[calendar]
        self.tz = rules.tz
        ivals = self.cal.intervals(self.cal.lo, self.cal.hi)
        self.starts = {a for a, _ in ivals}
        self.ends = {b for _, b in ivals}
        cal_rules = next(c for c in rules.file.calendars if c.name == calendar)
        self.makeup = sorted(w.date for w in cal_rules.workdays)

    def same(self, a: int, b: int) -> bool:
        if a == b:
            return True
        lo, hi = min(a, b), max(a, b)
        return lo in self.ends and hi in self.starts and self.cal.between(lo, hi) == 0

    def explained(self, opened: int, a: int, b: int) -> bool:
        first = dt.datetime.fromtimestamp(opened, self.tz).date()
        last = dt.datetime.fromtimestamp(max(a, b), self.tz).date()
        return any(first <= d <= last for d in self.makeup)


def _baselines(rules: Rules, calendar: str):
    """Each installed baseline configured with the calendar's hours and
    holidays, as (name, inputs(naive local datetimes), delta(hours), naive(result),
    None) — a due time is `input + delta` for both — or (name, None, None, None, why)."""
    cal = next(c for c in rules.file.calendars if c.name == calendar)
    days: dict[str, list[tuple[str, str]]] = {}
    for h in cal.hours:
        days.setdefault(h.day, []).append((h.start, h.end))
    windows = {tuple(sorted(v)) for v in days.values()}
    holidays = sorted(h.date for h in cal.holidays)
    out: list = []
    if len(windows) != 1 or set(days) != {"mon", "tue", "wed", "thu", "fri"}:
        return [("baselines", None, None, None, "the calendar's hours differ by weekday")]
    (spans,) = windows
    try:
        import pandas as pd
    except ImportError:
        out.append(("pandas CustomBusinessHour", None, None, None, "not installed (the `bench` extra)"))
    else:
        cbh = pd.offsets.CustomBusinessHour(
            start=[a for a, _ in spans], end=[b for _, b in spans], holidays=[str(d) for d in holidays]
        )
        out.append(
            (
                "pandas CustomBusinessHour",
                lambda ds: [pd.Timestamp(d) for d in ds],
                lambda hours: hours * cbh,
                lambda r: r.to_pydatetime(),
                None,
            )
        )
    try:
        import businesstimedelta as btd
    except ImportError:
        out.append(("businesstimedelta", None, None, None, "not installed (the `bench` extra)"))
    else:

        def hm(s: str) -> dt.time:
            return dt.time(int(s[:2]), int(s[3:]))

        week = [0, 1, 2, 3, 4]
        parts: list = [btd.WorkDayRule(start_time=hm(spans[0][0]), end_time=hm(spans[-1][1]), working_days=week)]
        for (_, e), (s, _) in zip(spans, spans[1:]):  # the breaks between the day's spans
            parts.append(btd.LunchTimeRule(start_time=hm(e), end_time=hm(s), working_days=week))
        parts.append(btd.HolidayRule(holidays))
        btd_rules = btd.Rules(parts)
        out.append(
            (
                "businesstimedelta",
                list,
                lambda hours: btd.BusinessTimeDelta(btd_rules, hours=hours),
                lambda r: r,
                None,
            )
        )
    return out


def _best(fn, reps: int) -> float:
    """The least CPU time of `reps` calls of fn()."""
    best = float("inf")
    for _ in range(reps):
        c0 = cpu()
        fn()
        best = min(best, cpu() - c0)
    return best


def bench_due(rules: Rules, sample: int, rows: int) -> None:
    print("\n1. One due time on the `business` calendar")
    calendar = "business"
    cal = rules.calendars[calendar]
    agree = Agreement(rules, calendar)
    tz = rules.tz
    instants = _instants(rules, sample, 2)
    add = cal.add
    two = 2 * 3600
    # Each due time inline in a list comprehension, for slalang and the baselines alike.
    ours_us = _best(lambda: [add(t, two) for t in instants], 15) / len(instants) * 1e6
    print(f"  slalang scalar (BusinessCalendar.add, 2bh): {ours_us:.3f} µs per due time (CPU)")
    row("one 2bh due time: slalang scalar", f"{ours_us:.2f} µs")

    pandas_us = None
    for name, inputs, delta_of, naive, why in _baselines(rules, calendar):
        if inputs is None:
            print(f"  {name}: {why} — skipped")
            row(f"… {name}", why or "")
            continue
        m = min(sample, 1000)
        local = [dt.datetime.fromtimestamp(t, tz).replace(tzinfo=None) for t in instants[:m]]
        xs = inputs(local)
        counts = []
        for hours in (2, 8):
            delta = delta_of(hours)
            same = explained = 0
            for t, x in zip(instants[:m], xs):
                ours = add(t, hours * 3600)
                theirs = int(naive(x + delta).replace(tzinfo=tz).timestamp())
                if agree.same(ours, theirs):
                    same += 1
                elif agree.explained(t, ours, theirs):
                    explained += 1
                else:
                    fail(
                        f"{name} {hours}bh from {dt.datetime.fromtimestamp(t, tz)}: "
                        f"slalang {dt.datetime.fromtimestamp(ours, tz)}, {name} {dt.datetime.fromtimestamp(theirs, tz)}"
                    )
            counts.append(f"{hours}bh {same}/{m} agree (+{explained} past make-up days)")
        delta = delta_of(2)
        us = _best(lambda: [x + delta for x in xs], 3) / len(xs) * 1e6  # noqa: B023 (called here)
        ratio = us / ours_us
        if name.startswith("pandas"):
            pandas_us = us
        print(f"  {name}: {us:.1f} µs per due time — slalang {ratio:,.0f}× faster; {'; '.join(counts)}")
        target = "≥ 100×" if name.startswith("pandas") else ""
        row(
            f"… {name}",
            f"{us:.1f} µs ({ratio:,.0f}× slower); {', '.join(counts)}",
            target,
            ratio >= 100 if target else None,
        )

    # The batch path: the due query over `rows` requests on DuckDB.
    import duckdb

    from slalang.sql.calendar import calendar_statements, due_query

    con = duckdb.connect()
    con.execute("SET threads = 2")
    for stmt in calendar_statements(rules.file):
        con.execute(stmt.sql(dialect="duckdb"))
    lo, hi = rules.effective_lo, rules.effective_hi - 40 * 86400
    # Requests made by DuckDB itself (a hash of the row number), fetched back to check them.
    con.execute(
        f"CREATE TABLE requests AS SELECT i AS id, '{calendar}' AS calendar, "
        f"CAST({lo} + hash(i) % {hi - lo} AS BIGINT) AS opened_at_s, "
        f"CAST(CASE WHEN i % 4 = 0 THEN 8 * 3600 ELSE 2 * 3600 END AS BIGINT) AS seconds FROM range({rows}) t(i)"
    )
    sql = due_query().sql(dialect="duckdb")
    got = con.execute(f"SELECT r.opened_at_s, r.seconds, d.due_s FROM ({sql}) d JOIN requests r USING (id)").fetchall()
    bad = sum(1 for o, s, d in got if add(o, s) != d)
    if bad or len(got) != rows:
        fail(f"DuckDB due query: {bad} of {rows:,} due times differ from the scalar path ({len(got):,} returned)")
    else:
        print(f"  DuckDB due query equals the scalar path on all {rows:,} requests")
    del got
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        con.execute(f"CREATE OR REPLACE TEMP TABLE due AS {sql}")
        best = min(best, time.perf_counter() - t0)
    batch_us = best / rows * 1e6
    print(f"  batch path (DuckDB due query, {rows:,} requests, 2 threads): {batch_us:.3f} µs per due time (wall)")
    if pandas_us is not None:
        ratio = pandas_us / batch_us
        row(
            f"one due time: batch path (DuckDB, {rows:,} requests)",
            f"{batch_us:.3f} µs wall ({ratio:,.0f}× pandas CBH)",
            "≥ 1,000× pandas",
            ratio >= 1000,
        )
    else:
        row(f"one due time: batch path (DuckDB, {rows:,} requests)", f"{batch_us:.3f} µs wall")
    con.close()


# ---------------------------------------------------------------- ticket files


def write_mix(rules: Rules, n: int, path: Path, seed: int = 3) -> None:
    """`n` rows of tests/ticketgen.py's mix, in chunks (memory stays flat);
    ids made unique per chunk."""
    rf = rules.file
    chunk = 50_000
    cols = None
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = None
        for k in range(0, n, chunk):
            rows = ticketgen.tickets(rf, min(chunk, n - k), seed + k)
            if w is None:
                cols = list(dict.fromkeys(c for r in rows for c in r))
                w = csv.DictWriter(fh, cols, lineterminator="\n")
                w.writeheader()
            for r in rows:
                r["id"] = f"{r['id']}-{k // chunk}"
            w.writerows(rows)


def at_of(rules: Rules) -> str:
    """The evaluation instant: 20 days before the end of the effective period."""
    t = rules.effective_hi - 20 * 86400
    return dt.datetime.fromtimestamp(t, rules.tz).isoformat()


def has_engine() -> bool:
    out = subprocess.run(
        [sys.executable, "-m", "slalang", "eval", "--help"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    return "--engine" in out


def run_eval(rules_path: Path, tickets: Path, at: str, engine: str | None, out: Path) -> dict:
    """`slalang eval … --format json` in a child; wall, CPU and the child's peak RSS."""
    cmd = [sys.executable, "-m", "slalang", "eval", str(rules_path), str(tickets), "--at", at, "--format", "json"]
    if engine is not None:
        cmd += ["--engine", engine]
    stats = out.with_suffix(".time")
    timer = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", str(stats)] if Path("/usr/bin/time").exists() else []
    with out.open("wb") as fh:
        t0 = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(timer + cmd, cwd=ROOT, stdout=fh, stderr=subprocess.PIPE)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        fail(f"slalang eval {engine or ''} {tickets.name} exited {proc.returncode}: {proc.stderr.decode()[-400:]}")
        return {"ok": False}
    if timer:
        e, u, s, m = stats.read_text().split()[-4:]
        wall, cpu_s, peak = float(e), float(u) + float(s), int(m) / 1024
    else:  # the high-water mark of all children so far: an upper bound on this one
        cpu_s = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        peak = after.ru_maxrss / 1024
    return {"ok": True, "wall": wall, "cpu": cpu_s, "peak_mb": peak, "report": json.loads(out.read_bytes())}


# ---------------------------------------------------------------- 2. objects


def bench_objects(n: int, tmp: Path, engines: list[str | None]) -> None:
    print(f"\n2. Full evaluation from Python objects, report included ({n:,} tickets per contract)")
    for contract in CONTRACTS:
        rules, data = build(contract)
        name = Path(contract).stem
        rules_path = tmp / f"{name}.rules.json"
        rules_path.write_bytes(data)
        path = tmp / f"{name}-objects.csv"
        write_mix(rules, n, path, seed=17)
        at_text = at_of(rules)
        at = rules.effective_hi - 20 * 86400
        with open_text(str(path)) as fh:
            header: set[str] = set()
            tickets = [
                it[1]
                for it in read_tickets(fh, rules.tz, False, header, tuple(rules.flags), rules.start_columns)
                if not isinstance(it, RowError)
            ]
        good = []
        for t in tickets:  # the rows `eval` would refuse (e.g. due beyond the calendar) are left out
            try:
                rules.evaluate(t, at)
                good.append(t)
            except ValueError:
                pass
        # Checked first: the report from objects equals `slalang eval` on those rows.
        report = PeriodReport(rules)
        for t in good:
            report.add(rules.evaluate(t, at))
        mine = json.loads(json.dumps(report.result()))
        if len(good) != len(tickets):
            kept = tmp / f"{name}-objects-kept.csv"
            _keep_rows(path, kept, {t.id for t in good})
            path = kept
        for engine in engines:
            r = run_eval(rules_path, path, at_text, engine, tmp / f"{name}-{engine}.json")
            if r.get("ok") and r["report"] != mine:
                fail(f"{name}: the report from objects differs from slalang eval --engine {engine}")
        evaluate, best_eval, best_full = rules.evaluate, float("inf"), float("inf")
        for _ in range(3):
            c0 = cpu()
            for t in good:
                evaluate(t, at)
            best_eval = min(best_eval, cpu() - c0)
            c0 = cpu()
            report = PeriodReport(rules)
            add = report.add
            for t in good:
                add(evaluate(t, at))
            report.result()
            best_full = min(best_full, cpu() - c0)
        k = len(good)
        print(
            f"  {name}: evaluate {k / best_eval:,.0f} tickets/s ({best_eval / k * 1e6:.2f} µs); "
            f"with the report {k / best_full:,.0f}/s ({best_full / k * 1e6:.2f} µs); peak RSS {self_rss_mb():.0f} MB"
        )
        row(
            f"full evaluation + report from objects: {name}",
            f"{k / best_full:,.0f} tickets/s ({best_full / k * 1e6:.2f} µs; evaluate alone {k / best_eval:,.0f}/s)",
        )
        del tickets, good


def _keep_rows(src: Path, dst: Path, ids: set[str]) -> None:
    with src.open(newline="", encoding="utf-8") as a, dst.open("w", newline="", encoding="utf-8") as b:
        r, w = csv.reader(a), csv.writer(b, lineterminator="\n")
        head = next(r)
        w.writerow(head)
        i = head.index("id")
        w.writerows(x for x in r if x[i] in ids)


# ---------------------------------------------------------------- 3. files


def to_parquet(csv_path: Path, parquet: Path) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute(
        "COPY (SELECT * FROM read_csv(?, header = true, all_varchar = true)) TO '"
        + str(parquet).replace("'", "''")
        + "' (FORMAT parquet)",
        [str(csv_path)],
    )
    con.close()


def bench_files(rows: int, tmp: Path, engine_exists: bool) -> None:
    print(f"\n3. slalang eval end to end, {rows:,} rows (IT operations, realistic mix, --at)")
    rules, data = build(CONTRACTS[0])
    rules_path = tmp / "itops.rules.json"
    rules_path.write_bytes(data)
    path = tmp / "itops.csv"
    t0 = time.perf_counter()
    write_mix(rules, rows, path)
    print(f"  wrote {path.stat().st_size / 1e6:.0f} MB of CSV in {time.perf_counter() - t0:.0f} s")
    at = at_of(rules)
    py = run_eval(rules_path, path, at, "python" if engine_exists else None, tmp / "itops-python.json")
    if not py.get("ok"):
        return
    n = py["report"]["tickets"]
    py_rate, py_cpu_rate = rows / py["wall"], rows / py["cpu"]
    print(
        f"  --engine python: {py['wall']:.1f} s wall, {py_rate:,.0f} rows/s ({py_cpu_rate:,.0f} per CPU s), "
        f"peak RSS {py['peak_mb']:.0f} MB; {n:,} tickets in the report"
    )
    row(
        f"slalang eval, {rows:,}-row CSV: scalar path",
        f"{py_rate:,.0f} rows/s wall ({py_cpu_rate:,.0f} per CPU s), peak {py['peak_mb']:.0f} MB",
    )
    if not engine_exists:
        print("  --engine duckdb: `slalang eval` has no --engine option yet — skipped")
        row("… --engine duckdb (CSV, Parquet)", "not measured: eval has no --engine yet", "≥ 400,000 rows/s, ≥ 5×")
        return
    db = run_eval(rules_path, path, at, "duckdb", tmp / "itops-duckdb.json")
    if db.get("ok"):
        if db["report"] != py["report"]:
            fail("--engine duckdb and --engine python reports differ on the CSV")
        rate, ratio = rows / db["wall"], py["wall"] / db["wall"]
        print(
            f"  --engine duckdb: {db['wall']:.1f} s wall, {rate:,.0f} rows/s ({rows / db['cpu']:,.0f} per CPU s), "
            f"peak RSS {db['peak_mb']:.0f} MB — {ratio:.1f}× the scalar path"
        )
        row(
            "… --engine duckdb, same CSV",
            f"{rate:,.0f} rows/s wall ({ratio:.1f}× python), peak {db['peak_mb']:.0f} MB",
            "≥ 400,000 rows/s and ≥ 5×",
            rate >= 400_000 and ratio >= 5,
        )
    parquet = tmp / "itops.parquet"
    to_parquet(path, parquet)
    pq = run_eval(rules_path, parquet, at, "duckdb", tmp / "itops-parquet.json")
    if pq.get("ok"):
        if pq["report"] != py["report"]:
            fail("--engine duckdb on Parquet and --engine python on the CSV differ")
        rate = rows / pq["wall"]
        print(
            f"  Parquet, --engine duckdb: {pq['wall']:.1f} s wall, {rate:,.0f} tickets/s, peak {pq['peak_mb']:.0f} MB"
        )
        row(
            "… --engine duckdb, same rows as Parquet",
            f"{rate:,.0f} tickets/s wall, peak {pq['peak_mb']:.0f} MB",
            "≥ 1,000,000/s",
            rate >= 1_000_000,
        )


# ---------------------------------------------------------------- 4. huge


def huge_parquet(rules: Rules, n: int, path: Path) -> None:
    """`n` tickets made by DuckDB from the row number (responses, resolutions,
    open tickets, pauses, exclusions), instants as epoch seconds."""
    import duckdb

    lo, span = rules.effective_lo, rules.effective_hi - 40 * 86400 - rules.effective_lo
    prios = ", ".join(f"'{p}'" for p in rules.priorities)
    products = ", ".join(f"'{p}'" for p in rules.products) or "NULL"
    regions = ", ".join(f"'{r}'" for r in sorted(rules.regions)) or "NULL"
    codes = ", ".join(f"'{c}'" for c in rules.exclusions) or "NULL"
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute("SET preserve_insertion_order = false")
    target = str(path).replace("'", "''")
    con.execute(
        f"""COPY (
        WITH b AS (SELECT i, hash(i) AS h, hash(i + 7919) AS g FROM range({n}) t(i)),
        c AS (SELECT i, h, g, {lo} + CAST(h % {span} AS BIGINT) // 60 * 60 AS o FROM b)
        SELECT 'T' || i AS id,
               [{prios}][1 + CAST(g % {len(rules.priorities)} AS INT)] AS priority,
               [{products}][1 + CAST((g >> 8) % {max(len(rules.products), 1)} AS INT)] AS product,
               [{regions}][1 + CAST((g >> 16) % {max(len(rules.regions), 1)} AS INT)] AS region,
               o AS opened_at,
               CASE WHEN h % 10 < 9 THEN o + CAST((g >> 24) % 7200 AS BIGINT) END AS first_response_at,
               CASE WHEN h % 10 < 8 THEN o + 3600 + CAST((g >> 32) % 172800 AS BIGINT) END AS resolved_at,
               CASE WHEN (h >> 40) % 10 = 0
                    THEN CAST(o + 600 AS VARCHAR) || '/' || CAST(o + 600 + CAST((g >> 44) % 7200 AS BIGINT) AS VARCHAR)
               END AS pauses,
               CASE WHEN (h >> 48) % 50 < 3 THEN [{codes}][1 + CAST((g >> 52) % {max(len(rules.exclusions), 1)} AS INT)]
               END AS exclusion
        FROM c) TO '{target}' (FORMAT parquet)"""
    )
    con.close()


def bench_huge(n: int, tmp: Path, engine_exists: bool) -> None:
    print(f"\n4. --huge: {n:,} generated tickets in Parquet, --engine duckdb")
    if not engine_exists:
        print("  `slalang eval` has no --engine option yet — skipped")
        row(f"{n:,} Parquet tickets, peak RSS", "not measured: eval has no --engine yet", "< 2 GB")
        return
    rules, data = build(CONTRACTS[0])
    rules_path = tmp / "itops.rules.json"
    rules_path.write_bytes(data)
    at = at_of(rules)
    small = tmp / "huge-check.parquet"
    huge_parquet(rules, 20_000, small)
    import duckdb

    small_csv = tmp / "huge-check.csv"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * FROM read_parquet(?)) TO '{str(small_csv).replace(chr(39), chr(39) * 2)}' (HEADER)",
        [str(small)],
    )
    con.close()
    a = run_eval(rules_path, small_csv, at, "python", tmp / "huge-check-python.json")
    b = run_eval(rules_path, small, at, "duckdb", tmp / "huge-check-duckdb.json")
    if a.get("ok") and b.get("ok") and a["report"] != b["report"]:
        fail("the huge generator's tickets: --engine duckdb (Parquet) and --engine python (CSV) differ")
    path = tmp / "huge.parquet"
    t0 = time.perf_counter()
    huge_parquet(rules, n, path)
    print(f"  DuckDB wrote {path.stat().st_size / 1e9:.1f} GB of Parquet in {time.perf_counter() - t0:.0f} s")
    r = run_eval(rules_path, path, at, "duckdb", tmp / "huge.json")
    if r.get("ok"):
        rate = n / r["wall"]
        print(f"  {r['wall']:.0f} s wall, {rate:,.0f} tickets/s, peak RSS {r['peak_mb']:.0f} MB")
        row(
            f"{n:,} Parquet tickets, --engine duckdb",
            f"{r['wall']:.0f} s, {rate:,.0f} tickets/s, peak RSS {r['peak_mb']:,.0f} MB",
            "peak RSS < 2 GB",
            r["peak_mb"] < 2048,
        )


# ---------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="CSV rows for eval, and batch due-time requests")
    ap.add_argument("--objects", type=int, default=100_000, help="tickets per contract evaluated from objects")
    ap.add_argument("--sample", type=int, default=2000, help="due times for the scalar path and the baselines")
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run: 50,000 rows, 20,000 objects)")
    ap.add_argument("--huge", action="store_true", help="also 100,000,000 Parquet tickets (needs --engine duckdb)")
    ap.add_argument("--huge-rows", type=int, default=100_000_000, help=argparse.SUPPRESS)
    ap.add_argument("--no-files", action="store_true", help="skip section 3 (the CSV and Parquet runs)")
    ap.add_argument("--keep", action="store_true", help="keep the generated files (their folder is printed)")
    args = ap.parse_args()
    if args.quick:
        args.rows, args.objects, args.sample = 50_000, 20_000, 1000
    print(
        f"slalang runtime benchmark — Python {sys.version.split()[0]}, {os.cpu_count()} cores "
        f"(load average {os.getloadavg()[0]:.1f}), {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    )
    tmp = Path(tempfile.mkdtemp(prefix="slalang-bench-"))
    try:
        engine_exists = has_engine()
        engines: list[str | None] = ["python", "duckdb"] if engine_exists else [None]
        rules, _ = build(CONTRACTS[0])
        bench_due(rules, args.sample, args.rows)
        bench_objects(args.objects, tmp, engines)
        if not args.no_files:
            bench_files(args.rows, tmp, engine_exists)
        if args.huge:
            bench_huge(args.huge_rows, tmp, engine_exists)
    finally:
        if args.keep:
            print(f"\nfiles kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    width = max(len(m) for m, *_ in TABLE)
    fig = max(len(f) for _, f, *_ in TABLE)
    print(f"\n{'measure':<{width}}  {'figure':<{fig}}  target / verdict")
    for m, f, target, verdict in TABLE:
        print(f"{m:<{width}}  {f:<{fig}}  {target}{' — ' + verdict if verdict else ''}")
    if FAILED:
        print(f"\n{len(FAILED)} check(s) failed: results disagree (see CHECK FAILED above)")
        return 1
    print("\nall results checked equal before timing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
