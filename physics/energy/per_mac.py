"""Energy per MAC of the conventional pipeline, the GR-MAC and integer CIM on one macro
structure, versus input dynamic range.

Every term is *energy per action x actions per MAC* on the macro's structure
(:mod:`grcim.physics.energy.macro`): DAC drives ``s_x / W``, cell steps ``s_x``, conversions
``s_x k_w / N``; so the mapper, which counts the same actions on the same structure and prices
each with the same functions, arrives at the same energy per MAC (tests/mapper).

Input dynamic range ``D`` (octaves): input vectors may sit at any scale in ``[2**-D, 1]``
times the top-of-range ensemble, and the SQNR standard must hold at every scale.

- Conventional, ``global`` alignment (one design-time grid): a vector ``2**-D`` down loses
  ``D`` bits on every stage, so inputs need ``B_x0 + D`` bits and a full conversion
  ``B_adc0 + D`` bits. Under the ``total`` noise standard the cells also need ``6.02 D`` dB
  more SNR at full scale (4x capacitance per octave above the matching floor); under ``sqnr``
  thermal noise is designed at full scale only. Weights are static and keep ``B_w0``.
- Conventional, ``vector_max`` alignment: each vector is aligned to its own largest
  exponent, so the analog part is scale-free; only exponent widths grow with ``D``.
- GR-MAC, ``gain_reference="fixed"`` (gains relative to a design-time exponent): DAC and cells
  stay at mantissa widths, output gain-ranging keeps the ADC at ``B_gr`` for any scale, the
  gain-ranging stage covers ``G0 + D`` octaves (``cover_range``) or ``G0`` (``sqnr`` rule);
  under ``total`` the summing node still needs ``6.02 D`` dB more SNR.
- GR-MAC, ``vector_max`` reference, or ``int`` with one block of all N rows: scale-free.

Digital work per MAC: per-input costs are divided by the ``W`` weights an input row drive
serves, per-conversion costs multiplied by the conversions per MAC. Sliced conversions are
recombined by a shift-and-add into an accumulator of ``B + (b_x - d_x) + (b_w - c_w)``
bits (one add per conversion). docs/models.md §5 lists every equation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from grcim.errors import ModelDomainError
from grcim.physics.energy.adc import ENOB_RANGE, adc_energy_j, check_law
from grcim.physics.energy.analog import (
    dac_energy_j,
    dac_magnitude_bits,
    gain_stage_energy_j,
    thermal_capacitance_f,
)
from grcim.physics.energy.array import column_energy_j, mean_pulses, row_drive_energy_j
from grcim.physics.energy.cells import (
    KTC_CAUSE,
    capacitance_per_stored_bit_f,
    cell_capacitance_f,
    cell_step_energy_j,
    check_ceiling,
    declared_cause,
)
from grcim.physics.energy.cells import thermal_snr_db as cells_thermal_snr_db
from grcim.physics.energy.digital import (
    adder_energy_j,
    exponent_width_bits,
    lod_energy_j,
    register_energy_j,
    shifter_energy_j,
)
from grcim.physics.energy.macro import (
    MacroStructure,
    Slicing,
    check_dac_step,
    check_idle_slices,
    check_width,
    conversion_lossless_bits,
    resolve_slicing,
    slice_adc_bits,
)
from grcim.physics.operating_point import OperatingPoint
from grcim.physics.settings import (
    DEFAULT_ADC_LAW,
    DEFAULT_GAIN_RANGE_RULE,
    GAIN_RANGE_RULES,
    QUANTIZATION_SHARES,
)
from grcim.physics.technology import Technology

__all__ = [
    "EnergyBreakdown", "conventional_energy", "grmac_energy", "integer_energy",
    "grmac_digital_pieces", "EnergyOptions", "DEFAULT_STRUCTURE", "integer_adc_bits",
    "adc_bits_per_conversion",
    "input_drive_energy_j", "delivered_snr_db", "summing_node_sees_scale",
]

F64 = NDArray[np.float64]
DB_PER_OCTAVE = 20.0 * np.log10(2.0)
ADC_ENOB_MAX = ENOB_RANGE[1]
#: The structure when none is declared: bit-sliced one-bit cells, one DAC step per input.
DEFAULT_STRUCTURE = MacroStructure()
#: Counter bits a pulse-count driver's decrement toggles per pulse, amortized (at most 2:
#: bit k toggles every 2**k steps; Cormen et al., Introduction to Algorithms, section 17.1).
PULSE_COUNTER_TOGGLES = 2.0


@dataclass(frozen=True)
class EnergyOptions:
    """Pricing choices of the energy model (not technology constants, not the structure).

    Attributes
    ----------
    adc_law : str
        ADC energy law (``grcim.physics.energy.adc``).
    gain_range_rule : {"cover_range", "sqnr"}
        How far the GR-MAC's gain range reaches below the reference: ``cover_range`` = every
        input of the supported dynamic range is represented (``G = G0 + D``; the rule the
        conventional pipeline's widths follow too), ``sqnr`` = only what the SQNR share
        needs (``G = G0``; products further down are flushed).
    adc_rate_hz : float or None
        Conversion rate of one ADC (the ``hwcomponents`` law depends on it); None: the
        technology's ``adc_rate_hz``.
    adc_bits : float or None
        Declared ADC resolution of one conversion; None: derived from the operating point.
    slice_adc_bits : float or None
        Bits one sliced conversion needs at ``D = 0`` from the Monte Carlo of the slices'
        column sums (``grcim.physics.slicing_point``); conventional conversions add one bit
        per octave of ``D`` (capped at the lossless resolution). None: the first-order
        estimate of :func:`grcim.physics.energy.macro.slice_adc_bits` (same relative
        clipping for every slice), which can be optimistic by bits for small-magnitude
        operands: every command passes the Monte Carlo value.
    strict : bool
        True: a design point whose cells exceed the technology's capacitance ceiling, or
        whose conversions need more bits than the ADC laws cover, raises
        ``ModelDomainError`` (plug-ins, tables, map). False: its energies are NaN
        (infeasible), so a curve over a dynamic-range grid ends where the design does.
    """

    adc_law: str = DEFAULT_ADC_LAW
    gain_range_rule: str = DEFAULT_GAIN_RANGE_RULE
    adc_rate_hz: float | None = None
    adc_bits: float | None = None
    slice_adc_bits: float | None = None
    strict: bool = True


@dataclass(frozen=True)
class EnergyBreakdown:
    """Energy per MAC (J) by term, each an array over the dynamic-range grid.

    Attributes
    ----------
    dynamic_range_bits : ndarray
        The grid, octaves.
    terms : dict[str, ndarray]
        Term name (``dac``, ``mac``, ``array``, ``gain_stage``, ``output_gain``, ``adc``,
        ``digital``) to energy per MAC, J, shape ``(len(dynamic_range_bits),)``.
    details : dict[str, ndarray]
        Sizing behind the terms on the same grid: bits, capacitances (F), octaves, actions
        per MAC (``drives_per_mac``, ``conversions_per_mac``) and energies per action
        (``dac_energy_per_drive_j``, ``adc_energy_per_conversion_j``, ...).
    """

    dynamic_range_bits: F64
    terms: dict[str, F64]
    details: dict[str, F64] = field(default_factory=dict)

    @property
    def total(self) -> F64:
        """Total energy per MAC, J."""
        return np.sum([np.broadcast_to(v, self.dynamic_range_bits.shape)
                       for v in self.terms.values()], axis=0)

    @property
    def adc_share(self) -> F64:
        """The ADC's share of the energy per MAC (0..1; NaN where the design is infeasible
        and its energy NaN, rather than a share of 0 it does not have)."""
        adc = np.broadcast_to(self.terms.get("adc", 0.0), self.dynamic_range_bits.shape)
        total = self.total
        share = np.where(total > 0, adc / np.where(total > 0, total, 1.0), 0.0)
        return np.where(np.isnan(total), np.nan, share)


def _grid(dynamic_range_bits: ArrayLike) -> F64:
    d = np.atleast_1d(np.asarray(dynamic_range_bits, dtype=np.float64))
    if np.any(~np.isfinite(d)) or np.any(d < 0) or np.any(d > 40):
        bad = d[~np.isfinite(d) | (d < 0) | (d > 40)][0]
        raise ModelDomainError("dynamic_range_bits", float(bad), "between 0 and 40 octaves")
    return d


def _adc_bits(full: F64, sl: Slicing, op: OperatingPoint, opts: EnergyOptions,
              normalized: bool, what: str, grow: F64 | float = 0.0) -> F64:
    if opts.adc_bits is not None:
        return np.full_like(full, float(opts.adc_bits))
    sliced = (sl.n_input_slices > 1) | (sl.conversions_per_weight > 1)
    if opts.slice_adc_bits is not None and np.any(sliced):
        cap = conversion_lossless_bits(op.n_rows, sl)
        bits = np.where(sliced, np.minimum(opts.slice_adc_bits + grow, cap),
                        slice_adc_bits(full, sl, op.n_rows, normalized))
    else:
        bits = slice_adc_bits(full, sl, op.n_rows, normalized)
    over = bits > ADC_ENOB_MAX
    if np.any(over) and not opts.strict:  # beyond any ADC law: infeasible
        return np.where(over, np.nan, bits)
    if np.any(over):
        g = np.broadcast_to(np.asarray(grow, dtype=np.float64), bits.shape)
        if np.any(g[over] > 0):  # the range adds the bits: name its value and its limit
            i = int(np.argmax(over))
            is_sliced = bool(np.broadcast_to(sliced, bits.shape)[i])
            # bits = min(base + D, lossless cap), base the D = 0 need: every D up to
            # ADC_ENOB_MAX - base is served (the cap may serve some beyond it); the
            # first-order slice estimate (direct calls only) has no such base
            base = (float(opts.slice_adc_bits) if is_sliced and opts.slice_adc_bits is not None
                    else None if is_sliced else float(full[i] - g[i]))
            reach = ("a smaller range" if base is None else
                     f"a range up to {max(ADC_ENOB_MAX - base, 0.0):.2f} octaves")
            need = "" if base is None else f"; {base:.2f} at 0 octaves, one more per octave"
            raise ModelDomainError(
                "dynamic_range_bits", float(g[i]),
                f"{reach}, where the {what} conversions need at most {ADC_ENOB_MAX:g} ADC "
                f"bits (the ADC laws' range{need}): here they need {float(bits[i]):.1f}")
        raise ModelDomainError(
            "sqnr_target_db", op.sqnr_target_db,
            f"a standard whose {what} conversions need at most {ADC_ENOB_MAX:g} ADC bits "
            f"(the ADC laws' range), not {float(bits.max()):.1f}")
    return bits


def _shift_add_j(sl: Slicing, adc_bits: F64, tech: Technology) -> F64:
    """One accumulate of a sliced conversion result (0 when one conversion is the output)."""
    many = (sl.n_input_slices * sl.conversions_per_weight) > 1
    width = (np.ceil(adc_bits) + sl.input_bits - sl.dac_bits
             + np.where(sl.conversions_per_weight > 1, sl.weight_bits - sl.cell_bits, 0.0))
    return np.where(many, adder_energy_j(width, tech), 0.0)


def input_drive_energy_j(dac_bits: ArrayLike, tech: Technology, dac_kind: str,
                         n_input_slices: ArrayLike = 1.0) -> F64:
    """The input driver's own energy per row drive, J: a binary-weighted capacitor DAC of
    the step's magnitude bits (``dac_energy_j``, ``dac_magnitude_bits``), or for pulse-count
    inputs the down-counter of those bits plus a sign flop that times the pulses: loading it
    (one register write) and one decrement per pulse, ``mean_pulses`` of them, each
    toggling on average at most 2 counter bits (a binary counter's amortized toggles per
    step, Cormen et al., Introduction to Algorithms, 3rd ed., section 17.1), a flop and its
    decrement cell (one full adder) per toggled bit. The pulses on the row line are in the
    ``array`` term; the zero detect's gates and the clock load of idle flops are left out."""
    m = dac_magnitude_bits(dac_bits, n_input_slices)
    if dac_kind == "pulse":
        per_pulse = PULSE_COUNTER_TOGGLES * (tech.e_flop_bit_j + tech.e_full_adder_j)
        pulses = mean_pulses(np.asarray(dac_bits, dtype=np.float64),
                             np.asarray(n_input_slices, dtype=np.float64))
        return register_energy_j(m + 1.0, tech) + pulses * per_pulse
    return dac_energy_j(m, tech)


