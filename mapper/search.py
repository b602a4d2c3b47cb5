"""Mapping search per op: loop order, wave shape, row chunks and data placement.

Every candidate is priced in closed form with the same formulas that count the chosen one
(:mod:`grcim.mapper.traffic`, :mod:`grcim.mapper.actions`, :func:`grcim.mapper.schedule.
busy_times`), and the best by the objective is kept:

- ``energy`` (default): dynamic energy plus the chip's leakage power over the op's time;
- ``latency``: the op's roofline time (ties broken by energy);
- ``edp``: that energy times that time.

**CIM ops whose stationary operand streams** (the weights do not all fit in the macros, or
K/V written into the macros each step). The op's ``t_k x t_n`` tiles (per matrix) run in
*waves* of ``k_w x n_w`` tiles on the ``P_s`` streaming macros (``k_w`` row tiles of a
column tile share their input by broadcast); candidates are every ``k_w`` giving a distinct
number of reduction groups ``g = ceil(t_k / k_w) `` (``n_w = min(t_n, floor(P_s / k_w))``,
``q = ceil(t_n / n_w)`` column groups), each with

- a loop order: **weights-outer** (column groups outer, reduction groups inner: one group
  of outputs is finished before the next starts) or **K-outer** (reduction groups outer:
  the input slice of one group is reused by every column group while all outputs
  accumulate); with ``c > 1`` row chunks outermost (**input-outer**) when the working set
  does not fit in the SRAM; the weights are read from DRAM and written into the cells once
  per chunk;
- where the input tiles come from: its home (SRAM, or DRAM re-read on every pass), or
  staged in SRAM (read from DRAM once; weights-outer stages the whole chunk, K-outer one
  reduction group's slice);
- where the ``g - 1`` partial sums live: with the output in SRAM (in place), else SRAM
  (weights-outer holds one column group's outputs, K-outer all of them) or DRAM;
- replication: idle macros of a wave hold up to ``r`` copies of its tiles and take other
  input rows (more cell writes, fewer sequential MVMs), ``r`` = 1, 2, 4, ... when allowed.

Counts: the input is read ``q`` times (``rho_x``), the output summed over ``g`` rounds,
the weights read ``c`` times. Sequential MVMs per macro:
``c * sum_waves max(1, ceil(density * ceil(v_c / r)))`` (``v_c = ceil(v / c)`` rows per
chunk, ``r`` copies of a wave's tiles, ``density`` the unmasked share: a macro runs whole
MVMs, at least one per wave). The SRAM working set (staged input and partial sums, per
row, times ``v_c`` rows) must fit in the SRAM left free at the op
(:mod:`grcim.mapper.placement`); ``c`` is the fewest chunks for which it does. The
``8 (2 + log2 P)`` variants x ``O(sqrt t_k)`` wave shapes are evaluated as one numpy array.
For QK^T/PV in CIM, the matrices of one op are laid side by side along the column tiles
(each receives its own ``v`` rows).

**QK^T and PV on the vector unit** (``v x K`` times ``K x N`` per KV head, ``v`` = query
rows of the group): operands reach the lanes through the vector registers (a ``!Memory``
in the vector unit's branch, of ``R`` bits). Candidates (``b_*`` bits per value):

| scheme | held in registers (capacity) | re-reads |
|---|---|---|
| no reuse | nothing | A ``N``, B ``v``, partial sums ``K`` |
| A-stationary | ``a`` rows of A: ``a (K b_a + b_y) + K b_b`` | B ``ceil(v / a)`` |
| B-stationary | ``b`` columns of B: ``b (K b_b + b_y) + K b_a`` | A ``ceil(N / b)`` |
| output-stationary | ``m x n`` sums: ``m n b_y + m b_a + n b_b`` | A ``N/n``, B ``v/m`` |
| K-tiled | ``k`` rows of B: ``k (N b_b + b_a) + N b_y`` | partial sums ``ceil(K / k)`` |

Each capacity must stay within ``R``; ``m`` runs over powers of 2. "No reuse" is what a
vector unit without registers does: every MAC reads both operands and its partial sum.
Re-reads beyond the first scale with the unmasked share (causal attention reads only the
keys a query tile sees). A re-read operand living in DRAM may be staged in SRAM (one
group's share), partial sums live in SRAM or DRAM, all within the free SRAM.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from grcim.arch import ChipSpec, MacroSpec
from grcim.arch.nodes import MemoryNode
from grcim.errors import MappingError
from grcim.mapper.actions import CountInputs, count_columns, energy_of
from grcim.mapper.allocation import Allocation, ceil_div
from grcim.mapper.components import ChipComponents
from grcim.mapper.optable import OpTable
from grcim.mapper.placement import Placement
from grcim.mapper.schedule import busy_times, tile_rows
from grcim.mapper.traffic import operand_bits, output_bits, second_operand
from grcim.mapper.vector_ops import vector_op_counts
from grcim.workloads import OpKind

__all__ = ["OBJECTIVES", "LoopNest", "search_mappings"]

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
B = NDArray[np.bool_]
OBJECTIVES: tuple[str, ...] = ("energy", "latency", "edp")
"""Objectives of the search (``--objective``)."""
WEIGHTS_OUTER, K_OUTER = 0, 1
_ORDER = {WEIGHTS_OUTER: "weights-outer", K_OUTER: "K-outer"}
_VECTOR_SCHEMES = ("no reuse", "A-stationary", "B-stationary", "K-tiled", "output-stationary")
_OUTPUT_TILES = 2 ** np.arange(16)  # m of the output-stationary scheme


@dataclass(frozen=True, eq=False)
class LoopNest:
    """The chosen mapping of every op (arrays of shape ``(n_ops,)``).

    Attributes
    ----------
    order : tuple of str
        Loop order of CIM ops (``weights-outer``, ``K-outer``, ``resident``; with
        ``chunks > 1`` it is the order inside each row chunk of an input-outer nest, see
        :meth:`loop_order`), the register scheme of vector-unit matmuls, ``""`` for other
        ops.
    k_group, n_group : ndarray of int64
        Tiles per wave along the reduction and the outputs (CIM); register tile of
        vector-unit matmuls (rows or columns held).
    chunks : ndarray of int64
        Row chunks (``> 1``: input-outer).
    input_reads : ndarray of float64
        Times the input is read (``rho_x``).
    input_staged : ndarray of bool
        The input, living in DRAM, is staged in SRAM.
    operand_reads : ndarray of float64
        Times the second operand (weights, K/V) is read.
    operand_staged : ndarray of bool
        The second operand is staged in SRAM.
    rounds : ndarray of float64
        Partial-sum rounds of the output (``g``; 1 = written once).
    psum_in_dram : ndarray of bool
        Partial sums go through DRAM.
    replicas : ndarray of int64
        Copies of a full wave's tiles (1 = none).
    mvm_slots : ndarray of float64
        Sequential MVMs per macro.
    macros_used : ndarray of int64
        Macros busy at once.
    cell_rows_written, cell_bits_written : ndarray of float64
        Cell rows and bits written (weights and dynamic operands).
    register_read_bits, register_write_bits : ndarray of float64
        Vector-register traffic of vector-unit matmuls, bits.
    candidates : ndarray of int64
        Candidates priced for the op (0 = nothing to choose).
    """

    order: tuple[str, ...]
    k_group: I64
    n_group: I64
    chunks: I64
    input_reads: F64
    input_staged: B
    operand_reads: F64
    operand_staged: B
    rounds: F64
    psum_in_dram: B
    replicas: I64
    mvm_slots: F64
    macros_used: I64
    cell_rows_written: F64
    cell_bits_written: F64
    register_read_bits: F64
    register_write_bits: F64
    candidates: I64

    def loop_order(self, i: int) -> str:
        """Op ``i``'s loop order: ``input-outer`` when it runs in row chunks, else
        :attr:`order`."""
        return "input-outer" if self.chunks[i] > 1 else self.order[i]

    def describe(self, i: int, input_in_dram: bool, output_in_dram: bool) -> str:
        """One line naming op ``i``'s loop order and data placement (empty when none)."""
        order = self.order[i]
        if not order:
            return ""
        if self.chunks[i] > 1:
            order = f"input-outer ({int(self.chunks[i])} row chunks, each {order})"
        home = "DRAM" if input_in_dram else "SRAM"
        if self.input_staged[i]:
            home = "DRAM, staged in SRAM"
        if order in _VECTOR_SCHEMES:
            parts = [order]
            if order in ("A-stationary", "B-stationary", "K-tiled"):
                parts.append(f"{int(self.k_group[i])} held")
            elif order == "output-stationary":
                parts.append(f"{int(self.k_group[i])}x{int(self.n_group[i])} sums held")
            parts.append(f"input from {home}")
            if self.operand_staged[i]:
                parts.append("K/V staged in SRAM")
        elif order == "resident":
            parts = ["resident (each op owns its tiles)", f"input from {home}"]
        else:
            parts = [order, f"{int(self.k_group[i])}x{int(self.n_group[i])} tiles per wave",
                     f"input from {home}"]
        if self.rounds[i] > 1:
            where = "DRAM" if self.psum_in_dram[i] else "SRAM"
            parts.append(f"partial sums ({self.rounds[i]:.3g} rounds) in {where}")
        parts.append(f"output to {'DRAM' if output_in_dram else 'SRAM'}")
        if self.replicas[i] > 1:
            parts.append(f"x{int(self.replicas[i])} copies")
        return ", ".join(parts)


