"""Periphery models (ADC, DAC, gain-ranging stage, exponent normalizer) through hwcomponents.

References: closed forms written here from the technology constants (ADC laws, DAC array),
and the per-MAC terms of ``grcim.physics.energy.per_mac.grmac_energy``, which divides each
periphery cost among the MACs sharing it; multiplying back must give the component's cost.
"""

from __future__ import annotations

import math

import hwcomponents
import pytest

from grcim.physics.energy.macro import MacroStructure
from grcim.physics.energy.per_mac import conventional_energy, grmac_energy
from grcim.physics.operating_point import operating_point
from grcim.physics.settings import Ensemble
from grcim.physics.technology import Technology, load_technology
from grcim.plugins.models import MODELS
from grcim.plugins.models.exponent_normalizer import digital_pieces
from grcim.plugins.tables import build_table

M = list(MODELS)
REL = 1e-12


def energy(name: str, attrs: dict, action: str) -> float:
    return hwcomponents.get_action_cost(name, attrs, action, {}, models=M).energy


@pytest.mark.parametrize("enob", [1.0, 2.5, 3.0, 6.0])
def test_adc_below_four_bits_thermal_and_walden(enob: float, tech28: Technology) -> None:
    # thermal: E = 0.5 * 10**((6.02 ENOB + 1.76 - FOM_S) / 10); walden: E = FOM_W * 2**ENOB
    thermal = 0.5 * 10 ** ((6.02 * enob + 1.76 - tech28.adc_schreier_fom_db) / 10)
    walden = tech28.adc_walden_fom_j * 2**enob
    assert energy("grcim_adc", {"n_bits": enob, "adc_law": "thermal"},
                  "convert") == pytest.approx(thermal, rel=1e-12)
    assert energy("grcim_adc", {"n_bits": enob}, "convert") == pytest.approx(
        thermal + walden, rel=1e-12)  # the default two-regime law is their sum
    assert energy("grcim_adc", {"n_bits": enob, "adc_law": "walden"},
                  "convert") == pytest.approx(walden, rel=1e-12)


def test_adc_hwcomponents_law_matches_hwcomponents_adc() -> None:
    # reference: hwcomponents-adc itself, 8 ENOB at 22 nm and the 22 nm file's rate
    from hwcomponents_adc import ADC

    tech = load_technology("22nm")
    ref = ADC(n_bits=8, tech_node=22e-9, throughput=tech.adc_rate_hz).convert().energy
    got = energy("grcim_adc", {"n_bits": 8, "adc_law": "hwcomponents", "tech_node": 22e-9},
                 "convert")
    assert got == pytest.approx(ref, rel=1e-12)


def test_adc_energy_follows_its_own_rate() -> None:
    # issue R1: the rate is throughput / n_adcs, and the hwcomponents law depends on it
    from hwcomponents_adc import ADC

    for rate in (1e7, 1e9):
        ref = ADC(n_bits=10, tech_node=28e-9, throughput=rate).convert().energy
        got = energy("grcim_adc", {"n_bits": 10, "adc_law": "hwcomponents", "n_adcs": 4,
                                   "throughput": 4 * rate, "tech_node": 28e-9}, "convert")
        assert got == pytest.approx(ref, rel=1e-12)


def test_adc_auto_bits_per_pipeline(tech28: Technology, with_slice_bits) -> None:
    # auto: the bits per conversion of the same per-MAC breakdown the MAC model prices
    op = operating_point()
    core = grmac_energy(op, 0.0, tech28, MacroStructure(), with_slice_bits(op))
    gr = energy("grcim_adc", {"n_bits": "auto", "pipeline": "grmac"}, "convert")
    conv = float(core.details["conversions_per_mac"][0])
    assert gr * conv == pytest.approx(float(core.terms["adc"][0]), rel=REL)
    st = MacroStructure(dac_bits=4, n_input_slices=3)
    c_core = conventional_energy(op, 2.0, tech28, st,
                                 with_slice_bits(op, st, pipeline="conventional"))
    c = energy("grcim_adc", {"pipeline": "conventional", "dynamic_range_bits": 2.0,
                             "dac_bits": 4, "n_input_slices": 3}, "convert")
    assert c == pytest.approx(float(c_core.details["adc_energy_per_conversion_j"][0]),
                              rel=REL)


def test_adc_throughput_area_leak_count_all_adcs() -> None:
    one = hwcomponents.get_model("grcim_adc", {"n_bits": 6}, models=M)
    four = hwcomponents.get_model("grcim_adc", {"n_bits": 6, "n_adcs": 4, "throughput": 8e8},
                                  models=M)
    assert four.area == pytest.approx(4 * one.area, rel=REL)
    c = four.convert()
    assert c.throughput == 8e8 and c.latency == pytest.approx(4 / 8e8, rel=1e-15)
    # leakage is f/(1-f) = 0.25 of the dynamic power at the design rate
    assert four.leak_power == pytest.approx(0.25 * c.energy * 8e8, rel=1e-12)