def _common(sl: Slicing, op: OperatingPoint, adc_bits: F64, snr_db: F64, utilization: ArrayLike,
            tech: Technology, opts: EnergyOptions,
            st: MacroStructure) -> tuple[dict[str, F64], dict[str, F64]]:
    """DAC, cell, array-wire and ADC terms (per MAC) and their details, shared by every
    pipeline."""
    c_cell = cell_capacitance_f(sl, snr_db, utilization, tech, strict=opts.strict,
                                declared_f=st.cell_capacitance_f)
    e_step = cell_step_energy_j(sl, c_cell, tech)
    e_dac = input_drive_energy_j(sl.dac_bits, tech, st.dac_kind, sl.n_input_slices)
    e_adc = adc_energy_j(adc_bits, opts.adc_law, tech, opts.adc_rate_hz)
    e_row = row_drive_energy_j(sl, tech, st.dac_kind, c_cell)
    e_col = column_energy_j(op.n_rows, tech, sl, c_cell)
    drives, conv = sl.drives_per_mac(), sl.conversions_per_mac(op.n_rows)
    terms = {"dac": e_dac * drives, "mac": e_step * sl.cell_steps_per_mac(),
             "array": e_row * drives + e_col * conv, "adc": e_adc * conv}
    details = {
        "input_bits": sl.input_bits, "weight_bits": sl.weight_bits, "dac_bits": sl.dac_bits,
        "n_input_slices": sl.n_input_slices, "cell_bits": sl.cell_bits,
        "n_weight_slices": sl.n_weight_slices, "weights_per_row": sl.weights_per_row,
        "adc_bits": adc_bits, "cell_capacitance_f": c_cell, "mac_snr_db": snr_db,
        "drives_per_mac": drives, "conversions_per_mac": conv,
        "cell_steps_per_mac": sl.cell_steps_per_mac(),
        "dac_energy_per_drive_j": e_dac, "adc_energy_per_conversion_j": e_adc,
        "cell_energy_per_step_j": e_step, "row_energy_per_drive_j": e_row,
        "column_energy_per_conversion_j": np.broadcast_to(e_col, np.shape(drives)),
        "thermal_snr_db": cells_thermal_snr_db(sl, c_cell, utilization, tech),
    }
    return terms, details


