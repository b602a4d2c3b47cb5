"""Map a workload step onto a chip: grcim's analytic engine, end to end.

``graph -> OpTable -> allocation -> traffic -> action counts -> schedule -> prices ->
MappingResult``. Each stage is its own module; this one joins them and rolls up totals.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

import networkx as nx
import numpy as np

from grcim.arch import Arch, ChipSpec, KvCachePlacement
from grcim.errors import MappingError
from grcim.mapper.actions import (
    ActionCounts,
    CountInputs,
    all_keys,
    count_columns,
    stack_counts,
)
from grcim.mapper.allocation import Allocation, allocations
from grcim.mapper.components import ChipComponents, bind_components
from grcim.mapper.optable import OpTable, build_optable
from grcim.mapper.placement import Placement, place_activations
from grcim.mapper.pricing import Prices, price_components
from grcim.mapper.result import LEAKAGE, MappingResult, OpRecord
from grcim.mapper.rollup import by_component_and_action
from grcim.mapper.schedule import Schedule, schedule
from grcim.mapper.search import OBJECTIVES, LoopNest, search_mappings
from grcim.mapper.tiling import tile_matrices
from grcim.mapper.traffic import Traffic, format_bytes, plan_traffic
from grcim.mapper.vector_ops import vector_op_counts
from grcim.workloads import OpKind, Step

__all__ = ["MapOptions", "DEFAULT_OPTIONS", "OBJECTIVES", "map_graph", "check_bits",
           "peak_cim_macs_per_s", "fp_macro", "MappingPlan", "plan_step", "plan_and_map",
           "step_cost"]


@dataclass(frozen=True)
class MapOptions:
    """Choices of the analytic mapper.

    Attributes
    ----------
    replicate : bool
        Allow copies of tiles on idle macros, processing input rows in parallel (more cell
        writes, less time); the search takes them when they serve the objective.
    pipeline : bool
        Pipeline ops across macros when all weights are resident.
    sram_fraction : float
        Share of the global SRAM (after a KV cache placed there) the mapper may fill with
        activations, staged inputs and partial sums, (0..1]; 1 = its real capacity.
    keep_ops : bool
        Keep one :class:`OpRecord` per op in the result.
    weights_preloaded : bool
        When all weights fit in the macros, they were loaded before the step (serving);
        False charges one load from DRAM in the step (a cold start, as AccelForge counts).
    objective : {"energy", "latency", "edp"}
        What the mapping search minimizes for each op (:mod:`grcim.mapper.search`).
    """

    replicate: bool = True
    pipeline: bool = True
    sram_fraction: float = 1.0
    keep_ops: bool = True
    weights_preloaded: bool = True
    objective: str = "energy"


DEFAULT_OPTIONS = MapOptions()
"""The analytic mapper's default choices."""


def check_bits(arch: Arch, step: Step) -> None:
    """The step's weight and activation widths must be what the macro stores and applies.

    Raises
    ------
    grcim.errors.MappingError
        A width differs from the macro's format.
    """
    macro = arch.macro
    for what, key, field in (("weights", "weight_bits", "weight_format"),
                             ("activations", "act_bits", "input_format")):
        bits = getattr(step, key)
        fmt = macro.format_info(field)  # type: ignore[arg-type]
        if bits is not None and bits != fmt.bits:
            raise MappingError(f"the workload's {what} are {bits}-bit but arch {arch.name!r} "
                               f"macros take {getattr(macro, field)} ({fmt.bits}-bit) "
                               f"{what}: they do not fit the macro's {field}")


def peak_cim_macs_per_s(arch: Arch) -> float:
    """MACs per second of all macros with their fastest tiles:
    ``P * R * max_{N = 1..c_w} N / t_mvm(N)``.

    Not simply the full tile's ``c_w / t_mvm(c_w)``: ``t_adc`` rounds up to whole
    conversion slots, so when the ADCs do not divide the columns a narrower tile can waste
    less of its last slot (3 weights in 2 slots beat 4 in 3) and ran above the "peak"
    (a utilization of 112.5 %)."""
    macro = arch.macro
    c_w = macro.cols // macro.n_weight_slices
    widths = np.arange(1, c_w + 1, dtype=np.int64)
    one = np.ones_like(widths)
    t_mvm = tile_matrices(one * macro.rows, widths, one, macro, arch.clock_hz).mvm_time_s
    rate = widths / t_mvm
    # the widest of the (rounding-)equal best tiles: the full tile when the ADCs divide
    # the columns, so its rate is reported to the last bit as before
    n = int(np.flatnonzero(rate >= rate.max() * (1 - 1e-12))[-1])
    return arch.n_macros * macro.rows * int(widths[n]) / float(t_mvm[n])


