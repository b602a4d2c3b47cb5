"""A chip's node values must agree with the ``arch.variables`` grcim's mapper reads.

An arch file states some numbers twice: AccelForge reads the node tree (a memory's
``size``, an action's ``energy`` and ``throughput``, a node's ``area`` and
``leak_power``), while grcim's mapper reads sizes, bandwidths and the vector unit's costs
from the typed variables (``dram_size_bytes``, ``dram_bandwidth_bytes_per_s``, ...) and
energies, areas and leakage from the nodes. The bundled files write every node value as
an expression of its variable, so both engines see one number; a file that writes a
different literal in a node would have grcim silently ignore it. grcim therefore refuses a
node value that disagrees with its variable (docs/arch.md, "Node values and variables").

Roles come from :func:`grcim.arch.roles.derive_roles`, which the mapper
(:mod:`grcim.mapper.components`) binds its components with too, so the node checked against
a role's variables is the node the mapper prices in that role: on the main path, the first
``!Memory`` above every spatial fanout is the DRAM, the second the global SRAM; the first
``!Memory`` below the fanouts holds one weight's cells; the first ``!Compute`` in a
``!Fork`` (nested ``!Fork`` included) is the vector unit.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from grcim.arch.chip import ChipSpec
from grcim.arch.fields import Reader
from grcim.arch.nodes import ComputeNode, MemoryNode, Node
from grcim.arch.quoting import Path
from grcim.arch.roles import Placed, Roles, unplaced

__all__ = ["check_chip_nodes", "check_every_node_priced", "REL_TOL"]

REL_TOL = 1e-9
"""Relative tolerance of the comparison (both sides are the same expression, evaluated in
float64 in a different order at most)."""


@dataclass(frozen=True)
class _Placed:
    node: MemoryNode | ComputeNode
    path: Path
    raw: Any


def _placed(role: Placed, raw: Any, path: Path) -> _Placed:
    """A node in its role with its key path from the top and its YAML mapping (for lines)."""
    entry = raw
    for key in role.path:  # walk the same path through the YAML lists and mappings
        if isinstance(key, int):
            entry = entry[key] if isinstance(entry, list) and key < len(entry) else None
        else:
            entry = entry.get(key) if isinstance(entry, dict) else None
    node = role.node
    assert isinstance(node, MemoryNode | ComputeNode)  # the roles checked here hold no toll
    return _Placed(node, (*path, *role.path), entry)


def _close(a: float, b: float) -> bool:
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=0.0)


class _Checker:
    def __init__(self, r: Reader, line: int | None) -> None:
        self.r, self.line = r, line

    def _line(self, raw: Any, *keys: str | int) -> int | None:
        node = raw
        line = self.r.line(raw) or self.line
        for key in keys:
            if isinstance(node, dict) and key in node:
                line = self.r.line(node, key) or line
                node = node[key]
            elif isinstance(node, list) and isinstance(key, int) and key < len(node):
                line = self.r.line(node[key]) or line
                node = node[key]
            else:
                break
        return line

    def equal(self, at: _Placed, keys: tuple[str | int, ...], value: float,
              expected: float, variable: str, role: str, what: str = "") -> None:
        """``value`` (the node's, or ``what`` derived from it) must equal ``expected``."""
        if _close(float(value), float(expected)):
            return
        derived = f"{what} = {value:.6g}, which " if what else ""
        raw_value = value if not what else self._raw(at, keys)
        raise self.r.error((*at.path, *keys), raw_value, f"{derived}must equal {variable} = "
                           f"{expected:.6g} from arch.variables (node {at.node.name!r} is the "
                           f"{role}); a node value may not differ from its variable: write it "
                           "as an expression of the variable", self._line(at.raw, *keys))

    def _raw(self, at: _Placed, keys: tuple[str | int, ...]) -> Any:
        node: Any = at.node  # walks down attributes and list items
        for key in keys:
            node = node[key] if isinstance(key, int) else getattr(node, key)
        return node

    def actions(self, at: _Placed, role: str, names: tuple[str, ...]) -> Iterator[
            tuple[str, int, Any]]:
        """(name, index, action) of each required explicit action with an energy."""
        node = at.node
        for name in names:
            index = next((i for i, a in enumerate(node.actions or ()) if a.name == name), None)
            action = None if index is None else (node.actions or ())[index]
            if index is None or action is None or action.energy is None:
                raise self.r.error((*at.path, "actions"), name, f"an explicit {name!r} action "
                                   f"with an energy: node {node.name!r} is the {role}, priced "
                                   "from its actions and arch.variables, not from a model",
                                   self._line(at.raw, "actions"))
            yield name, index, action

    def static(self, at: _Placed, key: str, expected: float, variable: str,
               role: str) -> None:
        """The node's ``area`` or ``leak_power`` times its ``n_parallel_instances`` (0 when
        absent and no model prices it, as the mapper does)."""
        value = getattr(at.node, key)
        if value is None:
            if at.node.component_class is not None:
                return  # a model prices it; nothing written in the node to disagree
            value = 0.0
        copies = at.node.n_parallel_instances or 1.0
        what = f"{key} * n_parallel_instances" if copies != 1.0 else ""
        self.equal(at, (key,), value * copies, expected, variable, role, what)


def _bits(node: MemoryNode | ComputeNode, action: Any) -> float:
    return float(action.bits_per_action or getattr(node, "bits_per_action", None) or 1.0)


def _per_bit(node: MemoryNode | ComputeNode, action: Any) -> tuple[float, str]:
    """Energy per bit the mapper charges for ``action``, and how it is derived."""
    scale = node.energy_scale if node.energy_scale is not None else 1.0
    bits = _bits(node, action)
    what = "energy" + (" * energy_scale" if scale != 1.0 else "") + (
        " / bits_per_action" if bits != 1.0 else "")
    return action.energy * scale / bits, ("" if what == "energy" else what)


def _memory(c: _Checker, at: _Placed, role: str, prefix: str, size_bits: float,
            read_bw: float, write_bw: float, energies: dict[str, float]) -> None:
    node = at.node
    assert isinstance(node, MemoryNode)
    c.equal(at, ("size",), node.size, size_bits, f"{prefix}_size_bytes * 8", role)
    bandwidth = {"read": read_bw, "write": write_bw}
    for name, i, action in c.actions(at, role, ("read", "write")):
        per_bit, what = _per_bit(node, action)
        c.equal(at, ("actions", i, "energy"), per_bit, energies[name],
                f"{prefix}_{name}_energy_per_bit_j", role, what)
        if action.throughput is not None:
            bits = _bits(node, action)
            variable = (f"{prefix}_bandwidth_bytes_per_s" if prefix == "dram"
                        else f"{prefix}_{name}_bandwidth_bytes_per_s")
            c.equal(at, ("actions", i, "throughput"), action.throughput * bits,
                    bandwidth[name] * 8, f"{variable} * 8", role,
                    "throughput * bits_per_action" if bits != 1.0 else "")


def _costs_something(node: Node) -> bool:
    """A node some engine would charge: a priced component class, area, leakage or an
    action energy (``component_class: Dummy`` and all-zero nodes cost nothing)."""
    cls = (getattr(node, "component_class", None) or "").strip().lower()
    if cls and cls != "dummy":
        return True
    if (getattr(node, "area", None) or 0.0) > 0.0 or (getattr(node, "leak_power", None)
                                                       or 0.0) > 0.0:
        return True
    return any((a.energy or 0.0) > 0.0 for a in getattr(node, "actions", None) or ())


def check_every_node_priced(r: Reader, roles: Roles, nodes: tuple[Node, ...], raw: Any,
                            path: Path, line: int | None) -> None:
    """Refuse a node that costs something but plays no role grcim's mapper prices.

    The mapper binds the roles of :mod:`grcim.arch.roles` (DRAM, global SRAM, tolls, cells,
    MAC, vector unit, registers); any other node with a cost (a third memory above the
    fanouts, a memory below the cells, a second compute in a fork, ...) would be left out
    of energy, area and leakage with exit 0, where AccelForge charges it.

    Raises
    ------
    grcim.errors.SpecError
        Naming the node's key path, line and name.
    """
    inside = (*roles.tolls, *(p for p in (roles.cells, roles.mac) if p is not None))
    for placed in inside:
        copies = placed.node.n_parallel_instances
        if placed.fanouts and copies not in (None, 1):
            raise r.error((*path, *placed.path, "n_parallel_instances"), copies,
                          "1 or absent inside a macro: its variables set how many there are "
                          "(adcs_per_macro through the ADC node's n_adcs, rows and cols); "
                          "copies here would multiply the node's area and leakage but not "
                          "the conversion rate or timing the mapper derives from them",
                          line)
    for at, node in unplaced(nodes, roles):
        if not _costs_something(node):
            continue
        entry = raw
        for key in at:  # the same walk as _placed, for the node's line
            if isinstance(key, int):
                entry = entry[key] if isinstance(entry, list) and key < len(entry) else None
            else:
                entry = entry.get(key) if isinstance(entry, dict) else None
        kind = type(node).__name__.removesuffix("Node")
        raise r.error((*path, *at, "name"), node.name,
                      f"a node grcim's mapper prices; this !{kind} plays no role it binds "
                      "(the first two !Memory above the fanouts: DRAM, global SRAM; the "
                      "main-path !Toll nodes; the first !Memory below the fanouts: the "
                      "cells; the main-path !Compute: the MAC; the first !Compute in a "
                      "!Fork and the !Memory before it: vector unit and registers), so its "
                      "energy, area and leakage would be left out: remove it, or give it "
                      "component_class: Dummy and no costs (docs/arch.md)",
                      r.line(entry, "name") or r.line(entry) or line)


def check_chip_nodes(r: Reader, roles: Roles, raw: Any, chip: ChipSpec,
                     path: Path, line: int | None) -> None:
    """Refuse a chip whose node values disagree with the variables (module docstring).

    Raises
    ------
    grcim.errors.SpecError
        Naming the node value's key path and line, its value, the variable it must equal
        and that variable's value.
    """
    c = _Checker(r, line)
    above = [_placed(m, raw, path) for m in roles.memories_above]
    cells = None if roles.cells is None else _placed(roles.cells, raw, path)
    if not above:
        raise r.error(path, None, "a chip needs a !Memory above the macro fanout: the "
                      "first one is the DRAM (weights and activations live there)", line)
    dram, macro = chip.dram, chip.macro
    _memory(c, above[0], "DRAM, the first !Memory above the macro fanout", "dram",
            dram.size_bytes * 8.0, dram.bandwidth_bytes_per_s, dram.bandwidth_bytes_per_s,
            {"read": dram.read_energy_per_bit_j, "write": dram.write_energy_per_bit_j})
    if len(above) > 1:
        sram = chip.sram
        role = "global SRAM, the second !Memory above the macro fanout"
        at = above[1]
        _memory(c, at, role, "sram", sram.size_bytes * 8.0, sram.read_bandwidth_bytes_per_s,
                sram.write_bandwidth_bytes_per_s,
                {"read": sram.read_energy_per_bit_j, "write": sram.write_energy_per_bit_j})
        c.static(at, "area", sram.area_m2, "sram_area_m2", role)
        c.static(at, "leak_power", sram.leak_power_w, "sram_leak_power_w", role)
    if cells is not None:
        role = "cells of one weight, the first !Memory below the fanouts"
        node = cells.node
        assert isinstance(node, MemoryNode)
        per_weight = macro.n_weight_slices * macro.cell_bits
        c.equal(cells, ("size",), node.size, per_weight, "n_weight_slices * cell_bits", role)
        write = node.action("write")
        if write is not None and write.energy is not None:
            i = [a.name for a in node.actions or ()].index("write")
            per_bit, what = _per_bit(node, write)
            c.equal(cells, ("actions", i, "energy"), per_bit,
                    macro.weight_write_energy_per_row_j / (macro.cols * macro.cell_bits),
                    "weight_write_energy_per_row_j / (cols * cell_bits)", role, what)
    if roles.vector is not None:
        vector = _placed(roles.vector, raw, path)
        role = "vector unit, the !Compute in a !Fork, whose compute is one MAC: a mul and an add"
        spec = chip.vector
        node = vector.node
        compute = node.action("compute")
        if compute is not None:
            i = [a.name for a in node.actions or ()].index("compute")
            scale = node.energy_scale if node.energy_scale is not None else 1.0
            if compute.energy is not None:
                c.equal(vector, ("actions", i, "energy"), compute.energy * scale,
                        spec.mul_energy_j + spec.add_energy_j,
                        "vector_mul_energy_j + vector_add_energy_j", role,
                        "energy * energy_scale" if scale != 1.0 else "")
            if compute.throughput is not None:
                c.equal(vector, ("actions", i, "throughput"), compute.throughput,
                        spec.throughput_ops_per_s / 2, "vector_throughput_ops_per_s / 2",
                        role)
        c.static(vector, "area", spec.area_m2, "vector_area_m2", role)
        c.static(vector, "leak_power", spec.leak_power_w, "vector_leak_power_w", role)
