"""Analog stages: DAC, charge-domain MAC cell (kT/C sizing), gain-ranging stage.

Charge-sharing MAC: N cells of capacitance C hold voltages ``V_s p_i / p_max`` and are
shorted together, so the node voltage is their average. With ``u = E[S**2] / (N p_max**2)``
(mean-square signal per row relative to a full-scale product; the *utilization*), the signal
power is ``V_s**2 u / N`` and the kT/C noise of the node ``kT / (N C)``:

    SNR = V_s**2 u C / kT   =>   C_thermal = kT SNR / (V_s**2 u)            (per cell)

independent of N (cell topologies, matching floors and slicing: ``cells.py``). Energy per
operation of a capacitor C switched through the swing: ``E = a C V_s V_dd`` (charge ``C V_s``
drawn from the supply ``V_dd``, activity ``a``). Reference: R. Schreier et al.,
"Design-oriented estimation of thermal noise in switched-capacitor circuits", IEEE TCAS-I
52(11), 2005.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from grcim.physics.technology import Technology

__all__ = [
    "switch_energy_j",
    "thermal_capacitance_f",
    "dac_energy_j",
    "dac_magnitude_bits",
    "gain_stage_energy_j",
]

F64 = NDArray[np.float64]


def switch_energy_j(c_f: ArrayLike, tech: Technology) -> F64:
    """Energy (J) to switch capacitance ``c_f`` (F) through the analog swing once."""
    return tech.activity * np.asarray(c_f, dtype=np.float64) * tech.analog_swing_v * tech.vdd_v


def thermal_capacitance_f(snr_db: ArrayLike, utilization: ArrayLike, tech: Technology) -> F64:
    """Per-cell capacitance (F) whose kT/C noise meets ``snr_db`` at ``utilization``."""
    snr = 10.0 ** (np.asarray(snr_db, dtype=np.float64) / 10.0)
    return tech.kt_j * snr / (tech.analog_swing_v**2 * np.asarray(utilization))


def dac_magnitude_bits(dac_bits: ArrayLike, n_input_slices: ArrayLike) -> F64:
    """Magnitude bits one DAC step converts (the sign only selects the drive's polarity).

    One step per input carries the whole signed input: ``d_x - 1`` magnitude bits. With
    several steps each carries a ``d_x``-bit magnitude digit of the input's magnitude, the
    sign applied by the row driver to every step (the sign-magnitude digits whose column
    sums ``grcim.physics.slicing_point`` converts).
    """
    d = np.asarray(dac_bits, dtype=np.float64)
    return np.where(np.asarray(n_input_slices, dtype=np.float64) > 1.0, d, d - 1.0)


def dac_energy_j(magnitude_bits: ArrayLike, tech: Technology) -> F64:
    """One conversion of a binary-weighted switched-capacitor DAC of ``magnitude_bits``.

    A charge-redistribution array of ``m`` magnitude bits holds ``2**m`` unit capacitors of
    ``C_min`` (``1, 2, ..., 2**(m-1)`` plus the terminating unit; McCreary and Gray, JSSC
    10(6), 1975); the row line it drives is the cells' capacitance, charged in the MAC term.
    """
    return switch_energy_j(tech.c_unit_min_f * 2.0 ** np.asarray(magnitude_bits,
                                                                  dtype=np.float64), tech)


def gain_stage_energy_j(octaves: ArrayLike, stage_cap_f: ArrayLike, tech: Technology) -> F64:
    """One gain application of a gain-ranging stage covering ``octaves`` of gain (J).

    The stage is a cascade of ``ceil(octaves)`` switched-capacitor halving steps, each
    bypassed or engaged by one bit of the gain code, each switching ``stage_cap_f`` (sized
    like the signal it carries) plus a one-flop control bit. Its cost grows linearly with the
    gain range it must cover.
    """
    n = np.ceil(np.maximum(np.asarray(octaves, dtype=np.float64), 0.0))
    per_step = switch_energy_j(np.maximum(stage_cap_f, tech.c_unit_min_f), tech) + tech.e_flop_bit_j
    return n * per_step
