"""Operating points and energy options the models derive from their attributes.

The operating point (ADC bits, operand widths, utilizations, gain octaves) comes from the
cached Monte Carlo of ``grcim.plugins.operating_point``: the first query per ensemble
(distribution, formats, rows per ADC, normalization, reference, weight block) takes a few seconds,
later ones microseconds; SQNR targets between cached 5 dB grid points are interpolated.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from grcim.plugins.energy.per_mac import EnergyOptions
from grcim.plugins.models.attributes import (
    GAIN_RANGE_RULES,
    as_adc_law,
    as_array,
    as_choice,
    as_distribution,
    as_format,
    as_gain_reference,
    as_int,
    as_int_array,
    as_normalization,
    as_number,
)
from grcim.plugins.models.technode import NodeMap, parse_tech_node, resolve_node
from grcim.plugins.operating_point import OperatingPoint, operating_point
from grcim.plugins.technology import Technology

__all__ = [
    "grmac_point", "conventional_point", "reference_point", "energy_options",
    "dynamic_range", "node_of", "analog_rate", "n_cols_array", "REFERENCE_FORMAT",
]

F64 = NDArray[np.float64]
#: Operand format of the near-continuous ensemble that sizes the integer baseline's ADC.
REFERENCE_FORMAT = "fp16"
#: Normalization and reference whose cached run the conventional numbers are read from (the
#: conventional fields of an operating point do not depend on them; sharing saves a run).
_CONVENTIONAL_RUN = ("row", "fixed", 32)


def _sqnr(attrs: dict[str, Any]) -> float:
    return as_number("sqnr_target_db", attrs["sqnr_target_db"], 6.0, 100.0)


def grmac_point(attrs: dict[str, Any]) -> OperatingPoint:
    """GR-MAC operating point from the ensemble attributes."""
    return operating_point(
        as_distribution(attrs["distribution"]),
        as_format("input_format", attrs["input_format"]),
        as_format("weight_format", attrs["weight_format"]),
        as_int("n_rows", attrs["n_rows"], 1, 4096), _sqnr(attrs),
        as_normalization(attrs["normalization"]), as_gain_reference(attrs["gain_reference"]),
        as_int("weight_block", attrs["weight_block"], 1, 1024))


def conventional_point(attrs: dict[str, Any]) -> OperatingPoint:
    """Operating point whose ``conv_*`` fields size the conventional pipeline."""
    return operating_point(
        as_distribution(attrs["distribution"]),
        as_format("input_format", attrs["input_format"]),
        as_format("weight_format", attrs["weight_format"]),
        as_int("n_rows", attrs["n_rows"], 1, 4096), _sqnr(attrs), *_CONVENTIONAL_RUN)


def reference_point(attrs: dict[str, Any]) -> OperatingPoint:
    """Near-continuous (``REFERENCE_FORMAT``) ensemble: ADC bits and utilization of an
    aligned fixed-point dot product of the distribution, used by the integer baseline."""
    return operating_point(
        as_distribution(attrs["distribution"]), REFERENCE_FORMAT, REFERENCE_FORMAT,
        as_int("n_rows", attrs["n_rows"], 1, 4096), _sqnr(attrs), *_CONVENTIONAL_RUN)


def energy_options(attrs: dict[str, Any], n_cols: F64 | int) -> EnergyOptions:
    """``EnergyOptions``; ``n_cols`` may be an array (the core only divides by it)."""
    rule = as_choice("gain_range_rule", attrs.get("gain_range_rule", "cover_range"),
                     GAIN_RANGE_RULES)
    law = as_adc_law(attrs.get("adc_law", "thermal"))
    return EnergyOptions(n_cols=n_cols, adc_law=law, gain_range_rule=rule)  # type: ignore[arg-type]


def n_cols_array(attrs: dict[str, Any], n: int) -> F64:
    """Columns per input at each point (integers 1..65536)."""
    return as_int_array("n_cols", attrs["n_cols"], 1, 65536, n)


def dynamic_range(attrs: dict[str, Any], n: int) -> F64:
    """Input dynamic range at each point, octaves (0 to 40)."""
    return np.broadcast_to(as_array("dynamic_range_bits", attrs["dynamic_range_bits"],
                                    0.0, 40.0), (n,)).astype(np.float64)


def node_of(attrs: dict[str, Any]) -> NodeMap:
    """Bundled technology serving ``tech_node`` (see ``technode``)."""
    return resolve_node(parse_tech_node(attrs["tech_node"]))


def analog_rate(attrs: dict[str, Any], tech: Technology, key: str = "throughput",
                instances: float = 1.0) -> float:
    """Actions/s of ``instances`` analog units: the attribute, or the technology's
    conversion rate per unit when it is not given."""
    value = attrs.get(key)
    if value is None:
        return instances * tech.adc_rate_hz
    return as_number(key, value, 1.0, 1e12)
