"""grcim's schedule of one einsum as a fixed Timeloop mapping, and the mapper's constraints.

grcim's analytic mapper (``grcim.mapper.tiling``, ``allocation``, ``traffic``) tiles the
``K x N`` weight matrix into macro tiles (``t_k = K / rows`` along the reduction,
``t_n = N / (cols / n_weight_slices)`` along the outputs) and runs them in waves on the
``P`` macros, each wave reading the whole input once. In Timeloop loops (innermost first in
each ``permutation``):

- ``Row`` (spatial, Y): ``K = rows_per_adc``; ``Column`` (spatial, X): ``N = cols /
  n_weight_slices``; ``RowGroup`` (spatial, Y): ``K = rows / rows_per_adc`` (smaller
  einsums use fewer rows, row groups and columns, as grcim's tiling does);
- ``Macro`` (spatial, X): ``K = t_k`` and ``N`` = the column tiles one wave holds:
  all ``t_n`` when every tile fits (``t_k * t_n <= P``), else ``floor(P / t_k)``;
  when ``t_k > P`` the reduction needs ``t_k / P`` rounds (``K = P``, ``N = 1``);
- input read from DRAM (one pass, or grcim finds staging no cheaper): DRAM loops over
  the waves (``N``), the reduction rounds (``K``) and the input vectors (``M``, innermost);
  the global SRAM keeps nothing;
- input staged in the global SRAM in ``c`` row chunks: DRAM loops ``M = c`` (the weights
  are re-read per chunk); the SRAM keeps Inputs (and the partial sums when there are
  reduction rounds) and loops over waves, rounds and the chunk's vectors;
- tolls and cells: no temporal loops (a toll converts each value as it passes; a cell
  holds one weight), and no temporal reuse at a toll (``no_reuse``): a DAC drives each
  input again for every wave, as grcim counts, instead of Timeloop keeping the input "in"
  the DAC across waves. Weights bypass the SRAM (DRAM -> cells), outputs go to DRAM.

The mapping is *exact* (Timeloop must count what grcim counts) when every split divides
evenly; otherwise the export still writes the nearest mapping and says why it differs
(:attr:`FixedMapping.exact`, :attr:`FixedMapping.note`).

The mapper's constraints keep what is physics, not choice: the tolls' and cells'
dataspaces and their lack of temporal loops, the array geometry (rows per conversion,
weights per row, row groups), one input vector per macro at a time (no replication); the
mapper chooses the loop orders and tiling at DRAM and SRAM, what the SRAM keeps (not
weights, which stream to the cells) and how tiles spread over the macros.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grcim.arch import Arch
from grcim.export.einsum import Einsum, isolated_graph
from grcim.export.timeloop_arch import DATASPACES, TimeloopArch
from grcim.mapper.allocation import allocate
from grcim.mapper.components import bind_components
from grcim.mapper.optable import build_optable
from grcim.mapper.traffic import plan_traffic

__all__ = ["FixedMapping", "fixed_mapping", "mapper_constraints", "mapper_settings"]

DIMS = ("M", "K", "N")


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
    """

    targets: list[dict[str, Any]]
    exact: bool
    note: str
    factors: dict[str, dict[str, int]]


def _divisor_at_most(n: int, cap: int) -> int:
    """Largest divisor of ``n`` not above ``cap`` (at least 1)."""
    return max(d for d in range(1, min(n, cap) + 1) if n % d == 0)


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


def _schedule(arch: Arch, einsum: Einsum) -> dict[str, Any]:
    """grcim's tiling, waves, passes and input staging of the isolated einsum."""
    chip = arch.chip
    assert chip is not None
    comps = bind_components(arch)
    t = build_optable(isolated_graph(einsum))
    alloc = allocate(t, chip, arch.clock_hz, replicate=False, weights_preloaded=False)
    traffic = plan_traffic(t, alloc, chip, comps.sram is not None)
    til = alloc.tiling
    return {"t_k": int(til.k_tiles[0]), "t_n": int(til.n_tiles[0]),
            "p_s": int(alloc.macros_streaming), "resident": bool(alloc.resident),
            "passes": int(alloc.input_passes[0]), "k_rounds": int(alloc.k_rounds[0]),
            "chunks": int(traffic.chunks[0]),
            "staged": bool(traffic.sram_write_bits[0] > 0 and traffic.input_in_dram[0]),
            "sram": comps.sram.name if comps.sram is not None else None}


