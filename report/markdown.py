"""Markdown and HTML reports of a mapping result or a comparison (text only; the CLI
writes the files).

A report is a list of sections (heading, paragraphs, tables, figures) rendered either as
Markdown, whose figures are PNG files in a sibling folder, or as one self-contained HTML
file with the PNGs embedded as base64 data.
"""

from __future__ import annotations

import base64
import html
import urllib.parse
from dataclasses import dataclass, field

from grcim.mapper.compare import Comparison
from grcim.mapper.result import MappingResult
from grcim.report.display import area_mm2, count, percent, si
from grcim.report.mappings import MAPPING_HEADER, mapping_rows
from grcim.report.text import (
    COMPARISON_METRICS,
    STEP_ENERGY,
    comparison_cell,
    summary_rows,
)

__all__ = ["Section", "result_sections", "comparison_sections", "to_markdown", "to_html"]


@dataclass(frozen=True)
class Section:
    """One part of a report.

    Attributes
    ----------
    heading : str
        Section title.
    paragraphs : tuple of str
        Plain text before the table.
    header : tuple of str
        Table column names (empty: no table).
    rows : tuple of tuple of str
        Table rows, display text.
    figures : tuple of str
        Names of figures (keys of the figure dict) shown after the table.
    """

    heading: str
    paragraphs: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    figures: tuple[str, ...] = field(default=())


def result_sections(r: MappingResult) -> list[Section]:
    """Summary, energy by component, by layer type, actions and figures of one result."""
    head = (f"{r.workload} {r.phase} step on {r.arch} ({r.arch_description}), batch "
            f"{r.batch}, {r.tokens} new token(s), context {r.context}; engine {r.engine}.")
    out = [Section("Summary", (head, *r.notes), ("quantity", "value"),
                   tuple(summary_rows(r)))]
    out.append(Section("Energy by component", (), ("component", "energy", "share", "area"),
                       tuple((n, si(e, "J"), percent(e, r.energy_j),
                              area_mm2(r.area_by_component_m2.get(n, 0.0)))
                             for n, e in sorted(r.energy_by_component_j.items(),
                                                key=lambda kv: -kv[1])),
                       ("energy",)))
    out.append(Section(
        "By layer type", ("time = summed roofline time of the ops of that type; bound = the "
                          "resource that bounds most of that time",),
        ("layer type", "energy", "share", "time", "bound"),
        tuple((k, si(e, "J"), percent(e, r.energy_j), si(r.latency_by_layer_type_s.get(k), "s"),
               r.bound_by_layer_type.get(k, "-"))
              for k, e in sorted(r.energy_by_layer_type_j.items(), key=lambda kv: -kv[1])),
        ("latency",)))
    resources = tuple((k, si(v, "s"), percent(v, r.latency_s))
                      for k, v in sorted(r.resource_time_s.items(), key=lambda kv: -kv[1]))
    if resources:
        out.append(Section("Resources", (f"step latency {si(r.latency_s, 's')}, set by "
                                         f"{r.bound}; critical path "
                                         f"{si(r.critical_path_s, 's')}",),
                           ("resource", "busy time", "of the step"), resources,
                           ("roofline",) if r.ops else ()))
    mappings = mapping_rows(r)
    if mappings:
        out.append(Section("Mapping of every op", (
            "loop order and data placement chosen by the mapping search for each CIM op and "
            "vector-unit matmul (ops of the same role and mapping grouped; energy is dynamic, "
            "time the summed roofline time)",), MAPPING_HEADER, tuple(mappings)))
    counted = [(k, count(v), si(r.action_energy_j.get(k), "J"),
                si(r.energy_by_action_j.get(k, 0.0), "J")) for k, v in r.actions.items() if v]
    # energy with no action count (leakage over the step): listed too, so the table's
    # energies sum to the step's
    uncounted = [(k, "-", "-", si(e, "J")) for k, e in r.energy_by_action_j.items()
                 if e and not r.actions.get(k)]
    out.append(Section("Actions", (), ("component.action", "count", "energy each", "energy"),
                       tuple(counted + uncounted)))
    return out


