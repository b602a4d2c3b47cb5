"""grcim's chosen mapping of one einsum as a fixed Timeloop mapping, and the mapper's constraints.

**What grcim chose.** The einsum is mapped in isolation (:func:`grcim.export.einsum.
isolated_mapping`, options :data:`~grcim.export.einsum.ISOLATED_OPTIONS`: no replication,
weights loaded from DRAM in the step) and :func:`grcim_choice` reads the loop nest the
mapping search picked for it (:mod:`grcim.mapper.search`; the same stages as
:func:`grcim.mapper.map_graph`, checked against the op record's ``mapping`` line): the
loop order (``weights-outer``, ``K-outer``, or ``resident`` when every tile fits at once),
the wave of ``k_w x n_w`` macro tiles (``t_k = K / rows`` row tiles, ``t_n = N / (cols /
n_weight_slices)`` column tiles: ``g = t_k / k_w`` reduction groups, ``q = t_n / n_w``
column groups), ``c`` row chunks (input-outer), whether the input is staged in the global
SRAM, and where the ``g - 1`` partial sums live (SRAM or DRAM). Replication is off in the
isolated options (Timeloop's macros take one input vector at a time), so one copy of each
tile runs.

**In Timeloop loops** (innermost first in each ``permutation``; ``v`` input vectors,
``v_c = v / c`` per chunk):

- ``Row`` (spatial, Y): ``K = rows_per_adc``; ``Column`` (spatial, X): ``N = cols /
  n_weight_slices``; ``RowGroup`` (spatial, Y): ``K = rows / rows_per_adc`` (smaller
  einsums use fewer rows, row groups and columns, as grcim's tiling does);
- ``Macro`` (spatial, X): ``K = k_w``, ``N = n_w`` (one wave);
- the global SRAM keeps ``Inputs`` when grcim stages the input and ``Outputs`` when the
  partial sums live there, else nothing (the input is then re-read from DRAM on every
  pass, partial sums go to DRAM); weights bypass it (DRAM -> cells);
- when it keeps something, DRAM loops over the chunks (``M = c``, outermost: the weights
  are re-read per chunk) and the SRAM over a chunk's column groups, reduction groups and
  vectors in grcim's order (weights-outer: ``N = q`` outside ``K = g``; K-outer: ``K = g``
  outside ``N = q``; the ``v_c`` vectors innermost). Timeloop's SRAM tile spans every loop
  at and below it, so to hold grcim's working set one loop moves up to DRAM, inside the
  chunk loop, where Timeloop keeps the SRAM's tile of a tensor the loop does not index:
  K-outer puts ``K = g`` there (the SRAM holds one reduction group's input slice and all
  the chunk's outputs), weights-outer with the partial sums in SRAM ``N = q`` (one column
  group's outputs);
- when it keeps nothing, DRAM holds the loops (``c`` is 1: chunks only exist to fit what
  the SRAM holds);
- tolls and cells: no temporal loops (a toll converts each value as it passes; a cell
  holds one weight), and no temporal reuse at a toll (``no_reuse``): a DAC drives each
  input again for every wave, as grcim counts, instead of Timeloop keeping the input "in"
  the DAC across waves.

The mapping is *exact* (Timeloop counts grcim's actions and cycles) when every split
divides evenly and the partial sums, if any, go through DRAM. Otherwise the export writes
the nearest mapping and says why it differs (:attr:`FixedMapping.exact`,
:attr:`FixedMapping.note`):

- a split that does not divide (grcim's last wave, group or chunk is partial; Timeloop
  needs factors whose product is the bound): along ``N``, :func:`column_split` (an exact
  split in more waves, or grcim's waves with ``N`` padded in ``problem.yaml``, whichever
  Timeloop should take fewer cycles on); along ``K``, :func:`row_split` (an exact split,
  or grcim's rounds with ``K`` padded); the row chunks, :func:`chunk_split` (an exact
  split into more chunks, or grcim's with ``M`` padded) (:mod:`grcim.export.timeloop_splits`);
- partial sums in SRAM: grcim writes ``g - 1`` partial sums there and reads them back,
  and sends the last round's sums straight to DRAM; Timeloop also writes the last round's
  sums into the SRAM (``v N`` more SRAM writes, nothing else changes). With one input
  vector per chunk a weights-outer nest would leave nothing below the SRAM changing
  between reduction groups and Timeloop would keep the partial sums in the ADC instead:
  the export runs it K-outer (grcim counts both orders the same; only the SRAM working set
  differs); with a single column group as well there is nothing to move, and Timeloop's
  SRAM sees only the ``v N`` final sums;
- a Timeloop SRAM tile larger than the SRAM: more row chunks (more weight reads).

The mapper's constraints keep what is physics, not choice: the tolls' and cells'
dataspaces and their lack of temporal loops, the array geometry (rows per conversion,
weights per row, row groups), one input vector per macro at a time (no replication); the
mapper chooses the loop orders and tiling at DRAM and SRAM, what the SRAM keeps (not
weights, which stream to the cells) and how tiles spread over the macros.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from grcim.arch import Arch
from grcim.errors import MappingError
from grcim.export.einsum import ISOLATED_OPTIONS, Einsum, isolated_graph, isolated_plan
from grcim.export.timeloop_arch import DATASPACES, TimeloopArch, mvm_rate
from grcim.export.timeloop_splits import (
    ChunkSplit,
    ColumnSplit,
    RowSplit,
    chunk_split,
    column_split,
    row_split,
)
from grcim.mapper import MappingResult
from grcim.mapper.mapping import MappingPlan, plan_step
from grcim.mapper.optable import build_optable
from grcim.mapper.tiling import tile_matrices

__all__ = ["GrcimChoice", "grcim_choice", "FixedMapping", "fixed_mapping", "ColumnSplit",
           "column_split", "RowSplit", "row_split", "ChunkSplit", "chunk_split", "k_row_split",
           "mapper_constraints", "mapper_settings"]

DIMS: tuple[str, ...] = ("M", "K", "N")


@dataclass(frozen=True)
class GrcimChoice:
    """The loop nest grcim's mapping search chose for the isolated einsum.

    Attributes
    ----------
    order : str
        ``weights-outer``, ``K-outer`` or ``resident``.
    k_tiles, n_tiles : int
        ``t_k`` and ``t_n`` (partial tiles counted).
    k_group, n_group : int
        Tiles per wave along K and N (``k_w``, ``n_w``).
    chunks : int
        Row chunks ``c`` (``> 1``: input-outer).
    input_reads : float
        Times the input is read (``q``).
    input_staged : bool
        The input is staged in the global SRAM.
    rounds : int
        Partial-sum rounds ``g``.
    psum_in_dram : bool
        The partial sums go through DRAM (else SRAM, when ``g > 1``).
    replicas : int
        Copies of a wave's tiles (1: no replication).
    line : str
        grcim's one-line description (the op record's ``mapping``).
    """

    order: str
    k_tiles: int
    n_tiles: int
    k_group: int
    n_group: int
    chunks: int
    input_reads: float
    input_staged: bool
    rounds: int
    psum_in_dram: bool
    replicas: int
    line: str

    @property
    def psum_in_sram(self) -> bool:
        """Partial sums are kept in the global SRAM between rounds."""
        return self.rounds > 1 and not self.psum_in_dram


def grcim_choice(arch: Arch, einsum: Einsum, result: MappingResult | None = None,
                 plan: MappingPlan | None = None) -> GrcimChoice:
    """The loop nest grcim's search picks for ``einsum`` alone on ``arch``.

    Runs the stages of :func:`grcim.mapper.map_graph` (``plan_step``) with
    :data:`ISOLATED_OPTIONS`, or reads ``plan`` (:func:`isolated_plan`'s, planned once);
    with ``result`` (that einsum's :func:`isolated_mapping`) the choice must be the one its
    op record describes.

    Raises
    ------
    grcim.errors.MappingError
        The choice read here is not the one ``result`` reports (the mapper's stages changed
        without this reader).
    """
    if plan is None:
        plan = plan_step(arch, build_optable(isolated_graph(einsum)), ISOLATED_OPTIONS)
    nest, alloc, place = plan.nest, plan.alloc, plan.place
    line = nest.describe(0, bool(place.input_in_dram[0]), bool(place.output_in_dram[0]))
    if result is not None and result.ops and result.ops[0].mapping != line:
        raise MappingError(f"einsum {einsum.name!r}: the export read the mapping {line!r} "
                           f"but grcim map chose {result.ops[0].mapping!r}")
    return GrcimChoice(
        order=nest.order[0], k_tiles=int(alloc.tiling.k_tiles[0]),
        n_tiles=int(alloc.tiling.n_tiles[0]), k_group=int(nest.k_group[0]),
        n_group=int(nest.n_group[0]), chunks=int(nest.chunks[0]),
        input_reads=float(nest.input_reads[0]), input_staged=bool(nest.input_staged[0]),
        rounds=round(float(nest.rounds[0])), psum_in_dram=bool(nest.psum_in_dram[0]),
        replicas=int(nest.replicas[0]), line=line)


@dataclass(frozen=True)
class FixedMapping:
    """grcim's schedule of one einsum in Timeloop's terms.

    Attributes
    ----------
    targets : list of dict
        The ``mapping`` list (front-end constraints of types ``dataspace``, ``temporal``
        and ``spatial`` for every node).
    exact : bool
        Timeloop counts exactly grcim's actions with it.
    note : str
        What the mapping is, and why it differs from grcim's schedule when not exact.
    factors : dict
        Node name -> its loop factors (``{"M": .., "K": .., "N": ..}``).
    choice : GrcimChoice
        What grcim chose.
    instance : dict
        Timeloop's problem bounds ``{"M", "K", "N"}``: the einsum's, each padded when no
        split of it keeps grcim's waves, rounds or chunks (:func:`column_split`,
        :func:`row_split`, :func:`chunk_split`).
    """

    targets: list[dict[str, Any]]
    exact: bool
    note: str
    factors: dict[str, dict[str, int]]
    choice: GrcimChoice
    instance: dict[str, int]


def _factors(**kw: int) -> list[str]:
    return [f"{d}={kw.get(d, 1)}" for d in DIMS]


def _spatial(target: str, axis: str, **kw: int) -> dict[str, Any]:
    order = ["K", "N", "M"]
    return {"target": target, "type": "spatial", "factors": _factors(**kw),
            "permutation": order, "split": len(order) if axis == "X" else 0}


def _temporal(target: str, inner_first: tuple[str, ...], **kw: int) -> dict[str, Any]:
    return {"target": target, "type": "temporal", "factors": _factors(**kw),
            "permutation": list(inner_first)}


def _dataspace(target: str, keep: tuple[str, ...]) -> dict[str, Any]:
    return {"target": target, "type": "dataspace", "keep": list(keep),
            "bypass": [d for d in DATASPACES if d not in keep]}


Loops = tuple[dict[str, int], tuple[str, ...], dict[str, int], tuple[str, ...]]


def _loops(m: int, g: int, q: int, chunks: int, k_outer: bool, s: GrcimChoice,
           sram_keep: tuple[str, ...]) -> Loops:
    """(DRAM factors, DRAM order inner first, SRAM factors, SRAM order inner first)."""
    inner = {"M": m // chunks, "K": g, "N": q}
    chunk_order = ("M", "N", "K") if k_outer else ("M", "K", "N")
    if not sram_keep:  # everything streams from DRAM (then chunks is 1)
        return {**inner, "M": m}, chunk_order, {}, chunk_order
    if s.psum_in_sram and not k_outer and q > 1:  # one column group's outputs in SRAM
        return {"M": chunks, "N": q}, ("N", "M", "K"), {**inner, "N": 1}, chunk_order
    if k_outer and g > 1:  # one reduction group's input slice in SRAM, all outputs
        return {"M": chunks, "K": g}, ("K", "M", "N"), {**inner, "K": 1}, chunk_order
    return {"M": chunks}, ("M", "K", "N"), inner, chunk_order


def _sram_words(nest: Loops, below: dict[str, int], keep: tuple[str, ...]) -> int:
    """Words of the tile Timeloop puts in the SRAM (every loop at and below it)."""
    inner = nest[2]
    m, k, n = (inner.get(d, 1) * below.get(d, 1) for d in DIMS)
    return m * k * ("Inputs" in keep) + m * n * ("Outputs" in keep)


def k_row_split(arch: Arch, einsum: Einsum, result: MappingResult,
                choice: GrcimChoice | None = None, plan: MappingPlan | None = None) -> RowSplit:
    """How the export splits ``K`` for grcim's choice (:func:`row_split`): the estimate of a
    round is over grcim's column groups and row chunks, each loading the round's tiles
    (rows x ``weight_write_latency_per_row_s``) and running its vectors' MVMs."""
    macro = arch.macro
    s = choice or grcim_choice(arch, einsum, result, plan)
    op = einsum.op
    one = np.ones(1, dtype=np.int64)
    mvm_s = float(tile_matrices(one * op.k, one * op.n, one, macro, arch.clock_hz)
                  .mvm_time_s[0])
    waves = -(-s.n_tiles // s.n_group)
    return row_split(op.k, macro.rows_per_adc, macro.n_row_groups, s.k_group,
                     -(-s.k_tiles // s.k_group), result.latency_s * arch.clock_hz,
                     waves * s.chunks * macro.weight_write_latency_per_row_s * arch.clock_hz,
                     waves * op.m * mvm_s * arch.clock_hz)


def fixed_mapping(arch: Arch, einsum: Einsum, tl: TimeloopArch,
                  result: MappingResult | None = None,
                  plan: MappingPlan | None = None) -> FixedMapping:
    """grcim's mapping of ``einsum`` on ``arch`` (rules in the module docstring)."""
    macro = arch.macro
    chip = arch.chip
    assert chip is not None
    m, k, n = einsum.op.m, einsum.op.k, einsum.op.n
    if result is None:  # its latency weighs the splits of N (column_split)
        plan, result = isolated_plan(arch, einsum)
    s = grcim_choice(arch, einsum, result, plan)
    why: list[str] = []
    c_w = macro.cols // macro.n_weight_slices
    if s.replicas > 1:  # pragma: no cover - the isolated options forbid replication
        why.append(f"grcim runs {s.replicas} copies of a wave; Timeloop's macros take one "
                   "input vector at a time")
    ks = k_row_split(arch, einsum, result, s)
    k_row, k_rg, k_m, g, k_pad = ks.rows, ks.groups, ks.tiles_per_wave, ks.rounds, ks.padded_k
    t_k = k_m * g
    grcim_rounds = -(-s.k_tiles // s.k_group)
    if k_pad != k:
        why.append(f"Timeloop's loop factors must multiply to the problem's bounds and K = "
                   f"{k} does not split into grcim's {grcim_rounds} round(s) of at most "
                   f"{s.k_group} row tiles of {macro.n_row_groups} x {macro.rows_per_adc} "
                   f"rows: problem.yaml pads K to {k_pad} ({g} round(s) of {k_m} tiles of "
                   f"{k_rg} x {k_row} rows; +{(k_pad - k) / k:.2%} MACs, inputs and weights, "
                   "which Timeloop's energy and cycles carry)")
    else:
        if k_row != min(k, macro.rows_per_adc):
            why.append(f"K = {k} does not split into full row groups of "
                       f"{macro.rows_per_adc} rows (Timeloop: {k_row})")
        elif k_rg != min(k // k_row, macro.n_row_groups):
            # the rows split evenly, but Timeloop needs equal tiles: the groups must divide
            # evenly over a macro's row groups too (320 = 5 x 64 on 4 per macro does not)
            why.append(f"K = {k} is {k // k_row} row groups of {k_row} rows, which do not "
                       f"split evenly over the {macro.n_row_groups} row groups of a macro "
                       f"(Timeloop: {k_rg} per macro tile)")
        if t_k != s.k_tiles:
            why.append(f"grcim tiles K = {k} into {s.k_tiles} row tiles (the last partial), "
                       f"Timeloop into {t_k}")
        if k_m != s.k_group:
            why.append(f"the {t_k} row tiles do not split into groups of {s.k_group}")
    fanout = next((lv.fanout for lv in tl.levels if lv.role == "macro"), 1)
    rate = mvm_rate(arch, einsum, list(tl.levels), (k_row, k_rg))
    # one column group: each reduction group loads its tiles (per row chunk) and runs
    # every vector through them
    wave = g * max(s.chunks * rate.tile_rows * macro.weight_write_latency_per_row_s
                   * arch.clock_hz, m * rate.mvm_cycles)
    grcim_waves = -(-s.n_tiles // s.n_group)
    cols = column_split(n, c_w, grcim_waves, fanout // k_m,
                        result.latency_s * arch.clock_hz, wave)
    n_col, n_m, q, n_pad = cols.weights, cols.tiles_per_wave, cols.waves, cols.padded_n
    t_n = n_m * q
    if n_pad != n:
        why.append(f"Timeloop's loop factors must multiply to the problem's bounds and N = "
                   f"{n} does not split into grcim's {q} wave(s) of at most {fanout // k_m} "
                   f"column tiles of {c_w} weights: problem.yaml pads N to {n_pad} (+"
                   f"{(n_pad - n) / n:.2%} MACs, weights and outputs, which Timeloop's "
                   "energy and cycles carry)")
    elif (n_col, t_n, q) != (min(n, c_w), s.n_tiles, grcim_waves):
        why.append(f"grcim tiles N = {n} into {s.n_tiles} column tile(s) of up to {c_w} "
                   f"weights in {grcim_waves} wave(s), Timeloop into {t_n} of {n_col} in {q} "
                   "(its loop factors must divide N)")
    split = chunk_split(m, s.chunks)
    chunks, m_pad = split.chunks, split.padded_m
    if m_pad != m:
        why.append(f"Timeloop's loop factors must multiply to the problem's bounds and the {m} "
                   f"input vectors do not split into grcim's {chunks} row chunks: problem.yaml "
                   f"pads M to {m_pad} ({chunks} x {split.vectors}; +{(m_pad - m) / m:.2%} "
                   "MACs, inputs and outputs, which Timeloop's energy and cycles carry)")
    elif chunks != s.chunks:
        why.append(f"the {m} input vectors do not split into {s.chunks} row chunks "
                   f"(Timeloop: {chunks})")
    m = m_pad  # Timeloop's loops and counts below are over the padded bound
    k_outer = s.order == "K-outer"
    if s.psum_in_sram and m // chunks == 1 and not k_outer and q == 1:
        why.append(f"with one input vector and one column group nothing below the SRAM "
                   f"changes between the {g} reduction groups: Timeloop keeps the partial "
                   f"sums in the ADC and writes only the {m * n_pad} final sums into the SRAM "
                   f"(grcim writes and reads {(g - 1) * m * n} partial sums there)")
    elif s.psum_in_sram:
        why.append(f"grcim sends the last of the {g} rounds' sums straight to DRAM, Timeloop "
                   f"writes them into the SRAM first ({m * n_pad} more SRAM writes)")
        if m // chunks == 1 and not k_outer:
            k_outer = True
            why.append("with one input vector per chunk Timeloop would keep a weights-outer "
                       "nest's partial sums in the ADC between reduction groups: the column "
                       "groups run inside the reduction groups (K-outer, which grcim counts "
                       "the same)")
    sram_keep = tuple(d for d, on in (("Inputs", s.input_staged), ("Outputs", s.psum_in_sram))
                      if on)
    depth = chip.sram.size_bytes * 8 // tl.word_bits
    below = {"K": k_m * k_rg * k_row, "N": n_m * n_col}
    nest = _loops(m, g, q, chunks, k_outer, s, sram_keep)
    fits = split
    while _sram_words(nest, below, sram_keep) > depth and fits.chunks < m:
        fits = chunk_split(einsum.op.m, fits.chunks + 1)
        nest = _loops(fits.padded_m, g, q, fits.chunks, k_outer, s, sram_keep)
    if fits != split:
        why.append(f"Timeloop's SRAM tile holds what every loop at the SRAM touches "
                   f"(beyond its {depth} words with {chunks} row chunk(s)): {fits.chunks} "
                   "row chunks, each reading the weights again")
        chunks, m = fits.chunks, fits.padded_m
    dram, dram_order, inner, chunk_order = nest
    sram = next((lv.name for lv in tl.levels if lv.role == "sram"), None)
    if sram_keep and sram is None:  # pragma: no cover - grcim stages only with an SRAM
        raise MappingError(f"arch {arch.name!r}: grcim uses a global SRAM the export lacks")
    first_reduce = next(lv.name for lv in tl.levels if lv.role == "reduce")
    targets: list[dict[str, Any]] = []
    factors: dict[str, dict[str, int]] = {}
    for lv in tl.levels:
        if lv.kind == "container":
            axis = "X" if lv.role in ("macro", "broadcast") else "Y"
            if lv.role == "macro":
                kw = {"K": k_m, "N": n_m}
            elif lv.role == "broadcast":
                kw = {"N": n_col}
            else:  # the row groups, then the rows of one group
                kw = {"K": k_rg if lv.name == first_reduce else k_row}
            targets.append(_spatial(lv.name, axis, **kw))
            factors[lv.name] = {d: kw.get(d, 1) for d in DIMS}
            continue
        if lv.kind == "compute":
            continue
        order: tuple[str, ...] = DIMS
        if lv.role == "dram":
            keep, kw, order = DATASPACES, dram, dram_order
        elif lv.role == "sram":
            keep, kw = (sram_keep, inner) if lv.name == sram else ((), {})
            order = chunk_order
        else:
            keep, kw = lv.keeps, {}
        targets.append(_dataspace(lv.name, keep))
        targets.append(_temporal(lv.name, order, **kw))
        if lv.role == "toll":  # a toll holds nothing between uses: no temporal reuse
            targets[-1]["no_reuse"] = list(lv.keeps)
        factors[lv.name] = {d: kw.get(d, 1) for d in DIMS}
    for d, size in zip(DIMS, (m, k_pad, n_pad), strict=True):  # Timeloop needs exact products
        assert math.prod(f[d] for f in factors.values()) == size, (d, factors)
    exact = not why
    what = (f"grcim: {s.line}; in Timeloop {t_k} x {t_n} macro tiles on {chip.n_macros} "
            f"macros, waves of {k_m} x {n_m}: {q} column group(s) x {g} reduction group(s)"
            + (f", {chunks} row chunk(s)" if chunks > 1 else "")
            + (f", {sram} keeps {' and '.join(sram_keep)}" if sram_keep else
               ", the global SRAM keeps nothing"))
    note = what + ("" if exact else "; differs from grcim's because " + "; ".join(why))
    return FixedMapping(targets, exact, note, factors, s, {"M": m, "K": k_pad, "N": n_pad})


def mapper_constraints(tl: TimeloopArch, fixed: FixedMapping) -> list[dict[str, Any]]:
    """The ``constraints.targets`` list for ``timeloop-mapper`` (rules in the module)."""
    targets: list[dict[str, Any]] = []
    for lv in tl.levels:
        f = fixed.factors.get(lv.name, {})
        if lv.kind == "container":
            axis = "X" if lv.role in ("macro", "broadcast") else "Y"
            if lv.role == "macro":
                c = {"target": lv.name, "type": "spatial", "factors": ["M=1"],
                     "permutation": ["K", "N", "M"], "split": 3}
            else:
                c = _spatial(lv.name, axis, **f)
            targets.append(c)
        elif lv.role == "dram":
            targets.append(_dataspace(lv.name, DATASPACES))
        elif lv.role == "sram":
            targets.append({"target": lv.name, "type": "dataspace", "bypass": ["Weights"]})
        elif lv.kind == "storage":
            targets.append(_dataspace(lv.name, lv.keeps))
            targets.append({"target": lv.name, "type": "temporal",
                            "factors": _factors(), "permutation": list(DIMS)})
            if lv.role == "toll":
                targets[-1]["no_reuse"] = list(lv.keeps)
    return targets


def mapper_settings(victory_condition: int = 0, threads: int = 1) -> dict[str, Any]:
    """The ``mapper`` document: linear-pruned search, ``victory_condition`` 0 = exhaustive."""
    return {"version": 0.4, "optimization_metrics": ["energy", "delay"], "live_status": False,
            "num_threads": threads, "search_size": 0, "timeout": 100_000,
            "victory_condition": victory_condition,
            "algorithm": "linear_pruned", "diagnostics": False}
