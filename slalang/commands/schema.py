"""`slalang schema`: print the JSON Schema of compiled rule files.

The schema is generated from slalang.ruleschema; the committed copy in
`schema/rules-v4.json` is the same text (a test keeps them equal)."""

from __future__ import annotations


def cmd_schema(args) -> int:
    import sys

    from slalang.ruleschema import json_schema_text

    sys.stdout.write(json_schema_text())
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of rule files",
        description="Print the JSON Schema (draft 2020-12) that every compiled "
        "<id>.rules.json file validates against (schema slalang.rules/v4).",
    )
    p.set_defaults(func=cmd_schema)
