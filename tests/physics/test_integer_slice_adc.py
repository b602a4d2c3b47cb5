"""The automatic ADC of sliced integer macros and its lossless limit (docs/models.md §5.1).

A column of ``N`` rows of sign-magnitude digits sums ``N`` products of magnitudes up to
``(2**d_x - 1)(2**c_w - 1)`` with either sign, so its exact sum takes
``2 N (2**d_x - 1)(2**c_w - 1) + 1`` values: lossless at ``log2`` of that. Where one
conversion covers a whole operand (one DAC step, a C-2C ladder, a binary-weighted array),
that operand's magnitude bits ``b - 1`` are the digit. The expected values below are these
counts, by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from grcim.errors import ModelDomainError
from grcim.physics.energy.macro import MacroStructure, resolve_slicing
from grcim.physics.slicing_point import integer_slices, sliced_adc_bits, sliced_sqnr_db


@pytest.mark.parametrize("n_rows", [8, 64])
def test_a_share_met_only_by_exact_conversions_gets_the_lossless_limit(n_rows: int) -> None:
    # int8 x int8, bit-serial 1-bit inputs over 1-bit cells: digits 0/1, sums -N..N
    sl = integer_slices("gaussian", 8, 8, n_rows, 1, 8, 1, 8, 0)
    limit = math.log2(2 * n_rows + 1)
    target = 38.0  # the int8 ADC share: above every lossy resolution's SQNR (checked here)
    assert sliced_sqnr_db(sl, limit - 1e-6) < target
    bits = sliced_adc_bits(sl, target)
    # never a root a hair below the jump (once 9e-5 bits below: 37.5 dB < 38 dB)
    assert bits == pytest.approx(limit, abs=1e-12)
    assert sliced_sqnr_db(sl, bits) >= target


def test_a_share_met_below_the_limit_stays_below_it() -> None:
    sl = integer_slices("gaussian", 8, 8, 64, 1, 8, 1, 8, 0)
    bits = sliced_adc_bits(sl, 20.0)
    assert bits < math.log2(129) - 0.5
    assert sliced_sqnr_db(sl, bits) >= 20.0


@pytest.mark.parametrize(("structure", "x_digit", "w_digit"), [
    # bit-serial input over 1-bit bit-sliced cells: one cell per conversion
    (MacroStructure(dac_bits=1, n_input_slices=8, cell_bits=1, n_weight_slices=8), 1, 1),
    # a C-2C ladder recombines its eight 1-bit cells: the conversion spans the 7 magnitude
    # bits of the weight
    (MacroStructure(cell_topology="c2c", dac_bits=1, n_input_slices=8), 1, 7),
    (MacroStructure(cell_topology="binary_weighted", dac_bits=1, n_input_slices=8), 1, 7),
    # one step of the whole input: its 7 magnitude bits
    (MacroStructure(cell_bits=1, n_weight_slices=8), 7, 1),
])
def test_the_lossless_limit_counts_the_digits_one_conversion_sums(
        structure: MacroStructure, x_digit: int, w_digit: int) -> None:
    from grcim.physics.energy.macro import conversion_lossless_bits  # noqa: PLC0415

    sl = resolve_slicing(structure, [8.0], [8.0])
    want = math.log2(2 * 64 * (2**x_digit - 1) * (2**w_digit - 1) + 1)
    assert float(conversion_lossless_bits(64, sl)[0]) == pytest.approx(want, rel=1e-12)
    # the slice Monte Carlo counts the same levels
    conv = int(sl.conversions_per_weight[0])
    mc = integer_slices("gaussian", 8, 8, 64, int(sl.dac_bits[0]),
                        int(sl.n_input_slices[0]), int(sl.cell_bits[0]), conv, 0)
    assert float(np.max(mc.levels)) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("cell_bits", [2, 8])
def test_a_c2c_ladder_bit_is_one_cell(cell_bits: int) -> None:
    # three unit capacitors per ladder bit: a multi-bit "cell" was priced as one bit
    st = MacroStructure(cell_topology="c2c", cell_bits=cell_bits, n_weight_slices=1)
    with pytest.raises(ModelDomainError, match=rf"^cell_bits = {cell_bits}: 1 with "
                       r"cell_topology c2c"):
        resolve_slicing(st, [8.0], [8.0])
