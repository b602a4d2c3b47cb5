"""hwcomponents model of one MAC of a conventional aligned-fixed-point analog FP-CIM."""

from __future__ import annotations

from hwcomponents import ComponentModel

from grcim.physics.settings import (
    DEFAULT_ADC_LAW,
    DEFAULT_CELL_BITS,
    DEFAULT_CELL_TOPOLOGY,
    DEFAULT_N_COLS,
    DEFAULTS,
)
from grcim.plugins.models.batch import MacModel

__all__ = ["ConventionalFPMAC", "CONVENTIONAL_TERMS"]

#: Energy terms of ``grcim.physics.energy.per_mac.conventional_energy``, in its order.
CONVENTIONAL_TERMS = ("dac", "mac", "array", "adc", "digital")


class ConventionalFPMAC(MacModel, ComponentModel):
    """One MAC of direct-accumulation FP-CIM: inputs and weights aligned to one fixed-point
    scale (global, or each vector's max exponent), accumulated in the analog domain (the
    GR-MAC's baseline).

    ``compute`` costs exactly ``conventional_energy(...).total`` (or the sum of
    ``include_terms``) on the macro structure the attributes declare: DAC drives, cell steps
    and conversions per MAC from the slicing (``grcim.physics.energy.macro``). Area and
    leakage are per MAC with the same shares. The table also reports the ADC's share of the
    energy, the ADC bits per conversion and the conversions per MAC.

    Parameters
    ----------
    input_format, weight_format : str
        Operand formats before alignment (``fp8_e4m3``, ``bf16``, ``fp8_e2m5``, ...).
    n_rows : int
        Rows accumulated per ADC conversion, 1..4096.
    n_cols : int
        Bit lines one input row drives (weights per row = ``n_cols / n_weight_slices``).
    sqnr_target_db : float
        The SQNR standard, dB (6..100).
    noise_standard : {"sqnr", "total"}
        What the standard counts (quantization only, or thermal noise too).
    thermal_margin_db : float
        ``sqnr`` standard: thermal noise this far below it at full scale, dB.
    alignment : {"global", "vector_max"}
        One design-time grid, or each vector aligned to its largest exponent.
    dynamic_range_bits : float
        Input dynamic range the standard must hold over, octaves (0..40).
    cell_topology : {"bit_sliced", "binary_weighted", "c2c"}
        How the cells store a weight.
    dac_bits, n_input_slices, cell_bits, n_weight_slices : int or None
        Slicing (None: derived from the widths the standard needs).
    dac_kind : {"capacitive", "pulse"}
        Input drivers: binary-weighted capacitor DACs, or pulse counts on the word lines.
    cell_capacitance : float or None
        Unit capacitance of the cells as built, F; None: sized for the standard.
    adc_bits : float, "auto" or None
        Bits per conversion, 0.5..20 (what the ADC laws price); auto: derived from the
        standard and the slicing.
    adc_law : str
        ADC energy law: two_regime, thermal, walden, envelope (alias survey), hwcomponents.
    adc_rate : float or None
        Conversions/s of one ADC (the hwcomponents law depends on it).
    distribution : str
        Input/weight distribution of the ensemble.
    technology, tech_node
        Technology file or bundled node, and/or feature size (``technode``).
    throughput : float or None
        MACs per second of one cell; default: one DAC step per conversion period
        (``adc_rate``, else the technology's conversion rate) and ``n_input_slices`` steps
        per MAC. Latency is one MAC (``1 / throughput``); leakage is a share of the active
        power at this rate.
    include_terms : str
        ``"all"`` or a comma-separated subset of dac, mac, array, adc, digital.
    """

    component_name = ["conventional_fp_mac", "fp_cim_mac"]
    """Names in architecture files (``component_class``)."""
    priority = 0.9
    PIPELINE = "conventional"
    TERMS = CONVENTIONAL_TERMS
    VECTOR_ATTRIBUTES = ("dynamic_range_bits", "n_cols")
    """Per-point attributes of one ``evaluate`` call: the columns only set the weights per
    row drive (``resolve_slicing``), so a table prices every column count at once."""

    def __init__(
        self, input_format: str = DEFAULTS.input_format,
        weight_format: str = DEFAULTS.weight_format, n_rows: int = DEFAULTS.n_rows,
        n_cols: int = DEFAULT_N_COLS, sqnr_target_db: float = DEFAULTS.sqnr_target_db,
        noise_standard: str = DEFAULTS.noise_standard,
        thermal_margin_db: float = DEFAULTS.thermal_margin_db,
        alignment: str = DEFAULTS.alignment, dynamic_range_bits: float = 0.0,
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

