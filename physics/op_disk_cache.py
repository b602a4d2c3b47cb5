"""On-disk cache of Monte Carlo operating points, shared by processes and machines.

An operating point (``grcim.physics.operating_point``) costs a Monte Carlo run of about a
second; a design-space sweep asks for the same ensembles in every worker process. This
cache stores each one in a small JSON file so that it is computed once per cache directory,
not once per process.

- **Key**: the ensemble settings (every argument of the Monte Carlo, seed and sample count
  included) plus a *code fingerprint*: a hash of the source of the modules the Monte Carlo
  runs (operating point, SQNR, formats, distributions, pipelines) and of the numpy version
  (its random streams define the samples). Editing the physics therefore starts a fresh set
  of entries instead of serving stale numbers.
- **Concurrent writers**: an entry is written to a temporary file in the same directory and
  renamed into place (``os.replace`` is atomic on POSIX and Windows), so a reader sees a
  whole file or none; two writers of the same key write identical content and the last
  rename wins. An unreadable or malformed entry is ignored and recomputed.
- **Off by default**: only a process that sets a directory (:func:`set_cache_dir`, or the
  environment variable ``GRCIM_OP_CACHE_DIR``) uses it; ``grcim sweep`` does, for itself
  and its workers.

:mod:`grcim.physics.mc_disk_cache` keeps the slicing and integer Monte Carlo results in the
same directory, with the same entries (:func:`entry_path`, :func:`read_entry`,
:func:`write_entry`) under its own code fingerprint.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["ENV_VAR", "set_cache_dir", "cache_dir", "load_or_compute", "code_fingerprint",
           "default_cache_dir", "entry_path", "read_entry", "write_entry", "SOURCES"]

ENV_VAR = "GRCIM_OP_CACHE_DIR"
"""Environment variable naming the cache directory (unset or empty: no disk cache)."""
#: Modules (relative to grcim.physics) whose source decides an operating point's numbers.
SOURCES = ("operating_point.py", "settings.py", "sqnr.py", "formats.py", "distributions.py",
            "pipelines/__init__.py", "pipelines/conventional.py", "pipelines/grmac.py",
            "pipelines/stages.py")
_UNSET = object()
_directory: Any = _UNSET


def default_cache_dir() -> Path:
    """``$GRCIM_OP_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/grcim/operating-points``
    (``~/.cache/...`` when that is unset)."""
    env = os.environ.get(ENV_VAR, "")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "grcim" / "operating-points"


def set_cache_dir(path: str | os.PathLike[str] | None) -> None:
    """Use ``path`` as this process's cache directory (None: no disk cache)."""
    global _directory
    _directory = None if path is None else Path(path)


def cache_dir() -> Path | None:
    """The directory in use, or None when the disk cache is off."""
    if _directory is _UNSET:
        env = os.environ.get(ENV_VAR, "")
        return Path(env) if env else None
    return _directory


@functools.cache
def code_fingerprint() -> str:
    """Hash of the physics sources and the numpy version (part of every key)."""
    import numpy as np

    from grcim.resources import bundled

    h = hashlib.sha256(f"numpy {np.__version__}".encode())
    for name in SOURCES:
        node = bundled("grcim.physics", *name.split("/"))
        h.update(name.encode())
        h.update(node.read_bytes())  # a source missing is a packaging bug: fail loudly
    return h.hexdigest()[:16]


def _canonical(settings: dict[str, Any]) -> str:
    # tuples and lists, enums and their values: one text per setting (the key's meaning)
    return json.dumps(settings, sort_keys=True, default=str)


def entry_path(directory: Path, settings: dict[str, Any], code: str) -> Path:
    """The file of the entry ``settings`` under code fingerprint ``code``."""
    text = json.dumps({"settings": _canonical(settings), "code": code}, sort_keys=True)
    return directory / f"{hashlib.sha256(text.encode()).hexdigest()[:32]}.json"


def read_entry(path: Path, settings: dict[str, Any], code: str) -> tuple[bool, Any]:
    """``(True, value)`` when ``path`` holds the entry of ``settings`` and ``code`` (its
    stored JSON value), else ``(False, None)``: missing, damaged or another entry."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if (_canonical(data.get("settings")) != _canonical(settings)
                or data.get("code") != code or "value" not in data):
            return False, None
        return True, data["value"]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return False, None  # missing, half-copied by hand or from another layout: recompute


def write_entry(path: Path, settings: dict[str, Any], code: str, value: Any) -> None:
    """Store the JSON ``value`` of ``settings``: a temporary sibling renamed into place; a
    value that is not JSON or a directory that cannot be written is skipped silently."""
    try:
        text = json.dumps({"settings": json.loads(_canonical(settings)), "code": code,
                           "value": value}, sort_keys=True)
    except (TypeError, ValueError):
        return  # a field that is not a JSON value: keep it in memory only
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError:
        pass  # a read-only or full cache only costs the recomputation next time


def _entry(directory: Path, settings: dict[str, Any]) -> Path:
    return entry_path(directory, settings, code_fingerprint())


def _read[T](path: Path, cls: type[T], settings: dict[str, Any]) -> T | None:
    found, value = read_entry(path, settings, code_fingerprint())
    if not found:
        return None
    try:
        return cls(**value)
    except (TypeError, ValueError, KeyError, AttributeError):
        return None  # another layout: recompute


def _write(path: Path, settings: dict[str, Any], value: Any) -> None:
    write_entry(path, settings, code_fingerprint(), dataclasses.asdict(value))


def load_or_compute[T](settings: dict[str, Any], compute: Callable[[], T], cls: type[T]) -> T:
    """The cached value for ``settings`` (JSON-serializable), else ``compute()``, stored.

    ``cls`` is the frozen dataclass ``compute`` returns; its fields must be JSON values
    (floats round-trip exactly through ``json``).
    """
    directory = cache_dir()
    if directory is None:
        return compute()
    path = _entry(directory, settings)
    hit = _read(path, cls, settings)
    if hit is not None:
        return hit
    value = compute()
    _write(path, settings, value)
    return value
