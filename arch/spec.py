"""The typed architecture object, :class:`Arch`, and how it is built from a loaded file.

One arch file is one AccelForge spec file with a single top-level key, ``arch``:

- ``arch.variables``: grcim's parameters (:mod:`grcim.arch.variables`), also AccelForge
  symbols;
- ``arch.extra_attributes_for_all_component_models``: attributes AccelForge passes to every
  component model (``tech_node``, ``cycle_period``);
- ``arch.nodes``: the AccelForge node tree (:mod:`grcim.arch.nodes`), whose numbers refer
  to the variables.

Checks beyond single values: chip-only keys only in chips; exactly one compute node on the
main path, whose ``component_class`` matches the pipeline; the spatial fanouts on the main
path multiply to ``n_macros * rows * cols``; node and dimension names are unique; in a
chip, the node values grcim's mapper takes from the variables agree with them
(:mod:`grcim.arch.consistency`).
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Any, Literal, Self, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from grcim.arch.bindings import (
    bound_attributes,
    check_mac_terms,
    check_macro_attributes,
    check_node_attributes,
)
from grcim.arch.chip import ChipSpec, DramKind
from grcim.arch.cim import MacroSpec, Pipeline
from grcim.arch.consistency import check_chip_nodes, check_every_node_priced
from grcim.arch.fields import Attribute, Reader
from grcim.arch.nodes import ComputeNode, Node, read_nodes, walk_all, walk_main_path
from grcim.arch.quoting import Path
from grcim.arch.roles import derive_roles
from grcim.arch.rules import RULE, rule_error
from grcim.arch.variables import GROUP_MODELS, VARIABLE_KEYS, read_variables
from grcim.resources import names_a_file

__all__ = ["Arch", "ArchKind", "build_arch", "describe_field"]

ArchKind = Literal["macro", "chip"]
_ARCH_KEYS = ("variables", "extra_attributes_for_all_component_models", "nodes")


class Arch(BaseModel):
    """A validated macro or chip architecture.

    All values are SI: m, Hz, s, J, W, m², bytes (``_bytes``) and bits (``_bits``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    name: str
    """Arch name: the bundled name (``edge_grmac``) or the file's stem."""
    kind: ArchKind
    """``macro`` (one macro) or ``chip`` (macros + SRAM + DRAM + vector unit)."""
    description: str = ""
    """One-line purpose from the file."""
    source: str
    """File the arch was read from."""
    tech_node_m: float | None = Field(default=None, gt=0, le=1e-5)
    """Technology node, m (YAML key ``tech_node``); with ``technology`` it scales that
    technology's constants to this node."""
    technology: str | None = None
    """Technology of the component models (YAML key ``technology``): a bundled node name
    (``28nm``, ``65nm``, ...) or a technology YAML file (a relative path is relative to the
    arch file, and stored absolute). At least one of ``tech_node`` and ``technology`` is
    given. Component attributes may name other files: :attr:`technology_files`."""
    clock_hz: float = Field(gt=0, le=1e11)
    """Digital clock frequency, Hz."""
    macro: MacroSpec
    """The CIM macro (for a chip: the one all ``n_macros`` instances use)."""
    chip: ChipSpec | None = None
    """Chip-level parameters; None for a macro file."""
    variables: dict[str, Attribute]
    """``arch.variables`` as evaluated, in file order."""
    component_attributes: dict[str, Attribute] = {}
    """``extra_attributes_for_all_component_models`` as evaluated."""
    nodes: tuple[Node, ...]
    """The AccelForge node tree, top first."""

    @model_validator(mode="after")
    def _kind_matches(self) -> Self:
        if (self.kind == "chip") != (self.chip is not None):
            raise rule_error("kind",
                             "'chip' files need the chip keys, 'macro' files must not")
        if self.tech_node_m is None and self.technology is None:
            raise rule_error("tech_node_m", "required (a feature size in m) unless technology "
                             "names a bundled node or a technology file")
        return self

    @property
    def cycle_time_s(self) -> float:
        """Clock period, s."""
        return 1.0 / self.clock_hz

    @property
    def n_macros(self) -> int:
        """Macros on the chip (1 for a macro file)."""
        return self.chip.n_macros if self.chip else 1

    @property
    def pipeline(self) -> Pipeline:
        """The macro's MAC pipeline."""
        return self.macro.pipeline

    @property
    def dram_kind(self) -> DramKind | None:
        """DRAM technology, or None for a macro file."""
        return self.chip.dram.kind if self.chip else None

    @property
    def technology_files(self) -> tuple[str, ...]:
        """Every technology file the component models of this arch read, in order: the
        ``technology`` variable, then the ``technology`` attribute of
        ``extra_attributes_for_all_component_models``, then each node's own (Fork branches
        included); each once. Paths are absolute (resolved against the arch file's folder)
        when the arch was read from a file. Bundled node names and sizes are not files and
        are left out. (A result computed with the arch depends on these files' contents.)"""
        found: list[str] = []
        values = [self.technology, self.component_attributes.get("technology")]
        values += [getattr(n, "extra_attributes_for_component_model", {}).get("technology")
                   for n in walk_all(self.nodes)]
        for value in values:
            if isinstance(value, str):
                name = value.strip().strip("\"'").strip()
                if name and names_a_file(name) and name not in found:
                    found.append(name)
        return tuple(found)

    def node(self, name: str) -> Node:
        """The node called ``name`` (Fork branches included); KeyError if absent."""
        for node in walk_all(self.nodes):
            if getattr(node, "name", None) == name:
                return node
        raise KeyError(name)


def _model_error(r: Reader, model: type[BaseModel], exc: ValidationError, block: Any,
                 key_of: dict[str, str], path: Path, line: int | None) -> Exception:
    """Map a pydantic error on a group model back to the YAML key it came from."""
    first = exc.errors()[0]
    msg = str(first["msg"]).removeprefix("Value error, ")
    loc = [str(p) for p in first["loc"]]
    field = loc[0] if loc else ""
    ctx = first.get("ctx") or {}
    if first["type"] == RULE:  # a cross-field rule names the field it blames (arch.rules)
        field, msg = str(ctx["field"]), str(ctx["message"])
    key = key_of.get(field)
    if key is None:
        return r.error(path, None, msg, line)
    present = isinstance(block, dict) and key in block
    value = block[key] if present else None
    if first["type"] == "missing":
        msg = "missing required key"
    elif loc and field in model.model_fields:
        msg = f"{msg} (allowed: {describe_field(model, field)})"
    return r.error((*path, key), value, msg, r.line(block, key) if present else line)


def describe_field(model: type[BaseModel], field: str) -> str:
    """What a field accepts, from its type and bounds (e.g. ``integer > 0, <= 65536``)."""
    info = model.model_fields[field]
    bounds = []
    for meta in info.metadata:
        for attr, sign in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
            limit = getattr(meta, attr, None)
            if limit is not None:
                shown = f"{limit:d}" if isinstance(limit, int) and limit < 10**7 else f"{limit:g}"
                bounds.append(f"{sign} {shown}")
    return " ".join([_describe_type(info.annotation), ", ".join(bounds)]).strip()


def _describe_type(annotation: Any) -> str:
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "one of " + ", ".join(f'"{m.value}"' for m in annotation)
    args = get_args(annotation)
    if get_origin(annotation) is Literal:
        return " or ".join(f'"{a}"' for a in args)
    if args:
        parts = [_describe_type(a) for a in args if a is not type(None)]
        return " or ".join(parts) + (" or null" if type(None) in args else "")
    names = {int: "integer", float: "number", str: "text", bool: "true or false"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _group(values: dict[str, Any], group: str) -> tuple[dict[str, Any], dict[str, str]]:
    data, key_of = {}, {}
    for key, value in values.items():
        where = VARIABLE_KEYS[key]
        if where.group == group:
            data[where.field] = value
            key_of[where.field] = key
    if group in GROUP_MODELS:  # name missing required fields by their YAML key
        prefix = "" if group == "macro" else f"{group}_"
        key_of.update({f: f"{prefix}{f}" for f in GROUP_MODELS[group].model_fields
                       if f not in key_of})
    return data, key_of


def _build(r: Reader, model: type[BaseModel], data: dict[str, Any], key_of: dict[str, str],
           block: Any, path: Path, line: int | None) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _model_error(r, model, exc, block, key_of, path, line) from None


def _check_nodes(r: Reader, nodes: tuple[Node, ...], raw: Any, macro: MacroSpec,
                 n_macros: int, path: Path, line: int | None) -> None:
    seen: set[str] = set()
    for node in walk_all(nodes):
        names = [getattr(node, "name", None)]
        names += [s.name for s in getattr(node, "spatial", ())]
        for name in names:
            if name is None:
                continue
            if name in seen:
                raise r.error(path, name, "node and spatial dimension names must be unique",
                              line)
            seen.add(name)
    main = list(walk_main_path(nodes))
    computes = [(i, n) for i, n in enumerate(nodes) if isinstance(n, ComputeNode)]
    if len(computes) != 1:
        raise r.error(path, [n.name for _, n in computes], "exactly one !Compute node outside "
                      "!Fork branches (the macro's MAC)", line)
    index, compute = computes[0]
    if compute.component_class != macro.compute_class:
        at = (*path, index, "component_class")
        raw_node = raw[index] if isinstance(raw, list) and index < len(raw) else None
        raise r.error(at, compute.component_class, f"{macro.compute_class!r} for pipeline "
                      f"{macro.pipeline.value!r}", r.line(raw_node, "component_class") or line)
    fanout = math.prod(s.fanout for n in main for s in getattr(n, "spatial", ()))
    expected = n_macros * macro.rows * macro.cols
    if fanout != expected:
        raise r.error(path, fanout, f"spatial fanouts outside !Fork branches must multiply to "
                      f"n_macros*rows*cols = {n_macros}*{macro.rows}*{macro.cols} = {expected}",
                      line)


def build_arch(r: Reader, raw: Any, name: str, source: str) -> Arch:
    """Build an :class:`Arch` from the loaded ``arch`` mapping.

    Raises
    ------
    grcim.errors.SpecError
        For the first problem found, naming its key path and line.
    """
    path: Path = ("arch",)
    line = r.line(raw)
    block = r.mapping(raw, path, line, "arch sections")
    r.check_keys(block, path, _ARCH_KEYS, required=("variables", "nodes"))
    v_path, v_line = (*path, "variables"), r.line(block, "variables") or line
    values = read_variables(r, block["variables"], v_path, v_line)
    v_block = block["variables"]
    if isinstance(values.get("technology"), str):
        # a technology file is found next to the arch file that names it (a bundled node
        # name stays as it is: the component models look it up); component attributes
        # naming a file follow the same rule (Reader.attributes)
        values["technology"] = r.texts["technology"] = r.technology(values["technology"])
    kind = values.get("kind")
    if kind not in ("macro", "chip"):
        raise r.error((*v_path, "kind"), kind, '"macro" or "chip"', r.line(v_block, "kind")
                      or v_line)
    if kind == "macro":
        for key in values:
            if VARIABLE_KEYS[key].group not in ("common", "macro"):
                raise r.error((*v_path, key), values[key], 'only in chip files (kind: "chip")',
                              r.line(v_block, key) or v_line)
    data, key_of = _group(values, "macro")
    macro = _build(r, MacroSpec, data, key_of, v_block, v_path, v_line)
    # after the variables are checked, so a missing variable is reported where it belongs
    attrs: dict[str, Attribute] = {}
    if "extra_attributes_for_all_component_models" in block:
        key = "extra_attributes_for_all_component_models"
        attrs = r.attributes(block[key], (*path, key), r.line(block, key) or line)
        check_macro_attributes(r, attrs, block[key], macro, (*path, key),
                               r.line(block, key) or line)
    attrs = bound_attributes(attrs, macro, values)
    chip = None
    if kind == "chip":
        parts = {}
        for group in ("sram", "dram", "vector"):
            data, key_of = _group(values, group)
            parts[group] = _build(r, GROUP_MODELS[group], data, key_of, v_block, v_path,
                                  v_line)
        data, key_of = _group(values, "chip")
        key_of.update({k: k for k in ("n_macros", "kv_cache_placement", "dynamic_matmul_unit")})
        chip = _build(r, ChipSpec, {**data, "macro": macro, **parts}, key_of, v_block,
                      v_path, v_line)
    n_path, n_line = (*path, "nodes"), r.line(block, "nodes") or line
    nodes = tuple(read_nodes(r, block["nodes"], n_path, n_line))
    _check_nodes(r, nodes, block["nodes"], macro, chip.n_macros if chip else 1, n_path, n_line)
    check_node_attributes(r, nodes, block["nodes"], macro, n_path, n_line)
    roles = derive_roles(nodes)  # one placement of the nodes for both checks
    check_mac_terms(r, roles, block["nodes"], attrs, n_path, n_line)
    check_every_node_priced(r, roles, nodes, block["nodes"], n_path, n_line)
    if chip is not None:
        check_chip_nodes(r, roles, block["nodes"], chip, n_path, n_line)

    common, key_of = _group(values, "common")
    key_of.update({"tech_node_m": "tech_node", "clock_hz": "clock_hz",
                   "description": "description", "kind": "kind"})
    common["tech_node_m"] = common.pop("tech_node", None)
    if common["tech_node_m"] is None:
        common.pop("tech_node_m")
    data = {**common, "name": name, "source": source, "macro": macro, "chip": chip,
            "variables": values, "component_attributes": attrs, "nodes": nodes}
    return _build(r, Arch, data, key_of, v_block, v_path, v_line)
