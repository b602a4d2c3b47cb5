"""hwcomponents model of one Gain-Ranging MAC (GR-MAC, Rojkov et al., arXiv 2602.08081)."""

from __future__ import annotations

from typing import Any

from hwcomponents import ActionCost, ComponentModel, action

from grcim.plugins.energy.area import grmac_area_terms, leakage_power_w, step_latency_s
from grcim.plugins.energy.per_mac import grmac_energy
from grcim.plugins.formats import get_format
from grcim.plugins.models.attributes import DEFAULT_SQNR_DB, DEFAULT_TECH_NODE_M, as_terms
from grcim.plugins.models.batch import BatchCosts, CostModel, full, sum_terms
from grcim.plugins.models.ensemble import (
    analog_rate,
    dynamic_range,
    energy_options,
    grmac_point,
    n_cols_array,
    node_of,
)
from grcim.plugins.models.technode import NodeMap

__all__ = ["GainRangingMAC", "GRMAC_TERMS"]

#: Energy terms of ``grcim.plugins.energy.per_mac.grmac_energy``, in its order.
GRMAC_TERMS = ("dac", "mac", "gain_stage", "output_gain", "adc", "digital")


class GainRangingMAC(CostModel, ComponentModel):
    """One GR-MAC cell with its per-MAC share of DAC, gain ranging, ADC and digital logic.

    ``compute`` costs exactly ``grcim.plugins.energy.per_mac.grmac_energy(...).total`` (or
    the sum of ``include_terms``): per-input costs are divided by ``n_cols``, per-conversion
    costs by ``n_rows``. Area and leakage are per MAC cell with the same shares.

    Parameters
    ----------
    input_format, weight_format : str
        Operand formats (``fp8_e4m3``, ``fp6_e2m3``, ``fp4``, ``bf16``, ``mxfp8_e4m3``, ...).
    n_rows : int
        Rows accumulated per ADC conversion, 1..4096.
    n_cols : int
        Columns one input (DAC) drives.
    normalization : {"unit", "row", "int"}
        GR-MAC normalization normalization.
    gain_reference : {"fixed", "vector_max"}
        Gains relative to a design-time exponent, or to each vector's max (digital max tree).
    weight_block : int
        Columns sharing a weight-row exponent (``row``).
    sqnr_target_db : float
        End-to-end SQNR standard, dB (6..100).
    dynamic_range_bits : float
        Input dynamic range the SQNR must hold over, octaves (0..40).
    adc_law : str
        ADC energy law: thermal, walden, envelope (alias survey), hwcomponents.
    gain_range_rule : {"cover_range", "sqnr"}
        How far the gain range reaches below the reference (see ``EnergyOptions``).
    distribution : str
        Input/weight distribution of the ensemble (``grcim.plugins.distributions``).
    tech_node : float
        Feature size, m (hwcomponents convention; see ``technode``).
    throughput : float or None
        MACs per second of one cell; default: the technology's conversion rate.
    include_terms : str
        ``"all"`` or a comma-separated subset of dac, mac, gain_stage, output_gain, adc,
        digital (e.g. ``"mac"`` when the architecture prices converters separately).
    """

    component_name = ["gr_mac", "gain_ranging_mac"]
    """Names in architecture files (``component_class``)."""
    priority = 0.9
    """grcim's own component; no other model serves these names."""
    VECTOR_ATTRIBUTES = ("dynamic_range_bits", "n_cols")

    def __init__(
        self, input_format: str = "fp8_e4m3", weight_format: str = "fp8_e4m3",
        n_rows: int = 64, n_cols: int = 64, normalization: str = "row",
        gain_reference: str = "fixed", weight_block: int = 32,
        sqnr_target_db: float = DEFAULT_SQNR_DB, dynamic_range_bits: float = 0.0,
        adc_law: str = "thermal", gain_range_rule: str = "cover_range",
        distribution: str = "gaussian", tech_node: float = DEFAULT_TECH_NODE_M,
        throughput: float | None = None, include_terms: str = "all",
    ) -> None:
        self._setup(dict(locals()))

    @classmethod
    def evaluate(cls, attrs: dict[str, Any], n: int) -> tuple[BatchCosts, NodeMap]:
        node = node_of(attrs)
        tech = node.tech
        terms = as_terms(attrs["include_terms"], GRMAC_TERMS)
        d = dynamic_range(attrs, n)
        opts = energy_options(attrs, n_cols_array(attrs, n))
        op = grmac_point(attrs)
        breakdown = grmac_energy(op, d, tech, opts)
        exp_bits = get_format(attrs["weight_format"]).exp_bits
        areas = grmac_area_terms(op, breakdown, tech, opts, exp_bits)
        rate = analog_rate(attrs, tech)
        # all terms: the core's own total, so a query returns exactly what it computes
        energy = (full(n, breakdown.total) if terms == GRMAC_TERMS
                  else sum_terms(breakdown.terms, terms, n))
        active = sum_terms(breakdown.terms, tuple(t for t in terms if t != "mac"), n)
        costs = BatchCosts({"compute": energy}, sum_terms(areas, terms, n),
                           leakage_power_w(active, rate), full(n, step_latency_s(rate)),
                           full(n, rate))
        return costs, node

    @action
    def compute(self) -> ActionCost:
        """One multiply-accumulate, with its shares of the periphery (J, s, MAC/s)."""
        return self._cost("compute")

