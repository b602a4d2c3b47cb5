"""AccelForge architecture nodes (``arch.nodes``), the subset grcim accepts.

Node kinds are chosen by YAML tag, top of the hierarchy first, as in AccelForge:
``!Memory`` (stores tensors), ``!Toll`` (pass-through cost such as a DAC or ADC),
``!Container`` (spatial fanout), ``!Compute`` and ``!Fork`` (a side branch, e.g. the vector
unit). grcim reads the keys listed in :data:`NODE_KEYS`; AccelForge keys outside that list
(``enabled``, ``total_latency``, ...) are refused so that every value in the file is one
grcim can check. Numeric values are evaluated with :mod:`grcim.expressions`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grcim.arch.fields import Attribute, Reader
from grcim.arch.quoting import Path
from grcim.yamlio import LineDict

__all__ = [
    "Action",
    "Spatial",
    "Tensors",
    "MemoryNode",
    "TollNode",
    "ComputeNode",
    "ContainerNode",
    "ForkNode",
    "Node",
    "NODE_KEYS",
    "read_nodes",
    "walk_main_path",
]

_FROZEN = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

# Upper bounds on node numbers (why): each is far above any real component, so a value past
# it is a unit slip or a hostile file, and it keeps every priced sum finite (an energy of
# 1e300 J per action times 1e10 actions overflows to inf). Only a memory's size and an
# action's throughput may be ``inf`` (an unbounded backing store, a free action).
MAX_ACTION_ENERGY_J = 1.0
"""Largest energy of one action, J."""
MAX_LATENCY_S = 1.0e3
"""Largest latency of one action, s."""
MAX_BITS_PER_ACTION = 2.0**40
"""Largest bits per action or per value, bits."""
MAX_AREA_M2 = 1.0
"""Largest area of one instance, m²."""
MAX_LEAK_POWER_W = 1.0e3
"""Largest leakage of one instance, W."""
MAX_SCALE = 1.0e6
"""Largest area, leakage or energy multiplier."""


class Action(BaseModel):
    """An explicit action cost; AccelForge then skips the component model for it."""

    model_config = _FROZEN

    name: str
    """Action name: ``read``, ``write`` (memories, tolls) or ``compute``."""
    energy: float | None = Field(default=None, ge=0, le=MAX_ACTION_ENERGY_J)
    """Energy of one action, J (at most 1 J: more is a unit slip, and sums overflow)."""
    throughput: float | None = Field(default=None, gt=0)
    """Actions per second, 1/s (``inf``: unbounded)."""
    latency: float | None = Field(default=None, ge=0, le=MAX_LATENCY_S)
    """Latency of one action, s."""
    bits_per_action: float | None = Field(default=None, gt=0, le=MAX_BITS_PER_ACTION)
    """Bits moved by one action, bits (AccelForge's default is 1)."""


class Spatial(BaseModel):
    """One spatial dimension of a fanout."""

    model_config = _FROZEN

    name: str
    """Dimension name (unique in the arch)."""
    fanout: int = Field(gt=0, le=2**31)
    """Number of instances below this point along the dimension."""
    reuse: str | None = None
    """Tensors that must be shared along the dimension (``output`` = summed over rows)."""
    may_reuse: str | None = None
    """Tensors that may be shared (``input`` = broadcast over columns)."""
    min_usage: float | None = Field(default=None, ge=0, le=2**31)
    """Minimum fraction or count of the fanout a mapping must use."""
    usage_scale: float | None = Field(default=None, gt=0, le=2**31)
    """Instances one mapped element occupies (e.g. weight slices per weight)."""
    power_gateable: bool | None = None
    """Whether unused instances stop leaking."""


class Tensors(BaseModel):
    """Which tensors a memory or toll holds (AccelForge set expressions, kept as text)."""

    model_config = _FROZEN

    keep: str | None = None
    """Tensors always kept here."""
    may_keep: str | None = None
    """Tensors the mapper may keep here."""
    back: str | None = None
    """Tensors backed (written back) here."""
    no_refetch_from_above: str | None = None
    """Tensors fetched from above at most once."""
    no_resend_to_below: str | None = None
    """Tensors sent below at most once."""
    force_memory_hierarchy_order: bool | None = None
    """Whether this node must keep its place in the memory order."""


class _Component(BaseModel):
    model_config = _FROZEN

    name: str
    """Unique node name."""
    component_class: str | None = None
    """hwcomponents model name (``gr_mac``, ``grcim_adc``, ``SRAM``, ...)."""
    area: float | None = Field(default=None, ge=0, le=MAX_AREA_M2)
    """Area of one instance, m² (overrides the model)."""
    leak_power: float | None = Field(default=None, ge=0, le=MAX_LEAK_POWER_W)
    """Leakage of one instance, W (overrides the model)."""
    area_scale: float | None = Field(default=None, ge=0, le=MAX_SCALE)
    """Multiplier on the model's area."""
    leak_power_scale: float | None = Field(default=None, ge=0, le=MAX_SCALE)
    """Multiplier on the model's leakage."""
    energy_scale: float | None = Field(default=None, ge=0, le=MAX_SCALE)
    """Multiplier on the model's action energies."""
    n_parallel_instances: float | None = Field(default=None, gt=0, le=2**31)
    """Copies working in parallel (throughput and area scale with it)."""
    actions: tuple[Action, ...] | None = None
    """Explicit action costs (J, 1/s); None = ask the component model."""
    extra_attributes_for_component_model: dict[str, Attribute] = {}
    """Attributes passed to the component model (grcim reads the macro's from here too)."""
    spatial: tuple[Spatial, ...] = ()
    """Spatial fanout of this node."""

    def action(self, name: str) -> Action | None:
        """The explicit action called ``name``, if any."""
        return next((a for a in self.actions or () if a.name == name), None)


class _TensorHolder(_Component):
    tensors: Tensors = Tensors()
    """Which tensors this node holds."""
    bits_per_value: dict[str, Annotated[float, Field(gt=0, le=MAX_BITS_PER_ACTION)]] = {}
    """Bits per value by tensor-set expression, bits."""
    bits_per_action: float | None = Field(default=None, gt=0, le=MAX_BITS_PER_ACTION)
    """Default bits per action of this node's actions, bits."""


class MemoryNode(_TensorHolder):
    """``!Memory``: stores tensors over time."""

    kind: Literal["Memory"] = "Memory"
    """Node kind (the YAML tag)."""
    size: float = Field(ge=0)
    """Capacity, bits (``inf`` for an unbounded backing store)."""


class TollNode(_TensorHolder):
    """``!Toll``: charges every value that passes (DAC, ADC, normalizer)."""

    kind: Literal["Toll"] = "Toll"
    """Node kind (the YAML tag)."""
    direction: Literal["up", "down", "up_and_down"]
    """Direction of the data flow that pays the toll."""
    values_per_action: dict[str, Annotated[float, Field(gt=0, le=2**31)]] = {}
    """Values that pass per action, by tensor-set expression (AccelForge's key): e.g. one
    ADC conversion per ``1 / (n_weight_slices * n_input_slices)`` output value."""


class ComputeNode(_Component):
    """``!Compute``: performs the einsum's MACs."""

    kind: Literal["Compute"] = "Compute"
    """Node kind (the YAML tag)."""


class ContainerNode(BaseModel):
    """``!Container``: a spatial fanout with no cost of its own."""

    model_config = _FROZEN

    kind: Literal["Container"] = "Container"
    """Node kind (the YAML tag)."""
    name: str
    """Unique node name."""
    spatial: tuple[Spatial, ...] = Field(min_length=1)
    """The fanout dimensions."""


class ForkNode(BaseModel):
    """``!Fork``: a side branch (its nodes are not above the nodes after it)."""

    model_config = _FROZEN

    kind: Literal["Fork"] = "Fork"
    """Node kind (the YAML tag); AccelForge gives Forks no name."""
    nodes: tuple[Node, ...] = Field(min_length=1)
    """The branch's nodes, top first."""
    forked_power_gateable: bool = False
    """Whether the branch stops leaking while the main path runs."""
    non_forked_power_gateable: bool = False
    """Whether the main path stops leaking while the branch runs."""


Node = MemoryNode | TollNode | ComputeNode | ContainerNode | ForkNode
ForkNode.model_rebuild()

_COMPONENT_KEYS = (
    "name", "component_class", "area", "leak_power", "area_scale", "leak_power_scale",
    "energy_scale", "n_parallel_instances", "actions", "extra_attributes_for_component_model",
    "spatial",
)
_HOLDER_KEYS = (*_COMPONENT_KEYS, "tensors", "bits_per_value", "bits_per_action")
NODE_KEYS: dict[str, tuple[str, ...]] = {
    "Memory": (*_HOLDER_KEYS, "size"),
    "Toll": (*_HOLDER_KEYS, "direction", "values_per_action"),
    "Compute": _COMPONENT_KEYS,
    "Container": ("name", "spatial"),
    "Fork": ("nodes", "forked_power_gateable", "non_forked_power_gateable"),
}
"""Keys grcim accepts for each node tag."""
_REQUIRED = {"Memory": ("name", "size"), "Toll": ("name", "direction"), "Compute": ("name",),
             "Container": ("name", "spatial"), "Fork": ("nodes",)}
_MODELS: dict[str, type[BaseModel]] = {"Memory": MemoryNode, "Toll": TollNode,
                                      "Compute": ComputeNode, "Container": ContainerNode,
                                      "Fork": ForkNode}
_NUMBER = {"area", "leak_power", "area_scale", "leak_power_scale", "energy_scale",
           "n_parallel_instances", "size", "bits_per_action"}
_ACTION_KEYS = ("name", "energy", "throughput", "latency", "bits_per_action")
_SPATIAL_KEYS = ("name", "fanout", "reuse", "may_reuse", "min_usage", "usage_scale",
                 "power_gateable")
_TENSOR_KEYS = tuple(Tensors.model_fields)


def _read_list(r: Reader, raw: Any, path: Path, line: int | None, what: str,
               keys: tuple[str, ...], item: Callable[[Any, Path, int | None], Any]
               ) -> tuple[Any, ...]:
    out = []
    for i, entry in enumerate(r.sequence(raw, path, line, what)):
        sub = (*path, i)
        e_line = r.line(entry) or line
        entry = r.mapping(entry, sub, e_line, what)
        r.check_keys(entry, sub, keys, required=("name",))
        out.append(item(entry, sub, e_line))
    return tuple(out)


def _action(r: Reader, raw: Any, path: Path, line: int | None) -> list[dict[str, Any]]:
    def one(entry: Any, sub: Path, e_line: int | None) -> dict[str, Any]:
        return {k: (r.name(v, (*sub, k), r.line(entry, k)) if k == "name"
                    else r.number(v, (*sub, k), r.line(entry, k))) for k, v in entry.items()}

    return list(_read_list(r, raw, path, line, "actions", _ACTION_KEYS, one))


def _spatial(r: Reader, raw: Any, path: Path, line: int | None) -> list[dict[str, Any]]:
    def one(entry: Any, sub: Path, e_line: int | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in entry.items():
            at, k_line = (*sub, k), r.line(entry, k)
            if k == "name":
                out[k] = r.name(v, at, k_line)
            elif k in ("reuse", "may_reuse"):
                out[k] = r.tensor_set(v, at, k_line)
            elif k == "power_gateable":
                out[k] = r.boolean(v, at, k_line)
            else:
                out[k] = r.number(v, at, k_line)
        return out

    return list(_read_list(r, raw, path, line, "spatial dimensions", _SPATIAL_KEYS, one))


def _tensors(r: Reader, raw: Any, path: Path, line: int | None) -> dict[str, Any]:
    entry = r.mapping(raw, path, line, "tensor rules")
    r.check_keys(entry, path, _TENSOR_KEYS)
    return {k: (r.boolean(v, (*path, k), r.line(entry, k))
                if k == "force_memory_hierarchy_order"
                else r.tensor_set(v, (*path, k), r.line(entry, k)))
            for k, v in entry.items()}


def _read_value(r: Reader, key: str, value: Any, path: Path, line: int | None) -> Any:
    if key in ("name", "component_class"):
        return r.name(value, path, line)
    if key in _NUMBER:
        return r.number(value, path, line)
    if key == "actions":
        return _action(r, value, path, line)
    if key == "spatial":
        return _spatial(r, value, path, line)
    if key == "tensors":
        return _tensors(r, value, path, line)
    if key == "extra_attributes_for_component_model":
        return r.attributes(value, path, line)
    if key in ("bits_per_value", "values_per_action"):
        entry = r.mapping(value, path, line, "tensor sets to numbers")
        return {r.tensor_set(k, (*path, k), r.line(entry, k)):
                r.number(v, (*path, k), r.line(entry, k)) for k, v in entry.items()}
    if key == "direction":
        r.tick(path, line)
        if value not in ("up", "down", "up_and_down"):
            raise r.error(path, value, "up, down or up_and_down", line)
        return value
    if key in ("forked_power_gateable", "non_forked_power_gateable"):
        return r.boolean(value, path, line)
    if key == "nodes":
        return list(read_nodes(r, value, path, line))
    raise r.error(path, value, "unknown key", line)  # pragma: no cover - keys checked


def _validation_error(r: Reader, exc: ValidationError, raw: Any, path: Path,
                      line: int | None) -> Exception:
    first = exc.errors()[0]
    loc = tuple(first["loc"])
    sub, node = path, raw
    for part in loc:
        if isinstance(node, dict) and part in node:
            line = r.line(node, part) or line
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            line = r.line(node[part]) or line
            node = node[part]
        else:
            break
        sub = (*sub, part)
    return r.error(sub, node if sub != path else None, first["msg"], line)


def _check_action_names(r: Reader, data: dict[str, Any], entry: Any, path: Path,
                        line: int | None) -> None:
    """Refuse a node that lists one action twice: AccelForge refuses it ('Multiple elements
    with name ...'), and grcim's pricing would take the first and drop the other."""
    seen: dict[str, int] = {}
    raw = entry.get("actions") if isinstance(entry, dict) else None
    for i, action in enumerate(data.get("actions") or ()):
        name = action.get("name")
        if name not in seen:
            seen[name] = i
            continue
        item = raw[i] if isinstance(raw, list) and i < len(raw) else None
        raise r.error((*path, "actions", i, "name"), name,
                      f"an action name not yet used in node {data.get('name')!r}: "
                      f"actions.{seen[name]} is {name!r} too (one entry per action; "
                      "AccelForge refuses the file)",
                      r.line(item, "name") or r.line(entry, "actions") or line)


def read_node(r: Reader, raw: Any, path: Path, line: int | None) -> Node:
    """One tagged node mapping -> typed node (numbers evaluated)."""
    line = r.line(raw) or line
    tag = raw.tag if isinstance(raw, LineDict) else None
    if tag not in _MODELS:
        shown = f"!{tag}" if tag else "no tag"
        raise r.error(path, shown, "a node tagged !Memory, !Toll, !Container, !Compute or "
                      "!Fork", line)
    entry = r.mapping(raw, path, line, "node fields")
    r.check_keys(entry, path, NODE_KEYS[tag], required=_REQUIRED[tag])
    data = {k: _read_value(r, k, v, (*path, k), r.line(entry, k) or line)
            for k, v in entry.items()}
    _check_action_names(r, data, entry, path, line)
    try:
        return _MODELS[tag].model_validate(data)  # type: ignore[return-value]
    except ValidationError as exc:
        raise _validation_error(r, exc, entry, path, line) from None


def read_nodes(r: Reader, raw: Any, path: Path, line: int | None) -> Iterator[Node]:
    """Read a node list (``arch.nodes`` or a Fork's ``nodes``)."""
    for i, entry in enumerate(r.sequence(raw, path, line, "tagged nodes")):
        yield read_node(r, entry, (*path, i), line)


def walk_main_path(nodes: tuple[Node, ...]
                   ) -> Iterator[MemoryNode | TollNode | ComputeNode | ContainerNode]:
    """Nodes on the main path (Fork branches left out), top first."""
    for node in nodes:
        if not isinstance(node, ForkNode):
            yield node


def walk_all(nodes: tuple[Node, ...]) -> Iterator[Node]:
    """Every node, Fork branches included, top first."""
    for node in nodes:
        yield node
        if isinstance(node, ForkNode):
            yield from walk_all(node.nodes)
