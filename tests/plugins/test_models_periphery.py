"""Periphery models (ADC, DAC, gain-ranging stage, exponent normalizer) through hwcomponents.

References: closed forms written here from the technology constants (ADC laws, DAC array),
and the per-MAC terms of ``grcim.plugins.energy.per_mac.grmac_energy``, which divides each
periphery cost among the MACs sharing it; multiplying back must give the component's cost.
"""

from __future__ import annotations

import math

import hwcomponents
import pytest

from grcim.plugins.energy.per_mac import EnergyOptions, grmac_energy
from grcim.plugins.models import MODELS
from grcim.plugins.models.exponent_normalizer import digital_pieces
from grcim.plugins.operating_point import operating_point
from grcim.plugins.technology import Technology, load_technology

M = list(MODELS)
REL = 1e-12


def energy(name: str, attrs: dict, action: str) -> float:
    return hwcomponents.get_action_cost(name, attrs, action, {}, models=M).energy


@pytest.mark.parametrize("enob", [1.0, 2.5, 3.0, 6.0])
def test_adc_below_four_bits_thermal_and_walden(enob: float, tech28: Technology) -> None:
    # thermal: E = 0.5 * 10**((6.02 ENOB + 1.76 - FOM_S) / 10); walden: E = FOM_W * 2**ENOB
    thermal = 0.5 * 10 ** ((6.02 * enob + 1.76 - tech28.adc_schreier_fom_db) / 10)
    walden = tech28.adc_walden_fom_j * 2**enob
    assert energy("grcim_adc", {"n_bits": enob}, "convert") == pytest.approx(thermal, rel=1e-12)
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


def test_adc_auto_bits_per_pipeline(tech28: Technology) -> None:
    op = operating_point()
    core = grmac_energy(op, 0.0, tech28, EnergyOptions(64, "thermal"))
    gr = energy("grcim_adc", {"n_bits": "auto", "pipeline": "grmac"}, "convert")
    assert gr / 64 == pytest.approx(float(core.terms["adc"][0]), rel=REL)
    conv = energy("grcim_adc", {"pipeline": "conventional", "dynamic_range_bits": 2.0},
                  "convert")
    b = op.conv_adc_bits + 2.0
    assert conv == pytest.approx(0.5 * 10 ** ((6.02 * b + 1.76 - 180.0) / 10), rel=1e-12)


def test_adc_throughput_area_leak_count_all_adcs() -> None:
    one = hwcomponents.get_model("grcim_adc", {"n_bits": 6}, models=M)
    four = hwcomponents.get_model("grcim_adc", {"n_bits": 6, "n_adcs": 4, "throughput": 8e8},
                                  models=M)
    assert four.area == pytest.approx(4 * one.area, rel=REL)
    c = four.convert()
    assert c.throughput == 8e8 and c.latency == pytest.approx(4 / 8e8, rel=1e-15)
    # leakage is f/(1-f) = 0.25 of the dynamic power at the design rate
    assert four.leak_power == pytest.approx(0.25 * c.energy * 8e8, rel=1e-12)


def test_dac_closed_form_and_share_of_grmac(tech28: Technology) -> None:
    t = tech28
    for bits in (1, 4, 9):
        ref = t.activity * t.c_unit_min_f * 2 ** (bits - 1) * t.analog_swing_v * t.vdd_v
        assert energy("cim_dac", {"n_bits": bits}, "convert") == pytest.approx(ref, rel=1e-12)
    op = operating_point()
    core = grmac_energy(op, 0.0, t, EnergyOptions(32, "thermal"))
    dac = energy("cim_dac", {"n_bits": op.gr_input_bits}, "read")
    assert dac / 32 == pytest.approx(float(core.terms["dac"][0]), rel=REL)