def fp_macro(arch: Arch) -> bool:
    """The macro's input and weight formats are floating point (its MACs are FLOPs)."""
    return all(arch.macro.format_info(f).kind == "fp"
               for f in ("input_format", "weight_format"))


def _array_utilization(counts: ActionCounts, alloc: Allocation) -> float:
    """Weights over loaded weight slots, averaged over CIM MACs (0 without CIM MACs)."""
    cim_macs = float(counts.cim_macs.sum())
    used = float((counts.cim_macs * alloc.tiling.array_utilization).sum())
    return used / cim_macs if cim_macs else 0.0


def _by_role(t: OpTable, values: np.ndarray) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for role, v in zip(t.roles, values, strict=True):
        out[role] += float(v)
    return dict(out)


def _bound_by_role(t: OpTable, sched: Schedule) -> dict[str, str]:
    time: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for role, bound, lat in zip(t.roles, sched.op_bound, sched.op_latency_s, strict=True):
        time[role][bound] += float(lat)
    return {role: max(b, key=lambda k: b[k]) for role, b in time.items()}


def _notes(t: OpTable, alloc: Allocation, traffic: Traffic, arch: Arch,
           options: MapOptions, sched: Schedule, nest: LoopNest) -> tuple[str, ...]:
    chip = arch.chip
    assert chip is not None
    tiles = int(alloc.tiling.tiles[alloc.cim & ~alloc.dynamic_cim].sum())
    notes = []
    if alloc.resident:
        loaded = ("loaded before the step, not counted" if options.weights_preloaded
                  else "loaded from DRAM once in this step")
        notes.append(f"all {tiles} weight tiles fit in the {chip.n_macros} macros: weights "
                     f"are resident ({loaded})")
        if np.any(alloc.streams):
            notes.append(f"{alloc.macros_streaming} macros left beside the resident weights "
                         f"(up to {alloc.replicas_resident} copies) for QK^T/PV in CIM")
    else:
        kv = int(alloc.tiling.tiles[alloc.stationary].sum())
        need = (f" + {kv} K/V tiles" if kv else "") + (
            " + 1 macro for QK^T/PV" if np.any(alloc.dynamic_cim & alloc.streams) else "")
        why = (f"{tiles} weight tiles fit in the {chip.n_macros} macros, but streaming them "
               f"is the better step ({options.objective})" if alloc.fits else
               f"{tiles} weight tiles{need} > {chip.n_macros} macros")
        notes.append(f"{why}: weights stream from DRAM "
                     f"({format_bytes(float(traffic.weight_dram_bits.sum()) / 8)} per "
                     "step) and are written into the cells op by op")
    orders: dict[str, int] = defaultdict(int)
    for i in np.flatnonzero(alloc.streams | alloc.vector_matmul):
        orders[nest.loop_order(int(i))] += 1
    if orders:
        chosen = ", ".join(f"{n} {o}" for o, n in sorted(orders.items(), key=lambda x: -x[1]))
        most = int(nest.candidates.max())
        notes.append(f"mapping search ({options.objective}): {chosen} (up to {most} "
                     "candidate loop nests per op)")
    spilled = int(np.count_nonzero(traffic.output_in_dram & (t.successors_count > 0)))
    if spilled:
        notes.append(f"{spilled} activations do not fit beside the live ones in the "
                     f"{format_bytes(chip.sram.size_bytes)} SRAM and spill to DRAM")
    notes.append(f"KV cache in {chip.kv_cache_placement.value}, QK^T/PV on "
                 f"{chip.dynamic_matmul_unit.value.replace('_', ' ')}")
    if options.replicate and bool(np.any(nest.replicas > 1)):
        notes.append("tiles replicated on idle macros (more cell writes, less time)")
    if sched.pipelined:
        notes.append("ops pipelined across macros over token rows")
    return tuple(notes)


