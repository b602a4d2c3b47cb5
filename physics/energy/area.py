"""Area, leakage and latency of the CIM blocks the estimator plug-ins price (SI units).

Areas (m²) are built from three layout primitives, each taken per technology node:

- **capacitor**: ``C / CAP_DENSITY_F_PER_M2`` (stacked-metal MOM capacitor);
- **SRAM bitcell**: published high-density 6T cell areas (table below), interpolated
  log-log in the feature size;
- **logic gate**: one NAND2-equivalent (GE) = 4 transistors at the node's logic transistor
  density (table below); a full adder, 2:1 mux and flip-flop are counted in GE from the
  NanGate 45 nm Open Cell Library (X1 cells: NAND2 0.798 µm², FA 4.256 µm², MUX2 1.862 µm²,
  DFF 4.522 µm²).

Blocks:

- **MAC cell** (charge-domain SRAM CIM): the capacitor sits in the metal stack above the
  cell's transistors (Valavi et al., JSSC 54(6), 2019; Jia et al., JSSC 55(9), 2020), so
  the footprint is ``max(C_cell / density, bits * A_bitcell * CIM_CELL_OVERHEAD)``; the
  multiplying bitcell is about 1.8x a 6T cell (Valavi et al.).
- **DAC**: its binary-weighted array of ``2**m`` unit capacitors (``m`` magnitude bits per
  step) plus an ``m + 1``-bit input register (the same array ``dac_energy_j`` switches).
- **pulse-count driver** (``dac_kind="pulse"``, docs/models.md §5.2: an ``m + 1``-bit
  down-counter per drive): no capacitor array (its pulses drive the row line itself, the
  ``array`` term), but ``m`` counter bits, each a flop with a decrement cell (one full adder:
  adding all ones subtracts one; an upper bound on the half subtractor a counter bit needs),
  the sign flop that sets the pulses' polarity, and the zero detect that ends the pulses (an
  ``m``-input OR, ``m - 1`` two-input gates).
- **gain-ranging stage**: ``ceil(octaves)`` halving steps, each a capacitor of the signal's
  size plus one control flop (the structure ``gain_stage_energy_j`` charges).
- **SAR ADC**: capacitive DAC ``max(2**B C_min, 12 kT 2**(2B) / V_s**2)`` (matching floor or
  the kT/C noise of the sampling capacitor below the quantization noise ``LSB**2 / 12``), a
  comparator (``GE_COMPARATOR``) and two ``B``-bit registers (SAR register + output latch).
  Reference buffers and calibration are not counted: this is a compact column ADC, not a
  stand-alone survey converter.
- **digital logic**: gate counts x GE area. :func:`gate_area_technology` swaps the per-gate
  energies of a :class:`Technology` for per-gate areas, so the science core's gate-count
  composition of the digital energy (``energy.digital``, ``energy.per_mac``) yields the
  logic area with the same counts.

Leakage: hwcomponents-adc's convention (Andrulis et al., arXiv 2404.06553): static power is
``LEAKAGE_FRACTION`` of the total power of an active block running at its design rate, i.e.
``P_leak = f / (1 - f) * E_dynamic * rate``. Passive capacitor arrays and wires (the
``mac`` and ``array`` terms: charge moved through capacitors, no leaking logic) are not
counted.

Latency: an analog step (DAC drive, charge-share MAC, gain step, conversion) takes one
conversion period ``1 / rate``; a digital operation takes one clock period.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from grcim.physics.energy.analog import dac_magnitude_bits
from grcim.physics.energy.geometry import (
    CAP_DENSITY_F_PER_M2,
    CIM_CELL_OVERHEAD,
    _loglog,
    sram_bitcell_area_m2,
)
from grcim.physics.energy.macro import MacroStructure
from grcim.physics.energy.per_mac import (
    EnergyBreakdown,
    EnergyOptions,
    conventional_energy,
    grmac_energy,
)
from grcim.physics.operating_point import OperatingPoint
from grcim.physics.technology import Technology

__all__ = [
    "CAP_DENSITY_F_PER_M2", "CIM_CELL_OVERHEAD", "GE_FULL_ADDER", "GE_MUX2", "GE_FLOP",
    "GE_COMPARATOR", "LEAKAGE_FRACTION", "capacitor_area_m2", "sram_bitcell_area_m2",
    "nand2_area_m2", "logic_area_m2", "gate_area_technology", "mac_cell_area_m2",
    "dac_area_m2", "pulse_driver_area_m2", "input_driver_area_m2", "gain_stage_area_m2",
    "sar_adc_area_m2", "leakage_power_w",
    "step_latency_s", "grmac_area_terms", "conventional_area_terms", "integer_area_terms",
]

F64 = NDArray[np.float64]

_NAND2_NANGATE_UM2 = 0.798
#: Gate equivalents (NAND2 = 1) of a full adder, a 2:1 mux bit and a D flip-flop (NanGate 45).
GE_FULL_ADDER = 4.256 / _NAND2_NANGATE_UM2
GE_MUX2 = 1.862 / _NAND2_NANGATE_UM2
GE_FLOP = 4.522 / _NAND2_NANGATE_UM2
#: Dynamic (StrongARM) comparator with its output latch, GE. Assumption: ~40 transistors.
GE_COMPARATOR = 10.0
#: Static share of an active block's total power at its design rate (hwcomponents-adc).
LEAKAGE_FRACTION = 0.2

# Logic transistor density (transistors/m², Bohr's 0.6 NAND2 + 0.4 scan-flop metric).
# Sources: M. Bohr, "Let's clear up the node naming mess", Intel, 2017 (45 nm 3.3, 32 nm 7.5,
# 22 nm 15.3, 14 nm 37.5 MTr/mm²); TSMC N7 91.2 MTr/mm² (WikiChip). 28 nm is interpolated.
_LOGIC_DENSITY_PER_M2 = (
    (7e-9, 91.2e12), (14e-9, 37.5e12), (22e-9, 15.3e12), (32e-9, 7.5e12), (45e-9, 3.3e12),
)


def capacitor_area_m2(c_f: ArrayLike) -> F64:
    """Footprint (m²) of a MOM capacitor of ``c_f`` farads."""
    return np.asarray(c_f, dtype=np.float64) / CAP_DENSITY_F_PER_M2


def nand2_area_m2(tech: Technology) -> float:
    """One NAND2-equivalent gate (4 transistors) at the node's logic density (m²)."""
    return 4.0 / _loglog(tech.node_m, _LOGIC_DENSITY_PER_M2, -2.0)


