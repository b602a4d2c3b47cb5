"""Iso-energy dynamic-range gain: how much more input dynamic range the same energy buys.

Definition: with ``E_conv(D)`` and ``E_gr(D)`` the energies per MAC at input dynamic range
``D`` (octaves) and a reference ``D_ref``,

    gain = sup{ D : E_gr(D) <= E_conv(D_ref) } - D_ref.

Both curves are non-decreasing in ``D``. Status ``bounded``: the GR-MAC curve crosses the
reference energy inside the grid (linear interpolation at the crossing); ``unbounded``: the
GR-MAC stays below it over the whole grid (the gain is at least ``grid_max - D_ref``);
``never``: the GR-MAC already costs more at ``D = 0`` (the gain is reported as the negative
distance ``D_ref - D'`` with ``E_conv(D') = E_gr(0)``, or None if even that does not exist:
the conventional design's feasible energies all stay below ``E_gr(0)``, whether its curve
runs to the end of the grid or stops where its cells exceed the capacitance ceiling, since
the end of its feasibility is not a point where it costs ``E_gr(0)``);
``reference_infeasible``: the conventional design cannot be built at ``D_ref`` (its cells
exceed the capacitance ceiling), so there is no reference energy and no gain (None).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from grcim.errors import ModelDomainError

__all__ = ["IsoEnergyGain", "iso_energy_gain"]


@dataclass(frozen=True)
class IsoEnergyGain:
    """Result of :func:`iso_energy_gain`.

    Attributes
    ----------
    gain_bits : float or None
        Iso-energy dynamic-range gain, octaves (a lower bound when ``unbounded``).
    status : {"bounded", "unbounded", "never", "reference_infeasible"}
        See the module docstring.
    reference_energy_j : float or None
        ``E_conv(D_ref)``, J per MAC (None: the reference design is infeasible).
    """

    gain_bits: float | None
    status: str
    reference_energy_j: float | None


def _crossing(d: NDArray[np.float64], e: NDArray[np.float64], level: float) -> float:
    """Largest ``D`` with ``e(D) <= level`` (``e`` non-decreasing, ``e[0] <= level``)."""
    above = np.nonzero(e > level)[0]
    if above.size == 0:
        return float(d[-1])
    i = int(above[0])
    d0, d1, e0, e1 = d[i - 1], d[i], e[i - 1], e[i]
    if not np.isfinite(e1):  # the design ends (infeasible) between d0 and d1
        return float(d0)
    return float(d0 + (level - e0) * (d1 - d0) / (e1 - e0)) if e1 > e0 else float(d0)


def iso_energy_gain(
    d: NDArray[np.float64], e_conv: NDArray[np.float64], e_gr: NDArray[np.float64],
    reference_bits: float = 0.0,
) -> IsoEnergyGain:
    """Iso-energy dynamic-range gain on a common grid ``d`` (ascending, octaves)."""
    d = np.asarray(d, dtype=np.float64)
    if not d[0] <= reference_bits <= d[-1]:
        raise ModelDomainError("reference_dynamic_range_bits", reference_bits,
                               f"within the dynamic-range grid [{d[0]:g}, {d[-1]:g}]")
    # an infeasible design point (NaN: its cells exceed the capacitance ceiling) costs more
    # than any feasible one
    e_conv = np.maximum.accumulate(np.nan_to_num(np.asarray(e_conv, dtype=np.float64),
                                                 nan=np.inf))
    e_gr = np.maximum.accumulate(np.nan_to_num(np.asarray(e_gr, dtype=np.float64), nan=np.inf))
    ref = float(np.interp(reference_bits, d, e_conv))
    if not np.isfinite(ref):  # was reported as "never" with an infinite reference energy
        return IsoEnergyGain(None, "reference_infeasible", None)
    if e_gr[0] > ref:
        # the accumulated curve's finite values are its feasible prefix, the last one its
        # largest feasible energy (e_conv[-1] is +inf once the design turns infeasible, and
        # _crossing would then return the last feasible D as if the curves met there)
        if e_conv[np.isfinite(e_conv)][-1] < e_gr[0]:
            return IsoEnergyGain(None, "never", ref)
        d_eq = _crossing(d, e_conv, float(e_gr[0]))
        return IsoEnergyGain(float(reference_bits - d_eq), "never", ref)
    reach = _crossing(d, e_gr, ref)
    status = "unbounded" if reach >= d[-1] else "bounded"
    return IsoEnergyGain(reach - reference_bits, status, ref)
