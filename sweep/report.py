"""``grcim sweep report``: Pareto fronts, variable effects and best designs of a store.

Groups: a map sweep is reported per workload case (model, phase, batch, tokens, context,
and the models file and ``replicate`` option of the point's key: :mod:`grcim.sweep.groups`),
a physics sweep as one group. Only ``done`` rows enter fronts, effects and bests
(``infeasible`` rows, including constraint violations, and ``failed`` rows are counted
in the summary).

- **Pareto front**: non-dominated ``done`` rows under the mode's objectives (map:
  J/token min, tokens/s max, area min; physics: energy per MAC min, area per MAC min,
  and the SQNR target max when it is swept),
  marked by pipeline (GR-MAC, conventional FP-CIM, integer CIM);
- **best design per objective**;
- **variable effects**: the median of each objective over the rows holding each value of
  a swept variable (and of ``arch``), with the spread = largest / smallest median;
- **the spec** (the newest one that ran against the store).

Files: ``report.md`` (figures in ``figures/``), ``report.html`` (self-contained),
``pareto.csv``, ``best.csv``, ``effects.csv`` (SI units, unit in the column name) and
``spec.yaml``. Everything is rendered before anything is written.
"""

from __future__ import annotations

import functools
import io
import json
from enum import Enum
from typing import Any

import numpy as np

from grcim import __version__
from grcim.arch import list_bundled
from grcim.arch.loader import bundled_path
from grcim.errors import GrcimError
from grcim.report.display import area_mm2, si
from grcim.report.markdown import Section, to_html, to_markdown
from grcim.report.tables import rows_to_csv
from grcim.sweep.groups import annotate, group_keys, group_name, varied_fields
from grcim.sweep.pareto import Effect, best_rows, group_rows, pareto_mask, variable_effects
from grcim.sweep.spec import MAP_OBJECTIVES, PHYSICS_OBJECTIVES
from grcim.sweep.store import Store
from grcim.sweep.variables import field_of

__all__ = ["build_report", "PIPELINE_LABELS", "REPORT_FILES", "FIGURES"]

REPORT_FILES = ("report.md", "report.html", "pareto.csv", "best.csv", "effects.csv",
                "spec.yaml")
"""The files every report writes, whatever the store holds (``grcim sweep report`` checks
what is in their way before it builds the report)."""
FIGURES = "figures"
"""The folder of the figures (``pareto_<group>.png``, ``effects_<group>.png``: one per
workload case that has done rows, so their names are known only once the report is built)."""

PIPELINE_LABELS = {"grmac": "GR-MAC", "conventional": "conventional FP-CIM",
                   "int": "integer CIM"}
_COLORS = {"grmac": "C3", "conventional": "C0", "int": "C2"}
_MARKERS = {"grmac": "o", "conventional": "s", "int": "^"}
_SHOW = {"energy_per_token_j": ("J/token", lambda v: si(v, "J")),
         "tokens_per_s": ("tokens/s", lambda v: f"{v:.4g}"),
         "area_m2": ("area", area_mm2),
         "tops_per_w": ("TOPS/W", lambda v: f"{v:.3g}"),
         "power_w": ("power", lambda v: si(v, "W")),
         "energy_per_mac_j": ("energy/MAC", lambda v: si(v, "J")),
         "mac_area_m2": ("area/MAC", lambda v: f"{v * 1e12:.3g} µm²"),
         "sqnr_target_db": ("SQNR target", lambda v: f"{v:.3g} dB"),
         "adc_enob_bits": ("ADC bits", lambda v: f"{v:.2f}")}


def _show(col: str, v: Any) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "-"
    return _SHOW[col][1](v) if col in _SHOW else str(v)


def _label(col: str) -> str:
    return _SHOW[col][0] if col in _SHOW else col


def _has(row: dict[str, Any], column: str) -> bool:
    """Whether ``row`` holds a finite value of ``column``."""
    value = row.get(column)
    return value is not None and bool(np.isfinite(value))


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=100)
    _plt().close(fig)
    return buf.getvalue()


