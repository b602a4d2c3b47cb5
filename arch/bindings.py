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
from collections.abc import Callable
from enum import Enum
from typing import Any

from grcim.arch.cim import MacroSpec
from grcim.arch.fields import Attribute, Reader
from grcim.arch.formats import parse_format
from grcim.arch.nodes import Node
from grcim.arch.quoting import Path
from grcim.arch.roles import Roles

__all__ = ["MODEL_ATTRIBUTE_OF", "NODE_ATTRIBUTE_OF", "check_macro_attributes",
           "check_node_attributes", "bound_attributes", "check_mac_terms"]

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

_ADC_PER_GROUP = "adcs_per_macro // (rows // rows_per_adc)"
_ADC_GROUP_RATE = "adc_rate_hz * (adcs_per_macro // (rows // rows_per_adc))"
DERIVED: dict[str, Callable[[MacroSpec], float]] = {
    _ADC_PER_GROUP: lambda m: m.adcs_per_row_group,
    _ADC_GROUP_RATE: lambda m: m.adc_rate_hz * m.adcs_per_row_group,
}
"""Quantities of the macro the mapper derives from its variables, by the expression a file
binds them with: the converters of one row group (the ADC and output stage sit below the
``rows // rows_per_adc`` fanout, so each instance serves its share of the macro's ADCs) and
their conversion rate, which the mapper's latency counts."""

NODE_ATTRIBUTE_OF: dict[str, dict[str, str]] = {
    "cim_dac": {"n_bits": "dac_bits", "n_dacs": "rows_per_adc"},
    "grcim_dac": {"n_bits": "dac_bits", "n_dacs": "rows_per_adc"},
    "grcim_adc": {"n_bits": "adc_bits", "n_adcs": _ADC_PER_GROUP,
                  "throughput": _ADC_GROUP_RATE},
    "gain_ranging_stage": {"throughput": _ADC_GROUP_RATE},
    "gain_stage": {"throughput": _ADC_GROUP_RATE},
}
"""Per component class, the node attributes that are macro variables (or quantities of
:data:`DERIVED`) under another name: the converters' resolution, count and rate, on top of
:data:`MODEL_ATTRIBUTE_OF` (a node's own attributes override the all-component ones, so
they are checked the same way). A DAC drives the ``rows_per_adc`` rows of its conversion."""

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
    if field in DERIVED:
        return field, DERIVED[field](macro), f"'{key}: {field}'"
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


def bound_attributes(attrs: dict[str, Attribute], macro: MacroSpec,
                     variables: dict[str, Any]) -> dict[str, Attribute]:
    """The all-component attributes, completed with every macro variable a model attribute
    stands for that the file leaves unbound (``thermal_margin_db``, ``gain_reference``,
    ``alignment``, ``adc_bits``, ..., and the ``technology`` / ``tech_node`` variables when
    set): a variable is the macro's setting, so the models price it whether or not the
    file repeats it as an attribute. (An unbound variable used to reach no model: a sweep of
    ``thermal_margin_db`` stored identical energies, and ``adc_bits: 1`` priced a 1-bit
    ADC beside a MAC sized for an automatic one.) Attributes of another pipeline's models
    are left out, as :func:`check_macro_attributes` leaves them alone."""
    out = dict(attrs)
    pipeline = _plain(macro.pipeline)
    for key, field in MODEL_ATTRIBUTE_OF.items():
        if key in out or ONLY_FOR.get(key, pipeline) != pipeline:
            continue
        value = _plain(getattr(macro, field))
        if value is not None:
            out[key] = value
    for key in ("technology", "tech_node"):
        if key not in out and variables.get(key) is not None:
            out[key] = variables[key]
    return out


