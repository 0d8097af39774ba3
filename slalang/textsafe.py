"""Escaping untrusted text for where it is shown: a terminal, a CSV cell, a
Markdown line. Contract text, rule files, letters and ticket data are all
untrusted (docs/security.md); every command that prints any of it passes it
through one of these first.

Standard library only, so every layer (the runtime included) may use it."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["csv_cell", "json_safe", "md_text", "term"]

# Bidirectional formatting characters ("Trojan Source", CVE-2021-42574): they
# reorder what a reader sees without changing what the text says.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def term(text: str, keep_newlines: bool = False, keep_tabs: bool = False) -> str:
    """`text` with every control, format (bidirectional overrides, zero-width
    characters), line/paragraph separator, private-use or unassigned
    character written as an escape (`\\x1b`, `\\u202e`), so it cannot move the
    cursor, recolour or retitle the terminal, or reorder what is shown.
    Newlines (and tabs) are escaped too unless `keep_newlines` (for text whose
    lines are our own layout) or `keep_tabs`."""
    if text.isascii() and text.isprintable():
        return text
    out = []
    for ch in text:
        if (ch == "\n" and keep_newlines) or (ch == "\t" and keep_tabs):
            out.append(ch)
            continue
        cat = unicodedata.category(ch)
        if cat[0] == "C" or cat in ("Zl", "Zp"):
            out.append(_escape(ch))
        else:
            out.append(ch)
    return "".join(out)


# A spreadsheet treats a cell starting with one of these as a formula
# (OWASP "CSV injection"): `=HYPERLINK(…)`, `+cmd|…`, `@SUM(…)`.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_cell(text: str) -> str:
    """A cell for CSV output that a spreadsheet shows as text: a leading
    formula character gets a `'` in front. Numbers written by slalang itself
    (a negative amount) are not passed through this."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


# Markdown's inline syntax, and `&`, which would start a character entity
# (`&#x202E;` draws a right-to-left override in the rendered page).
_MD_INLINE = re.compile(r"([\\`*_~\[\]<>|&])")
# What GitHub turns into a link with no markup at all ("autolink literals"):
# `https://…`, `www.…`, `user@example.com` — broken by escaping the `:`, the
# `.` after `www` or the `@`.
_MD_AUTOLINK = re.compile(r"(?i)(?<=\bhttps)(:)|(?<=\bhttp)(:)|(?<=\bftp)(:)|(?<=\bwww)(\.)|(?<=\w)(@)(?=\w)")


def md_text(text: str) -> str:
    """Text for one Markdown line, shown as the characters written: controls
    and newlines escaped (a text cannot start a line of its own, so no heading,
    list item or table row), inline markup and `&` backslashed (no emphasis,
    link, HTML or character entity: `&#x202E;` would draw a right-to-left
    override), and GitHub's autolink literals broken (`https\\://`, `www\\.`,
    `a\\@b`). Not prevented: GitHub's own @mention and #123 references,
    which it finds in the rendered text."""
    text = _MD_INLINE.sub(r"\\\1", term(text))
    return _MD_AUTOLINK.sub(lambda m: "\\" + m.group(0), text)


def json_safe(text: str) -> str:
    """JSON text from `json.dumps(…, ensure_ascii=False)` with every
    non-ASCII control, format (bidirectional overrides, zero-width),
    separator, private-use or unassigned character written as a `\\uXXXX`
    escape: the same document, but nothing in it can reorder or hide what a
    terminal shows (json.dumps already escapes the ASCII controls). Such
    characters can only stand inside JSON strings, where the escape means
    the same character."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        if ch >= "\x7f" and (unicodedata.category(ch)[0] == "C" or ch in "\u2028\u2029"):
            code = ord(ch)
            if code > 0xFFFF:  # a surrogate pair, as JSON writes it
                code -= 0x10000
                out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
            else:
                out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)
