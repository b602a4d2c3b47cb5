"""grcim.export: grcim's chips and einsums in other tools' formats (Timeloop v0.4).

Rules of this subpackage: it sits just above ``grcim.mapper`` (whose allocation, mapping
search and pricing it reuses, so an export describes the loop nest and the prices grcim
itself uses) and below ``grcim.cli``; it never prints or writes files (the CLI does).
Timeloop's Python front-end (``pytimeloop.timeloopfe``) is imported lazily, only by
:mod:`.timeloop_run`.

Modules: ``einsum`` (which einsums of a workload step run on the macros; grcim's mapping
of one einsum in isolation), ``timeloop_arch`` (architecture, problem, ERT/ART),
``timeloop_mapping`` (grcim's chosen loop nest as a fixed Timeloop mapping; mapper
constraints), ``timeloop_spec`` (everything for one einsum, as YAML texts),
``timeloop_stats`` (parse ``timeloop-*.stats.txt``), ``timeloop_run`` (run
``timeloop-model``/``timeloop-mapper`` through the front-end and parse what they wrote).
"""

from grcim.export.einsum import Einsum, cim_einsums, isolated_mapping, select_einsums
from grcim.export.timeloop_spec import TimeloopExport, export_timeloop
from grcim.export.timeloop_stats import TimeloopStats, parse_stats

__all__ = [
    "Einsum",
    "cim_einsums",
    "select_einsums",
    "isolated_mapping",
    "TimeloopExport",
    "export_timeloop",
    "TimeloopStats",
    "parse_stats",
]
