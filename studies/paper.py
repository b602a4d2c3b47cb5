"""The GR-MAC paper's two claims, recomputed from grcim's documented models (no plotting).

``run_paper(settings)`` returns a :class:`PaperResult`: tables as lists of flat dicts (ready
for CSV) and the ``claims`` mapping written to ``claims.json``. Definitions are in
``DEFINITIONS`` and docs/models.md ("The paper's claims").
"""

from __future__ import annotations

import functools
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from grcim.errors import ModelDomainError
from grcim.physics.distributions import CONTINUOUS
from grcim.physics.energy.adc import ADC_LAWS, check_law, hwcomponents_adc_available
from grcim.physics.energy.iso_energy import iso_energy_gain
from grcim.physics.energy.macro import MacroStructure
from grcim.physics.energy.per_mac import (
    EnergyOptions,
    conventional_energy,
    delivered_snr_db,
    grmac_energy,
)
from grcim.physics.formats import get_format, quantize_operands
from grcim.physics.operating_point import (
    DesignPart,
    OperatingPoint,
    combine,
    conventional_part,
    grmac_part,
)
from grcim.physics.settings import (
    ALIGNMENTS,
    CELL_TOPOLOGIES,
    DEFAULT_ADC_LAW,
    DEFAULT_CELL_TOPOLOGY,
    DEFAULT_N_COLS,
    DEFAULTS,
    GAIN_RANGE_RULES,
    GAIN_REFERENCES,
    NOISE_STANDARDS,
    NORMALIZATIONS,
    Ensemble,
)
from grcim.physics.slicing_point import structure_slice_bits
from grcim.physics.sqnr import (
    BITS_RANGE,
    analytic_gaussian_oracle_sqnr_db,
    analytic_grmac_sqnr_db,
    bit_true_curve,
    check_target,
    grmac_guaranteed_sqnr_db,
    grmac_sums,
    make_operands,
    oracle_adc_sqnr_db,
    reduced_curve,
    required_bits,
)
from grcim.physics.technology import load_technology

__all__ = ["PaperSettings", "PaperResult", "run_paper", "DEFINITIONS", "SATURATION_LIMIT",
           "dynamic_range_grid", "DR_GRID_STEP"]

#: Largest fraction of operands a format may saturate at its maximum for the ensemble to
#: still count as a continuous distribution in the GR-MAC spread statistic.
SATURATION_LIMIT = 1e-3

DEFINITIONS: dict[str, str] = {
    "sqnr": "10 log10(E[y^2] / E[(y_hw - y)^2]) over an ensemble of n_samples dot products of "
            "n_rows terms; y is the exact dot product of the format-rounded operands, so format "
            "rounding is not a hardware error.",
    "conventional_adc_full_scale": "set per distribution by an oracle that minimises the mean-"
            "square error (clipping + granular noise); no calibration can do better, hence a "
            "lower bound on the conventional ADC bits.",
    "grmac_adc": "the accumulated output is gain-ranged by a power of two into [1/2, 1) of the "
            "ADC full scale before a bipolar ADC; the ADC bits needed no longer depend on the "
            "operands' scale or distribution.",
    "required_adc_bits": "real-valued resolution at which the ADC-only SQNR (all other stages "
            "ideal) reaches the target; the quantizer step is 2 FS / 2^B for real B.",
    "adc_bound": "conventional lower bound = minimum over the continuous distributions of the "
            "conventional required bits; GR-MAC upper bound = maximum over the same "
            "distributions of the GR-MAC required bits; reduction = lower - upper. The search "
            "for the bits starts at adc_bits_search_floor: a bound flagged *_at_search_floor "
            "reaches the target there already, so it is the floor, not a crossing (the true "
            "value may be lower: a GR-MAC bound at the floor makes the reduction a lower bound, "
            "a conventional one an upper bound, and spreads among entries at the floor are 0 "
            "by construction).",
    "input_dynamic_range": "D octaves: input vectors may sit at any scale in [2^-D, 1] times the "
            "top-of-range ensemble and the SQNR standard must hold at every scale (what an FP "
            "format promises: relative precision independent of magnitude).",
    "grmac_spread": "max - min of the GR-MAC required bits over the distributions for one "
            "format, counting only ensembles in which the format saturates at most "
            "SATURATION_LIMIT = 0.1% of the operands at its largest value (beyond that the "
            "rounded operands pile up on two values and are no longer continuously "
            "distributed); the unfiltered spread is reported too.",
    "iso_energy_gain": "sup{D : E_grmac(D) <= E_conv(D_ref)} - D_ref, energies per MAC at the "
            "SQNR standard, D_ref = reference_dynamic_range_bits.",
    "delivered_snr_at_max": "end-to-end SNR in dB, thermal noise included, of a vector at the "
            "smallest input scale 2^-dynamic_range_max_bits: the standard's quantization noise "
            "plus the cells' kT/C noise, which a summing node that sees the vector's scale "
            "meets 6.02 dB per octave closer than at full scale; null for a design that "
            "is infeasible at that dynamic range (its cells exceed the capacitance "
            "ceiling: there is no design).",
    "noise_standard": "what the 35 dB standard counts: 'sqnr' = quantization noise only (ADC, "
            "operand rounding and alignment, gain-range flushing), analog thermal noise "
            "designed thermal_margin_db below the standard at full scale; 'total' = thermal "
            "noise counted in the standard at every input scale.",
}


