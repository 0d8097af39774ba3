"""Syntax: source text → AST, or syntax diagnostics in the author's words.

Owns the Lark parser (LALR, built once per process and cached on disk by
Lark — in the user's own private cache folder, never in the shared /tmp
where Lark puts it by default: the cache is a pickle, and a file another
user planted there would run as code), the conversion of tokens into typed literals, and the translation of
Lark's errors — terminal names, parser states — into messages that say what
to write. Nothing here knows what a priority or a calendar means."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError
from lark.lexer import Lexer

from slalang import ast
from slalang.diagnostics import Diagnostic, Label, did_you_mean, make
from slalang.i18n import Msg, Verbatim
from slalang.resources import grammar_path
from slalang.source import SourceFile, Span
from slalang.terms import DURATION_PART, WEEKDAYS
from slalang.textsafe import BIDI_CONTROLS


def M(key: str, **fields: object) -> Msg:
    """A syntax message: `diag.<key>` in the catalogues."""
    return Msg(f"diag.{key}", **fields)


_parser: Lark | None = None
_builder: _AstBuilder | None = None


def parser() -> Lark:
    global _parser, _builder
    if _parser is None:
        _builder = _AstBuilder()
        grammar = grammar_path().read_text(encoding="utf-8")
        _parser = Lark(
            grammar,
            parser="lalr",
            lexer=_ContextualScanner,
            propagate_positions=True,
            maybe_placeholders=False,
            keep_all_tokens=True,
            transformer=_builder,
            lexer_callbacks={"COMMENT": _builder.comment},
            cache=_cache_file(grammar),
        )
    return _parser


def _cache_file(grammar: str) -> str | bool:
    """Where Lark keeps the parser tables: a file in the user's cache folder
    when that folder is the user's own and writable by no one else (created
    0700 if missing), else no cache at all (slower, never unsafe)."""
    import hashlib
    import sys

    import lark

    from slalang import usercache

    folder = usercache.private_folder()
    if folder is None:
        return False
    key = hashlib.sha256(f"{grammar}\0{lark.__version__}\0{sys.version_info[:2]}".encode()).hexdigest()[:20]
    return str(folder / f"lark-{key}.pickle")


class _ContextualScanner(Lexer):
    """A contextual lexer with one compiled scanner.

    Lark's own contextual lexer compiles a regular expression for each of the
    ~110 parser states it meets, which costs more than parsing a contract
    from a cold start. This scanner compiles one pattern for the whole
    language and becomes contextual by asking the parser which terminals it
    accepts: a word such as `availability` is the keyword where the keyword
    fits, and a name where only a name fits."""

    __future_interface__ = 2

    def __init__(self, conf) -> None:
        self.callbacks = dict(conf.callbacks)
        self.ignore = frozenset(conf.ignore)
        # A bare word can be: a keyword (exact string), one of a terminal's
        # listed words (`(?:month|quarter|year)`), or a NAME — in that order
        # of preference. Built as a dict: no regular expression per word.
        self.words: dict[str, list[str]] = {}
        shapes: list = []  # terminals matched by the master pattern, by priority
        self.punct: dict[str, list[str]] = {}
        word_sets: list = []
        for t in conf.terminals:
            value = t.pattern.value
            if t.pattern.type == "str":
                if re.fullmatch(r"[A-Za-z_]\w*", value):
                    self.words.setdefault(value, []).insert(0, t.name)
                else:
                    self.punct.setdefault(value, []).append(t.name)
                continue
            listed = re.fullmatch(r"\((?:\?:)?([A-Za-z_|]+)\)(?:\(\?!\\w\))?", value)
            if listed:
                word_sets.append((-t.priority, t.name, listed.group(1).split("|")))
            elif t.name != "NAME":
                shapes.append(t)
        for _, name, alternatives in sorted(word_sets):
            for word in alternatives:
                self.words.setdefault(word, []).append(name)
        shapes.sort(key=lambda t: (-t.priority, t.name))
        alts = [f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in shapes]
        alts.append(r"(?P<_WORD>[A-Za-z_][A-Za-z0-9_]*)")
        punct = sorted(self.punct, key=len, reverse=True)
        alts.append("(?P<_PUNCT>" + "|".join(re.escape(p) for p in punct) + ")")
        self.scanner = re.compile("|".join(alts))
        self.newline_types = {t.name for t in shapes if "\n" in t.pattern.to_regexp() or t.name == "WS"}
        self.all_terminals = {t.name for t in conf.terminals}

    def _candidates(self, word: str) -> list[str]:
        found = self.words.get(word)
        return found + ["NAME"] if found else ["NAME"]

    def lex(self, lexer_state, parser_state):
        text = lexer_state.text.text
        end = lexer_state.text.end
        line_ctr = lexer_state.line_ctr
        match = self.scanner.match
        states = parser_state.parse_conf.states
        while line_ctr.char_pos < end:
            pos = line_ctr.char_pos
            m = match(text, pos)
            if m is None or m.end() > end:
                accepts = set(states[parser_state.position]) & self.all_terminals
                raise UnexpectedCharacters(
                    text,
                    pos,
                    line_ctr.line,
                    line_ctr.column,
                    allowed=accepts or {"$END"},
                    state=parser_state,
                    token_history=lexer_state.last_token and [lexer_state.last_token],
                )
            kind = m.lastgroup
            value = m.group()
            if kind == "_WORD" or kind == "_PUNCT":
                options = self._candidates(value) if kind == "_WORD" else self.punct[value]
                accepts = states[parser_state.position]
                kind = next((o for o in options if o in accepts), options[0] if options else "NAME")
            if kind in self.ignore:
                if kind in self.callbacks:
                    t = Token(kind, value, pos, line_ctr.line, line_ctr.column)
                    line_ctr.feed(value, kind in self.newline_types)
                    t.end_line, t.end_column, t.end_pos = line_ctr.line, line_ctr.column, line_ctr.char_pos
                    self.callbacks[kind](t)
                else:
                    line_ctr.feed(value, kind in self.newline_types)
                continue
            t = Token(kind, value, pos, line_ctr.line, line_ctr.column)
            line_ctr.feed(value, False)
            t.end_line, t.end_column, t.end_pos = line_ctr.line, line_ctr.column, line_ctr.char_pos
            lexer_state.last_token = t
            yield t


_MAX_SYNTAX_ERRORS = 20
_MAX_LITERAL_DIAGS = 1000  # errors in literals (escapes, dates, numbers) kept per file
# Each further syntax error costs a parse of the whole file: at most this many
# characters are parsed again in all (a 100 KiB contract gets every error, a
# 3 MiB one only its first), so a large file with many errors stays fast.
_REPARSE_BUDGET = 2_000_000
_STRINGS = re.compile(r'"([^"\\\n]|\\.)*"?')


def parse(source: SourceFile) -> tuple[ast.Node | None, list[Diagnostic]]:
    """Parse a whole file. Returns the contract node (or None) and every
    diagnostic found while reading literals or shapes."""
    root, diags, _ = parse_with_comments(source)
    return root, diags


def parse_with_comments(source: SourceFile) -> tuple[ast.Node | None, list[Diagnostic], list[ast.Comment]]:
    """As `parse`, and also every `# comment` with its span, in source order
    (for the formatter, which must keep them). A file holding a
    bidirectional control (E0006) or a control character (E0007) anywhere is
    refused before it is parsed; invisible format characters (W0008) are
    warnings."""
    hostile = hostile_characters(source)
    if any(d.is_error for d in hostile):
        return None, hostile, []
    root, diags, comments = _parse_with_comments(source)
    if hostile:  # outside a string the lexer already reports the character (E0101)
        seen = {d.span.start for d in diags if d.code == "E0101" and d.span is not None}
        diags = diags + [d for d in hostile if d.span is not None and d.span.start not in seen]
    return root, diags, comments


# Characters a contract may not hold anywhere (strings and comments too):
# C0 controls but TAB and LF (a CR only before LF), DEL, C1 controls, the
# line and paragraph separators, the noncharacters of the BMP (U+FFFE …), and
# the bidirectional controls of
# textsafe.BIDI_CONTROLS. And the other format characters (Cf) a text may
# hold invisibly (zero-width space, word joiner, soft hyphen, BOM, tags);
# ZWJ and ZWNJ, which join emoji and Indic or Persian letters, are fine.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufdd0-\ufdef\ufffe\uffff]|\r(?!\n)"
    "|[" + "".join(sorted(BIDI_CONTROLS)) + "]"
    "|[\u00ad\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b\u2060-\u2064\u206a-\u206f"
    "\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)


def _noncharacter(ch: str) -> bool:
    """U+FDD0–U+FDEF, U+FFFE, U+FFFF: never text (XML cannot hold them)."""
    return "\ufdd0" <= ch <= "\ufdef" or ch in "\ufffe\uffff"


_MAX_HOSTILE = 50  # reported per file; the scan stops there (the file is refused anyway)
_C0_NAMES = (
    "NULL,START OF HEADING,START OF TEXT,END OF TEXT,END OF TRANSMISSION,ENQUIRY,ACKNOWLEDGE,BELL,"
    "BACKSPACE,CHARACTER TABULATION,LINE FEED,LINE TABULATION,FORM FEED,CARRIAGE RETURN,SHIFT OUT,SHIFT IN,"
    "DATA LINK ESCAPE,DEVICE CONTROL ONE,DEVICE CONTROL TWO,DEVICE CONTROL THREE,DEVICE CONTROL FOUR,"
    "NEGATIVE ACKNOWLEDGE,SYNCHRONOUS IDLE,END OF TRANSMISSION BLOCK,CANCEL,END OF MEDIUM,SUBSTITUTE,"
    "ESCAPE,INFORMATION SEPARATOR FOUR,INFORMATION SEPARATOR THREE,INFORMATION SEPARATOR TWO,"
    "INFORMATION SEPARATOR ONE"
).split(",")


def char_name(ch: str) -> str:
    """`U+202E RIGHT-TO-LEFT OVERRIDE` as the parts (code, name) of a message."""
    import unicodedata

    code = ord(ch)
    if code < 0x20:
        return _C0_NAMES[code]
    if code == 0x7F:
        return "DELETE"
    if _noncharacter(ch):
        return "NONCHARACTER"
    return unicodedata.name(ch, "CONTROL" if code < 0xA0 else "FORMAT CHARACTER")


def hostile_characters(source: SourceFile) -> list[Diagnostic]:
    """E0006 for each bidirectional control, E0007 for each control
    character, W0008 for each invisible format character, at its line and
    column (at most `_MAX_HOSTILE`)."""
    text = source.text
    if text.isascii() and "\x7f" not in text and not re.search("[\x00-\x08\x0b-\x1f]", text):
        return []
    found: list[Diagnostic] = []
    quotes = _Quotes(text)
    for m in _CONTROL.finditer(text):
        if len(found) >= _MAX_HOSTILE:
            break
        ch = m.group()
        span = Span(m.start(), m.start() + 1)
        fields = {"code": f"U+{ord(ch):04X}", "name": Verbatim(char_name(ch))}
        if ch in BIDI_CONTROLS:
            inside = quotes.inside_at(m.start())
            hint = M("E0006.hint_string", hex=f"{ord(ch):04X}") if inside else M("E0006.hint")
            found.append(make("E0006", M("E0006.bidi", **fields), source, span, hint=hint))
        elif ch in ("\u2028", "\u2029") or ord(ch) < 0xA0 or _noncharacter(ch):
            found.append(make("E0007", M("E0007.control", **fields), source, span, hint=M("E0007.hint")))
        else:
            found.append(make("W0008", M("W0008.format", **fields), source, span, hint=M("W0008.hint")))
    return found


class _Quotes:
    """Whether an offset is inside a quoted text (a string never spans
    lines), asked for increasing offsets: one pass over the file in all."""

    def __init__(self, text: str) -> None:
        self.text, self.pos, self.inside, self.comment = text, 0, False, False

    def inside_at(self, offset: int) -> bool:
        text, i = self.text, self.pos
        inside, comment = self.inside, self.comment
        while i < offset:
            ch = text[i]
            if ch == "\n":
                inside = comment = False
            elif comment:
                pass
            elif inside and ch == "\\":
                i += 1
            elif ch == '"':
                inside = not inside
            elif ch == "#" and not inside:
                comment = True
            i += 1
        self.pos, self.inside, self.comment = max(i, offset), inside, comment
        return inside and not comment


def _parse_with_comments(source: SourceFile) -> tuple[ast.Node | None, list[Diagnostic], list[ast.Comment]]:
    p = parser()
    assert _builder is not None
    _builder.begin(source)
    try:
        tree = p.parse(source.text)
    except UnexpectedInput as exc:
        errors = [_syntax_diagnostic(source, exc)]
        literal_diags = _builder.end()
        errors += _further_syntax_errors(source, exc)
        return None, errors + literal_diags, []
    except VisitError as exc:  # a literal callback failed: a bug, not input
        _builder.end()
        raise exc.orig_exc from exc
    comments = _builder.comments
    diags = _builder.end()
    # The transformer builds `ast.Node`s; `start` wraps the one contract.
    contract = tree.children[0] if isinstance(tree, ast.Node) and tree.kind == "start" else tree
    if not isinstance(contract, ast.Node):  # pragma: no cover - the grammar's start rule is one contract
        raise TypeError(f"the parser produced {type(contract).__name__}, not a contract node")
    return contract, diags, comments


def _error_offset(exc: UnexpectedInput) -> int:
    """Where an error is, or -1 at the end of the file."""
    if isinstance(exc, UnexpectedToken):
        return _start(exc.token) if exc.token.type != "$END" else -1
    return exc.pos_in_stream if exc.pos_in_stream is not None else -1


def _further_syntax_errors(source: SourceFile, first: UnexpectedInput) -> list[Diagnostic]:
    """Later syntax errors, found by blanking the offending line and parsing
    again, for as long as that cannot shift the structure of the file: the
    line must hold no brace, and the next line must start a statement of its
    own (not continue a text with `|`). Otherwise we stop at the errors
    found so far rather than report echoes of the first."""
    found: list[Diagnostic] = []
    text = source.text
    exc: UnexpectedInput = first
    last_line = 0
    budget = _REPARSE_BUDGET
    for _ in range(_MAX_SYNTAX_ERRORS - 1):
        budget -= len(text)
        if budget < 0:
            break
        offset = _error_offset(exc)
        if offset < 0:
            break
        line, _col = source.line_col(offset)
        if line <= last_line:
            break
        line_text = source.line_text(line)
        if "{" in _STRINGS.sub("", line_text) or "}" in _STRINGS.sub("", line_text):
            break
        following = next(
            (
                source.line_text(n).strip()
                for n in range(line + 1, source.line_count + 1)
                if source.line_text(n).strip()
            ),
            "",
        )
        own = _STRINGS.sub('""', line_text).split("#", 1)[0].rstrip()
        if following[:1] in ("|", ",", '"', ":") or own[-1:] in (",", "|", ":"):
            break  # the statement goes on over the next line
        start = source.offset(line, 1)
        text = text[:start] + " " * len(line_text) + text[start + len(line_text) :]
        last_line = line
        assert _builder is not None
        _builder.begin(source)
        try:
            parser().parse(text)
            return found
        except UnexpectedInput as again:
            exc = again
        finally:
            _builder.end()
        if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
            break  # the end of the file is reached: nothing more to learn
        found.append(_syntax_diagnostic(source, exc))
    return found


# ---------------------------------------------------------------- literals

DATE_RANGE = (dt.date(1900, 1, 1), dt.date(2200, 12, 31))
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "{": "{", "}": "}"}
_REF = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*\Z")


def _declared_terminals() -> frozenset[str]:
    """Terminals declared by name in the grammar: the ones that carry a value.
    Anonymous ones (keywords, punctuation) only shape the tree."""
    text = grammar_path().read_text(encoding="utf-8")
    return frozenset(re.findall(r"^([A-Z_]+)(?:\.\d+)?\s*:", text, re.M)) - {"COMMENT"}


_KEPT = _declared_terminals()


def _start(tok: Token) -> int:
    """A token's offset (Lark types it optional; tokens from the lexer always have one)."""
    return tok.start_pos if tok.start_pos is not None else 0


