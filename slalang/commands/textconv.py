"""`slalang textconv FILE`: the text git should diff instead of the file.

Prints the contract in the canonical layout without alignment padding (one
space between cells, comments kept), so `git diff` and `git log -p` show
only what changed: re-spacing vanishes, and a longer cell does not re-align
its whole table. Set it up once per clone (docs/review.md):

    echo '*.sla diff=sla' >> .gitattributes
    git config diff.sla.textconv "slalang textconv"

git calls it on temporary copies of old versions too, some of which may not
parse: those are printed unchanged, and the command still succeeds (a failing
textconv would break `git diff` for the whole repository). `--lang zh|en`
(default from the locale) is the language of the one message it can print,
that the file cannot be read. Exit codes: 0 printed, 2 no such file, 4 the
system refused to read it (permission denied).

What it prints is shown to a reviewer by `git diff`: control, bidirectional
and other invisible characters are written as escapes (`\x1b`, `\u202e`),
tabs and line breaks kept. A file over the contract size limit (or a
stream) is printed as it is read, in pieces, never held whole."""

from __future__ import annotations

import sys


def register(sub) -> None:
    from slalang.cliutil import add_lang_argument

    p = sub.add_parser(
        "textconv",
        help="print a contract normalised for git diff",
        description="Print FILE in the canonical layout without alignment, for git's diff.<driver>.textconv. "
        "A file that does not parse is printed as it is.",
    )
    p.add_argument("file", metavar="FILE")
    add_lang_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from slalang.cliutil import EXIT_OK, UsageError, lang_of, os_reason, say
    from slalang.compiler import MAX_BYTES, decode, read_source
    from slalang.textsafe import term

    def show(text: str) -> None:
        sys.stdout.write(term(text, keep_newlines=True, keep_tabs=True))

    try:
        data, size = read_source(args.file)
        if len(data) > MAX_BYTES:  # too large to be a contract: printed as it is, piece by piece
            _stream(args.file, show)
            return EXIT_OK
    except BrokenPipeError:  # git (or `| head`) stopped reading: main() ends quietly
        raise
    except OSError as exc:  # a UsageError raised here: 2 if missing, 4 if refused (slalang/cli.py)
        lang = lang_of(args)
        raise UsageError(say("diff.command.cannot_read", lang, path=args.file, reason=os_reason(exc, lang))) from None

    source, diags = decode(args.file, data, size)
    if source is None or diags:
        show(data.decode("utf-8", errors="replace"))
        return EXIT_OK
    try:
        from slalang.fmt import layout_source

        text = layout_source(source, align=False)
    except Exception:  # git must always get the text; the raw file will do
        text = None
    show(source.text if text is None else text)
    return EXIT_OK


def _stream(path: str, show) -> None:
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            show(decoder.decode(chunk))
    show(decoder.decode(b"", final=True))
