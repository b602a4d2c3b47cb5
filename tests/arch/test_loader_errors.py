"""Bad arch files raise SpecError naming the file, line, key path, value and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

import grcim.arch
from grcim.arch import load_arch, load_arch_text
from grcim.errors import SpecError

ARCH_DIR = Path(grcim.arch.__file__).parent
MACRO = (ARCH_DIR / "macros" / "grmac_unit.yaml").read_text(encoding="utf-8")
CHIP = (ARCH_DIR / "chips" / "edge_grmac.yaml").read_text(encoding="utf-8")


def line_of(text: str, fragment: str) -> int:
    """1-based line of the first line containing ``fragment`` (the test's own count)."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if fragment in line]
    assert hits, fragment
    return hits[0]


def replace(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def fail(text: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_arch_text(text, "bad.yaml")
    return info.value


@pytest.mark.parametrize(
    ("old", "new", "key", "allowed"),
    [
        ("    rows: 256 ", "    rows: -256 ", "arch.variables.rows", "greater than 0"),
        ("    rows: 256 ", "    rowz: 256 ", "arch.variables.rowz", "did you mean 'rows'"),
        ("    pipeline: \"grmac\"", "    pipeline: grmac", "arch.variables.pipeline",
         "quoted text"),
        ("    pipeline: \"grmac\"", "    pipeline: \"gmac\"", "arch.variables.pipeline",
         "'conventional', 'grmac' or 'int'"),
        ("    cols: 256 ", "    cols: \"256\" ", "arch.variables.cols", "unquoted"),
        ("    cols: 256 ", "    cols: true ", "arch.variables.cols", "not true/false"),
        ("    sqnr_target_db: 35 ", "    sqnr_target_db: .nan ", "arch.variables.sqnr_target_db",
         "not NaN"),
        ("    cols: 256 ", "    cols: __import__('os') ", "arch.variables.cols", "allowed"),
        ("    cols: 256 ", "    cols: 10**10**10 ", "arch.variables.cols", "too large"),
        ("    cols: 256 ", "    cols: 1.0e+30 ", "arch.variables.cols", "integer > 0, <= 65536"),
        ("    cols: 256 ", "    cols: 0.5 ", "arch.variables.cols", "integer > 0, <= 65536"),
        ("    adc_bits: \"auto\"", "    adc_bits: inf", "arch.variables.adc_bits",
         "1..20 bits or 'auto'"),
        ("    rows_per_adc: 64 ", "    rows_per_adc: 60 ", "arch.variables.rows_per_adc",
         "must divide rows"),
        ("    adcs_per_macro: 128 ", "    adcs_per_macro: 130 ",
         "arch.variables.adcs_per_macro", "multiple"),
        ("    input_format: \"fp8_e4m3\"", "    input_format: \"fp8_e4m4\"",
         "arch.variables.input_format", "[fp<bits>_]e<E>m<M>"),
        ("    normalization: \"unit\"", "    normalization: null",
         "arch.variables.normalization", "required for pipeline 'grmac'"),
        ("    adc_bits: \"auto\"", "    adc_bits: \"many\"", "arch.variables.adc_bits",
         "1..20 bits or 'auto'"),
        ("    adc_bits: \"auto\"", "    adc_bits: 40", "arch.variables.adc_bits",
         "1..20 bits or 'auto'"),
        ("    kind: \"macro\"", "    kind: \"board\"", "arch.variables.kind",
         '"macro" or "chip"'),
        # the MAC models price at most 32 steps or slices per value: the file says so at the
        # variable (it once allowed 64 and the node's model refused)
        ("    n_input_slices: 1 ", "    n_input_slices: 33 ", "arch.variables.n_input_slices",
         "integer > 0, <= 32"),
        ("    n_weight_slices: 5 ", "    n_weight_slices: 33 ",
         "arch.variables.n_weight_slices", "integer > 0, <= 32"),
        ("    sqnr_target_db: 35 ", "    sqnr_target_db: unknown_name ",
         "arch.variables.sqnr_target_db", "unknown name"),
    ],
)
def test_bad_variable(old: str, new: str, key: str, allowed: str) -> None:
    text = replace(MACRO, old, new)
    err = fail(text)
    assert err.file == "bad.yaml"
    assert err.key == key
    assert allowed in err.allowed
    assert err.line == line_of(text, new.strip().split(":")[0] + ":")
    assert "\n" not in str(err) and str(err).startswith(f"bad.yaml:{err.line}: {key} = ")


def test_missing_variable_names_the_key() -> None:
    text = replace(MACRO, "    sqnr_target_db: 35            # dB\n", "")
    err = fail(text)
    assert err.key == "arch.variables.sqnr_target_db"
    assert err.allowed == "missing required key"
    assert err.line == line_of(text, "  variables:")


def test_missing_chip_key() -> None:
    text = replace(CHIP, "    dram_write_energy_per_bit_j: 4.5e-12\n", "")
    err = fail(text)
    assert err.key == "arch.variables.dram_write_energy_per_bit_j"
    assert "missing" in err.allowed


def test_kv_cache_in_cim_needs_cim_dynamic_matmuls() -> None:
    new = '    kv_cache_placement: "cim"'
    text = replace(CHIP, '    kv_cache_placement: "dram"', new)
    err = fail(text)
    assert err.key == "arch.variables.kv_cache_placement" and err.value == "cim"
    assert err.line == line_of(text, new)
    assert 'unless dynamic_matmul_unit is "cim" (it is "vector_unit")' in err.allowed
    assert "\n" not in str(err)
    # with the dynamic matmuls in CIM as well, the file loads
    load_arch_text(replace(text, '    dynamic_matmul_unit: "vector_unit"',
                           '    dynamic_matmul_unit: "cim"'), "ok.yaml")


def test_chip_key_in_macro_file() -> None:
    text = replace(MACRO, "    rows: 256 ", "    n_macros: 4\n    rows: 256 ")
    err = fail(text)
    assert err.key == "arch.variables.n_macros" and "only in chip files" in err.allowed
    assert err.line == line_of(text, "n_macros: 4")


@pytest.mark.parametrize(
    ("old", "new", "key", "allowed", "fragment"),
    [
        ("    component_class: gr_mac", "    component_class: int_cim_mac",
         "arch.nodes.7.component_class", "'gr_mac' for pipeline 'grmac'",
         "component_class: int_cim_mac"),
        ("    - {name: row, fanout: rows_per_adc,", "    - {name: row, fanout: 32,",
         "arch.nodes", "must multiply to", "  nodes:"),
        ("    - {name: row, fanout: rows_per_adc,", "    - {name: row, fanout: 0,",
         "arch.nodes.5.spatial.0.fanout", "greater than 0", "fanout: 0"),
        ("    direction: down", "    direction: sideways",
         "arch.nodes.3.direction", "up, down or up_and_down", "direction: sideways"),
        ("    name: GainRangingStage", "    name: ADC", "arch.nodes",
         "must be unique", "  nodes:"),
        ("  - !Memory\n    name: CimCells", "  - !Storage\n    name: CimCells",
         "arch.nodes.6", "!Memory, !Toll", "!Storage"),
        ("    size: n_weight_slices * cell_bits", "    capacity: 5",
         "arch.nodes.6.capacity", "unknown key", "capacity: 5"),
        ("    size: n_weight_slices * cell_bits", "    size: cell_bits.__class__",
         "arch.nodes.6.size", "attribute access", "size: cell_bits"),
        ("      n_dacs: rows_per_adc", "      n_dacs: [1, 2]",
         "arch.nodes.3.extra_attributes_for_component_model.n_dacs", "no lists",
         "n_dacs: [1, 2]"),
        ("      n_dacs: rows_per_adc", "      n_dacs: open('x')",
         "arch.nodes.3.extra_attributes_for_component_model.n_dacs", "not allowed",
         "n_dacs: open"),
        ("    tensors: {keep: input}", "    tensors: {keep: input.__class__}",
         "arch.nodes.3.tensors.keep", "tensor names", "keep: input.__class__"),
        ("      energy: weight_write_energy_per_row_j / (cols * cell_bits)",
         "      energy: -1", "arch.nodes.6.actions.1.energy", "greater than or equal",
         "energy: -1"),
    ],
)
def test_bad_node(old: str, new: str, key: str, allowed: str, fragment: str) -> None:
    text = replace(MACRO, old, new)
    err = fail(text)
    assert err.key == key
    assert allowed in err.allowed
    assert err.line == line_of(text, fragment)


def test_extra_top_level_key() -> None:
    err = fail(MACRO + "grcim:\n  x: 1\n")
    assert err.key == "grcim" and "only 'arch'" in err.allowed
    assert err.line == line_of(MACRO + "grcim:\n  x: 1\n", "grcim:")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("- 1\n- 2\n", "<top>"),
        ("other: 1\n", "other"),
        ("arch: 3\n", "arch"),
        ("arch:\n  nodes: []\n", "arch.variables"),
        ("arch: {variables: {}, nodes: [], junk: 1}\n", "arch.junk"),
        ("arch: [1,\n", "<yaml>"),
        ("arch:\n  variables: {1: 2}\n  nodes: []\n", "arch.variables.1"),
    ],
)
def test_malformed_documents(text: str, key: str) -> None:
    assert fail(text).key == key


def test_unknown_bundled_name_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="a bundled arch"):
        load_arch("no_such_arch")
    with pytest.raises(SpecError, match="does not exist"):
        load_arch(tmp_path / "none.yaml")
    with pytest.raises(SpecError, match="is a directory"):
        load_arch(str(tmp_path) + "/")


