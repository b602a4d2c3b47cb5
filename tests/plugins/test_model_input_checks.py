"""What the MAC and periphery models refuse, how they read their attributes, and what the
macro-level columns are a share of.

References: docs/plugins.md (attributes and their ranges: ``dac_bits`` and ``cim_dac``'s
``n_bits`` 1..16, integers; 'none' = unset = the default; the technology rule), docs/models.md
§5.1 (free slices follow the widths the pipeline needs), hwcomponents' own tech-node scaling
(``hwcomponents.scaling.tech_node_energy``) as the independent reference for a technology
asked for at another node.
"""

from __future__ import annotations

import re

import hwcomponents
import numpy as np
import pytest
from hwcomponents.scaling import tech_node_energy

from grcim.errors import ModelDomainError
from grcim.physics.energy.adc import ENOB_RANGE, adc_energy_j
from grcim.physics.energy.per_mac import EnergyOptions, conventional_energy
from grcim.physics.operating_point import operating_point
from grcim.physics.settings import DEFAULTS
from grcim.physics.technology import load_technology
from grcim.plugins.models import CIMDAC, MODELS, GainRangingMAC
from grcim.plugins.tables import build_table

M = list(MODELS)
INT8 = {"input_bits": 8, "weight_bits": 8}


# ------------------------------------------------------------ DAC steps (at most 16 bits)

@pytest.mark.parametrize(("component", "fixed", "match"), [
    # fp32 GR-MAC inputs: 25-bit mantissa words, once priced as one 25-bit DAC (94 pJ/MAC)
    ("gr_mac", {"input_format": "fp32"},
     r"dac_bits = 'auto': at most 16 bits per DAC step; one step of the 25-bit input would "
     r"need 25: slice it: n_input_slices=2 \(13 bits per step\)"),
    ("gr_mac", {"input_format": "fp32", "n_input_slices": 1},
     r"n_input_slices = 1: at least 2 steps for the 25-bit input"),
    # the conventional global grid adds an input bit per octave: one step passes 16 bits
    ("conventional_fp_mac", {"dynamic_range_bits": 8},
     r"dac_bits = 'auto': .* at dynamic_range_bits = 8 would need 16\.1"),
])
def test_an_input_step_wider_than_sixteen_bits_is_refused(component: str, fixed: dict,
                                                          match: str) -> None:
    with pytest.raises(ModelDomainError, match=match):
        build_table(component, fixed)


def test_a_sliced_wide_input_is_priced_and_the_paper_curves_are_not_cut() -> None:
    fp32 = build_table("gr_mac", {"input_format": "fp32", "n_input_slices": 2})
    fp16 = build_table("gr_mac", {"input_format": "fp16"})
    # two 13-bit steps: the same order of energy as fp16's one 13-bit step, not 1000x it
    assert 1.0 < fp32.energy_j["compute"][0] / fp16.energy_j["compute"][0] < 5.0
    assert fp32.info["conversions_per_mac"][0] == 2 * fp16.info["conversions_per_mac"][0]
    # the paper's curves (strict=False) extrapolate one step, as before
    op = operating_point(DEFAULTS.with_(normalization="row", gain_reference="fixed",
                                        weight_block=32))
    br = conventional_energy(op, [0.0, 12.0], load_technology("28nm"),
                             opts=EnergyOptions(strict=False))
    assert np.all(np.isfinite(br.total)) and br.details["dac_bits"][1] > 16


# ---------------------------------------------- integer slices beyond the operand's bits

@pytest.mark.parametrize(("fixed", "match"), [
    ({"n_weight_slices": 9}, r"n_weight_slices = 9: at most 8 cells for weight_bits = 8 at "
                             r"cell_bits = 1"),
    ({"n_weight_slices": 24}, r"n_weight_slices = 24: at most 8 cells"),
    # 32 cells: the Python API returned a delivered SQNR of -14 dB without an error
    ({"n_weight_slices": 32}, r"n_weight_slices = 32: at most 8 cells"),
    ({"cell_bits": 4, "n_weight_slices": 3}, r"n_weight_slices = 3: at most 2 cells for "
                                             r"weight_bits = 8 at cell_bits = 4"),
    ({"dac_bits": 1, "n_input_slices": 12}, r"n_input_slices = 12: at most 8 DAC steps for "
                                            r"input_bits = 8 at dac_bits = 1"),
])
def test_integer_slices_without_operand_bits_are_refused(fixed: dict, match: str) -> None:
    with pytest.raises(ModelDomainError, match=match):
        build_table("int_cim_mac", {**INT8, **fixed})