def _front_figure(rows: list[dict[str, Any]], front: np.ndarray, objectives: list[str],
                  title: str) -> bytes:
    plt = _plt()
    x_col, y_col = (objectives[1], objectives[0]) if len(objectives) > 2 else objectives
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    size_col = objectives[2] if len(objectives) > 2 else None
    sizes = np.array([r[size_col] for r in rows], dtype=float) if size_col else None
    if sizes is not None and np.nanmax(sizes) > 0:
        sizes = 15 + 120 * sizes / np.nanmax(sizes)
    for pipe in sorted({r.get("pipeline") or "?" for r in rows}):
        idx = [i for i, r in enumerate(rows) if (r.get("pipeline") or "?") == pipe]
        xs = [rows[i][x_col] for i in idx]
        ys = [rows[i][y_col] for i in idx]
        s = sizes[idx] if sizes is not None else 30
        ax.scatter(xs, ys, s=s, c=_COLORS.get(pipe, "0.5"), marker=_MARKERS.get(pipe, "x"),
                   alpha=0.35, label=PIPELINE_LABELS.get(pipe, pipe))
        on = [i for i in idx if front[i]]
        ax.scatter([rows[i][x_col] for i in on], [rows[i][y_col] for i in on],
                   s=sizes[on] if sizes is not None else 30, facecolors="none",
                   edgecolors="k", marker=_MARKERS.get(pipe, "x"), linewidths=1.2)
    ax.set_xlabel(f"{_label(x_col)} ({x_col})")
    ax.set_ylabel(f"{_label(y_col)} ({y_col})")
    if not x_col.endswith("_db"):  # decibels are already logarithmic
        ax.set_xscale("log")
    ax.set_yscale("log")
    note = f"; marker area ∝ {size_col}" if size_col else ""
    ax.set_title(f"{title}\nPareto front outlined in black{note}", fontsize=9)
    ax.legend(fontsize=8)
    return _png(fig)


def _effects_figure(effects: list[Effect], objective: str, title: str) -> bytes | None:
    mine = [e for e in effects if e.objective == objective]
    if not mine:
        return None
    plt = _plt()
    n = len(mine)
    cols = min(n, 3)
    rows_n = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows_n, cols, figsize=(3.4 * cols, 2.6 * rows_n), squeeze=False)
    for ax, e in zip(axes.flat, mine, strict=False):
        ax.bar(range(len(e.values)), e.medians, color="C0")
        ax.set_xticks(range(len(e.values)), [str(v) for v in e.values], rotation=30,
                      fontsize=7)
        ax.set_title(e.variable, fontsize=9)
        ax.set_ylabel(f"median {objective}", fontsize=7)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.suptitle(title, fontsize=9)
    return _png(fig)


@functools.lru_cache(maxsize=64)
def _arch_values(entry: str, overrides: str) -> dict[str, Any] | None:
    """Every variable value of the bundled arch ``entry`` with ``overrides`` (JSON), or None
    when it cannot be rebuilt."""
    from grcim.sweep.archload import arch_with

    try:
        handle = bundled_path(entry)
        arch = arch_with(entry, str(handle), handle.read_text(encoding="utf-8"),
                         tuple(json.loads(overrides).items()))
    except (GrcimError, OSError, ValueError):
        return None
    out = {k: v.value if isinstance(v, Enum) else v for k, v in arch.variables.items()}
    return {"__arch__": arch, **out}


def _owner(arch: Any, model: type) -> Any:
    """The part of the built ``arch`` that ``model`` describes (the arch itself, its chip,
    macro, SRAM, DRAM or vector unit), or None when the arch has no such part (a macro
    arch has no chip)."""
    chip = arch.chip
    parts = (arch, chip, arch.macro, *((chip.sram, chip.dram, chip.vector) if chip else ()))
    return next((p for p in parts if isinstance(p, model)), None)


