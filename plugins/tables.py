"""Energy/area tables (Accelergy ERT/ART rows) of one grcim component over a parameter grid.

A table is the Cartesian product of the swept attributes (first key varies slowest), every
other attribute fixed (given or the model's default). Costs come from the same
``evaluate`` code the hwcomponents models run for a single query (``grcim.plugins.models``),
scaled to the requested node the same way, so a row equals
``hwcomponents.get_action_cost`` / ``get_area`` / ``get_leak_power`` for its attributes.

Speed: points that differ only in a model's ``VECTOR_ATTRIBUTES`` (dynamic range, columns,
bit widths) are evaluated in one vectorized call; other attributes split the grid into
groups, each one closed-form call on cached operating points. No Monte Carlo per point.
Results are SI arrays; formatting and display units belong to the caller.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from grcim.errors import ModelDomainError, shown
from grcim.plugins.models import MODELS
from grcim.plugins.models.batch import REQUIRED, CostModel

__all__ = ["ComponentTable", "find_model", "component_names", "build_table", "MAX_POINTS"]

F64 = NDArray[np.float64]
#: Largest grid a table may have.
MAX_POINTS = 1_000_000


def component_names() -> dict[str, type[CostModel]]:
    """Every accepted component name (aliases and class names, lower case) to its model."""
    names: dict[str, type[CostModel]] = {}
    for model in MODELS:
        aliases = model.component_name
        for alias in [aliases] if isinstance(aliases, str) else aliases:
            names[alias.lower()] = model
        names[model.__name__.lower()] = model
    return names


def find_model(name: str) -> type[CostModel]:
    """The grcim model class serving component ``name`` (case-insensitive)."""
    model = component_names().get(name.strip().lower())
    if model is None:
        primary = ", ".join(_primary(m) for m in MODELS)
        raise ModelDomainError("component", name, f"one of {primary}")
    return model


def _primary(model: type[CostModel]) -> str:
    names = model.component_name
    return names if isinstance(names, str) else names[0]


@dataclass(frozen=True)
class ComponentTable:
    """Costs of one component at every point of a grid (arrays of shape ``(n_points,)``).

    Attributes
    ----------
    component : str
        Primary component name (``gr_mac``).
    model : type[CostModel]
        The grcim hwcomponents model class.
    fixed : dict[str, Any]
        Attributes shared by every point (given or default).
    swept : dict[str, list]
        Swept attribute to its value at each point.
    energy_j : dict[str, ndarray]
        Action to energy per action, J.
    area_m2, leak_power_w, latency_s, throughput_hz : ndarray
        Area (m²), static power (W), latency of one action (s), actions per second.
    info : dict[str, ndarray]
        Macro-level figures the model reports besides costs (``adc_energy_share``,
        ``adc_bits``, ``conversions_per_mac``, ``delivered_sqnr_db``,
        ``cell_capacitance_f``), empty for models without them.
    terms_j : dict[str, ndarray]
        A MAC model's energy per ``compute`` of each breakdown term, J (not printed; empty
        for other models).
    """

    component: str
    model: type[CostModel]
    fixed: dict[str, Any]
    swept: dict[str, list[Any]]
    energy_j: dict[str, F64]
    area_m2: F64
    leak_power_w: F64
    latency_s: F64
    throughput_hz: F64
    info: dict[str, F64] = field(default_factory=dict)
    terms_j: dict[str, F64] = field(default_factory=dict)

    @property
    def n_points(self) -> int:
        """Number of grid points (rows)."""
        return int(self.area_m2.shape[0])

    @property
    def actions(self) -> tuple[str, ...]:
        """Action names, in column order."""
        return tuple(self.energy_j)

    def attributes_at(self, i: int) -> dict[str, Any]:
        """All attributes of point ``i``, in the model's parameter order."""
        values = {**self.fixed, **{k: v[i] for k, v in self.swept.items()}}
        return {k: values[k] for k in self.model.attribute_defaults() if k in values}

    def rows(self) -> Iterator[dict[str, Any]]:
        """One dict per point: attributes plus costs (SI)."""
        for i in range(self.n_points):
            yield {"attributes": self.attributes_at(i),
                   "energy_j": {a: float(e[i]) for a, e in self.energy_j.items()},
                   "area_m2": float(self.area_m2[i]),
                   "leak_power_w": float(self.leak_power_w[i]),
                   "latency_s": float(self.latency_s[i]),
                   "throughput_hz": float(self.throughput_hz[i]),
                   "info": {k: float(v[i]) for k, v in self.info.items()}}


def _check_names(model: type[CostModel], keys: Sequence[str], component: str) -> dict[str, Any]:
    defaults = model.attribute_defaults()
    for key in keys:
        if key not in defaults:
            raise ModelDomainError("attribute", key,
                                   f"an attribute of {component}: {', '.join(defaults)}")
    return defaults


def _groups(index: NDArray[np.int_], shape: tuple[int, ...],
            grouped: list[int]) -> Iterator[tuple[tuple[int, ...], NDArray[np.int_]]]:
    """Split grid points by their values of the ``grouped`` sweep axes."""
    n = index.shape[1]
    if not grouped:
        yield (), np.arange(n)
        return
    gshape = tuple(shape[i] for i in grouped)
    gid = np.ravel_multi_index(tuple(index[grouped]), gshape)
    order = np.argsort(gid, kind="stable")
    bounds = np.searchsorted(gid[order], np.arange(math.prod(gshape) + 1))
    for g in range(math.prod(gshape)):
        combo = tuple(int(c) for c in np.unravel_index(g, gshape))
        yield combo, order[bounds[g]:bounds[g + 1]]


