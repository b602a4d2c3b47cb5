"""hwcomponents model of one Gain-Ranging MAC (GR-MAC, Rojkov et al., arXiv 2602.08081)."""

from __future__ import annotations

from hwcomponents import ComponentModel

from grcim.physics.settings import (
    DEFAULT_ADC_LAW,
    DEFAULT_CELL_BITS,
    DEFAULT_CELL_TOPOLOGY,
    DEFAULT_GAIN_RANGE_RULE,
    DEFAULT_N_COLS,
    DEFAULTS,
)
from grcim.plugins.models.batch import MacModel

__all__ = ["GainRangingMAC", "GRMAC_TERMS"]

#: Energy terms of ``grcim.physics.energy.per_mac.grmac_energy``, in its order.
GRMAC_TERMS = ("dac", "mac", "array", "gain_stage", "output_gain", "adc", "digital")


class GainRangingMAC(MacModel, ComponentModel):
    """One GR-MAC cell with its per-MAC share of DAC, gain ranging, ADC and digital logic.

    ``compute`` costs exactly ``grcim.physics.energy.per_mac.grmac_energy(...).total`` (or
    the sum of ``include_terms``) on the macro structure the attributes declare. Area and
    leakage are per MAC cell with the same shares. The table also reports the ADC's share
    of the energy, the ADC bits per conversion and the conversions per MAC.

    Parameters
    ----------
    input_format, weight_format : str
        Operand formats (``fp8_e4m3``, ``fp6_e2m3``, ``fp4``, ``bf16``, ``mxfp8_e4m3``, ...).
    n_rows : int
        Rows accumulated per ADC conversion, 1..4096.
    n_cols : int
        Bit lines one input row drives (weights per row = ``n_cols / n_weight_slices``).
    normalization : {"unit", "row", "int"}
        GR-MAC normalization granularity.
    gain_reference : {"fixed", "vector_max"}
        Gains relative to a design-time exponent, or to each vector's max (digital max tree).
    weight_block : int
        Columns sharing a weight-row exponent (``row``).
    sqnr_target_db, noise_standard, thermal_margin_db
        The SQNR standard and what it counts (as for ``conventional_fp_mac``).
    dynamic_range_bits : float
        Input dynamic range the SQNR must hold over, octaves (0..40).
    gain_range_rule : {"cover_range", "sqnr"}
        How far the gain range reaches below the reference (see ``EnergyOptions``).
    cell_topology, dac_bits, n_input_slices, cell_bits, n_weight_slices, dac_kind,
    cell_capacitance, adc_bits, adc_law, adc_rate, distribution, technology, tech_node,
    throughput
        As for ``conventional_fp_mac``.
    include_terms : str
        ``"all"`` or a comma-separated subset of dac, mac, array, gain_stage, output_gain,
        adc, digital (e.g. ``"mac"`` when the architecture prices converters separately).
    """

    component_name = ["gr_mac", "gain_ranging_mac"]
    """Names in architecture files (``component_class``)."""
    priority = 0.9
    """grcim's own component; no other model serves these names."""
    PIPELINE = "grmac"
    TERMS = GRMAC_TERMS
    VECTOR_ATTRIBUTES = ("dynamic_range_bits", "n_cols")
    """Per-point attributes of one ``evaluate`` call: the columns only set the weights per
    row drive (``resolve_slicing``), so a table prices every column count at once."""

    def __init__(
        self, input_format: str = DEFAULTS.input_format,
        weight_format: str = DEFAULTS.weight_format, n_rows: int = DEFAULTS.n_rows,
        n_cols: int = DEFAULT_N_COLS, normalization: str = DEFAULTS.normalization,
        gain_reference: str = DEFAULTS.gain_reference,
        weight_block: int = DEFAULTS.weight_block,
        sqnr_target_db: float = DEFAULTS.sqnr_target_db,
        noise_standard: str = DEFAULTS.noise_standard,
        thermal_margin_db: float = DEFAULTS.thermal_margin_db,
        dynamic_range_bits: float = 0.0, gain_range_rule: str = DEFAULT_GAIN_RANGE_RULE,
        cell_topology: str = DEFAULT_CELL_TOPOLOGY, dac_bits: int | None = None,
        n_input_slices: int | None = None, cell_bits: int = DEFAULT_CELL_BITS,
        n_weight_slices: int | None = None, dac_kind: str = "capacitive",
        cell_capacitance: float | None = None, adc_bits: float | str | None = None,
        adc_law: str = DEFAULT_ADC_LAW, adc_rate: float | None = None,
        distribution: str = DEFAULTS.distribution, technology: str | None = None,
        tech_node: float | str | None = None, throughput: float | None = None,
        include_terms: str = "all",
    ) -> None:
        self._setup(dict(locals()))

