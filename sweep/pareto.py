"""Pareto fronts, variable effects and best designs of stored sweep rows (numpy, SI units).

A point is on the Pareto front of its group when no other point of the group is at least
as good in every objective and strictly better in one (objectives to maximize are negated
first). Rows whose objectives are missing or not finite are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["pareto_mask", "Effect", "variable_effects", "best_rows", "group_rows"]


def pareto_mask(values: NDArray[np.float64], senses: Sequence[str]) -> NDArray[np.bool_]:
    """Which rows of ``values`` (shape ``(n, k)``) are non-dominated.

    ``senses[j]`` is ``min`` or ``max`` for column ``j``. O(n² k) in blocks of rows, fine
    for the tens of thousands of rows of one group.
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 2 or v.shape[0] == 0:
        return np.zeros(v.shape[0] if v.ndim else 0, dtype=bool)
    sign = np.array([1.0 if s == "min" else -1.0 for s in senses])
    cost = v * sign
    n = cost.shape[0]
    keep = np.ones(n, dtype=bool)
    for start in range(0, n, 512):
        block = cost[start:start + 512]
        # dominated[i, j]: row j dominates row start+i
        le = np.all(cost[None, :, :] <= block[:, None, :], axis=2)
        lt = np.any(cost[None, :, :] < block[:, None, :], axis=2)
        keep[start:start + len(block)] = ~np.any(le & lt, axis=1)
    return keep


@dataclass(frozen=True)
class Effect:
    """The effect of one swept variable on one objective within a group.

    Attributes
    ----------
    variable : str
        Swept variable (or ``arch``).
    objective : str
        Result column.
    values : tuple
        The variable's values, sorted.
    medians : tuple of float
        Median of the objective over the group's done rows with each value.
    counts : tuple of int
        Rows behind each median.
    spread : float
        Largest median over smallest (1 = no effect).
    """

    variable: str
    objective: str
    values: tuple[Any, ...]
    medians: tuple[float, ...]
    counts: tuple[int, ...]
    spread: float


def _sort_key(v: Any) -> tuple[int, Any]:
    return (0, v) if isinstance(v, int | float) else (1, str(v))


def variable_effects(rows: Sequence[dict[str, Any]], variables: Sequence[str],
                     objectives: Sequence[str]) -> list[Effect]:
    """Median of each objective per value of each variable (variables with 2+ values)."""
    out = []
    for var in variables:
        values = sorted({r.get(var) for r in rows if r.get(var) is not None}, key=_sort_key)
        if len(values) < 2:
            continue
        for obj in objectives:
            meds, counts = [], []
            for val in values:
                col = np.array([r[obj] for r in rows if r.get(var) == val
                                and r.get(obj) is not None], dtype=np.float64)
                col = col[np.isfinite(col)]
                meds.append(float(np.median(col)) if col.size else float("nan"))
                counts.append(int(col.size))
            finite = [m for m in meds if np.isfinite(m)]
            spread = (max(finite) / min(finite) if finite and min(finite) > 0
                      else float("nan"))
            out.append(Effect(var, obj, tuple(values), tuple(meds), tuple(counts), spread))
    return out


def best_rows(rows: Sequence[dict[str, Any]], objectives: Sequence[tuple[str, str]]
              ) -> dict[str, dict[str, Any]]:
    """The best row for each objective (ties: the first stored)."""
    out: dict[str, dict[str, Any]] = {}
    for obj, sense in objectives:
        cands = [r for r in rows if r.get(obj) is not None and np.isfinite(r[obj])]
        if cands:
            pick = min if sense == "min" else max
            out[obj] = pick(cands, key=itemgetter(obj))
    return out


def group_rows(rows: Sequence[dict[str, Any]], keys: Sequence[str]
               ) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
    """Rows split by the values of ``keys`` (workload case), in first-seen order."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(tuple(r.get(k) for k in keys), []).append(r)
    return groups
