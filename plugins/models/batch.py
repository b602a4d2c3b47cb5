"""Vectorized cost evaluation shared by the grcim hwcomponents models and by energy tables.

Each model class implements ``evaluate(attrs, n)``: a closed-form (or cached) computation of
its costs for ``n`` attribute points at once. Attributes named in the class's
``VECTOR_ATTRIBUTES`` arrive as length-``n`` sequences; every other attribute is one scalar
shared by the ``n`` points. A single query (hwcomponents, Accelergy) is the case ``n = 1``,
so a table row and a model query run the same code.

Composition rules (as in hwcomponents): ``energy_j`` is per action; ``area_m2`` and
``leak_power_w`` are per instance; latency and throughput are shared by all actions.
``evaluate`` returns costs at the bundled technology node together with the
:class:`~grcim.plugins.models.technode.NodeMap` that scales them to the requested node;
models apply the scaling through ``ComponentModel.scale`` and tables through
:meth:`BatchCosts.scaled`, with the same factors.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from hwcomponents import ActionCost, ComponentModel, action
from hwcomponents.scaling import tech_node_area, tech_node_energy, tech_node_leak
from numpy.typing import NDArray

from grcim.plugins.models.technode import NodeMap

if TYPE_CHECKING:
    from grcim.physics.technology import Technology

__all__ = ["BatchCosts", "CostModel", "MacModel", "REQUIRED", "TollModel", "full", "sum_terms"]

F64 = NDArray[np.float64]
#: Marker for an attribute without a default (hwcomponents: "not a match" when missing).
REQUIRED = inspect.Parameter.empty


@dataclass(frozen=True)
class BatchCosts:
    """Costs of one component at ``n`` attribute points (every array has shape ``(n,)``).

    Attributes
    ----------
    energy_j : dict[str, ndarray]
        Action name to energy per action, J.
    area_m2 : ndarray
        Area of one instance, m².
    leak_power_w : ndarray
        Static power of one instance, W.
    latency_s : ndarray
        Latency of one action, s.
    throughput_hz : ndarray
        Actions per second the instance sustains.
    info : dict[str, ndarray]
        What else a macro-level model reports at each point (dimensionless or named by
        unit suffix): ``adc_energy_share``, ``adc_bits``, ``conversions_per_mac``,
        ``delivered_sqnr_db``, ... (``grcim table`` prints them as extra columns).
    terms_j : dict[str, ndarray]
        A MAC model's energy per ``compute`` of each term of its breakdown, J: what
        ``include_terms`` set to that term alone returns (empty for other models). Lets a
        caller read the breakdown from one evaluation instead of one per term.
    """

    energy_j: dict[str, F64]
    area_m2: F64
    leak_power_w: F64
    latency_s: F64
    throughput_hz: F64
    info: dict[str, F64] = field(default_factory=dict)
    terms_j: dict[str, F64] = field(default_factory=dict)

    def scaled(self, node: NodeMap) -> BatchCosts:
        """Costs at ``node.target_node_m`` (energy, area and leakage scaled)."""
        info = {k: (v * node.energy_scale if k.endswith("_j") else v)
                for k, v in self.info.items()}
        return BatchCosts({a: e * node.energy_scale for a, e in self.energy_j.items()},
                          self.area_m2 * node.area_scale,
                          self.leak_power_w * node.leak_power_scale,
                          self.latency_s, self.throughput_hz, info,
                          {t: e * node.energy_scale for t, e in self.terms_j.items()})


def full(n: int, value: Any) -> F64:
    """``value`` broadcast to a float array of shape ``(n,)``."""
    return np.broadcast_to(np.asarray(value, dtype=np.float64), (n,)).astype(np.float64)


@functools.cache
def _signature_defaults(init: Callable[..., None]) -> tuple[tuple[str, Any], ...]:
    params = list(inspect.signature(init).parameters.values())[1:]
    return tuple((p.name, p.default) for p in params)


def sum_terms(values: dict[str, Any], names: tuple[str, ...], n: int) -> F64:
    """Sum of the arrays ``values[name]`` over ``names`` (in that order), shape ``(n,)``."""
    total = np.zeros(n)
    for name in names:
        total = total + np.broadcast_to(values[name], (n,))
    return total


class CostModel:
    """Mixin for grcim's ``ComponentModel`` classes: attributes -> :class:`BatchCosts`.

    Subclasses define ``__init__`` with explicit keyword attributes (hwcomponents and
    Accelergy match attributes by parameter name) that calls ``self._setup(dict(locals()))``,
    one ``@action`` method per action returning ``self._cost(name)``, and ``costs_at`` (or
    ``evaluate``, when the model finds its node itself).
    """

    VECTOR_ATTRIBUTES: ClassVar[tuple[str, ...]] = ()
    """Attributes ``evaluate`` accepts as arrays (one value per point)."""

    component_name: ClassVar[str | list[str]]
    """Names in architecture files (``component_class``), set by each model (hwcomponents'
    ``ComponentModel`` attribute, declared here for the code that looks models up)."""

    @classmethod
    def attribute_defaults(cls) -> dict[str, Any]:
        """Attribute name to default value (``REQUIRED`` when it has none), in order."""
        return dict(_signature_defaults(cls.__init__))

    @classmethod
    def with_defaults(cls, attrs: dict[str, Any]) -> dict[str, Any]:
        """``attrs`` with every ``None`` of an attribute that has a default replaced by that
        default (each ``None`` point of a vector attribute too), so ``None`` means "unset"
        for every attribute alike and a table shows the value used. Attributes whose
        default is ``None`` (derived: ``adc_bits``, ``dac_bits``, ...) and required ones
        keep ``None``."""
        defaults = cls.attribute_defaults()
        out = dict(attrs)
        for key, value in attrs.items():
            default = defaults.get(key, REQUIRED)
            if default is REQUIRED or default is None:
                continue
            if value is None:
                out[key] = default
            elif key in cls.VECTOR_ATTRIBUTES and isinstance(value, list | tuple):
                out[key] = [default if v is None else v for v in value]
        return out

    @classmethod
    def action_names(cls) -> list[str]:
        """Names of the ``@action`` methods."""
        names = {n for base in cls.__mro__ for n, f in vars(base).items()
                 if getattr(f, "_is_component_action", False)}
        return sorted(names)

    @classmethod
    def evaluate(cls, attrs: dict[str, Any], n: int) -> tuple[BatchCosts, NodeMap]:
        """Costs at ``n`` points at the serving bundled node, and the node map.

        The node is the one the ``technology`` / ``tech_node`` attributes ask for (the same
        rule for every model, so it lives here); the costs are the model's own
        :meth:`costs_at` on that node's technology.
        """
        from grcim.plugins.models.ensemble import node_of  # imports this module

        node = node_of(attrs)
        return cls.costs_at(attrs, n, node.tech), node

    @classmethod
    def costs_at(cls, attrs: dict[str, Any], n: int, tech: Technology) -> BatchCosts:
        """Costs at ``n`` points on the bundled technology ``tech`` (what a model defines)."""
        raise NotImplementedError

    @classmethod
    def evaluate_scaled(cls, attrs: dict[str, Any], n: int) -> BatchCosts:
        """Costs at ``n`` points scaled to the requested node (what a query returns)."""
        costs, node = cls.evaluate(attrs, n)
        return costs.scaled(node)

    def _setup(self, attrs: dict[str, Any]) -> None:
        attrs.pop("self", None)
        attrs = type(self).with_defaults(attrs)
        point = {k: ([v] if k in self.VECTOR_ATTRIBUTES else v) for k, v in attrs.items()}
        costs, node = type(self).evaluate(point, 1)
        self.attributes = attrs
        self._energy = {a: float(e[0]) for a, e in costs.energy_j.items()}
        self._latency = float(costs.latency_s[0])
        self._throughput = float(costs.throughput_hz[0])
        ComponentModel.__init__(self, area=float(costs.area_m2[0]),
                                leak_power=float(costs.leak_power_w[0]))
        self.tech_node = ComponentModel.scale(  # a mixin: self is a ComponentModel
            self, "tech_node", node.target_node_m, node.source_node_m,
            area_scale_function=tech_node_area, energy_scale_function=tech_node_energy,
            leak_power_scale_function=tech_node_leak)

    def _cost(self, action_name: str) -> ActionCost:
        return ActionCost(energy=self._energy[action_name], latency=self._latency,
                          throughput=self._throughput)


class TollModel(CostModel):
    """A converter or stage that sits on a data path as an AccelForge ``Toll``.

    AccelForge charges a ``Toll``'s traffic as ``read``, so such a model answers ``read`` too:
    its ``evaluate`` prices ``read`` as its own action, and this one method serves every such
    model instead of a copy in each.
    """

    @action
    def read(self) -> ActionCost:
        """Same as the component's own action (AccelForge charges a ``Toll``'s traffic as
        ``read``)."""
        return self._cost("read")


class MacModel(CostModel):
    """One MAC of a macro (conventional FP-CIM, GR-MAC, integer CIM): the three differ only in
    their pipeline and its energy terms, which ``ensemble.mac_costs`` prices, so they share
    ``evaluate`` and the one action, ``compute``."""

    PIPELINE: ClassVar[str]
    """Pipeline of ``ensemble.macro_breakdown``: conventional, grmac or int."""
    TERMS: ClassVar[tuple[str, ...]]
    """Energy terms of the pipeline's per-MAC breakdown, in its order (``include_terms``)."""

    @classmethod
    def evaluate(cls, attrs: dict[str, Any], n: int) -> tuple[BatchCosts, NodeMap]:
        from grcim.plugins.models.ensemble import mac_costs  # imports this module

        return mac_costs(attrs, n, cls.PIPELINE, cls.TERMS)

    @action
    def compute(self) -> ActionCost:
        """One multiply-accumulate, with its shares of the periphery (J, s, MAC/s)."""
        return self._cost("compute")
