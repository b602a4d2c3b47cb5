"""Figures of mapping results (matplotlib, imported lazily; PNG bytes out).

- ``energy``: energy by component and by layer type (bars, mJ);
- ``latency``: summed op time by layer type, coloured by what bounds it;
- ``roofline``: every op at (operations per DRAM byte, attained operations per second)
  under the CIM, vector-unit and DRAM-bandwidth ceilings, coloured by its bound;
- ``comparison``: energy per token and step latency per arch and phase.
"""

from __future__ import annotations

import io
from typing import Any

from grcim.mapper.compare import Comparison
from grcim.mapper.result import MappingResult

__all__ = ["result_figures", "comparison_figures"]

_BOUND_COLORS = {"adc": "C0", "array": "C1", "weight_write": "C2", "dram": "C3",
                 "sram": "C4", "vector": "C5", "none": "0.6"}


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> bytes:
    plt = _plt()
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def _energy(r: MappingResult) -> bytes:
    plt = _plt()
    fig, ax = plt.subplots(1, 2, figsize=(11, 4.2))
    for a, data, title in ((ax[0], r.energy_by_component_j, "by component"),
                           (ax[1], r.energy_by_layer_type_j, "by layer type")):
        items = sorted(data.items(), key=lambda kv: kv[1])
        a.barh([k for k, _ in items], [v * 1e3 for _, v in items], color="C0")
        a.set_xlabel("energy per step (mJ)")
        a.set_title(title)
        a.grid(axis="x", alpha=0.3)
    fig.suptitle(f"{r.workload} {r.phase} on {r.arch}: {r.energy_j * 1e3:.4g} mJ per step")
    return _png(fig)


def _latency(r: MappingResult) -> bytes:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 4.2))
    items = sorted(r.latency_by_layer_type_s.items(), key=lambda kv: kv[1])
    colors = [_BOUND_COLORS.get(r.bound_by_layer_type.get(k, "none"), "0.6") for k, _ in items]
    ax.barh([k for k, _ in items], [v * 1e3 for _, v in items], color=colors)
    from matplotlib.patches import Patch

    handles = [Patch(color=color, label=bound) for bound, color in _BOUND_COLORS.items()
               if bound in r.bound_by_layer_type.values()]
    ax.set_xlabel("summed op time (ms)")
    ax.set_title(f"time by layer type; step latency {r.latency_s * 1e3:.4g} ms ({r.bound})")
    ax.legend(handles=handles, title="bound", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def _roofline(r: MappingResult) -> bytes:
    import numpy as np

    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 5))
    ops = [o for o in r.ops if o.latency_s > 0 and (o.macs or o.vector_ops)]
    work = np.array([2.0 * o.macs if o.unit == "cim" else o.vector_ops for o in ops])
    dram = np.array([o.dram_bytes for o in ops])
    lat = np.array([o.latency_s for o in ops])
    finite = dram > 0
    hi = float(np.max(work[finite] / dram[finite])) * 10 if finite.any() else 1e4
    x = np.where(finite, work / np.where(finite, dram, 1.0), hi)
    y = work / lat
    for bound, color in _BOUND_COLORS.items():
        sel = np.array([o.bound == bound for o in ops], dtype=bool)
        if sel.any():
            ax.scatter(x[sel], y[sel], s=10, color=color, label=bound, alpha=0.7)
    bw = r.dram_bandwidth_bytes_per_s
    ridge = 2 * max(r.peak_cim_macs_per_s, r.peak_vector_ops_per_s / 2) / bw
    lo = float(max(min(x.min(initial=1.0), 1.0) / 10, 1e-3))
    xs = np.logspace(np.log10(lo), np.log10(max(hi, lo * 100, 4 * ridge)), 100)
    if r.peak_cim_macs_per_s:
        ax.plot(xs, np.minimum(xs * bw, 2 * r.peak_cim_macs_per_s), "k-", lw=1,
                label="CIM peak / DRAM")
    ax.plot(xs, np.minimum(xs * bw, r.peak_vector_ops_per_s), "k--", lw=1,
            label="vector peak / DRAM")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("operations per DRAM byte (ops without DRAM traffic at the right)")
    ax.set_ylabel("attained operations per second")
    ax.set_title(f"roofline: {r.workload} {r.phase} on {r.arch}")
    ax.legend(fontsize=8, title="op bound")
    ax.grid(alpha=0.3, which="both")
    return _png(fig)


def result_figures(r: MappingResult) -> dict[str, bytes]:
    """PNG bytes of the ``energy``, ``latency`` and (with per-op records) ``roofline``
    figures of one result."""
    figs = {"energy": _energy(r), "latency": _latency(r)}
    if r.ops:
        figs["roofline"] = _roofline(r)
    return figs


def comparison_figures(c: Comparison) -> dict[str, bytes]:
    """PNG bytes of the ``comparison`` figure (energy per token and latency per phase)."""
    plt = _plt()
    fig, ax = plt.subplots(len(c.phases), 2, figsize=(11, 3.6 * len(c.phases)),
                           squeeze=False)
    for i, phase in enumerate(c.phases):
        res = [c.result(a, phase) for a in c.archs]
        for j, (metric, scale, label) in enumerate(
                (("energy_per_token_j", 1e3, "energy per token (mJ)"),
                 ("latency_s", 1e3, "step latency (ms)"))):
            a = ax[i][j]
            vals = [getattr(r, metric) * scale for r in res]
            bars = a.bar(list(c.archs), vals, color=[f"C{k}" for k in range(len(res))])
            for bar, r in zip(bars, res, strict=True):
                rat = c.ratio(r.arch, phase, metric)
                a.annotate(f"{rat:.2f}x", (bar.get_x() + bar.get_width() / 2,
                                           bar.get_height()), ha="center", va="bottom",
                           fontsize=8)
            a.set_ylabel(label)
            a.set_title(f"{phase}")
            a.grid(axis="y", alpha=0.3)
    fig.suptitle(f"{c.results[0].workload}: ratios vs {c.baseline}")
    return {"comparison": _png(fig)}
