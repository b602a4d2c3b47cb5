"""Energy/area tables: every row equals the hwcomponents query with the row's attributes.

Reference: ``hwcomponents.get_action_cost`` / ``get_area`` / ``get_leak_power`` on grcim's
models, one query per sampled row (an independent path from the vectorized table code).
"""

from __future__ import annotations

import hwcomponents
import numpy as np
import pytest

from grcim.errors import ModelDomainError
from grcim.plugins.models import MODELS
from grcim.plugins.tables import build_table, component_names, find_model

M = list(MODELS)
REL = 1e-12  # vectorized vs length-1 numpy evaluation of the same expressions


def _check_rows(table, rows: list[int]) -> None:
    for i in rows:
        attrs = {k: v for k, v in table.attributes_at(i).items() if v is not None}
        name = table.component
        for action, values in table.energy_j.items():
            got = hwcomponents.get_action_cost(name, attrs, action, {}, models=M)
            assert values[i] == pytest.approx(got.energy, rel=REL), (i, action)
            assert table.latency_s[i] == pytest.approx(got.latency, rel=REL)
            assert table.throughput_hz[i] == pytest.approx(got.throughput, rel=REL)
        assert table.area_m2[i] == pytest.approx(hwcomponents.get_area(name, attrs, models=M),
                                                 rel=REL)
        assert table.leak_power_w[i] == pytest.approx(
            hwcomponents.get_leak_power(name, attrs, models=M), rel=REL)


def test_gr_mac_grid_order_and_rows() -> None:
    sweep = {"adc_law": ["thermal", "walden"], "dynamic_range_bits": [0, 1.5, 4],
             "n_cols": [16, 64], "tech_node": [28e-9, 25e-9]}
    table = build_table("gr_mac", {"normalization": "row"}, sweep)
    assert table.n_points == 24 and table.actions == ("compute",)
    # first sweep varies slowest, last fastest
    assert table.swept["adc_law"][:12] == ["thermal"] * 12
    assert table.swept["tech_node"][:4] == [28e-9, 25e-9, 28e-9, 25e-9]
    assert table.fixed["normalization"] == "row" and table.fixed["n_rows"] == 64
    _check_rows(table, [0, 5, 11, 14, 23])


