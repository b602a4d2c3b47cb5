"""From component attributes to the physics: ensemble, macro structure, energy options, and
the one per-MAC breakdown every macro-level model reads.

The operating point (ADC bits, operand widths, utilizations, gain octaves) comes from the
cached Monte Carlo of ``grcim.physics.operating_point``: the first query per ensemble takes
a second or so, later ones microseconds; between its cached 5 dB grid of SQNR targets the
conventional half is interpolated and the GR-MAC half derived at the target.
:func:`macro_breakdown` is the single place that turns a macro's attributes into its
:class:`~grcim.physics.energy.per_mac.EnergyBreakdown`: the MAC models price its terms,
the ADC model its ADC bits per conversion, the gain stage its octaves and the normalizer
its digital pieces, so every component of one macro agrees by construction.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from grcim.errors import ModelDomainError
from grcim.physics.energy.adc import ENOB_RANGE
from grcim.physics.energy.macro import DAC_KINDS, MAX_SLICES, MacroStructure
from grcim.physics.energy.per_mac import (
    EnergyBreakdown,
    EnergyOptions,
    adc_bits_per_conversion,
    conventional_energy,
    grmac_energy,
    integer_adc_bits,
    integer_energy,
)
from grcim.physics.formats import get_format
from grcim.physics.integer_point import combine_db, integer_point
from grcim.physics.operating_point import OperatingPoint, operating_point
from grcim.physics.settings import (
    ALIGNMENTS,
    CELL_TOPOLOGIES,
    DEFAULT_N_COLS,
    DEFAULTS,
    GAIN_RANGE_RULES,
    GAIN_REFERENCES,
    NOISE_STANDARDS,
    PIPELINES,
    SQNR_RANGE_DB,
    Ensemble,
)
from grcim.physics.slicing_point import integer_sliced_sqnr_db, structure_slice_bits
from grcim.physics.technology import Technology
from grcim.plugins.models.attributes import (
    as_adc_law,
    as_array,
    as_choice,
    as_distribution,
    as_format,
    as_int,
    as_int_points,
    as_normalization,
    as_number,
    as_optional_int,
)
from grcim.plugins.models.technode import NodeMap, node_from_attributes

__all__ = [
    "ensemble_of", "structure_of", "options_of", "macro_breakdown", "MacroResult",
    "dynamic_range", "node_of", "analog_rate", "REFERENCE_FORMAT", "is_auto", "mac_costs",
]

F64 = NDArray[np.float64]
#: Operand format of the near-continuous ensemble that sizes the integer baseline's ADC.
REFERENCE_FORMAT = "fp16"
#: GR-MAC fields of the run the conventional numbers are read from (the conventional fields
#: of an operating point do not depend on them; sharing saves a run).
_CONVENTIONAL_RUN = {"normalization": "row", "gain_reference": "fixed", "weight_block": 32}


def is_auto(value: Any) -> bool:
    """True for ``None`` or the text ``auto`` (derive the value from the physics)."""
    return value is None or (isinstance(value, str) and value.strip().lower() == "auto")


def _get(attrs: dict[str, Any], key: str) -> Any:
    value = attrs.get(key)
    return getattr(DEFAULTS, key) if value is None else value


def ensemble_of(attrs: dict[str, Any], pipeline: str = "grmac") -> Ensemble:
    """The :class:`Ensemble` named by a model's attributes (defaults for absent ones)."""
    lo, hi = SQNR_RANGE_DB
    ens = Ensemble(
        distribution=as_distribution(_get(attrs, "distribution")),
        input_format=as_format("input_format", _get(attrs, "input_format")),
        weight_format=as_format("weight_format", _get(attrs, "weight_format")),
        n_rows=as_int("n_rows", _get(attrs, "n_rows"), 1, 4096),
        sqnr_target_db=as_number("sqnr_target_db", _get(attrs, "sqnr_target_db"), lo, hi),
        noise_standard=as_choice("noise_standard", _get(attrs, "noise_standard"),
                                 NOISE_STANDARDS),
        thermal_margin_db=as_number("thermal_margin_db", _get(attrs, "thermal_margin_db"),
                                    0.0, 40.0),
        normalization=as_normalization(_get(attrs, "normalization")),
        gain_reference=as_choice("gain_reference", _get(attrs, "gain_reference"),
                                 GAIN_REFERENCES),
        weight_block=as_int("weight_block", _get(attrs, "weight_block"), 1, 1024),
        alignment=as_choice("alignment", _get(attrs, "alignment"), ALIGNMENTS),
    )
    if pipeline == "conventional":
        return ens.with_(**_CONVENTIONAL_RUN)
    if pipeline == "int":
        return ens.with_(input_format=REFERENCE_FORMAT, weight_format=REFERENCE_FORMAT,
                         alignment="global", **_CONVENTIONAL_RUN)
    return ens


