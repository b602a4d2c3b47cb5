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
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import optimize

from grcim.errors import ModelDomainError
from grcim.physics.op_disk_cache import load_or_compute
from grcim.physics.pipelines import GRMACConfig, grmac_accumulate
from grcim.physics.pipelines.conventional import align_to_vector_max, vector_top
from grcim.physics.pipelines.grmac import row_exponents
from grcim.physics.settings import (
    DEFAULTS,
    GAIN_REFERENCES,
    QUANTIZATION_SHARES,
    TOTAL_SHARES,
    Ensemble,
)
from grcim.physics.sqnr import (
    analysis_offset,
    check_target,
    conventional_required_adc_bits,
    grmac_required_adc_bits,
    make_operands,
    required_bits,
    sqnr_db,
)

__all__ = [
    "OperatingPoint", "derive_operating_point", "operating_point", "budget",
    "GAIN_REFERENCES", "CACHE_STEP_DB", "DesignPart", "conventional_part", "grmac_part",
    "combine", "conventional_operands",
]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
_HALF_DB = 10.0 * np.log10(2.0)
#: Rows drawn to sample the other weights of a ``row`` block (their maxima are reused).
ROW_POOL = 8192


@dataclass(frozen=True)
class OperatingPoint:
    """What each stage must deliver at the top of the input range (see module docstring).

    Attributes
    ----------
    sqnr_target_db : float
        The SQNR standard, dB.
    noise_standard : {"sqnr", "total"}
        What the standard counts (``grcim.physics.settings``).
    share_db : float
        SQNR each quantization share must reach on its own, dB.
    thermal_snr_db : float
        SNR the analog thermal noise must reach at full scale, dB (``total``: one share of the
        standard; ``sqnr``: the standard plus the thermal margin).
    n_rows : int
        Rows accumulated per ADC conversion (N).
    input_man_bits, weight_man_bits : int
        Explicit mantissa bits of the input / weight formats.
    exponent_span : int
        Distinct product exponents the top-of-range ensemble uses (sizes exponent logic).
    alignment : {"global", "vector_max"}
        Conventional alignment the ``conv_*`` numbers refer to.
    conv_adc_bits : float
        Conventional ADC bits (oracle full scale) for one conversion of the full dot product.
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
    gr_reference_exponent : int
        ``fixed`` reference: the design-time window top ``R = R_x + R_w`` (operands above
        ``2**(R_x + 1)`` / ``2**(R_w + 1)`` saturate); 0 (unused) with ``vector_max``.
    normalization, gain_reference : str
        GR-MAC normalization granularity and reference mode the GR numbers refer to.
    block_rows : int
        Rows per normalization block (1 for ``unit`` and ``row``; ``int`` blocks).
    weight_block : int
        Columns sharing a weight-row exponent (``row``).
    """

    sqnr_target_db: float
    noise_standard: str
    share_db: float
    thermal_snr_db: float
    n_rows: int
    input_man_bits: int
    weight_man_bits: int
    exponent_span: int
    alignment: str
    conv_adc_bits: float
    conv_input_bits: float
    conv_weight_bits: float
    conv_utilization: float
    gr_adc_bits: float
    gr_input_bits: float
    gr_weight_bits: float
    gr_gain_octaves: float
    gr_utilization: float
    gr_reference_exponent: int
    normalization: str
    gain_reference: str
    block_rows: int
    weight_block: int


def budget(sqnr_target_db: float, noise_standard: str,
           thermal_margin_db: float) -> tuple[float, float]:
    """``(share_db, thermal_snr_db)`` of a standard (``grcim.physics.settings``).

    ``total``: three equal shares (ADC, thermal, alignment), each ``T + 10 log10 3`` dB, the
    thermal one held at every input scale. ``sqnr``: two quantization shares (ADC,
    alignment), each ``T + 10 log10 2`` dB; thermal noise designed ``thermal_margin_db``
    below the standard at full scale.
    """
    t = float(sqnr_target_db)
    if noise_standard == "total":
        share = t + 10.0 * np.log10(TOTAL_SHARES)
        return float(share), float(share)
    if noise_standard == "sqnr":
        return float(t + 10.0 * np.log10(QUANTIZATION_SHARES)), t + float(thermal_margin_db)
    raise ModelDomainError("noise_standard", noise_standard, "one of sqnr, total")


