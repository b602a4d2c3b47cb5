"""Action counts per op and per (component, action), in the units the arch prices.

Memories (DRAM, SRAM, cells, vector registers) count AccelForge's way: bits moved divided
by the action's ``bits_per_action`` (1 in the bundled files, whose energies are per bit).
The MAC counts MACs performed in CIM. The vector unit counts scalar adds, multiplies,
exponentials and divisions (:mod:`grcim.mapper.vector_ops`). A toll's ``read`` counts the
physical events it sees, by its level (``v`` = input vectors of all stationary matrices
times the unmasked share, ``K x N`` the stationary matrix, ``t_k``, ``t_n``, ``ceil(K/r_a)``
from :mod:`grcim.mapper.tiling`, ``s_w`` weight slices, ``s_x`` input slices; ``rho_x``
input passes and ``g`` partial-sum rounds of the op's loop nest):

| toll level | inputs (down) | outputs (up) |
|---|---|---|
| 0, chip (above the macros) | input elements x ``rho_x`` | output elements x ``g`` |
| 1, macro | ``v K t_n`` values entering macros | ``v N t_k`` values leaving |
| 2, row group | ``v K t_n s_x`` row drives | ``v N ceil(K/r_a) s_w s_x`` conversions |

Below the row-group fanout signals are per cell column and per input slice (digital
shift-and-add recombines them above), which is why level 2 multiplies by the slices. A
toll charging weights counts the weights written into the cells. Whatever tolls an arch
has, the physical ADC conversions (level-2 outputs) and DAC drives (level-2 inputs) are
reported too.

Vector registers (a ``!Memory`` in the vector unit's branch): ``read`` = two operand values
per MAC run on the vector unit (bits); ``write`` = the operand values loaded into them
from SRAM or DRAM (bits).

:func:`count_columns` is elementwise over its inputs, so :mod:`grcim.mapper.search` prices
candidate loop nests with the same formulas that count the chosen one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from grcim.arch import MacroSpec
from grcim.arch.nodes import ComputeNode, MemoryNode, TollNode
from grcim.mapper.components import ChipComponents, Component
from grcim.mapper.vector_ops import VECTOR_ACTIONS

__all__ = ["ActionCounts", "CountInputs", "count_columns", "bits_per_action", "all_keys"]

F64 = NDArray[np.float64]
Key = tuple[str, str]


def bits_per_action(node: MemoryNode | TollNode | ComputeNode, action: str) -> float:
    """Bits one action moves: the action's, else the node's ``bits_per_action``, else 1."""
    act = node.action(action)
    if act is not None and act.bits_per_action:
        return float(act.bits_per_action)
    return float(getattr(node, "bits_per_action", None) or 1.0)


def all_keys(comps: ChipComponents) -> tuple[Key, ...]:
    """Every (component, action) the mapper may count on this chip, in column order."""
    keys: list[Key] = [(comps.dram.name, "read"), (comps.dram.name, "write")]
    for c in (comps.sram, comps.cells, comps.registers):
        if c is not None:
            keys += [(c.name, "read"), (c.name, "write")]
    keys.append((comps.mac.name, "compute"))
    keys += [(c.name, "read") for c in comps.tolls]
    if comps.vector is not None:
        keys += [(comps.vector.name, a) for a in VECTOR_ACTIONS]
    return tuple(keys)


@dataclass(frozen=True, eq=False)
class CountInputs:
    """What the counts depend on, per op or per candidate (broadcastable arrays).

    Attributes
    ----------
    dram_read_bits, dram_write_bits, sram_read_bits, sram_write_bits : ndarray
        Bits moved (:mod:`grcim.mapper.traffic`).
    cell_bits_written : ndarray
        Bits written into the CIM cells.
    cim_macs : ndarray
        MACs run in CIM.
    cim : ndarray of bool
        The op runs in CIM.
    input_elements, output_elements : ndarray
        The op's input and output elements.
    input_passes, rounds : ndarray
        ``rho_x`` and ``g`` of the loop nest (chip-level tolls).
    vectors : ndarray
        ``v`` of the level-1/2 toll table (input vectors x matrices x unmasked share).
    k, n, k_tiles, n_tiles, row_partials : ndarray
        Stationary-matrix shape and tiling.
    vector_ops : ndarray, shape (..., 4)
        Adds, multiplies, exponentials and divisions on the vector unit.
    register_read_bits, register_write_bits : ndarray
        Bits read from / written to the vector registers.
    """

    dram_read_bits: F64
    dram_write_bits: F64
    sram_read_bits: F64
    sram_write_bits: F64
    cell_bits_written: F64
    cim_macs: F64
    cim: NDArray[np.bool_]
    input_elements: F64
    output_elements: F64
    input_passes: F64
    rounds: F64
    vectors: F64
    k: F64
    n: F64
    k_tiles: F64
    n_tiles: F64
    row_partials: F64
    vector_ops: F64
    register_read_bits: F64
    register_write_bits: F64


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
        return {k: float(v) for k, v in zip(self.keys, self.counts.sum(axis=0),
                                            strict=True)}


def conversions(q: CountInputs, macro: MacroSpec) -> tuple[F64, F64]:
    """Physical (ADC conversions, DAC row drives) of the level-2 table."""
    adc = np.where(q.cim, q.vectors * q.n * q.row_partials * macro.converted_slices
                   * macro.n_input_slices, 0.0)
    dac = np.where(q.cim, q.vectors * q.k * q.n_tiles * macro.n_input_slices, 0.0)
    return adc, dac


def _toll_events(c: Component, q: CountInputs, macro: MacroSpec) -> F64:
    slices_x = macro.n_input_slices
    out = np.zeros(np.broadcast(q.cim, q.vectors).shape)
    if "input" in c.charges:
        if c.level == 0:
            out = out + q.input_elements * q.input_passes
        else:
            out = out + q.vectors * q.k * q.n_tiles * (slices_x if c.level == 2 else 1)
    if "output" in c.charges:
        if c.level == 0:
            out = out + q.output_elements * q.rounds
        elif c.level == 1:
            out = out + q.vectors * q.n * q.k_tiles
        else:
            out = out + (q.vectors * q.n * q.row_partials * macro.converted_slices * slices_x)
    if "weight" in c.charges:
        out = out + q.cell_bits_written / (macro.n_weight_slices * macro.cell_bits)
    return np.where(q.cim, out, 0.0)


def count_columns(q: CountInputs, comps: ChipComponents, macro: MacroSpec
                  ) -> dict[Key, F64]:
    """Count of every (component, action) of :func:`all_keys` (rules in the module
    docstring), elementwise over the arrays of ``q``."""
    cols: dict[Key, F64] = defaultdict(lambda: np.zeros(1))
    mem = [(comps.dram, q.dram_read_bits, q.dram_write_bits)]
    if comps.sram is not None:
        mem.append((comps.sram, q.sram_read_bits, q.sram_write_bits))
    if comps.registers is not None:
        mem.append((comps.registers, q.register_read_bits, q.register_write_bits))
    bits_per_weight = macro.n_weight_slices * macro.cell_bits
    if comps.cells is not None:
        mem.append((comps.cells, q.cim_macs * bits_per_weight, q.cell_bits_written))
    for c, read, write in mem:
        cols[c.name, "read"] = read / bits_per_action(c.node, "read")
        cols[c.name, "write"] = write / bits_per_action(c.node, "write")
    cols[comps.mac.name, "compute"] = q.cim_macs
    for c in comps.tolls:
        cols[c.name, "read"] = cols[c.name, "read"] + _toll_events(c, q, macro)
    if comps.vector is not None:
        for j, action in enumerate(VECTOR_ACTIONS):
            cols[comps.vector.name, action] = q.vector_ops[..., j]
    return dict(cols)


def energy_of(cols: dict[Key, F64], prices: dict[Key, float]) -> F64:
    """``sum_k count_k * price_k``, elementwise."""
    total: F64 | float = 0.0
    for key, count in cols.items():
        price = prices[key]
        if price:
            total = total + count * price
    return np.asarray(total, dtype=np.float64)


def stack_counts(cols: dict[Key, F64], keys: tuple[Key, ...], n: int, q: CountInputs,
                 macro: MacroSpec) -> ActionCounts:
    """The :class:`ActionCounts` of ``n`` ops from :func:`count_columns`' output."""
    counts = np.column_stack([np.broadcast_to(cols.get(k, np.zeros(1)), (n,))
                              for k in keys]) if keys else np.zeros((n, 0))
    adc, dac = conversions(q, macro)
    return ActionCounts(keys, counts.astype(np.float64), np.broadcast_to(q.cim_macs, (n,)),
                        np.broadcast_to(adc, (n,)), np.broadcast_to(dac, (n,)),
                        np.broadcast_to(q.cell_bits_written, (n,)),
                        np.broadcast_to(q.vector_ops, (n, len(VECTOR_ACTIONS))))
