"""Conventional direct-accumulation FP-CIM: one shared, widened fixed-point scale.

Block diagram (per column; N rows share one ADC)::

    x_i (FP) --align to global scale--> DAC (B_x bits, full scale X) --\
    w_i (FP) --align to global scale--> cell (B_w bits, full scale W) --*--> sum_i
    sum_i --(+ thermal noise)--> ADC (B bits, full scale A) --> y

Every operand is rounded onto one design-time fixed-point grid (step ``X / 2**(B_x - 1)``),
so an operand ``2**-d`` below full scale keeps ``B_x - 1 - d`` bits: resolution follows the
operands' dynamic range, not their precision. The ADC full scale ``A`` is fixed at design
time too. The integer CIM baseline is this same pipeline fed with integer operands.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from grcim.physics.pipelines.stages import add_thermal_noise, quantize_uniform, round_to_step

__all__ = ["ConventionalConfig", "conventional_dot", "align_to_vector_max", "vector_top"]


@dataclass(frozen=True)
class ConventionalConfig:
    """Parameters of the conventional pipeline (all magnitudes in operand units).

    Attributes
    ----------
    input_bits, weight_bits : float or None
        Signed fixed-point widths of the aligned inputs (DAC) and weights (cells), sign
        included; None = ideal (no alignment loss).
    input_full_scale, weight_full_scale : float
        Largest magnitude on the shared input / weight grid (clipping level).
    adc_bits : float or None
        ADC resolution; None = ideal.
    adc_full_scale : float
        ADC clipping level in units of the dot product.
    noise_rms : float
        Input-referred thermal noise of the analog accumulation, units of the dot product.
    alignment : {"global", "vector_max"}
        ``global``: one design-time grid for all vectors (full scales above). ``vector_max``:
        each input vector (and each column's block of N weights) is aligned to its own
        largest exponent by a max finder and pre-alignment shifts that truncate (silicon
        FP-CIM, e.g. Lee et al., ISSCC 2021; Tu et al., ISSCC 2022); the full scales are then
        relative to ``2**(e_max + 1)`` of each vector and the ADC full scale to their product.
    """

    input_bits: float | None = None
    weight_bits: float | None = None
    input_full_scale: float = 1.0
    weight_full_scale: float = 1.0
    adc_bits: float | None = None
    adc_full_scale: float = 1.0
    noise_rms: float = 0.0
    alignment: str = "global"


def vector_top(v: NDArray[np.float64]) -> NDArray[np.float64]:
    """``2**(e_max + 1)`` of each vector (last axis): the power of two above its largest
    magnitude (1 for an all-zero vector), shape ``v.shape[:-1] + (1,)``."""
    amax = np.max(np.abs(v), axis=-1, keepdims=True)
    _, e = np.frexp(amax)  # amax = m 2**e, m in [1/2, 1): amax < 2**e
    return np.where(amax > 0, np.ldexp(1.0, e), 1.0)


def align_to_vector_max(v: NDArray[np.float64], bits: float,
                        offset: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
    """Pre-alignment to each vector's largest exponent with truncation (units of ``v``).

    Every element is shifted to the grid of step ``top / 2**(bits - 1)`` (sign-magnitude,
    ``bits`` including the sign) with ``top = 2**(e_max + 1)`` of its vector, dropping the
    bits shifted out (truncation toward zero, as a right shift does). ``offset`` shifts the
    level grid per element by a fraction of a step in [0, 1) (dither for the analyses; see
    ``stages.quantize_uniform``).
    """
    top = vector_top(v)
    step = top / 2.0 ** (bits - 1.0)
    u = 0.0 if offset is None else offset
    mag = np.maximum(np.floor(np.abs(v) / step - u) + u, 0.0)
    return np.copysign(np.minimum(mag * step, top - step), v)


def conventional_dot(
    x: NDArray[np.float64],
    w: NDArray[np.float64],
    cfg: ConventionalConfig,
    rng: np.random.Generator | None = None,
) -> NDArray[np.float64]:
    """Hardware estimate of ``sum(x * w, -1)``; ``x``, ``w`` shape ``(..., N)``."""
    if cfg.alignment == "vector_max":
        tx, tw = vector_top(x), vector_top(w)
        xa = x if cfg.input_bits is None else align_to_vector_max(x, cfg.input_bits)
        wa = w if cfg.weight_bits is None else align_to_vector_max(w, cfg.weight_bits)
        scale = (tx * tw)[..., 0]
        s = np.einsum("...n,...n->...", xa, wa) / scale
        s = add_thermal_noise(s, cfg.noise_rms, rng)
        return quantize_uniform(s, cfg.adc_bits, cfg.adc_full_scale) * scale
    xa, wa = x, w
    if cfg.input_bits is not None:
        step = cfg.input_full_scale / 2.0 ** (cfg.input_bits - 1)
        xa = round_to_step(x, step, cfg.input_full_scale)
    if cfg.weight_bits is not None:
        step = cfg.weight_full_scale / 2.0 ** (cfg.weight_bits - 1)
        wa = round_to_step(w, step, cfg.weight_full_scale)
    s = np.einsum("...n,...n->...", xa, wa)
    s = add_thermal_noise(s, cfg.noise_rms, rng)
    return quantize_uniform(s, cfg.adc_bits, cfg.adc_full_scale)
