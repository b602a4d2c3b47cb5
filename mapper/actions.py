"""Action counts per op and per (component, action), in the units the arch prices.

Memories (DRAM, SRAM, cells) count AccelForge's way: bits moved divided by the action's
``bits_per_action`` (1 in the bundled files, whose energies are per bit). The MAC counts
MACs performed in CIM. The vector unit counts scalar adds, multiplies, exponentials and
divisions (:mod:`grcim.mapper.vector_ops`). A toll's ``read`` counts the physical events it
sees, by its level (``v`` = input vectors of all stationary matrices times the unmasked
share, ``K x N`` the stationary matrix, ``t_k``, ``t_n``, ``ceil(K/r_a)`` from
:mod:`grcim.mapper.tiling`, ``s_w`` weight slices, ``s_x`` input slices):

| toll level | inputs (down) | outputs (up) |
|---|---|---|
| 0, chip (above the macros) | input elements x passes | output elements x rounds |
| 1, macro | ``v K t_n`` values entering macros | ``v N t_k`` values leaving |
| 2, row group | ``v K t_n s_x`` row drives | ``v N ceil(K/r_a) s_w s_x`` conversions |

Below the row-group fanout signals are per cell column and per input slice (digital
shift-and-add recombines them above), which is why level 2 multiplies by the slices. A
toll charging weights counts the weights written into the cells. Whatever tolls an arch
has, the physical ADC conversions (level-2 outputs) and DAC drives (level-2 inputs) are
reported too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from grcim.arch import ChipSpec, KvCachePlacement
from grcim.arch.nodes import ComputeNode, MemoryNode, TollNode
from grcim.mapper.allocation import Allocation
from grcim.mapper.components import ChipComponents, Component
from grcim.mapper.optable import OpTable
from grcim.mapper.traffic import Traffic
from grcim.mapper.vector_ops import VECTOR_ACTIONS, vector_op_counts
from grcim.workloads import OpKind

__all__ = ["ActionCounts", "count_actions", "bits_per_action"]

F64 = NDArray[np.float64]
Key = tuple[str, str]


def bits_per_action(node: MemoryNode | TollNode | ComputeNode, action: str) -> float:
    """Bits one action moves: the action's, else the node's ``bits_per_action``, else 1."""
    act = node.action(action)
    if act is not None and act.bits_per_action:
        return float(act.bits_per_action)
    return float(getattr(node, "bits_per_action", None) or 1.0)


@dataclass(frozen=True, eq=False)
class ActionCounts:
    """Counts of every (component, action) for every op.

    Attributes
    ----------
    keys : tuple of (str, str)
        (component name, action name) of each column.
    counts : ndarray of float64, shape (n_ops, n_keys)
        Actions of each op.
    cim_macs : ndarray of float64
        MACs performed in CIM per op.
    adc_conversions, dac_conversions : ndarray of float64
        Physical column conversions and row drives per op.
    cell_bits_written : ndarray of float64
        Bits written into the CIM cells per op (weights, dynamic operands, KV in CIM).
    vector_ops : ndarray of float64, shape (n_ops, 4)
        Adds, multiplies, exponentials and divisions on the vector unit.
    """

    keys: tuple[Key, ...]
    counts: F64
    cim_macs: F64
    adc_conversions: F64
    dac_conversions: F64
    cell_bits_written: F64
    vector_ops: F64

    def column(self, component: str, action: str) -> F64:
        """Counts of one (component, action) per op (zeros when absent)."""
        key = (component, action)
        if key not in self.keys:
            return np.zeros(self.counts.shape[0])
        return self.counts[:, self.keys.index(key)]

    def totals(self) -> dict[Key, float]:
        """Whole-step count of every (component, action)."""
        return {k: float(v) for k, v in zip(self.keys, self.counts.sum(axis=0), strict=True)}


def _toll_events(c: Component, t: OpTable, alloc: Allocation, chip: ChipSpec,
                 cell_bits: F64) -> F64:
    macro = chip.macro
    til = alloc.tiling
    v = alloc.vectors * alloc.count * alloc.density
    slices_x = macro.n_input_slices
    out = np.zeros(len(t))
    if "input" in c.charges:
        if c.level == 0:
            out += t.input_elements * alloc.input_passes * alloc.cim
        else:
            out += v * t.k * til.n_tiles * (slices_x if c.level == 2 else 1)
    if "output" in c.charges:
        if c.level == 0:
            out += t.output_elements * alloc.k_rounds * alloc.cim
        elif c.level == 1:
            out += v * t.n * til.k_tiles
        else:
            out += v * t.n * til.row_partials * macro.converted_slices * slices_x
    if "weight" in c.charges:
        out += cell_bits / (macro.n_weight_slices * macro.cell_bits)
    return np.where(alloc.cim | (c.level == 0), out, 0.0)


def count_actions(t: OpTable, alloc: Allocation, traffic: Traffic, comps: ChipComponents,
                  chip: ChipSpec) -> ActionCounts:
    """Count every action of every op (rules in the module docstring)."""
    macro = chip.macro
    cols: dict[Key, F64] = defaultdict(lambda: np.zeros(len(t)))
    mem = ((comps.dram, traffic.dram_read_bits, traffic.dram_write_bits),)
    if comps.sram is not None:
        mem += ((comps.sram, traffic.sram_read_bits, traffic.sram_write_bits),)
    for c, read, write in mem:
        cols[c.name, "read"] = read / bits_per_action(c.node, "read")
        cols[c.name, "write"] = write / bits_per_action(c.node, "write")
    cim_macs = np.where(alloc.cim, t.macs, 0).astype(np.float64)
    bits_per_weight = macro.n_weight_slices * macro.cell_bits
    cell_bits = traffic.cell_bits_written.copy()
    if chip.kv_cache_placement is KvCachePlacement.CIM:  # new K/V written into the macros
        cell_bits += t.kv_write_elements * float(bits_per_weight)
    if comps.cells is not None:
        node = comps.cells.node
        cols[comps.cells.name, "read"] = cim_macs * bits_per_weight / bits_per_action(node,
                                                                                      "read")
        cols[comps.cells.name, "write"] = cell_bits / bits_per_action(node, "write")
    cols[comps.mac.name, "compute"] = cim_macs
    for c in comps.tolls:
        cols[c.name, "read"] = cols[c.name, "read"] + _toll_events(c, t, alloc, chip, cell_bits)
    vec = vector_op_counts(t, t.is_kind(OpKind.DYNAMIC_MATMUL) & ~alloc.cim)
    if comps.vector is not None:
        for j, action in enumerate(VECTOR_ACTIONS):
            cols[comps.vector.name, action] = vec[:, j]
    v = alloc.vectors * alloc.count * alloc.density
    adc = np.where(alloc.cim, v * t.n * alloc.tiling.row_partials * macro.converted_slices
                   * macro.n_input_slices, 0.0)
    dac = np.where(alloc.cim, v * t.k * alloc.tiling.n_tiles * macro.n_input_slices, 0.0)
    keys = tuple(cols)
    counts = np.column_stack([cols[k] for k in keys]) if keys else np.zeros((len(t), 0))
    return ActionCounts(keys, counts, cim_macs, adc, dac, cell_bits, vec)
