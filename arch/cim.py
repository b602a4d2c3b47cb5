"""The CIM macro parameters grcim reads from an arch file (``arch.variables``).

A macro is an array of ``rows x cols`` memory cells that computes analog
multiply-accumulates: inputs enter on the rows through DACs, products are summed on the
columns, and groups of ``rows_per_adc`` rows are converted by an ADC. Three pipelines are
modelled: ``conventional`` (floating-point values aligned to one widened fixed-point scale,
direct analog accumulation), ``grmac`` (Gain-Ranging MAC: local normalization of inputs,
weights and MAC outputs, Rojkov et al., arXiv 2602.08081) and ``int`` (integer analog CIM).
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from grcim.arch.formats import FormatInfo, format_problem, parse_format
from grcim.arch.rules import rule_error
from grcim.physics.energy.adc import ENOB_RANGE
from grcim.physics.energy.macro import MAX_SLICES

__all__ = ["Pipeline", "Normalization", "AdcLaw", "MacroSpec", "COMPUTE_CLASS", "CellTopology",
           "NoiseStandard", "Alignment", "GainReference"]


class Pipeline(StrEnum):
    """How a macro computes a MAC."""

    CONVENTIONAL = "conventional"
    GRMAC = "grmac"
    INT = "int"


class Normalization(StrEnum):
    """GR-MAC normalization variant (paper section on local normalization)."""

    UNIT = "unit"
    ROW = "row"
    INT = "int"


class AdcLaw(StrEnum):
    """ADC energy law the estimator plug-in applies (reported with every result)."""

    TWO_REGIME = "two_regime"
    THERMAL = "thermal"
    WALDEN = "walden"
    ENVELOPE = "envelope"
    HWCOMPONENTS = "hwcomponents"


class CellTopology(StrEnum):
    """How the cells store a weight (docs/models.md §5.1)."""

    BIT_SLICED = "bit_sliced"
    BINARY_WEIGHTED = "binary_weighted"
    C2C = "c2c"


class NoiseStandard(StrEnum):
    """What the SQNR standard counts: quantization only, or thermal noise too."""

    SQNR = "sqnr"
    TOTAL = "total"


class Alignment(StrEnum):
    """Conventional FP-CIM alignment: one design-time grid, or each vector's max exponent."""

    GLOBAL = "global"
    VECTOR_MAX = "vector_max"


class GainReference(StrEnum):
    """GR-MAC gain reference: a fixed design-time exponent, or each vector's max."""

    FIXED = "fixed"
    VECTOR_MAX = "vector_max"


COMPUTE_CLASS: dict[Pipeline, str] = {
    Pipeline.CONVENTIONAL: "conventional_fp_mac",
    Pipeline.GRMAC: "gr_mac",
    Pipeline.INT: "int_cim_mac",
}
"""hwcomponents ``component_class`` of the per-MAC compute node for each pipeline."""

