"""The letter as HTML: the Jinja2 template filled with a composed `Letter`.

The environment is strict (an undefined name is an error, not an empty
string) and autoescapes everything; the composed pieces arrive already
escaped as `Markup`. The stylesheet is inlined from the shipped
`templates/letter.css`, marked safe deliberately: Jinja would otherwise escape
quotes inside `<style>` and silently break the CSS (PLATFORM-NOTES.md). The
output is one self-contained file that references nothing outside itself."""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup

from slalang.letter.document import Letter, Line, shared
from slalang.resources import resource_dir

TEMPLATE = "letter.html.j2"
STYLESHEET = "letter.css"


@lru_cache(maxsize=1)
def environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resource_dir("templates"))),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.globals.update(shared=shared, Line=Line)
    env.filters["unbroken"] = unbroken
    return env


_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# Pieces a line must never break inside: a time range, a date, an amount.
_UNBROKEN = re.compile(
    r"\d{1,2}:\d{2}[–-]\d{1,2}:\d{2}"  # 09:00–12:00
    r"|(?:\d{4}年)?\d{1,2}月\d{1,2}日(?:至\d{1,2}日)?"  # 2026年3月1日, 2月15日至23日
    r"|\d{1,2}(?:–\d{1,2})? (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?(?: \d{4})?"  # 25–27 Sept
    rf"|\d{{1,2}} (?:{_MONTHS}) \d{{4}}"  # 1 March 2026
    r"|(?:CNY|RMB|USD|EUR|GBP|HKD) [\d,]+(?:\.\d+)?"  # CNY 1,000.00
    r"|人民币 ?[\d,]+(?:\.\d+)? ?元"  # 人民币 1,000.00 元
    r"|[\d,]+(?:\.\d+)?/(?:月|month)"  # 12,000.00/月
)


def unbroken(html: Markup) -> Markup:
    """`html` (escaped already) with each time range, date and amount kept
    on one line. The patterns hold only digits, letters and punctuation that
    escaping leaves alone, so they never match inside markup."""
    return Markup(_UNBROKEN.sub(lambda m: f'<span class="nobr">{m.group(0)}</span>', str(html)))


@lru_cache(maxsize=1)
def stylesheet() -> Markup:
    css = (resource_dir("templates") / STYLESHEET).read_text(encoding="utf-8")
    if "</" in css:  # would end the <style> element early
        raise ValueError(f"{STYLESHEET} must not contain '</'")
    return Markup(css)


def render(letter: Letter) -> str:
    return environment().get_template(TEMPLATE).render(letter=letter, css=stylesheet())