@pytest.mark.parametrize(("normalization", "share"), [("unit", "one"), ("row", "n_cols")])
def test_gain_stage_times_its_sharing_is_the_core_term(normalization: str, share: str,
                                                       tech28: Technology) -> None:
    n_cols, d = 16, 2.0
    op = operating_point("gaussian", "fp8_e4m3", "fp8_e4m3", 64, 35.0, normalization, "fixed", 32)
    core = grmac_energy(op, d, tech28, EnergyOptions(n_cols, "thermal"))
    attrs = {"normalization": normalization, "dynamic_range_bits": d}
    array = energy("gain_ranging_stage", {**attrs, "placement": "array"}, "gain")
    divisor = 1 if share == "one" else n_cols
    assert array / divisor == pytest.approx(float(core.terms["gain_stage"][0]), rel=REL)
    output = energy("gain_ranging_stage", attrs, "read")
    assert output / 64 == pytest.approx(float(core.terms["output_gain"][0]), rel=REL)


# every normalization branch once, and the max-tree branch (vector_max) on one normalization
@pytest.mark.parametrize(("normalization", "reference"), [
    ("unit", "fixed"), ("row", "fixed"), ("int", "fixed"), ("row", "vector_max")])
def test_normalizer_pieces_compose_to_the_core_digital_term(normalization: str, reference: str,
                                                            tech28: Technology) -> None:
    n_cols, d = 8, 3.0
    op = operating_point("gaussian", "fp8_e4m3", "fp8_e4m3", 64, 35.0, normalization, reference, 32)
    core = grmac_energy(op, d, tech28, EnergyOptions(n_cols, "thermal"))
    pieces = digital_pieces(op, core.details, core.dynamic_range_bits, tech28)
    # the per-MAC model of the core: per_mac + per_input / n_cols + per_conversion / n_rows
    composed = pieces["per_mac"] + pieces["per_input"] / n_cols + pieces["per_conversion"] / 64
    assert float(composed[0]) == pytest.approx(float(core.terms["digital"][0]), rel=1e-12)
    attrs = {"normalization": normalization, "gain_reference": reference, "n_cols": n_cols,
             "dynamic_range_bits": d}
    assert energy("exponent_normalizer", attrs, "normalize") == pytest.approx(
        float(core.terms["digital"][0]), rel=REL)
    assert energy("exponent_normalizer", {**attrs, "stage": "output"}, "read") == pytest.approx(
        float(pieces["per_conversion"][0]), rel=REL)


def test_normalizer_input_cost_is_hand_countable(tech28: Technology) -> None:
    # row normalization, fixed reference, FP8 E4M3 inputs: per input = LOD of the 4-bit significand
    # (4 full-adder equivalents) + two w_e-bit exponent adds; w_e = ceil(log2(span))
    op = operating_point()
    w_e = math.ceil(math.log2(max(op.exponent_span, 2)))
    ref = (4 + 2 * w_e) * tech28.e_full_adder_j
    got = energy("exponent_normalizer", {}, "normalize_input")
    assert got == pytest.approx(ref, rel=1e-12)


def test_auto_adc_never_exceeds_the_lossless_slice_resolution() -> None:
    # A bit-serial 1-bit x 1-bit array over 64 rows sums 0..64: 65 levels, log2(65) bits are
    # lossless (by hand), so "auto" caps there; a 4-bit DAC over 1-bit cells (0..960, 9.9
    # bits) leaves the SQNR-derived width alone.
    from grcim.plugins.energy.adc import adc_energy_j

    tech = load_technology("28nm")
    attrs = {"n_bits": "auto", "pipeline": "int", "input_format": "int8",
             "weight_format": "int8", "n_rows": 64, "adc_law": "thermal", "tech_node": 28e-9}
    capped = hwcomponents.get_action_cost(
        "grcim_adc", {**attrs, "slice_input_bits": 1, "slice_weight_bits": 1}, "convert", {},
        models=MODELS)
    assert capped.energy == pytest.approx(float(adc_energy_j(math.log2(65), "thermal", tech)))
    free = hwcomponents.get_action_cost("grcim_adc", attrs, "convert", {}, models=MODELS)
    wide = hwcomponents.get_action_cost(
        "grcim_adc", {**attrs, "slice_input_bits": 4, "slice_weight_bits": 1}, "convert", {},
        models=MODELS)
    assert free.energy > capped.energy and wide.energy == pytest.approx(free.energy)