def check_node_attributes(r: Reader, nodes: tuple[Node, ...], raw: Any, macro: MacroSpec,
                          path: Path, line: int | None) -> None:
    """The same rule for the attributes of the nodes on the arch's top-level list (the
    macro's converters and MAC sit there in every file grcim maps). (A DAC of a macro with
    several input steps once had to be told ``n_input_slices`` here or for all models; the
    variable now reaches every model through :func:`bound_attributes`.)"""
    key = "extra_attributes_for_component_model"
    for i, node in enumerate(nodes):
        attrs = getattr(node, key, None) or {}
        cls = (getattr(node, "component_class", None) or "").lower()  # as pricing matches
        if not attrs:
            continue
        raw_node = raw[i] if isinstance(raw, list) and i < len(raw) else None
        at = r.line(raw_node, key) or r.line(raw_node) or line
        names = {**MODEL_ATTRIBUTE_OF, **NODE_ATTRIBUTE_OF.get(cls, {})}
        raw_attrs = raw_node.get(key) if isinstance(raw_node, dict) else None
        if cls in _DAC_CLASSES and "throughput" in attrs:
            # no variable stands for it: the mapper times the DAC steps by the clock and
            # the ADCs, so the attribute would only rescale the model's leakage (1e3 cut
            # the decode DAC energy 66x, exit 0)
            raise r.error((*path, i, key, "throughput"), attrs["throughput"],
                          "absent on a DAC node: its rate follows the macro (n_input_slices "
                          "steps per MVM at clock_hz, held while the ADCs convert), which "
                          "no attribute here can change", at)
        check_macro_attributes(r, attrs, raw_attrs, macro, (*path, i, key), at, names)


_DAC_CLASSES = frozenset({"cim_dac", "grcim_dac"})

MAC_CLASSES = frozenset({"gr_mac", "gain_ranging_mac", "conventional_fp_mac", "fp_cim_mac",
                         "int_cim_mac", "int_mac"})
"""grcim's MAC models, with their aliases (``include_terms`` selects their energy terms)."""

TOLL_TERM: dict[str, str] = {"grcim_adc": "adc", "cim_dac": "dac", "grcim_dac": "dac",
                             "gain_ranging_stage": "output_gain", "gain_stage": "output_gain"}
"""The MAC energy term a toll of this class prices on its own (a gain-ranging stage with
``placement: "array"`` prices the in-array ``gain_stage`` term instead)."""


def _terms(value: Attribute) -> set[str] | None:
    """The terms ``include_terms`` selects (None: ``all``)."""
    parts = value if isinstance(value, list | tuple) else str(value).split(",")
    terms = {str(p).strip().lower() for p in parts if str(p).strip()}
    return None if terms == {"all"} else terms


def check_mac_terms(r: Reader, roles: Roles, raw: Any, common: dict[str, Attribute],
                    path: Path, line: int | None) -> None:
    """Refuse a MAC node whose ``include_terms`` (``all`` when not given) covers a term a
    toll of the arch prices too (the ADC, the DAC, the output gain-ranging stage): that
    energy would be counted twice, once inside the MAC and once at the toll."""
    if roles.mac is None:
        return
    mac = roles.mac.node
    if (getattr(mac, "component_class", None) or "").lower() not in MAC_CLASSES:
        return
    key = "extra_attributes_for_component_model"
    own = getattr(mac, key, None) or {}
    value = own.get("include_terms", common.get("include_terms", "all"))
    chosen = _terms(value)
    twice: dict[str, str] = {}
    for toll in roles.tolls:
        cls = (getattr(toll.node, "component_class", None) or "").lower()
        term = TOLL_TERM.get(cls)
        attrs = {**common, **(getattr(toll.node, key, None) or {})}
        if term == "output_gain" and str(attrs.get("placement", "output")).lower() == "array":
            term = "gain_stage"
        if term is not None and (chosen is None or term in chosen):
            twice.setdefault(term, toll.node.name)
    if not twice:
        return
    i = roles.mac.path[0]  # the MAC is on the main path: a top-level index
    raw_node = raw[i] if isinstance(raw, list) and isinstance(i, int) and i < len(raw) else None
    at = r.line(raw_node.get(key) if isinstance(raw_node, dict) else None, "include_terms")
    shown = ", ".join(f"{t} (node {n!r})" for t, n in twice.items())
    where = (*path, i, key, "include_terms")
    raise r.error(where, value, f"terms that leave out what the arch's tolls price: {shown} "
                  "would be counted twice, in the MAC and at the toll; list the MAC's own "
                  "terms, e.g. 'mac,array,digital'",
                  at or r.line(raw_node, key) or r.line(raw_node) or line)
