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
  rename wins.
- **Never trusted**: an entry is read only if it is a regular file of at most
  :data:`MAX_ENTRY_BYTES` (opened non-blocking, so a FIFO in its place cannot hang the
  reader), is JSON without ``NaN``/``Infinity``, and holds a value of the record's field
  names and types, every number finite and inside the physical range of its field
  (:func:`check_value`: bits 0..64, dB -50..200, ...) and the fields that repeat a key
  setting equal to it. Anything else (a damaged, hand-edited or foreign entry) is a miss:
  the value is recomputed and the entry overwritten.
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
import math
import os
import tempfile
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from grcim.errors import GrcimError
from grcim.physics.settings import ALIGNMENTS, GAIN_REFERENCES, NOISE_STANDARDS, NORMALIZATIONS
from grcim.yamlio import read_bytes_capped

__all__ = ["ENV_VAR", "set_cache_dir", "cache_dir", "load_or_compute", "code_fingerprint",
           "default_cache_dir", "entry_path", "read_entry", "write_entry", "SOURCES",
           "MAX_ENTRY_BYTES", "check_value", "sources_fingerprint", "INF_TEXT"]

ENV_VAR = "GRCIM_OP_CACHE_DIR"
"""Environment variable naming the cache directory (unset or empty: no disk cache)."""
#: Modules (relative to grcim.physics) whose source decides an operating point's numbers.
SOURCES = ("operating_point.py", "settings.py", "sqnr.py", "formats.py", "distributions.py",
            "pipelines/__init__.py", "pipelines/conventional.py", "pipelines/grmac.py",
            "pipelines/stages.py")
#: How a cached scalar SQNR of +inf (no error at all) is stored: JSON has no infinity and
#: the reader refuses ``Infinity``.
INF_TEXT = "inf"
#: Largest entry file read (an operating point is about 1 kB, a Monte Carlo record a few).
MAX_ENTRY_BYTES = 1 << 20
#: Physical range of a numeric field of a cached record, by its name: the first rule whose
#: test matches applies (every number must be finite in any case).
FIELD_RANGES: tuple[tuple[Callable[[str], bool], tuple[float, float]], ...] = (
    (lambda n: n.endswith("_bits") or n == "bits", (0.0, 64.0)),  # widths, ADC resolutions
    (lambda n: n.endswith("_db"), (-50.0, 200.0)),  # SQNR / SNR figures
    (lambda n: "utilization" in n, (0.0, 4096.0)),  # E[S**2] / (16 N) < N <= 4096
    (lambda n: n.endswith("_octaves"), (0.0, 64.0)),  # gain range, 0..63 searched
    (lambda n: n in ("n_rows", "block_rows"), (1.0, 4096.0)),  # rows per conversion
    (lambda n: n == "weight_block", (1.0, 1024.0)),
    (lambda n: n == "exponent_span", (0.0, 4096.0)),
    (lambda n: n.endswith("_exponent"), (-4096.0, 4096.0)),
)
#: Allowed texts of the text fields of a cached record.
FIELD_CHOICES: dict[str, tuple[str, ...]] = {
    "noise_standard": NOISE_STANDARDS, "alignment": ALIGNMENTS,
    "normalization": NORMALIZATIONS, "gain_reference": GAIN_REFERENCES,
}
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

    return sources_fingerprint(SOURCES, f"numpy {np.__version__}")


def sources_fingerprint(sources: tuple[str, ...], versions: str) -> str:
    """Hash of ``versions`` (text) and of the ``sources`` (paths relative to
    grcim.physics): 16 hex digits."""
    from grcim.resources import bundled

    h = hashlib.sha256(versions.encode())
    for name in sources:
        node = bundled("grcim.physics", *name.split("/"))
        h.update(name.encode())
        h.update(node.read_bytes())  # a source missing is a packaging bug: fail loudly
    return h.hexdigest()[:16]