def _records(t: OpTable, alloc: Allocation, place: Placement, nest: LoopNest,
             traffic: Traffic, counts: ActionCounts, sched: Schedule, op_energy: np.ndarray
             ) -> tuple[OpRecord, ...]:
    vec = counts.vector_ops.sum(axis=1)
    dram = (traffic.dram_read_bits + traffic.dram_write_bits) / 8
    sram = (traffic.sram_read_bits + traffic.sram_write_bits) / 8
    out = []
    for i, op in enumerate(t.ops):
        unit = "cim" if alloc.cim[i] else ("vector" if vec[i] > 0 else "memory")
        out.append(OpRecord(op.name, op.role, op.kind.value, op.layer, unit, float(op.macs),
                            float(vec[i]), float(dram[i]), float(sram[i]),
                            float(op_energy[i]), float(sched.op_latency_s[i]),
                            sched.op_bound[i], nest.loop_order(i),
                            nest.describe(i, bool(place.input_in_dram[i]),
                                          bool(place.output_in_dram[i]))))
    return tuple(out)


def count_inputs(t: OpTable, alloc: Allocation, nest: LoopNest, traffic: Traffic,
                 chip: ChipSpec) -> CountInputs:
    """The :class:`CountInputs` of every op under its chosen loop nest."""
    macro = chip.macro
    til = alloc.tiling
    f = lambda a: np.asarray(a, dtype=np.float64)  # noqa: E731
    cell_bits = nest.cell_bits_written.copy()
    if chip.kv_cache_placement is KvCachePlacement.CIM:  # new K/V written into the macros
        cell_bits += t.kv_write_elements * float(macro.n_weight_slices * macro.cell_bits)
    return CountInputs(
        dram_read_bits=traffic.dram_read_bits, dram_write_bits=traffic.dram_write_bits,
        sram_read_bits=traffic.sram_read_bits, sram_write_bits=traffic.sram_write_bits,
        cell_bits_written=cell_bits, cim_macs=np.where(alloc.cim, f(t.macs), 0.0),
        cim=alloc.cim, input_elements=f(t.input_elements),
        output_elements=f(t.output_elements), input_passes=nest.input_reads,
        rounds=nest.rounds, vectors=f(alloc.vectors * alloc.count) * alloc.density * alloc.cim,
        k=f(t.k), n=f(t.n), k_tiles=f(til.k_tiles), n_tiles=f(til.n_tiles),
        row_partials=f(til.row_partials),
        vector_ops=vector_op_counts(t, t.is_kind(OpKind.DYNAMIC_MATMUL) & ~alloc.cim),
        register_read_bits=nest.register_read_bits,
        register_write_bits=nest.register_write_bits)


def map_graph(arch: Arch, graph: nx.DiGraph, options: MapOptions = DEFAULT_OPTIONS,
              workload: str | None = None) -> MappingResult:
    """Map one step (a graph from :func:`grcim.workloads.build_graph`) onto a chip.

    Parameters
    ----------
    arch : Arch
        A chip (``kind: chip``).
    graph : networkx.DiGraph
        The workload step.
    options : MapOptions
        Mapper choices.
    workload : str or None
        Name shown in the result (default: the graph's ``model`` attribute).

    Returns
    -------
    MappingResult

    Raises
    ------
    grcim.errors.MappingError
        The workload cannot be mapped (the message says what does not fit where).
    """
    return plan_and_map(arch, graph, options, workload)[1]


def plan_and_map(arch: Arch, graph: nx.DiGraph, options: MapOptions = DEFAULT_OPTIONS,
                 workload: str | None = None) -> tuple[MappingPlan, MappingResult]:
    """:func:`map_graph` with the plan it priced (for readers of the chosen loop nest, such
    as the Timeloop export, so the step is not planned twice)."""
    if not 0.0 < options.sram_fraction <= 1.0:
        raise MappingError(f"sram_fraction = {options.sram_fraction!r}: must be in (0, 1]")
    if options.objective not in OBJECTIVES:
        raise MappingError(f"objective = {options.objective!r}: one of "
                           f"{', '.join(OBJECTIVES)}")
    step = Step.of(graph)
    check_bits(arch, step)
    plan = plan_step(arch, build_optable(graph, step), options)
    return plan, _result(arch, plan, options, workload)


