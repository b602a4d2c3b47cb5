"""CIM cell topologies: capacitance sizing (matching floor, kT/C, physical ceiling) and the
energy one input step spends in a weight's cells.

With ``C_th = kT SNR / (V_s**2 u)`` the per-cell capacitance whose kT/C noise meets ``SNR``
at utilization ``u`` for an unsliced multi-bit cell (``grcim.physics.energy.analog``) and
``F`` the slicing factor of :func:`grcim.physics.energy.macro.slicing_noise_factor`:

============== ==================================== =================================
topology       capacitance                          energy per input step and weight
============== ==================================== =================================
bit_sliced     ``C_u = max(C_min, F C_th)`` per bit ``s_w a C_u V_s V_dd``
binary_weighted``max(2**(b_w - 1) C_min, F C_th)``   ``a C V_s V_dd``
c2c            ``C_u = max(C_min, F C_th / 2)``     ``3 s_w a C_u V_s V_dd``
============== ==================================== =================================

- **bit_sliced** (charge-domain SRAM CIM: one capacitor per bitcell, Valavi et al., JSSC
  54(6), 2019; Jia et al., JSSC 55(9), 2020): each cell stores one bit on a unit
  capacitor, its column is converted on its own; cost linear in bits.
- **binary_weighted**: a weight's magnitude bits set a binary-weighted capacitor array of
  ``2**(b_w - 1)`` unit capacitors (matching floor), charge-shared as one cell (Sinangil et
  al., JSSC 56(1), 2021: binary-weighted computation capacitors per 4-bit weight); cost
  exponential in bits.
- **c2c**: a C-2C ladder per weight (Wang et al., VLSI 2022 / JSSC 2023): per bit a shunt
  ``C_u`` switched by the bit and a series ``2 C_u`` (and a terminating ``C_u``), 3 unit
  capacitors per bit; the ladder's output is a source of Thevenin capacitance ``2 C_u``, so
  kT/C sizing gives ``C_u = C_th / 2``. All its capacitors are charged through the swing at
  activity ``a`` (an upper estimate: the series capacitors see less than the full swing).
  Cost linear in bits.

Ceiling: more capacitance per stored bit than the technology's ``c_cell_max_f`` (a
bit-sliced cell's ``C_u`` over its ``c_w`` bitcells, a ladder's ``3 C_u``, a binary-weighted
array over its ``b_w`` bitcells) is not a buildable memory array; the design is infeasible
(``ModelDomainError`` naming the capacitance needed and the ceiling), never priced. A declared
capacitance is held to the same ceiling (the error then names the declared value).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from grcim.errors import ModelDomainError
from grcim.physics.energy.analog import switch_energy_j, thermal_capacitance_f
from grcim.physics.energy.macro import Slicing, slicing_noise_factor
from grcim.physics.technology import Technology

__all__ = ["cell_capacitance_f", "cell_step_energy_j", "check_ceiling", "C2C_UNITS_PER_BIT",
           "thermal_snr_db", "capacitance_per_stored_bit_f", "declared_cause", "KTC_CAUSE"]

F64 = NDArray[np.float64]
#: Unit capacitors per bit of a C-2C ladder (shunt C + series 2C).
C2C_UNITS_PER_BIT = 3.0
#: Thevenin output capacitance of a C-2C ladder, in unit capacitors.
C2C_THEVENIN_UNITS = 2.0


#: Why a capacitance sized for the standard exceeds the ceiling (``check_ceiling``).
KTC_CAUSE = "the kT/C noise of this design point needs a larger capacitor per cell"


def check_ceiling(c_f: ArrayLike, tech: Technology, what: str = "cell_capacitance",
                  strict: bool = True, cause: str = KTC_CAUSE) -> F64:
    """``c_f`` if every value is within ``tech.c_cell_max_f``, else ``ModelDomainError``
    (``strict``) or NaN where it is exceeded (the design point is infeasible). ``cause``
    says whose capacitor it is: one sized for the kT/C noise, or a declared one."""
    c = np.asarray(c_f, dtype=np.float64)
    over = ~(c <= tech.c_cell_max_f)
    if np.any(over) and not strict:
        return np.where(over, np.nan, c)
    if np.any(over):
        need = float(np.max(c[over]))
        raise ModelDomainError(
            what, f"{need:.3g} F", f"at most {tech.c_cell_max_f:.3g} F (the technology's "
            f"c_cell_max_f): {cause} than a memory array holds; infeasible")
    return c


def declared_cause(declared_f: float) -> str:
    """``check_ceiling``'s cause for a declared unit capacitance."""
    return (f"the declared cell_capacitance = {declared_f:.3g} F puts more capacitance on "
            "each stored bit")