def _fixed_inputs(t: OpTable, alloc: Allocation, idx: I64, vec: F64) -> dict:
    til = alloc.tiling
    f = lambda a: np.asarray(a, dtype=np.float64)[idx]  # noqa: E731
    cim = alloc.cim[idx]
    return dict(cim_macs=np.where(cim, f(t.macs), 0.0), cim=cim,
                input_elements=f(t.input_elements), output_elements=f(t.output_elements),
                vectors=f(alloc.vectors * alloc.count) * alloc.density[idx] * cim,
                k=f(t.k), n=f(t.n), k_tiles=f(til.k_tiles), n_tiles=f(til.n_tiles),
                row_partials=f(til.row_partials), vector_ops=vec[idx])


def _pick(score: F64, energy: F64, time: F64, slots: F64, valid: B, objective: str) -> I64:
    """Index of the best candidate of each row (``valid`` ones only): the objective, then
    ties broken by time (latency: by energy), then by fewer sequential MVMs (copies that
    cost nothing are kept)."""
    keys = (time, energy) if objective == "latency" else (score, time)
    for key in (*keys, slots):
        best = np.where(valid, key, np.inf).min(axis=1, keepdims=True)
        valid = valid & (key <= best * (1 + 1e-12))
    return np.argmax(valid, axis=1)