def test_the_adc_of_an_integer_macro_refuses_idle_slices_too() -> None:
    with pytest.raises(ModelDomainError, match=r"n_weight_slices = 24: at most 8 cells"):
        build_table("grcim_adc", {"n_bits": "auto", "pipeline": "int", **INT8,
                                  "n_weight_slices": 24})


def test_integer_slices_that_hold_the_operand_are_priced_as_before() -> None:
    declared = build_table("int_cim_mac", {**INT8, "n_weight_slices": 8})
    free = build_table("int_cim_mac", INT8)
    assert declared.energy_j["compute"][0] == free.energy_j["compute"][0]
    assert 7.0 < declared.info["adc_bits"][0] < 7.5


# ------------------------------------------------------------- technology spellings

@pytest.mark.parametrize("spelling", ["28nm", "28 nm", 28, 28.0, 2.8e-8, "2.8e-8", "28e-9"])
def test_every_spelling_of_a_bundled_node_is_that_file(spelling: object) -> None:
    # "28 nm", 28 and 2.8e-8 were read as a size that tech_node then replaced: the 65 nm
    # file's 0.133 pJ instead of the 28 nm file scaled to 65 nm (0.218 pJ)
    at_28 = build_table("gr_mac", {"technology": "28nm"}).energy_j["compute"][0]
    table = build_table("gr_mac", {"technology": spelling, "tech_node": 65e-9})
    assert table.energy_j["compute"][0] == pytest.approx(
        at_28 * tech_node_energy(65e-9, 28e-9), rel=1e-12)
    alone = build_table("gr_mac", {"technology": spelling}).energy_j["compute"][0]
    assert alone == pytest.approx(at_28, rel=1e-12)


def test_a_technology_at_its_own_node_is_not_scaled() -> None:
    native = build_table("gr_mac", {"tech_node": 65e-9}).energy_j["compute"][0]
    for spelling in ("65nm", 65, "65 nm", 6.5e-8):
        got = build_table("gr_mac", {"technology": spelling, "tech_node": 65e-9})
        assert got.energy_j["compute"][0] == pytest.approx(native, rel=1e-12)


# ---------------------------------------------------------- ADC share of what is priced

@pytest.mark.parametrize("component,fixed", [("gr_mac", {}), ("conventional_fp_mac", {}),
                                             ("int_cim_mac", INT8)])
def test_adc_share_is_of_the_terms_the_row_prices(component: str, fixed: dict) -> None:
    table = build_table(component, fixed, {"include_terms": ["all", "mac", "adc", "mac,adc"]})
    terms = build_table(component, fixed).terms_j
    share = table.info["adc_energy_share"]
    assert share[0] == pytest.approx(terms["adc"][0] / sum(terms.values())[0], rel=1e-12)
    assert share[1] == 0.0  # a 'mac' row holds no ADC energy (it showed the macro's 21 %)
    assert share[2] == 1.0
    assert share[3] == pytest.approx(terms["adc"][0] / (terms["adc"][0] + terms["mac"][0]),
                                     rel=1e-12)


# ---------------------------------------------------------------- integer attributes

@pytest.mark.parametrize("bits", [1.5, 2.5, 4.7, [1, 2.5], [3, 4.7, 5]])
def test_dac_bits_are_whole(bits: object) -> None:
    sweep = {"n_bits": bits} if isinstance(bits, list) else None
    fixed = None if isinstance(bits, list) else {"n_bits": bits}
    with pytest.raises(ModelDomainError, match=r"n_bits = [\d.]+: an integer from 1 to 16"):
        build_table("cim_dac", fixed, sweep)
    if not isinstance(bits, list):
        with pytest.raises(ModelDomainError, match="an integer from 1 to 16"):
            CIMDAC(n_bits=bits)  # type: ignore[arg-type]


@pytest.mark.parametrize(("component", "fixed"), [
    ("cim_dac", {"n_bits": 1}), ("int_cim_mac", {**INT8, "dac_bits": 1}),
    ("gr_mac", {"dac_bits": 1})])
