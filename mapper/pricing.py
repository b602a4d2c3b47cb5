"""Per-action energy, leakage and area of each component, through hwcomponents.

A component is priced the way AccelForge prices it, so both engines agree:

- an explicit action ``energy`` in the arch (memories, the vector unit) is used as is;
- otherwise ``hwcomponents.get_action_cost(component_class, attributes, action, {})`` with
  ``attributes = extra_attributes_for_all_component_models`` overridden by the node's
  ``extra_attributes_for_component_model``; the node's ``energy_scale`` multiplies it;
- area and leakage: the node's explicit ``area`` / ``leak_power``, else ``get_area`` /
  ``get_leak_power`` of the same query, times ``area_scale`` / ``leak_power_scale``, per
  instance, times :attr:`Component.instances` (AccelForge's rules).

The vector unit's ``add``, ``mul``, ``exp`` and ``div`` come from the chip's
``VectorUnitSpec`` (the arch's single ``compute`` action is AccelForge's per-MAC view:
mul + add).

Model list: grcim's own classes (``grcim.plugins.models.MODELS``) are passed explicitly, so
results never depend on whether grcim was installed editable (hwcomponents' discovery misses
editable installs); a ``component_class`` none of them serves is looked up among all
installed hwcomponents models. Queries are memoized on (component class, attributes,
action). Before asking hwcomponents, a grcim model is built directly, so an attribute it
cannot serve is reported as grcim's one-line reason instead of hwcomponents' log.
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from grcim.arch import Arch
from grcim.arch.nodes import ComputeNode, MemoryNode, TollNode
from grcim.errors import GrcimError, MappingError
from grcim.mapper.components import ChipComponents, Component
from grcim.mapper.vector_ops import VECTOR_ACTIONS

if TYPE_CHECKING:  # the models (and hwcomponents) are imported on first use
    from grcim.plugins.models.batch import CostModel

__all__ = ["Prices", "price_components", "model_classes", "own_model"]

Key = tuple[str, str]
Frozen = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Prices:
    """What each action and component costs on one arch.

    Attributes
    ----------
    energy_j : dict[(str, str), float]
        Energy of one action of (component, action), J.
    leak_power_w : dict[str, float]
        Leakage of all instances of each component, W.
    area_m2 : dict[str, float]
        Area of all instances of each component, m².
    sources : dict[(str, str), str]
        Where each energy came from (``arch`` or the model class name).
    """

    energy_j: dict[Key, float]
    leak_power_w: dict[str, float]
    area_m2: dict[str, float]
    sources: dict[Key, str]


@functools.cache
def model_classes() -> tuple[type[CostModel], ...]:
    """grcim's hwcomponents model classes (imported on first use)."""
    from grcim.plugins.models import MODELS

    return tuple(MODELS)


@functools.cache
def _installed() -> tuple[Any, ...]:
    import hwcomponents

    return tuple(hwcomponents.get_models(include_installed=True))


def own_model(component_class: str) -> type[CostModel] | None:
    for cls in model_classes():
        names = cls.component_name
        names = [names] if isinstance(names, str) else list(names)
        if component_class.lower() in (n.lower() for n in names):
            return cls
    return None


def _freeze(attrs: dict[str, Any]) -> Frozen:
    return tuple(sorted(attrs.items()))


def _reason(exc: BaseException) -> str:
    """The one line of a hwcomponents failure that says why (a model's decline)."""
    for line in str(exc).splitlines():
        text = line.strip(" |")
        for marker in ("ModelDomainError: ", "Error: "):
            if marker in text and "Traceback" not in text:
                return text.split(marker, 1)[1]
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _check_own(component_class: str, attrs: Frozen, where: str) -> None:
    cls = own_model(component_class)
    if cls is None:
        return
    accepted = set(cls.attribute_defaults())
    kwargs = {k: v for k, v in attrs if k in accepted}
    try:
        cls(**kwargs)
    except GrcimError as exc:
        raise MappingError(f"{where}: {component_class} cannot serve these attributes: "
                           f"{exc}") from None
    except TypeError as exc:  # a required attribute is missing
        raise MappingError(f"{where}: {component_class}: {exc}") from None