def _operand_bits(fit: OperandFit, target_db: float) -> tuple[float, float]:
    """Signed fixed-point width (oracle clipping) giving the operand itself ``target_db``
    SQNR, and its full scale.

    The dot-product error from rounding one operand is ``sum(e_i w_i)`` with ``e_i``
    zero-mean and independent of ``w``, so its SQNR equals the operand's own SQNR.
    """
    b = required_bits(lambda bits: 10.0 * np.log10(fit.signal / max(fit.best(bits)[0],
                                                                     1e-300)), target_db)
    return b, fit.best(b)[1]


#: Clipped tails of at most this many distinct magnitudes are summed directly.
_DIRECT_TAIL = 4096


def dithered_grid_mse(v: F64) -> Callable[[float, float], float]:
    """``mse(bits, f)``: expected square error of rounding ``v`` to a signed ``bits``-bit
    grid of full scale ``f`` (step ``D = f / 2**(bits - 1)``, outputs clipped to ``+-f``)
    whose level grid is offset by a uniform random fraction of a step (the analyses' dither).

    Exact expectation over the offset, per sample ``|v|`` with ``t = f - |v|``: ``D**2/12``
    inside (``t >= D/2``), ``t**2`` clipped (``t <= -D/2``), and between them
    ``g(t) = (-(2/3) t**3 + (D/2) t**2 + D**3/24) / D`` (the rounding error ``e`` is uniform on
    ``[-D/2, D/2]`` and the clip replaces ``e > t`` by ``t``). Over the sorted distinct
    magnitudes with their counts: the inside band is a count; the edge band (one step wide)
    and short clipped tails are summed directly; long tails from sums taken from the top.
    The dithered average of :func:`round_to_step` over many offsets converges to it
    (tests/physics/test_conventional_statistics.py). A Rao-Blackwellized estimate: smooth in
    ``f``, so the oracle's clipping level does not jump with the sample's dither draws.
    """
    return _grid_mse(*np.unique(np.abs(np.asarray(v, dtype=np.float64)).ravel(),
                                return_counts=True))


def _grid_mse(a: F64, counts: NDArray[np.int64]) -> Callable[[float, float], float]:
    """:func:`dithered_grid_mse` over sorted distinct magnitudes ``a`` with their counts
    (format-rounded operands take few distinct magnitudes)."""
    w = counts.astype(np.float64)
    n = float(w.sum())
    cum = np.concatenate([[0.0], np.cumsum(w)])  # samples below a[i]
    # sums over the largest magnitudes, from the top: a tail's sums without the
    # cancellation of (total - prefix)
    top1 = np.concatenate([[0.0], np.cumsum((w * a)[::-1])])
    top2 = np.concatenate([[0.0], np.cumsum((w * a * a)[::-1])])

    def mse(bits: float, f: float) -> float:
        d = f / 2.0 ** (bits - 1.0)
        i = int(np.searchsorted(a, f - d / 2.0, side="right"))  # [0, i): inside
        j = int(np.searchsorted(a, f + d / 2.0, side="left"))   # [j, end): clipped
        # the edge band, one step wide, directly
        t = f - a[i:j]
        edge = float(w[i:j] @ ((-2.0 / 3.0 * t + d / 2.0) * t * t + d**3 / 24.0)) / d
        k = a.size - j
        if k <= _DIRECT_TAIL:  # short tails directly: (a - f)**2 >= D**2 / 4 would cancel
            over = a[j:] - f
            clipped = float(w[j:] @ (over * over))
        else:
            clipped = top2[k] - 2.0 * f * top1[k] + (n - cum[j]) * f * f
        return (cum[i] * d * d / 12.0 + edge + clipped) / n

    return mse