def logic_area_m2(tech: Technology, full_adders: ArrayLike = 0.0, mux_bits: ArrayLike = 0.0,
                  flops: ArrayLike = 0.0, gates: ArrayLike = 0.0) -> F64:
    """Area (m²) of full adders, 2:1 mux bits, flip-flops and plain NAND2-equivalent gates."""
    ge = (GE_FULL_ADDER * np.asarray(full_adders, dtype=np.float64)
          + GE_MUX2 * np.asarray(mux_bits, dtype=np.float64)
          + GE_FLOP * np.asarray(flops, dtype=np.float64) + np.asarray(gates, dtype=np.float64))
    return ge * nand2_area_m2(tech)


def gate_area_technology(tech: Technology) -> Technology:
    """Copy of ``tech`` whose per-gate energies (J) hold per-gate areas (m²) instead.

    The digital energy models are sums of gate counts times ``e_full_adder_j``,
    ``e_mux_bit_j`` and ``e_flop_bit_j``; evaluated with this copy, their "digital" results
    are the logic areas in m² of the same gates. Only digital results are meaningful.
    """
    ge = nand2_area_m2(tech)
    return tech.model_copy(update={
        "e_full_adder_j": GE_FULL_ADDER * ge, "e_mux_bit_j": GE_MUX2 * ge,
        "e_flop_bit_j": GE_FLOP * ge})


def mac_cell_area_m2(c_cell_f: ArrayLike, stored_bits: ArrayLike, tech: Technology) -> F64:
    """Charge-domain CIM cell (m²): capacitor above ``stored_bits`` multiplying bitcells."""
    cells = np.asarray(stored_bits, dtype=np.float64) * sram_bitcell_area_m2(tech)
    return np.maximum(capacitor_area_m2(c_cell_f), CIM_CELL_OVERHEAD * cells)


