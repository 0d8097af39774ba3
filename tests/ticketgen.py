"""A deterministic ticket and downtime generator for the golden reports.

Given a rule file it draws tickets over the contract's effective period —
every priority, product and region, responses and resolutions early and
late, open tickets, pauses, progress updates, exclusions, and the plan, flag
and clock-start columns of a contract that has them — from a fixed seed,
so any example contract gets a fixed ticket set without hand-writing one."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

MINUTES = [3, 10, 14, 25, 29, 31, 45, 61, 95, 130, 250, 400, 700, 1500, 2900, 5000]


def _iso(t: int, tz) -> str:
    return dt.datetime.fromtimestamp(t, tz).isoformat()


def tickets(rules, n: int = 120, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    tz = ZoneInfo(rules.timezone)
    start = int(dt.datetime.combine(rules.effective.start, dt.time(0), tz).timestamp())
    # Stay clear of the last weeks: a due time must land inside the years
    # the holiday data covers.
    end = int(dt.datetime.combine(rules.effective.end, dt.time(0), tz).timestamp()) - 30 * 86400
    prios = [p.name for p in rules.priorities]
    products = [p.name for p in rules.products] or [None]
    regions = [r.name for r in rules.regions]
    codes = [e.code for e in rules.exclusions]
    plans = [p.name for p in rules.plans]
    flags = [f.name for f in rules.flags]
    starts = list(dict.fromkeys(m.start for m in rules.metrics if m.start != "opened_at"))
    # Their own stream, so the tickets of contracts without them stay as they were.
    extra = random.Random(seed + 1)
    rows = []
    for i in range(n):
        opened = rng.randrange(start, end) // 60 * 60
        row = {
            "id": f"T{i + 1:04d}",
            "priority": rng.choice(prios),
            "product": rng.choice(products) or "",
            "region": rng.choice(regions) if regions else "",
            "opened_at": _iso(opened, tz),
            "first_response_at": "",
            "resolved_at": "",
            "updates": "",
            "pauses": "",
            "exclusion": "",
            "followup_at": "",
        }
        state = rng.random()
        if state < 0.9:
            resp = opened + rng.choice(MINUTES) * 60
            row["first_response_at"] = _iso(resp, tz)
            ups, u = [], resp
            for _ in range(rng.randrange(0, 4)):
                u += rng.choice([15, 25, 30, 40, 70, 150]) * 60
                ups.append(_iso(u, tz))
            row["updates"] = ";".join(ups)
            if state < 0.8:
                res = resp + rng.choice(MINUTES) * 60 * rng.choice([1, 2, 4])
                row["resolved_at"] = _iso(res, tz)
                if rng.random() < 0.6:
                    row["followup_at"] = _iso(res + rng.choice([20, 50, 90, 1500]) * 60, tz)
        if rng.random() < 0.1:
            p0 = opened + rng.choice([5, 20, 60]) * 60
            row["pauses"] = f"{_iso(p0, tz)}/{_iso(p0 + rng.choice([30, 120, 600]) * 60, tz)}"
        if codes and rng.random() < 0.06:
            row["exclusion"] = rng.choice(codes)
        if plans:
            row["plan"] = extra.choice(plans)
        for f in flags:
            row[f] = extra.choice(["yes", "no", ""])
        for c in starts:
            row[c] = "" if extra.random() < 0.1 else _iso(opened + extra.choice([0, 5, 30, 90]) * 60, tz)
        rows.append(row)
    return rows


def downtime(rules, seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    tz = ZoneInfo(rules.timezone)
    products = [a.product for a in rules.availability]
    codes = [e.code for e in rules.exclusions]
    rows = []
    months = []
    d = rules.effective.start.replace(day=1)
    while d <= rules.effective.end and len(months) < 4:
        months.append(d)
        d = (d + dt.timedelta(days=32)).replace(day=1)
    for product in products:
        for month in months:
            for _ in range(rng.randrange(0, 4)):
                day = month + dt.timedelta(days=rng.randrange(0, 27))
                s = int(dt.datetime.combine(day, dt.time(rng.randrange(0, 24), rng.choice([0, 30])), tz).timestamp())
                e = s + rng.choice([5, 12, 30, 90, 400, 1500]) * 60
                code = rng.choice([""] * 4 + codes) if codes else ""
                notified = _iso(s - rng.choice([24, 100]) * 3600, tz) if code == "maintenance" else ""
                rows.append(
                    {
                        "product": product,
                        "start": _iso(s, tz),
                        "end": _iso(e, tz),
                        "exclusion": code,
                        "notified_at": notified,
                        "period": "",
                        "availability": "",
                    }
                )
        if months:
            # One month with a figure given directly instead of measured.
            last = months[-1] + dt.timedelta(days=100)
            if last <= rules.effective.end:
                rows.append(
                    {
                        "product": product,
                        "start": "",
                        "end": "",
                        "exclusion": "",
                        "notified_at": "",
                        "period": f"{last.year}-{last.month:02d}",
                        "availability": "98.7",
                    }
                )
    return rows
