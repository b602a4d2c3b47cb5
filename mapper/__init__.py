"""grcim.mapper: schedule a workload graph onto a chip, count actions, price them, roll up.

Rules of this subpackage: it is the only place that joins ``grcim.arch``,
``grcim.workloads`` and ``grcim.plugins`` (the latter only as the model list handed to
hwcomponents, in ``pricing``). Results are frozen dataclasses in SI units (J, s, m², bytes);
``report`` converts to display units; ``engines.accelforge`` imports AccelForge lazily.

Stages, one module each (formulas in ``docs/mapper.md``): ``optable`` (graph -> numpy
columns), ``components`` (arch nodes -> roles), ``tiling``, ``allocation`` (residency,
replication, waves), ``traffic`` (placement, SRAM/DRAM bits), ``vector_ops``, ``actions``
(counts per component and action), ``schedule`` (roofline, critical path, pipelining),
``pricing`` (hwcomponents), ``result``, ``mapping`` (the analytic engine), ``engines``,
``run`` (by name), ``compare``.
"""

from grcim.mapper.compare import BUNDLED_COMPARISON, Comparison, compare_archs
from grcim.mapper.engines import ENGINES, run_engine
from grcim.mapper.mapping import MapOptions, map_graph
from grcim.mapper.result import MappingResult, OpRecord
from grcim.mapper.run import map_workload, resolve_arch, step_graph

__all__ = [
    # mapping
    "map_workload",
    "map_graph",
    "run_engine",
    "MapOptions",
    "ENGINES",
    "resolve_arch",
    "step_graph",
    # results
    "MappingResult",
    "OpRecord",
    # comparisons
    "compare_archs",
    "Comparison",
    "BUNDLED_COMPARISON",
]
