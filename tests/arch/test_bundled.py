"""Every bundled arch file validates, documents itself and carries its sources' numbers."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import grcim.arch
from grcim.arch import DEFAULT_ARCH, Arch, ChipSpec, MacroSpec, list_bundled, load_arch
from grcim.arch.nodes import ContainerNode, walk_all

ARCH_DIR = Path(grcim.arch.__file__).parent
FILES = {p.stem: p for folder in ("macros", "chips") for p in (ARCH_DIR / folder).glob("*.yaml")}
CHIP_MACRO = {"grmac": "grmac_row", "conventional": "conventional_fp_cim", "int8": "int8_cim"}
# component_class names of grcim's estimator plug-ins (the plug-in contract).
GRCIM_CLASSES = {"gr_mac", "conventional_fp_mac", "int_cim_mac", "gain_ranging_stage",
                 "exponent_normalizer", "grcim_adc", "cim_dac"}


def test_list_matches_the_files_on_disk() -> None:
    assert sorted(list_bundled()) == sorted(FILES)
    assert len(FILES) == 10


@pytest.mark.parametrize("name", sorted(FILES))
def test_bundled_file_validates(name: str) -> None:
    arch = load_arch(name)
    assert arch.name == name
    assert arch.kind == ("chip" if FILES[name].parent.name == "chips" else "macro")
    assert (arch.chip is not None) == (arch.kind == "chip")
    # the same file loads by path too, with the same values
    by_path = load_arch(FILES[name])
    assert by_path.macro == arch.macro and by_path.chip == arch.chip


@pytest.mark.parametrize("name", sorted(FILES))
def test_header_comment(name: str) -> None:
    text = FILES[name].read_text(encoding="utf-8")
    header = text.split("\narch:", 1)[0]
    assert header.startswith(f"# {name}.yaml: ")
    for section in ("# Purpose:", "# Glossary", "# Grammar", "# Sources"):
        assert section in header, section
    assert all(line.startswith("#") or not line.strip() for line in header.splitlines())
    # AccelForge renders every file through Jinja2 first: no template delimiters anywhere
    assert not any(mark in text for mark in ("{{", "{%", "{#"))


@pytest.mark.parametrize("name", sorted(FILES))
def test_typed_values_round_trip(name: str) -> None:
    arch = load_arch(name)
    again = Arch.model_validate(arch.model_dump())
    assert again == arch
    assert MacroSpec.model_validate(arch.macro.model_dump()) == arch.macro
    if arch.chip:
        assert ChipSpec.model_validate(arch.chip.model_dump()) == arch.chip


@pytest.mark.parametrize("name", sorted(FILES))
def test_component_classes_are_grcim_models(name: str) -> None:
    classes = {getattr(n, "component_class", None) for n in walk_all(load_arch(name).nodes)}
    assert classes - {None} <= GRCIM_CLASSES


def test_default_is_the_edge_grmac_chip() -> None:
    arch = load_arch(DEFAULT_ARCH)
    assert DEFAULT_ARCH == "edge_grmac"
    assert arch.kind == "chip" and arch.pipeline.value == "grmac"
    assert arch.dram_kind is not None and arch.dram_kind.value == "lpddr5"


@pytest.mark.parametrize("size", ["edge", "large"])
@pytest.mark.parametrize("variant", sorted(CHIP_MACRO))
def test_chip_macro_block_equals_macro_file(size: str, variant: str) -> None:
    chip = load_arch(f"{size}_{variant}")
    macro = load_arch(CHIP_MACRO[variant])
    assert chip.macro == macro.macro
    # the nodes below the Macro container are the macro file's nodes
    names = [getattr(n, "name", None) for n in chip.nodes]
    below = chip.nodes[names.index("Macro") + 1:]
    assert below == macro.nodes


@pytest.mark.parametrize("size", ["edge", "large"])
def test_chip_variants_differ_only_in_the_macro(size: str) -> None:
    chips = [load_arch(f"{size}_{v}").chip for v in sorted(CHIP_MACRO)]
    assert all(c is not None for c in chips)
    first = chips[0].model_dump(exclude={"macro"})  # type: ignore[union-attr]
    for other in chips[1:]:
        assert other.model_dump(exclude={"macro"}) == first  # type: ignore[union-attr]


def test_edge_numbers_match_their_sources() -> None:
    chip = load_arch("edge_grmac").chip
    assert chip is not None
    # JEDEC LPDDR5-6400 on a 64-bit bus: 6400e6 transfers/s x 8 bytes
    assert chip.dram.bandwidth_bytes_per_s == pytest.approx(51.2e9)
    assert chip.dram.size_bytes == 16 * 1024**3
    assert chip.sram.size_bytes == 4 * 1024**2
    # Intel 22 nm HD bitcell 0.092 um^2 over 60 % array efficiency
    assert chip.sram.area_m2 == pytest.approx(4 * 1024**2 * 8 * 0.092e-12 / 0.6)
    # Horowitz 45 nm FP16: add 0.4 pJ, mul 1.1 pJ; x0.39 to 22 nm; x2 overhead
    add, mul = 0.4e-12 * 0.39 * 2, 1.1e-12 * 0.39 * 2
    v = chip.vector
    assert (v.add_energy_j, v.mul_energy_j) == (pytest.approx(add), pytest.approx(mul))
    assert v.exp_energy_j == pytest.approx(4 * mul + 4 * add)
    assert v.div_energy_j == pytest.approx(5 * mul + 2 * add)
    assert v.energy_per_op_j("exp") == v.exp_energy_j
    assert chip.sram.write_energy_per_bit_j == pytest.approx(1.25 * 0.35e-12)


def test_large_numbers_match_their_sources() -> None:
    arch = load_arch("large_grmac")
    assert arch.chip is not None and arch.chip.n_macros >= 128
    # NVIDIA H100 SXM5: 80 GB HBM3 (5 x 16 GiB stacks), 3.35 TB/s
    assert arch.chip.dram.kind.value == "hbm3"
    assert arch.chip.dram.size_bytes == 5 * 16 * 1024**3
    assert arch.chip.dram.bandwidth_bytes_per_s == pytest.approx(3.35e12)
    assert arch.tech_node_m == pytest.approx(7e-9)


@pytest.mark.parametrize(
    ("name", "slices", "mvm_ns", "weights", "columns", "bit_lines"),
    [
        # conversions = bit columns holding weights x row groups x input slices (bit-sliced
        # cells: every bit column is converted); per ADC: / 128 ADCs; time = per-ADC
        # conversions / 200 MS/s. grmac_unit: 51 weights of 5 cells = 255 columns.
        ("grmac_unit", 1, 8 / 200e6 * 1e9, 256 * (256 // 5), 255, 256),
        # conventional_fp_cim: 32 weights of 9 cells = 288 columns, 3456 / 128 ADCs = 27
        ("conventional_fp_cim", 3, 27 / 200e6 * 1e9, 256 * 32, 288, 288),
        ("int8_cim", 8, 64 / 200e6 * 1e9, 256 * (256 // 8), 256, 256),
    ],
)
def test_macro_derived_quantities(name: str, slices: int, mvm_ns: float, weights: int,
                                  columns: int, bit_lines: int) -> None:
    m = load_arch(name).macro
    assert m.n_row_groups == 4
    assert m.conversions_per_input_vector == columns * 4 * slices
    assert m.mvm_time_s * 1e9 == pytest.approx(mvm_ns)
    assert m.weights_per_macro == weights
    assert m.weight_load_energy_j == pytest.approx(256 * bit_lines * 0.1e-12)
    assert m.weight_load_time_s == pytest.approx(256 * 2e-9)


@pytest.mark.parametrize("name", sorted(FILES))
def test_fanouts_cover_every_cell(name: str) -> None:
    arch = load_arch(name)
    fanout = math.prod(s.fanout for n in arch.nodes if isinstance(n, ContainerNode)
                       for s in n.spatial)
    assert fanout == arch.n_macros * arch.macro.rows * arch.macro.cols
