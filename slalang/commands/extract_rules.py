"""`slalang extract-rules LETTER.pdf [-o FILE]`: the rule file inside a letter.

Every letter PDF carries the compiled `<id>.rules.json` it was built with.
This command takes it out and verifies it (slalang/letter/extract.py): the
PDF's checksum of the attachment, the rule file's own checksum and schema,
and that letter and rules come from the same contract source. The JSON goes
to FILE (written atomically) or to standard output; the verdict goes to
standard error. Exit 0 verified, 1 a check failed, 2 not a readable PDF."""

from __future__ import annotations

import sys

from slalang.cliutil import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, add_lang_argument, lang_of, say


def cmd_extract_rules(args) -> int:
    import os
    import tempfile
    from pathlib import Path

    from slalang.letter.extract import LetterFileError, extract_rules

    lang = lang_of(args)
    try:
        data = Path(args.letter).read_bytes()
    except OSError as exc:
        print(say("cli.error.usage", lang, detail=f"{args.letter}: {exc.strerror or exc}"), file=sys.stderr)
        return EXIT_USAGE
    try:
        got = extract_rules(data, args.letter)
    except LetterFileError as exc:
        print(say("cli.error.usage" if exc.usage else "cli.error.plain", lang, detail=exc.message), file=sys.stderr)
        if exc.hint:
            print(say("cli.error.help", lang, hint=exc.hint), file=sys.stderr)
        return EXIT_USAGE if exc.usage else EXIT_ERRORS
    if args.output and args.output != "-":
        target = Path(args.output)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(got.data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        print(say("cli.build.wrote", lang, path=target))
    else:
        sys.stdout.buffer.write(got.data)
        sys.stdout.flush()
    print(
        say(
            "cli.extract.verified",
            lang,
            letter=args.letter,
            name=got.name,
            contract=got.contract_id,
            version=got.version,
            checksum=f"{got.checksum[:19]}…",
            source=f"sha256:{got.source_sha256[:12]}",
        ),
        file=sys.stderr,
    )
    return EXIT_OK


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "extract-rules",
        help="take the compiled rules out of a letter PDF and verify them",
        description="Extract the <id>.rules.json embedded in a letter PDF and verify its checksums "
        "and that it was compiled from the same contract source as the letter.",
    )
    p.add_argument("letter", metavar="LETTER.pdf")
    p.add_argument("-o", "--output", metavar="FILE", help="write the rule file here (default: standard output)")
    add_lang_argument(p)
    p.set_defaults(func=cmd_extract_rules)
