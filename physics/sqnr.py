"""SQNR engine: Monte Carlo and analytic SQNR of the CIM pipelines; ADC bits for a target.

Definitions (docs/models.md, "SQNR"):

- SQNR of an ensemble of dot products = ``10 log10(E[y**2] / E[(y_hw - y)**2])`` where ``y``
  is the exact dot product of the *format-rounded* operands (format rounding is the workload's
  choice, not a hardware error) and ``y_hw`` the pipeline's output; expectations run over the
  ensemble (``n_samples`` independent dot products of ``n_rows`` terms).
- The conventional ADC full scale is set by an oracle that knows the output distribution and
  picks the clipping level minimising the mean-square error: the most favourable setting any
  calibration can reach, hence a *lower* bound on the bits the conventional pipeline needs.
- Required ADC bits: the real-valued resolution at which the ADC-only SQNR (all other stages
  ideal) reaches the target; the quantizer step is ``2 FS / 2**B`` for real ``B``.
- Dither: a real converter's sub-LSB input noise and comparator offsets make its error
  uniform and uncorrelated with the signal. Noise-free FP dot products sit on a dyadic
  lattice that can coincide with an ideal ADC's thresholds (every error exactly half a step,
  SQNR not monotone in B), so the ADC-only and width analyses shift the level grid per
  conversion by a uniform offset of up to half a step (``analysis_offset``, fixed seed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, stats

from grcim.errors import ModelDomainError
from grcim.physics.pipelines import GRMACConfig, grmac_accumulate, grmac_output
from grcim.physics.pipelines.stages import normalizing_shift

__all__ = [
    "sqnr_db",
    "make_operands",
    "oracle_adc_sqnr_db",
    "oracle_mse",
    "oracle_mse_curve",
    "paired_outputs",
    "grmac_adc_sqnr_db",
    "grmac_adc_curve",
    "grmac_sums",
    "GRMACSums",
    "bit_true_curve",
    "reduced_curve",
    "required_bits",
    "conventional_required_adc_bits",
    "grmac_required_adc_bits",
    "analytic_gaussian_oracle_sqnr_db",
    "analytic_grmac_sqnr_db",
    "grmac_guaranteed_sqnr_db",
    "check_target",
    "check_share",
    "BITS_RANGE",
]

F64 = NDArray[np.float64]
BITS_RANGE = (1.0, 32.0)
#: ``1 / (3 E_w[v**-2])`` for a power-weighted mantissa log-uniform on [1/2, 1): 2 ln 2 / 3.
POWER_WEIGHTED_FACTOR = 2.0 * np.log(2.0) / 3.0


def check_target(sqnr_target_db: float) -> float:
    """Validate an SQNR standard (dB); the models are meaningful from 6 to 100 dB."""
    t = float(sqnr_target_db)
    if not 6.0 <= t <= 100.0:
        raise ModelDomainError("sqnr_target_db", sqnr_target_db, "a number from 6 to 100 dB")
    return t


#: SQNR one stage may be asked to reach on its own, dB: a 100 dB standard split into three
#: equal shares asks 104.8 dB of each; one share split again in halves, 107.8 dB.
STAGE_RANGE_DB = (6.0, 115.0)


def check_share(share_db: float) -> float:
    """Validate the SQNR one stage must reach alone (dB), a share of the standard."""
    t = float(share_db)
    lo, hi = STAGE_RANGE_DB
    if not lo <= t <= hi:
        raise ModelDomainError("sqnr_share_db", share_db, f"a number from {lo:g} to {hi:g} dB")
    return t


def sqnr_db(reference: F64, estimate: F64) -> float:
    """Ensemble SQNR in dB of ``estimate`` against ``reference`` (same shape)."""
    err = float(np.mean((np.asarray(estimate) - reference) ** 2))
    sig = float(np.mean(np.asarray(reference) ** 2))
    return float("inf") if err == 0.0 else 10.0 * np.log10(sig / err)


def make_operands(
    distribution: str,
    n_rows: int,
    n_samples: int,
    seed: int,
    input_format: str | None = None,
    weight_format: str | None = None,
    weight_distribution: str | None = None,
    **dist_params: float,
) -> tuple[F64, F64]:
    """Format-rounded operands ``x, w`` of shape ``(n_samples, n_rows)``.

    Integer formats use their full code range through a calibrated per-tensor scale
    (:func:`grcim.physics.formats.quantize_operands`).

    Inputs follow ``distribution``; weights follow ``weight_distribution`` (default: the
    same). The same seed gives the same operands.
    """
    from grcim.physics.distributions import sample
    from grcim.physics.formats import quantize_operands

    rng = np.random.default_rng(seed)
    shape = (int(n_samples), int(n_rows))
    x = sample(distribution, shape, rng, **dist_params)
    wd = weight_distribution or distribution
    w = sample(wd, shape, rng, **(dist_params if wd == distribution else {}))
    if input_format is not None:
        x = quantize_operands(x, input_format)
    if weight_format is not None:
        w = quantize_operands(w, weight_format)
    return x, w


#: Seed of the per-conversion grid offsets of the analyses (independent of the operands').
ANALYSIS_OFFSET_SEED = 0x5EED


def analysis_offset(shape: tuple[int, ...]) -> F64:
    """Per-conversion ADC grid offsets in steps, uniform on [-1/2, 1/2) (see module doc)."""
    return np.random.default_rng(ANALYSIS_OFFSET_SEED).uniform(-0.5, 0.5, size=shape)


def oracle_mse_curve(y: F64) -> Callable[[float], float]:
    """``mse(n_bits)``: smallest quantization MSE of ``y`` over ADC full scales (oracle).

    With the dithered ADC (module docstring) a sample inside the range has error power
    ``D**2 / 12`` exactly and a clipped one ``(|y| - top)**2`` with ``top = FS - D/2``; the
    MSE for a full scale is therefore computed exactly from sorted magnitudes and prefix
    sums (a Rao-Blackwellized Monte Carlo over the operands), which is fast and smooth in FS.
    The magnitudes are sorted once for every ``n_bits``.
    """
    a = np.sort(np.abs(np.asarray(y, dtype=np.float64)).ravel())
    n = a.size
    rms = float(np.sqrt(np.mean(a**2))) or 1.0
    s1 = np.concatenate([[0.0], np.cumsum(a[::-1])])  # sums of the largest k magnitudes
    s2 = np.concatenate([[0.0], np.cumsum(a[::-1] ** 2)])
    peak = float(np.log(a[-1] / rms + 1e-12))
    grid = np.linspace(np.log(0.5), max(peak, np.log(2.0)) + 0.1, 96)

    def curve(n_bits: float) -> float:
        def mse(log_fs: float) -> float:
            fs = float(np.exp(log_fs)) * rms
            step = 2.0 * fs / 2.0**n_bits
            top = fs - step / 2.0
            k = n - int(np.searchsorted(a, top, side="right"))  # clipped samples
            over = s2[k] - 2.0 * top * s1[k] + k * top * top
            return float(((n - k) * step * step / 12.0 + over) / n)

        best = grid[int(np.argmin([mse(g) for g in grid]))]
        res = optimize.minimize_scalar(mse, bounds=(best - 0.05, best + 0.05),
                                       method="bounded", options={"xatol": 1e-5})
        return float(min(res.fun, mse(best)))

    return curve


def paired_outputs(x: F64, w: F64, pairings: int) -> F64:
    """Dot products of every input vector with ``pairings`` weight vectors (at most every
    one: ``min(pairings, n_samples)``), shape ``(k * n_samples,)``: row ``i`` of ``x`` with
    rows ``i, i+1, ...`` of ``w``
    (cyclically). Inputs and weights are drawn independently, so each pair is a draw of the
    ensemble's output: a cheap way to many more outputs for tail statistics."""
    k = max(1, min(int(pairings), x.shape[0]))
    return np.concatenate([np.einsum("...n,...n->...", x, np.roll(w, -j, axis=0)).ravel()
                           for j in range(k)])