def test_user_file_by_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(replace(MACRO, "    rows: 256 ", "    rows: 512 "), encoding="utf-8")
    arch = load_arch(str(path))
    assert arch.name == "mine" and arch.macro.rows == 512 and arch.source == str(path)
    path.write_text(replace(MACRO, "    rows: 256 ", "    rows: -1 "), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_arch(path)
    assert info.value.file == str(path) and info.value.key == "arch.variables.rows"


def test_alias_expansion_is_bounded() -> None:
    # Each Fork holds ten aliases of the previous one: 10**7 compute nodes described in
    # about a kilobyte. The reader must stop with a SpecError instead of walking them all.
    head = MACRO.split("\n  nodes:\n", 1)[0]
    nodes = ["  - &f1 !Fork {nodes: [!Compute {name: a}]}"]
    for i in range(2, 9):
        nodes.append(f"  - &f{i} !Fork {{nodes: [" + ", ".join([f"*f{i - 1}"] * 10) + "]}")
    err = fail(head + "\n  nodes:\n" + "\n".join(nodes) + "\n")
    assert "at most" in err.allowed and err.key.startswith("arch.nodes")


@pytest.mark.parametrize(("text", "hint"), [
    ("default: tiny\nmodels:\n  tiny: {d_model: 8}\n", "workload models file"),
    ("sweep:\n  name: x\n", "sweep spec"),
    ("architecture:\n  version: 0.4\n", "classic Accelergy architecture"),
])
def test_another_grcim_file_given_as_an_arch_is_named(text: str, hint: str) -> None:
    # `grcim arch show models.yaml` said only "unknown top-level key 'default'"
    with pytest.raises(SpecError) as info:
        load_arch_text(text, "given.yaml")
    assert "unknown top-level key" in info.value.allowed and hint in info.value.allowed


# ---------------------------------------------------------------------------------------
# YAML 1.1 numbers: grcim (PyYAML) and AccelForge (ruamel.yaml, YAML 1.2) read the same file
# differently, so `--engine accelforge` priced another chip. Refused with the key and line.

@pytest.mark.parametrize(("old", "new", "key", "advice"), [
    ("    rows: 256 ", "    rows: 0400 ", "arch.variables.rows", "write 400, or 256"),
    ("    cols: 256 ", "    cols: 4:16 ", "arch.variables.cols", "write 256 if"),
    ("    rows: 256 ", "    rows: !!int 0400 ", "arch.variables.rows", "write 400"),
])
def test_a_number_yaml_versions_read_differently_is_refused(old: str, new: str, key: str,
                                                            advice: str) -> None:
    text = replace(MACRO, old, new)
    err = fail(text)
    assert (err.key, err.line) == (key, line_of(text, new.strip()))
    assert advice in err.allowed and "YAML 1.2" in err.allowed


def test_a_chip_count_with_a_leading_zero_is_refused() -> None:
    text = replace(CHIP, "    n_macros: 16\n", "    n_macros: 016\n")
    err = fail(text)
    assert (err.key, err.line) == ("arch.variables.n_macros", line_of(text, "n_macros: 016"))


# 256 = 0o400 = 0x100 = 0b100000000 = 2_56: spellings both YAML versions (and the
# expression grammar, for 0o400, which YAML 1.1 leaves as text) read as 256
@pytest.mark.parametrize("spelling", ["0o400", "0x100", "0b100000000", "2_56", "0o400 * 1"])
def test_number_spellings_both_read_alike_load(spelling: str) -> None:
    arch = load_arch_text(replace(MACRO, "    rows: 256 ", f"    rows: {spelling} "), "ok.yaml")
    assert arch.macro.rows == 256


@pytest.mark.parametrize("expression", ["0400 * 1", "4:16 * 1", "010 + 0"])
def test_expressions_refuse_leading_zeros_too(expression: str) -> None:
    # a plain scalar with an operator is text to YAML, then an expression: Python's grammar
    # refuses a leading zero as AccelForge's eval does (no third reading)
    err = fail(replace(MACRO, "    rows: 256 ", f"    rows: {expression} "))
    assert err.key == "arch.variables.rows" and "not a valid expression" in err.allowed


# ---------------------------------------------------------------------------------------
# Quoting belongs to the scalar: the walk marked a node seen at the first path it reached
# (an alias, popped before its anchor), so `&ns "sqnr"` lost its quotes at the anchor.

def test_an_anchored_quoted_value_is_text_at_the_anchor_and_the_alias() -> None:
    text = replace(MACRO, '    noise_standard: "sqnr" ', '    noise_standard: &ns "sqnr" ')
    text = replace(text, "    noise_standard: noise_standard", "    noise_standard: *ns")
    arch = load_arch_text(text, "ok.yaml")
    assert arch.variables["noise_standard"] == "sqnr"
    assert arch.component_attributes["noise_standard"] == "sqnr"


def test_an_anchored_auto_reaches_a_node_attribute() -> None:
    text = replace(MACRO, '    adc_bits: "auto" ', '    adc_bits: &ab "auto" ')
    text = replace(text, "      n_bits: adc_bits", "      n_bits: *ab")
    arch = load_arch_text(text, "ok.yaml")
    assert arch.macro.adc_bits == "auto"
    assert arch.node("ADC").extra_attributes_for_component_model["n_bits"] == "auto"


def test_a_quoted_value_merged_with_a_merge_key_stays_quoted() -> None:
    old = '    pipeline: "grmac" '
    text = replace(MACRO, "  variables:\n", '  variables:\n    <<: {pipeline: "grmac"}\n')
    text = "\n".join(line for line in text.splitlines() if not line.startswith(old))
    assert load_arch_text(text, "ok.yaml").macro.pipeline.value == "grmac"


def test_an_unquoted_alias_of_an_unquoted_anchor_is_still_an_expression() -> None:
    text = replace(MACRO, "    rows: 256 ", "    rows: &r 128 * 2 ")
    text = replace(text, "    cols: 256 ", "    cols: *r ")
    arch = load_arch_text(text, "ok.yaml")
    assert (arch.macro.rows, arch.macro.cols) == (256, 256)


# ---------------------------------------------------------------------------------------
# A key holding control characters is shown escaped (an ESC sequence reached the terminal).

def test_control_characters_of_a_key_are_escaped() -> None:
    text = replace(MACRO, "    rows: 256 ", '    "n_mac\\nros\\e[2J": 1\n    rows: 256 ')
    err = fail(text)
    message = str(err)
    assert err.key == "arch.variables.n_mac\nros\x1b[2J"  # the field keeps the real text
    assert all(c.isprintable() for c in message)
    assert "arch.variables.n_mac\\nros\\x1b[2J = " in message


def test_the_cli_prints_one_printable_line(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from grcim.cli.main import main

    path = tmp_path / "esc.yaml"
    path.write_text(replace(MACRO, "    rows: 256 ", '    "ro\\ews": 1\n    rows: 256 '),
                    encoding="utf-8")
    assert main(["validate", str(path)]) != 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert "\x1b" not in captured.err and "ro\\x1bws" in captured.err


# ---------------------------------------------------------------------------------------
# !!binary values are bytes: a text field passed them on (validation turned them into text)

@pytest.mark.parametrize(("old", "new", "key"), [
    ("    description: \"GR-MAC", "    description: !!binary R1I= \n    x_: \"GR-MAC",
     "arch.variables.description"),
    ('    input_format: "fp8_e4m3" ', "    input_format: !!binary ZnA4X2U0bTM= ",
     "arch.variables.input_format"),
    ("      n_bits: adc_bits", "      n_bits: !!binary YXV0bw==",
     "arch.nodes.1.extra_attributes_for_component_model.n_bits"),
])
def test_binary_values_are_refused(old: str, new: str, key: str) -> None:
    text = replace(MACRO, old, new)
    if "x_:" in new:  # drop the rest of the old description line
        text = "\n".join(line for line in text.splitlines() if "x_:" not in line)
    err = fail(text)
    assert err.key == key and "!!binary" in err.allowed
    assert err.line == line_of(text, "!!binary")
