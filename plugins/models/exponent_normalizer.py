"""hwcomponents model of the GR-MAC's digital exponent-normalization logic."""

from __future__ import annotations

from typing import Any

import numpy as np
from hwcomponents import ActionCost, ComponentModel, action
from numpy.typing import NDArray

from grcim.physics.energy.area import gate_area_technology, leakage_power_w
from grcim.physics.energy.per_mac import grmac_digital_pieces, grmac_energy
from grcim.physics.operating_point import OperatingPoint
from grcim.physics.settings import (
    DEFAULT_CELL_BITS,
    DEFAULT_CELL_TOPOLOGY,
    DEFAULT_GAIN_RANGE_RULE,
    DEFAULT_N_COLS,
    DEFAULTS,
)
from grcim.physics.technology import Technology
from grcim.plugins.models.attributes import DEFAULT_CYCLE_PERIOD_S, as_choice, as_number
from grcim.plugins.models.batch import BatchCosts, CostModel, full
from grcim.plugins.models.ensemble import dynamic_range, macro_breakdown

__all__ = ["ExponentNormalizer", "STAGES", "digital_pieces"]

F64 = NDArray[np.float64]
#: What one ``read`` of the normalizer is: an input, an output conversion, or one MAC's share.
STAGES = ("input", "output", "mac")


def digital_pieces(op: OperatingPoint, details: dict[str, F64], d: F64,
                   tech: Technology) -> dict[str, F64]:
    """The GR-MAC's digital work split by where it happens (J per operation), as
    ``grcim.physics.energy.per_mac.grmac_digital_pieces`` computes it for ``grmac_energy``
    (whose ``details`` give the DAC width and gain octaves of the same design)."""
    return grmac_digital_pieces(op, d, details["input_bits"], details["gain_octaves"], tech)


