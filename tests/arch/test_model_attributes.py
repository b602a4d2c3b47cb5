"""The models must price the macro the mapper tiles: an all-component attribute that
disagrees with the macro variable it stands for is refused (docs/arch.md, "Model attributes
and variables")."""

from __future__ import annotations

from pathlib import Path

import pytest

import grcim.arch
from grcim.arch import load_arch_text
from grcim.arch.bindings import MODEL_ATTRIBUTE_OF
from grcim.errors import SpecError

ARCH_DIR = Path(grcim.arch.__file__).parent
FILES = sorted(ARCH_DIR.glob("*/*.yaml"))


def _bound(text: str) -> dict[str, str]:
    """``attribute: expression`` lines of the all-component block, as written."""
    block = text.split("extra_attributes_for_all_component_models:", 1)[1]
    out = {}
    for line in block.splitlines()[1:]:
        if not line.startswith("    ") or line.startswith("     ") or ":" not in line:
            if line.strip() and not line.startswith("    "):
                break
            continue
        key, value = line.strip().split(":", 1)
        out[key] = value.split("#", 1)[0].strip()
    return out


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_bundled_files_bind_every_attribute_to_its_variable(path: Path) -> None:
    bound = _bound(path.read_text(encoding="utf-8"))
    for attr, variable in MODEL_ATTRIBUTE_OF.items():
        if attr in bound:
            assert bound[attr] == variable, (path.name, attr)
    assert {"n_rows", "n_cols", "dac_bits", "cell_bits"} <= set(bound), path.name


@pytest.mark.parametrize(("attr", "value", "variable"), [
    ("n_rows", "32", "rows_per_adc"),          # models: 32 rows per conversion, mapper: 64
    ("n_cols", "128", "cols"),
    ("dac_bits", "3", "dac_bits"),
    ("input_format", "'fp8_e5m2'", "input_format"),
    ("cell_topology", "'c2c'", "cell_topology"),
])
def test_an_attribute_that_disagrees_with_the_macro_is_refused(attr: str, value: str,
                                                               variable: str) -> None:
    path = ARCH_DIR / "chips" / "edge_grmac.yaml"
    text = path.read_text(encoding="utf-8")
    old = f"    {attr}: {variable}"
    assert old in text, old
    with pytest.raises(SpecError) as info:
        load_arch_text(text.replace(old, f"    {attr}: {value}", 1), "bad.yaml")
    msg = str(info.value)
    assert "\n" not in msg
    assert f"extra_attributes_for_all_component_models.{attr}" in msg
    assert f"the macro's {variable}" in msg and f"write '{attr}: {variable}'" in msg
    line = text.splitlines().index(old) + 1
    assert msg.startswith(f"bad.yaml:{line}:"), msg


def test_an_equal_literal_is_accepted() -> None:
    text = (ARCH_DIR / "chips" / "edge_grmac.yaml").read_text(encoding="utf-8")
    rows = load_arch_text(text, "ok.yaml").macro.rows_per_adc
    ok = text.replace("    n_rows: rows_per_adc", f"    n_rows: {rows}", 1)
    assert load_arch_text(ok, "ok.yaml").component_attributes["n_rows"] == rows


@pytest.mark.parametrize(("old", "new", "where", "variable"), [
    ("      n_bits: dac_bits", "      n_bits: 3", "extra_attributes_for_component_model.n_bits",
     "dac_bits"),   # the DAC node converts other steps than the macro's
    ("      n_bits: adc_bits", "      n_bits: 6", "extra_attributes_for_component_model.n_bits",
     "adc_bits"),   # a fixed ADC width on an 'auto' macro
    ("      n_dacs: rows_per_adc", "      n_dacs: rows_per_adc\n      n_rows: 16",
     "extra_attributes_for_component_model.n_rows", "rows_per_adc"),  # a node override
])
def test_a_node_attribute_that_disagrees_with_the_macro_is_refused(old: str, new: str,
                                                                   where: str,
                                                                   variable: str) -> None:
    text = (ARCH_DIR / "chips" / "edge_grmac.yaml").read_text(encoding="utf-8")
    assert old in text, old
    with pytest.raises(SpecError) as info:
        load_arch_text(text.replace(old, new, 1), "bad.yaml")
    msg = str(info.value)
    assert "\n" not in msg and where in msg and f"the macro's {variable}" in msg, msg


def _load(name: str, old: str, new: str) -> object:
    text = (ARCH_DIR / name).read_text(encoding="utf-8")
    assert old in text, old
    return load_arch_text(text.replace(old, new, 1), "probe.yaml")


def _refused(name: str, old: str, new: str) -> str:
    with pytest.raises(SpecError) as info:
        _load(name, old, new)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_integer_widths_follow_the_integer_formats() -> None:
    # int4 formats with the MAC node still priced as int8 (about 3.7x the energy): refused
    msg = _refused("macros/int8_cim.yaml", '    input_format: "int8"', '    input_format: "int4"')
    assert "input_bits = 8" in msg and "the macro's input_format width (4)" in msg


def test_adc_bits_and_class_spelling_are_checked() -> None:
    text = (ARCH_DIR / "chips" / "edge_grmac.yaml").read_text(encoding="utf-8")
    # an all-component ADC width on an 'auto' macro
    assert "adc_bits" in _refused("chips/edge_grmac.yaml", "    n_rows: rows_per_adc",
                                  "    n_rows: rows_per_adc\n    adc_bits: 12")
    # the class is matched case-insensitively, as pricing matches it
    assert "component_class: grcim_adc" in text
    msg = _refused("chips/edge_grmac.yaml", "      n_bits: adc_bits", "      n_bits: 9")
    assert "adc_bits" in msg
    with pytest.raises(SpecError, match="adc_bits"):
        load_arch_text(text.replace("component_class: grcim_adc", "component_class: GRCIM_ADC")
                       .replace("      n_bits: adc_bits", "      n_bits: 9", 1), "probe.yaml")


