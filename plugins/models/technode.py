"""How ``technology`` and ``tech_node`` attributes map to a technology record.

``technology`` (Accelergy's attribute name) is a bundled node name (``"28nm"``, ``"65nm"``,
...), a technology YAML file (bundled grammar: ``plugins/tech/*.yaml``), or a node size
(``"45nm"``; a number is nanometres when >= 1, metres below, Accelergy's convention); ``tech_node`` (hwcomponents' name) is a node size in metres or
``"<x>nm"``. Rules:

- neither: the default technology (28 nm);
- a technology file or bundled name alone: its constants as they are;
- a node size (either attribute) alone: the nearest bundled node, scaled (below);
- a technology file and a ``tech_node`` that differs from its ``node_m``: the file's
  constants scaled to ``tech_node`` (below).

Node sizes:

- Within ``EXACT_TOLERANCE`` (relative) of a bundled node (7, 22, 28, 65, 130 nm): that
  node's technology file is used as is.
- Otherwise, inside ``TECH_NODE_RANGE_M``: the model is evaluated at the nearest bundled node
  (in log distance) and its energy, area and leakage are scaled to the requested node with
  ``hwcomponents.scaling`` (Stillmaker & Baas, Integration 58, 2017, via
  ``ComponentModel.scale``). Latency and throughput are not scaled: they are set by the
  ``throughput``/``cycle_period`` attributes or the technology's conversion rate.
  The scaling tables describe logic; kT/C-limited analog energy does not shrink with the
  node, which is why bundled nodes sit at most a factor of 1.6 from any node in range
  (7-130 nm; 45 nm is 1.44x from 65 nm, 1.6x from 28 nm).
- Outside the range the models decline (``ModelDomainError``), so another model can serve.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Any

from hwcomponents.scaling import tech_node_area, tech_node_energy, tech_node_leak

from grcim.errors import ModelDomainError
from grcim.plugins.technology import BUNDLED_NODES, Technology, load_technology

__all__ = ["NodeMap", "EXACT_TOLERANCE", "TECH_NODE_RANGE_M", "parse_tech_node",
           "resolve_node", "node_from_attributes"]

#: Relative distance to a bundled node treated as that node (absorbs float noise).
EXACT_TOLERANCE = 1e-3
#: Nodes served, m (bundled 7, 22, 28, 65 and 130 nm; others scaled from the nearest).
TECH_NODE_RANGE_M = (7e-9, 130e-9)
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
    except (TypeError, ValueError):
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


@functools.lru_cache(maxsize=256)
def resolve_node(tech_node: float) -> NodeMap:
    """Map a node (m, already parsed) to the bundled technology and scale factors."""
    techs = _bundled()
    nearest = min(techs, key=lambda t: abs(math.log(tech_node / t.node_m)))
    if abs(tech_node / nearest.node_m - 1.0) <= EXACT_TOLERANCE:
        return NodeMap(nearest, nearest.node_m, nearest.node_m, 1.0, 1.0, 1.0)
    src = nearest.node_m
    return NodeMap(nearest, src, tech_node, tech_node_energy(tech_node, src),
                   tech_node_area(tech_node, src), tech_node_leak(tech_node, src))


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


def _technology_size(value: Any) -> float:
    """A node size given as ``technology`` (Accelergy's convention): ``"22nm"``, a number
    of nanometres (>= 1) or of metres (< 1)."""
    if isinstance(value, bool):
        raise ModelDomainError("technology", value, "a node size")
    if isinstance(value, int | float) and math.isfinite(value) and value >= 1.0:
        return parse_tech_node(f"{value}nm")
    return parse_tech_node(value)


def node_from_attributes(technology: Any, tech_node: Any) -> NodeMap:
    """The technology and scaling serving a model's ``technology`` and ``tech_node``."""
    target = None if tech_node is None else parse_tech_node(tech_node)
    if isinstance(technology, str):  # the Timeloop front-end quotes text twice
        technology = technology.strip().strip("\"'")
    if technology is None or (isinstance(technology, str) and not technology):
        return resolve_node(target if target is not None else 28e-9)
    if isinstance(technology, str):
        key = technology.strip()
        if key in BUNDLED_NODES:
            tech = next(t for t in _bundled() if t.name == key)
            return _scaled(tech, target if target is not None else tech.node_m)
        if key.endswith((".yaml", ".yml")) or "/" in key or "\\" in key:
            tech = _technology_file(key)
            return _scaled(tech, target if target is not None else tech.node_m)
    try:
        node = _technology_size(technology)
    except ModelDomainError:
        raise ModelDomainError(
            "technology", technology, "a bundled node (" + ", ".join(BUNDLED_NODES) + "), a "
            "node size from 7nm to 130nm (a number: nm if >= 1, else m), or a technology "
            "YAML file") from None
    return resolve_node(target if target is not None else node)
