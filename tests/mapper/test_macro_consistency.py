"""``grcim table`` and ``grcim map`` price the same macro: per-MAC energy equality.

For every bundled macro, a chip carrying it (the bundled edge chip of its pipeline, with the
macro file's variables) maps one matmul that tiles the arrays exactly (K a multiple of the
rows, N a multiple of the weights per row), so every MAC has the same share of conversions
and row drives. The mapper's energy of the macro's components (MAC, ADC, DAC, gain-ranging
stage) per MAC, from its own action counts and per-action prices, must equal the energy of
the MAC model queried alone with all its terms and the same attributes (one model: the
reference here is the other code path, not a copied number). The structure of the counts is
checked against hand arithmetic as well, so a compensating error cannot hide.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from grcim.arch import load_arch, load_arch_text
from grcim.mapper.mapping import map_graph
from grcim.plugins.models import MODELS
from grcim.resources import bundled

CHIP_OF = {"conventional_fp_cim": "edge_conventional", "grmac_row": "edge_grmac",
           "grmac_unit": "edge_grmac", "int8_cim": "edge_int8"}
MODEL_OF = {"conventional": "conventional_fp_mac", "grmac": "gr_mac", "int": "int_cim_mac"}


def _text(package: str, name: str) -> str:
    return bundled(package, f"{name}.yaml").read_text(encoding="utf-8")


def _variables(text: str) -> tuple[int, int]:
    start = text.index("  variables:\n")
    return start, text.index("  extra_attributes_for_all_component_models:", start)


def _chip_with_macro(macro: str) -> str:
    """The edge chip text with every macro variable set as the macro file sets it."""
    chip = _text("grcim.arch.chips", CHIP_OF[macro])
    source = _text("grcim.arch.macros", macro)
    a, b = _variables(source)
    head, block, tail = chip[:_variables(chip)[0]], chip[slice(*_variables(chip))], \
        chip[_variables(chip)[1]:]
    for line in source[a:b].splitlines():
        m = re.match(r"^    ([a-z_]+): (.+?)(\s+#.*)?$", line)
        if m and m.group(1) not in ("kind", "description"):
            key = m.group(1)
            block = re.sub(rf"(?m)^    {key}: .+$", f"    {key}: {m.group(2)}", block, count=1)
    return head + block + tail


def _mac_attributes(arch: Any) -> tuple[str, dict[str, Any]]:
    attrs = dict(arch.component_attributes)
    mac = next(n for n in arch.nodes if getattr(n, "name", "") == "MAC")
    attrs.update(mac.extra_attributes_for_component_model)
    attrs.pop("include_terms", None)
    model = next(m for m in MODELS if arch.macro.compute_class in m.component_name)
    accepted = model.attribute_defaults()
    return model.__name__, {k: v for k, v in attrs.items() if k in accepted}


@pytest.mark.parametrize("macro", sorted(CHIP_OF))
def test_table_and_map_agree_per_mac(macro: str, graph_of) -> None:
    arch = load_arch_text(_chip_with_macro(macro), f"<{macro} chip>", f"{macro}_chip")
    assert arch.macro == load_arch(macro).macro  # the chip really carries that macro
    m = arch.macro
    weights_per_row = m.cols // m.n_weight_slices
    k, n = m.rows, weights_per_row * 4  # exact tiles: every conversion and drive is full
    result = map_graph(arch, graph_of(("mm", 8, k, n)))
    acts, price = result.actions, result.action_energy_j
    macs = result.cim_macs
    assert macs == 8 * k * n
    # counts by hand: one conversion per bit column, row group and input slice; one drive
    # per row and input slice for each column tile
    assert acts["ADC.read"] == pytest.approx(
        8 * n * m.converted_slices * (k // m.rows_per_adc) * m.n_input_slices)
    assert acts["DAC.read"] == pytest.approx(8 * k * 4 * m.n_input_slices)
    per_mac = sum(acts[key] * price[key] for key in
                  ("MAC.compute", "ADC.read", "DAC.read", "GainRangingStage.read")
                  if key in acts) / macs
    name, attrs = _mac_attributes(arch)
    model = next(cls for cls in MODELS if cls.__name__ == name)
    table = model(**attrs).compute().energy
    assert per_mac == pytest.approx(table, rel=0.01)
    assert per_mac == pytest.approx(table, rel=1e-9)  # the same model, not just close