def _end(tok: Token) -> int:
    return tok.end_pos if tok.end_pos is not None else _start(tok) + len(tok)


def _span(tok: Token) -> Span:
    return Span(_start(tok), _end(tok))


class _Inline:
    """Children of one of Lark's internal repetition rules, to be spliced
    into the parent node."""

    __slots__ = ("children",)

    def __init__(self, children: list) -> None:
        self.children = children


class _AstBuilder(Transformer):
    """Builds `ast.Node`s bottom-up while Lark parses (no parse tree is kept)."""

    def __init__(self) -> None:
        super().__init__(visit_tokens=True)
        self.source: SourceFile | None = None
        self.diagnostics: list[Diagnostic] = []
        self.comments: list[ast.Comment] = []
        self._converters = {name[5:]: getattr(self, name) for name in dir(self) if name.startswith("_lit_")}

    def begin(self, source: SourceFile) -> None:
        self.source, self.diagnostics, self.comments = source, [], []

    def end(self) -> list[Diagnostic]:
        diags, self.source, self.diagnostics = self.diagnostics, None, []
        return diags

    def comment(self, tok: Token) -> Token:
        self.comments.append(ast.Comment(str(tok), _span(tok)))
        return tok

    def _report(self, code: str, message: Msg, span: Span, hint: Msg | None = None) -> None:
        if len(self.diagnostics) < _MAX_LITERAL_DIAGS:  # a million `\q` is reported by its first thousand
            self.diagnostics.append(make(code, message, self.source, span, hint=hint))

    # rules -------------------------------------------------------------
    # Lark calls these while it parses (an inline transformer, so no parse
    # tree is built). keep_all_tokens gives us the keywords too, so a node's
    # span covers its whole statement; the keywords are then dropped.
    def __default__(self, data, children, meta):
        if data.startswith("_"):  # Lark's helper rule for a repetition:
            return _Inline(children)  # Lark splices .children into the parent
        kids: list = []
        start = end = -1
        for c in children:
            if isinstance(c, Token):
                s, e = c.start_pos, c.end_pos
                conv = self._token(c)
                if conv is not None:
                    kids.append(conv)
            else:
                s, e = c.span.start, c.span.end
                kids.append(c)
            if start < 0:
                start = s
            end = e
        return ast.Node(str(data), Span(max(start, 0), max(end, 0)), kids)

    def text(self, children):
        node = self.__default__("text", children, None)
        strings = tuple(c for c in node.children if isinstance(c, ast.Str))
        return ast.Text(strings, node.span)

    # tokens ------------------------------------------------------------
    def _token(self, tok: Token):
        kind = tok.type
        if kind not in _KEPT:
            return None  # a keyword or punctuation: its meaning is the node kind
        conv = self._converters.get(kind)
        if conv is not None:
            return conv(tok)
        if kind == "NAME":
            return ast.Name(str(tok), _span(tok))
        return ast.Keyword(str(tok), _span(tok), kind)

    def _lit_STRING(self, tok: Token) -> ast.Str:
        return self._string(tok)

    def _lit_DATE(self, tok: Token) -> ast.DateLit:
        try:
            value = dt.date.fromisoformat(str(tok))
        except ValueError:
            value = None
            self._report(
                "E0106",
                M("E0106.date", raw=str(tok)),
                _span(tok),
                M("E0106.date_hint"),
            )
        if value is not None and not DATE_RANGE[0] <= value <= DATE_RANGE[1]:
            # The years a rule file may name (the loader refuses others) and
            # the runtime computes in; 9999-12-31 has no next day to count to.
            value = None
            self._report(
                "E0106",
                M("E0106.date_range", raw=str(tok), first=str(DATE_RANGE[0]), last=str(DATE_RANGE[1])),
                _span(tok),
                M("E0106.date_range_hint", first=str(DATE_RANGE[0]), last=str(DATE_RANGE[1])),
            )
        return ast.DateLit(value, str(tok), _span(tok))

    def _lit_TIME(self, tok: Token) -> ast.TimeLit:
        h, m = int(tok[:2]), int(tok[3:])
        minutes: int | None = h * 60 + m
        if m > 59 or h > 24 or (h == 24 and m):
            minutes = None
            self._report("E0106", M("E0106.time", raw=str(tok)), _span(tok), M("E0106.time_hint"))
        return ast.TimeLit(minutes, str(tok), _span(tok))

    def _lit_PERCENT(self, tok: Token) -> ast.PercentLit:
        return ast.PercentLit(self._decimal(tok, str(tok)[:-1]), str(tok), _span(tok))

    def _lit_NUMBER(self, tok: Token) -> ast.NumberLit:
        return ast.NumberLit(self._decimal(tok, str(tok)), str(tok), _span(tok))

    def _decimal(self, tok: Token, digits: str) -> Decimal:
        # Contract numbers are fees, percentages and counts: 15 significant
        # digits is far beyond any of them and keeps Decimal arithmetic exact.
        whole = digits.split(".")[0].lstrip("0")
        if len(whole) > 12 or len(digits) > 20:
            self._report(
                "E0108",
                M("E0108.too_large", raw=str(tok)),
                _span(tok),
                M("E0108.too_large_hint"),
            )
            return Decimal(0)
        return Decimal(digits)

    def _lit_DURATION(self, tok: Token) -> ast.DurationLit:
        found = DURATION_PART.findall(str(tok))
        if any(len(n) > 6 for n, _ in found):
            self._report(
                "E0107",
                M("E0107.too_many_digits", raw=str(tok)),
                _span(tok),
                M("E0107.too_many_digits_hint"),
            )
            found = [("0", u) for _, u in found]
        parts = tuple((int(n), u) for n, u in found)
        return ast.DurationLit(str(tok), parts, _span(tok))

    def _string(self, tok: Token) -> ast.Str:
        raw = str(tok)
        base = _start(tok) + 1
        body = raw[1:-1]
        if "\\" not in body and "{" not in body and "}" not in body:  # the common case
            return ast.Str(body, (body,) if body else (), _span(tok))
        segments: list = []
        buf: list[str] = []
        i, n = 0, len(body)
        while i < n:
            ch = body[i]
            if ch == "\\":
                nxt = body[i + 1] if i + 1 < n else ""
                if nxt == "u":
                    i = self._unicode_escape(body, i, base, buf)
                    continue
                if nxt in _ESCAPES:
                    buf.append(_ESCAPES[nxt])
                else:
                    self._report(
                        "E0105",
                        M("E0105.unknown", char=nxt),
                        Span(base + i, base + i + 2),
                        M("E0105.hint"),
                    )
                    buf.append(nxt)
                i += 2
                continue
            if ch == "{":
                close = body.find("}", i + 1)
                if close == -1:
                    self._report(
                        "E0702",
                        M("E0702.unclosed"),
                        Span(base + i, base + n),
                        M("E0702.unclosed_hint"),
                    )
                    buf.append(body[i:])
                    break
                path = body[i + 1 : close].strip()
                span = Span(base + i, base + close + 1)
                if not _REF.match(path):
                    self._report(
                        "E0702",
                        M("E0702.not_a_reference", path=path),
                        span,
                        M("E0702.not_a_reference_hint"),
                    )
                    buf.append(body[i : close + 1])
                else:
                    if buf:
                        segments.append("".join(buf))
                        buf = []
                    segments.append(ast.Ref(path, span))
                i = close + 1
                continue
            if ch == "}":
                self._report(
                    "E0702",
                    M("E0702.stray_close"),
                    Span(base + i, base + i + 1),
                    M("E0702.stray_close_hint"),
                )
            buf.append(ch)
            i += 1
        if buf:
            segments.append("".join(buf))
        value = "".join(s if isinstance(s, str) else "{" + s.path + "}" for s in segments)
        return ast.Str(value, tuple(segments), _span(tok))

    def _unicode_escape(self, body: str, i: int, base: int, buf: list[str]) -> int:
        """`\\u{202E}` at `body[i]`: the one way to write a bidirectional
        control in a text (E0006 refuses the character itself), so that
        every reader of the source sees it. Only those characters: any
        other is written as itself (E0105). Returns the offset after it."""
        m = _UNICODE_ESCAPE.match(body, i)
        if m is None:
            bad = _UNICODE_BAD.match(body, i)  # `\\u{…}` with no code point in it: one error, not two
            end = bad.end() if bad else i + 2
            self._report("E0105", M("E0105.unicode_shape"), Span(base + i, base + end), M("E0105.hint"))
            return end
        span = Span(base + i, base + m.end())
        ch = chr(int(m.group(1), 16)) if int(m.group(1), 16) <= 0x10FFFF else ""
        if ch not in BIDI_CONTROLS or not ch:
            self._report("E0105", M("E0105.unicode_only_bidi", hex=m.group(1)), span, M("E0105.unicode_only_bidi_hint"))
        else:
            buf.append(ch)
        return m.end()