def summing_node_sees_scale(op: OperatingPoint, pipeline: str) -> bool:
    """Whether a small input vector reaches the array's summing node small: conventional
    ``global`` alignment and GR-MAC gains relative to a fixed exponent do; ``vector_max``
    alignment or reference, and ``int`` blocks spanning all N rows (normalized to their own
    maximum), bring every vector to full scale before the analog sum."""
    if pipeline == "conventional":
        return op.alignment != "vector_max"
    if pipeline == "grmac":
        return op.gain_reference == "fixed" and (op.normalization != "int"
                                                 or op.block_rows < op.n_rows)
    raise ModelDomainError("pipeline", pipeline, "conventional or grmac")


def delivered_snr_db(op: OperatingPoint, dynamic_range_bits: ArrayLike, pipeline: str,
                     gain_range_rule: str = DEFAULT_GAIN_RANGE_RULE) -> F64:
    """End-to-end SNR (dB) at the smallest input scale ``2**-D``, thermal noise included.

    Quantization noise stays at the standard ``T`` at every scale (widths, gains and ADC
    follow D: its shares' sum ``Q = share_db - 10 log10 2``); the cells' kT/C noise,
    designed ``thermal_snr_db`` at full scale (plus 6.02 dB per octave under ``total``), is
    6.02 dB per octave closer to a signal that reaches the summing node ``D`` octaves small:
    ``-10 log10(10**(-Q/10) + 10**(-(S_th - 6.02 D)/10))``. Under ``total`` this is ``T`` at
    every D; under ``sqnr`` it falls below ``T`` once D passes about ``thermal_margin_db /
    6.02`` octaves, for both designs alike. NaN for a GR-MAC with a fixed reference under
    the ``sqnr`` gain-range rule: its gain range stays ``G0`` and flushes vectors more than
    about ``G0`` octaves down, which this closed form does not count.
    """
    d = _grid(dynamic_range_bits)
    if (pipeline == "grmac" and gain_range_rule != "cover_range"
            and op.gain_reference == "fixed"):
        return np.full_like(d, np.nan)
    seen = d if summing_node_sees_scale(op, pipeline) else 0.0 * d  # octaves the node sees
    thermal = _thermal_snr(op, seen) - DB_PER_OCTAVE * seen
    quantization = op.share_db - 10.0 * np.log10(QUANTIZATION_SHARES)
    return -10.0 * np.log10(10.0 ** (-quantization / 10.0) + 10.0 ** (-thermal / 10.0))


