"""A warm PDF renderer: WeasyPrint starts in a second process while the
contract is still being compiled.

Importing WeasyPrint (Pango, HarfBuzz and fontconfig through cffi) costs
~0.4 s before the first page is laid out, as much as parsing, checking,
compiling the rules and writing the HTML of a contract together. `start()`,
called by `slalang build` before it compiles anything, forks a worker that
pays that import at once; `render()` then hands it the finished HTML. On two
cores the two costs overlap instead of adding up.

The worker renders with exactly the same code (slalang.letter.pdf.render), so
the bytes do not depend on where a letter was rendered (the reproducibility
test compares both paths). The worker lives for one `slalang build`
(`running()`). Without a worker — not Linux, `-j N`, the library API, or the
worker died — `render()` returns None and the caller renders in its own
process."""

from __future__ import annotations

import contextlib
import sys
from types import SimpleNamespace
from typing import Any

from slalang.errors import BuildError

_worker = None  # (process, connection)


def start() -> None:
    """Fork the renderer now (Linux only: fork before any thread exists)."""
    global _worker
    if _worker is not None or not sys.platform.startswith("linux"):
        return
    import multiprocessing

    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve, args=(theirs, ours), name="slalang-pdf", daemon=True)
    process.start()
    theirs.close()
    _worker = (process, ours)


def stop() -> None:
    """End the worker: it is idle (or still importing, if nothing needed a PDF)."""
    global _worker
    if _worker is None:
        return
    process, conn = _worker
    _worker = None
    try:
        conn.close()  # an idle worker sees EOF and returns
    finally:
        process.join(timeout=0.2)
        if process.is_alive():
            process.terminate()
            process.join(timeout=2)


@contextlib.contextmanager
def running():
    """A warm renderer for the duration of one `slalang build`."""
    start()
    try:
        yield
    finally:
        stop()


def render(page: str, ctx, rules: bytes) -> bytes | None:
    """The PDF from the warm worker, or None when there is no worker."""
    if _worker is None:
        return None
    process, conn = _worker
    # Only what the renderer reads, in plain types: the worker never needs
    # to import the contract model to unpickle it.
    light = SimpleNamespace(
        path=ctx.path,
        source=ctx.source,
        contract=SimpleNamespace(id=ctx.contract.id, effective_start=ctx.contract.effective_start),
    )
    job = (page, light, rules)
    try:
        conn.send(job)
        reply = conn.recv()
    except (EOFError, OSError):  # the worker is gone: render here instead
        stop()
        return None
    if reply[0] == "ok":
        return reply[1]
    if reply[0] == "error":
        raise BuildError(reply[1], reply[2])
    raise RuntimeError(f"the PDF renderer failed: {reply[1]}")


def _serve(conn, parent_end) -> None:
    import signal

    parent_end.close()  # the forked copy of the parent's end: else EOF never comes

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        import weasyprint  # noqa: F401  (the point: pay the import while the parent compiles)
    except Exception:  # reported by render() below, from the same import
        pass
    from slalang.letter import pdf

    while True:
        try:
            page, ctx, rules = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        reply: tuple[Any, ...]
        try:
            reply = ("ok", pdf.render(page, ctx, rules))
        except Exception as exc:
            if isinstance(exc, BuildError):  # a user-facing reason, re-raised in the parent
                reply = ("error", exc.message, exc.hint)
            else:  # surfaces as slalang's internal error in the parent
                reply = ("crash", f"{type(exc).__name__}: {exc}")
        try:
            conn.send(reply)
        except OSError:  # the parent is gone
            return