_UNICODE_ESCAPE = re.compile(r"\\u\{([0-9A-Fa-f]{1,6})\}")
_UNICODE_BAD = re.compile(r"\\u\{[^{}\\]{0,12}\}")


# ---------------------------------------------------------------- errors

# Terminals described in words (`diag.syntax.words.<NAME>`); others are
# quoted as the keyword or symbol they match.
_WORDS = ("STRING", "NAME", "DATE", "TIME", "PERCENT", "DURATION", "NUMBER", "DAY", "NONE", "$END")


_FULLWIDTH = {
    "，": ",",
    "：": ":",
    "｜": "|",
    "“": '"',
    "”": '"',
    "（": "(",
    "）": ")",
    "｛": "{",
    "｝": "}",
    "％": "%",
    "－": "-",
    "；": ";",
    "。": ".",
    "–": "-",
    "—": "-",
    "～": "-",
    "〜": "-",
    "、": ",",
    "．": ".",
}


def _terminal_words(name: str) -> list:
    if name in _WORDS:
        return [M(f"syntax.words.{'END' if name == '$END' else name}")]
    term = next((t for t in parser().terminals if t.name == name), None)
    if term is None:
        return [Verbatim(name.lower())]
    pattern = term.pattern
    if pattern.type == "str":
        return [Verbatim(f"`{pattern.value}`")]
    alts = re.fullmatch(r"\(\?:([\w|]+)\)", pattern.value)
    if alts:
        return [Verbatim(f"`{a}`") for a in sorted(alts.group(1).split("|"))]
    return [Verbatim(name.lower())]