def oracle_mse(y: F64, n_bits: float) -> float:
    """Smallest quantization MSE of ``y`` with an ``n_bits`` ADC over full scales (oracle)."""
    return oracle_mse_curve(y)(n_bits)


def oracle_adc_sqnr_db(y: F64, n_bits: float) -> float:
    """Conventional ADC-only SQNR of outputs ``y`` with an oracle-chosen full scale (dB)."""
    return 10.0 * np.log10(float(np.mean(y**2)) / oracle_mse(y, n_bits))


def grmac_adc_sqnr_db(
    x: F64, w: F64, n_bits: float, cfg: GRMACConfig | None = None,
    w_row_exp: NDArray[np.int64] | None = None,
) -> float:
    """GR-MAC SQNR with an ``n_bits`` ADC (other stages ideal unless ``cfg`` says otherwise)."""
    return _grmac_adc_curve(x, w, cfg, w_row_exp)(n_bits)


@dataclass(frozen=True)
class GRMACSums:
    """One ensemble's exact outputs ``y`` and the GR-MAC's analog sums ``s`` with their
    reference exponents ``r`` (shape ``(n_samples,)``), computed once for every ADC width."""

    y: F64
    s: F64
    r: NDArray[np.int64]
    n_rows: int
    cfg: GRMACConfig


