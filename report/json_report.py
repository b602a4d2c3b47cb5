"""JSON text of mapping results and comparisons (SI units; units named in the keys).

A mapping JSON holds every :class:`~grcim.mapper.result.MappingResult` field, at least
``energy_j``, ``latency_s``, ``energy_per_token_j``, ``tokens_per_s`` and ``breakdown``
(energy per component, J), plus the per-op records when asked for.
"""

from __future__ import annotations

from grcim.mapper.compare import Comparison
from grcim.mapper.result import MappingResult
from grcim.report.tables import to_json

__all__ = ["result_json", "comparison_json"]


def result_json(r: MappingResult, include_ops: bool = False) -> str:
    """Strict JSON of one result (non-finite numbers become null)."""
    return to_json(r.to_dict(include_ops))


def comparison_json(c: Comparison) -> str:
    """Strict JSON of a comparison: baseline, one row per (phase, arch) with ratios, and
    every result."""
    return to_json(c.to_dict())
