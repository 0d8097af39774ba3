"""`slalang diff`: what changed between two versions of a contract, in the
contract's own terms, and which way each change moves the balance.

  slalang diff OLD.sla NEW.sla
  slalang diff --rev A..B FILE      both versions from git (`A..` or `A`: B is the working tree)
  --lang zh|en                      words of the report (default en)
  --format text|json|markdown       markdown is ready for a pull-request comment
  --fail-on provider-looser         exit 1 if any change weakens the customer's position
                                    (also: unclear, any; comma-separated)

Exit codes: 0 done (whatever changed, unless --fail-on triggers), 1 a contract
has errors or --fail-on triggered, 2 usage (bad revision, file not in git),
3 internal error. The semantics live in slalang/semdiff.py."""

from __future__ import annotations

import sys

FAIL_ON = {"provider-looser": "looser", "unclear": "unclear", "any": None}


def register(sub) -> None:
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
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the report (default en)")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text", help="output format")
    p.add_argument(
        "--fail-on", metavar="WHAT", help="exit 1 when a change is: provider-looser, unclear or any (comma-separated)"
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from slalang.cli import EXIT_ERRORS, EXIT_INTERNAL, EXIT_OK, UsageError

    fail_on = _parse_fail_on(args.fail_on)
    if args.rev:
        if len(args.files) != 1:
            raise UsageError("with --rev give one FILE: `slalang diff --rev A..B FILE`")
        (old_label, old_text), (new_label, new_text) = _from_git(args.rev, args.files[0])
    else:
        if len(args.files) != 2:
            raise UsageError("give two files, `slalang diff OLD NEW`, or one file with --rev A..B")
        (old_label, old_text), (new_label, new_text) = (_read(f) for f in args.files)

    from slalang.compiler import compile_text

    results = [compile_text(old_text, old_label), compile_text(new_text, new_label)]
    bad = [r for r in results if r.contract is None]
    if bad:
        from slalang.cli import _print_diagnostics

        _print_diagnostics(bad, "text", sys.stderr)
        for r in bad:
            print(f"{r.path}: cannot compare: fix the errors above first", file=sys.stderr)
        return EXIT_INTERNAL if any(r.internal for r in bad) else EXIT_ERRORS

    from slalang import semdiff

    d = semdiff.diff(results[0].contract, results[1].contract)
    if args.format == "json":
        sys.stdout.write(semdiff.to_json(d, old_label, new_label))
    elif args.format == "markdown":
        sys.stdout.write(semdiff.render_markdown(d, args.lang))
    else:
        sys.stdout.write(semdiff.render_text(d, args.lang))
    triggered = [c for c in d.changes if any(kind is None or c.direction == kind for kind in fail_on)]
    if triggered:
        names = ", ".join(sorted({w for w, k in FAIL_ON.items() if k in fail_on}))
        print(
            f"slalang diff: {len(triggered)} change{'s' if len(triggered) != 1 else ''} matched --fail-on {names}",
            file=sys.stderr,
        )
        return EXIT_ERRORS
    return EXIT_OK


def _parse_fail_on(value: str | None) -> list:
    from slalang.cli import UsageError

    if not value:
        return []
    out = []
    for word in (w.strip() for w in value.split(",")):
        if word not in FAIL_ON:
            raise UsageError(f"--fail-on takes provider-looser, unclear or any (comma-separated); got {word!r}")
        out.append(FAIL_ON[word])
    return out


def _read(path: str) -> tuple[str, str]:
    from pathlib import Path

    from slalang.cli import UsageError

    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}")
    return path, _decoded(path, data)


def _decoded(label: str, data: bytes) -> str:
    from slalang.compiler import decode

    source, diags = decode(label, data)
    if source is None:
        from slalang.cli import UsageError

        raise UsageError(f"{label}: {diags[0].message}" if diags else f"{label}: cannot read")
    return source.text


def _from_git(rev: str, path: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """Both versions of `path`: `A..B` from git, `A..`/`A` against the working tree."""
    from pathlib import Path

    from slalang.cli import UsageError

    if "..." in rev:
        raise UsageError("--rev takes A..B (two dots); A...B is not supported")
    a, sep, b = rev.partition("..")
    a, b = a.strip() or "HEAD", b.strip()
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"{path}: no such folder {folder}")
    old = (f"{a}:{path}", _decoded(f"{a}:{path}", _git_show(folder, a, p.name)))
    if b:
        new = (f"{b}:{path}", _decoded(f"{b}:{path}", _git_show(folder, b, p.name)))
    else:
        new = _read(path)
    return old, new


def _git_show(folder, rev: str, name: str) -> bytes:
    import subprocess

    from slalang.cli import UsageError

    if rev.startswith("-"):
        raise UsageError(f"--rev: {rev!r} is not a revision")
    try:
        proc = subprocess.run(["git", "-C", str(folder), "show", f"{rev}:./{name}"], capture_output=True)
    except FileNotFoundError:
        raise UsageError("--rev needs git, which is not installed")
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = msg[-1] if msg else "git failed"
        if "not a git repository" in detail:
            raise UsageError(f"{folder}: not inside a git repository (--rev reads versions from git)")
        raise UsageError(f"cannot read {name} at {rev}: {detail.removeprefix('fatal: ')}")
    return proc.stdout
