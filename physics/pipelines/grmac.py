"""Gain-Ranging MAC (GR-MAC): local normalization of inputs, weights and the MAC output.

Block diagram (per column; N rows share one ADC)::

    x_i -> (sign, mx_i in [1,2), ex_i) --mantissa--> DAC (low precision) --\
    w_i -> (sign, mw_i in [1,2), ew_i) --mantissa--> cell -----------------*--> p_i = mx_i*mw_i
            exponents --digital--> e_i = ex_i + ew_i, R = max_i e_i (or fixed), d = R - e
    gain-ranging stage: S = sum_i p_i * 2**-(R - e_i), codes beyond G octaves flush to zero
    (+ thermal noise) -> output gain-ranging: v = S * 2**k in [1/2, 1) -> ADC (B bits, FS 1)
    digital: y = ADC(v) * 2**(R - k)

Normalization granularity (our reading of the paper's names; see docs/models.md):

- ``unit``: every product has its own exponent and its own gain (group of 1 row);
- ``row``: one exponent per array row: the input's own exponent plus one exponent shared by
  the weights of that row across ``weight_block`` columns (``w_row_exp``, set when the
  weights are written, MX-style); weights are stored as fixed-point fractions of that row
  exponent (``weight_frac_bits``), and the gain is applied once per row at the input driver,
  shared by every column;
- ``int``: inputs and weights of a block become block-scaled signed integers of ``int_bits``
  bits (shared exponent per block and operand), multiplied by an integer analog MAC; block
  partial sums are gain-ranged as above (with ``block_rows = N`` there is no product-level gain
  at all, only output normalization).

In the ideal limit (no noise, exact alignment, unlimited gain range, ideal ADC) all normalizations
return the exact dot product.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from grcim.errors import ModelDomainError
from grcim.physics.pipelines.stages import (
    add_thermal_noise,
    normalizing_shift,
    quantize_uniform,
    round_to_step,
)

__all__ = [
    "GRMACConfig", "grmac_accumulate", "grmac_output", "grmac_dot", "row_exponents",
    "Normalization", "NORMALIZATIONS", "grmac_weight_codes", "grmac_int_codes",
    "grmac_input_magnitudes",
]

Normalization = Literal["unit", "row", "int"]
NORMALIZATIONS: tuple[str, ...] = ("unit", "row", "int")
_ZERO_EXP = -(2**20)  # exponent given to exact zeros: below any real exponent, never the max


@dataclass(frozen=True)
class GRMACConfig:
    """Parameters of the GR-MAC pipeline.

    Attributes
    ----------
    normalization : {"unit", "row", "int"}
        Normalization granularity.
    block_rows : int or None
        ``int``: rows sharing one integer block exponent; None = all N rows.
    weight_frac_bits : int or None
        ``row``: fraction bits of a weight stored relative to its row exponent; None = exact.
    int_bits : int or None
        ``int``: signed integer width of block-scaled mantissas; None = exact.
    gain_range_octaves : float or None
        G: largest attenuation ``2**-G`` the gain-ranging stage applies; blocks whose code
        exceeds it are flushed to zero. None = unlimited.
    gain_reference : {"vector_max", "fixed"}
        Reference exponent R: the largest product exponent of the dot product (found by a
        digital max tree), or the fixed ``reference_exponent``.
    reference_exponent : int
        R when ``gain_reference == "fixed"``.
    output_gain_octaves : float or None
        K: range of the output gain-ranging stage (octaves); None = unlimited.
    adc_bits : float or None
        ADC resolution; None = ideal.
    noise_rms : float
        Thermal noise added to the accumulated sum, in units of a normalized mantissa
        product (whose magnitude lies in [1, 4)).
    """

    normalization: Normalization = "unit"
    block_rows: int | None = None
    weight_frac_bits: int | None = None
    int_bits: int | None = None
    gain_range_octaves: float | None = None
    gain_reference: Literal["vector_max", "fixed"] = "vector_max"
    reference_exponent: int = 0
    output_gain_octaves: float | None = None
    adc_bits: float | None = None
    noise_rms: float = 0.0


def _decompose(v: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Signed mantissa in ±[1, 2) (0 for zeros) and integer exponent."""
    m, e = np.frexp(v)
    e = e.astype(np.int64) - 1
    return 2.0 * m, np.where(m == 0.0, _ZERO_EXP, e)


