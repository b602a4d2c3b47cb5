"""Macro allocation: which ops run in CIM, which weights stay resident, which macros stream.

Ops in CIM: every weight matmul; QK^T and PV too when the chip's ``dynamic_matmul_unit`` is
``cim`` (their stationary operand is K^T or V of one sequence and KV head, so
``count = kv_read_elements / (k*n)`` matrices; each receives ``v = batch_count*m / count``
query rows, the query heads of a group sharing its K/V).

With ``P`` macros and ``T_all`` = the tiles of one copy of every weight matrix (plus the KV
tiles ``T_kv`` when ``kv_cache_placement`` is ``cim``, which must stay on chip between
steps), :func:`allocations` lists the placements worth pricing; the mapper prices each
(search, counts, schedule) and keeps the best step by the objective:

- **resident** (possible when ``T_all <= P``, one macro more when QK^T/PV run in CIM with
  K/V outside it): weights stay in the macros; a step loads none (with
  ``weights_preloaded=False`` it loads each copy once, as a standalone run that starts with
  the weights in DRAM does). With replication, spare macros hold up to ``r`` copies of
  every weight matrix (an op holds ``min(v, r)``: copies beyond its input rows serve
  nothing), and each op needs ``ceil(v / r)`` sequential MVMs. Its input is read once and
  its outputs written once (each op owns all its tiles). The copies take macros from the
  QK^T/PV ops that stream through the rest, ``P_s = P - T_kv - sum_ops tiles min(v, r)``
  (at least 1), so ``r`` is a choice: without such ops ``r = r_max = floor((P - 1{QK^T/PV
  stream}) / T_all)`` (the search still takes fewer where copies cost); with them
  ``r = 1 .. 16``, then about 25 % apart, and each op's ``v``, up to ``r_max``
  (:func:`copy_counts`), each lowered to the fewest copies giving some weight op the same
  number of MVM rounds (the set only grows with ``P``).
- **streaming** (always possible): the ``P_s = P - T_kv`` macros not holding K/V are
  rewritten for every streaming op (weight matmuls; QK^T/PV in CIM unless the KV cache
  lives there). How a streaming op walks its tiles (loop order, wave shape, row chunks,
  where its input tiles and partial sums live) is chosen per op by
  :mod:`grcim.mapper.search`.
- Causal attention in CIM skips fully masked work: conversions and inputs scale with
  ``density = macs / (batch_count*m*k*n)``, MVM rounds too (whole rounds per wave).

Pricing both placements makes residency a choice, not a threshold: one macro more than the
weight tiles left one macro for every QK^T/PV op and made a chip with one more macro 217x
slower. A placement includes ``P_s``, so :func:`grcim.mapper.mapping.plan_step` also
plans each resident one with ``P_s`` capped below what its streaming ops used (the
thresholds of their own demand, down to one macro): a chip with more macros then offers
the placements of a smaller one, and under the latency objective is never slower.
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

__all__ = ["Allocation", "allocations", "copy_counts", "COPY_STEPS", "ceil_div"]

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
B = NDArray[np.bool_]


def ceil_div(a: I64 | F64 | int, b: I64 | F64 | int) -> I64:
    """``ceil(a / b)`` of non-negative integers, elementwise (int64)."""
    return -(-np.asarray(a, dtype=np.int64) // np.asarray(b, dtype=np.int64))


@dataclass(frozen=True, eq=False)
class Allocation:
    """Where each op runs (arrays of shape ``(n_ops,)``).

    Attributes
    ----------
    cim : ndarray of bool
        The op runs in CIM.
    dynamic_cim : ndarray of bool
        A QK^T / PV op run in CIM (its stationary operand comes from the KV cache).
    vector_matmul : ndarray of bool
        A QK^T / PV op run on the vector unit.
    stationary : ndarray of bool
        A CIM op whose stationary operand stays in the macros during the step (resident
        weights, or K/V kept in CIM).
    streams : ndarray of bool
        A CIM op whose stationary operand is written into the macros during the step.
    count : ndarray of int64
        Distinct stationary matrices (1 for weight matmuls; K/V matrices for attention;
        0 for other ops).
    vectors : ndarray of int64
        Input vectors (rows) per stationary matrix, ``v``.
    density : ndarray of float64
        Unmasked share of the dense work (1 except causal attention).
    tiling : Tiling
        Tiling of one copy of the stationary matrices.
    fits : bool
        Every weight tile fits beside the K/V kept in CIM, with a macro left for QK^T/PV
        streaming through the macros: residency was an option.
    resident : bool
        The weights stay in the macros (all their tiles fit, and this placement is the one
        priced): loaded before the step, not during it.
    macros_streaming : int
        Macros rewritten during the step, ``P_s``: those not holding K/V kept in CIM or
        resident weight tiles and their copies.
    replicas_resident : int
        Copies of every resident weight matrix, ``r`` (an op holds ``min(v, r)``; 1
        without replication).
    replicate : bool
        Whether replication was allowed.
    weights_preloaded : bool
        Resident weights were loaded before the step (else this step loads them once).
    """

    cim: B
    dynamic_cim: B
    vector_matmul: B
    stationary: B
    streams: B
    count: I64
    vectors: I64
    density: F64
    tiling: Tiling
    fits: bool
    resident: bool
    macros_streaming: int
    replicas_resident: int
    replicate: bool
    weights_preloaded: bool


COPY_STEPS = 16
"""Copy counts priced one by one with QK^T/PV streaming beside resident weights; above
this the counts priced grow by about 25 % (:func:`copy_counts`)."""


def copy_counts(rows: I64, r_max: int) -> list[int]:
    """Copy counts ``r <= r_max`` worth pricing when copies compete with QK^T/PV for the
    macros, most first: ``1 .. 16``, then ``ceil(16 * 1.25^j)`` (a plan each, so the
    count stays logarithmic in ``r_max``) and every op's ``v`` (one round), each lowered
    to the fewest copies giving the same MVM rounds to some op (an op of ``v`` rows runs
    ``ceil(v / r)`` rounds on ``min(v, r)`` copies: ``ceil(v / ceil(v / r))`` copies do as
    well and hold fewer macros). None depends on ``r_max`` but the cut, so the set only
    grows with ``P``."""
    base = set(range(1, min(COPY_STEPS, r_max) + 1))
    base |= {int(v) for v in np.asarray(rows).ravel() if 1 <= v <= r_max}
    r = float(COPY_STEPS)
    while np.ceil(r * 1.25) <= r_max:
        r *= 1.25
        base.add(int(np.ceil(r)))
    steps = np.asarray(sorted(base), dtype=np.int64)[None, :]
    v = np.maximum(np.asarray(rows, dtype=np.int64), 1)[:, None]
    fewest = ceil_div(v, ceil_div(v, np.minimum(steps, v)))
    return sorted({int(x) for x in fewest.ravel()}, reverse=True)


def allocations(t: OpTable, chip: ChipSpec, clock_hz: float, replicate: bool = True,
                weights_preloaded: bool = True) -> tuple[Allocation, ...]:
    """The placements of the CIM ops of ``t`` on ``chip`` worth pricing (rules in the module
    docstring): resident ones first (most copies first), then streaming.

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
    # ChipSpec refuses this combination when an arch is loaded; a spec changed in code
    # (model_copy skips validation) still reaches this point, so the mapper says it too
    if kv_cim and chip.dynamic_matmul_unit is not DynamicMatmulUnit.CIM:
        raise MappingError("kv_cache_placement 'cim' keeps K and V in the macros, so "
                           "dynamic_matmul_unit must be 'cim' too (it is 'vector_unit')")
    cim = weight | dyn_cim
    kn = t.k * t.n
    shared = np.floor_divide(t.kv_read_elements, np.maximum(kn, 1))
    count = np.where(weight, 1, 0)
    count = np.where(dynamic, np.where(shared > 0, shared, t.batch_count), count)
    vectors = np.where(cim | dynamic, ceil_div(t.batch_count * t.m, np.maximum(count, 1)), 0)
    dense = (t.batch_count * t.m).astype(np.float64) * kn
    density = np.divide(t.macs, dense, out=np.ones(len(t)), where=dynamic & (dense > 0))
    cim_count = np.where(cim, count, 0)
    tiling = tile_matrices(np.where(cim, t.k, 0), np.where(cim, t.n, 0), cim_count, macro,
                           clock_hz)
    tiles = tiling.tiles
    kv_tiles = int(tiles[dyn_cim].sum()) if kv_cim else 0
    if kv_cim and kv_tiles >= p:
        raise MappingError(f"KV cache in CIM needs {kv_tiles} macro tiles for this step, the "
                           f"chip has {p} macros (and weights need at least one): it does "
                           "not fit in the macros; use kv_cache_placement 'dram' or 'sram'")
    weight_tiles = int(tiles[weight].sum())
    transient = (not kv_cim) and bool(np.any(dyn_cim))  # dynamic operands need free macros
    w_tiles, w_rows = tiles[weight], np.maximum(vectors[weight], 1)

    def placed(resident: bool, copies: int) -> Allocation:
        held = kv_tiles + (int(np.sum(w_tiles * np.minimum(w_rows, copies))) if resident
                           else 0)
        stationary = (weight & resident) | (dyn_cim & kv_cim)
        return Allocation(cim, dyn_cim, dynamic & ~cim, stationary, cim & ~stationary, count,
                          vectors, density, tiling, fits, resident, p - held, copies,
                          replicate, weights_preloaded)

    out: list[Allocation] = []
    fits = weight_tiles + kv_tiles + int(transient) <= p
    if fits:
        r_max = max(1, (p - int(transient)) // max(1, weight_tiles + kv_tiles))
        if not replicate:
            r_max = 1
        copies = [r_max]
        if transient:  # copies compete with the streaming QK^T/PV for the macros
            copies = copy_counts(np.unique(w_rows), r_max)
        out += [placed(True, r) for r in copies]
    if weight_tiles or not out:
        out.append(placed(False, 1))
    return tuple(out)