def dac_area_m2(magnitude_bits: ArrayLike, tech: Technology) -> F64:
    """Binary-weighted capacitor DAC of ``magnitude_bits`` (``2**m`` units, as
    ``dac_energy_j``) plus its input register (the magnitude and a sign flop)."""
    m = np.asarray(magnitude_bits, dtype=np.float64)
    return (capacitor_area_m2(tech.c_unit_min_f * 2.0**m)
            + logic_area_m2(tech, flops=np.ceil(m + 1.0)))


def pulse_driver_area_m2(magnitude_bits: ArrayLike, tech: Technology) -> F64:
    """Pulse-count input driver of ``magnitude_bits`` per step (m²): its down-counter (``m``
    flops with a full-adder decrement cell each, a sign flop) and the zero detect that ends
    the pulses (``m - 1`` two-input gates); no capacitor array (module docstring)."""
    m = np.asarray(magnitude_bits, dtype=np.float64)
    return logic_area_m2(tech, full_adders=m, flops=np.ceil(m + 1.0),
                         gates=np.maximum(m - 1.0, 0.0))


def input_driver_area_m2(magnitude_bits: ArrayLike, tech: Technology, dac_kind: str) -> F64:
    """One row's input driver (m²): a capacitor DAC, or the pulse-count driver (``pulse``),
    the two drivers ``per_mac.input_drive_energy_j`` prices."""
    if dac_kind == "pulse":
        return pulse_driver_area_m2(magnitude_bits, tech)
    return dac_area_m2(magnitude_bits, tech)


def _dac_per_mac_m2(det: dict[str, F64], tech: Technology, dac_kind: str) -> F64:
    """One MAC's share of its row's input driver (m²)."""
    m = dac_magnitude_bits(det["dac_bits"], det["n_input_slices"])
    return input_driver_area_m2(m, tech, dac_kind) / det["weights_per_row"]


def gain_stage_area_m2(octaves: ArrayLike, stage_cap_f: ArrayLike, tech: Technology) -> F64:
    """Gain-ranging stage of ``ceil(octaves)`` halving steps with ``stage_cap_f`` each (m²)."""
    n = np.ceil(np.maximum(np.asarray(octaves, dtype=np.float64), 0.0))
    step = (capacitor_area_m2(np.maximum(stage_cap_f, tech.c_unit_min_f))
            + logic_area_m2(tech, flops=1.0))
    return n * step


def sar_adc_area_m2(enob: ArrayLike, tech: Technology) -> F64:
    """Compact SAR column ADC of ``enob`` effective bits (m²); see the module docstring."""
    b = np.asarray(enob, dtype=np.float64)
    c_match = tech.c_unit_min_f * 2.0**b
    c_noise = 12.0 * tech.kt_j * 4.0**b / tech.analog_swing_v**2
    logic = logic_area_m2(tech, flops=2.0 * np.ceil(b), gates=GE_COMPARATOR)
    return capacitor_area_m2(np.maximum(c_match, c_noise)) + logic


def leakage_power_w(active_energy_j: ArrayLike, rate_hz: ArrayLike) -> F64:
    """Static power (W) of active blocks spending ``active_energy_j`` per operation at
    ``rate_hz`` operations/s: ``LEAKAGE_FRACTION`` of their total power."""
    f = LEAKAGE_FRACTION
    return f / (1.0 - f) * np.asarray(active_energy_j, dtype=np.float64) * np.asarray(rate_hz)


def step_latency_s(rate_hz: ArrayLike) -> F64:
    """Latency (s) of one analog step or clocked digital operation at ``rate_hz``."""
    return 1.0 / np.asarray(rate_hz, dtype=np.float64)


def _cells_area_m2(det: dict[str, F64], topology: str, tech: Technology,
                   extra_bits: F64 | float = 0.0) -> F64:
    """One weight's cells: capacitors above their multiplying bitcells (m²).

    bit_sliced: ``s_w`` cells of ``C_u`` over ``c_w`` bitcells each; binary_weighted: the
    whole array over the weight's bitcells; c2c: ``s_w`` cells of three ``C_u``.
    ``extra_bits`` (stored exponent bits) add bitcells.
    """
    c = det["cell_capacitance_f"]
    if topology == "binary_weighted":
        return mac_cell_area_m2(c, det["weight_bits"] + extra_bits, tech)
    units = 3.0 if topology == "c2c" else 1.0
    per = mac_cell_area_m2(units * c, det["cell_bits"], tech)
    return det["n_weight_slices"] * per + extra_bits * CIM_CELL_OVERHEAD * \
        sram_bitcell_area_m2(tech)


