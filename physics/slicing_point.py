"""ADC resolution of bit-sliced conversions, by Monte Carlo of the slices' column sums.

A bit-sliced macro converts each (input slice, weight slice) partial sum on its own and adds
the results digitally with their binary weights. What one conversion needs is not a fixed
fraction of the full-precision requirement: a slice's sum has its own distribution (the top
bit columns of small weights are mostly zero, the low ones look like random bits), and its
error enters the output scaled by its significance. So the bits are found on the ensemble
itself:

- **Operands on the hardware grid**: conventional ``global`` alignment rounds each operand to
  a signed ``b``-bit grid with its oracle clipping level; ``vector_max`` truncates to each
  vector's top; integer macros take the calibrated integer codes. Signs are applied
  separately (**sign-magnitude** slices: the row driver and the cell carry the sign, as
  differential charge-domain cells do), so a slice holds magnitude digits. (Two's-complement
  columns would carry large cancelling sums in their top columns and need 2-3 bits more
  per conversion.)
- **Conventional and integer macros**: each slice pair's sum ``S_ij = sum_r s_r x_i,r w_j,r``
  (digits ``x_i``, ``w_j``) gets an oracle full scale of its own (calibrated per bit column at
  design time); with one resolution ``B`` for every conversion the output error is
  ``sum_ij 4**(significance_ij) MSE_ij(B)``, exact when ``B`` reaches the lossless resolution
  of the slice's column sum. ``B`` is the smallest real value meeting the ADC share: the
  lossless resolution itself when only exact conversions meet it.
- **GR-MAC**: every (input slice, weight slice) column sum is gain-ranged to full scale
  before its conversion, so each conversion has relative precision; with the dithered ADC
  the error of a value normalized by ``2**k`` has power ``4**-k D**2 / 12``
  (``grcim.physics.sqnr``), and ``B_slice = B_gr + 1/2 log2(sum_ij 4**(i d_x + j c_w)
  E[4**(R - k_ij)] / E[4**(R - k)])`` against one conversion of the whole sum. The input
  digits are those of the input's magnitude on the DAC's grid (the row's gain and sign
  applied to each step), as the conventional and integer macros slice theirs.

Results are cached per (ensemble, slicing).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from grcim.errors import ModelDomainError
from grcim.physics.mc_disk_cache import disk_cached
from grcim.physics.pipelines import GRMACConfig
from grcim.physics.pipelines.conventional import vector_top
from grcim.physics.pipelines.grmac import (
    grmac_input_magnitudes,
    grmac_int_codes,
    grmac_weight_codes,
)
from grcim.physics.pipelines.stages import normalizing_shift
from grcim.physics.settings import Ensemble
from grcim.physics.sqnr import BITS_RANGE, make_operands, oracle_mse_curve, required_bits

if TYPE_CHECKING:  # imported where used (they import this module's neighbours)
    from grcim.physics.energy.macro import MacroStructure
    from grcim.physics.operating_point import OperatingPoint

__all__ = ["Slices", "conventional_slices", "integer_slices", "sliced_sqnr_db",
           "integer_sliced_sqnr_db", "sliced_adc_bits", "grmac_slice_bits", "structure_slice_bits"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
#: Dot products per slice analysis (each sample is N rows).
SLICE_SAMPLES = 3000


def _digits(mag: I64, n_slices: int, bits: int) -> I64:
    """Magnitude digits of ``bits`` bits, least significant first: shape ``(n_slices, ...)``."""
    out = np.empty((n_slices, *mag.shape), dtype=np.int64)
    m = mag.copy()
    base = 1 << bits
    for i in range(n_slices):
        out[i] = m % base
        m //= base
    return out


class Slices:
    """The column sums of every (input slice, weight slice) pair of an ensemble.

    Attributes
    ----------
    sums : ndarray, shape (s_x, k_w, samples)
        Partial sums (integer units of the digits).
    significance : ndarray, shape (s_x, k_w)
        Binary weight (exponent of 2) of each pair in the output.
    levels : ndarray, shape (s_x, k_w)
        Lossless resolution of each pair's signed sum, bits: ``log2(2 N dmax_x dmax_w + 1)``.
    signal : float
        Mean square of the recombined output (same units).
    """

    def __init__(self, x_int: I64, w_int: I64, dx: int, sx: int, cw: int, kw: int,
                 mag_x_bits: int, mag_w_bits: int) -> None:
        n = x_int.shape[-1]
        sign = np.sign(x_int) * np.sign(w_int)
        xd = (_digits(np.abs(x_int), sx, dx) if sx > 1 else np.abs(x_int)[None]).astype(
            np.float64)  # small integers, exact in float64 (whose einsum is faster)
        # one weight digit at a time: all of them at once is kw x the operands' memory
        m, mask = np.abs(w_int), (1 << cw) - 1
        sums = np.empty((sx, kw, x_int.shape[0]), dtype=np.float64)
        for j in range(kw):
            wd = (m >> (j * cw)) & mask if kw > 1 else m
            sums[:, j] = np.einsum("isn,sn->is", xd, (wd * sign).astype(np.float64))
        self.sums = sums
        self._curves: dict[tuple[int, int], Callable[[float], float]] = {}
        ix = np.arange(sx)[:, None] * (dx if sx > 1 else 0)
        jw = np.arange(kw)[None, :] * (cw if kw > 1 else 0)
        self.significance = (ix + jw).astype(np.float64)
        dmax_x = (2 ** dx - 1) if sx > 1 else (2 ** mag_x_bits - 1)
        dmax_w = (2 ** cw - 1) if kw > 1 else (2 ** mag_w_bits - 1)
        self.levels = np.full((sx, kw), np.log2(2.0 * n * dmax_x * dmax_w + 1.0))
        y = np.einsum("ij,ijs->s", 2.0 ** self.significance, self.sums)
        self.signal = float(np.mean(y**2))

    def oracle_mse(self, i: int, j: int, bits: float) -> float:
        """Oracle-calibrated quantization MSE of pair ``(i, j)``'s sums at ``bits``."""
        if (i, j) not in self._curves:  # sorted once per pair, not once per bits
            self._curves[(i, j)] = oracle_mse_curve(self.sums[i, j])
        return self._curves[(i, j)](bits)