def _or(attrs: dict[str, Any], key: str, default: Any) -> Any:
    value = attrs.get(key)
    return default if value is None else value


def structure_of(attrs: dict[str, Any], n_cols: int | F64 | None = None) -> MacroStructure:
    """The :class:`MacroStructure` named by a model's attributes. ``n_cols``: column counts
    already checked, one per point (:func:`mac_costs` of a model vectorizing ``n_cols``),
    instead of the attribute; the structure then prices every point's count in one call."""
    return MacroStructure(
        cell_topology=as_choice("cell_topology", _or(attrs, "cell_topology",
                                                     MacroStructure.cell_topology),
                                CELL_TOPOLOGIES),
        dac_bits=as_optional_int("dac_bits", attrs.get("dac_bits"), 1, 16),
        n_input_slices=as_optional_int("n_input_slices", attrs.get("n_input_slices"), 1,
                                           MAX_SLICES),
        cell_bits=as_int("cell_bits", _or(attrs, "cell_bits", MacroStructure.cell_bits), 1, 16),
        n_weight_slices=as_optional_int("n_weight_slices", attrs.get("n_weight_slices"), 1,
                                            MAX_SLICES),
        n_cols=(as_int("n_cols", _or(attrs, "n_cols", DEFAULT_N_COLS), 1, 65536)
                if n_cols is None else n_cols),
        dac_kind=as_choice("dac_kind", _or(attrs, "dac_kind", MacroStructure.dac_kind),
                           DAC_KINDS),
        cell_capacitance_f=(None if is_auto(attrs.get("cell_capacitance")) else as_number(
            "cell_capacitance", attrs["cell_capacitance"], 1e-18, 1e-11)),
    ).validated()


def options_of(attrs: dict[str, Any], tech: Technology) -> EnergyOptions:
    """``EnergyOptions`` (ADC law, gain-range rule, ADC rate, declared ADC bits)."""
    rule = as_choice("gain_range_rule", _or(attrs, "gain_range_rule",
                                            EnergyOptions.gain_range_rule), GAIN_RANGE_RULES)
    law = as_adc_law(_or(attrs, "adc_law", EnergyOptions.adc_law))
    rate = attrs.get("adc_rate")
    rate = None if rate is None else as_number("adc_rate", rate, 1.0, 1e12)
    bits = attrs.get("adc_bits")
    # the resolutions the ADC laws price (ENOB_RANGE): a wider domain here once let 20 to 32
    # bits through, to fail later under the laws' internal name ``enob``
    bits = None if is_auto(bits) else as_number("adc_bits", bits, *ENOB_RANGE)
    return EnergyOptions(adc_law=law, gain_range_rule=rule, adc_rate_hz=rate, adc_bits=bits)


def _int_width(attrs: dict[str, Any], key: str, fmt_key: str) -> int:
    value = attrs.get(key)
    if value is not None:
        return as_int(key, value, 2, 16)
    fmt = get_format(as_format(fmt_key, _get(attrs, fmt_key)))
    if fmt.kind != "int":
        raise ModelDomainError(key, "missing", f"integer widths 2..16 (or integer "
                               f"{fmt_key}s) for the int pipeline; {fmt_key} is {fmt.name}")
    return fmt.bits


