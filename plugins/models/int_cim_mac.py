"""hwcomponents model of one MAC of an integer analog CIM (the INT baseline)."""

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

__all__ = ["IntCIMMAC", "INT_TERMS"]

#: Energy terms of ``grcim.physics.energy.per_mac.integer_energy``, in its order.
INT_TERMS = ("dac", "mac", "array", "adc", "digital")


class IntCIMMAC(MacModel, ComponentModel):
    """One MAC of an integer charge-domain CIM running at its declared widths.

    Inputs of ``input_bits`` and weights of ``weight_bits`` (signed, calibrated per-tensor
    scales: ``grcim.physics.integer_point``) on the declared structure; no exponent logic
    (``digital`` is the shift-and-add of sliced conversions). The SQNR the widths deliver
    (operand rounding and the ADC, the standard's share for an automatic ADC) sets the
    cells: thermal noise ``thermal_margin_db`` below it at full scale. The table reports
    that delivered SQNR (``delivered_sqnr_db``) and the ADC's share of the energy.

    Parameters
    ----------
    input_bits, weight_bits : int
        Signed integer widths (sign included), 2..16. Required.
    n_rows, n_cols, cell_topology, dac_bits, n_input_slices, cell_bits, n_weight_slices,
    dac_kind, cell_capacitance, adc_bits, adc_law, adc_rate, technology, tech_node,
    throughput
        As for ``conventional_fp_mac`` (a declared ``cell_capacitance`` sets the thermal
        noise that enters the delivered SQNR instead).
    sqnr_target_db, noise_standard
        The standard an automatic ADC (``adc_bits`` auto) is sized for.
    thermal_margin_db : float
        Thermal noise this far below the delivered quantization SQNR at full scale, dB.
    distribution : str
        Input/weight distribution.
    include_terms : str
        ``"all"`` or a comma-separated subset of dac, mac, array, adc, digital.
    """

    component_name = ["int_cim_mac", "int_mac"]
    """Names in architecture files (``component_class``)."""
    priority = 0.9
    PIPELINE = "int"
    TERMS = INT_TERMS
    VECTOR_ATTRIBUTES = ("n_cols",)
    """Per-point attributes of one ``evaluate`` call: the columns only set the weights per
    row drive (``resolve_slicing``), so a table prices every column count at once."""

    def __init__(
        self, input_bits: int, weight_bits: int, n_rows: int = DEFAULTS.n_rows,
        n_cols: int = DEFAULT_N_COLS, adc_bits: float | str | None = None,
        sqnr_target_db: float = DEFAULTS.sqnr_target_db,
        noise_standard: str = DEFAULTS.noise_standard,
        thermal_margin_db: float = DEFAULTS.thermal_margin_db,
        cell_topology: str = DEFAULT_CELL_TOPOLOGY, dac_bits: int | None = None,
        n_input_slices: int | None = None, cell_bits: int = DEFAULT_CELL_BITS,
        n_weight_slices: int | None = None, dac_kind: str = "capacitive",
        cell_capacitance: float | None = None, adc_law: str = DEFAULT_ADC_LAW,
        adc_rate: float | None = None, distribution: str = DEFAULTS.distribution,
        technology: str | None = None, tech_node: float | str | None = None,
        throughput: float | None = None, include_terms: str = "all",
    ) -> None:
        self._setup(dict(locals()))

