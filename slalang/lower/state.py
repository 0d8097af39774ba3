"""The state one lowering run shares between its passes, and the helpers
every pass uses to report: `err` (a diagnostic with catalogue messages),
`unknown` (with did-you-mean), `duplicate`, `singles` (a statement given
twice), and `new` (a model object, validated only in strict mode)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel

from slalang import ast, model
from slalang.diagnostics import Diagnostic, Label, did_you_mean, make
from slalang.i18n import Msg, T, Verbatim
from slalang.i18n import names as i18n_names
from slalang.source import SourceFile, Span
from slalang.terms import LANGUAGES

# Lowering has already checked every value it puts into the model, so by
# default models are assembled without pydantic re-validating them: building
# pydantic's validators costs more than a whole `slalang check`. With
# SLALANG_STRICT_MODEL=1 (set by the test suite) every model is validated as
# it is built, so a lowering bug that produces ill-typed data fails loudly.
_STRICT = os.environ.get("SLALANG_STRICT_MODEL") == "1"
_DEFAULTS: dict[type, tuple[dict, dict]] = {}
_M = TypeVar("_M", bound=BaseModel)


def new(cls: type[_M], **fields: Any) -> _M:
    """`cls(**fields)`, without re-validation unless strict (see above).

    Equivalent to pydantic's `model_construct`, which is several times
    slower: it resolves every default on every call."""
    if _STRICT:
        return cls(**fields)
    plan = _DEFAULTS.get(cls)
    if plan is None:
        plain, factories = {}, {}
        for name, info in cls.model_fields.items():
            if info.default_factory is not None:
                factories[name] = info
            elif not info.is_required():
                plain[name] = info.default
        plan = _DEFAULTS[cls] = (plain, factories)
    plain, factories = plan
    values = dict(plain)
    for name, factory in factories.items():
        if name not in fields:
            values[name] = factory.get_default(call_default_factory=True, validated_data={})
    values.update(fields)
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(fields))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


class Abort(Exception):
    """Raised inside a statement's lowering when it cannot go further (the
    problem is already reported)."""


def M(key: str, **fields: Any) -> Msg:
    """A compiler message: `diag.<key>` in the catalogues."""
    return Msg(f"diag.{key}", **fields)


def names(values: Iterable[str], limit: int | None = None) -> list[Verbatim]:
    """Names as a list field (`i18n.names`), at most `limit` of them and then `…`."""
    items = list(values)
    shown = i18n_names(items if limit is None else items[:limit])
    if limit is not None and len(items) > limit:
        shown.append(Verbatim("…"))
    return shown


class Lowering:
    """Everything the passes of one run share: the source, the diagnostics,
    the declared names (with their spans, for did-you-mean and labels) and
    the contract fields lowered so far (`out`)."""

    def __init__(self, source: SourceFile, root: ast.Node) -> None:
        self.src = source
        self.root = root
        self.diags: list[Diagnostic] = []
        self.langs: tuple[str, ...] = LANGUAGES
        self.prevailing: str | None = LANGUAGES[0]
        self.out: dict[str, Any] = {}  # Contract fields, by name
        self.top: dict[str, ast.Node] = {}  # the one node of each singleton statement
        self.refs: list[ast.Ref] = []
        self.ref_texts: list[ast.Text] = []  # clause texts, for the same-values check
        self.calendars: dict[str, model.Calendar] = {}
        self.calendar_spans: dict[str, Span] = {}
        self.priorities: dict[str, model.Priority] = {}
        self.priority_spans: dict[str, Span] = {}
        self.products: dict[str, model.Product | None] = {}
        self.regions: dict[str, model.Region | None] = {}
        self.region_spans: dict[str, Span] = {}
        self.plans: dict[str, model.Plan | None] = {}
        self.flags: dict[str, model.Flag | None] = {}
        self.failed: set[str] = set()  # reference prefixes whose section did not lower
        self.empty_cells: set[str] = set()  # `metric.priority.column` paths of `-` cells
        self.matrix_nodes: dict[str, ast.Node] = {}
        self.duty_names: dict[str, Span] = {}  # duty names (and `audit`), for the service targets' namespace
        self.run_checks = True  # cross-statement warnings (slalang/lower/checks.py)

    # ------------------------------------------------------------ reporting
    def err(
        self,
        code_: str,
        message: Msg,
        span: Span | None,
        hint: Msg | None = None,
        labels: Iterable[Label] = (),
    ) -> None:
        self.diags.append(make(code_, message, self.src, span, hint=hint, labels=labels))

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diags)

    def span(self, span: Span) -> model.SourceSpan:
        line, col = self.src.line_col(span.start)
        end_line, end_col = self.src.line_col(span.end)
        return new(
            model.SourceSpan,
            start=span.start,
            end=span.end,
            line=line,
            column=col,
            end_line=end_line,
            end_column=end_col,
        )

    def head(self, node: ast.Node) -> Span:
        return node.head(self.src.text)

    def unknown(self, what: str, name: ast.Name, known: Iterable[str], fallback: Msg | None = None) -> None:
        """E0201 for a name of kind `what` (a `diag.what.*` word), with the
        closest declared name, the declared names, or `fallback` as hint."""
        known = list(known)
        guess = did_you_mean(name.value, known)
        if guess:
            hint = M("hint.did_you_mean", guess=guess)
        elif known:
            hint = M("hint.declared", whats=T(f"diag.whats.{what}"), names=names(known, 8))
        else:
            hint = fallback or M("hint.declare_first", what=T(f"diag.what.{what}"))
        self.err("E0201", M("E0201.unknown", what=T(f"diag.what.{what}"), name=name.value), name.span, hint)

    def duplicate(self, what: str, name: str, span: Span, first: Span) -> None:
        self.err(
            "E0202",
            M("E0202.twice", what=T(f"diag.what.{what}"), name=name),
            span,
            M("E0202.hint"),
            [Label(first, M("label.first_declared"))],
        )

    def singles(self, node: ast.Node, kinds: Iterable[str], where: Msg) -> dict[str, ast.Node]:
        """First child of each kind; a repeated statement is reported."""
        seen: dict[str, ast.Node] = {}
        wanted = set(kinds)
        for child in node.nodes():
            if child.kind not in wanted:
                continue
            if child.kind in seen:
                head = self.head(child)
                word = self.src.text[head.start : head.end]
                self.err(
                    "E0203",
                    M("E0203.twice", word=word, where=where),
                    head,
                    M("E0203.keep_one"),
                    [Label(self.head(seen[child.kind]), M("label.first_given"))],
                )
            else:
                seen[child.kind] = child
        return seen

    def guarded(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except Abort:
            return None
