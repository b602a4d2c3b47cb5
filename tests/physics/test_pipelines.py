"""Tests of the bit-true MAC pipelines (grcim.physics.pipelines).

References, all independent of the code under test:

- ideal quantizer: a mid-rise quantizer of N bits over [-1, 1] has step 2 / 2**N; for an
  input spread uniformly over its range the error is uniform on ±step/2, so
  SQNR = (1/3) / (step**2 / 12) = 4**N (6.02 N dB); for a full-scale sine the signal power
  is 1/2, so SQNR = 1.5 * 4**N (6.02 N + 1.76 dB);
- exact dot products from ``math.fsum`` over products of format-rounded operands (products
  of two FP8/FP6/FP4 numbers are exact in float64);
- hand-computed grids, clipping levels, flush and saturation cases;
- the GR-MAC per-sample error bound derived in ``test_grmac_relative_error_bounded``.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from grcim.errors import ModelDomainError
from grcim.physics.distributions import sample
from grcim.physics.formats import quantize
from grcim.physics.pipelines import (
    ConventionalConfig,
    GRMACConfig,
    conventional_dot,
    grmac_dot,
    row_exponents,
)
from grcim.physics.pipelines.stages import (
    add_thermal_noise,
    normalizing_shift,
    quantize_uniform,
    round_to_step,
)

DB_PER_BIT = 20.0 * math.log10(2.0)  # 6.0206 dB
N_ROWS = 64


def _sqnr_db(ref: np.ndarray, est: np.ndarray) -> float:
    return 10.0 * math.log10(float(np.mean(ref**2)) / float(np.mean((est - ref) ** 2)))


def _exact_dot(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Correctly rounded dot products (math.fsum), independent of numpy's summation order."""
    return np.array([math.fsum(row) for row in (x * w).reshape(-1, x.shape[-1])]).reshape(
        x.shape[:-1])


