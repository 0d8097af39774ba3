"""The front end as one call: bytes on disk → (contract model, diagnostics).

Reads and decodes the file (refusing binary, non-UTF-8, empty and oversized
input with a diagnostic), parses it and lowers it. Any unexpected exception
inside becomes a single E9999 "internal error" diagnostic, so no input can
make the compiler print a traceback."""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from slalang.diagnostics import Diagnostic, make
from slalang.i18n import Msg, Verbatim
from slalang.model import Contract
from slalang.source import SourceFile, Span

if TYPE_CHECKING:
    from slalang.ast import Comment, Node

# A contract is a few tens of KiB; 4 MiB is a hundred times the largest
# example and keeps every command's work on one file to seconds (parsing runs
# at about 1.5 MiB/s). docs/language.md states it.
MAX_BYTES = 4 * 1024 * 1024


@dataclass
class Result:
    path: str
    source: SourceFile | None
    contract: Contract | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    root: Node | None = None  # the AST, for lint and tools
    comments: list[Comment] = field(default_factory=list)  # every `# comment`

    @cached_property
    def canonical_text(self) -> str | None:
        """The canonical text of a contract that compiled (see
        `canonical_source`), laid out from the AST and comments this compile
        already has: computed at most once, and never by parsing again.
        None when the file did not compile."""
        if self.contract is None or self.source is None or self.root is None:
            return None
        from slalang.fmt import layout

        return layout(self.source, self.root, self.comments)

    @property
    def errors(self) -> int:
        return sum(d.is_error for d in self.diagnostics)

    @property
    def internal(self) -> bool:
        return any(d.code == "E9999" for d in self.diagnostics)


def read_source(path: str | os.PathLike | None) -> tuple[bytes, int | None]:
    """A contract's bytes, read bounded: at most MAX_BYTES + 1 of them (more
    is refused by `decode`), from a file or, for None, standard input — so a
    device or a stream (`/dev/zero`, `fmt - < /dev/zero`) cannot fill the
    memory. Returns the bytes and the file's size when it is a regular file
    (None for a stream). Raises OSError."""
    import stat
    import sys

    if path is None:
        return sys.stdin.buffer.read(MAX_BYTES + 1), None
    with open(path, "rb") as fh:
        st = os.fstat(fh.fileno())
        data = fh.read(MAX_BYTES + 1)
    return data, st.st_size if stat.S_ISREG(st.st_mode) else None


def decode(path: str, data: bytes, size: int | None = None) -> tuple[SourceFile | None, list[Diagnostic]]:
    if len(data) > MAX_BYTES:
        return None, [
            make(
                "E0004",
                Msg("diag.E0004.too_large", size=size // 1024, limit=MAX_BYTES // 1024)
                if size is not None and size > MAX_BYTES
                else Msg("diag.E0004.too_large_stream", limit=MAX_BYTES // 1024),
                SourceFile(path, ""),
                None,
                hint=Msg("diag.E0004.hint"),
            )
        ]
    if b"\0" in data:
        return None, [
            make(
                "E0005",
                Msg("diag.E0005.binary"),
                SourceFile(path, ""),
                None,
                hint=Msg("diag.E0005.hint"),
            )
        ]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:

        def shown(b: bytes) -> str:
            return b.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")

        src = SourceFile(path, shown(data))
        offset = len(shown(data[: exc.start]))
        return None, [
            make(
                "E0002",
                Msg("diag.E0002.not_utf8", byte=f"{data[exc.start]:02x}"),
                src,
                Span(offset, offset + 1),
                hint=Msg("diag.E0002.hint"),
            )
        ]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    src = SourceFile(path, text)
    if not text.strip():
        return src, [
            make(
                "E0003",
                Msg("diag.E0003.empty"),
                src,
                None,
                hint=Msg("diag.E0003.hint"),
            )
        ]
    return src, []


def canonical_source(source: SourceFile) -> str:
    """The text whose sha256 identifies a contract in its outputs (rule files,
    letter footer): the canonical formatter's output (slalang/fmt.py), so that
    re-spacing a file changes no hash. A file that does not parse (it never
    reaches a build) gives its decoded text (UTF-8, no BOM, LF line ends).
    This parses `source`; a build uses `Result.canonical_text` instead, which
    reuses the parse of the compile."""
    from slalang.fmt import layout_source

    text = layout_source(source)
    return source.text if text is None else text


def compile_source(source: SourceFile) -> tuple[Contract | None, list[Diagnostic]]:
    """Parse and lower one decoded file."""
    _root, _comments, contract, diags = _front_end(source)
    return contract, diags


def _front_end(source: SourceFile):
    from slalang import lower, syntax

    root, diags, comments = syntax.parse_with_comments(source)
    if root is None or any(d.is_error for d in diags):
        return root, comments, None, diags
    contract, more = lower.lower(source, root)
    return root, comments, contract, diags + more


def compile_text(text: str, path: str = "<string>") -> Result:
    return _guarded(path, lambda: _compile_decoded(path, SourceFile(path, text)))


def compile_file(path: str | os.PathLike) -> Result:
    path = str(path)

    def run() -> Result:
        try:
            data, size = read_source(path)
        except OSError as exc:
            return Result(
                path,
                None,
                None,
                [
                    make(
                        "E0001",
                        Msg("diag.E0001.unreadable", reason=Verbatim(str(exc.strerror or exc))),
                        SourceFile(path, ""),
                        None,
                        hint=Msg("diag.E0001.hint"),
                    )
                ],
            )
        source, diags = decode(path, data, size)
        if diags or source is None:
            return Result(path, source, None, diags)
        return _compile_decoded(path, source)

    return _guarded(path, run)


def _compile_decoded(path: str, source: SourceFile) -> Result:
    root, comments, contract, diags = _front_end(source)
    return Result(path, source, contract, diags, root, comments)


def _guarded(path: str, fn) -> Result:
    try:
        return fn()
    except RecursionError:
        return Result(path, None, None, [_internal(path, Msg("diag.E9999.nested"))])
    except Exception as exc:  # the promise: no traceback reaches the user
        where = traceback.extract_tb(exc.__traceback__)[-1]
        detail = f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})"
        return Result(path, None, None, [_internal(path, detail)])


def _internal(path: str, detail: Msg | str) -> Diagnostic:
    return make(
        "E9999",
        Msg("diag.E9999.internal", detail=detail if isinstance(detail, Msg) else Verbatim(detail)),
        SourceFile(path, ""),
        None,
        hint=Msg("diag.E9999.hint"),
    )