def _score(energy: F64, time: F64, objective: str, leak_w: float) -> tuple[F64, F64]:
    total = energy + leak_w * time
    return (total * time if objective == "edp" else total), total


def _best(energy: F64, busy: F64, slots: F64, valid: B, objective: str, leak_w: float,
          n_ops: int) -> Callable[[np.ndarray], np.ndarray]:
    """Pick each op's best candidate of a candidate array shaped like ``valid`` (ops first):
    returns ``take(a)``, the values of ``a`` (broadcast to that shape) at the picks."""
    shape = valid.shape
    time = np.broadcast_to(busy.max(axis=-1), shape)
    energy = np.broadcast_to(energy, shape)
    score, total = _score(energy, time, objective, leak_w)

    def flat(a: np.ndarray) -> np.ndarray:
        return np.broadcast_to(a, shape).reshape(n_ops, -1)

    best = _pick(flat(score), flat(total), flat(time), flat(slots), flat(valid), objective)
    rows = np.arange(n_ops)
    return lambda a: flat(a)[rows, best]


def _kw_table(t_k: I64, p_s: int) -> tuple[I64, B]:
    """Wave heights ``k_w`` with distinct ``ceil(t_k / k_w)`` and ``k_w <= p_s``, padded."""
    options: dict[int, list[int]] = {}
    for tk in np.unique(t_k):
        tk = int(tk)
        opts = sorted({-(-tk // g) for g in range(1, tk + 1)} & set(range(1, p_s + 1)))
        options[tk] = opts or [min(tk, p_s)]
    width = max(len(v) for v in options.values())
    table = np.ones((len(t_k), width), dtype=np.int64)
    valid = np.zeros((len(t_k), width), dtype=bool)
    for row, tk in enumerate(t_k):
        opts = options[int(tk)]
        table[row, :len(opts)] = opts
        valid[row, :len(opts)] = True
    return table, valid


@dataclass(frozen=True, eq=False)
class _CimOps:
    """Columns of the CIM ops searched, shaped ``(ops, 1, 1)`` to broadcast against the
    candidate axes (wave shape, variant): read once, shared by every pricing step.

    Attributes
    ----------
    t_k, t_n : ndarray of int64
        Row and column tiles of one matrix.
    count : ndarray of int64
        Matrices of the op (laid side by side along the column tiles).
    v : ndarray of int64
        Input vectors per matrix.
    k, n : ndarray of int64
        Reduction length and outputs of one matrix.
    b_in, b_out : ndarray of float64
        Bits per input and output value.
    in_dram, out_dram : ndarray of bool
        The input is read from DRAM; the output goes to DRAM.
    free : ndarray of float64
        SRAM bits free at the op.
    x, y, s : ndarray of float64
        Bits of the input, the output and the second operand.
    s_in_dram : ndarray of bool
        The second operand is read from DRAM.
    weight : ndarray of bool
        The stationary operand is a weight (not K/V written into the macros).
    density : ndarray of float64
        Unmasked share of the MVMs.
    cell_rows : ndarray of int64
        Cell rows of one copy of the op's matrices.
    adc_time_s, array_time_s : ndarray of float64
        Conversion and array time of one MVM.
    """

    t_k: I64
    t_n: I64
    count: I64
    v: I64
    k: I64
    n: I64
    b_in: F64
    b_out: F64
    in_dram: B
    out_dram: B
    free: F64
    x: F64
    y: F64
    s: F64
    s_in_dram: B
    weight: B
    density: F64
    cell_rows: I64
    adc_time_s: F64
    array_time_s: F64


def _cim_ops(t: OpTable, alloc: Allocation, place: Placement, chip: ChipSpec, idx: I64
             ) -> _CimOps:
    """The columns of the CIM ops ``idx`` as :class:`_CimOps`."""
    til = alloc.tiling
    e = lambda a: np.asarray(a)[idx][:, None, None]  # noqa: E731
    s_bits, s_dram = second_operand(t, alloc, chip)
    return _CimOps(
        t_k=e(til.k_tiles), t_n=e(til.n_tiles), count=e(alloc.count), v=e(alloc.vectors),
        k=e(t.k), n=e(t.n), b_in=e(t.input_bits).astype(float),
        b_out=e(t.output_bits).astype(float), in_dram=e(place.input_in_dram),
        out_dram=e(place.output_in_dram), free=e(place.free_bits),
        x=e(t.bits("input_elements", "input_bits")),
        y=e(t.bits("output_elements", "output_bits")), s=e(s_bits), s_in_dram=e(s_dram),
        weight=~e(alloc.dynamic_cim), density=e(alloc.density), cell_rows=e(til.cell_rows),
        adc_time_s=e(til.adc_time_s), array_time_s=e(til.array_time_s))


@dataclass(frozen=True, eq=False)
class _Waves:
    """Wave shapes of the CIM candidates, shaped ``(ops, shapes, 1)``.

    Attributes
    ----------
    p_s : int
        Macros one wave may use.
    kw, nw : ndarray of int64
        Row and column tiles per wave.
    ok : ndarray of bool
        The shape exists for the op (the table of wave heights is padded).
    g_k : ndarray of int64
        Reduction groups: partial-sum rounds of the output.
    passes : ndarray of int64
        Column groups of one matrix: times the input is read.
    kinds : tuple of (ndarray, ndarray)
        Tiles of the full wave, of the last reduction group, of the last column group and of
        the last wave of both, each with how many waves have it.
    """

    p_s: int
    kw: I64
    nw: I64
    ok: B
    g_k: I64
    passes: I64
    kinds: tuple[tuple[I64, I64], ...]


def _waves(ops: _CimOps, k_tiles: I64, macros_streaming: int, stationary: bool) -> _Waves:
    """Every wave shape of the ops: distinct ``k_w`` on the streaming macros, or all of a
    stationary op's tiles in one wave (it owns its macros)."""
    if stationary:
        p_s = max(int(np.max(ops.t_k * ops.count * ops.t_n, initial=1)), 1)
        kw2, kw_ok = k_tiles[:, None], np.ones((len(k_tiles), 1), bool)
    else:
        p_s = max(macros_streaming, 1)
        kw2, kw_ok = _kw_table(k_tiles, p_s)
    kw = kw2[:, :, None]
    nt_all = ops.count * ops.t_n
    nw = nt_all if stationary else np.minimum(nt_all, p_s // kw)
    g_k = ceil_div(ops.t_k, kw)
    g_n = ceil_div(nt_all, nw)
    passes = ceil_div(ops.t_n, np.minimum(nw, ops.t_n))
    # the last reduction group and the last column group may be partial
    k_l = ops.t_k - (g_k - 1) * kw
    n_l = nt_all - (g_n - 1) * nw
    kinds = ((kw * nw, (g_k - 1) * (g_n - 1)), (k_l * nw, g_n - 1), (kw * n_l, g_k - 1),
             (k_l * n_l, np.ones_like(g_k)))
    return _Waves(p_s, kw, nw, kw_ok[:, :, None], g_k, passes, kinds)


def _cim_variants(n_macros: int, replicate: bool) -> tuple[I64, I64, B, B]:
    """The variant axis ``(1, 1, variants)``: loop order, copy cap, input staged, partial
    sums in DRAM. Caps are 1, 2, 4, ... ``n_macros`` copies per wave (each wave takes what
    its idle macros allow); 1 only without replication."""
    caps = sorted({1 << j for j in range(n_macros.bit_length())} | {n_macros})
    if not replicate:
        caps = [1]
    variants = np.array([(o, s, d, r) for o in (WEIGHTS_OUTER, K_OUTER) for s in (0, 1)
                         for d in (0, 1) for r in caps], dtype=np.int64)
    order, cap = variants[:, 0][None, None, :], variants[:, 3][None, None, :]
    staged, psum_dram = (variants[:, j][None, None, :].astype(bool) for j in (1, 2))
    return order, cap, staged, psum_dram


def _working_set(ops: _CimOps, w: _Waves, order: I64, stage: B, psum_dram: B,
                 macro: MacroSpec) -> tuple[B, I64, B]:
    """Staging and partial sums per input row, and the fewest row chunks whose working set
    fits the free SRAM; return (input staged, chunks, valid). Staging or DRAM partial sums
    that change nothing are invalid, so no candidate is priced twice."""
    c_w = macro.cols // macro.n_weight_slices
    per_wave = np.maximum(1, np.minimum(ops.count, w.nw // ops.t_n))  # matrices side by side
    stage_row = np.where(order == WEIGHTS_OUTER, ops.k,
                         np.minimum(w.kw * macro.rows, ops.k)) * ops.b_in
    psum_row = np.where(order == WEIGHTS_OUTER, np.minimum(w.nw * c_w, ops.n), ops.n) * ops.b_out
    staged = stage & ops.in_dram & (w.passes > 1)
    psum_sram = (w.g_k > 1) & ops.out_dram & ~psum_dram
    row_bits = per_wave * (np.where(staged, stage_row, 0.0) + np.where(psum_sram, psum_row,
                                                                       0.0))
    fits = row_bits <= ops.free
    chunks = np.where(row_bits > 0, np.maximum(1, ceil_div(np.ceil(ops.v * row_bits),
                                                           np.maximum(ops.free, 1.0))), 1)
    valid = w.ok & fits & (chunks <= ops.v)
    valid &= ~stage | staged  # staging only when it helps
    valid &= ~psum_dram | ((w.g_k > 1) & ops.out_dram)
    return staged, chunks, valid


def _copies(ops: _CimOps, w: _Waves, tiles: I64, v_c: I64, cap: I64, spare: int,
            stationary: bool) -> I64:
    """Copies of a wave of ``tiles`` tiles: what its idle macros hold (a stationary op: the
    copies made when its weights were placed; K/V in CIM: one), at most one per input row
    of the chunk and ``cap``."""
    room = np.where(ops.weight, spare, 1) if stationary else w.p_s // np.maximum(tiles, 1)
    return np.minimum(np.minimum(v_c, np.maximum(1, room)), cap)


def _rounds(density: F64, rounds: I64) -> F64:
    """Whole MVM rounds of a wave of ``rounds`` dense rounds whose ``density`` share is
    unmasked: ``max(1, ceil(density * rounds))`` (0 without rounds). A causal mask skips
    products, but a macro runs whole MVMs and a wave takes at least one: the fractional
    ``density * rounds`` made 4 prompt tokens of PV in CIM faster than 3 (2 rounds x 0.625
    against 2 x 0.667)."""
    dense = np.asarray(rounds, dtype=np.float64)
    # the product of a ratio and an integer may land a hair above a whole number
    whole = np.ceil(density * dense * (1.0 - 1e-12))
    return np.where(dense > 0, np.maximum(whole, 1.0), 0.0)


def _replication(ops: _CimOps, w: _Waves, v_c: I64, cap: I64, spare: int, stationary: bool,
                 shape: tuple[int, ...]) -> tuple[F64, F64, F64]:
    """Sequential MVMs per macro in one chunk (whole unmasked rounds of every wave,
    :func:`_rounds`), tiles written for copies and macros busy at once, over the four wave
    kinds (a partial wave has room for more copies)."""
    slots = np.zeros(shape)
    extra = np.zeros(shape)
    used = np.zeros(shape)
    for tiles, mult in w.kinds:
        r = _copies(ops, w, tiles, v_c, cap, spare, stationary)
        slots = slots + mult * _rounds(ops.density, ceil_div(v_c, r))
        extra = extra + mult * tiles * (r - 1)
        used = np.maximum(used, np.where(mult > 0, tiles * r, 0))
    return slots, extra, used


def _cell_writes(ops: _CimOps, extra: F64, chunks: I64, macro: MacroSpec, stationary: bool,
                 preloaded: bool) -> tuple[F64, F64]:
    """Cell rows and bits written: the matrices once per chunk plus their copies. Resident
    weights are written before the step unless not preloaded (cold start from DRAM)."""
    copies = (1.0 + extra / np.maximum(ops.count * ops.t_n * ops.t_k, 1)) * chunks
    if stationary:
        copies = np.where(ops.weight & (not preloaded), copies, 0.0)
    bits_per_weight = macro.n_weight_slices * macro.cell_bits
    cell_bits = ops.count * ops.k * ops.n * float(bits_per_weight) * copies
    return ops.cell_rows * copies, cell_bits


def _priced(t: OpTable, alloc: Allocation, idx: I64, vec: F64, comps: ChipComponents,
            macro: MacroSpec, prices: dict,
            reads: tuple[tuple[F64, F64, F64], tuple[F64, F64, F64]],
            out: tuple[F64, F64, F64, F64], cell_bits_written: F64, input_passes: F64,
            rounds: F64, register_read_bits: F64, register_write_bits: F64
            ) -> tuple[F64, CountInputs]:
    """Energy of every candidate and its count inputs: the traffic of the input and second
    operand (``reads``, from :func:`operand_bits`) and of the output (``out``, from
    :func:`output_bits`), with the op's fixed columns broadcast to the candidate axes."""
    (xr, xs_r, xs_w), (sr, ss_r, ss_w) = reads
    yr, yw, ys_r, ys_w = out
    fixed = {key: (val[:, None, None] if np.ndim(val) == 1 else val[:, None, None, :])
             for key, val in _fixed_inputs(t, alloc, idx, vec).items()}
    q = CountInputs(dram_read_bits=xr + sr + yr, dram_write_bits=yw,
                    sram_read_bits=xs_r + ss_r + ys_r, sram_write_bits=xs_w + ss_w + ys_w,
                    cell_bits_written=cell_bits_written, input_passes=input_passes,
                    rounds=rounds, register_read_bits=register_read_bits,
                    register_write_bits=register_write_bits, **fixed)
    return energy_of(count_columns(q, comps, macro), prices), q


def _cim_candidates(t: OpTable, alloc: Allocation, place: Placement, chip: ChipSpec,
                    comps: ChipComponents, prices: dict, leak_w: float, objective: str,
                    vec: F64, idx: I64, stationary: bool = False) -> dict[str, np.ndarray]:
    """Price every candidate of the CIM ops ``idx``; return the chosen fields.

    Streaming ops get every wave shape and variant; ``stationary`` ops (resident weights,
    K/V kept in CIM) own all their tiles in one wave, and choose only whether spare macros
    hold copies (loaded before the step unless ``weights_preloaded`` is False)."""
    ops = _cim_ops(t, alloc, place, chip, idx)
    w = _waves(ops, np.asarray(alloc.tiling.k_tiles)[idx], alloc.macros_streaming, stationary)
    order, cap, stage, psum_dram = _cim_variants(chip.n_macros, alloc.replicate)
    staged, chunks, valid = _working_set(ops, w, order, stage, psum_dram, chip.macro)
    v_c = ceil_div(ops.v, chunks)
    spare = alloc.replicas_resident
    slots, extra, used = _replication(ops, w, v_c, cap, spare, stationary, valid.shape)
    slots = chunks.astype(np.float64) * slots
    cell_rows, cell_bits = _cell_writes(ops, extra, chunks, chip.macro, stationary,
                                        alloc.weights_preloaded)
    psum = psum_dram & (w.g_k > 1)
    energy, q = _priced(
        t, alloc, idx, vec, comps, chip.macro, prices,
        (operand_bits(ops.x, ops.in_dram, w.passes.astype(float), staged),
         operand_bits(ops.s, ops.s_in_dram, chunks.astype(float), False)),
        output_bits(ops.y, ops.out_dram, w.g_k.astype(float), psum),
        cell_bits_written=cell_bits, input_passes=w.passes.astype(float),
        rounds=w.g_k.astype(float), register_read_bits=np.zeros(1),
        register_write_bits=np.zeros(1))
    busy = busy_times(slots, ops.adc_time_s, ops.array_time_s, cell_rows,
                      np.minimum(used, chip.n_macros),
                      tile_rows(ops.k, cell_rows, chunks, chip.macro.rows),
                      q.dram_read_bits + q.dram_write_bits,
                      q.sram_read_bits, q.sram_write_bits, q.vector_ops.sum(axis=-1), chip)
    # never empty: the first wave shape with partial sums in DRAM and nothing staged needs
    # no SRAM at all
    take = _best(energy, busy, slots, valid, objective, leak_w, len(idx))
    return dict(order=take(order), k_group=take(w.kw), n_group=take(w.nw), chunks=take(chunks),
                input_reads=take(w.passes).astype(float), input_staged=take(staged),
                operand_reads=take(chunks).astype(float),
                operand_staged=np.zeros(len(idx), bool), rounds=take(w.g_k).astype(float),
                psum_in_dram=take(psum),
                replicas=take(_copies(ops, w, w.kw * w.nw, v_c, cap, spare, stationary)),
                mvm_slots=take(slots), macros_used=take(np.minimum(used, chip.n_macros)),
                cell_rows_written=take(cell_rows), cell_bits_written=take(cell_bits),
                candidates=valid.reshape(len(idx), -1).sum(axis=1))


@dataclass(frozen=True, eq=False)
class _Schemes:
    """Register schemes of the vector-unit matmuls, shaped ``(ops, schemes, 1)``: no reuse,
    A-, B-stationary, K-tiled, then output-stationary for every ``m`` of
    :data:`_OUTPUT_TILES`.

    Attributes
    ----------
    scheme : ndarray of int64
        Index into :data:`_VECTOR_SCHEMES`.
    reads_a, reads_b, rounds : ndarray of float64
        Times A and B are read, partial-sum rounds (re-reads scaled by the unmasked share).
    ok : ndarray of bool
        The scheme's registers hold at least one row, column or sum.
    held, held_n : ndarray of float64
        Rows or columns held (``m`` and ``n`` of output-stationary).
    """

    scheme: I64
    reads_a: F64
    reads_b: F64
    rounds: F64
    ok: B
    held: F64
    held_n: F64


def _register_schemes(regs: float, v: F64, k: F64, n: F64, dens: F64, b_a: F64, b_b: F64,
                      b_y: F64) -> _Schemes:
    """Each scheme's tile that fits ``regs`` register bits and the re-reads it leaves (the
    table of the module docstring)."""
    n_ops = v.shape[0]
    m_t = _OUTPUT_TILES[None, :, None].astype(float)
    n_sch = 4 + _OUTPUT_TILES.size
    a_rows = np.floor((regs - k * b_b) / (k * b_a + b_y))
    b_cols = np.floor((regs - k * b_a) / (k * b_b + b_y))
    k_rows = np.floor((regs - n * b_y) / (n * b_b + b_a))
    o_cols = np.floor((regs - m_t * b_a) / (m_t * b_y + b_b))
    one = lambda a: 1.0 + (np.maximum(a, 1.0) - 1.0) * dens  # noqa: E731 - re-reads
    o_shape = (n_ops, _OUTPUT_TILES.size, 1)
    reads_a = np.concatenate([one(n), np.ones_like(v), one(np.ceil(n / np.maximum(b_cols, 1))),
                              np.ones_like(v),
                              np.broadcast_to(one(np.ceil(n / np.maximum(o_cols, 1))), o_shape)],
                             axis=1)
    reads_b = np.concatenate([one(v), one(np.ceil(v / np.maximum(a_rows, 1))), np.ones_like(v),
                              np.ones_like(v), np.broadcast_to(one(np.ceil(v / m_t)), o_shape)],
                             axis=1)
    rounds = np.concatenate([one(k), np.ones_like(v), np.ones_like(v),
                             one(np.ceil(k / np.maximum(k_rows, 1))), np.ones(o_shape)], axis=1)
    ok = np.concatenate([np.ones_like(v, dtype=bool), a_rows >= 1, b_cols >= 1, k_rows >= 1,
                         (o_cols >= 1) & (m_t <= np.maximum(v, 1))], axis=1)
    held = np.zeros((n_ops, n_sch, 1))
    held_n = np.ones((n_ops, n_sch, 1))
    held[:, 1:2] = np.minimum(a_rows, v)
    held[:, 2:3] = np.minimum(b_cols, n)
    held[:, 3:4] = np.minimum(k_rows, k)
    held[:, 4:] = m_t
    held_n[:, 4:] = np.minimum(o_cols, n)
    scheme = np.minimum(np.arange(n_sch), 4)[None, :, None]
    return _Schemes(scheme, reads_a, reads_b, rounds, ok, held, held_n)


def _vector_staging(sch: _Schemes, x: F64, s: F64, y: F64, groups: F64, in_dram: B,
                    s_home: B, out_dram: B, free: F64) -> tuple[B, B, B, B, B]:
    """The variant axis ``(1, 1, 8)`` of a scheme: A staged, B staged, partial sums in DRAM,
    each only where it changes something, within the free SRAM (one group's share); return
    (A staged, B staged, partial sums in DRAM, partial sums, valid)."""
    variants = np.array([(a, b_, d) for a in (0, 1) for b_ in (0, 1) for d in (0, 1)])
    st_a, st_b, p_d = (variants[:, j][None, None, :].astype(bool) for j in range(3))
    st_a = st_a & in_dram & (sch.reads_a > 1)
    st_b = st_b & s_home & (sch.reads_b > 1)
    psum = sch.rounds > 1
    psum_sram = psum & out_dram & ~p_d
    need = (np.where(st_a, x / groups, 0.0) + np.where(st_b, s / groups, 0.0)
            + np.where(psum_sram, y / groups, 0.0))
    valid = sch.ok & (need <= free)
    valid &= ((variants[:, 0] == 0)[None, None, :] | st_a)
    valid &= ((variants[:, 1] == 0)[None, None, :] | st_b)
    valid &= ~p_d | (psum & out_dram)
    return st_a, st_b, p_d, psum, valid


def _vector_candidates(t: OpTable, alloc: Allocation, place: Placement, chip: ChipSpec,
                       comps: ChipComponents, prices: dict, leak_w: float, objective: str,
                       vec: F64, idx: I64) -> dict[str, np.ndarray]:
    """Price the register schemes of the vector-unit matmuls ``idx``; return the chosen."""
    reg = comps.registers.node if comps.registers is not None else None
    regs = float(reg.size) if isinstance(reg, MemoryNode) else 0.0
    e = lambda a: np.asarray(a, dtype=np.float64)[idx][:, None, None]  # noqa: E731
    v, k, n, groups, dens = e(alloc.vectors), e(t.k), e(t.n), e(alloc.count), e(alloc.density)
    b_a, b_b, b_y = e(t.input_bits), e(t.kv_bits), e(t.output_bits)
    sch = _register_schemes(regs, v, k, n, dens, b_a, b_b, b_y)
    in_dram, out_dram, free = e(place.input_in_dram) > 0, e(place.output_in_dram) > 0, e(
        place.free_bits)
    s_bits, s_dram = second_operand(t, alloc, chip)
    x, y = e(t.bits("input_elements", "input_bits")), e(t.bits("output_elements",
                                                                "output_bits"))
    s, s_home = e(s_bits), e(s_dram) > 0
    st_a, st_b, p_d, psum, valid = _vector_staging(sch, x, s, y, groups, in_dram, s_home,
                                                   out_dram, free)
    macs = e(t.macs)
    has_regs = comps.registers is not None
    # one A value and one B value reach the lanes per MAC; loads fill the registers
    reg_read = np.where(sch.scheme > 0, macs * (b_a + b_b), 0.0) if has_regs else 0.0
    reg_write = (np.where(sch.scheme > 0, x * sch.reads_a + s * sch.reads_b, 0.0) if has_regs
                 else 0.0)
    energy, q = _priced(
        t, alloc, idx, vec, comps, chip.macro, prices,
        (operand_bits(x, in_dram, sch.reads_a, st_a), operand_bits(s, s_home, sch.reads_b, st_b)),
        output_bits(y, out_dram, sch.rounds, p_d & psum), cell_bits_written=np.zeros(1),
        input_passes=sch.reads_a, rounds=sch.rounds,
        register_read_bits=np.asarray(reg_read, dtype=float),
        register_write_bits=np.asarray(reg_write, dtype=float))
    zero = np.zeros(1)
    busy = busy_times(zero, zero, zero, zero, np.ones(1), zero,
                      q.dram_read_bits + q.dram_write_bits,
                      q.sram_read_bits, q.sram_write_bits, q.vector_ops.sum(axis=-1), chip)
    take = _best(energy, busy, np.zeros(1), valid, objective, leak_w, len(idx))
    return dict(scheme=take(sch.scheme), k_group=take(sch.held).astype(np.int64),
                n_group=take(sch.held_n).astype(np.int64), input_reads=take(sch.reads_a),
                input_staged=take(st_a), operand_reads=take(sch.reads_b),
                operand_staged=take(st_b), rounds=take(sch.rounds),
                psum_in_dram=take(p_d & psum),
                register_read_bits=take(np.broadcast_to(reg_read, valid.shape)),
                register_write_bits=take(np.broadcast_to(reg_write, valid.shape)),
                candidates=valid.reshape(len(idx), -1).sum(axis=1))


def _distinct(t: OpTable, alloc: Allocation, place: Placement, vec: F64, idx: I64
              ) -> tuple[I64, I64]:
    """Representatives of the ops of ``idx`` that are identical for the search, and the
    representative of each op (``first[back] `` maps every op to its twin)."""
    cols = [t.m, t.k, t.n, t.batch_count, t.macs, t.input_elements, t.output_elements,
            t.weight_elements, t.kv_read_elements, t.kv_write_elements, t.input_bits,
            t.output_bits, t.weight_bits, t.kv_bits, alloc.count, alloc.vectors,
            alloc.density, place.input_in_dram, place.output_in_dram, place.free_bits,
            alloc.cim, alloc.stationary, alloc.dynamic_cim]
    key = np.column_stack([np.asarray(c, dtype=np.float64)[idx] for c in cols]
                          + [vec[idx]])
    _, first, back = np.unique(key, axis=0, return_index=True, return_inverse=True)
    return first, back.reshape(-1)


def search_mappings(t: OpTable, alloc: Allocation, place: Placement, chip: ChipSpec,
                    comps: ChipComponents, prices: dict, leak_w: float,
                    objective: str = "energy") -> LoopNest:
    """Choose the loop nest of every op (rules in the module docstring).

    Parameters
    ----------
    prices : dict[(str, str), float]
        Energy of one action of every (component, action) of
        :func:`grcim.mapper.actions.all_keys`, J.
    leak_w : float
        Leakage power of the whole chip, W (charged over each op's time).
    objective : {"energy", "latency", "edp"}
        What the search minimizes per op.

    Raises
    ------
    grcim.errors.MappingError
        Unknown objective.
    """
    if objective not in OBJECTIVES:
        raise MappingError(f"objective = {objective!r}: one of {', '.join(OBJECTIVES)}")
    n_ops = len(t)
    vec = vector_op_counts(t, t.is_kind(OpKind.DYNAMIC_MATMUL) & ~alloc.cim)
    order = [""] * n_ops
    ones = np.ones(n_ops)
    nest: dict[str, np.ndarray] = dict(
        k_group=np.zeros(n_ops, np.int64), n_group=np.zeros(n_ops, np.int64),
        chunks=np.ones(n_ops, np.int64), input_reads=ones.copy(),
        input_staged=np.zeros(n_ops, bool), operand_reads=ones.copy(),
        operand_staged=np.zeros(n_ops, bool), rounds=ones.copy(),
        psum_in_dram=np.zeros(n_ops, bool), replicas=np.where(alloc.cim, 1, 0),
        mvm_slots=np.zeros(n_ops), macros_used=np.zeros(n_ops, np.int64),
        cell_rows_written=np.zeros(n_ops), cell_bits_written=np.zeros(n_ops),
        register_read_bits=np.zeros(n_ops), register_write_bits=np.zeros(n_ops),
        candidates=np.zeros(n_ops, np.int64))
    resident = functools.partial(_cim_candidates, stationary=True)
    for idx, search, labels in (
            (np.flatnonzero(alloc.streams), _cim_candidates, _ORDER),
            (np.flatnonzero(alloc.stationary), resident, {o: "resident" for o in _ORDER}),
            (np.flatnonzero(alloc.vector_matmul), _vector_candidates, None)):
        if not idx.size:
            continue
        # the layers of a model repeat: search each distinct op once
        first, back = _distinct(t, alloc, place, vec, idx)
        chosen = search(t, alloc, place, chip, comps, prices, leak_w, objective, vec,
                        idx[first])
        chosen = {key: np.asarray(values)[back] for key, values in chosen.items()}
        for key, values in chosen.items():
            if key in nest:
                nest[key][idx] = values
        if labels is not None:
            for i, o in zip(idx, chosen["order"], strict=True):
                order[int(i)] = labels[int(o)]
        else:
            for i, sc in zip(idx, chosen["scheme"], strict=True):
                order[int(i)] = _VECTOR_SCHEMES[int(sc)]
    return LoopNest(order=tuple(order), **nest)
