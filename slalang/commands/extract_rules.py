"""`slalang extract-rules LETTER.pdf [--trust CERT]… [-o FILE]`: the rule file
inside a letter, and exactly what was checked (slalang/letter/extract.py).

Unsigned, the command shows consistency only: the attached rules are the
compilation of the attached canonical source. It never says "verified":
whoever can edit the file can replace source, rules and text together. A
signed letter is checked with pyHanko (intact, covering the whole file); with
`--trust CERT` its certificate must chain to one given, and the command says
who signed. The JSON goes to FILE (written atomically) or to standard output,
only when every check passed; the verdict goes to standard error.

Exit 0 every check passed; 1 a check failed (forged, altered, untrusted,
not signed with --trust, no source attached); 2 usage (not a PDF, too large,
a --trust file that is not a certificate, no such file); 4 the system
refused to read the letter or write FILE."""

from __future__ import annotations

import errno
import sys

from slalang.cliutil import (
    EXIT_ERRORS,
    EXIT_IO,
    EXIT_OK,
    EXIT_USAGE,
    add_lang_argument,
    lang_of,
    os_reason,
    say,
    write_file,
)


def _read_letter(path: str, limit: int) -> bytes:
    """At most `limit` + 1 bytes of the letter (more is refused by the caller)."""
    with open(path, "rb") as fh:
        return fh.read(limit + 1)


def cmd_extract_rules(args) -> int:
    from pathlib import Path

    from slalang.letter.extract import MAX_PDF_BYTES, LetterFileError, extract_rules, load_trust

    lang = lang_of(args)

    def fail(exc: LetterFileError) -> int:
        print(say("cli.error.usage" if exc.usage else "cli.error.plain", lang, detail=exc.message), file=sys.stderr)
        if exc.hint:
            print(say("cli.error.help", lang, hint=exc.hint), file=sys.stderr)
        return EXIT_USAGE if exc.usage else EXIT_ERRORS

    try:
        trust = load_trust(args.trust) if args.trust else None
    except LetterFileError as exc:
        return fail(exc)
    try:
        data = _read_letter(args.letter, MAX_PDF_BYTES)
    except OSError as exc:
        detail = say("cli.extract.error.cannot_read", lang, path=args.letter, reason=os_reason(exc, lang))
        print(say("cli.error.usage", lang, detail=detail), file=sys.stderr)
        missing = isinstance(exc, (FileNotFoundError, IsADirectoryError, NotADirectoryError))
        return EXIT_USAGE if missing else EXIT_IO
    try:
        got = extract_rules(data, args.letter, trust)
    except LetterFileError as exc:
        return fail(exc)
    except RecursionError:  # a PDF nested deeper than the reader copes with: not a letter slalang wrote
        return fail(LetterFileError(_unreadable(args.letter), usage=True))

    if args.output and args.output != "-":
        target = Path(args.output)
        try:
            write_file(target, got.data)
        except OSError as exc:
            print(
                say(
                    "cli.error.plain",
                    lang,
                    detail=say("cli.extract.error.cannot_write", lang, path=target, reason=os_reason(exc, lang)),
                ),
                file=sys.stderr,
            )
            return EXIT_IO
        print(say("cli.build.wrote", lang, path=target))
    else:
        try:
            sys.stdout.buffer.write(got.data)
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise
            print(say("cli.extract.error.cannot_write", lang, path="-", reason=os_reason(exc, lang)), file=sys.stderr)
            return EXIT_IO

    sig = got.signature
    if sig is not None:
        time = sig.signing_time.strftime("%Y-%m-%d %H:%M:%S %Z").strip() if sig.signing_time else None
        fields = dict(
            letter=args.letter,
            subject=sig.subject,
            serial=sig.serial,
            issuer=sig.issuer,
            time=time or say("cli.extract.no_time", lang),
        )
        if sig.trusted:
            print(say("cli.extract.signed_trusted", lang, anchor=sig.anchor or sig.issuer, **fields), file=sys.stderr)
        else:
            print(say("cli.extract.signed_untrusted", lang, **fields), file=sys.stderr)
    print(
        say(
            "cli.extract.consistent",
            lang,
            letter=args.letter,
            name=got.name,
            source=got.source_name,
            sha=got.source_sha256[:12],
            contract=got.contract_id,
            version=got.version,
        ),
        file=sys.stderr,
    )
    if sig is None:
        print(say("cli.extract.unsigned", lang, letter=args.letter), file=sys.stderr)
    return EXIT_OK


def _unreadable(path: str):
    from slalang.i18n import Msg, Verbatim

    return Msg("cli.extract.error.unreadable", path=Verbatim(path), detail=Verbatim("nested too deeply"))


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "extract-rules",
        help="take the compiled rules out of a letter PDF and say what they are shown to be",
        description="Extract the <id>.rules.json embedded in a letter PDF. Checks that it is the compilation "
        "of the contract source embedded beside it; a signed letter's signature must be intact and cover "
        "the whole file, and with --trust its certificate must chain to one given. Without a trusted "
        "signature this shows consistency, not who issued the letter.",
    )
    p.add_argument("letter", metavar="LETTER.pdf")
    p.add_argument("-o", "--output", metavar="FILE", help="write the rule file here (default: standard output)")
    p.add_argument(
        "--trust",
        metavar="CERT",
        action="append",
        default=[],
        help="a trusted certificate (PEM or DER: the issuer's, or its certificate authority's); "
        "the letter must be signed by a certificate that chains to one (repeatable)",
    )
    add_lang_argument(p)
    p.set_defaults(func=cmd_extract_rules)