@dataclass(frozen=True)
class PaperSettings:
    """Inputs of ``grcim paper`` (every default is documented in docs/models.md)."""

    sqnr_target_db: float = DEFAULTS.sqnr_target_db
    noise_standard: str = DEFAULTS.noise_standard
    thermal_margin_db: float = DEFAULTS.thermal_margin_db
    adc_law: str = DEFAULT_ADC_LAW
    n_rows: int = DEFAULTS.n_rows
    n_cols: int = DEFAULT_N_COLS
    cell_topology: str = DEFAULT_CELL_TOPOLOGY
    n_samples: int = 60000
    seed: int = DEFAULTS.seed
    tech: str = "28nm"
    default_format: str = DEFAULTS.input_format
    formats: tuple[str, ...] = ("fp8_e4m3", "fp8_e5m2", "fp6_e2m3", "fp6_e3m2", "fp4_e2m1")
    distributions: tuple[str, ...] = CONTINUOUS
    energy_distribution: str = DEFAULTS.distribution
    normalization: str = DEFAULTS.normalization
    gain_reference: str = DEFAULTS.gain_reference
    alignment: str = DEFAULTS.alignment
    gain_range_rule: str = "cover_range"
    reference_dynamic_range_bits: float = 0.0
    dynamic_range_max_bits: float = 16.0
    energy_samples: int = DEFAULTS.n_samples  # the plug-ins' ensembles: one design
    jobs: int = 2

    def validated(self) -> PaperSettings:
        check_target(self.sqnr_target_db)
        check_law(self.adc_law)
        for f in (self.default_format, *self.formats):
            get_format(f)
        for name, allowed in (("normalization", NORMALIZATIONS),
                              ("noise_standard", NOISE_STANDARDS), ("alignment", ALIGNMENTS),
                              ("cell_topology", CELL_TOPOLOGIES)):
            if getattr(self, name) not in allowed:
                raise ModelDomainError(name, getattr(self, name),
                                       f"one of {', '.join(allowed)}")
        if not 0.0 <= self.thermal_margin_db <= 40.0:
            raise ModelDomainError("thermal_margin_db", self.thermal_margin_db,
                                   "from 0 to 40 dB")
        if self.gain_reference not in GAIN_REFERENCES:
            raise ModelDomainError("gain_reference", self.gain_reference,
                                   f"one of {', '.join(GAIN_REFERENCES)}")
        if self.gain_range_rule not in GAIN_RANGE_RULES:
            raise ModelDomainError("gain_range_rule", self.gain_range_rule,
                                   "one of cover_range, sqnr")
        if not 1 <= self.jobs <= 64:
            raise ModelDomainError("jobs", self.jobs, "from 1 to 64 processes")
        if not 1000 <= self.n_samples <= 1_000_000:
            raise ModelDomainError("n_samples", self.n_samples, "from 1000 to 1000000")
        if not 4 <= self.n_rows <= 1024:
            raise ModelDomainError("n_rows", self.n_rows, "from 4 to 1024")
        if not 1.0 <= self.dynamic_range_max_bits <= 24.0:
            raise ModelDomainError("dynamic_range_max_bits", self.dynamic_range_max_bits,
                                   "from 1 to 24 octaves (the conventional ADC would need "
                                   "more than 32 bits beyond)")
        # the energy stage's grid runs from 0 to exactly dynamic_range_max_bits
        if not 0.0 <= self.reference_dynamic_range_bits < self.dynamic_range_max_bits:
            raise ModelDomainError("reference_dynamic_range_bits",
                                   self.reference_dynamic_range_bits,
                                   f"from 0 to below {self.dynamic_range_max_bits:g}")
        load_technology(self.tech)
        return self


