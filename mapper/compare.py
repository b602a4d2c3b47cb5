"""Side-by-side mapping of one workload on several chips, with ratios to a baseline.

The bundled comparison maps Llama-3-8B (prefill of 2048 tokens and decode at context 2048,
batch 1) on the three edge chips that differ only in their macros: conventional FP-CIM
(the baseline), GR-MAC and INT8 CIM. A ratio is ``value / baseline value`` of the same
phase, so ``energy_per_token_j`` 0.8 means 20 % less energy per token than the baseline.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from grcim.errors import MappingError
from grcim.mapper.mapping import DEFAULT_OPTIONS, MapOptions
from grcim.mapper.result import MappingResult
from grcim.mapper.run import ArchLike, map_workload, resolve_arch

__all__ = ["BUNDLED_COMPARISON", "COMPARED_METRICS", "Comparison", "compare_archs"]

BUNDLED_COMPARISON: tuple[str, ...] = ("edge_conventional", "edge_grmac", "edge_int8")
"""Archs of the bundled comparison, baseline first."""
COMPARED_METRICS: tuple[str, ...] = (
    "energy_j", "latency_s", "energy_per_token_j", "tokens_per_s", "tops_per_w",
    "tflops_per_w", "area_m2", "mac_utilization", "adc_conversions", "dram_bytes",
)
"""MappingResult quantities a comparison tabulates (with their ratios)."""


@dataclass(frozen=True)
class Comparison:
    """Results of every (arch, phase) and their ratios to the baseline arch.

    Attributes
    ----------
    results : tuple of MappingResult
        Phase-major: all archs of the first phase, then of the next.
    archs : tuple of str
        Arch names in order; the first is the baseline.
    phases : tuple of str
        Phases compared.
    """

    results: tuple[MappingResult, ...]
    archs: tuple[str, ...]
    phases: tuple[str, ...]

    @property
    def baseline(self) -> str:
        """Name of the baseline arch (the first)."""
        return self.archs[0]

    def result(self, arch: str, phase: str) -> MappingResult:
        """The result of one arch and phase."""
        for r in self.results:
            if r.arch == arch and r.phase == phase:
                return r
        raise KeyError((arch, phase))

    def ratio(self, arch: str, phase: str, metric: str) -> float:
        """``metric`` of ``arch`` over the baseline's, same phase (nan when undefined)."""
        value = float(getattr(self.result(arch, phase), metric))
        base = float(getattr(self.result(self.baseline, phase), metric))
        return value / base if base else float("nan")

    def rows(self) -> list[dict[str, Any]]:
        """One flat row per (phase, arch): the metrics and ``<metric>_ratio`` columns."""
        out = []
        for phase in self.phases:
            for arch in self.archs:
                r = self.result(arch, phase)
                # the step's shape, so a CSV row says what it measured (--context applies
                # to prefill too: the prompt is the last tokens of that context)
                row: dict[str, Any] = {"phase": phase, "arch": arch, "workload": r.workload,
                                       "batch": r.batch, "tokens": r.tokens,
                                       "context": r.context, "bound": r.bound}
                for m in COMPARED_METRICS:
                    row[m] = float(getattr(r, m))
                    row[f"{m}_ratio"] = self.ratio(arch, phase, m)
                out.append(row)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: baseline, rows, and each result (without per-op records)."""
        return {"baseline": self.baseline, "archs": list(self.archs),
                "phases": list(self.phases), "rows": self.rows(),
                "results": [r.to_dict() for r in self.results]}


def _shown(arch: ArchLike) -> str:
    """How an arch was given: its path or bundled name, or its name and source."""
    return str(arch) if isinstance(arch, str | os.PathLike) else f"{arch.name} from {arch.source}"


def compare_archs(archs: Sequence[ArchLike] | None = None, workload: str | None = None,
                  phases: Sequence[str] = ("prefill", "decode"), batch: int = 1,
                  tokens: int | None = None, context: int | None = None,
                  engine: str = "grcim", options: MapOptions = DEFAULT_OPTIONS,
                  models_file: str | None = None) -> Comparison:
    """Map the same workload on every arch (default :data:`BUNDLED_COMPARISON`).

    ``tokens`` applies to prefill; ``context`` to both phases (default: prefill context =
    tokens, decode context = 2048 capped by the model).

    Raises
    ------
    grcim.errors.MappingError
        Fewer than one arch, a repeated arch name, or a step that does not fit.
    """
    given = list(archs or BUNDLED_COMPARISON)
    chosen = [resolve_arch(a) for a in given]
    names = [a.name for a in chosen]
    if not chosen:
        raise MappingError("compare needs at least one arch")
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        j = first.setdefault(name, i)
        if j != i:
            # the names label the columns and rows of every output, so they must differ;
            # a file's name is its stem, so a copy of a bundled arch clashes with it
            raise MappingError(
                f"each arch needs a distinct name: arch {j + 1} ({_shown(given[j])}) and "
                f"arch {i + 1} ({_shown(given[i])}) are both named {name!r} (names are the "
                f"bundled names and the file stems; save a file under another stem to "
                f"compare it)")
    keep = dataclasses.replace(options, keep_ops=False)
    results = []
    for phase in phases:
        for arch in chosen:
            results.append(map_workload(arch, workload, phase, batch,
                                        tokens if phase == "prefill" else None, context,
                                        engine, keep, models_file))
    return Comparison(tuple(results), tuple(names), tuple(phases))
