"""Weight-stationary tiling of stationary matrices onto CIM macro arrays.

A macro has ``R = rows`` cell rows and ``C = cols`` cell columns; one weight occupies
``s_w = n_weight_slices`` adjacent columns, so a macro holds ``R x c_w`` weights with
``c_w = floor(C / s_w)``. Rows are converted in groups of ``r_a = rows_per_adc`` rows; an
input is applied in ``s_x = n_input_slices`` DAC steps. For a stationary ``K x N`` matrix
(``count`` of them per op):

- tiles: ``t_k = ceil(K / R)`` along the reduction, ``t_n = ceil(N / c_w)`` along the
  outputs, ``T = count * t_k * t_n`` macro loads for one copy;
- row-group partial sums per output and input vector: ``sum_i ceil(k_i / r_a) = ceil(K / r_a)``
  (``r_a`` divides ``R``, so only the last row tile can be partial);
- cell columns driven by the widest tile: ``c_used = min(N, c_w) * s_w``;
- cell rows written to load one copy: ``count * t_n * K`` (each column tile writes its
  ``K`` rows, spread over ``t_k`` macros);
- array utilization: ``count*K*N / (T * R * c_w)``, the share of loaded weight slots that
  hold a weight.

Time of one matrix-vector product (MVM) of a tile: every converted column of every row
group is converted once per input slice, on the ``a_g = adcs_per_macro / (R / r_a)`` ADCs
of its row group (row groups convert in parallel), so
``t_adc = ceil(min(N, c_w) * s_c * s_x / a_g) / f_adc`` (``s_c = converted_slices``:
``s_w`` for bit-sliced cells, 1 when the cells combine a weight's bits in analog);
the array applies the ``s_x`` DAC steps one clock cycle each, ``t_array = s_x / f_clk``.
``t_mvm = max(t_adc, t_array)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from grcim.arch import MacroSpec

__all__ = ["Tiling", "tile_matrices"]

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


def _ceil_div(a: I64, b: int | I64) -> I64:
    return -(-a // b)


@dataclass(frozen=True, eq=False)
class Tiling:
    """Tiling of each op's stationary matrices (arrays of shape ``(n_ops,)``).

    Attributes
    ----------
    k_tiles, n_tiles : ndarray of int64
        ``t_k = ceil(K / rows)`` and ``t_n = ceil(N / c_w)`` per matrix.
    tiles : ndarray of int64
        Macro loads for one copy of all the op's matrices, ``count * t_k * t_n``.
    row_partials : ndarray of int64
        Row-group partial sums per output element and input vector, ``ceil(K / r_a)``.
    cols_used : ndarray of int64
        Cell columns of the widest tile, ``min(N, c_w) * n_weight_slices``.
    cell_rows : ndarray of int64
        Cell rows written to load one copy, ``count * t_n * K``.
    array_utilization : ndarray of float64
        Weights over loaded weight slots, ``count*K*N / (tiles * rows * c_w)``.
    adc_time_s, array_time_s : ndarray of float64
        Time of one MVM of the widest tile bound by the ADCs and by the DAC steps, s.
    """

    k_tiles: I64
    n_tiles: I64
    tiles: I64
    row_partials: I64
    cols_used: I64
    cell_rows: I64
    array_utilization: F64
    adc_time_s: F64
    array_time_s: F64

    @property
    def mvm_time_s(self) -> F64:
        """Time of one MVM of a tile, ``max(t_adc, t_array)``, s."""
        return np.maximum(self.adc_time_s, self.array_time_s)


def tile_matrices(k: I64, n: I64, count: I64, macro: MacroSpec, clock_hz: float) -> Tiling:
    """Tile ``count`` stationary ``k x n`` matrices per op onto ``macro`` arrays.

    Parameters
    ----------
    k, n, count : ndarray of int64
        Reduction length, output width and number of distinct stationary matrices of each
        op (0 for ops that use no CIM: their tiling is all zeros).
    macro : MacroSpec
        The macro every tile is loaded into.
    clock_hz : float
        Digital clock (one DAC step per cycle), Hz.

    Returns
    -------
    Tiling
    """
    k = np.asarray(k, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    count = np.asarray(count, dtype=np.int64)
    c_w = macro.cols // macro.n_weight_slices
    k_tiles = _ceil_div(k, macro.rows)
    n_tiles = _ceil_div(n, c_w)
    tiles = count * k_tiles * n_tiles
    row_partials = _ceil_div(k, macro.rows_per_adc)
    cols_used = np.minimum(n, c_w) * macro.n_weight_slices
    cell_rows = count * n_tiles * k
    slots = tiles.astype(np.float64) * macro.rows * c_w
    used = count.astype(np.float64) * k * n
    util = np.divide(used, slots, out=np.zeros_like(used), where=slots > 0)
    adcs_per_group = macro.adcs_per_row_group
    converted = np.minimum(n, c_w) * macro.converted_slices  # columns a conversion reads
    slots_per_adc = _ceil_div(converted * macro.n_input_slices, adcs_per_group)
    adc_time = slots_per_adc / macro.adc_rate_hz
    array_time = np.where(tiles > 0, macro.n_input_slices / clock_hz, 0.0)
    return Tiling(k_tiles, n_tiles, tiles, row_partials, cols_used, cell_rows, util,
                  adc_time.astype(np.float64), array_time.astype(np.float64))
