"""Transistor loads of CIM cells on their row and column lines (physics/energy/devices.py).

References: the PTM BSIM4 model cards the technology files cite (Zhao and Cao, IEEE TED 2006;
ptm.asu.edu), whose parameters are restated here so the files' constants are recomputed, not
copied: C_g/W = 3.9 eps0 / toxe x (F + xl - 2 lint) + cgso + cgdo and C_j/W = cjd x 2.5 F +
cjswgd (Weste and Harris: a contacted drain 5 lambda long); and the terminals per bitcell of
each topology (module table): bit-sliced 2 gates on the row, binary-weighted 1 gate on the
row and 1 junction on the column, C-2C 1 junction on each.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from grcim.physics.energy.array import (
    column_capacitance_f,
    column_energy_j,
    row_capacitance_f,
    row_drive_energy_j,
)
from grcim.physics.energy.cells import capacitance_per_stored_bit_f
from grcim.physics.energy.geometry import cim_cell_height_m, cim_cell_width_m
from grcim.physics.energy.macro import MacroStructure, resolve_slicing
from grcim.physics.technology import load_technology

EPS_OX = 3.9 * 8.8541878128e-12  # F/m
# PTM NMOS cards: node (m) -> (toxe, xl, lint, cgso = cgdo); cjd = 0.5 fF/um^2 and
# cjswgd = 0.5 fF/um on every card
PTM = {130e-9: (2.25e-9, -60e-9, 10.5e-9, 0.24e-9), 65e-9: (1.85e-9, -30e-9, 5.25e-9, 0.15e-9),
       32e-9: (1.15e-9, -14e-9, 2.7e-9, 0.085e-9), 22e-9: (1.05e-9, -10e-9, 2.2e-9, 0.07e-9)}
CJD, CJSWGD = 0.5e-3, 0.5e-9


def _ptm_gate(node: float) -> float:
    toxe, xl, lint, cgo = PTM[node]
    return EPS_OX / toxe * (node + xl - 2.0 * lint) + 2.0 * cgo


def _ptm_junction(node: float) -> float:
    return CJD * 2.5 * node + CJSWGD


def _geo(a: float, b: float, f: float) -> float:
    return math.exp((1.0 - f) * math.log(a) + f * math.log(b))


@pytest.mark.parametrize(("name", "node"), [("130nm", 130e-9), ("65nm", 65e-9), ("22nm", 22e-9)])
def test_constants_follow_the_cited_ptm_cards(name: str, node: float) -> None:
    t = load_technology(name)
    assert t.c_gate_per_m == pytest.approx(_ptm_gate(node), rel=3e-3)
    assert t.c_junction_per_m == pytest.approx(_ptm_junction(node), rel=3e-3)
    assert t.w_switch_m == pytest.approx(2.0 * node)  # assumption: 2 F


def test_28nm_lies_between_the_32nm_and_22nm_cards_and_7nm_carries_22nm() -> None:
    f = math.log(28 / 32) / math.log(22 / 32)
    t28, t22, t7 = (load_technology(n) for n in ("28nm", "22nm", "7nm"))
    assert t28.c_gate_per_m == pytest.approx(_geo(_ptm_gate(32e-9), _ptm_gate(22e-9), f),
                                             rel=3e-3)
    assert t28.c_junction_per_m == pytest.approx(
        _geo(_ptm_junction(32e-9), _ptm_junction(22e-9), f), rel=3e-3)
    assert (t7.c_gate_per_m, t7.c_junction_per_m) == (t22.c_gate_per_m, t22.c_junction_per_m)
    assert t28.w_switch_m == pytest.approx(56e-9) and t7.w_switch_m == pytest.approx(14e-9)


# topology -> (structure, bitcells per weight, row gates, row junctions, column junctions)
CASES = {
    "bit_sliced": (MacroStructure(n_cols=128), 8, 2, 0, 0),
    "binary_weighted": (MacroStructure(cell_topology="binary_weighted", n_cols=16), 8, 1, 0, 1),
    "c2c": (MacroStructure(cell_topology="c2c", n_cols=128), 8, 0, 1, 1),
}


@pytest.mark.parametrize("topology", list(CASES))
@pytest.mark.parametrize("node", ["65nm", "7nm"])
def test_row_line_grows_by_its_cells_terminals(topology: str, node: str) -> None:
    st, bits, n_g, n_j, _ = CASES[topology]
    t = load_technology(node)
    sl = resolve_slicing(st, 4.0, 8.0)
    c_cell = 1e-15
    per_bit = capacitance_per_stored_bit_f(sl, c_cell)
    cells = float(sl.weights_per_row[()]) * bits
    wire = cells * float(cim_cell_width_m(t, per_bit)) * t.c_wire_per_m
    devices = cells * (n_g * t.c_gate_per_m + n_j * t.c_junction_per_m) * t.w_switch_m
    assert devices > 0.0
    got = float(row_capacitance_f(sl, t, c_cell))
    assert got == pytest.approx(wire + devices, rel=1e-12)
    # the drive charges all of it: a C V_s V_dd (capacitive DAC) or p C V_dd**2 (pulses)
    assert float(row_drive_energy_j(sl, t, "capacitive", c_cell)) == pytest.approx(
        t.activity * got * t.analog_swing_v * t.vdd_v, rel=1e-12)
    p = (2.0 ** (4 - 1) - 1) / 2
    assert float(row_drive_energy_j(sl, t, "pulse", c_cell)) == pytest.approx(
        p * got * t.vdd_v**2, rel=1e-12)


@pytest.mark.parametrize("topology", list(CASES))
def test_column_line_grows_by_its_cells_junctions(topology: str) -> None:
    st, _, _, _, n_j = CASES[topology]
    t = load_technology("22nm")
    sl = resolve_slicing(st, 4.0, 8.0)
    n_rows, c_cell = 128, 0.4e-15
    per_bit = capacitance_per_stored_bit_f(sl, c_cell)
    wire = n_rows * float(cim_cell_height_m(t, per_bit)) * t.c_wire_per_m
    want = wire + n_rows * n_j * t.c_junction_per_m * t.w_switch_m
    assert float(column_capacitance_f(n_rows, t, sl, c_cell)) == pytest.approx(want, rel=1e-12)
    assert float(column_energy_j(n_rows, t, sl, c_cell)) == pytest.approx(
        t.activity * want * t.analog_swing_v * t.vdd_v, rel=1e-12)
    # without a topology only the wire is known
    bare = n_rows * float(cim_cell_height_m(t, 0.0)) * t.c_wire_per_m
    assert float(np.asarray(column_capacitance_f(n_rows, t))) == pytest.approx(bare, rel=1e-12)


def test_device_loads_scale_with_the_technology_constants() -> None:
    # doubling the switch width doubles exactly the device part of a row line
    t = load_technology("65nm")
    wide = t.model_copy(update={"w_switch_m": 2.0 * t.w_switch_m})
    sl = resolve_slicing(CASES["bit_sliced"][0], 4.0, 8.0)
    extra = float(row_capacitance_f(sl, wide)) - float(row_capacitance_f(sl, t))
    assert extra == pytest.approx(float(sl.weights_per_row[()]) * 8 * 2 * t.c_gate_per_m
                                  * t.w_switch_m, rel=1e-9)