def test_dac_closed_form_and_share_of_grmac(tech28: Technology, with_slice_bits) -> None:
    t = tech28
    for bits in (1, 4, 9):
        ref = t.activity * t.c_unit_min_f * 2 ** (bits - 1) * t.analog_swing_v * t.vdd_v
        assert energy("cim_dac", {"n_bits": bits}, "convert") == pytest.approx(ref, rel=1e-12)
        # one of several steps carries a ``bits``-bit magnitude digit (the sign on the
        # driver): twice the units of a signed single step of the same width
        sliced = energy("cim_dac", {"n_bits": bits, "n_input_slices": 3}, "convert")
        assert sliced == pytest.approx(2 * ref, rel=1e-12)
    op = operating_point()
    st = MacroStructure(n_cols=256)
    core = grmac_energy(op, 0.0, t, st, with_slice_bits(op, st))
    dac = energy("cim_dac", {"n_bits": op.gr_input_bits}, "read")
    # one row drive serves 256 bit lines / 8 cells per weight = 32 weights
    assert dac / 32 == pytest.approx(float(core.terms["dac"][0]), rel=REL)


@pytest.mark.parametrize(("normalization", "share"), [("unit", "one"), ("row", "row")])
def test_gain_stage_times_its_sharing_is_the_core_term(normalization: str, share: str,
                                                       tech28: Technology,
                                                       with_slice_bits) -> None:
    n_cols, d = 128, 2.0
    ens = Ensemble(normalization=normalization)
    op, st = operating_point(ens), MacroStructure(n_cols=n_cols)
    core = grmac_energy(op, d, tech28, st, with_slice_bits(op, st, ensemble=ens))
    attrs = {"normalization": normalization, "dynamic_range_bits": d, "n_cols": n_cols}
    array = energy("gain_ranging_stage", {**attrs, "placement": "array"}, "gain")
    w_row = float(core.details["weights_per_row"][0])
    divisor = 1 if share == "one" else w_row
    assert array / divisor == pytest.approx(float(core.terms["gain_stage"][0]), rel=REL)
    output = energy("gain_ranging_stage", attrs, "read")
    conv = float(core.details["conversions_per_mac"][0])
    assert output * conv == pytest.approx(float(core.terms["output_gain"][0]), rel=REL)


# every normalization branch once, and the max-tree branch (vector_max) on one normalization
@pytest.mark.parametrize(("normalization", "reference"), [
    ("unit", "fixed"), ("row", "fixed"), ("int", "fixed"), ("row", "vector_max")])
def test_normalizer_pieces_compose_to_the_core_digital_term(normalization: str, reference: str,
                                                            tech28: Technology,
                                                            with_slice_bits) -> None:
    n_cols, d = 64, 3.0
    ens = Ensemble(normalization=normalization, gain_reference=reference)
    op, st = operating_point(ens), MacroStructure(n_cols=n_cols)
    core = grmac_energy(op, d, tech28, st, with_slice_bits(op, st, ensemble=ens))
    pieces = digital_pieces(op, core.details, core.dynamic_range_bits, tech28)
    det = core.details
    # the per-MAC model of the core: per_mac + per_input / weights per row + (per_conversion
    # + shift-and-add of the bit columns) x conversions per MAC; the accumulator holds
    # ceil(B) + (b_w - 1) bits
    acc = math.ceil(float(det["adc_bits"][0])) + float(det["weight_bits"][0]) - 1
    shift_add = acc * tech28.e_full_adder_j
    composed = (pieces["per_mac"] + pieces["per_input"] / det["weights_per_row"]
                + (pieces["per_conversion"] + shift_add) * det["conversions_per_mac"])
    assert float(composed[0]) == pytest.approx(float(core.terms["digital"][0]), rel=1e-12)
    attrs = {"normalization": normalization, "gain_reference": reference, "n_cols": n_cols,
             "dynamic_range_bits": d}
    assert energy("exponent_normalizer", attrs, "normalize") == pytest.approx(
        float(core.terms["digital"][0]), rel=REL)
    # one output's work includes its shift-and-add: the three stages' pieces sum to the MAC's
    assert energy("exponent_normalizer", {**attrs, "stage": "output"}, "read") == pytest.approx(
        float(pieces["per_conversion"][0]) + shift_add, rel=REL)