_FROZEN = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class MacroSpec(BaseModel):
    """One CIM macro: array geometry, data converters, formats and bit-slicing."""

    model_config = _FROZEN

    pipeline: Pipeline
    """MAC pipeline: ``conventional`` | ``grmac`` | ``int``."""
    normalization: Normalization | None = None
    """GR-MAC normalization variant ``unit`` | ``row`` | ``int``; required for ``grmac``,
    must be absent otherwise."""
    input_format: str
    """Input (activation) number format, see :data:`grcim.arch.formats.FORMAT_GRAMMAR`."""
    weight_format: str
    """Weight number format, same grammar."""
    rows: int = Field(gt=0, le=65536)
    """Cell rows (word lines) of the array; each row receives one input per step."""
    cols: int = Field(gt=0, le=65536)
    """Cell columns (bit lines) of the array."""
    rows_per_adc: int = Field(gt=0, le=4096)
    """Rows whose products are summed in the analog domain before one ADC conversion
    (the GR-MAC ``n_rows``, which grcim's models cover up to 4096); must divide ``rows``."""
    adcs_per_macro: int = Field(gt=0, le=1_048_576)
    """Physical ADCs per macro (column outputs are multiplexed onto them)."""
    adc_rate_hz: float = Field(gt=0, le=1e12)
    """Conversion rate of one ADC, conversions per second (Hz)."""
    adc_bits: int | Literal["auto"] = "auto"
    """ADC resolution, bits; ``"auto"`` lets the ADC plug-in size it from
    ``sqnr_target_db``."""
    adc_law: AdcLaw = AdcLaw.TWO_REGIME
    """ADC energy law (same names as ``grcim.physics.energy.adc.ADC_LAWS``): ``two_regime``
    (default: Walden 2^N plus Schreier 4^N) | ``thermal`` (Schreier FOM, 4^N) | ``walden``
    (2^N) | ``envelope`` (Murmann-survey best-case envelope) | ``hwcomponents`` (the
    hwcomponents-adc survey model at ``adc_rate_hz``)."""
    sqnr_target_db: float = Field(ge=6, le=100)
    """Signal-to-quantization-noise target of one MAC output, dB (6 to 100, the range
    grcim's SQNR models cover)."""
    noise_standard: NoiseStandard = NoiseStandard.SQNR
    """What ``sqnr_target_db`` counts: ``sqnr`` (quantization; thermal noise designed
    ``thermal_margin_db`` below it at full scale) | ``total`` (thermal noise included at
    every input scale)."""
    thermal_margin_db: float = Field(default=10.0, ge=0, le=40)
    """``sqnr`` standard: thermal noise this far below the standard at full scale, dB."""
    cell_topology: CellTopology = CellTopology.BIT_SLICED
    """How the cells store a weight: ``bit_sliced`` (one unit capacitor per bit, one
    conversion per bit column) | ``binary_weighted`` (one capacitor array per weight) |
    ``c2c`` (a C-2C ladder over the weight's cells, one conversion per weight)."""
    alignment: Alignment = Alignment.GLOBAL
    """Conventional pipeline only: ``global`` (one design-time fixed-point grid) |
    ``vector_max`` (each vector aligned to its largest exponent)."""
    gain_reference: GainReference = GainReference.FIXED
    """GR-MAC only: ``fixed`` (design-time exponent window) | ``vector_max`` (digital max
    tree per vector)."""
    dac_bits: int = Field(gt=0, le=16)
    """Input bits per DAC step: with one step per input, the signed input (sign included);
    with several, one magnitude digit each (the sign sets every step's polarity)."""
    n_input_slices: int = Field(gt=0, le=MAX_SLICES)
    """Input slices (DAC steps) per input value: bit-serial inputs use several."""
    cell_bits: int = Field(gt=0, le=8)
    """Weight bits stored per cell, bits."""
    n_weight_slices: int = Field(gt=0, le=MAX_SLICES)
    """Cells (adjacent columns) holding one weight value."""
    weight_write_energy_per_row_j: float = Field(ge=0, le=1e-3)
    """Energy to write one cell row (``cols`` cells), J."""
    weight_write_latency_per_row_s: float = Field(ge=0, le=1.0)
    """Time to write one cell row, s."""

    @field_validator("input_format", "weight_format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        problem = format_problem(value)  # the physics' reason and grammar, one source
        if problem is not None:
            raise ValueError(f"must be {problem}")
        return value

    @field_validator("adc_bits", mode="before")
    @classmethod
    def _adc_bits_range(cls, value: object) -> object:
        if value == "auto":
            return value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        top = int(ENOB_RANGE[1])  # what the ADC laws price
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
            raise ValueError(f"must be 1..{top} bits or 'auto'")
        return int(value)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.pipeline is Pipeline.GRMAC and self.normalization is None:
            raise rule_error("normalization",
                             "required for pipeline 'grmac' (unit, row or int)")
        if self.pipeline is not Pipeline.GRMAC and self.normalization is not None:
            raise rule_error("normalization",
                             f"only for pipeline 'grmac', not {self.pipeline}")
        if self.rows % self.rows_per_adc:
            raise rule_error("rows_per_adc",
                             f"{self.rows_per_adc} must divide rows={self.rows}")
        if self.adcs_per_macro % self.n_row_groups:
            raise rule_error(
                "adcs_per_macro", f"{self.adcs_per_macro} must be a multiple of the "
                f"{self.n_row_groups} row groups (rows / rows_per_adc)")
        if self.cell_topology is CellTopology.BINARY_WEIGHTED and self.n_weight_slices != 1:
            raise rule_error("n_weight_slices", "a binary_weighted cell holds a whole weight "
                             f"(1 cell per weight), not {self.n_weight_slices}")
        if self.n_weight_slices > self.cols:
            raise rule_error("n_weight_slices",
                             f"{self.n_weight_slices} exceeds cols={self.cols}")
        if self.pipeline is Pipeline.INT:
            for field in ("input_format", "weight_format"):
                info = self.format_info(field)
                if info.kind != "int":
                    raise rule_error(field, "pipeline 'int' needs an integer format")
                if info.block_scaled:
                    # the int models price plain integers only (their widths come from
                    # int<N>); refused here, with the line, rather than by a node's model
                    raise rule_error(field, "pipeline 'int' needs a plain integer format "
                                     "int<2..16>: its models do not price MX block scales")
        return self

    def format_info(self, field: Literal["input_format", "weight_format"]) -> FormatInfo:
        """Bit layout of the input or weight format."""
        info = parse_format(getattr(self, field))
        if info is None:  # pragma: no cover - excluded by the field validator
            raise ValueError(field)
        return info

    @property
    def compute_class(self) -> str:
        """hwcomponents ``component_class`` of this macro's per-MAC compute."""
        return COMPUTE_CLASS[self.pipeline]

    @property
    def n_row_groups(self) -> int:
        """Row groups converted separately: ``rows / rows_per_adc``."""
        return self.rows // self.rows_per_adc

    @property
    def adcs_per_row_group(self) -> int:
        """ADCs serving one row group: ``adcs_per_macro // n_row_groups``."""
        return self.adcs_per_macro // self.n_row_groups

    @property
    def weights_per_macro(self) -> int:
        """Weight values the array holds: ``rows * floor(cols / n_weight_slices)``."""
        return self.rows * (self.cols // self.n_weight_slices)

    @property
    def converted_slices(self) -> int:
        """Conversions per weight and input slice: every bit column for ``bit_sliced``
        cells, one per weight when the cells combine its bits in the analog domain."""
        return self.n_weight_slices if self.cell_topology is CellTopology.BIT_SLICED else 1

    @property
    def conversions_per_input_vector(self) -> int:
        """ADC conversions for one full-array matrix-vector product (all slices).

        Every converted column of every row group is converted once per input slice.
        """
        converted = self.cols // self.n_weight_slices * self.converted_slices
        return converted * self.n_row_groups * self.n_input_slices

    @property
    def mvm_time_s(self) -> float:
        """Time of one full-array matrix-vector product when ADCs are the bottleneck, s."""
        conversions_per_adc = math.ceil(self.conversions_per_input_vector / self.adcs_per_macro)
        return conversions_per_adc / self.adc_rate_hz

    @property
    def weight_load_time_s(self) -> float:
        """Time to rewrite every row of the array, s."""
        return self.rows * self.weight_write_latency_per_row_s

    @property
    def weight_load_energy_j(self) -> float:
        """Energy to rewrite every row of the array, J."""
        return self.rows * self.weight_write_energy_per_row_j
