"""Every word a user reads, in one catalogue per language.

A catalogue is the folder `templates/messages/<lang>/`: one YAML file per
domain (`diag.yaml` for compiler diagnostics, `lint.yaml`, `diff.yaml`,
`cli.yaml`, `letter.yaml`), each a tree of keys. A message is addressed by
its dotted path, domain first (`diag.E0201.unknown`), and is a Python format
string with named fields (`"unknown {what} `{name}`"`), or a mapping
`{one: …, other: …}` chosen by the field `n` (English plurals; Chinese has
only `other`).

Code never writes user-facing words: it builds `Msg(key, **fields)` values,
which stay data until a renderer asks for them in a language (`render`).
Fields may themselves be `Msg`s (rendered in the same language), lists
(joined with the language's list separator) or plain values. `T(key)` is a
field that is looked up without arguments.

Loading parses the shipped YAML (with libyaml when PyYAML has it) and keeps
no copy anywhere: a JSON copy in the user's cache folder saved nothing
measurable and was one more file outside the project that could change what
slalang says (docs/security.md)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

LANGS = ("zh", "en")
DOMAINS = ("diag", "lint", "diff", "cli", "letter")


class CatalogueError(Exception):
    """A catalogue is missing, malformed, or lacks a key (a packaging bug)."""


class Msg:
    """A message not yet in any language: a catalogue key and its fields."""

    __slots__ = ("key", "fields")

    def __init__(self, key: str, **fields: Any) -> None:
        self.key = key
        self.fields = fields

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Msg) and (self.key, self.fields) == (other.key, other.fields)

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"Msg({self.key!r}, {self.fields!r})"

    def in_(self, lang: str) -> str:
        return render(self, lang)

    def __str__(self) -> str:  # for logs and assertion messages only
        return render(self, "en")


def T(key: str) -> Msg:
    """A word or phrase from the catalogue, used as a field of a message."""
    return Msg(key)


class Verbatim:
    """Text from the contract or the user, shown as is in every language."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Verbatim) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"Verbatim({self.text!r})"

    def __str__(self) -> str:
        return self.text


Text = Msg | Verbatim | str


def render(value: Any, lang: str) -> str:
    """`value` in language `lang`: a `Msg` is looked up and filled in; a list
    is joined; anything else is `str()`-ed."""
    if isinstance(value, Msg):
        template = lookup(lang, value.key)
        fields = {k: render(v, lang) for k, v in value.fields.items()}
        if isinstance(template, Mapping):
            n = value.fields.get("n")
            form = "one" if n == 1 and "one" in template else "other"
            try:
                template = template[form]
            except KeyError:
                raise CatalogueError(f"{lang}: `{value.key}` has no `{form}` form") from None
        if not isinstance(template, str):
            raise CatalogueError(f"{lang}: `{value.key}` is not a message")
        try:
            return template.format_map(fields)
        except (KeyError, IndexError, ValueError) as exc:
            raise CatalogueError(f"{lang}: `{value.key}` needs field {exc}") from None
    if isinstance(value, list | tuple):
        sep = lookup(lang, "cli.list_separator")
        return str(sep).join(render(v, lang) for v in value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def lookup(lang: str, key: str) -> Any:
    node: Any = catalogue(lang)
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise CatalogueError(f"the {lang} catalogue has no message `{key}`")
        node = node[part]
    return node


def has(lang: str, key: str) -> bool:
    try:
        lookup(lang, key)
    except CatalogueError:
        return False
    return True


def leaf_keys(lang: str) -> set[str]:
    """Every message key of a catalogue (plural forms count as one key)."""
    out: set[str] = set()

    def walk(node: Any, path: str) -> None:
        if isinstance(node, Mapping) and not (set(node) and set(node) <= {"one", "other"}):
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else str(k))
        else:
            out.add(path)

    walk(catalogue(lang), "")
    return out


def catalogue_dir(lang: str) -> Path:
    from slalang.resources import resource_dir

    return resource_dir("templates") / "messages" / lang


@cache
def catalogue(lang: str) -> dict[str, Any]:
    """The whole catalogue of one language: {domain: tree}."""
    if lang not in LANGS:
        raise CatalogueError(f"no catalogue for language `{lang}`")
    folder = catalogue_dir(lang)
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise CatalogueError(f"no message catalogue for `{lang}` in {folder}")
    data = {f.stem: _load_yaml(f) for f in files}
    return data


def _load_yaml(path: Path) -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    if not isinstance(data, dict):
        raise CatalogueError(f"{path} is not a message catalogue")
    return data


def default_lang(environ: Mapping[str, str] | None = None) -> str:
    """The user's language from the POSIX locale variables, in their order of
    precedence: `zh_*` → zh, anything else → en."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def names(values: Iterable[str]) -> list[Verbatim]:
    """Contract names as a list field (each shown in backticks by the message)."""
    return [Verbatim(f"`{v}`") for v in values]


# The refusals the catalogue words (`cli.error.reason.<NAME>`, zh and en);
# any other error number is shown as the system says it.
OS_REASONS = frozenset(
    {
        "EACCES",
        "EPERM",
        "ENOENT",
        "ENOSPC",
        "EFBIG",
        "EROFS",
        "EISDIR",
        "ENOTDIR",
        "ENAMETOOLONG",
        "EIO",
        "EDQUOT",
        "ELOOP",
        "EMFILE",
        "EBADF",
    }
)


def os_reason_msg(exc: OSError) -> Msg | Verbatim:
    """Why the system refused, as a catalogue `Msg` (rendered in the user's
    language) or the system's own words."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    return Msg(f"cli.error.reason.{name}") if name in OS_REASONS else Verbatim(str(exc.strerror or exc))
