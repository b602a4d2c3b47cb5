"""The typed sweep spec (pydantic models, ``extra="forbid"``): what each key accepts.

:mod:`grcim.sweep.spec` loads a file into these models and runs the checks that need
more than one key or the files a spec names; docs/sweep.md lists every key.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from grcim.workloads.transformer import MAX_BATCH

__all__ = ["SweepSpec", "Range", "Sampling", "Workloads", "Bound", "MAX_DESIGNS", "MAX_POINTS",
           "CONSTRAINT_KEYS", "MAP_OBJECTIVES", "PHYSICS_OBJECTIVES"]

MAX_DESIGNS = 1_000_000
"""Largest number of design points a spec may ask for (after sampling)."""
MAX_POINTS = 1_000_000
"""Largest number of design point x workload case pairs: a sweep plans every point before
its first row (about 1 kB each), so the bound is one on its memory too."""
CONSTRAINT_KEYS: dict[str, tuple[str, ...]] = {
    "map": ("area_m2", "power_w", "energy_per_token_j", "tokens_per_s", "latency_s",
            "energy_j", "tops_per_w"),
    "physics": ("energy_per_mac_j", "adc_enob_bits", "mac_area_m2"),
}
"""Result columns a constraint may bound, per mode (SI units, as stored)."""
MAP_OBJECTIVES: tuple[tuple[str, str], ...] = (
    ("energy_per_token_j", "min"), ("tokens_per_s", "max"), ("area_m2", "min"))
"""Objectives of a map sweep's Pareto front."""
PHYSICS_OBJECTIVES: tuple[tuple[str, str], ...] = (
    ("energy_per_mac_j", "min"), ("mac_area_m2", "min"))
"""Objectives of a physics sweep's Pareto front."""
# strict: a YAML number is a number and YAML text is text (docs/sweep.md); lax mode turned
# ``batch: [true]`` into 1, ``batch: ["2"]`` into 2 and ``replicate: "no"`` into false
_STRICT = ConfigDict(extra="forbid", frozen=True, strict=True, use_attribute_docstrings=True)


class Range(BaseModel):
    """A numeric range of one variable."""

    model_config = _STRICT

    min: float
    """Lowest value."""
    max: float
    """Highest value (>= min)."""
    steps: int | None = Field(default=None, ge=1, le=100_000)
    """Evenly spaced values from min to max (both included); required for grid sampling.
    Without it, random and lhs sampling draw values anywhere in [min, max]."""
    log: bool = False
    """Space the values (or draws) geometrically instead of linearly (min > 0)."""

    @field_validator("max")
    @classmethod
    def _ordered(cls, v: float, info: Any) -> float:
        lo = info.data.get("min")
        if lo is not None and v < lo:
            raise ValueError(f"max must be >= min = {lo:g}")
        return v


class Sampling(BaseModel):
    """How design points are drawn from the space."""

    model_config = _STRICT

    method: Literal["grid", "random", "lhs"] = "grid"
    """``grid``: every combination; ``random``: ``n`` distinct combinations drawn
    uniformly; ``lhs``: ``n`` points of a Latin hypercube (scipy.stats.qmc)."""
    n: int | None = Field(default=None, gt=0, le=MAX_DESIGNS)
    """Design points to draw (random and lhs; not allowed for grid)."""
    seed: int = Field(default=0, ge=0, le=2**63 - 1)
    """Seed of the random draws (same seed, same points)."""


def _both_phases() -> list[Literal["prefill", "decode"]]:
    return ["prefill", "decode"]


class Workloads(BaseModel):
    """The workload cases every design point is mapped on (their full product)."""

    model_config = _STRICT

    models: list[str] = Field(default_factory=lambda: ["llama3-8b"], min_length=1)
    """Model names of the models file (``grcim workload list``)."""
    phases: list[Literal["prefill", "decode"]] = Field(
        default_factory=_both_phases, min_length=1)
    """Steps to map."""

    @field_validator("models", "phases", "batch", "tokens", "context")
    @classmethod
    def _distinct(cls, v: list[Any] | None) -> list[Any] | None:
        # a repeated value is the same case: it made "stored 2 of 2 points" for one row
        if v is not None and len(set(v)) != len(v):
            raise ValueError("each value once")
        return v
    batch: list[int] = Field(default_factory=lambda: [1], min_length=1)
    """Sequences per step (1..2**20)."""
    tokens: list[int] | None = Field(default=None, min_length=1)
    """Prefill: new tokens per sequence (default ``min(2048, max_context)``)."""
    context: list[int] | None = Field(default=None, min_length=1)
    """Decode: context after the step (default ``min(2048, max_context)``)."""
    models_file: str | None = None
    """A models YAML instead of the bundled one (relative to the spec file)."""

    @field_validator("batch")
    @classmethod
    def _batch(cls, v: list[int]) -> list[int]:
        for b in v:
            if not 1 <= b <= MAX_BATCH:
                raise ValueError(f"every batch must be 1..{MAX_BATCH}")
        return v

    @field_validator("tokens", "context")
    @classmethod
    def _positive(cls, v: list[int] | None) -> list[int] | None:
        for t in v or ():
            if not 1 <= t <= 2**24:
                raise ValueError("every value must be 1..16777216")
        return v


class Bound(BaseModel):
    """Bounds on one result column (SI units)."""

    model_config = _STRICT

    min: float | None = Field(default=None, allow_inf_nan=False)
    """Smallest allowed value (a finite number)."""
    max: float | None = Field(default=None, allow_inf_nan=False)
    """Largest allowed value (a finite number, >= min)."""

    @field_validator("min", "max", mode="before")
    @classmethod
    def _a_number(cls, v: Any) -> Any:
        # a NaN bound compares false and silently disables the constraint; text ("inf")
        # and booleans (true = 1.0) are not numbers either
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise ValueError("a finite number (not text or a boolean)")
        if v is not None and v < 0:  # every constrainable column is >= 0
            raise ValueError("a number >= 0 (the result columns are never negative)")
        return v

    @field_validator("max")
    @classmethod
    def _ordered(cls, v: float | None, info: Any) -> float | None:
        lo = info.data.get("min")
        if v is not None and lo is not None and v < lo:
            raise ValueError(f"max must be >= min = {lo:g} (no point could satisfy both)")
        return v


class SweepSpec(BaseModel):
    """The ``sweep`` section of a spec file (see the module docstring)."""

    model_config = _STRICT

    name: str = ""
    """Free label shown in reports."""
    mode: Literal["map", "physics"] = "map"
    """``map``: whole-model mapping of every workload case on chips; ``physics``: the
    per-MAC models of each design's macro (ADC bits, energy per MAC), no workload."""
    archs: list[str] = Field(min_length=1)
    """Base architectures: bundled names or arch files; each is a value of the ``arch``
    dimension of the design space."""
    variables: dict[str, list[Any] | Range] = {}
    """Arch variable -> list of values or a range."""
    workloads: Workloads | None = None
    """Workload cases (map mode; default Llama-3-8B prefill and decode)."""
    sampling: Sampling = Sampling()
    """Sampling of the design space."""
    constraints: dict[str, Bound] = {}
    """Result column -> bounds; a point outside is recorded as ``infeasible``."""
    replicate: bool = True
    """Copy weight tiles onto idle macros (``grcim map --no-replicate`` = false)."""
