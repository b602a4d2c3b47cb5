"""Macro allocation: which ops run in CIM, residency, replication, waves and weight reloads.

Ops in CIM: every weight matmul; QK^T and PV too when the chip's ``dynamic_matmul_unit`` is
``cim`` (their stationary operand is K^T or V of one sequence and KV head, so
``count = kv_read_elements / (k*n)`` matrices; each receives ``v = batch_count*m / count``
query rows, the query heads of a group sharing its K/V).

With ``P`` macros and ``T_all`` = the tiles of one copy of every weight matrix (plus the KV
tiles when ``kv_cache_placement`` is ``cim``, which must stay on chip between steps):

- **resident** (``T_all <= P``, one more macro when QK^T/PV run in CIM with K/V outside
  it): weights stay in the macros; a step loads none (with ``weights_preloaded=False`` it
  loads each copy once, as a standalone run that starts with the weights in DRAM does).
  Spare macros hold ``r = min(v, floor(P / T_all))`` copies of every weight matrix
  (replication, when allowed), and each op needs ``ceil(v / r)`` sequential MVMs.
- **streaming**: the ``P_s`` macros not holding resident data (``P - T_kv`` when the
  weights do not fit) are rewritten for every streaming op: weights come from DRAM and
  are written into the cells each step; QK^T/PV operands are written each step unless
  the KV cache lives in CIM. An op of ``T`` tiles runs in
  ``w = ceil(T / P_s)`` waves; the last wave's ``T_l = T - (w-1) P_s`` tiles are replicated
  ``r_l = min(v, floor(P_s / T_l))`` times. Sequential MVMs per macro:
  ``(w-1) v + ceil(v / r_l)``. Cell rows written: one copy, plus ``(r_l - 1)`` extra copies
  of the last wave's share ``T_l / T``.
- Input passes (times an op's input stream is read from its buffer): 1 when one wave holds
  the op, else ``ceil(t_n / floor(P_s / t_k))`` (``t_n`` when ``t_k > P_s``): the macros of a
  wave receive each input once (broadcast). Reduction rounds ``ceil(t_k / P_s)``: partial
  sums of all but the last round are written to and read back from the output's buffer.
- Causal attention in CIM skips fully masked work: MVMs, conversions and inputs scale with
  ``density = macs / (batch_count*m*k*n)``.

Replication trades cell writes for time; AccelForge minimizes energy and never replicates,
so its cross-checks run with ``replicate=False``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from grcim.arch import ChipSpec, DynamicMatmulUnit, KvCachePlacement
from grcim.errors import MappingError
from grcim.mapper.optable import OpTable
from grcim.mapper.tiling import Tiling, tile_matrices
from grcim.workloads import OpKind

__all__ = ["Allocation", "allocate"]

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
B = NDArray[np.bool_]


def _ceil_div(a: I64, b: int | I64) -> I64:
    return -(-np.asarray(a, dtype=np.int64) // b)


@dataclass(frozen=True, eq=False)
class Allocation:
    """Where and how often each op uses the macros (arrays of shape ``(n_ops,)``).

    Attributes
    ----------
    cim : ndarray of bool
        The op runs in CIM.
    dynamic_cim : ndarray of bool
        A QK^T / PV op run in CIM (its stationary operand is written each step).
    count : ndarray of int64
        Distinct stationary matrices (1 for weight matmuls, 0 outside CIM).
    vectors : ndarray of int64
        Input vectors per stationary matrix, ``v``.
    density : ndarray of float64
        Unmasked share of the dense work (1 except causal attention).
    tiling : Tiling
        Tiling of one copy of the stationary matrices.
    resident : bool
        All weight tiles fit at once: weights are loaded before the step, not during it.
    macros_streaming : int
        Macros rewritten during the step, ``P_s`` (all macros when nothing is resident).
    waves : ndarray of int64
        Waves of tiles per op.
    replicas : ndarray of int64
        Copies of the (last wave's) tiles working on different input vectors.
    mvm_slots : ndarray of float64
        Sequential MVMs per macro (compute time = ``mvm_slots * t_mvm``).
    macros_used : ndarray of int64
        Macros busy during the op (tiles of a wave times replicas, at most ``P``).
    cell_rows_written : ndarray of float64
        Cell rows written during the step (weight reloads and dynamic operands).
    cell_bits_written : ndarray of float64
        Cell bits written during the step.
    input_passes : ndarray of int64
        Times the op's input stream is read from its buffer.
    k_rounds : ndarray of int64
        Reduction rounds (> 1 when the reduction needs more macros than ``P_s``).
    replicate : bool
        Whether replication was allowed.
    weights_preloaded : bool
        Resident weights were loaded before the step (else this step loads them once).
    """

    cim: B
    dynamic_cim: B
    count: I64
    vectors: I64
    density: F64
    tiling: Tiling
    resident: bool
    macros_streaming: int
    waves: I64
    replicas: I64
    mvm_slots: F64
    macros_used: I64
    cell_rows_written: F64
    cell_bits_written: F64
    input_passes: I64
    k_rounds: I64
    replicate: bool
    weights_preloaded: bool


def allocate(t: OpTable, chip: ChipSpec, clock_hz: float, replicate: bool = True,
             weights_preloaded: bool = True) -> Allocation:
    """Allocate macros to the CIM ops of ``t`` on ``chip`` (rules in the module docstring).

    Raises
    ------
    grcim.errors.MappingError
        No macros; KV cache placed in CIM without CIM attention, or too large for the macros.
    """
    macro = chip.macro
    p = chip.n_macros
    if p < 1:
        raise MappingError(f"the chip has {p} CIM macros: the weight matmuls have no macro "
                           "to run on (n_macros must be at least 1)")
    weight = t.is_kind(OpKind.WEIGHT_MATMUL)
    dynamic = t.is_kind(OpKind.DYNAMIC_MATMUL)
    dyn_cim = dynamic & (chip.dynamic_matmul_unit is DynamicMatmulUnit.CIM)
    kv_cim = chip.kv_cache_placement is KvCachePlacement.CIM
    if kv_cim and chip.dynamic_matmul_unit is not DynamicMatmulUnit.CIM:
        raise MappingError("kv_cache_placement 'cim' keeps K and V in the macros, so "
                           "dynamic_matmul_unit must be 'cim' too (it is 'vector_unit')")
    cim = weight | dyn_cim
    kn = t.k * t.n
    count = np.where(weight, 1, 0)
    shared = np.floor_divide(t.kv_read_elements, np.maximum(kn, 1))
    count = np.where(dyn_cim, np.where(shared > 0, shared, t.batch_count), count)
    vectors = np.where(cim, _ceil_div(t.batch_count * t.m, np.maximum(count, 1)), 0)
    dense = (t.batch_count * t.m).astype(np.float64) * kn
    density = np.divide(t.macs, dense, out=np.ones(len(t)), where=cim & (dense > 0))
    tiling = tile_matrices(np.where(cim, t.k, 0), np.where(cim, t.n, 0), count, macro,
                           clock_hz)
    tiles = tiling.tiles
    kv_tiles = int(tiles[dyn_cim].sum()) if kv_cim else 0
    if kv_cim and kv_tiles >= p:
        raise MappingError(f"KV cache in CIM needs {kv_tiles} macro tiles for this step, the "
                           f"chip has {p} macros (and weights need at least one): it does "
                           "not fit in the macros; use kv_cache_placement 'dram' or 'sram'")
    weight_tiles = int(tiles[weight].sum())
    transient = (not kv_cim) and bool(np.any(dyn_cim))  # dynamic operands need free macros
    resident = weight_tiles + kv_tiles + int(transient) <= p
    held = weight_tiles + kv_tiles if resident else kv_tiles
    p_s = p - held  # macros rewritten during the step
    ps1 = max(p_s, 1)  # divisor; p_s = 0 only when no op streams
    stationary = (weight & resident) | (dyn_cim & kv_cim)
    streams = cim & ~stationary
    r_all = max(1, p // max(1, held)) if replicate and resident else 1
    waves = np.where(streams, _ceil_div(tiles, ps1), np.where(cim, 1, 0))
    last = tiles - (waves - 1) * p_s
    r_last = (np.maximum(1, p_s // np.maximum(last, 1)) if replicate
              else np.ones(len(t), np.int64))
    replicas = np.where(streams, np.minimum(vectors, r_last),
                        np.where(weight & stationary, np.minimum(vectors, r_all),
                                 np.where(cim, 1, 0)))
    slots = ((waves - 1) * vectors + _ceil_div(vectors, np.maximum(replicas, 1))
             ).astype(np.float64)
    last_share = np.divide(last, tiles, out=np.zeros(len(t)), where=tiles > 0)
    copies = np.where(streams, 1.0 + (replicas - 1) * last_share, 0.0)
    if not weights_preloaded:  # resident weights still come from DRAM once in this step
        copies = np.where(weight & stationary, replicas.astype(np.float64), copies)
    slots = np.where(cim, slots * density, 0.0)
    wave_tiles = np.where(waves > 1, p_s, tiles)
    macros_used = np.where(cim, np.minimum(p, wave_tiles * np.maximum(replicas, 1)), 0)
    bits_per_weight = macro.n_weight_slices * macro.cell_bits
    cell_rows = tiling.cell_rows * copies
    cell_bits = count.astype(np.float64) * kn * bits_per_weight * copies
    t1 = tiling.k_tiles * tiling.n_tiles
    fits = (t1 <= p_s) | stationary
    per_wave = np.maximum(1, p_s // np.maximum(tiling.k_tiles, 1))
    passes = np.where(tiling.k_tiles <= p_s, _ceil_div(tiling.n_tiles, per_wave),
                      tiling.n_tiles)
    passes = np.where(cim, np.where(fits, 1, passes), 1)
    k_rounds = np.where(cim & ~fits & (tiling.k_tiles > p_s), _ceil_div(tiling.k_tiles, ps1),
                        1)
    return Allocation(cim, dyn_cim, count, vectors, density, tiling, resident, p_s, waves,
                      replicas, slots, macros_used, cell_rows, cell_bits, passes, k_rounds,
                      replicate, weights_preloaded)
