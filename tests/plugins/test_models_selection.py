"""hwcomponents selection rules: tech-node mapping, declines with a reason, fallbacks.

References: ``hwcomponents.scaling`` (the factors hwcomponents itself applies), and tiny
purpose-built stand-in models (hwcomponents' own test style) to observe which model wins.
"""

from __future__ import annotations

import logging

import hwcomponents
import pytest
from hwcomponents import ActionCost, ComponentModel, action

from grcim.plugins.models import CIMDAC, MODELS, GainRangingMAC

M = list(MODELS)


class StandInMAC(ComponentModel):
    """Another model of ``gr_mac`` with lower priority and a recognisable energy."""

    component_name = "gr_mac"
    priority = 0.1

    def __init__(self, tech_node: float = 28e-9) -> None:
        super().__init__(area=1.0, leak_power=0.0)

    @action
    def compute(self) -> ActionCost:
        return ActionCost(energy=123.0, latency=1.0, throughput=1.0)


def test_bundled_nodes_are_exact_and_strings_accepted() -> None:
    at22 = GainRangingMAC(tech_node=22e-9)
    assert at22.energy_scale == 1.0 and at22.area_scale == 1.0
    assert GainRangingMAC(tech_node="22nm").compute().energy == at22.compute().energy
    # float noise around a bundled node (22.01 nm is within the 0.1 % tolerance) is that node
    assert GainRangingMAC(tech_node=22.01e-9).compute().energy == at22.compute().energy


def test_nodes_between_bundled_files_interpolate_their_constants() -> None:
    import math

    from grcim.physics.technology import load_technology
    from grcim.plugins.models.technode import resolve_node

    t22, t28 = load_technology("22nm"), load_technology("28nm")
    t25 = resolve_node(25e-9).tech
    # constants geometric in log(node) between the two files (by hand: f = ln(25/22)/ln(28/22))
    f = math.log(25 / 22) / math.log(28 / 22)
    assert t25.vdd_v == pytest.approx(t22.vdd_v ** (1 - f) * t28.vdd_v**f, rel=1e-12)
    assert t25.c_unit_min_f == pytest.approx(
        t22.c_unit_min_f ** (1 - f) * t28.c_unit_min_f**f, rel=1e-12)
    assert t25.adc_schreier_fom_db == pytest.approx(
        (1 - f) * t22.adc_schreier_fom_db + f * t28.adc_schreier_fom_db, rel=1e-12)
    # the model's energy, area and leakage move monotonically between the two nodes
    e = {n: hwcomponents.get_action_cost("gr_mac", {"tech_node": n}, "compute", {},
                                         models=M).energy for n in (22e-9, 25e-9, 28e-9)}
    assert min(e[22e-9], e[28e-9]) <= e[25e-9] <= max(e[22e-9], e[28e-9])
    a = {n: hwcomponents.get_area("gr_mac", {"tech_node": n}, models=M)
         for n in (22e-9, 25e-9, 28e-9)}
    # (not monotone over the whole range: the kT/C capacitor, whose density does not scale,
    # outgrows the bitcell as the swing falls at small nodes)
    assert min(a[22e-9], a[28e-9]) <= a[25e-9] <= max(a[22e-9], a[28e-9])
    leak = {n: hwcomponents.get_leak_power("gr_mac", {"tech_node": n}, models=M)
            for n in (28e-9, 40e-9, 65e-9)}
    assert min(leak[28e-9], leak[65e-9]) <= leak[40e-9] <= max(leak[28e-9], leak[65e-9])


def test_out_of_range_node_declines_with_the_reason() -> None:
    with pytest.raises(RuntimeError, match=r"tech_node = 1.8e-07: a feature size in metres"):
        hwcomponents.get_action_cost("gr_mac", {"tech_node": 180e-9}, "compute", {}, models=M)


def test_a_decline_lets_another_model_serve(caplog: pytest.LogCaptureFixture) -> None:
    models = [*M, StandInMAC]
    ours = hwcomponents.get_action_cost("gr_mac", {}, "compute", {}, models=models)
    assert ours.energy != 123.0  # grcim's model has the higher priority
    with caplog.at_level(logging.INFO):
        other = hwcomponents.get_action_cost("gr_mac", {"normalization": "diag"}, "compute",
                                             {}, models=models)
    assert other.energy == 123.0
    assert "normalization = 'diag': one of unit, row, int" in caplog.text


@pytest.mark.parametrize(("attrs", "reason"), [
    ({"n_rows": 0}, "n_rows = 0: an integer from 1 to 4096"),
    ({"input_format": "fp7"}, "input_format = 'fp7': a named format"),
    ({"sqnr_target_db": 140}, "sqnr_target_db = 140: a number from 6 to 100"),
    ({"dynamic_range_bits": -1}, "dynamic_range_bits = -1: a number from 0 to 40"),
    ({"adc_law": "magic"}, "adc_law = 'magic': one of two_regime, thermal, walden, envelope"),
    ({"include_terms": "mac,fan"}, "include_terms = 'mac,fan'"),
])
def test_bad_values_decline_naming_the_attribute(attrs: dict, reason: str) -> None:
    with pytest.raises(RuntimeError) as info:
        hwcomponents.get_action_cost("gr_mac", attrs, "compute", {}, models=M)
    assert reason in str(info.value)


def test_missing_required_attribute_is_not_a_match() -> None:
    with pytest.raises(Exception, match="n_bits"):
        hwcomponents.get_action_cost("cim_dac", {"n_dacs": 2}, "convert", {}, models=M)
    assert CIMDAC(n_bits=3).convert().energy > 0


def test_adc_auto_without_pipeline_declines() -> None:
    with pytest.raises(RuntimeError, match="or 'auto' with pipeline = conventional"):
        hwcomponents.get_action_cost("grcim_adc", {"n_bits": "auto"}, "convert", {}, models=M)


def test_unknown_action_is_refused() -> None:
    with pytest.raises(Exception, match="does not support action write|write"):
        hwcomponents.get_model("grcim_adc", {"n_bits": 4}, required_actions=["write"], models=M)


def test_hwcomponents_grcim_only_re_exports_the_models() -> None:
    from hwcomponents.find_models import get_models_in_module

    import hwcomponents_grcim

    assert set(get_models_in_module(hwcomponents_grcim, set())) == set(MODELS)
    assert all(cls.__module__.startswith("grcim.plugins.models.") for cls in MODELS)