def cell_capacitance_f(sl: Slicing, snr_db: ArrayLike, utilization: ArrayLike,
                       tech: Technology, strict: bool = True,
                       declared_f: float | None = None) -> F64:
    """Capacitance of one cell (bit_sliced: per bit; c2c: the ladder unit ``C_u``;
    binary_weighted: the whole array), F, checked against the ceiling. ``declared_f``: the
    unit capacitance as built (a binary-weighted array is ``2**(b_w-1)`` of them)."""
    if declared_f is not None:  # as built, but held to the same ceiling (docs/models.md 5.1)
        units = 2.0 ** (sl.weight_bits - 1.0) if sl.topology == "binary_weighted" else 1.0
        c = np.broadcast_to(declared_f * units, np.shape(sl.weight_bits)).astype(np.float64)
        return _check_declared(sl, c, declared_f, tech, strict)
    c_th = thermal_capacitance_f(snr_db, utilization, tech) * slicing_noise_factor(sl)
    if sl.topology == "c2c":
        c_th = c_th / C2C_THEVENIN_UNITS
    if sl.topology == "binary_weighted":
        floor = tech.c_unit_min_f * 2.0 ** (sl.weight_bits - 1.0)
    else:
        floor = np.full_like(c_th, tech.c_unit_min_f)
    c = np.maximum(floor, c_th)
    ok = check_ceiling(capacitance_per_stored_bit_f(sl, c), tech, "capacitance_per_stored_bit",
                       strict=strict)
    return np.where(np.isnan(ok), np.nan, c)


def _check_declared(sl: Slicing, c: F64, declared_f: float, tech: Technology,
                    strict: bool) -> F64:
    """``c`` (the declared cells) within the ceiling per stored bit, else the error naming
    ``cell_capacitance`` and the largest declared value this cell holds (per stored bit is
    linear in it), or NaN where exceeded (not ``strict``)."""
    per_bit = capacitance_per_stored_bit_f(sl, c)
    over = ~(per_bit <= tech.c_cell_max_f)
    if not np.any(over):
        return c
    if not strict:
        return np.where(over, np.nan, c)
    worst = float(np.max(per_bit[over]))
    raise ModelDomainError(
        "cell_capacitance", declared_f,
        f"at most {declared_f * tech.c_cell_max_f / worst:.3g} F for this {sl.topology} "
        f"cell (the declared capacitor puts {worst:.3g} F on each stored bit, over the "
        f"technology's ceiling c_cell_max_f = {tech.c_cell_max_f:.3g} F per stored bit): "
        "not a buildable memory array; infeasible")


def capacitance_per_stored_bit_f(sl: Slicing, c_cell_f: ArrayLike) -> F64:
    """Capacitance above one stored bit, F (a binary-weighted array spreads over its bits,
    a C-2C ladder puts three units on each)."""
    c = np.asarray(c_cell_f, dtype=np.float64)
    if sl.topology == "binary_weighted":
        return c / sl.weight_bits
    if sl.topology == "c2c":
        return c * C2C_UNITS_PER_BIT
    return c / sl.cell_bits  # one capacitor over a c_w-bit cell's c_w bitcells


def thermal_snr_db(sl: Slicing, c_cell_f: ArrayLike, utilization: ArrayLike,
                   tech: Technology) -> F64:
    """Output SNR (dB) the cells' kT/C noise leaves at ``utilization`` (the inverse of the
    sizing above: ``u C V_s**2 / (kT F)``; a binary-weighted array counts as a whole)."""
    c = np.asarray(c_cell_f, dtype=np.float64)
    if sl.topology == "c2c":
        c = c * C2C_THEVENIN_UNITS
    snr = (np.asarray(utilization) * c * tech.analog_swing_v**2
           / (tech.kt_j * slicing_noise_factor(sl)))
    return 10.0 * np.log10(snr)


def cell_step_energy_j(sl: Slicing, c_cell_f: ArrayLike, tech: Technology) -> F64:
    """Energy one input step spends in one weight's cells, J (table in the module doc)."""
    # a C-2C cell is one ladder bit (MacroStructure refuses cell_bits > 1), so its cells
    # count its bits: a multi-bit cell was once priced as one bit
    units = {"bit_sliced": sl.n_weight_slices, "binary_weighted": np.ones_like(sl.weight_bits),
             "c2c": C2C_UNITS_PER_BIT * sl.n_weight_slices}[sl.topology]
    return units * switch_energy_j(c_cell_f, tech)