def _keywords(expected: set[str]) -> list[str]:
    """Plain words the parser would accept here (for did-you-mean)."""
    words: list[str] = []
    for name in expected:
        for w in _terminal_words(name):
            if isinstance(w, Verbatim) and re.fullmatch(r"`[A-Za-z_]+`", w.text):
                words.append(w.text.strip("`"))
    return words


def _expected_phrase(expected: set[str]) -> Msg:
    """What the parser would accept, as `a, b or c` in the reader's language."""
    words: list = []
    described = [n for n in expected if n in _WORDS]
    for name in sorted(described, key=_WORDS.index):
        words.extend(_terminal_words(name))
    rest = sorted(
        {w.text for n in expected if n not in _WORDS for w in _terminal_words(n)},
        key=lambda w: (w in ("`}`", "`{`"), w),
    )
    words.extend(Verbatim(w) for w in rest)
    if len(words) > 10:
        words = words[:9] + [Verbatim("…")]
    if len(words) == 1:
        return M("syntax.one_of", only=words[0])
    return M("syntax.choice", items=words[:-1], last=words[-1])


def _describe(tok: Token) -> Msg | Verbatim:
    if tok.type == "$END":
        return M("syntax.end_of_file")
    text = str(tok)
    if len(text) > 40:
        text = text[:37] + "…"
    if tok.type == "STRING":
        return M("syntax.text_token", text=text)
    return Verbatim(f"`{text}`")


