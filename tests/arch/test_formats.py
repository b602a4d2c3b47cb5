"""Format names in arch files: bit layouts follow the OCP FP8/MX specifications."""

from __future__ import annotations

from pathlib import Path

import pytest

import grcim.arch
from grcim.arch import load_arch_text, parse_format
from grcim.arch.formats import FORMAT_GRAMMAR, format_problem
from grcim.errors import ModelDomainError, SpecError
from grcim.physics.formats import GRAMMAR, get_format

ARCH_DIR = Path(grcim.arch.__file__).parent
CHIP = (ARCH_DIR / "chips" / "edge_grmac.yaml").read_text(encoding="utf-8")
INT_CHIP = (ARCH_DIR / "chips" / "edge_int8.yaml").read_text(encoding="utf-8")


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
        # names the physics prices (grcim table --set weight_format=...): the arch takes them
        ("mxfp4", "fp", 4, 2, 1, True, True),
        ("e4m3", "fp", 8, 4, 3, True, False),
        ("int16", "int", 16, 0, 15, True, False),
        ("int2", "int", 2, 0, 1, True, False),
        ("half", "fp", 16, 5, 10, True, False),
        ("mxint4", "int", 4, 0, 3, True, True),
        ("FP8-E4M3", "fp", 8, 4, 3, True, False),
    ],
)
def test_layouts(name: str, kind: str, bits: int, e: int, m: int, signed: bool,
                 block: bool) -> None:
    info = parse_format(name)
    assert info is not None
    assert (info.kind, info.bits, info.exponent_bits, info.mantissa_bits, info.signed,
            info.block_scaled) == (kind, bits, e, m, signed, block)


@pytest.mark.parametrize("name", ["uint4", "uint8", "int32", "fp16_e4m11", "fp12_e9m2",
                                  "fp8_e4m4", "fp8", "int1", "int64", "float8", "fp8_e0m7",
                                  "", "mx", "mxmxfp4", 8, None])
def test_unknown_names(name: object) -> None:
    assert parse_format(name) is None  # type: ignore[arg-type]


def _physics_accepts(name: str) -> bool:
    try:
        get_format(name)
    except ModelDomainError:
        return False
    return True


NAMES = ["fp8_e4m3", "mxfp4", "e4m3", "uint8", "int32", "int16", "int1", "fp8_e2m5",
         "fp8_e4m4", "fp9_e4m4", "fp12_e9m2", "mxint8", "mxint4", "mxbf16", "bf16", "fp32",
         "fp32_e8m23", "half", "float8_e4m3fn", "e3m4_ftz", "fp6_e2m3_finite", "fp8", "int",
         "mx", "mxmxfp4", "e4m3fnuz", "fp4", "fp16_e5m10"]


@pytest.mark.parametrize("name", NAMES)
def test_arch_accepts_exactly_what_the_physics_accepts(name: str) -> None:
    assert (parse_format(name) is not None) == _physics_accepts(name)
    assert (format_problem(name) is None) == _physics_accepts(name)
    if not _physics_accepts(name):
        assert FORMAT_GRAMMAR == GRAMMAR and FORMAT_GRAMMAR in str(format_problem(name))


@pytest.mark.parametrize("fmt", ["uint8", "int32"])
def test_arch_file_refuses_a_name_with_the_physics_grammar(fmt: str) -> None:
    with pytest.raises(SpecError) as info:
        load_arch_text(CHIP.replace('    weight_format: "fp8_e4m3"',
                                    f'    weight_format: "{fmt}"'), "bad.yaml")
    err = info.value
    assert err.key == "arch.variables.weight_format" and err.value == fmt
    assert GRAMMAR in err.allowed and "int<2..16>" in err.allowed
    assert "\n" not in str(err)


def test_arch_file_takes_mxfp4_as_table_does() -> None:
    arch = load_arch_text(CHIP.replace('    weight_format: "fp8_e4m3"',
                                       '    weight_format: "mxfp4"'), "mx.yaml")
    info = arch.macro.format_info("weight_format")
    assert (info.kind, info.bits, info.block_scaled) == ("fp", 4, True)


def test_int_pipeline_refuses_mx_block_formats_with_the_line() -> None:
    text = INT_CHIP.replace('    weight_format: "int8"', '    weight_format: "mxint8"')
    with pytest.raises(SpecError) as info:
        load_arch_text(text, "bad.yaml")
    err = info.value
    assert err.key == "arch.variables.weight_format" and err.line is not None
    assert "plain integer format" in err.allowed