@dataclass(frozen=True)
class MappingPlan:
    """Every stage's output for one step (the pipeline of the module docstring): what the
    search chose (``nest``) and what it implies, before pricing into a result."""

    comps: ChipComponents
    t: OpTable
    alloc: Allocation
    place: Placement
    prices: Prices
    nest: LoopNest
    traffic: Traffic
    counts: ActionCounts
    sched: Schedule


def plan_step(arch: Arch, t: OpTable, options: MapOptions = DEFAULT_OPTIONS) -> MappingPlan:
    """Allocate, place, search, count and schedule the ops of ``t`` on ``arch`` (options
    checked by :func:`map_graph`). Every placement :func:`~grcim.mapper.allocation.
    allocations` lists (weights resident with each number of copies, or streaming) is
    planned; the step best by ``options.objective`` is kept (:func:`step_cost`)."""
    comps = bind_components(arch)
    chip = arch.chip
    assert chip is not None  # bind_components refuses macro files
    keys = all_keys(comps)
    candidates = allocations(t, chip, arch.clock_hz, options.replicate,
                             options.weights_preloaded)
    place = place_activations(t, chip, comps.sram is not None, options.sram_fraction)
    q_vec = vector_op_counts(t, t.is_kind(OpKind.DYNAMIC_MATMUL) & ~candidates[0].cim)
    if comps.vector is None and float(q_vec.sum()) > 0:
        raise MappingError(f"arch {arch.name!r} has no vector unit (a !Compute inside a "
                           "!Fork) for softmax, norms, activations and residual adds")
    prices: Prices = price_components(arch, comps, keys)
    leak_w = float(sum(prices.leak_power_w.values()))
    best: MappingPlan | None = None
    best_cost = (np.inf, np.inf)
    for placed in candidates:
        alloc: Allocation | None = placed
        while alloc is not None:
            nest = search_mappings(t, alloc, place, chip, comps, prices.energy_j, leak_w,
                                   options.objective)
            traffic = plan_traffic(t, alloc, place, nest, chip)
            q = count_inputs(t, alloc, nest, traffic, chip)
            counts = stack_counts(count_columns(q, comps, chip.macro), keys, len(t), q,
                                  chip.macro)
            sched = schedule(t, alloc, nest, traffic, counts, chip, options.pipeline)
            cost = step_cost(counts, sched, prices, leak_w, options.objective)
            if best is None or _better(cost, best_cost):
                best, best_cost = MappingPlan(comps, t, alloc, place, prices, nest, traffic,
                                              counts, sched), cost
            alloc = _fewer_streaming_macros(alloc, nest)
    assert best is not None  # allocations() lists at least one placement
    return best


def _fewer_streaming_macros(alloc: Allocation, nest: LoopNest) -> Allocation | None:
    """The placement ``alloc`` with its streaming macros capped one below the most that
    ``nest`` (searched on ``alloc``) keeps busy at once, or None when there is nothing to
    cap: beside resident weights, the QK^T/PV ops streaming through the ``P_s`` spare
    macros would also run on fewer of them, as on a chip with fewer macros. Each op's
    search is best for the op alone, not for the step (a pipelined step is judged on one
    token row), so a wider wave or more copies taken on one spare macro more can make the
    step slower: pricing the caps down to one macro (each one a threshold of the ops' own
    demand, so a handful) keeps every smaller chip's placement on offer."""
    if not (alloc.resident and np.any(alloc.streams)):
        return None
    used = int(nest.macros_used[alloc.streams].max(initial=0))
    cap = min(used, alloc.macros_streaming) - 1
    return replace(alloc, macros_streaming=cap) if cap >= 1 else None


def step_cost(counts: ActionCounts, sched: Schedule, prices: Prices, leak_w: float,
              objective: str) -> tuple[float, float]:
    """A planned step's (objective, tie-breaker): ``energy`` = dynamic energy plus leakage
    over the step latency (ties broken by latency), ``latency`` (ties by energy), ``edp``
    = their product (ties by latency)."""
    per_action = np.array([prices.energy_j[k] for k in counts.keys])
    energy = float((counts.counts @ per_action).sum()) + leak_w * sched.latency_s
    latency = sched.latency_s
    if objective == "latency":
        return latency, energy
    return (energy * latency if objective == "edp" else energy), latency