def _braces(text: str, upto: int | None = None):
    """(offset, `{` or `}`) for every brace outside strings and comments."""
    i, n = 0, len(text) if upto is None else min(len(text), upto)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n and text[j] not in '"\n':
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if ch == "#":
            j = text.find("\n", i)
            i = n if j == -1 else j
            continue
        if ch in "{}":
            yield i, ch
        i += 1


def _open_blocks(text: str, upto: int) -> list[int]:
    """Offsets of the `{` still open at `upto`."""
    stack: list[int] = []
    for i, ch in _braces(text, upto):
        if ch == "{":
            stack.append(i)
        elif stack:
            stack.pop()
    return stack


def _contract_close(text: str) -> int | None:
    """Offset of the `}` that closes the outermost block."""
    depth = 0
    for i, ch in _braces(text):
        depth += 1 if ch == "{" else -1
        if depth == 0:
            return i
    return None


def _block_label(source: SourceFile, brace: int) -> Label:
    line, _ = source.line_col(brace)
    head = source.line_text(line).strip()
    words = head.split()
    what = " ".join(words[:2]) if words else "block"
    return Label(Span(brace, brace + 1), M("syntax.opened_here", what=what))


def _syntax_diagnostic(source: SourceFile, exc: UnexpectedInput) -> Diagnostic:
    text = source.text
    if isinstance(exc, UnexpectedToken):
        tok = exc.token
        # `accepts` is exact (what this parser state can shift); `expected`
        # is Lark's broader lookahead set, used only when accepts is missing.
        exact = getattr(exc, "accepts", None) or exc.expected
        expected = {"$END" if e == "<END-OF-FILE>" else e for e in exact}
        if tok.type == "$END":
            opened = _open_blocks(text, len(text))
            end = len(text.rstrip())
            span = Span(max(0, end - 1), end)
            if opened:
                return make(
                    "E0103",
                    M("E0103.unclosed"),
                    source,
                    span,
                    hint=M("E0103.unclosed_hint"),
                    labels=[_block_label(source, opened[-1])],
                )
            return make(
                "E0103", M("E0103.too_early"), source, span, hint=M("syntax.expected", what=_expected_phrase(expected))
            )
        span = _span(tok)
        if expected <= {"$END"}:
            closed = _contract_close(text)
            labels = [Label(Span(closed, closed + 1), M("syntax.closes_contract"))] if closed is not None else []
            if str(tok) == "contract":
                return make("E0102", M("E0102.second_contract"), source, span, hint=M("E0102.second_contract_hint"))
            return make(
                "E0102",
                M("E0102.after_end", token=_describe(tok)),
                source,
                span,
                hint=M("E0102.after_end_hint"),
                labels=labels,
            )
        message = M("E0102.unexpected", token=_describe(tok), expected=_expected_phrase(expected))
        hint = _token_hint(tok, expected, text)
        labels = []
        if tok.type == "RBRACE" and "RBRACE" not in expected:
            opened = _open_blocks(text, tok.start_pos)
            if opened:
                labels.append(_block_label(source, opened[-1]))
        return make("E0102", message, source, span, hint=hint, labels=labels)
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream if exc.pos_in_stream is not None else 0
        ch = text[pos] if pos < len(text) else ""
        allowed = set(exc.allowed or ())
        word_m = re.match(r"[^\s{}|,:\"]+", text[pos : pos + 80])
        word = word_m.group(0) if word_m else ch
        if ch == '"':
            eol = text.find("\n", pos)
            eol = len(text) if eol == -1 else eol
            return make("E0104", M("E0104.unclosed"), source, Span(pos, eol), hint=M("E0104.hint"))
        if ch in _FULLWIDTH:
            return make(
                "E0101",
                M("E0101.fullwidth", char=ch),
                source,
                Span(pos, pos + 1),
                hint=M("E0101.fullwidth_hint", ascii=_FULLWIDTH[ch]),
            )
        if ch.isdigit() and not ch.isascii():  # a digit, but not 0-9
            import unicodedata

            return make(
                "E0101",
                M("E0101.digit", char=ch),
                source,
                Span(pos, pos + 1),
                hint=M("E0101.digit_hint", value=unicodedata.digit(ch, "?")),
            )
        if not ch.isprintable() or ch.isspace():
            return make(
                "E0101",
                M("E0101.invisible", code=f"U+{ord(ch):04X}"),
                source,
                Span(pos, pos + 1),
                hint=M("E0101.invisible_hint"),
            )
        hint = _char_hint(word, allowed)
        what = M("syntax.word", word=word) if word and word[0].isdigit() else M("syntax.character", char=ch)
        if ch.isdigit() or ch.isalpha() or ch == "_":
            message = M("E0101.cannot_read", what=what, expected=_expected_phrase(allowed))
        else:
            message = M("E0101.unexpected", what=what, expected=_expected_phrase(allowed))
        return make(
            "E0101", message, source, Span(pos, pos + max(1, len(word) if word[:1].isdigit() else 1)), hint=hint
        )
    return make("E0102", Verbatim(str(exc).splitlines()[0]), source, Span(0, 1))


