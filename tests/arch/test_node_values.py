"""Node numbers: finite and bounded (R6), and equal to the arch.variables the mapper reads
(R7), so an arch without its DRAM node cannot be priced as if the buffer were DRAM (R3)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import grcim.arch
from grcim.arch import load_arch_text
from grcim.errors import SpecError

ARCH_DIR = Path(grcim.arch.__file__).parent
CHIP = (ARCH_DIR / "chips" / "edge_grmac.yaml").read_text(encoding="utf-8")
CHIPS = sorted((ARCH_DIR / "chips").glob("*.yaml"))


def replace(text: str, old: str, new: str, count: int = 1) -> str:
    assert old in text, old
    return text.replace(old, new, count)


def line_of(text: str, fragment: str, start: int = 1) -> int:
    """1-based line of the first line at or after ``start`` containing ``fragment``."""
    for i, line in enumerate(text.splitlines(), 1):
        if i >= start and fragment in line:
            return i
    raise AssertionError(fragment)


def fail(text: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_arch_text(text, "bad.yaml")
    assert "\n" not in str(info.value)
    return info.value


@pytest.mark.parametrize(("old", "new", "key"), [
    ("      energy: dram_read_energy_per_bit_j", "      energy: inf",
     "arch.nodes.0.actions.0.energy"),
    ("      energy: dram_read_energy_per_bit_j", "      energy: 1.0e+300",
     "arch.nodes.0.actions.0.energy"),
    ("    leak_power: sram_leak_power_w", "    leak_power: inf", "arch.nodes.1.leak_power"),
    ("    leak_power: sram_leak_power_w", "    leak_power: sram_leak_power_w\n"
     "    energy_scale: inf", "arch.nodes.1.energy_scale"),
    ("    area: sram_area_m2", "    area: 1.0e+300", "arch.nodes.1.area"),
])
def test_non_finite_and_absurd_node_numbers_are_refused(old: str, new: str, key: str) -> None:
    # R6: these passed validate, and map printed a RuntimeWarning, energy "-" and exit 0
    text = replace(CHIP, old, new)
    err = fail(text)
    assert err.key == key and err.line == line_of(text, new.splitlines()[-1])
    assert "less than or equal" in err.allowed


@pytest.mark.parametrize("chip", CHIPS, ids=lambda p: p.stem)
def test_bundled_node_values_agree_with_their_variables(chip: Path) -> None:
    load_arch_text(chip.read_text(encoding="utf-8"), str(chip))


@pytest.mark.parametrize(("old", "new", "key", "variable"), [
    ("    size: dram_size_bytes * 8", "    size: 8 * 2**30 * 8", "arch.nodes.0.size",
     "dram_size_bytes * 8"),
    ("      throughput: dram_bandwidth_bytes_per_s * 8", "      throughput: 1.0e+10",
     "arch.nodes.0.actions.0.throughput", "dram_bandwidth_bytes_per_s * 8"),
    ("      energy: dram_read_energy_per_bit_j", "      energy: 1.0e-12",
     "arch.nodes.0.actions.0.energy", "dram_read_energy_per_bit_j"),
    ("    size: sram_size_bytes * 8", "    size: 1024", "arch.nodes.1.size",
     "sram_size_bytes * 8"),
    ("    area: sram_area_m2", "    area: 0", "arch.nodes.1.area", "sram_area_m2"),
    ("    size: n_weight_slices * cell_bits", "    size: 64", "arch.nodes.10.size",
     "n_weight_slices * cell_bits"),
    ("        throughput: vector_throughput_ops_per_s / 2", "        throughput: 1.0e+9",
     "arch.nodes.2.nodes.1.actions.0.throughput", "vector_throughput_ops_per_s / 2"),
])
def test_node_value_disagreeing_with_its_variable_is_refused(old: str, new: str, key: str,
                                                               variable: str) -> None:
    # R7: node sizes and throughputs were silently ignored (only the variables counted)
    err = fail(replace(CHIP, old, new))
    assert err.key == key and f"must equal {variable} = " in err.allowed


def test_a_node_value_equal_to_its_variable_may_be_a_literal() -> None:
    # 16 GiB written out instead of "dram_size_bytes * 8": the same number, accepted
    load_arch_text(replace(CHIP, "    size: dram_size_bytes * 8", "    size: 137438953472"),
                   "ok.yaml")


def test_bits_per_action_scales_energy_and_throughput() -> None:
    # 8 bits per action: 8 x the energy per bit and 1/8 of the bit rate (AccelForge's rule)
    text = replace(CHIP, """      energy: dram_read_energy_per_bit_j
      throughput: dram_bandwidth_bytes_per_s * 8
      bits_per_action: 1""", """      energy: 8 * dram_read_energy_per_bit_j
      throughput: dram_bandwidth_bytes_per_s
      bits_per_action: 8""")
    load_arch_text(text, "ok.yaml")
    err = fail(replace(text, "      energy: 8 * dram_read", "      energy: dram_read"))
    assert "energy / bits_per_action = " in err.allowed


def _without_dram(text: str) -> str:
    start = text.index("  - !Memory\n    name: DRAM")
    end = text.index("  # Global on-chip SRAM")
    return text[:start] + text[end:]


def test_chip_without_dram_node_is_refused() -> None:
    # R3: without its DRAM node a chip mapped with exit 0, pricing DRAM traffic at the
    # global buffer's energy (0.129x the energy of the same chip with DRAM)
    err = fail(_without_dram(CHIP))
    assert err.key == "arch.nodes.0.size" and "'GlobalBuffer' is the DRAM" in err.allowed


def test_dram_without_explicit_actions_is_refused() -> None:
    # R18: a DRAM without actions passed validate and failed in map
    start = CHIP.index("    actions:\n    - name: read\n      energy: dram_read")
    end = CHIP.index("  # Global on-chip SRAM")
    err = fail(CHIP[:start] + "\n" + CHIP[end:])
    assert err.key == "arch.nodes.0.actions" and "explicit 'read' action" in err.allowed


def test_chip_without_any_memory_above_the_macros_is_refused() -> None:
    text = _without_dram(CHIP)
    start = text.index("  # Global on-chip SRAM")
    end = text.index("  # Digital vector unit")
    err = fail(text[:start] + text[end:])
    assert err.key == "arch.nodes" and "!Memory above the macro fanout" in err.allowed


def test_messages_name_file_and_line() -> None:
    text = replace(CHIP, "    size: dram_size_bytes * 8", "    size: 8")
    err = fail(text)
    assert re.match(r"bad\.yaml:\d+: arch\.nodes\.0\.size = 8", str(err))
    assert err.line == line_of(text, "    size: 8")


_VECTOR_UNIT = """    - !Compute
      name: VectorUnit
      area: vector_area_m2
      leak_power: vector_leak_power_w
      actions:
      - name: compute
        energy: vector_mul_energy_j + vector_add_energy_j
        throughput: vector_throughput_ops_per_s / 2
