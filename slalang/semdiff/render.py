"""A diff as text, Markdown or JSON, in the reader's language.

Every word comes from the diff catalogue (`diff.direction.*`,
`diff.section.*`, `diff.statement.*`, `diff.report.*`); the contract's own
words are shown as written, but never raw: text output escapes controls,
bidirectional and format characters and newlines (`\\x1b`, `\\u202e`,
`\\x0a`) so a contract cannot act on the terminal, and Markdown escapes them
as well as its own syntax, so a text can neither start a line of its own nor
forge a heading, a list item or a table cell. JSON escapes every such
character as `\\uXXXX`. JSON keeps its machine fields (`section`, `path`,
`kind`, `direction`, `summary`) in every language; its human strings
(`title`, `subject`, `old`, `new`) follow the language asked for."""

from __future__ import annotations

import re
from collections.abc import Callable

from slalang.diagnostics import json_text
from slalang.i18n import Verbatim, render
from slalang.semdiff.changes import Change, ContractDiff
from slalang.semdiff.directions import DIRECTIONS, LOOSER, NEUTRAL, STRICTER, UNCLEAR
from slalang.semdiff.words import T
from slalang.source import display_width, term_text
from slalang.textsafe import md_text

_MARK = {STRICTER: "+", LOOSER: "-", NEUTRAL: "=", UNCLEAR: "?"}
_ICON = {STRICTER: "🟢", LOOSER: "🔴", NEUTRAL: "⚪", UNCLEAR: "🟡"}


def say(key: str, lang: str, **fields) -> str:
    return render(T(key, **fields), lang)


def _versions(d: ContractDiff) -> str:
    new = f"{d.new_id} {d.new_version}" if d.new_id != d.old_id else d.new_version
    return f"{d.old_id} {d.old_version} → {new}"


def counts_line(d: ContractDiff, lang: str) -> str:
    c = d.counts()
    total = len(d.changes)
    changes = T("report.changes", n=total)
    if not total:
        return render(changes, lang)
    unclear = T("report.counts_unclear", n=c[UNCLEAR]) if c[UNCLEAR] else Verbatim("")
    return say(
        "report.counts", lang, changes=changes, unclear=unclear, **{k: c[k] for k in (STRICTER, LOOSER, NEUTRAL)}
    )


def headline(d: ContractDiff, lang: str) -> str:
    return say("report.headline", lang, versions=Verbatim(_versions(d)), counts=Verbatim(counts_line(d, lang)))


def section_title(key: str, lang: str) -> str:
    return say(f"section.{key}", lang)


def direction_word(direction: str, lang: str) -> str:
    return say(f"direction.{direction}", lang)


def _quote(s: str, lang: str) -> str:
    """Quote words (`'传染病 / epidemics'`), not numbers or durations."""
    if not s or re.match(r"\d", s):
        return s
    return say("statement.quoted", lang, text=Verbatim(s))


def statement(
    c: Change,
    lang: str,
    old: Callable[[str], str] = str,
    new: Callable[[str], str] = str,
    subject_of: Callable[[str], str] = str,
) -> str:
    """One change as a sentence: `P1 first response (off-hours): 8 h → 4 h`."""
    subject = Verbatim(subject_of(c.subject_in(lang)))
    kind = Verbatim("" if c.kind in ("changed", "reordered") else say("statement.kind", lang, kind=T(f"kind.{c.kind}")))
    a, b = c.old_in(lang), c.new_in(lang)
    if c.kind in ("changed", "renamed", "reordered") or (a is not None and b is not None):
        if a is not None and b is not None:
            if c.words:
                key = "statement.reworded_read" if c.direction == UNCLEAR else "statement.reworded"
                return say(key, lang, subject=subject, kind=kind)
            return say(
                "statement.changed", lang, subject=subject, kind=kind, old=Verbatim(old(a)), new=Verbatim(new(b))
            )
        return say("statement.bare", lang, subject=subject, kind=kind)
    if c.kind == "added":
        if not b:
            return say("statement.added_bare", lang, subject=subject)
        return say("statement.added", lang, subject=subject, new=Verbatim(new(_quote(b, lang))))
    if not a:
        return say("statement.removed_bare", lang, subject=subject)
    return say("statement.removed", lang, subject=subject, old=Verbatim(old(_quote(a, lang))))


