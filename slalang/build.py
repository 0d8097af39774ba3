"""`slalang build`: compile contracts and write their outputs atomically.

For each contract the enabled producers (rules, html, pdf, docx) each return
`{filename: bytes}`; nothing is written until every producer of that contract
has succeeded, and each file is written to a temporary name in the output
folder and renamed into place, so a failed build leaves no half-written file
and never clobbers a good one. `--check` writes nothing and reports which
committed outputs differ from a fresh build.

Producers live with their backends and are imported only when enabled:
  rules → slalang.rules.produce(ctx)   html/pdf → slalang.letter.produce(ctx)
  docx → slalang.letter.docx.produce(ctx) (built only when asked for: not in DEFAULT_FORMATS)
"""

from __future__ import annotations

import importlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slalang.errors import BuildError

if TYPE_CHECKING:
    from slalang.diagnostics import Diagnostic
    from slalang.model import Contract
    from slalang.source import SourceFile

__all__ = [
    "DEFAULT_FORMATS",
    "FORMATS",
    "PRODUCERS",
    "BuildContext",
    "BuildError",
    "BuildOutcome",
    "Signer",
    "build_one",
]

FORMATS = ("rules", "html", "pdf", "docx")
# What `slalang build` writes without `--only`: the Word letter is asked for by name.
DEFAULT_FORMATS = ("rules", "html", "pdf")
# format → (module, function); one producer may serve several formats.
PRODUCERS = {
    "rules": ("slalang.rules", "produce"),
    "html": ("slalang.letter", "produce"),
    "pdf": ("slalang.letter", "produce"),
    "docx": ("slalang.letter.docx", "produce"),
}


@dataclass(frozen=True)
class Signer:
    """What `build --sign` signs letters with: paths as the user gave them,
    read by the PDF producer (a key may need its passphrase from the
    environment variable named by `passphrase_env`)."""

    key: str
    cert: str
    chain: tuple[str, ...] = ()
    passphrase_env: str | None = None


@dataclass
class BuildContext:
    path: str
    source: SourceFile
    contract: Contract
    formats: frozenset[str]
    layout: str = "interleaved"
    outputs: dict[str, bytes] = field(default_factory=dict)  # filled in producer order
    # The canonical text of the source (slalang/fmt.py), whose sha256 the rule
    # file and the letter footer record: computed once per compile from the
    # front end's AST and comments (`compiler.Result.canonical_text`).
    canonical_text: str | None = None
    # `build --sign KEY --cert CERT`: the PDF letter is signed (PAdES) with this
    # key and certificate (slalang/letter/sign.py); None leaves it unsigned.
    signer: Signer | None = None

    def canonical(self) -> str:
        """The canonical source text; a context made without one (library
        callers, tests) gets it from the source, at the cost of a parse."""
        if self.canonical_text is None:
            from slalang.compiler import canonical_source

            self.canonical_text = canonical_source(self.source)
        return self.canonical_text


@dataclass
class BuildOutcome:
    path: str
    diagnostics: list[Diagnostic]
    files: dict[str, bytes] = field(default_factory=dict)
    error: Any = None  # a BuildError's message: str or slalang.i18n.Msg
    hint: Any = None
    internal: bool = False


def build_one(
    path: str, formats: frozenset[str], layout: str = "interleaved", signer: Signer | None = None
) -> BuildOutcome:
    """Compile one contract and run its producers; writes nothing."""
    from slalang.compiler import compile_file

    result = compile_file(path)
    outcome = BuildOutcome(path, result.diagnostics)
    if result.contract is None or result.source is None:
        outcome.internal = result.internal
        return outcome
    ctx = BuildContext(
        path, result.source, result.contract, formats, layout, canonical_text=result.canonical_text, signer=signer
    )
    done: set[tuple[str, str]] = set()
    try:
        for fmt in FORMATS:  # rules first: the PDF embeds them
            if fmt not in formats:
                continue
            target = PRODUCERS[fmt]
            if target in done:
                continue
            done.add(target)
            try:
                module = importlib.import_module(target[0])
            except ModuleNotFoundError as exc:
                if exc.name != target[0]:
                    raise
                from slalang.i18n import Msg

                raise BuildError(Msg("cli.error.no_format", format=fmt), Msg("cli.error.no_format_hint"))
            ctx.outputs.update(getattr(module, target[1])(ctx))
    except BuildError as exc:
        outcome.error, outcome.hint = exc.message, exc.hint
        return outcome
    except Exception as exc:  # a bug in a backend: name the contract, never a traceback
        import traceback

        from slalang.compiler import _internal

        where = traceback.extract_tb(exc.__traceback__)[-1]
        outcome.diagnostics.append(
            _internal(
                path, f"{type(exc).__name__}: {exc} while building (at {Path(where.filename).name}:{where.lineno})"
            )
        )
        outcome.internal = True
        return outcome
    outcome.files = dict(ctx.outputs)
    return outcome


def write_atomically(out_dir: Path, files: dict[str, bytes]) -> list[Path]:
    """Write every file to a temporary name first, then rename them all."""
    out_dir.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, data in sorted(files.items()):
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out_dir)
            staged.append((tmp, out_dir / name))  # before writing: a failed write still removes it
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, _file_mode())  # mkstemp creates 0600; outputs are ordinary files
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, final in staged:
        os.replace(tmp, final)
    return [final for _, final in staged]


def _file_mode() -> int:
    """The mode a plain `open()` would give a new file (0o666 less the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def stale_files(out_dir: Path, files: dict[str, bytes]) -> list[str]:
    """Names of outputs that are missing or differ from `files`."""
    stale = []
    for name, data in sorted(files.items()):
        p = out_dir / name
        try:
            if p.read_bytes() != data:
                stale.append(name)
        except OSError:
            stale.append(name)
    return stale
