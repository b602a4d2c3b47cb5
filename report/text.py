"""Terminal tables (rich) of a mapping result and of an architecture comparison.

Functions return rich renderables; ``grcim.cli`` prints them.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Group, JustifyMethod
from rich.markup import escape
from rich.table import Table

from grcim.mapper.compare import Comparison
from grcim.mapper.result import MappingResult
from grcim.report.display import area_mm2, count, percent, ratio, si
from grcim.report.mappings import MAPPING_HEADER, mapping_rows

__all__ = ["summary_rows", "result_tables", "comparison_table"]


def _title(r: MappingResult) -> str:
    shape = (f"{r.tokens} prompt tokens" if r.phase == "prefill"
             else f"1 token at context {r.context}")
    return escape(f"{r.workload} {r.phase} on {r.arch}: batch {r.batch}, {shape} ({r.engine})")


def summary_rows(r: MappingResult) -> list[tuple[str, str]]:
    """(quantity, value in display units) pairs of the headline numbers."""
    step = ("time to first token" if r.phase == "prefill" else "latency per token")
    rows = [
        ("energy per step", si(r.energy_j, "J")),
        ("energy per token", si(r.energy_per_token_j, "J")),
        (step, si(r.latency_s, "s")),
        ("tokens per second", f"{r.tokens_per_s:.4g}"),
        ("TOPS/W (all ops)", f"{r.tops_per_w:.3g}"),
        ("TFLOPS/W (FP ops)", f"{r.tflops_per_w:.3g}"),
        ("what bounds the step", r.bound),
        ("MAC utilization", percent(r.mac_utilization, 1.0)),
        ("array utilization", "-" if r.array_utilization is None
         else percent(r.array_utilization, 1.0)),
        ("MACs (CIM / all)", f"{count(r.cim_macs)} / {count(r.macs)}"),
        ("ADC conversions", count(r.adc_conversions)),
        ("DRAM read / written", f"{si(r.dram_read_bytes, 'B')} / {si(r.dram_write_bytes, 'B')}"),
        ("SRAM read / written", f"{si(r.sram_read_bytes, 'B')} / {si(r.sram_write_bytes, 'B')}"),
        ("weights resident", "yes" if r.weights_resident else "no (streamed from DRAM)"),
        ("chip area (DRAM excluded)", area_mm2(r.area_m2)),
    ]
    return rows


def result_tables(r: MappingResult) -> Group:
    """Summary, energy by component, and energy/time/bound by layer type."""
    summary = Table(title=_title(r))
    summary.add_column("quantity")
    summary.add_column("value", justify="right")
    for label, value in summary_rows(r):
        summary.add_row(label, escape(value))
    comp = Table(title="energy by component")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("component", "left"), ("energy", "right"), ("share", "right"), ("area", "right"))
    for col, just in columns:
        comp.add_column(col, justify=just)
    for name, e in sorted(r.energy_by_component_j.items(), key=lambda kv: -kv[1]):
        comp.add_row(escape(name), si(e, "J"), percent(e, r.energy_j),
                     area_mm2(r.area_by_component_m2[name]) if name in r.area_by_component_m2
                     else "-")
    layer = Table(title="by layer type (time = summed op roofline time)")
    columns = (("layer type", "left"), ("energy", "right"), ("share", "right"),
               ("time", "right"), ("bound", "left"))
    for col, just in columns:
        layer.add_column(col, justify=just)
    for role, e in sorted(r.energy_by_layer_type_j.items(), key=lambda kv: -kv[1]):
        layer.add_row(escape(role), si(e, "J"), percent(e, r.energy_j),
                      si(r.latency_by_layer_type_s.get(role), "s"),
                      r.bound_by_layer_type.get(role, "-"))
    layer.caption = escape("; ".join(r.notes))
    rows = mapping_rows(r)
    if not rows:
        return Group(summary, comp, layer)
    maps = Table(title="mapping of every op (same role and mapping grouped)")
    for col in MAPPING_HEADER:
        maps.add_column(col, justify="right" if col in ("ops", "energy", "time") else "left")
    for row in rows:
        maps.add_row(*map(escape, row))
    return Group(summary, comp, layer, maps)


Metric = tuple[str, str, Callable[[float], str]]
"""A compared quantity: its label, the ``MappingResult`` attribute, how it is shown."""

COMPARISON_METRICS: tuple[Metric, ...] = (
    ("energy per token", "energy_per_token_j", lambda v: si(v, "J")),
    ("step latency", "latency_s", lambda v: si(v, "s")),
    ("tokens per second", "tokens_per_s", lambda v: f"{v:.4g}"),
    ("TOPS/W", "tops_per_w", lambda v: f"{v:.3g}"),
    ("area", "area_m2", area_mm2),
    ("ADC conversions", "adc_conversions", count),
    ("DRAM traffic", "dram_bytes", lambda v: si(v, "B")),
)
"""The quantities every comparison shows, in order (terminal table and reports alike)."""
STEP_ENERGY: Metric = ("energy per step", "energy_j", lambda v: si(v, "J"))
"""Energy of the whole step: the reports show it after ``energy per token``."""


def comparison_cell(c: Comparison, arch: str, phase: str, metric: str,
                    fmt: Callable[[float], str]) -> str:
    """One arch's value of ``metric`` in ``phase``, with its ratio to the baseline's."""
    shown = fmt(float(getattr(c.result(arch, phase), metric)))
    if arch != c.baseline:
        shown += f" ({ratio(c.ratio(arch, phase, metric))})"
    return shown


def comparison_table(c: Comparison) -> Table:
    """Metrics per (phase, arch) with ratios to the baseline (the first arch)."""
    t = Table(title=escape(f"{c.results[0].workload}: {', '.join(c.archs)} "
                           f"(ratios vs {c.baseline})"))
    t.add_column("quantity")
    for phase in c.phases:
        for arch in c.archs:
            t.add_column(escape(f"{phase}\n{arch}"), justify="right", overflow="fold")
    for label, metric, fmt in COMPARISON_METRICS:
        t.add_row(label, *(comparison_cell(c, arch, phase, metric, fmt)
                           for phase in c.phases for arch in c.archs))
    t.add_row("bound", *(escape(c.result(a, p).bound) for p in c.phases for a in c.archs))
    t.caption = "ratio = value / baseline value of the same phase"
    return t
