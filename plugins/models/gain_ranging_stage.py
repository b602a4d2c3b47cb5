"""hwcomponents model of the GR-MAC's switched-capacitor gain-ranging stage."""

from __future__ import annotations

from typing import Any

import numpy as np
from hwcomponents import ActionCost, ComponentModel, action

from grcim.plugins.energy.analog import gain_stage_energy_j, thermal_capacitance_f
from grcim.plugins.energy.area import gain_stage_area_m2, leakage_power_w, step_latency_s
from grcim.plugins.energy.per_mac import EnergyOptions, grmac_energy
from grcim.plugins.models.attributes import (
    DEFAULT_SQNR_DB,
    DEFAULT_TECH_NODE_M,
    GAIN_RANGE_RULES,
    as_choice,
)
from grcim.plugins.models.batch import BatchCosts, CostModel, full
from grcim.plugins.models.ensemble import analog_rate, dynamic_range, grmac_point, node_of
from grcim.plugins.models.technode import NodeMap

__all__ = ["GainRangingStage", "PLACEMENTS"]

#: Where the stage sits: in the array (gain per product / row / block) or before the ADC.
PLACEMENTS = ("output", "array")


class GainRangingStage(CostModel, ComponentModel):
    """A cascade of ``ceil(octaves)`` switched-capacitor halving steps applying a gain code.

    ``placement="array"``: the in-array stage of ``grcim.plugins.energy.per_mac`` (one per
    cell for ``unit``, per row driver for ``row``, per block for ``int``), covering the
    operating point's gain range ``G0`` (+ ``D`` under ``cover_range``) with capacitors sized
    for the MAC's SNR; zero for ``int`` when a block spans all ``n_rows``.
    ``placement="output"``: the output gain-ranging before the ADC, covering
    ``ceil(log2(4 n_rows))`` more octaves with minimum-size capacitors.
    Energies are per application; ``grmac_energy`` divides them among the MACs sharing one.
    (There is no ``scale`` action: ``ComponentModel.scale`` is hwcomponents' node scaling.)

    Parameters
    ----------
    normalization : {"unit", "row", "int"}
        GR-MAC normalization normalization.
    placement : {"output", "array"}
        Which of the two stages.
    input_format, weight_format, n_rows, gain_reference, weight_block, sqnr_target_db,
    dynamic_range_bits, gain_range_rule, distribution, tech_node
        As for ``gr_mac`` (they set the gain range and the signal's capacitor size).
    throughput : float or None
        Gain applications per second; default: the technology's conversion rate.
    """

    component_name = ["gain_ranging_stage", "gain_stage"]
    """Names in architecture files (``component_class``)."""
    priority = 0.9
    VECTOR_ATTRIBUTES = ("dynamic_range_bits",)

    def __init__(
        self, normalization: str = "row", placement: str = "output",
        input_format: str = "fp8_e4m3", weight_format: str = "fp8_e4m3", n_rows: int = 64,
        gain_reference: str = "fixed", weight_block: int = 32,
        sqnr_target_db: float = DEFAULT_SQNR_DB, dynamic_range_bits: float = 0.0,
        gain_range_rule: str = "cover_range", distribution: str = "gaussian",
        tech_node: float = DEFAULT_TECH_NODE_M, throughput: float | None = None,
    ) -> None:
        self._setup(dict(locals()))

    @classmethod
    def evaluate(cls, attrs: dict[str, Any], n: int) -> tuple[BatchCosts, NodeMap]:
        node = node_of(attrs)
        tech = node.tech
        placement = as_choice("placement", attrs["placement"], PLACEMENTS)
        rule = as_choice("gain_range_rule", attrs["gain_range_rule"], GAIN_RANGE_RULES)
        d = dynamic_range(attrs, n)
        op = grmac_point(attrs)
        # the gain range and the MAC's SNR at each D, as the per-MAC model sizes them
        details = grmac_energy(op, d, tech, EnergyOptions(1, "thermal", rule)).details
        octaves = details["gain_octaves"]
        if placement == "array":
            cap = thermal_capacitance_f(details["mac_snr_db"], op.gr_utilization, tech)
            if op.normalization == "int" and op.n_rows <= op.block_rows:
                octaves = np.zeros_like(d)
        else:
            cap = np.full_like(d, tech.c_unit_min_f)
            octaves = np.ceil(np.log2(4.0 * op.n_rows)) + octaves
        energy = full(n, gain_stage_energy_j(octaves, cap, tech))
        rate = analog_rate(attrs, tech)
        costs = BatchCosts({"gain": energy, "read": energy},
                           full(n, gain_stage_area_m2(octaves, cap, tech)),
                           leakage_power_w(energy, rate), full(n, step_latency_s(rate)),
                           full(n, rate))
        return costs, node

    @action
    def gain(self) -> ActionCost:
        """Apply one gain code to one signal (J, s, applications/s)."""
        return self._cost("gain")

    @action
    def read(self) -> ActionCost:
        """Same as ``gain`` (AccelForge charges a ``Toll``'s traffic as ``read``)."""
        return self._cost("read")
