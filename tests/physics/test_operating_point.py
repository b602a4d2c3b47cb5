"""Tests of grcim.physics.operating_point (Monte Carlo design quantities of each pipeline).

References: the budget split written in grcim.physics.settings (``total``: three equal noise
powers, each share must reach target + 10 log10 3 dB; ``sqnr``: two quantization shares at
target + 10 log10 2 dB and thermal noise 10 dB below the target), the exact optimum
uniform quantizer of a Gaussian (J. Max 1960; computed here by integration), the GR-MAC
closed form 6.02 B + 1.42 dB derived in test_sqnr.py, and the 6.02 dB-per-bit law every
uniform quantizer follows.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, replace

import numpy as np
import pytest
from scipy import optimize, stats

from grcim.errors import ModelDomainError
from grcim.physics.operating_point import (
    OperatingPoint,
    combine,
    conventional_part,
    derive_operating_point,
    grmac_part,
    operating_point,
)
from grcim.physics.settings import QUANTIZATION_SHARES, TOTAL_SHARES, Ensemble

DB_PER_BIT = 20.0 * math.log10(2.0)
GRMAC_OFFSET_DB = 10.0 * math.log10(2.0 * math.log(2.0))  # see test_sqnr.POWER_WEIGHTED_DB
N_SAMPLES = 3000  # 192 000 operands per ensemble: bit widths to ~0.05 bit (seed scatter)


def _gaussian_uniform_quantizer_db(n_bits: float) -> float:
    """Exact SQNR (dB) of a unit Gaussian through an optimally clipped uniform quantizer with
    2**B levels (Max 1960), for real B by interpolating the level count's log."""

    def one(b: int) -> float:
        def mse(c: float) -> float:
            lv = 2**b
            d = 2.0 * c / lv
            t = np.arange(-(lv // 2 - 1), lv // 2) * d
            a, e = np.concatenate([[-np.inf], t]), np.concatenate([t, [np.inf]])
            q = (np.arange(-lv // 2, lv // 2) + 0.5) * d
            pa, pe = stats.norm.pdf(a), stats.norm.pdf(e)
            xa, xe = np.zeros_like(a), np.zeros_like(e)
            xa[1:], xe[:-1] = a[1:] * pa[1:], e[:-1] * pe[:-1]
            return float(np.sum((1 + q * q) * (stats.norm.cdf(e) - stats.norm.cdf(a))
                                - 2 * q * (pa - pe) + xa - xe))

        res = optimize.minimize_scalar(mse, bounds=(0.5, 8.0), method="bounded")
        return -10.0 * math.log10(res.fun)

    lo = math.floor(n_bits)
    f = n_bits - lo
    return (1 - f) * one(lo) + f * one(lo + 1)


def _bits_for(sqnr_of, target_db: float) -> float:
    return optimize.brentq(lambda b: sqnr_of(b) - target_db, 2.0, 14.0, xtol=1e-4)


def _ens(**kw: object) -> Ensemble:
    base: dict[str, object] = {"n_samples": N_SAMPLES, "noise_standard": "total"}
    return Ensemble(**{**base, **kw})  # type: ignore[arg-type]


@functools.cache
def _unit_vm(seed: int, target_db: float = 35.0) -> OperatingPoint:
    return derive_operating_point(_ens(sqnr_target_db=target_db, normalization="unit",
                                       gain_reference="vector_max", seed=seed))


@pytest.fixture(scope="module")
def unit_vm() -> tuple[OperatingPoint, OperatingPoint]:
    """unit / vector_max at 35 dB and at 35 + 6.02 dB (seed 1)."""
    return _unit_vm(1), _unit_vm(1, 35.0 + DB_PER_BIT)


def test_budget_share(unit_vm) -> None:
    op, _ = unit_vm
    assert TOTAL_SHARES == 3 and op.noise_standard == "total"
    assert op.share_db == pytest.approx(35.0 + 10.0 * math.log10(3.0), abs=1e-12)
    assert op.thermal_snr_db == op.share_db
    assert op.sqnr_target_db == 35.0 and op.n_rows == 64
    assert (op.input_man_bits, op.weight_man_bits) == (3, 3)  # fp8_e4m3 by default
    assert (op.normalization, op.gain_reference, op.block_rows) == ("unit", "vector_max", 1)


def test_grmac_adc_bits_follow_closed_form(unit_vm) -> None:
    op, _ = unit_vm
    assert op.gr_adc_bits == pytest.approx((op.share_db - GRMAC_OFFSET_DB) / DB_PER_BIT, abs=0.05)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_conventional_input_bits_match_gaussian_quantizer(seed: int) -> None:
    # Inputs are Gaussian, rounded to E4M3 (whose own rounding is ~40 dB below the target): a
    # signed B-bit grid with an oracle clip is a 2**B-level uniform quantizer (one level
    # more, mid-tread) and the budget gives it target + 10 log10(3) + 3.01 dB. Unrounded
    # Gaussian operands land within 0.1 bit of this for every seed; so must rounded ones.
    op = _unit_vm(seed)
    want = _bits_for(_gaussian_uniform_quantizer_db, op.share_db + 10.0 * math.log10(2.0))
    assert op.conv_input_bits == pytest.approx(want, abs=0.15)
    assert op.conv_weight_bits == pytest.approx(want, abs=0.15)


def test_six_db_more_costs_one_bit_everywhere(unit_vm) -> None:
    lo, hi = unit_vm
    assert hi.gr_adc_bits - lo.gr_adc_bits == pytest.approx(1.0, abs=0.05)
    assert hi.conv_adc_bits - lo.conv_adc_bits == pytest.approx(1.0, abs=0.15)
    assert hi.conv_input_bits - lo.conv_input_bits == pytest.approx(1.0, abs=0.15)
    assert hi.gr_gain_octaves >= lo.gr_gain_octaves  # flushing less costs more range
    assert hi.conv_utilization < lo.conv_utilization  # wider clip for finer steps


def test_utilizations_are_fractions(unit_vm) -> None:
    op, _ = unit_vm
    # conventional: E[x^2]E[w^2]/(XW)^2 with unit-RMS operands and clip levels >= 2.5 sigma
    assert 0.0 < op.conv_utilization < 1.0 / 2.5**4
    # GR-MAC: E[S^2]/(16 N), products in [1, 4): at most 1
    assert 0.0 < op.gr_utilization <= 1.0


def test_fixed_reference_never_needs_less_gain_range(unit_vm) -> None:
    # A design-time reference sits at or above each vector's own maximum, so every product is
    # at least as far below it: the same flushing budget needs at least as many octaves.
    vm, _ = unit_vm
    fixed = derive_operating_point(_ens(normalization="unit", gain_reference="fixed", seed=1))
    assert fixed.gr_gain_octaves >= vm.gr_gain_octaves
    assert fixed.conv_adc_bits == vm.conv_adc_bits  # the conventional side does not depend on it


def test_int_variant_widths() -> None:
    op = derive_operating_point(_ens(normalization="int", gain_reference="vector_max", seed=1))
    # block-scaled integers hold at least the operand's sign + hidden bit + 3 fraction bits
    assert op.gr_input_bits == op.gr_weight_bits >= 5.0
    assert op.gr_input_bits == int(op.gr_input_bits)
    assert op.block_rows == 64


def test_interpolated_operating_point_close_to_direct_run() -> None:
    # operating_point() interpolates the conventional half between cached runs at 35 and 40
    # dB; its promise (docstring): close to a direct run (continuous widths move ~1 bit per
    # 6 dB, nearly linear). The GR-MAC half is derived at the target itself: the same numbers.
    a = operating_point(_ens(sqnr_target_db=37.5, normalization="unit"))
    b = derive_operating_point(_ens(sqnr_target_db=37.5, normalization="unit",
                                    gain_reference="fixed"))
    for key in ("conv_adc_bits", "conv_input_bits", "conv_weight_bits"):
        assert getattr(a, key) == pytest.approx(getattr(b, key), abs=0.05), key
    for key in ("gr_adc_bits", "gr_input_bits", "gr_weight_bits", "gr_gain_octaves",
                "gr_utilization", "gr_reference_exponent"):
        assert getattr(a, key) == getattr(b, key), key
    assert a.conv_utilization == pytest.approx(b.conv_utilization, rel=0.1)
    assert a.share_db == pytest.approx(b.share_db)
    at_grid = operating_point(_ens(normalization="unit"))
    assert at_grid.sqnr_target_db == 35.0 and at_grid.share_db == pytest.approx(39.771, abs=1e-3)


@pytest.mark.parametrize("target_db", [35.5, 36.0, 38.0])
def test_off_grid_integer_widths_equal_the_direct_derivation(target_db: float) -> None:
    # The GR-MAC's widths and gain range are the smallest whole bits / octaves meeting a share
    # (docs/models.md §4): at a target between the 5 dB grid points (35 dB: 8 weight bits,
    # 6 octaves; 40 dB: 9 bits, 7 octaves at the defaults) they are the direct run's whole
    # numbers, never a blend (8.1 bits at 35.5 dB was priced as 9 cells, 6.1 octaves as 7).
    ens = Ensemble(sqnr_target_db=target_db)
    fast, direct = operating_point(ens), derive_operating_point(ens)
    for key in ("gr_input_bits", "gr_weight_bits", "gr_gain_octaves", "gr_reference_exponent"):
        value = getattr(fast, key)
        assert value == int(value), key
        assert value == getattr(direct, key), key


def test_same_seed_same_point_different_seed_differs() -> None:
    kw = dict(normalization="unit", gain_reference="vector_max", n_samples=1000)
    a = derive_operating_point(_ens(seed=5, **kw))
    b = derive_operating_point(_ens(seed=5, **kw))
    c = derive_operating_point(_ens(seed=6, **kw))
    assert asdict(a) == asdict(b)
    assert a.conv_adc_bits != c.conv_adc_bits


@pytest.mark.parametrize(("kwargs", "item"), [
    ({"normalization": "column"}, "normalization"),
    ({"gain_reference": "mean"}, "gain_reference"),
    ({"n_rows": 0}, "n_rows"),
    ({"n_rows": 5000}, "n_rows"),
    ({"weight_block": 0}, "weight_block"),
    ({"sqnr_target_db": 200.0}, "sqnr_target_db"),
    ({"distribution": "cauchy"}, "distribution"),
    ({"input_format": "fp7"}, "format"),
    ({"noise_standard": "snr"}, "noise_standard"),
    ({"alignment": "local"}, "alignment"),
])
def test_bad_parameters_raise_model_domain_error(kwargs: dict, item: str) -> None:
    with pytest.raises(ModelDomainError) as info:
        derive_operating_point(_ens(n_samples=200, **kwargs))
    assert info.value.item == item
    assert "\n" not in str(info.value)


def test_sqnr_standard_budget() -> None:
    op = operating_point(Ensemble(noise_standard="sqnr", thermal_margin_db=10.0))
    assert QUANTIZATION_SHARES == 2
    assert op.share_db == pytest.approx(35.0 + 10.0 * math.log10(2.0), abs=1e-12)
    assert op.thermal_snr_db == pytest.approx(45.0)
    total = operating_point(Ensemble(noise_standard="total"))
    # a looser quantization share: each quantizer needs about (4.77 - 3.01) / 6.02 bit less
    assert total.conv_adc_bits - op.conv_adc_bits == pytest.approx(1.76 / DB_PER_BIT, abs=0.1)


def test_standards_up_to_100_db_are_served() -> None:
    # 100 dB is documented; its shares (103-105 dB) are internal and must not be refused
    op = operating_point(Ensemble(sqnr_target_db=100.0, noise_standard="total"))
    assert op.share_db == pytest.approx(100.0 + 10.0 * math.log10(3.0))
    assert 15.0 < op.conv_adc_bits < 20.0


def test_vector_max_alignment_truncates() -> None:
    # per-vector alignment with truncation: the operand's error is a uniform step below its
    # value (mean-square D**2/3 instead of D**2/12 for rounding: one bit worse), but no
    # clipping; widths stay near the global grid's (within about 1.5 bits)
    glob = derive_operating_point(_ens(alignment="global", seed=2))
    vec = derive_operating_point(_ens(alignment="vector_max", seed=2))
    assert vec.alignment == "vector_max" and glob.alignment == "global"
    assert 0.0 < vec.conv_input_bits - glob.conv_input_bits < 1.7
    assert vec.gr_adc_bits == glob.gr_adc_bits  # the GR-MAC side does not depend on it


def test_truncating_alignment_by_hand() -> None:
    from grcim.physics.pipelines.conventional import align_to_vector_max

    v = np.array([[3.0, -1.3, 0.26, 0.0]])  # max 3 -> top = 4; 4 bits: step 4 / 8 = 0.5
    np.testing.assert_array_equal(align_to_vector_max(v, 4.0), [[3.0, -1.0, 0.0, 0.0]])
    # 6 bits: step 0.125: 3.0, -1.25 (1.3 truncated), 0.25 (0.26 truncated)
    np.testing.assert_array_equal(align_to_vector_max(v, 6.0), [[3.0, -1.25, 0.25, 0.0]])


def test_parts_shared_across_ensembles_equal_whole_operating_points() -> None:
    # the conventional part reads neither normalization, reference nor weight block, the
    # GR-MAC part not the alignment: one part of each serves ensembles differing only there
    base = Ensemble(n_samples=1000, normalization="unit", gain_reference="vector_max")
    conv = {al: conventional_part(replace(base, alignment=al, normalization="int"))
            for al in ("global", "vector_max")}
    for nm, rf in (("unit", "vector_max"), ("row", "fixed"), ("int", "fixed")):
        gr = grmac_part(replace(base, normalization=nm, gain_reference=rf,
                                alignment="vector_max"))
        for al in ("global", "vector_max"):
            whole = derive_operating_point(replace(base, normalization=nm, gain_reference=rf,
                                                   alignment=al))
            assert combine(gr, conv[al]) == whole


def test_combine_refuses_parts_of_different_ensembles() -> None:
    base = Ensemble(n_samples=1000, normalization="unit", gain_reference="vector_max")
    gr = grmac_part(base)
    with pytest.raises(ValueError, match="different ensembles"):
        combine(gr, conventional_part(replace(base, sqnr_target_db=40.0)))
    with pytest.raises(ValueError, match="different ensembles"):
        combine(gr, conventional_part(replace(base, seed=1)))
    t = replace(base, distribution="student_t")
    with pytest.raises(ValueError, match="different ensembles"):
        combine(grmac_part(t, nu=5.0), conventional_part(t, nu=6.0))
    with pytest.raises(ValueError, match="different ensembles"):
        combine(conventional_part(base), gr)  # arguments swapped
    combine(grmac_part(t, nu=5.0), conventional_part(t, nu=5.0))  # same ensemble: fine
