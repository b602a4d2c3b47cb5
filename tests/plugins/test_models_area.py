"""Area, leakage and latency physics of ``grcim.physics.energy.area`` against hand counts.

References: the published cell areas and densities cited in the module (TSMC 28 nm
0.127 µm², Intel 22 nm 0.092 µm² SRAM cells; Intel 22 nm 15.3 MTr/mm²), NanGate 45 nm
cell areas (NAND2 0.798, FA 4.256, MUX2 1.862, DFF 4.522 µm²), the kT/C and matching rules
derived by hand in the comments, and the hwcomponents-adc leakage convention (20 %).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from grcim.physics.energy import area
from grcim.physics.energy.macro import MacroStructure
from grcim.physics.energy.per_mac import grmac_energy
from grcim.physics.operating_point import operating_point
from grcim.physics.technology import Technology, load_technology

UM2 = 1e-12
K_B = 1.380649e-23


def test_published_anchor_values() -> None:
    t28, t22 = load_technology("28nm"), load_technology("22nm")
    assert area.sram_bitcell_area_m2(t28) == pytest.approx(0.127 * UM2, rel=1e-12)
    assert area.sram_bitcell_area_m2(t22) == pytest.approx(0.092 * UM2, rel=1e-12)
    assert area.nand2_area_m2(t22) == pytest.approx(4 / 15.3e6 * 1e-6, rel=1e-12)
    # 2 fF/µm²: a 1 fF capacitor takes 0.5 µm²
    assert float(area.capacitor_area_m2(1e-15)) == pytest.approx(0.5 * UM2, rel=1e-12)


def test_interpolation_is_log_log(tech28: Technology) -> None:
    t25 = tech28.model_copy(update={"node_m": 25e-9})
    # between the 22 and 28 nm cells: a = a22 * (a28/a22)**(ln(25/22)/ln(28/22))
    ref = 0.092 * (0.127 / 0.092) ** (math.log(25 / 22) / math.log(28 / 22)) * UM2
    assert area.sram_bitcell_area_m2(t25) == pytest.approx(ref, rel=1e-12)
    # past the table's end the area goes as node**2
    t90 = tech28.model_copy(update={"node_m": 130e-9})
    assert area.sram_bitcell_area_m2(t90) == pytest.approx(0.57 * UM2 * (130 / 65) ** 2,
                                                           rel=1e-12)


def test_gate_equivalents_are_the_nangate_ratios(tech28: Technology) -> None:
    ge = area.nand2_area_m2(tech28)
    got = area.logic_area_m2(tech28, full_adders=2, mux_bits=3, flops=1, gates=5)
    assert float(got) == pytest.approx(ge * (2 * 4.256 + 3 * 1.862 + 4.522) / 0.798 + 5 * ge,
                                       rel=1e-12)


def test_dac_and_gain_stage_areas(tech28: Technology) -> None:
    ge = area.nand2_area_m2(tech28)
    flop = 4.522 / 0.798 * ge
    # 3 magnitude bits: 8 unit caps of 0.5 fF = 4 fF -> 2 µm², plus a 4-bit input register
    # (magnitude and sign)
    assert float(area.dac_area_m2(3, tech28)) == pytest.approx(2 * UM2 + 4 * flop, rel=1e-12)
    # 2.3 octaves -> 3 halving steps, each a cap (never below C_min) and a control flop
    got = area.gain_stage_area_m2(2.3, 0.1e-15, tech28)
    assert float(got) == pytest.approx(3 * (0.25 * UM2 + flop), rel=1e-12)


def test_sar_adc_area_matching_and_noise_branches(tech28: Technology) -> None:
    ge = area.nand2_area_m2(tech28)
    logic = lambda b: (2 * b * 4.522 / 0.798 + 10) * ge  # noqa: E731
    # 8 b: matching 256 x 0.5 fF = 128 fF beats kT/C 12 kT 4**8 / Vs**2 = 5.1 fF
    assert float(area.sar_adc_area_m2(8, tech28)) == pytest.approx(64 * UM2 + logic(8),
                                                                   rel=1e-12)
    # 14 b: kT/C 12 kT 4**14 / 0.64 = 20.8 pF beats matching 8.2 pF
    c = 12 * K_B * 300 * 4**14 / 0.8**2
    assert c > 0.5e-15 * 2**14
    assert float(area.sar_adc_area_m2(14, tech28)) == pytest.approx(c / 2e-3 + logic(14),
                                                                    rel=1e-9)


def test_mac_cell_is_the_larger_of_capacitor_and_bitcells(tech28: Technology) -> None:
    cells = 5 * 1.8 * 0.127 * UM2
    assert float(area.mac_cell_area_m2(0.1e-15, 5, tech28)) == pytest.approx(cells, rel=1e-12)
    assert float(area.mac_cell_area_m2(10e-15, 5, tech28)) == pytest.approx(5 * UM2, rel=1e-12)


def test_gate_area_technology_counts_the_digital_gates(tech28: Technology) -> None:
    # row normalization, fixed reference, 8 one-bit weight cells over 256 bit lines (32
    # weights per row drive), 8 conversions per 64 MACs: digital per MAC =
    # [LOD(4 b) + 2 adds(w_e)] / 32 + [add(w_e) + register(B_adc + w_e) + shift-and-add
    # into ceil(B_adc) + 7 bits] x 8 / 64; areas with FA / DFF gate equivalents
    op = operating_point()
    w_e = math.ceil(math.log2(max(op.exponent_span, 2)))
    fa = 4.256 / 0.798 * area.nand2_area_m2(tech28)
    ff = 4.522 / 0.798 * area.nand2_area_m2(tech28)
    acc = math.ceil(op.gr_adc_bits) + 7
    ref = (4 + 2 * w_e) * fa / 32 + (w_e * fa + (op.gr_adc_bits + w_e) * ff + acc * fa) / 8
    got = grmac_energy(op, 0.0, area.gate_area_technology(tech28),
                       MacroStructure(n_cols=256)).terms["digital"]
    assert float(got[0]) == pytest.approx(ref, rel=1e-12)


def test_leakage_and_latency() -> None:
    # hwcomponents-adc: leakage is 20 % of the total power -> 0.25 x the dynamic power
    assert float(area.leakage_power_w(2e-12, 1e8)) == pytest.approx(0.25 * 2e-12 * 1e8)
    assert float(area.step_latency_s(2e8)) == 5e-9
    np.testing.assert_allclose(area.leakage_power_w(np.array([1.0, 2.0]), 4.0), [1.0, 2.0])


def _pulse_driver_by_hand(m: int, tech: Technology) -> float:
    # docs/models.md §5.2: an (m + 1)-bit down-counter per drive: m counter flops with a
    # decrement cell each (one full adder), the sign flop, and an m-input OR ending the
    # pulses (m - 1 two-input gates); NanGate 45 gate equivalents, no capacitor
    ge = area.nand2_area_m2(tech)
    return ge * (m * 4.256 / 0.798 + (m + 1) * 4.522 / 0.798 + max(m - 1, 0))


def test_a_pulse_driver_has_no_capacitor_array(tech28: Technology) -> None:
    # the pulse kind was charged the 2**m-unit array of the capacitive DAC (8229.5 µm² at
    # 16 bits for both kinds)
    from grcim.plugins.models import CIMDAC

    for n_bits in (1, 4, 16):  # one signed step: m = n_bits - 1 magnitude bits
        pulse = CIMDAC(n_bits=n_bits, dac_kind="pulse").area
        assert pulse == pytest.approx(_pulse_driver_by_hand(n_bits - 1, tech28), rel=1e-12)
    cap = CIMDAC(n_bits=16).area  # 2**15 units of 0.5 fF at 2 fF/µm², and 16 flops
    flop = 4.522 / 0.798 * area.nand2_area_m2(tech28)
    assert cap == pytest.approx(2**15 * 0.25 * UM2 + 16 * flop, rel=1e-12)
    assert CIMDAC(n_bits=16, dac_kind="pulse").area < cap / 50


@pytest.mark.parametrize(("component", "dac_bits"), [
    ("gr_mac", 8), ("conventional_fp_mac", 10), ("int_cim_mac", 8)])  # FP8 aligned: 9 bits
def test_a_macro_with_pulse_inputs_prices_the_pulse_driver(component: str, dac_bits: int,
                                                           tech28: Technology) -> None:
    # the macro's dac term is its row driver / the weights per row, for either kind, so the
    # two kinds' dac areas stand as their drivers do (one signed step: m = dac_bits - 1)
    from grcim.plugins.tables import build_table

    fixed = {"dac_bits": dac_bits, "n_input_slices": 1, "include_terms": "dac"}
    if component == "int_cim_mac":
        fixed |= {"input_bits": 8, "weight_bits": 8}
    table = build_table(component, fixed, {"dac_kind": ["capacitive", "pulse"]})
    ratio = table.area_m2[1] / table.area_m2[0]
    m = dac_bits - 1
    by_hand = _pulse_driver_by_hand(m, tech28) / float(area.dac_area_m2(m, tech28))
    assert ratio == pytest.approx(by_hand, rel=1e-12)
