"""What an integer CIM macro of declared widths delivers: operand and ADC SQNR, utilization.

An integer macro is not sized for the SQNR standard: its input and weight widths (and, when
declared, its ADC) are what they are, and the SQNR it reaches follows from them. For a
distribution, ``b``-bit integer operands are the calibrated per-tensor quantization of
:func:`grcim.physics.formats.quantize_operands` (MSE-optimal clipping), so

- operand SQNR ``S_x(b_x)``, ``S_w(b_w)``: measured on the ensemble;
- utilization ``u = E[x**2] E[w**2] / (X W)**2`` with ``X``, ``W`` the clipping levels
  (the cell-sizing input of ``grcim.physics.energy.analog``);
- ADC SQNR ``S_adc(B)`` of one full-precision conversion with an oracle full scale, on the
  dot products of the integer operands; a sliced conversion of ``B_slice`` bits counts as
  ``B_slice + log2(r) - log2(q)/2`` full bits (``grcim.physics.energy.macro``) and as
  exact at or above the lossless resolution of a slice's column sum.

Independent noise sources add in power: ``Q = -10 log10(sum 10**(-S/10))``. The cells are
designed ``thermal_margin_db`` below ``Q`` at full scale, and the macro reports the SQNR it
delivers with that thermal noise, ``-10 log10(10**(-Q/10) + 10**(-(Q + margin)/10))``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from grcim.physics.formats import calibrated_int_scale
from grcim.physics.mc_disk_cache import disk_cached
from grcim.physics.sqnr import make_operands, oracle_adc_sqnr_db

__all__ = ["IntegerPoint", "integer_point", "integer_operands", "combine_db"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
#: ADC resolutions tabulated for the full-conversion SQNR (interpolated between), bits.
_ADC_GRID = np.arange(1.0, 24.01, 0.25)


def combine_db(*sqnr_db: float | F64) -> F64:
    """SQNR of independent noise sources together, dB (infinite sources contribute 0)."""
    total = sum(np.where(np.isfinite(s), 10.0 ** (-np.asarray(s, dtype=np.float64) / 10.0), 0.0)
                for s in sqnr_db)
    return np.where(total > 0, -10.0 * np.log10(np.where(total > 0, total, 1.0)), np.inf)


@dataclass(frozen=True)
class IntegerPoint:
    """Delivered-SQNR ingredients of integer operands of one distribution.

    Attributes
    ----------
    input_bits, weight_bits : int
        Declared signed widths.
    input_sqnr_db, weight_sqnr_db : float
        SQNR of each operand's calibrated integer rounding, dB.
    utilization : float
        ``E[x**2] E[w**2] / (X W)**2`` at the calibrated clipping levels.
    adc_grid_bits, adc_sqnr_db : tuple of float
        Oracle-full-scale SQNR of one full-precision conversion at each resolution.
    """

    input_bits: int
    weight_bits: int
    input_sqnr_db: float
    weight_sqnr_db: float
    utilization: float
    adc_grid_bits: tuple[float, ...]
    adc_sqnr_db: tuple[float, ...]

    def adc_sqnr_at(self, full_bits: F64) -> F64:
        """Full-conversion ADC SQNR at ``full_bits`` (linear in dB between grid points)."""
        return np.interp(full_bits, self.adc_grid_bits, self.adc_sqnr_db)


@functools.lru_cache(maxsize=64)
def integer_operands(distribution: str, input_bits: int, weight_bits: int, n_rows: int,
                     n_samples: int = 3000, seed: int = 0
                     ) -> tuple[tuple[F64, I64, float], tuple[F64, I64, float]]:
    """``(values, codes, scale)`` of the inputs and of the weights of an ensemble, each the
    calibrated per-tensor integer quantization of its declared width
    (:func:`grcim.physics.formats.calibrated_int_scale`), ``values ~ scale * codes``, shapes
    ``(n_samples, n_rows)``. Shared by this module and the bit-sliced conversions
    (``grcim.physics.slicing_point``), which need the same codes; read-only arrays."""
    x, w = make_operands(distribution, n_rows, n_samples, seed)
    out = []
    for v, bits in ((x, int(input_bits)), (w, int(weight_bits))):
        s = calibrated_int_scale(v, f"int{bits}")
        top = 2 ** (bits - 1) - 1
        codes = np.clip(np.rint(v / s), -top, top).astype(np.int64)
        v.flags.writeable = codes.flags.writeable = False
        out.append((v, codes, s))
    return out[0], out[1]


def _operand(v: F64, codes: I64, scale: float, bits: int) -> tuple[F64, float, float]:
    q = codes.astype(np.float64) * np.float64(scale)
    clip = scale * (2 ** (bits - 1) - 1)
    sqnr = 10.0 * np.log10(float(np.mean(v**2)) / float(np.mean((q - v) ** 2)))
    return q, float(sqnr), float(np.mean(v**2)) / clip**2


@functools.lru_cache(maxsize=256)
@disk_cached(IntegerPoint)  # and the --op-cache directory (grcim.physics.mc_disk_cache)
def integer_point(distribution: str, input_bits: int, weight_bits: int, n_rows: int,
                  n_samples: int = 3000, seed: int = 0) -> IntegerPoint:
    """Operand, utilization and ADC figures of ``input_bits`` x ``weight_bits`` integers."""
    ops = integer_operands(distribution, input_bits, weight_bits, n_rows, n_samples, seed)
    qx, sx, ux = _operand(*ops[0], int(input_bits))
    qw, sw, uw = _operand(*ops[1], int(weight_bits))
    y = np.einsum("...n,...n->...", qx, qw)
    adc = tuple(float(oracle_adc_sqnr_db(y, b)) for b in _ADC_GRID)
    return IntegerPoint(int(input_bits), int(weight_bits), sx, sw, ux * uw,
                        tuple(float(b) for b in _ADC_GRID), adc)
