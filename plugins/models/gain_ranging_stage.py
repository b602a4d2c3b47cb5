"""hwcomponents model of the GR-MAC's switched-capacitor gain-ranging stage."""

from __future__ import annotations

from typing import Any

import numpy as np
from hwcomponents import ActionCost, ComponentModel, action

from grcim.physics.energy.analog import gain_stage_energy_j
from grcim.physics.energy.area import gain_stage_area_m2, leakage_power_w, step_latency_s
from grcim.physics.settings import (
    DEFAULT_CELL_BITS,
    DEFAULT_CELL_TOPOLOGY,
    DEFAULT_GAIN_RANGE_RULE,
    DEFAULT_N_COLS,
    DEFAULTS,
)
from grcim.physics.technology import Technology
from grcim.plugins.models.attributes import as_choice
from grcim.plugins.models.batch import BatchCosts, TollModel, full
from grcim.plugins.models.ensemble import analog_rate, dynamic_range, macro_breakdown

__all__ = ["GainRangingStage", "PLACEMENTS"]

#: Where the stage sits: in the array (gain per product / row / block) or before the ADC.
PLACEMENTS = ("output", "array")


class GainRangingStage(TollModel, ComponentModel):
    """A cascade of ``ceil(octaves)`` switched-capacitor halving steps applying a gain code.

    ``placement="array"``: the in-array stage of ``grcim.physics.energy.per_mac`` (one per
    cell for ``unit``, per row driver for ``row``, per block for ``int``), covering the
    operating point's gain range ``G0`` (+ ``D`` under ``cover_range``) with capacitors sized
    for the MAC's SNR; zero for ``int`` when a block spans all ``n_rows``.
    ``placement="output"``: the output gain-ranging before the ADC, covering
    ``ceil(log2(4 n_rows))`` more octaves with minimum-size capacitors, once per conversion.
    Energies are per application, read from the same per-MAC breakdown the ``gr_mac``
    model prices (``grcim.plugins.models.ensemble.macro_breakdown``), which divides them
    among the MACs sharing one. (There is no ``scale`` action: ``ComponentModel.scale`` is
    hwcomponents' node scaling.)

    Parameters
    ----------
    normalization : {"unit", "row", "int"}
        GR-MAC normalization normalization.
    placement : {"output", "array"}
        Which of the two stages.
    input_format, weight_format, n_rows, n_cols, gain_reference, weight_block,
    sqnr_target_db, noise_standard, thermal_margin_db, dynamic_range_bits, gain_range_rule,
    distribution, cell_topology, dac_bits, n_input_slices, cell_bits, n_weight_slices,
    technology, tech_node
        As for ``gr_mac`` (they set the gain range and the signal's capacitor size).
    throughput : float or None
        Gain applications per second; default: the technology's conversion rate.
    """

    component_name = ["gain_ranging_stage", "gain_stage"]
    """Names in architecture files (``component_class``)."""
    priority = 0.9
    VECTOR_ATTRIBUTES = ("dynamic_range_bits",)

    def __init__(
        self, normalization: str = DEFAULTS.normalization, placement: str = "output",
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
        tech_node: float | str | None = None, throughput: float | None = None,
    ) -> None:
        self._setup(dict(locals()))

    @classmethod
    def costs_at(cls, attrs: dict[str, Any], n: int, tech: Technology) -> BatchCosts:
        placement = as_choice("placement", attrs.get("placement", "output"), PLACEMENTS)
        d = dynamic_range(attrs, n)
        res = macro_breakdown({**attrs, "adc_bits": None, "adc_law": None}, "grmac", d, tech)
        det = res.breakdown.details
        if placement == "array":
            octaves, cap = det["gain_octaves"], det["stage_capacitance_f"]
            if res.op.normalization == "int" and res.op.n_rows <= res.op.block_rows:
                octaves = np.zeros_like(d)
        else:
            octaves = det["output_gain_octaves"]
            cap = np.full_like(d, tech.c_unit_min_f)
        energy = full(n, gain_stage_energy_j(octaves, cap, tech))
        rate = analog_rate(attrs, tech)
        return BatchCosts({"gain": energy, "read": energy},
                          full(n, gain_stage_area_m2(octaves, cap, tech)),
                          leakage_power_w(energy, rate), full(n, step_latency_s(rate)),
                          full(n, rate))

    @action
    def gain(self) -> ActionCost:
        """Apply one gain code to one signal (J, s, applications/s)."""
        return self._cost("gain")
