"""grcim.sweep: design-space exploration over architectures, formats and workloads.

A sweep spec (``spec``: YAML, validated like the arch files) names base architectures, a
grid or sample over their variables (``space``) and workload cases; every point is
evaluated by the analytic mapper or the per-MAC models (``evaluate``), locally or on a
Dask cluster (``executors``), and stored in an SQLite file with resume and crash safety
(``store``, ``runner``). ``pareto`` and ``report`` turn a store into Pareto fronts,
variable effects and best designs. ``docs/sweep.md`` has the spec reference and the schema.

Layering: between ``grcim.cli`` (above) and ``grcim.mapper`` (below).
"""

from grcim.sweep.runner import RunOptions, RunSummary, run_sweep
from grcim.sweep.space import points
from grcim.sweep.spec import LoadedSpec, SweepSpec, load_spec, load_spec_text
from grcim.sweep.store import Store

__all__ = ["load_spec", "load_spec_text", "LoadedSpec", "SweepSpec", "points", "run_sweep",
           "RunOptions", "RunSummary", "Store"]
