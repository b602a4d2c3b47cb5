"""MAC models queried through hwcomponents' own API return the science core's energies.

References: ``grcim.physics.energy.per_mac`` called directly (an independent code path from
the hwcomponents adapter), and closed forms of the analog laws written here from the
technology constants. The operating point is the core's cached Monte Carlo at 35 dB
(the default SQNR standard); every test below reuses the same few ensembles.
"""

from __future__ import annotations

import math

import hwcomponents
import numpy as np
import pytest

from grcim.physics.energy.macro import MacroStructure
from grcim.physics.energy.per_mac import EnergyOptions, conventional_energy, grmac_energy
from grcim.physics.operating_point import operating_point
from grcim.physics.settings import Ensemble
from grcim.physics.technology import Technology, load_technology
from grcim.plugins.models import MODELS

REL = 1e-12  # same floating-point operations on both paths; only summation order may differ
M = list(MODELS)


def cost(name: str, attrs: dict, action: str) -> hwcomponents.ActionCost:
    return hwcomponents.get_action_cost(name, attrs, action, {}, models=M)


@pytest.mark.parametrize("normalization", ["unit", "row", "int"])
@pytest.mark.parametrize(("d", "n_cols"), [(0.0, 64), (3.0, 256)])
def test_gr_mac_compute_equals_core(normalization: str, d: float, n_cols: int,
                                    tech28: Technology, with_slice_bits) -> None:
    attrs = {"normalization": normalization, "dynamic_range_bits": d, "n_cols": n_cols,
             "adc_law": "walden", "tech_node": 28e-9}
    ens = Ensemble(normalization=normalization)
    op, st = operating_point(ens), MacroStructure(n_cols=n_cols)
    core = grmac_energy(op, d, tech28, st,
                        with_slice_bits(op, st, EnergyOptions("walden", "cover_range"),
                                        ensemble=ens))
    got = cost("gr_mac", attrs, "compute")
    assert got.energy == pytest.approx(float(core.total[0]), rel=REL)
    # the per-MAC terms really differ with the normalization: guard against a constant answer
    assert got.energy > float(core.terms["mac"][0])


def test_gr_mac_include_terms_selects_core_terms(tech28: Technology,
                                                 with_slice_bits) -> None:
    op = operating_point()
    core = grmac_energy(op, 0.0, tech28, MacroStructure(), with_slice_bits(op))
    got = cost("gr_mac", {"include_terms": "mac,adc"}, "compute").energy
    assert got == pytest.approx(float(core.terms["mac"][0] + core.terms["adc"][0]), rel=REL)


def test_conventional_compute_equals_core(tech28: Technology, with_slice_bits) -> None:
    op = operating_point()  # conventional fields do not depend on the GR normalization
    st = MacroStructure(n_cols=128)
    opts = with_slice_bits(op, st, EnergyOptions("envelope"), "conventional")
    for d in (0.0, 5.0):
        core = conventional_energy(op, d, tech28, st, opts)
        got = cost("conventional_fp_mac", {"dynamic_range_bits": d, "n_cols": 128,
                                           "adc_law": "survey"}, "compute")
        assert got.energy == pytest.approx(float(core.total[0]), rel=REL)


def test_int_mac_closed_form() -> None:
    # hand-derived with the 28 nm constants for a 4-bit x 6-bit integer macro with a declared
    # 5-bit ADC converting whole sums: one DAC step of 4 bits, one 6-bit cell per weight,
    # 128 bit lines (128 weights per row), 64 rows, 1 conversion per 64 MACs:
    #   DAC    a Cmin 2**(4-1) Vs Vdd / 128
    #   cells  a C_u Vs Vdd, C_u = max(Cmin, kT SNR/(Vs**2 u)) (unsliced: F = 1)
    #   array  row: a (128 x 6 (w c_wire + 2 C_g W_sw)) Vs Vdd / 128 per MAC (6 bitcells per
    #          weight, two switch gates each);
    #          column: a (64 h c_wire) Vs Vdd / 64; w, h the outline of the larger of the
    #          bitcell (1.8 x 0.127 um^2 at 28 nm) and the capacitor over it (C_u / 6 at
    #          2 fF/um^2), 2:1 wide
    #   ADC    two-regime law at 5 bits, / 64
    # SNR = delivered quantization SQNR + 10 dB, from grcim.physics.integer_point
    from grcim.physics.integer_point import combine_db, integer_point

    t = load_technology("28nm")
    a, vs, vdd, cmin = t.activity, t.analog_swing_v, t.vdd_v, t.c_unit_min_f
    b_x, b_w, n_cols, n_rows, adc = 4, 6, 128, 64, 5.0
    ip = integer_point("gaussian", b_x, b_w, n_rows)
    q_db = float(combine_db(ip.input_sqnr_db, ip.weight_sqnr_db, ip.adc_sqnr_at(adc)))
    c_kt = 1.380649e-23 * 300.0 * 10 ** ((q_db + 10.0) / 10) / (vs**2 * ip.utilization)
    c_u = max(cmin, c_kt)
    outline = max(1.8 * 0.127e-12, c_u / 6 / 2e-3)
    w, h = math.sqrt(2 * outline), math.sqrt(outline / 2)
    dac = a * cmin * 2 ** (b_x - 1) * vs * vdd / n_cols
    mac = a * c_u * vs * vdd
    # bit-sliced cells: two switch gates per bitcell on the row line, none on the column
    gates = 2 * t.c_gate_per_m * t.w_switch_m
    array = (a * n_cols * 6 * (w * t.c_wire_per_m + gates) * vs * vdd / n_cols
             + a * n_rows * h * t.c_wire_per_m * vs * vdd / n_rows)
    e_adc = (t.adc_walden_fom_j * 2**adc
             + 0.5 * 10 ** ((6.02 * adc + 1.76 - t.adc_schreier_fom_db) / 10)) / n_rows
    got = cost("int_cim_mac", {"input_bits": b_x, "weight_bits": b_w, "n_rows": n_rows,
                               "n_cols": n_cols, "adc_bits": adc, "dac_bits": b_x,
                               "cell_bits": b_w}, "compute")
    # one conversion of a whole sum needs no shift-and-add
    assert got.energy == pytest.approx(dac + mac + array + e_adc, rel=1e-9)


