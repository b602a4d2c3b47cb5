"""Figures, CSV files and the terminal summary of ``grcim paper``: rendered here, written by
the CLI (``grcim.cli.paper``)."""

from __future__ import annotations

import io
from typing import Any

from grcim.report.tables import rows_to_csv, to_json
from grcim.studies.paper import PaperResult

__all__ = ["paper_files", "summary_rows", "gain_bars", "FIGURE_SETTINGS", "PAPER_FILES"]

_TABLES = ("adc_bits", "sqnr_curves", "energy_curves", "iso_energy", "operating_points")
_FIGURES = ("sqnr_vs_adc_bits", "required_adc_bits", "energy_vs_dynamic_range",
            "iso_energy_gain")

#: The names :func:`paper_files` returns, known before any work (the CLI checks what is
#: in the output folder under these names before the Monte Carlo).
PAPER_FILES = ("claims.json", *(f"{t}.csv" for t in _TABLES), *(f"{f}.png" for f in _FIGURES))


def paper_files(result: PaperResult) -> dict[str, str | bytes]:
    """File name -> content: claims.json, one CSV per table, the PNG figures."""
    files: dict[str, str | bytes] = {"claims.json": to_json(result.claims)}
    for name in _TABLES:
        files[f"{name}.csv"] = rows_to_csv(getattr(result, name))
    return files | _figures(result)


