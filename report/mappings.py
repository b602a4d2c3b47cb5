"""The chosen mapping of every op, for reports: ops of the same role and mapping grouped.

The layers of a model repeat, so a Llama-3-8B step of about 600 ops names a dozen
distinct mappings; each row lists the role, the loop order, the full description (wave
shape, where the input, partial sums and output live), how many ops share it and their
energy and time.
"""

from __future__ import annotations

from collections import defaultdict

from grcim.mapper.result import MappingResult
from grcim.report.display import si

__all__ = ["MAPPING_HEADER", "mapping_rows"]

MAPPING_HEADER: tuple[str, ...] = ("role", "loop order", "mapping", "ops", "energy", "time")
"""Columns of :func:`mapping_rows`."""


def mapping_rows(r: MappingResult) -> list[tuple[str, ...]]:
    """One row per (role, mapping) of the ops that have one (CIM ops and vector-unit
    matmuls), in the order they first run; energies and times summed over the ops."""
    groups: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for op in r.ops:
        if not op.mapping:
            continue
        g = groups[op.role, op.loop_order, op.mapping]
        g[0] += 1
        g[1] += op.energy_j
        g[2] += op.latency_s
    return [(role, order, mapping, str(int(n)), si(e, "J"), si(t, "s"))
            for (role, order, mapping), (n, e, t) in groups.items()]
