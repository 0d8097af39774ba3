"""Small JSON files in the user's cache folder (`$XDG_CACHE_HOME/slalang`,
else `~/.cache/slalang`) that spare a cold `slalang check` work whose result
only changes with an installed package: holiday coverage and dates (the
only cache left: message catalogues and currencies are read from their
packages each run). `slalang build` reads none of it
(`holidaysets.read_no_cache`): a cache can speed up what `check` prints,
never change what a build writes. A read-only or missing home only loses
the speed-up.

The folder is outside the project and anyone who can write it could change
what slalang prints, so nothing read from it is trusted as it is. Each file
is an envelope — the format, the slalang version that wrote it, its own name
(the package version or stamp its content depends on is in the name) and the
sha256 of its content — and `load` returns the content only when every part of
the envelope matches and the caller's `check` accepts the content's shape and
values. Anything else (another version, a damaged or edited file, a file too
large, content of the wrong shape) is deleted and read as a miss, so the
caller computes the value again and stores it afresh. The limit of this
(docs/security.md): a process running as the same user that rewrites a file
*and* recomputes its digest with values of the right shape is not detected —
it could as well edit the installed packages. A file owned by another user,
or writable by others (a shared or planted cache folder), is never read."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

FORMAT = 1  # of the envelope
MAX_BYTES = 8 * 1024 * 1024  # a cache file larger than this is not read (the largest slalang writes is ~200 KB)


def path(name: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "slalang" / name


def _version() -> str:
    from slalang import __version__

    return __version__


def digest(data: Any) -> str:
    """The sha256 of `data` as canonical JSON (sorted keys, compact)."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def drop(name: str) -> None:
    """Delete a cache file (a damaged or foreign one); a miss if it cannot be."""
    try:
        path(name).unlink()
    except OSError:
        pass


def private_folder() -> Path | None:
    """The cache folder, made 0700 if missing, when it is the user's own and
    writable by no one else; None otherwise (or when it cannot be made)."""
    folder = path("x").parent
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder if _private(os.stat(folder)) else None
    except OSError:
        return None


def _private(st: os.stat_result) -> bool:
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def load(name: str, check: Callable[[Any], bool] | None = None) -> Any | None:
    """The content stored under `name`, or None (a miss) when there is none,
    or when it does not validate (then the file is deleted): the envelope's
    format, slalang version, name and digest must match, and `check(content)`
    must be true. The file (and its folder) must be the user's own and
    writable by no one else."""
    target = path(name)
    try:
        with open(target, "rb") as fh:
            if not (_private(os.fstat(fh.fileno())) and _private(os.stat(target.parent))):
                return None  # another user's file, or one others may write: not ours to trust
            raw = fh.read(MAX_BYTES + 1)
    except OSError:
        return None
    try:
        if len(raw) > MAX_BYTES:
            raise ValueError("too large")
        doc = json.loads(raw.decode("utf-8"))
        if not (
            isinstance(doc, dict)
            and set(doc) == {"format", "slalang", "name", "sha256", "data"}
            and doc["format"] == FORMAT
            and doc["slalang"] == _version()
            and doc["name"] == name
            and doc["sha256"] == digest(doc["data"])
        ):
            raise ValueError("not this slalang's cache file")
        data = doc["data"]
        if check is not None and not check(data):
            raise ValueError("content of the wrong shape")
    except (ValueError, TypeError, RecursionError, KeyError, AttributeError, IndexError):
        drop(name)
        return None
    return data


def store(name: str, data: Any) -> None:
    import tempfile

    target = path(name)
    envelope = {"format": FORMAT, "slalang": _version(), "name": name, "sha256": digest(data), "data": data}
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=target.parent, delete=False, suffix=".tmp", encoding="utf-8") as fh:
            try:
                json.dump(envelope, fh, ensure_ascii=False)
            except BaseException:
                fh.close()
                os.unlink(fh.name)
                raise
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