def fixed_mapping(arch: Arch, einsum: Einsum, tl: TimeloopArch) -> FixedMapping:
    """grcim's mapping of ``einsum`` on ``arch`` (rules in the module docstring)."""
    macro = arch.macro
    chip = arch.chip
    assert chip is not None
    m, k, n = einsum.op.m, einsum.op.k, einsum.op.n
    s = _schedule(arch, einsum)
    why: list[str] = []
    k_row = _divisor_at_most(k, macro.rows_per_adc)
    k_rg = _divisor_at_most(k // k_row, macro.n_row_groups)
    c_w = macro.cols // macro.n_weight_slices
    n_col = _divisor_at_most(n, c_w)
    if k_row != min(k, macro.rows_per_adc) or k_rg != min(k // k_row, macro.n_row_groups):
        why.append(f"K = {k} does not split into full row groups of {macro.rows_per_adc} rows")
    if n_col != min(n, c_w):
        why.append(f"N = {n} is not a multiple of the {c_w} weights per row")
    t_k, t_n = k // (k_row * k_rg), n // n_col
    p = chip.n_macros
    k_rounds = 1
    if t_k * t_n <= p:
        k_m, n_m = t_k, t_n
    elif t_k <= p:
        k_m = t_k
        n_m = _divisor_at_most(t_n, max(1, s["p_s"] // t_k))
        if n_m != s["p_s"] // t_k:
            why.append(f"the {t_n} column tiles do not split into waves of {s['p_s'] // t_k}")
    else:
        k_m = _divisor_at_most(t_k, p)
        n_m = 1
        k_rounds = t_k // k_m
        if k_m != p:
            why.append(f"the {t_k} row tiles do not split into rounds of {p} macros")
    waves = t_n // n_m
    if (t_k, t_n) != (s["t_k"], s["t_n"]):
        why.append(f"grcim tiles it {s['t_k']} x {s['t_n']} (partial tiles)")
    chunks = s["chunks"] if s["staged"] else 1
    if m % chunks:
        why.append(f"the {m} input vectors do not split into {chunks} SRAM chunks")
        chunks = _divisor_at_most(m, chunks)
    if s["staged"] and k_rounds > 1:
        why.append("grcim writes the last round's sums straight to DRAM; Timeloop writes them "
                   "into the SRAM and reads them out again")
    sram = s["sram"] if s["staged"] else None
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
        order: tuple[str, ...] = ("M", "K", "N")  # inner first
        if lv.role == "dram":
            keep = DATASPACES
            if sram:  # one loop over the row chunks (the weights are re-read per chunk)
                kw = {"M": chunks}
            else:  # vectors inside reduction rounds inside waves
                kw = {"M": m, "K": k_rounds, "N": waves}
        elif lv.role == "sram":
            keep = ()
            kw = {}
            if lv.name == sram:  # a chunk's waves and rounds run from the SRAM
                keep = ("Inputs", "Outputs") if k_rounds > 1 else ("Inputs",)
                kw = {"M": m // chunks, "K": k_rounds, "N": waves}
        else:
            keep, kw = lv.keeps, {}
        targets.append(_dataspace(lv.name, keep))
        targets.append(_temporal(lv.name, order, **kw))
        if lv.role == "toll":  # a toll holds nothing between uses: no temporal reuse
            targets[-1]["no_reuse"] = list(lv.keeps)
        factors[lv.name] = {d: kw.get(d, 1) for d in DIMS}
    exact = not why
    what = (f"{t_k} x {t_n} macro tiles on {p} macros, {k_m * n_m} per wave: {waves} "
            f"wave(s) x {k_rounds} reduction round(s); input "
            + (f"staged in {sram} ({chunks} chunk(s))" if sram else "read from DRAM")
            + f", read {s['passes']} time(s) in grcim's schedule")
    note = what + ("" if exact else "; differs from grcim's because " + "; ".join(why))
    return FixedMapping(targets, exact, note, factors)


def mapper_constraints(arch: Arch, einsum: Einsum, tl: TimeloopArch,
                       fixed: FixedMapping) -> list[dict[str, Any]]:
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
