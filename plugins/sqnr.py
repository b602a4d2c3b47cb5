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
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, stats

from grcim.errors import ModelDomainError
from grcim.plugins.pipelines import GRMACConfig, grmac_accumulate, grmac_dot, grmac_output
from grcim.plugins.pipelines.stages import quantize_uniform

__all__ = [
    "sqnr_db",
    "make_operands",
    "oracle_adc_sqnr_db",
    "grmac_adc_sqnr_db",
    "required_bits",
    "conventional_required_adc_bits",
    "grmac_required_adc_bits",
    "analytic_gaussian_oracle_sqnr_db",
    "analytic_grmac_sqnr_db",
    "grmac_guaranteed_sqnr_db",
    "check_target",
    "BITS_RANGE",
]

F64 = NDArray[np.float64]
BITS_RANGE = (1.0, 24.0)
#: E[v**2] of a mantissa log-uniform on [1/2, 1) (Benford): (1 - 1/4) / (2 ln 2).
BENFORD_MEAN_SQUARE = 0.75 / (2.0 * np.log(2.0))


def check_target(sqnr_target_db: float) -> float:
    """Validate an SQNR target (dB); the models are meaningful from 6 to 100 dB."""
    t = float(sqnr_target_db)
    if not 6.0 <= t <= 100.0:
        raise ModelDomainError("sqnr_target_db", sqnr_target_db, "a number from 6 to 100 dB")
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

    Inputs follow ``distribution``; weights follow ``weight_distribution`` (default: the
    same). The same seed gives the same operands.
    """
    from grcim.plugins.distributions import sample
    from grcim.plugins.formats import quantize

    rng = np.random.default_rng(seed)
    shape = (int(n_samples), int(n_rows))
    x = sample(distribution, shape, rng, **dist_params)
    wd = weight_distribution or distribution
    w = sample(wd, shape, rng, **(dist_params if wd == distribution else {}))
    if input_format is not None:
        x = quantize(x, input_format)
    if weight_format is not None:
        w = quantize(w, weight_format)
    return x, w


def _oracle_mse(y: F64, n_bits: float) -> float:
    """Smallest quantization MSE of ``y`` over ADC full scales (oracle calibration)."""
    rms = float(np.sqrt(np.mean(y**2))) or 1.0

    def mse(log_fs: float) -> float:
        return float(np.mean((quantize_uniform(y, n_bits, np.exp(log_fs) * rms) - y) ** 2))

    peak = float(np.log(np.max(np.abs(y)) / rms + 1e-12))
    grid = np.linspace(np.log(0.5), max(peak, np.log(2.0)) + 0.1, 24)
    best = grid[int(np.argmin([mse(g) for g in grid]))]
    res = optimize.minimize_scalar(mse, bounds=(best - 0.15, best + 0.15), method="bounded",
                                   options={"xatol": 1e-4})
    return float(min(res.fun, mse(best)))


def oracle_adc_sqnr_db(y: F64, n_bits: float) -> float:
    """Conventional ADC-only SQNR of outputs ``y`` with an oracle-chosen full scale (dB)."""
    return 10.0 * np.log10(float(np.mean(y**2)) / _oracle_mse(y, n_bits))


def grmac_adc_sqnr_db(
    x: F64, w: F64, n_bits: float, cfg: GRMACConfig | None = None,
    w_row_exp: NDArray[np.int64] | None = None,
) -> float:
    """GR-MAC SQNR with an ``n_bits`` ADC (other stages ideal unless ``cfg`` says otherwise)."""
    base = cfg or GRMACConfig()
    y = np.einsum("...n,...n->...", x, w)
    return sqnr_db(y, grmac_dot(x, w, replace(base, adc_bits=n_bits), w_row_exp=w_row_exp))


def _grmac_adc_curve(x: F64, w: F64, cfg: GRMACConfig | None,
                     w_row_exp: NDArray[np.int64] | None):
    """SQNR as a function of ADC bits, accumulating the analog sums only once."""
    base = cfg or GRMACConfig()
    y = np.einsum("...n,...n->...", x, w)
    s, r = grmac_accumulate(x, w, base, w_row_exp)
    n = x.shape[-1]
    return lambda b: sqnr_db(y, grmac_output(s, r, n, replace(base, adc_bits=b)))


def required_bits(sqnr_of_bits, target_db: float) -> float:
    """Smallest real ``B`` in ``BITS_RANGE`` with ``sqnr_of_bits(B) >= target_db``."""
    lo, hi = BITS_RANGE
    f = lambda b: sqnr_of_bits(b) - target_db  # noqa: E731
    if f(lo) >= 0:
        return lo
    if f(hi) < 0:
        raise ModelDomainError("sqnr_target_db", target_db, f"reachable within {hi:g} ADC bits")
    return float(optimize.brentq(f, lo, hi, xtol=1e-3))


def conventional_required_adc_bits(x: F64, w: F64, target_db: float) -> float:
    """ADC bits the conventional pipeline needs (oracle full scale, other stages ideal)."""
    y = np.einsum("...n,...n->...", x, w)
    return required_bits(lambda b: oracle_adc_sqnr_db(y, b), check_target(target_db))


def grmac_required_adc_bits(
    x: F64, w: F64, target_db: float, cfg: GRMACConfig | None = None,
    w_row_exp: NDArray[np.int64] | None = None,
) -> float:
    """ADC bits the GR-MAC needs (output gain-ranged to full scale, other stages ideal)."""
    t = check_target(target_db)
    return required_bits(_grmac_adc_curve(x, w, cfg, w_row_exp), t)


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
    """GR-MAC ADC SQNR when the normalized output mantissa is log-uniform (Benford), dB.

    Notes
    -----
    The output is gain-ranged to ``v`` in ``[1/2, 1)`` before a bipolar ADC of full scale 1,
    step ``D = 2 / 2**B``, so the error relative to the signal is scale-free:
    ``SQNR = E[v**2] / (D**2 / 12) = 3 E[v**2] 4**B``, with ``E[v**2] = 3 / (8 ln 2)`` for a
    Benford mantissa: ``SQNR = 6.02 B + 2.10 dB``. Sums of many continuous terms have nearly
    Benford mantissas whatever their distribution (Hill, Statistical Science 10, 1995).
    """
    b = np.asarray(n_bits, dtype=np.float64)
    return 10.0 * np.log10(3.0 * BENFORD_MEAN_SQUARE) + 20.0 * b * np.log10(2.0)


def grmac_guaranteed_sqnr_db(n_bits: float | F64) -> F64:
    """Distribution-free floor of the GR-MAC ADC SQNR (``|v| >= 1/2``): ``6.02 B - 1.25 dB``."""
    b = np.asarray(n_bits, dtype=np.float64)
    return 10.0 * np.log10(0.75) + 20.0 * b * np.log10(2.0)