def test_int_mac_cells_follow_the_declared_widths() -> None:
    # "a 4-bit/4-bit macro with a 4-bit ADC still gets 35 dB cells" no more: its cells are
    # sized for what its widths deliver, so they are smaller than an 8-bit macro's
    from grcim.plugins.models import IntCIMMAC

    small = IntCIMMAC(input_bits=4, weight_bits=4, adc_bits=4, n_rows=64)
    big = IntCIMMAC(input_bits=8, weight_bits=8, n_rows=64)
    s_info = IntCIMMAC.evaluate_scaled({**IntCIMMAC.attribute_defaults(), "input_bits": 4,
                                        "weight_bits": 4, "adc_bits": 4}, 1).info
    b_info = IntCIMMAC.evaluate_scaled({**IntCIMMAC.attribute_defaults(), "input_bits": 8,
                                        "weight_bits": 8}, 1).info
    # int4 operands reach ~19 dB (MSE-optimal 15-level quantizer), int8 ~40 dB each
    assert s_info["delivered_sqnr_db"][0] < 20.0 < 30.0 < b_info["delivered_sqnr_db"][0]
    assert s_info["cell_capacitance_f"][0] <= b_info["cell_capacitance_f"][0]
    assert small.compute().energy < big.compute().energy


def test_area_and_leak_through_hwcomponents_match_the_model_class() -> None:
    attrs = {"normalization": "row", "n_cols": 128}
    area = hwcomponents.get_area("gr_mac", attrs, models=M)
    leak = hwcomponents.get_leak_power("gr_mac", attrs, models=M)
    model = MODELS[0](**attrs)
    assert area == model.area and leak == model.leak_power
    assert 1e-12 < area < 1e-8  # one cell: between 1 µm² and 10^4 µm²
    # leakage = f/(1-f) of the active energy at the MAC rate (f = 0.2); the cells (mac) and
    # the wires (array) are capacitors and do not leak
    e_all = model.compute().energy
    e_cap = cost("gr_mac", {**attrs, "include_terms": "mac,array"}, "compute").energy
    assert leak == pytest.approx(0.25 * (e_all - e_cap) * 1e8, rel=1e-9)


def test_latency_and_throughput_follow_the_rate() -> None:
    got = cost("gr_mac", {"throughput": 2.5e8}, "compute")
    assert got.throughput == 2.5e8 and got.latency == pytest.approx(4e-9, rel=1e-15)
    default = cost("gr_mac", {}, "compute")  # the 28 nm file's conversion rate: 1e8 /s
    assert math.isclose(default.latency, 1e-8, rel_tol=1e-15)


@pytest.mark.parametrize(("name", "attrs", "steps"), [
    ("gr_mac", {"dac_bits": 1, "n_input_slices": 5}, 5),
    ("conventional_fp_mac", {"dac_bits": 3, "n_input_slices": 3}, 3),
    ("int_cim_mac", {"input_bits": 8, "weight_bits": 8, "dac_bits": 2,
                     "n_input_slices": 4}, 4),
])
def test_a_mac_of_several_input_steps_takes_them_all(name: str, attrs: dict,
                                                      steps: int) -> None:
    # One MAC applies its input in s_x DAC steps, one per conversion period (the 28 nm
    # file's 1e8 /s, or adc_rate): it takes s_x periods, s_x times fewer MACs/s, and its
    # logic leaks f/(1-f) = 0.25 of the active power at that MAC rate (once one step each).
    got = cost(name, attrs, "compute")
    assert got.latency == pytest.approx(steps * 1e-8, rel=1e-12)
    assert got.throughput == pytest.approx(1e8 / steps, rel=1e-12)
    e_cap = cost(name, {**attrs, "include_terms": "mac,array"}, "compute").energy
    leak = hwcomponents.get_leak_power(name, attrs, models=M)
    assert leak == pytest.approx(0.25 * (got.energy - e_cap) * 1e8 / steps, rel=1e-9)
    at_rate = cost(name, {**attrs, "adc_rate": 4e8}, "compute")
    assert at_rate.latency == pytest.approx(steps / 4e8, rel=1e-12)
    declared = cost(name, {**attrs, "throughput": 2.5e7}, "compute")  # MACs/s as given
    assert declared.throughput == 2.5e7 and declared.latency == pytest.approx(4e-8)


def test_vectorized_and_single_queries_agree() -> None:
    from grcim.plugins.models import GainRangingMAC

    d = np.array([0.0, 1.5, 6.0])
    batch = GainRangingMAC.evaluate_scaled(
        {**GainRangingMAC.attribute_defaults(), "dynamic_range_bits": d}, 3)
    for i, di in enumerate(d):
        single = GainRangingMAC(dynamic_range_bits=float(di))
        assert single.compute().energy == pytest.approx(batch.energy_j["compute"][i], rel=REL)
        assert single.area == pytest.approx(batch.area_m2[i], rel=REL)
