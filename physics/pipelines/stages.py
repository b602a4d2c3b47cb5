"""Analog and mixed-signal stages shared by the pipelines (pure functions over arrays).

Conventions: a bipolar converter with ``n_bits`` (real-valued allowed, so required bits can be
solved for continuously) and full scale ``full_scale`` covers ``[-full_scale, full_scale]``
with step ``2 * full_scale / 2**n_bits``; it is mid-rise (no code at exactly zero) and clips
to the outermost levels. ``None`` for bits means an ideal (infinitely fine) converter.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["quantize_uniform", "round_to_step", "add_thermal_noise", "normalizing_shift"]

F64 = NDArray[np.float64]


def quantize_uniform(
    v: F64, n_bits: float | None, full_scale: float | F64, offset: F64 | None = None
) -> F64:
    """Mid-rise uniform quantizer with clipping (ADC model).

    Parameters
    ----------
    v : ndarray
        Analog values, any shape.
    n_bits : float or None
        Resolution in bits (``2**n_bits`` levels over ``2 * full_scale``); None = ideal.
    full_scale : float or ndarray broadcastable to ``v``
        Peak input the converter resolves, same units as ``v``.
    offset : ndarray or None
        Shift of the level grid per conversion, in steps, within [-1/2, 1/2): the effect of
        sub-LSB input noise or comparator offset, which makes the error uniform and
        uncorrelated with signals that sit on a dyadic lattice (FP dot products do).
    """
    if n_bits is None:
        return np.asarray(v, dtype=np.float64)
    step = 2.0 * np.asarray(full_scale, dtype=np.float64) / 2.0**n_bits
    top = np.asarray(full_scale) - step / 2.0
    u = 0.0 if offset is None else offset
    q = (np.floor(v / step - u) + 0.5 + u) * step
    return np.clip(q, -top, top)


def round_to_step(
    v: F64, step: float | F64, limit: float | F64 | None = None, offset: F64 | None = None
) -> F64:
    """Mid-tread rounding to a grid of ``step`` (DAC / fixed-point alignment), optional clip.

    ``offset`` shifts the grid per element, in steps (see :func:`quantize_uniform`).
    """
    u = 0.0 if offset is None else offset
    q = (np.round(v / step - u) + u) * step
    if limit is not None:
        q = np.clip(q, -limit, limit)
    return q


def add_thermal_noise(v: F64, rms: float, rng: np.random.Generator | None) -> F64:
    """Add white Gaussian noise of standard deviation ``rms`` (same units as ``v``)."""
    if rms <= 0.0 or rng is None:
        return v
    return v + rng.normal(0.0, rms, size=np.shape(v))


def normalizing_shift(v: F64, k_min: float, k_max: float) -> F64:
    """Power-of-two gain exponent ``k`` that puts ``|v| * 2**k`` in ``[1/2, 1)``.

    The exponent is clamped to ``[k_min, k_max]`` (finite gain range of the output
    gain-ranging stage); zeros get ``k_max``.
    """
    mag = np.abs(v)
    with np.errstate(divide="ignore"):
        k = -np.floor(np.log2(mag)) - 1.0
    k = np.where(mag > 0, k, k_max)
    return np.clip(k, k_min, k_max)