def _converter_share(det: dict[str, F64]) -> F64:
    """ADCs (and output gain stages) per MAC: one per converted column of ``N`` rows."""
    return det["conversions_per_mac"] / det["cell_steps_per_mac"]


def grmac_area_terms(op: OperatingPoint, breakdown: EnergyBreakdown, tech: Technology,
                     structure: MacroStructure, opts: EnergyOptions,
                     weight_exp_bits: int) -> dict[str, F64]:
    """Area per MAC (m²) by the terms of ``per_mac.grmac_energy`` (same sharing).

    Each block's area is divided among the MACs that share it exactly as its energy is:
    DAC by the weights its row drive serves, array wires none (they run over the cells),
    in-array gain stage by ``gain_share``, output gain stage and ADC one per converted
    column of ``N`` rows. Cells store the weight
    mantissa and the weight exponent: per cell (``unit``), shared by ``weight_block`` cells
    (``row``), none (``int``, weights are block-aligned when written).
    """
    d = breakdown.dynamic_range_bits
    det = breakdown.details
    exp_share = {"unit": 1.0, "row": 1.0 / op.weight_block, "int": 0.0}[op.normalization]
    gain = (gain_stage_area_m2(det["gain_octaves"], det["stage_capacitance_f"], tech)
            * det["gain_share"])
    conv = _converter_share(det)
    logic = grmac_energy(op, d, gate_area_technology(tech), structure, opts)
    return {
        "dac": _dac_per_mac_m2(det, tech, structure.dac_kind),
        "mac": _cells_area_m2(det, structure.cell_topology, tech, weight_exp_bits * exp_share),
        "array": 0.0 * det["adc_bits"],  # row and column wires run over the cells
        "gain_stage": gain,
        "output_gain": gain_stage_area_m2(det["output_gain_octaves"], tech.c_unit_min_f,
                                          tech) * conv,
        "adc": sar_adc_area_m2(det["adc_bits"], tech) * conv,
        "digital": logic.terms["digital"],
    }


def conventional_area_terms(op: OperatingPoint, breakdown: EnergyBreakdown, tech: Technology,
                            structure: MacroStructure,
                            opts: EnergyOptions) -> dict[str, F64]:
    """Area per MAC (m²) by the terms of ``per_mac.conventional_energy`` (same sharing)."""
    d = breakdown.dynamic_range_bits
    det = breakdown.details
    logic = conventional_energy(op, d, gate_area_technology(tech), structure, opts)
    return {
        "dac": _dac_per_mac_m2(det, tech, structure.dac_kind),
        "mac": _cells_area_m2(det, structure.cell_topology, tech),
        "array": 0.0 * det["adc_bits"],  # row and column wires run over the cells
        "adc": sar_adc_area_m2(det["adc_bits"], tech) * _converter_share(det),
        "digital": logic.terms["digital"],
    }


def integer_area_terms(breakdown: EnergyBreakdown, tech: Technology,
                       structure: MacroStructure, n_rows: int) -> dict[str, F64]:
    """Area per MAC (m²) of integer CIM: DAC, cells, ADC (shift-and-add logic in digital)."""
    det = breakdown.details
    acc = (np.ceil(det["adc_bits"]) + det["input_bits"] - det["dac_bits"]
           + np.where(det["n_weight_slices"] > 1, det["weight_bits"] - det["cell_bits"], 0.0))
    many = det["conversions_per_mac"] * n_rows > 1
    return {
        "dac": _dac_per_mac_m2(det, tech, structure.dac_kind),
        "mac": _cells_area_m2(det, structure.cell_topology, tech),
        "array": 0.0 * det["adc_bits"],  # row and column wires run over the cells
        "adc": sar_adc_area_m2(det["adc_bits"], tech) * _converter_share(det),
        "digital": np.where(many, logic_area_m2(tech, full_adders=acc, flops=acc), 0.0)
        * _converter_share(det),
    }
