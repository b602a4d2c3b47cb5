"""Tables of one plug-in over an attribute grid (``grcim table``): text, CSV, JSON,
Accelergy 0.4 ERT/ART YAML, and a figure of energy per action. Display units here only:
energy pJ, area µm², leakage µW, latency ns (``grcim.plugins.tables`` is SI)."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from grcim.plugins.tables import ComponentTable

__all__ = ["FORMATS", "render", "row_costs", "display", "plot_lines", "energy_plot"]

FORMATS = ("text", "csv", "yaml", "json")
PJ, UM2, UW, NS = 1e12, 1e12, 1e6, 1e9

RESULT_NAMES = {"adc_bits": "adc_bits_per_conversion"}
"""Output names of model results whose ``info`` key is also an attribute name: the MAC
models report the ADC resolution they size as ``adc_bits``, the attribute that may declare
it; two ``adc_bits`` columns in one CSV row would be ambiguous."""


def display(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def row_costs(table: ComponentTable, i: int) -> dict[str, float]:
    out = {f"{a}_energy_pj": float(e[i]) * PJ for a, e in table.energy_j.items()}
    out |= {"area_um2": float(table.area_m2[i]) * UM2,
            "leak_power_uw": float(table.leak_power_w[i]) * UW,
            "latency_ns": float(table.latency_s[i]) * NS,
            "throughput_per_s": float(table.throughput_hz[i])}
    for key, values in table.info.items():  # macro-level figures (ADC share, SQNR, ...)
        if key.endswith("_f"):
            out[key[:-2] + "_ff"] = float(values[i]) * 1e15
        else:
            out[RESULT_NAMES.get(key, key)] = float(values[i])
    return out


def _text(table: ComponentTable) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=200, color_system=None)
    fixed = ", ".join(f"{k}={display(v)}" for k, v in table.fixed.items())
    # Attribute values (--set text, file paths) and names are user text; rich reads '[...]'
    # as markup, so they are escaped to print as written.
    console.print(escape(f"{table.component} ({table.model.__name__}), {table.n_points} "
                         f"point(s); energy pJ per action, area µm², leakage µW, latency ns"))
    console.print(escape(f"fixed: {fixed}"))
    grid = Table(show_header=True, header_style="bold")
    for key in table.swept:
        grid.add_column(escape(key))
    cost_keys = list(row_costs(table, 0)) if table.n_points else []
    for key in cost_keys:
        grid.add_column(escape(key), justify="right")
    for i in range(table.n_points):
        costs = row_costs(table, i)
        grid.add_row(*[escape(str(display(v[i]))) for v in table.swept.values()],
                     *[f"{costs[k]:.6g}" for k in cost_keys])
    console.print(grid)
    return buf.getvalue()


def _csv(table: ComponentTable) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    attrs = list(table.attributes_at(0)) if table.n_points else []
    costs = list(row_costs(table, 0)) if table.n_points else []
    writer.writerow(["component", *attrs, *costs])
    for i in range(table.n_points):
        a = table.attributes_at(i)
        c = row_costs(table, i)
        writer.writerow([table.component, *["" if a[k] is None else display(a[k])
                                            for k in attrs], *[repr(c[k]) for k in costs]])
    return buf.getvalue()


def _json(table: ComponentTable) -> str:
    rows = []
    for i in range(table.n_points):
        rows.append({"attributes": {k: display(v) for k, v in table.attributes_at(i).items()},
                     **row_costs(table, i)})
    doc = {"component": table.component, "model": table.model.__name__,
           "units": {"energy": "pJ", "area": "um^2", "leak_power": "uW", "latency": "ns",
                     "throughput": "actions/s"},
           "fixed": {k: display(v) for k, v in table.fixed.items()},
           "swept": list(table.swept), "rows": rows}
    return json.dumps(doc, indent=1) + "\n"


def _entry_name(table: ComponentTable, i: int, name: str | None) -> str:
    """ERT/ART entry name: ``name`` (or the component) for one point, else ``<that>_<i>``.

    Never ``[i]``: Accelergy reads brackets as list ranges (``[1..64]``) and a bare index
    crashes it (``'int' object is not subscriptable``) when the table is an ERT input.
    """
    base = name or table.component
    return base if table.n_points == 1 else f"{base}_{i}"


def _yaml(table: ComponentTable, cycle_s: float, name: str | None = None) -> str:
    ert, art = [], []
    for i in range(table.n_points):
        name_i = _entry_name(table, i, name)
        attrs = {k: display(v) for k, v in table.attributes_at(i).items()}
        actions = [{"name": a, "arguments": {}, "energy": float(e[i]) * PJ}
                   for a, e in table.energy_j.items()]
        actions.append({"name": "leak", "arguments": {"global_cycle_seconds": cycle_s},
                        "energy": float(table.leak_power_w[i]) * cycle_s * PJ})
        ert.append({"name": name_i, "attributes": attrs, "actions": actions})
        art.append({"name": name_i, "attributes": dict(attrs),
                    "area": float(table.area_m2[i]) * UM2})
    head = (f"# grcim table {table.component}: Accelergy 0.4 ERT/ART layout; energy in pJ "
            f"per action (leak: per global cycle), area in um^2\n")
    doc = {"ERT": {"version": "0.4", "tables": ert}, "ART": {"version": "0.4", "tables": art}}
    return head + yaml.safe_dump(doc, sort_keys=False, default_flow_style=False)


def render(table: ComponentTable, fmt: str, cycle_s: float = 1e-9,
           name: str | None = None) -> str:
    """The table as text, csv, yaml (ERT/ART, entries named ``name``) or json."""
    if fmt == "csv":
        return _csv(table)
    if fmt == "json":
        return _json(table)
    if fmt == "yaml":
        return _yaml(table, cycle_s, name)
    return _text(table)


def plot_lines(table: ComponentTable, key: str) -> tuple[list[str], list[str]]:
    """Per point, the label of its line in a plot against ``key`` (the other swept
    attributes), and the distinct labels in order."""
    others = [k for k in table.swept if k != key]
    labels = [", ".join(f"{k}={display(table.swept[k][i])}" for k in others)
              for i in range(table.n_points)]
    return labels, list(dict.fromkeys(labels))


def energy_plot(table: ComponentTable, key: str, fmt: str) -> bytes:
    """Energy per action against the swept attribute ``key``, one line per action and
    combination of the other swept attributes, log scale; the figure as ``fmt`` bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, groups = plot_lines(table, key)
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    x = np.array([float(display(v)) for v in table.swept[key]])
    for label in groups:
        idx = [i for i, lab in enumerate(labels) if lab == label]
        for action, e in table.energy_j.items():
            name = action + (f" ({label})" if label else "")
            ax.plot(x[idx], e[idx] * PJ, marker="o", ms=3, label=name)
    ax.set_xlabel(key)
    ax.set_ylabel("energy per action (pJ)")
    ax.set_yscale("log")
    ax.set_title(f"{table.component}")
    ax.legend(fontsize=7)
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()