#: Spacing of the dynamic-range grid of the energy stage, octaves.
DR_GRID_STEP = 0.05


def dynamic_range_grid(max_bits: float) -> NDArray[np.float64]:
    """Input dynamic ranges the energy stage evaluates: 0 to ``max_bits`` every
    ``DR_GRID_STEP`` octaves, ending exactly at ``max_bits`` (a last, shorter step when it
    is not a multiple): the grid stopped at the multiple below, so ``--max-dr 1.13``
    reported 1.13 in the claims while nothing past 1.10 was priced."""
    n = int(np.floor(max_bits / DR_GRID_STEP + 1e-9))
    grid = np.round(np.arange(n + 1) * DR_GRID_STEP, 4)
    if grid[-1] < max_bits - 1e-9:
        grid = np.append(grid, max_bits)
    return grid


@dataclass
class PaperResult:
    """Tables (lists of flat dicts, SI units or bits/dB named in the keys) and claims."""

    adc_bits: list[dict[str, Any]] = field(default_factory=list)
    sqnr_curves: list[dict[str, Any]] = field(default_factory=list)
    energy_curves: list[dict[str, Any]] = field(default_factory=list)
    iso_energy: list[dict[str, Any]] = field(default_factory=list)
    operating_points: list[dict[str, Any]] = field(default_factory=list)
    claims: dict[str, Any] = field(default_factory=dict)


def _distribution_rows(s: PaperSettings, dist: str) -> tuple[list[dict], list[dict]]:
    """ADC-bits rows (every format) and SQNR-curve rows (default format) of one distribution."""
    adc_rows: list[dict[str, Any]] = []
    curve_rows: list[dict[str, Any]] = []
    bits = np.arange(3.0, 10.01, 0.5)
    ana_conv = analytic_gaussian_oracle_sqnr_db(bits)
    ana_gr = analytic_grmac_sqnr_db(bits)
    floor_gr = grmac_guaranteed_sqnr_db(bits)
    # make_operands draws before it rounds, and the draws do not depend on the format: one
    # draw serves every format (the same operands as one make_operands call per format)
    x_raw, w_raw = make_operands(dist, s.n_rows, s.n_samples, s.seed)
    for fmt in dict.fromkeys((s.default_format, *s.formats)):
        x, w = quantize_operands(x_raw, fmt), quantize_operands(w_raw, fmt)
        sums = grmac_sums(x, w)  # accumulated once for both GR-MAC curves
        gr = reduced_curve(sums)
        if fmt in s.formats:
            f = get_format(fmt)
            # counted per operand array, not on their concatenation (a copy of both): the
            # count is an exact integer, so count / size is the mean of the indicator
            saturated = (np.count_nonzero(np.abs(x) >= f.max_value)
                         + np.count_nonzero(np.abs(w) >= f.max_value))
            adc_rows.append({
                "format": fmt, "distribution": dist,
                "mantissa_bits": f.man_bits,
                "saturated_fraction": float(saturated / (x.size + w.size)),
                "conventional_adc_bits": required_bits(
                    functools.partial(oracle_adc_sqnr_db, sums.y), s.sqnr_target_db),
                "grmac_adc_bits": required_bits(gr, s.sqnr_target_db),
            })
        if fmt != s.default_format:
            continue
        y = sums.y
        gr_bit_true = bit_true_curve(sums)
        for i, b in enumerate(bits):
            curve_rows.append({
                "format": fmt, "distribution": dist, "adc_bits": float(b),
                "conventional_sqnr_db": oracle_adc_sqnr_db(y, b),
                "grmac_sqnr_db": gr_bit_true(b),
                "conventional_gaussian_analytic_db": float(ana_conv[i]),
                "grmac_benford_analytic_db": float(ana_gr[i]),
                "grmac_guaranteed_db": float(floor_gr[i]),
            })
    return adc_rows, curve_rows