def _word_lines(c: Change) -> list[tuple[str, list[tuple[str, str]]]]:
    """The word diffs to show, one per contract language; a language-neutral
    text (a contact, a standard's name) is the same in all and shown once."""
    if not c.words:
        return []
    langs = list(c.words)
    if len(langs) > 1 and all(c.words[x] == c.words[langs[0]] for x in langs):
        return [("/".join(langs), c.words[langs[0]])]
    return [(cl, c.words[cl]) for cl in langs]


def render_text(d: ContractDiff, lang: str = "en") -> str:
    lines = [headline(d, lang)]
    width = max(display_width(direction_word(x, lang)) for x in DIRECTIONS)
    for key, group in d.by_section():
        lines.append("")
        lines.append(section_title(key, lang))
        for c in group:
            label = direction_word(c.direction, lang)
            pad = label + " " * (width - display_width(label))
            lines.append(f"  {_MARK[c.direction]} {pad}  {statement(c, lang)}")
            for cl, segs in _word_lines(c):
                lines.append(
                    f"      {cl}: "
                    + "".join(t if op == "equal" else f"[-{t}-]" if op == "delete" else f"{{+{t}+}}" for op, t in segs)
                )
    # Each entry is one line of our layout: anything in it that would break
    # the line or act on the terminal came from the contract.
    return "\n".join(term_text(line) for line in lines) + "\n"


def _md_escape(s: str) -> str:
    """Contract text for one Markdown line (`textsafe.md_text`): controls and
    newlines escaped, Markdown's syntax and GitHub's links, mentions and
    entities backslashed; the text never starts a line (every line begins
    with our own words)."""
    return md_text(s)


def _md_segment(op: str, text: str) -> str:
    """A word-diff segment; emphasis markers hug the words (CommonMark does
    not open `**` before a space), the spaces stay outside."""
    if op == "equal":
        return _md_escape(text)
    core = text.strip()
    if not core:
        return "" if op == "delete" else _md_escape(text)
    lead = _md_escape(text[: len(text) - len(text.lstrip())])  # a newline is space too: escaped
    trail = _md_escape(text[len(text.rstrip()) :])
    mark = "~~" if op == "delete" else "**"
    return f"{lead}{mark}{_md_escape(core)}{mark}{trail}"


def render_markdown(d: ContractDiff, lang: str = "en") -> str:
    title = say("report.markdown_title", lang, versions=Verbatim(_md_escape(_versions(d))))
    lines = [f"### {title}", "", f"**{_md_escape(counts_line(d, lang))}**"]
    if not d.changes:
        return "\n".join(lines) + "\n"
    lines += ["", " · ".join(f"{_ICON[x]} {direction_word(x, lang)}" for x in DIRECTIONS)]
    for key, group in d.by_section():
        lines += ["", f"#### {_md_escape(section_title(key, lang))}", ""]
        for c in group:
            if c.kind in ("renamed", "reordered") or c.words or (c.old is None) != (c.new is None):
                text = statement(c, lang, old=_md_escape, new=_md_escape, subject_of=_md_escape)
            else:
                text = statement(
                    c,
                    lang,
                    old=lambda s: f"~~{_md_escape(s)}~~" if s else s,
                    new=lambda s: f"**{_md_escape(s)}**" if s else s,
                    subject_of=_md_escape,
                )
            lines.append(f"- {_ICON[c.direction]} {text}")
            for cl, segs in _word_lines(c):
                lines.append(f"  - {cl}: " + "".join(_md_segment(op, t) for op, t in segs))
    return "\n".join(term_text(line) for line in lines) + "\n"


def to_json(d: ContractDiff, old_label: str = "", new_label: str = "", lang: str = "en") -> str:
    doc = {
        "language": lang,
        "old": {"id": d.old_id, "version": d.old_version, "source": old_label},
        "new": {"id": d.new_id, "version": d.new_version, "source": new_label},
        "summary": {"changes": len(d.changes), **d.counts()},
        "headline": headline(d, lang),
        "sections": [
            {"section": key, "title": section_title(key, lang), "changes": [c.to_dict(lang) for c in group]}
            for key, group in d.by_section()
        ],
    }
    return json_text(doc) + "\n"
