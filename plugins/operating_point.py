"""Design quantities of each pipeline, derived by Monte Carlo from first principles.

For one input ensemble (distribution, formats, rows per ADC) at the top of the input range,
this finds what each stage must provide to meet its share of the SQNR budget:

- conventional: ADC bits with an oracle full scale; input and weight fixed-point widths with
  oracle clipping levels; the MAC utilization ``u`` those clipping levels leave;
- GR-MAC: ADC bits after output gain-ranging; stored weight / integer widths (``row``,
  ``int``); the gain range (octaves below the reference) the gain-ranging stage needs; the
  MAC utilization of the gain-ranged normalized sum.

The SQNR budget: hardware noise sources are independent, so their powers add. The target is
split into equal shares between the ADC, the analog thermal noise and operand alignment
(each must reach ``target + 10 log10(3)`` dB alone); the alignment share is split again
between inputs and weights (conventional) or operand rounding and gain-range flushing
(GR-MAC). docs/models.md, "Operating point".
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from scipy import optimize

from grcim.errors import ModelDomainError
from grcim.plugins.op_disk_cache import load_or_compute
from grcim.plugins.pipelines import GRMACConfig, grmac_accumulate
from grcim.plugins.pipelines.grmac import VARIANTS, row_exponents
from grcim.plugins.pipelines.stages import round_to_step
from grcim.plugins.sqnr import (
    analysis_offset,
    check_target,
    conventional_required_adc_bits,
    grmac_required_adc_bits,
    make_operands,
    required_bits,
    sqnr_db,
)

__all__ = [
    "OperatingPoint", "derive_operating_point", "operating_point", "BUDGET_SHARES",
    "GAIN_REFERENCES", "CACHE_STEP_DB",
]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
#: Noise-budget shares (ADC, thermal, operand alignment / gain-range flushing).
BUDGET_SHARES = 3
GAIN_REFERENCES: tuple[str, ...] = ("vector_max", "fixed")
_HALF_DB = 10.0 * np.log10(2.0)
#: Rows drawn to sample the other weights of a ``row`` block (their maxima are reused).
ROW_POOL = 8192


@dataclass(frozen=True)
class OperatingPoint:
    """What each stage must deliver at the top of the input range (see module docstring).

    Attributes
    ----------
    sqnr_target_db : float
        End-to-end SQNR standard, dB.
    share_db : float
        SQNR each of the ``BUDGET_SHARES`` noise sources must reach on its own, dB.
    n_rows : int
        Rows accumulated per ADC conversion (N).
    input_man_bits, weight_man_bits : int
        Explicit mantissa bits of the input / weight formats.
    exponent_span : int
        Distinct product exponents the top-of-range ensemble uses (sizes exponent logic).
    conv_adc_bits : float
        Conventional ADC bits (oracle full scale).
    conv_input_bits, conv_weight_bits : float
        Conventional signed fixed-point widths of aligned inputs / weights.
    conv_utilization : float
        ``E[x**2] E[w**2] / (X W)**2`` with the aligned full scales X, W (cell sizing).
    gr_adc_bits : float
        GR-MAC ADC bits after output gain-ranging.
    gr_input_bits, gr_weight_bits : float
        GR-MAC signed DAC width and stored weight width (sign included).
    gr_gain_octaves : float
        Gain range G0 (octaves below the reference) the top-of-range ensemble needs.
    gr_utilization : float
        ``E[S**2] / (16 N)`` of the gain-ranged normalized sum S (products in [1, 4)).
    variant, gain_reference : str
        GR-MAC normalization granularity and reference mode the GR numbers refer to.
    block_rows : int
        Rows per normalization block (1 for ``unit`` and ``row``; ``int`` blocks).
    weight_block : int
        Columns sharing a weight-row exponent (``row``).
    """

    sqnr_target_db: float
    share_db: float
    n_rows: int
    input_man_bits: int
    weight_man_bits: int
    exponent_span: int
    conv_adc_bits: float
    conv_input_bits: float
    conv_weight_bits: float
    conv_utilization: float
    gr_adc_bits: float
    gr_input_bits: float
    gr_weight_bits: float
    gr_gain_octaves: float
    gr_utilization: float
    variant: str
    gain_reference: str
    block_rows: int
    weight_block: int


def _operand_bits(v: F64, target_db: float) -> tuple[float, float]:
    """Signed fixed-point width (oracle clipping) giving ``v`` itself ``target_db`` SQNR.

    The dot-product error from rounding one operand is ``sum(e_i w_i)`` with ``e_i``
    zero-mean and independent of ``w``, so its SQNR equals the operand's own SQNR.
    """
    v = v.ravel()[:150_000]
    rms = float(np.sqrt(np.mean(v**2)))
    peak = float(np.max(np.abs(v)))
    sig = float(np.mean(v**2))
    u = analysis_offset(v.shape)  # dither: FP operands sit on a dyadic lattice

    def err(bits: float, f: float) -> float:
        return float(np.mean((round_to_step(v, f / 2.0 ** (bits - 1), f, u) - v) ** 2))

    def best(bits: float) -> tuple[float, float]:
        fs = np.geomspace(rms, max(peak, rms * 1.0001), 16)
        mse = [err(bits, f) for f in fs]
        i = int(np.argmin(mse))
        lo, hi = np.log(fs[max(i - 1, 0)]), np.log(fs[min(i + 1, len(fs) - 1)])
        res = optimize.minimize_scalar(lambda lf: err(bits, float(np.exp(lf))), bounds=(lo, hi),
                                       method="bounded", options={"xatol": 1e-3})
        if res.fun < mse[i]:
            return float(res.fun), float(np.exp(res.x))
        return mse[i], float(fs[i])

    b = required_bits(lambda bits: 10.0 * np.log10(sig / max(best(bits)[0], 1e-300)), target_db)
    return b, best(b)[1]


def _saturate(v: F64, r: int) -> F64:
    """Clip ``v`` to the largest value whose exponent is ``r`` (mantissa just below 2)."""
    top = np.nextafter(2.0 ** (r + 1), 0.0)
    return np.clip(v, -top, top)


def _window_exponent(v: F64, target_db: float) -> int:
    """Lowest exponent window top whose saturation of ``v`` alone keeps ``target_db``."""
    _, e = np.frexp(np.abs(v).max())
    sig = float(np.mean(v**2))
    for r in range(int(e) - 41, int(e)):
        err = float(np.mean((_saturate(v, r) - v) ** 2))
        if err == 0.0 or 10.0 * np.log10(sig / err) >= target_db:
            return r
    return int(e) - 1


def _smallest_int(sqnr_of: Callable[[int], float], target_db: float, name: str,
                  lo: int = 0, hi: int = 40) -> int:
    for k in range(lo, hi + 1):
        if sqnr_of(k) >= target_db:
            return k
    raise ModelDomainError(name, f">{hi}", f"at most {hi} to reach {target_db:.1f} dB")


def derive_operating_point(
    distribution: str = "gaussian",
    input_format: str = "fp8_e4m3",
    weight_format: str = "fp8_e4m3",
    n_rows: int = 64,
    sqnr_target_db: float = 35.0,
    variant: str = "row",
    gain_reference: str = "fixed",
    weight_block: int = 32,
    int_block_rows: int | None = None,
    n_samples: int = 8000,
    seed: int = 0,
    **dist_params: float,
) -> OperatingPoint:
    """Monte Carlo design quantities for one ensemble (same seed, same numbers)."""
    from grcim.plugins.formats import get_format

    target = check_target(sqnr_target_db)
    if variant not in VARIANTS:
        raise ModelDomainError("variant", variant, f"one of {', '.join(VARIANTS)}")
    if gain_reference not in GAIN_REFERENCES:
        raise ModelDomainError("gain_reference", gain_reference, "one of vector_max, fixed")
    if not 1 <= n_rows <= 4096:
        raise ModelDomainError("n_rows", n_rows, "an integer from 1 to 4096")
    if not 1 <= weight_block <= 1024:
        raise ModelDomainError("weight_block", weight_block, "an integer from 1 to 1024")
    fx, fw = get_format(input_format), get_format(weight_format)
    share = target + 10.0 * np.log10(BUDGET_SHARES)
    x, w = make_operands(distribution, n_rows, n_samples, seed, input_format, weight_format,
                         **dist_params)
    y = np.einsum("...n,...n->...", x, w)
    # conventional: global fixed point, oracle full scales
    conv_adc = conventional_required_adc_bits(x, w, share)
    bx, fs_x = _operand_bits(x, share + _HALF_DB)
    bw, fs_w = _operand_bits(w, share + _HALF_DB)
    u_conv = float(np.mean(x**2) * np.mean(w**2)) / (fs_x * fs_w) ** 2
    # GR-MAC
    f_row: I64 | None = None
    if variant == "row":
        # the other weight_block - 1 weights of each row: the row exponent is the larger of
        # the weight's own and theirs; their maxima are drawn from a pool of rows
        _, pool = make_operands(distribution, max(weight_block - 1, 1), ROW_POOL, seed + 1,
                                input_format, weight_format, **dist_params)
        pool_exp = row_exponents(pool[:, None, :])[:, 0] if weight_block > 1 else None
        own = row_exponents(w[..., None])
        if pool_exp is None:
            f_row = own
        else:
            pick = np.random.default_rng(seed + 2).integers(0, ROW_POOL, size=w.shape)
            f_row = np.maximum(own, np.where(np.abs(pool).max(axis=-1)[pick] > 0,
                                             pool_exp[pick], own))
    g = (int_block_rows or n_rows) if variant == "int" else 1
    cfg = GRMACConfig(variant=variant, block_rows=g,  # type: ignore[arg-type]
                      gain_reference=gain_reference)  # type: ignore[arg-type]

    def sq(c: GRMACConfig) -> float:
        s, r = grmac_accumulate(x, w, c, f_row)
        return sqnr_db(y, np.ldexp(s, r))

    _, e = np.frexp(x * w)
    live = x * w != 0
    e_max = int(e[live].max()) - 1 if live.any() else 0
    e_min = int(e[live].min()) - 1 if live.any() else 0
    if gain_reference == "fixed":
        # a design-time exponent window per operand, set like the conventional pipeline's
        # oracle clipping levels: operands above it saturate, R = R_x + R_w
        r_x = _window_exponent(x, share + 2 * _HALF_DB)
        r_w = _window_exponent(w, share + 2 * _HALF_DB)
        x = _saturate(x, r_x)
        w = _saturate(w, r_w)
        cfg = replace(cfg, reference_exponent=r_x + r_w)
        if f_row is not None:
            f_row = np.minimum(f_row, r_w)
        y = np.einsum("...n,...n->...", x, w)  # later errors measured against saturated y
        sub = share + 2 * _HALF_DB  # saturation takes half of the alignment share
    else:
        sub = share + _HALF_DB
    gr_in, gr_w = fx.man_bits + 2.0, fw.man_bits + 2.0  # sign + hidden bit + fraction
    if variant == "row":
        k = _smallest_int(lambda b: sq(replace(cfg, weight_frac_bits=b)), sub,
                          "weight_frac_bits", 1)
        cfg, gr_w = replace(cfg, weight_frac_bits=k), k + 2.0
    elif variant == "int":
        k = _smallest_int(lambda b: sq(replace(cfg, int_bits=b)), sub, "int_bits", 2)
        cfg, gr_in, gr_w = replace(cfg, int_bits=k), float(k), float(k)
    gain = _smallest_int(lambda k: sq(replace(cfg, gain_range_octaves=float(k))),
                         sub, "gain_range_octaves", 0, 63)
    # ADC-only requirement: every other stage ideal (its own share is budgeted separately)
    gr_adc = grmac_required_adc_bits(
        x, w, share, replace(cfg, weight_frac_bits=None, int_bits=None), f_row)
    cfg = replace(cfg, gain_range_octaves=float(gain))
    s, _ = grmac_accumulate(x, w, cfg, f_row)
    u_gr = float(np.mean(s**2)) / (16.0 * n_rows)
    return OperatingPoint(
        sqnr_target_db=target, share_db=float(share), n_rows=int(n_rows),
        input_man_bits=fx.man_bits, weight_man_bits=fw.man_bits,
        exponent_span=e_max - e_min + 1,
        conv_adc_bits=conv_adc, conv_input_bits=bx, conv_weight_bits=bw,
        conv_utilization=u_conv,
        gr_adc_bits=gr_adc, gr_input_bits=gr_in, gr_weight_bits=gr_w,
        gr_gain_octaves=float(gain), gr_utilization=u_gr,
        variant=variant, gain_reference=gain_reference, block_rows=g,
        weight_block=int(weight_block),
    )


#: Spacing (dB) of the SQNR targets at which cached operating points are computed.
CACHE_STEP_DB = 5.0


@functools.lru_cache(maxsize=1024)
def _cached(distribution: str, input_format: str, weight_format: str, n_rows: int,
            target_db: float, variant: str, gain_reference: str, weight_block: int,
            n_samples: int, seed: int) -> OperatingPoint:
    settings = dict(locals())  # every argument: the on-disk cache key (op_disk_cache)
    return load_or_compute(settings, lambda: derive_operating_point(
        distribution, input_format, weight_format, n_rows, target_db, variant,
        gain_reference, weight_block, n_samples=n_samples, seed=seed), OperatingPoint)


_INTERPOLATED = ("share_db", "conv_adc_bits", "conv_input_bits", "conv_weight_bits",
                 "gr_adc_bits", "gr_input_bits", "gr_weight_bits", "gr_gain_octaves")


def operating_point(
    distribution: str = "gaussian",
    input_format: str = "fp8_e4m3",
    weight_format: str = "fp8_e4m3",
    n_rows: int = 64,
    sqnr_target_db: float = 35.0,
    variant: str = "row",
    gain_reference: str = "fixed",
    weight_block: int = 32,
    n_samples: int = 3000,
    seed: int = 0,
) -> OperatingPoint:
    """Fast operating point for plug-ins and tables (cached Monte Carlo, interpolated).

    Monte Carlo runs at the two SQNR targets on a ``CACHE_STEP_DB`` grid around
    ``sqnr_target_db`` are cached per ensemble; bit widths and gain octaves are interpolated
    linearly in the target (every quantizer gains 6.02 dB per bit, so they are close to
    linear) and utilizations geometrically. tests/plugins/test_operating_point.py bounds the
    error against a direct run. Rows longer than 64 use proportionally fewer vectors (at least
    500), keeping each query's Monte Carlo near ``n_samples x 64`` MAC-samples.
    """
    t = check_target(sqnr_target_db)
    if not 1 <= int(n_rows) <= 4096:
        raise ModelDomainError("n_rows", n_rows, "an integer from 1 to 4096")
    # keep the Monte Carlo at about n_samples x 64 MAC-samples: long rows need fewer vectors
    # (their sums are closer to Gaussian) and would otherwise cost seconds per query
    n_samples = max(500, min(int(n_samples), int(n_samples) * 64 // int(n_rows)))
    lo = float(np.clip(np.floor(t / CACHE_STEP_DB) * CACHE_STEP_DB, 10.0, 95.0))
    hi = lo + CACHE_STEP_DB
    key = (distribution, input_format, weight_format, int(n_rows))
    rest = (variant, gain_reference, int(weight_block), int(n_samples), int(seed))
    a = _cached(*key, lo, *rest)
    if np.isclose(t, lo):
        return replace(a, sqnr_target_db=t)
    b = _cached(*key, hi, *rest)
    f = (t - lo) / (hi - lo)
    vals = {k: (1.0 - f) * getattr(a, k) + f * getattr(b, k) for k in _INTERPOLATED}
    for k in ("conv_utilization", "gr_utilization"):
        vals[k] = float(np.exp((1.0 - f) * np.log(getattr(a, k)) + f * np.log(getattr(b, k))))
    return replace(a, sqnr_target_db=t, **vals)