def grmac_sums(x: F64, w: F64, cfg: GRMACConfig | None = None,
               w_row_exp: NDArray[np.int64] | None = None) -> GRMACSums:
    """Accumulate an ensemble once (all stages before the ADC)."""
    base = cfg or GRMACConfig()
    s, r = grmac_accumulate(x, w, base, w_row_exp)
    return GRMACSums(np.einsum("...n,...n->...", x, w), s, r, x.shape[-1], base)


def bit_true_curve(sums: GRMACSums):
    """SQNR as a function of ADC bits with the dithered ADC applied to every sample."""
    u = analysis_offset(np.shape(sums.y))
    return lambda b: sqnr_db(sums.y, grmac_output(sums.s, sums.r, sums.n_rows,
                                                  replace(sums.cfg, adc_bits=b), adc_offset=u))


def reduced_curve(sums: GRMACSums):
    """SQNR as a function of ADC bits by the variance-reduced estimator (``grmac_adc_curve``)."""
    k = normalizing_shift(sums.s, -float(np.ceil(np.log2(4.0 * sums.n_rows))), 1e6)
    inv_gain2 = np.where(sums.s != 0.0, np.exp2(2.0 * (sums.r - k)), 0.0)  # (2**(R - k))**2
    sig = float(np.mean(sums.y**2))
    mean_inv_gain2 = float(np.mean(inv_gain2))

    def curve(b: float) -> float:
        step = 2.0 / 2.0**b
        return 10.0 * np.log10(sig / (mean_inv_gain2 * step * step / 12.0))

    return curve


def _grmac_adc_curve(x: F64, w: F64, cfg: GRMACConfig | None,
                     w_row_exp: NDArray[np.int64] | None):
    """Bit-true SQNR as a function of ADC bits, accumulating the analog sums only once."""
    return bit_true_curve(grmac_sums(x, w, cfg, w_row_exp))


def grmac_adc_curve(x: F64, w: F64, cfg: GRMACConfig | None = None,
                    w_row_exp: NDArray[np.int64] | None = None):
    """GR-MAC ADC-only SQNR as a function of bits, by a variance-reduced Monte Carlo.

    With the dithered ADC the error of a sample gain-ranged by ``2**k`` has conditional mean
    square ``4**-k D**2 / 12`` exactly (away from the top half step), so the ensemble SQNR is
    ``E[y**2] / (E[4**-k] D**2 / 12)``, estimated from the same samples without the
    per-sample error draw (a Rao-Blackwellized estimator). Heavy-tailed ensembles, whose
    power sits in a few samples, then need far fewer samples; the bit-true estimate
    (``grmac_adc_sqnr_db``) agrees within its own scatter (tests/plugins/test_sqnr.py).
    """
    return reduced_curve(grmac_sums(x, w, cfg, w_row_exp))


def required_bits(sqnr_of_bits, target_db: float) -> float:
    """Smallest real ``B`` in ``BITS_RANGE`` with ``sqnr_of_bits(B) >= target_db``."""
    lo, hi = BITS_RANGE
    f = lambda b: sqnr_of_bits(b) - target_db  # noqa: E731
    if f(lo) >= 0:
        return lo
    if f(hi) < 0:
        raise ModelDomainError("sqnr_target_db", target_db, f"reachable within {hi:g} ADC bits")
    return float(optimize.brentq(f, lo, hi, xtol=1e-3))