def _monte_carlo(s: PaperSettings, res: PaperResult) -> None:
    """ADC-bits table and SQNR curves, one task per distribution over ``s.jobs`` processes."""
    if s.jobs > 1:
        ctx = multiprocessing.get_context("fork" if "fork" in
                                          multiprocessing.get_all_start_methods() else "spawn")
        with ProcessPoolExecutor(max_workers=s.jobs, mp_context=ctx) as pool:
            parts = list(pool.map(_distribution_rows, [s] * len(s.distributions),
                                  s.distributions))
    else:
        parts = [_distribution_rows(s, d) for d in s.distributions]
    for adc_rows, curve_rows in parts:
        res.adc_bits.extend(adc_rows)
        res.sqnr_curves.extend(curve_rows)


def _ensemble(s: PaperSettings, standard: str, normalization: str, reference: str,
              alignment: str) -> Ensemble:
    return Ensemble(distribution=s.energy_distribution, input_format=s.default_format,
                   weight_format=s.default_format, n_rows=s.n_rows,
                   sqnr_target_db=s.sqnr_target_db, noise_standard=standard,
                   thermal_margin_db=s.thermal_margin_db, normalization=normalization,
                   gain_reference=reference, alignment=alignment,
                   n_samples=s.energy_samples, seed=s.seed)


def _part(s: PaperSettings, pipeline: str, standard: str, normalization: str, reference: str,
          alignment: str) -> DesignPart:
    """One pipeline's part of the operating point of one ensemble (a pool task)."""
    ens = _ensemble(s, standard, normalization, reference, alignment)
    return grmac_part(ens) if pipeline == "grmac" else conventional_part(ens)


def _slice_bits(s: PaperSettings, ops: dict[tuple[str, str, str, str], OperatingPoint],
                st: MacroStructure) -> dict[tuple[str, tuple[str, str, str, str]], float | None]:
    """Monte Carlo bits per sliced conversion of ``st`` (``EnergyOptions.slice_adc_bits``,
    as the models pass it) for what :func:`_energy` prices: the conventional macro at the
    default normalization and reference (its fields do not depend on them) for every
    alignment, the GR-MAC at every normalization and reference (its fields do not depend
    on the alignment)."""
    out: dict[tuple[str, tuple[str, str, str, str]], float | None] = {}
    for key, op in ops.items():
        _, nm, rf, al = key
        wanted = [p for p, used in (("conventional", (nm, rf) == (s.normalization,
                                                                  s.gain_reference)),
                                    ("grmac", al == "global")) if used]
        for pipeline in wanted:
            out[(pipeline, key)] = structure_slice_bits(_ensemble(s, *key), op, st, pipeline)
    return out