class MacroResult:
    """A macro's per-MAC breakdown with what produced it.

    Attributes
    ----------
    breakdown : EnergyBreakdown
    op : OperatingPoint
        Operating point used (for ``int``: of the near-continuous reference ensemble).
    structure : MacroStructure
    options : EnergyOptions
    delivered_sqnr_db : ndarray
        SQNR the macro reaches at full scale with its cells' thermal noise, dB: its
        quantization noise (the standard for the FP pipelines, what the declared widths
        deliver for ``int``) combined with the thermal SNR its cells leave (sized or
        declared).
    """

    def __init__(self, breakdown: EnergyBreakdown, op: OperatingPoint,
                 structure: MacroStructure, options: EnergyOptions,
                 delivered_sqnr_db: F64) -> None:
        self.breakdown, self.op, self.structure = breakdown, op, structure
        self.options, self.delivered_sqnr_db = options, delivered_sqnr_db


def _automatic(opts: EnergyOptions, ens: Ensemble, op: OperatingPoint, st: MacroStructure,
               pipeline: str, int_widths: tuple[int, int] | None = None) -> EnergyOptions:
    """``opts`` with an automatic ADC: sliced conversions get their resolution from the
    Monte Carlo of the slice sums."""
    # the slice sums depend on the slicing alone, not on the column count (one, or one per
    # table point, which the energy model checks), the DAC kind or a declared cell: one
    # value of each keeps them out of the cache key, whose JSON once carried every point's
    # count (2 ms of a 17 ms table) and made one entry per column count
    one = replace(st, n_cols=DEFAULT_N_COLS, dac_kind=MacroStructure.dac_kind,
                  cell_capacitance_f=None)
    return replace(opts, adc_bits=None,
                   slice_adc_bits=structure_slice_bits(ens, op, one, pipeline, int_widths))


def _int_widths(attrs: dict[str, Any]) -> tuple[int, int]:
    return (_int_width(attrs, "input_bits", "input_format"),
            _int_width(attrs, "weight_bits", "weight_format"))


def macro_adc_bits(attrs: dict[str, Any], pipeline: str, d: F64, tech: Technology
                   ) -> F64:
    """ADC bits per conversion that an automatic ADC of the macro the attributes describe
    resolves to, at each dynamic range ``d`` (what :func:`macro_breakdown` prices with
    ``adc_bits: auto``), without pricing the macro."""
    pipeline = as_choice("pipeline", pipeline, PIPELINES)
    st = structure_of(attrs)
    opts = options_of(attrs, tech)
    ens = ensemble_of(attrs, pipeline)
    op = operating_point(ens)
    if pipeline in ("conventional", "grmac"):
        return adc_bits_per_conversion(pipeline, op, d, st, _automatic(opts, ens, op, st,
                                                                       pipeline))
    bx, bw = _int_widths(attrs)
    bits, _ = integer_adc_bits(op, [bx], [bw], st, _automatic(opts, ens, op, st, "int",
                                                              (bx, bw)))
    return np.broadcast_to(bits, d.shape).astype(np.float64)