def conventional_required_adc_bits(x: F64, w: F64, target_db: float,
                                   pairings: int = 1) -> float:
    """ADC bits the conventional pipeline needs (oracle full scale, other stages ideal),
    over the outputs of each input vector with ``pairings`` weight vectors
    (:func:`paired_outputs`)."""
    y = paired_outputs(x, w, pairings)
    sig = float(np.mean(y**2))
    curve = oracle_mse_curve(y)
    return required_bits(lambda b: 10.0 * np.log10(sig / curve(b)), check_share(target_db))


def grmac_required_adc_bits(
    x: F64, w: F64, target_db: float, cfg: GRMACConfig | None = None,
    w_row_exp: NDArray[np.int64] | None = None,
) -> float:
    """ADC bits the GR-MAC needs (output gain-ranged to full scale, other stages ideal)."""
    t = check_share(target_db)
    return required_bits(grmac_adc_curve(x, w, cfg, w_row_exp), t)


def analytic_gaussian_oracle_sqnr_db(n_bits: float | F64) -> F64:
    """ADC SQNR of a Gaussian signal with the MSE-optimal clipping level (dB).

    Notes
    -----
    For clip level ``c`` (in units of the rms) and step ``D = 2c / 2**B``:
    ``MSE = D**2/12 * (1 - 2Q(c)) + 2[(1 + c**2) Q(c) - c phi(c)]`` (granular + overload),
    minimised over ``c``. The conventional output of ``N >= 16`` light-tailed products is
    near-Gaussian by the central limit theorem. Reference: J. Max, IRE Trans. IT-6, 1960;
    D. Hui and D. Neuhoff, IEEE Trans. IT-47, 2001.
    """

    def one(b: float) -> float:
        def mse(c: float) -> float:
            d = 2.0 * c / 2.0**b
            gran = d * d / 12.0 * (1.0 - 2.0 * stats.norm.sf(c))
            over = 2.0 * ((1.0 + c * c) * stats.norm.sf(c) - c * stats.norm.pdf(c))
            return gran + over

        res = optimize.minimize_scalar(mse, bounds=(0.5, 12.0), method="bounded",
                                       options={"xatol": 1e-6})
        return -10.0 * np.log10(res.fun)

    return np.vectorize(one, otypes=[float])(n_bits)


def analytic_grmac_sqnr_db(n_bits: float | F64) -> F64:
    """GR-MAC ADC SQNR when the power-weighted output mantissa is log-uniform, dB.

    Notes
    -----
    The output ``y = 2**-k v`` is gain-ranged to ``v`` in ``[1/2, 1)`` before a bipolar ADC of
    full scale 1 and step ``D = 2 / 2**B``, so the error is ``2**-k e`` with
    ``E[e**2] = D**2 / 12``. The ensemble SQNR is a ratio of means,
    ``E[y**2] / E[4**-k] (D**2/12) = (12 / D**2) / E_w[v**-2]``, with ``E_w`` the mean
    weighted by ``y**2``. When that power-weighted mantissa is log-uniform (Benford; sums of
    many continuous terms come close, Hill, Statistical Science 10, 1995),
    ``E_w[v**-2] = 3 / (2 ln 2)`` and ``SQNR = 2 ln 2 * 4**B = 6.02 B + 1.42 dB``; Monte Carlo
    agrees within 0.1 dB for the continuous distributions (tests/plugins/test_sqnr.py).
    """
    b = np.asarray(n_bits, dtype=np.float64)
    return 10.0 * np.log10(3.0 * POWER_WEIGHTED_FACTOR) + 20.0 * b * np.log10(2.0)


def grmac_guaranteed_sqnr_db(n_bits: float | F64) -> F64:
    """Distribution-free floor of the GR-MAC ADC SQNR (``|v| >= 1/2``): ``6.02 B - 1.25 dB``."""
    b = np.asarray(n_bits, dtype=np.float64)
    return 10.0 * np.log10(0.75) + 20.0 * b * np.log10(2.0)
