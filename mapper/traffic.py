"""Bits each op moves to and from global SRAM and DRAM, from its placement and loop nest.

An op moves three kinds of data (all sizes in bits):

- its **input** ``X`` (activations; Q or the softmax probabilities for attention), from
  where :mod:`grcim.mapper.placement` put it. Read ``rho_x`` times (``input_reads`` of the
  op's :class:`~grcim.mapper.search.LoopNest`: one per pass over the output tiles). When it
  lives in DRAM and is *staged*, it is read from DRAM once, written to SRAM once and re-read
  ``rho_x`` times from SRAM;
- its **second operand** ``S``: streamed weights (from DRAM, re-read once per row chunk and
  written into the cells), norm gains and embedding rows (DRAM), or K/V read from the KV
  cache (``kv_cache_placement``: DRAM or SRAM; nothing when K/V live in CIM). Read
  ``rho_s`` times, optionally staged in SRAM as the input is;
- its **output** ``Y``, written to its placement; with ``g`` partial-sum rounds (the
  reduction split over ``g`` groups of macros or register tiles) the ``g - 1`` partial sums
  are written and read back once each in SRAM, or in DRAM when the loop nest puts them
  there. The final sum is written once, where the output lives.

New K/V entries go to the KV cache (DRAM or SRAM; into the cells when it lives in CIM,
counted by :mod:`grcim.mapper.actions`). Resident weights move nothing (with
``weights_preloaded=False`` they are read from DRAM once). Weight transfers from DRAM to the
macros bypass the SRAM, as AccelForge's optimal mappings do.

The formulas are elementwise (:func:`operand_bits`, :func:`output_bits`), so the mapping
search prices every candidate loop nest with the same code that counts the chosen one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from grcim.arch import ChipSpec, KvCachePlacement
from grcim.mapper.allocation import Allocation
from grcim.mapper.optable import OpTable
from grcim.mapper.placement import Placement, format_bytes

if TYPE_CHECKING:
    from grcim.mapper.search import LoopNest

__all__ = ["Traffic", "plan_traffic", "operand_bits", "output_bits", "second_operand",
           "format_bytes"]

F64 = NDArray[np.float64]
B = NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Traffic:
    """Bits each op moves (arrays of shape ``(n_ops,)``).

    Attributes
    ----------
    dram_read_bits, dram_write_bits, sram_read_bits, sram_write_bits : ndarray of float64
        Bits read from / written to DRAM and SRAM by the op.
    weight_dram_bits : ndarray of float64
        Weight bits read from DRAM by CIM ops (part of ``dram_read_bits``).
    output_in_dram, input_in_dram : ndarray of bool
        Where the op's output goes and where its input comes from.
    kv_cache_bits : float
        Size of the KV cache after the step (all layers), bits.
    weight_storage_bits : float
        All model weights, bits (the DRAM backing store).
    """

    dram_read_bits: F64
    dram_write_bits: F64
    sram_read_bits: F64
    sram_write_bits: F64
    weight_dram_bits: F64
    output_in_dram: B
    input_in_dram: B
    kv_cache_bits: float
    weight_storage_bits: float


def operand_bits(bits: F64, in_dram: B | bool, reads: F64, staged: B | bool
                 ) -> tuple[F64, F64, F64]:
    """(DRAM read, SRAM read, SRAM write) bits of an operand of ``bits`` read ``reads``
    times from its home (``in_dram`` or SRAM); ``staged`` = copied from DRAM to SRAM once
    and re-read there."""
    total = bits * reads
    staged = np.logical_and(in_dram, staged)
    dram_r = np.where(in_dram, np.where(staged, bits, total), 0.0)
    sram_r = np.where(np.logical_and(in_dram, ~staged), 0.0, total)
    sram_w = np.where(staged, bits, 0.0)
    return dram_r, sram_r, sram_w


def output_bits(bits: F64, out_dram: B | bool, rounds: F64, psum_dram: B | bool
                ) -> tuple[F64, F64, F64, F64]:
    """(DRAM read, DRAM write, SRAM read, SRAM write) bits of an output of ``bits`` summed
    over ``rounds`` partial-sum rounds; partial sums in DRAM when ``psum_dram``."""
    partial = bits * (rounds - 1)
    dram_r = np.where(psum_dram, partial, 0.0)
    dram_w = np.where(out_dram, bits, 0.0) + dram_r
    sram_r = np.where(psum_dram, 0.0, partial)
    sram_w = np.where(out_dram, 0.0, bits) + sram_r
    return dram_r, dram_w, sram_r, sram_w


def second_operand(t: OpTable, alloc: Allocation, chip: ChipSpec) -> tuple[F64, B]:
    """Bits of each op's second operand (streamed weights, gains, K/V) and whether it is
    read from DRAM (else SRAM); zero for resident weights and K/V kept in CIM."""
    weights = t.bits("weight_elements", "weight_bits")
    kv = t.bits("kv_read_elements", "kv_bits")
    resident = alloc.stationary & ~alloc.dynamic_cim
    weights = np.where(resident, 0.0 if alloc.weights_preloaded else weights, weights)
    place = chip.kv_cache_placement
    if place is KvCachePlacement.CIM:
        kv = np.where(alloc.dynamic_cim, 0.0, kv)
    dynamic = alloc.dynamic_cim | alloc.vector_matmul
    bits = np.where(dynamic, kv, weights)
    in_dram = np.where(dynamic, place is KvCachePlacement.DRAM, True)
    return bits, in_dram


def plan_traffic(t: OpTable, alloc: Allocation, place: Placement, nest: LoopNest,
                 chip: ChipSpec) -> Traffic:
    """Bits moved by every op under its placement and loop nest (module docstring)."""
    x = t.bits("input_elements", "input_bits")
    xr, xs_r, xs_w = operand_bits(x, place.input_in_dram, nest.input_reads,
                                  nest.input_staged)
    s, s_dram = second_operand(t, alloc, chip)
    sr, ss_r, ss_w = operand_bits(s, s_dram, nest.operand_reads, nest.operand_staged)
    y = t.bits("output_elements", "output_bits")
    yr, yw, ys_r, ys_w = output_bits(y, place.output_in_dram, nest.rounds.astype(float),
                                     nest.psum_in_dram)
    kv_write = t.bits("kv_write_elements", "kv_bits")
    kv_place = chip.kv_cache_placement
    kv_dram = kv_write if kv_place is KvCachePlacement.DRAM else 0.0
    kv_sram = kv_write if kv_place is KvCachePlacement.SRAM else 0.0
    weight_dram = np.where(alloc.cim & ~alloc.dynamic_cim, sr, 0.0)
    return Traffic(xr + sr + yr, yw + kv_dram, xs_r + ss_r + ys_r, xs_w + ss_w + ys_w + kv_sram,
                   weight_dram, place.output_in_dram, place.input_in_dram,
                   place.kv_cache_bits, place.weight_storage_bits)
