"""The exceptions that cross layers, in one light module.

A backend (rules, letter) raises `BuildError` with a user-facing reason and
the orchestrator (`slalang.build`) reports it; the formatter raises
`FormatRefused` or `FormatterBug` and `slalang fmt` reports them. Keeping the
classes here means a backend never imports the orchestrator, and the warm PDF
renderer (`slalang.letter.prefork`) can name the class without loading the
contract model. Importing this module loads nothing else."""

from __future__ import annotations

from typing import Any


class BuildError(Exception):
    """A backend could not produce an output (a clear, user-facing reason).
    `message` and `hint` are English text or catalogue messages
    (`slalang.i18n.Msg`), rendered in the user's language by the CLI."""

    def __init__(self, message: Any, hint: Any = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return str(self.message)  # a Msg renders in English


class FormatRefused(Exception):
    """The file does not compile; the formatter only formats valid contracts."""

    def __init__(self, diagnostics: list[Any]):  # list[slalang.diagnostics.Diagnostic]
        super().__init__("the file has errors")
        self.diagnostics = diagnostics


class FormatterBug(Exception):
    """The formatter's output would change the meaning, lose a comment, or
    not be stable: a bug in slalang. The input is left untouched."""