"""


def _vector_in_inner_fork(text: str) -> str:
    """The chip with its vector unit one !Fork deeper (Fork > [registers, Fork > [unit]])."""
    inner = "".join(f"    {line}\n" for line in _VECTOR_UNIT.splitlines())
    return replace(text, _VECTOR_UNIT, "    - !Fork\n      nodes:\n" + inner)


def test_a_vector_unit_nested_in_a_fork_is_checked_as_the_mapper_binds_it() -> None:
    # validate passed a nested vector unit whose throughput disagreed with its variable,
    # while map bound that very node as the vector unit (and priced it from the variables):
    # the two derived the roles separately and disagreed on a !Fork inside a !Fork
    from grcim.mapper.components import bind_components

    nested = _vector_in_inner_fork(CHIP)
    vector = bind_components(load_arch_text(nested, "ok.yaml")).vector
    assert vector is not None and vector.name == "VectorUnit"
    bad = replace(nested, "throughput: vector_throughput_ops_per_s / 2", "throughput: 1.0e+9")
    err = fail(bad)
    assert err.key == "arch.nodes.2.nodes.1.nodes.0.actions.0.throughput"
    assert "'VectorUnit' is the vector unit" in err.allowed
    assert err.line == line_of(bad, "throughput: 1.0e+9")


_L2 = """  - !Memory
    name: L2
    size: 1024 * 8
    leak_power: 0.5
    tensors: {may_keep: All}
    actions:
    - {name: read, energy: 1.0e-9, throughput: 1.0e+12, bits_per_action: 1}
    - {name: write, energy: 1.0e-9, throughput: 1.0e+12, bits_per_action: 1}
