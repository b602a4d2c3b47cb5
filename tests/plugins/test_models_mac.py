"""MAC models queried through hwcomponents' own API return the science core's energies.

References: ``grcim.plugins.energy.per_mac`` called directly (an independent code path from
the hwcomponents adapter), and closed forms of the analog laws written here from the
technology constants. The operating point is the core's cached Monte Carlo at 35 dB
(the default SQNR standard); every test below reuses the same few ensembles.
"""

from __future__ import annotations

import math

import hwcomponents
import numpy as np
import pytest

from grcim.plugins.energy.per_mac import EnergyOptions, conventional_energy, grmac_energy
from grcim.plugins.models import MODELS
from grcim.plugins.operating_point import operating_point
from grcim.plugins.technology import Technology, load_technology

REL = 1e-12  # same floating-point operations on both paths; only summation order may differ
M = list(MODELS)


def cost(name: str, attrs: dict, action: str) -> hwcomponents.ActionCost:
    return hwcomponents.get_action_cost(name, attrs, action, {}, models=M)


@pytest.mark.parametrize("normalization", ["unit", "row", "int"])
@pytest.mark.parametrize(("d", "n_cols"), [(0.0, 64), (3.0, 16)])
def test_gr_mac_compute_equals_core(normalization: str, d: float, n_cols: int,
                                    tech28: Technology) -> None:
    attrs = {"normalization": normalization, "dynamic_range_bits": d, "n_cols": n_cols,
             "adc_law": "walden", "tech_node": 28e-9}
    op = operating_point("gaussian", "fp8_e4m3", "fp8_e4m3", 64, 35.0, normalization, "fixed", 32)
    core = grmac_energy(op, d, tech28, EnergyOptions(n_cols, "walden", "cover_range"))
    got = cost("gr_mac", attrs, "compute")
    assert got.energy == pytest.approx(float(core.total[0]), rel=REL)
    # the per-MAC terms really differ with the normalization: guard against a constant answer
    assert got.energy > float(core.terms["mac"][0])


def test_gr_mac_include_terms_selects_core_terms(tech28: Technology) -> None:
    op = operating_point()
    core = grmac_energy(op, 0.0, tech28, EnergyOptions(64, "thermal", "cover_range"))
    got = cost("gr_mac", {"include_terms": "mac,adc"}, "compute").energy
    assert got == pytest.approx(float(core.terms["mac"][0] + core.terms["adc"][0]), rel=REL)


def test_conventional_compute_equals_core(tech28: Technology) -> None:
    op = operating_point()  # conventional fields do not depend on the GR normalization
    for d in (0.0, 5.0):
        core = conventional_energy(op, d, tech28, EnergyOptions(32, "envelope"))
        got = cost("conventional_fp_mac", {"dynamic_range_bits": d, "n_cols": 32,
                                           "adc_law": "survey"}, "compute")
        assert got.energy == pytest.approx(float(core.total[0]), rel=REL)


def test_int_mac_closed_form() -> None:
    # hand-derived from analog.py's laws with the 28 nm constants:
    #   DAC  a Cmin 2**(b_x-1) Vs Vdd / n_cols
    #   cell a max(Cmin 2**(b_w-1), kT SNR/(Vs**2 u)) Vs Vdd, SNR = 10**(share/10)
    #   ADC  thermal law 0.5 10**((6.02 B + 1.76 - FOM)/10) / n_rows
    t = load_technology("28nm")
    ref = operating_point("gaussian", "fp16", "fp16", 64, 35.0, "row", "fixed", 32)
    a, vs, vdd, cmin = t.activity, t.analog_swing_v, t.vdd_v, t.c_unit_min_f
    b_x, b_w, n_cols, n_rows, adc = 4, 6, 128, 64, 5.0
    dac = a * cmin * 2 ** (b_x - 1) * vs * vdd / n_cols
    c_kt = 1.380649e-23 * 300.0 * 10 ** (ref.share_db / 10) / (vs**2 * ref.conv_utilization)
    mac = a * max(cmin * 2 ** (b_w - 1), c_kt) * vs * vdd
    e_adc = 0.5 * 10 ** ((6.02 * adc + 1.76 - t.adc_schreier_fom_db) / 10) / n_rows
    got = cost("int_cim_mac", {"input_bits": b_x, "weight_bits": b_w, "n_rows": n_rows,
                               "n_cols": n_cols, "adc_bits": adc}, "compute")
    assert got.energy == pytest.approx(dac + mac + e_adc, rel=1e-9)
    auto = cost("int_cim_mac", {"input_bits": b_x, "weight_bits": b_w, "n_rows": n_rows,
                                "n_cols": n_cols}, "compute")
    e_auto = 0.5 * 10 ** ((6.02 * ref.conv_adc_bits + 1.76 - t.adc_schreier_fom_db) / 10)
    assert auto.energy == pytest.approx(dac + mac + e_auto / n_rows, rel=1e-9)


def test_area_and_leak_through_hwcomponents_match_the_model_class() -> None:
    attrs = {"normalization": "row", "n_cols": 128}
    area = hwcomponents.get_area("gr_mac", attrs, models=M)
    leak = hwcomponents.get_leak_power("gr_mac", attrs, models=M)
    model = MODELS[0](**attrs)
    assert area == model.area and leak == model.leak_power
    assert 1e-12 < area < 1e-8  # one cell: between 1 µm² and 10^4 µm²
    # leakage = f/(1-f) of the active (non-capacitor) energy at the MAC rate (f = 0.2)
    e_all = model.compute().energy
    e_mac = cost("gr_mac", {**attrs, "include_terms": "mac"}, "compute").energy
    assert leak == pytest.approx(0.25 * (e_all - e_mac) * 1e8, rel=1e-9)


def test_latency_and_throughput_follow_the_rate() -> None:
    got = cost("gr_mac", {"throughput": 2.5e8}, "compute")
    assert got.throughput == 2.5e8 and got.latency == pytest.approx(4e-9, rel=1e-15)
    default = cost("gr_mac", {}, "compute")  # the 28 nm file's conversion rate: 1e8 /s
    assert math.isclose(default.latency, 1e-8, rel_tol=1e-15)


def test_vectorized_and_single_queries_agree() -> None:
    from grcim.plugins.models import GainRangingMAC

    d = np.array([0.0, 1.5, 6.0])
    batch = GainRangingMAC.evaluate_scaled(
        {**GainRangingMAC.attribute_defaults(), "dynamic_range_bits": d}, 3)
    for i, di in enumerate(d):
        single = GainRangingMAC(dynamic_range_bits=float(di))
        assert single.compute().energy == pytest.approx(batch.energy_j["compute"][i], rel=REL)
        assert single.area == pytest.approx(batch.area_m2[i], rel=REL)