def _canonical(settings: Any) -> str:
    # tuples and lists, enums and their values: one text per setting (the key's meaning)
    return json.dumps(settings, sort_keys=True, default=str)


def entry_path(directory: Path, settings: dict[str, Any], code: str) -> Path:
    """The file of the entry ``settings`` under code fingerprint ``code``."""
    text = json.dumps({"settings": _canonical(settings), "code": code}, sort_keys=True)
    return directory / f"{hashlib.sha256(text.encode()).hexdigest()[:32]}.json"


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a cache entry holds")


def read_entry(path: Path, settings: dict[str, Any], code: str) -> tuple[bool, Any]:
    """``(True, value)`` when ``path`` holds the entry of ``settings`` and ``code`` (its
    stored JSON value), else ``(False, None)``: missing, damaged or another entry.

    Only a regular file of at most :data:`MAX_ENTRY_BYTES` is read (non-blocking open: a
    FIFO or device in its place is a miss, never a hang); ``NaN`` and ``Infinity`` are
    refused. The value itself is checked by the caller (:func:`check_value`)."""
    try:
        data = json.loads(read_bytes_capped(path, MAX_ENTRY_BYTES).decode("utf-8"),
                          parse_constant=_no_constant)
        if (not isinstance(data, dict) or _canonical(data.get("settings")) != _canonical(settings)
                or data.get("code") != code or "value" not in data):
            return False, None
        return True, data["value"]
    except (GrcimError, OSError, ValueError, TypeError, KeyError, AttributeError,
            RecursionError):
        return False, None  # missing, half-copied by hand or from another layout: recompute


def _number(value: Any, name: str, integer: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if integer and not isinstance(value, int):
        return False
    if not math.isfinite(value):
        return False
    lo, hi = next((r for test, r in FIELD_RANGES if test(name)), (-math.inf, math.inf))
    return lo <= value <= hi


def _field_ok(kind: Any, value: Any, name: str) -> bool:
    if kind is int or kind is float:
        return _number(value, name, kind is int)
    if kind is str:
        return isinstance(value, str) and value in FIELD_CHOICES.get(name, (value,))
    if typing.get_origin(kind) is tuple:
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis and args[0] in (int, float):
            return isinstance(value, list) and len(value) <= 4096 and all(
                _number(v, name, args[0] is int) for v in value)
    return False  # a field type no entry holds: never trusted


def check_value(returns: Any, value: Any, name: str = "",
                echo: Mapping[str, Any] | None = None) -> bool:
    """Whether a stored JSON ``value`` is a sound result of type ``returns``.

    ``returns`` is a flat dataclass (``value``: a mapping of exactly its field names, each
    of its type: ``int``, ``float``, ``str``, ``tuple[float, ...]``), or a scalar type
    (``float``, ``int``; ``value`` may be None, a scalar ``name`` names the result). Every
    number must be finite and inside the range :data:`FIELD_RANGES` gives its name, every
    text one of :data:`FIELD_CHOICES`, and a field that has the name of an ``echo`` entry
    (a setting of the key) must equal it."""
    if dataclasses.is_dataclass(returns) and isinstance(returns, type):
        if not isinstance(value, dict):
            return False
        fields = {f.name for f in dataclasses.fields(returns)}
        if set(value) != fields:
            return False
        try:
            hints = typing.get_type_hints(returns)
        except (NameError, TypeError):
            return False
        echo = echo or {}
        for field in fields:
            v = value[field]
            if not _field_ok(hints.get(field), v, field):
                return False
            setting = echo.get(field)
            if isinstance(setting, int | float | str) and setting != v:
                return False  # the entry of other settings than its key says
        return True
    if value is None:
        return True
    if returns is float and value == INF_TEXT and name.endswith("_db"):
        return True  # an SQNR without error (a lossless conversion), stored as text
    if returns in (int, float):
        return _number(value, name, returns is int)
    return False


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
    if not found or not check_value(cls, value, echo=settings):
        return None  # missing, damaged or out of its physical ranges: recompute
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