def _better(cost: tuple[float, float], best: tuple[float, float], rel: float = 1e-12) -> bool:
    """``cost`` beats ``best``: lower objective beyond ``rel``, or as low and a lower
    tie-breaker beyond it (earlier placements win exact ties)."""
    if cost[0] < best[0] * (1 - rel):
        return True
    return cost[0] <= best[0] * (1 + rel) and cost[1] < best[1] * (1 - rel)


def _result(arch: Arch, plan: MappingPlan, options: MapOptions, workload: str | None
            ) -> MappingResult:
    """The plan's energies rolled up (:mod:`grcim.mapper.rollup`) into a result."""
    t, alloc, prices, traffic, counts, sched = (plan.t, plan.alloc, plan.prices,
                                                plan.traffic, plan.counts, plan.sched)
    chip = arch.chip
    assert chip is not None
    per_action = np.array([prices.energy_j[k] for k in counts.keys])
    energy_matrix = counts.counts * per_action  # (op, action) J
    op_energy = energy_matrix.sum(axis=1)
    leak = {name: p * sched.latency_s for name, p in prices.leak_power_w.items()}
    by_component, by_action = by_component_and_action(
        dict(zip(counts.keys, energy_matrix.sum(axis=0), strict=True)), leak,
        (c.name for c in plan.comps.all()))
    by_role = _by_role(t, op_energy)
    by_role[LEAKAGE] = float(sum(leak.values()))
    dynamic = float(op_energy.sum())
    step = t.step
    return MappingResult(
        engine="grcim", arch=arch.name, arch_description=arch.description,
        workload=workload or step.model, phase=step.phase, batch=step.batch,
        tokens=step.tokens, context=step.context, energy_j=dynamic + by_role[LEAKAGE],
        dynamic_energy_j=dynamic, leak_energy_j=by_role[LEAKAGE], latency_s=sched.latency_s,
        macs=float(t.macs.sum()), cim_macs=float(counts.cim_macs.sum()),
        vector_ops=float(counts.vector_ops.sum()), fp_macro=fp_macro(arch),
        area_m2=float(sum(prices.area_m2.values())),
        array_utilization=_array_utilization(counts, alloc),
        adc_conversions=float(counts.adc_conversions.sum()),
        dac_conversions=float(counts.dac_conversions.sum()),
        dram_read_bytes=float(traffic.dram_read_bits.sum()) / 8,
        dram_write_bytes=float(traffic.dram_write_bits.sum()) / 8,
        sram_read_bytes=float(traffic.sram_read_bits.sum()) / 8,
        sram_write_bytes=float(traffic.sram_write_bits.sum()) / 8,
        cell_bits_written=float(counts.cell_bits_written.sum()),
        weights_resident=alloc.resident, pipelined=sched.pipelined, bound=sched.bound,
        critical_path_s=sched.critical_path_s, resource_time_s=dict(sched.resource_time_s),
        energy_by_component_j=by_component, energy_by_action_j=by_action,
        energy_by_layer_type_j=by_role,
        latency_by_layer_type_s=_by_role(t, sched.op_latency_s),
        bound_by_layer_type=_bound_by_role(t, sched),
        area_by_component_m2=dict(prices.area_m2),
        actions={f"{n}.{a}": float(v) for (n, a), v in counts.totals().items()},
        action_energy_j={f"{n}.{a}": e for (n, a), e in prices.energy_j.items()},
        peak_cim_macs_per_s=peak_cim_macs_per_s(arch),
        peak_vector_ops_per_s=chip.vector.throughput_ops_per_s,
        dram_bandwidth_bytes_per_s=chip.dram.bandwidth_bytes_per_s,
        ops=(_records(t, alloc, plan.place, plan.nest, traffic, counts, sched, op_energy)
             if options.keep_ops else ()),
        notes=_notes(t, alloc, traffic, arch, options, sched, plan.nest),
    )
