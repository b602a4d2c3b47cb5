"""How ``technology`` and ``tech_node`` attributes map to a technology record.

``technology`` (Accelergy's attribute name) is a bundled node name (``"28nm"``, ``"65nm"``,
...), a technology YAML file (bundled grammar: ``physics/tech/*.yaml``), or a node size
(``"45nm"``; a number is nanometres when >= 1, metres below, Accelergy's convention);
``tech_node`` (hwcomponents' name) is a node size in metres or ``"<x>nm"``. Rules:

- neither: the default technology (28 nm);
- a technology file or bundled name alone: its constants as they are;
- a node size (either attribute) alone: the bundled files' constants at that node (below);
  a ``technology`` spelling a bundled node's size in any form (``"28nm"``, ``"28 nm"``,
  ``28``, ``2.8e-8``) is that bundled file;
- a ``technology`` (file, bundled name or size) and a ``tech_node`` that differs from its
  node: its energies, areas and leakage scaled to ``tech_node`` with ``hwcomponents.scaling``
  (Stillmaker & Baas, Integration 58, 2017; logic scaling, applied to the whole component).

Node sizes:

- Within ``EXACT_TOLERANCE`` (relative) of a bundled node (7, 22, 28, 65, 130 nm): that
  node's technology file is used as is.
- Between two bundled nodes: every constant of the two files around it is interpolated
  linearly in ``log(node)`` (geometrically for positive quantities: supply, swing, unit
  capacitor, gate energies, Walden FOM; linearly for dB), so energies move smoothly and
  monotonically with the node; areas follow the node through the bitcell and logic-density
  tables of ``grcim.physics.energy.area``. (The bundled files carry the sourced values; in
  between is an interpolation, not a measurement.)
- Outside the range the models decline (``ModelDomainError``), so another model can serve.
"""

from __future__ import annotations

import functools
import math
import numbers
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from hwcomponents.scaling import tech_node_area, tech_node_energy, tech_node_leak

from grcim.errors import ModelDomainError
from grcim.physics.technology import BUNDLED_NODES, Technology, load_technology
from grcim.resources import names_a_file

__all__ = ["NodeMap", "EXACT_TOLERANCE", "TECH_NODE_RANGE_M", "parse_tech_node",
           "technology_size_m", "resolve_node", "node_from_attributes"]

#: Relative distance to a bundled node treated as that node (absorbs float noise).
EXACT_TOLERANCE = 1e-3
#: Nodes served, m (bundled 7, 22, 28, 65 and 130 nm; others scaled from the nearest).
TECH_NODE_RANGE_M = (7e-9, 130e-9)
_NANO = Decimal("1e-9")
_NM = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*nm\s*$")


@dataclass(frozen=True)
class NodeMap:
    """A requested node and the bundled technology that serves it.

    Attributes
    ----------
    tech : Technology
        Bundled technology the model is evaluated with.
    source_node_m : float
        Feature size of ``tech``, m.
    target_node_m : float
        Requested feature size, m (equals ``source_node_m`` for an exact match).
    energy_scale, area_scale, leak_power_scale : float
        hwcomponents tech-node factors from source to target (1.0 for an exact match).
    """

    tech: Technology
    source_node_m: float
    target_node_m: float
    energy_scale: float
    area_scale: float
    leak_power_scale: float

    @property
    def exact(self) -> bool:
        """True when the bundled node is used without scaling."""
        return self.source_node_m == self.target_node_m


def parse_tech_node(value: Any) -> float:
    """``tech_node`` in metres: a number (m) or a string such as ``"22nm"``."""
    m = _NM.match(value) if isinstance(value, str) else None
    try:
        node = float(m.group(1)) * 1e-9 if m else float(value)
    except (TypeError, ValueError, OverflowError):  # an integer too large for a float too
        node = float("nan")
    lo, hi = TECH_NODE_RANGE_M
    if not (math.isfinite(node) and lo * (1 - EXACT_TOLERANCE) <= node
            <= hi * (1 + EXACT_TOLERANCE)):
        raise ModelDomainError(
            "tech_node", value, f"a feature size in metres from {lo:g} to {hi:g} "
            "(bundled 7e-9, 22e-9, 28e-9, 65e-9, 130e-9; others scaled with "
            "hwcomponents.scaling)")
    return node


@functools.cache
def _bundled() -> tuple[Technology, ...]:
    return tuple(load_technology(n) for n in BUNDLED_NODES)


def _interpolated(node_m: float, lo: Technology, hi: Technology) -> Technology:
    """Technology constants between two bundled files: every number interpolated linearly in
    ``log(node)`` (geometrically for the positive physical quantities)."""
    f = math.log(node_m / lo.node_m) / math.log(hi.node_m / lo.node_m)
    values: dict[str, Any] = {}
    for name, a in lo.model_dump().items():
        b = getattr(hi, name)
        if isinstance(a, float) and a > 0 and b > 0 and not name.endswith("_db"):
            values[name] = math.exp((1.0 - f) * math.log(a) + f * math.log(b))
        elif isinstance(a, float):
            values[name] = (1.0 - f) * a + f * b
        else:
            values[name] = a
    values["node_m"] = node_m
    values["name"] = f"{node_m * 1e9:.4g}nm (between {lo.name} and {hi.name})"
    return Technology(**values)