def _operating_points(s: PaperSettings) -> dict[tuple[str, str, str, str], OperatingPoint]:
    """Every (standard, normalization, reference, alignment) operating point, in parallel.

    The GR-MAC fields do not depend on the conventional alignment and the conventional ones
    not on the GR-MAC's normalization and reference, so each part is derived once per
    distinct input (``operating_point.combine`` checks the pairs): per standard one GR-MAC
    part per (normalization, reference) and one conventional part per alignment, where one
    whole operating point per key re-derived the conventional design six times over."""
    keys = [(st, nm, rf, "global") for st in NOISE_STANDARDS for nm in NORMALIZATIONS
            for rf in GAIN_REFERENCES]
    keys += [(st, s.normalization, s.gain_reference, al) for st in NOISE_STANDARDS
             for al in ALIGNMENTS if al != "global"]
    tasks = [("conventional", st, s.normalization, s.gain_reference, al)
             for st in NOISE_STANDARDS for al in ALIGNMENTS]
    tasks += [("grmac", st, nm, rf, "global") for st in NOISE_STANDARDS
              for nm in NORMALIZATIONS for rf in GAIN_REFERENCES]
    args = [(s, *t) for t in tasks]
    if s.jobs > 1:
        ctx = multiprocessing.get_context("fork" if "fork" in
                                          multiprocessing.get_all_start_methods() else "spawn")
        with ProcessPoolExecutor(max_workers=s.jobs, mp_context=ctx) as pool:
            parts = list(pool.map(_part, *zip(*args, strict=True)))
    else:
        parts = [_part(*a) for a in args]
    conv = {(st, al): p for (pipe, st, _, _, al), p in zip(tasks, parts, strict=True)
            if pipe == "conventional"}
    gr = {(st, nm, rf): p for (pipe, st, nm, rf, _), p in zip(tasks, parts, strict=True)
          if pipe == "grmac"}
    return {(st, nm, rf, al): combine(gr[(st, nm, rf)], conv[(st, al)])
            for st, nm, rf, al in keys}


def _energy(s: PaperSettings, res: PaperResult) -> dict[str, Any]:
    """Energy per MAC vs D for every (standard, alignment, normalization, reference, law,
    rule); iso-energy gains; curves of the defaults."""
    tech = load_technology(s.tech)
    grid = dynamic_range_grid(s.dynamic_range_max_bits)
    laws = [law for law in ADC_LAWS if law != "hwcomponents" or hwcomponents_adc_available()]
    st = MacroStructure(cell_topology=s.cell_topology, n_cols=s.n_cols)
    ops = _operating_points(s)
    slice_bits = _slice_bits(s, ops, st)
    res.operating_points.extend(asdict(op) for op in ops.values())
    default: dict[str, Any] = {}
    default_gr = (s.noise_standard, s.normalization, s.gain_reference)
    for law in laws:
        # the conventional macro has no gain range: one set of curves serves both rules
        law_opts = EnergyOptions(adc_law=law, strict=False)
        convs = {}
        for sd in NOISE_STANDARDS:
            for al in ALIGNMENTS:
                key = (sd, s.normalization, s.gain_reference, al)
                convs[(sd, al)] = conventional_energy(
                    ops[key], grid, tech, st,
                    replace(law_opts, slice_adc_bits=slice_bits[("conventional", key)]))
        for rule in GAIN_RANGE_RULES:
            opts = replace(law_opts, gain_range_rule=rule)
            for (sd, nm, rf, al), op in ops.items():
                if al != "global":
                    continue
                gr = grmac_energy(op, grid, tech, st, replace(
                    opts, slice_adc_bits=slice_bits[("grmac", (sd, nm, rf, al))]))
                for align in ALIGNMENTS:
                    conv = convs[(sd, align)]
                    iso = iso_energy_gain(grid, conv.total, gr.total,
                                          s.reference_dynamic_range_bits)
                    row = {"noise_standard": sd, "alignment": align, "adc_law": law,
                           "gain_range_rule": rule, "normalization": nm, "gain_reference": rf,
                           "iso_energy_gain_bits": iso.gain_bits, "status": iso.status,
                           "reference_energy_j": iso.reference_energy_j,
                           "grmac_energy_at_reference_j": _at(s, grid, gr.total),
                           "conventional_adc_share_at_reference": _at(s, grid,
                                                                      conv.adc_share),
                           "grmac_adc_share_at_reference": _at(s, grid, gr.adc_share),
                           **_delivered(s, op, ops[(sd, s.normalization, s.gain_reference,
                                                        align)], rule,
                                        bool(np.isfinite(gr.total[-1])),
                                        bool(np.isfinite(conv.total[-1])))}
                    res.iso_energy.append(row)
                    here = law == s.adc_law and rule == s.gain_range_rule
                    if here and align == s.alignment and sd == s.noise_standard:
                        _curve_rows(res, grid, f"grmac_{nm}_{rf}", gr.terms, gr.total)
                        if (sd, nm, rf) == default_gr:
                            _curve_rows(res, grid, "conventional", conv.terms, conv.total)
                            default = row
    return default


