"""Tests of grcim.physics.formats.

References are independent of the code under test: field values are derived by hand from the
OCP OFP8 / OCP MX v1.0 / IEEE 754 definitions, element rounding is checked against ml_dtypes
and numpy casts, and float64 rounding against an exact rational (Fraction) rounding written
here.
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import ml_dtypes
import numpy as np
import pytest

from grcim.errors import ModelDomainError
from grcim.physics.formats import (
    FORMATS,
    decompose,
    exponent_range_bits,
    get_format,
    make_fp_format,
    make_int_format,
    mx_scale_exponents,
    quantize,
)

# name -> (bits, exp_bits, man_bits, max, min_normal, min_subnormal, emin, emax), by hand.
HAND = {
    "fp8_e4m3": (8, 4, 3, 448.0, 2.0**-6, 2.0**-9, -6, 8),  # S.1111.111 is NaN: max 1.75*2^8
    "fp8_e5m2": (8, 5, 2, 57344.0, 2.0**-14, 2.0**-16, -14, 15),  # 1.75 * 2^15
    "fp6_e2m3": (6, 2, 3, 7.5, 1.0, 0.125, 0, 2),
    "fp6_e3m2": (6, 3, 2, 28.0, 0.25, 0.0625, -2, 4),
    "fp4_e2m1": (4, 2, 1, 6.0, 1.0, 0.5, 0, 2),
    "fp16": (16, 5, 10, 65504.0, 2.0**-14, 2.0**-24, -14, 15),
    "bf16": (16, 8, 7, (2 - 2.0**-7) * 2.0**127, 2.0**-126, 2.0**-133, -126, 127),
    "fp32": (32, 8, 23, (2 - 2.0**-23) * 2.0**127, 2.0**-126, 2.0**-149, -126, 127),
    "int4": (4, 0, 3, 7.0, 1.0, 1.0, 0, 0),
    "int8": (8, 0, 7, 127.0, 1.0, 1.0, 0, 0),
}
# Element dtypes, chosen here independently of the module's own table.
DTYPES = {
    "fp8_e4m3": ml_dtypes.float8_e4m3fn,
    "fp8_e5m2": ml_dtypes.float8_e5m2,
    "fp6_e2m3": ml_dtypes.float6_e2m3fn,
    "fp6_e3m2": ml_dtypes.float6_e3m2fn,
    "fp4_e2m1": ml_dtypes.float4_e2m1fn,
    "fp16": np.float16,
    "bf16": ml_dtypes.bfloat16,
    "fp32": np.float32,
}
# MX name -> (element dtype or None for INT8, element emax per OCP MX v1.0 table 1).
MX = {
    "mxfp8_e4m3": (ml_dtypes.float8_e4m3fn, 8),
    "mxfp8_e5m2": (ml_dtypes.float8_e5m2, 15),
    "mxfp6_e2m3": (ml_dtypes.float6_e2m3fn, 2),
    "mxfp6_e3m2": (ml_dtypes.float6_e3m2fn, 4),
    "mxfp4": (ml_dtypes.float4_e2m1fn, 2),
    "mxint8": (None, 0),
}


def exact_round(x: float, man_bits: int, emin: int) -> float:
    """Round-to-nearest-even with subnormals, unbounded exponent, in exact arithmetic."""
    if x == 0:
        return 0.0
    e = max(math.frexp(abs(x))[1] - 1, emin)
    quantum = Fraction(2) ** (e - man_bits)
    return float(round(Fraction(x) / quantum) * quantum)  # round() on Fraction: ties to even


def float32_values(rng: np.random.Generator, n: int, low: float, high: float) -> np.ndarray:
    """Random signed magnitudes log-uniform in [low, high], exactly representable in float32."""
    mag = np.exp2(rng.uniform(np.log2(low), np.log2(high), n))
    return (mag * rng.choice([-1.0, 1.0], n)).astype(np.float32).astype(np.float64)


@pytest.mark.parametrize("name", sorted(HAND))
def test_fields_match_hand_derived_values(name: str) -> None:
    f = get_format(name)
    assert (f.bits, f.exp_bits, f.man_bits, f.max_value, f.min_normal, f.min_subnormal,
            f.emin, f.emax) == HAND[name]
    assert f.block_size is None and f.element is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("fp8_e4m3", math.log2(448) + 9),  # 17.807...
        ("fp8_e5m2", math.log2(1.75) + 31),
        ("fp4_e2m1", math.log2(6 / 0.5)),
        ("fp6_e2m3", math.log2(7.5 / 0.125)),
        ("fp6_e3m2", math.log2(28 / 0.0625)),
        ("fp16", math.log2(65504) + 24),
        ("bf16", math.log2(2 - 2**-7) + 127 + 133),
        ("int8", math.log2(127)),
        ("mxint8", math.log2(127)),
    ],
)
def test_dynamic_range_bits(name: str, expected: float) -> None:
    assert get_format(name).dynamic_range_bits() == pytest.approx(expected, rel=1e-12)


def test_dynamic_range_without_subnormals_and_block_range() -> None:
    assert get_format("e4m3").dynamic_range_bits(subnormals=False) == pytest.approx(
        math.log2(448) + 6)
    assert 17.80 < get_format("e4m3").dynamic_range_bits() < 17.81
    assert get_format("mxfp4").block_dynamic_range_bits() == pytest.approx(math.log2(12) + 254)
    assert get_format("fp4").block_dynamic_range_bits() == pytest.approx(math.log2(12))


@pytest.mark.parametrize(
    ("name", "precision", "effective"),
    [("fp8_e4m3", 4, 8), ("bf16", 8, 16), ("fp16", 11, 16), ("int8", 7, 8),
     ("mxint8", 7, 8.25), ("mxfp4", 2, 4.25), ("mxfp6_e3m2", 3, 6.25)],
)
def test_precision_and_effective_bits(name: str, precision: int, effective: float) -> None:
    f = get_format(name)
    assert f.precision_bits == precision
    assert f.effective_bits == effective


def test_mx_formats_share_element_fields_and_block_size() -> None:
    for name, (_, emax) in MX.items():
        f = get_format(name)
        assert f.kind == "mx" and f.block_size == 32 and f.element is not None
        assert f.element.emax == emax
    assert get_format("mxint8").max_value == 127 / 64


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [("fp8_e4m3", "fp8_e4m3"), ("E4M3", "fp8_e4m3"), ("float8_e4m3fn", "fp8_e4m3"),
     ("fp4", "fp4_e2m1"), ("FP4_E2M1", "fp4_e2m1"), ("fp6_e2m3", "fp6_e2m3"),
     ("fp6-e3m2", "fp6_e3m2"), ("fp8_e5m2", "fp8_e5m2"), ("fp16", "fp16"), ("BF16", "bf16"),
     ("bfloat16", "bf16"), ("int4", "int4"), ("int8", "int8"), ("mxfp8_e4m3", "mxfp8_e4m3"),
     ("mxfp8_e5m2", "mxfp8_e5m2"), ("mxfp6_e2m3", "mxfp6_e2m3"), ("mxfp6_e3m2", "mxfp6_e3m2"),
     ("MXFP4", "mxfp4"), ("mxint8", "mxint8")],
)
def test_aliases(alias: str, canonical: str) -> None:
    assert get_format(alias).name == canonical
    assert FORMATS[canonical] is get_format(alias)


@pytest.mark.parametrize("bad", ["fp7", "", "e4m3x", 8, None, "e9m1", "e4m11", "e0m3",
                                 "fp9_e4m3", "mxmx_e4m3", "int1", "int17", "e1m0_ieee",
                                 "e4m0_fn"])
def test_unknown_format_raises_with_the_grammar(bad: object) -> None:
    with pytest.raises(ModelDomainError) as info:
        get_format(bad)  # type: ignore[arg-type]
    assert info.value.item == "format" and info.value.value == bad
    for name in sorted(FORMATS):  # every named format is listed, and the generic grammar
        assert name in info.value.allowed
    assert "e<E>m<M>" in info.value.allowed and "1..8" in info.value.allowed


# Generic names: (name, canonical, special, max) with max derived by hand from the convention:
# finite (2 - 2^-M) 2^(2^E - 1 - bias); fn (2 - 2^(1-M)) 2^(2^E - 1 - bias);
# ieee (2 - 2^-M) 2^(2^E - 2 - bias); bias = 2^(E-1) - 1.
GENERIC = [
    ("fp8_e2m5", "fp8_e2m5", "finite", (2 - 2**-5) * 2.0**2),      # bias 1, emax 2: 7.875
    ("E2M5", "fp8_e2m5", "finite", 7.875),
    ("e3m4", "fp8_e3m4", "finite", (2 - 2**-4) * 2.0**4),          # bias 3, emax 4: 31
    ("fp8_e3m4_ieee", "fp8_e3m4_ieee", "ieee", (2 - 2**-4) * 2.0**3),  # 15.5
    ("fp8_e4m3_ieee", "fp8_e4m3_ieee", "ieee", (2 - 2**-3) * 2.0**7),  # 240
    ("e4m3fn", "fp8_e4m3", "fn", 448.0),
    ("fp8_e3m4fn", "fp8_e3m4_fn", "fn", (2 - 2**-3) * 2.0**4),     # 30
    ("fp5_e2m2", "fp5_e2m2", "finite", (2 - 2**-2) * 2.0**2),      # 7
    ("e8m0", "fp9_e8m0", "finite", 2.0**128),                      # bias 127, emax 128
    ("fp8_e5m2", "fp8_e5m2", "ieee", 57344.0),
]


@pytest.mark.parametrize(("name", "canonical", "special", "top"), GENERIC)
def test_generic_names(name: str, canonical: str, special: str, top: float) -> None:
    f = get_format(name)
    assert (f.name, f.special, f.max_value) == (canonical, special, top)
    assert get_format(f.name) == f  # the canonical name reads back as the same format


@pytest.mark.parametrize(("name", "dtype"), [
    ("fp8_e4m3", ml_dtypes.float8_e4m3fn), ("fp8_e4m3_ieee", ml_dtypes.float8_e4m3),
    ("fp8_e3m4_ieee", ml_dtypes.float8_e3m4), ("fp8_e5m2", ml_dtypes.float8_e5m2),
    ("e2m3", ml_dtypes.float6_e2m3fn), ("e3m2", ml_dtypes.float6_e3m2fn),
    ("e2m1", ml_dtypes.float4_e2m1fn), ("bf16", ml_dtypes.bfloat16), ("fp16", np.float16)])
def test_one_rounding_routine_is_bit_exact_with_ml_dtypes(name: str, dtype: type) -> None:
    f = get_format(name)
    info = ml_dtypes.finfo(dtype)
    assert f.max_value == float(info.max) and f.min_subnormal == float(info.smallest_subnormal)
    rng = np.random.default_rng(11)
    x = float32_values(rng, 30000, f.min_subnormal / 8, f.max_value)
    np.testing.assert_array_equal(quantize(x, f), x.astype(dtype).astype(np.float64))


def test_generic_mx_and_integer_names() -> None:
    f = get_format("mxfp8_e2m5")
    assert f.kind == "mx" and f.element is not None and f.element.name == "fp8_e2m5"
    assert get_format("mx_e2m1").element == get_format("fp4_e2m1")
    g = get_format("mxint4")  # OCP MX INT element, Q1.(b-2): max (2^3 - 1) / 2^2
    assert g.max_value == 1.75 and g.element is not None and g.element.min_normal == 0.25
    assert get_format("int12").max_value == 2047.0 and get_format("int12").bits == 12


@pytest.mark.parametrize("name", sorted(DTYPES))
def test_quantize_equals_ml_dtypes_cast(name: str) -> None:
    # float32-representable inputs: ml_dtypes rounds those once (see the float64 test below).
    rng = np.random.default_rng(1)
    f = get_format(name)
    x = float32_values(rng, 20000, max(f.min_subnormal / 4, 1e-44), f.max_value)
    expected = x.astype(DTYPES[name]).astype(np.float64)
    np.testing.assert_array_equal(quantize(x, name), expected)


@pytest.mark.parametrize("name", ["fp8_e4m3", "fp8_e5m2", "fp6_e2m3", "fp6_e3m2", "fp4_e2m1"])
def test_quantize_ties_round_to_even_like_ml_dtypes(name: str) -> None:
    dtype = DTYPES[name]
    bits = np.dtype(dtype).itemsize * 8
    codes = np.arange(2 ** min(bits, 8), dtype=np.uint8)
    values = np.unique(codes.view(dtype).astype(np.float64))
    values = values[np.isfinite(values) & (values >= 0)]
    mids = (values[:-1] + values[1:]) / 2  # every midpoint, so every tie
    x = np.concatenate([mids, -mids, values])
    np.testing.assert_array_equal(quantize(x, name), x.astype(dtype).astype(np.float64))


def test_quantize_rounds_float64_once() -> None:
    # Just above a tie; a float32 intermediate would make it an exact tie and round down.
    assert quantize(1 + 2**-4 + 2**-40, "fp8_e4m3") == 1.125
    assert quantize(1 + 2**-8 + 2**-40, "bf16") == 1 + 2**-7
    assert quantize(-(1 + 2**-2 + 2**-50), "fp4") == -1.5


@pytest.mark.parametrize("name", sorted(DTYPES))
def test_quantize_matches_exact_rational_rounding(name: str) -> None:
    rng = np.random.default_rng(2)
    f = get_format(name)
    mag = np.exp2(rng.uniform(math.log2(f.min_subnormal) - 2, math.log2(f.max_value), 400))
    x = mag * rng.choice([-1.0, 1.0], 400)  # full float64 precision
    ref = [math.copysign(min(exact_round(abs(v), f.man_bits, f.emin), f.max_value), v)
           for v in x]
    np.testing.assert_array_equal(quantize(x, name), ref)


@pytest.mark.parametrize("name", sorted(DTYPES))
def test_saturation(name: str) -> None:
    top, man_bits = HAND[name][3], HAND[name][2]
    near = top * (1 + 2.0 ** -(man_bits + 3))  # less than half a step above max: rounds to max
    x = np.array([top, near, top * 1.5, 1e300, np.inf, -top * 1.5, -near, -np.inf, 1.0])
    q = quantize(x, name)
    np.testing.assert_array_equal(q, [top, top, top, top, top, -top, -top, -top, 1.0])
    q = quantize(x, name, saturate=False)
    inf = np.inf
    np.testing.assert_array_equal(q, [top, top, inf, inf, inf, -inf, -top, -inf, 1.0])


def test_e4m3_overflow_boundary() -> None:
    # 464 is the midpoint of 448 (mantissa 110) and 480 (111, the NaN code): ties to even 448.
    np.testing.assert_array_equal(
        quantize([464.0, 464.5, -464.0], "e4m3", saturate=False), [448.0, np.inf, -448.0])


def test_int_rounding_symmetric_clip() -> None:
    x = [0.5, 1.5, 2.5, -0.5, -2.5, 3.49, 6.6, 7.6, -9.0, 100.0]
    np.testing.assert_array_equal(quantize(x, "int4"), [0, 2, 2, 0, -2, 3, 7, 7, -7, 7])
    np.testing.assert_array_equal(quantize([-200.0, 126.5, 127.4], "int8"), [-127, 126, 127])
    np.testing.assert_array_equal(quantize([7.6, -8.0], "int4", saturate=False),
                                  [np.inf, -np.inf])
    assert make_int_format(8) == get_format("int8")
    assert make_int_format(2).max_value == 1.0


def test_quantize_preserves_shape_and_dtype() -> None:
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7
    for name in ("fp8_e4m3", "int8", "mxfp4", "bf16"):
        q = quantize(x, name)
        assert q.shape == x.shape and q.dtype == np.float64
    assert quantize(3.3, "fp4").shape == ()
    assert quantize(3.3, "mxfp4").shape == ()


# ----- generic E/M formats -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("e", "m", "dtype"),
    [(4, 3, ml_dtypes.float8_e4m3fn), (5, 2, ml_dtypes.float8_e5m2),
     (2, 3, ml_dtypes.float6_e2m3fn), (3, 2, ml_dtypes.float6_e3m2fn),
     (2, 1, ml_dtypes.float4_e2m1fn), (3, 4, ml_dtypes.float8_e3m4), (5, 10, np.float16),
     (8, 7, ml_dtypes.bfloat16)],
)
def test_generic_format_equals_ml_dtypes_in_shared_range(e: int, m: int, dtype: type) -> None:
    gen = make_fp_format(e, m)
    info = ml_dtypes.finfo(dtype)
    assert gen.min_subnormal == float(info.smallest_subnormal)
    assert gen.min_normal == float(info.smallest_normal)
    top = min(gen.max_value, float(info.max))  # E4M3/E5M2/E3M4/fp16/bf16 stop lower
    rng = np.random.default_rng(3)
    x = float32_values(rng, 20000, gen.min_subnormal / 8, top)
    np.testing.assert_array_equal(quantize(x, gen), x.astype(dtype).astype(np.float64))


def test_generic_fp16_on_full_float64_inputs_matches_numpy() -> None:
    # numpy converts float64 -> float16 directly (one rounding), an oracle for float64 inputs.
    rng = np.random.default_rng(4)
    x = np.exp2(rng.uniform(-27, 15.99, 50000)) * rng.choice([-1.0, 1.0], 50000)
    np.testing.assert_array_equal(quantize(x, make_fp_format(5, 10)),
                                  x.astype(np.float16).astype(np.float64))


def test_generic_e2m1_is_fp4_including_saturation() -> None:
    x = np.linspace(-8, 8, 3201)
    np.testing.assert_array_equal(quantize(x, make_fp_format(2, 1)), quantize(x, "fp4"))
    np.testing.assert_array_equal(quantize(x, make_fp_format(2, 1)),
                                  x.astype(ml_dtypes.float4_e2m1fn).astype(np.float64))


def test_generic_fields_by_hand() -> None:
    f = make_fp_format(4, 3)
    assert (f.max_value, f.min_normal, f.min_subnormal, f.emin, f.emax, f.bits) == (
        480.0, 2.0**-6, 2.0**-9, -6, 8, 8)
    assert quantize(470.0, f) == 480.0 and quantize(1000.0, f) == 480.0
    g = make_fp_format(1, 0)  # bias 0: values 0 and 2 only
    assert (g.max_value, g.min_normal, g.min_subnormal) == (2.0, 2.0, 2.0)
    np.testing.assert_array_equal(quantize([0.9, 1.0, 1.1, 5.0], g), [0, 0, 2, 2])


def test_generic_flush_to_zero() -> None:
    f = make_fp_format(4, 3, subnormals=False)
    assert f.min_subnormal == f.min_normal == 2.0**-6
    x = [2.0**-7, 2.0**-7 * 1.01, 2.0**-8, -(2.0**-6) * 0.9, 2.0**-6 * 1.0625]
    np.testing.assert_array_equal(quantize(x, f), [0, 2.0**-6, 0, -(2.0**-6), 2.0**-6])
    assert exponent_range_bits(f) == 4  # exponents -6..8: 15 values


@pytest.mark.parametrize(
    ("args", "item"),
    [((0, 3), "exp_bits"), ((9, 3), "exp_bits"), ((4, -1), "man_bits"), ((4, 11), "man_bits"),
     ((4.0, 3), "exp_bits"), ((True, 3), "exp_bits")],
)
def test_generic_range_errors(args: tuple[object, object], item: str) -> None:
    with pytest.raises(ModelDomainError) as info:
        make_fp_format(*args)  # type: ignore[arg-type]
    assert info.value.item == item
    assert "1..8" in str(info.value) or "0..10" in str(info.value)


# ----- decompose and exponent logic ----------------------------------------------------------

def test_decompose_round_trips_exactly() -> None:
    rng = np.random.default_rng(5)
    x = np.exp2(rng.uniform(-1074, 1023, 20000)) * rng.choice([-1.0, 1.0], 20000)
    x = np.concatenate([x, [0.0, -0.0, 5e-324, -np.finfo(np.float64).max]])
    sign, mant, exp = decompose(x.reshape(4, -1))
    assert exp.dtype == np.int64 and mant.dtype == np.float64 and sign.shape == (4, 5001)
    back = (sign * np.ldexp(mant, exp)).ravel()
    np.testing.assert_array_equal(back, x)
    assert np.array_equal(np.signbit(back), np.signbit(x))
    nz = (x != 0).reshape(4, -1)
    assert np.all((mant[nz] >= 1) & (mant[nz] < 2))
    assert np.all(mant[~nz] == 0) and np.all(exp[~nz] == 0)


def test_decompose_by_hand() -> None:
    sign, mant, exp = decompose([6.0, -0.375, 2.0**-1074, 1.0])
    np.testing.assert_array_equal(sign, [1, -1, 1, 1])
    np.testing.assert_array_equal(mant, [1.5, 1.5, 1.0, 1.0])
    np.testing.assert_array_equal(exp, [2, -2, -1074, 0])
    with pytest.raises(ModelDomainError):
        decompose([1.0, np.nan])


@pytest.mark.parametrize(
    ("name", "bits"),
    [("fp8_e4m3", 5), ("fp8_e5m2", 5), ("fp4_e2m1", 2), ("fp6_e2m3", 3), ("fp6_e3m2", 4),
     ("fp16", 6), ("bf16", 9), ("int8", 0), ("mxfp4", 2), ("mxint8", 0)],
)
def test_exponent_range_bits(name: str, bits: int) -> None:
    # e.g. E4M3 normalised exponents -9..8 (18 values); fp16 -24..15 (40); bf16 -133..127 (261)
    assert exponent_range_bits(name) == bits


# ----- OCP MX block scaling ------------------------------------------------------------------

def test_mx_hand_made_block() -> None:
    block = np.zeros(32)
    block[:3] = [1.0, 0.5, 300.0]
    # E4M3: floor(log2 300) = 8 = emax -> scale 2**0; 300 lies between 288 and 320 -> 288.
    assert mx_scale_exponents(block, "mxfp8_e4m3").tolist() == [0]
    np.testing.assert_array_equal(quantize(block, "mxfp8_e4m3")[:4], [1.0, 0.5, 288.0, 0.0])
    # E2M1: scale 2**(8-2) = 64; 300/64 = 4.6875 -> 4; 1/64 and 0.5/64 are below 0.25 -> 0.
    assert mx_scale_exponents(block, "mxfp4").tolist() == [6]
    np.testing.assert_array_equal(quantize(block, "mxfp4")[:3], [0.0, 0.0, 256.0])
    # INT8 (Q1.6, emax 0): scale 2**8; 300/256*64 = 75 exactly; 511/256*64 = 127.75 -> 127.
    block[3] = 511.0
    assert mx_scale_exponents(block, "mxint8").tolist() == [8]
    np.testing.assert_array_equal(quantize(block, "mxint8")[:4], [0.0, 0.0, 300.0, 508.0])
    # E2M3 (emax 2, max 7.5): scale 2**6; 511/64 = 7.98 saturates to 7.5 -> 480.
    assert quantize(block, "mxfp6_e2m3")[3] == 480.0


def test_mx_ragged_final_block_scaled_alone() -> None:
    x = np.concatenate([np.full(32, 1000.0), np.full(8, 0.1)])
    q = quantize(x, "mxfp8_e4m3")
    assert q.shape == (40,)
    assert mx_scale_exponents(x, "mxfp8_e4m3").tolist() == [1, -12]
    # 0.1 * 2**12 = 409.6 -> 416 (E4M3 spacing 32 in [256, 512)) -> 416 / 4096.
    np.testing.assert_array_equal(q[32:], np.full(8, 0.1015625))
    # First block: scale 2**(9-8); 1000/2 = 500 exceeds E4M3's 448 and is clamped -> 896.
    np.testing.assert_array_equal(q[:32], np.full(32, 896.0))


def test_mx_scale_clamped_to_e8m0_range_and_zero_blocks() -> None:
    x = np.zeros((3, 32))
    x[0, 0] = 2.0**-200  # -208 clamps to -127; 2**-73 underflows E4M3 to 0
    x[1, 0] = 2.0**200  # 192 clamps to 127; 2**73 saturates to 448
    assert mx_scale_exponents(x, "mxfp8_e4m3").tolist() == [[-127], [127], [-127]]
    q = quantize(x, "mxfp8_e4m3")
    assert q[0, 0] == 0.0 and q[1, 0] == 448.0 * 2.0**127 and not q[2].any()


@pytest.mark.parametrize("name", ["mxfp8_e4m3", "mxfp8_e5m2", "mxfp4", "mxint8"])
@pytest.mark.parametrize("special", [np.nan, np.inf, -np.inf])
def test_mx_block_with_inf_or_nan_is_all_nan(name: str, special: float) -> None:
    # OCP MX v1.0: a block whose largest magnitude is inf or NaN gets the NaN scale (E8M0
    # code 0xFF = exponent 128 + bias 127), and a NaN scale makes every element of the block
    # NaN, its finite neighbours too (they were flushed to 0 under a 2**127 scale); the
    # next block, finite, keeps its own scale
    x = np.ones((2, 64))
    x[:, 1:4] = [3.0, 1.0, -2.0]
    x[0, 0] = special
    x[1, 40] = special
    el = get_format(name).element
    assert el is not None
    # finite blocks: floor(log2 amax) - emax, amax 1 (all ones) and 3
    assert mx_scale_exponents(x, name).tolist() == [[128, -el.emax], [1 - el.emax, 128]]
    q = quantize(x, name)
    assert np.isnan(q[0, :32]).all() and np.isnan(q[1, 32:]).all()
    np.testing.assert_array_equal(q[0, 32:], np.ones(32))
    np.testing.assert_array_equal(q[1, :32], quantize(x[1, :32], name))
    assert not np.isnan(q[1, :32]).any()


@pytest.mark.parametrize("name", sorted(MX))
def test_mx_blocks_are_element_values_times_power_of_two(name: str) -> None:
    dtype, emax = MX[name]
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 100)) * np.exp2(rng.integers(-30, 30, (3, 100)) // 32 * 4)
    x = x.astype(np.float32).astype(np.float64)
    x[0, :32] = 0.0  # an all-zero block
    q = quantize(x, name)
    el = get_format(name).element
    assert el is not None
    for r in range(3):
        for start in range(0, 100, 32):
            blk, qb = x[r, start:start + 32], q[r, start:start + 32]
            amax = float(np.max(np.abs(blk)))
            if amax == 0:
                assert not qb.any()
                continue
            s = math.frexp(amax)[1] - 1 - emax  # floor(log2(amax)) - emax
            scaled = blk / 2.0**s
            if dtype is None:  # INT8 with implicit 2**-6
                ref = np.clip(np.rint(scaled * 64), -127, 127) / 64
            else:
                ref = np.clip(scaled, -el.max_value, el.max_value).astype(dtype)
                ref = ref.astype(np.float64)
            np.testing.assert_array_equal(qb, ref * 2.0**s)
            assert np.max(np.abs(qb)) <= el.max_value * 2.0**s


def test_mx_blocks_are_independent_and_along_last_axis() -> None:
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 64))
    y = x.copy()
    y[:, 32:] *= 1000.0
    np.testing.assert_array_equal(quantize(x, "mxfp4")[:, :32], quantize(y, "mxfp4")[:, :32])
    # Along the last axis only: transposing changes the blocks.
    z = rng.standard_normal((32, 32)) * np.exp2(np.arange(32))[:, None]
    assert not np.array_equal(quantize(z, "mxfp4"), quantize(z.T, "mxfp4").T)


def test_mx_scale_of_non_mx_format_raises() -> None:
    with pytest.raises(ModelDomainError):
        mx_scale_exponents(np.ones(32), "fp8_e4m3")


@pytest.mark.parametrize("name", sorted(DTYPES))
def test_generic_rounding_agrees_with_dtype_path_on_float64(name: str) -> None:
    # The same fields under another name take the frexp/ldexp path instead of ml_dtypes.
    f = get_format(name)
    custom = dataclasses.replace(f, name="custom")
    rng = np.random.default_rng(8)
    mag = np.exp2(rng.uniform(math.log2(f.min_subnormal) - 3, math.log2(f.max_value) + 1, 20000))
    x = mag * rng.choice([-1.0, 1.0], 20000)
    for saturate in (True, False):
        np.testing.assert_array_equal(quantize(x, custom, saturate=saturate),
                                      quantize(x, f, saturate=saturate))


# ----- integer operands use their full range --------------------------------------------------

def test_int_operands_use_every_code_and_int8_beats_int4() -> None:
    from grcim.physics.formats import quantize_operands

    rng = np.random.default_rng(5)
    x = rng.standard_normal(400_000)
    q8, q4 = quantize_operands(x, "int8"), quantize_operands(x, "int4")
    # 255 codes for int8 (-127..127) and 15 for int4, all in use on a 400k Gaussian sample
    assert np.unique(q8).size == 255 and np.unique(q4).size == 15
    sqnr = [10 * np.log10(np.mean(x**2) / np.mean((q - x) ** 2)) for q in (q8, q4)]
    # reference: the MSE-optimal mid-tread uniform quantizer of a unit Gaussian with 2L+1
    # levels, by numerical integration of the error over the density (not Monte Carlo)
    from scipy import integrate, optimize, stats

    def gauss_mse(step: float, top: int) -> float:
        edges = (np.arange(-top, top) + 0.5) * step
        cells = [(-np.inf, edges[0], -top * step)]
        cells += [(edges[i], edges[i + 1], (i - top + 1) * step) for i in range(2 * top - 1)]
        cells += [(edges[-1], np.inf, top * step)]
        return sum(integrate.quad(lambda t, c=c: (t - c) ** 2 * stats.norm.pdf(t), a, b)[0]
                   for a, b, c in cells)

    for got, top in ((sqnr[1], 7), (sqnr[0], 127)):
        res = optimize.minimize_scalar(lambda st, top=top: gauss_mse(st, top),
                                       bounds=(2.0 / top, 6.0 / top), method="bounded")
        assert got == pytest.approx(-10 * np.log10(res.fun), abs=0.1)


def test_calibrated_scale_is_mse_optimal_against_a_fine_scan() -> None:
    from grcim.physics.formats import calibrated_int_scale

    x = np.random.default_rng(6).laplace(size=200_000)
    s = calibrated_int_scale(x, "int4")
    cand = np.linspace(0.2, 2.0, 3601)  # LSB sizes scanned independently here

    def mse(step: float) -> float:
        return float(np.mean((np.clip(np.rint(x / step), -7, 7) * step - x) ** 2))

    best = min(mse(c) for c in cand)
    assert mse(s) <= best * 1.002


def _rint_round_magnitude(a: np.ndarray, man_bits: int, emin: int, subnormals: bool,
                          min_normal: float) -> np.ndarray:
    """The frexp/ldexp/rint form of nearest-even rounding on an fp grid (the bit-pattern
    rounding of quantize must match it bit for bit)."""
    _, e = np.frexp(a)
    exp = e.astype(np.int64) - 1
    if subnormals:
        exp = np.maximum(exp, emin)
    shift = man_bits - exp
    with np.errstate(over="ignore"):
        q = np.ldexp(np.rint(np.ldexp(a, shift)), -shift)
    if not subnormals:
        q = np.where(a < min_normal, np.where(a > 0.5 * min_normal, min_normal, 0.0), q)
    return q


@pytest.mark.parametrize("name", [*sorted(DTYPES), "e1m0", "e2m0", "e8m0", "e8m0_ftz",
                                  "e4m0_ftz", "e1m10", "e8m10", "e3m4_ftz", "e5m2_ftz",
                                  "e2m1_ftz"])
def test_bit_pattern_rounding_equals_rint_form(name: str) -> None:
    from grcim.physics.formats import _round_fp_magnitude

    f = get_format(name)
    rng = np.random.default_rng(5)
    grid = np.abs(quantize(rng.uniform(0.0, f.max_value, 4000), f))
    grid = np.concatenate([grid, f.min_subnormal * np.arange(200.0),
                           np.exp2(np.arange(-160.0, 140.0))])
    near = np.concatenate([grid, (grid[:-1] + grid[1:]) / 2, np.nextafter(grid, 0.0),
                           np.nextafter(grid, np.inf)])
    a = np.concatenate([
        near, near * 1.5, near * 1.25, near * 0.75,  # ties of every binade
        np.abs(rng.standard_normal(20_000)), np.exp2(rng.uniform(-1100.0, 1024.0, 20_000)),
        [0.0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, np.inf],
    ])
    ref = _rint_round_magnitude(a, f.man_bits, f.emin, f.has_subnormals, f.min_normal)
    got = _round_fp_magnitude(a, f)
    np.testing.assert_array_equal(got.view(np.uint64), ref.view(np.uint64))
    # NaN stays NaN, whatever its payload (a carry out of it would make it a number)
    payloads = np.array([0x7FF8000000000000, 0x7FFFFFFFFFFFFFFF, 0x7FF0000000000001],
                        dtype=np.uint64).view(np.float64)
    assert np.isnan(_round_fp_magnitude(np.concatenate([[1.0], payloads]), f)[1:]).all()


@pytest.mark.parametrize("name", ["fp8_e4m3", "fp4_e2m1", "int8", "e3m4_ftz"])
@pytest.mark.parametrize("saturate", [True, False])
def test_quantize_in_chunks_changes_no_bit(name: str, saturate: bool,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import grcim.physics.formats as formats

    rng = np.random.default_rng(8)
    x = (rng.standard_t(3.0, (37, 41)) * 40.0)[:, ::2]  # not contiguous
    x[0, :3] = [np.nan, np.inf, -0.0]
    monkeypatch.setattr(formats, "CHUNK_ELEMENTS", 50)
    chunked = quantize(x, name, saturate=saturate)
    monkeypatch.setattr(formats, "CHUNK_ELEMENTS", 1 << 30)
    whole = quantize(x, name, saturate=saturate)
    assert chunked.shape == x.shape
    np.testing.assert_array_equal(chunked.view(np.uint64), whole.view(np.uint64))
