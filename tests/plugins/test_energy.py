"""Tests of the energy models (grcim.plugins.energy): every equation against a hand computation.

A technology with round numbers (``HAND``) is built here so the arithmetic can be followed in
the comments; the equations are the ones documented in the module docstrings (kT/C sizing,
E = a C V_s V_dd switching, Schreier / Walden / envelope ADC laws, gate counts). The
hwcomponents law is compared with the hwcomponents-adc package's own output. The iso-energy
gain is checked on hand-made curves with known crossing points.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from grcim.errors import ModelDomainError
from grcim.plugins.energy.adc import adc_energy_j
from grcim.plugins.energy.analog import (
    cell_capacitance_f,
    dac_energy_j,
    gain_stage_energy_j,
    switch_energy_j,
    thermal_capacitance_f,
)
from grcim.plugins.energy.digital import (
    adder_energy_j,
    exponent_width_bits,
    lod_energy_j,
    register_energy_j,
    shifter_energy_j,
)
from grcim.plugins.energy.iso_energy import iso_energy_gain
from grcim.plugins.energy.per_mac import (
    EnergyBreakdown,
    EnergyOptions,
    conventional_energy,
    grmac_energy,
)
from grcim.plugins.operating_point import OperatingPoint
from grcim.plugins.technology import Technology

KT_300 = 1.380649e-23 * 300.0  # 4.141947e-21 J
HAND = Technology(
    name="hand", node_m=28e-9, vdd_v=1.0, analog_swing_v=0.5, temperature_k=300.0,
    c_unit_min_f=1e-15, activity=0.5, e_full_adder_j=2e-15, e_mux_bit_j=1e-15,
    e_flop_bit_j=1.5e-15, adc_schreier_fom_db=180.0, adc_walden_fom_j=1e-15,
    adc_envelope_floor_j=0.27e-12, adc_envelope_k_j=1.45e-19, adc_rate_hz=1e8,
)
# switching energy per farad with HAND: a V_s V_dd = 0.5 * 0.5 * 1.0 = 0.25 J/F
PER_F = 0.25


def _op(**over: object) -> OperatingPoint:
    base = dict(
        sqnr_target_db=35.0, share_db=40.0, n_rows=64, input_man_bits=3, weight_man_bits=3,
        exponent_span=16, conv_adc_bits=7.0, conv_input_bits=6.0, conv_weight_bits=4.0,
        conv_utilization=0.1, gr_adc_bits=6.0, gr_input_bits=5.0, gr_weight_bits=5.0,
        gr_gain_octaves=6.0, gr_utilization=0.05, normalization="row", gain_reference="fixed",
        block_rows=1, weight_block=32,
    )
    return OperatingPoint(**{**base, **over})  # type: ignore[arg-type]


def _thermal_adc_j(enob: float, fom_db: float = 180.0) -> float:
    # Schreier: FOM = SNDR + 10 log10(BW / P), BW = f_s / 2, SNDR = 6.02 ENOB + 1.76
    # => E = P / f_s = (1/2) 10**((SNDR - FOM) / 10)
    return 0.5 * 10.0 ** ((6.02 * enob + 1.76 - fom_db) / 10.0)


# ---------------------------------------------------------------- analog stages

def test_kt_over_c_capacitance_by_hand() -> None:
    # C = kT SNR / (V_s**2 u): 4.141947e-21 * 1e4 / (0.5**2 * 0.25) = 6.62712e-16 F
    assert float(thermal_capacitance_f(40.0, 0.25, HAND)) == pytest.approx(6.62712e-16,
                                                                           rel=1e-5)
    # four times the SNR (6.02 dB), four times the capacitance; half the utilization, twice
    c = thermal_capacitance_f(np.array([40.0, 40.0 + 20 * math.log10(2)]), 0.25, HAND)
    assert c[1] / c[0] == pytest.approx(4.0, rel=1e-12)
    assert float(thermal_capacitance_f(40.0, 0.125, HAND)) == pytest.approx(1.325423e-15,
                                                                            rel=1e-5)


def test_kt_over_c_with_bundled_28nm(tech28: Technology) -> None:
    # 28 nm file: T = 300 K, V_s = 0.8 V: 4.141947e-21 * 1e4 / (0.64 * 0.25) = 2.58872e-16 F
    assert tech28.kt_j == pytest.approx(KT_300, rel=1e-12)
    assert float(thermal_capacitance_f(40.0, 0.25, tech28)) == pytest.approx(2.58872e-16,
                                                                             rel=1e-5)


def test_cell_capacitance_is_max_of_matching_floor_and_kt_c() -> None:
    # floor 2**3 * 1 fF = 8 fF beats 0.66 fF of kT/C at 40 dB; at 60 dB kT/C (66.3 fF) wins
    assert float(cell_capacitance_f(40.0, 0.25, 3.0, HAND)) == pytest.approx(8e-15)
    assert float(cell_capacitance_f(60.0, 0.25, 3.0, HAND)) == pytest.approx(6.62712e-14,
                                                                             rel=1e-5)


def test_switch_dac_and_gain_stage_energy_by_hand() -> None:
    assert float(switch_energy_j(8e-15, HAND)) == pytest.approx(8e-15 * PER_F)  # 2 fJ
    # 5-bit DAC: 2**4 unit caps of 1 fF = 16 fF -> 4 fJ
    assert float(dac_energy_j(5, HAND)) == pytest.approx(4e-15)
    # 3.2 octaves -> 4 halving steps, each 2 fF * 0.25 J/F + one flop 1.5 fJ = 2.0 fJ -> 8 fJ
    assert float(gain_stage_energy_j(3.2, 2e-15, HAND)) == pytest.approx(8e-15)
    # a stage capacitor below C_min is built as C_min: 4 * (0.25 fJ + 1.5 fJ) = 7 fJ
    assert float(gain_stage_energy_j(3.2, 1e-16, HAND)) == pytest.approx(7e-15)
    assert float(gain_stage_energy_j(-1.0, 2e-15, HAND)) == 0.0
    assert float(gain_stage_energy_j(4.0, 2e-15, HAND)) == pytest.approx(8e-15)  # exact 4


def test_digital_gate_counts_by_hand() -> None:
    assert float(adder_energy_j(8, HAND)) == pytest.approx(16e-15)  # 8 full adders
    assert float(shifter_energy_j(8, 7, HAND)) == pytest.approx(24e-15)  # 8 bits x 3 stages
    assert float(shifter_energy_j(8, 8, HAND)) == pytest.approx(32e-15)  # 9 positions: 4
    assert float(lod_energy_j(4, HAND)) == pytest.approx(8e-15)
    assert float(register_energy_j(10, HAND)) == pytest.approx(15e-15)
    np.testing.assert_array_equal(exponent_width_bits(np.array([1, 2, 3, 16, 17, 22, 33])),
                                  [1, 1, 2, 4, 5, 5, 6])


# ---------------------------------------------------------------- ADC laws

def test_thermal_adc_law_from_schreier_fom() -> None:
    # ENOB 8 at 180 dB: 0.5 * 10**((48.16 + 1.76 - 180) / 10) = 0.5 * 10**-13.008 = 4.9088e-14
    assert float(adc_energy_j(8.0, "thermal", HAND)) == pytest.approx(4.90877e-14, rel=1e-5)
    e = adc_energy_j(np.arange(3.0, 13.0), "thermal", HAND)
    np.testing.assert_allclose(e[1:] / e[:-1], 10.0**0.602, rtol=1e-12)  # 4x per bit
    np.testing.assert_allclose(e, [_thermal_adc_j(b) for b in range(3, 13)], rtol=1e-12)


def test_walden_and_envelope_laws() -> None:
    assert float(adc_energy_j(8.0, "walden", HAND)) == pytest.approx(2.56e-13)  # 1 fJ * 256
    e = adc_energy_j(np.arange(3.0, 13.0), "walden", HAND)
    np.testing.assert_allclose(e[1:] / e[:-1], 2.0, rtol=1e-12)  # 2x per bit
    # envelope: 0.27 pJ + 1.45e-19 * 4**8 = 0.27 pJ + 9.5027e-15 J
    assert float(adc_energy_j(8.0, "envelope", HAND)) == pytest.approx(2.795027e-13, rel=1e-6)


def test_envelope_terms_cross_near_10_4_bits(tech28: Technology) -> None:
    # numbers.md (Murmann survey envelope): the two terms cross near ENOB 10.4
    cross = math.log(tech28.adc_envelope_floor_j / tech28.adc_envelope_k_j, 4.0)
    assert cross == pytest.approx(10.4, abs=0.05)
    assert float(adc_energy_j(cross, "envelope", tech28)) == pytest.approx(
        2.0 * tech28.adc_envelope_floor_j, rel=1e-9)


def test_hwcomponents_law_equals_the_package(tech28: Technology) -> None:
    adc_mod = pytest.importorskip("hwcomponents_adc",
                                  reason="the hwcomponents ADC law needs hwcomponents-adc")
    ref = {b: adc_mod.ADC(n_bits=b, tech_node=28e-9, throughput=1e8).convert().energy
           for b in range(4, 12)}
    got = adc_energy_j(np.arange(4.0, 12.0), "hwcomponents", tech28)
    np.testing.assert_allclose(got, [ref[b] for b in range(4, 12)], rtol=1e-12)
    # below 4 bits the 4-bit energy; between integers, geometric interpolation
    assert float(adc_energy_j(2.5, "hwcomponents", tech28)) == pytest.approx(ref[4], rel=1e-12)
    assert float(adc_energy_j(5.5, "hwcomponents", tech28)) == pytest.approx(
        math.sqrt(ref[5] * ref[6]), rel=1e-12)


def test_adc_bad_input() -> None:
    with pytest.raises(ModelDomainError, match="adc_law"):
        adc_energy_j(6.0, "flash", HAND)
    for bad in (0.4, 33.0):
        with pytest.raises(ModelDomainError, match="enob"):
            adc_energy_j(np.array([6.0, bad]), "walden", HAND)


# ---------------------------------------------------------------- energy per MAC

def test_conventional_energy_by_hand_at_d0() -> None:
    br = conventional_energy(_op(), [0.0], HAND, EnergyOptions(n_cols=64, adc_law="thermal"))
    dac = 2.0**5 * 1e-15 * PER_F / 64  # 6-bit DAC: 32 unit caps, shared by 64 columns
    # cell: kT/C at 40 dB, u = 0.1 gives 1.66 fF < floor 2**(4-1) fF = 8 fF
    assert KT_300 * 1e4 / (0.25 * 0.1) < 8e-15
    mac = 8e-15 * PER_F
    adc = _thermal_adc_j(7.0) / 64
    # exponent datapath ceil(log2 16) = 4 bits: compare 4 FA; shift 6 bits over 16 positions:
    # 6 * ceil(log2 17) = 30 mux bits; per input, shared by 64 columns
    digital = (4 * 2e-15 + 30 * 1e-15) / 64
    want = {"dac": dac, "mac": mac, "adc": adc, "digital": digital}
    assert set(br.terms) == set(want)
    for k, v in want.items():
        assert float(br.terms[k][0]) == pytest.approx(v, rel=1e-9), k
    assert float(br.total[0]) == pytest.approx(sum(want.values()), rel=1e-9)


def test_grmac_row_fixed_energy_by_hand_at_d0() -> None:
    br = grmac_energy(_op(), [0.0], HAND, EnergyOptions(n_cols=64, adc_law="thermal"))
    c_th = KT_300 * 1e4 / (0.25 * 0.05)  # 3.31 fF: below the 2**4 fF cell floor
    want = {
        "dac": 2.0**4 * 1e-15 * PER_F / 64,
        "mac": 2.0**4 * 1e-15 * PER_F,
        # 6 octaves: 6 halving steps on the kT/C-sized stage cap, applied once per row
        "gain_stage": 6 * (c_th * PER_F + 1.5e-15) / 64,
        # output stage: ceil(log2(4 * 64)) + 6 = 14 steps on C_min, once per 64-row conversion
        "output_gain": 14 * (1e-15 * PER_F + 1.5e-15) / 64,
        "adc": _thermal_adc_j(6.0) / 64,
        # per input (row driver): LOD of 4 bits + exponent add + distance (4-bit adders),
        # no max tree with a fixed reference; per conversion: a 4-bit add + 6 + 4 flops
        "digital": (4 * 2e-15 + 2 * 4 * 2e-15) / 64 + (4 * 2e-15 + 10 * 1.5e-15) / 64,
    }
    assert set(br.terms) == set(want)
    for k, v in want.items():
        assert float(br.terms[k][0]) == pytest.approx(v, rel=1e-9), k


def test_conventional_energy_grows_4x_per_octave_once_thermal_limited(
        tech28: Technology) -> None:
    d = np.arange(12.0, 25.0)  # ADC 19..31 bits (the laws cover ENOB <= 32)
    for law in ("thermal", "walden", "envelope"):
        br = conventional_energy(_op(), d, tech28, EnergyOptions(adc_law=law))
        assert np.all(br.details["cell_capacitance_f"] > tech28.c_unit_min_f * 2.0**3)
        np.testing.assert_allclose(br.terms["mac"][1:] / br.terms["mac"][:-1], 4.0, rtol=1e-9)
        ratio = br.total[1:] / br.total[:-1]
        assert np.all((ratio > 3.9) & (ratio < 4.0 + 1e-9)), (law, ratio)
    # the input DAC gains one bit per octave: 2x; the thermal ADC 4x
    br = conventional_energy(_op(), d, tech28)
    np.testing.assert_allclose(br.terms["dac"][1:] / br.terms["dac"][:-1], 2.0, rtol=1e-12)
    np.testing.assert_allclose(br.terms["adc"][1:] / br.terms["adc"][:-1], 10.0**0.602,
                               rtol=1e-12)


@pytest.mark.parametrize("rule", ["sqnr", "cover_range"])
@pytest.mark.parametrize("normalization", ["unit", "row", "int"])
def test_grmac_vector_max_energy_is_flat_except_exponent_width(
        normalization: str, rule: str, tech28: Technology) -> None:
    """vector_max: every vector is normalized to its own largest product, so an input vector
    2**-D down looks exactly like one at full scale to every analog stage (module docstring
    of per_mac and DEFINITIONS["input_dynamic_range"]); only exponent datapaths widen."""
    op = _op(normalization=normalization, gain_reference="vector_max",
             block_rows=64 if normalization == "int" else 1)
    d = np.arange(0.0, 16.5, 0.5)
    br = grmac_energy(op, d, tech28, EnergyOptions(gain_range_rule=rule))
    for k, v in br.terms.items():
        if k != "digital":
            np.testing.assert_allclose(v, v[0], rtol=1e-12, err_msg=f"{k} grows with D")
    width = exponent_width_bits(op.exponent_span + d)
    for w in np.unique(width):
        same = br.terms["digital"][width == w]
        np.testing.assert_allclose(same, same[0], rtol=1e-12)


def test_grmac_fixed_reference_mac_needs_6_db_per_octave(tech28: Technology) -> None:
    d = np.arange(20.0, 31.0)
    br = grmac_energy(_op(), d, tech28)
    np.testing.assert_allclose(br.details["mac_snr_db"], 40.0 + 20 * math.log10(2) * d)
    np.testing.assert_allclose(br.terms["mac"][1:] / br.terms["mac"][:-1], 4.0, rtol=1e-9)
    cover = grmac_energy(_op(), d, tech28, EnergyOptions(gain_range_rule="cover_range"))
    np.testing.assert_allclose(cover.details["gain_octaves"], 6.0 + d)
    sqnr = grmac_energy(_op(), d, tech28, EnergyOptions(gain_range_rule="sqnr"))
    np.testing.assert_allclose(sqnr.details["gain_octaves"], 6.0)


@pytest.mark.parametrize("law", ["thermal", "walden", "envelope"])
def test_every_breakdown_total_is_the_sum_of_its_terms(law: str, tech28: Technology) -> None:
    d = np.linspace(0.0, 16.0, 33)
    breakdowns: list[EnergyBreakdown] = []
    for normalization in ("unit", "row", "int"):
        for ref in ("fixed", "vector_max"):
            op = _op(normalization=normalization, gain_reference=ref, block_rows=8 if normalization == "int" else 1)
            for rule in ("cover_range", "sqnr"):
                opts = EnergyOptions(adc_law=law, gain_range_rule=rule)
                breakdowns += [conventional_energy(op, d, tech28, opts),
                               grmac_energy(op, d, tech28, opts)]
    for br in breakdowns:
        terms = [np.broadcast_to(v, d.shape) for v in br.terms.values()]
        manual = np.zeros_like(d)
        for t in terms:
            assert np.all(np.isfinite(t)) and np.all(t >= 0.0)
            manual = manual + t
        np.testing.assert_allclose(br.total, manual, rtol=1e-12)
        np.testing.assert_array_equal(br.dynamic_range_bits, d)


def test_dynamic_range_grid_bounds(tech28: Technology) -> None:
    for bad in (-0.5, 41.0):
        with pytest.raises(ModelDomainError, match="dynamic_range_bits"):
            conventional_energy(_op(), [0.0, bad], tech28)
    with pytest.raises(ModelDomainError, match="adc_law"):
        grmac_energy(_op(), [0.0], tech28, EnergyOptions(adc_law="sar"))


def test_conventional_energy_error_names_the_callers_parameter(tech28: Technology) -> None:
    # conventional_energy accepts D in 0..40 octaves, and grcim paper --max-dr up to 40; the
    # conventional ADC then needs conv_adc_bits + D bits, beyond the ADC laws' 32-bit range
    # from D ~ 25 on. Either the model covers the grid it accepts, or it refuses the
    # parameter the caller gave (not an internal "enob" the caller never set).
    try:
        conventional_energy(_op(), np.arange(0.0, 41.0), tech28)
    except ModelDomainError as exc:
        assert exc.item == "dynamic_range_bits", str(exc)


# ---------------------------------------------------------------- iso-energy definition

D = np.arange(0.0, 10.01, 0.5)


def test_iso_energy_linear_curves() -> None:
    # E_conv = 1 + D; E_gr = 0.25 (1 + D): E_gr reaches E_conv(0) = 1 at D = 3
    res = iso_energy_gain(D, 1.0 + D, 0.25 * (1.0 + D))
    assert (res.status, res.gain_bits, res.reference_energy_j) == ("bounded", 3.0, 1.0)
    # from D_ref = 2: E_conv = 3, E_gr reaches 3 at D = 11 > grid: at least 10 - 2 = 8
    res = iso_energy_gain(D, 1.0 + D, 0.25 * (1.0 + D), reference_bits=2.0)
    assert (res.status, res.gain_bits, res.reference_energy_j) == ("unbounded", 8.0, 3.0)


def test_iso_energy_exponential_curves() -> None:
    # E_conv = 4**D, E_gr = 2**(D - 3): 2**(D-3) = 1 at D = 3; = 4**1 = 4 at D = 5 (gain 4)
    e_conv, e_gr = 4.0**D, 2.0 ** (D - 3.0)
    assert iso_energy_gain(D, e_conv, e_gr).gain_bits == pytest.approx(3.0, abs=1e-12)
    res = iso_energy_gain(D, e_conv, e_gr, reference_bits=1.0)
    assert res.status == "bounded" and res.gain_bits == pytest.approx(4.0, abs=1e-12)


def test_iso_energy_interpolates_between_grid_points() -> None:
    d = np.array([0.0, 1.0, 2.0, 3.0])
    res = iso_energy_gain(d, np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 0.5, 1.5, 2.5]))
    assert res.gain_bits == pytest.approx(1.5)  # 0.5 -> 1.5 between D = 1 and 2 crosses 1
    # the curves are made non-decreasing first: a dip after the crossing buys nothing
    res = iso_energy_gain(d, np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 2.0, 0.5, 0.5]))
    assert res.gain_bits == pytest.approx(0.5)


def test_iso_energy_never() -> None:
    # E_gr(0) = 3 > E_conv(0) = 1; E_conv reaches 3 at D = 2: gain -2
    res = iso_energy_gain(D, 1.0 + D, 3.0 + D)
    assert (res.status, res.gain_bits) == ("never", -2.0)
    # E_conv never reaches E_gr(0): no number at all
    res = iso_energy_gain(D, 1.0 + 0.0 * D, 5.0 + D)
    assert (res.status, res.gain_bits) == ("never", None)


def test_iso_energy_reference_outside_grid() -> None:
    with pytest.raises(ModelDomainError, match="reference_dynamic_range_bits"):
        iso_energy_gain(D, 1.0 + D, D, reference_bits=12.0)
