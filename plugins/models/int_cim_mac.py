"""hwcomponents model of one MAC of an integer analog CIM (the INT baseline)."""

from __future__ import annotations

from typing import Any

from hwcomponents import ActionCost, ComponentModel, action

from grcim.plugins.energy.adc import ENOB_RANGE, adc_energy_j
from grcim.plugins.energy.analog import cell_capacitance_f, dac_energy_j, switch_energy_j
from grcim.plugins.energy.area import (
    dac_area_m2,
    leakage_power_w,
    mac_cell_area_m2,
    sar_adc_area_m2,
    step_latency_s,
)
from grcim.plugins.models.attributes import (
    DEFAULT_SQNR_DB,
    DEFAULT_TECH_NODE_M,
    as_adc_law,
    as_int_array,
    as_number,
    as_terms,
)
from grcim.plugins.models.batch import BatchCosts, CostModel, full, sum_terms
from grcim.plugins.models.ensemble import analog_rate, n_cols_array, node_of, reference_point
from grcim.plugins.models.technode import NodeMap

__all__ = ["IntCIMMAC", "INT_TERMS"]

#: Energy terms of the integer MAC, per MAC.
INT_TERMS = ("dac", "mac", "adc")


class IntCIMMAC(CostModel, ComponentModel):
    """One MAC of an integer charge-domain CIM: ``input_bits`` signed inputs through a
    binary-weighted DAC, ``weight_bits`` signed weights as binary-weighted cell capacitors,
    ``n_rows`` products summed per ADC conversion. No exponent logic.

    Per MAC, with the science core's primitives (``grcim.plugins.energy.analog`` / ``adc``):
    ``dac_energy_j(input_bits) / n_cols + switch_energy_j(C_cell) + adc_energy_j(B_adc) /
    n_rows`` where ``C_cell = cell_capacitance_f(share_db, u, weight_bits - 1)``. The MAC
    noise share ``share_db``, the utilization ``u`` of calibrated integer full scales and the
    default ``B_adc`` come from the aligned fixed-point pipeline of the same distribution
    (operating point of the near-continuous ``fp16`` ensemble; the ADC's share of the SQNR
    budget does not depend on the operand widths). The widths are taken as given: their
    own rounding noise is not checked against ``sqnr_target_db``.

    Parameters
    ----------
    input_bits, weight_bits : int
        Signed integer widths (sign included), 2..16. Required.
    n_rows : int
        Rows accumulated per ADC conversion, 1..4096.
    n_cols : int
        Columns one input (DAC) drives.
    adc_bits : float or None
        ADC effective bits; ``None``/``"auto"``: sized from ``sqnr_target_db``.
    sqnr_target_db : float
        SQNR standard the ADC and the cells are sized for, dB.
    adc_law : str
        ADC energy law: thermal, walden, envelope (alias survey), hwcomponents.
    distribution : str
        Input/weight distribution.
    tech_node : float
        Feature size, m.
    throughput : float or None
        MACs per second of one cell; default: the technology's conversion rate.
    include_terms : str
        ``"all"`` or a comma-separated subset of dac, mac, adc.
    """

    component_name = ["int_cim_mac", "int_mac"]
    """Names in architecture files (``component_class``)."""
    priority = 0.9
    VECTOR_ATTRIBUTES = ("input_bits", "weight_bits", "n_cols")

    def __init__(
        self, input_bits: int, weight_bits: int, n_rows: int = 64, n_cols: int = 64,
        adc_bits: float | str | None = None, sqnr_target_db: float = DEFAULT_SQNR_DB,
        adc_law: str = "thermal", distribution: str = "gaussian",
        tech_node: float = DEFAULT_TECH_NODE_M, throughput: float | None = None,
        include_terms: str = "all",
    ) -> None:
        self._setup(dict(locals()))

    @classmethod
    def evaluate(cls, attrs: dict[str, Any], n: int) -> tuple[BatchCosts, NodeMap]:
        node = node_of(attrs)
        tech = node.tech
        terms = as_terms(attrs["include_terms"], INT_TERMS)
        b_x = as_int_array("input_bits", attrs["input_bits"], 2, 16, n)
        b_w = as_int_array("weight_bits", attrs["weight_bits"], 2, 16, n)
        n_cols = n_cols_array(attrs, n)
        law = as_adc_law(attrs["adc_law"])
        ref = reference_point(attrs)
        adc_bits = attrs["adc_bits"]
        if adc_bits is None or (isinstance(adc_bits, str) and adc_bits.strip() == "auto"):
            enob = full(n, ref.conv_adc_bits)
        else:
            enob = full(n, as_number("adc_bits", adc_bits, *ENOB_RANGE))
        c_cell = cell_capacitance_f(ref.share_db, ref.conv_utilization, b_w - 1.0, tech)
        rows = ref.n_rows
        energies = {"dac": dac_energy_j(b_x, tech) / n_cols, "mac": switch_energy_j(c_cell, tech),
                    "adc": adc_energy_j(enob, law, tech) / rows}
        areas = {"dac": dac_area_m2(b_x, tech) / n_cols,
                 "mac": mac_cell_area_m2(c_cell, b_w, tech),
                 "adc": sar_adc_area_m2(enob, tech) / rows}
        rate = analog_rate(attrs, tech)
        active = sum_terms(energies, tuple(t for t in terms if t != "mac"), n)
        costs = BatchCosts({"compute": sum_terms(energies, terms, n)},
                           sum_terms(areas, terms, n), leakage_power_w(active, rate),
                           full(n, step_latency_s(rate)), full(n, rate))
        return costs, node

    @action
    def compute(self) -> ActionCost:
        """One integer multiply-accumulate with its shares of DAC and ADC (J, s, MAC/s)."""
        return self._cost("compute")