@functools.lru_cache(maxsize=4096)
def _query(what: str, component_class: str, attrs: Frozen, action: str, where: str) -> float:
    import hwcomponents

    logging.getLogger("hwcomponents").setLevel(logging.CRITICAL)
    _check_own(component_class, attrs, where)
    models = list(model_classes()) if own_model(component_class) else list(_installed())
    try:
        if what == "energy":
            return float(hwcomponents.get_action_cost(component_class, dict(attrs), action, {},
                                                      models=models).energy)
        if what == "area":
            return float(hwcomponents.get_area(component_class, dict(attrs), models=models))
        return float(hwcomponents.get_leak_power(component_class, dict(attrs), models=models))
    except GrcimError:
        raise
    except Exception as exc:  # hwcomponents reports every failure as a multi-line error
        target = f"action {action!r}" if what == "energy" else what
        raise MappingError(f"{where}: no hwcomponents model prices {component_class!r} "
                           f"{target}: {_reason(exc)}") from None


def _attributes(arch: Arch, node: MemoryNode | TollNode | ComputeNode) -> Frozen:
    attrs = {**arch.component_attributes, **node.extra_attributes_for_component_model}
    return _freeze(attrs)


def _energy(arch: Arch, c: Component, action: str) -> tuple[float, str]:
    node = c.node
    scale = node.energy_scale if node.energy_scale is not None else 1.0
    explicit = node.action(action)
    if explicit is not None and explicit.energy is not None:
        return explicit.energy * scale, "arch"
    if node.component_class is None:
        raise MappingError(f"arch {arch.name!r}: node {c.name!r} has no energy for action "
                           f"{action!r} and no component_class to price it")
    where = f"arch {arch.name!r} node {c.name!r}"
    value = _query("energy", node.component_class, _attributes(arch, node), action, where)
    return value * scale, node.component_class


def _static(arch: Arch, c: Component, what: str) -> float:
    node = c.node
    explicit = getattr(node, "area" if what == "area" else "leak_power")
    if explicit is not None:
        per = float(explicit)
    elif node.component_class is None:
        per = 0.0
    else:
        where = f"arch {arch.name!r} node {c.name!r}"
        per = _query(what, node.component_class, _attributes(arch, node), "", where)
    # AccelForge scales explicit values too (a per-weight model under a per-column fanout)
    scale = node.area_scale if what == "area" else node.leak_power_scale
    per *= scale if scale is not None else 1.0
    total = per * c.instances
    if not math.isfinite(total) or total < 0:
        raise MappingError(f"arch {arch.name!r} node {c.name!r}: {what} = {total!r} is not a "
                           "finite non-negative number")
    return total


def price_components(arch: Arch, comps: ChipComponents, keys: tuple[Key, ...]) -> Prices:
    """Energy per action of every (component, action) in ``keys``, and each component's
    leakage and area (rules in the module docstring).

    Raises
    ------
    grcim.errors.MappingError
        A node has neither an explicit cost nor a model that serves its attributes.
    """
    if arch.chip is None:  # pragma: no cover - bind_components refuses macro files first
        raise MappingError(f"arch {arch.name!r} is not a chip")
    by_name = {c.name: c for c in comps.all()}
    energy: dict[Key, float] = {}
    sources: dict[Key, str] = {}
    for name, action in keys:
        c = by_name[name]
        if c.role == "vector" and action in VECTOR_ACTIONS:
            energy[name, action] = arch.chip.vector.energy_per_op_j(action)  # type: ignore[arg-type]
            sources[name, action] = "arch"
            continue
        energy[name, action], sources[name, action] = _energy(arch, c, action)
    leak = {c.name: _static(arch, c, "leak_power") for c in comps.all()}
    area = {c.name: _static(arch, c, "area") for c in comps.all()}
    return Prices(energy, leak, area, sources)
