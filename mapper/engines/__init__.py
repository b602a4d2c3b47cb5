"""Mapping engines: grcim's analytic mapper and, optionally, AccelForge's FFM mapper.

``grcim`` (default) is :func:`grcim.mapper.mapping.map_graph`: the whole model in well
under a second. ``accelforge`` is :mod:`grcim.mapper.engines.accelforge`, imported only
when asked for, because AccelForge is an optional extra (``grcim[accelforge]``) that takes
minutes per layer.
"""

from __future__ import annotations

import networkx as nx

from grcim.arch import Arch
from grcim.errors import MappingError
from grcim.mapper.mapping import DEFAULT_OPTIONS, MapOptions, map_graph
from grcim.mapper.result import MappingResult

__all__ = ["ENGINES", "run_engine"]

ENGINES: tuple[str, ...] = ("grcim", "accelforge")
"""Engine names accepted by :func:`run_engine` and ``grcim map --engine``."""


def run_engine(engine: str, arch: Arch, graph: nx.DiGraph,
               options: MapOptions = DEFAULT_OPTIONS) -> MappingResult:
    """Map ``graph`` onto ``arch`` with ``engine`` (``grcim`` or ``accelforge``).

    Raises
    ------
    grcim.errors.MappingError
        Unknown engine, AccelForge not installed, an option the accelforge engine does not
        take (objective other than energy, no replication), or the workload does not fit.
    """
    if engine == "grcim":
        return map_graph(arch, graph, options)
    if engine == "accelforge":
        # its mapper minimizes energy and decides copies itself: an option it would drop
        # must not yield a result that looks like it honoured it
        if options.objective != DEFAULT_OPTIONS.objective:
            raise MappingError(f"objective = {options.objective!r}: "
                               f"{DEFAULT_OPTIONS.objective} with the accelforge engine "
                               "(other objectives are the grcim engine's)")
        if options.replicate != DEFAULT_OPTIONS.replicate:
            raise MappingError("replicate = False: the accelforge engine takes no "
                               "replication option (the grcim engine's)")
        from grcim.mapper.engines.accelforge import map_with_accelforge

        return map_with_accelforge(arch, graph)
    raise MappingError(f"engine = {engine!r}: one of {', '.join(ENGINES)}")
