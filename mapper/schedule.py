"""Per-op roofline latency, and the step latency over the graph (critical path, pipelining).

**Per op** (the op supplies counts, the chip supplies rates; the op takes as long as its
busiest resource, every resource overlapping the others perfectly):

| resource | busy time |
|---|---|
| ``adc`` | ``mvm_slots * t_adc`` (sequential MVMs per macro times one MVM's conversions) |
| ``array`` | ``mvm_slots * t_array`` (DAC steps at the clock) |
| ``weight_write`` | ``(max(rows_written / macros_used, c min(K, R)) + kv_rows) * t_row`` |
| | (macros write their rows in parallel; a macro writes its own tile's rows: the |
| | tallest, ``min(K, R)`` rows, once per row chunk ``c``, whatever the average; new K/V |
| | entries in CIM: the rows their layout touches in the busiest tile, |
| | :func:`kv_write_rows`) |
| ``dram`` | ``(read + write bits) / (8 * dram bandwidth)`` |
| ``sram`` | ``max(read bits / (8 * read bandwidth), write bits / (8 * write bandwidth))`` |
| ``vector`` | ``(adds + muls + exps + divs) / vector throughput`` |

``t_op = max(busy)``, and the op's *bound* is the resource that wins (``none`` for an op
with no work). Weight writes overlapping computation assume the macros of a wave are
written while the previous wave computes (ping-pong across macros).

**Stage times for one token row.** The step has ``R = batch x tokens`` token rows. Op
``i`` works on ``n_i`` of them: a weight matmul on its ``m`` rows, an op whose outputs feed
only weight matmuls on the rows those read (the final norm before an LM head that projects
only the last token of each sequence works on ``batch`` rows), every other op on all ``R``
(attention, softmax, residuals: every token row passes through them). Its time for ONE
token row, ``lambda_i = max_r lambda_ir``, splits each busy time into what one row needs:

| resource | ``lambda_ir`` |
|---|---|
| ``adc``, ``array`` | ``busy / k_i``, ``k_i = max(1, min(c ceil(ceil(v / c) / r), m))`` |
| ``weight_write`` | (stationary operand's rows, once ``+`` the row's own K/V rows) ``t_row`` |
| ``dram`` | fixed bits (weights, norm gains) ``+`` the rest ``/ n_i``, at the bandwidth |
| ``sram``, ``vector`` | ``busy / n_i`` |

``k_i`` counts MVM rounds (``v`` rows per stationary matrix, ``r`` copies of its tiles,
``c`` row chunks, ``m`` token rows per matrix): with ``r >= v`` copies the op's one round,
``ceil(v / r) = 1``, already IS one row's time, so it is not divided again; attention in
CIM (one matrix per sequence and KV head, sequences side by side) takes ``m = tokens``
rounds, not ``batch x tokens``. A row's own new key is a column of ``K^T`` (``min(K, R)``
row writes), its value one row of ``V`` (:func:`kv_write_rows` with ``one_row``): every
sequence writes its own tiles, and one write per row takes all the new keys of a
sequence, so the step's KV rows are not ``n_i`` times one row's (dividing them by ``n_i``
made a batch of 2 faster than a batch of 1).
With one row (``R = 1``) every ``lambda_i = t_op``. Assumed: an op's per-row costs do not
shrink as rows are added (true of the roofline above unless the mapping search or the
activation placement changes its choice), so ``lambda_i`` and ``t_op - lambda_i`` never
decrease when tokens or batch grow.

**Step latency.** ``S(w)`` is the makespan of a greedy list schedule of the graph with node
times ``w`` in topological order: an op starts when its predecessors are done and, if it
streams, when the streaming macros are free (every CIM op whose stationary operand is
written during the step: weight matmuls when the weights stream; QK^T/PV in CIM with K/V
outside the macros); it holds them for its whole time. Its vector work (``vector`` busy
time, within ``w``: a bias add, a norm, softmax) also needs the vector unit free, holds it
only that long, and the op ends when both are done (a resident projection with a bias
holds the vector unit for its adds, not for its conversions). Ops on resident weights own
their macros and share none. As each op and its vector work wait for a fixed set of
earlier ones (its predecessors, the previous op on the macros, the previous vector work),
``S`` is a longest path and never decreases when a node time grows; it is at least the
critical path ``CP(w)`` (networkx ``dag_longest_path``).

- **Not pipelined** (weights stream, ``R = 1``, or pipelining off): every op processes all
  its rows before its successors start, ``graph = S(t_op)``.
- **Pipelined** (every weight matrix resident and ``R > 1``): ops pass token rows on as
  soon as they are done, the first row reaches the end after ``S(lambda)`` and the slowest
  stage then still has the rest of its work::

      graph = S(lambda) + max_i (t_op_i - lambda_i)

  (a chain of ``N`` stages of equal per-row time ``tau`` gives ``N tau + (R - 1) tau``).
  Since ``t_op_i >= lambda_i``, ``graph >= CP(lambda) >= CP`` of one token row, and
  ``graph >= max_i t_op_i``. With ``R = 1`` it equals the unpipelined ``S(t_op)``.

Every schedule is also bounded by the busiest shared resource: ``sum_ops busy_r`` over all
ops for DRAM, SRAM and the vector unit, and over the streaming ops only for ``adc``,
``array`` and ``weight_write`` (resident ops run side by side on their own macros, so their
ADC time does not add up). ``latency = max(graph, busiest shared resource)``; the step's
bound names the term that won (``critical_path`` when ``S`` equals the critical path,
``serialized`` when unit sharing lengthened it, ``pipeline``, or ``resource:<name>``).
:attr:`Schedule.resource_time_s` reports each resource's busy time summed over all ops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from grcim.arch import ChipSpec, KvCachePlacement
from grcim.mapper.actions import ActionCounts
from grcim.mapper.allocation import Allocation, ceil_div
from grcim.mapper.optable import OpTable
from grcim.mapper.traffic import Traffic, second_operand
from grcim.workloads import OpKind

if TYPE_CHECKING:
    from grcim.mapper.search import LoopNest

__all__ = ["Schedule", "schedule", "busy_times", "tile_rows", "kv_write_rows", "token_rows",
           "RESOURCES", "SHARED_RESOURCES", "MACRO_RESOURCES"]

F64 = NDArray[np.float64]
RESOURCES: tuple[str, ...] = ("adc", "array", "weight_write", "dram", "sram", "vector")
"""Resources of the roofline, in the column order of :attr:`Schedule.busy_s`."""
SHARED_RESOURCES: tuple[str, ...] = ("dram", "sram", "vector")
"""Resources every op shares even when each op owns its macros."""
MACRO_RESOURCES: tuple[str, ...] = ("adc", "array", "weight_write")
"""Resources of the macros: shared only by the ops whose stationary operand streams."""


@dataclass(frozen=True, eq=False)
class Schedule:
    """Timing of one step.

    Attributes
    ----------
    busy_s : ndarray of float64, shape (n_ops, 6)
        Busy time of each :data:`RESOURCES` entry per op, s.
    op_latency_s : ndarray of float64
        ``max`` of each op's busy times, s.
    op_bound : tuple of str
        Resource that bounds each op (``none`` without work).
    row_latency_s : ndarray of float64
        Each op's time for one token row, ``lambda`` (equal to ``op_latency_s`` when the
        step is not pipelined), s.
    latency_s : float
        Step latency, s.
    bound : str
        What set the step latency: ``critical_path``, ``pipeline``, ``serialized`` or
        ``resource:<name>``.
    critical_path_s : float
        Critical path of the graph with the stage times used: of one token row
        (``row_latency_s``) when pipelined, else of the op times, s.
    resource_time_s : dict[str, float]
        Summed busy time of each resource over all ops of the step, s.
    critical_path : tuple of str
        Op names on the critical path.
    pipelined : bool
        Whether the pipelined model applied.
    """

    busy_s: F64
    op_latency_s: F64
    op_bound: tuple[str, ...]
    row_latency_s: F64
    latency_s: float
    bound: str
    critical_path_s: float
    resource_time_s: dict[str, float]
    critical_path: tuple[str, ...]
    pipelined: bool


def _longest_path(t: OpTable, weight: F64) -> tuple[float, tuple[str, ...]]:
    g: nx.DiGraph[int | str] = nx.DiGraph()
    start = "\x00start"
    g.add_weighted_edges_from((start, i, float(weight[i])) for i in range(len(t)))
    g.add_weighted_edges_from((p, i, float(weight[i]))
                              for i, ps in enumerate(t.predecessors) for p in ps)
    path = nx.dag_longest_path(g, weight="weight", default_weight=0)
    nodes = [i for i in path if not isinstance(i, str)]  # ops are ints, start the one str
    return float(sum(weight[i] for i in nodes)), tuple(t.names[i] for i in nodes)


def _list_schedule(t: OpTable, op_latency: F64, on_macros: NDArray[np.bool_],
                   vector_time: F64) -> float:
    """Makespan of a greedy schedule (rows are topological): an op starts when its
    predecessors have finished and, if it streams, the streaming macros are free (it holds
    them until it ends); its vector work (``vector_time``, within the op's time) runs
    when the vector unit is free too, holding the unit only that long, and the op ends
    when both are done."""
    finish = np.zeros(len(t))
    macros_free = vector_free = 0.0
    for i, preds in enumerate(t.predecessors):
        start = max((finish[p] for p in preds), default=0.0)
        if on_macros[i]:
            start = max(start, macros_free)
        end = start + op_latency[i]
        if vector_time[i] > 0:
            vector_free = max(start, vector_free) + vector_time[i]
            end = max(end, vector_free)
        finish[i] = end
        if on_macros[i]:
            macros_free = end
    return float(finish.max(initial=0.0))


def tile_rows(k: F64 | NDArray[np.int64], rows_written: F64, chunks: F64 | NDArray[np.int64],
              macro_rows: int) -> F64:
    """Row writes of the busiest macro at least: its tile's rows, ``min(K, R)`` (the tallest
    tile of a ``K``-row matrix), once per row chunk that rewrites the tiles; 0 when nothing
    is written."""
    tallest = np.minimum(np.asarray(k, dtype=np.float64), float(macro_rows))
    return np.where(np.asarray(rows_written) > 0, np.maximum(chunks, 1) * tallest, 0.0)


def kv_write_rows(t: OpTable, chip: ChipSpec, one_row: bool = False) -> F64:
    """Row writes of each op's new K/V entries when the KV cache lives in CIM (0 else), in
    the layout its QK^T/PV reader keeps them (tiles written in parallel, so the count is
    the rows of the busiest tile; every sequence and KV head has its own tiles):

    - a new key is a COLUMN of ``K^T`` (``K = head_dim`` rows, ``N = context``): every row
      of the tile gets a cell, ``min(K, R)`` row writes however many tokens are new (one
      write per row holds all of them);
    - a new value is a ROW of ``V`` (``K = context`` rows): the new positions
      ``context - tokens .. context - 1`` fall into row tiles of ``R``, the busiest tile
      holding the most of them.

    ``one_row``: the rows ONE token row's own entries need (the pipelined stage time,
    module docstring): its key still touches ``min(K, R)`` rows, its value is one row. The
    step's total does not grow with the batch (other sequences' tiles are written in
    parallel) nor, for keys, with the tokens, so dividing it by the token rows made a
    larger step faster.

    The layout follows the reader's shape (the context along ``N``: keys; along ``K``:
    values); when ``head_dim`` equals the context, its role (``attn_pv`` reads values). An
    op without a QK^T/PV reader is charged densely packed rows (per token row: its share,
    the total divided by the op's token rows)."""
    rows = np.zeros(len(t))
    if chip.kv_cache_placement is not KvCachePlacement.CIM:
        return rows
    macro = chip.macro
    r_tile = macro.rows
    ctx, new = t.step.context, t.step.tokens
    first, last = (ctx - new) // r_tile, (ctx - 1) // r_tile
    along_rows = (new if first == last else
                  max(r_tile - (ctx - new) % r_tile, (ctx - 1) % r_tile + 1,
                      r_tile if last - first >= 2 else 0))
    dynamic = t.is_kind(OpKind.DYNAMIC_MATMUL)
    readers: list[list[int]] = [[] for _ in range(len(t))]
    for j, preds in enumerate(t.predecessors):
        for p in preds:
            if dynamic[j]:
                readers[p].append(j)
    bits = float(macro.n_weight_slices * macro.cell_bits)
    n_rows = token_rows(t) if one_row else np.ones(len(t), dtype=np.int64)
    for w in np.flatnonzero(t.kv_write_elements > 0):
        i = int(w)
        if not readers[i]:
            rows[i] = (t.kv_write_elements[i] * bits / (macro.cols * macro.cell_bits)
                       / n_rows[i])
            continue
        j = readers[i][0]
        k, n = int(t.k[j]), int(t.n[j])
        values = k == ctx and (n != ctx or t.roles[j] == "attn_pv")
        rows[i] = (1 if one_row else along_rows) if values else min(k, r_tile)
    return rows


def busy_times(slots: F64, adc_time_s: F64, array_time_s: F64, rows_written: F64,
               writers: F64 | NDArray[np.int64], min_rows: F64, dram_bits: F64,
               sram_read_bits: F64, sram_write_bits: F64, vector_ops: F64, chip: ChipSpec,
               kv_rows: F64 | float = 0.0) -> F64:
    """Busy time of each :data:`RESOURCES` entry (last axis), elementwise over the inputs
    (the roofline table of the module docstring), s. ``min_rows``: the row writes no macro
    can share with another (:func:`tile_rows`); ``kv_rows``: the row writes of new K/V
    entries in CIM (:func:`kv_write_rows`), after the stationary operand's."""
    macro = chip.macro
    parts = np.broadcast_arrays(
        slots * adc_time_s, slots * array_time_s,
        (np.maximum(rows_written / np.maximum(writers, 1), min_rows) + kv_rows)
        * macro.weight_write_latency_per_row_s,
        dram_bits / (8.0 * chip.dram.bandwidth_bytes_per_s),
        np.maximum(sram_read_bits / (8.0 * chip.sram.read_bandwidth_bytes_per_s),
                   sram_write_bits / (8.0 * chip.sram.write_bandwidth_bytes_per_s)),
        vector_ops / chip.vector.throughput_ops_per_s)
    return np.stack(parts, axis=-1)


def token_rows(t: OpTable) -> NDArray[np.int64]:
    """Token rows ``n_i`` each op works on (module docstring): ``m`` of a weight matmul,
    the rows its weight-matmul readers take for an op feeding only those, else the step's
    ``batch x tokens``."""
    weight = t.is_kind(OpKind.WEIGHT_MATMUL)
    matmul = weight | t.is_kind(OpKind.DYNAMIC_MATMUL)
    rows = np.where(weight, t.m * t.batch_count, t.step.rows).astype(np.int64)
    readers: list[list[int]] = [[] for _ in range(len(t))]
    for i, preds in enumerate(t.predecessors):
        for p in preds:
            readers[p].append(i)
    for i, succ in enumerate(readers):
        # e.g. the final norm before an LM head that projects only the last token of each
        # sequence: it normalizes only the rows the head reads
        if not matmul[i] and succ and all(weight[j] for j in succ):
            rows[i] = max(int(rows[j]) for j in succ)
    return np.maximum(rows, 1)


def _tile_rows(t: OpTable, nest: LoopNest, chip: ChipSpec) -> F64:
    """:func:`tile_rows` of every op's stationary operand under its loop nest."""
    return tile_rows(t.k, nest.cell_rows_written, nest.chunks, chip.macro.rows)


def _row_busy(t: OpTable, alloc: Allocation, nest: LoopNest, traffic: Traffic,
              chip: ChipSpec, busy: F64, vector_ops: F64) -> F64:
    """Each op's busy time of every resource for ONE token row, ``lambda_ir`` (the second
    table of the module docstring), s."""
    rows = token_rows(t).astype(np.float64)
    # MVM rounds: r copies take r rows at once, each of c chunks runs ceil(v_c / r) rounds;
    # attention in CIM has one matrix per sequence, so a round there is per token (m)
    v = np.maximum(alloc.vectors, 1)
    chunks = np.maximum(nest.chunks, 1)
    rounds = chunks * ceil_div(ceil_div(v, chunks), np.maximum(nest.replicas, 1))
    rounds = np.where(alloc.cim, np.maximum(1, np.minimum(rounds, np.maximum(t.m, 1))), 1)
    # what does not grow with the rows is needed in full by the first row: the cell
    # writes of the op's stationary operand, weights and norm gains read from DRAM
    # (embedding rows are looked up per token, K/V per sequence and row)
    s_bits, s_dram = second_operand(t, alloc, chip)
    per_row_operand = t.is_kind(OpKind.DYNAMIC_MATMUL) | t.is_kind(OpKind.EMBEDDING)
    fixed_dram = np.where(s_dram & ~per_row_operand, s_bits * nest.operand_reads, 0.0)
    dram = traffic.dram_read_bits + traffic.dram_write_bits
    fixed_dram = np.minimum(fixed_dram, dram)
    row = busy_times(nest.mvm_slots / rounds, alloc.tiling.adc_time_s,
                     alloc.tiling.array_time_s, nest.cell_rows_written, nest.macros_used,
                     _tile_rows(t, nest, chip), fixed_dram + (dram - fixed_dram) / rows,
                     traffic.sram_read_bits / rows, traffic.sram_write_bits / rows,
                     vector_ops / rows, chip, kv_write_rows(t, chip, one_row=True))
    return np.minimum(row, busy)  # one row never takes longer than all of them


def schedule(t: OpTable, alloc: Allocation, nest: LoopNest, traffic: Traffic,
             counts: ActionCounts, chip: ChipSpec, pipeline: bool = True) -> Schedule:
    """Roofline per op and the step latency (rules in the module docstring)."""
    til = alloc.tiling
    kv_rows = kv_write_rows(t, chip)
    vector_ops = counts.vector_ops.sum(axis=1)
    busy = busy_times(nest.mvm_slots, til.adc_time_s, til.array_time_s,
                      nest.cell_rows_written, nest.macros_used, _tile_rows(t, nest, chip),
                      traffic.dram_read_bits + traffic.dram_write_bits,
                      traffic.sram_read_bits, traffic.sram_write_bits, vector_ops, chip,
                      kv_rows)
    op_latency = busy.max(axis=1)
    idx = busy.argmax(axis=1)
    op_bound = tuple(RESOURCES[j] if op_latency[i] > 0 else "none"
                     for i, j in enumerate(idx))
    resource_time = {r: float(v) for r, v in zip(RESOURCES, busy.sum(axis=0), strict=True)}
    pipelined = pipeline and alloc.resident and t.step.rows > 1
    row_busy = (_row_busy(t, alloc, nest, traffic, chip, busy, vector_ops)
                if pipelined else busy)
    row_latency = row_busy.max(axis=1) if pipelined else op_latency
    # ops that stream their stationary operand take the streaming macros in turn; ops on
    # resident weights (or K/V kept in CIM) own theirs and run side by side
    on_macros = alloc.streams & (nest.mvm_slots > 0)
    path_s, path = _longest_path(t, row_latency)
    one_row = _list_schedule(t, row_latency, on_macros,
                             row_busy[:, RESOURCES.index("vector")])
    if pipelined:
        candidates = {"pipeline": one_row + float((op_latency - row_latency).max(initial=0.0))}
    else:
        candidates = {"critical_path": path_s, "serialized": one_row}
    shared = busy.sum(axis=0, where=on_macros[:, None])
    candidates.update({f"resource:{r}": float(shared[RESOURCES.index(r)])
                       for r in MACRO_RESOURCES})
    candidates.update({f"resource:{r}": resource_time[r] for r in SHARED_RESOURCES})
    bound = max(candidates, key=lambda k: candidates[k])
    return Schedule(busy, op_latency, op_bound, row_latency, float(candidates[bound]), bound,
                    path_s, resource_time, path, pipelined)
