"""The letter as HTML: the Jinja2 template filled with a composed `Letter`.

The environment is strict (an undefined name is an error, not an empty
string) and autoescapes everything; the composed pieces arrive already
escaped as `Markup`. The stylesheet is inlined from the shipped
`templates/letter.css`, marked safe deliberately: Jinja would otherwise escape
quotes inside `<style>` and silently break the CSS (PLATFORM-NOTES.md). The
output is one self-contained file that references nothing outside itself."""

from __future__ import annotations

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
    return env


@lru_cache(maxsize=1)
def stylesheet() -> Markup:
    css = (resource_dir("templates") / STYLESHEET).read_text(encoding="utf-8")
    if "</" in css:  # would end the <style> element early
        raise ValueError(f"{STYLESHEET} must not contain '</'")
    return Markup(css)


def render(letter: Letter) -> str:
    return environment().get_template(TEMPLATE).render(letter=letter, css=stylesheet())