def sliced_sqnr_db(sl: Slices, bits: float) -> float:
    """Output SQNR (dB) of the sliced conversions at ``bits`` per conversion."""
    mse = 0.0
    for i in range(sl.sums.shape[0]):
        for j in range(sl.sums.shape[1]):
            if bits < sl.levels[i, j] - 1e-9:
                mse += 4.0 ** sl.significance[i, j] * sl.oracle_mse(i, j, bits)
    return float("inf") if mse == 0.0 else 10.0 * np.log10(sl.signal / mse)


#: Bits below a slice's lossless resolution at which :func:`sliced_sqnr_db` still counts it
#: lossy (its test is ``bits < level - 1e-9``).
_LOSSY_BELOW = 2e-9
#: Twice ``required_bits``'s root tolerance (1e-3 bits): how far below a jump its answer lands.
_JUMP_REACH = 2e-3


def sliced_adc_bits(sl: Slices, target_db: float) -> float:
    """Smallest bits per conversion meeting ``target_db``, at most the lossless resolution.

    The SQNR jumps to infinity where the conversions turn lossless: when only that jump meets
    the target, the answer is the lossless resolution itself. A root-finder on the jump
    returns a point within its tolerance on either side, and one just below it is lossy
    (once 9e-5 bits below log2(129): 34 dB delivered where the exact ADC gives 37 dB), so
    the result is checked against the target and moved to the next lossless level."""
    cap = float(sl.levels.max())
    if sliced_sqnr_db(sl, cap) < target_db:  # pragma: no cover - lossless is exact
        raise ModelDomainError("sqnr_target_db", target_db, "reachable by the slices")
    if sliced_sqnr_db(sl, cap - _LOSSY_BELOW) < target_db:
        return cap  # met only where every conversion is exact
    hi = BITS_RANGE[1]
    b = min(cap, required_bits(lambda b: sliced_sqnr_db(sl, min(b, hi)), target_db))
    # landed just below a (lower) slice's level, the jump the target is met at: that level.
    # Only a level within the root-finder's tolerance: on a continuous stretch the root
    # sits within it too and its deficit is a few mdB, as for every required_bits answer
    near = [float(lv) for lv in np.unique(sl.levels) if b < lv <= b + _JUMP_REACH]
    if near and sliced_sqnr_db(sl, b) < target_db <= sliced_sqnr_db(sl, near[0]):
        b = near[0]
    return float(b)


def _slicing(bx: float, bw: float, dx: int, sx: int, cw: int, kw: int,
             ) -> tuple[int, int, int, int]:
    """Integer magnitude bits of each operand and digit widths (one slice: the whole)."""
    mx = max(int(np.ceil(bx - 1e-9)) - 1, 1)
    mw = max(int(np.ceil(bw - 1e-9)) - 1, 1)
    return mx, mw, (dx if sx > 1 else mx), cw