def _delivered(s: PaperSettings, gr_op: OperatingPoint, conv_op: OperatingPoint,
               rule: str, gr_feasible: bool, conv_feasible: bool) -> dict[str, float | None]:
    """End-to-end SNR (thermal noise included) of both designs at the smallest input scale
    of the grid, ``2**-dynamic_range_max_bits`` (``delivered_snr_db``). None where there is
    no such number: a design infeasible at ``dynamic_range_max_bits`` (``*_feasible``: its
    energy there is finite; its cells would exceed the capacitance ceiling, so there is no
    design to deliver anything, as for the energies at the reference), and a fixed-reference
    GR-MAC under the ``sqnr`` gain-range rule, which flushes small vectors (the closed form
    does not apply)."""
    d = s.dynamic_range_max_bits
    gr = float(delivered_snr_db(gr_op, d, "grmac", rule)[0]) if gr_feasible else None
    conv = float(delivered_snr_db(conv_op, d, "conventional")[0]) if conv_feasible else None
    return {"grmac_delivered_snr_at_max_db": None if gr is None or np.isnan(gr) else gr,
            "conventional_delivered_snr_at_max_db": conv}


def _curve_rows(res: PaperResult, grid: np.ndarray, pipeline: str,
                terms: dict[str, np.ndarray], total: np.ndarray) -> None:
    """Rows every 0.25 octave where the design is feasible (infeasible points, whose cells
    exceed the capacitance ceiling, are left out: the curve ends there)."""
    keep = np.isclose(grid % 0.25, 0.0) | np.isclose(grid % 0.25, 0.25)
    for i in np.nonzero(keep & np.isfinite(total))[0]:
        row: dict[str, Any] = {"pipeline": pipeline, "dynamic_range_bits": float(grid[i]),
                               "energy_per_mac_j": float(total[i])}
        for k, v in terms.items():
            row[f"{k}_j"] = float(np.broadcast_to(v, grid.shape)[i])
        res.energy_curves.append(row)


