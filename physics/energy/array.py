"""Energy of an array's row and column wires, and of pulse-count input drivers.

Every input step drives one row line across the cells of the row; every conversion reads one
column line down the ``N`` rows it sums. Both are minimum-pitch wires of capacitance
``c_wire`` per length (technology file) over cells whose outline is the multiplying bitcell
or the capacitor above it, whichever is larger (:mod:`grcim.physics.energy.geometry`):

- row line: ``C_row = W b_c (w_cell c_wire + C_row,dev)`` for ``W`` weights per row of
  ``b_c`` bitcells each (bit-sliced and C-2C: ``s_w c_w``; binary-weighted: ``b_w``);
- column line: ``C_col = N (h_cell c_wire + C_col,dev)``,

with ``C_row,dev`` and ``C_col,dev`` the gate and junction capacitance of the cell's
transistors on each line (:mod:`grcim.physics.energy.devices`).

Energies: a capacitive DAC sets its row to an analog level, ``a C_row V_s V_dd`` per drive; a
pulse-count input (``dac_kind="pulse"``) charges and discharges the word line through the
supply once per pulse, ``p C_row V_dd**2`` per drive with ``p = (2**m - 1) / 2`` pulses
on average (the mean of equally likely ``m``-bit magnitudes, ``m`` the step's
``dac_magnitude_bits``). A column line is charged through the swing once per conversion,
``a C_col V_s V_dd``. Precharge and reset devices at the line ends are not counted; this is
a lower estimate.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from grcim.physics.energy.analog import dac_magnitude_bits, switch_energy_j
from grcim.physics.energy.cells import capacitance_per_stored_bit_f
from grcim.physics.energy.devices import column_device_capacitance_f, row_device_capacitance_f
from grcim.physics.energy.geometry import cim_cell_height_m, cim_cell_width_m
from grcim.physics.energy.macro import Slicing
from grcim.physics.technology import Technology

__all__ = ["row_drive_energy_j", "column_energy_j", "mean_pulses", "row_capacitance_f",
           "column_capacitance_f"]

F64 = NDArray[np.float64]


def _bitcells_per_weight(sl: Slicing) -> F64:
    if sl.topology == "binary_weighted":
        return sl.weight_bits
    return sl.n_weight_slices * sl.cell_bits


def mean_pulses(dac_bits: F64, n_input_slices: F64 | float = 1.0) -> F64:
    """Mean pulses of a pulse-count input step: uniform magnitudes of the step's
    ``dac_magnitude_bits`` (the sign selects the polarity), ``(2**m - 1) / 2``."""
    return (2.0 ** dac_magnitude_bits(dac_bits, n_input_slices) - 1.0) / 2.0


def row_capacitance_f(sl: Slicing, tech: Technology, c_cell_f: F64 | float = 0.0) -> F64:
    """Capacitance of one row line, F: per bitcell its wire (cell pitch from the bitcell or the
    capacitor above it, whichever is larger) and its transistors' gates and junctions."""
    width = cim_cell_width_m(tech, capacitance_per_stored_bit_f(sl, c_cell_f))
    per_bitcell = width * tech.c_wire_per_m + row_device_capacitance_f(sl.topology, tech)
    return sl.weights_per_row * _bitcells_per_weight(sl) * per_bitcell


def column_capacitance_f(n_rows: int, tech: Technology, sl: Slicing | None = None,
                         c_cell_f: F64 | float = 0.0) -> F64:
    """Capacitance of one column line over ``n_rows`` rows, F (wire and, for a known topology,
    the junctions its cells tie to it)."""
    per_bit = 0.0 if sl is None else capacitance_per_stored_bit_f(sl, c_cell_f)
    devices = 0.0 if sl is None else column_device_capacitance_f(sl.topology, tech)
    return n_rows * (cim_cell_height_m(tech, per_bit) * tech.c_wire_per_m + devices)


def row_drive_energy_j(sl: Slicing, tech: Technology, dac_kind: str,
                       c_cell_f: F64 | float = 0.0) -> F64:
    """Energy of one row line driven by one input step, J."""
    c_row = row_capacitance_f(sl, tech, c_cell_f)
    if dac_kind == "pulse":
        return mean_pulses(sl.dac_bits, sl.n_input_slices) * c_row * tech.vdd_v**2
    return switch_energy_j(c_row, tech)


def column_energy_j(n_rows: int, tech: Technology, sl: Slicing | None = None,
                    c_cell_f: F64 | float = 0.0) -> F64:
    """Energy of one column line read by one conversion, J."""
    return switch_energy_j(column_capacitance_f(n_rows, tech, sl, c_cell_f), tech)