def _fill_unswept(rows: list[dict[str, Any]], columns: list[str]) -> dict[str, int]:
    """Give a done row without a value of a swept column the value its arch used.

    A store appended to with ``--force-append`` holds rows of specs that did not sweep
    a column another spec sweeps (NULL there); as a Pareto objective that left them out of
    every front without a word. The value is read back only when it is certain: a bundled
    arch at this grcim version (the text the row was priced with), rebuilt with the row's
    own overrides. Returns column -> rows filled.
    """
    filled: dict[str, int] = {}
    bundled_names = set(list_bundled())
    for r in rows:
        missing = [c for c in columns if r.get(c) is None]
        if not missing or r.get("grcim_version") != __version__:
            continue
        inputs = json.loads(r.get("inputs_json") or "{}")
        entry = inputs.get("arch")
        if entry not in bundled_names:
            continue
        values = _arch_values(entry, json.dumps(inputs.get("variables") or {},
                                                sort_keys=True))
        if values is None:
            continue
        for c in missing:
            v = values.get(c)
            if v is None:  # not set in the file: the field's default in the built arch
                model, name = field_of(c)
                arch = values["__arch__"]
                v = getattr(_owner(arch, model), name, None)
                v = v.value if isinstance(v, Enum) else v
            if isinstance(v, int | float | str) and not isinstance(v, bool):
                r[c] = v
                filled[c] = filled.get(c, 0) + 1
    return filled


