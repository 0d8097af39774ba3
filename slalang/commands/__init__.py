"""CLI commands beyond `check` and `build`: one module each, registered by
slalang/cli.py (see EXTRA_COMMANDS there). A module defines
`register(subparsers)` and imports its backend inside the command function."""
