"""hwcomponents model of one MAC of a conventional aligned-fixed-point analog FP-CIM."""

from __future__ import annotations

from typing import Any

from hwcomponents import ActionCost, ComponentModel, action

from grcim.plugins.energy.area import conventional_area_terms, leakage_power_w, step_latency_s
from grcim.plugins.energy.per_mac import conventional_energy
from grcim.plugins.models.attributes import DEFAULT_SQNR_DB, DEFAULT_TECH_NODE_M, as_terms
from grcim.plugins.models.batch import BatchCosts, CostModel, full, sum_terms
from grcim.plugins.models.ensemble import (
    analog_rate,
    conventional_point,
    dynamic_range,
    energy_options,
    n_cols_array,
    node_of,
)
from grcim.plugins.models.technode import NodeMap

__all__ = ["ConventionalFPMAC", "CONVENTIONAL_TERMS"]

#: Energy terms of ``grcim.plugins.energy.per_mac.conventional_energy``, in its order.
CONVENTIONAL_TERMS = ("dac", "mac", "adc", "digital")


class ConventionalFPMAC(CostModel, ComponentModel):
    """One MAC of direct-accumulation FP-CIM: inputs and weights aligned to one global
    fixed-point scale, accumulated in the analog domain (the GR-MAC's baseline).

    ``compute`` costs exactly ``conventional_energy(...).total`` (or the sum of
    ``include_terms``), per MAC: DAC and alignment logic shared by ``n_cols``, ADC by
    ``n_rows``. Area and leakage are per MAC cell with the same shares.

    Parameters
    ----------
    input_format, weight_format : str
        Operand formats before alignment (``fp8_e4m3``, ``bf16``, ...).
    n_rows : int
        Rows accumulated per ADC conversion, 1..4096.
    n_cols : int
        Columns one input (DAC) drives.
    sqnr_target_db : float
        End-to-end SQNR standard, dB (6..100).
    dynamic_range_bits : float
        Input dynamic range the SQNR must hold over, octaves (0..40).
    adc_law : str
        ADC energy law: thermal, walden, envelope (alias survey), hwcomponents.
    distribution : str
        Input/weight distribution of the ensemble.
    tech_node : float
        Feature size, m.
    throughput : float or None
        MACs per second of one cell; default: the technology's conversion rate.
    include_terms : str
        ``"all"`` or a comma-separated subset of dac, mac, adc, digital.
    """

    component_name = ["conventional_fp_mac", "fp_cim_mac"]
    """Names in architecture files (``component_class``)."""
    priority = 0.9
    VECTOR_ATTRIBUTES = ("dynamic_range_bits", "n_cols")

    def __init__(
        self, input_format: str = "fp8_e4m3", weight_format: str = "fp8_e4m3",
        n_rows: int = 64, n_cols: int = 64, sqnr_target_db: float = DEFAULT_SQNR_DB,
        dynamic_range_bits: float = 0.0, adc_law: str = "thermal",
        distribution: str = "gaussian", tech_node: float = DEFAULT_TECH_NODE_M,
        throughput: float | None = None, include_terms: str = "all",
    ) -> None:
        self._setup(dict(locals()))

    @classmethod
    def evaluate(cls, attrs: dict[str, Any], n: int) -> tuple[BatchCosts, NodeMap]:
        node = node_of(attrs)
        tech = node.tech
        terms = as_terms(attrs["include_terms"], CONVENTIONAL_TERMS)
        d = dynamic_range(attrs, n)
        opts = energy_options(attrs, n_cols_array(attrs, n))
        op = conventional_point(attrs)
        breakdown = conventional_energy(op, d, tech, opts)
        areas = conventional_area_terms(op, breakdown, tech, opts)
        rate = analog_rate(attrs, tech)
        energy = (full(n, breakdown.total) if terms == CONVENTIONAL_TERMS
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