def test_normalizer_input_cost_is_hand_countable(tech28: Technology) -> None:
    # row normalization, fixed reference, FP8 E4M3 inputs: per input = LOD of the 4-bit significand
    # (4 full-adder equivalents) + two w_e-bit exponent adds; w_e = ceil(log2(span))
    op = operating_point()
    w_e = math.ceil(math.log2(max(op.exponent_span, 2)))
    ref = (4 + 2 * w_e) * tech28.e_full_adder_j
    got = energy("exponent_normalizer", {}, "normalize_input")
    assert got == pytest.approx(ref, rel=1e-12)


def test_auto_adc_never_exceeds_the_lossless_slice_resolution() -> None:
    # A bit-serial 1-bit x 1-bit array over 64 rows of sign-magnitude digits sums -64..64:
    # 129 levels, log2(129) bits are lossless (by hand), so "auto" caps there; a 4-bit DAC
    # over 1-bit cells (-960..960, 10.9 bits) leaves the SQNR-derived width alone.
    from grcim.physics.energy.adc import adc_energy_j

    tech = load_technology("28nm")
    attrs = {"n_bits": "auto", "pipeline": "int", "input_format": "int8",
             "weight_format": "int8", "n_rows": 64, "adc_law": "thermal", "tech_node": 28e-9}
    capped = hwcomponents.get_action_cost(
        "grcim_adc", {**attrs, "dac_bits": 1, "n_input_slices": 8}, "convert", {},
        models=MODELS)
    lossless = float(adc_energy_j(math.log2(129), "thermal", tech))
    # the Monte Carlo of these slices may meet the standard a little below lossless
    assert float(adc_energy_j(math.log2(129) - 1.0, "thermal", tech)) < capped.energy
    assert capped.energy <= lossless * (1 + 1e-12)
    wide = hwcomponents.get_action_cost(
        "grcim_adc", {**attrs, "dac_bits": 4, "n_input_slices": 2}, "convert", {},
        models=MODELS)
    assert wide.energy < float(adc_energy_j(math.log2(2 * 64 * 15 + 1), "thermal", tech))


# a declared ADC (bug 5: the normalizer always sized the shift-and-add for the automatic one)
@pytest.mark.parametrize("slicing", [{}, {"n_input_slices": 2}, {"cell_bits": 2}])
@pytest.mark.parametrize("adc_bits", [None, 10, 12, 16])
def test_normalizer_agrees_with_the_macro_on_a_declared_adc(slicing: dict,
                                                            adc_bits: float | None) -> None:
    attrs = {**slicing, "adc_bits": adc_bits}
    digital = energy("gr_mac", {**attrs, "include_terms": "digital"}, "compute")
    assert energy("exponent_normalizer", attrs, "normalize") == pytest.approx(digital, rel=REL)


def test_a_wider_declared_adc_widens_the_shift_and_add_by_hand(tech28: Technology) -> None:
    # the accumulator holds ceil(B) + (b_w - 1) bits, one full adder each: 4 more ADC bits
    # cost 4 full adders more per conversion, and conversions_per_mac of them per MAC
    out = {b: energy("exponent_normalizer", {"adc_bits": b, "stage": "output"}, "read")
           for b in (8, 12)}
    assert out[12] - out[8] == pytest.approx(4 * tech28.e_full_adder_j, rel=1e-9)
    per_mac = build_table("exponent_normalizer", None, {"adc_bits": [8, 12]})
    n_conv = build_table("gr_mac", {"adc_bits": 8}).info["conversions_per_mac"][0]
    diff = per_mac.energy_j["normalize"][1] - per_mac.energy_j["normalize"][0]
    assert diff == pytest.approx(4 * tech28.e_full_adder_j * n_conv, rel=1e-9)


@pytest.mark.parametrize(("normalization", "reference", "has_tree"), [
    ("unit", "fixed", False), ("row", "fixed", False), ("row", "vector_max", True),
    ("unit", "vector_max", True), ("int", "fixed", True)])
def test_max_tree_action_costs_nothing_where_there_is_no_tree(normalization: str,
                                                              reference: str,
                                                              has_tree: bool) -> None:
    # docs/models.md 5.4: a fixed reference needs no max tree for unit and row; int aligns
    # each block to its largest exponent whatever the reference (one compare per input).
    # A compare is priced as one exponent add; the action once cost that everywhere.
    attrs = {"normalization": normalization, "gain_reference": reference}
    tree = energy("exponent_normalizer", attrs, "max_tree")
    add = energy("exponent_normalizer", attrs, "exponent_add")
    assert add > 0
    assert tree == (pytest.approx(add, rel=1e-12) if has_tree else 0.0)
