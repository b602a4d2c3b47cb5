"""Data placement and the bits each op moves to and from global SRAM and DRAM.

Placement rules (all sizes in bits; ``S`` = SRAM capacity left after a KV cache placed in
SRAM, ``f`` = ``sram_fraction``, default 1/2: the other half holds the tensor being produced):

- **Weights** live in DRAM. A streaming weight matmul reads its whole weight matrix from
  DRAM once per step and writes it into the cells (replicas are written from the same
  read: broadcast); DRAM-to-macro transfers bypass the SRAM, as AccelForge's optimal
  mappings do. Resident weights (:mod:`grcim.mapper.allocation`) move nothing. Vector-op
  weights (norm gains) and embedding rows are read from DRAM.
- **Activations**: an op's output stays in SRAM when it is at most ``f * S``; larger
  outputs are written to DRAM and read back from there (no layer fusion). The outputs of
  ops nobody reads (the logits) go to DRAM, and ops without producers read their input
  from DRAM (graph boundary). An op reads its input from DRAM when any producer's output
  went there.
- **Loop order of a streaming CIM op** whose input comes from DRAM and is streamed more
  than once (``input_passes > 1``), or whose partial sums (``k_rounds > 1``) would go to
  DRAM: (a) weights loaded once, the input re-read from DRAM on every pass, partial sums
  written to and read back from DRAM; (b) the input staged in SRAM: in
  ``c = ceil((input bits + output bits if partial sums) / (f S))`` row chunks (one when
  it fits), each chunk's
  input is read from DRAM once, written to SRAM and re-read from there, its partial sums
  stay in SRAM, and the weights are re-read from DRAM and re-written into the cells once
  per chunk. The mapper takes (b) when it moves fewer DRAM bits. Otherwise (a); an input
  already in SRAM is read ``input_passes`` times from SRAM.
- **KV cache** (``kv_cache_placement``): ``dram`` or ``sram``: new K/V are written there and
  attention reads all positions from there; ``cim``: K/V stay in the macros (writes go to
  the cells, reads cost nothing).

Checks (:class:`grcim.errors.MappingError`, naming what does not fit where): the KV cache
placed in SRAM fits in it; DRAM holds the weights, a KV cache placed there, and the
largest spilled activation with its successor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from grcim.arch import ChipSpec, KvCachePlacement
from grcim.errors import MappingError
from grcim.mapper.allocation import Allocation
from grcim.mapper.optable import OpTable

__all__ = ["Traffic", "plan_traffic", "format_bytes"]

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
        The weight part of ``dram_read_bits``.
    output_in_dram, input_in_dram : ndarray of bool
        Where the op's output goes and where its input comes from.
    chunks : ndarray of float64
        Row chunks of a streaming CIM op (1 = weights loaded once per step).
    cell_bits_written, cell_rows_written : ndarray of float64
        Cell bits and rows written per op (the allocation's, times ``chunks``).
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
    chunks: F64
    cell_bits_written: F64
    cell_rows_written: F64
    kv_cache_bits: float
    weight_storage_bits: float


def format_bytes(n_bytes: float) -> str:
    """``1.23 GB``-style text (decimal prefixes) for error messages."""
    for scale, unit in ((1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.3g} {unit}"
    return f"{n_bytes:.0f} B"


def _storage(t: OpTable) -> tuple[float, float]:
    """(weight bits of the whole model, KV-cache bits after the step)."""
    attrs = t.graph_attrs
    config = attrs.get("config")
    if config is not None and {"batch", "context", "weight_bits", "kv_bits"} <= set(attrs):
        from grcim.workloads import parameter_count
        from grcim.workloads.totals import kv_cache_elements

        weights = float(parameter_count(config)) * attrs["weight_bits"]
        kv = float(kv_cache_elements(config, attrs["batch"], attrs["context"])) * attrs[
            "kv_bits"]
        return weights, kv
    # A hand-built graph: what its ops hold.
    return float(t.bits("weight_elements", "weight_bits").sum()), float(
        t.bits("kv_read_elements", "kv_bits").sum() / 2)


def plan_traffic(t: OpTable, alloc: Allocation, chip: ChipSpec, has_sram: bool,
                 sram_fraction: float = 0.5) -> Traffic:
    """Bits moved by every op under the placement rules of the module docstring.

    Raises
    ------
    grcim.errors.MappingError
        A KV cache placed in SRAM does not fit; DRAM cannot hold what must live there.
    """
    weights_bits, kv_bits = _storage(t)
    sram_bits = 8.0 * chip.sram.size_bytes if has_sram else 0.0
    kv_place = chip.kv_cache_placement
    if kv_place is KvCachePlacement.SRAM:
        if not has_sram or kv_bits > sram_bits:
            raise MappingError(
                f"KV cache of {format_bytes(kv_bits / 8)} does not fit in the global SRAM "
                f"({format_bytes(sram_bits / 8)}, kv_cache_placement 'sram'); use 'dram'")
        sram_bits -= kv_bits
    out_bits = t.bits("output_elements", "output_bits")
    in_bits = t.bits("input_elements", "input_bits")
    share = sram_fraction * sram_bits
    out_dram = (out_bits > share) | (t.successors_count == 0)
    in_dram = np.array([bool(not ps) or bool(np.any(out_dram[list(ps)]))
                        for ps in t.predecessors])
    in_dram &= in_bits > 0
    streaming_weights = alloc.cim & ~alloc.dynamic_cim & (alloc.cell_bits_written > 0)
    weight_bits = np.where(alloc.cim & ~streaming_weights, 0.0,
                           t.bits("weight_elements", "weight_bits"))
    kv_read = t.bits("kv_read_elements", "kv_bits")
    kv_write = t.bits("kv_write_elements", "kv_bits")
    if kv_place is KvCachePlacement.CIM:
        kv_read = np.where(alloc.dynamic_cim, 0.0, kv_read)
        kv_write = np.zeros_like(kv_write)  # written into the cells (actions count them)
    kv_dram = kv_place is KvCachePlacement.DRAM
    passes = alloc.input_passes
    partial = out_bits * (alloc.k_rounds - 1)  # written and read back once each
    # Order (a), one row chunk: inputs re-streamed from their memory on every pass, partial
    # sums kept in the output's memory. Order (b), SRAM-sized row chunks: inputs staged in
    # SRAM once, partial sums stay there, weights re-read once per chunk. Take (b) when it
    # moves fewer DRAM bits.
    chunks = np.ones(len(t))
    staged = np.zeros(len(t), dtype=bool)
    if share > 0:
        # a chunk holds its input; its outputs too only while they are partial sums
        held = in_bits + np.where(alloc.k_rounds > 1, out_bits, 0.0)
        c_min = np.maximum(1.0, np.ceil(held / share))
        dram_a = weight_bits + np.where(in_dram, in_bits * passes, 0.0) + np.where(
            out_dram, 2.0 * partial, 0.0)
        dram_b = c_min * weight_bits + np.where(in_dram, in_bits, 0.0)
        worth = streaming_weights & ((in_dram & (passes > 1)) | (out_dram & (partial > 0)))
        staged = worth & (dram_b < dram_a)
        chunks = np.where(staged, c_min, 1.0)
    weight_read = weight_bits * chunks
    stream = in_bits * passes
    dram_read = (weight_read + np.where(in_dram, np.where(staged, in_bits, stream), 0.0)
                 + np.where(out_dram & ~staged, partial, 0.0) + (kv_read if kv_dram else 0.0))
    dram_write = (np.where(out_dram, out_bits, 0.0) + np.where(out_dram & ~staged, partial, 0.0)
                  + (kv_write if kv_dram else 0.0))
    sram_read = (np.where(in_dram & ~staged, 0.0, stream)
                 + np.where(out_dram & ~staged, 0.0, partial) + (0.0 if kv_dram else kv_read))
    sram_write = (np.where(out_dram, 0.0, out_bits) + np.where(out_dram & ~staged, 0.0, partial)
                  + np.where(in_dram & staged, in_bits, 0.0) + (0.0 if kv_dram else kv_write))
    spilled = float(np.max(np.where(out_dram, out_bits, 0.0), initial=0.0))
    need = weights_bits + (kv_bits if kv_dram else 0.0) + 2.0 * spilled
    dram_bits = 8.0 * chip.dram.size_bytes
    if need > dram_bits:
        parts = [f"weights {format_bytes(weights_bits / 8)}"]
        if kv_dram:
            parts.append(f"KV cache {format_bytes(kv_bits / 8)}")
        if spilled:
            parts.append(f"spilled activations {format_bytes(2 * spilled / 8)}")
        raise MappingError(f"{' + '.join(parts)} = {format_bytes(need / 8)} do not fit in "
                           f"DRAM ({format_bytes(dram_bits / 8)})")
    return Traffic(dram_read, dram_write, sram_read, sram_write, weight_read, out_dram,
                   in_dram, chunks, alloc.cell_bits_written * chunks,
                   alloc.cell_rows_written * chunks, kv_bits, weights_bits)
