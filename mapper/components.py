"""Which node of an arch's AccelForge tree plays which part in the mapper's model.

The mapper counts actions per arch node (its ``name`` is the component name in every
breakdown) and prices them with the node's explicit actions or its hwcomponents model.
Roles are read from the tree's structure by :func:`grcim.arch.roles.derive_roles`, the
derivation the arch check (``grcim validate``) uses too, so both see the same node in each
role; top first:

- ``dram``: the first ``!Memory`` on the main path above every spatial fanout;
- ``sram``: the second such ``!Memory`` (the global buffer), if any;
- ``cells``: the first ``!Memory`` inside the macros (below the macro fanout): the CIM cells;
- ``mac``: the ``!Compute`` on the main path;
- ``vector``: the first ``!Compute`` inside a ``!Fork``, nested forks included (the digital
  vector unit);
- ``registers``: a ``!Memory`` in that ``!Fork`` above its ``!Compute`` (the vector unit's
  register file: its ``size`` bounds the operand reuse of QK^T and PV on the vector unit;
  without one, every MAC there reads its operands and partial sum from the SRAM);
- ``toll``: every ``!Toll``, with the tensors it charges (``tensors.keep`` intersected with
  what flows in its ``direction``: inputs and weights go down, outputs go up) and its
  *level*: how many spatial dimensions lie above it (0 = chip, 1 = inside one macro,
  2 = inside one row group). The first two dimensions must be the macro fanout
  (``n_macros``) and the row-group fanout (``rows / rows_per_adc``), as in the bundled files.

``instances`` is the product of the fanouts above a node times its
``n_parallel_instances``, as AccelForge counts them; it multiplies area and leakage. A node
below the column fanout (``usage_scale = n_weight_slices``: one weight spans that many
columns) therefore has one instance per cell column, and a per-weight model says so with
``area_scale`` / ``leak_power_scale`` = ``1 / n_weight_slices`` (the bundled MAC nodes do),
so the file means the same in grcim and in AccelForge.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from grcim.arch import Arch
from grcim.arch.nodes import ComputeNode, MemoryNode, TollNode
from grcim.arch.roles import Placed, derive_roles
from grcim.errors import MappingError

__all__ = ["Component", "ChipComponents", "bind_components", "Role"]

Role = Literal["dram", "sram", "cells", "mac", "vector", "registers", "toll"]
_TENSOR = re.compile(r"\b(input|output|weight)\b")


@dataclass(frozen=True)
class Component:
    """One arch node the mapper charges.

    Attributes
    ----------
    name : str
        Node name (component name in results).
    role : str
        ``dram``, ``sram``, ``cells``, ``mac``, ``vector``, ``registers`` or ``toll``.
    node : MemoryNode, TollNode or ComputeNode
        The arch node (its actions, ``component_class`` and attributes price it).
    instances : float
        Copies on the chip: product of the fanouts above times
        ``n_parallel_instances``.
    level : int
        Spatial dimensions above the node (0 chip, 1 macro, 2 row group, ...).
    charges : frozenset of str
        For tolls: the tensors (``input``, ``output``, ``weight``) whose traffic pays it.
    """

    name: str
    role: Role
    node: MemoryNode | TollNode | ComputeNode
    instances: float
    level: int
    charges: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ChipComponents:
    """The components of one chip arch, by role.

    Attributes
    ----------
    dram, sram, cells, mac, vector, registers : Component or None
        The component of each role (``sram``, ``cells``, ``vector`` and ``registers`` may
        be absent).
    tolls : tuple of Component
        Every toll, top first.
    """

    dram: Component
    sram: Component | None
    cells: Component | None
    mac: Component
    vector: Component | None
    tolls: tuple[Component, ...]
    registers: Component | None = None

    def all(self) -> tuple[Component, ...]:
        """Every component, top first (DRAM, SRAM, tolls, cells, MAC, registers, vector
        unit)."""
        found = (self.dram, self.sram, *self.tolls, self.cells, self.mac, self.registers,
                 self.vector)
        return tuple(c for c in found if c is not None)


def _charges(node: TollNode) -> frozenset[str]:
    keep = node.tensors.keep or ""
    names = set(_TENSOR.findall(keep))
    if keep.strip() in ("All", "all"):
        names = {"input", "output", "weight"}
    down = node.direction in ("down", "up_and_down")
    up = node.direction in ("up", "up_and_down")
    return frozenset(t for t in names if (t == "output" and up) or (t != "output" and down))


def _instances(node: MemoryNode | TollNode | ComputeNode, fanout: float) -> float:
    """Copies of ``node`` on the chip, as AccelForge counts them (no ``usage_scale``)."""
    return fanout * (node.n_parallel_instances or 1)


def _component(placed: Placed, role: Role) -> Component:
    """A main-path node as a component: AccelForge's instance count (the fanouts above
    times ``n_parallel_instances``, no ``usage_scale``) and its level."""
    node = placed.node
    fanout = math.prod(float(f) for f in placed.fanouts)  # 1 (an int) at the chip level
    return Component(node.name, role, node, _instances(node, fanout),
                     len(placed.fanouts),
                     _charges(node) if isinstance(node, TollNode) else frozenset())


def _check_fanouts(arch: Arch, dims: tuple[int, ...], tolls: tuple[Component, ...]) -> None:
    """Refuse fanouts other than macro, row group above the tolls: a toll's level is read as
    chip, macro or row group, so any other order would charge it per the wrong unit."""
    assert arch.chip is not None
    expected = (arch.chip.n_macros, arch.macro.n_row_groups)
    # Checked before a toll's depth: a macro fanout split over two spatial entries pushes
    # every toll one level down, and the depth error would not name the cause.
    need = min(max((t.level for t in tolls), default=1), len(expected))
    if tuple(dims[:need]) != expected[:need]:
        raise MappingError(
            f"arch {arch.name!r}: the main path's first fanouts are {list(dims[:need])}; "
            f"grcim's mapper needs the macro fanout ({arch.chip.n_macros}) then the row-group "
            f"fanout ({arch.macro.n_row_groups} = rows / rows_per_adc) above its tolls, "
            "each one spatial entry")


def _branch_component(placed: Placed | None, role: Role) -> Component | None:
    """The vector unit or its registers: ``n_parallel_instances`` copies at the chip level
    (a fork's nodes are charged once per chip, whatever fanouts lie above the fork)."""
    if placed is None:
        return None
    node = placed.node
    return Component(node.name, role, node, node.n_parallel_instances or 1, 0)


def bind_components(arch: Arch) -> ChipComponents:
    """Bind the nodes of a chip arch to the mapper's roles (see the module docstring).

    Raises
    ------
    grcim.errors.MappingError
        The arch is a macro file, has no memory above the macros, no main-path compute, a
        toll below the row-group level, or fanouts in another order than macro, row group.
    """
    if arch.chip is None:
        raise MappingError(f"arch {arch.name!r} is a macro file (kind: macro); mapping needs "
                           "a chip with global SRAM, DRAM and a vector unit (kind: chip)")
    if arch.chip.n_macros < 1:
        raise MappingError(f"arch {arch.name!r} has {arch.chip.n_macros} CIM macros: the "
                           "weight matmuls have no macro to run on (n_macros must be at "
                           "least 1)")
    roles = derive_roles(arch.nodes)
    tolls = tuple(_component(t, "toll") for t in roles.tolls)
    _check_fanouts(arch, roles.fanouts, tolls)
    for toll in tolls:
        if toll.level > 2:
            raise MappingError(f"arch {arch.name!r}: toll {toll.name!r} sits below the "
                               "column fanout; grcim's mapper charges tolls only above "
                               "the columns (chip, macro or row-group level)")
    if not roles.memories_above:
        raise MappingError(f"arch {arch.name!r}: no !Memory above the macro fanout (DRAM); "
                           "weights and activations have nowhere to live")
    if roles.mac is None:  # pragma: no cover - the arch loader requires one compute node
        raise MappingError(f"arch {arch.name!r}: no !Compute node on the main path")
    dram = _component(roles.memories_above[0], "dram")
    sram = (_component(roles.memories_above[1], "sram") if len(roles.memories_above) > 1
            else None)
    cells = None if roles.cells is None else _component(roles.cells, "cells")
    return ChipComponents(dram, sram, cells, _component(roles.mac, "mac"),
                          _branch_component(roles.vector, "vector"), tolls,
                          _branch_component(roles.registers, "registers"))
