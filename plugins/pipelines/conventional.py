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

from grcim.plugins.pipelines.stages import add_thermal_noise, quantize_uniform, round_to_step

__all__ = ["ConventionalConfig", "conventional_dot"]


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
    """

    input_bits: float | None = None
    weight_bits: float | None = None
    input_full_scale: float = 1.0
    weight_full_scale: float = 1.0
    adc_bits: float | None = None
    adc_full_scale: float = 1.0
    noise_rms: float = 0.0


def conventional_dot(
    x: NDArray[np.float64],
    w: NDArray[np.float64],
    cfg: ConventionalConfig,
    rng: np.random.Generator | None = None,
) -> NDArray[np.float64]:
    """Hardware estimate of ``sum(x * w, -1)``; ``x``, ``w`` shape ``(..., N)``."""
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