def macro_breakdown(attrs: dict[str, Any], pipeline: str, d: F64, tech: Technology,
                    n_cols: int | F64 | None = None) -> MacroResult:
    """Per-MAC energy breakdown of the macro the attributes describe (module docstring);
    ``n_cols`` as for :func:`structure_of`."""
    pipeline = as_choice("pipeline", pipeline, PIPELINES)
    st = structure_of(attrs, n_cols)
    opts = options_of(attrs, tech)
    ens = ensemble_of(attrs, pipeline)
    op = operating_point(ens)
    if pipeline in ("conventional", "grmac"):
        energy = conventional_energy if pipeline == "conventional" else grmac_energy
        auto = _automatic(opts, ens, op, st, pipeline)
        if opts.adc_bits is not None:
            need = float(np.max(adc_bits_per_conversion(pipeline, op, d, st, auto)))
            if opts.adc_bits < need - 1e-6:
                raise ModelDomainError(
                    "adc_bits", opts.adc_bits, f"at least {need:.2f} bits per conversion for "
                    f"the {ens.sqnr_target_db:g} dB standard on this structure (or 'auto')")
        else:
            opts = auto
        bd = energy(op, d, tech, st, opts)
        # quantization meets the standard (sqnr) or two of its three shares (total); the
        # cells leave their own thermal noise on top (as sized, or as declared)
        quant = ens.sqnr_target_db + (10.0 * np.log10(1.5)
                                      if ens.noise_standard == "total" else 0.0)
        delivered = combine_db(np.full_like(d, quant), bd.details["thermal_snr_db"])
        return MacroResult(bd, op, st, opts, delivered)
    bx, bw = _int_widths(attrs)
    ip = integer_point(ens.distribution, bx, bw, ens.n_rows)
    if opts.adc_bits is None:
        opts = _automatic(opts, ens, op, st, "int", (bx, bw))
    # the ADC bits per conversion do not depend on the cells: found first; a sliced ADC's
    # SQNR from the Monte Carlo of the slice sums, a whole-sum ADC's from the oracle table
    adc_bits, sl = integer_adc_bits(op, [bx], [bw], st, opts)
    sliced = int(sl.n_input_slices[0] * sl.conversions_per_weight[0]) > 1
    if sliced:
        s_adc = np.array([integer_sliced_sqnr_db(
            ens.distribution, bx, bw, ens.n_rows, int(round(float(sl.dac_bits[0]))),
            int(sl.n_input_slices[0]), int(sl.cell_bits[0]),
            int(sl.conversions_per_weight[0]), float(adc_bits[0]), ens.seed)])
    else:
        s_adc = ip.adc_sqnr_at(adc_bits)
    q = combine_db(ip.input_sqnr_db, ip.weight_sqnr_db, s_adc)
    bd = integer_energy(op, [bx], [bw], tech, ip.utilization, q + ens.thermal_margin_db, st,
                        opts)
    thermal = bd.details["thermal_snr_db"]  # what the cells leave (sized or declared)
    bd = EnergyBreakdown(d, {k: np.broadcast_to(v, d.shape) for k, v in bd.terms.items()},
                         {k: np.broadcast_to(v, d.shape) for k, v in bd.details.items()})
    delivered = np.broadcast_to(combine_db(q, thermal), d.shape)
    return MacroResult(bd, op, st, opts, delivered)


def dynamic_range(attrs: dict[str, Any], n: int) -> F64:
    """Input dynamic range at each point, octaves (0 to 40)."""
    value = attrs.get("dynamic_range_bits", 0.0)
    d = as_array("dynamic_range_bits", value, 0.0, 40.0)
    if d.size not in (1, n):
        # a list where one number per point is expected (a direct query has one point, which
        # _setup wraps in a list: show the user's value, not the wrapper)
        shown = value[0] if n == 1 and isinstance(value, list | tuple) and len(value) == 1 \
            else value
        raise ModelDomainError("dynamic_range_bits", shown, "a number from 0 to 40"
                               + ("" if n == 1 else f" at each of the {n} points"))
    return np.broadcast_to(d, (n,)).astype(np.float64)


def node_of(attrs: dict[str, Any]) -> NodeMap:
    """Technology serving the ``technology`` / ``tech_node`` attributes (see ``technode``)."""
    return node_from_attributes(attrs.get("technology"), attrs.get("tech_node"))


def analog_rate(attrs: dict[str, Any], tech: Technology, key: str = "throughput",
                instances: float = 1.0) -> float:
    """Actions/s of ``instances`` analog units: the attribute, or the technology's
    conversion rate per unit when it is not given."""
    value = attrs.get(key)
    if value is None:
        return instances * tech.adc_rate_hz
    return as_number(key, value, 1.0, 1e12)


