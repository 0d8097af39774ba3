"""Small JSON files in the user's cache folder (`$XDG_CACHE_HOME/slalang`,
else `~/.cache/slalang`) that spare a cold `slalang check` work whose result
only changes with an installed package: the parsed message catalogues, the
currencies that are legal tender (Babel's data), holiday coverage and dates.
Names carry the version or stamp they depend on, so a stale file is never
read. A read-only or missing home only loses the speed-up."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def path(name: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "slalang" / name


def load(name: str) -> Any | None:
    try:
        return json.loads(path(name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def store(name: str, data: Any) -> None:
    import tempfile

    target = path(name)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=target.parent, delete=False, suffix=".tmp", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)
        os.replace(fh.name, target)
    except OSError:
        pass


def package_version(module: str) -> str | None:
    """The installed version of the distribution that provides `module`,
    read from its `*.dist-info` folder name beside it: neither the module
    nor `importlib.metadata` (slow to import) is loaded."""
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin:
        return None
    site = Path(spec.origin).parent.parent
    prefix = module.lower().replace("_", "-") + "-"
    try:
        found = [
            e.name for e in os.scandir(site) if e.name.lower().startswith(prefix) and e.name.endswith(".dist-info")
        ]
    except OSError:
        found = []
    if len(found) == 1:
        return found[0][len(prefix) : -len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(module)
    except PackageNotFoundError:
        return None