class OperandFit:
    """The oracle-clipped grid of one operand: ``best(bits) -> (mse, full scale)``, each
    ``bits`` searched once, and the operand's mean square ``signal``."""

    def __init__(self, v: F64) -> None:
        v = np.asarray(v, dtype=np.float64).ravel()
        self.signal = float(np.mean(v**2))
        a, counts = np.unique(np.abs(v), return_counts=True)
        self._mse = _grid_mse(a, counts)
        self._rms, self._peak = float(np.sqrt(self.signal)), float(a[-1])
        self._best: dict[float, tuple[float, float]] = {}

    def best(self, bits: float) -> tuple[float, float]:
        if bits not in self._best:
            self._best[bits] = self._search(bits)
        return self._best[bits]

    def _search(self, bits: float) -> tuple[float, float]:
        mse, rms = self._mse, self._rms
        fs = np.geomspace(rms, max(self._peak, rms * 1.0001), 48)
        m = [mse(bits, float(f)) for f in fs]
        i = int(np.argmin(m))
        lo, hi = np.log(fs[max(i - 1, 0)]), np.log(fs[min(i + 1, len(fs) - 1)])
        res = optimize.minimize_scalar(lambda lf: mse(bits, float(np.exp(lf))), bounds=(lo, hi),
                                       method="bounded", options={"xatol": 1e-4})
        if res.fun < m[i]:
            return float(res.fun), float(np.exp(res.x))
        return m[i], float(fs[i])


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


