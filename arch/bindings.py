"""The component models must price the macro the mapper tiles.

An arch file names its macro's geometry and settings twice: the typed variables the mapper
reads (``rows_per_adc``, ``cols``, ``dac_bits``, ...) and the attributes it hands every
component model (``extra_attributes_for_all_component_models``: ``n_rows``, ``n_cols``,
``dac_bits``, ...; the models' own parameter names). The bundled files bind each attribute
to its variable (``n_rows: rows_per_adc``), so both sides see one number; an attribute
written with another value would have the models price one macro (say, 32 rows per
conversion) while the mapper counts actions on another (64), with no error. grcim
therefore refuses such a binding, naming the attribute, its value and the variable it must
equal (docs/arch.md, "Node values and variables").
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Any

from grcim.arch.cim import MacroSpec
from grcim.arch.fields import Attribute, Reader
from grcim.arch.nodes import Node
from grcim.arch.quoting import Path

__all__ = ["MODEL_ATTRIBUTE_OF", "NODE_ATTRIBUTE_OF", "check_macro_attributes",
           "check_node_attributes"]

MODEL_ATTRIBUTE_OF: dict[str, str] = {
    "n_rows": "rows_per_adc", "n_cols": "cols", "pipeline": "pipeline",
    "input_format": "input_format", "weight_format": "weight_format",
    "sqnr_target_db": "sqnr_target_db", "noise_standard": "noise_standard",
    "thermal_margin_db": "thermal_margin_db", "adc_law": "adc_law", "adc_rate": "adc_rate_hz",
    "cell_topology": "cell_topology", "normalization": "normalization",
    "gain_reference": "gain_reference", "alignment": "alignment", "dac_bits": "dac_bits",
    "n_input_slices": "n_input_slices", "cell_bits": "cell_bits",
    "n_weight_slices": "n_weight_slices",
}
"""Model attribute -> the macro variable it stands for (the cross-boundary names)."""

NODE_ATTRIBUTE_OF: dict[str, dict[str, str]] = {
    "cim_dac": {"n_bits": "dac_bits"}, "grcim_dac": {"n_bits": "dac_bits"},
    "grcim_adc": {"n_bits": "adc_bits"},
}
"""Per component class, the node attributes that are macro variables under another name
(the converters' resolution), on top of :data:`MODEL_ATTRIBUTE_OF` (a node's own
attributes override the all-component ones, so they are checked the same way)."""


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _same(attr: Attribute, macro_value: Any) -> bool:
    if isinstance(attr, bool) or isinstance(macro_value, bool):
        return attr == macro_value
    if isinstance(attr, int | float) and isinstance(macro_value, int | float):
        return math.isclose(float(attr), float(macro_value), rel_tol=1e-9)
    return str(attr) == str(macro_value)


def check_macro_attributes(r: Reader, attrs: dict[str, Attribute], raw: Any,
                           macro: MacroSpec, path: Path, line: int | None,
                           names: dict[str, str] = MODEL_ATTRIBUTE_OF) -> None:
    """Refuse an all-component attribute that disagrees with the macro (module docstring);
    ``names``: attribute -> macro variable.

    Raises
    ------
    grcim.errors.SpecError
        Naming the attribute's key path and line, its value, and the variable it must
        equal with that variable's value.
    """
    for key, value in attrs.items():
        field = names.get(key)
        if field is None or value is None:
            continue
        want = _plain(getattr(macro, field))
        if want is None or _same(value, want):
            continue
        raise r.error((*path, key), value,
                      f"the macro's {field} ({want!r}): the models must price the macro the "
                      f"mapper tiles; write '{key}: {field}'", r.line(raw, key) or line)


def check_node_attributes(r: Reader, nodes: tuple[Node, ...], raw: Any, macro: MacroSpec,
                          path: Path, line: int | None) -> None:
    """The same rule for the attributes of the nodes on the arch's top-level list (the
    macro's converters and MAC sit there in every file grcim maps)."""
    key = "extra_attributes_for_component_model"
    for i, node in enumerate(nodes):
        attrs = getattr(node, key, None)
        if not attrs:
            continue
        names = {**MODEL_ATTRIBUTE_OF,
                 **NODE_ATTRIBUTE_OF.get(getattr(node, "component_class", None) or "", {})}
        raw_node = raw[i] if isinstance(raw, list) and i < len(raw) else None
        raw_attrs = raw_node.get(key) if isinstance(raw_node, dict) else None
        check_macro_attributes(r, attrs, raw_attrs, macro, (*path, i, key),
                               r.line(raw_node, key) or line, names)