def _block_size(cfg: GRMACConfig, n: int) -> int:
    g = (cfg.block_rows or n) if cfg.normalization == "int" else 1
    if g < 1 or n % g:
        raise ModelDomainError("block_rows", g, f"a divisor of the {n} rows per ADC")
    return g


def _aligned_blocks(
    cfg: GRMACConfig,
    x: NDArray[np.float64],
    w: NDArray[np.float64],
    g: int,
    w_row_exp: NDArray[np.int64] | None,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Block partial sums (normalized units) and block exponents, shape ``(..., N // g)``."""
    shape = (*x.shape[:-1], x.shape[-1] // g, g)
    mx, ex = _decompose(x.reshape(shape))
    if cfg.normalization == "row":
        if w_row_exp is None:  # a weight block of one column: each weight is its own row
            _, own = _decompose(w)
            w_row_exp = np.where(w == 0.0, 0, own)
        f = np.broadcast_to(w_row_exp, w.shape).reshape(shape).astype(np.int64)
        mw = np.ldexp(w.reshape(shape), -f)
        if cfg.weight_frac_bits is not None:
            mw = round_to_step(mw, 2.0**-cfg.weight_frac_bits)
        ew = np.where(mw == 0.0, _ZERO_EXP, f)
    else:
        mw, ew = _decompose(w.reshape(shape))
    if cfg.normalization == "int":
        ax, aw, e_blk = _int_blocks(mx, ex, mw, ew, cfg.int_bits)
        return (ax * aw).sum(axis=-1), e_blk
    return (mx * mw)[..., 0], (ex + ew)[..., 0]


def _int_blocks(
    mx: NDArray[np.float64], ex: NDArray[np.int64], mw: NDArray[np.float64],
    ew: NDArray[np.int64], int_bits: int | None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """``int`` normalization of blocked mantissas/exponents (shape ``(..., N // g, g)``):
    both operands aligned to their block's largest exponent and rounded to ``int_bits``
    (None: exact); returns the aligned inputs, weights and block exponents ``(..., N // g)``.
    """
    ax, exb = _int_align(mx, ex, int_bits)
    aw, ewb = _int_align(mw, ew, int_bits)
    return ax, aw, (exb + ewb)[..., 0]


def _int_align(m: NDArray[np.float64], e: NDArray[np.int64], int_bits: int | None,
               ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """One operand of :func:`_int_blocks`: aligned to its block's largest exponent, rounded
    to ``int_bits``; and that exponent (kept dimension)."""
    eb = e.max(axis=-1, keepdims=True)
    a = np.ldexp(m, np.maximum(e - eb, -1100))
    if int_bits is not None:
        step = 2.0 ** (2 - int_bits)
        a = round_to_step(a, step, 2.0 - step)
    return a, eb


def _reference(cfg: GRMACConfig, e: NDArray[np.int64], live: NDArray[np.bool_],
               ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Reference exponent ``R`` (shape ``(...)``) of terms with exponents ``e`` (shape
    ``(..., n)``) and each term's distance below it, ``d >= 0`` (codes above a fixed
    reference saturate at 0): the design-time exponent, or the largest live one."""
    if cfg.gain_reference == "fixed":
        r = np.full(e.shape[:-1], cfg.reference_exponent, dtype=np.int64)
    else:
        r = np.where(live, e, _ZERO_EXP).max(axis=-1)
        r = np.where(r == _ZERO_EXP, 0, r)
    return r, np.maximum(r[..., None] - e, 0)


def grmac_weight_codes(
    x: NDArray[np.float64], w: NDArray[np.float64], cfg: GRMACConfig,
    w_row_exp: NDArray[np.int64] | None, weight_bits: int,
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """What a weight-sliced GR-MAC column sees: per row, the signed analog factor ``a``
    (input mantissa times the gain ``2**-d`` and the weight's sign, normalized units), the
    weight's magnitude code ``c`` (a non-negative integer of ``weight_bits - 1`` bits, the
    bits the cells hold) and the reference exponent ``R``, so that the accumulated sum is
    ``sum(a * c) * 2**-(weight_bits - 2)`` (codes with the implicit binary point after the
    first integer bit) and the output ``sum(...) * 2**R``. Gain range unlimited (the ADC-only
    view). ``unit`` and ``row`` only: ``int`` blocks are integers already.
    """
    if cfg.normalization not in ("unit", "row"):
        raise ModelDomainError("normalization", cfg.normalization, "unit or row")
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    shape = (*x.shape, 1)
    mx, ex = _decompose(x.reshape(shape))
    frac = weight_bits - 2  # sign + one integer bit + fraction bits
    if cfg.normalization == "row":
        if w_row_exp is None:
            _, own = _decompose(w)
            w_row_exp = np.where(w == 0.0, 0, own)
        f = np.broadcast_to(w_row_exp, w.shape).reshape(shape).astype(np.int64)
        mw = round_to_step(np.ldexp(w.reshape(shape), -f), 2.0**-frac)
        ew = np.where(mw == 0.0, _ZERO_EXP, f)
    else:
        mw, ew = _decompose(w.reshape(shape))
        mw = round_to_step(mw, 2.0**-frac)
    e = (ex + ew)[..., 0]
    live = (mx * mw)[..., 0] != 0.0
    r, d = _reference(cfg, e, live)
    a = np.where(live, np.ldexp(mx[..., 0] * np.sign(mw[..., 0]), -np.minimum(d, 1100)), 0.0)
    c = np.rint(np.abs(mw[..., 0]) * 2.0**frac).astype(np.int64)
    return a, c, r


def grmac_int_codes(
    x: NDArray[np.float64], w: NDArray[np.float64], cfg: GRMACConfig, int_bits: int,
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """``grmac_weight_codes`` for ``int`` normalization: per row the signed analog factor
    ``a`` (the block-aligned input, rounded to ``int_bits``, times its block's gain
    ``2**-d`` and the weight's sign, normalized units), the weight's block-aligned magnitude
    code ``c`` (``int_bits - 1`` bits, what the cells hold) and the reference exponent ``R``,
    so that the accumulated sum is ``sum(a * c) * 2**-(int_bits - 2)``, as
    ``grmac_accumulate`` gives with both operands rounded to ``int_bits``. Gain range
    unlimited (the ADC-only view).
    """
    if cfg.normalization != "int":
        raise ModelDomainError("normalization", cfg.normalization, "int")
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    g = _block_size(cfg, x.shape[-1])
    shape = (*x.shape[:-1], x.shape[-1] // g, g)
    ax, aw, e_blk = _int_blocks(*_decompose(x.reshape(shape)), *_decompose(w.reshape(shape)),
                                int_bits)
    live = (ax * aw).sum(axis=-1) != 0.0  # as grmac_accumulate: empty blocks add nothing
    r, d = _reference(cfg, e_blk, live)
    gain = np.where(live, np.ldexp(1.0, -np.minimum(d, 1100)), 0.0)[..., None]
    a = ax * np.sign(aw) * gain
    c = np.rint(np.abs(aw) * 2.0 ** (int_bits - 2)).astype(np.int64)
    return a.reshape(x.shape), c.reshape(x.shape), r


def grmac_input_magnitudes(x: NDArray[np.float64], cfg: GRMACConfig,
                           int_bits: int | None = None) -> NDArray[np.float64]:
    """Magnitude in ``[0, 2)`` of each input as its row's DAC applies it, before the gain and
    the sign: ``|a| = m 2**-d`` of :func:`grmac_weight_codes` / :func:`grmac_int_codes`
    (``unit``, ``row``: the input's mantissa ``|m_x|``; ``int``: the block-aligned input
    rounded to ``int_bits``, as :func:`grmac_int_codes` rounds it). Shape of ``x``."""
    x = np.asarray(x, dtype=np.float64)
    if cfg.normalization != "int":
        return np.abs(_decompose(x)[0])
    g = _block_size(cfg, x.shape[-1])
    ax, _ = _int_align(*_decompose(x.reshape(*x.shape[:-1], x.shape[-1] // g, g)), int_bits)
    return np.abs(ax).reshape(x.shape)


def row_exponents(w_block: NDArray[np.float64]) -> NDArray[np.int64]:
    """Shared row exponent of weights ``w_block`` of shape ``(..., N, weight_block)``.

    The exponent of the block's largest magnitude (so stored fractions lie in (-2, 2)).
    """
    amax = np.abs(w_block).max(axis=-1)
    _, e = _decompose(amax)
    return np.where(amax == 0.0, 0, e)


#: Elements (dot products x rows) one pass of :func:`grmac_accumulate` handles: its dozen
#: temporaries then stay in the CPU cache, which makes a Monte Carlo ensemble several times
#: faster than whole-ensemble passes (fresh memory for every temporary). Each result
#: belongs to one dot product, so the chunking changes no bit.
CHUNK_ELEMENTS = 1 << 15


def grmac_accumulate(
    x: NDArray[np.float64],
    w: NDArray[np.float64],
    cfg: GRMACConfig,
    w_row_exp: NDArray[np.int64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Noise-free analog sum after the gain-ranging stage, and the reference exponent R.

    Returns ``(s, r)`` of shape ``(...)``: ``s`` in units of a normalized mantissa product
    (``|s| <= 4 N``), so that the exact result is ``s * 2**r`` when nothing is flushed.
    """
    if cfg.normalization not in NORMALIZATIONS:
        raise ModelDomainError("normalization", cfg.normalization,
                               f"one of {', '.join(NORMALIZATIONS)}")
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    g = _block_size(cfg, x.shape[-1])
    n = x.shape[-1]
    rows = max(1, CHUNK_ELEMENTS // max(n, 1))
    if x.ndim < 2 or x.shape != w.shape or x.size <= rows * n:
        return _accumulate(cfg, x, w, g, w_row_exp)
    x2, w2 = x.reshape(-1, n), w.reshape(-1, n)
    f2 = None if w_row_exp is None else np.broadcast_to(w_row_exp, w.shape).reshape(-1, n)
    s = np.empty(x2.shape[0], dtype=np.float64)
    r = np.empty(x2.shape[0], dtype=np.int64)
    for i in range(0, x2.shape[0], rows):
        sl = slice(i, i + rows)
        s[sl], r[sl] = _accumulate(cfg, x2[sl], w2[sl], g, None if f2 is None else f2[sl])
    return s.reshape(x.shape[:-1]), r.reshape(x.shape[:-1])


def _accumulate(
    cfg: GRMACConfig, x: NDArray[np.float64], w: NDArray[np.float64], g: int,
    w_row_exp: NDArray[np.int64] | None,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """:func:`grmac_accumulate` of one chunk of dot products."""
    s_blk, e_blk = _aligned_blocks(cfg, x, w, g, w_row_exp)
    live = s_blk != 0.0
    r, d = _reference(cfg, e_blk, live)
    keep = live if cfg.gain_range_octaves is None else live & (d <= cfg.gain_range_octaves)
    s = np.where(keep, np.ldexp(s_blk, -np.minimum(d, 1100)), 0.0).sum(axis=-1)
    return s, r


def grmac_output(
    s: NDArray[np.float64], r: NDArray[np.int64], n_rows: int, cfg: GRMACConfig,
    rng: np.random.Generator | None = None, adc_offset: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """Thermal noise, output gain-ranging and ADC applied to accumulated sums ``s``.

    ``adc_offset``: per-conversion shift of the ADC's level grid in steps (see
    ``stages.quantize_uniform``); None = no shift.
    """
    s = add_thermal_noise(s, cfg.noise_rms, rng)
    k_lo = -float(np.ceil(np.log2(4.0 * n_rows)))
    k_hi = 1e6 if cfg.output_gain_octaves is None else k_lo + cfg.output_gain_octaves
    k = normalizing_shift(s, k_lo, k_hi).astype(np.int64)
    v = quantize_uniform(np.ldexp(s, k), cfg.adc_bits, 1.0, adc_offset)
    return np.ldexp(v, r - k)


def grmac_dot(
    x: NDArray[np.float64],
    w: NDArray[np.float64],
    cfg: GRMACConfig,
    rng: np.random.Generator | None = None,
    w_row_exp: NDArray[np.int64] | None = None,
) -> NDArray[np.float64]:
    """Hardware estimate of ``sum(x * w, -1)``; ``x``, ``w`` shape ``(..., N)``.

    ``w_row_exp`` (``row`` normalization only): shared exponent of each weight's array row, same
    shape as ``w`` (see :func:`row_exponents`); None = every weight is its own row block.
    """
    s, r = grmac_accumulate(x, w, cfg, w_row_exp)
    return grmac_output(s, r, np.shape(x)[-1], cfg, rng)