def _operands(dist: str, fmt: str | None, n: int, seed: int,
              weight_block: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Format-rounded x of shape (n, N) and w of shape (n, N, weight_block)."""
    rng = np.random.default_rng(seed)
    x = sample(dist, (n, N_ROWS), rng)
    w = sample(dist, (n, N_ROWS, weight_block), rng)
    if fmt is not None:
        x, w = quantize(x, fmt), quantize(w, fmt)
    return x, w


# ---------------------------------------------------------------- ideal quantizer (ADC model)

M_GRID = 2**20  # each of the <= 2**12 cells holds >= 256 evenly spaced points


@pytest.mark.parametrize("n_bits", range(4, 13))
def test_ideal_quantizer_full_scale_uniform_gives_6_02n(n_bits: int) -> None:
    v = (np.arange(M_GRID) + 0.5) / M_GRID * 2.0 - 1.0  # uniform over the full range
    got = _sqnr_db(v, quantize_uniform(v, n_bits, 1.0))
    # the grid makes the error a discrete uniform of 256+ values: power (step**2/12)(1-1/256**2)
    assert got == pytest.approx(DB_PER_BIT * n_bits, abs=0.01)


def _sine_sqnr_exact_db(n_bits: int) -> float:
    """Exact SQNR of a full-scale sine (amplitude 1) through the mid-rise quantizer.

    With x = sin(t), t uniform on [-pi/2, pi/2], a cell [a, b) with output c contributes
    (1/pi) * [t/2 - sin(2t)/4 + 2c cos(t) + c**2 t] between t = asin(a) and asin(b). Cells:
    thresholds at multiples of step = 2 / 2**N, outputs at their centres, top cell [1-step, 1].
    """
    step = 2.0 / 2.0**n_bits
    edges = np.arange(-(2**n_bits) // 2, 2**n_bits // 2 + 1) * step  # -1 .. 1
    c = (edges[:-1] + edges[1:]) / 2.0
    ta, tb = np.arcsin(np.clip(edges[:-1], -1, 1)), np.arcsin(np.clip(edges[1:], -1, 1))

    def prim(t: np.ndarray) -> np.ndarray:
        return t / 2.0 - np.sin(2.0 * t) / 4.0 + 2.0 * c * np.cos(t) + c * c * t

    noise = float(np.sum(prim(tb) - prim(ta))) / np.pi
    return 10.0 * math.log10(0.5 / noise)


@pytest.mark.parametrize("n_bits", range(4, 13))
def test_ideal_quantizer_full_scale_sine(n_bits: int) -> None:
    v = np.sin(2.0 * np.pi * (np.arange(M_GRID) + 0.5) / M_GRID)  # uniform phase, amplitude FS
    got = _sqnr_db(v, quantize_uniform(v, n_bits, 1.0))
    exact = _sine_sqnr_exact_db(n_bits)
    assert got == pytest.approx(exact, abs=0.01)
    # 6.02 N + 1.76 dB assumes the error is uniform on +-step/2. A full-scale sine dwells in
    # the top cell [1 - step, 1], where its error sits near +step/2; that excess noise falls
    # as sqrt(step), so the textbook value holds within 0.1 dB from N = 9 on (it is about
    # 0.5 dB optimistic at N = 4).
    textbook = DB_PER_BIT * n_bits + 10.0 * math.log10(1.5)
    assert exact < textbook
    assert exact == pytest.approx(textbook, abs=0.1 if n_bits >= 9 else 0.6)


def test_quantizer_levels_by_hand() -> None:
    # 2 bits over [-1, 1]: step 0.5, mid-rise levels +-0.25, +-0.75, clipping at +-0.75
    v = np.array([0.0, 1e-9, -1e-9, 0.49, 0.51, 0.6, 0.99, 5.0, -5.0, -0.3])
    want = np.array([0.25, 0.25, -0.25, 0.25, 0.75, 0.75, 0.75, 0.75, -0.75, -0.25])
    np.testing.assert_array_equal(quantize_uniform(v, 2, 1.0), want)
    # full scale 4, 3 bits: step 1, levels +-0.5 .. +-3.5
    np.testing.assert_array_equal(quantize_uniform(np.array([3.2, 9.0, -0.1]), 3, 4.0),
                                  [3.5, 3.5, -0.5])
    # real-valued bits: 2**2.5 levels over [-1, 1] -> step 2 / 2**2.5
    step = 2.0 / 2.0**2.5
    assert quantize_uniform(np.array([0.1]), 2.5, 1.0)[0] == pytest.approx(step / 2)
    v = np.linspace(-3, 3, 7)
    np.testing.assert_array_equal(quantize_uniform(v, None, 1.0), v)  # None = ideal


def test_round_to_step_is_mid_tread_ties_to_even() -> None:
    v = np.array([0.24, 0.25, 0.26, 0.75, -0.25, 3.0])
    np.testing.assert_array_equal(round_to_step(v, 0.5), [0.0, 0.0, 0.5, 1.0, -0.0, 3.0])
    np.testing.assert_array_equal(round_to_step(v, 0.5, 1.0), [0.0, 0.0, 0.5, 1.0, 0.0, 1.0])


def test_normalizing_shift_by_hand() -> None:
    v = np.array([0.3, 0.5, 1.0, -3.0, 0.0, 1e-6])
    k = normalizing_shift(v, -10.0, 10.0)
    # 0.3*2 = 0.6; 0.5*1; 1*2**-1; 3*2**-2 = 0.75; zero -> k_max; 1e-6 needs 19 -> clamp 10
    np.testing.assert_array_equal(k, [1, 0, -1, -2, 10, 10])
    np.testing.assert_array_equal(normalizing_shift(np.array([100.0]), -3.0, 5.0), [-3])


def test_thermal_noise_rms_and_seed() -> None:
    v = np.zeros(200_000)
    assert add_thermal_noise(v, 0.0, np.random.default_rng(1)) is v
    assert add_thermal_noise(v, 0.1, None) is v  # no generator: noise-free by contract
    a = add_thermal_noise(v, 0.1, np.random.default_rng(1))
    b = add_thermal_noise(v, 0.1, np.random.default_rng(1))
    c = add_thermal_noise(v, 0.1, np.random.default_rng(2))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # standard error of a variance estimate: sqrt(2/n) = 0.3 %; 2 % is > 6 SE
    assert float(np.var(a)) == pytest.approx(0.01, rel=0.02)


# ---------------------------------------------------------------- GR-MAC: ideal limit

# name -> (config, uses shared row exponents, finite widths that apply to it)
NORMALIZATIONS = {
    "unit": (GRMACConfig(normalization="unit"), False, {"gain_range_octaves"}),
    "row_own_exponents": (GRMACConfig(normalization="row"), False, {"gain_range_octaves"}),
    "row_shared": (GRMACConfig(normalization="row"), True,
                   {"weight_frac_bits", "gain_range_octaves"}),
    "int_all_rows": (GRMACConfig(normalization="int"), False, {"int_bits"}),
    "int_blocks_of_8": (GRMACConfig(normalization="int", block_rows=8), False,
                        {"int_bits", "gain_range_octaves"}),
}


def _all_variants(x: np.ndarray, wb: np.ndarray, **finite: float) -> dict[str, np.ndarray]:
    """Every normalization's output for x and the first weight column of ``wb``; the row
    normalization runs twice: each weight with its own exponent, and with the block's shared
    row exponent (``row_exponents`` over the ``wb`` block)."""
    out = {}
    for name, (cfg, shared, applies) in NORMALIZATIONS.items():
        cfg = replace(cfg, **{k: v for k, v in finite.items() if k in applies})
        f = row_exponents(wb) if shared else None
        out[name] = grmac_dot(x, wb[..., 0], cfg, w_row_exp=f)
    return out


@pytest.mark.parametrize("fmt", ["fp8_e4m3", "fp6_e3m2", "fp6_e2m3", "fp4_e2m1"])
@pytest.mark.parametrize("dist", ["gaussian", "uniform", "laplace", "student_t", "loguniform",
                                  "llm_activation"])
def test_variants_exact_in_ideal_limit(dist: str, fmt: str) -> None:
    # Products of two of these formats are multiples of 2**-18 below 2**18, so every partial
    # sum of 64 of them is exact in float64 whatever the order: the ideal limit is *exact*.
    x, wb = _operands(dist, fmt, 400, seed=11)
    y = _exact_dot(x, wb[..., 0])
    for name, got in _all_variants(x, wb).items():
        np.testing.assert_array_equal(got, y, err_msg=name)


@pytest.mark.parametrize("fmt", [None, "bf16", "fp8_e5m2"])
def test_variants_agree_in_ideal_limit_wide_formats(fmt: str | None) -> None:
    # wider exponent ranges: equal up to float64 summation rounding, <= N eps sum|x w|
    x, wb = _operands("gaussian", fmt, 400, seed=12)
    y = _exact_dot(x, wb[..., 0])
    tol = N_ROWS * 2.0**-52 * np.abs(x * wb[..., 0]).sum(axis=-1)
    outs = _all_variants(x, wb)
    for name, got in outs.items():
        assert np.all(np.abs(got - y) <= tol), name
    for name, got in outs.items():
        assert np.all(np.abs(got - outs["unit"]) <= 2 * tol), name


def test_variants_differ_once_widths_are_finite() -> None:
    x, wb = _operands("gaussian", "fp8_e4m3", 400, seed=13)
    y = _exact_dot(x, wb[..., 0])
    outs = _all_variants(x, wb, gain_range_octaves=4.0, weight_frac_bits=2, int_bits=4)
    errs = {k: float(np.mean((v - y) ** 2)) for k, v in outs.items()}
    assert all(e > 0.0 for e in errs.values()), errs
    # unit and row with per-weight exponents are one computation; every other pair differs
    np.testing.assert_array_equal(outs["unit"], outs["row_own_exponents"])
    names = ["unit", "row_shared", "int_all_rows", "int_blocks_of_8"]
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not np.allclose(outs[a], outs[b]), (a, b)


@pytest.mark.parametrize(("normalization", "key"), [("int", "int_bits"),
                                              ("row", "weight_frac_bits")])
def test_finite_widths_gain_6_db_per_bit(normalization: str, key: str) -> None:
    # Rounding an aligned mantissa to a grid of step 2**-b adds uniform error of power
    # 4**-b / 12: every extra bit buys 6.02 dB (unrounded operands: no format lattice).
    x, wb = _operands("gaussian", None, 4000, seed=14, weight_block=8)
    w = wb[..., 0]
    f = row_exponents(wb) if normalization == "row" else None
    y = _exact_dot(x, w)
    sq = [_sqnr_db(y, grmac_dot(x, w, GRMACConfig(normalization=normalization, **{key: b}),
                                w_row_exp=f)) for b in (6, 8)]
    assert sq[1] - sq[0] == pytest.approx(2 * DB_PER_BIT, abs=0.6)


def test_row_exponents_by_hand() -> None:
    blocks = np.array([[0.3, -1.5, 0.7], [0.0, 0.0, 0.0], [3.0, 0.5, -2.9], [0.25, 0.1, 0.2]])
    np.testing.assert_array_equal(row_exponents(blocks), [0, 0, 1, -2])


# ---------------------------------------------------------------- GR-MAC: gain range, reference

def test_gain_range_flushes_products_beyond_g_octaves() -> None:
    x = np.array([[1.0, 2.0**-3, 2.0**-5, 0.0]])
    w = np.ones_like(x)
    want = {2.0: 1.0, 3.0: 1.125, 4.0: 1.125, 5.0: 1.125 + 2.0**-5}  # by hand, R = 0
    for g, y in want.items():
        for normalization in ("unit", "row"):
            got = grmac_dot(x, w, GRMACConfig(normalization=normalization, gain_range_octaves=g))
            assert got[0] == y, (normalization, g)


def test_fixed_reference_flushes_and_saturates() -> None:
    cfg = GRMACConfig(gain_reference="fixed", reference_exponent=2, gain_range_octaves=2.0)
    # 1.0 = 1*2**0 sits d = 2 below R: kept; 0.5 sits 3 below: flushed
    assert grmac_dot(np.array([[1.0, 0.5]]), np.ones((1, 2)), cfg)[0] == 1.0
    # 8 = 1.0 * 2**3 lies above R = 2: its code saturates at d = 0, so it counts 1.0 * 2**2
    assert grmac_dot(np.array([[8.0]]), np.ones((1, 1)), cfg)[0] == 4.0
    # 12 = 1.5 * 2**3 -> 1.5 * 4
    assert grmac_dot(np.array([[12.0]]), np.ones((1, 1)), cfg)[0] == 6.0


def test_noise_is_in_units_of_a_normalized_product() -> None:
    x, wb = _operands("gaussian", "fp8_e4m3", 20_000, seed=15)
    w = wb[..., 0]
    y = _exact_dot(x, w)
    got = grmac_dot(x, w, GRMACConfig(noise_rms=0.01), rng=np.random.default_rng(3))
    # R = largest product exponent = max_i floor(log2|x_i|) + floor(log2|w_i|), by hand
    with np.errstate(divide="ignore"):
        e = np.floor(np.log2(np.abs(x))) + np.floor(np.log2(np.abs(w)))
    r = np.where(x * w != 0, e, -np.inf).max(axis=-1)
    scaled = (got - y) / 2.0**r
    assert float(np.std(scaled)) == pytest.approx(0.01, rel=0.03)  # SE of std: 0.5 %
    again = grmac_dot(x, w, GRMACConfig(noise_rms=0.01), rng=np.random.default_rng(3))
    np.testing.assert_array_equal(got, again)


def test_bad_variant_and_block_rows() -> None:
    x = np.ones((2, 8))
    with pytest.raises(ModelDomainError, match="normalization"):
        grmac_dot(x, x, GRMACConfig(normalization="column"))  # type: ignore[arg-type]
    with pytest.raises(ModelDomainError, match="block_rows"):
        grmac_dot(x, x, GRMACConfig(normalization="int", block_rows=3))


# ---------------------------------------------------------------- GR-MAC: output normalization

@pytest.mark.parametrize("n_bits", [3, 5, 8, 11])
@pytest.mark.parametrize("dist", ["gaussian", "loguniform", "student_t"])
def test_grmac_relative_error_bounded(dist: str, n_bits: int) -> None:
    # The output v = S 2**k lies in [1/2, 1); the ADC (full scale 1, step 2 / 2**B) errs by at
    # most step/2 = 2**-B there, i.e. |y_hw - y| <= 2**(R-k) 2**-B while |y| >= 2**(R-k-1):
    # relative error <= 2 / 2**B for every sample (unlimited output gain range).
    x, wb = _operands(dist, "fp8_e4m3", 5000, seed=16)
    w = wb[..., 0]
    y = _exact_dot(x, w)
    for normalization in ("unit", "row", "int"):
        got = grmac_dot(x, w, GRMACConfig(normalization=normalization, adc_bits=n_bits))
        nz = y != 0
        rel = np.abs(got[nz] - y[nz]) / np.abs(y[nz])
        assert rel.max() <= 2.0 / 2.0**n_bits, normalization
        # the bound is tight: some sample uses more than half of it
        assert rel.max() > 0.5 * 2.0 / 2.0**n_bits, normalization
        np.testing.assert_array_equal(got[~nz], 0.0)


def test_limited_output_gain_range_makes_error_absolute() -> None:
    # K = 0: the output gain is fixed at 2**-ceil(log2(4N)) = 1/256 for N = 64, so the ADC
    # full scale is 256 * 2**R: |y_hw - y| <= 256 * 2**R * 2**-B, independent of |y|.
    x, wb = _operands("gaussian", "fp8_e4m3", 5000, seed=17)
    w = wb[..., 0]
    y = _exact_dot(x, w)
    b = 6
    got = grmac_dot(x, w, GRMACConfig(adc_bits=b, output_gain_octaves=0.0))
    with np.errstate(divide="ignore"):
        e = np.floor(np.log2(np.abs(x))) + np.floor(np.log2(np.abs(w)))
    r = np.where(x * w != 0, e, -np.inf).max(axis=-1)
    assert np.all(np.abs(got - y) <= 256.0 * 2.0**r * 2.0**-b)
    rel = np.abs(got - y) / np.abs(y)
    assert rel.max() > 2.0 / 2.0**b  # the relative bound of the unlimited stage is lost


@pytest.mark.parametrize("shift", [-40, -7, 3, 25])
def test_vector_max_is_scale_invariant(shift: int) -> None:
    x, wb = _operands("gaussian", "fp8_e4m3", 2000, seed=18, weight_block=4)
    w = wb[..., 0]
    f = row_exponents(wb)
    finite = dict(gain_range_octaves=5.0, adc_bits=6.0, output_gain_octaves=12.0)
    cfgs = [(GRMACConfig(normalization="unit", **finite), None),
            (GRMACConfig(normalization="row", weight_frac_bits=4, **finite), f),
            (GRMACConfig(normalization="int", int_bits=6, block_rows=16, **finite), None)]
    for cfg, fr in cfgs:
        base = grmac_dot(x, w, cfg, w_row_exp=fr)
        scaled = grmac_dot(np.ldexp(x, shift), w, cfg, w_row_exp=fr)
        np.testing.assert_array_equal(scaled, np.ldexp(base, shift), err_msg=cfg.normalization)


def test_fixed_reference_is_not_scale_invariant() -> None:
    x, wb = _operands("gaussian", "fp8_e4m3", 2000, seed=19)
    w = wb[..., 0]
    cfg = GRMACConfig(gain_reference="fixed", reference_exponent=2, gain_range_octaves=6.0,
                      adc_bits=6.0)
    base = grmac_dot(x, w, cfg)
    scaled = grmac_dot(np.ldexp(x, -8), w, cfg)
    assert not np.array_equal(scaled, np.ldexp(base, -8))


# ---------------------------------------------------------------- conventional pipeline

@pytest.mark.parametrize("input_bits", [6, 8, 10])
def test_alignment_keeps_input_bits_minus_d_significant_bits(input_bits: int) -> None:
    # Grid step X / 2**(B_x - 1) with X = 1. An input in the octave [2**-d, 2**(1-d)), d >= 1,
    # is (1 + f) 2**-d; it lands on the grid iff f 2**-d is a multiple of 2**(1 - B_x), i.e.
    # iff f has at most B_x - 1 - d fraction bits: B_x - d significant bits survive.
    cfg = ConventionalConfig(input_bits=input_bits)
    for d in range(1, input_bits - 1):
        kept = input_bits - 1 - d
        f = np.arange(2**kept) / 2**kept  # every mantissa with `kept` fraction bits
        x = ((1.0 + f) * 2.0**-d)[:, None]
        np.testing.assert_array_equal(conventional_dot(x, np.ones_like(x), cfg), x[:, 0])
        # one more fraction bit: the odd codes fall halfway and lose exactly half a step
        f1 = (2 * np.arange(2**kept) + 1) / 2 ** (kept + 1)
        x1 = ((1.0 + f1) * 2.0**-d)[:, None]
        err = np.abs(conventional_dot(x1, np.ones_like(x1), cfg) - x1[:, 0])
        np.testing.assert_array_equal(err, 2.0**-input_bits)  # step / 2


def test_conventional_clipping_by_hand() -> None:
    cfg = ConventionalConfig(input_bits=4, input_full_scale=2.0, weight_bits=4,
                             weight_full_scale=0.5)
    x = np.array([[5.0], [-3.0], [1.3], [0.4], [-0.4]])
    w = np.array([[0.5], [1.0], [0.5], [0.5], [0.5]])
    # DAC: step 2 / 8 = 0.25, clip at 2 (1.3 -> 1.25, +-0.4 -> +-0.5: to nearest, not down);
    # cells: step 0.5 / 8, clip at 0.5
    np.testing.assert_array_equal(conventional_dot(x, w, cfg),
                                  [1.0, -1.0, 1.25 * 0.5, 0.25, -0.25])
    # rounding to nearest: no operand inside the range moves by more than half a step
    v = np.linspace(-1.99, 1.99, 4001)[:, None]
    dac_only = ConventionalConfig(input_bits=4, input_full_scale=2.0)
    err = np.abs(conventional_dot(v, np.ones_like(v), dac_only) - v[:, 0])
    assert err.max() == pytest.approx(0.125, abs=1e-3)
    adc = ConventionalConfig(adc_bits=4, adc_full_scale=2.0)  # step 0.25, top level 1.875
    s = np.array([[100.0], [-100.0], [0.3]])
    np.testing.assert_array_equal(conventional_dot(s, np.ones_like(s), adc),
                                  [1.875, -1.875, 0.375])


def test_conventional_integer_baseline_is_exact_on_its_grid() -> None:
    rng = np.random.default_rng(20)
    xi = rng.integers(-127, 128, size=(500, N_ROWS))
    wi = rng.integers(-127, 128, size=(500, N_ROWS))
    cfg = ConventionalConfig(input_bits=8, weight_bits=8)  # step 1/128: int8 / 128 exactly
    got = conventional_dot(xi / 128.0, wi / 128.0, cfg)
    np.testing.assert_array_equal(got * 2.0**14, (xi * wi).sum(axis=-1))


def test_conventional_is_deterministic_and_noise_has_its_rms() -> None:
    x, wb = _operands("gaussian", "fp8_e4m3", 20_000, seed=21)
    w = wb[..., 0]
    cfg = ConventionalConfig(input_bits=8, input_full_scale=4.0, weight_bits=8,
                             weight_full_scale=4.0, noise_rms=0.2)
    a = conventional_dot(x, w, cfg, np.random.default_rng(5))
    b = conventional_dot(x, w, cfg, np.random.default_rng(5))
    c = conventional_dot(x, w, cfg, np.random.default_rng(6))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    clean = conventional_dot(x, w, cfg)  # no generator: noise-free
    assert float(np.std(a - clean)) == pytest.approx(0.2, rel=0.03)


@pytest.mark.parametrize("cfg", [
    GRMACConfig(),
    GRMACConfig(gain_reference="fixed", reference_exponent=1, gain_range_octaves=5.0),
    GRMACConfig(normalization="row", weight_frac_bits=4),
    GRMACConfig(normalization="int", block_rows=8, int_bits=6),
])
def test_accumulate_in_chunks_changes_no_bit(cfg: GRMACConfig,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # grmac_accumulate runs ensembles in cache-sized chunks of dot products; each result
    # belongs to one dot product, so the whole-ensemble pass gives the same bits
    import grcim.physics.pipelines.grmac as grmac

    rng = np.random.default_rng(9)
    x = quantize(sample("student_t", (3, 700, 16), rng), "fp8_e4m3")
    w = quantize(sample("gaussian", (3, 700, 16), rng), "fp8_e5m2")
    x[0, :5] = 0.0
    f_row = grmac.row_exponents(np.abs(w)[..., None] * 3.0) if cfg.normalization == "row" \
        else None
    monkeypatch.setattr(grmac, "CHUNK_ELEMENTS", 100)  # 6 dot products per chunk
    s, r = grmac.grmac_accumulate(x, w, cfg, f_row)
    monkeypatch.setattr(grmac, "CHUNK_ELEMENTS", 1 << 30)  # one pass
    s1, r1 = grmac.grmac_accumulate(x, w, cfg, f_row)
    assert s.shape == r.shape == (3, 700) and r.dtype == np.int64
    np.testing.assert_array_equal(s.view(np.uint64), s1.view(np.uint64))
    np.testing.assert_array_equal(r, r1)
