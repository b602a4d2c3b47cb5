"""Disk and memory cache of the slicing and integer Monte Carlo results.

The operating point (:mod:`grcim.physics.op_disk_cache`) is not the only Monte Carlo a
macro's price rests on: a bit-sliced macro's bits per conversion
(:func:`grcim.physics.slicing_point.structure_slice_bits`, a search over the slice sums'
quantization error, 0.5-1 s per call) and an integer macro's operand and ADC figures
(:func:`grcim.physics.integer_point.integer_point`) are derived from their own runs. The
decorator :func:`disk_cached` keeps each result

- **in memory** (per process, bounded), so a repeated query with the same inputs is a
  lookup, and
- **on disk**, in the operating-point cache directory (``grcim sweep run --op-cache``,
  ``GRCIM_OP_CACHE_DIR``; off when no directory is set), one JSON file per result, written
  the same way: a temporary sibling renamed into place, damaged or foreign entries ignored
  and recomputed. An entry is never trusted: it is read and checked as an operating point
  is (:func:`grcim.physics.op_disk_cache.read_entry` and
  :func:`~grcim.physics.op_disk_cache.check_value`: a regular file, finite numbers of the
  record's types inside their physical ranges, fields that repeat an argument equal to it);
  anything else is recomputed and overwritten.

The key is the function's name and every argument (defaults filled in; records such as the
ensemble, the operating point and the macro structure field by field, arrays element by
element) plus a fingerprint of the code: the grcim version, the numpy and scipy versions,
and the source of the modules the results are computed by. An argument that has no exact
JSON form skips the cache (the function is called as it is). A hit returns the same value
as a computation: the computed value is itself returned through its JSON form.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import inspect
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from grcim.physics.op_disk_cache import (
    INF_TEXT,
    cache_dir,
    check_value,
    entry_path,
    read_entry,
    sources_fingerprint,
    write_entry,
)
from grcim.physics.op_disk_cache import SOURCES as OP_SOURCES

__all__ = ["disk_cached", "code_fingerprint", "SOURCES", "MEMORY_ENTRIES"]

#: Modules (relative to grcim.physics) whose source decides the cached results: those of
#: the operating point (the slices are drawn and fitted by it) and the slicing, integer and
#: macro-structure modules.
SOURCES = (*OP_SOURCES, "slicing_point.py", "integer_point.py", "energy/macro.py")
#: Results kept in memory per cached function.
MEMORY_ENTRIES = 1024


@functools.cache
def code_fingerprint() -> str:
    """Hash of the grcim, numpy and scipy versions and of :data:`SOURCES` (in every key)."""
    import scipy

    from grcim import __version__

    return sources_fingerprint(SOURCES, f"grcim {__version__} numpy {np.__version__} "
                                        f"scipy {scipy.__version__}")


class _NoKey(TypeError):
    """An argument without an exact JSON form: the call is not cached."""


def _plain(value: Any) -> Any:
    """``value`` as JSON data that tells apart every input the results depend on."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return value.item() if isinstance(value, np.generic) else value
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, np.ndarray):
        return {"array": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"record": type(value).__qualname__,
                **{f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    raise _NoKey(type(value).__name__)


def _decoder(returns: Callable[..., Any]) -> Callable[[Any], Any]:
    """From the stored JSON value back to ``returns`` (a flat dataclass whose tuples come
    back as lists, or a scalar type; None stays None)."""
    if dataclasses.is_dataclass(returns):
        def record(data: Any) -> Any:
            return returns(**{k: tuple(v) if isinstance(v, list) else v
                              for k, v in data.items()})
        return record

    def scalar(data: Any) -> Any:
        return None if data is None else returns(data)
    return scalar


def disk_cached[F: Callable[..., Any]](returns: Callable[..., Any]) -> Callable[[F], F]:
    """Cache a Monte Carlo function's results in memory and in the cache directory (module
    docstring); ``returns`` is the type of its results (a flat dataclass or a scalar
    type such as ``float``; ``None`` results are kept as well)."""
    decode = _decoder(returns)

    def decorate(fn: F) -> F:
        signature = inspect.signature(fn)
        name = f"{fn.__module__}.{fn.__qualname__}"
        memory: OrderedDict[str, Any] = OrderedDict()
        lock = threading.Lock()

        @functools.wraps(fn)
        def cached(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            try:
                arguments = {k: _plain(v) for k, v in bound.arguments.items()}
                settings = {"function": name, "arguments": arguments}
                key = _key(settings)
            except (_NoKey, TypeError, ValueError):
                return fn(*args, **kwargs)
            with lock:
                if key in memory:
                    memory.move_to_end(key)
                    return memory[key]
            directory = cache_dir()
            path = entry_path(directory, settings, code_fingerprint()) if directory else None
            found, stored = (read_entry(path, settings, code_fingerprint()) if path
                             else (False, None))
            value = None
            if found and not check_value(returns, stored, fn.__name__, arguments):
                found = False  # damaged, hand-edited or out of range: recompute, overwrite
            if found:
                try:
                    value = decode(stored)
                except (TypeError, ValueError, KeyError, AttributeError):
                    found = False  # another layout: recompute
            if not found:
                computed = fn(*args, **kwargs)
                try:
                    stored = _json_value(computed)
                except (_NoKey, TypeError, ValueError):
                    return computed  # no JSON form: neither kept nor stored
                value = decode(stored)  # what a later hit returns, to the last bit
                if path is not None:
                    write_entry(path, settings, code_fingerprint(), stored)
            with lock:
                memory[key] = value
                while len(memory) > MEMORY_ENTRIES:
                    memory.popitem(last=False)
            return value

        cached.cache_clear = memory.clear  # type: ignore[attr-defined]
        return cast(F, cached)
    return decorate


def _key(settings: dict[str, Any]) -> str:
    """One text per key (the in-memory key; the file name hashes the same data)."""
    return json.dumps(settings, sort_keys=True, allow_nan=True)


def _json_value(value: Any) -> Any:
    """The JSON form of a result, round-tripped through ``json`` (floats are exact)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data: Any = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    elif isinstance(value, float) and value == math.inf:
        return INF_TEXT  # an error-free conversion's SQNR; JSON has no infinity
    else:
        data = _plain(value)
    return json.loads(json.dumps(data))