def _vector_bits(v: F64, target_db: float) -> float:
    """Width (sign included) of per-vector max-exponent alignment with truncation that gives
    ``v`` itself ``target_db`` SQNR (dithered grid, as the other width analyses)."""
    v = v[: max(1, 150_000 // v.shape[-1])]
    sig = float(np.mean(v**2))
    u = analysis_offset(v.shape) + 0.5  # grid offsets in [0, 1) of a step

    def sqnr(bits: float) -> float:
        err = float(np.mean((align_to_vector_max(v, bits, u) - v) ** 2))
        return float("inf") if err == 0.0 else 10.0 * np.log10(sig / err)

    return required_bits(sqnr, target_db)


def _conventional(pool: OperandPool, share: float,
                  alignment: str) -> tuple[float, float, float, float]:
    """Conventional ``(adc_bits, input_bits, weight_bits, utilization)`` at ``share`` dB."""
    x, w = pool.x, pool.w
    if alignment == "vector_max":
        xn, wn = x / vector_top(x), w / vector_top(w)
        adc = conventional_required_adc_bits(xn, wn, share, CONVENTIONAL_PAIRINGS)
        bx = _vector_bits(x, share + _HALF_DB)
        bw = _vector_bits(w, share + _HALF_DB)
        return adc, bx, bw, float(np.mean(xn**2) * np.mean(wn**2))
    adc = conventional_required_adc_bits(x, w, share, CONVENTIONAL_PAIRINGS)
    bx, fs_x = _operand_bits(pool.x_fit, share + _HALF_DB)
    bw, fs_w = _operand_bits(pool.w_fit, share + _HALF_DB)
    return adc, bx, bw, float(np.mean(x**2) * np.mean(w**2)) / (fs_x * fs_w) ** 2


def block_row_exponents(w: F64, ens: Ensemble, **dist_params: float) -> I64:
    """``row`` normalization's exponent of each weight's row block, shape of ``w``.

    The row shares one exponent among ``weight_block`` weights: the larger of the weight's
    own and that of its ``weight_block - 1`` neighbours, whose blocks are drawn from a pool
    of ``ROW_POOL`` rows of the same ensemble. A neighbour block that rounded to all zeros
    has no exponent (it cannot raise the row's), so the weight keeps its own.
    """
    own = row_exponents(w[..., None])
    if ens.weight_block <= 1:
        return own
    _, pool = make_operands(ens.distribution, int(ens.weight_block) - 1, ROW_POOL,
                            int(ens.seed) + 1, ens.input_format, ens.weight_format,
                            weight_distribution=None, **dist_params)
    pick = np.random.default_rng(int(ens.seed) + 2).integers(0, ROW_POOL, size=w.shape)
    pool_exp = row_exponents(pool[:, None, :])[:, 0]
    return np.maximum(own, np.where(np.abs(pool).max(axis=-1)[pick] > 0, pool_exp[pick],
                                    own))


#: Ensemble fields the conventional part does not read, and those the GR-MAC part does not.
_NOT_CONVENTIONAL = ("normalization", "gain_reference", "weight_block")
_NOT_GRMAC = ("alignment",)


def _source(ens: Ensemble, unread: tuple[str, ...]) -> Ensemble:
    """``ens`` with the fields a part does not read set to the defaults: parts derived from
    ensembles that differ only there are the same numbers."""
    return replace(ens, **{k: getattr(DEFAULTS, k) for k in unread})


@dataclass(frozen=True)
class DesignPart:
    """The operating-point fields one pipeline's Monte Carlo derives (:func:`conventional_part`
    or :func:`grmac_part`) and what they were derived from, so that :func:`combine` only
    joins parts of the same ensemble.

    The conventional design (``conv_*``, ``alignment``) does not depend on the GR-MAC's
    normalization, reference or weight block, nor the GR-MAC design on the conventional
    alignment: a study of several ensembles derives each part once per distinct
    ``source`` instead of once per ensemble."""

    source: Ensemble
    dist_params: tuple[tuple[str, float], ...]
    fields: dict[str, Any]


def _operands(ens: Ensemble, dist_params: dict[str, float]) -> tuple[F64, F64]:
    return make_operands(ens.distribution, int(ens.n_rows), int(ens.n_samples), int(ens.seed),
                         ens.input_format, ens.weight_format, weight_distribution=None,
                         **dist_params)


#: Operand values per operand the conventional part draws at least (16 x 3000 x 64), and
#: the weight vectors each input vector is paired with for its outputs: the conventional
#: design rests on tail statistics (the oracle clipping levels of its operands and of its
#: ADC, which clip about 4 rms out), and the GR-MAC ensemble's 3000 x 64 draw leaves a few
#: samples there (utilization and energy moved +-10 % with the seed). docs/models.md §4.
CONVENTIONAL_POOL_VALUES = 16 * 3000 * 64
CONVENTIONAL_PAIRINGS = 16


class OperandPool:
    """The conventional part's operands ``x, w`` (read-only) and their oracle grid fits,
    each fitted once (the operating point and the bit-slice analysis both read them)."""

    def __init__(self, x: F64, w: F64) -> None:
        x.flags.writeable = False
        w.flags.writeable = False
        self.x, self.w = x, w

    @functools.cached_property
    def x_fit(self) -> OperandFit:
        return OperandFit(self.x)

    @functools.cached_property
    def w_fit(self) -> OperandFit:
        return OperandFit(self.w)


@functools.lru_cache(maxsize=2)  # ~50 MB of operands each
def _pool(distribution: str, n_rows: int, vectors: int, seed: int, input_format: str,
          weight_format: str, dist_items: tuple[tuple[str, float], ...]) -> OperandPool:
    return OperandPool(*make_operands(distribution, n_rows, vectors, seed, input_format,
                                      weight_format, weight_distribution=None,
                                      **dict(dist_items)))


def conventional_operands(ens: Ensemble, dist_params: dict[str, float]) -> OperandPool:
    """The conventional part's own draw: ``max(n_samples, POOL / n_rows)`` vectors."""
    n_rows = int(ens.n_rows)
    vectors = max(int(ens.n_samples), -(-CONVENTIONAL_POOL_VALUES // n_rows))
    return _pool(ens.distribution, n_rows, vectors, int(ens.seed), ens.input_format,
                 ens.weight_format, tuple(sorted(dist_params.items())))


def _conventional_fields(ens: Ensemble, pool: OperandPool) -> dict[str, Any]:
    share, _ = budget(check_target(ens.sqnr_target_db), ens.noise_standard,
                      ens.thermal_margin_db)
    conv_adc, bx, bw, u_conv = _conventional(pool, share, ens.alignment)
    return {"alignment": ens.alignment, "conv_adc_bits": conv_adc, "conv_input_bits": bx,
            "conv_weight_bits": bw, "conv_utilization": u_conv}


def _grmac_fields(ens: Ensemble, x: F64, w: F64,
                  dist_params: dict[str, float]) -> dict[str, Any]:
    """Every field but the conventional ones (the common ones included)."""
    from grcim.physics.formats import get_format

    n_rows, normalization = int(ens.n_rows), ens.normalization
    gain_reference, weight_block = ens.gain_reference, int(ens.weight_block)
    fx, fw = get_format(ens.input_format), get_format(ens.weight_format)
    target = check_target(ens.sqnr_target_db)
    share, thermal = budget(target, ens.noise_standard, ens.thermal_margin_db)
    y = np.einsum("...n,...n->...", x, w)
    f_row = (block_row_exponents(w, ens, **dist_params) if normalization == "row"
             else None)
    g = n_rows if normalization == "int" else 1
    cfg = GRMACConfig(normalization=normalization, block_rows=g,  # type: ignore[arg-type]
                      gain_reference=gain_reference)  # type: ignore[arg-type]

    def sq(c: GRMACConfig) -> float:
        s, r = grmac_accumulate(x, w, c, f_row)
        return sqnr_db(y, np.ldexp(s, r))

    _, e = np.frexp(x * w)
    live = x * w != 0
    e_max = int(e[live].max()) - 1 if live.any() else 0
    e_min = int(e[live].min()) - 1 if live.any() else 0
    window = 0
    if gain_reference == "fixed":
        # a design-time exponent window per operand, set like the conventional pipeline's
        # oracle clipping levels: operands above it saturate, R = R_x + R_w
        r_x = _window_exponent(x, share + 2 * _HALF_DB)
        r_w = _window_exponent(w, share + 2 * _HALF_DB)
        x = _saturate(x, r_x)
        w = _saturate(w, r_w)
        cfg = replace(cfg, reference_exponent=r_x + r_w)
        window = r_x + r_w
        if f_row is not None:
            f_row = np.minimum(f_row, r_w)
        y = np.einsum("...n,...n->...", x, w)  # later errors measured against saturated y
        sub = share + 2 * _HALF_DB  # saturation takes half of the alignment share
    else:
        sub = share + _HALF_DB
    gr_in, gr_w = fx.precision_bits + 1.0, fw.precision_bits + 1.0  # sign + significand
    if normalization == "row":
        k = _smallest_int(lambda b: sq(replace(cfg, weight_frac_bits=b)), sub,
                          "weight_frac_bits", 1)
        cfg, gr_w = replace(cfg, weight_frac_bits=k), k + 2.0
    elif normalization == "int":
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
    return {
        "sqnr_target_db": target, "noise_standard": ens.noise_standard,
        "share_db": float(share), "thermal_snr_db": float(thermal), "n_rows": n_rows,
        "input_man_bits": fx.man_bits, "weight_man_bits": fw.man_bits,
        "exponent_span": e_max - e_min + 1,
        "gr_adc_bits": gr_adc, "gr_input_bits": gr_in, "gr_weight_bits": gr_w,
        "gr_gain_octaves": float(gain), "gr_utilization": u_gr,
        "gr_reference_exponent": window, "normalization": normalization,
        "gain_reference": gain_reference, "block_rows": g, "weight_block": weight_block,
    }


def conventional_part(ensemble: Ensemble = DEFAULTS, **dist_params: float) -> DesignPart:
    """The conventional fields of ``derive_operating_point(ensemble)`` (same numbers)."""
    ens = ensemble.validated()
    fields = _conventional_fields(ens, conventional_operands(ens, dist_params))
    return DesignPart(_source(ens, _NOT_CONVENTIONAL), tuple(sorted(dist_params.items())),
                      fields)


def grmac_part(ensemble: Ensemble = DEFAULTS, **dist_params: float) -> DesignPart:
    """The GR-MAC and common fields of ``derive_operating_point(ensemble)`` (same numbers)."""
    ens = ensemble.validated()
    fields = _grmac_fields(ens, *_operands(ens, dist_params), dist_params)
    return DesignPart(_source(ens, _NOT_GRMAC), tuple(sorted(dist_params.items())), fields)


def combine(grmac: DesignPart, conventional: DesignPart) -> OperatingPoint:
    """The operating point of the ensemble both parts were derived from.

    Raises
    ------
    ValueError
        If the parts come from ensembles that differ in a field both read (their operating
        point would mix two experiments).
    """
    kinds_ok = "gr_adc_bits" in grmac.fields and "conv_adc_bits" in conventional.fields
    if (not kinds_ok or grmac.dist_params != conventional.dist_params
            or _source(replace(grmac.source, alignment=conventional.fields["alignment"]),
                       _NOT_CONVENTIONAL) != conventional.source):
        raise ValueError("combine: the GR-MAC and conventional parts come from different "
                         f"ensembles ({grmac.source} vs {conventional.source})")
    return OperatingPoint(**grmac.fields, **conventional.fields)


def derive_operating_point(ensemble: Ensemble = DEFAULTS, **dist_params: float
                           ) -> OperatingPoint:
    """Monte Carlo design quantities for one ensemble (same seed, same numbers)."""
    ens = ensemble.validated()
    # one ensemble for both parts: nothing for combine() to check (the paper mixes parts)
    return OperatingPoint(**_grmac_fields(ens, *_operands(ens, dist_params), dist_params),
                          **_conventional_fields(ens, conventional_operands(ens, dist_params)))


#: Spacing (dB) of the SQNR targets at which cached operating points are computed.
CACHE_STEP_DB = 5.0


@functools.lru_cache(maxsize=1024)
def _cached(ensemble: Ensemble) -> OperatingPoint:
    # every field of the ensemble is the on-disk cache key (op_disk_cache)
    return load_or_compute(asdict(ensemble), lambda: derive_operating_point(ensemble),
                           OperatingPoint)


#: Conventional fields interpolated between grid points: continuous required widths and ADC
#: bits (consumers round them up), so the interpolated requirement is rounded, not a blend.
_INTERPOLATED = ("conv_adc_bits", "conv_input_bits", "conv_weight_bits")


def operating_point(ensemble: Ensemble = DEFAULTS) -> OperatingPoint:
    """Fast operating point for plug-ins and tables (cached Monte Carlo, interpolated).

    Monte Carlo runs at SQNR targets on a ``CACHE_STEP_DB`` grid are cached per ensemble.
    Between grid points the conventional half is interpolated from the two neighbours: its
    widths and ADC bits are continuous requirements (every quantizer gains 6.02 dB per bit,
    so they are close to linear in the target; consumers round the interpolated requirement
    up), its utilization geometrically. The GR-MAC half is derived at the target itself: its
    widths and gain range are integer searches (the smallest whole bits or octaves meeting a
    share) and its fixed window a power of two, steps that a blend of neighbours would
    round up into a false extra bit or octave; that half costs 0.1-1 s, once per target.
    tests/physics/test_operating_point.py bounds the conventional error against a direct run.
    Rows longer than 64 use proportionally fewer vectors (at least 500), keeping each
    query's Monte Carlo near ``n_samples x 64`` MAC-samples.
    """
    ens = ensemble.validated()
    t = check_target(ens.sqnr_target_db)
    n_rows = int(ens.n_rows)
    # keep the Monte Carlo at about n_samples x 64 MAC-samples: long rows need fewer vectors
    # (their sums are closer to Gaussian) and would otherwise cost seconds per query
    n = int(ens.n_samples)
    n_samples = max(500, min(n, n * 64 // n_rows))
    lo = float(np.clip(np.floor(t / CACHE_STEP_DB) * CACHE_STEP_DB, 5.0, 95.0))
    base = replace(ens, n_samples=n_samples, n_rows=n_rows, weight_block=int(ens.weight_block),
                   sqnr_target_db=t)
    if np.isclose(t, lo):
        return replace(_cached(replace(base, sqnr_target_db=max(lo, 6.0))), sqnr_target_db=t)
    return _between(base, max(lo, 6.0), lo + CACHE_STEP_DB)


@functools.lru_cache(maxsize=1024)
def _between(ensemble: Ensemble, lo: float, hi: float) -> OperatingPoint:
    # its own disk entry: the key of a grid point's run plus the neighbours it reads
    return load_or_compute({**asdict(ensemble), "between_db": [lo, hi]},
                           lambda: _blend(ensemble, lo, hi), OperatingPoint)


def _blend(ens: Ensemble, lo: float, hi: float) -> OperatingPoint:
    """:func:`operating_point` at ``ens.sqnr_target_db`` strictly between grid points."""
    a = _cached(replace(ens, sqnr_target_db=lo))
    b = _cached(replace(ens, sqnr_target_db=hi))
    f = (float(ens.sqnr_target_db) - lo) / (hi - lo)
    conv: dict[str, Any] = {k: (1.0 - f) * getattr(a, k) + f * getattr(b, k)
                            for k in _INTERPOLATED}
    conv["conv_utilization"] = float(np.exp((1.0 - f) * np.log(a.conv_utilization)
                                            + f * np.log(b.conv_utilization)))
    return OperatingPoint(**_grmac_fields(ens, *_operands(ens, {}), {}),
                          alignment=a.alignment, **conv)
