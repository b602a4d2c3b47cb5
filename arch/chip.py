"""Chip-level parameters: global SRAM, DRAM, digital vector unit, data placement.

Every memory and the vector unit carry explicit per-action energies and bandwidths, so the
grcim mapper never depends on an external memory model (the AccelForge nodes in the same
file reference these very numbers through ``arch.variables``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from grcim.arch.cim import MacroSpec
from grcim.arch.rules import rule_error

__all__ = [
    "DramKind",
    "KvCachePlacement",
    "DynamicMatmulUnit",
    "SramSpec",
    "DramSpec",
    "VectorUnitSpec",
    "ChipSpec",
    "VectorOp",
]

_FROZEN = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class DramKind(StrEnum):
    """Off-chip memory technology (informational; the numbers below are what count)."""

    LPDDR4 = "lpddr4"
    LPDDR4X = "lpddr4x"
    LPDDR5 = "lpddr5"
    LPDDR5X = "lpddr5x"
    DDR4 = "ddr4"
    DDR5 = "ddr5"
    GDDR6 = "gddr6"
    HBM2 = "hbm2"
    HBM2E = "hbm2e"
    HBM3 = "hbm3"
    HBM3E = "hbm3e"


class KvCachePlacement(StrEnum):
    """Where the attention key/value cache lives."""

    SRAM = "sram"
    DRAM = "dram"
    CIM = "cim"


class DynamicMatmulUnit(StrEnum):
    """Where matmuls with two dynamic operands (QK^T, PV) run."""

    VECTOR_UNIT = "vector_unit"
    CIM = "cim"


VectorOp = Literal["add", "mul", "exp", "div"]


class SramSpec(BaseModel):
    """On-chip global SRAM (buffer between DRAM and the macros)."""

    model_config = _FROZEN

    size_bytes: int = Field(gt=0, le=2**50)
    """Capacity, bytes."""
    read_bandwidth_bytes_per_s: float = Field(gt=0, le=1e16)
    """Sustained read bandwidth, bytes/s."""
    write_bandwidth_bytes_per_s: float = Field(gt=0, le=1e16)
    """Sustained write bandwidth, bytes/s."""
    read_energy_per_bit_j: float = Field(ge=0, le=1e-9)
    """Energy per bit read, J/bit."""
    write_energy_per_bit_j: float = Field(ge=0, le=1e-9)
    """Energy per bit written, J/bit."""
    area_m2: float = Field(ge=0, le=1e-2)
    """Silicon area, m²."""
    leak_power_w: float = Field(ge=0, le=1e3)
    """Leakage power, W."""


class DramSpec(BaseModel):
    """Off-chip DRAM."""

    model_config = _FROZEN

    kind: DramKind
    """Technology: lpddr4/4x/5/5x, ddr4/5, gddr6, hbm2/2e/3/3e."""
    size_bytes: int = Field(gt=0, le=2**60)
    """Capacity, bytes."""
    bandwidth_bytes_per_s: float = Field(gt=0, le=1e16)
    """Peak bandwidth (reads and writes share it), bytes/s."""
    read_energy_per_bit_j: float = Field(ge=0, le=1e-9)
    """Energy per bit read (device + interface), J/bit."""
    write_energy_per_bit_j: float = Field(ge=0, le=1e-9)
    """Energy per bit written (device + interface), J/bit."""


class VectorUnitSpec(BaseModel):
    """Digital SIMD unit for softmax, norms, activations and dynamic matmuls."""

    model_config = _FROZEN

    throughput_ops_per_s: float = Field(gt=0, le=1e18)
    """Elementwise operations per second (one add, mul, exp or div each), ops/s."""
    add_energy_j: float = Field(ge=0, le=1e-6)
    """Energy of one add, J."""
    mul_energy_j: float = Field(ge=0, le=1e-6)
    """Energy of one multiply, J."""
    exp_energy_j: float = Field(ge=0, le=1e-6)
    """Energy of one exponential, J."""
    div_energy_j: float = Field(ge=0, le=1e-6)
    """Energy of one division, J."""
    area_m2: float = Field(ge=0, le=1e-2)
    """Silicon area, m²."""
    leak_power_w: float = Field(ge=0, le=1e3)
    """Leakage power, W."""

    def energy_per_op_j(self, op: VectorOp) -> float:
        """Energy of one operation of kind ``op`` (add, mul, exp, div), J."""
        return float(getattr(self, f"{op}_energy_j"))


class ChipSpec(BaseModel):
    """A chip: ``n_macros`` identical macros plus SRAM, DRAM and a vector unit."""

    model_config = _FROZEN

    n_macros: int = Field(gt=0, le=1_048_576)
    """Number of identical CIM macros."""
    macro: MacroSpec
    """The macro every one of the ``n_macros`` instances uses."""
    sram: SramSpec
    """Global on-chip SRAM."""
    dram: DramSpec
    """Off-chip DRAM."""
    vector: VectorUnitSpec
    """Digital vector unit."""
    kv_cache_placement: KvCachePlacement
    """Where the KV cache lives: ``sram`` | ``dram`` | ``cim``."""
    dynamic_matmul_unit: DynamicMatmulUnit
    """Where QK^T and PV run: ``vector_unit`` | ``cim``."""

    @model_validator(mode="after")
    def _kv_in_cim_read_in_cim(self) -> Self:
        # K and V held in the macros are operands only there: QK^T and PV cannot run on the
        # vector unit. Checked here so that validate refuses the file as map does, with the
        # file, line and key (the mapper keeps its own check for specs built in code).
        if (self.kv_cache_placement is KvCachePlacement.CIM
                and self.dynamic_matmul_unit is not DynamicMatmulUnit.CIM):
            raise rule_error("kv_cache_placement", '"sram" or "dram" unless '
                             'dynamic_matmul_unit is "cim" (it is '
                             f'"{self.dynamic_matmul_unit.value}"): K and V kept in the '
                             "macros are read there, so QK^T and PV must run in CIM")
        return self

    @property
    def total_weights(self) -> int:
        """Weight values all macros hold at once."""
        return self.n_macros * self.macro.weights_per_macro
