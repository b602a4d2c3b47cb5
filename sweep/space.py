"""The points of a sweep: design points (sampled) times workload cases (full product).

The design space has one dimension per swept variable plus the ``arch`` dimension (the
spec's base architectures). Sampling:

- ``grid``: every combination, the arch varying slowest, then the variables in spec order;
- ``random``: ``n`` distinct combinations drawn uniformly without replacement (numpy
  ``Generator.choice`` over the flat index of the grid; an integer range without ``steps``
  counts as the list of its integers); other ranges without ``steps`` draw a value
  uniformly (or log-uniformly) in [min, max] instead, until ``n`` distinct combinations;
- ``lhs``: ``n`` points of a Latin hypercube in the unit cube (``scipy.stats.qmc``), one
  coordinate per dimension: a list of ``k`` values takes value ``floor(u k)`` (each value
  gets ``n / k`` points, stratified), a range without ``steps`` maps ``u`` onto
  [min, max]. Points that coincide after rounding integers are kept once.

Every design point is mapped on every workload case (model x phase x batch x tokens or
context). A point is keyed by the hash of its canonical inputs (mode, base arch name and
text hash, overrides, workload case), so the same inputs get the same key in any spec.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from grcim.errors import SpecError
from grcim.sweep.spec import MAX_DESIGNS, MAX_POINTS, LoadedSpec, Range
from grcim.sweep.variables import is_integer

__all__ = ["Design", "Case", "Point", "designs", "cases", "points", "count_grid",
           "arch_digest", "models_digest"]

Value = int | float | str


@dataclass(frozen=True)
class Design:
    """One design point: a base arch and the variables it overrides.

    Attributes
    ----------
    arch : str
        The spec's ``archs`` entry (bundled name or path as written).
    overrides : tuple of (str, value)
        Variable values, in spec order.
    """

    arch: str
    overrides: tuple[tuple[str, Value], ...]


@dataclass(frozen=True)
class Case:
    """One workload case of a map sweep (None fields: the phase's default)."""

    model: str
    phase: str
    batch: int
    tokens: int | None
    context: int | None


@dataclass(frozen=True)
class Point:
    """One row of the store: a design point on one workload case (None in physics mode)."""

    key: str
    design_key: str
    design: Design
    case: Case | None

    def payload(self) -> dict[str, Any]:
        """Plain data a worker needs (pickles cheaply)."""
        return {"key": self.key, "design_key": self.design_key, "arch": self.design.arch,
                "overrides": list(self.design.overrides),
                "case": None if self.case is None else self.case.__dict__.copy()}


#: An integer range without ``steps`` spanning fewer values than this is sampled as the list
#: of its integers.
MAX_INTEGER_VALUES = 1_000_000
#: ``random`` sampling over continuous ranges: draws allowed per requested point.
RANDOM_ATTEMPTS = 100


def _values(r: Range, key: str) -> list[Value]:
    assert r.steps is not None
    grid = (np.geomspace(r.min, r.max, r.steps) if r.log
            else np.linspace(r.min, r.max, r.steps))
    # equal values are one point, not several identical rows: integers that round alike,
    # and any range with min == max (30..30 in 3 steps ran 30 three times)
    if is_integer(key):
        return list(dict.fromkeys(int(round(v)) for v in grid))
    return list(dict.fromkeys(float(v) for v in grid))


def _from_unit(r: Range, key: str, u: float) -> Value:
    v = (math.exp(math.log(r.min) + u * (math.log(r.max) - math.log(r.min))) if r.log
         else r.min + u * (r.max - r.min))
    v = min(max(v, r.min), r.max)
    return int(round(v)) if is_integer(key) else float(v)


def _dimensions(ls: LoadedSpec) -> list[tuple[str, list[Value] | Range]]:
    dims: list[tuple[str, list[Value] | Range]] = [("arch", list(ls.spec.archs))]
    for key, values in ls.spec.variables.items():
        if isinstance(values, Range) and values.steps is not None:
            dims.append((key, _values(values, key)))
        elif (isinstance(values, Range) and is_integer(key) and not values.log
              and values.max - values.min < MAX_INTEGER_VALUES):
            # an integer range is the list of its integers: drawing reals and rounding gave
            # the end points half the weight and duplicates (random: 51 of n = 100 points)
            dims.append((key, list(range(math.ceil(values.min),
                                         math.floor(values.max) + 1))))
        else:
            dims.append((key, values))
    return dims


def count_grid(ls: LoadedSpec) -> int:
    """Combinations of the full grid (ranges without steps count as one)."""
    return math.prod(len(v) if isinstance(v, list) else 1 for _, v in _dimensions(ls))


def _design(dims: list[tuple[str, list[Value] | Range]], coords: list[Value]) -> Design:
    arch = str(coords[0])
    over = tuple((dims[i][0], coords[i]) for i in range(1, len(dims)))
    return Design(arch, over)


def designs(ls: LoadedSpec) -> list[Design]:
    """The sampled design points, in a deterministic order (module docstring).

    Raises
    ------
    grcim.errors.SpecError
        More points asked for than the grid holds, or more than ``MAX_DESIGNS``.
    """
    dims = _dimensions(ls)
    s = ls.spec.sampling
    total = count_grid(ls)
    continuous = any(isinstance(v, Range) for _, v in dims)
    if s.method == "grid":
        if total > MAX_DESIGNS:
            raise SpecError(ls.source, "sweep.variables", f"{total} combinations",
                            f"at most {MAX_DESIGNS} design points; sample them (random/lhs)")
        return [_design(dims, list(c)) for c in _product([v for _, v in dims])]  # type: ignore[misc]
    n = int(s.n or 0)
    if s.method == "random":
        if not continuous and n > total:
            raise SpecError(ls.source, "sweep.sampling.n", n, f"at most the {total} "
                            "combinations of the grid (or use method: grid)")
        rng = np.random.default_rng(s.seed)
        if continuous:
            found: dict[Design, None] = {}
            for _ in range(RANDOM_ATTEMPTS * n):  # draws until n distinct combinations
                coords = []
                for key, v in dims:
                    if isinstance(v, Range):
                        coords.append(_from_unit(v, key, float(rng.random())))
                    else:
                        coords.append(v[int(rng.integers(len(v)))])
                found[_design(dims, coords)] = None
                if len(found) == n:
                    return list(found)
            raise SpecError(ls.source, "sweep.sampling.n", n, f"at most the {len(found)} "
                            "distinct combinations these ranges give (integers round)")
        flat = rng.choice(total, size=n, replace=False) if total < 2**62 else None
        if flat is None:
            raise SpecError(ls.source, "sweep.variables", f"{total} combinations",
                            "fewer than 2**62 combinations")
        shape = [len(v) for _, v in dims]  # type: ignore[arg-type]
        idx = np.unravel_index(np.sort(flat), shape)
        return [_design(dims, [dims[d][1][int(idx[d][j])] for d in range(len(dims))])  # type: ignore[index]
                for j in range(n)]
    from scipy.stats import qmc

    u = qmc.LatinHypercube(d=len(dims), seed=s.seed).random(n)
    out = []
    for row in u:
        coords = []
        for d, (key, v) in enumerate(dims):
            if isinstance(v, Range):
                coords.append(_from_unit(v, key, float(row[d])))
            else:
                coords.append(v[min(int(row[d] * len(v)), len(v) - 1)])
        out.append(_design(dims, coords))
    return list(dict.fromkeys(out))


def _product(lists: list[list[Value]]) -> Iterator[tuple[Value, ...]]:
    import itertools

    return itertools.product(*lists)


def cases(ls: LoadedSpec) -> list[Case | None]:
    """Workload cases of a map sweep; ``[None]`` in physics mode."""
    w = ls.spec.workloads
    if ls.spec.mode == "physics" or w is None:
        return [None]
    out: list[Case | None] = []
    tokens: list[int | None] = [*w.tokens] if w.tokens else [None]
    contexts: list[int | None] = [*w.context] if w.context else [None]
    for model in w.models:
        for phase in w.phases:
            for batch in w.batch:
                if phase == "prefill":
                    out += [Case(model, phase, batch, t, None) for t in tokens]
                else:
                    out += [Case(model, phase, batch, None, c) for c in contexts]
    return out


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def arch_digest(text: str) -> str:
    """The hash of an arch text in a point's key (first 16 hex digits of its SHA-256)."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def models_digest(ls: LoadedSpec) -> str | None:
    """The hash of the spec's models file in a point's key (None: the bundled models)."""
    return None if ls.models_text is None else arch_digest(ls.models_text)


def points(ls: LoadedSpec) -> list[Point]:
    """Every (design point, workload case) of the spec, designs outermost."""
    arch_ids = {k: [name, arch_digest(text)] for k, (name, _, text) in ls.arch_texts.items()}
    models = models_digest(ls)
    extra = {"replicate": ls.spec.replicate} if ls.spec.mode == "map" else {}
    out: list[Point] = []
    all_cases = cases(ls)
    s = ls.spec.sampling  # counted before any point is built (lhs may give fewer)
    n_designs = count_grid(ls) if s.method == "grid" else int(s.n or 0)
    if n_designs <= MAX_DESIGNS and n_designs * len(all_cases) > MAX_POINTS:
        raise SpecError(ls.source, "sweep.workloads", f"{n_designs} design points x "
                        f"{len(all_cases)} workload cases",
                        f"at most {MAX_POINTS} points in all; sample fewer design points "
                        "(random/lhs) or sweep fewer workload cases")
    for d in designs(ls):
        # a swept file (technology) enters the key with its content: an edited file makes
        # new points instead of leaving the rows priced with the old content as done
        files = {v: ls.file_digests[v] for _, v in d.overrides
                 if isinstance(v, str) and v in ls.file_digests}
        design = {"mode": ls.spec.mode, "arch": arch_ids[d.arch],
                  "overrides": sorted([k, v] for k, v in d.overrides), **extra,
                  **({"files": files} if files else {})}
        dkey = _digest(design)
        for c in all_cases:
            case = None if c is None else {**c.__dict__, "models": models}
            out.append(Point(_digest({"design": design, "case": case}), dkey, d, c))
    return out
