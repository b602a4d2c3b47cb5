"""Flat rows to CSV / JSON text (SI values stay SI; units are named in the column keys)."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from typing import Any

__all__ = ["rows_to_csv", "to_json"]


def rows_to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """CSV text with the union of the rows' keys as header (first-seen order)."""
    keys: dict[str, None] = {}
    for r in rows:
        keys.update(dict.fromkeys(r))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(keys), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: _cell(r.get(k)) for k in keys})
    return buf.getvalue()


def _cell(v: Any) -> Any:
    if isinstance(v, float):  # includes numpy float64, whose repr names the type
        return repr(float(v))
    if isinstance(v, dict | list | tuple):
        return json.dumps(v)
    return v


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    if hasattr(v, "item") and callable(v.item):  # numpy scalar
        return _clean(v.item())
    return v


def to_json(data: Any) -> str:
    """Strict JSON (non-finite floats become null; numpy scalars become Python numbers)."""
    return json.dumps(_clean(data), indent=2, allow_nan=False) + "\n"