def comparison_sections(c: Comparison) -> list[Section]:
    """One table per phase (metrics with ratios to the baseline) and the figure."""
    out = [Section("Comparison", (f"{c.results[0].workload} on {', '.join(c.archs)}; "
                                  f"ratios are value / {c.baseline} (same phase).",),
                   figures=("comparison",))]
    for phase in c.phases:
        rows = []
        for label, metric, fmt in (COMPARISON_METRICS[0], STEP_ENERGY, *COMPARISON_METRICS[1:]):
            rows.append((label, *(comparison_cell(c, arch, phase, metric, fmt)
                                  for arch in c.archs)))
        rows.append(("bound", *(c.result(a, phase).bound for a in c.archs)))
        rows.append(("batch x tokens per sequence, context",
                     *(f"{r.batch} x {r.tokens}, {r.context}"
                       for r in (c.result(a, phase) for a in c.archs))))
        out.append(Section(f"{phase}", (), ("quantity", *c.archs), tuple(rows)))
        for arch in c.archs:
            r = c.result(arch, phase)
            top = sorted(r.energy_by_component_j.items(), key=lambda kv: -kv[1])[:4]
            out.append(Section(f"{phase}: {arch}", (
                "; ".join(r.notes),
                "largest energies: " + ", ".join(f"{n} {percent(e, r.energy_j)}"
                                                 for n, e in top))))
    return out


def _md_text(text: str) -> str:
    """Text as Markdown shows it literally: Markdown renders inline HTML, so the user text
    in a report (workload, arch and component names, descriptions) would otherwise run as
    markup (``<script>``); ``&``, ``<`` and ``>`` become entities, which render as written."""
    return html.escape(text, quote=False)


def _md_cell(text: str) -> str:
    return _md_text(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(title: str, sections: list[Section], figure_dir: str) -> str:
    """Markdown text; figure ``name`` is linked as ``{figure_dir}/{name}.png``."""
    lines = [f"# {_md_text(title)}", ""]
    # the folder is named after the report file: percent-encoded, a space or a parenthesis
    # in it cannot end the link
    folder = urllib.parse.quote(figure_dir)
    for s in sections:
        lines += [f"## {_md_text(s.heading)}", ""]
        for p in s.paragraphs:
            lines += [_md_text(p), ""]
        if s.header:
            lines.append("| " + " | ".join(_md_cell(h) for h in s.header) + " |")
            lines.append("|" + "|".join("---" for _ in s.header) + "|")
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in s.rows]
            lines.append("")
        for name in s.figures:
            lines += [f"![{_md_text(name)}]({folder}/{urllib.parse.quote(name)}.png)", ""]
    return "\n".join(lines)


def to_html(title: str, sections: list[Section], figures: dict[str, bytes]) -> str:
    """One self-contained HTML page (figures embedded as base64 PNG)."""
    e = html.escape
    parts = ["<!DOCTYPE html>", "<html><head><meta charset='utf-8'>", f"<title>{e(title)}</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
             "padding:3px 8px}td{text-align:right}td:first-child{text-align:left}"
             "img{max-width:100%}</style></head><body>", f"<h1>{e(title)}</h1>"]
    for s in sections:
        parts.append(f"<h2>{e(s.heading)}</h2>")
        parts += [f"<p>{e(p)}</p>" for p in s.paragraphs]
        if s.header:
            parts.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in s.header)
                         + "</tr>")
            parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>"
                      for row in s.rows]
            parts.append("</table>")
        for name in s.figures:
            if name in figures:
                data = base64.b64encode(figures[name]).decode("ascii")
                parts.append(f"<img alt='{e(name)}' src='data:image/png;base64,{data}'>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