def _token_hint(tok: Token, expected: set[str], text: str) -> Msg | None:
    value = str(tok)
    if tok.type == "NUMBER":
        if "DURATION" in expected:
            return M("syntax.hint.add_unit", value=value)
        if "PERCENT" in expected:
            return M("syntax.hint.add_percent", value=value)
    if "DATE" in expected and re.match(
        r"\d{4}[/.]\d{1,2}[/.]\d{1,2}|\d{4}-\d{1,2}-\d{1,2}", text[_start(tok) : _start(tok) + 12]
    ):
        return M("syntax.hint.date")
    if tok.type == "STRING" and text[: tok.start_pos].rstrip().endswith('"'):
        return M("syntax.hint.bar")
    if "DAY" in expected and value[:3].lower() in WEEKDAYS:
        return M("syntax.hint.weekday", day=value[:3].lower())
    if "TIME" in expected and re.match(r"[0-9]:[0-9]{2}", text[_start(tok) : _start(tok) + 4]):
        return M("syntax.hint.time", time=text[_start(tok) : _start(tok) + 4])
    if tok.type == "PERCENT" and "NUMBER" in expected:
        return M("syntax.hint.plain_number", value=value.rstrip("%"))
    if tok.type in ("NAME",) or re.fullmatch(r"[A-Za-z_]+", value):
        guess = did_you_mean(value, _keywords(expected))
        if guess:
            return M("hint.did_you_mean", guess=guess)
    if tok.type == "STRING" and "VBAR" in expected:
        return M("syntax.hint.bar")
    if tok.type == "RBRACE" and "STRING" in expected:
        return M("syntax.hint.needs_text")
    if "NAME" in expected and tok.type != "NAME":
        return M("syntax.hint.name")
    return None


def _char_hint(word: str, allowed: set[str]) -> Msg | None:
    if re.fullmatch(r"\d+(\.\d+)?[A-Za-z]+\w*", word) and ("DURATION" in allowed or not allowed):
        return M("syntax.hint.duration_shape")
    if re.fullmatch(r"\d+\.\d+[a-z]+", word):
        return M("syntax.hint.whole_durations")
    if re.match(r"\d{4}-\d{1,2}-\d{1,2}", word) or re.match(r"\d{4}/", word):
        return M("syntax.hint.date")
    if re.fullmatch(r"\d{1}:\d{2}", word):
        return M("syntax.hint.time", time=word)
    if word.startswith("'"):
        return M("syntax.hint.double_quotes")
    return None