def build_report(store: Store) -> dict[str, str | bytes]:
    """Every report file (name -> text or PNG bytes), rendered in memory."""
    meta = store.meta()
    mode = meta.get("mode", "map")
    objectives = list(MAP_OBJECTIVES if mode == "map" else PHYSICS_OBJECTIVES)
    variables = store.variable_columns()
    if mode == "physics" and "sqnr_target_db" in variables:
        # a swept SQNR target is a quality to trade against energy and area, not a knob:
        # the front is energy/MAC (y) against SQNR (x, max), marker area = area/MAC
        objectives.insert(1, ("sqnr_target_db", "max"))
    obj_cols = [o for o, _ in objectives]
    senses = [s for _, s in objectives]
    specs = store.specs()
    spec = specs[-1] if specs else None
    counts = store.counts()
    swept = ["arch", *variables]
    # the tables show the pipeline in a column of their own, swept or not
    shown = [v for v in variables if v != "pipeline"]
    done = list(store.rows("status = 'done'"))
    filled = _fill_unswept(done, variables)
    annotate(done)  # models file, replicate and arch text: rows that share every column
    varied = varied_fields(done)
    title = "grcim sweep: " + (json.loads(spec["spec_json"]).get("name") or spec["source"]
                               if spec else str(store.path))
    sections = [Section("Summary", (
        f"Store {store.path}, {mode} sweep, written by grcim {meta.get('grcim_version')}; "
        f"spec {spec['spec_hash'] if spec else '-'} ({spec['source'] if spec else '-'}).",
        "Objectives: " + ", ".join(f"{o} ({s})" for o, s in objectives) + ". Fronts, effects "
        "and bests use the done rows only.",
        *(f"{n} done rows had no {c} (their spec did not sweep it): they take the value "
          "of their bundled arch." for c, n in filled.items()),
    ), ("status", "rows"), tuple((k, str(v)) for k, v in counts.items()))]
    reasons = store.failures(8)
    if reasons:
        sections.append(Section("Infeasible and failed rows: most frequent reasons", (),
                                ("reason", "rows"), tuple((r or "-", str(n)) for r, n in
                                                          reasons)))
    figures: dict[str, bytes] = {}
    pareto_csv: list[dict[str, Any]] = []
    best_csv: list[dict[str, Any]] = []
    effects_csv: list[dict[str, Any]] = []
    for gi, (gkey, rows) in enumerate(group_rows(done, group_keys(mode)).items(), start=1):
        name = group_name(mode, gkey, rows, varied)
        ok = [r for r in rows if all(_has(r, c) for c in obj_cols)]
        values = np.array([[r[c] for c in obj_cols] for r in ok], dtype=float).reshape(
            len(ok), len(obj_cols))
        front = pareto_mask(values, senses)
        on = [r for r, f in zip(ok, front, strict=True) if f]
        on.sort(key=lambda r: r[obj_cols[0]])
        lacking = {c: sum(1 for r in rows if not _has(r, c)) for c in obj_cols}
        # never silently: a done row without an objective is on no front, say how many
        excluded = (f" {len(rows) - len(ok)} done rows are left out: no value of "
                    + ", ".join(f"{c} ({n} rows)" for c, n in lacking.items() if n)
                    + " (a spec that did not sweep it, on an arch file whose value the "
                    "report cannot read back; run them with it swept)."
                    if len(ok) < len(rows) else "")
        fig = f"pareto_{gi}"
        if ok:
            figures[fig] = _front_figure(ok, front, obj_cols, name)
        header = ("arch", "pipeline", *shown, *(_label(c) for c in obj_cols))
        table = tuple((r["arch"], PIPELINE_LABELS.get(r.get("pipeline") or "", "-"),
                       *(str(r.get(v)) for v in shown),
                       *(_show(c, r[c]) for c in obj_cols)) for r in on)
        pipes = sorted({PIPELINE_LABELS.get(r.get("pipeline") or "", "?") for r in on})
        sections.append(Section(
            f"Pareto front: {name}",
            (f"{len(on)} of {len(ok)} done design points are non-dominated; pipelines on the "
             f"front: {', '.join(pipes) or '-'}.{excluded}",), header, table, (fig,) if ok else ()))
        for r in on:
            pareto_csv.append({"group": name, **_csv_row(r, variables, obj_cols)})
        bests = best_rows(ok, objectives)
        sections.append(Section(
            f"Best design per objective: {name}", (),
            ("objective", "arch", "pipeline", *shown, *(_label(c) for c in obj_cols)),
            tuple((f"{o} ({dict(objectives)[o]})", r["arch"],
                   PIPELINE_LABELS.get(r.get("pipeline") or "", "-"),
                   *(str(r.get(v)) for v in shown), *(_show(c, r[c]) for c in obj_cols))
                  for o, r in bests.items())))
        for o, r in bests.items():
            best_csv.append({"group": name, "objective": o, "sense": dict(objectives)[o],
                             **_csv_row(r, variables, obj_cols)})
        effects = variable_effects(ok, swept, obj_cols)
        efig = f"effects_{gi}"
        png = _effects_figure(effects, obj_cols[0], f"{name}: median {obj_cols[0]} by value")
        if png is not None:
            figures[efig] = png
        sections.append(Section(
            f"Effect of each variable: {name}",
            ("Median of each objective over the done rows holding each value; spread = "
             "largest / smallest median.",),
            ("variable", "objective", "value: median (rows)", "spread"),
            tuple((e.variable, e.objective, "; ".join(
                f"{v}: {_show(e.objective, m)} ({n})" for v, m, n in
                zip(e.values, e.medians, e.counts, strict=True)), f"{e.spread:.3g}x")
                for e in effects), (efig,) if png is not None else ()))
        for e in effects:
            for v, m, n in zip(e.values, e.medians, e.counts, strict=True):
                effects_csv.append({"group": name, "variable": e.variable,
                                    "objective": e.objective, "value": v, "median": m,
                                    "rows": n, "spread": e.spread})
    spec_text = spec["spec_text"] if spec else ""
    sections.append(Section("Spec", ("The spec that ran last against this store is in "
                                     "spec.yaml; its text:", "```yaml\n" + spec_text.rstrip()
                                     + "\n```")))
    files: dict[str, str | bytes] = {  # the names of REPORT_FILES
        "report.md": to_markdown(title, sections, FIGURES),
        "report.html": to_html(title, sections, figures),
        "pareto.csv": rows_to_csv(pareto_csv) if pareto_csv else "group\n",
        "best.csv": rows_to_csv(best_csv) if best_csv else "group\n",
        "effects.csv": rows_to_csv(effects_csv) if effects_csv else "group\n",
        "spec.yaml": spec_text,
    }
    files.update({f"{FIGURES}/{k}.png": v for k, v in figures.items()})
    return files


def _csv_row(r: dict[str, Any], variables: list[str], objectives: list[str]
             ) -> dict[str, Any]:
    out = {"key": r["key"], "arch": r["arch"], "pipeline": r.get("pipeline")}
    out.update({v: r.get(v) for v in variables})
    out.update({c: r.get(c) for c in objectives})
    for extra in ("tops_per_w", "power_w", "latency_s", "adc_enob_bits"):
        # a column of the other mode is NULL in every row: no empty column in the CSV
        if r.get(extra) is not None and extra not in out:
            out[extra] = r[extra]
    return out