def _thermal_snr(op: OperatingPoint, scale: F64) -> F64:
    """SNR the cells must reach at full scale for inputs spanning ``scale`` octaves."""
    grow = DB_PER_OCTAVE * scale if op.noise_standard == "total" else 0.0 * scale
    return op.thermal_snr_db + grow


def _conventional_design(op: OperatingPoint, d: F64, structure: MacroStructure,
                         opts: EnergyOptions) -> tuple[Slicing, F64, F64]:
    """Slicing of the aligned operands, the octaves the global grid grows by, and the ADC
    bits per conversion (one rule for the energy and :func:`adc_bits_per_conversion`)."""
    grow = 0.0 * d if op.alignment == "vector_max" else d
    need_x = op.conv_input_bits + grow
    need_w = np.full_like(d, op.conv_weight_bits)
    sl = resolve_slicing(structure, need_x, need_w)
    check_width("input", sl, need_x, "aligned input", dynamic_range_bits=d)
    check_width("weight", sl, need_w, "aligned weight")
    if opts.strict:  # the paper's curves (not strict) keep extrapolating one wide step
        check_dac_step(structure, sl, need_x, d)
    return sl, grow, _adc_bits(op.conv_adc_bits + grow, sl, op, opts, False, "conventional",
                               grow)


def _grmac_design(op: OperatingPoint, d: F64, structure: MacroStructure,
                  opts: EnergyOptions) -> tuple[Slicing, F64]:
    """Slicing of the GR-MAC's normalized input mantissas and stored weights, and the ADC
    bits per conversion."""
    need_x, need_w = np.full_like(d, op.gr_input_bits), np.full_like(d, op.gr_weight_bits)
    sl = resolve_slicing(structure, need_x, need_w)
    check_width("input", sl, need_x, "input mantissa")
    check_width("weight", sl, need_w, "stored weight")
    if opts.strict:
        check_dac_step(structure, sl, need_x)
    return sl, _adc_bits(np.full_like(d, op.gr_adc_bits), sl, op, opts, True, "GR-MAC")


