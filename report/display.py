"""Display units for mapping reports: SI values in, short human-readable text out.

The mapper keeps J, s, m², bytes; only report modules call these helpers.
"""

from __future__ import annotations

import math

__all__ = ["si", "percent", "ratio", "area_mm2", "count", "binary_bytes"]

_PREFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"),
             (1e-6, "µ"), (1e-9, "n"), (1e-12, "p"), (1e-15, "f"))
#: Units printed without a prefix below one (a milli-byte would read as a megabyte).
_WHOLE_UNITS = frozenset({"B", "MACs", "ops"})


def si(value: float | None, unit: str, digits: int = 3) -> str:
    """``value`` with an SI prefix (``1.23 mJ``, ``45.6 µs``); ``-`` for None or nan."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if value == 0:
        return f"0 {unit}"
    if math.isinf(value):
        return f"inf {unit}"
    mag = abs(value)
    if unit in _WHOLE_UNITS and mag < 1.0:  # "0.25 B", not "250 mB" (read as megabytes)
        return f"{value:.{digits}g} {unit}"
    for scale, prefix in _PREFIXES:
        if mag >= scale * 0.9995:
            return f"{value / scale:.{digits}g} {prefix}{unit}"
    scale, prefix = _PREFIXES[-1]
    return f"{value / scale:.{digits}g} {prefix}{unit}"


def percent(part: float, whole: float) -> str:
    """``part / whole`` as ``12.3 %`` (``-`` when ``whole`` is 0 or a value is nan)."""
    if not whole or math.isnan(part) or math.isnan(whole):
        return "-"
    return f"{100.0 * part / whole:.1f} %"


def ratio(value: float) -> str:
    """A ratio to a baseline (``0.81x``); ``-`` when undefined."""
    return "-" if value is None or math.isnan(value) else f"{value:.3g}x"


def area_mm2(value_m2: float) -> str:
    """Area in mm² (``12.3 mm²``)."""
    return f"{value_m2 * 1e6:.3g} mm²"


def count(value: float) -> str:
    """A large count with an SI prefix and no unit (``1.79 T``)."""
    return si(value, "").strip()


def binary_bytes(n_bytes: float) -> str:
    """A memory size with the largest binary prefix it reaches (``4 MiB``, ``16 GiB``,
    ``1 KiB``, ``512 B``): a 1 KiB buffer once showed as ``0.000976562 MiB``."""
    for scale, prefix in ((2.0**40, "TiB"), (2.0**30, "GiB"), (2.0**20, "MiB"),
                          (2.0**10, "KiB")):
        if abs(n_bytes) >= scale:
            return f"{n_bytes / scale:.4g} {prefix}"
    return f"{n_bytes:.4g} B"

