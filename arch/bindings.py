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
from grcim.arch.formats import parse_format
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
    "n_weight_slices": "n_weight_slices", "adc_bits": "adc_bits",
}
"""Model attribute -> the macro variable it stands for (the cross-boundary names)."""

ONLY_FOR: dict[str, str] = {"alignment": "conventional", "gain_reference": "grmac",
                            "normalization": "grmac"}
"""Attributes that only the named pipeline's models read (elsewhere any value is inert)."""

INT_WIDTH_OF: dict[str, str] = {"input_bits": "input_format", "weight_bits": "weight_format"}
"""``int`` pipeline: the integer MAC model's widths, which its formats' widths must equal."""

FORMAT_KEYS = frozenset({"input_format", "weight_format"})

NODE_ATTRIBUTE_OF: dict[str, dict[str, str]] = {
    "cim_dac": {"n_bits": "dac_bits"}, "grcim_dac": {"n_bits": "dac_bits"},
    "grcim_adc": {"n_bits": "adc_bits"},
}
"""Per component class, the node attributes that are macro variables under another name
(the converters' resolution), on top of :data:`MODEL_ATTRIBUTE_OF` (a node's own
attributes override the all-component ones, so they are checked the same way)."""

DAC_CLASSES = frozenset(c for c, names in NODE_ATTRIBUTE_OF.items()
                        if names.get("n_bits") == "dac_bits")


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _layout(name: Any) -> tuple[Any, ...] | None:
    info = parse_format(str(name))
    return None if info is None else (info.kind, info.bits, info.exponent_bits,
                                       info.mantissa_bits, info.signed, info.block_scaled)


def _same(key: str, attr: Attribute, macro_value: Any) -> bool:
    layout = _layout(attr) if key in FORMAT_KEYS else None
    if layout is not None:  # spelling and aliases aside
        return layout == _layout(macro_value)
    if isinstance(attr, bool) or isinstance(macro_value, bool):
        return attr == macro_value
    if isinstance(attr, str) and isinstance(macro_value, int | float):
        try:
            attr = float(attr)  # a quoted number
        except ValueError:
            return False
    if isinstance(attr, int | float) and isinstance(macro_value, int | float):
        return math.isclose(float(attr), float(macro_value), rel_tol=1e-9)
    return str(attr).strip().lower() == str(macro_value).strip().lower()


def _wanted(key: str, names: dict[str, str], macro: MacroSpec
            ) -> tuple[str, Any, str] | None:
    """The macro variable ``key`` stands for, its value and the binding to write (None:
    nothing to check)."""
    pipeline = _plain(macro.pipeline)
    if key in INT_WIDTH_OF:
        info = parse_format(getattr(macro, INT_WIDTH_OF[key]))
        if pipeline != "int" or info is None:
            return None
        return f"{INT_WIDTH_OF[key]} width", info.bits, f"'{key}: {info.bits}'"
    field = names.get(key)
    if field is None or ONLY_FOR.get(key, pipeline) != pipeline:
        return None
    want = _plain(getattr(macro, field))
    return None if want is None else (field, want, f"'{key}: {field}'")


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
        wanted = None if value is None else _wanted(key, names, macro)
        if wanted is None or _same(key, value, wanted[1]):
            continue
        field, want, fix = wanted
        raise r.error((*path, key), value,
                      f"the macro's {field} ({want!r}): the models must price the macro the "
                      f"mapper tiles; write {fix}", r.line(raw, key) or line)


def check_node_attributes(r: Reader, nodes: tuple[Node, ...], raw: Any, macro: MacroSpec,
                          common: dict[str, Attribute], path: Path, line: int | None) -> None:
    """The same rule for the attributes of the nodes on the arch's top-level list (the
    macro's converters and MAC sit there in every file grcim maps), and a DAC of a macro
    with several input steps must be told so (``n_input_slices``, here or in ``common``,
    the all-component attributes): without it the model prices one signed step."""
    key = "extra_attributes_for_component_model"
    for i, node in enumerate(nodes):
        attrs = getattr(node, key, None) or {}
        cls = (getattr(node, "component_class", None) or "").lower()  # as pricing matches
        raw_node = raw[i] if isinstance(raw, list) and i < len(raw) else None
        at = r.line(raw_node, key) or r.line(raw_node) or line
        if (cls in DAC_CLASSES and macro.n_input_slices > 1
                and "n_input_slices" not in {**common, **attrs}):
            raise r.error((*path, i, key), None, "an attribute 'n_input_slices: "
                          "n_input_slices' (here or for all component models): the macro "
                          f"drives {macro.n_input_slices} DAC steps per input", at)
        if not attrs:
            continue
        names = {**MODEL_ATTRIBUTE_OF, **NODE_ATTRIBUTE_OF.get(cls, {})}
        raw_attrs = raw_node.get(key) if isinstance(raw_node, dict) else None
        check_macro_attributes(r, attrs, raw_attrs, macro, (*path, i, key), at, names)
