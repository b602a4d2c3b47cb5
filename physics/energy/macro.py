"""How a CIM macro applies inputs, stores weights and converts: the structure every per-MAC
energy, every plug-in and the mapper count from.

A MAC of a ``b_x``-bit input and a ``b_w``-bit weight (sign included) runs on:

- ``n_input_slices`` (``s_x``) DAC steps of ``dac_bits`` (``d_x``) each (bit-serial inputs:
  ``d_x = 1``; bit-parallel: one step of all bits). Digital shift-and-add recombines steps.
- ``n_weight_slices`` (``s_w``) cells of ``cell_bits`` (``c_w``) each, side by side in a row
  (the weight spans ``s_w`` bit lines). The cell topology says how they are combined:

  ============== ======================================== ============================
  topology       cell                                     conversions per weight
  ============== ======================================== ============================
  bit_sliced     one unit capacitor per stored bit        ``s_w`` (one per bit column)
  binary_weighted one ``2**(b_w-1) C_min`` array per weight 1 (``s_w = 1``)
  c2c            one C-2C ladder over the weight's cells  1 (analog recombination)
  ============== ======================================== ============================

A weight is stored in whole bits: ``ceil(b_w / c_w)`` cells, or one binary-weighted array
of ``ceil(b_w)`` bits. Per MAC, with ``N`` rows per conversion and ``W = n_cols / s_w``
weights per row (one input row drive is shared by the ``W`` weights it meets):

- DAC drives: ``s_x / W``; conversions: ``s_x k_w / N`` with ``k_w`` the conversions per
  weight above; cell steps: ``s_x`` (each switches its cells' capacitance once).

ADC bits of one conversion: a sliced conversion digitizes a partial sum whose full scale is
``1/r`` of the whole product's and whose error enters the output weighted by its slice's
binary weight. With the same relative clipping as a full-precision conversion needing
``B_full`` bits, matching the total error of all slices to the full conversion's needs

    ``B_slice = B_full - log2(r) + (1/2) log2(q)``,

``r = (2**b_x - 1)(2**b_w - 1) / (2**(b_x - d_x)(2**d_x - 1) 2**(b_w - c_w)(2**c_w - 1))``
(full scale over the most significant slice's, about 4 for 1-bit slices) and
``q = sum over slices of 4**(significance - top)`` (``1 / ((1 - 4**-d_x)(1 - 4**-c_w))``
for many slices, 16/9 for 1-bit slices), never more than the lossless resolution of one
conversion's signed column sum, ``log2(2 N (2**d_x - 1)(2**c_w - 1) + 1)`` (digital
shift-and-add of exact partial sums is exact; where one step or one conversion covers a
whole operand, its magnitude bits ``b - 1`` replace ``d_x`` or ``c_w``). A GR-MAC
conversion is gain-ranged to full scale, so every slice keeps the GR-MAC's relative
precision: ``B_slice = B_gr`` (capped the same way).

The kT/C noise of sliced conversions adds with the same significance weights, so the cells
may be ``F`` times smaller than an unsliced cell for the same output SNR,
``F = F(b_x, d_x) F(b_w, c_w)`` with
``F(b, d) = (2**d - 1)**2 (4**b - 1) / ((4**d - 1)(2**b - 1)**2)`` (1 for one slice, about
1/3 for 1-bit slices): each slice's column sum is sampled on its own capacitors.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from grcim.errors import ModelDomainError
from grcim.physics.settings import (
    CELL_TOPOLOGIES,
    DEFAULT_CELL_BITS,
    DEFAULT_CELL_TOPOLOGY,
    DEFAULT_N_COLS,
)

#: How an input step reaches its row (``MacroStructure.dac_kind``).
DAC_KINDS: tuple[str, ...] = ("capacitive", "pulse")
#: Most bits one DAC step applies, sign included: a declared ``dac_bits`` and the
#: ``cim_dac`` model's ``n_bits`` take 1..16, and a step the structure leaves free is held
#: to the same (``check_dac_step``).
MAX_DAC_BITS = 16
#: Most input steps or weight slices per value (``n_input_slices``, ``n_weight_slices``):
#: one bit each covers a 32-bit operand. The arch files and the ``cim_dac`` model take the same.
MAX_SLICES = 32
#: Most hardware bits of one operand, sign included (``dac_bits x n_input_slices``,
#: ``cell_bits x n_weight_slices``): the slice Monte Carlo (``grcim.physics.slicing_point``)
#: holds operand codes in 64-bit integers, rounded from float64 values below ``2**62``, which
#: convert exactly; a 64-bit grid's clip level ``2**63`` does not (its codes overflowed and
#: wrong ADC bits were priced).
MAX_HARDWARE_BITS = 63

__all__ = ["DAC_KINDS", "MAX_DAC_BITS", "MAX_SLICES", "MAX_HARDWARE_BITS", "MacroStructure",
           "Slicing", "resolve_slicing", "slice_adc_bits", "lossless_bits",
           "conversion_lossless_bits", "slicing_noise_factor",
           "check_width", "check_dac_step", "check_idle_slices"]

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class MacroStructure:
    """A macro's datapath as declared by an architecture (``None`` = derived, see below).

    Attributes
    ----------
    cell_topology : {"bit_sliced", "binary_weighted", "c2c"}
        How weights are stored (module docstring).
    dac_bits : int or None
        Input bits (sign included) applied per DAC step; None: every input bit in one step.
    n_input_slices : int or None
        DAC steps per input; None: ``ceil(input bits / dac_bits)``.
    cell_bits : int
        Weight bits per cell (``bit_sliced``; ``c2c``: 1, a ladder bit per cell); a
        ``binary_weighted`` cell holds the whole weight.
    n_weight_slices : int or None
        Cells per weight; None: ``ceil(weight bits / cell_bits)`` (1 for binary_weighted).
    n_cols : int or ndarray
        Cell columns one input row drives: bit lines for one-bit cells; a binary-weighted
        cell, which holds a whole weight over its bitcells, counts as one column. An array
        (integer-valued, shaped like the operand grid) gives one count per grid point, so a
        table prices many column counts in one call; such a record is not hashable.
    dac_kind : {"capacitive", "pulse"}
        How an input step reaches its row: a binary-weighted capacitor DAC setting the row
        to an analog level, or a pulse count on the word line (pulse-width / pulse-count
        inputs; every pulse charges the word line through the supply).
    cell_capacitance_f : float or None
        Declared unit capacitance of the cells as built, F (a bit-sliced cell's capacitor,
        a C-2C ladder's ``C``, a binary-weighted array's unit); None: sized for the
        standard (matching floor or kT/C). A declared value is priced as is (within the
        ceiling per stored bit, ``grcim.physics.energy.cells``), and the thermal noise it
        gives enters the delivered SQNR.
    """

    cell_topology: str = DEFAULT_CELL_TOPOLOGY
    dac_bits: int | None = None
    n_input_slices: int | None = None
    cell_bits: int = DEFAULT_CELL_BITS
    n_weight_slices: int | None = None
    n_cols: int | F64 = DEFAULT_N_COLS
    dac_kind: str = "capacitive"
    cell_capacitance_f: float | None = None

    def validated(self) -> MacroStructure:
        """This record after its checks (raises ``ModelDomainError``)."""
        if self.cell_topology not in CELL_TOPOLOGIES:
            raise ModelDomainError("cell_topology", self.cell_topology,
                                   f"one of {', '.join(CELL_TOPOLOGIES)}")
        for name, value, hi in (("dac_bits", self.dac_bits, MAX_DAC_BITS),
                                ("n_input_slices", self.n_input_slices, MAX_SLICES),
                                ("cell_bits", self.cell_bits, 16),
                                ("n_weight_slices", self.n_weight_slices, MAX_SLICES)):
            if value is not None and not (1 <= value <= hi and int(value) == value):
                raise ModelDomainError(name, value, f"an integer from 1 to {hi}")
        self._check_hardware_bits()
        cols = _as(self.n_cols)  # one count, or one per grid point
        bad = ~((cols >= 1.0) & (cols <= 65536.0) & (cols == np.floor(cols)))
        if np.any(bad):
            raise ModelDomainError("n_cols", _first(self.n_cols, bad),
                                   "an integer from 1 to 65536")
        if self.dac_kind not in DAC_KINDS:
            raise ModelDomainError("dac_kind", self.dac_kind, f"one of {', '.join(DAC_KINDS)}")
        c = self.cell_capacitance_f
        if c is not None and not (1e-18 <= c <= 1e-11):
            raise ModelDomainError("cell_capacitance", c, "a capacitance from 1e-18 to 1e-11 F")
        if self.cell_topology == "binary_weighted" and self.n_weight_slices not in (None, 1):
            raise ModelDomainError("n_weight_slices", self.n_weight_slices,
                                   "1 with cell_topology binary_weighted (one cell per weight)")
        if self.cell_topology == "c2c" and self.cell_bits not in (None, 1):
            # the ladder's three units are per bit: a multi-bit cell would be priced as one
            raise ModelDomainError("cell_bits", self.cell_bits,
                                   "1 with cell_topology c2c (a ladder bit is one cell; "
                                   "n_weight_slices sets the ladder's bits)")
        return self

    def _check_hardware_bits(self) -> None:
        """Raise when a declared slicing holds more than ``MAX_HARDWARE_BITS`` bits of an
        operand (a free count follows the need, within a slice of it)."""
        pairs = (("dac_bits", self.dac_bits, "n_input_slices", self.n_input_slices),
                 ("cell_bits", self.cell_bits, "n_weight_slices", self.n_weight_slices))
        for per_name, per, count_name, count in pairs:
            if per is None or count is None or per * count <= MAX_HARDWARE_BITS:
                continue
            p, c = int(per), int(count)  # integer-valued: checked above
            raise ModelDomainError(
                f"{per_name} x {count_name}", Shown(f"{p} x {c} = {p * c} bits"),
                f"at most {MAX_HARDWARE_BITS} bits of one operand, sign included (the slice "
                "Monte Carlo holds operand codes in 64-bit integers)")


class Shown(str):
    """Text an error shows as written (``ModelDomainError`` shows a value's ``repr``): a
    product such as ``3 x 1 = 3 bits`` reads as the user's numbers, not as a quoted string."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Slicing:
    """A structure resolved for given operand widths (arrays broadcast over the grid).

    Attributes
    ----------
    input_bits, weight_bits : ndarray
        Hardware widths, sign included: declared slices times bits per slice, or the
        widths the pipeline needs when the structure leaves them free.
    dac_bits, n_input_slices : ndarray
        Bits per DAC step and steps per input.
    cell_bits, n_weight_slices : ndarray
        Bits per cell and cells per weight (binary_weighted: the weight width and 1).
    conversions_per_weight : ndarray
        Conversions per weight and input step (``n_weight_slices`` for bit_sliced, else 1).
    weights_per_row : ndarray
        Weights one input row drive serves (``n_cols / n_weight_slices``).
    topology : str
        Cell topology.
    """

    input_bits: F64
    weight_bits: F64
    dac_bits: F64
    n_input_slices: F64
    cell_bits: F64
    n_weight_slices: F64
    conversions_per_weight: F64
    weights_per_row: F64
    topology: str

    def drives_per_mac(self) -> F64:
        """DAC row drives per MAC."""
        return self.n_input_slices / self.weights_per_row

    def conversions_per_mac(self, n_rows: int) -> F64:
        """ADC conversions per MAC."""
        return self.n_input_slices * self.conversions_per_weight / float(n_rows)

    def cell_steps_per_mac(self) -> F64:
        """Times a weight's cells are switched per MAC (one per input step)."""
        return self.n_input_slices


def _as(v: ArrayLike) -> F64:
    return np.asarray(v, dtype=np.float64)


def _first(n_cols: int | F64, bad: NDArray[np.bool_]) -> int | float:
    """The column count an error names: the scalar as declared, or the first bad point's
    (as an integer when it is one, so both read as a declared count would)."""
    if np.ndim(n_cols) == 0:
        return n_cols  # type: ignore[return-value]  # a 0-d count is the declared int
    value = float(np.broadcast_to(n_cols, bad.shape).ravel()[np.argmax(bad.ravel())])
    return int(value) if value.is_integer() else value


def resolve_slicing(structure: MacroStructure, input_bits: ArrayLike,
                    weight_bits: ArrayLike) -> Slicing:
    """Resolve a structure against the operand widths a pipeline needs (real-valued).

    Declared slices fix the hardware widths (``dac_bits x n_input_slices``, ``cell_bits x
    n_weight_slices``); free ones follow the need: one DAC step of ``input_bits`` (real, so
    energy curves over a dynamic-range grid stay smooth) and ``ceil(weight_bits /
    cell_bits)`` cells; a ``binary_weighted`` cell holds ``ceil(weight_bits)`` bits.
    """
    st = structure.validated()
    bx, bw = _as(input_bits), _as(weight_bits)
    if st.dac_bits is not None:
        dx = np.full_like(bx, float(st.dac_bits))
        sx = (np.full_like(bx, float(st.n_input_slices)) if st.n_input_slices is not None
              else np.ceil(bx / dx - 1e-9))
        hw_x = dx * sx
    elif st.n_input_slices is not None:
        sx = np.full_like(bx, float(st.n_input_slices))
        dx = np.ceil(bx / sx - 1e-9)
        hw_x = dx * sx
    else:
        dx, sx, hw_x = bx, np.ones_like(bx), bx
    if st.cell_topology == "binary_weighted":
        # one array of the weight's whole bits: a weight is stored in whole bitcells (a
        # real width once sized an 8.06-bit weight's array at 2**7.06 units, not 2**8)
        cw, sw = np.ceil(bw - 1e-9), np.ones_like(bw)
        hw_w = cw
    else:
        cw = np.full_like(bw, float(st.cell_bits))
        sw = (np.full_like(bw, float(st.n_weight_slices)) if st.n_weight_slices is not None
              else np.ceil(bw / cw - 1e-9))
        hw_w = cw * sw
    conv = sw if st.cell_topology == "bit_sliced" else np.ones_like(sw)
    per_row = np.floor(_as(st.n_cols) / sw)  # whole weights; leftover columns idle
    short = per_row < 1.0
    if np.any(short):
        raise ModelDomainError("n_cols", _first(st.n_cols, short),
                               f"at least the {int(np.max(sw))} cells of one weight")
    return Slicing(hw_x, hw_w, dx, sx, cw, sw, conv, per_row, st.cell_topology)


#: Grid size from which :func:`_elementwise` looks for one repeated value (below it, the
#: check costs about what it saves).
_FOLD_MIN = 512


def _elementwise(fn: Callable[..., F64], *args: F64) -> F64:
    """``fn(*args)`` for an element-wise ``fn`` of float arrays; when every argument is one
    contiguous array of ``_FOLD_MIN`` or more copies of one value (the widths over a
    table's grid mostly are), ``fn`` of one element filled in: the same numbers (numpy's
    array ``power`` and ``log2`` give an element the same result at any length) for a few
    transcendental calls instead of thousands."""
    shape = args[0].shape
    if args[0].size >= _FOLD_MIN and all(
            a.shape == shape and a.flags.c_contiguous and a.min() == a.max() for a in args):
        return np.full(shape, fn(*(a.reshape(-1)[:1] for a in args))[0])
    return fn(*args)


def _lossless(n_rows: int, dac_bits: F64, cell_bits: F64) -> F64:
    m = n_rows * (2.0**dac_bits - 1.0) * (2.0**cell_bits - 1.0)
    return np.log2(2.0 * m + 1.0)


def lossless_bits(n_rows: int, dac_bits: ArrayLike, cell_bits: ArrayLike) -> F64:
    """Resolution of one slice's exact column sum, ``log2(2 N (2**d_x - 1)(2**c_w - 1) + 1)``:
    slices are sign-magnitude digits (``grcim.physics.slicing_point``), so a column sums
    ``N`` signed products of magnitudes up to ``(2**d_x - 1)(2**c_w - 1)``."""
    return _elementwise(functools.partial(_lossless, n_rows), _as(dac_bits), _as(cell_bits))


def _magnitude_bits(bits: F64) -> F64:
    # a whole operand in one digit: its magnitude bits, sign apart (as the slice Monte Carlo
    # takes it, grcim.physics.slicing_point._slicing)
    return np.maximum(np.ceil(bits - 1e-9) - 1.0, 1.0)


def conversion_lossless_bits(n_rows: int, sl: Slicing) -> F64:
    """:func:`lossless_bits` of the digits one conversion sums: ``d_x`` and ``c_w``, or the
    whole operand's magnitude bits where one DAC step applies the whole input or one
    conversion covers the whole weight (``c2c``, ``binary_weighted``, one cell per weight):
    a C-2C ladder recombines its one-bit cells before the conversion, so its column sum
    spans the weight's bits, not one cell's."""
    x = np.where(sl.n_input_slices > 1, sl.dac_bits, _magnitude_bits(sl.input_bits))
    w = np.where(sl.conversions_per_weight > 1, sl.cell_bits, _magnitude_bits(sl.weight_bits))
    return lossless_bits(n_rows, x, w)


def _full_over_top(b: F64, d: F64) -> F64:
    """Full-scale magnitude of ``b`` bits over that of its top ``d``-bit slice."""
    return (2.0**b - 1.0) / (2.0 ** (b - d) * (2.0**d - 1.0))


def _noise_weights(b: F64, d: F64) -> F64:
    """``sum_j 4**(significance_j - top)`` over the slices of a ``b``-bit operand."""
    n = np.maximum(np.round(b / d), 1.0)
    return (1.0 - 4.0 ** (-d * n)) / (1.0 - 4.0 ** (-d))


def slice_adc_bits(full_bits: ArrayLike, sl: Slicing, n_rows: int,
                   normalized: bool = False) -> F64:
    """ADC bits of one conversion of a sliced macro (module docstring).

    ``full_bits``: bits a single full-precision conversion needs (conventional, integer) or
    the GR-MAC's normalized-output bits (``normalized=True``: no slice adjustment).
    """
    full = _as(full_bits)
    cap = conversion_lossless_bits(n_rows, sl)
    sliced = (sl.n_input_slices > 1) | (sl.conversions_per_weight > 1)
    if normalized:
        bits = full
    else:
        wx = np.where(sl.n_input_slices > 1, sl.dac_bits, sl.input_bits)
        ww = np.where(sl.conversions_per_weight > 1, sl.cell_bits, sl.weight_bits)
        r = _full_over_top(sl.input_bits, wx) * _full_over_top(sl.weight_bits, ww)
        q = _noise_weights(sl.input_bits, wx) * _noise_weights(sl.weight_bits, ww)
        bits = full - np.log2(r) + 0.5 * np.log2(q)
    return np.where(sliced, np.minimum(bits, cap), np.minimum(full, cap))


def slicing_noise_factor(sl: Slicing) -> F64:
    """Cell capacitance factor ``F`` of sliced sampling (module docstring)."""

    def factor(b: F64, d: F64) -> F64:
        return (2.0**d - 1.0) ** 2 * (4.0**b - 1.0) / ((4.0**d - 1.0) * (2.0**b - 1.0) ** 2)

    def f(b: F64, d: F64, sliced: NDArray[np.bool_]) -> F64:
        return np.where(sliced, _elementwise(factor, b, d), 1.0)

    fx = f(sl.input_bits, sl.dac_bits, sl.n_input_slices > 1)
    fw = f(sl.weight_bits, sl.cell_bits, sl.conversions_per_weight > 1)
    return fx * fw


def check_width(operand: str, sl: Slicing, needed: ArrayLike, what: str,
                declared_width: str | None = None,
                dynamic_range_bits: ArrayLike | None = None) -> None:
    """Raise when the declared slicing of ``operand`` (``"input"``: ``dac_bits x
    n_input_slices``; ``"weight"``: ``cell_bits x n_weight_slices``) carries fewer bits than
    ``needed``. Only a slicing declared in full can fall short (a free count or step follows
    the need), so the error names those two attributes and their product. ``what`` names
    the need (``"input mantissa"``); it is the SQNR standard's unless ``declared_width``
    names the user's own width attribute (``"input_bits"`` of an integer macro)."""
    if operand == "input":
        hw, per, count = sl.input_bits, sl.dac_bits, sl.n_input_slices
        names = "dac_bits x n_input_slices"
    else:
        hw, per, count = sl.weight_bits, sl.cell_bits, sl.n_weight_slices
        names = "cell_bits x n_weight_slices"
    dec, need, p, c = np.broadcast_arrays(_as(hw), _as(needed), _as(per), _as(count))
    short = dec + 1e-6 < need
    if not np.any(short):
        return
    i = int(np.argmax(short.ravel()))
    bits = math.ceil(float(need.ravel()[i]) - 1e-6)
    value = Shown(f"{p.ravel()[i]:g} x {c.ravel()[i]:g} = {dec.ravel()[i]:g} bits")
    if declared_width is not None:
        why = f"at least the {bits} bits of {declared_width} = {need.ravel()[i]:g}"
    else:
        at = ""
        if dynamic_range_bits is not None:
            d = float(np.broadcast_to(_as(dynamic_range_bits), short.shape).ravel()[i])
            at = f" at dynamic_range_bits = {d:g}" if d > 0 else ""
        why = (f"at least {bits} {what} bits (sign included) for the SQNR standard, "
               f"sqnr_target_db{at}")
    raise ModelDomainError(names, value, f"{why} (the declared slicing holds fewer)")


def check_dac_step(structure: MacroStructure, sl: Slicing, input_bits: ArrayLike,
                   dynamic_range_bits: ArrayLike | None = None) -> None:
    """Raise when a DAC step would apply more than ``MAX_DAC_BITS`` bits.

    A declared ``dac_bits`` is already held to it; a free step follows the input width the
    pipeline needs (one step of all of it, or ``ceil(bits / n_input_slices)`` bits per
    step), which an ``fp32`` GR-MAC input (25 bits) or a conventional input on a wide
    dynamic range exceeds: such a step was priced as a 25-bit capacitor DAC. The error
    says how to slice the input instead (the docs leave slicing to the declaration).
    """
    step, need = np.broadcast_arrays(_as(sl.dac_bits), _as(input_bits))
    wide = step > MAX_DAC_BITS + 1e-9
    if not np.any(wide):
        return
    i = int(np.argmax(wide.ravel()))
    bits = float(need.ravel()[i])
    steps = math.ceil(bits / MAX_DAC_BITS - 1e-9)  # fewest steps of at most 16 bits
    per = math.ceil(bits / steps - 1e-9)
    at = ""
    if dynamic_range_bits is not None:
        d = float(np.broadcast_to(_as(dynamic_range_bits), wide.shape).ravel()[i])
        at = f" at dynamic_range_bits = {d:g}" if d > 0 else ""
    width = f"the {bits:.3g}-bit input{at}"
    how = (f"slice it: n_input_slices={steps} ({per} bits per step) or more, or "
           f"dac_bits <= {MAX_DAC_BITS}")
    if structure.n_input_slices is None:
        raise ModelDomainError(
            "dac_bits", "auto", f"at most {MAX_DAC_BITS} bits per DAC step; one step of "
            f"{width} would need {float(step.ravel()[i]):.3g}: {how}")
    raise ModelDomainError(
        "n_input_slices", structure.n_input_slices,
        f"at least {steps} steps for {width} (at most {MAX_DAC_BITS} bits per DAC step, "
        f"not {float(step.ravel()[i]):.3g}): {how}")


def check_idle_slices(structure: MacroStructure, sl: Slicing, input_bits: ArrayLike,
                      weight_bits: ArrayLike) -> None:
    """Raise when a declared slicing of integer operands holds more slices than the
    operand has digits.

    An integer macro's operands keep their declared widths: cells (or DAC steps) beyond
    ``ceil(bits / bits per slice)`` would hold only zeros, yet each was priced as a
    converted slice, and the Monte Carlo of the slice sums charged every all-zero column
    one ADC bit more per slice (8-bit weights on 24 one-bit cells: 14 ADC bits, 400x the
    energy, a lower delivered SQNR; on 32 cells a negative one). The FP pipelines put
    their operands on the hardware width the slices hold, so their extra cells carry
    precision; an integer weight has no bits to put there.
    """
    checks = (("n_weight_slices", structure.n_weight_slices, sl.n_weight_slices,
               sl.cell_bits, weight_bits, "weight_bits", "cell_bits", "cells"),
              ("n_input_slices", structure.n_input_slices, sl.n_input_slices,
               sl.dac_bits, input_bits, "input_bits", "dac_bits", "DAC steps"))
    for name, declared, slices, per, bits, bits_name, per_name, what in checks:
        if declared is None:
            continue
        s, p, b = np.broadcast_arrays(_as(slices), _as(per), _as(bits))
        need = np.maximum(np.ceil(b / p - 1e-9), 1.0)
        idle = s > need
        if np.any(idle):
            i = int(np.argmax(idle.ravel()))
            raise ModelDomainError(
                name, declared, f"at most {int(need.ravel()[i])} {what} for {bits_name} = "
                f"{b.ravel()[i]:g} at {per_name} = {p.ravel()[i]:g} (ceil of their "
                f"ratio); more {what} would hold no bits of the integer operand")
