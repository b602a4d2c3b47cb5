"""Random operand distributions for SQNR studies, with their analytic moments.

Every distribution is zero-mean and symmetric. All except ``loguniform`` are scaled to unit
RMS *analytically* (by the closed-form standard deviation, not the sample's), so a sample's
mean square only approaches 1 as it grows. ``loguniform`` is scaled to a largest magnitude of
1 instead, because it is meant to spread values evenly over ``octaves`` binades below full
scale, which is what exercises a format's dynamic range.

=================  =============================================================================
name               distribution (before unit-RMS scaling)
=================  =============================================================================
uniform            U[-1, 1]; after scaling U[-sqrt(3), sqrt(3)]
gaussian           N(0, 1)
laplace            Laplace(0, b); after scaling b = 1/sqrt(2)
student_t          Student's t with ``nu`` degrees of freedom (default 3), heavy-tailed
loguniform         sign * 2**(-U[0, octaves]) (default 8 octaves), largest magnitude 1
llm_activation     Gaussian body, a fraction ``outlier_fraction`` of it ``outlier_scale`` x wider
=================  =============================================================================

The ``llm_activation`` mixture is a crude stand-in for transformer hidden states. Dettmers et
al., "LLM.int8(): 8-bit Matrix Multiplication for Transformers at Scale" (NeurIPS 2022,
arXiv:2208.07339), found systematic outlier features whose magnitudes far exceed the typical
values (about 20x is the commonly quoted factor, hence the default ``outlier_scale``). There
the outliers sit in a few fixed feature dimensions; here they are drawn independently per
element, which matters for per-channel schemes but not for element-wise rounding statistics.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from grcim.errors import ModelDomainError

__all__ = [
    "ParamSpec",
    "Distribution",
    "DISTRIBUTIONS",
    "CONTINUOUS",
    "sample",
    "rms",
    "second_moment",
    "fourth_moment",
]

F64 = NDArray[np.float64]
Params = dict[str, float]


@dataclass(frozen=True)
class ParamSpec:
    """Allowed range of one distribution parameter (dimensionless).

    Attributes
    ----------
    default : float
        Value used when the caller does not give one.
    low, high : float
        Bounds of the allowed range.
    low_open : bool
        True when ``low`` itself is excluded.
    description : str
        What the parameter means.
    """

    default: float
    low: float
    high: float
    low_open: bool
    description: str

    def allowed(self) -> str:
        """The range as text, e.g. ``"a number in (2, 1e+06]"``."""
        return f"a number in {'(' if self.low_open else '['}{self.low:g}, {self.high:g}]"


@dataclass(frozen=True)
class Distribution:
    """One named distribution: sampler and analytic moments of the scaled variable.

    Attributes
    ----------
    name : str
        Registry key.
    description : str
        One-line description.
    params : Mapping[str, ParamSpec]
        Parameters the distribution takes, with defaults and ranges.
    draw : Callable
        ``draw(shape, rng, params) -> ndarray``; ``params`` is complete and validated.
    second : Callable
        ``second(params) -> E[x**2]`` of the scaled variable.
    fourth : Callable
        ``fourth(params) -> E[x**4]``; ``math.inf`` when it diverges.
    """

    name: str
    description: str
    params: Mapping[str, ParamSpec]
    draw: Callable[[tuple[int, ...], np.random.Generator, Params], F64] = field(repr=False)
    second: Callable[[Params], float] = field(repr=False)
    fourth: Callable[[Params], float] = field(repr=False)


_SQRT3 = math.sqrt(3.0)
_LAPLACE_B = 1.0 / math.sqrt(2.0)  # Laplace variance is 2 b**2


def _t_scale(p: Params) -> float:
    """Factor that takes Student's t (variance nu/(nu-2)) to unit variance."""
    return math.sqrt((p["nu"] - 2.0) / p["nu"])


def _t_fourth(p: Params) -> float:
    # Kurtosis of t is 3 + 6/(nu-4) for nu > 4; at unit variance E[x^4] = 3 (nu-2)/(nu-4).
    nu = p["nu"]
    return 3.0 * (nu - 2.0) / (nu - 4.0) if nu > 4.0 else math.inf


def _draw_loguniform(shape: tuple[int, ...], rng: np.random.Generator, p: Params) -> F64:
    magnitude = np.exp2(-rng.uniform(0.0, p["octaves"], shape))
    return np.where(rng.random(shape) < 0.5, -magnitude, magnitude)


def _loguniform_moment(p: Params, k: int) -> float:
    # E[2**(-k U)] for U ~ U[0, D] is (1 - 2**(-k D)) / (k D ln 2).
    d = p["octaves"]
    return -math.expm1(-k * d * math.log(2.0)) / (k * d * math.log(2.0))


def _mixture_body_std(p: Params) -> float:
    """Std of the Gaussian body so the mixture has unit variance."""
    f, s = p["outlier_fraction"], p["outlier_scale"]
    return 1.0 / math.sqrt(1.0 - f + f * s * s)


def _draw_llm(shape: tuple[int, ...], rng: np.random.Generator, p: Params) -> F64:
    z = rng.standard_normal(shape)
    outlier = rng.random(shape) < p["outlier_fraction"]
    return z * (_mixture_body_std(p) * np.where(outlier, p["outlier_scale"], 1.0))