def mac_costs(attrs: dict[str, Any], n: int, pipeline: str, all_terms: tuple[str, ...]
              ) -> tuple[Any, NodeMap]:
    """Costs of one MAC of a macro (the three MAC models): ``compute`` energy = the
    breakdown's total (or the sum of ``include_terms``), area per MAC by the same terms,
    leakage of the active terms, and the macro-level ``info`` columns. ``n_cols`` is one
    of their ``VECTOR_ATTRIBUTES``: one column count per point."""
    from grcim.physics.energy.area import (
        conventional_area_terms,
        grmac_area_terms,
        integer_area_terms,
        leakage_power_w,
        step_latency_s,
    )
    from grcim.plugins.models.attributes import as_terms
    from grcim.plugins.models.batch import BatchCosts, full, sum_terms

    node = node_of(attrs)
    tech = node.tech
    terms = as_terms(attrs.get("include_terms", "all"), all_terms)
    d = dynamic_range(attrs, n)
    # per-point columns are checked once per distinct count; the slicing Monte Carlo does
    # not depend on them (only the weights per row drive do), so one call prices them all
    cols = as_int_points("n_cols", attrs.get("n_cols"), 1, 65536, DEFAULT_N_COLS)
    res = macro_breakdown(attrs, pipeline, d, tech, cols)
    bd = res.breakdown
    if pipeline == "grmac":
        exp_bits = get_format(as_format("weight_format", _get(attrs, "weight_format"))).exp_bits
        areas = grmac_area_terms(res.op, bd, tech, res.structure, res.options, exp_bits)
    elif pipeline == "conventional":
        areas = conventional_area_terms(res.op, bd, tech, res.structure, res.options)
    else:
        areas = integer_area_terms(bd, tech, res.structure, res.op.n_rows)
    # MACs/s of one cell: a declared throughput, else one DAC step per conversion period
    # (the macro's ADC rate, as the ADC node is priced at it, else the technology's) and
    # s_x = n_input_slices steps per MAC (as the mapper times a tile's array step); the
    # latency is one MAC and the leakage a share of the active power at this rate (it once
    # took one step per MAC: an s_x-step MAC's latency and leakage were off by s_x)
    if attrs.get("throughput") is None:
        step_rate = (res.options.adc_rate_hz if res.options.adc_rate_hz is not None
                     else analog_rate(attrs, tech))
        rate = step_rate / full(n, bd.details["n_input_slices"])
    else:
        rate = full(n, analog_rate(attrs, tech))
    # all terms: the core's own total, so a query returns exactly what it computes
    energy = full(n, bd.total) if terms == all_terms else sum_terms(bd.terms, terms, n)
    # leakage of the transistor logic only: cells (mac) and wires (array) are capacitors
    active = sum_terms(bd.terms, tuple(t for t in terms if t not in ("mac", "array")), n)
    det = bd.details
    # the ADC's share of what this row prices (include_terms), not of the whole macro: a
    # 'mac'-only row has no ADC energy in it; the other columns describe the macro itself
    adc = sum_terms(bd.terms, ("adc",) if "adc" in terms else (), n)
    share = np.where(energy > 0, adc / np.where(energy > 0, energy, 1.0), 0.0)
    info = {"adc_energy_share": share, "adc_bits": full(n, det["adc_bits"]),
            "conversions_per_mac": full(n, det["conversions_per_mac"]),
            "cell_capacitance_f": full(n, det["cell_capacitance_f"]),
            "delivered_sqnr_db": full(n, res.delivered_sqnr_db)}
    costs = BatchCosts({"compute": energy}, sum_terms(areas, terms, n),
                       leakage_power_w(active, rate), step_latency_s(rate), rate, info,
                       {t: sum_terms(bd.terms, (t,), n) for t in terms})
    return costs, node