@pytest.mark.parametrize(("old", "new"), [
    ("    input_format: input_format", '    input_format: "FP8_E4M3"'),   # spelling
    ("    n_rows: rows_per_adc", "    n_rows: rows_per_adc\n    alignment: 'vector_max'"),
    ("    sqnr_target_db: sqnr_target_db", "    sqnr_target_db: '35'"),   # a quoted number
])
def test_equal_or_inert_values_are_accepted(old: str, new: str) -> None:
    # edge_grmac: fp8_e4m3 formats, 35 dB, and alignment is the conventional pipeline's
    arch = _load("chips/edge_grmac.yaml", old, new)
    assert arch.macro.input_format == "fp8_e4m3" and arch.macro.sqnr_target_db == 35


def test_a_dac_of_a_sliced_macro_knows_its_steps_without_a_binding() -> None:
    # once refused (the DAC model priced one signed step); the variable now reaches the
    # models whether or not the file binds it
    arch = _load("macros/int8_cim.yaml", "    n_input_slices: n_input_slices\n", "")
    assert arch.component_attributes["n_input_slices"] == 8  # type: ignore[attr-defined]


@pytest.mark.parametrize(("variable", "value", "attribute", "expected"), [
    ("thermal_margin_db", "0", "thermal_margin_db", 0.0),
    ("gain_reference", '"vector_max"', "gain_reference", "vector_max"),
    ("adc_bits", "9", "adc_bits", 9),
    ("technology", '"65nm"', "technology", "65nm"),
])
def test_a_variable_the_file_leaves_unbound_reaches_the_models(variable: str, value: str,
                                                               attribute: str,
                                                               expected: object) -> None:
    # a hunt found thermal_margin_db: 0 (and gain_reference, alignment, technology) in
    # arch.variables priced exactly as the bundled file: no model received them
    text = (ARCH_DIR / "chips" / "edge_grmac.yaml").read_text(encoding="utf-8")
    anchor = "    sqnr_target_db: 35 "
    assert anchor in text and f"    {attribute}: " not in text.split("nodes:")[0].replace(
        "    adc_bits: \"auto\"", "")
    edited = text.replace(anchor, f"    {variable}: {value}\n{anchor}", 1)
    if variable == "adc_bits":
        edited = text.replace('    adc_bits: "auto"', f"    adc_bits: {value}", 1).replace(
            "      n_bits: adc_bits", "      n_bits: adc_bits", 1)
    attrs = load_arch_text(edited, "probe.yaml").component_attributes
    assert attrs[attribute] == expected
    # and a pipeline's own settings only: alignment is the conventional pipeline's
    assert "alignment" not in load_arch_text(text, "ok.yaml").component_attributes


@pytest.mark.parametrize(("old", "new", "what"), [
    ("      n_adcs: adcs_per_macro // (rows // rows_per_adc)", "      n_adcs: 1",
     "n_adcs = 1"),
    ("      throughput: adc_rate_hz * (adcs_per_macro // (rows // rows_per_adc))\n\n"
     "  # Output gain-ranging", "      throughput: 1.0e+3\n\n  # Output gain-ranging",
     "throughput = 1000.0"),
    ("      n_dacs: rows_per_adc", "      n_dacs: 1", "n_dacs = 1"),
])
def test_converter_counts_and_rates_follow_the_variables(old: str, new: str, what: str
                                                         ) -> None:
    # the mapper's latency counts adcs_per_macro x adc_rate_hz; a node that said otherwise
    # was priced at its own rate (ADC energy 45 uJ -> 2.3 uJ) with exit 0
    msg = _refused("chips/edge_grmac.yaml", old, new)
    assert what in msg and "the macro's" in msg, msg


@pytest.mark.parametrize(("terms", "twice"), [
    ('"all"', ["adc (node 'ADC')", "dac (node 'DAC')", "output_gain (node 'GainRangingStage')"]),
    ('"mac,array,dac,digital"', ["dac (node 'DAC')"]),
    ('"mac,array,adc,gain_stage"', ["adc (node 'ADC')"]),
])
def test_a_mac_that_includes_a_toll_s_term_is_refused(terms: str, twice: list[str]) -> None:
    msg = _refused("chips/edge_grmac.yaml", '      include_terms: "mac,array,gain_stage,digital"',
                   f"      include_terms: {terms}")
    assert "include_terms" in msg and all(t in msg for t in twice), msg
    assert "counted twice" in msg


def test_mac_and_toll_class_tables_match_the_models() -> None:
    from grcim.arch.bindings import MAC_CLASSES, NODE_ATTRIBUTE_OF, TOLL_TERM
    from grcim.plugins.models import MODELS

    names = {cls.__name__: {n.lower() for n in ([cls.component_name] if isinstance(
        cls.component_name, str) else cls.component_name)} for cls in MODELS}
    macs = names["GainRangingMAC"] | names["ConventionalFPMAC"] | names["IntCIMMAC"]
    assert MAC_CLASSES == macs
    assert set(TOLL_TERM) == names["CIMADC"] | names["CIMDAC"] | names["GainRangingStage"]
    assert set(NODE_ATTRIBUTE_OF) == set(TOLL_TERM)