@functools.lru_cache(maxsize=256)
def resolve_node(tech_node: float) -> NodeMap:
    """The technology of a node size (m, already parsed): a bundled file within
    ``EXACT_TOLERANCE``, else the constants interpolated between the two bundled files
    around it (smooth and monotone in the node; no further scaling)."""
    techs = sorted(_bundled(), key=lambda t: t.node_m)
    for t in techs:
        if abs(tech_node / t.node_m - 1.0) <= EXACT_TOLERANCE:
            return NodeMap(t, t.node_m, t.node_m, 1.0, 1.0, 1.0)
    below = [t for t in techs if t.node_m < tech_node]
    above = [t for t in techs if t.node_m > tech_node]
    if not below or not above:  # pragma: no cover - parse_tech_node keeps nodes in range
        raise ModelDomainError("tech_node", tech_node, "inside the bundled nodes' range")
    tech = _interpolated(tech_node, below[-1], above[0])
    return NodeMap(tech, tech_node, tech_node, 1.0, 1.0, 1.0)


@functools.lru_cache(maxsize=64)
def _file_technology(path: str, mtime_ns: int, size: int) -> Technology:
    return load_technology(path)


def _technology_file(value: str) -> Technology:
    import os

    try:
        st = os.stat(value)
    except OSError as exc:
        raise ModelDomainError("technology", value, "a bundled node (" + ", ".join(BUNDLED_NODES)
                               + f"), a node size, or a readable technology YAML file "
                               f"({exc.strerror})") from None
    return _file_technology(os.path.abspath(value), st.st_mtime_ns, st.st_size)


def _scaled(tech: Technology, target_m: float) -> NodeMap:
    src = tech.node_m
    if abs(target_m / src - 1.0) <= EXACT_TOLERANCE:
        return NodeMap(tech, src, src, 1.0, 1.0, 1.0)
    return NodeMap(tech, src, target_m, tech_node_energy(target_m, src),
                   tech_node_area(target_m, src), tech_node_leak(target_m, src))


def technology_size_m(value: Any) -> float | None:
    """The node size a ``technology`` spells, in metres (Accelergy's convention: ``"22nm"``,
    a number of nanometres (>= 1) or of metres (< 1)), or None when it spells none (a
    bundled name is a size; a file path, a boolean or a non-finite number is not). A number
    is any real (numpy scalars too), and text that reads as a number is that number:
    ``"22"`` is 22 nm like ``22``; the Timeloop front-end's second quotes are dropped. Not
    range-checked (:func:`_technology_size` is). One rule for the models and the Accelergy
    adapter and check (docs/plugins.md: whatever the spelling)."""
    if isinstance(value, bool | np.bool_):
        return None
    number: Any = value
    if isinstance(value, str):
        text = value.strip().strip("\"'")
        m = _NM.match(text)
        if m:
            # decimal text: "22nm" is exactly the float 22e-9, as 22e-9 typed is
            return float(Decimal(m.group(1)) * _NANO)
        try:
            number = float(text)
        except ValueError:
            return None
    if not isinstance(number, numbers.Real):
        return None
    try:
        x = float(number)
    except OverflowError:  # an integer too large for a float
        return None
    if not math.isfinite(x):
        return None
    return float(Decimal(repr(x)) * _NANO) if x >= 1.0 else x


def _technology_size(value: Any) -> float:
    """:func:`technology_size_m`, within the nodes the models serve (``ModelDomainError``
    naming ``technology`` or ``tech_node`` otherwise)."""
    if isinstance(value, bool | np.bool_):
        raise ModelDomainError("technology", value, "a node size")
    size = technology_size_m(value)
    if size is None:
        if isinstance(value, numbers.Real) or (isinstance(value, str) and _is_number(value)):
            raise ModelDomainError("technology", value, "a node size")
        return parse_tech_node(value)  # not a size: refused there
    return parse_tech_node(size)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def node_from_attributes(technology: Any, tech_node: Any) -> NodeMap:
    """The technology and scaling serving a model's ``technology`` and ``tech_node``."""
    target = None if tech_node is None else parse_tech_node(tech_node)
    if isinstance(technology, str):  # the Timeloop front-end quotes text twice
        technology = technology.strip().strip("\"'")
    if technology is None or (isinstance(technology, str) and not technology):
        return resolve_node(target if target is not None else 28e-9)
    tech = _named_technology(technology)
    return _scaled(tech, target if target is not None else tech.node_m)


def _named_technology(technology: Any) -> Technology:
    """The technology a non-empty ``technology`` attribute names: a bundled node, a file, or
    a node size (the bundled file itself for a bundled size, however spelt: "28nm",
    "28 nm", 28, 2.8e-8), which a ``tech_node`` that differs scales like any technology;
    tech_node once replaced it, so "28 nm" and "28nm" with tech_node 65e-9 priced
    different nodes."""
    if isinstance(technology, str):
        key = technology.strip()
        if key in BUNDLED_NODES:
            return next(t for t in _bundled() if t.name == key)
        if names_a_file(key):  # the rule every bundled-or-file argument follows
            return _technology_file(key)
    try:
        node = _technology_size(technology)
    except ModelDomainError:
        raise ModelDomainError(
            "technology", technology, "a bundled node (" + ", ".join(BUNDLED_NODES) + "), a "
            "node size from 7nm to 130nm (a number: nm if >= 1, else m), or a technology "
            "YAML file") from None
    return resolve_node(node).tech
