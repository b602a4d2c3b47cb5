"""hwcomponents model of a CIM column ADC under grcim's ADC energy laws (ENOB may be < 4)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hwcomponents import ActionCost, ComponentModel, action

from grcim.errors import ModelDomainError
from grcim.physics.energy.adc import ENOB_RANGE, RATE_RANGE_HZ, adc_energy_j
from grcim.physics.energy.area import leakage_power_w, sar_adc_area_m2
from grcim.physics.settings import (
    DEFAULT_ADC_LAW,
    DEFAULT_CELL_BITS,
    DEFAULT_CELL_TOPOLOGY,
    DEFAULT_N_COLS,
    DEFAULTS,
)
from grcim.physics.technology import Technology
from grcim.plugins.models.attributes import (
    PIPELINES,
    as_adc_law,
    as_choice,
    as_enob,
    as_int,
    as_number,
)
from grcim.plugins.models.batch import BatchCosts, TollModel, full
from grcim.plugins.models.ensemble import (
    analog_rate,
    dynamic_range,
    is_auto,
    macro_adc_bits,
)

__all__ = ["CIMADC"]


class CIMADC(TollModel, ComponentModel):
    """Column ADC priced by ``grcim.physics.energy.adc.adc_energy_j`` (Murmann-survey laws).

    Unlike ``hwcomponents-adc`` (ENOB >= 4), the analytic laws (two_regime, thermal,
    walden, envelope) serve any ENOB from 0.5 to 20 bits (``ENOB_RANGE``); the
    ``hwcomponents`` law is flat below 4 bits and is evaluated at this ADC's own rate
    (``throughput / n_adcs``).
    ``n_bits="auto"`` takes the bits of one conversion from the same per-MAC breakdown the
    MAC models price (``grcim.plugins.models.ensemble.macro_adc_bits``): the pipeline's
    operating point, the slicing (a sliced conversion needs fewer bits than a full one,
    never more than the lossless resolution of a slice's column sum) and the standard.

    Parameters
    ----------
    n_bits : float, "auto" or None
        Effective number of bits (ENOB) per conversion; ``None`` means ``"auto"``.
    adc_law : str
        two_regime, thermal, walden, envelope (alias survey) or hwcomponents.
    throughput : float or None
        Conversions per second of all ``n_adcs`` together (hwcomponents-adc convention);
        default ``n_adcs`` x the technology's conversion rate.
    n_adcs : int
        ADCs this instance stands for (area and leakage count all of them).
    pipeline : {"conventional", "grmac", "int"} or None
        Needed by ``n_bits="auto"``; the other attributes then describe the macro as for
        the MAC models (formats, rows, standard, normalization, alignment, slicing, integer
        widths ``input_bits``/``weight_bits`` or integer formats).
    technology, tech_node
        Technology file or bundled node, and/or feature size.
    """

    component_name = ["grcim_adc"]
    """Name in architecture files (``cim_adc``/``adc`` stay with hwcomponents-adc)."""
    priority = 0.9
    VECTOR_ATTRIBUTES = ("dynamic_range_bits",)

    def __init__(
        self, n_bits: float | str | None = None, adc_law: str = DEFAULT_ADC_LAW,
        throughput: float | None = None, n_adcs: int = 1, pipeline: str | None = None,
        sqnr_target_db: float = DEFAULTS.sqnr_target_db,
        noise_standard: str = DEFAULTS.noise_standard,
        thermal_margin_db: float = DEFAULTS.thermal_margin_db,
        input_format: str = DEFAULTS.input_format,
        weight_format: str = DEFAULTS.weight_format, n_rows: int = DEFAULTS.n_rows,
        n_cols: int = DEFAULT_N_COLS, normalization: str = DEFAULTS.normalization,
        gain_reference: str = DEFAULTS.gain_reference,
        weight_block: int = DEFAULTS.weight_block, alignment: str = DEFAULTS.alignment,
        dynamic_range_bits: float = 0.0, distribution: str = DEFAULTS.distribution,
        cell_topology: str = DEFAULT_CELL_TOPOLOGY, dac_bits: int | None = None,
        n_input_slices: int | None = None, cell_bits: int = DEFAULT_CELL_BITS,
        n_weight_slices: int | None = None, dac_kind: str = "capacitive",
        cell_capacitance: float | None = None, input_bits: int | None = None,
        weight_bits: int | None = None, technology: str | None = None,
        tech_node: float | str | None = None,
    ) -> None:
        self._setup(dict(locals()))

    @classmethod
    def costs_at(cls, attrs: dict[str, Any], n: int, tech: Technology) -> BatchCosts:
        law = as_adc_law(attrs.get("adc_law") or DEFAULT_ADC_LAW)
        n_adcs = as_int("n_adcs", attrs.get("n_adcs", 1), 1, 1 << 20)
        enob = as_enob("n_bits", _enob(attrs, n, tech))
        rate = analog_rate(attrs, tech, "throughput", n_adcs)
        energy = full(n, adc_energy_j(enob, law, tech, _per_adc_rate(rate, n_adcs)))
        return BatchCosts({"convert": energy, "read": energy},
                          n_adcs * sar_adc_area_m2(enob, tech), leakage_power_w(energy, rate),
                          full(n, n_adcs / rate), full(n, rate), {"adc_bits": enob})

    @action
    def convert(self) -> ActionCost:
        """One conversion (J; latency of one ADC, s; conversions/s of all ``n_adcs``)."""
        return self._cost("convert")


def _per_adc_rate(rate: float, n_adcs: int) -> float:
    """Conversions/s of one ADC (``rate`` of all ``n_adcs``), checked here against the rates
    an ADC may run at: the laws would name it ``adc_rate``, an attribute this model does not
    have, not the ``throughput`` and ``n_adcs`` it comes from."""
    per_adc = rate / n_adcs
    lo, hi = RATE_RANGE_HZ
    if not lo <= per_adc <= hi:
        raise ModelDomainError(
            "throughput / n_adcs", per_adc, f"conversions/s of one ADC from {lo:g} to {hi:g} "
            f"(throughput = {rate:g} for n_adcs = {n_adcs})")
    return per_adc


def _enob(attrs: dict[str, Any], n: int, tech: Any) -> np.ndarray:
    bits = attrs.get("n_bits")
    if not is_auto(bits):
        return full(n, as_number("n_bits", bits, *ENOB_RANGE))
    if attrs.get("pipeline") is None:
        raise ModelDomainError("n_bits", "auto", f"a number of effective bits "
                               f"({ENOB_RANGE[0]:g} to {ENOB_RANGE[1]:g}), or 'auto' with "
                               f"pipeline = {' | '.join(PIPELINES)}")
    pipeline = as_choice("pipeline", attrs["pipeline"], PIPELINES)
    d = dynamic_range(attrs, n)
    return full(n, macro_adc_bits(attrs, pipeline, d, tech))