"""


def _insert_before(text: str, marker: str, block: str) -> str:
    at = text.index(marker)
    start = text.rindex("\n", 0, at) + 1
    return text[:start] + block + text[start:]


@pytest.mark.parametrize("costs", ["    leak_power: 0.5\n", "    area: 1.0e-6\n",
                                   "    component_class: grcim_adc\n", ""])
def test_a_third_memory_above_the_fanouts_is_refused_when_it_costs(costs: str) -> None:
    # it passed validate and map left its 0.5 W and its read energy out, exit 0
    block = _L2.replace("    leak_power: 0.5\n", costs)
    text = _insert_before(CHIP, "# Digital vector unit", block)
    err = fail(text)
    assert err.value == "L2" and err.key.endswith(".name") and "plays no role" in err.allowed
    assert err.line == line_of(text, "name: L2")


def test_a_costless_dummy_node_is_allowed() -> None:
    block = ("  - !Memory\n    name: Spare\n    component_class: Dummy\n    size: 8\n"
             "    tensors: {may_keep: All}\n")
    text = _insert_before(CHIP, "# Digital vector unit", block)
    assert load_arch_text(text, "ok.yaml").name


def test_a_second_compute_in_a_fork_is_refused() -> None:
    block = ("  - !Fork\n    nodes:\n    - !Compute\n      name: SecondUnit\n"
             "      leak_power: 1.0\n      area: 1.0e-5\n"
             "      actions: [{name: compute, energy: 1.0e-12}]\n")
    text = _insert_before(CHIP, "# n_macros identical macros", block)  # after the vector's
    err = fail(text)
    assert err.value == "SecondUnit" and ".nodes.0.name" in err.key


def test_copies_of_a_node_inside_a_macro_are_refused() -> None:
    # n_parallel_instances: 2 on the ADC doubled its area and leakage but not its rate
    text = replace(CHIP, "    name: ADC\n", "    name: ADC\n    n_parallel_instances: 2\n")
    err = fail(text)
    assert err.key.endswith(".n_parallel_instances") and err.value == 2
    assert "adcs_per_macro" in err.allowed


def test_a_dac_throughput_is_refused() -> None:
    # no variable stands for it; 1e3 only rescaled the DAC's leakage (decode DAC energy 66x
    # lower, exit 0)
    text = replace(CHIP, "      n_dacs: rows_per_adc\n",
                   "      n_dacs: rows_per_adc\n      throughput: 1.0e+3\n")
    err = fail(text)
    assert err.key.endswith(".throughput") and "DAC" in err.allowed


# A node listing one action twice passed validate; the mapper took the first entry, and
# AccelForge refuses the file ('Multiple elements with name "read"').

def test_an_action_listed_twice_is_refused() -> None:
    old = ("      bits_per_action: 1\n    - name: write\n"
           "      energy: dram_write_energy_per_bit_j\n")
    text = replace(CHIP, old, "      bits_per_action: 1\n    - name: read\n      energy: 0\n"
                   + old.removeprefix("      bits_per_action: 1\n"))
    err = fail(text)
    assert (err.key, err.value) == ("arch.nodes.0.actions.1.name", "read")
    assert err.line == line_of(text, "    - name: read", line_of(text, "name: DRAM") + 9)
    assert "'DRAM'" in err.allowed and "actions.0" in err.allowed


def test_an_action_listed_twice_in_a_fork_branch_is_refused() -> None:
    old = "      - {name: write, energy: 0, throughput: inf, bits_per_action: 1}\n"
    text = replace(CHIP, old, old + old)
    err = fail(text)
    assert (err.key, err.value) == ("arch.nodes.2.nodes.0.actions.2.name", "write")
    assert err.line == line_of(text, old.strip()) + 1
    assert "'VectorRegisters'" in err.allowed and "actions.1" in err.allowed
