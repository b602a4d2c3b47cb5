"""Per-op roofline latency, and the step latency over the graph (critical path, pipelining).

**Per op** (the op supplies counts, the chip supplies rates; the op takes as long as its
busiest resource, every resource overlapping the others perfectly):

| resource | busy time |
|---|---|
| ``adc`` | ``mvm_slots * t_adc`` (sequential MVMs per macro times one MVM's conversions) |
| ``array`` | ``mvm_slots * t_array`` (DAC steps at the clock) |
| ``weight_write`` | ``rows_written / macros_used * t_row`` (macros write their rows in parallel) |
| ``dram`` | ``(read + write bits) / (8 * dram bandwidth)`` |
| ``sram`` | ``max(read bits / (8 * read bandwidth), write bits / (8 * write bandwidth))`` |
| ``vector`` | ``(adds + muls + exps + divs) / vector throughput`` |

``t_op = max(busy)``, and the op's *bound* is the resource that wins (``none`` for an op
with no work). Weight writes overlapping computation assume the macros of a wave are
written while the previous wave computes (ping-pong across macros).

**Step latency.** Two lower bounds of any schedule hold at once: the critical path of the
graph with node weights ``t_op`` (networkx ``dag_longest_path``), and the busiest shared
resource, ``max_r sum_ops busy_r`` (ops that could run in parallel still share DRAM, SRAM,
the vector unit and, when weights stream, the macros). When weights stream, every weight op
occupies all macros and vector ops the vector unit, so such ops also cannot overlap one
another: a greedy list schedule in topological order (an op starts when its predecessors
are done and its unit is free) gives a feasible makespan, ``serialized``.
``latency = max(critical path, busiest resource, serialized)``, and the step's bound names
which term won.

**Pipelining across macros.** When every weight matrix is resident (each op owns its
macros) and the step has ``R > 1`` token rows (batch x new tokens), ops work on row chunks
as in a pipeline: with per-row stage times ``tau = t_op / R``, the graph takes
``critical path(tau) + (R - 1) * max(tau)``, still bounded below by the busiest *shared*
resource (DRAM, SRAM, vector unit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from grcim.arch import ChipSpec
from grcim.mapper.actions import ActionCounts
from grcim.mapper.allocation import Allocation
from grcim.mapper.optable import OpTable
from grcim.mapper.traffic import Traffic

if TYPE_CHECKING:
    from grcim.mapper.search import LoopNest

__all__ = ["Schedule", "schedule", "busy_times", "RESOURCES", "SHARED_RESOURCES"]

F64 = NDArray[np.float64]
RESOURCES: tuple[str, ...] = ("adc", "array", "weight_write", "dram", "sram", "vector")
"""Resources of the roofline, in the column order of :attr:`Schedule.busy_s`."""
SHARED_RESOURCES: tuple[str, ...] = ("dram", "sram", "vector")
"""Resources every op shares even when each op owns its macros."""


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
    latency_s : float
        Step latency, s.
    bound : str
        What set the step latency: ``critical_path``, ``pipeline``, ``serialized`` or
        ``resource:<name>``.
    critical_path_s : float
        Critical path (or pipelined graph time), s.
    resource_time_s : dict[str, float]
        Summed busy time of each resource over the step, s.
    critical_path : tuple of str
        Op names on the critical path.
    pipelined : bool
        Whether the pipelined model applied.
    """

    busy_s: F64
    op_latency_s: F64
    op_bound: tuple[str, ...]
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
                   on_vector: NDArray[np.bool_]) -> float:
    """Makespan of a greedy schedule (rows are topological): an op starts when its
    predecessors have finished and the unit it needs (all macros / the vector unit) is free."""
    finish = np.zeros(len(t))
    free = {"macros": 0.0, "vector": 0.0}
    for i, preds in enumerate(t.predecessors):
        start = max((finish[p] for p in preds), default=0.0)
        unit = "macros" if on_macros[i] else "vector" if on_vector[i] else None
        if unit is not None:
            start = max(start, free[unit])
        finish[i] = start + op_latency[i]
        if unit is not None:
            free[unit] = finish[i]
    return float(finish.max(initial=0.0))


def busy_times(slots: F64, adc_time_s: F64, array_time_s: F64, rows_written: F64,
               writers: F64 | NDArray[np.int64], dram_bits: F64, sram_read_bits: F64,
               sram_write_bits: F64, vector_ops: F64, chip: ChipSpec) -> F64:
    """Busy time of each :data:`RESOURCES` entry (last axis), elementwise over the inputs
    (the roofline table of the module docstring), s."""
    macro = chip.macro
    parts = np.broadcast_arrays(
        slots * adc_time_s, slots * array_time_s,
        rows_written / np.maximum(writers, 1) * macro.weight_write_latency_per_row_s,
        dram_bits / (8.0 * chip.dram.bandwidth_bytes_per_s),
        np.maximum(sram_read_bits / (8.0 * chip.sram.read_bandwidth_bytes_per_s),
                   sram_write_bits / (8.0 * chip.sram.write_bandwidth_bytes_per_s)),
        vector_ops / chip.vector.throughput_ops_per_s)
    return np.stack(parts, axis=-1)


def schedule(t: OpTable, alloc: Allocation, nest: LoopNest, traffic: Traffic,
             counts: ActionCounts, chip: ChipSpec, pipeline: bool = True) -> Schedule:
    """Roofline per op and the step latency (rules in the module docstring)."""
    macro = chip.macro
    til = alloc.tiling
    kv_rows = (counts.cell_bits_written - nest.cell_bits_written) / (macro.cols
                                                                     * macro.cell_bits)
    busy = busy_times(nest.mvm_slots, til.adc_time_s, til.array_time_s,
                      nest.cell_rows_written + kv_rows, nest.macros_used,
                      traffic.dram_read_bits + traffic.dram_write_bits,
                      traffic.sram_read_bits, traffic.sram_write_bits,
                      counts.vector_ops.sum(axis=1), chip)
    op_latency = busy.max(axis=1)
    idx = busy.argmax(axis=1)
    op_bound = tuple(RESOURCES[j] if op_latency[i] > 0 else "none"
                     for i, j in enumerate(idx))
    totals = busy.sum(axis=0)
    resource_time = {r: float(v) for r, v in zip(RESOURCES, totals, strict=True)}
    rows_per_step = t.step.rows
    pipelined = pipeline and alloc.resident and rows_per_step > 1
    if pipelined:
        tau = op_latency / rows_per_step
        path_s, path = _longest_path(t, tau)
        graph_s = path_s + (rows_per_step - 1) * float(tau.max(initial=0.0))
        candidates = {"pipeline": graph_s}
        candidates.update({f"resource:{r}": resource_time[r] for r in SHARED_RESOURCES})
    else:
        graph_s, path = _longest_path(t, op_latency)
        candidates = {"critical_path": graph_s}
        candidates.update({f"resource:{r}": resource_time[r] for r in RESOURCES})
        # Ops that stream weights each take every macro, and vector ops the vector unit, so
        # such ops cannot overlap each other: a list schedule in topological order gives a
        # feasible makespan, which the two lower bounds above may underestimate.
        on_macros = (nest.mvm_slots > 0) & (not alloc.resident)  # resident ops own macros
        candidates["serialized"] = _list_schedule(t, op_latency, on_macros,
                                                  busy[:, RESOURCES.index("vector")] > 0)
    bound = max(candidates, key=lambda k: candidates[k])
    return Schedule(busy, op_latency, op_bound, float(candidates[bound]), bound, graph_s,
                    resource_time, path, pipelined)