class ExponentNormalizer(CostModel, ComponentModel):
    """Digital exponent handling of a GR-MAC macro (gate counts x per-gate energy/area).

    Actions (J each): ``normalize_input`` (one input on its way to the DAC),
    ``normalize_output`` (one ADC result, its shift-and-add included), ``normalize`` (one
    MAC's share of all of it, exactly the ``digital`` term of ``grmac_energy``),
    ``exponent_add`` (one exponent add), ``max_tree`` (one max-tree compare: 0 for ``unit``
    and ``row`` with a ``fixed`` reference, which have no tree), and ``read`` = the
    action named by ``stage`` (AccelForge charges a ``Toll``'s traffic as ``read``). Area is
    that of the ``stage`` logic (per input lane,
    per output lane, or one MAC's share); one operation per ``cycle_period``.

    Parameters
    ----------
    normalization : {"unit", "row", "int"}
        GR-MAC normalization normalization.
    stage : {"input", "output", "mac"}
        What one ``read`` is (and whose logic the area counts).
    input_format, weight_format, n_rows, n_cols, gain_reference, weight_block,
    sqnr_target_db, noise_standard, thermal_margin_db, dynamic_range_bits, gain_range_rule,
    distribution, cell_topology, dac_bits, n_input_slices, cell_bits, n_weight_slices,
    dac_kind, cell_capacitance, adc_bits, technology, tech_node
        As for ``gr_mac`` (give the macro's own: ``adc_bits`` sets the width of the
        shift-and-add behind each conversion, so ``normalize`` equals that macro's
        ``digital`` term).
    cycle_period : float or None
        Clock period of the logic, s (default 1 ns).
    """

    component_name = ["exponent_normalizer", "grcim_normalizer"]
    """Names in architecture files (``component_class``)."""
    priority = 0.9
    VECTOR_ATTRIBUTES = ("dynamic_range_bits",)

    def __init__(
        self, normalization: str = DEFAULTS.normalization, stage: str = "input",
        input_format: str = DEFAULTS.input_format,
        weight_format: str = DEFAULTS.weight_format, n_rows: int = DEFAULTS.n_rows,
        n_cols: int = DEFAULT_N_COLS, gain_reference: str = DEFAULTS.gain_reference,
        weight_block: int = DEFAULTS.weight_block,
        sqnr_target_db: float = DEFAULTS.sqnr_target_db,
        noise_standard: str = DEFAULTS.noise_standard,
        thermal_margin_db: float = DEFAULTS.thermal_margin_db,
        dynamic_range_bits: float = 0.0, gain_range_rule: str = DEFAULT_GAIN_RANGE_RULE,
        distribution: str = DEFAULTS.distribution,
        cell_topology: str = DEFAULT_CELL_TOPOLOGY, dac_bits: int | None = None,
        n_input_slices: int | None = None, cell_bits: int = DEFAULT_CELL_BITS,
        n_weight_slices: int | None = None, dac_kind: str = "capacitive",
        cell_capacitance: float | None = None, technology: str | None = None,
        tech_node: float | str | None = None, cycle_period: float | None = None,
        adc_bits: float | str | None = None,
    ) -> None:
        self._setup(dict(locals()))

    @classmethod
    def costs_at(cls, attrs: dict[str, Any], n: int, tech: Technology) -> BatchCosts:
        stage = as_choice("stage", attrs.get("stage", "input"), STAGES)
        period = attrs.get("cycle_period")
        period = DEFAULT_CYCLE_PERIOD_S if period is None else as_number(
            "cycle_period", period, 1e-12, 1.0)
        d = dynamic_range(attrs, n)
        # the macro's ADC as declared (or auto): a wider ADC result needs a wider shift-and-add,
        # which the core's ``digital`` term prices; the law prices only the ADC itself
        res = macro_breakdown({**attrs, "adc_law": None}, "grmac", d, tech)
        breakdown, op = res.breakdown, res.op
        pieces = digital_pieces(op, breakdown.details, d, tech)
        energy = {
            "normalize_input": pieces["per_input"],
            # one ADC result's whole digital work: its exponent add and register, and the
            # shift-and-add of a sliced conversion (input + output + per-MAC pieces then
            # sum to ``normalize``)
            "normalize_output": (pieces["per_conversion"]
                                 + breakdown.details["shift_add_energy_per_conversion_j"]),
            "normalize": breakdown.terms["digital"],
            "exponent_add": pieces["exponent_add"],
            # 0 where the design has no max tree (unit/row with a fixed reference)
            "max_tree": pieces["max_tree"],
        }
        read_of = {"input": "normalize_input", "output": "normalize_output", "mac": "normalize"}
        energy = {k: full(n, v) for k, v in energy.items()}
        energy["read"] = energy[read_of[stage]]
        area_tech = gate_area_technology(tech)
        at_area = grmac_energy(op, d, area_tech, res.structure, res.options)
        if stage == "mac":
            area = at_area.terms["digital"]
        else:
            area_det = at_area.details
            area_pieces = digital_pieces(op, area_det, d, area_tech)
            area = (area_pieces["per_input"] if stage == "input" else
                    area_pieces["per_conversion"] + area_det["shift_add_energy_per_conversion_j"])
        return BatchCosts(energy, full(n, area), leakage_power_w(energy["read"], 1.0 / period),
                          full(n, period), full(n, 1.0 / period))

    @action
    def normalize_input(self) -> ActionCost:
        """Normalize one input on its way to the DAC (J, s, inputs/s)."""
        return self._cost("normalize_input")

    @action
    def normalize_output(self) -> ActionCost:
        """Renormalize one ADC result (J, s, results/s)."""
        return self._cost("normalize_output")

    @action
    def normalize(self) -> ActionCost:
        """One MAC's share of all normalization logic (the core's per-MAC digital term)."""
        return self._cost("normalize")

    @action
    def exponent_add(self) -> ActionCost:
        """One add of the exponent datapath."""
        return self._cost("exponent_add")

    @action
    def max_tree(self) -> ActionCost:
        """One compare step of a max tree (``vector_max`` designs, ``int``'s block max; 0 J
        where the design has none)."""
        return self._cost("max_tree")

    @action
    def read(self) -> ActionCost:
        """The action named by ``stage``."""
        return self._cost("read")
