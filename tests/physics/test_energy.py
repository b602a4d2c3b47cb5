"""Tests of the energy models (grcim.physics.energy): every equation against a hand computation.

A technology with round numbers (``HAND``) is built here so the arithmetic can be followed in
the comments; the equations are the ones documented in the module docstrings (kT/C sizing,
E = a C V_s V_dd switching, Schreier / Walden / envelope ADC laws, gate counts). The
hwcomponents law is compared with the hwcomponents-adc package's own output. The iso-energy
gain is checked on hand-made curves with known crossing points.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
import pytest

from grcim.errors import ModelDomainError
from grcim.physics.energy.adc import adc_energy_j
from grcim.physics.energy.analog import (
    dac_energy_j,
    dac_magnitude_bits,
    gain_stage_energy_j,
    switch_energy_j,
    thermal_capacitance_f,
)
from grcim.physics.energy.cells import cell_capacitance_f
from grcim.physics.energy.digital import (
    adder_energy_j,
    exponent_width_bits,
    lod_energy_j,
    register_energy_j,
    shifter_energy_j,
)
from grcim.physics.energy.iso_energy import iso_energy_gain
from grcim.physics.energy.macro import MacroStructure, resolve_slicing
from grcim.physics.energy.per_mac import (
    EnergyBreakdown,
    EnergyOptions,
    conventional_energy,
    delivered_snr_db,
    grmac_digital_pieces,
    grmac_energy,
    input_drive_energy_j,
)
from grcim.physics.operating_point import OperatingPoint, operating_point
from grcim.physics.settings import Ensemble
from grcim.physics.technology import Technology

KT_300 = 1.380649e-23 * 300.0  # 4.141947e-21 J
HAND = Technology(
    name="hand", node_m=28e-9, vdd_v=1.0, analog_swing_v=0.5, temperature_k=300.0,
    c_unit_min_f=1e-15, activity=0.5, e_full_adder_j=2e-15, e_mux_bit_j=1e-15,
    e_flop_bit_j=1.5e-15, adc_schreier_fom_db=180.0, adc_walden_fom_j=1e-15,
    adc_envelope_floor_j=0.27e-12, adc_envelope_k_j=1.45e-19, c_wire_per_m=0.2e-9,
    c_gate_per_m=1e-9, c_junction_per_m=0.5e-9, w_switch_m=0.1e-6,
    c_cell_max_f=50e-15, adc_rate_hz=1e8,
)
# one cell switch with HAND: gate 1 fF/um x 0.1 um = 0.1 fF, drain junction 0.05 fF; a
# bit-sliced cell puts two gates on its row line and nothing on its column
# (physics/energy/devices.py)
C_GATE, C_JUNCTION = 0.1e-15, 0.05e-15
# a 28 nm multiplying bitcell: 1.8 x 0.127 um^2 with a 2:1 outline, or the capacitor above it
# when larger (2 fF/um^2; physics/energy/geometry.py)


def cell_wh(c_per_bit: float) -> tuple[float, float]:
    area = max(1.8 * 0.127e-12, c_per_bit / 2e-3)
    return math.sqrt(2 * area), math.sqrt(area / 2)
# switching energy per farad with HAND: a V_s V_dd = 0.5 * 0.5 * 1.0 = 0.25 J/F
PER_F = 0.25


def _op(**over: object) -> OperatingPoint:
    base = dict(
        sqnr_target_db=35.0, noise_standard="total", share_db=40.0, thermal_snr_db=40.0,
        n_rows=64, input_man_bits=3, weight_man_bits=3, exponent_span=16, alignment="global",
        conv_adc_bits=7.0, conv_input_bits=6.0, conv_weight_bits=4.0,
        conv_utilization=0.1, gr_adc_bits=6.0, gr_input_bits=5.0, gr_weight_bits=5.0,
        gr_gain_octaves=6.0, gr_utilization=0.05, gr_reference_exponent=0,
        normalization="row", gain_reference="fixed",
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


def test_binary_weighted_cell_is_max_of_matching_floor_and_kt_c() -> None:
    # a 4-bit signed weight as one binary-weighted array: floor 2**3 * 1 fF = 8 fF beats
    # 0.66 fF of kT/C at 40 dB; at 56 dB kT/C (26.4 fF) wins; at 66 dB (265 fF, 66 fF per
    # stored bit) the cell exceeds the 50 fF-per-bit ceiling: infeasible
    sl = resolve_slicing(MacroStructure(cell_topology="binary_weighted"), [4.0], [4.0])
    assert float(cell_capacitance_f(sl, 40.0, 0.25, HAND)[0]) == pytest.approx(8e-15)
    assert float(cell_capacitance_f(sl, 56.0, 0.25, HAND)[0]) == pytest.approx(
        KT_300 * 10**5.6 / 0.0625, rel=1e-9)
    with pytest.raises(ModelDomainError, match="capacitance_per_stored_bit"):
        cell_capacitance_f(sl, 66.0, 0.25, HAND)
    assert np.isnan(cell_capacitance_f(sl, 66.0, 0.25, HAND, strict=False)[0])


def test_switch_dac_and_gain_stage_energy_by_hand() -> None:
    assert float(switch_energy_j(8e-15, HAND)) == pytest.approx(8e-15 * PER_F)  # 2 fJ
    # 4 magnitude bits: 2**4 unit caps of 1 fF = 16 fF -> 4 fJ
    assert float(dac_energy_j(4, HAND)) == pytest.approx(4e-15)
    # one 5-bit step per input carries the sign (4 magnitude bits); each of three 4-bit
    # steps is a 4-bit magnitude digit (sign on the driver): 16 units either way
    assert float(dac_magnitude_bits(5, 1)) == 4.0
    assert float(dac_magnitude_bits(4, 3)) == 4.0
    assert float(dac_magnitude_bits(1, 8)) == 1.0  # bit-serial: 1 magnitude bit per step
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


@pytest.mark.parametrize(("normalization", "reference", "tree", "per_input", "per_mac"), [
    # HAND: w_e = ceil(log2 16) = 4, one add/compare = 4 full adders = 8 fJ; LOD of the
    # 4-bit input significand = 8 fJ; int's alignment shift of a 5-bit DAC word over 6
    # octaves = 5 x ceil(log2 7) = 15 mux bits = 15 fJ
    ("unit", "fixed", 0.0, 8.0, 16.0),  # add + distance per MAC, no max tree
    ("unit", "vector_max", 8.0, 8.0, 24.0),  # + one max-tree step per MAC
    ("row", "fixed", 0.0, 8.0 + 16.0, 0.0),
    ("row", "vector_max", 8.0, 8.0 + 24.0, 0.0),
    # int aligns each block's inputs to their largest exponent whatever the reference: the
    # block max (one compare per input) is there with a fixed reference too (section 5.4)
    ("int", "fixed", 8.0, 8.0 + 8.0 + 15.0, 16.0),
    ("int", "vector_max", 8.0, 8.0 + 8.0 + 15.0, 16.0),
])
def test_max_tree_steps_where_the_design_has_a_tree(
        normalization: str, reference: str, tree: float, per_input: float,
        per_mac: float) -> None:
    op = _op(normalization=normalization, gain_reference=reference)  # block_rows = 1
    p = grmac_digital_pieces(op, np.array([0.0]), np.array([5.0]), np.array([6.0]), HAND)
    assert float(p["max_tree"][0]) == pytest.approx(tree * 1e-15, abs=1e-30)
    assert float(p["per_input"][0]) == pytest.approx(per_input * 1e-15)
    assert float(p["per_mac"][0]) == pytest.approx(per_mac * 1e-15, abs=1e-30)


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


def test_two_regime_law_is_walden_plus_schreier() -> None:
    # HAND: FOM_W 1 fJ/step, FOM_S 180 dB. 4 bits: 16 fJ + 0.19 fJ; 12 bits: 4.1 pJ + 12.4 pJ
    for b in (4.0, 8.0, 12.0):
        want = 1e-15 * 2.0**b + _thermal_adc_j(b)
        assert float(adc_energy_j(b, "two_regime", HAND)) == pytest.approx(want, rel=1e-12)
    e = adc_energy_j(np.array([4.0, 5.0, 16.0, 17.0]), "two_regime", HAND)
    assert e[1] / e[0] == pytest.approx(2.0, rel=0.02)  # technology-limited: 2x per bit
    assert e[3] / e[2] == pytest.approx(4.0, rel=0.02)  # noise-limited: 4x per bit


def test_default_adc_law_is_two_regime_everywhere() -> None:
    import inspect

    from grcim.physics.energy.adc import DEFAULT_ADC_LAW
    from grcim.plugins.models import MODELS
    from grcim.studies.paper import PaperSettings

    assert DEFAULT_ADC_LAW == "two_regime" == EnergyOptions().adc_law == PaperSettings().adc_law
    for model in MODELS:
        law = inspect.signature(model.__init__).parameters.get("adc_law")
        if law is not None:
            assert law.default == DEFAULT_ADC_LAW, model.__name__


def test_hwcomponents_law_follows_the_conversion_rate(tech28: Technology) -> None:
    adc_mod = pytest.importorskip("hwcomponents_adc",
                                  reason="the hwcomponents ADC law needs hwcomponents-adc")
    for rate in (1e7, 1e9):
        ref = adc_mod.ADC(n_bits=10, tech_node=28e-9, throughput=rate).convert().energy
        got = float(adc_energy_j(10.0, "hwcomponents", tech28, rate_hz=rate))
        assert got == pytest.approx(ref, rel=1e-12)
    assert float(adc_energy_j(10.0, "hwcomponents", tech28, rate_hz=1e9)) > 3 * float(
        adc_energy_j(10.0, "hwcomponents", tech28, rate_hz=1e7))


def test_adc_bad_input() -> None:
    with pytest.raises(ModelDomainError, match="adc_law"):
        adc_energy_j(6.0, "flash", HAND)
    for bad in (0.4, 33.0):
        with pytest.raises(ModelDomainError, match="enob"):
            adc_energy_j(np.array([6.0, bad]), "walden", HAND)


# ---------------------------------------------------------------- energy per MAC
# Hand values below use the default structure (bit-sliced one-bit cells, one DAC step of all
# input bits, 256 bit lines): with 4-bit weights, 4 cells per weight, 64 weights per row.

def _slice_bits(full: float, bx: float, bw: float, dx: float, cw: float) -> float:
    """B_full - log2(r) + log2(q)/2 of grcim.physics.energy.macro, written out here."""
    r = ((2**bx - 1) / (2 ** (bx - dx) * (2**dx - 1))) * ((2**bw - 1) / (2 ** (bw - cw)
                                                                         * (2**cw - 1)))
    q = ((1 - 4.0 ** -bx) / (1 - 4.0**-dx)) * ((1 - 4.0 ** -bw) / (1 - 4.0**-cw))
    return full - math.log2(r) + 0.5 * math.log2(q)


def test_conventional_energy_by_hand_at_d0() -> None:
    br = conventional_energy(_op(), [0.0], HAND, opts=EnergyOptions(adc_law="thermal"))
    # ADC of one bit column: r = 1 * 15/8, q = 1 * (1 - 4**-4)/(3/4): 7 - 0.90689 + 0.20469
    bits = _slice_bits(7.0, 6.0, 4.0, 6.0, 1.0)
    assert bits == pytest.approx(6.29780, abs=1e-5)
    assert float(br.details["adc_bits"][0]) == pytest.approx(bits, rel=1e-12)
    # cells: kT/C at 40 dB, u = 0.1: 1.657 fF, times the slicing factor of 1-bit weight
    # cells (4**4 - 1) / (3 * 15**2) = 0.3778: 0.626 fF < C_min = 1 fF
    assert KT_300 * 1e4 / (0.25 * 0.1) * 255 / 675 < 1e-15
    want = {
        "dac": 2.0**5 * 1e-15 * PER_F / 64,   # 6-bit DAC, one drive shared by 64 weights
        "mac": 4 * 1e-15 * PER_F,             # 4 one-bit cells of 1 fF each switch once
        # row line of 64 weights x 4 cells per drive (/64), column wire of 64 cells per
        # conversion (x 4/64): 4 ((w + h) c_wire + 2 gates) switched through the swing per
        # MAC; a 1 fF capacitor (0.5 um^2) is larger than the bitcell, so it sets the pitch
        "array": 4 * (sum(cell_wh(1e-15)) * 0.2e-9 + 2 * C_GATE) * PER_F,
        "adc": _thermal_adc_j(bits) * 4 / 64,  # 4 conversions (bit columns) per 64 rows
        # per input: 4-bit exponent compare (4 FA) + shift of 6 bits over 16 positions
        # (6 x 5 mux bits), shared by 64 weights; per conversion: a shift-and-add into a
        # ceil(6.30) + 0 + 3 = 10-bit accumulator (10 FA)
        "digital": (4 * 2e-15 + 30 * 1e-15) / 64 + 10 * 2e-15 * 4 / 64,
    }
    assert set(br.terms) == set(want)
    for k, v in want.items():
        assert float(br.terms[k][0]) == pytest.approx(v, rel=1e-9), k
    assert float(br.total[0]) == pytest.approx(sum(want.values()), rel=1e-9)


def test_grmac_row_fixed_energy_by_hand_at_d0() -> None:
    br = grmac_energy(_op(), [0.0], HAND, opts=EnergyOptions(adc_law="thermal"))
    c_th = KT_300 * 1e4 / (0.25 * 0.05)  # 3.31 fF: the stage capacitor
    # cells: 5 one-bit cells per weight, kT/C times (4**5 - 1)/(3 * 31**2) = 0.355: 1.18 fF
    c_u = c_th * 1023 / (3 * 31**2)
    w_row = 51  # whole weights of 5 cells per row drive (256 bit lines, 1 left idle)
    conv = 5 / 64  # conversions per MAC
    want = {
        "dac": 2.0**4 * 1e-15 * PER_F / w_row,
        "mac": 5 * c_u * PER_F,
        # row and column lines, as above
        "array": 5 * (sum(cell_wh(c_u)) * 0.2e-9 + 2 * C_GATE) * PER_F,
        # 6 octaves: 6 halving steps on the kT/C-sized stage cap, applied once per row drive
        "gain_stage": 6 * (c_th * PER_F + 1.5e-15) / w_row,
        # output stage: ceil(log2(4 * 64)) + 6 = 14 steps on C_min, once per conversion
        "output_gain": 14 * (1e-15 * PER_F + 1.5e-15) * conv,
        "adc": _thermal_adc_j(6.0) * conv,  # gain-ranged: every bit column at 6 bits
        # per input (row driver): LOD of 4 bits + exponent add + distance (4-bit adders);
        # per conversion: a 4-bit add + 6 + 4 flops, and a shift-and-add into a
        # 6 + 0 + 4 = 10-bit accumulator
        "digital": (4 * 2e-15 + 2 * 4 * 2e-15) / w_row
        + (4 * 2e-15 + 10 * 1.5e-15 + 10 * 2e-15) * conv,
    }
    assert set(br.terms) == set(want)
    for k, v in want.items():
        assert float(br.terms[k][0]) == pytest.approx(v, rel=1e-9), k


@pytest.mark.parametrize(("topology", "units"), [("bit_sliced", 1.0), ("c2c", 3.0)])
def test_linear_cost_topologies_by_hand(topology: str, units: float) -> None:
    # 8-bit weights in 8 cells, 4-bit inputs in one step, at the 1 fF matching floor: a
    # bit-sliced cell holds 1 unit capacitor, a C-2C ladder section 3 (shunt 2C, series C)
    st = MacroStructure(cell_topology=topology, n_cols=256)
    op = _op(conv_input_bits=4.0, conv_weight_bits=8.0, conv_utilization=1.0)
    br = conventional_energy(op, [0.0], HAND, st, EnergyOptions(adc_law="walden"))
    assert float(br.terms["mac"][0]) == pytest.approx(8 * units * 1e-15 * PER_F, rel=1e-12)
    conversions = 8 / 64 if topology == "bit_sliced" else 1 / 64  # C-2C: one per weight
    assert float(br.details["conversions_per_mac"][0]) == pytest.approx(conversions)
    assert float(br.details["weights_per_row"][0]) == pytest.approx(256 / 8)


def test_binary_weighted_cost_is_exponential_in_weight_bits() -> None:
    st = MacroStructure(cell_topology="binary_weighted", n_cols=256)
    macs = [conventional_energy(_op(conv_weight_bits=b, conv_utilization=1.0), [0.0], HAND,
                                st).terms["mac"][0] for b in (4.0, 6.0, 8.0)]
    # one array of 2**(b - 1) unit capacitors per weight: 8, 32, 128 fF
    np.testing.assert_allclose(macs, [8e-15 * PER_F, 32e-15 * PER_F, 128e-15 * PER_F])


def test_binary_weighted_array_holds_whole_bits() -> None:
    # a weight needing 8.06 bits (the aligned E4M3 weight) is stored in 9 bits, as it is in
    # 9 one-bit cells: a 9-bit signed array of 2**8 unit capacitors (256 fF at 1 fF), not
    # 2**7.06 (133 fF); widths already whole stay as they are
    st = MacroStructure(cell_topology="binary_weighted", n_cols=256)
    sl = resolve_slicing(st, [5.0], [8.064])
    assert float(sl.weight_bits[0]) == 9.0 == float(sl.cell_bits[0])
    assert float(resolve_slicing(MacroStructure(), [5.0], [8.064]).n_weight_slices[0]) == 9.0
    assert float(cell_capacitance_f(sl, 40.0, 0.25, HAND)[0]) == pytest.approx(256e-15)
    mac = conventional_energy(_op(conv_weight_bits=8.064, conv_utilization=1.0), [0.0], HAND,
                              st).terms["mac"][0]
    assert mac == pytest.approx(256e-15 * PER_F)
    assert float(resolve_slicing(st, [5.0], [8.0]).weight_bits[0]) == 8.0


def test_declared_slicing_counts_steps_drives_and_conversions() -> None:
    # 12-bit inputs as 3 steps of 4 bits, 8 one-bit weight cells, 64 rows, 256 bit lines
    st = MacroStructure(dac_bits=4, n_input_slices=3, cell_bits=1, n_weight_slices=8)
    br = conventional_energy(_op(conv_weight_bits=8.0), [0.0], HAND, st)
    det = br.details
    assert float(det["cell_steps_per_mac"][0]) == 3.0
    assert float(det["drives_per_mac"][0]) == pytest.approx(3 / 32)
    assert float(det["conversions_per_mac"][0]) == pytest.approx(3 * 8 / 64)
    # lossless column sum of a 4-bit x 1-bit slice over 64 rows: log2(64 * 15 + 1) = 9.91
    assert float(det["adc_bits"][0]) == pytest.approx(
        min(_slice_bits(7.0, 12.0, 8.0, 4.0, 1.0), math.log2(64 * 15 + 1)), rel=1e-12)


def test_declared_widths_below_the_need_are_refused() -> None:
    st = MacroStructure(dac_bits=2, n_input_slices=2)  # 4 input bits < 6 needed
    with pytest.raises(ModelDomainError, match=re.escape(
            "dac_bits x n_input_slices = 2 x 2 = 4 bits: at least 6 aligned input bits")):
        conventional_energy(_op(), [0.0], HAND, st)


def test_conventional_energy_grows_4x_per_octave_once_thermal_limited(
        tech28: Technology) -> None:
    d = np.arange(5.0, 12.0)  # the total standard: +6.02 dB of cell SNR per octave
    op = _op(conv_utilization=0.01)
    for law in ("thermal", "walden", "envelope", "two_regime"):
        br = conventional_energy(op, d, tech28, opts=EnergyOptions(adc_law=law,
                                                                    strict=False))
        ok = np.isfinite(br.total)
        cap = br.details["cell_capacitance_f"][ok]
        assert np.all(cap > tech28.c_unit_min_f)
        mac = br.terms["mac"][ok]
        np.testing.assert_allclose(mac[1:] / mac[:-1], 4.0, rtol=1e-9)
    # the input DAC gains one bit per octave: 2x
    br = conventional_energy(op, d, tech28, opts=EnergyOptions(strict=False))
    np.testing.assert_allclose(br.terms["dac"][1:] / br.terms["dac"][:-1], 2.0, rtol=1e-12)


def test_sqnr_standard_keeps_the_cells_fixed(tech28: Technology) -> None:
    # noise_standard sqnr: thermal noise designed at full scale only, so only quantization
    # stages grow with D (input bits, ADC bits); cells and their energy stay put
    op = _op(noise_standard="sqnr", thermal_snr_db=45.0)
    d = np.arange(0.0, 8.0)
    br = conventional_energy(op, d, tech28)
    np.testing.assert_allclose(br.terms["mac"], br.terms["mac"][0], rtol=1e-12)
    np.testing.assert_allclose(np.diff(br.details["input_bits"]), 1.0)
    np.testing.assert_allclose(br.details["mac_snr_db"], 45.0)
    gr = grmac_energy(op, d, tech28)
    np.testing.assert_allclose(gr.terms["mac"], gr.terms["mac"][0], rtol=1e-12)


def test_ceiling_makes_a_design_infeasible(tech28: Technology) -> None:
    op = _op(conv_utilization=0.001)
    # two input steps: one step of the 18-bit input is refused first (over 16 DAC bits)
    with pytest.raises(ModelDomainError, match="capacitance_per_stored_bit"):
        conventional_energy(op, [12.0], tech28, MacroStructure(n_input_slices=2))
    br = conventional_energy(op, [0.0, 12.0], tech28, opts=EnergyOptions(strict=False))
    assert np.isfinite(br.total[0]) and np.isnan(br.total[1])


def test_vector_max_alignment_is_scale_free(tech28: Technology) -> None:
    op = _op(alignment="vector_max")
    d = np.arange(0.0, 12.0)
    br = conventional_energy(op, d, tech28)
    for k in ("dac", "mac", "adc"):
        np.testing.assert_allclose(br.terms[k], br.terms[k][0], rtol=1e-12, err_msg=k)


def test_adc_share(tech28: Technology) -> None:
    br = conventional_energy(_op(), [0.0], tech28)
    assert float(br.adc_share[0]) == pytest.approx(float(br.terms["adc"][0] / br.total[0]))


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
    br = grmac_energy(op, d, tech28, opts=EnergyOptions(gain_range_rule=rule))
    for k, v in br.terms.items():
        if k != "digital":
            np.testing.assert_allclose(v, v[0], rtol=1e-12, err_msg=f"{k} grows with D")
    width = exponent_width_bits(op.exponent_span + d)
    for w in np.unique(width):
        same = br.terms["digital"][width == w]
        np.testing.assert_allclose(same, same[0], rtol=1e-12)


def test_grmac_fixed_reference_mac_needs_6_db_per_octave(tech28: Technology) -> None:
    d = np.arange(3.0, 6.0)  # cells 1.4-23 fF per bit: above the floor, below the ceiling
    op = _op(gr_utilization=1.0)
    br = grmac_energy(op, d, tech28, opts=EnergyOptions(strict=False))
    np.testing.assert_allclose(br.details["mac_snr_db"], 40.0 + 20 * math.log10(2) * d)
    mac = br.terms["mac"]
    np.testing.assert_allclose(mac[1:] / mac[:-1], 4.0, rtol=1e-9)
    cover = grmac_energy(op, d, tech28, opts=EnergyOptions(gain_range_rule="cover_range",
                                                          strict=False))
    np.testing.assert_allclose(cover.details["gain_octaves"], 6.0 + d)
    sqnr = grmac_energy(op, d, tech28, opts=EnergyOptions(gain_range_rule="sqnr",
                                                         strict=False))
    np.testing.assert_allclose(sqnr.details["gain_octaves"], 6.0)


@pytest.mark.parametrize("law", ["two_regime", "thermal", "walden", "envelope"])
def test_every_breakdown_total_is_the_sum_of_its_terms(law: str, tech28: Technology) -> None:
    d = np.linspace(0.0, 2.0, 9)
    breakdowns: list[EnergyBreakdown] = []
    for normalization in ("unit", "row", "int"):
        for ref in ("fixed", "vector_max"):
            op = _op(normalization=normalization, gain_reference=ref,
                     block_rows=8 if normalization == "int" else 1)
            for rule in ("cover_range", "sqnr"):
                opts = EnergyOptions(adc_law=law, gain_range_rule=rule)
                breakdowns += [conventional_energy(op, d, tech28, opts=opts),
                               grmac_energy(op, d, tech28, opts=opts)]
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
        grmac_energy(_op(), [0.0], tech28, opts=EnergyOptions(adc_law="sar"))


def test_conventional_energy_error_names_the_callers_parameter(tech28: Technology) -> None:
    # conventional_energy accepts D in 0..40 octaves; the conventional ADC then needs more
    # bits than the ADC laws' 20-bit range: the model refuses the parameter the caller gave
    # (not an internal "enob" the caller never set)
    # (the input sliced and the cells wide enough that the ADC, not the 16-bit DAC step or
    # a slice's lossless resolution, is the first limit)
    st = MacroStructure(n_input_slices=4, cell_bits=16)
    with pytest.raises(ModelDomainError) as info:
        conventional_energy(_op(noise_standard="sqnr"), np.arange(0.0, 41.0), tech28, st)
    assert info.value.item == "dynamic_range_bits", str(info.value)
    # its value is the range, not the pipeline's name ('conventional')
    assert re.match(r"dynamic_range_bits = \d+\.0: a smaller range, where the conventional "
                    r"conversions need at most 20 ADC bits", str(info.value)), str(info.value)
    # one step of all input bits: the DAC is refused first, saying how to slice
    with pytest.raises(ModelDomainError, match=r"dac_bits = 'auto'.*n_input_slices=2"):
        conventional_energy(_op(), [12.0], tech28)


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


@pytest.mark.parametrize("standard", ["sqnr", "total"])
def test_delivered_snr_at_small_scales(standard: str) -> None:
    t, margin = 35.0, 10.0
    op = operating_point(Ensemble(noise_standard=standard, thermal_margin_db=margin))
    d = np.array([0.0, 1.0, 4.0, 16.0])

    def combine(*snrs: float) -> float:
        return -10.0 * math.log10(sum(10.0 ** (-x / 10.0) for x in snrs))

    for pipeline in ("conventional", "grmac"):  # global alignment, fixed gain reference
        got = delivered_snr_db(op, d, pipeline)
        if standard == "total":  # thermal noise counted at every scale: the standard holds
            np.testing.assert_allclose(got, t, atol=1e-9)
        else:  # kT/C designed 10 dB below at full scale, 6.02 dB per octave closer below it
            want = [combine(t, t + margin - 20.0 * math.log10(2.0) * x) for x in d]
            np.testing.assert_allclose(got, want, atol=1e-9)
    # a summing node that never sees the scale keeps the full-scale SNR
    scale_free = replace(op, gain_reference="vector_max")
    np.testing.assert_allclose(delivered_snr_db(scale_free, d, "grmac"),
                               delivered_snr_db(op, 0.0, "grmac")[0], atol=1e-9)


def test_delivered_snr_not_claimed_where_the_gain_range_flushes() -> None:
    # the sqnr gain-range rule keeps G0 octaves: a fixed-reference GR-MAC flushes vectors
    # more than about G0 octaves down, which the closed form does not count
    op = operating_point(Ensemble())
    d = np.array([0.0, 16.0])
    assert np.isnan(delivered_snr_db(op, d, "grmac", "sqnr")).all()
    assert np.isfinite(delivered_snr_db(op, d, "grmac", "cover_range")).all()
    scale_free = replace(op, gain_reference="vector_max")
    assert np.isfinite(delivered_snr_db(scale_free, d, "grmac", "sqnr")).all()


def test_iso_energy_with_an_infeasible_reference_has_no_gain() -> None:
    # the conventional design is infeasible (NaN energy) from D = 1.5: a reference there has
    # no energy; `grcim paper --reference-dr 2` once wrote an infinite reference energy,
    # which the output check then refused (no files, exit 1)
    e_conv = np.where(D < 1.5, 1.0 + D, np.nan)
    res = iso_energy_gain(D, e_conv, 0.25 * (1.0 + D), reference_bits=2.0)
    assert (res.status, res.gain_bits, res.reference_energy_j) == (
        "reference_infeasible", None, None)
    assert iso_energy_gain(D, e_conv, 0.25 * (1.0 + D), reference_bits=1.0).status == "bounded"


def test_conversions_beyond_the_adc_laws_are_infeasible_points_when_not_strict() -> None:
    # a global grid adds one ADC bit per octave: past 20 bits no law prices the converter;
    # `grcim paper --sqnr-target 100` once stopped on that instead of ending the curve
    op = operating_point(Ensemble())
    d = np.array([0.0, 4.0, 30.0])
    loose = conventional_energy(op, d, HAND, opts=EnergyOptions(adc_law="walden",
                                                                  strict=False))
    assert np.isfinite(loose.total[:2]).all() and np.isnan(loose.total[2])
    assert np.isnan(loose.adc_share[2]) and 0.0 < loose.adc_share[0] < 1.0
    with pytest.raises(ModelDomainError, match="20 ADC bits"):  # an input sliced to 16 bits
        conventional_energy(op, d, HAND, MacroStructure(n_input_slices=3, cell_bits=16),
                            EnergyOptions(adc_law="walden"))
    for law in ("two_regime", "hwcomponents"):  # NaN resolutions price as NaN, no error
        e = adc_energy_j(np.array([6.0, np.nan]), law, HAND)
        assert np.isfinite(e[0]) and np.isnan(e[1])


@pytest.mark.parametrize(("dac_bits", "slices"), [(5, 1), (2, 1), (4, 2)])
def test_pulse_driver_counts_down_once_per_pulse(tech28: Technology, dac_bits: int,
                                                 slices: int) -> None:
    # docs/models.md 5.2: load the (m + 1)-bit counter, then one decrement per pulse, at most
    # 2 toggled bits each (a flop and its full-adder cell); p = (2^m - 1) / 2 pulses. m is
    # the step's magnitude bits: d - 1 for one signed step, d for each of several digits
    m = dac_bits - 1 if slices == 1 else dac_bits
    p = (2 ** m - 1) / 2
    by_hand = ((m + 1) * tech28.e_flop_bit_j
               + 2 * p * (tech28.e_flop_bit_j + tech28.e_full_adder_j))
    got = float(input_drive_energy_j(np.float64(dac_bits), tech28, "pulse",
                                     np.float64(slices)))
    assert got == pytest.approx(by_hand, rel=1e-12)