def _grid(v: F64, bits: float, fs: float) -> I64:
    # clipped at the exact power of two before the cast, then to the top code in integers:
    # 2**(bits-1) - 1 is no float64 beyond 53 bits (it rounds up to 2**(bits-1)), and the
    # widths stay within MAX_HARDWARE_BITS, so every value converts to int64 exactly
    edge = 2.0 ** (bits - 1.0)
    top = 2 ** (int(bits) - 1) - 1
    code = np.clip(np.rint(v / fs * edge), -edge, edge).astype(np.int64)
    return np.clip(code, -top, top)


@functools.lru_cache(maxsize=256)
def conventional_slices(ens: Ensemble, input_bits: float, weight_bits: float,
                        dac_bits: int, n_input_slices: int, cell_bits: int,
                        converted_slices: int) -> Slices:
    """Slice sums of the conventional pipeline's ensemble on the hardware grids."""
    from grcim.physics.operating_point import conventional_operands

    # the conventional design's own draw: its oracle clipping levels are tail statistics
    # (the distribution's default parameters, as every slice analysis draws them)
    pool = conventional_operands(ens, {})
    x, w = pool.x, pool.w
    mag_x, mag_w, dx, cw = _slicing(input_bits, weight_bits, dac_bits, n_input_slices,
                                    cell_bits, converted_slices)
    if ens.alignment == "vector_max":
        xs, ws = x / vector_top(x), w / vector_top(w)
        x_int = np.trunc(xs * 2.0**mag_x).astype(np.int64)
        w_int = np.trunc(ws * 2.0**mag_w).astype(np.int64)
    else:
        x_int = _grid(x, mag_x + 1.0, pool.x_fit.best(input_bits)[1])
        w_int = _grid(w, mag_w + 1.0, pool.w_fit.best(weight_bits)[1])
    return Slices(x_int, w_int, dx, n_input_slices, cw, converted_slices, mag_x, mag_w)


@functools.lru_cache(maxsize=256)
def integer_slices(distribution: str, input_bits: int, weight_bits: int, n_rows: int,
                   dac_bits: int, n_input_slices: int, cell_bits: int,
                   converted_slices: int, seed: int = 0) -> Slices:
    """Slice sums of calibrated integer operands of the declared widths."""
    from grcim.physics.integer_point import integer_operands

    (_, cx, _), (_, cw_codes, _) = integer_operands(distribution, input_bits, weight_bits,
                                                    n_rows, SLICE_SAMPLES, seed)
    mag_x, mag_w, dx, cw = _slicing(input_bits, weight_bits, dac_bits, n_input_slices,
                                    cell_bits, converted_slices)
    return Slices(cx, cw_codes, dx, n_input_slices, cw, converted_slices, mag_x, mag_w)


@disk_cached(float)  # memory and --op-cache directory (grcim.physics.mc_disk_cache)
def integer_sliced_sqnr_db(distribution: str, input_bits: int, weight_bits: int, n_rows: int,
                           dac_bits: int, n_input_slices: int, cell_bits: int,
                           converted_slices: int, bits: float, seed: int = 0) -> float:
    """:func:`sliced_sqnr_db` of :func:`integer_slices` at ``bits`` per conversion: an
    integer macro's sliced ADC SQNR, kept with the other Monte Carlo results (a sweep's
    integer points otherwise redo the slice sums in every process)."""
    return sliced_sqnr_db(integer_slices(distribution, input_bits, weight_bits, n_rows,
                                         dac_bits, n_input_slices, cell_bits,
                                         converted_slices, seed), bits)


def _row_exponents(ens: Ensemble, w: F64) -> I64 | None:
    """``row`` normalization's row exponents, as the operating point draws them; else None."""
    from grcim.physics.operating_point import block_row_exponents

    if ens.normalization != "row" or ens.weight_block <= 1:
        return None
    return block_row_exponents(w, ens)


