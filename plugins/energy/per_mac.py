"""Energy per MAC of the conventional pipeline and the GR-MAC versus input dynamic range.

Input dynamic range ``D`` (octaves): input vectors may sit at any scale in ``[2**-D, 1]``
times the top-of-range ensemble, and the SQNR standard must hold at every scale.

- Conventional (one global fixed-point scale): a vector ``2**-D`` down loses ``D`` bits on
  every stage, so inputs need ``B_x0 + D`` bits, the ADC ``B_adc0 + D`` bits and the MAC
  ``6.02 D`` dB more SNR at full scale (kT/C: 4x capacitance per octave). Weights are static
  and keep ``B_w0`` bits.
- GR-MAC, ``gain_reference="fixed"`` (gains relative to a design-time exponent, applied as
  products arrive): DAC and cells stay at the mantissa widths; the output gain-ranging keeps
  the ADC at ``B_gr`` bits for any scale; the gain-ranging stage must cover ``G0 + D``
  octaves; the MAC summing node still sees small vectors small, so it needs ``6.02 D`` dB more
  SNR like the conventional one (but starts from its own utilization).
- GR-MAC, ``gain_reference="vector_max"`` (a digital max tree finds each vector's largest
  product exponent first): everything analog is scale-free; only exponent widths grow.
- GR-MAC ``int`` with blocks of all N rows: the block integers are normalized to their own
  maximum, so the analog part is scale-free whatever the reference.

Every term is per MAC: per-input costs are shared by the ``n_cols`` columns an input drives,
per-block costs by the ``block_rows`` rows of a block, per-conversion costs by the ``N`` rows
of a conversion. docs/models.md, "Energy per MAC", lists every equation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from grcim.errors import ModelDomainError
from grcim.plugins.energy.adc import ENOB_RANGE, adc_energy_j, check_law
from grcim.plugins.energy.analog import (
    cell_capacitance_f,
    dac_energy_j,
    gain_stage_energy_j,
    switch_energy_j,
    thermal_capacitance_f,
)
from grcim.plugins.energy.digital import (
    adder_energy_j,
    exponent_width_bits,
    lod_energy_j,
    register_energy_j,
    shifter_energy_j,
)
from grcim.plugins.operating_point import OperatingPoint
from grcim.plugins.technology import Technology

__all__ = [
    "EnergyBreakdown", "conventional_energy", "grmac_energy", "grmac_digital_pieces",
    "EnergyOptions",
]

F64 = NDArray[np.float64]
DB_PER_OCTAVE = 20.0 * np.log10(2.0)
ADC_ENOB_MAX = ENOB_RANGE[1]


@dataclass(frozen=True)
class EnergyOptions:
    """Architecture parameters of the energy model (not technology constants).

    Attributes
    ----------
    n_cols : int
        Columns one input (DAC) drives: per-input costs are divided by it.
    adc_law : str
        ADC energy law (see ``grcim.plugins.energy.adc``).
    gain_range_rule : {"cover_range", "sqnr"}
        How far the GR-MAC's gain range (and ``int`` block integers) must reach below the
        reference: ``cover_range`` = every input of the supported dynamic range is represented
        (``G = G0 + D``; the rule the conventional pipeline's widths follow too), ``sqnr`` =
        only what the SQNR share needs (``G = G0``; products further down are flushed).
    """

    n_cols: int = 64
    adc_law: str = "thermal"
    gain_range_rule: str = "cover_range"


@dataclass(frozen=True)
class EnergyBreakdown:
    """Energy per MAC (J) by term, each an array over the dynamic-range grid.

    Attributes
    ----------
    terms : dict[str, ndarray]
        Term name (``dac``, ``mac``, ``gain_stage``, ``output_gain``, ``adc``, ``digital``)
        to energy per MAC, J, shape ``(len(dynamic_range_bits),)``.
    details : dict[str, ndarray]
        Sizing behind the terms (bits, capacitances in F, octaves) on the same grid.
    """

    dynamic_range_bits: F64
    terms: dict[str, F64]
    details: dict[str, F64] = field(default_factory=dict)

    @property
    def total(self) -> F64:
        """Total energy per MAC, J."""
        return np.sum([np.broadcast_to(v, self.dynamic_range_bits.shape)
                       for v in self.terms.values()], axis=0)


def _grid(dynamic_range_bits: ArrayLike) -> F64:
    d = np.atleast_1d(np.asarray(dynamic_range_bits, dtype=np.float64))
    if np.any(d < 0) or np.any(d > 40):
        raise ModelDomainError("dynamic_range_bits", float(d.min() if np.any(d < 0) else d.max()),
                               "between 0 and 40 octaves")
    return d


def conventional_energy(
    op: OperatingPoint, dynamic_range_bits: ArrayLike, tech: Technology,
    opts: EnergyOptions = EnergyOptions(),
) -> EnergyBreakdown:
    """Energy per MAC of the conventional aligned-fixed-point pipeline."""
    check_law(opts.adc_law)
    d = _grid(dynamic_range_bits)
    n = op.n_rows
    b_x = op.conv_input_bits + d
    b_adc = op.conv_adc_bits + d
    if np.any(b_adc > ADC_ENOB_MAX):
        raise ModelDomainError(
            "dynamic_range_bits", float(d.max()),
            f"at most {ADC_ENOB_MAX - op.conv_adc_bits:.1f} octaves here (the conventional "
            f"ADC needs {op.conv_adc_bits:.1f} + D bits, its laws cover {ADC_ENOB_MAX:g})")
    snr = op.share_db + DB_PER_OCTAVE * d
    c_cell = cell_capacitance_f(snr, op.conv_utilization, op.conv_weight_bits - 1.0, tech)
    w_e = exponent_width_bits(op.exponent_span + d)
    align = adder_energy_j(w_e, tech) + shifter_energy_j(b_x, op.exponent_span + d, tech)
    terms = {
        "dac": dac_energy_j(b_x, tech) / opts.n_cols,
        "mac": switch_energy_j(c_cell, tech),
        "adc": adc_energy_j(b_adc, opts.adc_law, tech) / n,
        "digital": align / opts.n_cols,
    }
    details = {"input_bits": b_x, "adc_bits": b_adc, "cell_capacitance_f": c_cell,
               "mac_snr_db": snr}
    return EnergyBreakdown(d, terms, details)


def grmac_energy(
    op: OperatingPoint, dynamic_range_bits: ArrayLike, tech: Technology,
    opts: EnergyOptions = EnergyOptions(),
) -> EnergyBreakdown:
    """Energy per MAC of the GR-MAC (normalization and reference mode from ``op``)."""
    check_law(opts.adc_law)
    d = _grid(dynamic_range_bits)
    n, g = op.n_rows, op.block_rows
    fixed = op.gain_reference == "fixed"
    zero = np.zeros_like(d)
    # The summing node sees a vector's scale only when gains are relative to a fixed
    # exponent; int blocks spanning all N rows are normalized to their own maximum.
    scale_seen = fixed and (op.normalization != "int" or g < n)
    snr = op.share_db + DB_PER_OCTAVE * (d if scale_seen else zero)
    cover = opts.gain_range_rule == "cover_range"
    octaves = op.gr_gain_octaves + (d if (cover and fixed) else zero)
    dac_bits = np.full_like(d, op.gr_input_bits)
    cell_bits = np.full_like(d, op.gr_weight_bits)
    c_cell = cell_capacitance_f(snr, op.gr_utilization, cell_bits - 1.0, tech)
    c_stage = thermal_capacitance_f(snr, op.gr_utilization, tech)
    # one gain application is shared by: its cell (unit), the row's columns (row), the rows
    # of a block (int; none when one block spans all N rows)
    gain_share = {"unit": 1.0, "row": 1.0 / opts.n_cols,
                  "int": 1.0 / g if n > g else 0.0}[op.normalization] + zero
    digital = grmac_digital_pieces(op, d, dac_bits, octaves, tech)
    out_octaves = np.ceil(np.log2(4.0 * n)) + octaves
    terms = {
        "dac": dac_energy_j(dac_bits, tech) / opts.n_cols,
        "mac": switch_energy_j(c_cell, tech),
        "gain_stage": gain_stage_energy_j(octaves, c_stage, tech) * gain_share,
        "output_gain": gain_stage_energy_j(out_octaves, tech.c_unit_min_f, tech) / n,
        "adc": adc_energy_j(np.full_like(d, op.gr_adc_bits), opts.adc_law, tech) / n,
        "digital": (digital["per_mac"] + digital["per_input"] / opts.n_cols
                    + digital["per_conversion"] / n),
    }
    details = {"gain_octaves": octaves, "cell_capacitance_f": c_cell, "mac_snr_db": snr,
               "exponent_bits": digital["exponent_bits"], "dac_bits": dac_bits,
               "cell_bits": cell_bits, "stage_capacitance_f": c_stage,
               "gain_share": gain_share}
    return EnergyBreakdown(d, terms, details)


def grmac_digital_pieces(op: OperatingPoint, d: F64, dac_bits: F64, octaves: F64,
                         tech: Technology) -> dict[str, F64]:
    """The GR-MAC's digital exponent work, J per operation, by where it happens.

    ``per_input`` (one input on its way to the DAC, shared by the ``n_cols`` columns it
    drives): leading-one detection; ``row`` adds the exponent add, the distance to the
    reference and the max-tree step at the row driver; ``int`` adds the max-tree step and
    the block-alignment shift of the DAC word. ``per_mac``: ``unit`` does the add, distance
    and max-tree step in every cell; ``int`` its two exponent adds per block of
    ``block_rows``. ``per_conversion``: renormalizing one ADC result (exponent add + result
    register). ``exponent_add``: one add (= one max-tree compare) of the ``w_e``-bit exponent
    datapath; the max tree is absent with ``gain_reference="fixed"``.
    """
    w_e = exponent_width_bits(op.exponent_span + d)
    add = adder_energy_j(w_e, tech)
    max_tree = 0.0 * add if op.gain_reference == "fixed" else add
    per_input = lod_energy_j(op.input_man_bits + 1, tech) + 0.0 * add
    if op.normalization == "unit":
        per_mac = 2.0 * add + max_tree
    elif op.normalization == "row":
        per_input = per_input + 2.0 * add + max_tree
        per_mac = 0.0 * add
    else:
        per_input = per_input + max_tree + shifter_energy_j(dac_bits, octaves, tech)
        per_mac = 2.0 * add / op.block_rows
    per_conversion = add + register_energy_j(op.gr_adc_bits + w_e, tech)
    return {"per_input": per_input, "per_mac": per_mac, "per_conversion": per_conversion,
            "exponent_add": add, "exponent_bits": w_e}
