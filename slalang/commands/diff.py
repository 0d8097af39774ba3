"""`slalang diff`: what changed between two versions of a contract, in the
contract's own terms, and which way each change moves the balance.

  slalang diff OLD.sla NEW.sla
  slalang diff --rev A..B FILE      both versions from git (`A..` or `A`: B is the working tree)
  --lang zh|en                      words of the report (default: from the locale, zh_* → zh)
  --format text|json|markdown       markdown is ready for a pull-request comment
  --fail-on provider-looser         exit 1 if any change weakens the customer's position
                                    (also: unclear, any; comma-separated)

Exit codes: 0 done (whatever changed, unless --fail-on triggers), 1 a contract
has errors or --fail-on triggered, 2 usage (bad revision, file not in git),
3 internal error. The semantics live in slalang/semdiff/."""

from __future__ import annotations

import sys

FAIL_ON = {"provider-looser": "looser", "unclear": "unclear", "any": None}


def register(sub) -> None:
    from slalang.cliutil import add_lang_argument

    p = sub.add_parser(
        "diff",
        help="semantic diff of two contract versions",
        description="Compare two versions of a contract and list every change in the contract's terms, grouped "
        "by section, each marked stricter on the provider, looser for the provider, neutral "
        "(wording, names, order) or unclear.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="OLD NEW, or one FILE with --rev")
    p.add_argument(
        "--rev", metavar="A..B", help="read both versions of FILE from git: A..B, A.. or A (B: working tree)"
    )
    add_lang_argument(p)
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text", help="output format")
    p.add_argument(
        "--fail-on", metavar="WHAT", help="exit 1 when a change is: provider-looser, unclear or any (comma-separated)"
    )
    p.set_defaults(func=run)


def _say(key: str, lang: str, **fields) -> str:
    """A message of the diff command; a path, revision or git's own words in
    it are escaped for the terminal (`textsafe.term`): a file may be named
    with an escape sequence."""
    from slalang.cliutil import say
    from slalang.textsafe import term

    return say(f"diff.command.{key}", lang, **{k: term(v) if isinstance(v, str) else v for k, v in fields.items()})


def run(args) -> int:
    from slalang.cliutil import EXIT_ERRORS, EXIT_INTERNAL, EXIT_OK, UsageError, lang_of, print_diagnostics

    lang = lang_of(args)
    fail_on = _parse_fail_on(args.fail_on, lang)
    if args.rev:
        if len(args.files) != 1:
            raise UsageError(_say("rev_one_file", lang))
        (old_label, old_text), (new_label, new_text) = _from_git(args.rev, args.files[0], lang)
    else:
        if len(args.files) != 2:
            raise UsageError(_say("two_files", lang))
        (old_label, old_text), (new_label, new_text) = (_read(f, lang) for f in args.files)

    from slalang.compiler import compile_text

    results = [compile_text(old_text, old_label), compile_text(new_text, new_label)]
    bad = [r for r in results if r.contract is None]
    if bad:
        if args.format == "json":  # machines get the diagnostics as `check --format json` gives them
            print_diagnostics(bad, "json", sys.stdout, lang)
        else:
            print_diagnostics(bad, "text", sys.stderr, lang)
        for r in bad:
            print(_say("cannot_compare", lang, path=r.path), file=sys.stderr)
        return EXIT_INTERNAL if any(r.internal for r in bad) else EXIT_ERRORS

    from slalang import semdiff

    old, new = results[0].contract, results[1].contract
    assert old is not None and new is not None
    d = semdiff.diff(old, new)
    if d.changes and old.id == new.id and old.version == new.version:
        # A reviewer signs versions: the same number on different content is a mistake.
        print(_say("same_version", lang, version=new.version, n=len(d.changes)), file=sys.stderr)
    if args.format == "json":
        sys.stdout.write(semdiff.to_json(d, old_label, new_label, lang))
    elif args.format == "markdown":
        sys.stdout.write(semdiff.render_markdown(d, lang))
    else:
        sys.stdout.write(semdiff.render_text(d, lang))
    triggered = [c for c in d.changes if any(kind is None or c.direction == kind for kind in fail_on)]
    if triggered:
        names = ", ".join(sorted({w for w, k in FAIL_ON.items() if k in fail_on}))
        print(_say("fail_on_matched", lang, n=len(triggered), names=names), file=sys.stderr)
        return EXIT_ERRORS
    return EXIT_OK


def _parse_fail_on(value: str | None, lang: str) -> list:
    from slalang.cliutil import UsageError

    if not value:
        return []
    out = []
    for word in (w.strip() for w in value.split(",")):
        if word not in FAIL_ON:
            raise UsageError(_say("fail_on_usage", lang, word=repr(word)))
        out.append(FAIL_ON[word])
    return out


def _read(path: str, lang: str) -> tuple[str, str]:

    from slalang.cliutil import UsageError
    from slalang.compiler import read_source

    try:
        data, _ = read_source(path)  # bounded: more than the limit is refused as the compiler would
    except FileNotFoundError:
        raise UsageError(_say("no_such_file", lang, path=path)) from None
    except OSError as exc:
        raise UsageError(_say("cannot_read", lang, path=path, reason=exc.strerror or exc)) from None
    return path, _decoded(path, data, lang)


def _decoded(label: str, data: bytes, lang: str) -> str:
    from slalang.compiler import decode

    source, diags = decode(label, data)
    if source is None:
        from slalang.cliutil import UsageError

        if diags:
            from slalang.textsafe import term

            raise UsageError(term(f"{label}: {diags[0].message_in(lang)}"))
        raise UsageError(_say("cannot_read_plain", lang, path=label))
    return source.text


def _from_git(rev: str, path: str, lang: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """Both versions of `path`: `A..B` from git, `A..`/`A` against the working tree."""
    from pathlib import Path

    from slalang.cliutil import UsageError

    if "..." in rev:
        raise UsageError(_say("three_dots", lang))
    a, sep, b = rev.partition("..")
    a, b = a.strip() or "HEAD", b.strip()
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(_say("no_such_folder", lang, path=path, folder=folder))
    old = (f"{a}:{path}", _decoded(f"{a}:{path}", _git_show(folder, a, p.name, lang), lang))
    if b:
        new = (f"{b}:{path}", _decoded(f"{b}:{path}", _git_show(folder, b, p.name, lang), lang))
    else:
        new = _read(path, lang)
    return old, new


def _git_show(folder, rev: str, name: str, lang: str) -> bytes:
    import subprocess

    from slalang.cliutil import UsageError

    if rev.startswith("-"):
        raise UsageError(_say("not_a_revision", lang, rev=repr(rev)))
    try:
        proc = subprocess.run(["git", "-C", str(folder), "show", f"{rev}:./{name}"], capture_output=True)
    except FileNotFoundError:
        raise UsageError(_say("no_git", lang)) from None
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = msg[-1] if msg else "git failed"
        if "not a git repository" in detail:
            raise UsageError(_say("not_a_repository", lang, folder=folder))
        raise UsageError(_say("cannot_read_at", lang, name=name, rev=rev, detail=detail.removeprefix("fatal: ")))
    return proc.stdout
