"""ADC energy per conversion under selectable laws (the law is reported with every result).

Laws (``enob`` in bits, real-valued; ``tech`` supplies the constants):

- ``two_regime`` (default): ``E = FOM_W 2**enob + (1/2) 10**((6.02 enob + 1.76 - FOM_S) / 10)``:
  the technology-limited term (comparator, SAR logic and capacitive DAC switching grow 2x per
  bit, Walden FOM) plus the thermal-noise-limited term (the sampling capacitor grows 4x per
  bit, Schreier FOM). A *sum*, not the larger of the two: both consumers are present in every
  converter and draw energy at once, the sum is smooth (the root finders and iso-energy
  crossings need no kinks), and near the crossover (11.6 bits with the bundled constants)
  the max would under-state the energy by up to 2x. At CIM resolutions (4-8 bits)
  the Walden term dominates, as in the survey (Murmann, "Energy limits in A/D converters",
  IEEE SSCS Magazine 2013: converters are technology-limited below ~10 bits and
  noise-limited above).
- ``thermal``: Schreier-FOM limited, ``E = (1/2) 10**((6.02 enob + 1.76 - FOM_S) / 10)``
  (from ``FOM_S = SNDR + 10 log10(BW / P)`` with ``BW = f_s / 2``); grows 4x per bit.
- ``walden``: ``E = FOM_W 2**enob``; grows 2x per bit.
- ``envelope``: best-case envelope of the Murmann survey, ``E = E_floor + k 4**enob``
  (nearly flat at 4 to 8 bits).
- ``hwcomponents``: the ``hwcomponents-adc`` model (Andrulis et al., arXiv 2404.06553, fitted
  to the Murmann survey) at the converter's own conversion rate (``rate_hz``, default
  ``tech.adc_rate_hz``): its energy rises with the rate above a few hundred MS/s at high
  resolution; it covers ENOB >= 4, below which its 4-bit energy is used (its energy is flat
  there); non-integer ENOB is interpolated in log energy.

The constants ``FOM_W`` and ``FOM_S`` of each bundled technology file are statistics of the
Murmann survey rows that ship with hwcomponents-adc (``adc_data/adc_list.csv``): see the
technology files and tests/plugins/test_adc_constants.py, which recomputes them.

Reference: B. Murmann, "ADC Performance Survey 1997-2025", Stanford.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import ArrayLike, NDArray

from grcim.errors import ModelDomainError
from grcim.physics.settings import DEFAULT_ADC_LAW
from grcim.physics.technology import ADC_RATE_RANGE_HZ, Technology

__all__ = ["ADC_LAWS", "DEFAULT_ADC_LAW", "adc_energy_j", "check_law",
           "hwcomponents_adc_available", "RATE_RANGE_HZ"]

ADC_LAWS: tuple[str, ...] = ("two_regime", "thermal", "walden", "envelope", "hwcomponents")
#: Resolutions the laws price, bits. 20: above the best converter among the survey rows
#: grcim ships (17.2 ENOB; 16.0 at 10 MS/s or more; physics/energy/adc_survey.py) with
#: margin; further out the laws extrapolate to converters nobody has built (a 23.6-bit
#: conversion priced 11 µJ at 28 nm). The arch files' ``adc_bits`` use the same bound.
ENOB_RANGE = (0.5, 20.0)
#: Conversion rates one ADC may be asked for, Hz (a technology file's own rate is checked
#: against the same range when it is loaded).
RATE_RANGE_HZ = ADC_RATE_RANGE_HZ


def check_law(law: str) -> str:
    if law not in ADC_LAWS:
        raise ModelDomainError("adc_law", law, f"one of {', '.join(ADC_LAWS)}")
    if law == "hwcomponents" and not hwcomponents_adc_available():
        raise ModelDomainError("adc_law", law, "needs the hwcomponents-adc package installed")
    return law


def hwcomponents_adc_available() -> bool:
    try:
        import hwcomponents_adc  # noqa: F401
    except ImportError:
        return False
    return True


@functools.lru_cache(maxsize=256)
def _hwc_energy(n_bits: int, tech_node_m: float, rate_hz: float) -> float:
    import logging

    from hwcomponents_adc import ADC

    logging.getLogger("hwcomponents").setLevel(logging.ERROR)
    return float(ADC(n_bits=n_bits, tech_node=tech_node_m, throughput=rate_hz).convert().energy)


def _hwc_law(enob: NDArray[np.float64], tech: Technology,
             rate_hz: float) -> NDArray[np.float64]:
    b = np.maximum(enob, 4.0)
    lo = np.floor(b).astype(int)
    frac = b - lo
    lut = {int(k): _hwc_energy(int(k), tech.node_m, float(rate_hz))
           for k in np.unique(np.concatenate([lo, lo + 1]))}
    e_lo = np.vectorize(lut.__getitem__, otypes=[float])(lo)
    e_hi = np.vectorize(lut.__getitem__, otypes=[float])(lo + 1)
    return np.exp(np.log(e_lo) * (1.0 - frac) + np.log(e_hi) * frac)


def _schreier_j(b: NDArray[np.float64], fom_db: float) -> NDArray[np.float64]:
    """Thermal-limited energy per conversion, J: ``P/f_s`` at ``FOM_S = SNDR + 10 log10(BW/P)``,
    ``BW = f_s / 2``, ``SNDR = 6.02 b + 1.76`` dB."""
    return 0.5 * 10.0 ** ((6.02 * b + 1.76 - fom_db) / 10.0)


def adc_energy_j(enob: ArrayLike, law: str, tech: Technology,
                 rate_hz: float | None = None) -> NDArray[np.float64]:
    """Energy of one conversion (J) at effective resolution ``enob`` (bits), vectorized.

    ``rate_hz`` is the conversion rate of one converter (only the ``hwcomponents`` law
    depends on it); default ``tech.adc_rate_hz``.
    """
    check_law(law)
    rate = tech.adc_rate_hz if rate_hz is None else float(rate_hz)
    if not (np.isfinite(rate) and RATE_RANGE_HZ[0] <= rate <= RATE_RANGE_HZ[1]):
        # the rate used (the technology's when none is given), not the argument: None named
        # neither the value nor where it came from
        source = "adc_rate" if rate_hz is not None else f"adc_rate_hz of technology {tech.name}"
        raise ModelDomainError(source, rate, f"a conversion rate from "
                               f"{RATE_RANGE_HZ[0]:g} to {RATE_RANGE_HZ[1]:g} Hz")
    b = np.asarray(enob, dtype=np.float64)
    if np.any(np.isnan(b)):  # an infeasible point (no resolution): no energy either
        out = np.full(b.shape, np.nan)
        out[~np.isnan(b)] = adc_energy_j(b[~np.isnan(b)], law, tech, rate_hz)
        return out
    if np.any((b < ENOB_RANGE[0]) | (b > ENOB_RANGE[1])):
        bad = float(b[(b < ENOB_RANGE[0]) | (b > ENOB_RANGE[1])].flat[0])
        raise ModelDomainError("enob", bad, f"between {ENOB_RANGE[0]} and {ENOB_RANGE[1]} bits")
    if law == "two_regime":
        return tech.adc_walden_fom_j * 2.0**b + _schreier_j(b, tech.adc_schreier_fom_db)
    if law == "thermal":
        return _schreier_j(b, tech.adc_schreier_fom_db)
    if law == "walden":
        return tech.adc_walden_fom_j * 2.0**b
    if law == "envelope":
        return tech.adc_envelope_floor_j + tech.adc_envelope_k_j * 4.0**b
    return _hwc_law(np.atleast_1d(b), tech, rate).reshape(b.shape)