def _figures(result: PaperResult) -> dict[str, bytes]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    paths: dict[str, bytes] = {}
    c = result.claims
    # 1. SQNR vs ADC bits per distribution
    fig, ax = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    dists = list(dict.fromkeys(r["distribution"] for r in result.sqnr_curves))
    for d in dists:
        rows = [r for r in result.sqnr_curves if r["distribution"] == d]
        b = [r["adc_bits"] for r in rows]
        ax[0].plot(b, [r["conventional_sqnr_db"] for r in rows], marker=".", label=d)
        ax[1].plot(b, [r["grmac_sqnr_db"] for r in rows], marker=".", label=d)
    if result.sqnr_curves:
        rows = [r for r in result.sqnr_curves if r["distribution"] == dists[0]]
        b = [r["adc_bits"] for r in rows]
        ax[0].plot(b, [r["conventional_gaussian_analytic_db"] for r in rows], "k--",
                   label="analytic (Gaussian, oracle clip)")
        ax[1].plot(b, [r["grmac_benford_analytic_db"] for r in rows], "k--",
                   label="analytic (Benford mantissa)")
        ax[1].plot(b, [r["grmac_guaranteed_db"] for r in rows], "k:",
                   label="distribution-free floor")
    for a, title in zip(ax, ("conventional (oracle full scale)", "GR-MAC (output gain-ranged)"),
                        strict=True):
        a.axhline(c["sqnr_target_db"], color="grey", lw=0.8)
        a.set_title(title)
        a.set_xlabel("ADC resolution (bits)")
        a.grid(alpha=0.3)
        a.legend(fontsize=7)
    ax[0].set_ylabel("ADC-only SQNR (dB)")
    fig.suptitle(f"SQNR vs ADC bits, {c['default_format']}, N = {c['n_rows_per_adc']} rows")
    paths["sqnr_vs_adc_bits.png"] = _png(fig)
    # 2. required ADC bits per pipeline
    fig, ax = plt.subplots(figsize=(9, 4.2))
    rows = [r for r in result.adc_bits if r["format"] == c["default_format"]]
    xs = range(len(rows))
    ax.bar([i - 0.2 for i in xs], [r["conventional_adc_bits"] for r in rows], 0.4,
           label="conventional")
    ax.bar([i + 0.2 for i in xs], [r["grmac_adc_bits"] for r in rows], 0.4, label="GR-MAC")
    ax.axhline(c["adc_bits_conventional_lower_bound"], color="C0", ls="--", lw=0.8,
               label="conventional lower bound")
    ax.axhline(c["adc_bits_grmac_upper_bound"], color="C1", ls="--", lw=0.8,
               label="GR-MAC upper bound")
    ax.set_xticks(list(xs), [r["distribution"] for r in rows], rotation=20)
    ax.set_ylabel(f"ADC bits for {c['sqnr_target_db']:g} dB")
    ax.set_title(f"Required ADC resolution ({c['default_format']}); reduction "
                 f"{c['adc_bound_reduction_bits']:.2f} bits")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    paths["required_adc_bits.png"] = _png(fig)
    # 3. energy per MAC vs input dynamic range
    fig, ax = plt.subplots(figsize=(8, 4.6))
    cfg = c["iso_energy_configuration"]
    default = f"grmac_{cfg['normalization']}_{cfg['gain_reference']}"
    colors = {"unit": "C1", "row": "C2", "int": "C4"}
    for p in dict.fromkeys(r["pipeline"] for r in result.energy_curves):
        rows = [r for r in result.energy_curves if r["pipeline"] == p]
        if p == "conventional":
            style: dict[str, Any] = {"lw": 4.0, "color": "0.6", "zorder": 1}
        else:
            _, normalization, ref = p.split("_", 2)
            style = {"color": colors.get(normalization, "C0"), "lw": 2.4 if p == default else 1.2,
                     "ls": "-" if ref == "fixed" else "--", "zorder": 3 if p == default else 2}
        label = p + (" (default)" if p == default else "")
        ax.semilogy([r["dynamic_range_bits"] for r in rows],
                    [r["energy_per_mac_j"] * 1e15 for r in rows], label=label, **style)
    ax.set_xlabel("input dynamic range D (octaves)")
    ax.set_ylabel("energy per MAC (fJ)")
    ax.set_title(f"Energy per MAC at {c['sqnr_target_db']:g} dB, ADC law '{c['adc_law']}', "
                 f"{cfg['technology']}")
    ax.grid(alpha=0.3, which="both")
    if result.energy_curves:
        ax.legend(fontsize=8)
    else:  # every design infeasible at this standard (its curves end before D = 0)
        ax.text(0.5, 0.5, "no feasible design point: see claims.json", ha="center",
                va="center", transform=ax.transAxes)
    paths["energy_vs_dynamic_range.png"] = _png(fig)
    # 4. iso-energy gain by ADC law and assumption, at the run's own settings
    fig, ax = plt.subplots(figsize=(9, 4.2))
    keys, bars = gain_bars(result)
    width = 0.8 / max(len(bars), 1)
    for j, (law, rows) in enumerate(bars.items()):
        at = [i + (j - (len(bars) - 1) / 2) * width for i in range(len(keys))]
        shown = [(x, r["iso_energy_gain_bits"]) for x, r in zip(at, rows, strict=True)
                 if r["iso_energy_gain_bits"] is not None]
        ax.bar([x for x, _ in shown], [g for _, g in shown], width, label=law,
               color=f"C{j}")
        for x, r in zip(at, rows, strict=True):
            if r["iso_energy_gain_bits"] is None:  # no gain: no bar (0 would read as a gain)
                ax.text(x, 0.0, f" no gain: {_NO_GAIN.get(r['status'], r['status'])}",
                        rotation=90, ha="center", va="bottom", fontsize=7, color=f"C{j}")
    # the axis and the legend would otherwise follow the bars alone (none when no row has
    # a gain: shifted ticks, one default colour per law)
    ax.set_xlim(-0.5, len(keys) - 0.5)
    handles: list[Any] = [Patch(color=f"C{j}", label=law) for j, law in enumerate(bars)]
    ax.set_xticks(range(len(keys)), [f"{v}\n{r}" for v, r in keys])
    ax.axhline(0, color="k", lw=0.6)
    handles.append(ax.axhspan(2.5, 5.5, color="grey", alpha=0.15, label="paper: 4 ± 1.5"))
    ax.set_ylabel("iso-energy dynamic-range gain (octaves)")
    ax.set_title(f"Gain at D_ref = {cfg['reference_dynamic_range_bits']:g} "
                 f"(capped at the grid, {cfg['dynamic_range_max_bits']:g} octaves)\n"
                 f"noise standard {cfg['noise_standard']}, conventional alignment "
                 f"{cfg['alignment']}, gain-range rule {cfg['gain_range_rule']}, "
                 f"{cfg['technology']}", fontsize=9)
    ax.legend(handles=handles, title="ADC law", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    paths["iso_energy_gain.png"] = _png(fig)
    return paths


#: The settings an iso_energy row depends on that iso_energy_gain.png holds fixed at the
#: run's own (claims' ``iso_energy_configuration``); it shows every ADC law and every
#: (normalization, gain reference) at them. The technology, D_ref and grid are the run's.
FIGURE_SETTINGS = ("noise_standard", "alignment", "gain_range_rule")

#: Why a row has no gain, as the figure labels it.
_NO_GAIN = {"never": "no crossing", "reference_infeasible": "reference infeasible"}


def gain_bars(result: PaperResult
              ) -> tuple[list[tuple[str, str]], dict[str, list[dict[str, Any]]]]:
    """The iso_energy rows iso_energy_gain.png draws: ``(normalization, gain_reference)``
    keys in table order and, per ADC law, the row of each key at the run's
    :data:`FIGURE_SETTINGS` (the table holds every noise standard and alignment; the first
    match was always the ``sqnr``/``global`` row, whatever the run's settings)."""
    cfg = result.claims["iso_energy_configuration"]
    rows = [r for r in result.iso_energy if all(r[k] == cfg[k] for k in FIGURE_SETTINGS)]
    keys = list(dict.fromkeys((r["normalization"], r["gain_reference"]) for r in rows))
    by = {(r["adc_law"], r["normalization"], r["gain_reference"]): r for r in rows}
    if len(by) != len(rows):  # pragma: no cover - a table bug, not a user's
        raise ValueError("iso_energy has two rows for one law and configuration")
    laws = dict.fromkeys(r["adc_law"] for r in rows)
    return keys, {law: [by[(law, *k)] for k in keys] for law in laws}


def _png(fig: Any) -> bytes:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def summary_rows(result: PaperResult) -> list[tuple[str, str]]:
    """(quantity, value) pairs for the terminal summary, in display units."""
    c = result.claims
    iso = c["iso_energy_dynamic_range_gain_bits"]
    iso_txt = "n/a" if iso is None else f"{iso:.2f} octaves ({c['iso_energy_status']})"
    # a bound the bits search could not go below: the target is met there already, so the
    # true bound may be lower and the reduction is one-sided (undetermined if both are)
    note = f"; search floor: target met at {c['adc_bits_search_floor']:g} bit"
    floor = {p: note if c[f"adc_bits_{p}_{b}_bound_at_search_floor"] else ""
             for p, b in (("conventional", "lower"), ("grmac", "upper"))}
    side = {(False, True): "at least ", (True, False): "at most ",
            (True, True): "undetermined (both bounds at the search floor): "}.get(
        (bool(floor["conventional"]), bool(floor["grmac"])), "")
    return [
        ("SQNR standard", f"{c['sqnr_target_db']:g} dB"),
        ("conventional ADC lower bound",
         f"{c['adc_bits_conventional_lower_bound']:.2f} bits "
         f"({c['adc_bits_conventional_lower_bound_distribution']}){floor['conventional']}"),
        ("GR-MAC ADC upper bound",
         f"{c['adc_bits_grmac_upper_bound']:.2f} bits "
         f"({c['adc_bits_grmac_upper_bound_distribution']}){floor['grmac']}"),
        ("ADC bound reduction", f"{side}{c['adc_bound_reduction_bits']:.2f} bits (paper: 1.5)"),
        ("GR-MAC spread over distributions",
         ", ".join(f"{k} {v:.3f}" for k, v in c["grmac_adc_bits_spread_by_format"].items()
                   if v is not None)),
        ("conventional spread over distributions", f"{c['conventional_adc_bits_spread']:.2f} bits"),
        (f"iso-energy dynamic-range gain ({c['adc_law']} ADC)", f"{iso_txt} (paper: 4)"),
    ]
