"""hwcomponents model of a CIM column ADC under grcim's ADC energy laws (ENOB may be < 4)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hwcomponents import ActionCost, ComponentModel, action

from grcim.errors import ModelDomainError
from grcim.plugins.energy.adc import ENOB_RANGE, adc_energy_j
from grcim.plugins.energy.area import leakage_power_w, sar_adc_area_m2
from grcim.plugins.models.attributes import (
    DEFAULT_SQNR_DB,
    DEFAULT_TECH_NODE_M,
    PIPELINES,
    as_adc_law,
    as_choice,
    as_enob,
    as_int,
    as_number,
)
from grcim.plugins.models.batch import BatchCosts, CostModel, full
from grcim.plugins.models.ensemble import (
    analog_rate,
    conventional_point,
    dynamic_range,
    grmac_point,
    node_of,
    reference_point,
)
from grcim.plugins.models.technode import NodeMap

__all__ = ["CIMADC"]


class CIMADC(CostModel, ComponentModel):
    """Column ADC priced by ``grcim.plugins.energy.adc.adc_energy_j`` (Murmann-survey laws).

    Unlike ``hwcomponents-adc`` (ENOB >= 4), the analytic laws (thermal, walden, envelope)
    serve any ENOB from 0.5 to 32 bits; the ``hwcomponents`` law is flat below 4 bits.
    ``n_bits="auto"`` sizes the ADC from ``sqnr_target_db`` with the pipeline's operating
    point: conventional ``B_adc0 + D``, GR-MAC ``B_gr`` (scale-free after output gain
    ranging), integer the aligned fixed-point requirement of the distribution.

    Parameters
    ----------
    n_bits : float, "auto" or None
        Effective number of bits (ENOB); ``None`` means ``"auto"``.
    adc_law : str
        thermal, walden, envelope (alias survey) or hwcomponents.
    throughput : float or None
        Conversions per second of all ``n_adcs`` together (hwcomponents-adc convention);
        default ``n_adcs`` x the technology's conversion rate.
    n_adcs : int
        ADCs this instance stands for (area and leakage count all of them).
    sqnr_target_db, pipeline, input_format, weight_format, n_rows, normalization,
    gain_reference, weight_block, dynamic_range_bits, distribution
        Used only by ``n_bits="auto"``; ``pipeline`` is conventional, grmac or int.
    slice_input_bits, slice_weight_bits : int or None
        Bit-sliced arrays: input bits per DAC step and weight bits per cell. With both given,
        ``n_bits="auto"`` never exceeds the lossless resolution of one slice's column sum,
        ``log2(n_rows (2**slice_input_bits - 1) (2**slice_weight_bits - 1) + 1)`` (a 1-bit x
        1-bit sum over 64 rows has 65 levels: 6.02 bits).
    tech_node : float
        Feature size, m.
    """

    component_name = ["grcim_adc"]
    """Name in architecture files (``cim_adc``/``adc`` stay with hwcomponents-adc)."""
    priority = 0.9
    VECTOR_ATTRIBUTES = ("dynamic_range_bits",)

    def __init__(
        self, n_bits: float | str | None = None, adc_law: str = "thermal",
        throughput: float | None = None, n_adcs: int = 1,
        sqnr_target_db: float = DEFAULT_SQNR_DB, pipeline: str | None = None,
        input_format: str = "fp8_e4m3", weight_format: str = "fp8_e4m3", n_rows: int = 64,
        normalization: str = "row", gain_reference: str = "fixed", weight_block: int = 32,
        dynamic_range_bits: float = 0.0, distribution: str = "gaussian",
        tech_node: float = DEFAULT_TECH_NODE_M, slice_input_bits: int | None = None,
        slice_weight_bits: int | None = None,
    ) -> None:
        self._setup(dict(locals()))

    @classmethod
    def evaluate(cls, attrs: dict[str, Any], n: int) -> tuple[BatchCosts, NodeMap]:
        node = node_of(attrs)
        tech = node.tech
        law = as_adc_law(attrs["adc_law"])
        n_adcs = as_int("n_adcs", attrs["n_adcs"], 1, 1 << 20)
        enob = as_enob("n_bits", _enob(attrs, n))
        energy = full(n, adc_energy_j(enob, law, tech))
        rate = analog_rate(attrs, tech, "throughput", n_adcs)
        costs = BatchCosts({"convert": energy, "read": energy},
                           n_adcs * sar_adc_area_m2(enob, tech), leakage_power_w(energy, rate),
                           full(n, n_adcs / rate), full(n, rate))
        return costs, node

    @action
    def convert(self) -> ActionCost:
        """One conversion (J; latency of one ADC, s; conversions/s of all ``n_adcs``)."""
        return self._cost("convert")

    @action
    def read(self) -> ActionCost:
        """Same as ``convert`` (AccelForge charges a ``Toll``'s traffic as ``read``)."""
        return self._cost("read")


def _enob(attrs: dict[str, Any], n: int) -> np.ndarray:
    bits = attrs["n_bits"]
    if not (bits is None or (isinstance(bits, str) and bits.strip().lower() == "auto")):
        return full(n, as_number("n_bits", bits, *ENOB_RANGE))
    if attrs.get("pipeline") is None:
        raise ModelDomainError("n_bits", "auto", f"a number of effective bits "
                               f"({ENOB_RANGE[0]:g} to {ENOB_RANGE[1]:g}), or 'auto' with "
                               f"pipeline = {' | '.join(PIPELINES)}")
    pipeline = as_choice("pipeline", attrs["pipeline"], PIPELINES)
    d = dynamic_range(attrs, n)
    if pipeline == "conventional":
        bits = conventional_point(attrs).conv_adc_bits + d
    elif pipeline == "grmac":
        bits = full(n, grmac_point(attrs).gr_adc_bits)
    else:
        bits = full(n, reference_point(attrs).conv_adc_bits)
    sx, sw = attrs.get("slice_input_bits"), attrs.get("slice_weight_bits")
    if sx is not None and sw is not None:
        rows = as_int("n_rows", attrs["n_rows"], 1, 1 << 20)
        levels = rows * (2 ** as_int("slice_input_bits", sx, 1, 16) - 1) * (
            2 ** as_int("slice_weight_bits", sw, 1, 16) - 1) + 1
        bits = np.minimum(bits, np.log2(levels))
    return bits
