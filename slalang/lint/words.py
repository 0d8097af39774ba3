"""How lint messages say computed things: durations, amounts and lengths of
time, as `slalang.i18n.Msg` values of the `lint.words` catalogue, so that a
Chinese reader sees “4 小时”, “月服务费的 10%” and “43.2 分钟” where an English
one sees `4h`, “10% of the monthly fee” and “43.2 min”.

Durations are read through `slalang.terms.duration_parts`; nothing here
knows how long a unit is."""

from __future__ import annotations

from slalang import model
from slalang.i18n import Msg
from slalang.lint.registry import msg
from slalang.terms import UNIT_SECONDS, duration_parts


def duration(spelling: str) -> Msg:
    """A duration as written (`1h30m`) in words: en keeps the spelling, zh
    says “1 小时 30 分钟”."""
    parts = [msg(f"words.unit.{u}", n=n) for n, u in duration_parts(spelling)]
    if not parts:
        return msg("words.unit.m", n=0)
    out = parts[-1]
    for part in reversed(parts[:-1]):
        out = msg("words.unit.join", a=part, b=out)
    return out


def target(d: model.Duration | None) -> Msg:
    """A matrix cell in words: its duration, or “no commitment” for `-`."""
    return msg("words.no_commitment") if d is None else duration(d.spelling)


def spell(seconds: int) -> str:
    """Whole minutes as a duration the language accepts: `43m`, `1h30m`, `2d`."""
    m = max(1, seconds // UNIT_SECONDS["m"])
    h, m = divmod(m, UNIT_SECONDS["h"] // UNIT_SECONDS["m"])
    d, h = divmod(h, UNIT_SECONDS["d"] // UNIT_SECONDS["h"])
    return "".join(f"{n}{u}" for n, u in ((d, "d"), (h, "h"), (m, "m")) if n)


def seconds(value: float) -> Msg:
    """A computed length of time: `45 s`, `21.6 min`, `4.5 h`, or a whole
    duration (`4h`, `1h30m`, `2d`) when it is a whole number of minutes of an hour or more."""
    minute, hour = UNIT_SECONDS["m"], UNIT_SECONDS["h"]
    if value < minute:
        return msg("words.time.seconds", n=f"{value:g}")
    if value < hour:
        return msg("words.time.minutes", n=f"{round(value / minute, 1):g}")
    if value % minute:
        return msg("words.time.hours", n=f"{round(value / hour, 1):g}")
    return duration(spell(int(value)))


def amount(a: model.Amount) -> Msg:
    """A credit amount: `10% of the monthly fee`, `1000 CNY` (月服务费的 10%, 人民币 1000 元)."""
    if a.money is not None:
        if a.money.currency == "CNY":
            return msg("words.amount.cny", amount=a.money.amount)
        return msg("words.amount.money", amount=a.money.amount, currency=a.money.currency)
    if a.base == "charges":
        return msg("words.amount.percent_of_charges", percent=a.percent)
    return msg("words.amount.percent_of_fee" if a.base else "words.amount.percent", percent=a.percent)


def period(p: str) -> Msg:
    """`month`, `quarter`, `year` as a noun (月, 季度, 年)."""
    return msg(f"words.period.{p}")


def metric(m: str) -> Msg:
    """`response`, `resolution` (首次响应, 故障恢复)."""
    return msg(f"words.metric.{m}")


def level(lv: str) -> Msg:
    """`yellow`, `orange`, `red` (黄色, 橙色, 红色)."""
    return msg(f"words.level.{lv}")
