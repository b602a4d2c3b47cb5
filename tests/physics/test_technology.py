"""Tests of grcim.physics.technology: bundled nodes, their documented sources, bad files.

References: the sources each technology file cites (Horowitz, ISSCC 2014: an 8-bit add costs
0.03 pJ at 45 nm and 0.9 V; the Murmann ADC survey figures quoted in numbers.md) and the
project's error rule (one line naming the file, the key, the value and what is allowed).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grcim.errors import SpecError
from grcim.physics.technology import (
    BOLTZMANN_J_PER_K,
    BUNDLED_NODES,
    DEFAULT_NODE,
    Technology,
    load_technology,
)
from grcim.resources import bundled

NODE_M = {"28nm": 28e-9, "22nm": 22e-9, "7nm": 7e-9, "65nm": 65e-9, "130nm": 130e-9}
FIELDS = list(Technology.model_fields)


def _text(node: str) -> str:
    return bundled("grcim.physics.tech", f"{node}.yaml").read_text(encoding="utf-8")


def _line_of(text: str, key: str) -> int:
    """1-based line of ``key:`` in ``text``."""
    for i, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"\s*{key}\s*:", line):
            return i
    raise AssertionError(key)


# ---------------------------------------------------------------- bundled nodes

def test_every_bundled_node_loads() -> None:
    assert set(BUNDLED_NODES) == set(NODE_M) and DEFAULT_NODE == "28nm"
    for node in BUNDLED_NODES:
        t = load_technology(node)
        assert t.name == node
        assert t.node_m == pytest.approx(NODE_M[node])
        assert t.kt_j == pytest.approx(BOLTZMANN_J_PER_K * t.temperature_k)
    assert load_technology() == load_technology("28nm")
    assert BOLTZMANN_J_PER_K == 1.380649e-23  # exact since the 2019 SI redefinition


def test_bundled_node_loads_from_its_path_too(tmp_path: Path) -> None:
    p = tmp_path / "copy.yaml"
    p.write_text(_text("22nm"), encoding="utf-8")
    assert load_technology(p) == load_technology("22nm")
    assert load_technology(str(p)) == load_technology("22nm")


def test_every_constant_has_a_source_comment() -> None:
    # "Each key is followed by a comment giving its source or the assumption behind it."
    for node in BUNDLED_NODES:
        text = _text(node)
        for key in FIELDS:
            line = text.splitlines()[_line_of(text, key) - 1]
            if key != "name":
                assert "#" in line, (node, key)


@pytest.mark.parametrize("node", BUNDLED_NODES)
def test_full_adder_energy_follows_its_cited_scaling(node: str) -> None:
    # Horowitz (ISSCC 2014): 8-bit add 0.03 pJ at 45 nm, 0.9 V -> 3.75 fJ per bit; the files
    # scale by feature size (C ~ node) and by Vdd**2.
    t = load_technology(node)
    want = 0.03e-12 / 8 * (t.node_m / 45e-9) * (t.vdd_v / 0.9) ** 2
    assert t.e_full_adder_j == pytest.approx(want, rel=0.03)


@pytest.mark.parametrize("node", BUNDLED_NODES)
def test_adc_constants_respect_the_survey(node: str) -> None:
    t = load_technology(node)
    assert t.adc_schreier_fom_db <= 189.0  # survey best Schreier FOM ~189 dB
    assert t.adc_walden_fom_j >= 0.35e-15  # survey best Walden FOM ~0.35 fJ/step
    assert t.adc_envelope_floor_j == pytest.approx(0.27e-12)  # numbers.md envelope
    assert t.adc_envelope_k_j == pytest.approx(1.45e-7 * 1e-12)
    assert t.kt_j == pytest.approx(4.14e-21, rel=1e-3)  # numbers.md at 300 K


def test_technology_is_frozen() -> None:
    t = load_technology("7nm")
    with pytest.raises(Exception, match="frozen"):
        t.vdd_v = 1.0  # type: ignore[misc]


# ---------------------------------------------------------------- malformed files

def _write(tmp_path: Path, text: str, name: str = "tech.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _check(err: SpecError, path: Path, key: str, line: int | None) -> None:
    msg = str(err)
    assert "\n" not in msg
    assert err.file == str(path) and msg.startswith(str(path))
    assert err.key == key and key in msg
    assert err.line == line


BASE = _text("28nm")


@pytest.mark.parametrize(("old", "new", "key"), [
    ("vdd_v: 0.9", "vdd_v: -0.9", "technology.vdd_v"),  # negative
    ("c_unit_min_f: 0.5e-15", "c_unit_min_f: 0.0", "technology.c_unit_min_f"),
    ("e_full_adder_j: 2.3e-15", "e_full_adder_j: -2.3e-15", "technology.e_full_adder_j"),
    ("temperature_k: 300.0", "temperature_k: 3000.0", "technology.temperature_k"),  # absurd
    ("vdd_v: 0.9", "vdd_v: high", "technology.vdd_v"),  # wrong type: text
    ("vdd_v: 0.9", "vdd_v: [0.9, 1.0]", "technology.vdd_v"),  # wrong type: list
    ("vdd_v: 0.9", "vdd_v: .nan", "technology.vdd_v"),
    ("activity: 0.5", "activity: true", "technology.activity"),  # wrong type: boolean
    ("  activity: 0.5", "  activity: 0.5\n  colour: blue", "technology.colour"),  # unknown key
    ("c_gate_per_m: 0.486e-9", "c_gate_per_m: -0.486e-9", "technology.c_gate_per_m"),
    ("c_gate_per_m: 0.486e-9", "c_gate_per_m: 0.486", "technology.c_gate_per_m"),  # F/um slip
    ("c_junction_per_m: 0.536e-9", "c_junction_per_m: 0.0", "technology.c_junction_per_m"),
    ("w_switch_m: 56.0e-9", "w_switch_m: 56.0", "technology.w_switch_m"),  # nm, not m
    ("w_switch_m: 56.0e-9", "w_switch_m: wide", "technology.w_switch_m"),
    # out of range, refused at load (a rate of 1e300 was reported later, at pricing, as
    # 'adc_rate = None' naming neither the file nor the key)
    ("adc_rate_hz: 1.0e+8", "adc_rate_hz: 1e300", "technology.adc_rate_hz"),
    ("adc_rate_hz: 1.0e+8", "adc_rate_hz: 0.5", "technology.adc_rate_hz"),
    ("e_full_adder_j: 2.3e-15", "e_full_adder_j: 2.3", "technology.e_full_adder_j"),  # J
])
def test_bad_value_names_file_key_and_line(tmp_path: Path, old: str, new: str,
                                           key: str) -> None:
    assert old in BASE
    text = BASE.replace(old, new)
    path = _write(tmp_path, text)
    with pytest.raises(SpecError) as info:
        load_technology(path)
    _check(info.value, path, key, _line_of(text, key.split(".")[-1]))


@pytest.mark.parametrize("key", ["adc_rate_hz", "c_gate_per_m", "c_junction_per_m",
                                 "w_switch_m"])
def test_missing_key_names_file_key_and_line(tmp_path: Path, key: str) -> None:
    text = "\n".join(ln for ln in BASE.splitlines() if not ln.strip().startswith(f"{key}:"))
    path = _write(tmp_path, text)
    with pytest.raises(SpecError) as info:
        load_technology(path)
    # a missing key has no line of its own: the error points at the mapping that lacks it
    _check(info.value, path, f"technology.{key}", _line_of(text, "name"))


@pytest.mark.parametrize("text", ["- 1\n- 2\n", "just text\n", "", "tech:\n  a: 1\n",
                                  "technology:\n  - 1\n", "technology: 28\n"])
def test_not_a_technology_mapping(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(SpecError) as info:
        load_technology(path)
    assert info.value.file == str(path) and info.value.key == "technology"
    assert "\n" not in str(info.value)


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "technology:\n  name: x\n  vdd_v: [1,\n")
    with pytest.raises(SpecError) as info:
        load_technology(path)
    assert info.value.file == str(path) and info.value.line is not None


def test_missing_file_directory_and_unknown_node(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(SpecError, match="does not exist") as info:
        load_technology(missing)
    assert info.value.file == str(missing)
    with pytest.raises(SpecError, match="directory"):
        load_technology(str(tmp_path) + "/")
    with pytest.raises(SpecError) as info:
        load_technology("5nm")
    assert info.value.key == "tech" and "28nm" in info.value.allowed


# ---------------------------------------------------------------- numbers and messages

@pytest.mark.parametrize(("written", "value"), [("9e-1", 0.9), ("1E0", 1.0), ("+8e-1", 0.8),
                                                ('"0.95"', 0.95)])
def test_numbers_pyyaml_reads_as_text_are_numbers(tmp_path: Path, written: str,
                                                  value: float) -> None:
    # PyYAML (YAML 1.1) reads 9e-1 (no dot) as the string '9e-1'; it was refused with
    # "Input should be a valid number"
    path = _write(tmp_path, BASE.replace("vdd_v: 0.9", f"vdd_v: {written}"))
    assert load_technology(path).vdd_v == value


@pytest.mark.parametrize(("new", "value", "fragments"), [
    ("vdd_v: 5", 5, ["a finite number > 0.3, < 2", "supply voltage"]),
    ("vdd_v: high", "'high'", ["a finite number > 0.3, < 2"]),
    ("vdd_v: .nan", "nan", ["not a finite number", "> 0.3, < 2"]),
    ("vdd_v: 1e999", "'1e999'", ["not a finite number"]),
    ("vdd_v: -.inf", "-inf", ["not a finite number"]),
    ("e_mux_bit_j: .inf", "inf", ["not a finite number", "> 0"]),
])
def test_a_refused_value_gets_the_allowed_range(tmp_path: Path, new: str, value: object,
                                                fragments: list[str]) -> None:
    key = new.split(":")[0]
    old = next(ln.strip().split("#")[0].strip() for ln in BASE.splitlines()
               if ln.strip().startswith(f"{key}:"))
    text = BASE.replace(old, new)
    path = _write(tmp_path, text)
    with pytest.raises(SpecError) as info:
        load_technology(path)
    _check(info.value, path, f"technology.{key}", _line_of(text, key))
    msg = str(info.value)
    assert f"technology.{key} = {value}:" in msg and "Input should" not in msg
    for fragment in fragments:
        assert fragment in info.value.allowed, (fragment, msg)


def test_unknown_key_suggests_the_closest_and_lists_the_keys(tmp_path: Path) -> None:
    text = BASE.replace("vdd_v: 0.9", "vdd_vv: 1.1")
    path = _write(tmp_path, text)
    with pytest.raises(SpecError) as info:
        load_technology(path)
    _check(info.value, path, "technology.vdd_vv", _line_of(text, "vdd_vv"))
    assert "did you mean 'vdd_v'" in info.value.allowed
    assert "allowed keys: name, node_m, vdd_v," in info.value.allowed


def test_table_prices_a_technology_with_a_yaml11_exponent(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from grcim.cli.main import main

    path = _write(tmp_path, BASE.replace("vdd_v: 0.9", "vdd_v: 9e-1"))
    assert main(["table", "gr_mac", "--set", f"technology={path}", "--format", "csv"]) == 0
    assert capsys.readouterr().err == ""