@pytest.mark.parametrize("component", ["gr_mac", "conventional_fp_mac", "int_cim_mac"])
def test_columns_priced_in_one_call(component: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # n_cols is per point for the MAC models: one evaluate over every column count (the
    # slicing Monte Carlo does not depend on it), a grid large enough for the repeated
    # widths to be computed once (physics.energy.macro._elementwise), rows still = queries
    model = find_model(component)
    real = model.evaluate
    calls: list[int] = []

    def counted(cls: type, attrs: dict, n: int) -> object:
        calls.append(n)
        return real(attrs, n)

    monkeypatch.setattr(model, "evaluate", classmethod(counted))
    fixed = {"input_bits": 8, "weight_bits": 8} if component == "int_cim_mac" else {}
    sweep: dict[str, list] = {"n_cols": list(range(16, 528, 16))}
    if component != "int_cim_mac":
        sweep["dynamic_range_bits"] = [0.25 * k for k in range(20)]
    table = build_table(component, fixed, sweep)
    assert calls == [table.n_points]
    monkeypatch.undo()
    _check_rows(table, [0, 1, 31, table.n_points // 2, table.n_points - 1])


@pytest.mark.parametrize(("component", "fixed", "sweep"), [
    ("conventional_fp_mac", {}, {"dynamic_range_bits": [0, 6]}),
    ("int_cim_mac", {"input_bits": 8}, {"weight_bits": [4, 8], "adc_bits": [3, "auto"]}),
    ("gain_ranging_stage", {}, {"placement": ["array", "output"]}),
    ("exponent_normalizer", {"stage": "output"}, {"dynamic_range_bits": [0, 2]}),
    ("grcim_adc", {"adc_law": "envelope"}, {"n_bits": [2, 3.5, 9]}),
    ("cim_dac", {}, {"n_bits": [1, 4, 8], "n_dacs": [1, 64]}),
])
def test_every_component_tabulates(component: str, fixed: dict, sweep: dict) -> None:
    table = build_table(component, fixed, sweep)
    assert table.n_points == len(list(table.rows()))
    _check_rows(table, list(range(table.n_points)))


def test_actions_filter_and_names() -> None:
    table = build_table("exponent_normalizer", {}, {}, actions=["normalize", "read"])
    assert table.actions == ("normalize", "read") and table.n_points == 1
    assert find_model("GR_MAC") is find_model("GainRangingMAC") is find_model("gain_ranging_mac")
    assert set(component_names()) >= {"gr_mac", "cim_dac", "grcim_adc", "int_cim_mac"}


@pytest.mark.parametrize(("call", "match"), [
    (lambda: build_table("flux_capacitor"), "component = 'flux_capacitor': one of gr_mac"),
    (lambda: build_table("gr_mac", {"colour": 3}), "attribute = 'colour': an attribute of"),
    (lambda: build_table("cim_dac"), "n_bits = 'missing': a required attribute of cim_dac"),
    (lambda: build_table("gr_mac", {}, {"n_rows": []}), "n_rows = \\[\\]: a non-empty"),
    (lambda: build_table("gr_mac", {"n_rows": 8}, {"n_rows": [8]}), "either a fixed value"),
    (lambda: build_table("gr_mac", actions=["write"]), "action = 'write': an action of gr_mac"),
    (lambda: build_table("gr_mac", {}, {"n_cols": [8, 0]}),
     "n_cols = 0: an integer from 1 to 65536"),
    (lambda: build_table("grcim_adc", {"n_bits": 40}), "n_bits = 40: a number from 0.5 to 20"),
    # the same point twice made duplicate rows
    (lambda: build_table("cim_dac", {}, {"n_bits": [4, 6, 4.0]}),
     "n_bits = \\[4, 6, 4.0\\]: each value once \\(4.0 repeats\\)"),
    (lambda: build_table("gr_mac", {}, {"dynamic_range_bits": [0, None]}),
     "dynamic_range_bits = \\[0, None\\]: each value once \\(none means the default, 0.0, "
     "also given\\)"),
])
def test_bad_input_names_the_attribute(call, match: str) -> None:
    with pytest.raises(ModelDomainError, match=match):
        call()


@pytest.mark.parametrize("component,fixed", [
    ("gr_mac", {"dynamic_range_bits": 3.0}),
    ("conventional_fp_mac", {"technology": "65nm"}),
    ("int_cim_mac", {"input_bits": 4, "weight_bits": 8, "tech_node": "22nm"}),
])
def test_terms_are_what_each_include_terms_query_returns(component: str, fixed: dict) -> None:
    table = build_table(component, fixed=fixed, sweep={"n_rows": [32, 64]})
    assert table.terms_j, "a MAC model reports its breakdown"
    for term, energy in table.terms_j.items():
        alone = build_table(component, fixed={**fixed, "include_terms": term},
                            sweep={"n_rows": [32, 64]})
        np.testing.assert_allclose(energy, alone.energy_j["compute"], rtol=1e-12)
    np.testing.assert_allclose(sum(table.terms_j.values()), table.energy_j["compute"],
                               rtol=1e-9)
    assert not build_table("grcim_adc", fixed={"n_bits": 6}).terms_j


def test_a_declined_point_of_a_sweep_is_named() -> None:
    # the whole table stops on an infeasible point; the error once named only the model's
    # reason, so the user bisected the sweep by hand
    with pytest.raises(ModelDomainError, match=r"at the swept point sqnr_target_db=40"):
        build_table("gr_mac", sweep={"sqnr_target_db": [30, 35, 40, 45]})


@pytest.mark.parametrize(("fixed", "sweep"), [({"n_rows": True}, None),
                                              ({}, {"n_rows": [64, True]}),
                                              ({"sqnr_target_db": False}, None)])
def test_a_boolean_is_not_a_number(fixed: dict, sweep: dict | None) -> None:
    # the Python API priced n_rows = True as one row (1.83 pJ); the CLI refused it already
    with pytest.raises(ModelDomainError, match="n_rows|sqnr_target_db"):
        build_table("gr_mac", fixed=fixed, sweep=sweep)


def test_a_mac_steps_at_the_macro_s_adc_rate() -> None:
    # its leakage and latency followed the technology's rate while the ADC node, given the
    # same adc_rate, followed that: at adc_rate 1 Hz the MAC leaked as at 100 MHz
    base = build_table("gr_mac", fixed={"technology": "28nm"})
    slow = build_table("gr_mac", fixed={"technology": "28nm", "adc_rate": 2.0e8})
    assert slow.leak_power_w[0] == pytest.approx(2.0 * base.leak_power_w[0], rel=1e-12)
    assert slow.latency_s[0] == pytest.approx(base.latency_s[0] / 2.0, rel=1e-12)
    assert slow.energy_j["compute"][0] == pytest.approx(
        build_table("gr_mac", fixed={"technology": "28nm", "adc_rate": 2.0e8,
                                     "throughput": 1.0e8}).energy_j["compute"][0])
    told = build_table("gr_mac", fixed={"technology": "28nm", "adc_rate": 2.0e8,
                                        "throughput": 1.0e8})
    assert told.leak_power_w[0] == pytest.approx(base.leak_power_w[0], rel=1e-12)