@functools.lru_cache(maxsize=256)
def grmac_slice_bits(ens: Ensemble, gr_adc_bits: float, weight_bits: int, cell_bits: int,
                     converted_slices: int, reference_exponent: int, input_bits: int = 0,
                     dac_bits: int = 0, input_slices: int = 1) -> float:
    """Bits per conversion of a sliced GR-MAC (module docstring): ``converted_slices``
    weight digits of ``cell_bits``, ``input_slices`` input digits of ``dac_bits`` (the
    ``input_bits - 1`` magnitude bits of the input on the DAC's grid, sign included in
    ``input_bits``); ``int`` normalization slices its block-aligned integer codes (one
    block of all rows, as the operating point designs it)."""
    if converted_slices <= 1 and input_slices <= 1:
        return gr_adc_bits
    x, w = make_operands(ens.distribution, ens.n_rows, SLICE_SAMPLES, ens.seed,
                         ens.input_format, ens.weight_format)
    cfg = GRMACConfig(normalization=ens.normalization,  # type: ignore[arg-type]
                      gain_reference=ens.gain_reference)  # type: ignore[arg-type]
    if ens.gain_reference == "fixed":
        cfg = replace(cfg, reference_exponent=reference_exponent)
    if ens.normalization == "int":
        a, c, r = grmac_int_codes(x, w, cfg, weight_bits)
    else:
        a, c, r = grmac_weight_codes(x, w, cfg, _row_exponents(ens, w), weight_bits)
    inputs = [a]  # the input digits' analog factors, least significant first
    if input_slices > 1:
        # a = (sign and gain of the row) x m, m the input's magnitude; on the DAC's grid of
        # input_bits - 1 magnitude bits m is an integer code, applied a digit per step
        m = grmac_input_magnitudes(x, cfg, weight_bits if ens.normalization == "int"
                                   else None)
        step = 2.0 ** -(input_bits - 2)
        # cast below 2**(input_bits - 1) <= 2**62 (m < 2), exact; then the top code
        code = np.minimum(np.rint(m / step).astype(np.int64), 2 ** (input_bits - 1) - 1)
        g = np.where(m > 0.0, a / np.where(m > 0.0, m, 1.0), 0.0) * step
        a = g * code  # a itself when the input fits the grid (always but int re-rounded)
        inputs = list(g * _digits(code, input_slices, dac_bits))
    weights = (_digits(c, converted_slices, cell_bits) if converted_slices > 1
               else c[None]).astype(np.float64)
    dx = dac_bits if input_slices > 1 else 0
    k_lo = -float(np.ceil(np.log2(4.0 * ens.n_rows)))
    scale = 4.0 ** r.astype(np.float64)

    def error_weight(s: F64) -> float:  # E[4**(R - k)] of values normalized by 2**k
        k = normalizing_shift(s, k_lo, 1e6)
        return float(np.mean(np.where(s != 0.0, scale * 4.0 ** -k, 0.0)))

    # column sums in normalized units (codes carry weight_bits - 2 fraction bits), the
    # units the output gain-ranging stage's range [k_lo, ...) is set in
    unit = 2.0 ** -(weight_bits - 2)
    whole = error_weight(unit * np.einsum("sn,sn->s", a, c.astype(np.float64)))
    parts = sum(4.0 ** (i * dx + j * cell_bits)
                * error_weight(unit * np.einsum("sn,sn->s", ai, d))
                for i, ai in enumerate(inputs) for j, d in enumerate(weights))
    return float(gr_adc_bits + 0.5 * np.log2(parts / whole)) if whole > 0 else gr_adc_bits


@disk_cached(float)  # memory and --op-cache directory (grcim.physics.mc_disk_cache)
def structure_slice_bits(ens: Ensemble, op: OperatingPoint, structure: MacroStructure,
                         pipeline: str, int_widths: tuple[int, int] | None = None
                         ) -> float | None:
    """Monte Carlo bits per conversion of ``structure`` for ``pipeline`` at ``D = 0`` (None
    when one conversion covers a whole MAC); the value ``EnergyOptions.slice_adc_bits``
    carries into the per-MAC model."""
    from grcim.physics.energy.macro import check_idle_slices, resolve_slicing

    need: tuple[float, float]
    if pipeline == "grmac":
        need = (op.gr_input_bits, op.gr_weight_bits)
    elif pipeline == "int":
        if int_widths is None:
            raise ValueError("structure_slice_bits: the int pipeline needs int_widths")
        need = int_widths
    else:
        need = (op.conv_input_bits, op.conv_weight_bits)
    # the column count (one, or one per table point) only checks that a weight fits a row:
    # the slices below do not depend on it (the plug-ins call with one count, so that it
    # stays out of the cache key)
    sl = resolve_slicing(structure, [float(need[0])], [float(need[1])])
    if pipeline == "int":  # before the Monte Carlo: all-zero slices are no design
        check_idle_slices(structure, sl, [float(need[0])], [float(need[1])])
    sx, kw = int(sl.n_input_slices[0]), int(sl.conversions_per_weight[0])
    if sx * kw <= 1:
        return None
    dx, cw = int(round(float(sl.dac_bits[0]))), int(sl.cell_bits[0])
    bx, bw = float(sl.input_bits[0]), float(sl.weight_bits[0])
    if pipeline == "grmac":
        return grmac_slice_bits(ens, op.gr_adc_bits, int(round(bw)), cw, kw,
                                int(op.gr_reference_exponent), int(round(bx)), dx, sx)
    if pipeline == "int":
        slices = integer_slices(ens.distribution, int(need[0]), int(need[1]), ens.n_rows,
                                dx, sx, cw, kw, ens.seed)
    else:
        slices = conventional_slices(ens, bx, bw, dx, sx, cw, kw)
    return sliced_adc_bits(slices, op.share_db)
