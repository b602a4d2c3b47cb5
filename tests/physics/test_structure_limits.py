"""Limits of a declared macro structure (docs/models.md section 5.1): at most 63 hardware
bits per operand (the slice Monte Carlo's 64-bit integer codes), the capacitance ceiling
per stored bit for declared capacitors too, and refusals that name the attributes the user
set (``dac_bits x n_input_slices``, ``cell_bits x n_weight_slices``, ``cell_capacitance``).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from grcim.cli.main import main
from grcim.errors import ModelDomainError
from grcim.physics.energy.cells import cell_capacitance_f
from grcim.physics.energy.macro import MacroStructure, resolve_slicing
from grcim.physics.slicing_point import _grid
from grcim.physics.technology import Technology


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, list[str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy RuntimeWarning is a failure, not stderr
        code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err.splitlines()


def _refused(argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> str:
    code, out, err = _run(argv, capsys)
    assert code == 1 and out == ""
    assert len(err) == 1 and err[0].startswith("grcim table: error: "), err
    assert needle in err[0], err[0]
    return err[0]


def test_grid_codes_are_exact_at_the_widest_width() -> None:
    # 63 bits: top code 2**62 - 1 (no float64: it rounds up to 2**62, one code too many)
    got = _grid(np.array([1.0, -1.0, 0.5, 1e-30]), 63.0, 1.0)
    assert got.dtype == np.int64
    assert got.tolist() == [2**62 - 1, -(2**62 - 1), 2**61, 0]


@pytest.mark.parametrize(("attrs", "needle"), [
    ({"cell_bits": 8, "n_weight_slices": 8}, "cell_bits x n_weight_slices = 8 x 8 = 64 bits"),
    ({"dac_bits": 16, "n_input_slices": 5}, "dac_bits x n_input_slices = 16 x 5 = 80 bits"),
])
def test_more_than_63_hardware_bits_are_refused(attrs: dict[str, int], needle: str) -> None:
    with pytest.raises(ModelDomainError) as info:
        MacroStructure(**attrs).validated()  # type: ignore[arg-type]
    assert str(info.value) == f"{needle}: at most 63 bits of one operand, sign included " \
        "(the slice Monte Carlo holds operand codes in 64-bit integers)"
    # the widest allowed: 9 x 7 = 63 and 16 x 3 = 48 (+ 15 more would be 63)
    MacroStructure(cell_bits=9, n_weight_slices=7, dac_bits=9, n_input_slices=7).validated()


@pytest.mark.parametrize("model", ["gr_mac", "conventional_fp_mac"])
def test_wide_weight_sweeps_are_refused_in_one_line(
        model: str, capsys: pytest.CaptureFixture[str]) -> None:
    # 8 x 9 = 72 bits was priced at 150.9 pJ per MAC (overflowed int64 codes), exit 0
    _refused(["table", model, "--set", "cell_bits=8", "--sweep", "n_weight_slices=7,8,9",
              "--format", "csv"], "cell_bits x n_weight_slices = 8 x 8 = 64 bits: at most 63",
             capsys)


def test_wide_inputs_are_refused_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    # 80 input bits once blamed the SQNR standard ('needs ... not 22.8' ADC bits)
    _refused(["table", "gr_mac", "--set", "dac_bits=16", "--set", "n_input_slices=5"],
             "dac_bits x n_input_slices = 16 x 5 = 80 bits: at most 63", capsys)


@pytest.mark.parametrize("model", ["gr_mac", "conventional_fp_mac"])
def test_cells_beyond_the_weight_at_the_widest_width_add_only_conversions(
        model: str, capsys: pytest.CaptureFixture[str]) -> None:
    # a 7th 9-bit cell past 54 stored bits holds only the operand's bits 2**-54 and below
    # of full scale (nothing for a GR-MAC's FP8 mantissa), whose errors enter the output
    # about 2**-100 below the signal: 54 and 63 stored bits convert at the same bits per
    # conversion (to float precision), with 7/6 as many conversions per MAC. The old 63-bit
    # grid clipped at 2**62 (float64 has no 2**62 - 1), one code past the grid, and moved the
    # conventional bits by 2e-10
    code, out, err = _run(["table", model, "--set", "cell_bits=9", "--sweep",
                           "n_weight_slices=6,7", "--format", "csv"], capsys)
    assert code == 0 and err == []
    header, *rows = [line.split(",") for line in out.splitlines()]
    bits = [float(r[header.index("adc_bits_per_conversion")]) for r in rows]
    conv = [float(r[header.index("conversions_per_mac")]) for r in rows]
    assert bits[1] == pytest.approx(bits[0], rel=1e-12)
    assert conv[1] / conv[0] == pytest.approx(7 / 6, rel=1e-12)


@pytest.mark.parametrize("argv", [
    ["gr_mac"], ["gr_mac", "--set", "normalization=unit"], ["conventional_fp_mac"],
    ["int_cim_mac", "--set", "input_bits=8", "--set", "weight_bits=8"],
])
def test_a_declared_capacitor_over_the_ceiling_is_refused(
        argv: list[str], capsys: pytest.CaptureFixture[str], tech28: Technology) -> None:
    # one 1-bit bit-sliced cell of 1 pF: 1 pF per stored bit, 20x the 50 fF ceiling; it was
    # priced (2.94 pJ per MAC) except under unit, refused there as a kT/C need
    assert tech28.c_cell_max_f == pytest.approx(50e-15)
    _refused(["table", *argv, "--set", "cell_capacitance=1e-12"],
             "cell_capacitance = 1e-12: at most 5e-14 F for this bit_sliced cell", capsys)


@pytest.mark.parametrize(("topology", "cell_bits", "allowed"), [
    ("bit_sliced", 2, 2.0),  # one capacitor over 2 bitcells: twice the ceiling
    ("c2c", 1, 1.0 / 3.0),  # three units per bit (shunt C + series 2C)
])
def test_the_largest_declared_capacitor_is_named(topology: str, cell_bits: int,
                                                 allowed: float, tech28: Technology) -> None:
    st = MacroStructure(cell_topology=topology, cell_bits=cell_bits)
    sl = resolve_slicing(st, [5.0], [6.0])
    top = allowed * tech28.c_cell_max_f
    # within the ceiling (1 % below): priced as declared
    c = cell_capacitance_f(sl, 40.0, 0.25, tech28, declared_f=0.99 * top)
    assert float(c[0]) == pytest.approx(0.99 * top, rel=1e-12)
    with pytest.raises(ModelDomainError, match=re.escape(
            f"cell_capacitance = {1.01 * top!r}: at most {top:.3g} F for this {topology}")):
        cell_capacitance_f(sl, 40.0, 0.25, tech28, declared_f=1.01 * top)
    over = cell_capacitance_f(sl, 40.0, 0.25, tech28, strict=False, declared_f=1.01 * top)
    assert np.isnan(over[0])  # the paper's curves end there


def test_unit_stage_over_the_ceiling_names_the_declared_cells(
        capsys: pytest.CaptureFixture[str]) -> None:
    # 45 fF declared cells are within 50 fF per bit alone; with the unit gain stage's
    # capacitor spread over the weight's bits they are not: the refusal names the declared
    # value and the stage, not a kT/C need of the cells
    code, out, err = _run(["table", "gr_mac", "--set", "normalization=unit", "--set",
                           "cell_capacitance=4.5e-14"], capsys)
    assert code == 1 and len(err) == 1
    assert "the declared cell_capacitance = 4.5e-14 F" in err[0]
    assert "gain stage's kT/C capacitor" in err[0]
    assert "needs a larger capacitor" not in err[0]


@pytest.mark.parametrize(("argv", "needle"), [
    # an E4M3 input mantissa: sign + integer bit + 3 fraction bits = 5 bits
    (["gr_mac", "--set", "dac_bits=3", "--set", "n_input_slices=1"],
     "dac_bits x n_input_slices = 3 x 1 = 3 bits: at least 5 input mantissa bits (sign "
     "included) for the SQNR standard"),
    # an aligned E4M3 weight needs 8.06 bits (section 5.1): 9 whole bits
    (["conventional_fp_mac", "--set", "n_weight_slices=4"],
     "cell_bits x n_weight_slices = 1 x 4 = 4 bits: at least 9 aligned weight bits"),
    # integer widths are declared, not sized for a standard
    (["int_cim_mac", "--set", "input_bits=4", "--set", "weight_bits=4", "--set", "dac_bits=1",
      "--set", "n_input_slices=3"],
     "dac_bits x n_input_slices = 1 x 3 = 3 bits: at least the 4 bits of input_bits = 4 "
     "(the declared slicing holds fewer)"),
    (["int_cim_mac", "--set", "input_bits=4", "--set", "weight_bits=6", "--set",
      "cell_bits=2", "--set", "n_weight_slices=2"],
     "cell_bits x n_weight_slices = 2 x 2 = 4 bits: at least the 6 bits of weight_bits = 6"),
])
def test_short_slicing_names_the_declared_attributes(
        argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    line = _refused(["table", *argv], needle, capsys)
    if argv[0] == "int_cim_mac":  # no standard sizes a declared integer width
        assert "SQNR" not in line and "sqnr_target_db" not in line