def _llm_fourth(p: Params) -> float:
    f, s = p["outlier_fraction"], p["outlier_scale"]
    return 3.0 * _mixture_body_std(p) ** 4 * (1.0 - f + f * s**4)


def _one(_: Params) -> float:
    return 1.0


_NONE: Mapping[str, ParamSpec] = MappingProxyType({})
_NU = ParamSpec(3.0, 2.0, 1e6, True, "degrees of freedom (> 2 for a finite variance)")
_OCTAVES = ParamSpec(8.0, 0.0, 1000.0, True, "octaves of magnitude below 1")
_FRACTION = ParamSpec(0.01, 0.0, 1.0, False, "probability that an element is an outlier")
_SCALE = ParamSpec(20.0, 1.0, 1e6, False, "outlier std over body std")

DISTRIBUTIONS: dict[str, Distribution] = {
    d.name: d
    for d in (
        Distribution("uniform", "uniform on [-1, 1], scaled to unit RMS", _NONE,
                     lambda sh, rng, p: rng.uniform(-_SQRT3, _SQRT3, sh),
                     _one, lambda p: 9.0 / 5.0),
        Distribution("gaussian", "standard normal", _NONE,
                     lambda sh, rng, p: rng.standard_normal(sh), _one, lambda p: 3.0),
        Distribution("laplace", "Laplace (double exponential), unit RMS", _NONE,
                     lambda sh, rng, p: rng.laplace(0.0, _LAPLACE_B, sh),
                     _one, lambda p: 6.0),
        Distribution("student_t", "Student's t (heavy-tailed, outlier-prone), unit RMS",
                     MappingProxyType({"nu": _NU}),
                     lambda sh, rng, p: rng.standard_t(p["nu"], sh) * _t_scale(p),
                     _one, _t_fourth),
        Distribution("loguniform", "random sign, magnitude 2**-U[0, octaves], max 1",
                     MappingProxyType({"octaves": _OCTAVES}), _draw_loguniform,
                     lambda p: _loguniform_moment(p, 2), lambda p: _loguniform_moment(p, 4)),
        Distribution("llm_activation", "Gaussian body with rare wide outliers (LLM.int8())",
                     MappingProxyType({"outlier_fraction": _FRACTION, "outlier_scale": _SCALE}),
                     _draw_llm, _one, _llm_fourth),
    )
}
"""Distributions by name."""

#: Names of the continuous distributions (all of them), in registry order.
CONTINUOUS: tuple[str, ...] = tuple(DISTRIBUTIONS)


def _resolve(name: str, params: Mapping[str, object]) -> tuple[Distribution, Params]:
    """Distribution and complete, validated parameters, or ModelDomainError."""
    dist = DISTRIBUTIONS.get(name) if isinstance(name, str) else None
    if dist is None:
        raise ModelDomainError("distribution", name, "one of: " + ", ".join(sorted(CONTINUOUS)))
    full: Params = {}
    for key, value in params.items():
        if key not in dist.params:
            takes = ", ".join(dist.params) or "no parameters"
            raise ModelDomainError(key, value, f"{name} takes: {takes}")
    for key, spec in dist.params.items():
        value = params.get(key, spec.default)
        ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(
            value, bool
        )
        v = float(value) if ok else math.nan  # type: ignore[arg-type]
        low_ok = v > spec.low if spec.low_open else v >= spec.low
        if not (ok and math.isfinite(v) and low_ok and v <= spec.high):
            raise ModelDomainError(key, value, spec.allowed())
        full[key] = v
    return dist, full


def _check_shape(shape: tuple[int, ...] | int) -> tuple[int, ...]:
    dims = (shape,) if isinstance(shape, int | np.integer) else shape
    if not isinstance(dims, tuple) or not all(
        isinstance(n, int | np.integer) and not isinstance(n, bool) and n >= 0 for n in dims
    ):
        raise ModelDomainError("shape", shape, "a tuple of non-negative integers")
    return tuple(int(n) for n in dims)


def sample(
    name: str, shape: tuple[int, ...], rng: np.random.Generator, **params: float
) -> F64:
    """Draw a float64 array of ``shape`` from distribution ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`DISTRIBUTIONS`.
    shape : tuple of int
        Output shape.
    rng : numpy.random.Generator
        Source of randomness; the same generator state gives the same array.
    **params : float
        Distribution parameters (see each entry's ``params``); missing ones take defaults.

    Raises
    ------
    ModelDomainError
        Unknown name, unknown parameter, or a parameter outside its range.
    """
    dist, full = _resolve(name, params)
    return np.asarray(dist.draw(_check_shape(shape), rng, full), dtype=np.float64)


def second_moment(name: str, **params: float) -> float:
    """Analytic ``E[x**2]`` of the scaled distribution (1 except for loguniform)."""
    dist, full = _resolve(name, params)
    return dist.second(full)


def fourth_moment(name: str, **params: float) -> float:
    """Analytic ``E[x**4]`` of the scaled distribution; ``math.inf`` when it diverges
    (``student_t`` with ``nu <= 4``)."""
    dist, full = _resolve(name, params)
    return dist.fourth(full)


def rms(name: str, **params: float) -> float:
    """Analytic root-mean-square value: ``sqrt(second_moment(name, **params))``."""
    return math.sqrt(second_moment(name, **params))