def _claims(s: PaperSettings, res: PaperResult, iso: dict[str, Any]) -> dict[str, Any]:
    rows = [r for r in res.adc_bits if r["format"] == s.default_format]
    conv_lb = min(rows, key=lambda r: r["conventional_adc_bits"])
    gr_ub = max(rows, key=lambda r: r["grmac_adc_bits"])
    conv_bits = [r["conventional_adc_bits"] for r in rows]
    spread_gr, spread_all = {}, {}
    for fmt in s.formats:
        sel = [r for r in res.adc_bits if r["format"] == fmt]
        bits = [r["grmac_adc_bits"] for r in sel]
        spread_all[fmt] = max(bits) - min(bits)
        kept = [r["grmac_adc_bits"] for r in sel if r["saturated_fraction"] <= SATURATION_LIMIT]
        spread_gr[fmt] = max(kept) - min(kept) if kept else None
    t = s.sqnr_target_db
    return {
        "sqnr_target_db": t,
        "adc_law": s.adc_law,
        "default_format": s.default_format,
        "n_rows_per_adc": s.n_rows,
        "adc_bits_conventional_lower_bound": conv_lb["conventional_adc_bits"],
        "adc_bits_conventional_lower_bound_distribution": conv_lb["distribution"],
        "adc_bits_grmac_upper_bound": gr_ub["grmac_adc_bits"],
        "adc_bits_grmac_upper_bound_distribution": gr_ub["distribution"],
        "adc_bound_reduction_bits": conv_lb["conventional_adc_bits"] - gr_ub["grmac_adc_bits"],
        # the bisection of required_bits starts at BITS_RANGE[0]: a bound there means "at
        # most this many bits", not a measured crossing (at a 6 dB target every GR-MAC entry
        # is the floor, and the reduction and spreads are artefacts of it)
        "adc_bits_search_floor": BITS_RANGE[0],
        "adc_bits_conventional_lower_bound_at_search_floor":
            bool(conv_lb["conventional_adc_bits"] <= BITS_RANGE[0]),
        "adc_bits_grmac_upper_bound_at_search_floor":
            bool(gr_ub["grmac_adc_bits"] <= BITS_RANGE[0]),
        "adc_bits_grmac_distribution_free": required_bits(grmac_guaranteed_sqnr_db, t),
        "adc_bits_grmac_benford_analytic": required_bits(analytic_grmac_sqnr_db, t),
        "adc_bits_conventional_gaussian_analytic":
            required_bits(lambda b: float(analytic_gaussian_oracle_sqnr_db(b)), t),
        "conventional_adc_bits_spread": max(conv_bits) - min(conv_bits),
        "grmac_adc_bits_spread_by_format": spread_gr,
        "grmac_adc_bits_spread_by_format_all_distributions": spread_all,
        "iso_energy_dynamic_range_gain_bits": iso.get("iso_energy_gain_bits"),
        "iso_energy_status": iso.get("status"),
        "noise_standard": s.noise_standard,
        "thermal_margin_db": s.thermal_margin_db,
        "iso_energy_reference_energy_per_mac_j": iso.get("reference_energy_j"),
        "iso_energy_grmac_energy_per_mac_at_reference_j": iso.get("grmac_energy_at_reference_j"),
        "adc_energy_share_conventional": iso.get("conventional_adc_share_at_reference"),
        "adc_energy_share_grmac": iso.get("grmac_adc_share_at_reference"),
        "grmac_delivered_snr_at_max_db": iso.get("grmac_delivered_snr_at_max_db"),
        "conventional_delivered_snr_at_max_db": iso.get("conventional_delivered_snr_at_max_db"),
        "iso_energy_configuration": {
            "noise_standard": s.noise_standard, "alignment": s.alignment,
            "normalization": s.normalization, "gain_reference": s.gain_reference,
            "gain_range_rule": s.gain_range_rule, "distribution": s.energy_distribution,
            "technology": s.tech, "n_cols": s.n_cols, "cell_topology": s.cell_topology,
            "reference_dynamic_range_bits": s.reference_dynamic_range_bits,
            "dynamic_range_max_bits": s.dynamic_range_max_bits},
        "definitions": DEFINITIONS,
        "settings": asdict(s),
    }


def _at(s: PaperSettings, grid: NDArray[np.float64], values: NDArray[np.float64]
        ) -> float | None:
    """``values`` at the reference dynamic range; None where the design is infeasible
    there (its energy is NaN past the cells' capacitance ceiling)."""
    x = float(np.interp(s.reference_dynamic_range_bits, grid, values))
    return x if np.isfinite(x) else None


def run_paper(settings: PaperSettings = PaperSettings(), progress=None) -> PaperResult:
    """Recompute both claims; ``progress(step_name)`` is called before each stage if given."""
    s = replace(settings).validated()
    res = PaperResult()
    if progress:
        progress("ADC bits and SQNR curves per distribution and format (Monte Carlo)")
    _monte_carlo(s, res)
    if progress:
        progress("energy per MAC vs input dynamic range")
    iso = _energy(s, res)
    res.claims = _claims(s, res, iso)
    return res