def adc_bits_per_conversion(
    pipeline: str, op: OperatingPoint, dynamic_range_bits: ArrayLike,
    structure: MacroStructure = DEFAULT_STRUCTURE, opts: EnergyOptions = EnergyOptions(),
) -> F64:
    """The ADC bits per conversion :func:`conventional_energy` (``pipeline``
    ``"conventional"``) or :func:`grmac_energy` (``"grmac"``) prices, without pricing the
    macro: what an ``auto`` ADC resolves to, and the floor a declared one must meet."""
    d = _grid(dynamic_range_bits)
    if pipeline == "conventional":
        return _conventional_design(op, d, structure, opts)[2]
    if pipeline == "grmac":
        return _grmac_design(op, d, structure, opts)[1]
    raise ModelDomainError("pipeline", pipeline, "conventional or grmac")


def conventional_energy(
    op: OperatingPoint, dynamic_range_bits: ArrayLike, tech: Technology,
    structure: MacroStructure = DEFAULT_STRUCTURE, opts: EnergyOptions = EnergyOptions(),
) -> EnergyBreakdown:
    """Energy per MAC of direct-accumulation FP-CIM (alignment from ``op``)."""
    check_law(opts.adc_law)
    d = _grid(dynamic_range_bits)
    vector = op.alignment == "vector_max"
    sl, grow, adc_bits = _conventional_design(op, d, structure, opts)
    terms, details = _common(sl, op, adc_bits, _thermal_snr(op, grow),
                             op.conv_utilization, tech, opts, structure)
    span = op.exponent_span + d
    w_e = exponent_width_bits(span)
    per_input = adder_energy_j(w_e, tech) + shifter_energy_j(sl.input_bits, span, tech)
    per_conversion = _shift_add_j(sl, adc_bits, tech)
    if vector:  # max finder: one compare per input; output exponent add per conversion
        per_input = per_input + adder_energy_j(w_e, tech)
        per_conversion = per_conversion + adder_energy_j(w_e, tech)
    terms["digital"] = (per_input / sl.weights_per_row
                        + per_conversion * details["conversions_per_mac"])
    details["exponent_bits"] = w_e
    return EnergyBreakdown(d, terms, details)


