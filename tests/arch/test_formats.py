"""Format names in arch files: bit layouts follow the OCP FP8/MX specifications."""

from __future__ import annotations

import pytest

from grcim.arch import parse_format


@pytest.mark.parametrize(
    ("name", "kind", "bits", "e", "m", "signed", "block"),
    [
        ("fp8_e4m3", "fp", 8, 4, 3, True, False),  # OCP FP8 E4M3
        ("fp8_e5m2", "fp", 8, 5, 2, True, False),  # OCP FP8 E5M2
        ("fp6_e3m2", "fp", 6, 3, 2, True, False),
        ("fp4_e2m1", "fp", 4, 2, 1, True, False),
        ("bf16", "fp", 16, 8, 7, True, False),
        ("fp16", "fp", 16, 5, 10, True, False),  # IEEE binary16
        ("fp32", "fp", 32, 8, 23, True, False),  # IEEE binary32
        ("int8", "int", 8, 0, 7, True, False),
        ("fp8_e2m5", "fp", 8, 2, 5, True, False),  # any ExMy layout the models round
        ("mxfp8_e4m3", "fp", 8, 4, 3, True, True),  # OCP MX v1.0
        ("mxint8", "int", 8, 0, 7, True, True),
    ],
)
def test_layouts(name: str, kind: str, bits: int, e: int, m: int, signed: bool,
                 block: bool) -> None:
    info = parse_format(name)
    assert info is not None
    assert (info.kind, info.bits, info.exponent_bits, info.mantissa_bits, info.signed,
            info.block_scaled) == (kind, bits, e, m, signed, block)


@pytest.mark.parametrize("name", ["uint4", "int32", "fp16_e4m11", "fp12_e9m2",
                                  "fp8_e4m4", "fp8", "int1", "int64", "float8", "fp8_e0m7",
                                  "", "mx", "e4m3", 8, None])
def test_unknown_names(name: object) -> None:
    assert parse_format(name) is None  # type: ignore[arg-type]
