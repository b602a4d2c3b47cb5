"""Layout geometry of CIM arrays: bitcell area and the wire lengths a cell adds to its row
and column lines.

- Bitcell area: published high-density 6T SRAM cells (table below), interpolated log-log
  in the feature size; a multiplying (CIM) bitcell is ``CIM_CELL_OVERHEAD`` times larger.
- Cell outline: ``ASPECT`` : 1 (width along the word line : height along the bit line);
  thin-cell 6T layouts are about twice as wide as tall (e.g. Intel 22 nm 0.092 um^2 cell,
  Auth et al., VLSI 2012), so width ``sqrt(ASPECT A)`` and height ``sqrt(A / ASPECT)``.
"""

from __future__ import annotations

import numpy as np

from grcim.physics.technology import Technology

__all__ = ["CIM_CELL_OVERHEAD", "ASPECT", "CAP_DENSITY_F_PER_M2", "sram_bitcell_area_m2",
           "cim_cell_width_m", "cim_cell_height_m", "cim_cell_area_m2"]

#: Multiplying (CIM) bitcell area over a 6T cell (Valavi et al., JSSC 2019: 1.8x).
CIM_CELL_OVERHEAD = 1.8
#: Width over height of a bitcell (thin-cell 6T layout).
ASPECT = 2.0
#: Stacked-metal MOM capacitor density, F/m² (2 fF/µm²). Assumption: multi-layer MOM
#: structures in 28-7 nm processes give 1-3 fF/µm²; the density barely scales with the node
#: because finer pitches are offset by lower-k dielectrics.
CAP_DENSITY_F_PER_M2 = 2.0e-3

# High-density 6T SRAM bitcell area (m²) by node (m). Sources: Intel 65 nm 0.57 µm² (Bai et
# al., IEDM 2004); 45 nm 0.346 (Mistry et al., IEDM 2007); 32 nm 0.171 (Natarajan et al.,
# IEDM 2008); TSMC 28 nm 0.127 (28 nm HKMG platform); Intel 22 nm 0.092 (Auth et al., VLSI
# 2012); 14 nm 0.0588 (Natarajan et al., IEDM 2014); 10 nm 0.0312 (Auth et al., IEDM 2017);
# TSMC 7 nm 0.027 (Wu et al., IEDM 2016).
_SRAM_BITCELL_M2 = (
    (7e-9, 0.027e-12), (10e-9, 0.0312e-12), (14e-9, 0.0588e-12), (22e-9, 0.092e-12),
    (28e-9, 0.127e-12), (32e-9, 0.171e-12), (45e-9, 0.346e-12), (65e-9, 0.57e-12),
)


def _loglog(node_m: float, table: tuple[tuple[float, float], ...], slope: float) -> float:
    """Log-log interpolation in ``table``; beyond its ends, ``value ~ node**slope``."""
    x = np.log([n for n, _ in table])
    y = np.log([v for _, v in table])
    ln = float(np.log(node_m))
    if ln < x[0]:
        return float(np.exp(y[0] + slope * (ln - x[0])))
    if ln > x[-1]:
        return float(np.exp(y[-1] + slope * (ln - x[-1])))
    return float(np.exp(np.interp(ln, x, y)))


def sram_bitcell_area_m2(tech: Technology) -> float:
    """High-density 6T bitcell area (m²) at ``tech.node_m`` (area ~ node² off the table)."""
    return _loglog(tech.node_m, _SRAM_BITCELL_M2, 2.0)




def cim_cell_area_m2(tech: Technology, c_per_bit_f: np.ndarray | float = 0.0) -> np.ndarray:
    """Footprint of one stored bit: the multiplying bitcell, or the capacitor above it when
    that is larger (``C / CAP_DENSITY_F_PER_M2``), m²."""
    cell = CIM_CELL_OVERHEAD * sram_bitcell_area_m2(tech)
    return np.maximum(cell, np.asarray(c_per_bit_f, dtype=np.float64) / CAP_DENSITY_F_PER_M2)


def cim_cell_width_m(tech: Technology, c_per_bit_f: np.ndarray | float = 0.0) -> np.ndarray:
    """Width of one stored bit along its word line, m."""
    return np.sqrt(ASPECT * cim_cell_area_m2(tech, c_per_bit_f))


def cim_cell_height_m(tech: Technology, c_per_bit_f: np.ndarray | float = 0.0) -> np.ndarray:
    """Height of one stored bit along its bit line, m."""
    return np.sqrt(cim_cell_area_m2(tech, c_per_bit_f) / ASPECT)