def test_input_steps_per_value_have_one_bound(component: str, fixed: dict) -> None:
    # cim_dac took 64 steps per input, which no MAC model (32) nor arch file (now 32) prices
    for key in ("n_input_slices", *(() if component == "cim_dac" else ("n_weight_slices",))):
        with pytest.raises(ModelDomainError, match=rf"{key} = 33: an integer from 1 to 32"):
            build_table(component, {**fixed, key: 33}, None)


def test_integral_dac_bits_price_as_before() -> None:
    table = build_table("cim_dac", None, {"n_bits": [1, 2.0, "3"]})
    e = table.energy_j["convert"]
    assert e[1] == pytest.approx(2 * e[0]) and e[2] == pytest.approx(4 * e[0])
    assert CIMDAC(n_bits=2).convert().energy == pytest.approx(e[1], rel=1e-12)


# ------------------------------------------------------ messages that name the value

def test_a_range_beyond_the_adc_laws_names_its_value_and_limit() -> None:
    # it once printed dynamic_range_bits = 'conventional' (the pipeline's name)
    fixed = {"dynamic_range_bits": 30, "n_input_slices": 3, "cell_bits": 9, "n_rows": 1024}
    with pytest.raises(ModelDomainError) as info:
        build_table("conventional_fp_mac", fixed)
    msg = str(info.value)
    assert re.search(r"dynamic_range_bits = 30\.0: a range up to (\d+\.\d\d) octaves", msg)
    limit = float(re.search(r"up to (\d+\.\d\d)", msg).group(1))  # type: ignore[union-attr]
    ok = build_table("conventional_fp_mac", {**fixed, "dynamic_range_bits": limit - 0.01})
    assert ok.info["adc_bits"][0] <= ENOB_RANGE[1]
    assert "'conventional'" not in msg


def test_the_technology_rate_is_named_with_its_value() -> None:
    tech = load_technology("28nm").model_copy(update={"adc_rate_hz": 1e300})
    with pytest.raises(ModelDomainError,
                       match=r"adc_rate_hz of technology 28nm = 1e\+300: a conversion rate"):
        adc_energy_j(6.0, "walden", tech)


# -------------------------------------------------------- 'none' means the default

@pytest.mark.parametrize(("component", "fixed", "key", "default"), [
    ("gr_mac", {}, "dynamic_range_bits", 0.0),
    ("gr_mac", {}, "include_terms", "all"),
    ("gr_mac", {}, "n_rows", 64),
    ("gr_mac", {}, "normalization", "row"),
    ("gr_mac", {}, "cell_bits", 1),
    ("grcim_adc", {"n_bits": 4}, "n_adcs", 1),
    ("gain_ranging_stage", {}, "placement", "output"),
    ("exponent_normalizer", {}, "stage", "input"),
])
def test_none_is_the_default_for_every_attribute(component: str, fixed: dict, key: str,
                                                 default: object) -> None:
    # dynamic_range_bits, include_terms, n_adcs, placement, stage refused None
    # ('X = None'); the others priced the default but showed an empty value
    table = build_table(component, {**fixed, key: None})
    assert table.fixed[key] == default
    ref = build_table(component, fixed)
    for action, e in table.energy_j.items():
        assert e[0] == ref.energy_j[action][0]


def test_none_in_a_sweep_and_in_a_query_is_the_default() -> None:
    table = build_table("gr_mac", sweep={"n_rows": [None, 32],
                                         "dynamic_range_bits": [None, 2.0]})
    assert table.swept["n_rows"] == [64, 64, 32, 32]
    assert table.swept["dynamic_range_bits"] == [0.0, 2.0, 0.0, 2.0]
    ref = hwcomponents.get_action_cost("gr_mac", {}, "compute", {}, models=M).energy
    assert table.energy_j["compute"][0] == pytest.approx(ref, rel=1e-12)
    mac = GainRangingMAC(dynamic_range_bits=None, include_terms=None)  # type: ignore[arg-type]
    assert mac.compute().energy == pytest.approx(ref, rel=1e-12)


def test_none_for_a_required_attribute_is_missing() -> None:
    for fixed, sweep in (({"n_bits": None}, None), (None, {"n_bits": [3, None]})):
        with pytest.raises(ModelDomainError, match="n_bits = 'missing': a required"):
            build_table("cim_dac", fixed, sweep)
