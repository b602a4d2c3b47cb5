"""Bit-sliced GR-MAC conversions: the weight codes the cells hold reproduce the pipeline's
accumulation, and the Monte Carlo bits per conversion follow the documented formula on
column sums in normalized units (docs/models.md section 5.1)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from grcim.physics.pipelines import GRMACConfig
from grcim.physics.pipelines.grmac import (
    grmac_accumulate,
    grmac_int_codes,
    grmac_weight_codes,
)
from grcim.physics.pipelines.stages import normalizing_shift
from grcim.physics.settings import Ensemble
from grcim.physics.slicing_point import SLICE_SAMPLES, _row_exponents, grmac_slice_bits
from grcim.physics.sqnr import make_operands

N = 64


def _operands(dist: str = "gaussian", n: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    return make_operands(dist, N, n, 3, "fp8_e4m3", "fp8_e4m3")


@pytest.mark.parametrize("reference", ["vector_max", "fixed"])
@pytest.mark.parametrize("bits", [4, 6])
def test_int_codes_reproduce_the_int_accumulation(reference: str, bits: int) -> None:
    x, w = _operands()
    cfg = GRMACConfig(normalization="int", gain_reference=reference,  # type: ignore[arg-type]
                      reference_exponent=1)
    a, c, r = grmac_int_codes(x, w, cfg, bits)
    s, r_ref = grmac_accumulate(x, w, replace(cfg, int_bits=bits))
    assert c.min() >= 0 and c.max() <= 2 ** (bits - 1) - 1  # int_bits - 1 magnitude bits
    np.testing.assert_array_equal(r, r_ref)
    np.testing.assert_allclose(np.einsum("sn,sn->s", a, c) * 2.0 ** -(bits - 2), s,
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("normalization", ["unit", "row"])
def test_weight_codes_reproduce_the_accumulation(normalization: str) -> None:
    x, w = _operands()
    bits = 5
    cfg = GRMACConfig(normalization=normalization,  # type: ignore[arg-type]
                      gain_reference="vector_max")
    a, c, r = grmac_weight_codes(x, w, cfg, None, bits)
    s, r_ref = grmac_accumulate(x, w, replace(cfg, weight_frac_bits=bits - 2))
    np.testing.assert_array_equal(r, r_ref)
    if normalization == "row":  # row stores the rounded fraction the accumulation uses
        np.testing.assert_allclose(np.einsum("sn,sn->s", a, c) * 2.0 ** -(bits - 2), s,
                                   rtol=1e-12, atol=1e-12)
    # in normalized units a column sum stays inside the output stage's range (|s| <= 4 N)
    assert np.abs(np.einsum("sn,sn->s", a, c) * 2.0 ** -(bits - 2)).max() <= 4 * N


@pytest.mark.parametrize("reference", ["vector_max", "fixed"])
@pytest.mark.parametrize("normalization", ["row", "unit", "int"])
def test_slice_bits_follow_the_formula_in_normalized_units(normalization: str,
                                                           reference: str) -> None:
    # B_slice = B_gr + 1/2 log2(sum_j 4**(j c_w) E[4**(R - k_j)] / E[4**(R - k)]), k the
    # output stage's normalizing shift of each sum in normalized units, k >= -log2(4 N)
    # (row weights share a 32-column row exponent: their codes sit below full scale, and
    # their raw integer sums exceed the stage's range, so the units matter)
    ens = Ensemble(normalization=normalization, gain_reference=reference)
    bits, cell, slices, b_gr, r_fixed = 8, 1, 8, 6.0, 2
    got = grmac_slice_bits(ens, b_gr, bits, cell, slices, r_fixed)
    x, w = make_operands(ens.distribution, N, SLICE_SAMPLES, ens.seed, ens.input_format,
                         ens.weight_format)
    cfg = GRMACConfig(normalization=normalization,  # type: ignore[arg-type]
                      gain_reference=reference, reference_exponent=r_fixed)  # type: ignore[arg-type]
    if normalization == "int":
        a, c, r = grmac_int_codes(x, w, cfg, bits)
    else:
        a, c, r = grmac_weight_codes(x, w, cfg, _row_exponents(ens, w), bits)
    k_lo = -np.ceil(np.log2(4.0 * N))

    def weight(sums: np.ndarray) -> float:
        s = sums * 2.0 ** -(bits - 2)
        k = normalizing_shift(s, k_lo, 1e6)
        return float(np.mean(np.where(s != 0.0, 4.0 ** (r - k), 0.0)))

    whole = weight(np.einsum("sn,sn->s", a, c))
    parts = sum(4.0**j * weight(np.einsum("sn,sn->s", a, (c >> j) & 1)) for j in range(slices))
    assert got == pytest.approx(b_gr + 0.5 * np.log2(parts / whole), abs=1e-9)
    assert got != pytest.approx(b_gr, abs=1e-3)  # int is sliced too, not left at B_gr


@pytest.mark.parametrize(("normalization", "in_bits", "dac", "steps"), [
    ("row", 5, 1, 5), ("unit", 5, 2, 3), ("int", 8, 2, 4)])
def test_input_slices_are_converted_like_weight_slices(normalization: str, in_bits: int,
                                                       dac: int, steps: int) -> None:
    # B_slice = B_gr + 1/2 log2(sum_ij 4**(i d_x + j c_w) E[4**(R - k_ij)] / E[4**(R - k)]):
    # each input step applies one d_x-bit digit of the input's magnitude code (in_bits - 1
    # bits: the E4M3 mantissa |m_x| 2**(in_bits - 2); int: the block-aligned code, which
    # grmac_int_codes returns for the operands swapped, its alignment being symmetric) with
    # the row's gain and sign, a_i = a digit_i / code, as the conventional analysis slices
    ens = Ensemble(normalization=normalization)
    bits, cell, slices, b_gr, r_fixed = 8, 1, 8, 6.0, 2
    got = grmac_slice_bits(ens, b_gr, bits, cell, slices, r_fixed, in_bits, dac, steps)
    x, w = make_operands(ens.distribution, N, SLICE_SAMPLES, ens.seed, ens.input_format,
                         ens.weight_format)
    cfg = GRMACConfig(normalization=normalization,  # type: ignore[arg-type]
                      gain_reference="fixed", reference_exponent=r_fixed)
    if normalization == "int":
        a, c, r = grmac_int_codes(x, w, cfg, bits)
        code = grmac_int_codes(w, x, cfg, bits)[1]
    else:
        a, c, r = grmac_weight_codes(x, w, cfg, _row_exponents(ens, w), bits)
        code = np.rint(np.abs(2.0 * np.frexp(x)[0]) * 2.0 ** (in_bits - 2)).astype(np.int64)
    assert code.max() < 2 ** (in_bits - 1)
    k_lo = -np.ceil(np.log2(4.0 * N))

    def weight(sums: np.ndarray) -> float:
        s = sums * 2.0 ** -(bits - 2)
        k = normalizing_shift(s, k_lo, 1e6)
        return float(np.mean(np.where(s != 0.0, 4.0 ** (r - k), 0.0)))

    per_code = np.where(code > 0, a / np.maximum(code, 1), 0.0)
    mask = (1 << dac) - 1
    whole = weight(np.einsum("sn,sn->s", a, c))
    parts = sum(4.0 ** (i * dac + j)
                * weight(np.einsum("sn,sn->s", per_code * ((code >> (i * dac)) & mask),
                                   (c >> j) & 1))
                for i in range(steps) for j in range(slices))
    assert got == pytest.approx(b_gr + 0.5 * np.log2(parts / whole), abs=1e-9)
    # the input digits' conversions enter with their significance: fewer bits than one
    # input step needs (5.79 -> 5.48 at the defaults for bit-serial inputs)
    assert got < grmac_slice_bits(ens, b_gr, bits, cell, slices, r_fixed) - 0.01


def test_structure_slice_bits_passes_the_input_slicing() -> None:
    from grcim.physics.energy.macro import MacroStructure
    from grcim.physics.operating_point import operating_point
    from grcim.physics.slicing_point import structure_slice_bits

    ens = Ensemble()
    op = operating_point(ens)
    # E4M3 inputs (5 bits) in 1-bit steps: 5 steps of the 4 magnitude bits; 8 one-bit cells
    got = structure_slice_bits(ens, op, MacroStructure(dac_bits=1), "grmac")
    assert got == grmac_slice_bits(ens, op.gr_adc_bits, 8, 1, 8, op.gr_reference_exponent,
                                   5, 1, 5)
    assert got != structure_slice_bits(ens, op, MacroStructure(), "grmac")
    # input slices alone (one binary-weighted cell per weight) are converted sliced too
    only_x = structure_slice_bits(ens, op, MacroStructure(dac_bits=1,
                                                          cell_topology="binary_weighted"),
                                  "grmac")
    assert only_x is not None and only_x != op.gr_adc_bits


def test_one_converted_slice_keeps_the_normalized_bits() -> None:
    ens = Ensemble(normalization="int")
    assert grmac_slice_bits(ens, 6.0, 5, 5, 1, 0) == 6.0


@pytest.mark.parametrize("scale", [0.0, 1e3])
def test_a_zero_neighbour_block_does_not_raise_the_row_exponent(monkeypatch, scale: float
                                                                ) -> None:
    # the slicing's own draw once gave an all-zero neighbour block the exponent 0, above a
    # small weight's own (fp4 gaussian, weight_block 2: 4.858 -> 4.844 bits per conversion)
    import grcim.physics.operating_point as op

    ens = Ensemble(weight_block=2, weight_format="fp4_e2m1")
    _, w = _operands(n=200)
    real = op.make_operands

    def neighbours(dist: str, n: int, samples: int, *args, **kw):  # type: ignore[no-untyped-def]
        x, pool = real(dist, n, samples, *args, **kw)
        return x, np.full_like(pool, scale)  # every neighbour block 0, or all above w

    monkeypatch.setattr(op, "make_operands", neighbours)
    got = _row_exponents(ens, w)
    own = np.frexp(np.abs(w))[1] - 1
    expected = np.where(w != 0, own, 0) if scale == 0.0 else np.full_like(own, 9)
    assert got is not None and np.array_equal(got, expected)
