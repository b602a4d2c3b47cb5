"""Which node of an arch's node tree plays which role: the one derivation of the roles.

Both the arch check (:mod:`grcim.arch.consistency`, run by loading and ``grcim validate``)
and the mapper (:mod:`grcim.mapper.components`, run by ``grcim map``) read the roles from
here, so a node the mapper prices as, say, the vector unit is the node whose values the
check compares with the vector unit's variables. (They used to walk the tree each in its
own way and disagreed on a vector unit nested in a ``!Fork`` inside a ``!Fork``: the mapper
bound it, the check skipped it, and a node value differing from its variable passed.)

Roles are read from the tree's structure, top first:

- the main path is ``arch.nodes`` without its ``!Fork`` branches; every ``spatial`` entry
  of a node on it adds one fanout for the nodes after it;
- ``memories_above``: the ``!Memory`` nodes above every fanout (the first is the DRAM, the
  second the global SRAM);
- ``cells``: the first ``!Memory`` below a fanout (one weight's CIM cells);
- ``mac``: the last ``!Compute`` on the main path;
- ``tolls``: every ``!Toll`` on the main path;
- ``vector``: the first ``!Compute`` of the first top-level ``!Fork`` holding one anywhere
  in its branch (nested ``!Fork`` included), in the order :func:`walk_all` visits them;
- ``registers``: the last ``!Memory`` before that ``!Compute`` in the same walk (the vector
  unit's register file).

This module only places nodes; what a role must satisfy (the checks) and what it costs stay
with the check and the mapper.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from grcim.arch.nodes import ComputeNode, ForkNode, MemoryNode, Node, TollNode
from grcim.arch.quoting import Path

__all__ = ["Placed", "Roles", "derive_roles", "unplaced"]


@dataclass(frozen=True)
class Placed:
    """One node in its role.

    Attributes
    ----------
    node : MemoryNode, TollNode or ComputeNode
        The node.
    path : tuple
        Its key path below ``arch.nodes``: ``(3,)`` on the main path, ``(2, "nodes", 1)``
        in a ``!Fork`` branch (error messages and the YAML line follow it).
    fanouts : tuple of int
        Spatial fanouts of the main path above the node, top first (for a node in a
        ``!Fork``: those above the ``!Fork``).
    """

    node: MemoryNode | TollNode | ComputeNode
    path: Path
    fanouts: tuple[int, ...]


@dataclass(frozen=True)
class Roles:
    """The nodes of one arch by role (module docstring); ``None`` / empty when absent.

    Attributes
    ----------
    fanouts : tuple of int
        Every spatial fanout of the main path, top first.
    memories_above : tuple of Placed
        ``!Memory`` nodes above every fanout (DRAM, then the global SRAM).
    cells, mac, vector, registers : Placed or None
        One weight's cells, the main-path MAC, the vector unit and its registers.
    tolls : tuple of Placed
        Every main-path toll, top first.
    """

    fanouts: tuple[int, ...]
    memories_above: tuple[Placed, ...]
    cells: Placed | None
    mac: Placed | None
    tolls: tuple[Placed, ...]
    vector: Placed | None
    registers: Placed | None


def _walk_branch(nodes: tuple[Node, ...], path: Path) -> Iterator[tuple[Path, Node]]:
    """Every node of a ``!Fork`` branch with its key path, in :func:`walk_all`'s order."""
    for i, node in enumerate(nodes):
        yield (*path, i), node
        if isinstance(node, ForkNode):
            yield from _walk_branch(node.nodes, (*path, i, "nodes"))


def _vector_branch(nodes: tuple[Node, ...], fanouts: list[tuple[int, ...]]
                   ) -> tuple[Placed | None, Placed | None]:
    for i, node in enumerate(nodes):
        if not isinstance(node, ForkNode):
            continue
        branch = list(_walk_branch(node.nodes, (i, "nodes")))
        at = next((k for k, (_, n) in enumerate(branch) if isinstance(n, ComputeNode)), None)
        if at is None:
            continue  # a fork without compute (e.g. a side memory): look in the next one
        path, vec = branch[at]
        assert isinstance(vec, ComputeNode)
        vector = Placed(vec, path, fanouts[i])
        regs = [(p, n) for p, n in branch[:at] if isinstance(n, MemoryNode)]
        if not regs:
            return vector, None
        reg_path, reg = regs[-1]  # the memory next to the lanes
        assert isinstance(reg, MemoryNode)
        return vector, Placed(reg, reg_path, fanouts[i])
    return None, None


def derive_roles(nodes: tuple[Node, ...]) -> Roles:
    """Place the nodes of ``arch.nodes`` in their roles (module docstring); checks nothing."""
    dims: list[int] = []
    above: list[tuple[int, ...]] = []  # fanouts above each top-level node
    memories_above: list[Placed] = []
    cells: Placed | None = None
    mac: Placed | None = None
    tolls: list[Placed] = []
    for i, node in enumerate(nodes):
        here = tuple(dims)
        above.append(here)
        if isinstance(node, ForkNode):
            continue  # a side branch: neither above nor below the main path's nodes
        if isinstance(node, MemoryNode):
            if not here:
                memories_above.append(Placed(node, (i,), here))
            elif cells is None:
                cells = Placed(node, (i,), here)
        elif isinstance(node, TollNode):
            tolls.append(Placed(node, (i,), here))
        elif isinstance(node, ComputeNode):
            mac = Placed(node, (i,), here)
        dims.extend(s.fanout for s in getattr(node, "spatial", ()))
    vector, registers = _vector_branch(nodes, above)
    return Roles(tuple(dims), tuple(memories_above), cells, mac, tuple(tolls), vector,
                 registers)


def _priced(roles: Roles) -> tuple[Placed, ...]:
    """The placed nodes the mapper prices (the DRAM and SRAM: the first two memories)."""
    one = (roles.cells, roles.mac, roles.vector, roles.registers)
    return (*roles.memories_above[:2], *roles.tolls, *(p for p in one if p is not None))


def unplaced(nodes: tuple[Node, ...], roles: Roles
             ) -> Iterator[tuple[Path, MemoryNode | TollNode | ComputeNode]]:
    """Every ``!Memory``, ``!Toll`` and ``!Compute`` of the tree (forks included) that plays
    no role, with its key path: nodes grcim's mapper would leave out of energy and area."""
    priced = {id(p.node) for p in _priced(roles)}
    for path, node in _walk_branch(nodes, ()):
        if isinstance(node, MemoryNode | TollNode | ComputeNode) and id(node) not in priced:
            yield path, node
