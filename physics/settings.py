"""The operating-point settings shared by the physics, the plug-ins, ``paper`` and the arch
files, with their defaults in one place.

An :class:`Ensemble` names the statistical experiment an operating point is derived from
(operand distribution and formats, rows per conversion, the SQNR standard and how noise is
budgeted, the GR-MAC normalization and the conventional alignment). Everything that prices a
macro starts from one of these records; the defaults below are the project's defaults
everywhere (a default changed here changes it for every command).

Noise standards (``noise_standard``): the paper states its standard as an SQNR, so the
default is ``sqnr``:

- ``sqnr``: the standard counts quantization noise only (ADC, operand rounding and
  alignment, gain-range flushing), split into ``QUANTIZATION_SHARES`` equal shares; the
  analog thermal noise is designed ``thermal_margin_db`` below the standard at the top of the
  input range (full scale) and is not part of the standard at smaller scales;
- ``total``: thermal noise is one more share of the standard and must meet it at every input
  scale (thermal noise does not shrink with the signal, so small vectors need larger
  capacitors: +6.02 dB per octave of input dynamic range).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from grcim.errors import ModelDomainError

__all__ = [
    "Ensemble", "DEFAULTS", "NOISE_STANDARDS", "ALIGNMENTS", "NORMALIZATIONS",
    "GAIN_REFERENCES", "CELL_TOPOLOGIES", "GAIN_RANGE_RULES", "PIPELINES",
    "DEFAULT_ADC_LAW", "DEFAULT_TECHNOLOGY", "DEFAULT_N_COLS", "DEFAULT_CELL_TOPOLOGY",
    "DEFAULT_CELL_BITS", "DEFAULT_GAIN_RANGE_RULE", "QUANTIZATION_SHARES", "TOTAL_SHARES",
    "SQNR_RANGE_DB",
]

NOISE_STANDARDS: tuple[str, ...] = ("sqnr", "total")
#: Conventional FP-CIM alignment: one design-time grid, or each vector's max exponent.
ALIGNMENTS: tuple[str, ...] = ("global", "vector_max")
#: GR-MAC normalization granularity.
NORMALIZATIONS: tuple[str, ...] = ("unit", "row", "int")
#: GR-MAC gain reference: a fixed design-time exponent window or each vector's max.
GAIN_REFERENCES: tuple[str, ...] = ("vector_max", "fixed")
#: How a weight is stored: one unit capacitor per bit (weight bits over columns, one
#: conversion per bit column), one binary-weighted capacitor array per weight, or a C-2C
#: ladder per weight (weight bits over cells, combined in the analog domain).
CELL_TOPOLOGIES: tuple[str, ...] = ("bit_sliced", "binary_weighted", "c2c")
#: How far the GR-MAC gain range reaches below the reference (docs/models.md §5.4).
GAIN_RANGE_RULES: tuple[str, ...] = ("cover_range", "sqnr")
#: Pipelines a macro can run.
PIPELINES: tuple[str, ...] = ("conventional", "grmac", "int")
#: Equal shares of the standard: quantization only (ADC, alignment) or with thermal noise.
QUANTIZATION_SHARES = 2
TOTAL_SHARES = 3
#: SQNR standards the operating point serves, dB.
SQNR_RANGE_DB = (6.0, 100.0)

DEFAULT_ADC_LAW = "two_regime"
DEFAULT_TECHNOLOGY = "28nm"
#: Bit lines one input row drives (a 256-column array, as in the bundled macros).
DEFAULT_N_COLS = 256
DEFAULT_CELL_TOPOLOGY = "bit_sliced"
#: Weight bits per cell (SRAM bitcells hold one bit).
DEFAULT_CELL_BITS = 1
DEFAULT_GAIN_RANGE_RULE = "cover_range"


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ModelDomainError(name, value, f"one of {', '.join(allowed)}")


@dataclass(frozen=True)
class Ensemble:
    """The experiment an operating point is derived from (defaults = the project's).

    Attributes
    ----------
    distribution : str
        Operand distribution (``grcim.physics.distributions``).
    input_format, weight_format : str
        Operand formats (``grcim.physics.formats`` grammar).
    n_rows : int
        Rows accumulated per ADC conversion (N), 1..4096.
    sqnr_target_db : float
        The SQNR standard, dB.
    noise_standard : {"sqnr", "total"}
        What the standard counts (module docstring).
    thermal_margin_db : float
        ``sqnr`` standard: how far below the standard the thermal noise is designed at full
        scale, dB (10 dB: thermal noise power a tenth of the quantization noise, costing
        0.41 dB of end-to-end SNR at full scale).
    normalization : {"unit", "row", "int"}
        GR-MAC normalization granularity.
    gain_reference : {"fixed", "vector_max"}
        GR-MAC gain reference.
    weight_block : int
        ``row``: columns sharing one weight-row exponent.
    alignment : {"global", "vector_max"}
        Conventional FP-CIM alignment (one design-time grid, or each vector's max exponent).
    n_samples : int
        Dot products drawn for the Monte Carlo: 3000, the paper's energy stage too, so the
        plug-ins, tables, ``map`` and ``paper`` price one design. The conventional macro's
        energy rests on its oracle clipping level, the argument of a flat minimum: it moves
        by about +-10 % with the seed or the sample count (docs/models.md §4); the GR-MAC's
        by under 2 %.
    seed : int
        Seed of the draw (same seed, same numbers).
    """

    distribution: str = "gaussian"
    input_format: str = "fp8_e4m3"
    weight_format: str = "fp8_e4m3"
    n_rows: int = 64
    sqnr_target_db: float = 35.0
    noise_standard: str = "sqnr"
    thermal_margin_db: float = 10.0
    normalization: str = "row"
    gain_reference: str = "fixed"
    weight_block: int = 32
    alignment: str = "global"
    n_samples: int = 3000
    seed: int = 0

    def validated(self) -> Ensemble:
        """This record after checking every field (raises ``ModelDomainError``)."""
        from grcim.physics.distributions import DISTRIBUTIONS
        from grcim.physics.formats import get_format

        _choice("distribution", self.distribution, tuple(DISTRIBUTIONS))
        get_format(self.input_format)
        get_format(self.weight_format)
        if not 1 <= int(self.n_rows) <= 4096 or int(self.n_rows) != self.n_rows:
            raise ModelDomainError("n_rows", self.n_rows, "an integer from 1 to 4096")
        lo, hi = SQNR_RANGE_DB
        if not lo <= float(self.sqnr_target_db) <= hi:
            raise ModelDomainError("sqnr_target_db", self.sqnr_target_db,
                                   f"a number from {lo:g} to {hi:g} dB")
        _choice("noise_standard", self.noise_standard, NOISE_STANDARDS)
        if not 0.0 <= float(self.thermal_margin_db) <= 40.0:
            raise ModelDomainError("thermal_margin_db", self.thermal_margin_db,
                                   "a number from 0 to 40 dB")
        _choice("normalization", self.normalization, NORMALIZATIONS)
        _choice("gain_reference", self.gain_reference, GAIN_REFERENCES)
        if not 1 <= int(self.weight_block) <= 1024:
            raise ModelDomainError("weight_block", self.weight_block,
                                   "an integer from 1 to 1024")
        _choice("alignment", self.alignment, ALIGNMENTS)
        if not 100 <= int(self.n_samples) <= 2_000_000:
            raise ModelDomainError("n_samples", self.n_samples, "from 100 to 2000000")
        return self

    def with_(self, **changes: object) -> Ensemble:
        """Copy with ``changes`` (``dataclasses.replace``)."""
        return replace(self, **changes)  # type: ignore[arg-type]


#: The project's defaults.
DEFAULTS = Ensemble()
