"""Where each activation lives between ops (SRAM or DRAM), and the SRAM left free at each op.

Activations are the op outputs; each lives from the op that produces it to its last
reader (rows of the :class:`~grcim.mapper.optable.OpTable` are a topological order, the
order ops run in). The SRAM available to activations is ``S = sram_fraction * (SRAM - KV
cache placed there)``. Walking the ops in order (linear-scan allocation), each new output
joins the SRAM; while the outputs held exceed ``S``, the one whose last reader comes
latest is spilled: written to DRAM by its producer and read back from there by every
reader (no layer fusion). A residual stream waiting for its add thus yields its place to
the projections that run in between.
Outputs nobody reads (the logits) go to DRAM; an op without producers reads its input from
DRAM (graph boundary), and an op reads its input from DRAM when any producer's output went
there.

``free_bits[i] = S - (activations live in SRAM at op i)``, the op's own input and output
included, is the SRAM op ``i`` may use for staging (input tiles, partial sums of an output
that lives in DRAM): :mod:`grcim.mapper.search` keeps every candidate mapping within it.

Checks (:class:`grcim.errors.MappingError`, naming what does not fit where): a KV cache
placed in SRAM fits in it; DRAM holds the weights, a KV cache placed there, and the largest
spilled activation with its successor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from grcim.arch import ChipSpec, KvCachePlacement
from grcim.errors import MappingError
from grcim.mapper.optable import OpTable

__all__ = ["Placement", "place_activations", "format_bytes"]

F64 = NDArray[np.float64]
B = NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Placement:
    """Where the activations of one step live (arrays of shape ``(n_ops,)``).

    Attributes
    ----------
    output_in_dram, input_in_dram : ndarray of bool
        The op's output goes to DRAM; the op reads its input from DRAM.
    free_bits : ndarray of float64
        SRAM bits free at the op besides the activations live there (its own input and
        output included), bits; 0 without an SRAM.
    sram_bits : float
        SRAM bits available to activations and staging (after a KV cache placed there,
        times ``sram_fraction``).
    kv_cache_bits : float
        Size of the KV cache after the step (all layers), bits.
    weight_storage_bits : float
        All model weights, bits (the DRAM backing store).
    """

    output_in_dram: B
    input_in_dram: B
    free_bits: F64
    sram_bits: float
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
    step = t.step
    if step.config is not None and step.weight_bits is not None and step.kv_bits is not None:
        from grcim.workloads import parameter_count
        from grcim.workloads.totals import kv_cache_elements

        weights = float(parameter_count(step.config)) * step.weight_bits
        kv = float(kv_cache_elements(step.config, step.batch, step.context)) * step.kv_bits
        return weights, kv
    # A hand-built graph: what its ops hold.
    return float(t.bits("weight_elements", "weight_bits").sum()), float(
        t.bits("kv_read_elements", "kv_bits").sum() / 2)


def _last_use(t: OpTable) -> np.ndarray:
    last = np.arange(len(t))
    for j, preds in enumerate(t.predecessors):
        for p in preds:
            last[p] = max(last[p], j)
    return last


def place_activations(t: OpTable, chip: ChipSpec, has_sram: bool,
                      sram_fraction: float = 1.0) -> Placement:
    """Place every activation in SRAM or DRAM (rules in the module docstring).

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
    cap = sram_fraction * sram_bits
    out_bits = t.bits("output_elements", "output_bits")
    last = _last_use(t)
    out_dram = np.ones(len(t), dtype=bool)
    active: dict[int, float] = {}  # outputs living in SRAM now
    held = 0.0
    for i in range(len(t)):
        for j in [j for j in active if last[j] < i]:  # read for the last time: freed
            held -= active.pop(j)
        if t.successors_count[i] == 0 or out_bits[i] <= 0:
            continue
        active[i] = float(out_bits[i])
        held += active[i]
        while held > cap:  # linear scan: spill what is needed furthest in the future
            j = max(active, key=lambda a: (last[a], active[a]))
            held -= active.pop(j)
            out_dram[j] = True
        out_dram[i] = i not in active
    used = np.zeros(len(t))
    for s in np.flatnonzero(~out_dram):
        used[s:int(last[s]) + 1] += out_bits[s]
    in_dram = np.array([bool(not ps) or bool(np.any(out_dram[list(ps)]))
                        for ps in t.predecessors])
    in_dram &= t.input_elements > 0
    spilled = float(np.max(np.where(out_dram, out_bits, 0.0), initial=0.0))
    kv_dram = kv_place is KvCachePlacement.DRAM
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
    free = np.maximum(cap - used, 0.0)
    return Placement(out_dram, in_dram, free, cap, kv_bits, weights_bits)