def grmac_energy(
    op: OperatingPoint, dynamic_range_bits: ArrayLike, tech: Technology,
    structure: MacroStructure = DEFAULT_STRUCTURE, opts: EnergyOptions = EnergyOptions(),
) -> EnergyBreakdown:
    """Energy per MAC of the GR-MAC (normalization and reference mode from ``op``)."""
    check_law(opts.adc_law)
    if opts.gain_range_rule not in GAIN_RANGE_RULES:
        raise ModelDomainError("gain_range_rule", opts.gain_range_rule,
                               f"one of {', '.join(GAIN_RANGE_RULES)}")
    d = _grid(dynamic_range_bits)
    n, g = op.n_rows, op.block_rows
    fixed = op.gain_reference == "fixed"
    zero = np.zeros_like(d)
    # The summing node sees a vector's scale only when gains are relative to a fixed
    # exponent; int blocks spanning all N rows are normalized to their own maximum.
    scale_seen = summing_node_sees_scale(op, "grmac")
    snr = _thermal_snr(op, d if scale_seen else zero)
    cover = opts.gain_range_rule == "cover_range"
    octaves = op.gr_gain_octaves + (d if (cover and fixed) else zero)
    sl, adc_bits = _grmac_design(op, d, structure, opts)
    terms, details = _common(sl, op, adc_bits, snr, op.gr_utilization, tech, opts, structure)
    # row and int: the stage sits in the row driver or block periphery, outside the cells;
    # unit: one stage per weight inside the array, its capacitor spread over the weight's
    # b_w bitcells on top of theirs, the sum held to the ceiling per stored bit (the
    # footprint the wires see stays the cells' own: a lower estimate)
    c_stage = thermal_capacitance_f(snr, op.gr_utilization, tech)
    if op.normalization == "unit":
        per_bit = (capacitance_per_stored_bit_f(sl, details["cell_capacitance_f"])
                   + c_stage / sl.weight_bits)
        declared = structure.cell_capacitance_f
        cause = KTC_CAUSE if declared is None else (
            declared_cause(declared) + ", with the gain stage's kT/C capacitor,")
        ok = check_ceiling(per_bit, tech, "capacitance_per_stored_bit", opts.strict, cause)
        c_stage = np.where(np.isnan(ok), np.nan, c_stage)
    # one gain application is shared by: its weight (unit), the weights of a row drive
    # (row), the rows of a block (int; none when one block spans all N rows)
    gain_share = {"unit": 1.0 + zero, "row": 1.0 / sl.weights_per_row,
                  "int": (1.0 / g if n > g else 0.0) + zero}[op.normalization]
    digital = grmac_digital_pieces(op, d, sl.input_bits, octaves, tech)
    out_octaves = np.ceil(np.log2(4.0 * n)) + octaves
    e_out = gain_stage_energy_j(out_octaves, tech.c_unit_min_f, tech)
    conv = details["conversions_per_mac"]
    shift_add = _shift_add_j(sl, adc_bits, tech)
    per_conversion = digital["per_conversion"] + shift_add
    terms = {
        "dac": terms["dac"], "mac": terms["mac"], "array": terms["array"],
        "gain_stage": (gain_stage_energy_j(octaves, c_stage, tech) * gain_share
                       * sl.cell_steps_per_mac()),
        "output_gain": e_out * conv,
        "adc": terms["adc"],
        "digital": (digital["per_mac"] + digital["per_input"] / sl.weights_per_row
                    + per_conversion * conv),
    }
    details |= {"gain_octaves": octaves, "exponent_bits": digital["exponent_bits"],
                "stage_capacitance_f": c_stage, "gain_share": gain_share,
                "output_gain_energy_per_conversion_j": e_out,
                "shift_add_energy_per_conversion_j": shift_add,
                "output_gain_octaves": out_octaves}
    return EnergyBreakdown(d, terms, details)


