"""``arch.variables``: the flat block of named parameters grcim reads.

AccelForge lets ``arch.variables`` hold any names and makes them symbols for the node
expressions below; grcim gives each name a meaning and a unit. Grammar: a key is either a
common key (``kind``, ``description``, ``tech_node``, ``clock_hz``), a macro key (a
:class:`~grcim.arch.cim.MacroSpec` field, unprefixed), a chip key (``n_macros``,
``kv_cache_placement``, ``dynamic_matmul_unit``), or ``<group>_<field>`` with group
``sram`` / ``dram`` / ``vector`` and a field of :class:`~grcim.arch.chip.SramSpec`,
:class:`~grcim.arch.chip.DramSpec` or :class:`~grcim.arch.chip.VectorUnitSpec`.
Values are read in file order, so an expression may use any numeric variable above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from grcim.arch.chip import DramSpec, SramSpec, VectorUnitSpec
from grcim.arch.cim import MacroSpec
from grcim.arch.fields import Reader
from grcim.arch.quoting import Path

__all__ = ["VariableKey", "VARIABLE_KEYS", "TEXT_KEYS", "read_variables", "GROUP_MODELS"]

COMMON_KEYS = ("kind", "description", "tech_node", "technology", "clock_hz")
CHIP_KEYS = ("n_macros", "kv_cache_placement", "dynamic_matmul_unit")
GROUP_MODELS: dict[str, type[BaseModel]] = {
    "macro": MacroSpec, "sram": SramSpec, "dram": DramSpec, "vector": VectorUnitSpec,
}
TEXT_KEYS = frozenset({
    "kind", "description", "pipeline", "normalization", "input_format", "weight_format",
    "adc_law", "dram_kind", "kv_cache_placement", "dynamic_matmul_unit", "technology",
    "noise_standard", "cell_topology", "alignment", "gain_reference",
})
"""Keys whose value is quoted text (everything else is a number or an expression)."""
EITHER_KEYS = frozenset({"adc_bits"})
"""Keys that take a number/expression or the quoted text ``"auto"``."""


@dataclass(frozen=True)
class VariableKey:
    """Where one ``arch.variables`` key lands in the typed objects.

    Attributes
    ----------
    group : str
        ``common``, ``chip``, ``macro``, ``sram``, ``dram`` or ``vector``.
    field : str
        Field name inside the group's model.
    """

    group: str
    field: str


def _table() -> dict[str, VariableKey]:
    table = {k: VariableKey("common", k) for k in COMMON_KEYS}
    table.update({k: VariableKey("chip", k) for k in CHIP_KEYS})
    table.update({k: VariableKey("macro", k) for k in MacroSpec.model_fields})
    for group in ("sram", "dram", "vector"):
        table.update({f"{group}_{k}": VariableKey(group, k)
                      for k in GROUP_MODELS[group].model_fields})
    return table


VARIABLE_KEYS: dict[str, VariableKey] = _table()
"""Every key ``arch.variables`` accepts."""


def read_variables(r: Reader, raw: Any, path: Path, line: int | None) -> dict[str, Any]:
    """Read ``arch.variables`` in order; numeric values become symbols for later ones.

    Returns
    -------
    dict
        Evaluated values by YAML key, in file order.
    """
    block = r.mapping(raw, path, line, "variable names to values")
    r.check_keys(block, path, VARIABLE_KEYS)
    values: dict[str, Any] = {}
    for key, value in block.items():
        at, k_line = (*path, key), r.line(block, key) or line
        if key in TEXT_KEYS or (key in EITHER_KEYS and isinstance(value, str)
                                and at in r.quoted):
            values[key] = r.text(value, at, k_line)
            if isinstance(values[key], str):
                r.texts[key] = values[key]
        else:
            values[key] = r.number(value, at, k_line)
            r.symbols[key] = values[key]
    return values