def _column(store: dict[str, F64], key: str, n: int, fill: float | None = None) -> F64:
    """``store[key]``, created on first use as ``n`` values (``fill``, else unset: every
    point's group writes its own)."""
    if key not in store:
        store[key] = np.empty(n) if fill is None else np.full(n, fill)
    return store[key]


def _objects(values: Sequence[Any]) -> NDArray[np.object_]:
    """``values`` as a 1-D object array holding the same objects (lists stay elements)."""
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = v
    return out


def _repeated(values: Sequence[Any]) -> int | None:
    """Index of the first value equal to an earlier one (``4`` and ``4.0`` are equal)."""
    seen: set[Any] = set()
    for i, v in enumerate(values):
        try:
            if v in seen:
                return i
            seen.add(v)
        except TypeError:  # unhashable (a list): compared one by one
            if any(v == w for w in values[:i]):
                return i
    return None


def build_table(component: str | type[CostModel], fixed: Mapping[str, Any] | None = None,
                sweep: Mapping[str, Sequence[Any]] | None = None,
                actions: Sequence[str] | None = None) -> ComponentTable:
    """Costs of ``component`` over the grid ``product(sweep.values())`` with ``fixed``.

    Raises
    ------
    ModelDomainError
        Unknown component, attribute or action; a required attribute missing; an empty or
        oversized sweep, or one with a value twice (``4`` and ``4.0``, or ``None`` and the
        default: the same row twice); any attribute value the model does not serve.
    """
    model = find_model(component) if isinstance(component, str) else component
    name = _primary(model)
    fixed = dict(fixed or {})
    sweep = {k: list(v) for k, v in (sweep or {}).items()}
    defaults = _check_names(model, [*fixed, *sweep], name)
    for key in sweep:
        if key in fixed:
            raise ModelDomainError(key, "set and swept", "either a fixed value or a sweep")
        if not sweep[key]:
            raise ModelDomainError(key, [], "a non-empty list of values")
    # 'none' (None) means unset for every attribute: the default, shown as used
    base = model.with_defaults({k: v for k, v in defaults.items() if k not in sweep} | fixed)
    for key, given in sweep.items():
        if any(v is None for v in given):
            sweep[key] = [defaults[key] if v is None else v for v in given]
        repeated = _repeated(sweep[key])
        if repeated is not None:  # the same point twice: a duplicate row
            value = sweep[key][repeated]
            why = (f"none means the default, {defaults[key]!r}, also given"
                   if None in given and value == defaults[key] else f"{value!r} repeats")
            raise ModelDomainError(key, given, f"each value once ({why})")
    for key, value in [*base.items(), *((k, REQUIRED) for k, v in sweep.items()
                                        if any(x is REQUIRED for x in v))]:
        if value is REQUIRED or (value is None and defaults[key] is REQUIRED):
            raise ModelDomainError(key, "missing", f"a required attribute of {name}")
    shape = tuple(len(v) for v in sweep.values())
    n = math.prod(shape)
    if n > MAX_POINTS:
        raise ModelDomainError("sweep", f"{n} points", f"at most {MAX_POINTS} points")
    keys = list(sweep)
    index = np.indices(shape).reshape(len(keys), n) if keys else np.zeros((0, 1), dtype=int)
    # each sweep's values as an object array: a point's value by fancy indexing, as the
    # same object (a per-point Python loop would cost as much as the costs themselves)
    objects = {k: _objects(v) for k, v in sweep.items()}
    vector = set(model.VECTOR_ATTRIBUTES)
    grouped = [i for i, k in enumerate(keys) if k not in vector]
    columns: dict[str, F64] = {}
    energy: dict[str, F64] = {}
    info: dict[str, F64] = {}
    terms: dict[str, F64] = {}
    for combo, points in _groups(index, shape, grouped):
        attrs = dict(base)
        for i, j in zip(grouped, combo, strict=True):
            attrs[keys[i]] = sweep[keys[i]][j]
        for i, key in enumerate(keys):
            if key in vector:
                attrs[key] = objects[key][index[i, points]].tolist()
        try:
            costs = model.evaluate_scaled(attrs, len(points))
        except ModelDomainError as exc:  # say which point of the sweep the model declines
            at = ", ".join(f"{keys[i]}={shown(sweep[keys[i]][j], 40)}"
                           for i, j in zip(grouped, combo, strict=True))
            if not at:
                raise
            raise ModelDomainError(exc.item, exc.value,
                                   f"{exc.allowed} (at the swept point {at})") from None
        for action, values in costs.energy_j.items():
            _column(energy, action, n)[points] = values
        for col in ("area_m2", "leak_power_w", "latency_s", "throughput_hz"):
            _column(columns, col, n)[points] = getattr(costs, col)
        for key, values in costs.info.items():
            _column(info, key, n, np.nan)[points] = values
        for key, values in costs.terms_j.items():
            _column(terms, key, n, np.nan)[points] = values
    if actions:
        unknown = [a for a in actions if a not in energy]
        if unknown:
            raise ModelDomainError("action", unknown[0], f"an action of {name}: "
                                   + ", ".join(energy))
        energy = {a: energy[a] for a in actions}
    swept = {k: objects[k][index[i]].tolist() for i, k in enumerate(keys)}
    return ComponentTable(name, model, base, swept, energy, columns["area_m2"],
                          columns["leak_power_w"], columns["latency_s"],
                          columns["throughput_hz"], info, terms)