def integer_energy(
    op: OperatingPoint, input_bits: ArrayLike, weight_bits: ArrayLike, tech: Technology,
    utilization: ArrayLike, thermal_snr_db: ArrayLike,
    structure: MacroStructure = DEFAULT_STRUCTURE, opts: EnergyOptions = EnergyOptions(),
) -> EnergyBreakdown:
    """Energy per MAC of integer CIM with declared widths (no exponent logic).

    ``op`` is the operating point of the distribution's near-continuous ensemble (its
    ``conv_adc_bits`` sizes an automatic ADC at the standard's ADC share);
    ``utilization`` and ``thermal_snr_db`` come from what the declared widths deliver
    (``grcim.physics.integer_point``).
    """
    check_law(opts.adc_law)
    bx = np.atleast_1d(np.asarray(input_bits, dtype=np.float64))
    bw = np.broadcast_to(np.asarray(weight_bits, dtype=np.float64), bx.shape)
    d = np.zeros_like(bx)
    sl = _integer_slicing(structure, bx, bw, opts)
    check_width("input", sl, bx, "integer input", declared_width="input_bits")
    check_width("weight", sl, bw, "integer weight", declared_width="weight_bits")
    adc_bits = _adc_bits(np.full_like(bx, op.conv_adc_bits), sl, op, opts, False, "int")
    terms, details = _common(sl, op, adc_bits, np.broadcast_to(thermal_snr_db, bx.shape),
                             np.broadcast_to(utilization, bx.shape), tech, opts, structure)
    terms["digital"] = _shift_add_j(sl, adc_bits, tech) * details["conversions_per_mac"]
    return EnergyBreakdown(d, terms, details)


def integer_adc_bits(op: OperatingPoint, input_bits: ArrayLike, weight_bits: ArrayLike,
                     structure: MacroStructure = DEFAULT_STRUCTURE,
                     opts: EnergyOptions = EnergyOptions()) -> tuple[F64, Slicing]:
    """ADC bits per conversion of integer CIM (declared, or the standard's ADC share on the
    structure), and the resolved slicing."""
    bx = np.atleast_1d(np.asarray(input_bits, dtype=np.float64))
    bw = np.broadcast_to(np.asarray(weight_bits, dtype=np.float64), bx.shape)
    sl = _integer_slicing(structure, bx, bw, opts)
    return _adc_bits(np.full_like(bx, op.conv_adc_bits), sl, op, opts, False, "int"), sl


def _integer_slicing(structure: MacroStructure, bx: F64, bw: F64,
                     opts: EnergyOptions) -> Slicing:
    """The slicing of declared integer widths: no slice without a bit of its operand, and
    (strict) no DAC step wider than ``MAX_DAC_BITS``, as for the FP pipelines."""
    sl = resolve_slicing(structure, bx, bw)
    check_idle_slices(structure, sl, bx, bw)
    if opts.strict:
        check_dac_step(structure, sl, bx)
    return sl


def grmac_digital_pieces(op: OperatingPoint, d: F64, dac_bits: F64, octaves: F64,
                         tech: Technology) -> dict[str, F64]:
    """The GR-MAC's digital exponent work, J per operation, by where it happens.

    ``per_input`` (one input on its way to the DAC, shared by the weights its row drive
    serves): leading-one detection; ``row`` adds the exponent add, the distance to the
    reference and the max-tree step at the row driver; ``int`` adds the block max (one
    compare per input: the inputs of a block are aligned to their largest exponent whatever
    the reference) and the block-alignment shift of the DAC word. ``per_mac``: ``unit`` does
    the add, distance and max-tree step in every cell; ``int`` its two exponent adds per
    block of ``block_rows``. ``per_conversion``: renormalizing one ADC result (exponent add +
    result register). ``exponent_add``: one add (= one compare) of the ``w_e``-bit exponent
    datapath. ``max_tree``: one max-tree step, that compare where the design has a max tree
    (``gain_reference="vector_max"``, or the block max of ``int``) and 0 where it has none
    (``unit`` and ``row`` with a ``fixed`` reference).
    """
    w_e = exponent_width_bits(op.exponent_span + d)
    add = adder_energy_j(w_e, tech)
    no_tree = op.gain_reference == "fixed" and op.normalization != "int"
    max_tree = 0.0 * add if no_tree else add
    per_input = lod_energy_j(op.input_man_bits + 1, tech) + 0.0 * add
    if op.normalization == "unit":
        per_mac = 2.0 * add + max_tree
    elif op.normalization == "row":
        per_input = per_input + 2.0 * add + max_tree
        per_mac = 0.0 * add
    else:
        per_input = per_input + max_tree + shifter_energy_j(dac_bits, octaves, tech)
        per_mac = 2.0 * add / op.block_rows
    per_conversion = add + register_energy_j(op.gr_adc_bits + w_e, tech)
    return {"per_input": per_input, "per_mac": per_mac, "per_conversion": per_conversion,
            "exponent_add": add, "max_tree": max_tree, "exponent_bits": w_e}
